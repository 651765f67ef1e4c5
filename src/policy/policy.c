/*
 * policy.c: policy packs and their evaluation (see policy.h).
 *
 * Loading: a pack is a directory of <id>.lua files (compiled into the
 * binary under policies/<pack>/, or a directory on disk). Each file is run
 * once in its own sandbox to read its metadata: id, title, severity,
 * description, remediation, resource_types, frameworks, scope, live_only
 * and the check function. Problems are diagnostics with the file and the
 * line of the offending field, and the policy is left out.
 *
 * Running: cairn_policy_run indexes the document (document.c), reads the
 * waivers of every resource, then for each selected policy creates a
 * fresh sandbox, loads the policy again, and calls its check through the
 * library's runtime (lua/cairn/policy/runtime.lua): once per resource of
 * its types, or once for the stack. Each call has its own instruction
 * budget; the sandbox's memory cap covers the whole evaluation. The
 * runtime returns the findings as plain tables, which become results
 * here, placed at their template line through the caller's locate
 * function and matched against waivers. An error in a check is an ERROR
 * result for that resource and the policy goes on with the next one; a
 * budget or memory error ends that policy's evaluation of this document.
 * The set owns its policies; a report's results point into the set.
 */
#define _GNU_SOURCE /* strverscmp: cis-1.4 before cis-1.10 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <lauxlib.h>

#include "cairn/embed.h"
#include "cairn/log.h"
#include "cairn/policy.h"
#include "sandbox.h"

struct cairn_policy_set {
	cairn_policy **v;  /* the policies, in load order */
	size_t n, cap;
};

static const char *const severity_names[] = {"", "low", "medium", "high", "critical"};
static const char *const status_names[] = {"pass", "fail", "waived", "undecided", "error"};

const char *cairn_policy_severity_name(cairn_policy_severity s)
{
	return s >= CAIRN_SEVERITY_LOW && s <= CAIRN_SEVERITY_CRITICAL ? severity_names[s] : "?";
}

const char *cairn_policy_status_name(cairn_policy_status s)
{
	return (unsigned)s < CAIRN_ARRAY_SIZE(status_names) ? status_names[s] : "?";
}

int cairn_policy_severity_parse(const char *name, cairn_policy_severity *out)
{
	int i;
	for (i = CAIRN_SEVERITY_LOW; i <= CAIRN_SEVERITY_CRITICAL; i++)
		if (strcasecmp(name, severity_names[i]) == 0) {
			*out = (cairn_policy_severity)i;
			return 0;
		}
	return cairn_error_setc(CAIRN_EINVALID,
				"unknown severity '%s' (critical, high, medium or low)", name);
}

int cairn_policy_format_parse(const char *name, cairn_policy_format *out)
{
	static const struct {
		const char *name;
		cairn_policy_format f;
	} f[] = {{"text", CAIRN_FORMAT_TEXT},   {"json", CAIRN_FORMAT_JSON},
		 {"sarif", CAIRN_FORMAT_SARIF}, {"junit", CAIRN_FORMAT_JUNIT},
		 {"markdown", CAIRN_FORMAT_MARKDOWN}, {"md", CAIRN_FORMAT_MARKDOWN}};
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(f); i++)
		if (strcmp(name, f[i].name) == 0) {
			*out = f[i].f;
			return 0;
		}
	return cairn_error_setc(CAIRN_EINVALID,
				"unknown format '%s' (text, json, sarif, junit or markdown)", name);
}

/* ---- the set ------------------------------------------------------ */

int cairn_policy_set_new(cairn_policy_set **out)
{
	*out = cairn_xcalloc(1, sizeof(**out));
	return 0;
}

static void policy_free(cairn_policy *p)
{
	size_t i;
	if (!p)
		return;
	free(p->id);
	free(p->pack);
	free(p->file);
	free(p->title);
	free(p->description);
	free(p->remediation);
	for (i = 0; i < p->ntypes; i++)
		free(p->types[i]);
	free(p->types);
	json_decref(p->frameworks);
	free(p->source);
	free(p);
}

void cairn_policy_set_free(cairn_policy_set *set)
{
	size_t i;
	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		policy_free(set->v[i]);
	free(set->v);
	free(set);
}

size_t cairn_policy_set_count(const cairn_policy_set *set)
{
	return set->n;
}

const cairn_policy *cairn_policy_set_at(const cairn_policy_set *set, size_t i)
{
	return i < set->n ? set->v[i] : NULL;
}

const cairn_policy *cairn_policy_set_find(const cairn_policy_set *set, const char *id)
{
	size_t i;
	for (i = 0; i < set->n; i++)
		if (strcasecmp(set->v[i]->id, id) == 0)
			return set->v[i];
	return NULL;
}

int cairn_policy_set_has_pack(const cairn_policy_set *set, const char *pack)
{
	size_t i;
	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->pack, pack) == 0)
			return 1;
	return 0;
}

/* ---- reading a policy's metadata ----------------------------------------- */

