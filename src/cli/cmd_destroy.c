/*
 * cmd_destroy.c: `cairn destroy FILE`: deletes everything the stack's
 * state holds, dependents before what they depend on, many at once.
 *
 * Resources with DeletionPolicy: Retain are left in AWS and removed from
 * the state. --target ID destroys that resource and everything that
 * depends on it. Asks for "yes" on a terminal; needs --auto-approve
 * without one. Exit status as apply.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "planrun.h"

enum { O_AUTO = 1 };

int cli_cmd_destroy(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"auto-approve", 0, O_AUTO, "destroy without asking for confirmation"},
		CLI_PLANRUN_OPTS,
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cli_planrun r;
	const char *v, *file = NULL;
	int id, rc = 1, autoapprove = 0, ok;

	cli_init(&p, argc, argv, "cairn destroy [options] FILE", opts);
	cli_planrun_init(&r, "destroy");
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
				cli_fail("destroy", "one template at a time ('%s' and '%s')", file, v);
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
	if (cli_planrun_open(&r, file) < 0 || cli_planrun_plan(&r, 1) < 0)
		goto done;
	cairn_plan_print(r.plan, stdout, cli_g.color);
	if (!cairn_plan_has_changes(r.plan)) {
		rc = 0;
		goto done;
	}
	ok = cli_planrun_confirm(&r, autoapprove, "destroy these resources");
	if (ok <= 0) {
		rc = ok == 0 ? 0 : 1;
		goto done;
	}
	rc = cli_planrun_apply(&r);
done:
	cli_planrun_dispose(&r);
	return rc;
}
