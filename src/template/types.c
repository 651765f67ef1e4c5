/*
 * types.c: the registry of resource types, read from the provider modules.
 *
 * Every compiled-in lua/cairn/aws/<service>.lua (each read through
 * cairn_embed_read, so CAIRN_HOME can override it during development) is
 * run once in a lua_State of its own that exists only while the registry
 * loads. The state has the standard libraries, a package.searchers list
 * reduced to package.preload and the compiled-in cairn.* modules (so
 * require "cairn.provider" works and nothing is read from LUA_PATH), and a
 * preloaded "cairn.aws" whose every operation raises an error saying that
 * AWS is not called while the registry loads.
 *
 * Each module returns a list of type tables (docs/internals/providers.md).
 * Their declarative fields are checked and converted into cairn_type
 * values: the schema language of providers.md becomes the normalised JSON
 * form of types.h, lists of names become C arrays. A malformed table is an
 * error naming the module, the type and the field. Functions (create,
 * read, ...) are left for the provider runtime; any other field the
 * registry does not know is an error, so a misspelt create_only cannot
 * silently turn a replacement into an update.
 *
 * The registry owns every string and JSON value it hands out.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cairn/common.h"
#include "cairn/embed.h"
#include "cairn/types.h"
#include "internal.h"

#define TYPES_PREFIX "lua/cairn/aws/"

struct cairn_types {
	cairn_type *v;      /* the types, sorted by name */
	size_t n, cap;
	json_t *index;      /* name -> integer index into v */
};

/* The fields of a type table the registry reads; functions are always
 * allowed (the runtime's create, read, update, delete, find and helpers). */
static const char *const known_fields[] = {
	"type", "properties", "create_only", "immutable", "attributes", "list_attributes",
	"ref", "tags", "name", NULL
};

static const char *const kinds[] = {
	"String", "Integer", "Double", "Boolean", "Json", "PolicyDocument", "Tags", NULL
};

/* What is being converted, for messages. */
typedef struct conv {
	const char *module;  /* "lua/cairn/aws/s3.lua" */
	const char *type;    /* "AWS::S3::Bucket", or NULL before it is known */
	cairn_buf path;      /* "properties.VersioningConfiguration.Status" */
} conv;

static int conv_fail(conv *c, const char *fmt, ...) CAIRN_PRINTF(2, 3);

static int conv_fail(conv *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	cairn_error_setc(CAIRN_EINVALID, "%s: %s%s%s%s%s", c->module, c->type ? c->type : "",
			 c->type ? ": " : "", cairn_buf_cstr(&c->path), c->path.len ? ": " : "",
			 msg);
	free(msg);
	return CAIRN_EINVALID;
}

static int is_prop_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int conv_schema(lua_State *L, int idx, conv *c, json_t **out);

/* A string schema: a kind or an enum, with "!" for required. */
static int conv_string(const char *s, conv *c, json_t **out)
{
	size_t n = strlen(s);
	int required = 0;
	char *body;
	json_t *node;

	if (n && s[n - 1] == '!') {
		required = 1;
		n--;
	}
	body = cairn_xstrndup(s, n);
	node = json_object();
	if (strchr(body, '|')) {
		json_t *en = json_array();
		char *p = body, *bar;
		for (;;) {
			bar = strchr(p, '|');
			if (bar)
				*bar = '\0';
			if (!*p) {
				json_decref(en);
				json_decref(node);
				free(body);
				return conv_fail(c, "the enum \"%s\" has an empty value", s);
			}
			json_array_append_new(en, json_string(p));
			if (!bar)
				break;
			p = bar + 1;
		}
		json_object_set_new(node, "kind", json_string("String"));
		json_object_set_new(node, "enum", en);
	} else {
		size_t i;
		for (i = 0; kinds[i]; i++)
			if (strcmp(body, kinds[i]) == 0)
				break;
		if (!kinds[i]) {
			json_decref(node);
			free(body);
			return conv_fail(c, "unknown kind \"%s\" (String, Integer, Double, Boolean, "
					    "Json, PolicyDocument, Tags, or values A|B)", s);
		}
		json_object_set_new(node, "kind", json_string(body));
	}
	json_object_set_new(node, "required", json_boolean(required));
	free(body);
	*out = node;
	return 0;
}