/* The line where a field is written ("severity = ..."), or 0. */
static int field_line(const char *text, const char *field)
{
	const char *p = text;
	size_t fl = strlen(field);
	int line = 1;
	if (fl == 0)
		return 0;
	for (; *p; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if ((p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
		    strncmp(p, field, fl) == 0) {
			const char *q = p + fl;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=' && q[1] != '=')
				return line;
		}
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* A string field of the table at idx: the string, NULL when absent, or
 * (const char *)1 when present with another type. */
#define WRONG_TYPE ((const char *)1)
static const char *str_field(lua_State *L, int idx, const char *name)
{
	const char *s;
	lua_pushstring(L, name);
	switch (lua_rawget(L, idx)) {
	case LUA_TNIL:
		s = NULL;
		break;
	case LUA_TSTRING:
		s = lua_tostring(L, -1);
		break;
	default:
		s = WRONG_TYPE;
		break;
	}
	lua_pop(L, 1);
	return s;
}

/* A list of strings (or one string) at idx -> json array, or NULL. */
static json_t *string_list(lua_State *L, int idx)
{
	json_t *a = json_array();
	lua_Integer i, n;
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING) {
		json_array_append_new(a, json_string(lua_tostring(L, idx)));
		return a;
	}
	if (lua_type(L, idx) != LUA_TTABLE) {
		json_decref(a);
		return NULL;
	}
	n = (lua_Integer)lua_rawlen(L, idx);
	for (i = 1; i <= n; i++) {
		if (lua_rawgeti(L, idx, i) != LUA_TSTRING || !*lua_tostring(L, -1)) {
			lua_pop(L, 1);
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, json_string(lua_tostring(L, -1)));
		lua_pop(L, 1);
	}
	return a;
}

static const cairn_pdoc *empty_doc(void)
{
	static json_t *root;
	static cairn_pdoc *d;
	if (!d) {
		root = json_pack("{s:{}}", "resources");
		cairn_pdoc_new(&d, root);
	}
	return d;
}

/* Creates a sandbox with the policy file loaded and run: on success the
 * policy's table is on top of the stack. */
static int open_policy(cairn_sandbox **out, const char *file, const char *text, size_t len,
		       cairn_pdoc *doc, size_t memory, long long instructions, sb_result *res)
{
	char *chunk = cairn_xasprintf("@%s", file);
	cairn_sandbox *sb;
	lua_State *L;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = cairn_sandbox_new(&sb, memory, instructions, chunk);
	if (rc < 0) {
		free(chunk);
		res->status = SB_ERROR;
		res->message = cairn_xstrdup(cairn_error_last());
		return rc;
	}
	cairn_pdoc_install(doc ? doc : (cairn_pdoc *)empty_doc(), sb);
	L = cairn_sandbox_state(sb);
	if (cairn_sandbox_load(sb, text, len, chunk, res) < 0 ||
	    cairn_sandbox_call(sb, 0, 1, res) != SB_OK) {
		free(chunk);
		cairn_sandbox_free(sb);
		return CAIRN_ERROR;
	}
	free(chunk);
	if (lua_type(L, -1) != LUA_TTABLE) {
		res->status = SB_ERROR;
		res->message = cairn_xasprintf("%s: must return the policy table (got %s)", file,
					       luaL_typename(L, -1));
		cairn_sandbox_free(sb);
		return CAIRN_ERROR;
	}
	*out = sb;
	return 0;
}

static int add_policy(cairn_policy_set *set, const char *pack, const char *file,
		      const char *text, size_t len, cairn_diags *diags)
{
	static const char *const known[] = {"id", "title", "severity", "description",
					    "remediation", "resource_types", "frameworks",
					    "check", "live_only", "scope", NULL};
	cairn_sandbox *sb;
	lua_State *L;
	sb_result res;
	cairn_policy *p;
	const char *s;
	size_t errs = diags->nerrors, i;
	int t;
	char *want;

	if (open_policy(&sb, file, text, len, NULL, 0, 0, &res) < 0) {
		cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, res.line, 0, "%s", res.message);
		sb_result_dispose(&res);
		return CAIRN_EINVALID;
	}
	L = cairn_sandbox_state(sb);
	t = lua_gettop(L);
	p = cairn_xcalloc(1, sizeof(*p));
	p->file = cairn_xstrdup(file);
	p->pack = cairn_xstrdup(pack);
	p->source = cairn_xstrndup(text, len);
	p->source_len = len;

#define FERR(field, ...) \
	cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, field_line(text, field), 0, __VA_ARGS__)

	/* Unknown fields are typos. */
	lua_pushnil(L);
	while (lua_next(L, t)) {
		const char *const *k;
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			FERR("", "the policy table has a key that is not a string");
			continue;
		}
		for (k = known; *k && strcmp(*k, lua_tostring(L, -1)) != 0; k++)
			;
		if (!*k)
			FERR(lua_tostring(L, -1),
			     "unknown field '%s' in the policy table (known: id, title, severity, "
			     "description, remediation, resource_types, frameworks, scope, "
			     "live_only, check)",
			     lua_tostring(L, -1));
	}

	want = cairn_xstrdup(base_name(file));
	if (strlen(want) > 4 && strcmp(want + strlen(want) - 4, ".lua") == 0)
		want[strlen(want) - 4] = '\0';
	s = str_field(L, t, "id");
	if (!s || s == WRONG_TYPE)
		FERR("id", "the policy needs an id (a string, the file's name: \"%s\")", want);
	else if (strcmp(s, want) != 0)
		FERR("id", "id \"%s\" does not match the file name (expected \"%s\")", s, want);
	else
		p->id = cairn_xstrdup(s);
	free(want);

	s = str_field(L, t, "title");
	if (!s || s == WRONG_TYPE || !*s)
		FERR("title", "the policy needs a title (a one-line string)");
	else
		p->title = cairn_xstrdup(s);

	s = str_field(L, t, "severity");
	if (!s || s == WRONG_TYPE || cairn_policy_severity_parse(s, &p->severity) < 0)
		FERR("severity", "severity must be one of critical, high, medium, low");

	s = str_field(L, t, "description");
	if (s == WRONG_TYPE)
		FERR("description", "description must be a string");
	p->description = cairn_xstrdup(s && s != WRONG_TYPE ? s : "");

	s = str_field(L, t, "remediation");
	if (!s || s == WRONG_TYPE || !*s)
		FERR("remediation", "the policy needs a remediation (what to do about a finding)");
	else
		p->remediation = cairn_xstrdup(s);

	s = str_field(L, t, "scope");
	if (s == WRONG_TYPE || (s && strcmp(s, "resource") != 0 && strcmp(s, "stack") != 0))
		FERR("scope", "scope must be \"resource\" (the default) or \"stack\"");
	p->stack_scope = s && s != WRONG_TYPE && strcmp(s, "stack") == 0;

	lua_pushliteral(L, "live_only");
	switch (lua_rawget(L, t)) {
	case LUA_TNIL:
		break;
	case LUA_TBOOLEAN:
		p->live_only = lua_toboolean(L, -1);
		break;
	default:
		FERR("live_only", "live_only must be true or false");
	}
	lua_pop(L, 1);

	lua_pushliteral(L, "resource_types");
	lua_rawget(L, t);
	if (lua_isnil(L, -1)) {
		if (!p->stack_scope)
			FERR("resource_types", "the policy needs resource_types (a list of types "
					       "such as \"AWS::S3::Bucket\"), or scope = \"stack\"");
	} else {
		json_t *a = string_list(L, -1);
		if (!a || json_array_size(a) == 0) {
			FERR("resource_types", "resource_types must be a list of resource type names");
		} else {
			p->ntypes = json_array_size(a);
			p->types = cairn_xcalloc(p->ntypes, sizeof(*p->types));
			for (i = 0; i < p->ntypes; i++) {
				const char *ty = json_string_value(json_array_get(a, i));
				p->types[i] = cairn_xstrdup(ty);
				if (strncmp(ty, "AWS::", 5) != 0 || !strstr(ty + 5, "::"))
					FERR("resource_types",
					     "resource type \"%s\" is not a type name such as AWS::S3::Bucket", ty);
			}
		}
		json_decref(a);
	}
	lua_pop(L, 1);

	lua_pushliteral(L, "frameworks");
	if (lua_rawget(L, t) != LUA_TTABLE) {
		FERR("frameworks", "the policy needs frameworks, e.g. { [\"cis-aws-3.0\"] = "
				   "{\"3.1\"}, [\"nist-800-53-r5\"] = {\"AU-2\"} }");
	} else {
		p->frameworks = json_object();
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			json_t *a = lua_type(L, -2) == LUA_TSTRING ? string_list(L, -1) : NULL;
			if (!a || json_array_size(a) == 0)
				FERR("frameworks", "frameworks maps a framework name to a list of control ids");
			else {
				json_object_set_new(p->frameworks, lua_tostring(L, -2), a);
				a = NULL;
			}
			json_decref(a);
			lua_pop(L, 1);
		}
		if (json_object_size(p->frameworks) == 0)
			FERR("frameworks", "frameworks is empty");
		{
			/* Lua's table order varies from run to run: sort, so that
			 * reports are the same for the same input. */
			char *dump = json_dumps(p->frameworks, JSON_COMPACT | JSON_SORT_KEYS);
			json_decref(p->frameworks);
			p->frameworks = json_loads(dump, JSON_DECODE_ANY, NULL);
			free(dump);
		}
	}
	lua_pop(L, 1);

	lua_pushliteral(L, "check");
	if (lua_rawget(L, t) != LUA_TFUNCTION)
		FERR("check", "the policy needs a check function");
	lua_pop(L, 1);
