/*
 * report.h: drift and audit reports: the model, its JSON files, the
 * renderers (text, JSON, Markdown), secret redaction, and the git
 * committer.
 *
 * A report is built by `cairn drift` (kind DRIFT: one entry per resource
 * in state) or `cairn audit` (kind AUDIT: one entry per control evaluated,
 * its findings, the waivers written in the template, and a drift section).
 * Build one with the cairn_report_add_* functions, or load one from its
 * JSON form with cairn_report_from_json(); both reach the same model.
 * docs/internals/reports.md defines the JSON files field by field.
 *
 * Stability is the point of the format: cairn_report_finish() sorts every
 * list into a fixed order and derives every status, and the renderers
 * print keys in a fixed order, so two runs with the same results give the
 * same bytes and `git diff` between two runs shows only what changed. The
 * files committed to git carry no timestamp (the commit carries the time);
 * generated_at is printed only when the caller sets it, for terminal and
 * --output use.
 *
 * Secrets: every rendering (and the commit message) goes through the
 * redactor: values added with cairn_report_add_secret() (NoEcho
 * parameters) and anything that looks like an AWS access key id, secret
 * access key, session token or PEM private key become "(redacted)". There
 * is no way to render a report without redaction.
 *
 * Ownership: strings and JSON values passed in are copied (JSON values
 * deep-copied, object keys sorted); the returned element pointers are
 * borrowed from the report and stay valid until cairn_report_free().
 */
#ifndef CAIRN_REPORT_H
#define CAIRN_REPORT_H

#include <jansson.h>

#include "cairn/common.h"

#define CAIRN_REPORT_FORMAT_VERSION "1"
#define CAIRN_REDACTED "(redacted)"

typedef enum cairn_report_kind {
	CAIRN_REPORT_DRIFT = 0, /* drift.json / drift.md */
	CAIRN_REPORT_AUDIT = 1  /* audit.json / audit.md (with a drift section) */
} cairn_report_kind;

/* A resource's drift status. */
typedef enum cairn_drift_status {
	CAIRN_DRIFT_IN_SYNC = 0,    /* live equals what was applied */
	CAIRN_DRIFT_MODIFIED = 1,   /* at least one property differs (see its diffs) */
	CAIRN_DRIFT_DELETED = 2,    /* in state, gone from AWS */
	CAIRN_DRIFT_NOT_CHECKED = 3 /* could not be read (see reason) */
} cairn_drift_status;

/* A control's status, and a finding's (a finding is never PASSED). */
typedef enum cairn_report_status {
	CAIRN_REPORT_PASSED = 0,
	CAIRN_REPORT_FAILED = 1,
	CAIRN_REPORT_WAIVED = 2,
	CAIRN_REPORT_NOT_DECIDED = 3
} cairn_report_status;

typedef enum cairn_report_severity {
	CAIRN_REPORT_SEV_CRITICAL = 0,
	CAIRN_REPORT_SEV_HIGH = 1,
	CAIRN_REPORT_SEV_MEDIUM = 2,
	CAIRN_REPORT_SEV_LOW = 3
} cairn_report_severity;

/* A waiver's status, derived by cairn_report_finish(). */
typedef enum cairn_report_waiver_status {
	CAIRN_REPORT_WAIVER_APPLIED = 0, /* in force and waives at least one finding */
	CAIRN_REPORT_WAIVER_UNUSED = 1,  /* in force, but nothing fails that it covers */
	CAIRN_REPORT_WAIVER_EXPIRED = 2  /* past its expiry: waives nothing */
} cairn_report_waiver_status;

/* Where something is written in the template. */
typedef struct cairn_report_location {
	char *file; /* template path as given; NULL when there is no location */
	int line;   /* 1-based; 0 unknown */
	int col;    /* 1-based; 0 unknown */
} cairn_report_location;

/* One property that differs between what was applied and what is live. */
typedef struct cairn_report_diff {
	char *path;       /* property path, "VersioningConfiguration.Status" */
	json_t *expected; /* the applied value (keys sorted), or NULL: not set */
	json_t *actual;   /* the live value (keys sorted), or NULL: not set */
} cairn_report_diff;

/* One resource of the stack as drift saw it. */
typedef struct cairn_report_drift {
	char *logical_id;          /* "DataBucket" */
	char *type;                /* "AWS::S3::Bucket" */
	char *physical_id;         /* as recorded in state, or NULL */
	cairn_drift_status status;
	char *reason;              /* NOT_CHECKED: why (required); otherwise NULL */
	cairn_report_location loc; /* the resource in the template */
	cairn_report_diff **diffs; /* MODIFIED: the differences (at least one), sorted by path */
	size_t ndiffs;
} cairn_report_drift;