/* The value of field name of the table at idx as a boolean mark, or -1
 * when it is there but not a boolean. */
static int bool_field(lua_State *L, int idx, const char *name)
{
	int t = lua_getfield(L, idx, name), v;
	if (t == LUA_TNIL)
		v = 0;
	else if (t == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	else
		v = -1;
	lua_pop(L, 1);
	return v;
}

static int conv_table(lua_State *L, int idx, conv *c, json_t **out)
{
	int required = bool_field(L, idx, "!");
	size_t mark = c->path.len;
	json_t *node = json_object();
	int rc = 0;

	if (required < 0) {
		json_decref(node);
		return conv_fail(c, "the required mark \"!\" must be true (use P.required)");
	}
	lua_rawgeti(L, idx, 1);
	if (!lua_isnil(L, -1)) {
		/* { X } or { X, set = true } */
		json_t *item = NULL;
		int set = bool_field(L, idx, "set");
		if (set < 0) {
			lua_pop(L, 1);
			json_decref(node);
			return conv_fail(c, "set must be true or false");
		}
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) == LUA_TSTRING &&
			    (strcmp(lua_tostring(L, -1), "set") == 0 ||
			     strcmp(lua_tostring(L, -1), "!") == 0))
				continue;
			if (lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1) &&
			    lua_tointeger(L, -1) == 1)
				continue;
			lua_pop(L, 2);
			json_decref(node);
			return conv_fail(c, "a list schema is { X } or { X, set = true }, with "
					    "nothing else");
		}
		cairn_buf_puts(&c->path, "[]");
		rc = conv_schema(L, lua_gettop(L), c, &item);
		lua_pop(L, 1);
		if (rc < 0) {
			json_decref(node);
			return rc;
		}
		c->path.len = mark;
		c->path.ptr[mark] = '\0';
		json_object_set_new(node, "kind", json_string("List"));
		json_object_set_new(node, "item", item);
		json_object_set_new(node, "set", json_boolean(set));
		json_object_set_new(node, "required", json_boolean(required));
		*out = node;
		return 0;
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "*");
	if (!lua_isnil(L, -1)) {
		json_t *value = NULL;
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) == LUA_TSTRING &&
			    (strcmp(lua_tostring(L, -1), "*") == 0 ||
			     strcmp(lua_tostring(L, -1), "!") == 0))
				continue;
			lua_pop(L, 2);
			json_decref(node);
			return conv_fail(c, "a map schema is { [\"*\"] = X }, with nothing else");
		}
		cairn_buf_puts(&c->path, ".*");
		rc = conv_schema(L, lua_gettop(L), c, &value);
		lua_pop(L, 1);
		if (rc < 0) {
			json_decref(node);
			return rc;
		}
		c->path.len = mark;
		c->path.ptr[mark] = '\0';
		json_object_set_new(node, "kind", json_string("Map"));
		json_object_set_new(node, "value", value);
		json_object_set_new(node, "required", json_boolean(required));
		*out = node;
		return 0;
	}
	lua_pop(L, 1);
	{
		/* { Name = X, ... }, names in sorted order for a stable form */
		json_t *props = json_object();
		const char **names = NULL;
		size_t n = 0, cap = 0, i;
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			const char *k;
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING) {
				lua_pop(L, 1);
				free(names);
				json_decref(props);
				json_decref(node);
				return conv_fail(c, "an object schema has only property names as "
						    "keys");
			}
			k = lua_tostring(L, -1);
			if (strcmp(k, "!") == 0)
				continue;
			if (!is_prop_name(k)) {
				char *kk = cairn_xstrdup(k);
				lua_pop(L, 1);
				free(names);
				json_decref(props);
				json_decref(node);
				rc = conv_fail(c, "\"%s\" is not a property name", kk);
				free(kk);
				return rc;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				names = cairn_xrealloc(names, cap * sizeof(*names));
			}
			names[n++] = k; /* the key stays in the table, which stays on the stack */
		}
		if (n == 0) {
			free(names);
			json_decref(props);
			json_decref(node);
			return conv_fail(c, "an empty object schema");
		}
		for (i = 1; i < n; i++) {
			const char *k = names[i];
			size_t j = i;
			while (j > 0 && strcmp(names[j - 1], k) > 0) {
				names[j] = names[j - 1];
				j--;
			}
			names[j] = k;
		}
		for (i = 0; i < n && rc == 0; i++) {
			json_t *child = NULL;
			cairn_buf_printf(&c->path, "%s%s", c->path.len ? "." : "", names[i]);
			lua_getfield(L, idx, names[i]);
			rc = conv_schema(L, lua_gettop(L), c, &child);
			lua_pop(L, 1);
			if (rc == 0)
				json_object_set_new(props, names[i], child);
			c->path.len = mark;
			c->path.ptr[mark] = '\0';
		}
		free(names);
		if (rc < 0) {
			json_decref(props);
			json_decref(node);
			return rc;
		}
		json_object_set_new(node, "kind", json_string("Object"));
		json_object_set_new(node, "properties", props);
		json_object_set_new(node, "required", json_boolean(required));
		*out = node;
		return 0;
	}
}

