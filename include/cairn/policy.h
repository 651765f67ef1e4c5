/*
 * policy.h: policy packs, their evaluation on a stack document, findings,
 * waivers and the output formats (DESIGN.md §6; docs/policies.md for
 * policy authors, docs/internals/policy-engine.md for the design).
 *
 * A policy is one Lua file (policies/<pack>/<id>.lua) returning a table
 * with its id, title, severity, resource types, framework mappings,
 * remediation and a check function. Policies run sandboxed: each policy
 * gets a fresh lua_State per document, with a capped allocator and an
 * instruction budget, so a failing or hostile policy becomes an ERROR
 * result naming its file and line and the run goes on.
 *
 * Typical use (cairn check, cairn plan, cairn audit):
 *
 *     cairn_policy_set *set;
 *     cairn_policy_report rep = CAIRN_POLICY_REPORT_INIT;
 *     cairn_policy_set_new(&set);
 *     cairn_policy_set_add_builtin(set, &diags);     // every built-in pack
 *     cairn_policy_set_add_dir(set, "team-policies", &diags);
 *     cairn_policy_run_options o = {0};
 *     o.locate = my_locate; o.locate_ud = template;  // file:line of paths
 *     cairn_policy_run(set, document, &o, &rep, &diags);
 *     cairn_policy_report_write(&rep, CAIRN_FORMAT_SARIF, stdout, NULL);
 *     if (cairn_policy_report_failing(&rep, CAIRN_SEVERITY_HIGH)) exit 3;
 *     cairn_policy_report_dispose(&rep);
 *     cairn_policy_set_free(set);                    // after the report
 *
 * The document is the JSON of cairn_stack_document() (stack.h), or a live
 * document built by `cairn audit` with PhysicalId per resource and an
 * "account_data" section (docs/internals/policy-engine.md defines both).
 */
#ifndef CAIRN_POLICY_H
#define CAIRN_POLICY_H

#include <stdio.h>

#include <jansson.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/template.h"

typedef enum cairn_policy_severity {
	CAIRN_SEVERITY_LOW = 1,
	CAIRN_SEVERITY_MEDIUM = 2,
	CAIRN_SEVERITY_HIGH = 3,
	CAIRN_SEVERITY_CRITICAL = 4
} cairn_policy_severity;

/* One loaded policy. Read-only for callers; owned by its set. */
typedef struct cairn_policy {
	char *id;            /* "cis-3.1": unique across the set, the file's base name */
	char *pack;          /* "cis-aws-3.0": the directory it was loaded from */
	char *file;          /* "policies/cis-aws-3.0/cis-3.1.lua" (built-in) or the path given */
	char *title;         /* one line */
	char *description;   /* what it checks and why; may be "" */
	char *remediation;   /* what to do about a finding */
	cairn_policy_severity severity;
	char **types;        /* resource types it judges (NULL-free list), empty for stack scope */
	size_t ntypes;
	json_t *frameworks;  /* {"cis-aws-3.0": ["3.1"], "nist-800-53-r5": ["AU-2", ...]} */
	int live_only;       /* needs a live document (cairn audit); cairn check skips it */
	int stack_scope;     /* check(stack) once per document instead of check(resource, stack) */
	char *source;        /* the Lua text */
	size_t source_len;
} cairn_policy;

typedef struct cairn_policy_set cairn_policy_set;

int cairn_policy_set_new(cairn_policy_set **out);
void cairn_policy_set_free(cairn_policy_set *set);

/* Adds a built-in pack by name ("cis-aws-3.0"), read from the binary (or
 * CAIRN_HOME/policies/<name>/ when CAIRN_HOME is set). Problems with a
 * policy file (syntax, missing fields, duplicate id) go to diags with the
 * file and line; the call then returns CAIRN_EINVALID. CAIRN_ENOTFOUND
 * when no such pack exists. */
int cairn_policy_set_add_pack(cairn_policy_set *set, const char *name, cairn_diags *diags);
/* Adds every built-in pack. */
int cairn_policy_set_add_builtin(cairn_policy_set *set, cairn_diags *diags);
/* Adds the pack in a directory: every DIR/<id>.lua (fixtures/ is not
 * read); the pack's name is the directory's base name. */
int cairn_policy_set_add_dir(cairn_policy_set *set, const char *dir, cairn_diags *diags);
/* Names of the built-in packs, NULL-terminated, static. */
const char *const *cairn_policy_builtin_packs(void);

size_t cairn_policy_set_count(const cairn_policy_set *set);
const cairn_policy *cairn_policy_set_at(const cairn_policy_set *set, size_t i);
/* By id, case-insensitive (waivers may write CIS-3.1). NULL if none. */
const cairn_policy *cairn_policy_set_find(const cairn_policy_set *set, const char *id);
/* 1 when a waiver's Control names policy p: its id (any case),
 * "<pack>/<id>", or "<framework>/<control id>" of one of its mappings
 * ("cis-aws-3.0/2.1.4" covers every policy mapped to that control). The
 * rule cairn_policy_run applies; reports use it to list each waiver under
 * the controls it covers. */