/* One finding of a control on a resource (or on the account). */
typedef struct cairn_report_finding {
	cairn_report_status status; /* FAILED, WAIVED or NOT_DECIDED */
	char *resource;             /* logical id; NULL for an account-level finding */
	char *subject;              /* account-level: what it is about ("root user", "region
				     * eu-west-1"), or NULL */
	char *type;                 /* resource type, or NULL */
	char *physical_id;          /* live id, or NULL */
	cairn_report_location loc;  /* the property (or resource) in the template */
	char *path;                 /* property path at fault, or NULL */
	char *message;              /* what is wrong, or why it could not be decided */
	json_t *expected;           /* or NULL */
	json_t *actual;             /* or NULL */
} cairn_report_finding;

/* A control's mapping to one framework requirement. */
typedef struct cairn_report_framework {
	char *framework; /* "cis-aws-3.0", "nist-800-53-r5", ... */
	char *id;        /* "3.1", "AU-2" */
} cairn_report_framework;

/* One control (one policy) and what it found. */
typedef struct cairn_report_control {
	char *id;                           /* "CIS-3.1" */
	char *title;
	cairn_report_severity severity;
	char *remediation;                  /* how to fix a failure, or NULL */
	cairn_report_framework **frameworks;/* sorted by framework, then id */
	size_t nframeworks;
	cairn_report_finding **findings;    /* sorted by resource, path, message */
	size_t nfindings;
	cairn_report_status status;         /* derived: FAILED > NOT_DECIDED > WAIVED > PASSED */
} cairn_report_control;

/* A waiver written in the template (Metadata.Cairn.Waivers): on a
 * resource, it covers that resource's findings; at the template's top
 * level (resource NULL), the account-level findings. */
typedef struct cairn_report_waiver {
	char *control;                     /* control id it waives */
	char *resource;                    /* logical id it is written on; NULL: template level */
	char *reason;
	char *approver;
	char *expires;                     /* as written, "2026-12-31" */
	int expired;                       /* 1 when past its expiry at the run */
	cairn_report_location loc;         /* where it is written */
	cairn_report_waiver_status status; /* derived */
} cairn_report_waiver;

/* A policy file that was evaluated. */
typedef struct cairn_report_policy {
	char *path;        /* as cairn names it: "policies/cis-aws-3.0/s3_versioning.lua" */
	char sha256[65];   /* hex SHA-256 of its bytes */
} cairn_report_policy;

/* Counts, from cairn_report_summarize(). */
typedef struct cairn_report_summary {
	size_t resources, in_sync, modified, deleted, not_checked;   /* drift */
	size_t controls, passed, failed, waived, not_decided;        /* controls */
	size_t findings_failed, findings_waived, findings_not_decided;
	size_t waivers, waivers_applied, waivers_unused, waivers_expired;
} cairn_report_summary;

typedef struct cairn_report cairn_report;

/* ---- Building ------------------------------------------------------ */

/* A new, empty report for stack. The stack name becomes a directory in
 * the reports repository, so it must be a plain file name: letters,
 * digits, '.', '_', '-', not starting with '.' (CAIRN_EINVALID). */
int cairn_report_new(cairn_report **out, cairn_report_kind kind, const char *stack);
void cairn_report_free(cairn_report *r);

/* The template checked. sha256 NULL: computed from the file at path. */
int cairn_report_set_template(cairn_report *r, const char *path, const char *sha256);
/* The state read: its serial (< 0: none) and lineage (may be NULL). */
void cairn_report_set_state(cairn_report *r, long long serial, const char *lineage);
/* Audit: the regions whose account settings were read (copied, sorted
 * and de-duplicated; n 0 unsets). */
void cairn_report_set_regions(cairn_report *r, const char *const *regions, size_t n);
size_t cairn_report_region_count(const cairn_report *r);
const char *cairn_report_region_at(const cairn_report *r, size_t i);
/* cairn's version (default CAIRN_VERSION). */
void cairn_report_set_version(cairn_report *r, const char *version);
/* When the run happened (RFC 3339), printed by the renderers; NULL unsets.
 * The committer never writes it into the files. */
void cairn_report_set_generated_at(cairn_report *r, const char *when);
/* A policy file evaluated (audit). sha256 NULL: computed from the file.
 * The path must not contain a newline or backslash (it is hashed as a
 * sha256sum line, see cairn_report_policies_digest). */
int cairn_report_add_policy(cairn_report *r, const char *path, const char *sha256);
/* A value that must never appear in any output (a NoEcho parameter). */
void cairn_report_add_secret(cairn_report *r, const char *value);

cairn_report_drift *cairn_report_add_drift(cairn_report *r, const char *logical_id,
					   const char *type, const char *physical_id,
					   cairn_drift_status status);