static int conv_schema(lua_State *L, int idx, conv *c, json_t **out)
{
	luaL_checkstack(L, 8, "schema too deep");
	if (c->path.len > 2000)
		return conv_fail(c, "the schema is nested too deeply");
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		return conv_string(lua_tostring(L, idx), c, out);
	case LUA_TTABLE:
		return conv_table(L, idx, c, out);
	default:
		return conv_fail(c, "a schema is a kind string or a table, not a %s",
				 luaL_typename(L, idx));
	}
}

/* Reads field name (a list of strings, or absent) into *out. */
static int conv_names(lua_State *L, int idx, const char *name, conv *c, const char ***out,
		      size_t *n)
{
	size_t len, i;
	int t = lua_getfield(L, idx, name), rc = 0;

	*out = NULL;
	*n = 0;
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (t != LUA_TTABLE) {
		lua_pop(L, 1);
		return conv_fail(c, "%s must be a list of strings", name);
	}
	len = (size_t)lua_rawlen(L, -1);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
		    (size_t)lua_tointeger(L, -1) > len) {
			lua_pop(L, 2);
			return conv_fail(c, "%s must be a list of strings", name);
		}
	}
	*out = cairn_xcalloc(len + 1, sizeof(char *));
	for (i = 0; i < len; i++) {
		if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TSTRING || !lua_tostring(L, -1)[0]) {
			rc = conv_fail(c, "%s[%zu] must be a non-empty string", name, i + 1);
			lua_pop(L, 1);
			break;
		}
		(*out)[i] = cairn_xstrdup(lua_tostring(L, -1));
		lua_pop(L, 1);
		*n = i + 1;
	}
	lua_pop(L, 1);
	return rc;
}

static const char *opt_string_field(lua_State *L, int idx, const char *name, conv *c, int *rc)
{
	int t = lua_getfield(L, idx, name);
	const char *s = NULL;
	if (t == LUA_TSTRING)
		s = cairn_xstrdup(lua_tostring(L, -1));
	else if (t != LUA_TNIL)
		*rc = conv_fail(c, "%s must be a string", name);
	lua_pop(L, 1);
	return s;
}

static void free_names(const char **v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free((char *)v[i]);
	free(v);
}

static void type_dispose(cairn_type *t)
{
	free((char *)t->name);
	free((char *)t->module);
	json_decref(t->schema);
	free_names(t->create_only, t->ncreate_only);
	free_names(t->attributes, t->nattributes);
	free_names(t->list_attributes, t->nlist_attributes);
	free_names(t->immutable, t->nimmutable);
	free((char *)t->ref);
	free((char *)t->tags);
	free((char *)t->name_property);
	memset(t, 0, sizeof(*t));
}

