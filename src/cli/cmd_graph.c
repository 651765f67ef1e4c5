/*
 * cmd_graph.c: `cairn graph FILE`: the stack's dependency graph as
 * Graphviz DOT (edges from a resource to what it depends on), or as JSON
 * with --json. The stack must validate; errors are reported as validate
 * reports them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/stack.h"
#include "cli.h"
#include "stackopts.h"

enum { OPT_JSON = 1 };

int cli_cmd_graph(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"json", 0, OPT_JSON, "print the graph as JSON instead of Graphviz DOT"},
		CLI_STACK_OPTS,
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cli_stackopts so;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *st = NULL;
	const char *v, *file = NULL;
	int id, rc = 1, as_json = 0;

	cli_init(&p, argc, argv, "cairn graph [options] FILE", opts);
	cli_stackopts_init(&so, "graph");
	while ((id = cli_next(&p, &v)) != CLI_END) {
		int t;
		if (id == CLI_ERR)
			goto out;
		t = cli_stackopts_take(&so, id, v);
		if (t < 0)
			goto out;
		if (t)
			continue;
		if (id == OPT_JSON) {
			as_json = 1;
		} else if (id == CLI_ARG) {
			if (file) {
				rc = cli_fail("graph", "one template at a time ('%s' and '%s')", file,
					      v);
				goto out;
			}
			file = v;
		}
	}
	if (!file) {
		cli_usage(&p, stderr);
		goto out;
	}
	if (cli_stackopts_finish(&so) < 0)
		goto out;
	if (cairn_stack_load(&st, file, &so.opts, &d) < 0) {
		cairn_diags_print(&d, stderr);
		fprintf(stderr, "cairn graph: %zu error%s in %s\n", d.nerrors,
			d.nerrors == 1 ? "" : "s", file);
		goto out;
	}
	cairn_diags_print(&d, stderr);
	if (as_json) {
		json_t *j = NULL;
		cairn_stack_graph_json(st, &j);
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		cairn_stack_write_dot(st, stdout);
	}
	rc = 0;
out:
	cairn_stack_free(st);
	cairn_diags_dispose(&d);
	cli_stackopts_dispose(&so);
	return rc;
}
