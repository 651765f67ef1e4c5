/*
 * luajson.c: conversion between jansson values and Lua values (see
 * luajson.h for the mapping).
 *
 * The Lua -> json direction never raises: it walks the value with plain
 * stack operations, keeps a path for messages, and bails out with a
 * cairn error. lua_next over a table whose keys are not all strings or
 * integers is reported, not coerced.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "cairn/common.h"
#include "cairn/luajson.h"

void cairn_luajson_open(lua_State *L)
{
	int t = lua_gettop(L);
	luaL_newmetatable(L, CAIRN_LUAJSON_ARRAY_MT);
	lua_pushstring(L, "array");
	lua_setfield(L, -2, "__name");
	if (t > 0 && lua_type(L, t) == LUA_TTABLE) {
		lua_pushvalue(L, -1);
		lua_setfield(L, t, "array_mt");
		lua_pushlightuserdata(L, NULL);
		lua_setfield(L, t, "null");
	}
	lua_pop(L, 1);
}

int cairn_luajson_isnull(lua_State *L, int idx)
{
	return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL;
}

void cairn_luajson_push(lua_State *L, const json_t *v)
{
	luaL_checkstack(L, 4, "json value too deep");
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach((json_t *)v, k, x) {
			cairn_luajson_push(L, x);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		lua_createtable(L, (int)json_array_size(v), 0);
		for (i = 0; i < json_array_size(v); i++) {
			cairn_luajson_push(L, json_array_get(v, i));
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		luaL_setmetatable(L, CAIRN_LUAJSON_ARRAY_MT);
		break;
	}
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	case JSON_NULL:
	default:
		lua_pushlightuserdata(L, NULL);
		break;
	}
}

/* The path to the value being converted, for messages. */
typedef struct path {
	cairn_buf b;
	int depth;
} path;

static int conv(lua_State *L, int idx, json_t **out, path *p);

static int is_array(lua_State *L, int idx, lua_Integer *n)
{
	lua_Integer count = 0, max = 0;
	int marked = 0;

	if (lua_getmetatable(L, idx)) {
		luaL_getmetatable(L, CAIRN_LUAJSON_ARRAY_MT);
		marked = lua_rawequal(L, -1, -2);
		lua_pop(L, 2);
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TNUMBER || !lua_isinteger(L, -1)) {
			lua_pop(L, 1);
			*n = 0;
			return marked ? -1 : 0;
		}
		{
			lua_Integer k = lua_tointeger(L, -1);
			if (k < 1) {
				lua_pop(L, 1);
				return marked ? -1 : 0;
			}
			if (k > max)
				max = k;
		}
		count++;
	}
	*n = max;
	if (count != max)
		return marked ? -1 : 0;
	return marked || count > 0;
}

static int conv_table(lua_State *L, int idx, json_t **out, path *p)
{
	lua_Integer n, i;
	size_t mark = p->b.len;
	int arr;

	if (++p->depth > CAIRN_LUAJSON_MAXDEPTH)
		return cairn_error_setc(CAIRN_EINVALID, "%s: nested too deeply (or a cycle)",
					p->b.len ? cairn_buf_cstr(&p->b) : "value");
	arr = is_array(L, idx, &n);
	if (arr < 0)
		return cairn_error_setc(CAIRN_EINVALID,
					"%s: an array has keys that are not 1..n",
					p->b.len ? cairn_buf_cstr(&p->b) : "value");
	if (arr) {
		json_t *a = json_array();
		for (i = 1; i <= n; i++) {
			json_t *x;
			int rc;
			cairn_buf_printf(&p->b, "[%lld]", (long long)(i - 1));
			lua_rawgeti(L, idx, i);
			rc = conv(L, lua_gettop(L), &x, p);
			lua_pop(L, 1);
			p->b.len = mark;
			if (p->b.ptr)
				p->b.ptr[mark] = '\0';
			if (rc < 0) {
				json_decref(a);
				return rc;
			}
			json_array_append_new(a, x);
		}
		*out = a;
	} else {
		json_t *o = json_object();
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			char kbuf[32];
			const char *k;
			json_t *x;
			int rc;
			if (lua_type(L, -2) == LUA_TSTRING) {
				k = lua_tostring(L, -2);
			} else if (lua_type(L, -2) == LUA_TNUMBER && lua_isinteger(L, -2)) {
				snprintf(kbuf, sizeof(kbuf), "%lld", (long long)lua_tointeger(L, -2));
				k = kbuf;
			} else {
				const char *tn = luaL_typename(L, -2);
				cairn_error_setc(CAIRN_EINVALID, "%s: a table key is a %s, not a string",
						 p->b.len ? cairn_buf_cstr(&p->b) : "value", tn);
				lua_pop(L, 2);
				json_decref(o);
				return CAIRN_EINVALID;
			}
			if (p->b.len)
				cairn_buf_putc(&p->b, '.');
			cairn_buf_puts(&p->b, k);
			rc = conv(L, lua_gettop(L), &x, p);
			p->b.len = mark;
			if (p->b.ptr)
				p->b.ptr[mark] = '\0';
			lua_pop(L, 1);
			if (rc < 0) {
				lua_pop(L, 1);
				json_decref(o);
				return rc;
			}
			json_object_set_new(o, k, x);
		}
		*out = o;
	}
	p->depth--;
	return 0;
}

static int conv(lua_State *L, int idx, json_t **out, path *p)
{
	if (!lua_checkstack(L, 6))
		return cairn_error_setc(CAIRN_EINVALID, "value nested too deeply");
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		*out = json_null();
		return 0;
	case LUA_TBOOLEAN:
		*out = json_boolean(lua_toboolean(L, idx));
		return 0;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			*out = json_integer((json_int_t)lua_tointeger(L, idx));
		else {
			double d = lua_tonumber(L, idx);
			if (!isfinite(d))
				return cairn_error_setc(CAIRN_EINVALID, "%s: %g is not a JSON number",
							p->b.len ? cairn_buf_cstr(&p->b) : "value", d);
			*out = json_real(d);
		}
		return 0;
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		*out = json_stringn_nocheck(s, len);
		return 0;
	}
	case LUA_TTABLE:
		return conv_table(L, idx, out, p);
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == NULL) {
			*out = json_null();
			return 0;
		}
		/* fall through */
	default:
		return cairn_error_setc(CAIRN_EINVALID, "%s: cannot convert a %s to JSON",
					p->b.len ? cairn_buf_cstr(&p->b) : "value",
					luaL_typename(L, idx));
	}
}

int cairn_luajson_to(lua_State *L, int idx, json_t **out)
{
	path p = {CAIRN_BUF_INIT, 0};
	int rc;
	*out = NULL;
	rc = conv(L, lua_absindex(L, idx), out, &p);
	cairn_buf_dispose(&p.b);
	return rc;
}
