/*
 * stackopts.c: --param, --params and --stack-name, shared by every command
 * that loads a stack (see stackopts.h).
 *
 * A --params file is read with the template loader (so YAML and JSON
 * both work, and a syntax error has a position) and may be either form
 * CloudFormation users have at hand: a mapping of names to values, or the
 * list the AWS CLI takes, [{"ParameterKey": K, "ParameterValue": V}].
 * Values are kept as given (strings, numbers, booleans, lists); the stack
 * loader binds them to each parameter's Type.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/template.h"
#include "stackopts.h"

void cli_stackopts_init(cli_stackopts *so, const char *cmd)
{
	memset(so, 0, sizeof(*so));
	so->cmd = cmd;
	so->files = json_object();
	so->flags = json_object();
}

static int valid_value(const json_t *v)
{
	size_t i;
	if (json_is_string(v) || json_is_number(v) || json_is_boolean(v))
		return 1;
	if (!json_is_array(v))
		return 0;
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *x = json_array_get(v, i);
		if (!json_is_string(x) && !json_is_number(x) && !json_is_boolean(x))
			return 0;
	}
	return 1;
}

static int read_params_file(cli_stackopts *so, const char *path)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = NULL;
	const json_t *root;
	int rc = 0, line, col;

	if (cairn_template_load(&t, path, &d) < 0) {
		cairn_diags_print(&d, stderr);
		cairn_diags_dispose(&d);
		fprintf(stderr, "cairn %s: --params %s: cannot read the parameter file\n", so->cmd,
			path);
		return -1;
	}
	cairn_diags_dispose(&d);
	root = cairn_template_root(t);
	if (json_is_object(root)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)root, k, v) {
			char *ptr = cairn_xasprintf("/%s", k);
			cairn_template_mark(t, ptr, &line, &col);
			free(ptr);
			if (!valid_value(v)) {
				fprintf(stderr, "%s:%d:%d: parameter '%s': a value must be a string, a "
						"number, a boolean or a list of them\n", path, line, col, k);
				rc = -1;
				continue;
			}
			json_object_set(so->files, k, v);
		}
	} else if (json_is_array(root)) {
		size_t i;
		for (i = 0; i < json_array_size(root); i++) {
			const json_t *e = json_array_get(root, i);
			const json_t *k = json_object_get(e, "ParameterKey");
			const json_t *v = json_object_get(e, "ParameterValue");
			char *ptr = cairn_xasprintf("/%zu", i);
			cairn_template_mark(t, ptr, &line, &col);
			free(ptr);
			if (json_is_object(e) && json_object_get(e, "UsePreviousValue")) {
				fprintf(stderr, "%s:%d:%d: UsePreviousValue is not supported: give the "
						"ParameterValue\n", path, line, col);
				rc = -1;
				continue;
			}
			if (!json_is_object(e) || !json_is_string(k) || !v || !valid_value(v)) {
				fprintf(stderr, "%s:%d:%d: each item must be {ParameterKey: NAME, "
						"ParameterValue: VALUE}\n", path, line, col);
				rc = -1;
				continue;
			}
			json_object_set(so->files, json_string_value(k), (json_t *)v);
		}
	} else {
		fprintf(stderr, "%s: a parameter file is a mapping {Name: Value} or a list "
				"[{ParameterKey, ParameterValue}]\n", path);
		rc = -1;
	}
	cairn_template_free(t);
	return rc;
}

int cli_stackopts_take(cli_stackopts *so, int id, const char *val)
{
	switch (id) {
	case CLI_SO_PARAM: {
		const char *eq = strchr(val, '=');
		char *k;
		if (!eq || eq == val) {
			fprintf(stderr, "cairn %s: --param '%s': write it as --param KEY=VALUE\n",
				so->cmd, val);
			return -1;
		}
		k = cairn_xstrndup(val, (size_t)(eq - val));
		json_object_set_new(so->flags, k, json_string(eq + 1));
		free(k);
		return 1;
	}
	case CLI_SO_PARAMS:
		return read_params_file(so, val) < 0 ? -1 : 1;
	case CLI_SO_STACK_NAME:
		so->opts.name = val;
		return 1;
	default:
		return 0;
	}
}

int cli_stackopts_finish(cli_stackopts *so)
{
	const char *r = cli_g.region;
	json_decref(so->params);
	so->params = json_deep_copy(so->files);
	json_object_update(so->params, so->flags);
	so->opts.params = so->params;
	if (!r || !*r)
		r = getenv("AWS_REGION");
	if (!r || !*r)
		r = getenv("AWS_DEFAULT_REGION");
	so->opts.region = r && *r ? r : NULL;
	return 0;
}

void cli_stackopts_dispose(cli_stackopts *so)
{
	json_decref(so->files);
	json_decref(so->flags);
	json_decref(so->params);
	memset(so, 0, sizeof(*so));
}
