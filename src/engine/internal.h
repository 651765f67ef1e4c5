/*
 * internal.h: private to src/engine: the engine's structure and the task
 * interface that apply.c and the refresh use to run provider functions.
 */
#ifndef CAIRN_ENGINE_INTERNAL_H
#define CAIRN_ENGINE_INTERNAL_H

#include <lua.h>

#include "cairn/engine.h"
#include "cairn/runner.h"
#include "cairn/types.h"

struct cairn_engine {
	lua_State *L;          /* the provider state: every provider module loaded */
	cairn_runner *runner;  /* runs tasks as coroutines of L over aws */
	cairn_aws *aws;        /* borrowed; may be NULL (no AWS calls possible) */
	char *stack;           /* ctx.stack and the cairn:stack tag */
	char *account;         /* ctx.account, or NULL */
	int parallelism;       /* operations in flight at most */
	FILE *progress;        /* apply's progress lines */
	int color;             /* ANSI colours on progress lines */
	int providers;         /* registry ref: table type name -> type table */
	int helpers;           /* registry ref: the engine's Lua helpers (find_read) */
};

/* What a task's ctx says about its resource. */
typedef struct eng_ctx {
	const char *logical_id;  /* ctx.logical_id and the cairn:logical-id tag */
	const char *type;        /* ctx.type, and which provider */
	const char *token;       /* ctx.token, or NULL */
	const json_t *exclude;   /* ctx.exclude: ids find() must not return (array), or NULL */
	int name_generated;      /* ctx.name_generated: cairn generated the resource's name */
	int adopt;               /* ctx.adopt: update of a resource an interrupted create made */
	void (*note)(void *ud, const char *msg); /* ctx.log, or NULL to drop notes */
	void *note_ud;
} eng_ctx;

/* A task finished: ok, with up to three results converted to JSON (NULL
 * for nil; owned by the callee, which must json_decref them), or failed
 * with err (borrowed: the formatted error, naming the AWS operation and
 * code when AWS failed). */
typedef void (*eng_done_fn)(void *ud, int ok, json_t **res, int nres, const char *err);

/* Starts provider function fn ("create", "read", ..., or "find_read":
 * find then read) of c->type with ctx and args (borrowed). done may run
 * before this returns. Returns an error (done not called) when the type
 * has no such function. */
int eng_spawn(cairn_engine *e, const eng_ctx *c, const char *fn, json_t *const *args, int nargs,
	      eng_done_fn done, void *ud);

/* One turn of the loop (runner step); returns the live tasks. */
int eng_step(cairn_engine *e, int timeout_ms);

#endif
