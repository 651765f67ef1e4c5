/*
 * luajson.h: jansson values <-> Lua values, for the provider runtime and
 * the policy sandbox alike.
 *
 * json -> Lua: object -> table; array -> table with the "cairn.array"
 * metatable (so an empty array stays an array on the way back); null ->
 * cairn.null (a light userdata holding NULL); integer -> integer; real ->
 * float; true/false -> boolean; string -> string.
 *
 * Lua -> json: a table with the array metatable, or whose keys are exactly
 * 1..n with n >= 1, becomes an array; any other table an object (keys must
 * be strings, integer keys are written in decimal); cairn.null and nil ->
 * null; a float with an integral value that fits stays a real (1.0 -> 1.0).
 * Functions, threads and other userdata are an error naming the path.
 * Nesting deeper than CAIRN_LUAJSON_MAXDEPTH is an error (cycles too).
 */
#ifndef CAIRN_LUAJSON_H
#define CAIRN_LUAJSON_H

#include <jansson.h>
#include <lua.h>

#define CAIRN_LUAJSON_MAXDEPTH 200
#define CAIRN_LUAJSON_ARRAY_MT "cairn.array"

/* Registers the array metatable in the registry and returns; call once per
 * lua_State before the other functions. Also sets field "null" and
 * "array_mt" of the table at the top of the stack, if it is a table. */
void cairn_luajson_open(lua_State *L);

/* Pushes v (borrowed) as a Lua value. */
void cairn_luajson_push(lua_State *L, const json_t *v);

/* Converts the value at idx. On success *out is a new reference. On
 * failure returns CAIRN_EINVALID with cairn_error_last() naming the path
 * (e.g. "Properties.Tags[2].Value: cannot convert a function"). Never
 * raises a Lua error. */
int cairn_luajson_to(lua_State *L, int idx, json_t **out);

/* True when the value at idx is cairn.null. */
int cairn_luajson_isnull(lua_State *L, int idx);

#endif
