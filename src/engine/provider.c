/*
 * provider.c: the provider runtime: the lua_State where resource providers
 * run, the tasks that call their lifecycle functions, and the refresh that
 * reads a whole state through them (engine.h).
 *
 * cairn_engine_new makes one lua_State with the standard libraries and a
 * module searcher that serves the compiled-in lua/ tree (cairn_embed_read,
 * so CAIRN_HOME can override a file during development; LUA_PATH and the C
 * searchers are removed: providers are cairn's own code, never the
 * machine's). The runner (runner.h) then installs "cairn.aws", and every
 * lua/cairn/aws/<service>.lua is required; each returns a list of type
 * tables, indexed by type name in a registry table.
 *
 * A task is one call of a type table's function (create, read, update,
 * delete, find) as a coroutine scheduled by the runner: eng_spawn builds
 * ctx (docs/internals/providers.md: stack, logical_id, type, region,
 * account, partition, url_suffix, tags, token, exclude, log), converts the
 * JSON arguments to Lua, and spawns. When the coroutine ends, its results
 * are converted back to JSON and handed to the caller's completion. ctx.log
 * is a C closure over a small userdata that the completion disarms, so a
 * provider that keeps ctx around can never call into a finished task.
 *
 * Providers also get "cairn.values" (equal: the plan's own comparison
 * under a schema kind, so an update changes what plan said differs and
 * nothing else; json: JSON text for APIs that take documents as strings).
 *
 * The refresh runs read (or, for a pending create, find then read) for
 * every resource of a state, at most `parallelism` at a time, and returns
 * one JSON object describing what it found per logical id. Drift and audit
 * reuse it.

 *
 * This module owns the engine (lua_State, runner, copies of its options);
 * the AWS client is borrowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "cairn/embed.h"
#include "cairn/log.h"
#include "cairn/luajson.h"
#include "internal.h"

#define PROVIDERS_PREFIX "lua/cairn/aws/"

/* The engine's own Lua helpers. find_read resolves a pending create in one
 * task: find, then read what was found; first, when the create started
 * only moments ago, it waits until a request still on the wire when the
 * previous cairn died must have reached AWS (see settle_seconds). */
static const char helpers_lua[] =
	"local aws = require 'cairn.aws'\n"
	"local H = {}\n"
	"function H.find_read(T, ctx, props, settle)\n"
	"  if settle and settle > 0 then aws.sleep(settle) end\n"
	"  local id = T.find(ctx, props)\n"
	"  if id == nil then return nil end\n"
	"  local live, attrs = T.read(ctx, id, props)\n"
	"  return id, live, attrs\n"
	"end\n"
	"return H\n";

/* ---- cairn.values: the engine's comparisons, for providers ------------------- */

/* The value at idx as JSON into *out (new reference; NULL for nil/none).
 * Returns -1 (message in cairn_error_last) for values JSON cannot hold. */
static int to_json(lua_State *L, int idx, json_t **out)
{
	*out = NULL;
	if (lua_isnoneornil(L, idx))
		return 0;
	if (cairn_luajson_to(L, idx, out) < 0)
		return -1;
	if (json_is_null(*out)) {
		json_decref(*out);
		*out = NULL;
	}
	return 0;
}

/* values.equal(kind, desired, live): the plan's comparison (diff.c) under
 * a schema kind ("PolicyDocument", "Tags", ...; nil: generic). */
static int l_values_equal(lua_State *L)
{
	const char *kind = luaL_optstring(L, 1, NULL);
	json_t *schema, *d = NULL, *l = NULL;
	int eq;
	if (to_json(L, 2, &d) < 0 || to_json(L, 3, &l) < 0) {
		json_decref(d);
		return luaL_error(L, "values.equal: %s", cairn_error_last());
	}
	schema = kind ? json_pack("{s:s}", "kind", kind) : NULL;
	eq = cairn_diff_equal(schema, d, l);
	json_decref(schema);
	json_decref(d);
	json_decref(l);
	lua_pushboolean(L, eq);
	return 1;
}