int cairn_policy_control_matches(const char *control, const cairn_policy *p);
/* 1 when some policy of the set belongs to pack. */
int cairn_policy_set_has_pack(const cairn_policy_set *set, const char *pack);

typedef enum cairn_policy_status {
	CAIRN_RESULT_PASS = 0,      /* checked, nothing wrong */
	CAIRN_RESULT_FAIL = 1,      /* a finding (possibly with an expired waiver) */
	CAIRN_RESULT_WAIVED = 2,    /* a finding covered by a valid waiver */
	CAIRN_RESULT_UNDECIDED = 3, /* needs a value not known before apply */
	CAIRN_RESULT_ERROR = 4      /* the policy failed (message names its file and line) */
} cairn_policy_status;

/* A waiver as written in Metadata.Cairn.Waivers. */
typedef struct cairn_waiver {
	char *control;   /* policy id as written */
	char *reason;
	char *approver;
	char *expires;   /* "YYYY-MM-DD"; valid through that day (UTC) */
	int line, col;   /* where the waiver is written, 0 when unknown */
} cairn_waiver;

/* One outcome of one policy on one resource (or on the stack). */
typedef struct cairn_policy_result {
	const cairn_policy *policy;  /* borrowed from the set */
	cairn_policy_status status;
	char *file;                  /* the document's "file" (template path), or "" */
	char *stack;                 /* the document's "stack" */
	char *resource;              /* logical id, or NULL for a stack-level result */
	char *type;                  /* its resource type, or NULL */
	char *subject;               /* stack-level: what the finding is about ("root user"), or NULL */
	char *path;                  /* property path at fault, "" for the resource itself */
	char *message;               /* NULL for PASS */
	int line, col;               /* of the path in the template, 0 when unknown */
	int resource_line;           /* where the resource's logical id is written, 0 when unknown */
	cairn_waiver *waiver;        /* WAIVED, or FAIL with an expired waiver; else NULL */
	int waiver_expired;          /* the waiver above has expired */
} cairn_policy_result;

typedef struct cairn_policy_report {
	cairn_policy_result *v;  /* results in evaluation order */
	size_t n, cap;
	size_t counts[5];        /* by cairn_policy_status */
	char **files;            /* documents evaluated, in order */
	size_t nfiles;
	size_t evaluations;      /* check calls made */
	double seconds;          /* time spent in cairn_policy_run */
	cairn_diags input_errors; /* what kept an input from being checked as asked (a
	                          * template that does not load, an invalid waiver or pack
	                          * choice, an unreadable document), with file:line:col;
	                          * errors only. Any one makes the verdict "error" */
	char **unchecked;        /* inputs not evaluated at all (they did not load), in order */
	size_t nunchecked;
} cairn_policy_report;

#define CAIRN_POLICY_REPORT_INIT \
	{NULL, 0, 0, {0, 0, 0, 0, 0}, NULL, 0, 0, 0.0, CAIRN_DIAGS_INIT, NULL, 0}

void cairn_policy_report_dispose(cairn_policy_report *r);
/* Copies the errors of diags (not its warnings) into r->input_errors:
 * problems with an input that the report must show, in every format, as
 * an error rather than as a pass. diags is unchanged. */
void cairn_policy_report_add_errors(cairn_policy_report *r, const cairn_diags *diags);
/* Records that file was not evaluated at all (it does not load); the
 * reasons go in with cairn_policy_report_add_errors. */
void cairn_policy_report_not_checked(cairn_policy_report *r, const char *file);
/* The verdict every format shows: "error" when a policy failed to run or
 * an input error was recorded, else "fail" when a finding at or above
 * min remains, else "pass". */
const char *cairn_policy_report_verdict(const cairn_policy_report *r, cairn_policy_severity min);
/* Sorts the results by file, line, column, policy id (stable). */
void cairn_policy_report_sort(cairn_policy_report *r);
/* FAIL results whose severity is at least min (expired waivers count). */
size_t cairn_policy_report_failing(const cairn_policy_report *r, cairn_policy_severity min);

/* Where a property path of a resource is written: set *line and *col
 * (1-based) and return 0, or return -1 when not known. logical_id is NULL
 * for the stack itself; path is "Properties.A.B[0]" or "". */
typedef int (*cairn_policy_locate_fn)(void *ud, const char *logical_id, const char *path,
				      int *line, int *col);

