/*
 * sandbox.c: the Lua state a policy runs in.
 *
 * Policies are not trusted: a pull request can change them. Each
 * evaluation gets its own lua_State (never the providers' state) built
 * here with:
 *
 *  - a capped allocator: bytes held by the state, minus what the stack
 *    document's conversion took (cairn_sandbox_exempt), may not exceed the
 *    cap; past it allocations fail, Lua raises "not enough memory", and
 *    the evaluation ends as SB_MEMORY. string.rep and concatenation bombs
 *    stop here.
 *  - an instruction budget: a count hook every HOOK_COUNT VM instructions
 *    adds to the count and raises once the budget is spent; it keeps
 *    raising on every later hook, and the pcall/xpcall/coroutine.resume
 *    the policy sees re-raise budget and memory errors, so a policy cannot
 *    catch its way out. Work done in C (pattern matching, table shifts)
 *    is charged to the same budget (lpattern.c).
 *  - a reduced library: base functions without dofile, loadfile, print
 *    (replaced by a debug-log print), collectgarbage, rawset and warn;
 *    load restricted to text chunks; setmetatable refusing __gc (a
 *    finalizer would run with hooks off); string without dump; table,
 *    math (fixed seed), utf8, coroutine. No io, os, debug, package.
 *  - require of the policy library only (cairn.policy and cairn.policy.*
 *    from lua/cairn/policy/, compiled in; C modules registered with
 *    cairn_sandbox_preload). Library modules run in their own copy of the
 *    globals and are returned read-only, as are the standard tables.
 *
 * Deep recursion is bounded by Lua itself (LUAI_MAXCCALLS for C levels,
 * "stack overflow" for Lua levels, both within the memory cap). The
 * sandbox owns its lua_State; the state's extra space points back to it.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "cairn/embed.h"
#include "cairn/log.h"
#include "cairn/luajson.h"
#include "cairn/policy.h"
#include "sandbox.h"

#define HOOK_COUNT 1000
#define REG_LOADED "cairn.policy.loaded"     /* name -> module */
#define REG_CMODULES "cairn.policy.cmodules" /* name -> C opener */
#define REG_LIBENV "cairn.policy.libenv"     /* globals of library modules */
#define REG_FROZEN "cairn.policy.frozen"     /* read-only proxy -> real table (weak) */
#define REG_UNDECIDED "cairn.policy.undecided"
#define LOADING_MARK "cairn.policy.loading"

#define SLAB_CLASSES 16         /* blocks of 16, 32, ... 256 bytes */
#define SLAB_MAX (SLAB_CLASSES * 16)
#define SLAB_CHUNK (64 * 1024)

struct cairn_sandbox {
	lua_State *L;          /* the state, owned */
	void *freelist[SLAB_CLASSES]; /* free small blocks, by size class */
	void *chunks;          /* chunks small blocks are carved from (first word: next chunk) */
	char *bump;            /* the unused rest of the newest chunk */
	size_t bump_left;      /* its size */
	size_t used;           /* bytes allocated by the state now */
	size_t peak;           /* most bytes allocated at once */
	size_t exempt;         /* bytes allocated while exempt (document conversion) */
	size_t limit;          /* cap on used - exempt */
	int exempt_depth;      /* > 0 while converting the document */
	int mem_hit;           /* the allocator refused a request in this call */
	long long budget;      /* instructions allowed per call */
	long long spent;       /* instructions counted in the current call */
	int budget_hit;        /* the budget ran out in this call */
	char *chunkname;       /* "@policies/x/y.lua": the policy's frames are found by it */
	int err_line;          /* policy line at the last error (from the message handler) */
	int last_line;         /* policy line seen by the last hook */
};

/* ---- allocator ----------------------------------------------------
 * Lua allocates and frees many small objects; a state lives for one
 * policy and one document. Blocks up to SLAB_MAX bytes come from 64 KiB
 * chunks with a free list per 16-byte size class (Lua always tells the
 * size of the block it frees), larger ones from malloc. The chunks are
 * freed with the sandbox. The cap counts the sizes Lua asks for. */

