/*
 * document.c: the stack document as policies see it.
 *
 * cairn_pdoc indexes a stack document (stack.h, cairn_stack_document, or a
 * live document from cairn audit) once per run: resources sorted by
 * logical id and by type, who refers to whom (DependsOn, the resources
 * named inside unknown markers, and physical ids written in other
 * resources' properties), physical ids and names. The index is C data,
 * read-only and shared by the sandboxes of every policy.
 *
 * Each sandbox sees it through the C module "cairn.policy.doc", which the
 * Lua library (lua/cairn/policy/stack.lua) wraps. Resources are converted
 * to Lua tables only when a policy asks for one, once per sandbox, with
 * the memory cap suspended (the policy does not control the document's
 * size). During conversion an unknown marker {"Cairn::Unknown": expr}
 * becomes an "unknown" userdata: it remembers its expression and its
 * property path, and any use of it as a table, string or number raises
 * the undecided error, so a check that needs the value says it could not
 * decide instead of guessing. JSON null becomes cairn.null (luajson.h).
 *
 * "cairn.policy.json" gives policies JSON decoding and encoding (policy
 * documents may arrive as JSON strings).
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "cairn/luajson.h"
#include "cairn/stack.h"
#include "sandbox.h"

#define REG_DOC "cairn.policy.docptr"
#define REG_CACHE "cairn.policy.doccache"
#define UNKNOWN_MT "cairn.policy.unknown"
#define MAX_DEPTH 200
#define MAX_JSON_TEXT (4u << 20)

typedef struct pdoc_res {
	const char *id;         /* logical id (key of "resources") */
	const char *type;       /* "Type", or "" */
	const json_t *res;      /* the resource object */
	const char *physical;   /* "PhysicalId" (live documents), or NULL */
	size_t *refs;           /* indices of resources that refer to this one, sorted, unique */
	size_t nrefs, caprefs;
} pdoc_res;

typedef struct pdoc_key {
	const char *value;      /* a physical id, attribute value or name */
	size_t idx;             /* the resource it identifies */
} pdoc_key;

struct cairn_pdoc {
	const json_t *root;     /* the document, borrowed */
	pdoc_res *v;            /* resources sorted by id */
	size_t n;
	size_t *by_type;        /* indices sorted by (type, id) */
	pdoc_key *keys;         /* identifying values, sorted by value */
	size_t nkeys, capkeys;
	int live;
};

/* Properties that name a resource, so that a literal name elsewhere can
 * be matched to it (as Ref would). */
static const struct {
	const char *type, *prop;
} name_props[] = {
	{"AWS::S3::Bucket", "BucketName"},
	{"AWS::IAM::Role", "RoleName"},
	{"AWS::IAM::User", "UserName"},
	{"AWS::IAM::Group", "GroupName"},
	{"AWS::IAM::ManagedPolicy", "ManagedPolicyName"},
	{"AWS::IAM::InstanceProfile", "InstanceProfileName"},
	{"AWS::CloudTrail::Trail", "TrailName"},
	{"AWS::KMS::Alias", "AliasName"},
	{"AWS::SageMaker::Model", "ModelName"},
	{"AWS::SageMaker::EndpointConfig", "EndpointConfigName"},
	{"AWS::SageMaker::Endpoint", "EndpointName"},
	{"AWS::SageMaker::NotebookInstance", "NotebookInstanceName"},
	{"AWS::SageMaker::ModelPackageGroup", "ModelPackageGroupName"},
	{"AWS::SageMaker::Domain", "DomainName"},
};

static int cmp_res(const void *a, const void *b)
{
	return strcmp(((const pdoc_res *)a)->id, ((const pdoc_res *)b)->id);
}

static const pdoc_res *sort_base;

static int cmp_type(const void *a, const void *b)
{
	const pdoc_res *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
	int c = strcmp(x->type, y->type);
	return c ? c : strcmp(x->id, y->id);
}

