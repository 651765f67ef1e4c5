/*
 * runner.c: Lua coroutines that call AWS (see include/cairn/runner.h):
 * the "cairn.aws" Lua module and the scheduler that resumes tasks when
 * their AWS calls complete or their timers fire.
 *
 * Each task is a coroutine created on the provider state, kept alive by a
 * registry reference; a registry table maps the coroutine to its struct
 * task, so a C function running in the coroutine finds its task (the
 * threads' extra space is left to the embedder). An AWS call converts its parameters
 * with luajson, submits the operation to the client with the task as
 * completion argument, and yields with a continuation. The client's
 * completion function only stores the result or error in the task and
 * appends the task to the ready queue; cairn_runner_step() resumes ready
 * tasks after cairn_aws_poll() has returned, never from inside a curl or
 * client callback. On resume the continuation returns the result table,
 * or raises the error table (code, message, request_id, status, service,
 * operation, attempts; __tostring gives the formatted error).
 *
 * aws.sleep(seconds) parks the task on a timer; timers are checked every
 * step, and the step's wait is shortened to the earliest timer.
 *
 * Ownership: the runner owns its tasks and their registry references;
 * the lua_State and the client are borrowed. Freeing the runner cancels
 * the AWS calls of live tasks (their completions never run).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "cairn/aws.h"
#include "cairn/luajson.h"
#include "cairn/runner.h"

#define ERROR_MT  "cairn.aws.error"
#define TASKS_KEY "cairn.runner.tasks"

typedef enum tstate {
	T_RUNNING,    /* being resumed, or not yet yielded */
	T_WAIT_AWS,   /* waiting for an AWS call */
	T_WAIT_TIMER, /* in aws.sleep */
	T_READY       /* on the ready queue */
} tstate;

typedef struct task {
	cairn_runner *r;          /* the runner */
	lua_State *co;            /* the coroutine */
	int ref;                  /* its registry reference */
	cairn_task_done_fn done;  /* called when the task ends */
	void *ud;                 /* its argument */
	tstate state;             /* what it waits for */
	json_t *result;           /* AWS result to resume with */
	cairn_aws_error *err;     /* or AWS error to raise */
	int raise;                /* the continuation raises the value on top */
	double wake;              /* timer deadline (cairn_now) */
	char where[160];          /* "file:line:" of the pending AWS call */
	struct task *next, *prev; /* all live tasks */
	struct task *rnext;       /* the ready queue */
} task;

struct cairn_runner {
	lua_State *L;        /* the provider state (borrowed) */
	cairn_aws *aws;      /* the client (borrowed; may be NULL) */
	task *tasks;         /* live tasks */
	int ntasks;          /* how many */
	task *rhead, *rtail; /* ready queue */
};

/* The task running as coroutine L, or NULL. */
static task *task_of(lua_State *L)
{
	task *t;
	lua_getfield(L, LUA_REGISTRYINDEX, TASKS_KEY);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return NULL;
	}
	lua_pushthread(L);
	lua_rawget(L, -2);
	t = lua_touserdata(L, -1);
	lua_pop(L, 2);
	return t;
}

/* Records (or with t NULL, forgets) that coroutine co runs task t. */
static void set_task(lua_State *L, lua_State *co, task *t)
{
	lua_getfield(L, LUA_REGISTRYINDEX, TASKS_KEY);
	lua_pushthread(co);
	lua_xmove(co, L, 1);
	if (t)
		lua_pushlightuserdata(L, t);
	else
		lua_pushnil(L);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* ---- error values -------------------------------------------------------- */

static int err_tostring(lua_State *L)
{
	cairn_aws_error e;
	char *s;
	memset(&e, 0, sizeof(e));
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "service");
	lua_getfield(L, 1, "operation");
	lua_getfield(L, 1, "code");
	lua_getfield(L, 1, "message");
	lua_getfield(L, 1, "request_id");
	lua_getfield(L, 1, "status");
	lua_getfield(L, 1, "attempts");
	e.service = (char *)lua_tostring(L, -7);
	e.operation = (char *)lua_tostring(L, -6);
	e.code = (char *)lua_tostring(L, -5);
	e.message = (char *)lua_tostring(L, -4);
	e.request_id = (char *)lua_tostring(L, -3);
	e.status = (long)lua_tointeger(L, -2);
	e.attempts = (int)lua_tointeger(L, -1);
	s = cairn_aws_error_format(&e);
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static void push_error_mt(lua_State *L)
{
	if (luaL_newmetatable(L, ERROR_MT)) {
		lua_pushcfunction(L, err_tostring);
		lua_setfield(L, -2, "__tostring");
		lua_pushstring(L, "aws error");
		lua_setfield(L, -2, "__name");
	}
}

static void setstr(lua_State *L, const char *k, const char *v)
{
	if (v) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, k);
	}
}