#undef FERR

	cairn_sandbox_free(sb);
	if (diags->nerrors > errs) {
		policy_free(p);
		return CAIRN_EINVALID;
	}
	if (cairn_policy_set_find(set, p->id)) {
		cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, field_line(text, "id"), 0,
				"policy id \"%s\" is already used by %s", p->id,
				cairn_policy_set_find(set, p->id)->file);
		policy_free(p);
		return CAIRN_EINVALID;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 64;
		set->v = cairn_xrealloc(set->v, set->cap * sizeof(*set->v));
	}
	set->v[set->n++] = p;
	return 0;
}

/* ---- packs ----------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

typedef struct pack_walk {
	const char *prefix;     /* "policies/<pack>/" */
	char **paths;           /* files found */
	size_t n, cap;
} pack_walk;

static int collect_embedded(const cairn_embed_file *f, void *ud)
{
	pack_walk *w = ud;
	const char *rest = f->path + strlen(w->prefix);
	size_t l = strlen(rest);
	if (strchr(rest, '/') || l < 5 || strcmp(rest + l - 4, ".lua") != 0)
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 32;
		w->paths = cairn_xrealloc(w->paths, w->cap * sizeof(*w->paths));
	}
	w->paths[w->n++] = cairn_xstrdup(f->path);
	return 0;
}

static void walk_dispose(pack_walk *w)
{
	size_t i;
	for (i = 0; i < w->n; i++)
		free(w->paths[i]);
	free(w->paths);
}

