/* Unit tests for src/lua/luajson.c: round trips and errors. */
#include <stdlib.h>

#include <lauxlib.h>
#include <lualib.h>

#include "cairn/common.h"
#include "cairn/luajson.h"
#include "test.h"

static json_t *roundtrip(lua_State *L, const char *text)
{
	json_t *in = json_loads(text, JSON_DECODE_ANY, NULL), *out = NULL;
	cairn_luajson_push(L, in);
	CHECK_INT(cairn_luajson_to(L, -1, &out), 0);
	lua_pop(L, 1);
	CHECK(json_equal(in, out));
	json_decref(in);
	return out;
}

TEST(round_trips_preserve_kinds)
{
	lua_State *L = luaL_newstate();
	cairn_luajson_open(L);
	json_decref(roundtrip(L, "{\"a\":[],\"b\":{},\"c\":[1,2.5,\"x\",true,null],\"d\":{\"e\":[{}]}}"));
	json_decref(roundtrip(L, "[]"));
	json_decref(roundtrip(L, "\"s\""));
	lua_close(L);
}

TEST(lua_tables_become_arrays_or_objects)
{
	lua_State *L = luaL_newstate();
	json_t *v = NULL;
	luaL_openlibs(L);
	cairn_luajson_open(L);
	CHECK(luaL_dostring(L, "return {1, 2, {x = 'y'}}") == 0);
	CHECK_INT(cairn_luajson_to(L, -1, &v), 0);
	CHECK(json_is_array(v) && json_array_size(v) == 3);
	json_decref(v);
	lua_pop(L, 1);
	CHECK(luaL_dostring(L, "return {}") == 0);
	CHECK_INT(cairn_luajson_to(L, -1, &v), 0);
	CHECK(json_is_object(v));
	json_decref(v);
	lua_pop(L, 1);
	CHECK(luaL_dostring(L, "return {a = {b = print}}") == 0);
	CHECK_INT(cairn_luajson_to(L, -1, &v), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "a.b: cannot convert a function");
	lua_pop(L, 1);
	CHECK(luaL_dostring(L, "local t = {}; t.self = t; return t") == 0);
	CHECK_INT(cairn_luajson_to(L, -1, &v), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "nested too deeply");
	lua_pop(L, 1);
	lua_close(L);
}

int main(void)
{
	RUN(round_trips_preserve_kinds);
	RUN(lua_tables_become_arrays_or_objects);
	return test_done();
}
