/*
 * sandbox.h: private to src/policy: the Lua sandbox policies run in, the
 * budgeted string and table functions it installs, and the stack
 * document as the sandbox sees it.
 *
 * One cairn_sandbox is one lua_State with a capped allocator, an
 * instruction budget enforced by a count hook, and a reduced standard
 * library (no io, os, debug, package, dofile, loadfile, string.dump; load
 * of text chunks only; require of the policy library only). See
 * docs/internals/policy-engine.md.
 */
#ifndef CAIRN_POLICY_SANDBOX_H
#define CAIRN_POLICY_SANDBOX_H

#include <jansson.h>
#include <lua.h>

#include "cairn/common.h"
#include "cairn/policy.h"

typedef struct cairn_sandbox cairn_sandbox;

/* How a protected call ended. */
typedef enum sb_status {
	SB_OK = 0,
	SB_ERROR,     /* a Lua error (message names the policy file and line) */
	SB_UNDECIDED, /* the check needed a value not known before apply */
	SB_BUDGET,    /* the instruction budget ran out */
	SB_MEMORY     /* the memory cap was reached */
} sb_status;

typedef struct sb_result {
	sb_status status;
	char *message;  /* allocated; NULL when SB_OK */
	char *path;     /* SB_UNDECIDED: the property path that is unknown, or NULL */
	int line;       /* the policy's line where it happened, 0 when unknown */
} sb_result;

/* Creates a sandbox whose errors are reported against chunkname (the
 * policy's "@file" chunk name, or NULL). memory is the cap on bytes the
 * policy may hold beyond the document, instructions the budget of each
 * cairn_sandbox_call. */
int cairn_sandbox_new(cairn_sandbox **out, size_t memory, long long instructions,
		      const char *chunkname);
void cairn_sandbox_free(cairn_sandbox *sb);
lua_State *cairn_sandbox_state(cairn_sandbox *sb);
/* The sandbox of a state (from its extra space). */
cairn_sandbox *cairn_sandbox_of(lua_State *L);

/* Loads a text chunk (never binary) and leaves the function on the
 * stack. On a syntax error fills res (message "file:line: ...") and
 * returns -1 with nothing pushed. */
int cairn_sandbox_load(cairn_sandbox *sb, const char *text, size_t len, const char *chunkname,
		       sb_result *res);

/* Calls the function below nargs arguments in protected mode with a
 * fresh instruction budget. On SB_OK, nres results are on the stack (use
 * LUA_MULTRET with care); otherwise nothing is pushed and res says why. */
sb_status cairn_sandbox_call(cairn_sandbox *sb, int nargs, int nres, sb_result *res);
void sb_result_dispose(sb_result *res);

/* Counts n units of work done in C against the current budget; raises
 * the budget error when it runs out. */
void cairn_sandbox_charge(lua_State *L, long long n);
/* While on, allocations do not count against the memory cap (used while
 * converting the document, which the policy does not control). */
void cairn_sandbox_exempt(lua_State *L, int on);
/* Bytes the policy may still allocate before the cap; and the cap. */
size_t cairn_sandbox_headroom(lua_State *L, size_t *cap);
/* Bytes in use now and at most so far. */
size_t cairn_sandbox_memory(const cairn_sandbox *sb, size_t *peak);

/* Registers a C module that require() of name returns (opened on first
 * require, in the state's registry). */
void cairn_sandbox_preload(cairn_sandbox *sb, const char *name, lua_CFunction open);

/* Raises the undecided error: the check cannot be decided because the
 * value at path is not known before apply. */
int cairn_sandbox_undecided(lua_State *L, const char *message, const char *path);

/* Makes the table at idx read-only, deeply, in place of the value at idx
 * (which is replaced by the read-only proxy). name is used in messages. */
void cairn_sandbox_freeze(lua_State *L, int idx, const char *name);

/* Installs the budgeted string.find/match/gmatch/gsub, string.rep guard
 * and table.insert/remove/move/sort into the tables at string_idx and
 * table_idx (lpattern.c). */
void cairn_sandbox_open_budgeted(lua_State *L, int string_idx, int table_idx);

/* The stack document, indexed for the policy library (document.c). */
typedef struct cairn_pdoc cairn_pdoc;

/* Indexes document (borrowed; must outlive the pdoc). Fails with a
 * message when it is not a stack document (no "resources" object). */
int cairn_pdoc_new(cairn_pdoc **out, const json_t *document);
void cairn_pdoc_free(cairn_pdoc *d);
/* Number of resources, and the i-th in logical-id order. */
size_t cairn_pdoc_count(const cairn_pdoc *d);
const char *cairn_pdoc_id(const cairn_pdoc *d, size_t i);
const char *cairn_pdoc_type(const cairn_pdoc *d, size_t i);
const json_t *cairn_pdoc_resource(const cairn_pdoc *d, size_t i);
/* The indices of the resources of a type, in logical-id order. */
size_t cairn_pdoc_of_type(const cairn_pdoc *d, const char *type, const size_t **idx);
/* Index of a logical id, or -1. */
long cairn_pdoc_find(const cairn_pdoc *d, const char *id);
/* 1 for a live document ("live": true, or an "account_data" section). */
int cairn_pdoc_live(const cairn_pdoc *d);
/* Makes require "cairn.policy.doc" and "cairn.policy.json" work in sb
 * over d (borrowed; must outlive the sandbox). */
void cairn_pdoc_install(cairn_pdoc *d, cairn_sandbox *sb);
/* Registers only "cairn.policy.json" (for states without a document). */
void cairn_pdoc_install_json(cairn_sandbox *sb);

/* cairn_policy_run limited to one policy of the set (fixtures). */
int cairn_policy_run_one(const cairn_policy_set *set, const cairn_policy *only,
			 const json_t *document, const cairn_policy_run_options *opts,
			 cairn_policy_report *report, cairn_diags *diags);

#endif