static size_t slab_class(size_t n)
{
	return (n + 15) / 16 - 1;
}

static void *slab_get(cairn_sandbox *sb, size_t n)
{
	size_t c = slab_class(n), sz = (c + 1) * 16;
	void *p = sb->freelist[c];
	if (p) {
		sb->freelist[c] = *(void **)p;
		return p;
	}
	if (sb->bump_left < sz) {
		char *chunk = cairn_xmalloc(SLAB_CHUNK);
		*(void **)chunk = sb->chunks;
		sb->chunks = chunk;
		sb->bump = chunk + 16;
		sb->bump_left = SLAB_CHUNK - 16;
	}
	p = sb->bump;
	sb->bump += sz;
	sb->bump_left -= sz;
	return p;
}

static void slab_put(cairn_sandbox *sb, void *p, size_t n)
{
	size_t c = slab_class(n);
	*(void **)p = sb->freelist[c];
	sb->freelist[c] = p;
}

static void *block_resize(cairn_sandbox *sb, void *ptr, size_t old, size_t nsize)
{
	void *p;
	if (old > SLAB_MAX && nsize > SLAB_MAX)
		return realloc(ptr, nsize);
	if (ptr && old <= SLAB_MAX && nsize <= SLAB_MAX && slab_class(old) == slab_class(nsize))
		return ptr;
	p = nsize <= SLAB_MAX ? slab_get(sb, nsize) : malloc(nsize);
	if (!p)
		return NULL;
	if (ptr) {
		memcpy(p, ptr, old < nsize ? old : nsize);
		if (old <= SLAB_MAX)
			slab_put(sb, ptr, old);
		else
			free(ptr);
	}
	return p;
}

static void free_chunks(cairn_sandbox *sb)
{
	while (sb->chunks) {
		void *next = *(void **)sb->chunks;
		free(sb->chunks);
		sb->chunks = next;
	}
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	cairn_sandbox *sb = ud;
	size_t old = ptr ? osize : 0;
	void *p;

	if (nsize == 0) {
		if (ptr) {
			sb->used -= old;
			if (old <= SLAB_MAX)
				slab_put(sb, ptr, old);
			else
				free(ptr);
		}
		return NULL;
	}
	if (nsize > old) {
		size_t grow = nsize - old;
		if (sb->exempt_depth == 0 && sb->used + grow > sb->exempt + sb->limit) {
			sb->mem_hit = 1;
			return NULL;
		}
		p = block_resize(sb, ptr, old, nsize);
		if (!p) {
			sb->mem_hit = 1;
			return NULL;
		}
		sb->used += grow;
		if (sb->exempt_depth)
			sb->exempt += grow;
		if (sb->used > sb->peak)
			sb->peak = sb->used;
		return p;
	}
	/* Shrinking must not fail (Lua relies on it): keep the block when the
	 * system cannot give a smaller one. */
	p = block_resize(sb, ptr, old, nsize);
	if (!p)
		return ptr;
	sb->used -= old - nsize;
	return p;
}

cairn_sandbox *cairn_sandbox_of(lua_State *L)
{
	return *(cairn_sandbox **)lua_getextraspace(L);
}

void cairn_sandbox_exempt(lua_State *L, int on)
{
	cairn_sandbox *sb = cairn_sandbox_of(L);
	if (on)
		sb->exempt_depth++;
	else if (sb->exempt_depth > 0)
		sb->exempt_depth--;
}

size_t cairn_sandbox_headroom(lua_State *L, size_t *cap)
{
	cairn_sandbox *sb = cairn_sandbox_of(L);
	size_t limit = sb->exempt + sb->limit;
	if (cap)
		*cap = sb->limit;
	return sb->used >= limit ? 0 : limit - sb->used;
}