int cairn_policy_set_add_pack(cairn_policy_set *set, const char *name, cairn_diags *diags)
{
	pack_walk w = {NULL, NULL, 0, 0};
	char *prefix;
	size_t i;
	int rc = 0;

	if (!*name || strchr(name, '/'))
		return cairn_error_setc(CAIRN_EINVALID, "'%s' is not a pack name", name);
	prefix = cairn_xasprintf("policies/%s/", name);
	w.prefix = prefix;
	cairn_embed_foreach(prefix, collect_embedded, &w);
	if (w.n == 0) {
		free(prefix);
		walk_dispose(&w);
		return cairn_error_setc(CAIRN_ENOTFOUND,
					"no built-in policy pack '%s' (cairn policy list shows them)",
					name);
	}
	qsort(w.paths, w.n, sizeof(*w.paths), cmp_str);
	for (i = 0; i < w.n; i++) {
		char *text;
		size_t len;
		if (cairn_embed_read(w.paths[i], &text, &len) < 0) {
			rc = CAIRN_ERROR;
			continue;
		}
		if (add_policy(set, name, w.paths[i], text, len, diags) < 0)
			rc = CAIRN_EINVALID;
		free(text);
	}
	free(prefix);
	walk_dispose(&w);
	return rc;
}

static int collect_pack_names(const cairn_embed_file *f, void *ud)
{
	char (*names)[64] = ud;
	const char *p = f->path + strlen("policies/");
	const char *slash = strchr(p, '/');
	size_t l = slash ? (size_t)(slash - p) : 0, i;
	if (!slash || l == 0 || l >= 64 || strncmp(slash, "/fixtures", 9) == 0)
		return 0;
	for (i = 0; i < 31 && names[i][0]; i++)
		if (strlen(names[i]) == l && strncmp(names[i], p, l) == 0)
			return 0;
	if (i < 31) {
		memcpy(names[i], p, l);
		names[i][l] = '\0';
	}
	return 0;
}

const char *const *cairn_policy_builtin_packs(void)
{
	static char names[32][64];
	static const char *list[33];
	static int done;
	if (!done) {
		size_t i;
		cairn_embed_foreach("policies/", collect_pack_names, names);
		for (i = 0; i < 32 && names[i][0]; i++)
			list[i] = names[i];
		list[i] = NULL;
		done = 1;
	}
	return list;
}

int cairn_policy_set_add_builtin(cairn_policy_set *set, cairn_diags *diags)
{
	const char *const *p;
	int rc = 0;
	for (p = cairn_policy_builtin_packs(); *p; p++) {
		int r = cairn_policy_set_add_pack(set, *p, diags);
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}

int cairn_policy_set_add_dir(cairn_policy_set *set, const char *dir, cairn_diags *diags)
{
	DIR *dh;
	struct dirent *e;
	char **files = NULL, *pack, *d;
	size_t n = 0, cap = 0, i, l;
	int rc = 0;

	d = cairn_xstrdup(dir);
	l = strlen(d);
	while (l > 1 && d[l - 1] == '/')
		d[--l] = '\0';
	dh = opendir(d);
	if (!dh) {
		int r = cairn_error_setc(CAIRN_ENOTFOUND, "%s: cannot open the policy directory "
						   "(give a directory of <id>.lua files)", dir);
		free(d);
		return r;
	}
	while ((e = readdir(dh)) != NULL) {
		size_t nl = strlen(e->d_name);
		if (e->d_name[0] == '.' || nl < 5 || strcmp(e->d_name + nl - 4, ".lua") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			files = cairn_xrealloc(files, cap * sizeof(*files));
		}
		files[n++] = cairn_xasprintf("%s/%s", d, e->d_name);
	}
	closedir(dh);
	if (n == 0) {
		free(d);
		free(files);
		return cairn_error_setc(CAIRN_ENOTFOUND, "%s: no policies (<id>.lua files) in this "
						  "directory", dir);
	}
	qsort(files, n, sizeof(*files), cmp_str);
	pack = cairn_xstrdup(base_name(d));
	for (i = 0; i < n; i++) {
		char *text;
		size_t len;
		if (cairn_file_read(files[i], &text, &len) < 0) {
			cairn_diags_add(diags, CAIRN_DIAG_ERROR, files[i], 0, 0, "%s",
					cairn_error_last());
			rc = CAIRN_EINVALID;
		} else {
			if (add_policy(set, pack, files[i], text, len, diags) < 0)
				rc = CAIRN_EINVALID;
			free(text);
		}
		free(files[i]);
	}
	free(files);
	free(pack);
	free(d);
	return rc;
}

/* ---- waivers --------------------------------------------------------- */

typedef struct waiver_slot {
	cairn_waiver w;         /* as written */
	long resource;          /* index in the document, -1 for a stack-level waiver */
	int used;               /* waived or reported a result */
	int passed;             /* its policy passed on its resource */
} waiver_slot;

typedef struct waivers {
	waiver_slot *v;
	size_t n, cap;
} waivers;

/* Whether a waiver's Control names policy p: its id ("cis-2.1.4", any
 * case), "<pack>/<id>", or "<framework>/<control id>" of one of its
 * mappings ("cis-aws-3.0/2.1.4", "nist-800-53-r5/AC-6"). */
static int control_matches(const char *control, const cairn_policy *p)
{
	const char *slash = strchr(control, '/');
	const char *id;
	size_t fl, i;
	const char *k;
	json_t *ids, *x;
	if (!slash)
		return strcasecmp(control, p->id) == 0;
	fl = (size_t)(slash - control);
	id = slash + 1;
	if (strlen(p->pack) == fl && strncasecmp(control, p->pack, fl) == 0 &&
	    strcasecmp(id, p->id) == 0)
		return 1;
	json_object_foreach(p->frameworks, k, ids) {
		if (strlen(k) != fl || strncasecmp(control, k, fl) != 0)
			continue;
		json_array_foreach(ids, i, x)
			if (strcasecmp(json_string_value(x), id) == 0)
				return 1;
	}
	return 0;
}

int cairn_policy_control_matches(const char *control, const cairn_policy *p)
{
	return control && p && control_matches(control, p);
}

static int control_known(const cairn_policy_set *set, const char *control)
{
	size_t i;
	for (i = 0; i < set->n; i++)
		if (control_matches(control, set->v[i]))
			return 1;
	return 0;
}

static int valid_date(const char *s)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, i;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return 0;
	if (s[10])
		return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1)
		return 0;
	if (m == 2 && d == 29)
		return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= days[m - 1];
}