typedef struct cairn_policy_run_options {
	int live;                       /* a live document: live-only policies run too */
	const char *const *packs;       /* packs to run; NULL: every pack of the set */
	size_t npacks;
	cairn_policy_locate_fn locate;  /* positions for results and waiver errors; may be NULL */
	void *locate_ud;
	const json_t *stack_waivers;    /* template-level Metadata.Cairn.Waivers (for stack-level
	                                 * results), or NULL */
	const char *today;              /* "YYYY-MM-DD" for waiver expiry; NULL: today, UTC */
	size_t memory_limit;            /* bytes per evaluation; 0: CAIRN_POLICY_MEMORY */
	long long instruction_limit;    /* per check call; 0: CAIRN_POLICY_INSTRUCTIONS */
} cairn_policy_run_options;

#define CAIRN_POLICY_MEMORY (64u << 20)       /* policy memory beyond the document */
#define CAIRN_POLICY_INSTRUCTIONS 20000000LL  /* Lua VM instructions per check call */

/* Evaluates the set's policies (those of opts->packs) on document and
 * appends the results to report. Waivers are read from each resource's
 * Metadata.Cairn.Waivers: a malformed waiver or one naming a control no
 * policy of the set has is an error in diags (with its position) and the
 * call returns CAIRN_EINVALID after evaluating everything. A policy that
 * fails is an ERROR result, not a failure of this call. */
int cairn_policy_run(const cairn_policy_set *set, const json_t *document,
		     const cairn_policy_run_options *opts, cairn_policy_report *report,
		     cairn_diags *diags);

/* A cairn_policy_locate_fn over a template (ud is the const
 * cairn_template *): cairn_template_resource_mark for resources; for a
 * stack-level result with a path, that path under the template's
 * Metadata.Cairn. */
int cairn_policy_locate_template(void *ud, const char *logical_id, const char *path, int *line,
				 int *col);

/* The packs a template chooses in Metadata.Cairn.Policies: built-in pack
 * names, or directories (relative to the template's directory) which are
 * added to set. *packs (NULL when the template chooses nothing: run every
 * pack) is an allocated list of *npacks names the caller frees. Bad
 * entries are errors in diags with their position; CAIRN_EINVALID. */
int cairn_policy_template_packs(cairn_policy_set *set, const cairn_template *t, char ***packs,
				size_t *npacks, cairn_diags *diags);

typedef enum cairn_policy_format {
	CAIRN_FORMAT_TEXT = 0,
	CAIRN_FORMAT_JSON,
	CAIRN_FORMAT_SARIF,
	CAIRN_FORMAT_JUNIT,
	CAIRN_FORMAT_MARKDOWN
} cairn_policy_format;

typedef struct cairn_policy_write_options {
	int color;                          /* ANSI colour (text only) */
	cairn_policy_severity fail_on;      /* the threshold, shown in summaries (0: high) */
	const cairn_policy_set *set;        /* for SARIF rules of policies without results; may be NULL */
	int show_passed;                    /* text: list passing checks too */
} cairn_policy_write_options;

int cairn_policy_report_write(const cairn_policy_report *r, cairn_policy_format format,
			      FILE *out, const cairn_policy_write_options *opts);

/* "text", "json", "sarif", "junit", "markdown" (or "md"). */
int cairn_policy_format_parse(const char *name, cairn_policy_format *out);
/* "critical", "high", "medium", "low" (any case). */
int cairn_policy_severity_parse(const char *name, cairn_policy_severity *out);
const char *cairn_policy_severity_name(cairn_policy_severity s);
const char *cairn_policy_status_name(cairn_policy_status s);

/* Fixtures (cairn policy test). For each policy of the set whose pack
 * directory is under dir, runs the fixtures in
 * <packdir>/fixtures/<id>/: pass*.{yaml,yml,json} must give no FAIL,
 * UNDECIDED or ERROR result for that policy, fail*.* at least one FAIL
 * (and exactly the "# expect: LogicalId Path" lines written in the file,
 * when it has any), undecided*.* an UNDECIDED and no FAIL. A *.json
 * fixture whose top level has "resources" is a stack document (live when
 * it has "live": true or an "account_data" section); every other file is a
 * template, turned into a document by load. Every policy needs at least
 * one passing and one failing fixture. Prints one line per fixture to
 * out; returns 0 when all hold, CAIRN_ERROR otherwise. */
typedef int (*cairn_policy_load_fn)(void *ud, const char *path, json_t **document,
				    cairn_policy_locate_fn *locate, void **locate_ud,
				    void (**release)(void *locate_ud));
int cairn_policy_test(const cairn_policy_set *set, const char *dir, cairn_policy_load_fn load,
		      void *load_ud, FILE *out, int verbose);
/* The load function over the stack loader (no parameters, no
 * credentials): cairn_stack_load + cairn_stack_document. ud is unused. */
int cairn_policy_load_template(void *ud, const char *path, json_t **document,
			       cairn_policy_locate_fn *locate, void **locate_ud,
			       void (**release)(void *locate_ud));

#endif
