/*
 * cmd_output.c: `cairn output [FILE] [NAME]`: the stack's outputs as the
 * last apply saved them in the state.
 *
 * Every output as NAME = value (JSON), or one output's value alone, or
 * --json. An output that shows a NoEcho parameter's value is printed as
 * (sensitive), always. Which state: --state PATH, else --stack-name, else
 * the stack of the template FILE (its base name, as plan and apply name
 * it), else the only state in .cairn/. The template is only named, never
 * read: output needs neither the template's parameters nor credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cairn/state.h"
#include "cli.h"
#include "planrun.h"

enum { O_STATE = 1, O_STACK, O_JSON };

/* 1 when arg names a template file (an existing regular file ending in
 * .yaml, .yml, .json or .template): the form `cairn output stack.yaml`. An
 * output's name never contains a dot (CloudFormation: alphanumeric). */
static int is_template_arg(const char *arg)
{
	static const char *const ext[] = {".yaml", ".yml", ".json", ".template"};
	const char *dot = strrchr(arg, '.');
	struct stat sb;
	size_t i;

	if (!dot || stat(arg, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcmp(dot, ext[i]) == 0)
			return 1;
	return 0;
}

/* The stack name plan and apply give the template at path: its base name
 * without the extension. */
static char *stack_of_template(const char *path)
{
	const char *b = strrchr(path, '/'), *dot;
	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	return dot && dot != b ? cairn_xstrndup(b, (size_t)(dot - b)) : cairn_xstrdup(b);
}

int cli_cmd_output(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"state", 1, O_STATE, "PATH  the state file (default .cairn/<stack>.state.json)"},
		{"stack-name", 1, O_STACK, "NAME  the stack whose outputs to print"},
		{"json", 0, O_JSON, "print the outputs as a JSON object {name: value}"},
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	const char *v, *state_flag = NULL, *stack = NULL, *name = NULL;
	char *path = NULL, *tpl_stack = NULL;
	cairn_state *st = NULL;
	json_t *outs;
	int id, rc = 1, as_json = 0;

	cli_init(&p, argc, argv,
		 "cairn output [FILE] [NAME] [--json] [--state PATH | --stack-name NAME]", opts);
	while ((id = cli_next(&p, &v)) != CLI_END) {
		switch (id) {
		case CLI_ERR:
			free(tpl_stack);
			return 1;
		case CLI_ARG:
			if (!tpl_stack && !name && is_template_arg(v)) {
				tpl_stack = stack_of_template(v);
				break;
			}
			if (name) {
				free(tpl_stack);
				return cli_fail("output", "one output name at a time");
			}
			name = v;
			break;
		case O_STATE:
			state_flag = v;
			break;
		case O_STACK:
			stack = v;
			break;
		case O_JSON:
			as_json = 1;
			break;
		}
	}
	if (!stack && !state_flag)
		stack = tpl_stack;
	if (cairn_state_resolve_path(state_flag, stack, &path) < 0 ||
	    cairn_state_read(&st, path) < 0) {
		rc = cli_fail("output", "%s", cairn_error_last());
		goto done;
	}
	outs = cairn_state_outputs(st);
	if (name) {
		json_t *o = json_object_get(outs, name);
		char *s;
		if (!o) {
			rc = cli_fail("output", "stack %s has no output '%s'%s", cairn_state_stack(st),
				      name,
				      json_object_size(outs) ? " (see 'cairn output')"
							     : " (it has no outputs: apply it first?)");
			goto done;
		}
		if (json_is_true(json_object_get(o, "sensitive"))) {
			printf("(sensitive)\n");
			rc = 0;
			goto done;
		}
		v = json_string_value(json_object_get(o, "value"));
		if (v && !as_json) {
			printf("%s\n", v); /* a string alone, unquoted, for scripts */
		} else {
			s = json_dumps(json_object_get(o, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
			printf("%s\n", s ? s : "null");
			free(s);
		}
		rc = 0;
		goto done;
	}
	if (as_json) {
		json_t *j = json_object(), *o;
		const char *k;
		json_object_foreach(outs, k, o) {
			json_object_set_new(j, k,
					    json_is_true(json_object_get(o, "sensitive"))
						    ? json_string("(sensitive)")
						    : json_incref(json_object_get(o, "value")));
		}
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else if (json_object_size(outs) == 0) {
		printf("Stack %s has no outputs.\n", cairn_state_stack(st));
	} else {
		const char *k;
		json_t *o;
		json_object_foreach(outs, k, o) {
			char *s;
			if (json_is_true(json_object_get(o, "sensitive"))) {
				printf("%s = (sensitive)\n", k);
				continue;
			}
			s = json_dumps(json_object_get(o, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
			printf("%s = %s\n", k, s ? s : "null");
			free(s);
		}
	}
	rc = 0;
done:
	cairn_state_free(st);
	free(path);
	free(tpl_stack);
	return rc;
}
