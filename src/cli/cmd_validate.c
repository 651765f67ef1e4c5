/*
 * cmd_validate.c: `cairn validate FILE`: loads the stack and reports every
 * error as FILE:LINE:COL: message (on stderr), exit 1; or says what it
 * found and exits 0. No cloud access. `--dump-types` prints cairn's type
 * registry as JSON instead (docs/internals/template.md).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/stack.h"
#include "cairn/types.h"
#include "cli.h"
#include "stackopts.h"

enum { OPT_DUMP_TYPES = 1 };

static int dump_types(void)
{
	cairn_types *ts = NULL;
	json_t *j = NULL;
	if (cairn_types_load(&ts) < 0)
		return cli_fail("validate", "%s", cairn_error_last());
	cairn_types_dump(ts, &j);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(j);
	cairn_types_free(ts);
	return 0;
}

int cli_cmd_validate(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"dump-types", 0, OPT_DUMP_TYPES,
		 "print the resource types cairn supports, with their schemas, as JSON"},
		CLI_STACK_OPTS,
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cli_stackopts so;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *st = NULL;
	const char *v, *file = NULL;
	int id, rc = 1, dump = 0;

	cli_init(&p, argc, argv, "cairn validate [options] FILE", opts);
	cli_stackopts_init(&so, "validate");
	while ((id = cli_next(&p, &v)) != CLI_END) {
		int t;
		if (id == CLI_ERR)
			goto out;
		t = cli_stackopts_take(&so, id, v);
		if (t < 0)
			goto out;
		if (t)
			continue;
		if (id == OPT_DUMP_TYPES) {
			dump = 1;
		} else if (id == CLI_ARG) {
			if (file) {
				rc = cli_fail("validate", "one template at a time ('%s' and '%s')",
					      file, v);
				goto out;
			}
			file = v;
		}
	}
	if (dump) {
		rc = dump_types();
		goto out;
	}
	if (!file) {
		cli_usage(&p, stderr);
		goto out;
	}
	if (cli_stackopts_finish(&so) < 0)
		goto out;
	if (cairn_stack_load(&st, file, &so.opts, &d) < 0) {
		cairn_diags_print(&d, stderr);
		fprintf(stderr, "cairn validate: %zu error%s in %s\n", d.nerrors,
			d.nerrors == 1 ? "" : "s", file);
		goto out;
	}
	cairn_diags_print(&d, stderr); /* warnings */
	{
		size_t nparams = json_object_size(cairn_stack_params(st));
		json_t *outputs = json_object_get(cairn_template_root(cairn_stack_template(st)),
						  "Outputs");
		size_t n = cairn_stack_count(st);
		printf("%s: valid: stack %s, %zu resource%s, %zu parameter%s, %zu output%s\n", file,
		       cairn_stack_name(st), n, n == 1 ? "" : "s", nparams, nparams == 1 ? "" : "s",
		       json_object_size(outputs), json_object_size(outputs) == 1 ? "" : "s");
	}
	rc = 0;
out:
	cairn_stack_free(st);
	cairn_diags_dispose(&d);
	cli_stackopts_dispose(&so);
	return rc;
}