static int cmp_key(const void *a, const void *b)
{
	const pdoc_key *x = a, *y = b;
	int c = strcmp(x->value, y->value);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

long cairn_pdoc_find(const cairn_pdoc *d, const char *id)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(id, d->v[mid].id);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static void add_key(cairn_pdoc *d, const char *value, size_t idx)
{
	if (!value || !*value)
		return;
	if (d->nkeys == d->capkeys) {
		d->capkeys = d->capkeys ? d->capkeys * 2 : 64;
		d->keys = cairn_xrealloc(d->keys, d->capkeys * sizeof(*d->keys));
	}
	d->keys[d->nkeys].value = value;
	d->keys[d->nkeys].idx = idx;
	d->nkeys++;
}

/* The first resource identified by value, or -1. */
static long key_find(const cairn_pdoc *d, const char *value, size_t len, const char *type)
{
	size_t lo = 0, hi = d->nkeys;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(value, d->keys[mid].value, len);
		if (c == 0 && d->keys[mid].value[len] != '\0')
			c = -1;
		if (c <= 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (; lo < d->nkeys; lo++) {
		const pdoc_key *k = &d->keys[lo];
		if (strncmp(k->value, value, len) != 0 || k->value[len] != '\0')
			break;
		if (!type || strcmp(d->v[k->idx].type, type) == 0)
			return (long)k->idx;
	}
	return -1;
}

/* The resource a literal value identifies: its physical id, an attribute
 * value (live documents), a name property, or an ARN whose resource part
 * ends in one of those ("arn:aws:s3:::bucket/OBJECT", "...:role/path/name",
 * "...:key/1234"). */
static long pdoc_lookup(const cairn_pdoc *d, const char *value, const char *type)
{
	long r = key_find(d, value, strlen(value), type);
	if (r >= 0 || strncmp(value, "arn:", 4) != 0)
		return r;
	{
		const char *p = value;
		int colons = 0;
		const char *slash, *last;
		while (*p && colons < 5) {
			if (*p == ':')
				colons++;
			p++;
		}
		if (colons < 5 || !*p)
			return -1;
		/* p is the resource part. */
		r = key_find(d, p, strlen(p), type);
		if (r >= 0)
			return r;
		slash = strchr(p, '/');
		if (slash) {
			r = key_find(d, p, (size_t)(slash - p), type);
			if (r >= 0)
				return r;
			last = strrchr(p, '/');
			if (last[1]) {
				r = key_find(d, last + 1, strlen(last + 1), type);
				if (r >= 0)
					return r;
			}
			r = key_find(d, slash + 1, strlen(slash + 1), type);
			if (r >= 0)
				return r;
		}
		last = strrchr(p, ':');
		if (last && last[1])
			return key_find(d, last + 1, strlen(last + 1), type);
	}
	return -1;
}

static void add_ref(cairn_pdoc *d, size_t target, size_t from)
{
	pdoc_res *t = &d->v[target];
	if (target == from)
		return;
	if (t->nrefs && t->refs[t->nrefs - 1] == from)
		return;
	if (t->nrefs == t->caprefs) {
		t->caprefs = t->caprefs ? t->caprefs * 2 : 4;
		t->refs = cairn_xrealloc(t->refs, t->caprefs * sizeof(*t->refs));
	}
	t->refs[t->nrefs++] = from;
}

static void add_ref_name(cairn_pdoc *d, const char *name, size_t len, size_t from)
{
	char buf[256];
	long t;
	if (len == 0 || len >= sizeof(buf))
		return;
	memcpy(buf, name, len);
	buf[len] = '\0';
	t = cairn_pdoc_find(d, buf);
	if (t >= 0)
		add_ref(d, (size_t)t, from);
}

/* Resources named by an intrinsic inside an unknown marker. */
static void scan_intrinsic(cairn_pdoc *d, const json_t *v, size_t from, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	if (depth > MAX_DEPTH)
		return;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			scan_intrinsic(d, x, from, depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_foreach((json_t *)v, k, x) {
		if (strcmp(k, "Ref") == 0 && json_is_string(x)) {
			add_ref_name(d, json_string_value(x), json_string_length(x), from);
		} else if (strcmp(k, "Fn::GetAtt") == 0) {
			if (json_is_array(x) && json_is_string(json_array_get(x, 0))) {
				const json_t *n = json_array_get(x, 0);
				add_ref_name(d, json_string_value(n), json_string_length(n), from);
			} else if (json_is_string(x)) {
				const char *s = json_string_value(x), *dot = strchr(s, '.');
				add_ref_name(d, s, dot ? (size_t)(dot - s) : strlen(s), from);
			}
		} else if (strcmp(k, "Fn::Sub") == 0) {
			const json_t *tpl = json_is_array(x) ? json_array_get(x, 0) : x;
			if (json_is_string(tpl)) {
				const char *s = json_string_value(tpl);
				while ((s = strstr(s, "${")) != NULL) {
					const char *e = strchr(s, '}'), *dot;
					s += 2;
					if (!e)
						break;
					if (*s != '!') {
						dot = memchr(s, '.', (size_t)(e - s));
						add_ref_name(d, s, (size_t)((dot ? dot : e) - s), from);
					}
					s = e + 1;
				}
			}
			if (json_is_array(x))
				scan_intrinsic(d, json_array_get(x, 1), from, depth + 1);
		} else {
			scan_intrinsic(d, x, from, depth + 1);
		}
	}
}

/* Every reference inside a resource's values: unknown markers, and (live
 * documents) literal physical ids or ARNs of other resources. */
static void scan_values(cairn_pdoc *d, const json_t *v, size_t from, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	if (depth > MAX_DEPTH)
		return;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) == 1 && (x = json_object_get(v, CAIRN_UNKNOWN_KEY))) {
			scan_intrinsic(d, x, from, depth + 1);
			return;
		}
		json_object_foreach((json_t *)v, k, x)
			scan_values(d, x, from, depth + 1);
		return;
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
			scan_values(d, x, from, depth + 1);
		return;
	case JSON_STRING:
		if (d->nkeys && json_string_length(v) < 2048) {
			long t = pdoc_lookup(d, json_string_value(v), NULL);
			if (t >= 0)
				add_ref(d, (size_t)t, from);
		}
		return;
	default:
		return;
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

int cairn_pdoc_new(cairn_pdoc **out, const json_t *document)
{
	const json_t *resources = json_object_get(document, "resources");
	cairn_pdoc *d;
	const char *k;
	json_t *x;
	size_t i, j;

	*out = NULL;
	if (!json_is_object(document) || !json_is_object(resources))
		return cairn_error_setc(CAIRN_EINVALID, "not a stack document: it has no "
							"\"resources\" object");
	d = cairn_xcalloc(1, sizeof(*d));
	d->root = document;
	d->live = json_is_true(json_object_get(document, "live")) ||
		  json_is_object(json_object_get(document, "account_data"));
	d->v = cairn_xcalloc(json_object_size(resources) + 1, sizeof(*d->v));
	json_object_foreach((json_t *)resources, k, x) {
		pdoc_res *r;
		const json_t *t;
		if (!json_is_object(x))
			continue;
		r = &d->v[d->n++];
		r->id = k;
		r->res = x;
		t = json_object_get(x, "Type");
		r->type = json_is_string(t) ? json_string_value(t) : "";
		t = json_object_get(x, "PhysicalId");
		r->physical = json_is_string(t) ? json_string_value(t) : NULL;
	}
	qsort(d->v, d->n, sizeof(*d->v), cmp_res);
	d->by_type = cairn_xcalloc(d->n + 1, sizeof(*d->by_type));
	for (i = 0; i < d->n; i++)
		d->by_type[i] = i;
	sort_base = d->v;
	qsort(d->by_type, d->n, sizeof(*d->by_type), cmp_type);
	sort_base = NULL;

	/* Identifying values. */
	for (i = 0; i < d->n; i++) {
		pdoc_res *r = &d->v[i];
		const json_t *props = json_object_get(r->res, "Properties");
		const json_t *attrs = json_object_get(r->res, "Attributes");
		add_key(d, r->physical, i);
		if (json_is_object(attrs))
			json_object_foreach((json_t *)attrs, k, x)
				if (json_is_string(x))
					add_key(d, json_string_value(x), i);
		for (j = 0; j < CAIRN_ARRAY_SIZE(name_props); j++) {
			const json_t *n;
			if (strcmp(r->type, name_props[j].type) != 0)
				continue;
			n = json_object_get(props, name_props[j].prop);
			if (json_is_string(n))
				add_key(d, json_string_value(n), i);
		}
	}
	if (d->nkeys > 1)
		qsort(d->keys, d->nkeys, sizeof(*d->keys), cmp_key);

	/* Who refers to whom. */
	for (i = 0; i < d->n; i++) {
		const json_t *deps = json_object_get(d->v[i].res, "DependsOn");
		json_t *dep;
		size_t n;
		if (json_is_string(deps))
			add_ref_name(d, json_string_value(deps), json_string_length(deps), i);
		json_array_foreach(deps, n, dep)
			if (json_is_string(dep))
				add_ref_name(d, json_string_value(dep), json_string_length(dep), i);
		scan_values(d, json_object_get(d->v[i].res, "Properties"), i, 0);
	}
	for (i = 0; i < d->n; i++) {
		pdoc_res *r = &d->v[i];
		size_t w = 0;
		if (r->nrefs > 1)
			qsort(r->refs, r->nrefs, sizeof(*r->refs), cmp_size);
		for (j = 0; j < r->nrefs; j++)
			if (w == 0 || r->refs[w - 1] != r->refs[j])
				r->refs[w++] = r->refs[j];
		r->nrefs = w;
	}
	*out = d;
	return 0;
}

void cairn_pdoc_free(cairn_pdoc *d)
{
	size_t i;
	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		free(d->v[i].refs);
	free(d->v);
	free(d->by_type);
	free(d->keys);
	free(d);
}

size_t cairn_pdoc_count(const cairn_pdoc *d)
{
	return d->n;
}

const char *cairn_pdoc_id(const cairn_pdoc *d, size_t i)
{
	return d->v[i].id;
}

const char *cairn_pdoc_type(const cairn_pdoc *d, size_t i)
{
	return d->v[i].type;
}

const json_t *cairn_pdoc_resource(const cairn_pdoc *d, size_t i)
{
	return d->v[i].res;
}

int cairn_pdoc_live(const cairn_pdoc *d)
{
	return d->live;
}

size_t cairn_pdoc_of_type(const cairn_pdoc *d, const char *type, const size_t **idx)
{
	size_t lo = 0, hi = d->n, first;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(d->v[d->by_type[mid]].type, type) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < d->n && strcmp(d->v[d->by_type[lo]].type, type) == 0)
		lo++;
	*idx = d->by_type + first;
	return lo - first;
}

/* ---- conversion to Lua ------------------------------------------------ */

typedef struct unknown_ud {
	const json_t *expr;     /* the marker's expression (borrowed from the document) */
} unknown_ud;

static void push_value(lua_State *L, const json_t *v, cairn_buf *path, int depth);

/* "Fn::GetAtt ModelKey.Arn", "Ref Env", "Fn::Sub \"...\"": for messages. */
static void describe_expr(cairn_buf *b, const json_t *e)
{
	const char *k;
	json_t *x;
	if (!json_is_object(e) || json_object_size(e) != 1) {
		cairn_buf_puts(b, "an expression");
		return;
	}
	json_object_foreach((json_t *)e, k, x) {
		if (strcmp(k, "Ref") == 0 && json_is_string(x)) {
			cairn_buf_printf(b, "Ref %s", json_string_value(x));
		} else if (strcmp(k, "Fn::GetAtt") == 0 && json_is_array(x) &&
			   json_is_string(json_array_get(x, 0)) && json_is_string(json_array_get(x, 1))) {
			cairn_buf_printf(b, "Fn::GetAtt %s.%s", json_string_value(json_array_get(x, 0)),
					 json_string_value(json_array_get(x, 1)));
		} else if (strcmp(k, "Fn::Sub") == 0) {
			const json_t *t = json_is_array(x) ? json_array_get(x, 0) : x;
			if (json_is_string(t))
				cairn_buf_printf(b, "Fn::Sub \"%.80s%s\"", json_string_value(t),
						 json_string_length(t) > 80 ? "..." : "");
			else
				cairn_buf_puts(b, "Fn::Sub");
		} else if (strcmp(k, "Fn::ImportValue") == 0 && json_is_string(x)) {
			cairn_buf_printf(b, "Fn::ImportValue %s", json_string_value(x));
		} else {
			cairn_buf_puts(b, k);
		}
	}
}

static int unknown_raise(lua_State *L)
{
	unknown_ud *u = luaL_checkudata(L, 1, UNKNOWN_MT);
	cairn_buf b = CAIRN_BUF_INIT;
	const char *path;
	char *msg;
	lua_getiuservalue(L, 1, 1);
	path = lua_tostring(L, -1);
	cairn_buf_printf(&b, "%s is not known before apply (", path && *path ? path : "a value");
	describe_expr(&b, u->expr);
	cairn_buf_putc(&b, ')');
	msg = cairn_buf_detach(&b);
	lua_pushstring(L, msg);
	free(msg);
	return cairn_sandbox_undecided(L, lua_tostring(L, -1), path);
}

static int unknown_tostring(lua_State *L)
{
	unknown_ud *u = luaL_checkudata(L, 1, UNKNOWN_MT);
	cairn_buf b = CAIRN_BUF_INIT;
	char *s;
	cairn_buf_puts(&b, "(known after apply: ");
	describe_expr(&b, u->expr);
	cairn_buf_putc(&b, ')');
	s = cairn_buf_detach(&b);
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static void push_unknown(lua_State *L, const json_t *expr, const cairn_buf *path)
{
	unknown_ud *u = lua_newuserdatauv(L, sizeof(*u), 2);
	u->expr = expr;
	lua_pushlstring(L, path->ptr ? path->ptr : "", path->len);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, UNKNOWN_MT);
}

static void open_unknown_mt(lua_State *L)
{
	static const char *const raising[] = {"__index", "__newindex", "__len", "__concat",
					      "__call", "__lt", "__le", "__unm", "__add", "__sub",
					      "__mul", "__div", "__mod", "__pow", "__idiv",
					      "__band", "__bor", "__bxor", "__shl", "__shr",
					      "__bnot", "__pairs", "__close", NULL};
	const char *const *r;
	if (!luaL_newmetatable(L, UNKNOWN_MT)) {
		lua_pop(L, 1);
		return;
	}
	for (r = raising; *r; r++) {
		lua_pushcfunction(L, unknown_raise);
		lua_setfield(L, -2, *r);
	}
	lua_pushcfunction(L, unknown_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, "unknown");
	lua_setfield(L, -2, "__name");
	lua_pushliteral(L, "unknown");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
}

static void path_add_key(cairn_buf *path, const char *k)
{
	if (path->len)
		cairn_buf_putc(path, '.');
	cairn_buf_puts(path, k);
}

static void push_value(lua_State *L, const json_t *v, cairn_buf *path, int depth)
{
	size_t mark = path->len;
	if (depth > MAX_DEPTH) {
		cairn_sandbox_exempt(L, 0);
		luaL_error(L, "the stack document is nested too deeply at %s",
			   path->len ? path->ptr : "its top");
	}
	luaL_checkstack(L, 4, "stack document");
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		if (json_object_size(v) == 1 && (x = json_object_get(v, CAIRN_UNKNOWN_KEY))) {
			push_unknown(L, x, path);
			return;
		}
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach((json_t *)v, k, x) {
			path_add_key(path, k);
			push_value(L, x, path, depth + 1);
			lua_setfield(L, -2, k);
			path->len = mark;
			if (path->ptr)
				path->ptr[mark] = '\0';
		}
		return;
	}
	case JSON_ARRAY: {
		size_t i;
		lua_createtable(L, (int)json_array_size(v), 0);
		for (i = 0; i < json_array_size(v); i++) {
			char num[24];
			int nl = 0;
			size_t x = i;
			do {
				num[nl++] = (char)('0' + x % 10);
				x /= 10;
			} while (x);
			cairn_buf_putc(path, '[');
			while (nl)
				cairn_buf_putc(path, num[--nl]);
			cairn_buf_putc(path, ']');
			push_value(L, json_array_get(v, i), path, depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
			path->len = mark;
			if (path->ptr)
				path->ptr[mark] = '\0';
		}
		luaL_setmetatable(L, CAIRN_LUAJSON_ARRAY_MT);
		return;
	}
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		return;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		return;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		return;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		return;
	default:
		lua_pushlightuserdata(L, NULL);
		return;
	}
}

