/*
 * cli.h: private to src/cli: the command table, the option parser and the
 * options every command accepts.
 *
 * Every command lives in src/cli/cmd_<name>.c as
 *     int cli_cmd_<name>(int argc, char **argv);
 * returning the process exit status. argv[0] is the command name. Commands
 * parse their flags with cli_next(), which also takes the global options
 * (--region, --profile, --log-level, --no-color) wherever they appear, and
 * accepts Terraform-style single-dash long flags (-out, -detailed-exitcode)
 * as well as --name, --name=value and --name value.
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stdio.h>

/* Options shared by every command, filled in by cli_next(). */
typedef struct cli_globals {
	const char *region;    /* --region, or NULL */
	const char *profile;   /* --profile, or NULL */
	int color;             /* colour on stdout: a tty, no NO_COLOR, no --no-color */
	int no_color;          /* --no-color given */
} cli_globals;

extern cli_globals cli_g;

enum { CLI_END = -1, CLI_ERR = -2, CLI_ARG = 0 };

typedef struct cli_opt {
	const char *name;   /* without dashes: "out", "detailed-exitcode" */
	int has_arg;        /* 1 if it takes a value */
	int id;             /* returned by cli_next, > 0 */
	const char *help;   /* one line for the usage text; value name first if has_arg */
} cli_opt;

typedef struct cli_parser {
	int argc;
	char **argv;
	int i;              /* next argv index */
	int only_args;      /* after "--" */
	const char *cmd;    /* for messages */
	const char *usage;  /* "cairn plan [options] FILE" */
	const cli_opt *opts;/* for --help */
} cli_parser;

void cli_init(cli_parser *p, int argc, char **argv, const char *usage, const cli_opt *opts);
/* Next option: returns its id (with *val set when it takes a value),
 * CLI_ARG for a positional argument (*val), CLI_END at the end, CLI_ERR
 * after printing an error. --help prints usage and exits 0. */
int cli_next(cli_parser *p, const char **val);
/* Prints "cairn CMD: message" to stderr and returns exit status 1. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_usage(const cli_parser *p, FILE *out);

/* ANSI colour helpers honouring cli_g.color. */
const char *cli_color(const char *code);  /* e.g. "32" -> "\033[32m" or "" */
const char *cli_reset(void);

/* The commands. */
int cli_cmd_version(int argc, char **argv);
int cli_cmd_validate(int argc, char **argv);
int cli_cmd_graph(int argc, char **argv);
int cli_cmd_state(int argc, char **argv);
int cli_cmd_force_unlock(int argc, char **argv);
int cli_cmd_plan(int argc, char **argv);
int cli_cmd_apply(int argc, char **argv);
int cli_cmd_destroy(int argc, char **argv);
int cli_cmd_output(int argc, char **argv);
int cli_cmd_whoami(int argc, char **argv);
int cli_cmd_aws_lua(int argc, char **argv);
int cli_cmd_aws_sigv4(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_policy(int argc, char **argv);
int cli_cmd_drift(int argc, char **argv);
int cli_cmd_audit(int argc, char **argv);
int cli_cmd_aws_build(int argc, char **argv);

#endif
