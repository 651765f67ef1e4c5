/*
 * cmd_force_unlock.c: `cairn force-unlock ID`: breaks the lock of a state
 * whose holder is gone (killed, crashed, or on a machine that went away).
 *
 * The lock id must be given, exactly as the "is locked by" message prints
 * it, so that a lock taken by someone else in the meantime is never broken
 * by mistake. Which state: --state PATH, else --stack-name, else the only
 * state in .cairn/.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cairn/state.h"
#include "cli.h"

enum { O_STATE = 1, O_STACK };

static const cli_opt opts[] = {
	{"state", 1, O_STATE, "PATH  the state file (default .cairn/<stack>.state.json)"},
	{"stack-name", 1, O_STACK, "NAME  the stack whose state to unlock"},
	{NULL, 0, 0, NULL}
};

static const char *str(const json_t *info, const char *k)
{
	const char *s = json_string_value(json_object_get(info, k));
	return s ? s : "?";
}

int cli_cmd_force_unlock(int argc, char **argv)
{
	cli_parser p;
	const char *val, *state_flag = NULL, *stack = NULL, *id = NULL;
	char *path = NULL;
	json_t *info = NULL;
	int o, rc = 1;

	cli_init(&p, argc, argv, "cairn force-unlock ID [--state PATH | --stack-name NAME]", opts);
	while ((o = cli_next(&p, &val)) != CLI_END) {
		switch (o) {
		case CLI_ERR:
			return 1;
		case CLI_ARG:
			if (id)
				return cli_fail("force-unlock", "takes one lock id (got '%s' and '%s')",
						id, val);
			id = val;
			break;
		case O_STATE:
			state_flag = val;
			break;
		case O_STACK:
			stack = val;
			break;
		}
	}
	if (!id) {
		fprintf(stderr, "cairn force-unlock: which lock? Give the id that the \"is locked "
				"by\" message names\n");
		cli_usage(&p, stderr);
		return 1;
	}
	if (cairn_state_resolve_path(state_flag, stack, &path) < 0)
		return cli_fail("force-unlock", "%s", cairn_error_last());
	cairn_state_lock_info(path, &info);
	if (cairn_state_force_unlock(path, id) < 0) {
		rc = cli_fail("force-unlock", "%s", cairn_error_last());
		goto done;
	}
	printf("Broke lock %s of %s (held by %s, cairn %s, pid %lld, since %s). The state is "
	       "unlocked.\n",
	       id, path, str(info, "holder"), str(info, "operation"),
	       (long long)json_integer_value(json_object_get(info, "pid")), str(info, "time"));
	rc = 0;
done:
	json_decref(info);
	free(path);
	return rc;
}
