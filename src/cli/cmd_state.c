/*
 * cmd_state.c: `cairn state list`, `cairn state show ID`, `cairn state rm
 * ID...`: look into a stack's state and take resources out of it.
 *
 * Which state: --state PATH, else .cairn/<--stack-name>.state.json, else
 * the only state in .cairn/ (cairn_state_resolve_path). `list` and `show`
 * only read; `rm` takes the lock, removes the records and saves (serial +
 * 1), leaving the resources in AWS: cairn simply stops managing them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/state.h"
#include "cli.h"

enum { O_STATE = 1, O_STACK, O_JSON };

static const cli_opt opts[] = {
	{"state", 1, O_STATE, "PATH  the state file (default .cairn/<stack>.state.json)"},
	{"stack-name", 1, O_STACK, "NAME  the stack whose state to use"},
	{"json", 0, O_JSON, "print JSON (list, show)"},
	{NULL, 0, 0, NULL}
};

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static int do_list(cairn_state *st, int as_json)
{
	json_t *res = cairn_state_resources(st), *rec;
	const char *id;
	size_t w = 10, wt = 4;

	if (as_json) {
		json_t *arr = json_array();
		json_object_foreach(res, id, rec) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:O?}", "logical_id", id,
							     "type", str(rec, "type"), "status",
							     str(rec, "status"), "id",
							     json_object_get(rec, "id")));
		}
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
		return 0;
	}
	json_object_foreach(res, id, rec) {
		if (strlen(id) > w)
			w = strlen(id);
		if (strlen(str(rec, "type")) > wt)
			wt = strlen(str(rec, "type"));
	}
	json_object_foreach(res, id, rec) {
		json_t *dep = json_object_get(rec, "deposed");
		size_t i;
		if (strcmp(str(rec, "status"), "pending") == 0)
			printf("%-*s  %-*s  (pending: a create that did not finish; the next plan "
			       "or apply finds and adopts what it made, or makes it again)\n",
			       (int)w, id, (int)wt, str(rec, "type"));
		else
			printf("%-*s  %-*s  %s\n", (int)w, id, (int)wt, str(rec, "type"),
			       str(rec, "id"));
		for (i = 0; i < json_array_size(dep); i++)
			printf("%-*s  %-*s  %s (deposed: the old object of a replacement, to be "
			       "deleted by the next apply)\n",
			       (int)w, id, (int)wt, str(rec, "type"),
			       str(json_array_get(dep, i), "id"));
	}
	return 0;
}

static int do_show(cairn_state *st, const char *id, int as_json)
{
	json_t *rec = cairn_state_resource(st, id);
	if (!rec)
		return cli_fail("state show", "no resource '%s' in %s (see 'cairn state list')", id,
				cairn_state_path(st));
	if (!as_json)
		printf("# %s (%s)\n", id, str(rec, "type"));
	{
		/* properties that hold a NoEcho value are never printed */
		json_t *shown = json_deep_copy(rec), *props = json_object_get(shown, "properties");
		json_t *sens = json_object_get(rec, "sensitive");
		size_t i;
		for (i = 0; i < json_array_size(sens); i++) {
			const char *k = json_string_value(json_array_get(sens, i));
			if (k && json_object_get(props, k))
				json_object_set_new(props, k, json_string("(sensitive)"));
		}
		json_dumpf(shown, stdout, JSON_INDENT(2));
		json_decref(shown);
	}
	fputc('\n', stdout);
	return 0;
}

static int do_rm(const char *path, char **ids, int nids)
{
	cairn_lock *lock = NULL;
	cairn_state *st = NULL;
	int i, rc = 0;

	if (cairn_state_lock(&lock, path, "state rm") < 0)
		return cli_fail("state rm", "%s", cairn_error_last());
	if (cairn_state_read(&st, path) < 0) {
		rc = cli_fail("state rm", "%s", cairn_error_last());
		goto done;
	}
	for (i = 0; i < nids; i++)
		if (!cairn_state_resource(st, ids[i])) {
			rc = cli_fail("state rm", "no resource '%s' in %s (see 'cairn state list'); "
						  "nothing was removed",
				      ids[i], path);
			goto done;
		}
	for (i = 0; i < nids; i++) {
		json_t *rec = json_incref(cairn_state_resource(st, ids[i]));
		cairn_state_remove_resource(st, ids[i]);
		printf("Removed %s (%s %s) from the state. It still exists in AWS; cairn no longer "
		       "manages it.\n",
		       ids[i], str(rec, "type"),
		       *str(rec, "id") ? str(rec, "id") : "(no physical id)");
		json_decref(rec);
	}
	if (cairn_state_save(st) < 0)
		rc = cli_fail("state rm", "%s", cairn_error_last());
done:
	cairn_state_free(st);
	if (cairn_state_unlock(lock) < 0 && rc == 0)
		rc = cli_fail("state rm", "%s", cairn_error_last());
	return rc;
}

int cli_cmd_state(int argc, char **argv)
{
	cli_parser p;
	const char *val, *state_flag = NULL, *stack = NULL, *sub = NULL;
	char **args = calloc((size_t)argc + 1, sizeof(char *));
	char *path = NULL;
	cairn_state *st = NULL;
	int nargs = 0, as_json = 0, o, rc = 1;

	cli_init(&p, argc, argv,
		 "cairn state list|show ID|rm ID... [--state PATH | --stack-name NAME]", opts);
	while ((o = cli_next(&p, &val)) != CLI_END) {
		switch (o) {
		case CLI_ERR:
			goto done;
		case CLI_ARG:
			if (!sub)
				sub = val;
			else
				args[nargs++] = (char *)val;
			break;
		case O_STATE:
			state_flag = val;
			break;
		case O_STACK:
			stack = val;
			break;
		case O_JSON:
			as_json = 1;
			break;
		}
	}
	if (!sub || (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
		     strcmp(sub, "rm") != 0)) {
		fprintf(stderr, "cairn state: %s\n",
			sub ? "unknown subcommand (list, show, rm)" : "which subcommand? (list, show, rm)");
		cli_usage(&p, stderr);
		goto done;
	}
	if ((strcmp(sub, "list") == 0 && nargs != 0) || (strcmp(sub, "show") == 0 && nargs != 1) ||
	    (strcmp(sub, "rm") == 0 && nargs < 1)) {
		rc = cli_fail("state", "%s takes %s", sub,
			      strcmp(sub, "list") == 0   ? "no argument"
			      : strcmp(sub, "show") == 0 ? "one logical id"
							 : "one or more logical ids");
		goto done;
	}
	if (cairn_state_resolve_path(state_flag, stack, &path) < 0) {
		rc = cli_fail("state", "%s", cairn_error_last());
		goto done;
	}
	if (strcmp(sub, "rm") == 0) {
		rc = do_rm(path, args, nargs);
		goto done;
	}
	if (cairn_state_read(&st, path) < 0) {
		rc = cli_fail("state", "%s", cairn_error_last());
		goto done;
	}
	rc = strcmp(sub, "list") == 0 ? do_list(st, as_json) : do_show(st, args[0], as_json);
done:
	cairn_state_free(st);
	free(path);
	free(args);
	return rc;
}