/* Walks a "/"-separated path through a schema; NULL when it leaves it.
 * A numeric segment steps into a List's item (and is ignored elsewhere);
 * a name under a List applies to its item; any segment under a Map is a
 * key; anything under Tags is part of the tags. */
static const json_t *schema_at(const json_t *node, const char *path)
{
	const char *p = path;
	char seg[256];
	while (node && *p) {
		size_t n = strcspn(p, "/");
		int numeric = n > 0, consumed = 0;
		size_t k;
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		p += n;
		if (*p == '/')
			p++;
		if (!n)
			continue;
		for (k = 0; k < n; k++)
			if (!isdigit((unsigned char)seg[k]))
				numeric = 0;
		while (node && !consumed) {
			const char *kind = json_string_value(json_object_get(node, "kind"));
			if (!kind)
				return NULL;
			if (strcmp(kind, "Object") == 0) {
				const json_t *child =
					json_object_get(json_object_get(node, "properties"), seg);
				if (child)
					node = child;
				else if (!numeric)
					return NULL;
				consumed = 1;
			} else if (strcmp(kind, "List") == 0) {
				node = json_object_get(node, "item");
				consumed = numeric;
			} else if (strcmp(kind, "Map") == 0) {
				node = json_object_get(node, "value");
				consumed = 1;
			} else if (strcmp(kind, "Tags") == 0 || strcmp(kind, "Json") == 0 ||
				   strcmp(kind, "PolicyDocument") == 0) {
				return node;
			} else {
				return NULL;
			}
		}
	}
	return node;
}

const json_t *cairn_type_schema_at(const cairn_type *t, const char *path)
{
	return schema_at(t->schema, path ? path : "");
}

static int check_paths(const cairn_type *t, const char **v, size_t n, const char *field,
		       conv *c)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!schema_at(t->schema, v[i]))
			return conv_fail(c, "%s: \"%s\" is not a property in properties", field,
					 v[i]);
	return 0;
}

