/*
 * audit.h: what `cairn audit` adds to drift: the account-level facts the
 * CIS AWS Foundations checks need, the live stack document the policy
 * packs judge, and the policy results turned into a report's controls
 * (DESIGN.md §6-7; docs/commands/audit.md; docs/internals/audit.md).
 *
 * An audit is, in order:
 *
 *     cairn_drift_run(engine, stack, state, report, &drift);     drift.h: reads every
 *                                                                 resource once
 *     cairn_audit_account(aws, &ao, &account, &problems);        the account's facts
 *     cairn_audit_document(stack, state, drift.live, account, &doc);
 *     cairn_policy_run(set, doc, &ro, &results, &diags);         policy.h, live = 1
 *     cairn_audit_report(report, &ai);                           controls, findings,
 *                                                                 waivers, policy files
 *
 * and the report then holds the drift section, every control evaluated,
 * every waiver the template declares and the policy files' hashes.
 */
#ifndef CAIRN_AUDIT_H
#define CAIRN_AUDIT_H

#include <jansson.h>

#include "cairn/aws.h"
#include "cairn/common.h"
#include "cairn/policy.h"
#include "cairn/report.h"
#include "cairn/stack.h"
#include "cairn/state.h"

/* ---- the account ------------------------------------------------------- */

typedef struct cairn_audit_account_options {
	const char *profile;        /* --profile for the per-region clients, or NULL */
	const char *const *regions; /* the regions to check, NULL-terminated; NULL: every
	                             * region EC2 DescribeRegions lists as enabled */
	const char *const *buckets; /* bucket names whose versioning and logging to read
	                             * (the stack's), NULL-terminated, or NULL; the buckets
	                             * trails write to are read as well */
	int parallelism;            /* AWS calls in flight at most; 0: 32 */
	int report_wait;            /* seconds to wait for IAM's credential report; 0: 60 */
} cairn_audit_account_options;

/* Reads the account's facts into *out, the "account_data" object of
 * docs/internals/policy-engine.md: collected_at, regions, summary,
 * credential_report, password_policy, virtual_mfa_devices, policies
 * (AWSSupportAccess with its entities), analyzers, ebs_encryption_by_default,
 * config_recorders, trails (with Status, EventSelectors,
 * AdvancedEventSelectors), s3_buckets, flow_logs, default_security_groups.
 * Calls run in parallel, one client per region for the regional ones
 * (aws answers for its own region, which is the home region).
 *
 * A field whose reads failed is left out (a policy that needs it says
 * "could not decide", naming the field) and *problems (a new array) gets
 * {"field": "analyzers", "message": "ListAnalyzers (accessanalyzer) in
 * eu-west-1: AccessDeniedException: ..."} for it; a bucket that cannot be
 * read is left out of s3_buckets alone ("field": "s3_buckets.<name>").
 * Returns an error only when nothing could be asked (a client that cannot
 * be made). */
int cairn_audit_account(cairn_aws *aws, const cairn_audit_account_options *o, json_t **out,
                        json_t **problems);

/* ---- the live document ------------------------------------------------- */

/* The live stack document (docs/internals/policy-engine.md, "Live
 * documents"): the stack's document (stack.h, cairn_stack_document,
 * evaluated against the state, which gives Metadata, DependsOn and the
 * parameters with NoEcho values masked) with, for every resource its
 * provider found in AWS, the Properties it read, its PhysicalId and its
 * Attributes. Resources the state records and the template no longer has
 * are included too (they are live). Only what was read is judged: a
 * resource never applied, deleted outside cairn, whose type cannot be
 * read or whose read failed is left out (its drift entry says which).
 * "live": true, "account" = the stack's account, "account_data": account
 * (copied; may be NULL). refresh is cairn_engine_refresh's result. *out
 * is a new reference. */
int cairn_audit_document(const cairn_stack *s, const cairn_state *st, const json_t *refresh,
                         const json_t *account, json_t **out);

/* ---- results into the report ------------------------------------------- */

typedef struct cairn_audit_results {
	const cairn_policy_set *set; /* the policies loaded */
	const char *const *packs;    /* the packs run (NULL: every pack of set) */
	size_t npacks;
	const cairn_policy_report *rep; /* cairn_policy_run's results on document */
	const json_t *document;         /* the live document judged */
	const cairn_template *tpl;      /* for the waivers and their positions */
	const char *today;              /* "YYYY-MM-DD" (UTC) the run judged expiry by */
	const json_t *problems;         /* cairn_audit_account's, or NULL: appended to the
	                                 * "could not decide" findings they explain */
	const cairn_state *st;          /* the state, or NULL: a finding's value under a
	                                 * property it marks sensitive shows "(sensitive)" */
} cairn_audit_results;

/* Adds to r (an AUDIT report): every policy file of the packs run, with
 * its SHA-256; one control per policy that gave at least one result, with
 * its findings (failed, waived, not decided; a policy that failed to run
 * is a not-decided finding quoting its error), each with the resource,
 * its physical id, the template position, the property path (without
 * "Properties.") and the live value found there (or "(sensitive)" under a
 * property that showed a NoEcho value); and every waiver the
 * template declares, resource-level and template-level, once per control
 * it names. */
int cairn_audit_report(cairn_report *r, const cairn_audit_results *in);

#endif
