/*
 * planrun.h: private to src/cli: what `cairn plan`, `cairn apply` and
 * `cairn destroy` share: their options, and the steps from the command
 * line to a plan (the AWS client and account, the stack, the state and its
 * lock, the provider runtime, the refresh, the plan) and from a plan to
 * the state (confirmation, apply, the outputs).
 *
 *     cli_planrun r;
 *     cli_planrun_init(&r, "apply");
 *     while ((id = cli_next(&p, &v)) != CLI_END) {
 *         int t = cli_planrun_take(&r, id, v);   (stack options, --state,
 *         ...                                      --parallelism, --target)
 *     }
 *     cli_planrun_open(&r, file, "apply");       (client, stack, lock, state, engine)
 *     cli_planrun_plan(&r, destroy);             (refresh, plan)
 *     ...
 *     cli_planrun_dispose(&r);                   (unlocks)
 */
#ifndef CAIRN_CLI_PLANRUN_H
#define CAIRN_CLI_PLANRUN_H

#include "cairn/aws.h"
#include "cairn/engine.h"
#include "cairn/plan.h"
#include "cairn/stack.h"
#include "cairn/state.h"
#include "stackopts.h"

enum { CLI_PR_STATE = 21001, CLI_PR_PARALLELISM, CLI_PR_TARGET };

#define CLI_PLANRUN_OPTS                                                                   \
	CLI_STACK_OPTS,                                                                    \
	{"state", 1, CLI_PR_STATE, "PATH  the state file (default .cairn/<stack>.state.json)"}, \
	{"parallelism", 1, CLI_PR_PARALLELISM,                                            \
	 "N  AWS operations in flight at most (default 32)"},                              \
	{"target", 1, CLI_PR_TARGET,                                                      \
	 "ID  only this resource and what it depends on (repeatable)"}

typedef struct cli_planrun {
	const char *cmd;          /* "plan", "apply", "destroy": for messages */
	cli_stackopts so;         /* --param, --params, --stack-name */
	const char *state_flag;   /* --state, or NULL */
	int parallelism;          /* --parallelism, 0: default */
	const char **targets;     /* --target ids, NULL-terminated (never NULL) */
	int ntargets;
	cairn_aws *aws;           /* the client */
	const char *account;      /* the account id (borrowed from aws) */
	cairn_stack *stack;       /* the loaded template */
	char *state_path;         /* the state file */
	cairn_lock *lock;         /* held from open to dispose */
	cairn_state *st;          /* the state */
	cairn_engine *eng;        /* the provider runtime */
	json_t *live;             /* the refresh result */
	cairn_plan *plan;         /* the plan, made or loaded */
	int saved;                /* plan came from a file */
	char **azs;               /* Fn::GetAZs of the region, when the template uses it */
	size_t nazs;
} cli_planrun;

void cli_planrun_init(cli_planrun *r, const char *cmd);
/* 1 when the option was one of CLI_PLANRUN_OPTS (taken), 0 when not, -1
 * after printing an error. */
int cli_planrun_take(cli_planrun *r, int id, const char *val);
/* The AWS client, the stack of file, the state (locked) and the engine.
 * -1 after printing what went wrong. */
int cli_planrun_open(cli_planrun *r, const char *file);
/* Opens a saved plan instead: the template, parameters and state it
 * names; refused (exit 1 with the reason) when stale. -1 after printing. */
int cli_planrun_open_saved(cli_planrun *r, const char *planfile);
/* Refresh and plan (destroy: a destroy plan). -1 after printing. */
int cli_planrun_plan(cli_planrun *r, int destroy);
/* Asks for "yes" on a terminal; without one, auto_approve must be set.
 * 1 approved, 0 declined (message printed), -1 no terminal (message). */
int cli_planrun_confirm(cli_planrun *r, int auto_approve, const char *what);
/* Applies r->plan: progress, summary, outputs. Returns the exit status
 * (0, 1, or 130 when interrupted). */
int cli_planrun_apply(cli_planrun *r);
/* Prints the outputs of the state ("Outputs:" and one line each; NoEcho
 * values as (sensitive)). */
void cli_planrun_print_outputs(const json_t *outputs, FILE *out);
/* Frees everything and releases the lock. */
void cli_planrun_dispose(cli_planrun *r);

#endif