/* The path buffer lives in a userdata (one per state, reused: conversion
 * never calls back into Lua) so that an error during conversion, which
 * unwinds with longjmp, cannot leak it: its __gc frees it. */
static int pathbox_gc(lua_State *L)
{
	cairn_buf *b = lua_touserdata(L, 1);
	cairn_buf_dispose(b);
	return 0;
}

static cairn_buf *pathbox(lua_State *L)
{
	cairn_buf *path;
	if (lua_getfield(L, LUA_REGISTRYINDEX, "cairn.policy.pathbuf") == LUA_TUSERDATA) {
		path = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return path;
	}
	lua_pop(L, 1);
	path = lua_newuserdatauv(L, sizeof(*path), 0);
	memset(path, 0, sizeof(*path));
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, pathbox_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, "cairn.policy.pathbuf");
	return path;
}

/* Converts v with paths starting at prefix (and, when key is not NULL,
 * ".key"); pushes the result. */
static void convert_key(lua_State *L, const json_t *v, const char *prefix, const char *key)
{
	cairn_buf *path;
	cairn_sandbox_exempt(L, 1);
	path = pathbox(L);
	cairn_buf_clear(path);
	cairn_buf_puts(path, prefix);
	if (key)
		path_add_key(path, key);
	push_value(L, v, path, 0);
	cairn_sandbox_exempt(L, 0);
}

