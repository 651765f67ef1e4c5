/*
 * state.h: a stack's state file and its lock.
 *
 * The state records what cairn has made in AWS for one stack: per logical
 * id the type, the physical id, the properties applied (resolved), the
 * attributes, the dependencies, and, while a create is in flight, a
 * pending record (idempotency token, generated name, start time) written
 * BEFORE the create call, so that a run killed at any point leaves a state
 * from which the next run finds and adopts what was made. The format is
 * documented in docs/internals/state.md:
 *
 *     { "format_version": 1, "lineage": "<uuid>", "serial": 12,
 *       "stack": "<name>", "template": { "path": ..., "sha256": ... },
 *       "resources": { "<LogicalId>": { "type", "status": "created"|"pending",
 *           "id", "properties", "attributes", "depends_on",
 *           "pending": { "token", "name", "started" },
 *           "deposed": [ { "id", "properties", "attributes" } ],
 *           "deletion_policy": "Retain" } },
 *       "outputs": { "<Name>": { "value": v, "export": "<ExportName>" } },
 *       "imports": { "<ExportName>": "<exporting stack>" },
 *       "retained": { "<LogicalId>": { "type", "id", "properties", "retained" } } }
 *
 * Every save writes the whole document atomically (cairn_file_write_atomic:
 * temporary file, fsync, rename, fsync of the directory; mode 0600) and
 * increments the serial. The lineage is made once, when the state is
 * first created, and never changes: a saved plan names the lineage and
 * serial it was made against and is refused when either differs.
 *
 * The lock is a file beside the state (PATH.lock) holding who holds it
 * (holder, pid, host, time, operation, and an id). It is taken with
 * link(2), which is atomic, so two cairns never both hold it; a second
 * locker fails at once with a message naming the holder, and a lock whose
 * process is gone from this host is called stale, with the command that
 * breaks it (`cairn force-unlock ID`).
 */
#ifndef CAIRN_STATE_H
#define CAIRN_STATE_H

#include <jansson.h>

#include "cairn/common.h"

#define CAIRN_STATE_FORMAT 1

typedef struct cairn_state cairn_state;

/* ".cairn/<stack>.state.json", newly allocated. */
char *cairn_state_default_path(const char *stack);

/* Which state a command works on: state_flag (--state) when given, else
 * the default path of stack when given, else the only state file in
 * .cairn/. When there is none or more than one, CAIRN_ENOTFOUND or
 * CAIRN_EINVALID with a message saying which flag to give. *out is a new
 * allocation. */
int cairn_state_resolve_path(const char *state_flag, const char *stack, char **out);

/* Opens the state at path for stack. When the file does not exist the
 * state is new and empty (a fresh lineage, serial 0) and nothing is
 * written until the first save. When it exists it is read and checked: a
 * file that is not a cairn state, has another format version, or belongs
 * to another stack is an error (CAIRN_EINVALID) saying so. stack may be
 * NULL to accept any. */
int cairn_state_open(cairn_state **out, const char *path, const char *stack);
/* Reads an existing state; CAIRN_ENOTFOUND when the file is missing. */
int cairn_state_read(cairn_state **out, const char *path);
void cairn_state_free(cairn_state *st);

/* Writes the state (serial + 1) atomically with mode 0600, creating the
 * directory (0700) if needed. */
int cairn_state_save(cairn_state *st);

/* 1 when the file existed when opened or has been saved since. */
int cairn_state_exists(const cairn_state *st);
const char *cairn_state_path(const cairn_state *st);
const char *cairn_state_lineage(const cairn_state *st);
const char *cairn_state_stack(const cairn_state *st);
long long cairn_state_serial(const cairn_state *st);

/* The whole document (borrowed; callers may read it, and change it only
 * through the functions below). */
json_t *cairn_state_root(const cairn_state *st);

/* The resources object (borrowed, never NULL). */
json_t *cairn_state_resources(const cairn_state *st);
/* One resource record (borrowed) or NULL. */
json_t *cairn_state_resource(const cairn_state *st, const char *logical_id);
/* 1 when the top-level property of path ("Tags" of "Tags[0].Value") is
 * one the resource record rec marks "sensitive" (it showed a NoEcho
 * value): what drift and audit print as (sensitive). rec may be NULL. */