size_t cairn_sandbox_memory(const cairn_sandbox *sb, size_t *peak)
{
	if (peak)
		*peak = sb->peak;
	return sb->used;
}

/* ---- budget ------------------------------------------------------- */

static int budget_error(lua_State *L, cairn_sandbox *sb)
{
	sb->budget_hit = 1;
	return luaL_error(L, "instruction budget of %I exhausted (an endless loop?)",
			  (lua_Integer)sb->budget);
}

static void sb_hook(lua_State *L, lua_Debug *ar)
{
	cairn_sandbox *sb = cairn_sandbox_of(L);
	sb->exempt_depth = 0;
	sb->spent += HOOK_COUNT;
	if (sb->chunkname && lua_getinfo(L, "Sl", ar) && strcmp(ar->source, sb->chunkname) == 0)
		sb->last_line = ar->currentline;
	if (sb->budget_hit || sb->spent > sb->budget)
		budget_error(L, sb);
}

void cairn_sandbox_charge(lua_State *L, long long n)
{
	cairn_sandbox *sb = cairn_sandbox_of(L);
	if (n < 0)
		n = 0;
	if (sb->budget_hit || n > sb->budget - sb->spent) {
		sb->spent = sb->budget;
		budget_error(L, sb);
	}
	sb->spent += n;
}

/* True when the error on top of L must not be caught by the policy. */
static int is_fatal(lua_State *L, int status)
{
	cairn_sandbox *sb = cairn_sandbox_of(L);
	if (status == LUA_ERRMEM) {
		sb->mem_hit = 1;
		return 1;
	}
	if (sb->budget_hit)
		return 1;
	if (sb->mem_hit && lua_type(L, -1) == LUA_TSTRING &&
	    strcmp(lua_tostring(L, -1), "not enough memory") == 0)
		return 1;
	return 0;
}

/* ---- the functions policies see instead of the standard ones --------- */

static int finish_pcall(lua_State *L, int status, lua_KContext extra)
{
	if (status != LUA_OK && status != LUA_YIELD) {
		if (is_fatal(L, status))
			return lua_error(L);
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - (int)extra;
}

static int sb_pcall(lua_State *L)
{
	int status;
	luaL_checkany(L, 1);
	lua_pushboolean(L, 1);
	lua_insert(L, 1);
	status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
	return finish_pcall(L, status, 0);
}

static int sb_xpcall(lua_State *L)
{
	int status, n = lua_gettop(L);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2);
	status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
	return finish_pcall(L, status, 2);
}

/* coroutine.resume and coroutine.close return errors as values: re-raise
 * the fatal ones. Upvalue 1 is the original function. */
static int sb_coreturn(lua_State *L)
{
	int n = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	if (lua_gettop(L) >= 2 && !lua_toboolean(L, 1)) {
		lua_settop(L, 2);
		if (is_fatal(L, LUA_ERRRUN))
			return lua_error(L);
	}
	return lua_gettop(L);
}

/* load(chunk [, name [, mode [, env]]]): always mode "t". Upvalue 1 is the
 * original load. */
static int sb_load(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_checkany(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 1);
	if (n >= 2)
		lua_pushvalue(L, 2);
	else
		lua_pushnil(L);
	lua_pushliteral(L, "t");
	if (n >= 4) {
		lua_pushvalue(L, 4);
		lua_call(L, 4, LUA_MULTRET);
	} else {
		lua_call(L, 3, LUA_MULTRET);
	}
	return lua_gettop(L) - n;
}

/* setmetatable refusing __gc: finalizers run with hooks disabled, so a
 * looping one could not be stopped. Upvalue 1 is the original. */
static int sb_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "__gc metamethods are not allowed in policies");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* The real table behind a read-only proxy, pushed; or nothing (returns 0). */
static int frozen_real(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_getfield(L, LUA_REGISTRYINDEX, REG_FROZEN) != LUA_TTABLE) {
		lua_pop(L, 1);
		return 0;
	}
	lua_pushvalue(L, idx);
	if (lua_rawget(L, -2) == LUA_TTABLE) {
		lua_remove(L, -2);
		return 1;
	}
	lua_pop(L, 2);
	return 0;
}