static void locate(const cairn_policy_run_options *o, const char *id, const char *path, int *line,
		   int *col)
{
	*line = *col = 0;
	if (o && o->locate && o->locate(o->locate_ud, id, path, line, col) < 0)
		*line = *col = 0;
}

static void read_waivers(const cairn_policy_set *set, const json_t *list, long resource,
			 const char *id, const char *file, const char *prefix,
			 const cairn_policy_run_options *o, waivers *ws, cairn_diags *diags)
{
	size_t i;
	json_t *w;
	int line, col;
	char path[256];

	if (!json_is_array(list)) {
		snprintf(path, sizeof(path), "%s", prefix);
		locate(o, id, path, &line, &col);
		cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, line, col,
				"%s%s%s must be a list of waivers (Control, Reason, Approver, Expires)",
				id ? id : "", id ? ": " : "", prefix);
		return;
	}
	json_array_foreach(list, i, w) {
		static const char *const fields[] = {"Control", "Reason", "Approver", "Expires"};
		const char *vals[4];
		const char *k;
		json_t *x;
		size_t f;
		int bad = 0;
		waiver_slot *s;

		snprintf(path, sizeof(path), "%s[%zu]", prefix, i);
		locate(o, id, path, &line, &col);
		if (!json_is_object(w)) {
			cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, line, col,
					"%s%s%s: a waiver is a mapping with Control, Reason, Approver "
					"and Expires", id ? id : "", id ? ": " : "", path);
			continue;
		}
		json_object_foreach(w, k, x) {
			for (f = 0; f < 4 && strcmp(fields[f], k) != 0; f++)
				;
			if (f == 4) {
				char kp[300];
				int kl, kc;
				snprintf(kp, sizeof(kp), "%s.%s", path, k);
				locate(o, id, kp, &kl, &kc);
				cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, kl, kc,
						"%s%s%s: unknown waiver field '%s' (Control, Reason, "
						"Approver, Expires)", id ? id : "", id ? ": " : "",
						path, k);
				bad = 1;
			}
		}
		for (f = 0; f < 4; f++) {
			x = json_object_get(w, fields[f]);
			vals[f] = json_is_string(x) ? json_string_value(x) : NULL;
			if (!vals[f] || !*vals[f]) {
				cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, line, col,
						"%s%s%s: the waiver needs %s (a non-empty string)",
						id ? id : "", id ? ": " : "", path, fields[f]);
				bad = 1;
			}
		}
		if (bad)
			continue;
		if (!valid_date(vals[3])) {
			char kp[300];
			int kl, kc;
			snprintf(kp, sizeof(kp), "%s.Expires", path);
			locate(o, id, kp, &kl, &kc);
			cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, kl, kc,
					"%s%s%s: Expires \"%s\" is not a date (write YYYY-MM-DD, e.g. "
					"2026-12-31)", id ? id : "", id ? ": " : "", path, vals[3]);
			continue;
		}
		if (!control_known(set, vals[0])) {
			char kp[300];
			int kl, kc;
			snprintf(kp, sizeof(kp), "%s.Control", path);
			locate(o, id, kp, &kl, &kc);
			cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, kl, kc,
					"%s%s%s: waiver for unknown control '%s' (write a policy id such "
					"as cis-2.1.4, or FRAMEWORK/ID such as cis-aws-3.0/2.1.4; 'cairn "
					"policy list' shows them)",
					id ? id : "", id ? ": " : "", path, vals[0]);
			continue;
		}
		if (ws->n == ws->cap) {
			ws->cap = ws->cap ? ws->cap * 2 : 16;
			ws->v = cairn_xrealloc(ws->v, ws->cap * sizeof(*ws->v));
		}
		s = &ws->v[ws->n++];
		memset(s, 0, sizeof(*s));
		s->w.control = cairn_xstrdup(vals[0]);
		s->w.reason = cairn_xstrdup(vals[1]);
		s->w.approver = cairn_xstrdup(vals[2]);
		s->w.expires = cairn_xstrdup(vals[3]);
		s->w.line = line;
		s->w.col = col;
		s->resource = resource;
	}
}

static void waivers_dispose(waivers *ws)
{
	size_t i;
	for (i = 0; i < ws->n; i++) {
		free(ws->v[i].w.control);
		free(ws->v[i].w.reason);
		free(ws->v[i].w.approver);
		free(ws->v[i].w.expires);
	}
	free(ws->v);
}