/* values.json(v): compact JSON text, keys sorted. */
static int l_values_json(lua_State *L)
{
	json_t *v;
	char *s;
	if (to_json(L, 1, &v) < 0)
		return luaL_error(L, "values.json: %s", cairn_error_last());
	s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
		    : cairn_xstrdup("null");
	json_decref(v);
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static int open_values(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{"equal", l_values_equal}, {"json", l_values_json}, {NULL, NULL}};
	luaL_newlib(L, fns);
	return 1;
}

/* ---- module loading ----------------------------------------------------------- */

/* package.searchers entry: "cairn.aws.s3" -> lua/cairn/aws/s3.lua from the
 * embedded tree (or CAIRN_HOME). */
static int search_embedded(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	char *path, *p, *text = NULL;
	size_t len = 0;

	path = cairn_xasprintf("lua/%s.lua", name);
	for (p = path + 4; *p && strcmp(p, ".lua") != 0; p++)
		if (*p == '.')
			*p = '/';
	if (cairn_embed_read(path, &text, &len) < 0) {
		lua_pushfstring(L, "\n\tno compiled-in file '%s'", path);
		free(path);
		return 1;
	}
	lua_pushfstring(L, "@%s", path);
	if (luaL_loadbufferx(L, text, len, lua_tostring(L, -1), "t") != LUA_OK) {
		free(text);
		free(path);
		return lua_error(L);
	}
	free(text);
	lua_pushstring(L, path);
	free(path);
	return 2;
}

/* Keeps package.searchers[1] (preload) and adds ours; LUA_PATH and C
 * modules are never consulted. */
static void install_searcher(lua_State *L)
{
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchers");
	lua_rawgeti(L, -1, 1);
	lua_newtable(L);
	lua_insert(L, -2);
	lua_rawseti(L, -2, 1);
	lua_pushcfunction(L, search_embedded);
	lua_rawseti(L, -2, 2);
	lua_setfield(L, -3, "searchers");
	lua_pop(L, 2);
	/* cpath and path are irrelevant now, but make it obvious */
	lua_getglobal(L, "package");
	lua_pushstring(L, "");
	lua_setfield(L, -2, "path");
	lua_pushstring(L, "");
	lua_setfield(L, -2, "cpath");
	lua_pop(L, 1);
}