/* next() that sees through read-only proxies and completes tables that
 * are filled on demand (a resource's Properties, document.c). */
static int sb_next(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 2);
	if (luaL_getmetafield(L, 1, "__cairn_force") != LUA_TNIL) {
		lua_pushvalue(L, 1);
		lua_call(L, 1, 0);
	}
	if (frozen_real(L, 1))
		lua_replace(L, 1);
	if (lua_next(L, 1))
		return 2;
	lua_pushnil(L);
	return 1;
}

/* print() goes to the debug log, attributed to the policy. */
static int sb_print(lua_State *L)
{
	cairn_sandbox *sb = cairn_sandbox_of(L);
	int i, n = lua_gettop(L);
	luaL_Buffer b;
	if (!cairn_log_enabled(CAIRN_LOG_DEBUG))
		return 0;
	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s = luaL_tolstring(L, i, &len);
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_addlstring(&b, s, len > 1000 ? 1000 : len);
		lua_pop(L, 1);
	}
	luaL_pushresult(&b);
	cairn_log(CAIRN_LOG_DEBUG, "%s: print: %s", sb->chunkname ? sb->chunkname + 1 : "policy",
		  lua_tostring(L, -1));
	return 0;
}

/* ---- read-only tables ------------------------------------------------ */

static int ro_newindex(lua_State *L)
{
	return luaL_error(L, "attempt to modify read-only table '%s' (policies cannot change "
			     "the library or the standard tables)",
			  lua_tostring(L, lua_upvalueindex(1)));
}

static int ro_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
	return 1;
}

static int ro_iter(lua_State *L)
{
	lua_settop(L, 2);
	if (lua_next(L, lua_upvalueindex(1)))
		return 2;
	lua_pushnil(L);
	return 1;
}

static int ro_pairs(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushcclosure(L, ro_iter, 1);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static void freeze(lua_State *L, int idx, const char *name, int depth)
{
	int real, proxy;

	idx = lua_absindex(L, idx);
	luaL_checkstack(L, 8, "freezing");
	lua_getfield(L, LUA_REGISTRYINDEX, REG_FROZEN);
	lua_pushvalue(L, idx);
	if (lua_rawget(L, -2) != LUA_TNIL) { /* already a proxy */
		lua_pop(L, 2);
		return;
	}
	lua_pop(L, 2);
	real = idx;
	if (depth < 16) {
		/* Freeze nested tables first (keys visited are existing ones, so
		 * replacing their values during lua_next is allowed). */
		lua_pushnil(L);
		while (lua_next(L, real)) {
			int plain = lua_type(L, -1) == LUA_TTABLE;
			if (plain && lua_getmetatable(L, -1)) {
				lua_pop(L, 1);
				plain = 0;
			}
			if (plain) {
				freeze(L, -1, name, depth + 1);
				lua_pushvalue(L, -2);
				lua_insert(L, -2);
				lua_rawset(L, real);
			} else {
				lua_pop(L, 1);
			}
		}
	}
	lua_newtable(L);
	proxy = lua_gettop(L);
	lua_createtable(L, 0, 6);
	lua_pushvalue(L, real);
	lua_setfield(L, -2, "__index");
	lua_pushstring(L, name);
	lua_pushcclosure(L, ro_newindex, 1);
	lua_setfield(L, -2, "__newindex");
	lua_pushvalue(L, real);
	lua_pushcclosure(L, ro_len, 1);
	lua_setfield(L, -2, "__len");
	lua_pushvalue(L, real);
	lua_pushcclosure(L, ro_pairs, 1);
	lua_setfield(L, -2, "__pairs");
	lua_pushliteral(L, "read-only");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, proxy);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_FROZEN);
	lua_pushvalue(L, proxy);
	lua_pushvalue(L, real);
	lua_rawset(L, -3);
	lua_pop(L, 1);
	lua_replace(L, idx);
}