static waiver_slot *find_waiver(waivers *ws, const cairn_policy *p, long resource)
{
	size_t i;
	for (i = 0; i < ws->n; i++)
		if (ws->v[i].resource == resource && control_matches(ws->v[i].w.control, p))
			return &ws->v[i];
	return NULL;
}

static cairn_waiver *copy_waiver(const cairn_waiver *w)
{
	cairn_waiver *c = cairn_xcalloc(1, sizeof(*c));
	c->control = cairn_xstrdup(w->control);
	c->reason = cairn_xstrdup(w->reason);
	c->approver = cairn_xstrdup(w->approver);
	c->expires = cairn_xstrdup(w->expires);
	c->line = w->line;
	c->col = w->col;
	return c;
}

/* ---- results ----------------------------------------------------------- */

typedef struct run_ctx {
	const cairn_policy_set *set;
	const cairn_policy *only;     /* run just this one, or NULL */
	const cairn_policy_run_options *o;
	cairn_policy_report *rep;
	const cairn_pdoc *doc;
	const char *file;
	const char *stack;
	waivers ws;
	char today[11];
} run_ctx;

static cairn_policy_result *add_result(run_ctx *c, const cairn_policy *p, cairn_policy_status st,
				       long resource, const char *subject, const char *path,
				       const char *message)
{
	cairn_policy_report *r = c->rep;
	cairn_policy_result *x;
	const char *id = resource >= 0 ? cairn_pdoc_id(c->doc, (size_t)resource) : NULL;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->v = cairn_xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->policy = p;
	x->file = cairn_xstrdup(c->file);
	x->stack = cairn_xstrdup(c->stack);
	x->resource = id ? cairn_xstrdup(id) : NULL;
	x->type = id ? cairn_xstrdup(cairn_pdoc_type(c->doc, (size_t)resource)) : NULL;
	x->subject = subject && *subject ? cairn_xstrdup(subject) : NULL;
	x->path = cairn_xstrdup(path ? path : "");
	x->message = message ? cairn_xstrdup(message) : NULL;
	if (st != CAIRN_RESULT_ERROR || id)
		locate(c->o, id, x->path, &x->line, &x->col);
	if (id) {
		int rc;
		locate(c->o, id, "", &x->resource_line, &rc);
	}
	if (st == CAIRN_RESULT_FAIL || st == CAIRN_RESULT_UNDECIDED || st == CAIRN_RESULT_PASS) {
		waiver_slot *w = find_waiver(&c->ws, p, resource);
		if (w && st == CAIRN_RESULT_PASS) {
			w->passed = 1;
		} else if (w) {
			w->used = 1;
			x->waiver = copy_waiver(&w->w);
			if (strcmp(w->w.expires, c->today) < 0) {
				char *m = cairn_xasprintf("%s (the waiver approved by %s expired on %s: "
							  "renew it or fix the finding)",
							  x->message ? x->message : "",
							  w->w.approver, w->w.expires);
				free(x->message);
				x->message = m;
				x->waiver_expired = 1;
				st = CAIRN_RESULT_FAIL;
			} else {
				st = CAIRN_RESULT_WAIVED;
			}
		}
	}
	x->status = st;
	r->counts[st]++;
	return x;
}

/* Reads the findings list the runtime returned (on top of the stack). */
static void take_findings(run_ctx *c, lua_State *L, const cairn_policy *p, long resource)
{
	lua_Integer i, n;
	if (lua_type(L, -1) != LUA_TTABLE)
		return; /* not applicable: no result */
	n = (lua_Integer)lua_rawlen(L, -1);
	if (n == 0) {
		add_result(c, p, CAIRN_RESULT_PASS, resource, NULL, NULL, NULL);
		return;
	}
	for (i = 1; i <= n; i++) {
		const char *msg, *path, *res, *subject;
		int undecided;
		long ri = resource;
		lua_rawgeti(L, -1, i);
		msg = str_field(L, lua_gettop(L), "message");
		path = str_field(L, lua_gettop(L), "path");
		res = str_field(L, lua_gettop(L), "resource");
		subject = str_field(L, lua_gettop(L), "subject");
		lua_pushliteral(L, "undecided");
		lua_rawget(L, -2);
		undecided = lua_toboolean(L, -1);
		lua_pop(L, 1);
		if (msg == WRONG_TYPE || !msg)
			msg = "(no message)";
		if (path == WRONG_TYPE)
			path = NULL;
		if (subject == WRONG_TYPE)
			subject = NULL;
		if (res && res != WRONG_TYPE) {
			long k = cairn_pdoc_find(c->doc, res);
			if (k >= 0)
				ri = k;
		}
		add_result(c, p, undecided ? CAIRN_RESULT_UNDECIDED : CAIRN_RESULT_FAIL, ri,
			   subject, path, msg);
		lua_pop(L, 1);
	}
}

/* Pushes runtime.<fn>. */
static int push_runtime(cairn_sandbox *sb, const char *fn, sb_result *res)
{
	lua_State *L = cairn_sandbox_state(sb);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "cairn.policy.runtime");
	if (cairn_sandbox_call(sb, 1, 1, res) != SB_OK)
		return -1;
	lua_getfield(L, -1, fn);
	lua_remove(L, -2);
	return 0;
}

