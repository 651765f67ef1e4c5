/*
 * stackopts.h: private to src/cli: the options every command that loads a
 * stack shares (validate, graph, plan, apply, check, ...), turned into a
 * cairn_stack_options.
 *
 *   --param KEY=VALUE   a parameter value (repeatable; wins over --params)
 *   --params FILE       parameter values from a JSON or YAML file: a mapping
 *                       {Key: Value} or CloudFormation's list
 *                       [{ParameterKey: K, ParameterValue: V}] (repeatable;
 *                       a later file wins)
 *   --stack-name NAME   the stack's name (default: the file's base name
 *                       without its extension)
 *
 * A command splices CLI_STACK_OPTS into its option table, hands every id
 * cli_next() returns to cli_stackopts_take() first, and calls
 * cli_stackopts_finish() after the last option:
 *
 *     static const cli_opt opts[] = { {"json", 0, OPT_JSON, "..."},
 *                                     CLI_STACK_OPTS, {NULL, 0, 0, NULL} };
 *     cli_stackopts so;
 *     cli_stackopts_init(&so, "graph");
 *     while ((id = cli_next(&p, &v)) != CLI_END) {
 *         int t = cli_stackopts_take(&so, id, v);
 *         if (t < 0) goto fail; if (t) continue;
 *         ...
 *     }
 *     if (cli_stackopts_finish(&so) < 0) goto fail;
 *     cairn_stack_load(&st, file, &so.opts, &diags);
 *     ...
 *     cli_stackopts_dispose(&so);
 *
 * so.opts.region is --region, else AWS_REGION, else AWS_DEFAULT_REGION,
 * else NULL (unknown); account_id is NULL. A command that talks to AWS
 * sets region and account_id from its client before loading the stack.
 */
#ifndef CAIRN_CLI_STACKOPTS_H
#define CAIRN_CLI_STACKOPTS_H

#include <jansson.h>

#include "cairn/stack.h"
#include "cli.h"

enum { CLI_SO_PARAM = 20001, CLI_SO_PARAMS, CLI_SO_STACK_NAME };

#define CLI_STACK_OPTS                                                                   \
	{"param", 1, CLI_SO_PARAM, "KEY=VALUE  a parameter value (repeatable)"},         \
	{"params", 1, CLI_SO_PARAMS,                                                     \
	 "FILE  parameter values from a JSON or YAML file (repeatable)"},                \
	{"stack-name", 1, CLI_SO_STACK_NAME,                                             \
	 "NAME  the stack name (default: the file's base name)"}

typedef struct cli_stackopts {
	cairn_stack_options opts;  /* for cairn_stack_load; points into this struct */
	const char *cmd;           /* the command, for messages */
	json_t *files;             /* values from --params files, merged in order */
	json_t *flags;             /* values from --param, merged in order */
	json_t *params;            /* files then flags: what opts.params points to */
} cli_stackopts;

void cli_stackopts_init(cli_stackopts *so, const char *cmd);
/* Takes the option id (with its value) when it is a stack option: returns
 * 1 when taken, 0 when it is not a stack option, -1 after printing an
 * error (a bad --param, an unreadable --params file). */
int cli_stackopts_take(cli_stackopts *so, int id, const char *val);
/* Fills so->opts; 0, or -1 after printing an error. */
int cli_stackopts_finish(cli_stackopts *so);
void cli_stackopts_dispose(cli_stackopts *so);

#endif