static void push_aws_error(lua_State *L, const cairn_aws_error *e)
{
	lua_createtable(L, 0, 8);
	setstr(L, "code", e->code);
	setstr(L, "message", e->message);
	setstr(L, "request_id", e->request_id);
	setstr(L, "service", e->service);
	setstr(L, "operation", e->operation);
	setstr(L, "endpoint", e->endpoint);
	lua_pushinteger(L, e->status);
	lua_setfield(L, -2, "status");
	lua_pushinteger(L, e->attempts);
	lua_setfield(L, -2, "attempts");
	push_error_mt(L);
	lua_setmetatable(L, -2);
}

/* Raises an error table for a failure before anything was sent. */
static int raise_local(lua_State *L, const char *service, const char *operation, const char *code,
                       const char *message)
{
	cairn_aws_error e;
	memset(&e, 0, sizeof(e));
	e.service = (char *)service;
	e.operation = (char *)operation;
	e.code = (char *)code;
	e.message = (char *)message;
	push_aws_error(L, &e);
	return lua_error(L);
}

/* ---- the ready queue ------------------------------------------------------ */

static void make_ready(task *t)
{
	cairn_runner *r = t->r;
	t->state = T_READY;
	t->rnext = NULL;
	if (r->rtail)
		r->rtail->rnext = t;
	else
		r->rhead = t;
	r->rtail = t;
}

static void on_aws(void *ud, json_t *result, cairn_aws_error *err)
{
	task *t = ud;
	t->result = result;
	t->err = err;
	make_ready(t);
}

/* ---- the Lua functions ---------------------------------------------------- */

static task *current(lua_State *L, const char *what)
{
	task *t = task_of(L);
	if (!t || t->co != L || !lua_isyieldable(L))
		luaL_error(
		    L,
		    "%s must run inside a runner task (a coroutine started by cairn_runner_spawn)",
		    what);
	return t;
}

static int k_resume(lua_State *L, int status, lua_KContext ctx)
{
	task *t = task_of(L);
	(void)status;
	if (t && t->raise) {
		t->raise = 0;
		return lua_error(L);
	}
	return (int)ctx;
}