static void run_policy(run_ctx *c, const cairn_policy *p)
{
	const cairn_policy_run_options *o = c->o;
	cairn_sandbox *sb = NULL;
	lua_State *L;
	sb_result res;
	size_t *todo = NULL, ntodo = 0, i, k;
	int ptab, stack, fn, check;
	double t0 = cairn_now();

	if (!p->stack_scope) {
		for (k = 0; k < p->ntypes; k++) {
			const size_t *idx;
			size_t n = cairn_pdoc_of_type(c->doc, p->types[k], &idx);
			todo = cairn_xrealloc(todo, (ntodo + n + 1) * sizeof(*todo));
			memcpy(todo + ntodo, idx, n * sizeof(*idx));
			ntodo += n;
		}
		if (ntodo == 0) {
			free(todo);
			return;
		}
	}
	if (open_policy(&sb, p->file, p->source, p->source_len, (cairn_pdoc *)c->doc,
			o ? o->memory_limit : 0, o ? o->instruction_limit : 0, &res) < 0) {
		add_result(c, p, CAIRN_RESULT_ERROR, -1, NULL, NULL, res.message);
		sb_result_dispose(&res);
		free(todo);
		return;
	}
	L = cairn_sandbox_state(sb);
	ptab = lua_gettop(L);
	/* stack = runtime.stack() */
	if (push_runtime(sb, "stack", &res) < 0 || cairn_sandbox_call(sb, 0, 1, &res) != SB_OK) {
		add_result(c, p, CAIRN_RESULT_ERROR, -1, NULL, NULL, res.message);
		sb_result_dispose(&res);
		goto done;
	}
	stack = lua_gettop(L);
	if (p->stack_scope) {
		sb_status st;
		if (push_runtime(sb, "check_stack", &res) < 0) {
			add_result(c, p, CAIRN_RESULT_ERROR, -1, NULL, NULL, res.message);
			sb_result_dispose(&res);
			goto done;
		}
		lua_getfield(L, ptab, "check");
		lua_pushvalue(L, stack);
		c->rep->evaluations++;
		st = cairn_sandbox_call(sb, 2, 1, &res);
		if (st == SB_OK) {
			take_findings(c, L, p, -1);
			lua_pop(L, 1);
		} else {
			add_result(c, p, st == SB_UNDECIDED ? CAIRN_RESULT_UNDECIDED : CAIRN_RESULT_ERROR,
				   -1, NULL, res.path, res.message);
			sb_result_dispose(&res);
		}
		goto done;
	}
	if (push_runtime(sb, "check_resource", &res) < 0) {
		add_result(c, p, CAIRN_RESULT_ERROR, -1, NULL, NULL, res.message);
		sb_result_dispose(&res);
		goto done;
	}
	fn = lua_gettop(L);
	lua_getfield(L, ptab, "check");
	check = lua_gettop(L);
	for (i = 0; i < ntodo; i++) {
		sb_status st;
		lua_pushvalue(L, fn);
		lua_pushvalue(L, check);
		lua_pushstring(L, cairn_pdoc_id(c->doc, todo[i]));
		lua_pushvalue(L, stack);
		c->rep->evaluations++;
		st = cairn_sandbox_call(sb, 3, 1, &res);
		if (st == SB_OK) {
			take_findings(c, L, p, (long)todo[i]);
			lua_pop(L, 1);
			continue;
		}
		add_result(c, p, st == SB_UNDECIDED ? CAIRN_RESULT_UNDECIDED : CAIRN_RESULT_ERROR,
			   (long)todo[i], NULL, res.path, res.message);
		if (st == SB_BUDGET || st == SB_MEMORY) {
			/* A runaway policy: do not spend the budget again on every resource. */
			char *m = cairn_xasprintf("%s: not evaluated on the %zu remaining %s after "
						  "the error above", p->id, ntodo - i - 1,
						  ntodo - i - 1 == 1 ? "resource" : "resources");
			if (i + 1 < ntodo)
				add_result(c, p, CAIRN_RESULT_ERROR, -1, NULL, NULL, m);
			free(m);
			sb_result_dispose(&res);
			break;
		}
		sb_result_dispose(&res);
	}
done:
	{
		size_t peak;
		cairn_sandbox_memory(sb, &peak);
		cairn_log(CAIRN_LOG_DEBUG, "policy %s on %s: %zu resources, %.3f s, peak %zu KiB",
			  p->id, c->file, ntodo, cairn_now() - t0, peak >> 10);
	}
	cairn_sandbox_free(sb);
	free(todo);
}

static int selected(const cairn_policy_run_options *o, const cairn_policy *p)
{
	size_t i;
	if (p->live_only && !(o && o->live))
		return 0;
	if (!o || !o->packs)
		return 1;
	for (i = 0; i < o->npacks; i++)
		if (strcmp(o->packs[i], p->pack) == 0)
			return 1;
	return 0;
}