void cairn_sandbox_freeze(lua_State *L, int idx, const char *name)
{
	freeze(L, idx, name, 0);
}

/* ---- require ------------------------------------------------------- */

void cairn_sandbox_preload(cairn_sandbox *sb, const char *name, lua_CFunction open)
{
	lua_State *L = sb->L;
	lua_getfield(L, LUA_REGISTRYINDEX, REG_CMODULES);
	lua_pushcfunction(L, open);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

static int valid_module_name(const char *name)
{
	const char *p;
	if (strcmp(name, "cairn.policy") != 0 && strncmp(name, "cairn.policy.", 13) != 0)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      (*p == '.' && p[1] != '.' && p[1] != '\0')))
			return 0;
	return 1;
}

static int sb_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	char *path = NULL, *text = NULL;
	size_t len = 0, i;
	int rc;

	lua_settop(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADED); /* 2 */
	lua_pushvalue(L, 1);
	if (lua_rawget(L, 2) != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TLIGHTUSERDATA)
			return luaL_error(L, "module '%s' requires itself (a require cycle)", name);
		return 1;
	}
	lua_pop(L, 1);
	if (!valid_module_name(name))
		return luaL_error(L, "module '%s' is not available: policies may only require the "
				     "policy library (cairn.policy, cairn.policy.*)", name);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_CMODULES);
	if (lua_getfield(L, -1, name) == LUA_TFUNCTION) {
		lua_pushstring(L, name);
		lua_call(L, 1, 1);
	} else {
		lua_pop(L, 2);
		path = cairn_xasprintf("lua/%s.lua", name);
		for (i = 4; path[i]; i++)
			if (path[i] == '.' && strcmp(path + i, ".lua") != 0)
				path[i] = '/';
		rc = cairn_embed_read(path, &text, &len);
		if (rc == CAIRN_ENOTFOUND) {
			free(path);
			path = cairn_xasprintf("lua/%s/init.lua", name);
			for (i = 4; path[i]; i++)
				if (path[i] == '.' && strcmp(path + i, ".lua") != 0)
					path[i] = '/';
			rc = cairn_embed_read(path, &text, &len);
		}
		if (rc < 0) {
			free(path);
			return luaL_error(L, "module '%s' not found in the policy library", name);
		}
		lua_pushvalue(L, 1);
		lua_pushlightuserdata(L, (void *)LOADING_MARK);
		lua_rawset(L, 2);
		lua_pushfstring(L, "@%s", path);
		free(path);
		rc = luaL_loadbufferx(L, text, len, lua_tostring(L, -1), "t");
		free(text);
		if (rc != LUA_OK)
			return lua_error(L);
		lua_remove(L, -2);
		lua_getfield(L, LUA_REGISTRYINDEX, REG_LIBENV);
		lua_setupvalue(L, -2, 1);
		lua_pushstring(L, name);
		lua_call(L, 1, 1);
	}
	if (lua_type(L, -1) == LUA_TTABLE)
		freeze(L, -1, name, 0);
	else if (lua_isnil(L, -1)) {
		lua_pushboolean(L, 1);
		lua_replace(L, -2);
	}
	lua_pushvalue(L, 1);
	lua_pushvalue(L, -2);
	lua_rawset(L, 2);
	return 1;
}

/* ---- building the state -------------------------------------------- */

static void setglobal_cfunction(lua_State *L, const char *name, lua_CFunction f, int wrap)
{
	if (wrap) {
		lua_getglobal(L, name);
		lua_pushcclosure(L, f, 1);
	} else {
		lua_pushcfunction(L, f);
	}
	lua_setglobal(L, name);
}

