/*
 * main.c: cairn's entry point: global set-up and the command table.
 *
 * Each command is a function in src/cli/cmd_<name>.c (see cli.h). main
 * only decides colour and the log level from the environment, finds the
 * command and hands it argv from the command name on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/log.h"
#include "cli.h"

typedef struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} command;

static const command commands[] = {
	{"validate", cli_cmd_validate, "check a stack template and report every error"},
	{"graph", cli_cmd_graph, "print a stack's dependency graph (Graphviz DOT or JSON)"},
	{"check", cli_cmd_check, "judge templates against the policy packs (no credentials)"},
	{"policy", cli_cmd_policy, "test, list and show policies (policy test runs the fixtures)"},
	{"version", cli_cmd_version, "print cairn's version"},
	{"plan", cli_cmd_plan, "show what apply would change, resource by resource"},
	{"apply", cli_cmd_apply, "create, update and delete resources to match a stack (or a saved plan)"},
	{"destroy", cli_cmd_destroy, "delete every resource of a stack"},
	{"output", cli_cmd_output, "print a stack's outputs from its state"},
	{"drift", cli_cmd_drift, "compare the live resources of a stack with what was last applied"},
	{"audit", cli_cmd_audit, "judge the live stack and the account against the policies, with drift"},
	{"state", cli_cmd_state, "list, show or remove resources in a stack's state"},
	{"force-unlock", cli_cmd_force_unlock, "break the lock of a state whose holder is gone"},
	{"whoami", cli_cmd_whoami, "show the AWS identity and where its credentials come from"},
	{"__aws-lua", cli_cmd_aws_lua, NULL},
	{"__sigv4", cli_cmd_aws_sigv4, NULL},
	{"__aws-build", cli_cmd_aws_build, NULL},
	{NULL, NULL, NULL}
};

static void usage(FILE *out)
{
	const command *c;
	fprintf(out, "usage: cairn COMMAND [options] [args]\n\n"
		     "cairn plans and applies CloudFormation-style stacks on AWS, checks them\n"
		     "against policy, and commits drift and compliance reports to git.\n\n"
		     "commands:\n");
	for (c = commands; c->name; c++)
		if (c->summary) /* hidden test hooks have none */
			fprintf(out, "  %-14s %s\n", c->name, c->summary);
	fprintf(out, "\n'cairn COMMAND --help' shows a command's options; docs/ has the manual.\n");
}

int main(int argc, char **argv)
{
	const command *c;
	const char *lvl = getenv("CAIRN_LOG");
	const char *nc = getenv("NO_COLOR");

	if (lvl && *lvl) {
		int l = cairn_log_parse_level(lvl);
		if (l >= 0)
			cairn_log_set_level((cairn_log_level)l);
	}
	cli_g.color = isatty(STDOUT_FILENO) && !(nc && *nc) &&
		      !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cli_cmd_version(1, argv + 1);
	for (c = commands; c->name; c++)
		if (strcmp(c->name, argv[1]) == 0)
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "cairn: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 1;
}