int cairn_state_path_sensitive(const json_t *rec, const char *path);
/* Sets or replaces a record; steals rec. */
void cairn_state_set_resource(cairn_state *st, const char *logical_id, json_t *rec);
/* Removes a record; CAIRN_ENOTFOUND when there is none. */
int cairn_state_remove_resource(cairn_state *st, const char *logical_id);
/* Number of resources recorded. */
size_t cairn_state_count(const cairn_state *st);

/* Records the template applied. */
void cairn_state_set_template(cairn_state *st, const char *path, const char *sha256);
/* The outputs object (borrowed, never NULL); set steals outputs. */
json_t *cairn_state_outputs(const cairn_state *st);
void cairn_state_set_outputs(cairn_state *st, json_t *outputs);
/* The exports this stack imported when last applied: { export name:
 * exporting stack } (borrowed), or NULL when it imported none (or was
 * written before imports were recorded). set steals imports; an empty object or
 * NULL removes the member. The exporting stack's destroy, and an apply
 * that removes or changes one of those exports, are refused while it is
 * listed here (engine.h: cairn_engine_check_exports). */
json_t *cairn_state_imports(const cairn_state *st);
void cairn_state_set_imports(cairn_state *st, json_t *imports);

/* The resources this stack left in AWS when it deleted them with
 * DeletionPolicy: Retain (a destroy, or their removal from the template):
 * { logical id: {"type", "id", "properties", "retained": "<RFC 3339>"} }
 * (borrowed), or NULL when there are none. The next apply of a template
 * that has the logical id again, with the same type, looks for the
 * resource (the provider's find(): its name and this stack's cairn tags)
 * and adopts it instead of failing to create it (engine.h:
 * cairn_engine_readopt_retained). set steals rec; remove drops the entry
 * (and the member when it was the last). */
json_t *cairn_state_retained(const cairn_state *st);
void cairn_state_set_retained(cairn_state *st, const char *logical_id, json_t *rec);
void cairn_state_remove_retained(cairn_state *st, const char *logical_id);

/* A new resource record {"type", "status": "created", "id", "properties",
 * "attributes", "depends_on"}; every argument is borrowed (copied). */
json_t *cairn_state_record_new(const char *type, const char *id, const json_t *properties,
			       const json_t *attributes, const char *const *depends,
			       size_t ndepends);

/* ---- the lock ---------------------------------------------------------- */

typedef struct cairn_lock cairn_lock;

/* PATH.lock, newly allocated. */
char *cairn_state_lock_path(const char *state_path);

/* Takes the lock of the state at state_path for operation ("apply",
 * "plan", ...), creating the directory if needed. Fails at once with
 * CAIRN_ELOCKED when it is held, with a message naming the holder (and,
 * for a stale lock, how to break it). */
int cairn_state_lock(cairn_lock **out, const char *state_path, const char *operation);
/* Releases the lock (only if it is still ours) and frees it. NULL is a
 * no-op. Returns an error when the lock was broken or taken over since. */
int cairn_state_unlock(cairn_lock *lock);
/* The lock's id (borrowed). */
const char *cairn_lock_id(const cairn_lock *lock);
/* The lock file's path (borrowed): for a signal handler that must remove
 * it on the way out. */
const char *cairn_lock_file(const cairn_lock *lock);

/* The current lock's contents {"id", "holder", "pid", "host", "time",
 * "operation", "version"} (new reference); CAIRN_ENOTFOUND when unlocked. */
int cairn_state_lock_info(const char *state_path, json_t **out);
/* 1 when the lock info describes a process of this host that no longer
 * runs. */
int cairn_state_lock_is_stale(const json_t *info);

/* Removes the lock if its id is id. CAIRN_ENOTFOUND when there is no
 * lock, CAIRN_EINVALID when the id does not match (message names the
 * current holder and id). */
int cairn_state_force_unlock(const char *state_path, const char *id);

#endif