static int open_sandbox(lua_State *L)
{
	static const char *const drop[] = {"dofile", "loadfile", "collectgarbage", "rawset",
					   "warn", "require", NULL};
	const char *const *d;
	int g;

	luaL_requiref(L, "_G", luaopen_base, 1);
	g = lua_gettop(L);
	for (d = drop; *d; d++) {
		lua_pushnil(L);
		lua_setfield(L, g, *d);
	}
	setglobal_cfunction(L, "pcall", sb_pcall, 0);
	setglobal_cfunction(L, "xpcall", sb_xpcall, 0);
	setglobal_cfunction(L, "load", sb_load, 1);
	setglobal_cfunction(L, "setmetatable", sb_setmetatable, 1);
	setglobal_cfunction(L, "next", sb_next, 0);
	setglobal_cfunction(L, "print", sb_print, 0);
	setglobal_cfunction(L, "require", sb_require, 0);

	luaL_requiref(L, "string", luaopen_string, 1);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	luaL_requiref(L, "table", luaopen_table, 1);
	cairn_sandbox_open_budgeted(L, lua_gettop(L) - 1, lua_gettop(L));
	lua_pop(L, 2);
	luaL_requiref(L, "math", luaopen_math, 1);
	/* A fixed seed: the same policy on the same stack gives the same result. */
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, 0);
	lua_call(L, 1, 0);
	lua_pop(L, 1);
	luaL_requiref(L, "utf8", luaopen_utf8, 1);
	lua_pop(L, 1);
	luaL_requiref(L, "coroutine", luaopen_coroutine, 1);
	lua_getfield(L, -1, "resume");
	lua_pushcclosure(L, sb_coreturn, 1);
	lua_setfield(L, -2, "resume");
	lua_getfield(L, -1, "close");
	lua_pushcclosure(L, sb_coreturn, 1);
	lua_setfield(L, -2, "close");
	lua_pop(L, 1);
	/* luaL_requiref put them in package.loaded, which does not exist
	 * here: drop the registry's _LOADED table too. */
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);

	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADED);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_CMODULES);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_FROZEN);
	lua_pushnil(L); /* so that luajson does not decorate _G */
	cairn_luajson_open(L);
	lua_pop(L, 1);

	/* The standard tables become read-only, in the globals and behind
	 * the string metatable. */
	{
		static const char *const libs[] = {"string", "table", "math", "utf8",
						   "coroutine", NULL};
		const char *const *l;
		for (l = libs; *l; l++) {
			lua_getfield(L, g, *l);
			freeze(L, -1, *l, 0);
			lua_setfield(L, g, *l);
		}
		lua_pushliteral(L, "");
		lua_getmetatable(L, -1);
		lua_getfield(L, g, "string");
		lua_setfield(L, -2, "__index");
		lua_pushliteral(L, "read-only");
		lua_setfield(L, -2, "__metatable");
		lua_pop(L, 2);
	}

	/* Library modules get their own copy of these globals. */
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, g)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -2, "_G");
	lua_setfield(L, LUA_REGISTRYINDEX, REG_LIBENV);

	/* The undecided error's metatable. */
	luaL_newmetatable(L, REG_UNDECIDED);
	lua_pushliteral(L, "undecided");
	lua_setfield(L, -2, "__name");
	lua_pop(L, 1);
	lua_pop(L, 1); /* _G */
	return 0;
}