static void convert(lua_State *L, const json_t *v, const char *prefix)
{
	convert_key(L, v, prefix, NULL);
}

/* ---- lazy Properties ------------------------------------------------------
 * A resource's Properties table is filled on first access: __index
 * converts the property asked for and stores it; pairs (and next, and
 * json.encode) convert the rest first. Policies touch a few properties of
 * many resources, and each sandbox converts what its policy reads. The
 * JSON object and path prefix of a table not yet complete are kept in a
 * weak registry table. */

#define REG_LAZY "cairn.policy.lazy"
#define LAZY_MT "cairn.policy.lazymt"

/* Pushes the prefix of a table still being filled and sets *obj; or
 * pushes nothing and returns 0. */
static int lazy_info(lua_State *L, int t, const json_t **obj)
{
	t = lua_absindex(L, t);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_LAZY);
	lua_pushvalue(L, t);
	if (lua_rawget(L, -2) != LUA_TTABLE) {
		lua_pop(L, 2);
		return 0;
	}
	lua_rawgeti(L, -1, 1);
	*obj = lua_touserdata(L, -1);
	lua_pop(L, 1);
	lua_rawgeti(L, -1, 2);
	lua_remove(L, -2);
	lua_remove(L, -2);
	return 1;
}

/* Whether key k of lazy table t was converted already (and, when set,
 * records that it is now). A member the policy removed after reading it
 * stays removed: converting it again would grow the exempt memory. */