static int run(const cairn_policy_set *set, const cairn_policy *only, const json_t *document,
	       const cairn_policy_run_options *opts, cairn_policy_report *report,
	       cairn_diags *diags)
{
	run_ctx c;
	cairn_pdoc *doc;
	size_t i, nerr = diags->nerrors;
	double t0 = cairn_now();
	const json_t *v;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = cairn_pdoc_new(&doc, document);
	if (rc < 0)
		return rc;
	cairn_log(CAIRN_LOG_DEBUG, "policy: indexed %zu resources in %.3f s", cairn_pdoc_count(doc),
		  cairn_now() - t0);
	c.set = set;
	c.only = only;
	c.o = opts;
	c.rep = report;
	c.doc = doc;
	v = json_object_get(document, "file");
	c.file = json_is_string(v) ? json_string_value(v) : "";
	v = json_object_get(document, "stack");
	c.stack = json_is_string(v) ? json_string_value(v) : "";
	if (opts && opts->today) {
		snprintf(c.today, sizeof(c.today), "%s", opts->today);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(c.today, sizeof(c.today), "%Y-%m-%d", &tm);
	}
	report->files = cairn_xrealloc(report->files, (report->nfiles + 1) * sizeof(char *));
	report->files[report->nfiles++] = cairn_xstrdup(c.file);

	for (i = 0; i < cairn_pdoc_count(doc); i++) {
		const json_t *w = json_object_get(
			json_object_get(json_object_get(cairn_pdoc_resource(doc, i), "Metadata"),
					"Cairn"),
			"Waivers");
		if (w)
			read_waivers(set, w, (long)i, cairn_pdoc_id(doc, i), c.file,
				     "Metadata.Cairn.Waivers", opts, &c.ws, diags);
	}
	if (opts && opts->stack_waivers)
		read_waivers(set, opts->stack_waivers, -1, NULL, c.file, "Metadata.Cairn.Waivers",
			     opts, &c.ws, diags);

	for (i = 0; i < set->n; i++)
		if (only ? set->v[i] == only && (!only->live_only || (opts && opts->live))
			 : selected(opts, set->v[i]))
			run_policy(&c, set->v[i]);

	for (i = 0; i < c.ws.n; i++) {
		waiver_slot *w = &c.ws.v[i];
		if (!w->used && w->passed)
			cairn_diags_add(diags, CAIRN_DIAG_WARNING, c.file, w->w.line, w->w.col,
					"%s%swaiver for %s is not needed: the control passes (remove "
					"it)", w->resource >= 0 ? cairn_pdoc_id(doc, (size_t)w->resource) : "",
					w->resource >= 0 ? ": " : "", w->w.control);
	}
	waivers_dispose(&c.ws);
	cairn_pdoc_free(doc);
	report->seconds += cairn_now() - t0;
	cairn_log(CAIRN_LOG_DEBUG, "policy: %s evaluated in %.3f s (%zu checks)", c.file,
		  cairn_now() - t0, report->evaluations);
	if (diags->nerrors > nerr)
		return cairn_error_setc(CAIRN_EINVALID, "%s: invalid waivers", c.file);
	return 0;
}

int cairn_policy_run(const cairn_policy_set *set, const json_t *document,
		     const cairn_policy_run_options *opts, cairn_policy_report *report,
		     cairn_diags *diags)
{
	return run(set, NULL, document, opts, report, diags);
}

int cairn_policy_run_one(const cairn_policy_set *set, const cairn_policy *only,
			 const json_t *document, const cairn_policy_run_options *opts,
			 cairn_policy_report *report, cairn_diags *diags)
{
	return run(set, only, document, opts, report, diags);
}

/* ---- reports ------------------------------------------------------------ */

void cairn_policy_report_dispose(cairn_policy_report *r)
{
	size_t i;
	for (i = 0; i < r->n; i++) {
		cairn_policy_result *x = &r->v[i];
		free(x->file);
		free(x->stack);
		free(x->resource);
		free(x->type);
		free(x->subject);
		free(x->path);
		free(x->message);
		if (x->waiver) {
			free(x->waiver->control);
			free(x->waiver->reason);
			free(x->waiver->approver);
			free(x->waiver->expires);
			free(x->waiver);
		}
	}
	free(r->v);
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	cairn_diags_dispose(&r->input_errors);
	for (i = 0; i < r->nunchecked; i++)
		free(r->unchecked[i]);
	free(r->unchecked);
	memset(r, 0, sizeof(*r));
}

void cairn_policy_report_add_errors(cairn_policy_report *r, const cairn_diags *diags)
{
	size_t i;
	for (i = 0; diags && i < diags->n; i++) {
		const cairn_diag *d = &diags->v[i];
		if (d->severity == CAIRN_DIAG_ERROR)
			cairn_diags_add(&r->input_errors, CAIRN_DIAG_ERROR, d->file, d->line, d->col,
					"%s", d->message);
	}
}

void cairn_policy_report_not_checked(cairn_policy_report *r, const char *file)
{
	r->unchecked = cairn_xrealloc(r->unchecked, (r->nunchecked + 1) * sizeof(*r->unchecked));
	r->unchecked[r->nunchecked++] = cairn_xstrdup(file);
}

const char *cairn_policy_report_verdict(const cairn_policy_report *r, cairn_policy_severity min)
{
	if (r->input_errors.nerrors || r->nunchecked || r->counts[CAIRN_RESULT_ERROR])
		return "error";
	return cairn_policy_report_failing(r, min) ? "fail" : "pass";
}

static int cmp_result(const void *a, const void *b)
{
	const cairn_policy_result *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	c = strcmp(x->resource ? x->resource : "", y->resource ? y->resource : "");
	if (c)
		return c;
	c = strcmp(x->policy->id, y->policy->id);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

void cairn_policy_report_sort(cairn_policy_report *r)
{
	/* qsort is not stable; cmp_result breaks ties by address, which is
	 * the evaluation order. */
	qsort(r->v, r->n, sizeof(*r->v), cmp_result);
}

size_t cairn_policy_report_failing(const cairn_policy_report *r, cairn_policy_severity min)
{
	size_t i, n = 0;
	for (i = 0; i < r->n; i++)
		if (r->v[i].status == CAIRN_RESULT_FAIL && r->v[i].policy->severity >= min)
			n++;
	return n;
}