static int has_name(const char **v, size_t n, const char *s)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Converts the type table at idx into *t. */
static int conv_type(lua_State *L, int idx, const char *module, cairn_type *t)
{
	conv c;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	memset(&c, 0, sizeof(c));
	c.module = module;
	t->module = cairn_xstrdup(module);

	/* type */
	if (lua_getfield(L, idx, "type") != LUA_TSTRING) {
		lua_pop(L, 1);
		return conv_fail(&c, "a type table needs type = \"AWS::Service::Resource\"");
	}
	t->name = cairn_xstrdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	{
		const char *a = t->name, *b, *d;
		int ok = strncmp(a, "AWS::", 5) == 0 && (b = strstr(a + 5, "::")) != NULL &&
			 b > a + 5 && b[2] && !strstr(b + 2, "::");
		for (d = a; ok && *d; d++)
			if (!isalnum((unsigned char)*d) && *d != ':')
				ok = 0;
		if (!ok)
			return conv_fail(&c, "type \"%s\" is not of the form AWS::Service::Resource",
					 t->name);
	}
	c.type = t->name;

	/* unknown fields */
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		int isfn = lua_type(L, -1) == LUA_TFUNCTION;
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			lua_pop(L, 1);
			return conv_fail(&c, "a type table has only named fields");
		}
		if (!isfn) {
			const char *k = lua_tostring(L, -1);
			size_t i;
			for (i = 0; known_fields[i]; i++)
				if (strcmp(k, known_fields[i]) == 0)
					break;
			if (!known_fields[i]) {
				char *kk = cairn_xstrdup(k);
				lua_pop(L, 1);
				rc = conv_fail(&c, "unknown field \"%s\" (known: type, properties, "
						   "create_only, immutable, attributes, "
						   "list_attributes, ref, tags, name; and functions)",
					       kk);
				free(kk);
				return rc;
			}
		}
	}

	/* properties */
	if (lua_getfield(L, idx, "properties") != LUA_TTABLE) {
		lua_pop(L, 1);
		return conv_fail(&c, "properties must be a table (the schema of Properties)");
	}
	cairn_buf_puts(&c.path, "properties");
	rc = conv_table(L, lua_gettop(L), &c, &t->schema);
	lua_pop(L, 1);
	cairn_buf_clear(&c.path);
	if (rc < 0)
		goto out;
	if (strcmp(json_string_value(json_object_get(t->schema, "kind")), "Object") != 0) {
		rc = conv_fail(&c, "properties must be an object schema { Name = X, ... }");
		goto out;
	}
	json_object_set_new(t->schema, "required", json_false());

	if ((rc = conv_names(L, idx, "create_only", &c, &t->create_only, &t->ncreate_only)) < 0 ||
	    (rc = conv_names(L, idx, "immutable", &c, &t->immutable, &t->nimmutable)) < 0 ||
	    (rc = conv_names(L, idx, "attributes", &c, &t->attributes, &t->nattributes)) < 0 ||
	    (rc = conv_names(L, idx, "list_attributes", &c, &t->list_attributes,
			     &t->nlist_attributes)) < 0)
		goto out;
	if ((rc = check_paths(t, t->create_only, t->ncreate_only, "create_only", &c)) < 0 ||
	    (rc = check_paths(t, t->immutable, t->nimmutable, "immutable", &c)) < 0)
		goto out;
	{
		size_t i;
		for (i = 0; i < t->nlist_attributes; i++)
			if (!has_name(t->attributes, t->nattributes, t->list_attributes[i])) {
				rc = conv_fail(&c, "list_attributes: \"%s\" is not in attributes",
					       t->list_attributes[i]);
				goto out;
			}
	}

	t->ref = opt_string_field(L, idx, "ref", &c, &rc);
	if (rc < 0)
		goto out;
	if (t->ref && !has_name(t->attributes, t->nattributes, t->ref)) {
		rc = conv_fail(&c, "ref: \"%s\" is not in attributes", t->ref);
		goto out;
	}
	t->tags = opt_string_field(L, idx, "tags", &c, &rc);
	if (rc < 0)
		goto out;
	if (t->tags) {
		const json_t *n = json_object_get(json_object_get(t->schema, "properties"), t->tags);
		if (!n || strcmp(json_string_value(json_object_get(n, "kind")), "Tags") != 0) {
			rc = conv_fail(&c, "tags: \"%s\" is not a property of kind Tags", t->tags);
			goto out;
		}
	}

	/* name = { property =, max =, lower = } */
	{
		int ty = lua_getfield(L, idx, "name");
		if (ty == LUA_TTABLE) {
			int top = lua_gettop(L);
			const json_t *n;
			t->name_property = opt_string_field(L, top, "property", &c, &rc);
			if (rc == 0 && !t->name_property)
				rc = conv_fail(&c, "name.property must name the name property");
			if (rc == 0) {
				n = json_object_get(json_object_get(t->schema, "properties"),
						    t->name_property);
				if (!n || strcmp(json_string_value(json_object_get(n, "kind")),
						 "String") != 0)
					rc = conv_fail(&c, "name.property: \"%s\" is not a String "
							   "property", t->name_property);
			}
			if (rc == 0) {
				if (lua_getfield(L, top, "max") != LUA_TNUMBER || !lua_isinteger(L, -1) ||
				    lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 4096)
					rc = conv_fail(&c, "name.max must be an integer length");
				else
					t->name_max = (int)lua_tointeger(L, -1);
				lua_pop(L, 1);
			}
			if (rc == 0) {
				int lower = bool_field(L, top, "lower");
				if (lower < 0)
					rc = conv_fail(&c, "name.lower must be true or false");
				t->name_lower = lower > 0;
			}
			if (rc == 0) {
				lua_pushnil(L);
				while (lua_next(L, top)) {
					const char *k;
					lua_pop(L, 1);
					k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
					if (strcmp(k, "property") && strcmp(k, "max") &&
					    strcmp(k, "lower")) {
						lua_pop(L, 1);
						rc = conv_fail(&c, "name has only property, max and "
								   "lower");
						break;
					}
				}
			}
		} else if (ty != LUA_TNIL) {
			rc = conv_fail(&c, "name must be a table { property =, max =, lower = }");
		}
		lua_pop(L, 1);
	}