static int lazy_done(lua_State *L, int t, const char *k, int set)
{
	int r;
	lua_getfield(L, LUA_REGISTRYINDEX, REG_LAZY);
	lua_pushvalue(L, t);
	if (lua_rawget(L, -2) != LUA_TTABLE) {
		lua_pop(L, 2);
		return 1;
	}
	if (lua_rawgeti(L, -1, 3) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, 3);
	}
	lua_getfield(L, -1, k);
	r = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (set) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, k);
	}
	lua_pop(L, 3);
	return r;
}

static int lazy_index(lua_State *L)
{
	const json_t *obj, *v;
	if (lua_type(L, 2) != LUA_TSTRING || !lazy_info(L, 1, &obj))
		return 0;
	v = json_object_get(obj, lua_tostring(L, 2));
	if (!v || lazy_done(L, 1, lua_tostring(L, 2), 1))
		return 0;
	convert_key(L, v, lua_tostring(L, -1), lua_tostring(L, 2));
	lua_pushvalue(L, 2);
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

/* Converts every property not converted yet; the table is then plain. */
static void lazy_force(lua_State *L, int t)
{
	const json_t *obj;
	const char *k, *prefix;
	json_t *v;
	t = lua_absindex(L, t);
	if (!lazy_info(L, t, &obj))
		return;
	prefix = lua_tostring(L, -1);
	json_object_foreach((json_t *)obj, k, v) {
		lua_pushstring(L, k);
		if (lua_rawget(L, t) != LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		lua_pop(L, 1);
		if (lazy_done(L, t, k, 1))
			continue;
		lua_pushstring(L, k);
		convert_key(L, v, prefix, k);
		lua_rawset(L, t);
	}
	lua_pop(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_LAZY);
	lua_pushvalue(L, t);
	lua_pushnil(L);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

static int raw_next(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 2);
	if (lua_next(L, 1))
		return 2;
	lua_pushnil(L);
	return 1;
}

static int lazy_pairs(lua_State *L)
{
	lazy_force(L, 1);
	lua_pushcfunction(L, raw_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static int lazy_force_fn(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TTABLE)
		lazy_force(L, 1);
	return 0;
}

static void open_lazy(lua_State *L)
{
	if (luaL_newmetatable(L, LAZY_MT)) {
		lua_pushcfunction(L, lazy_index);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, lazy_pairs);
		lua_setfield(L, -2, "__pairs");
		lua_pushcfunction(L, lazy_force_fn);
		lua_setfield(L, -2, "__cairn_force");
		lua_pushliteral(L, "properties");
		lua_setfield(L, -2, "__name");
		lua_pushliteral(L, "properties");
		lua_setfield(L, -2, "__metatable");
	}
	lua_pop(L, 1);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_LAZY);
}

/* Pushes a table that converts obj's members on demand. */
static void push_lazy(lua_State *L, const json_t *obj, const char *prefix)
{
	lua_createtable(L, 0, (int)json_object_size(obj));
	luaL_setmetatable(L, LAZY_MT);
	lua_getfield(L, LUA_REGISTRYINDEX, REG_LAZY);
	lua_pushvalue(L, -2);
	lua_createtable(L, 2, 0);
	lua_pushlightuserdata(L, (void *)obj);
	lua_rawseti(L, -2, 1);
	lua_pushstring(L, prefix);
	lua_rawseti(L, -2, 2);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* Converts every lazy table reachable from idx (json.encode needs the
 * whole value). */
static void force_all(lua_State *L, int idx, int depth)
{
	idx = lua_absindex(L, idx);
	if (depth > 8 || lua_type(L, idx) != LUA_TTABLE)
		return;
	luaL_checkstack(L, 4, "force");
	lazy_force(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -1) == LUA_TTABLE)
			force_all(L, -1, depth + 1);
		lua_pop(L, 1);
	}
}