int cairn_sandbox_new(cairn_sandbox **out, size_t memory, long long instructions,
		      const char *chunkname)
{
	cairn_sandbox *sb = cairn_xcalloc(1, sizeof(*sb));
	lua_State *L;
	int rc;

	sb->limit = memory ? memory : CAIRN_POLICY_MEMORY;
	sb->budget = instructions > 0 ? instructions : CAIRN_POLICY_INSTRUCTIONS;
	sb->chunkname = chunkname ? cairn_xstrdup(chunkname) : NULL;
	/* Setting up the library is exempt from the cap. */
	sb->exempt_depth = 1;
	L = lua_newstate(sb_alloc, sb);
	if (!L) {
		free_chunks(sb);
		free(sb->chunkname);
		free(sb);
		return cairn_error_set("policy sandbox: cannot create a Lua state (out of memory)");
	}
	sb->L = L;
	*(cairn_sandbox **)lua_getextraspace(L) = sb;
	lua_pushcfunction(L, open_sandbox);
	rc = lua_pcall(L, 0, 0, 0);
	if (rc != LUA_OK) {
		const char *m = lua_tostring(L, -1);
		cairn_error_set("policy sandbox: cannot set up the library: %s", m ? m : "?");
		cairn_sandbox_free(sb);
		return CAIRN_ERROR;
	}
	sb->exempt_depth = 0;
	lua_sethook(L, sb_hook, LUA_MASKCOUNT, HOOK_COUNT);
	*out = sb;
	return 0;
}

void cairn_sandbox_free(cairn_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->L) {
		sb->exempt_depth = 1;
		lua_close(sb->L);
	}
	free_chunks(sb);
	free(sb->chunkname);
	free(sb);
}

lua_State *cairn_sandbox_state(cairn_sandbox *sb)
{
	return sb->L;
}

/* ---- calling ------------------------------------------------------- */

int cairn_sandbox_undecided(lua_State *L, const char *message, const char *path)
{
	lua_createtable(L, 0, 2);
	lua_pushstring(L, message);
	lua_setfield(L, -2, "message");
	if (path) {
		lua_pushstring(L, path);
		lua_setfield(L, -2, "path");
	}
	luaL_setmetatable(L, REG_UNDECIDED);
	return lua_error(L);
}

static int is_undecided(lua_State *L, int idx)
{
	int r;
	if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
		return 0;
	luaL_getmetatable(L, REG_UNDECIDED);
	r = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	return r;
}

/* Message handler: remembers the policy's line of the error. */
static int sb_msgh(lua_State *L)
{
	cairn_sandbox *sb = cairn_sandbox_of(L);
	lua_Debug ar;
	int level;

	sb->err_line = 0;
	if (!sb->chunkname)
		return 1;
	for (level = 0; level < 200 && lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && strcmp(ar.source, sb->chunkname) == 0) {
			sb->err_line = ar.currentline;
			break;
		}
	}
	return 1;
}

void sb_result_dispose(sb_result *res)
{
	free(res->message);
	free(res->path);
	memset(res, 0, sizeof(*res));
}

/* The policy file as messages show it ("policies/x.lua"). */
static const char *shortname(const cairn_sandbox *sb)
{
	if (!sb->chunkname)
		return "policy";
	return sb->chunkname[0] == '@' || sb->chunkname[0] == '=' ? sb->chunkname + 1
								     : sb->chunkname;
}

/* "file:line: message", unless message already starts with "file:"
 * (possibly as Lua abbreviates long chunk names: "...e/file.lua:12:"). */
static char *with_position(const cairn_sandbox *sb, const char *msg, int line, const char *near)
{
	const char *f = shortname(sb);
	size_t fl = strlen(f);
	if (strncmp(msg, f, fl) == 0 && msg[fl] == ':')
		return cairn_xstrdup(msg);
	if (strncmp(msg, "...", 3) == 0) {
		const char *colon = strchr(msg + 3, ':');
		size_t tl = colon ? (size_t)(colon - (msg + 3)) : 0;
		if (colon && tl > 0 && tl <= fl && strncmp(f + fl - tl, msg + 3, tl) == 0 &&
		    colon[1] >= '0' && colon[1] <= '9')
			return cairn_xasprintf("%s%s", f, colon);
	}
	if (line > 0)
		return cairn_xasprintf("%s:%d: %s%s", f, line, near, msg);
	return cairn_xasprintf("%s: %s", f, msg);
}