void cairn_report_drift_reason(cairn_report_drift *d, const char *why);
void cairn_report_drift_locate(cairn_report_drift *d, const char *file, int line, int col);
/* expected and actual are borrowed (deep-copied); NULL means not set. */
void cairn_report_drift_diff(cairn_report_drift *d, const char *path, const json_t *expected,
			     const json_t *actual);
/* An audit report says whether it has a drift section: adding a drift
 * entry includes it, and so does this (for a stack with no resources). */
void cairn_report_include_drift(cairn_report *r);

cairn_report_control *cairn_report_add_control(cairn_report *r, const char *id,
					       const char *title,
					       cairn_report_severity severity,
					       const char *remediation);
void cairn_report_control_framework(cairn_report_control *c, const char *framework,
				    const char *id);
/* resource NULL: an account-level finding. status: FAILED, WAIVED or
 * NOT_DECIDED (WAIVED needs a waiver in force for the same control and
 * resource; cairn_report_finish checks it). */
cairn_report_finding *cairn_report_control_finding(cairn_report_control *c,
						   cairn_report_status status,
						   const char *resource, const char *type,
						   const char *message);
void cairn_report_finding_locate(cairn_report_finding *f, const char *file, int line, int col);
/* What an account-level finding is about ("root user"); NULL unsets. */
void cairn_report_finding_subject(cairn_report_finding *f, const char *subject);
void cairn_report_finding_physical_id(cairn_report_finding *f, const char *physical_id);
/* path NULL: none; expected/actual borrowed (deep-copied), NULL: none. */
void cairn_report_finding_values(cairn_report_finding *f, const char *path,
				 const json_t *expected, const json_t *actual);

/* resource NULL: a template-level waiver, for account-level findings. */
cairn_report_waiver *cairn_report_add_waiver(cairn_report *r, const char *control,
					     const char *resource, const char *reason,
					     const char *approver, const char *expires,
					     int expired);
void cairn_report_waiver_locate(cairn_report_waiver *w, const char *file, int line, int col);

/* Checks the report is consistent (statuses, required fields, waived
 * findings covered by a waiver in force), sorts every list and derives
 * control and waiver statuses and the policies digest. Idempotent; the
 * renderers and the committer call it. CAIRN_EINVALID with a message
 * naming the entry. */
int cairn_report_finish(cairn_report *r);

/* ---- Reading ------------------------------------------------------- */

cairn_report_kind cairn_report_get_kind(const cairn_report *r);
const char *cairn_report_stack(const cairn_report *r);
const char *cairn_report_template_path(const cairn_report *r); /* NULL when unset */
const char *cairn_report_template_sha256(const cairn_report *r); /* "" when unset */
/* The policies digest (computed by finish); "" when no policy file. */
const char *cairn_report_policies_sha256(const cairn_report *r);
long long cairn_report_state_serial(const cairn_report *r); /* < 0: none */
const char *cairn_report_version(const cairn_report *r);
int cairn_report_has_drift(const cairn_report *r);

size_t cairn_report_drift_count(const cairn_report *r);
const cairn_report_drift *cairn_report_drift_at(const cairn_report *r, size_t i);
size_t cairn_report_control_count(const cairn_report *r);
const cairn_report_control *cairn_report_control_at(const cairn_report *r, size_t i);
size_t cairn_report_waiver_count(const cairn_report *r);
const cairn_report_waiver *cairn_report_waiver_at(const cairn_report *r, size_t i);
size_t cairn_report_policy_count(const cairn_report *r);
const cairn_report_policy *cairn_report_policy_at(const cairn_report *r, size_t i);

/* Counts by status (call after cairn_report_finish for waiver counts). */
void cairn_report_summarize(const cairn_report *r, cairn_report_summary *s);

/* A drift report made from an audit report's drift section (same stack,
 * template, state and secrets), as the committer writes it to drift.*. */
int cairn_report_drift_part(cairn_report *audit, cairn_report **out);

/* Names used in the files and parsers for them (-1 when unknown). */
const char *cairn_drift_status_name(cairn_drift_status s);        /* "MODIFIED" */
const char *cairn_report_status_name(cairn_report_status s);      /* "not_decided" */
const char *cairn_report_severity_name(cairn_report_severity s);  /* "high" */
const char *cairn_report_waiver_status_name(cairn_report_waiver_status s); /* "applied" */
int cairn_report_severity_parse(const char *name);

/* Compares strings in natural order ("1.2" < "1.10", "Bucket2" <
 * "Bucket10"), then bytewise; the order of every list in a report. */
int cairn_report_natcmp(const char *a, const char *b);

/* The policies digest: the SHA-256 of the lines "<sha256>  <path>\n", one
 * per file, sorted bytewise, i.e. what
 *     sha256sum FILE... | LC_ALL=C sort | sha256sum
 * prints when run with the same relative paths. "" (out[0] == 0) for no
 * files. */
void cairn_report_policies_digest(const cairn_report_policy *const *files, size_t n,
				  char out[65]);

