/*
 * aws_runner.c: the coroutine scheduler without a network: tasks that
 * return and fail, aws.sleep overlapping between tasks, AWS calls without
 * a client raising the error table (catchable with pcall, formatted by
 * __tostring), a yield outside an AWS call, tasks spawned from a done
 * callback, and freeing a runner with live tasks.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "cairn/runner.h"
#include "test.h"

typedef struct rec {
	int calls;        /* done callbacks */
	int status;       /* last status */
	char msg[512];    /* last message */
	char result[256]; /* first result as text */
} rec;

static void done(void *ud, lua_State *co, int status, int nres, const char *message)
{
	rec *r = ud;
	r->calls++;
	r->status = status;
	snprintf(r->msg, sizeof(r->msg), "%s", message ? message : "");
	r->result[0] = '\0';
	if (status == LUA_OK && nres > 0 && lua_isstring(co, -nres))
		snprintf(r->result, sizeof(r->result), "%s", lua_tostring(co, -nres));
}

static lua_State *state(cairn_runner **r)
{
	lua_State *L = luaL_newstate();
	luaL_openlibs(L);
	cairn_runner_new(r, L, NULL);
	return L;
}

static void spawn_src(cairn_runner *r, lua_State *L, const char *src, rec *out)
{
	if (luaL_loadstring(L, src) != LUA_OK) {
		fprintf(stderr, "load: %s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
		return;
	}
	CHECK(cairn_runner_spawn(r, 0, done, out) == 0);
}

TEST(tasks_return_and_fail)
{
	cairn_runner *r;
	lua_State *L = state(&r);
	rec a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	spawn_src(r, L, "return 'hello'", &a);
	CHECK_INT(a.calls, 1); /* finished within spawn */
	CHECK_STR(a.result, "hello");
	spawn_src(r, L, "error('boom')", &b);
	CHECK_INT(b.calls, 1);
	CHECK(b.status != LUA_OK);
	CHECK_CONTAINS(b.msg, "boom");
	CHECK_INT(cairn_runner_tasks(r), 0);
	cairn_runner_free(r);
	lua_close(L);
}

TEST(sleeps_overlap)
{
	cairn_runner *r;
	lua_State *L = state(&r);
	rec t[3];
	double t0;
	int i;
	memset(t, 0, sizeof(t));
	t0 = cairn_now();
	for (i = 0; i < 3; i++)
		spawn_src(r, L, "local aws = require 'cairn.aws'; aws.sleep(0.2); return 'slept'",
		          &t[i]);
	CHECK_INT(cairn_runner_tasks(r), 3);
	cairn_runner_run(r);
	for (i = 0; i < 3; i++)
		CHECK_STR(t[i].result, "slept");
	CHECK(cairn_now() - t0 >= 0.2);
	CHECK(cairn_now() - t0 < 0.5); /* together, not one after the other */
	cairn_runner_free(r);
	lua_close(L);
}

TEST(aws_calls_without_a_client_raise_error_tables)
{
	cairn_runner *r;
	lua_State *L = state(&r);
	rec a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	spawn_src(r, L,
	          "local aws = require 'cairn.aws'\n"
	          "local ok, e = pcall(aws.kms.CreateKey, {})\n"
	          "assert(not ok)\n"
	          "assert(type(e) == 'table' and e.code == 'NoCredentials', 'code')\n"
	          "assert(e.service == 'kms' and e.operation == 'CreateKey')\n"
	          "assert(getmetatable(e) == aws.error_mt)\n"
	          "return tostring(e)",
	          &a);
	CHECK_INT(a.status, LUA_OK);
	CHECK_CONTAINS(a.result, "CreateKey (kms): NoCredentials: no AWS client is configured");
	/* uncaught, the task fails with the formatted error */
	spawn_src(r, L, "local aws = require 'cairn.aws'; aws.call('s3', 'ListBuckets', {})", &b);
	CHECK(b.status != LUA_OK);
	CHECK_CONTAINS(b.msg, "ListBuckets (s3): NoCredentials");
	cairn_runner_free(r);
	lua_close(L);
}

TEST(aws_calls_outside_a_task_are_refused)
{
	cairn_runner *r;
	lua_State *L = state(&r);
	CHECK(luaL_dostring(L, "local aws = require 'cairn.aws'; aws.kms.ListKeys{}") != LUA_OK);
	CHECK_CONTAINS(lua_tostring(L, -1), "aws.kms.ListKeys must run inside a runner task");
	lua_pop(L, 1);
	cairn_runner_free(r);
	lua_close(L);
}

TEST(yield_outside_an_aws_call_fails_the_task)
{
	cairn_runner *r;
	lua_State *L = state(&r);
	rec a;
	memset(&a, 0, sizeof(a));
	spawn_src(r, L, "coroutine.yield(1)", &a);
	CHECK_INT(a.calls, 1);
	CHECK(a.status != LUA_OK);
	CHECK_CONTAINS(a.msg, "yielded outside an AWS call");
	cairn_runner_free(r);
	lua_close(L);
}

static cairn_runner *chain_runner;
static lua_State *chain_L;
static int chained;

/* Each finished task starts the next, from inside the done callback. */
static void chain_done(void *ud, lua_State *co, int status, int nres, const char *message)
{
	(void)co;
	(void)nres;
	(void)message;
	(void)ud;
	CHECK_INT(status, LUA_OK);
	if (++chained < 3) {
		luaL_loadstring(chain_L, "local aws = require 'cairn.aws'; aws.sleep(0.01)");
		CHECK(cairn_runner_spawn(chain_runner, 0, chain_done, NULL) == 0);
	}
}

TEST(done_callbacks_may_spawn)
{
	chain_L = state(&chain_runner);
	chained = 0;
	luaL_loadstring(chain_L, "local aws = require 'cairn.aws'; aws.sleep(0.01)");
	cairn_runner_spawn(chain_runner, 0, chain_done, NULL);
	cairn_runner_run(chain_runner);
	CHECK_INT(chained, 3);
	cairn_runner_free(chain_runner);
	lua_close(chain_L);
}

TEST(arguments_and_results)
{
	cairn_runner *r;
	lua_State *L = state(&r);
	rec a;
	memset(&a, 0, sizeof(a));
	luaL_loadstring(L, "local a, b = ...; return a .. b");
	lua_pushstring(L, "x");
	lua_pushstring(L, "y");
	CHECK(cairn_runner_spawn(r, 2, done, &a) == 0);
	CHECK_STR(a.result, "xy");
	cairn_runner_free(r);
	lua_close(L);
}

TEST(freeing_with_live_tasks)
{
	cairn_runner *r;
	lua_State *L = state(&r);
	rec a;
	memset(&a, 0, sizeof(a));
	spawn_src(r, L, "local aws = require 'cairn.aws'; aws.sleep(10)", &a);
	CHECK_INT(cairn_runner_tasks(r), 1);
	cairn_runner_free(r); /* no callback, no leak */
	CHECK_INT(a.calls, 0);
	lua_close(L);
}

int main(void)
{
	RUN(tasks_return_and_fail);
	RUN(sleeps_overlap);
	RUN(aws_calls_without_a_client_raise_error_tables);
	RUN(aws_calls_outside_a_task_are_refused);
	RUN(yield_outside_an_aws_call_fails_the_task);
	RUN(done_callbacks_may_spawn);
	RUN(arguments_and_results);
	RUN(freeing_with_live_tasks);
	return test_done();
}
