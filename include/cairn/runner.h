/*
 * runner.h: Lua coroutines that call AWS, scheduled over one cairn_aws.
 *
 * This is the heart of DESIGN.md §4. Every resource operation (create,
 * read, update, delete of one resource) is a task: a Lua function run as
 * a coroutine of the provider lua_State. Inside it, a call such as
 *
 *     local r = aws.s3.PutBucketVersioning{ Bucket = name, ... }
 *
 * yields to the runner, which submits the operation to the AWS client and
 * resumes the coroutine with the decoded result when it completes. An AWS
 * error is raised in the coroutine as a table
 *     { code=, message=, request_id=, status=, service=, operation=,
 *       attempts=, endpoint= }
 * (metatable aws.error_mt) with a __tostring giving the formatted error,
 * so providers use pcall for expected errors (pcall is yieldable in Lua
 * 5.4). Parameters that do not fit the operation raise the same kind of
 * table at once, with code "ParamValidationError" (or "UnknownOperation",
 * or "NoCredentials" when the runner has no client); nothing is sent.
 * aws.sleep(seconds) suspends the task on a timer without blocking the
 * others.
 *
 * The runner never resumes a coroutine from inside a libcurl callback:
 * completions are queued and resumed from cairn_runner_step().
 *
 * The Lua module: require "cairn.aws" returns a table where aws.<service>
 * is a proxy whose fields are operations (aws.s3.HeadBucket{...}), plus
 * aws.call(service, operation, params), aws.sleep(seconds), aws.region,
 * aws.partition, aws.url_suffix, aws.error_mt, and aws.null /
 * aws.array_mt (luajson.h). Tasks are found through a registry table;
 * the threads' extra space is left to the embedder.
 */
#ifndef CAIRN_RUNNER_H
#define CAIRN_RUNNER_H

#include <lua.h>

#include "cairn/aws.h"

typedef struct cairn_runner cairn_runner;

/* Creates a runner on L (the provider state; the runner registers the
 * "cairn.aws" module in package.preload) over aws (borrowed; may be NULL
 * for a runner whose tasks never call AWS, e.g. in unit tests: a call
 * then raises an error saying no credentials are configured). */
int cairn_runner_new(cairn_runner **out, lua_State *L, cairn_aws *aws);
void cairn_runner_free(cairn_runner *r);

/* Called when a task ends. co is the task's coroutine: on success
 * (status == LUA_OK) its nres results are on co's stack; on failure the
 * error value is on top of co's stack and message is its formatted text
 * (with the Lua traceback position). The callback may spawn new tasks.
 * After it returns the coroutine is released. */
typedef void (*cairn_task_done_fn)(void *ud, lua_State *co, int status, int nres,
				   const char *message);

/* Starts a task: pops a function and nargs arguments (pushed in that
 * order) from L and runs it as a new coroutine until its first yield or
 * its end (done may be called before spawn returns). */
int cairn_runner_spawn(cairn_runner *r, int nargs, cairn_task_done_fn done, void *ud);

/* One turn of the loop: waits up to timeout_ms for AWS completions or
 * timers, then resumes every task that is ready. Returns the number of
 * live tasks. */
int cairn_runner_step(cairn_runner *r, int timeout_ms);

/* Runs until no task is left. */
void cairn_runner_run(cairn_runner *r);

/* Number of live tasks. */
int cairn_runner_tasks(const cairn_runner *r);

#endif