/* ---- JSON ---------------------------------------------------------- */

/* The report as its JSON file (a new reference; redacted; keys and
 * entries in their fixed order). */
int cairn_report_to_json(cairn_report *r, json_t **out);
/* A report from its JSON form (what to_json produces; derived fields such
 * as summary and statuses are checked, not trusted). Errors are
 * CAIRN_EINVALID and name the member: "controls[2].findings[0].status". */
int cairn_report_from_json(cairn_report **out, const json_t *doc);
/* Same, from a file; messages start with the path. */
int cairn_report_load(cairn_report **out, const char *path);

/* ---- Rendering ----------------------------------------------------- */

typedef enum cairn_report_format {
	CAIRN_REPORT_TEXT = 0,     /* for a terminal */
	CAIRN_REPORT_JSON = 1,     /* the .json file */
	CAIRN_REPORT_MARKDOWN = 2  /* the .md file, for auditors */
} cairn_report_format;

/* Rendering flags. */
#define CAIRN_REPORT_COLOR 0x1u /* text: ANSI colours */
#define CAIRN_REPORT_ALL 0x2u   /* text: list in-sync resources and passed controls too */

/* "text", "json", "markdown" (also "md"); -1 when unknown. */
int cairn_report_format_parse(const char *name);
/* Appends the report in fmt to out, redacted. Calls cairn_report_finish. */
int cairn_report_render(cairn_report *r, cairn_report_format fmt, unsigned flags,
			cairn_buf *out);
/* The commit message: a subject that summarises ("drift: s3-ingestion: 2
 * modified, 1 deleted"), a blank line, a short body, a blank line, and
 * the trailers Cairn-Stack, Cairn-Template-SHA256, Cairn-Policies-SHA256
 * (when policies were used), Cairn-State-Serial (when known),
 * Cairn-Version. Redacted. */
int cairn_report_message(cairn_report *r, cairn_buf *out);

/* ---- Redaction ----------------------------------------------------- */

typedef struct cairn_redactor cairn_redactor;

cairn_redactor *cairn_redactor_new(void);
void cairn_redactor_free(cairn_redactor *red);
/* A literal to redact. Values of 4 bytes or more are redacted wherever
 * they occur; shorter ones only where a whole string equals them (a
 * substring match would destroy the report). Empty values are ignored. */
void cairn_redactor_add(cairn_redactor *red, const char *value);
/* The document pass: redacts a rendered output in place and returns the
 * number of replacements. Literals made only of hex digits are skipped
 * here (they would hit cairn's own hashes and numbers); the value pass
 * below handles them. red may be NULL (patterns only). */
size_t cairn_redact_buf(const cairn_redactor *red, cairn_buf *b);
/* The value pass: a redacted copy of s (caller frees). */
char *cairn_redact_string(const cairn_redactor *red, const char *s);
/* The value pass over a JSON value: a redacted deep copy, object keys
 * included, and numbers whose digits hold a literal replaced by the
 * string "(redacted)" (new reference). */
json_t *cairn_redact_json(const cairn_redactor *red, const json_t *v);

/* ---- Committing to git --------------------------------------------- */

typedef struct cairn_commit_options {
	const char *repo;   /* --commit REPO: created (non-bare) when missing */
	const char *branch; /* --branch; NULL: the branch HEAD names (may be unborn) */
	const char *author; /* --author "Name <email>"; NULL: GIT_AUTHOR_NAME/EMAIL, then config */
	int always;         /* --always: commit even when no file changes */
	const char *push;   /* --push REMOTE: a remote's name, URL or path; NULL: no push */
} cairn_commit_options;

typedef struct cairn_commit_result {
	int committed;       /* 1 when a commit was made, 0 when nothing changed */
	char commit[41];     /* the commit made, or the branch tip ("" when none) */
	char *branch;        /* the branch's short name */
	int created_branch;  /* 1 when the branch did not exist before */
	int updated_workdir; /* 1 when the checked-out files and index were updated */
	int pushed;          /* 1 when the push succeeded */
	char **paths;        /* files written, "reports/<stack>/audit.md", ... */
	size_t npaths;
} cairn_commit_result;

/* Writes the report's files at their stable paths (reports/<stack>/
 * drift.md + drift.json; for an audit also audit.md + audit.json, and the
 * drift files from its drift section when it has one) into the
 * repository and commits them on the branch, unless no file changes and
 * !always. When the branch is the checked-out one, the working tree and
 * index are updated to match (only those files are touched). Then pushes
 * when asked. See docs/internals/reports.md. res is filled in (dispose
 * it) even on failure, as far as the run got. */
int cairn_report_commit(cairn_report *r, const cairn_commit_options *o,
			cairn_commit_result *res);
void cairn_commit_result_dispose(cairn_commit_result *res);

#endif