static void fill_error(cairn_sandbox *sb, int status, sb_result *res)
{
	lua_State *L = sb->L;
	char tmp[64];
	const char *msg;

	memset(res, 0, sizeof(*res));
	if (is_undecided(L, -1)) {
		res->status = SB_UNDECIDED;
		lua_getfield(L, -1, "message");
		res->message = cairn_xstrdup(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
									  : "could not decide");
		lua_pop(L, 1);
		lua_getfield(L, -1, "path");
		if (lua_type(L, -1) == LUA_TSTRING)
			res->path = cairn_xstrdup(lua_tostring(L, -1));
		lua_pop(L, 1);
		res->line = sb->err_line;
		return;
	}
	switch (lua_type(L, -1)) {
	case LUA_TSTRING:
		msg = lua_tostring(L, -1);
		break;
	case LUA_TNUMBER:
		snprintf(tmp, sizeof(tmp), "%g", (double)lua_tonumber(L, -1));
		msg = tmp;
		break;
	default:
		/* Never call __tostring of a policy's value here: it would run
		 * policy code outside any protection. */
		snprintf(tmp, sizeof(tmp), "error object is a %s value", luaL_typename(L, -1));
		msg = tmp;
		break;
	}
	if (status == LUA_ERRMEM ||
	    (sb->mem_hit && strcmp(msg, "not enough memory") == 0)) {
		res->status = SB_MEMORY;
		res->line = sb->last_line;
		{
			char *m = cairn_xasprintf("memory cap of %zu MiB exceeded", sb->limit >> 20);
			res->message = with_position(sb, m, res->line, "near here: ");
			free(m);
		}
		return;
	}
	res->line = sb->err_line ? sb->err_line : sb->last_line;
	res->status = sb->budget_hit ? SB_BUDGET : SB_ERROR;
	if (sb->budget_hit) {
		char *m = cairn_xasprintf("instruction budget of %lld exhausted (an endless loop?)",
					  sb->budget);
		res->message = with_position(sb, m, res->line, "");
		free(m);
	} else {
		res->message = with_position(sb, msg, res->line, "");
	}
}

int cairn_sandbox_load(cairn_sandbox *sb, const char *text, size_t len, const char *chunkname,
		       sb_result *res)
{
	lua_State *L = sb->L;
	int rc;
	memset(res, 0, sizeof(*res));
	sb->exempt_depth = 0;
	sb->mem_hit = 0;
	rc = luaL_loadbufferx(L, text, len, chunkname, "t");
	if (rc == LUA_OK)
		return 0;
	res->status = rc == LUA_ERRMEM ? SB_MEMORY : SB_ERROR;
	res->message = cairn_xstrdup(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
								   : "cannot load");
	{
		/* "file:LINE: ..." -> line */
		const char *f = shortname(sb);
		size_t fl = strlen(f);
		if (strncmp(res->message, f, fl) == 0 && res->message[fl] == ':')
			res->line = atoi(res->message + fl + 1);
	}
	lua_pop(L, 1);
	return -1;
}

sb_status cairn_sandbox_call(cairn_sandbox *sb, int nargs, int nres, sb_result *res)
{
	lua_State *L = sb->L;
	int base, rc;

	memset(res, 0, sizeof(*res));
	sb->spent = 0;
	sb->budget_hit = 0;
	sb->mem_hit = 0;
	sb->err_line = 0;
	sb->last_line = 0;
	sb->exempt_depth = 0;
	base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, sb_msgh);
	lua_insert(L, base);
	rc = lua_pcall(L, nargs, nres, base);
	sb->exempt_depth = 0;
	if (rc == LUA_OK) {
		lua_remove(L, base);
		return SB_OK;
	}
	fill_error(sb, rc, res);
	lua_pop(L, 2);
	/* A budget or memory error leaves the state unusable for more calls
	 * only in the sense that the policy is broken; the state itself is
	 * consistent. Collect what the failed call left behind. */
	if (res->status == SB_MEMORY) {
		sb->exempt_depth = 1;
		lua_gc(L, LUA_GCCOLLECT);
		sb->exempt_depth = 0;
	}
	return res->status;
}