out:
	cairn_buf_dispose(&c.path);
	return rc;
}

/* ---- the Lua state ------------------------------------------------------ */

/* An operation of the load-time "cairn.aws": always an error. */
static int aws_refuse(lua_State *L)
{
	const char *svc = lua_tostring(L, lua_upvalueindex(1));
	const char *op = lua_tostring(L, lua_upvalueindex(2));
	return luaL_error(L, "aws.%s%s%s called while cairn loads the type registry: "
			     "AWS calls belong in create, read, update, delete or find",
			  svc, op ? "." : "", op ? op : "");
}

/* __index of a service proxy: every operation refuses. */
static int aws_service_index(lua_State *L)
{
	lua_getfield(L, 1, "__service");
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, aws_refuse, 2);
	return 1;
}

/* __index of the module: every service is a proxy. */
static int aws_index(lua_State *L)
{
	const char *name = luaL_checkstring(L, 2);
	lua_createtable(L, 0, 1);
	lua_pushstring(L, name);
	lua_setfield(L, -2, "__service");
	lua_createtable(L, 0, 2);
	lua_pushcfunction(L, aws_service_index);
	lua_setfield(L, -2, "__index");
	lua_pushstring(L, name);
	lua_pushnil(L);
	lua_pushcclosure(L, aws_refuse, 2);
	lua_setfield(L, -2, "__call");
	lua_setmetatable(L, -2);
	return 1;
}

static int aws_open(lua_State *L)
{
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, aws_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	return 1;
}

/* package.searchers entry: cairn.<x>.<y> from the compiled-in (or
 * CAIRN_HOME) lua/cairn/<x>/<y>.lua. */
static int embed_searcher(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	char *path, *p, *text;
	size_t len;
	int rc;

	if (strncmp(name, "cairn.", 6) != 0) {
		lua_pushfstring(L, "\n\tno compiled-in module '%s' (only cairn.*)", name);
		return 1;
	}
	path = cairn_xasprintf("lua/%s.lua", name);
	for (p = path + 4; *p && strcmp(p, ".lua") != 0; p++)
		if (*p == '.')
			*p = '/';
	rc = cairn_embed_read(path, &text, &len);
	if (rc < 0) {
		lua_pushfstring(L, "\n\tno compiled-in file '%s'", path);
		free(path);
		return 1;
	}
	lua_pushfstring(L, "@%s", path);
	rc = luaL_loadbuffer(L, text, len, lua_tostring(L, -1));
	free(text);
	free(path);
	if (rc != LUA_OK)
		return lua_error(L);
	lua_pushstring(L, name);
	return 2;
}

static lua_State *new_state(void)
{
	lua_State *L = luaL_newstate();
	if (!L)
		cairn_die("cannot create a Lua state");
	luaL_openlibs(L);
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "preload");
	lua_pushcfunction(L, aws_open);
	lua_setfield(L, -2, "cairn.aws");
	lua_getfield(L, -2, "searchers");
	/* keep the preload searcher, replace the file searchers */
	lua_pushcfunction(L, embed_searcher);
	lua_rawseti(L, -2, 2);
	lua_pushnil(L);
	lua_rawseti(L, -2, 4);
	lua_pushnil(L);
	lua_rawseti(L, -2, 3);
	lua_pop(L, 3);
	return L;
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = luaL_tolstring(L, 1, NULL);
	luaL_traceback(L, L, msg, 1);
	return 1;
}

typedef struct loadctx {
	cairn_types *types;  /* being filled */
	int rc;              /* the first failure */
} loadctx;