static int call_op(lua_State *L, const char *service, const char *operation, int pidx)
{
	task *t;
	json_t *params = NULL;
	int rc;
	char what[160];

	snprintf(what, sizeof(what), "aws.%s.%s", service, operation);
	t = current(L, what);
	if (!t->r->aws)
		return raise_local(
		    L, service, operation, "NoCredentials",
		    "no AWS client is configured for this run (no credentials or region)");
	if (!lua_isnoneornil(L, pidx)) {
		if (!lua_istable(L, pidx))
			return raise_local(L, service, operation, "ParamValidationError",
			                   "the parameters must be a table");
		if (cairn_luajson_to(L, pidx, &params) < 0)
			return raise_local(L, service, operation, "ParamValidationError",
			                   cairn_error_last());
	}
	rc = cairn_aws_submit(t->r->aws, service, operation, params, on_aws, t);
	json_decref(params);
	if (rc < 0) {
		/* the error table names the operation already: drop the
		 * "Op (service): " the client's message starts with */
		const char *msg = cairn_error_last();
		size_t ol = strlen(operation), sl = strlen(service);
		if (strncmp(msg, operation, ol) == 0 && strncmp(msg + ol, " (", 2) == 0 &&
		    strncmp(msg + ol + 2, service, sl) == 0 &&
		    strncmp(msg + ol + 2 + sl, "): ", 3) == 0)
			msg += ol + 2 + sl + 3;
		return raise_local(
		    L, service, operation,
		    rc == CAIRN_ENOTFOUND ? "UnknownOperation" : "ParamValidationError", msg);
	}
	luaL_where(L, 1);
	snprintf(t->where, sizeof(t->where), "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	t->state = T_WAIT_AWS;
	return lua_yieldk(L, 0, 1, k_resume);
}

/* aws.<service>.<Operation>(params): upvalues service, operation. */
static int l_op(lua_State *L)
{
	const char *service = lua_tostring(L, lua_upvalueindex(1));
	const char *operation = lua_tostring(L, lua_upvalueindex(2));
	return call_op(L, service, operation, 1);
}

/* aws.call(service, operation, params) */
static int l_call(lua_State *L)
{
	const char *service = luaL_checkstring(L, 1);
	const char *operation = luaL_checkstring(L, 2);
	return call_op(L, service, operation, 3);
}

/* aws.sleep(seconds) */
static int l_sleep(lua_State *L)
{
	double s = luaL_checknumber(L, 1);
	task *t = current(L, "aws.sleep");
	if (!(s >= 0) || s > 86400)
		return luaL_error(L, "aws.sleep: %f is not a number of seconds between 0 and 86400",
		                  s);
	t->wake = cairn_now() + s;
	t->state = T_WAIT_TIMER;
	return lua_yieldk(L, 0, 0, k_resume);
}

/* service proxy: __index(proxy, operation) creates and caches the function */
static int l_service_index(lua_State *L)
{
	const char *op = luaL_checkstring(L, 2);
	lua_getfield(L, 1, "__service");
	lua_pushstring(L, op);
	lua_pushcclosure(L, l_op, 2);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

/* module: __index(aws, service) creates and caches the service proxy */
static int l_module_index(lua_State *L)
{
	luaL_checkstring(L, 2);
	lua_createtable(L, 0, 4);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "__service");
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, l_service_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

static int l_open(lua_State *L)
{
	cairn_runner *r = lua_touserdata(L, lua_upvalueindex(1));
	lua_createtable(L, 0, 8);
	cairn_luajson_open(L);
	lua_pushcfunction(L, l_call);
	lua_setfield(L, -2, "call");
	lua_pushcfunction(L, l_sleep);
	lua_setfield(L, -2, "sleep");
	if (r && r->aws) {
		setstr(L, "region", cairn_aws_region(r->aws));
		setstr(L, "partition", cairn_aws_partition(r->aws));
		setstr(L, "url_suffix", cairn_aws_url_suffix(r->aws));
	}
	push_error_mt(L);
	lua_setfield(L, -2, "error_mt");
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, l_module_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	return 1;
}

/* ---- tasks ---------------------------------------------------------------- */

int cairn_runner_new(cairn_runner **out, lua_State *L, cairn_aws *aws)
{
	cairn_runner *r = cairn_xcalloc(1, sizeof(*r));
	r->L = L;
	r->aws = aws;
	if (lua_getfield(L, LUA_REGISTRYINDEX, TASKS_KEY) != LUA_TTABLE) {
		lua_newtable(L);
		lua_setfield(L, LUA_REGISTRYINDEX, TASKS_KEY);
	}
	lua_pop(L, 1);
	cairn_luajson_open(L);
	push_error_mt(L);
	lua_pop(L, 1);
	/* package.preload["cairn.aws"] = l_open (with the runner) */
	lua_getglobal(L, "package");
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "preload");
		if (lua_istable(L, -1)) {
			lua_pushlightuserdata(L, r);
			lua_pushcclosure(L, l_open, 1);
			lua_setfield(L, -2, "cairn.aws");
		}
		lua_pop(L, 1);
		lua_getfield(L, -1, "loaded");
		if (lua_istable(L, -1)) {
			lua_pushnil(L);
			lua_setfield(L, -2, "cairn.aws");
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	*out = r;
	return 0;
}

static void release(cairn_runner *r, task *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		r->tasks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	r->ntasks--;
	set_task(r->L, t->co, NULL);
#if LUA_VERSION_RELEASE_NUM >= 50406
	lua_closethread(t->co, r->L);
#else
	lua_resetthread(t->co);
#endif
	luaL_unref(r->L, LUA_REGISTRYINDEX, t->ref);
	json_decref(t->result);
	cairn_aws_error_free(t->err);
	free(t);
}

void cairn_runner_free(cairn_runner *r)
{
	task *t, *n;
	if (!r)
		return;
	for (t = r->tasks; t; t = n) {
		n = t->next;
		if (r->aws)
			cairn_aws_cancel(r->aws, t);
		release(r, t);
	}
	lua_getglobal(r->L, "package");
	if (lua_istable(r->L, -1)) {
		lua_getfield(r->L, -1, "preload");
		if (lua_istable(r->L, -1)) {
			lua_pushnil(r->L);
			lua_setfield(r->L, -2, "cairn.aws");
		}
		lua_pop(r->L, 1);
	}
	lua_pop(r->L, 1);
	free(r);
}

static int l_tostring(lua_State *L)
{
	luaL_tolstring(L, 1, NULL);
	return 1;
}

/* The task's error value (top of co) as text, with the position of the
 * AWS call for AWS errors. A dead coroutine cannot run __tostring, so a
 * copy of the value is converted on the main state, protected. */
static char *error_text(task *t)
{
	lua_State *co = t->co, *L = t->r->L;
	char *out;
	int aws_err = 0;
	if (lua_istable(co, -1) && lua_getmetatable(co, -1)) {
		luaL_getmetatable(co, ERROR_MT);
		aws_err = lua_rawequal(co, -1, -2);
		lua_pop(co, 2);
	}
	lua_pushcfunction(L, l_tostring);
	lua_pushvalue(co, -1);
	lua_xmove(co, L, 1);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_isstring(L, -1)) {
		lua_pop(L, 1);
		lua_pushstring(L, "(an error value that cannot be converted to text)");
	}
	out = aws_err && t->where[0] ? cairn_xasprintf("%s %s", t->where, lua_tostring(L, -1))
	                             : cairn_xstrdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	return out;
}

static void resume(task *t, int nargs)
{
	cairn_runner *r = t->r;
	int nres = 0, status;

	t->state = T_RUNNING;
	status = lua_resume(t->co, r->L, nargs, &nres);
	if (status == LUA_YIELD) {
		if (t->state != T_RUNNING) {
			lua_pop(t->co, nres);
			return; /* waiting for AWS or a timer */
		}
		lua_pop(t->co, nres);
		lua_pushstring(t->co, "the task yielded outside an AWS call or aws.sleep "
		                      "(coroutine.yield at the top of a task is not allowed)");
		status = LUA_ERRRUN;
	}
	if (status == LUA_OK) {
		t->done(t->ud, t->co, LUA_OK, nres, NULL);
	} else {
		char *msg = error_text(t);
		t->done(t->ud, t->co, status, 0, msg);
		free(msg);
	}
	release(r, t);
}

int cairn_runner_spawn(cairn_runner *r, int nargs, cairn_task_done_fn done, void *ud)
{
	lua_State *L = r->L;
	task *t;
	lua_State *co;

	if (!lua_isfunction(L, -(nargs + 1)))
		return cairn_error_setc(CAIRN_EINVALID, "cairn_runner_spawn: not a function");
	t = cairn_xcalloc(1, sizeof(*t));
	t->r = r;
	t->done = done;
	t->ud = ud;
	co = lua_newthread(L);
	lua_insert(L, -(nargs + 2));
	lua_xmove(L, co, nargs + 1);
	t->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	t->co = co;
	set_task(L, co, t);
	t->next = r->tasks;
	if (r->tasks)
		r->tasks->prev = t;
	r->tasks = t;
	r->ntasks++;
	resume(t, nargs);
	return 0;
}

static void wake_timers(cairn_runner *r)
{
	task *t;
	double now = -1;
	for (t = r->tasks; t; t = t->next) {
		if (t->state != T_WAIT_TIMER)
			continue;
		if (now < 0)
			now = cairn_now();
		if (t->wake <= now)
			make_ready(t);
	}
}

static int wait_ms(cairn_runner *r, int timeout_ms)
{
	task *t;
	double now = cairn_now(), soonest = -1;
	if (r->rhead)
		return 0;
	for (t = r->tasks; t; t = t->next)
		if (t->state == T_WAIT_TIMER && (soonest < 0 || t->wake < soonest))
			soonest = t->wake;
	if (soonest >= 0) {
		double ms = (soonest - now) * 1000.0;
		if (ms <= 0)
			return 0;
		if (ms < timeout_ms)
			return (int)ceil(ms);
	}
	return timeout_ms;
}

int cairn_runner_step(cairn_runner *r, int timeout_ms)
{
	int wait = wait_ms(r, timeout_ms < 0 ? 0 : timeout_ms);
	if (r->aws) {
		cairn_aws_poll(r->aws, wait);
	} else if (wait > 0) {
		struct timespec ts;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (long)(wait % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	wake_timers(r);
	while (r->rhead) {
		task *t = r->rhead;
		r->rhead = t->rnext;
		if (!r->rhead)
			r->rtail = NULL;
		if (t->result || t->err) {
			json_t *res = t->result;
			cairn_aws_error *err = t->err;
			t->result = NULL;
			t->err = NULL;
			if (err) {
				push_aws_error(t->co, err);
				t->raise = 1;
				cairn_aws_error_free(err);
			} else {
				cairn_luajson_push(t->co, res);
				json_decref(res);
			}
			resume(t, 1);
		} else {
			resume(t, 0);
		}
	}
	return r->ntasks;
}

void cairn_runner_run(cairn_runner *r)
{
	while (r->ntasks)
		cairn_runner_step(r, 1000);
}

int cairn_runner_tasks(const cairn_runner *r)
{
	return r->ntasks;
}
