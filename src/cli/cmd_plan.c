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
 * Exit status: 0, or 1 on error; with -detailed-exitcode 0 no changes,
 * 1 error, 2 changes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "planrun.h"

enum { O_JSON = 1, O_OUT, O_DETAILED, O_DESTROY };

int cli_cmd_plan(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"json", 0, O_JSON, "print the plan as JSON (docs/plan-format.md)"},
		{"out", 1, O_OUT, "FILE  save the plan, for 'cairn apply FILE'"},
		{"detailed-exitcode", 0, O_DETAILED, "exit 0: no changes, 1: error, 2: changes"},
		{"destroy", 0, O_DESTROY, "plan the destruction of everything in the state"},
		CLI_PLANRUN_OPTS,
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cli_planrun r;
	const char *v, *file = NULL, *out = NULL;
	int id, rc = 1, as_json = 0, detailed = 0, destroy = 0;

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
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		cairn_plan_print(r.plan, stdout, cli_g.color);
	}
	/* Policy findings on the planned values go here, under the plan, once
	 * the policy engine (include/cairn/policy.h) is part of cairn. */
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
	return rc;
}