static int load_module(const cairn_embed_file *f, void *ud)
{
	loadctx *lc = ud;
	lua_State *L;
	char *text, *chunk;
	size_t len, i, n;
	int rc;

	if (strlen(f->path) < 5 || strcmp(f->path + strlen(f->path) - 4, ".lua") != 0)
		return 0;
	rc = cairn_embed_read(f->path, &text, &len);
	if (rc < 0) {
		lc->rc = rc;
		return 1;
	}
	L = new_state();
	lua_pushcfunction(L, traceback);
	chunk = cairn_xasprintf("@%s", f->path);
	rc = luaL_loadbuffer(L, text, len, chunk);
	free(chunk);
	free(text);
	if (rc == LUA_OK)
		rc = lua_pcall(L, 0, 1, 1);
	if (rc != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		/* the first line is enough: the traceback is of the loader */
		size_t m = msg ? strcspn(msg, "\n") : 0;
		lc->rc = cairn_error_setc(CAIRN_EINVALID, "%s: cannot load the provider: %.*s",
					  f->path, (int)m, msg ? msg : "(no message)");
		lua_close(L);
		return 1;
	}
	if (!lua_istable(L, -1)) {
		lc->rc = cairn_error_setc(CAIRN_EINVALID, "%s: a provider module must return a list "
							 "of type tables, not a %s",
					  f->path, luaL_typename(L, -1));
		lua_close(L);
		return 1;
	}
	n = (size_t)lua_rawlen(L, -1);
	if (n == 0)
		lc->rc = cairn_error_setc(CAIRN_EINVALID, "%s: the module returns no type table",
					  f->path);
	for (i = 1; i <= n && lc->rc == 0; i++) {
		cairn_types *ts = lc->types;
		cairn_type t;
		if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TTABLE) {
			lc->rc = cairn_error_setc(CAIRN_EINVALID, "%s: entry %zu of the returned "
								 "list is not a type table",
						  f->path, i);
			lua_pop(L, 1);
			break;
		}
		rc = conv_type(L, lua_gettop(L), f->path, &t);
		lua_pop(L, 1);
		if (rc < 0) {
			type_dispose(&t);
			lc->rc = rc;
			break;
		}
		if (json_object_get(ts->index, t.name)) {
			const cairn_type *o = &ts->v[json_integer_value(json_object_get(ts->index,
											 t.name))];
			lc->rc = cairn_error_setc(CAIRN_EINVALID, "%s: type %s is already defined in %s",
						  f->path, t.name, o->module);
			type_dispose(&t);
			break;
		}
		if (ts->n == ts->cap) {
			ts->cap = ts->cap ? ts->cap * 2 : 16;
			ts->v = cairn_xrealloc(ts->v, ts->cap * sizeof(*ts->v));
		}
		json_object_set_new(ts->index, t.name, json_integer((json_int_t)ts->n));
		ts->v[ts->n++] = t;
	}
	lua_close(L);
	return lc->rc ? 1 : 0;
}

static int cmp_type(const void *a, const void *b)
{
	return strcmp(((const cairn_type *)a)->name, ((const cairn_type *)b)->name);
}

int cairn_types_load(cairn_types **out)
{
	cairn_types *ts = cairn_xcalloc(1, sizeof(*ts));
	loadctx lc;
	size_t i;

	*out = NULL;
	ts->index = json_object();
	lc.types = ts;
	lc.rc = 0;
	cairn_embed_foreach(TYPES_PREFIX, load_module, &lc);
	if (lc.rc < 0) {
		cairn_types_free(ts);
		return lc.rc;
	}
	qsort(ts->v, ts->n, sizeof(*ts->v), cmp_type);
	json_object_clear(ts->index);
	for (i = 0; i < ts->n; i++)
		json_object_set_new(ts->index, ts->v[i].name, json_integer((json_int_t)i));
	*out = ts;
	return 0;
}

void cairn_types_free(cairn_types *types)
{
	size_t i;
	if (!types)
		return;
	for (i = 0; i < types->n; i++)
		type_dispose(&types->v[i]);
	free(types->v);
	json_decref(types->index);
	free(types);
}

