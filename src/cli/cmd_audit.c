/*
 * cmd_audit.c: `cairn audit FILE`: the policy packs on the live
 * configuration of a stack and on the account, plus drift, in one report
 * (docs/commands/audit.md).
 *
 * Steps: open the stack, state and engine as drift does (reportrun.c);
 * read every resource once (cairn_drift_run), which gives the drift
 * section and the live values; read the account's facts
 * (cairn_audit_account: IAM, Access Analyzer, CloudTrail, Config, EC2, S3
 * in every enabled region or --regions); build the live document
 * (cairn_audit_document); run the packs the template chooses in
 * Metadata.Cairn.Policies (every built-in pack when it says nothing) plus
 * every --policies directory, live-only policies included, with the
 * template's waivers (resource-level, and template-level for account-level
 * findings); put the results in the report (cairn_audit_report); print it
 * and, with --commit, commit reports/<stack>/audit.* and drift.*.
 *
 * Exit status: 1 on an error (a policy that cannot load or run, an
 * invalid waiver, a resource that cannot be read), else 3 when a finding
 * at or above --fail-on (default high) is not waived, else 2 when a
 * resource drifted, else 0. An account fact that cannot be read is not an
 * error: the controls that need it are "not decided", with the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/audit.h"
#include "cairn/drift.h"
#include "cairn/policy.h"
#include "cli.h"
#include "policyrun.h"
#include "reportrun.h"

enum { O_POLICIES = 1, O_FAIL_ON, O_REGIONS };

/* The --regions list split on commas (NULL-terminated, strings owned by
 * *buf). */
static const char **split_regions(const char *list, char **buf)
{
	const char **v;
	char *p, *tok, *save = NULL;
	size_t n = 0;
	*buf = cairn_xstrdup(list);
	v = cairn_xcalloc(strlen(list) + 2, sizeof(*v));
	for (p = *buf; (tok = strtok_r(p, ", ", &save)) != NULL; p = NULL)
		v[n++] = tok;
	return v;
}

/* The bucket names the state records (their versioning and logging are
 * account facts some controls read). */
static const char **state_buckets(const cairn_state *st)
{
	json_t *res = cairn_state_resources(st), *rec;
	const char *id, **v = cairn_xcalloc(json_object_size(res) + 1, sizeof(*v));
	size_t n = 0;
	json_object_foreach(res, id, rec) {
		const char *type = json_string_value(json_object_get(rec, "type"));
		const char *pid = json_string_value(json_object_get(rec, "id"));
		if (type && pid && strcmp(type, "AWS::S3::Bucket") == 0)
			v[n++] = pid;
	}
	return v;
}

