/*
 * cmd_plan.c: `cairn plan FILE`: what apply would do, resource by
 * resource and property by property, without changing anything.
 *
 * Reads the state and every resource in it through its provider (in
 * parallel), evaluates the template, and prints the plan like Terraform
 * (+ create, ~ update, -/+ replace, - destroy), or its JSON with --json
 * (docs/plan-format.md). -out FILE saves it for `cairn apply FILE`.
 * --destroy plans the destruction of the stack instead.
 *
 * Under the plan, the policy packs (those the template chooses in
 * Metadata.Cairn.Policies, else every built-in pack, plus --policies
 * directories) judge the planned values, as `cairn check` does, with the
 * values known from the state and the live resources where check has
 * none; --no-policies skips them. Findings do not change the exit status
 * (`cairn check` is the gate); a policy that cannot load or run, or an
 * invalid waiver, is an error.
 *
 * Exit status: 0, or 1 on error; with -detailed-exitcode 0 no changes,
 * 1 error, 2 changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/policy.h"
#include "cli.h"
#include "planrun.h"
#include "policyrun.h"

enum { O_JSON = 1, O_OUT, O_DETAILED, O_DESTROY, O_POLICIES, O_NO_POLICIES };

/* Runs the policy packs on the planned values. Text: the report under the
 * plan; JSON: the report's JSON as "policy" in jplan. -1 after printing
 * an error. */
static int run_policies(cli_planrun *r, const char **dirs, size_t ndirs, json_t *jplan)
{
	cairn_policy_set *set = NULL;
	cairn_policy_report rep = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_run_options ro;
	cairn_policy_write_options wo;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cli_policies pp = CLI_POLICIES_INIT;
	json_t *doc = NULL;
	int rc = -1;

	cairn_policy_set_new(&set);
	if (cli_policies_load(&pp, "plan", set, 1, dirs, ndirs, &d) < 0)
		goto done;
	memset(&ro, 0, sizeof(ro));
	if (cli_policies_for_template(&pp, set, cairn_stack_template(r->stack), &ro, &d) < 0)
		goto done;
	if (cairn_plan_document(r->plan, r->stack, r->st, r->live, &doc) < 0) {
		cli_fail("plan", "the planned values for the policies: %s", cairn_error_last());
		goto done;
	}
	if (cairn_policy_run(set, doc, &ro, &rep, &d) < 0)
		goto done;
	memset(&wo, 0, sizeof(wo));
	wo.color = cli_g.color;
	wo.set = set;
	if (jplan) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);
		json_t *pj;
		cairn_policy_report_write(&rep, CAIRN_FORMAT_JSON, mem, &wo);
		fclose(mem);
		pj = json_loadb(buf, len, 0, NULL);
		free(buf);
		json_object_set_new(jplan, "policy", pj ? pj : json_null());
	} else {
		printf("\n%sPolicy checks on the planned values%s (cairn check has the options "
		       "and formats):\n\n",
		       cli_color("1"), cli_reset());
		cairn_policy_report_write(&rep, CAIRN_FORMAT_TEXT, stdout, &wo);
	}
	if (rep.counts[CAIRN_RESULT_ERROR]) {
		cli_fail("plan", "%zu polic%s could not run (see above)",
			 rep.counts[CAIRN_RESULT_ERROR],
			 rep.counts[CAIRN_RESULT_ERROR] == 1 ? "y" : "ies");
		goto done;
	}
	rc = 0;
done:
	cairn_diags_print(&d, stderr);
	if (rc < 0 && d.nerrors)
		fprintf(stderr, "cairn plan: the policies could not be run (%zu error%s above)\n",
			d.nerrors, d.nerrors == 1 ? "" : "s");
	cairn_diags_dispose(&d);
	cli_policies_dispose(&pp);
	json_decref(doc);
	cairn_policy_report_dispose(&rep);
	cairn_policy_set_free(set);
	return rc;
}

int cli_cmd_plan(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"json", 0, O_JSON, "print the plan as JSON (docs/plan-format.md)"},
		{"out", 1, O_OUT, "FILE  save the plan, for 'cairn apply FILE'"},
		{"detailed-exitcode", 0, O_DETAILED, "exit 0: no changes, 1: error, 2: changes"},
		{"destroy", 0, O_DESTROY, "plan the destruction of everything in the state"},
		{"policies", 1, O_POLICIES, "DIR  also run the policy pack in DIR (repeatable)"},
		{"no-policies", 0, O_NO_POLICIES, "do not run the policy packs under the plan"},
		CLI_PLANRUN_OPTS,
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cli_planrun r;
	const char *v, *file = NULL, *out = NULL, **dirs = NULL;
	size_t ndirs = 0;
	int id, rc = 1, as_json = 0, detailed = 0, destroy = 0, policies = 1;

	cli_init(&p, argc, argv, "cairn plan [options] FILE", opts);
	cli_planrun_init(&r, "plan");
	while ((id = cli_next(&p, &v)) != CLI_END) {
		int t;
		if (id == CLI_ERR)
			goto done;
		t = cli_planrun_take(&r, id, v);
		if (t < 0)
			goto done;
		if (t)
			continue;
		switch (id) {
		case CLI_ARG:
			if (file) {
				cli_fail("plan", "one template at a time ('%s' and '%s')", file, v);
				goto done;
			}
			file = v;
			break;
		case O_JSON:
			as_json = 1;
			break;
		case O_OUT:
			out = v;
			break;
		case O_DETAILED:
			detailed = 1;
			break;
		case O_DESTROY:
			destroy = 1;
			break;
		case O_POLICIES:
			dirs = cairn_xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
			dirs[ndirs++] = v;
			break;
		case O_NO_POLICIES:
			policies = 0;
			break;
		}
	}
	if (!file) {
		cli_usage(&p, stderr);
		goto done;
	}
	if (cli_planrun_open(&r, file) < 0 || cli_planrun_plan(&r, destroy) < 0)
		goto done;
	if (as_json) {
		json_t *j = cairn_plan_to_json(r.plan);
		int prc = policies && !destroy ? run_policies(&r, dirs, ndirs, j) : 0;
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
		if (prc < 0)
			goto done;
	} else {
		cairn_plan_print(r.plan, stdout, cli_g.color);
		/* the policy packs judge the planned values, under the plan */
		if (policies && !destroy && run_policies(&r, dirs, ndirs, NULL) < 0)
			goto done;
	}
	if (out) {
		if (cairn_plan_save(r.plan, out) < 0) {
			cli_fail("plan", "%s", cairn_error_last());
			goto done;
		}
		if (!as_json)
			printf("\nSaved the plan to %s. To apply exactly this plan: cairn apply %s\n",
			       out, out);
	}
	rc = detailed && cairn_plan_has_changes(r.plan) ? 2 : 0;
done:
	cli_planrun_dispose(&r);
	free(dirs);
	return rc;
}
