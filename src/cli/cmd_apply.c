/*
 * cmd_apply.c: `cairn apply FILE` plans and applies a stack; `cairn apply
 * PLANFILE` applies exactly a plan saved by `cairn plan -out`.
 *
 * With a template: the plan is made and shown, confirmed ("yes" on a
 * terminal, --auto-approve without one), and applied: operations run in
 * parallel along the dependency graph (--parallelism), with a progress
 * line per resource, the state saved after every one, and the outputs at
 * the end. With a saved plan: it is refused when the template or the
 * state changed since it was made; otherwise it is applied as it is,
 * without asking (it was reviewed when it was saved).
 *
 * Exit status: 0 applied, 1 error (the state holds what finished), 130
 * interrupted (Ctrl-C: the operations in flight finished, state saved).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "planrun.h"

enum { O_AUTO = 1 };

int cli_cmd_apply(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"auto-approve", 0, O_AUTO, "apply without asking for confirmation"},
		CLI_PLANRUN_OPTS,
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cli_planrun r;
	const char *v, *file = NULL;
	int id, rc = 1, autoapprove = 0, ok;

	cli_init(&p, argc, argv, "cairn apply [options] FILE|PLANFILE", opts);
	cli_planrun_init(&r, "apply");
	while ((id = cli_next(&p, &v)) != CLI_END) {
		int t;
		if (id == CLI_ERR)
			goto done;
		t = cli_planrun_take(&r, id, v);
		if (t < 0)
			goto done;
		if (t)
			continue;
		if (id == CLI_ARG) {
			if (file) {
				cli_fail("apply", "one template or plan at a time ('%s' and '%s')",
					 file, v);
				goto done;
			}
			file = v;
		} else if (id == O_AUTO) {
			autoapprove = 1;
		}
	}
	if (!file) {
		cli_usage(&p, stderr);
		goto done;
	}
	if (cairn_plan_is_file(file)) {
		if (r.ntargets || json_object_size(r.so.flags) || json_object_size(r.so.files)) {
			cli_fail("apply", "%s is a saved plan: its targets and parameters were fixed "
					  "when it was made (no --target or --param here)",
				 file);
			goto done;
		}
		if (cli_planrun_open_saved(&r, file) < 0)
			goto done;
		cairn_plan_print(r.plan, stdout, cli_g.color);
		if (!cairn_plan_has_changes(r.plan)) {
			rc = 0;
			goto done;
		}
		putchar('\n');
		rc = cli_planrun_apply(&r);
		goto done;
	}
	if (cli_planrun_open(&r, file) < 0 || cli_planrun_plan(&r, 0) < 0)
		goto done;
	cairn_plan_print(r.plan, stdout, cli_g.color);
	if (!cairn_plan_has_changes(r.plan)) {
		/* no resource changes, yet the template may import otherwise */
		if (cairn_state_exists(r.st) &&
		    cairn_engine_record_imports(r.stack, r.st, r.ntargets > 0) &&
		    cairn_state_save(r.st) < 0) {
			cli_fail("apply", "%s", cairn_error_last());
			goto done;
		}
		cli_planrun_print_outputs(cairn_state_outputs(r.st), stdout);
		rc = 0;
		goto done;
	}
	ok = cli_planrun_confirm(&r, autoapprove, "apply these changes");
	if (ok <= 0) {
		rc = ok == 0 ? 0 : 1;
		goto done;
	}
	rc = cli_planrun_apply(&r);
done:
	cli_planrun_dispose(&r);
	return rc;
}
