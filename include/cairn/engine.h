/*
 * engine.h: the provider runtime, refresh, apply and destroy.
 *
 * A cairn_engine is the provider lua_State (every lua/cairn/aws/<service>.lua
 * loaded, the "cairn.aws" module of the runner installed) with its runner
 * over one AWS client. Every resource operation (create, read, update,
 * delete, find of docs/internals/providers.md) is a task: a coroutine
 * that yields on each AWS call, so many operations are in flight in one
 * thread, at most `parallelism` at a time.
 *
 * Refresh reads every resource of a state through its provider, in
 * parallel; plan (plan.h) and drift use its result. Apply executes a plan
 * (plan.h) along the dependency graph, journaling the state after every
 * finished operation and recording a pending create BEFORE its create
 * call, so that an interrupted apply is finished by the next one (the
 * provider's find() adopts what the interrupted create made). Destroy is
 * the apply of a destroy plan.
 */
#ifndef CAIRN_ENGINE_H
#define CAIRN_ENGINE_H

#include <signal.h>
#include <stdio.h>

#include <jansson.h>

#include "cairn/aws.h"
#include "cairn/plan.h"
#include "cairn/stack.h"
#include "cairn/state.h"

#define CAIRN_DEFAULT_PARALLELISM 32

typedef struct cairn_engine cairn_engine;

typedef struct cairn_engine_options {
	cairn_aws *aws;       /* borrowed: the client every provider call goes through */
	const char *stack;    /* the stack name: ctx.stack and the cairn:stack tag */
	const char *account;  /* the account id (ctx.account), or NULL */
	int parallelism;      /* operations in flight at most; 0: CAIRN_DEFAULT_PARALLELISM */
	FILE *progress;       /* where apply's progress lines go; NULL: stdout */
	int color;            /* ANSI colours on progress lines */
} cairn_engine_options;

/* Creates the runtime: a lua_State with the providers loaded. Fails with
 * a message naming the provider file when one does not load. */
int cairn_engine_new(cairn_engine **out, const cairn_engine_options *opts);
void cairn_engine_free(cairn_engine *e);

/* 1 when type has a provider implementing fn ("create", "read", ...). */
int cairn_engine_supports(cairn_engine *e, const char *type, const char *fn);

/* ---- refresh ------------------------------------------------------------- */

/* Reads resources of the state through their providers, up to
 * parallelism at once. ids: the logical ids to read (NULL-terminated), or
 * NULL for every resource of the state. *out is a new object, per logical
 * id:
 *   {"status": "found", "id": ..., "properties": {live}, "attributes": {...}}
 *   {"status": "gone"}                    read returned nil: deleted outside cairn
 *   {"status": "found", ..., "adopted": true}
 *                                         a pending create that find() found
 *   {"status": "absent"}                  a pending create that find() did not find
 *   {"status": "not_checked", "reason": ...}  the type has no read
 *   {"status": "error", "error": "<message naming the operation and code>"}
 * Deposed objects are not read. Returns 0 even when some reads failed
 * (their status says so); an error only when the reads could not run. */
int cairn_engine_refresh(cairn_engine *e, const cairn_state *st, const char *const *ids,
			 json_t **out);

/* The first "error" entry of a refresh result as the error message
 * (CAIRN_EAWS), or 0 when there is none. */
int cairn_engine_refresh_check(const json_t *refresh);

/* ---- evaluation against the state ---------------------------------------- */

/* An env (stack.h) answering Ref and Fn::GetAtt from the state's records
 * (the physical id, or the attribute the type's Ref returns; attributes):
 * what apply evaluates dependents with as their dependencies finish, and
 * what drift evaluates the template with. Only records with status
 * "created" answer. (Fn::ImportValue is answered by the stack itself, from
 * the states in its state_dir: load the stack with state_dir = the
 * directory of st's file.) Initialise with
 * cairn_engine_state_env_init; pass &se->env; valid while s and st live. */
typedef struct cairn_state_env {
	cairn_eval_env env;        /* what cairn_stack_eval takes */
	const cairn_stack *s;      /* for the types of resources */
	const cairn_state *st;     /* the records */
} cairn_state_env;

void cairn_engine_state_env_init(cairn_state_env *se, const cairn_stack *s, const cairn_state *st);

/* ---- apply ----------------------------------------------------------------- */

typedef struct cairn_apply_options {
	const char *lock_file; /* removed by a second Ctrl-C on its way out, or NULL */
	int quiet;             /* no progress lines */
} cairn_apply_options;

typedef struct cairn_apply_result {
	int added, changed, replaced, destroyed, retained, adopted; /* finished operations */
	int failed;       /* operations that failed */
	int interrupted;  /* Ctrl-C stopped the apply */
} cairn_apply_result;

/* Executes plan p (made by cairn_plan_make for s and st, or loaded from a
 * saved plan and checked fresh) on the state st, which is saved after
 * every finished operation. On the first failure nothing new starts, the
 * operations in flight finish and the state is saved; the return is then
 * CAIRN_EAWS (or CAIRN_ERROR) with a message counting the failures, each
 * of which was printed as it happened, naming the resource, its type and
 * the AWS operation and error code. Ctrl-C: the same, CAIRN_EINTR. The
 * outputs are evaluated and saved at the end of a successful apply. */
int cairn_engine_apply(cairn_engine *e, const cairn_stack *s, cairn_state *st,
		       const cairn_plan *p, const cairn_apply_options *opts,
		       cairn_apply_result *result);

/* ---- exports other stacks import -------------------------------------------- */

/* CAIRN_EINVALID, with a message naming each export, why plan p takes it
 * away, the stacks that import it (their states) and the commands that
 * release them, when p would take away an export of st's stack that
 * another stack imports: a destroy plan takes every export away; any
 * other plan one whose output it deletes, whose Export name it changes or
 * removes, or whose value it changes or may change (known only after
 * apply). The importers are the other states in the directory of st's
 * file (where Fn::ImportValue reads exports) whose "imports" name the
 * export with this stack (state.h: cairn_state_imports). 0 otherwise.
 * What plan, apply and destroy call before anything changes. */
int cairn_engine_check_exports(const cairn_plan *p, const cairn_state *st);

/* Records in st (state.h: cairn_state_set_imports) the exports stack s
 * imports now (stack.h: cairn_stack_imports). targeted (an apply with
 * --target): adds to the record instead of replacing it, since resources
 * the apply did not touch may still import what the template no longer
 * does. Returns 1 when the record changed (the state must be saved). */
int cairn_engine_record_imports(const cairn_stack *s, cairn_state *st, int targeted);

/* ---- resources this stack retained ------------------------------------------ */

/* For every enabled resource of s that st has no record of and that st
 * remembers as retained (state.h: cairn_state_retained) with the same
 * type: turns the remembered entry into a pending record (with "retained"
 * and "retained_id" in "pending"), in memory, so that the refresh looks
 * for it with the provider's find() (its name, this stack's cairn tags)
 * and the plan adopts it, or creates it anew when it is gone. Returns how
 * many. What plan and apply call before the refresh (not for a destroy).
 * See src/engine/retained.c. */
int cairn_engine_readopt_retained(const cairn_stack *s, cairn_state *st);

#endif