const cairn_type *cairn_types_find(const cairn_types *types, const char *name)
{
	json_t *i = json_object_get(types->index, name);
	return i ? &types->v[json_integer_value(i)] : NULL;
}

size_t cairn_types_count(const cairn_types *types)
{
	return types->n;
}

const cairn_type *cairn_types_at(const cairn_types *types, size_t i)
{
	return i < types->n ? &types->v[i] : NULL;
}

/* path without its numeric segments, for comparison with declared paths */
static char *strip_indices(const char *path)
{
	cairn_buf b = CAIRN_BUF_INIT;
	const char *p = path;
	while (*p) {
		size_t n = strcspn(p, "/"), k;
		int digits = n > 0;
		for (k = 0; k < n; k++)
			if (!isdigit((unsigned char)p[k]))
				digits = 0;
		if (n && !digits) {
			if (b.len)
				cairn_buf_putc(&b, '/');
			cairn_buf_put(&b, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return cairn_buf_detach(&b);
}

static int path_related(const char **v, size_t n, const char *path)
{
	char *q = strip_indices(path);
	size_t i, lq = strlen(q);
	int hit = 0;
	for (i = 0; i < n && !hit; i++) {
		size_t lv = strlen(v[i]);
		if (lq == lv && strcmp(q, v[i]) == 0)
			hit = 1; /* the path itself */
		else if (lq > lv && strncmp(q, v[i], lv) == 0 && q[lv] == '/')
			hit = 1; /* under it */
		else if (lv > lq && (lq == 0 || (strncmp(v[i], q, lq) == 0 && v[i][lq] == '/')))
			hit = 1; /* above it */
	}
	free(q);
	return hit;
}

const char *cairn_tag_key_reserved(const char *key)
{
	if (!key)
		return NULL;
	if (!strcmp(key, "cairn:stack") || !strcmp(key, "cairn:logical-id"))
		return "cairn sets it on every resource it creates (the stack name and the "
		       "logical id, by which a later run recognises what it made)";
	if (!strncasecmp(key, "aws:", 4))
		return "AWS refuses tag keys starting with aws:";
	return NULL;
}

int cairn_type_is_create_only(const cairn_type *t, const char *path)
{
	return path_related(t->create_only, t->ncreate_only, path);
}

int cairn_type_is_immutable(const cairn_type *t, const char *path)
{
	return path_related(t->immutable, t->nimmutable, path);
}

int cairn_type_has_attribute(const cairn_type *t, const char *attribute)
{
	return has_name(t->attributes, t->nattributes, attribute);
}

int cairn_type_attribute_is_list(const cairn_type *t, const char *attribute)
{
	return has_name(t->list_attributes, t->nlist_attributes, attribute);
}

static json_t *names_json(const char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int cairn_types_dump(const cairn_types *types, json_t **out)
{
	json_t *arr = json_array();
	size_t i;
	for (i = 0; i < types->n; i++) {
		const cairn_type *t = &types->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(t->name));
		json_object_set_new(o, "module", json_string(t->module));
		json_object_set(o, "schema", t->schema);
		json_object_set_new(o, "create_only", names_json(t->create_only, t->ncreate_only));
		json_object_set_new(o, "immutable", names_json(t->immutable, t->nimmutable));
		json_object_set_new(o, "attributes", names_json(t->attributes, t->nattributes));
		json_object_set_new(o, "list_attributes",
				    names_json(t->list_attributes, t->nlist_attributes));
		json_object_set_new(o, "ref", t->ref ? json_string(t->ref) : json_null());
		json_object_set_new(o, "tags", t->tags ? json_string(t->tags) : json_null());
		if (t->name_property)
			json_object_set_new(o, "generated_name",
					    json_pack("{s:s, s:i, s:b}", "property", t->name_property,
						      "max", t->name_max, "lower", t->name_lower));
		else
			json_object_set_new(o, "generated_name", json_null());
		json_array_append_new(arr, o);
	}
	*out = json_pack("{s:o}", "types", arr);
	return 0;
}