static const cairn_pdoc *get_doc(lua_State *L)
{
	const cairn_pdoc *d;
	lua_getfield(L, LUA_REGISTRYINDEX, REG_DOC);
	d = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!d)
		luaL_error(L, "no stack document");
	return d;
}

/* doc.resource(id) -> table or nil, converted once per sandbox:
 * { id=, type=, Type=, Properties=, Metadata=, DependsOn=, Condition=,
 *   PhysicalId=, Attributes= } */
static int doc_resource(lua_State *L)
{
	const cairn_pdoc *d = get_doc(L);
	const char *id = luaL_checkstring(L, 1);
	long i = cairn_pdoc_find(d, id);
	const char *k;
	json_t *x;

	if (i < 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_getfield(L, LUA_REGISTRYINDEX, REG_CACHE);
	if (lua_rawgeti(L, -1, i + 1) == LUA_TTABLE)
		return 1;
	lua_pop(L, 1);
	cairn_sandbox_exempt(L, 1);
	lua_createtable(L, 0, 9);
	lua_pushstring(L, d->v[i].id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, d->v[i].type);
	lua_setfield(L, -2, "type");
	json_object_foreach((json_t *)d->v[i].res, k, x) {
		if (strcmp(k, "Properties") == 0 && json_is_object(x))
			push_lazy(L, x, "Properties");
		else
			convert(L, x, k);
		lua_setfield(L, -2, k);
	}
	if (lua_getfield(L, -1, "Properties") == LUA_TNIL) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_setfield(L, -2, "Properties");
	} else {
		lua_pop(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, i + 1);
	cairn_sandbox_exempt(L, 0);
	return 1;
}

static void push_ids(lua_State *L, const cairn_pdoc *d, const size_t *idx, size_t n)
{
	size_t i;
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, d->v[idx ? idx[i] : i].id);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* doc.ids([type]) -> array of logical ids, sorted. */
static int doc_ids(lua_State *L)
{
	const cairn_pdoc *d = get_doc(L);
	const char *type = luaL_optstring(L, 1, NULL);
	const size_t *idx;
	size_t n;
	if (!type) {
		push_ids(L, d, NULL, d->n);
		return 1;
	}
	n = cairn_pdoc_of_type(d, type, &idx);
	push_ids(L, d, idx, n);
	return 1;
}

static int doc_type(lua_State *L)
{
	const cairn_pdoc *d = get_doc(L);
	long i = cairn_pdoc_find(d, luaL_checkstring(L, 1));
	if (i < 0)
		lua_pushnil(L);
	else
		lua_pushstring(L, d->v[i].type);
	return 1;
}

/* doc.referrers(id) -> ids of the resources that refer to id. */
static int doc_referrers(lua_State *L)
{
	const cairn_pdoc *d = get_doc(L);
	long i = cairn_pdoc_find(d, luaL_checkstring(L, 1));
	if (i < 0) {
		lua_newtable(L);
		return 1;
	}
	push_ids(L, d, d->v[i].refs, d->v[i].nrefs);
	return 1;
}

/* doc.lookup(value [, type]) -> the logical id a literal value names. */
static int doc_lookup(lua_State *L)
{
	const cairn_pdoc *d = get_doc(L);
	const char *v = luaL_checkstring(L, 1);
	const char *type = luaL_optstring(L, 2, NULL);
	long i = pdoc_lookup(d, v, type);
	if (i < 0)
		lua_pushnil(L);
	else
		lua_pushstring(L, d->v[i].id);
	return 1;
}

/* doc.section(name) -> a top-level member ("parameters", "outputs",
 * "account_data", "stack", ...) as Lua, or nil. */
static int doc_section(lua_State *L)
{
	const cairn_pdoc *d = get_doc(L);
	const char *name = luaL_checkstring(L, 1);
	const json_t *v;
	if (strcmp(name, "resources") == 0)
		return luaL_error(L, "use doc.resource(id) for resources");
	v = json_object_get(d->root, name);
	if (!v) {
		lua_pushnil(L);
		return 1;
	}
	/* Converted once: the conversion is exempt from the memory cap, so
	 * repeating it must not be a way to grow the exemption. */
	lua_getfield(L, LUA_REGISTRYINDEX, REG_CACHE);
	lua_pushfstring(L, "section:%s", name);
	if (lua_rawget(L, -2) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	convert(L, v, "");
	lua_pushfstring(L, "section:%s", name);
	lua_pushvalue(L, -2);
	lua_rawset(L, -4);
	return 1;
}

static int doc_live(lua_State *L)
{
	lua_pushboolean(L, get_doc(L)->live);
	return 1;
}

static int doc_is_unknown(lua_State *L)
{
	lua_pushboolean(L, luaL_testudata(L, 1, UNKNOWN_MT) != NULL);
	return 1;
}

/* doc.unknown(u) -> expression (as Lua), path; or nothing for a known value. */
static int doc_unknown(lua_State *L)
{
	unknown_ud *u = luaL_testudata(L, 1, UNKNOWN_MT);
	if (!u)
		return 0;
	/* converted once (see doc_section) */
	if (lua_getiuservalue(L, 1, 2) == LUA_TNIL) {
		lua_pop(L, 1);
		convert(L, u->expr, "");
		lua_pushvalue(L, -1);
		lua_setiuservalue(L, 1, 2);
	}
	lua_getiuservalue(L, 1, 1);
	return 2;
}

/* doc.undecided(message [, path]): raises the undecided error. */
static int doc_undecided(lua_State *L)
{
	return cairn_sandbox_undecided(L, luaL_checkstring(L, 1), luaL_optstring(L, 2, NULL));
}

static int open_doc(lua_State *L)
{
	static const luaL_Reg f[] = {{"resource", doc_resource}, {"ids", doc_ids},
				     {"type", doc_type}, {"referrers", doc_referrers},
				     {"lookup", doc_lookup}, {"section", doc_section},
				     {"live", doc_live}, {"is_unknown", doc_is_unknown},
				     {"unknown", doc_unknown}, {"undecided", doc_undecided},
				     {NULL, NULL}};
	luaL_newlib(L, f);
	lua_pushlightuserdata(L, NULL);
	lua_setfield(L, -2, "null");
	return 1;
}

/* ---- JSON for policies ------------------------------------------------ */

static int json_box_gc(lua_State *L)
{
	json_t **box = lua_touserdata(L, 1);
	json_decref(*box);
	*box = NULL;
	return 0;
}

/* json.decode(text) -> value; raises with the position on bad JSON. */
static int json_decode(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	json_error_t err;
	json_t **box;
	if (len > MAX_JSON_TEXT)
		return luaL_error(L, "json.decode: text of %I bytes is over the %I-byte limit",
				  (lua_Integer)len, (lua_Integer)MAX_JSON_TEXT);
	cairn_sandbox_charge(L, (long long)len / 8);
	box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	if (luaL_newmetatable(L, "cairn.policy.jsonbox")) {
		lua_pushcfunction(L, json_box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	*box = json_loadb(s, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!*box)
		return luaL_error(L, "json.decode: %s at line %d, column %d", err.text, err.line,
				  err.column);
	{
		cairn_buf *path;
		path = lua_newuserdatauv(L, sizeof(*path), 0);
		memset(path, 0, sizeof(*path));
		if (luaL_newmetatable(L, "cairn.policy.pathbox")) {
			lua_pushcfunction(L, pathbox_gc);
			lua_setfield(L, -2, "__gc");
		}
		lua_setmetatable(L, -2);
		push_value(L, *box, path, 0);
		cairn_buf_dispose(path);
		lua_remove(L, -2);
	}
	json_decref(*box);
	*box = NULL;
	return 1;
}

/* json.encode(value) -> compact JSON with sorted keys. */
static int json_encode(lua_State *L)
{
	json_t *v;
	char *s;
	luaL_checkany(L, 1);
	if (luaL_testudata(L, 1, UNKNOWN_MT))
		return unknown_raise(L);
	force_all(L, 1, 0);
	if (cairn_luajson_to(L, 1, &v) < 0)
		return luaL_error(L, "json.encode: %s", cairn_error_last());
	s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(v);
	if (!s)
		return luaL_error(L, "json.encode: cannot encode");
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static int open_json(lua_State *L)
{
	static const luaL_Reg f[] = {{"decode", json_decode}, {"encode", json_encode},
				     {NULL, NULL}};
	luaL_newlib(L, f);
	lua_pushlightuserdata(L, NULL);
	lua_setfield(L, -2, "null");
	return 1;
}

void cairn_pdoc_install_json(cairn_sandbox *sb)
{
	lua_State *L = cairn_sandbox_state(sb);
	cairn_sandbox_exempt(L, 1);
	open_unknown_mt(L);
	open_lazy(L);
	cairn_sandbox_exempt(L, 0);
	cairn_sandbox_preload(sb, "cairn.policy.json", open_json);
}

void cairn_pdoc_install(cairn_pdoc *d, cairn_sandbox *sb)
{
	lua_State *L = cairn_sandbox_state(sb);
	cairn_pdoc_install_json(sb);
	cairn_sandbox_exempt(L, 1);
	lua_pushlightuserdata(L, d);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_DOC);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, REG_CACHE);
	cairn_sandbox_exempt(L, 0);
	cairn_sandbox_preload(sb, "cairn.policy.doc", open_doc);
}