typedef struct load_ctx {
	cairn_engine *e;  /* where the providers go */
	int rc;           /* first failure */
} load_ctx;

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = luaL_tolstring(L, 1, NULL);
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Requires one provider module and indexes its type tables. */
static int load_module(const cairn_embed_file *f, void *ud)
{
	load_ctx *lc = ud;
	lua_State *L = lc->e->L;
	char *mod;
	size_t n = strlen(f->path), i;
	int top = lua_gettop(L);

	if (n < 5 || strcmp(f->path + n - 4, ".lua") != 0)
		return 0;
	mod = cairn_xstrndup(f->path + 4, n - 8); /* "cairn/aws/s3" */
	for (i = 0; mod[i]; i++)
		if (mod[i] == '/')
			mod[i] = '.';
	lua_pushcfunction(L, traceback);
	lua_getglobal(L, "require");
	lua_pushstring(L, mod);
	if (lua_pcall(L, 1, 1, top + 1) != LUA_OK) {
		lc->rc = cairn_error_set("%s: the provider does not load: %s", f->path,
					 lua_tostring(L, -1));
		free(mod);
		lua_settop(L, top);
		return 1;
	}
	free(mod);
	if (!lua_istable(L, -1)) {
		lc->rc = cairn_error_set("%s: a provider module must return a list of type tables",
					 f->path);
		lua_settop(L, top);
		return 1;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, lc->e->providers);
	for (i = 1;; i++) {
		lua_rawgeti(L, -2, (lua_Integer)i);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			break;
		}
		if (lua_istable(L, -1)) {
			lua_getfield(L, -1, "type");
			if (lua_isstring(L, -1)) {
				lua_pushvalue(L, -2);
				lua_settable(L, -4);
			} else {
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	}
	lua_settop(L, top);
	return 0;
}

int cairn_engine_new(cairn_engine **out, const cairn_engine_options *opts)
{
	cairn_engine *e = cairn_xcalloc(1, sizeof(*e));
	load_ctx lc;
	int rc;

	*out = NULL;
	e->aws = opts->aws;
	e->stack = cairn_xstrdup(opts->stack ? opts->stack : "");
	e->account = opts->account ? cairn_xstrdup(opts->account) : NULL;
	e->parallelism = opts->parallelism > 0 ? opts->parallelism : CAIRN_DEFAULT_PARALLELISM;
	e->progress = opts->progress ? opts->progress : stdout;
	e->color = opts->color;
	e->L = luaL_newstate();
	if (!e->L)
		cairn_die("cannot create the provider Lua state");
	luaL_openlibs(e->L);
	install_searcher(e->L);
	luaL_getsubtable(e->L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(e->L, open_values);
	lua_setfield(e->L, -2, "cairn.values");
	lua_pop(e->L, 1);
	lua_newtable(e->L);
	cairn_luajson_open(e->L);
	lua_pop(e->L, 1);
	rc = cairn_runner_new(&e->runner, e->L, e->aws);
	if (rc < 0)
		goto fail;
	lua_newtable(e->L);
	e->providers = luaL_ref(e->L, LUA_REGISTRYINDEX);
	if (luaL_loadbufferx(e->L, helpers_lua, sizeof(helpers_lua) - 1, "=engine", "t") !=
		    LUA_OK ||
	    lua_pcall(e->L, 0, 1, 0) != LUA_OK)
		cairn_die("engine helpers: %s", lua_tostring(e->L, -1));
	e->helpers = luaL_ref(e->L, LUA_REGISTRYINDEX);
	lc.e = e;
	lc.rc = 0;
	cairn_embed_foreach(PROVIDERS_PREFIX, load_module, &lc);
	if (lc.rc < 0) {
		rc = lc.rc;
		goto fail;
	}
	*out = e;
	return 0;
fail:
	cairn_engine_free(e);
	return rc;
}

void cairn_engine_free(cairn_engine *e)
{
	if (!e)
		return;
	cairn_runner_free(e->runner);
	if (e->L)
		lua_close(e->L);
	free(e->stack);
	free(e->account);
	free(e);
}

/* Pushes the type table of type, or nil. */
static void push_type(cairn_engine *e, const char *type)
{
	lua_rawgeti(e->L, LUA_REGISTRYINDEX, e->providers);
	lua_getfield(e->L, -1, type);
	lua_remove(e->L, -2);
}

int cairn_engine_supports(cairn_engine *e, const char *type, const char *fn)
{
	int yes;
	push_type(e, type);
	yes = lua_istable(e->L, -1) && (lua_getfield(e->L, -1, fn), lua_isfunction(e->L, -1));
	lua_settop(e->L, 0);
	return yes;
}

/* ---- tasks ------------------------------------------------------------------ */

/* What ctx.log writes to; disarmed (fn = NULL) when the task ends. */
typedef struct notebox {
	void (*fn)(void *ud, const char *msg); /* where notes go; NULL once the task ended */
	void *ud;                              /* its argument */
} notebox;

typedef struct task {
	eng_done_fn done;  /* the caller's completion */
	void *ud;          /* its argument */
	notebox *box;      /* ctx.log's target, inside a Lua userdata */
	lua_State *L;      /* the provider state, whose registry anchors box */
	int box_ref;       /* registry reference keeping box alive until the task ends
			    * (the provider may drop ctx long before that) */
} task;

static int ctx_log(lua_State *L)
{
	notebox *box = lua_touserdata(L, lua_upvalueindex(1));
	const char *msg = luaL_tolstring(L, 1, NULL);
	if (box && box->fn)
		box->fn(box->ud, msg);
	return 0;
}

static void push_tag(lua_State *L, int i, const char *key, const char *value)
{
	lua_createtable(L, 0, 2);
	lua_pushstring(L, key);
	lua_setfield(L, -2, "Key");
	lua_pushstring(L, value);
	lua_setfield(L, -2, "Value");
	lua_rawseti(L, -2, i);
}

static void setstr(lua_State *L, const char *k, const char *v)
{
	if (!v)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

/* Pushes ctx; returns the notebox inside it, anchored in the registry
 * (*ref) so it outlives ctx until the task ends. */
static notebox *push_ctx(cairn_engine *e, const eng_ctx *c, int *ref)
{
	lua_State *L = e->L;
	notebox *box;

	lua_createtable(L, 0, 14);
	setstr(L, "stack", e->stack);
	setstr(L, "logical_id", c->logical_id);
	setstr(L, "type", c->type);
	if (e->aws) {
		setstr(L, "region", cairn_aws_region(e->aws));
		setstr(L, "partition", cairn_aws_partition(e->aws));
		setstr(L, "url_suffix", cairn_aws_url_suffix(e->aws));
	}
	setstr(L, "account", e->account);
	setstr(L, "token", c->token);
	lua_pushboolean(L, c->name_generated);
	lua_setfield(L, -2, "name_generated");
	lua_pushboolean(L, c->adopt);
	lua_setfield(L, -2, "adopt");
	lua_createtable(L, 2, 0);
	push_tag(L, 1, "cairn:stack", e->stack);
	push_tag(L, 2, "cairn:logical-id", c->logical_id);
	luaL_setmetatable(L, CAIRN_LUAJSON_ARRAY_MT);
	lua_setfield(L, -2, "tags");
	if (c->exclude)
		cairn_luajson_push(L, c->exclude);
	else {
		lua_newtable(L);
		luaL_setmetatable(L, CAIRN_LUAJSON_ARRAY_MT);
	}
	lua_setfield(L, -2, "exclude");
	box = lua_newuserdatauv(L, sizeof(*box), 0);
	box->fn = c->note;
	box->ud = c->note_ud;
	lua_pushvalue(L, -1);
	*ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushcclosure(L, ctx_log, 1);
	lua_setfield(L, -2, "log");
	return box;
}

static void task_done(void *ud, lua_State *co, int status, int nres, const char *message)
{
	task *t = ud;
	json_t *res[3] = {NULL, NULL, NULL};
	int i, n = nres > 3 ? 3 : nres, ok = status == LUA_OK;
	char *err = NULL;

	t->box->fn = NULL;
	luaL_unref(t->L, LUA_REGISTRYINDEX, t->box_ref);
	if (ok) {
		int base = lua_gettop(co) - nres + 1;
		for (i = 0; i < n; i++) {
			json_t *v = NULL;
			if (lua_isnil(co, base + i))
				continue;
			if (cairn_luajson_to(co, base + i, &v) < 0) {
				err = cairn_xasprintf("the provider returned a value cairn cannot "
						      "record (result %d): %s",
						      i + 1, cairn_error_last());
				ok = 0;
				break;
			}
			res[i] = json_is_null(v) ? (json_decref(v), NULL) : v;
		}
		if (!ok)
			for (i = 0; i < 3; i++) {
				json_decref(res[i]);
				res[i] = NULL;
			}
	}
	if (ok)
		t->done(t->ud, 1, res, n, NULL);
	else
		t->done(t->ud, 0, res, 0, err ? err : (message ? message : "unknown error"));
	free(err);
	free(t);
}

int eng_spawn(cairn_engine *e, const eng_ctx *c, const char *fn, json_t *const *args, int nargs,
	      eng_done_fn done, void *ud)
{
	lua_State *L = e->L;
	task *t;
	int i, top = lua_gettop(L), helper = strcmp(fn, "find_read") == 0;

	push_type(e, c->type);
	if (!lua_istable(L, -1)) {
		lua_settop(L, top);
		return cairn_error_set("%s (%s): cairn has no provider for this type", c->logical_id,
				       c->type);
	}
	if (helper) {
		lua_getfield(L, -1, "find");
		lua_getfield(L, -2, "read");
		if (!lua_isfunction(L, -1) || !lua_isfunction(L, -2)) {
			lua_settop(L, top);
			return cairn_error_set("%s (%s): the provider has no find and read, so an "
					       "interrupted create cannot be resolved; check AWS "
					       "by hand, then run cairn state rm %s",
					       c->logical_id, c->type, c->logical_id);
		}
		lua_pop(L, 2);
		lua_rawgeti(L, LUA_REGISTRYINDEX, e->helpers);
		lua_getfield(L, -1, "find_read");
		lua_remove(L, -2);
		lua_insert(L, -2); /* find_read, T */
	} else {
		lua_getfield(L, -1, fn);
		if (!lua_isfunction(L, -1)) {
			lua_settop(L, top);
			return cairn_error_set("%s (%s): the provider has no %s function in this "
					       "cairn",
					       c->logical_id, c->type, fn);
		}
		lua_remove(L, -2);
	}
	t = cairn_xcalloc(1, sizeof(*t));
	t->done = done;
	t->ud = ud;
	t->L = L;
	t->box = push_ctx(e, c, &t->box_ref);
	for (i = 0; i < nargs; i++) {
		if (args[i])
			cairn_luajson_push(L, args[i]);
		else
			lua_pushnil(L);
	}
	/* function [T] ctx args... */
	if (cairn_runner_spawn(e->runner, nargs + 1 + helper, task_done, t) < 0) {
		luaL_unref(L, LUA_REGISTRYINDEX, t->box_ref);
		free(t);
		lua_settop(L, top);
		return CAIRN_ERROR;
	}
	lua_settop(L, top);
	return 0;
}

int eng_step(cairn_engine *e, int timeout_ms)
{
	return cairn_runner_step(e->runner, timeout_ms);
}

/* ---- refresh ---------------------------------------------------------------- */

typedef struct rjob {
	cairn_engine *e;      /* the engine */
	json_t *out;          /* the result object */
	char *logical_id;     /* which resource */
	char *id;             /* its physical id (read) or NULL (find_read) */
	int done;             /* finished */
} rjob;

static void refresh_done(void *ud, int ok, json_t **res, int nres, const char *err)
{
	rjob *j = ud;
	json_t *o;
	int pending = j->id == NULL;

	j->done = 1;
	if (!ok) {
		json_object_set_new(j->out, j->logical_id,
				    json_pack("{s:s, s:s}", "status", "error", "error", err));
		return;
	}
	if (pending) {
		/* find_read: id, live, attrs */
		if (nres < 1 || !res[0]) {
			json_object_set_new(j->out, j->logical_id, json_pack("{s:s}", "status", "absent"));
		} else if (!json_is_string(res[0])) {
			json_object_set_new(j->out, j->logical_id,
					    json_pack("{s:s, s:s}", "status", "error", "error",
						      "find returned an id that is not a string"));
		} else if (nres < 2 || !res[1]) {
			/* found, then gone before the read: treat as absent */
			json_object_set_new(j->out, j->logical_id, json_pack("{s:s}", "status", "absent"));
		} else {
			o = json_pack("{s:s, s:O, s:O, s:o, s:b}", "status", "found", "id", res[0],
				      "properties", res[1], "attributes",
				      nres > 2 && res[2] ? json_incref(res[2]) : json_object(),
				      "adopted", 1);
			json_object_set_new(j->out, j->logical_id, o);
		}
	} else {
		if (nres < 1 || !res[0])
			json_object_set_new(j->out, j->logical_id, json_pack("{s:s}", "status", "gone"));
		else
			json_object_set_new(
				j->out, j->logical_id,
				json_pack("{s:s, s:s, s:O, s:o}", "status", "found", "id", j->id,
					  "properties", res[0], "attributes",
					  nres > 1 && res[1] ? json_incref(res[1]) : json_object()));
	}
	{
		int i;
		for (i = 0; i < nres; i++)
			json_decref(res[i]);
	}
}

/* How long to wait before find() for a pending create that started at
 * `started` (RFC 3339): a create call on the wire when cairn died can still
 * be carried out by AWS a moment later, after the next run looked and
 * found nothing, and the next run would then make a duplicate. Waiting
 * until CAIRN_PENDING_SETTLE seconds after the start closes that window;
 * an interrupted run retried later than that does not wait at all. */
#define CAIRN_PENDING_SETTLE 5

static double settle_seconds(const char *started)
{
	struct tm tm;
	time_t t, now = time(NULL);
	memset(&tm, 0, sizeof(tm));
	if (!started || sscanf(started, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			       &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t > now + 1)
		return 0; /* a clock that went back: do not wait for it */
	return now - t < CAIRN_PENDING_SETTLE ? (double)(CAIRN_PENDING_SETTLE - (now - t)) : 0;
}

static int count_running(const rjob *jobs, size_t started)
{
	size_t i;
	int n = 0;
	for (i = 0; i < started; i++)
		n += !jobs[i].done;
	return n;
}

int cairn_engine_refresh(cairn_engine *e, const cairn_state *st, const char *const *ids,
			 json_t **out)
{
	json_t *res = cairn_state_resources(st), *rec, *result = json_object();
	const char *lid;
	rjob *jobs;
	size_t n = 0, i, next = 0;
	int running = 0;

	*out = NULL;
	jobs = cairn_xcalloc(json_object_size(res) + 1, sizeof(*jobs));
	json_object_foreach(res, lid, rec) {
		if (ids) {
			const char *const *p;
			for (p = ids; *p && strcmp(*p, lid) != 0; p++)
				;
			if (!*p)
				continue;
		}
		jobs[n].e = e;
		jobs[n].out = result;
		jobs[n].logical_id = cairn_xstrdup(lid);
		if (json_is_string(json_object_get(rec, "id")) &&
		    strcmp(json_string_value(json_object_get(rec, "status")), "pending") != 0)
			jobs[n].id = cairn_xstrdup(json_string_value(json_object_get(rec, "id")));
		n++;
	}
	for (;;) {
		running = count_running(jobs, next);
		while (next < n && running < e->parallelism) {
			rjob *j = &jobs[next++];
			json_t *r = json_object_get(res, j->logical_id);
			const char *type = json_string_value(json_object_get(r, "type"));
			json_t *props = json_object_get(r, "properties");
			json_t *args[2];
			eng_ctx c;
			int rc;

			memset(&c, 0, sizeof(c));
			c.logical_id = j->logical_id;
			c.type = type ? type : "?";
			if (!j->id) {
				json_t *pend = json_object_get(r, "pending");
				json_t *ex = json_array();
				json_t *dep = json_object_get(r, "deposed");
				size_t k;
				for (k = 0; k < json_array_size(dep); k++)
					if (json_object_get(json_array_get(dep, k), "id"))
						json_array_append(ex, json_object_get(
									      json_array_get(dep, k), "id"));
				json_t *settle = json_real(settle_seconds(json_string_value(
					json_object_get(pend, "started"))));
				c.token = json_string_value(json_object_get(pend, "token"));
				c.name_generated = json_is_string(json_object_get(pend, "name"));
				c.exclude = ex;
				args[0] = props;
				args[1] = settle;
				rc = eng_spawn(e, &c, "find_read", args, 2, refresh_done, j);
				json_decref(settle);
				json_decref(ex);
			} else if (!cairn_engine_supports(e, c.type, "read")) {
				json_object_set_new(
					result, j->logical_id,
					json_pack("{s:s, s:s, s:s}", "status", "not_checked", "id", j->id,
						  "reason",
						  "this cairn has no read for the type, so its live "
						  "configuration cannot be checked"));
				j->done = 1;
				continue;
			} else {
				json_t *idv = json_string(j->id);
				args[0] = idv;
				args[1] = props;
				rc = eng_spawn(e, &c, "read", args, 2, refresh_done, j);
				json_decref(idv);
			}
			if (rc < 0) {
				json_object_set_new(result, j->logical_id,
						    json_pack("{s:s, s:s}", "status", "error", "error",
							      cairn_error_last()));
				j->done = 1;
				continue;
			}
			if (!j->done)
				running++;
		}
		if (count_running(jobs, next) == 0 && next >= n)
			break;
		eng_step(e, 1000);
	}
	for (i = 0; i < n; i++) {
		free(jobs[i].logical_id);
		free(jobs[i].id);
	}
	free(jobs);
	*out = result;
	return 0;
}

int cairn_engine_refresh_check(const json_t *refresh)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)refresh, k, v) {
		const char *status = json_string_value(json_object_get(v, "status"));
		if (status && strcmp(status, "error") == 0)
			return cairn_error_setc(CAIRN_EAWS, "reading %s failed: %s", k,
						json_string_value(json_object_get(v, "error")));
	}
	return 0;
}