int cli_cmd_audit(int argc, char **argv)
{
	static const cli_opt opts[] = {
	    {"policies", 1, O_POLICIES, "DIR  also run the pack in DIR (repeatable)"},
	    {"fail-on", 1, O_FAIL_ON,
	     "SEVERITY  exit 3 when a finding at or above it is not waived: critical, high "
	     "(default), medium, low"},
	    {"regions", 1, O_REGIONS,
	     "LIST  the regions whose account settings are read (comma-separated; default: "
	     "every enabled region)"},
	    CLI_REPORTRUN_OPTS,
	    {NULL, 0, 0, NULL}};
	cli_parser p;
	cli_reportrun rr;
	cairn_report *r = NULL;
	cairn_drift_result drift = CAIRN_DRIFT_RESULT_INIT;
	cairn_policy_set *set = NULL;
	cairn_policy_report rep = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_run_options ro;
	cairn_audit_account_options ao;
	cairn_audit_results ai;
	cairn_policy_severity fail_on = CAIRN_SEVERITY_HIGH;
	cairn_diags d = CAIRN_DIAGS_INIT;
	const char *v, *file = NULL, **dirs = NULL, **regions = NULL, **buckets = NULL;
	cli_policies pp = CLI_POLICIES_INIT;
	char *regbuf = NULL, now[21], today[11];
	size_t ndirs = 0, i;
	json_t *account = NULL, *problems = NULL, *doc = NULL, *pr;
	const cairn_template *t;
	int id, rc = 1, errors = 0;

	cli_init(&p, argc, argv, "cairn audit [options] FILE", opts);
	cli_reportrun_init(&rr, "audit");
	cairn_policy_set_new(&set);
	while ((id = cli_next(&p, &v)) != CLI_END) {
		int tk;
		if (id == CLI_ERR)
			goto done;
		tk = cli_reportrun_take(&rr, id, v);
		if (tk < 0)
			goto done;
		if (tk)
			continue;
		switch (id) {
		case CLI_ARG:
			if (file) {
				cli_fail("audit", "one template at a time ('%s' and '%s')", file,
				         v);
				goto done;
			}
			file = v;
			break;
		case O_POLICIES:
			dirs = cairn_xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
			dirs[ndirs++] = v;
			break;
		case O_FAIL_ON:
			if (cairn_policy_severity_parse(v, &fail_on) < 0) {
				cli_fail("audit", "--fail-on: %s", cairn_error_last());
				goto done;
			}
			break;
		case O_REGIONS:
			free(regions);
			free(regbuf);
			regions = split_regions(v, &regbuf);
			if (!regions[0]) {
				cli_fail("audit", "--regions: give region names, e.g. "
				                  "--regions us-east-1,eu-west-1");
				goto done;
			}
			break;
		}
	}
	if (!file) {
		cli_usage(&p, stderr);
		goto done;
	}
	if (cli_reportrun_check(&rr) < 0)
		goto done;
	if (cli_policies_load(&pp, "audit", set, 1, dirs, ndirs, &d) < 0) {
		cairn_diags_print(&d, stderr);
		fprintf(stderr, "cairn audit: the policies have errors; nothing was audited\n");
		goto done;
	}
	if (cli_reportrun_open(&rr, file) < 0 ||
	    cli_reportrun_report(&rr, CAIRN_REPORT_AUDIT, &r) < 0)
		goto done;
	t = cairn_stack_template(rr.pr.stack);
	memset(&ro, 0, sizeof(ro));
	if (cli_policies_for_template(&pp, set, t, &ro, &d) < 0) {
		cairn_diags_print(&d, stderr);
		fprintf(stderr,
		        "cairn audit: %s chooses policy packs that cannot be loaded; nothing "
		        "was audited\n",
		        file);
		goto done;
	}

	/* every resource, read once: drift, and the live values */
	if (cairn_drift_run(rr.pr.eng, rr.pr.stack, rr.pr.st, r, &drift) < 0) {
		cli_fail("audit", "%s; nothing was audited", cairn_error_last());
		goto done;
	}
	if (drift.read_errors)
		errors = 1;

	/* the account */
	buckets = state_buckets(rr.pr.st);
	memset(&ao, 0, sizeof(ao));
	ao.profile = cli_g.profile;
	ao.regions = regions;
	ao.buckets = buckets;
	ao.parallelism = rr.pr.parallelism;
	if (cairn_audit_account(rr.pr.aws, &ao, &account, &problems) < 0) {
		cli_fail("audit", "%s", cairn_error_last());
		goto done;
	}
	json_array_foreach(problems, i, pr) {
		fprintf(stderr,
		        "cairn audit: warning: account_data.%s was not read: %s (the "
		        "controls that need it are not decided)\n",
		        json_string_value(json_object_get(pr, "field")),
		        json_string_value(json_object_get(pr, "message")));
	}

	{
		/* the regions read, for the report (the account's, or --regions) */
		json_t *regs = json_object_get(account, "regions"), *x;
		const char **names = cairn_xcalloc(json_array_size(regs) + 1, sizeof(*names));
		size_t n = 0;
		json_array_foreach(regs, i, x) {
			if (json_is_string(x))
				names[n++] = json_string_value(x);
		}
		cairn_report_set_regions(r, names, n);
		free(names);
	}
	if (cairn_audit_document(rr.pr.stack, rr.pr.st, drift.live, account, &doc) < 0) {
		cli_fail("audit", "the live document: %s", cairn_error_last());
		goto done;
	}

	/* the policies, on live values */
	cairn_utc_now(now);
	memcpy(today, now, 10);
	today[10] = '\0';
	ro.live = 1;
	ro.today = today;
	if (cairn_policy_run(set, doc, &ro, &rep, &d) < 0) {
		cairn_diags_print(&d, stderr);
		fprintf(stderr,
		        "cairn audit: the waivers of %s have errors (above); nothing was "
		        "audited\n",
		        file);
		goto done;
	}
	cairn_diags_print(&d, stderr);
	memset(&ai, 0, sizeof(ai));
	ai.set = set;
	ai.packs = ro.packs;
	ai.npacks = ro.npacks;
	ai.rep = &rep;
	ai.document = doc;
	ai.tpl = t;
	ai.today = today;
	ai.problems = problems;
	ai.st = rr.pr.st;
	if (cairn_audit_report(r, &ai) < 0) {
		cli_fail("audit", "%s", cairn_error_last());
		goto done;
	}
	if (cli_reportrun_emit(&rr, r) < 0)
		goto done;
	if (rep.counts[CAIRN_RESULT_ERROR]) {
		fprintf(stderr, "cairn audit: %zu polic%s could not run (their findings say why)\n",
		        rep.counts[CAIRN_RESULT_ERROR],
		        rep.counts[CAIRN_RESULT_ERROR] == 1 ? "y" : "ies");
		errors = 1;
	}
	if (drift.read_errors)
		fprintf(stderr,
		        "cairn audit: %zu resource%s could not be read and were not judged "
		        "(NOT_CHECKED in the drift section, with the AWS error)\n",
		        drift.read_errors, drift.read_errors == 1 ? "" : "s");
	if (errors)
		rc = 1;
	else if (cairn_policy_report_failing(&rep, fail_on))
		rc = 3;
	else if (drift.drifted)
		rc = 2;
	else
		rc = 0;
done:
	cairn_diags_dispose(&d);
	cli_policies_dispose(&pp);
	free(dirs);
	free(regions);
	free(regbuf);
	free(buckets);
	json_decref(account);
	json_decref(problems);
	json_decref(doc);
	cairn_policy_report_dispose(&rep);
	cairn_drift_result_dispose(&drift);
	cairn_report_free(r);
	cairn_policy_set_free(set);
	cli_reportrun_dispose(&rr);
	return rc;
}
