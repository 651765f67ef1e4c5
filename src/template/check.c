/*
 * check.c: every static check of a template, in one walk per section.
 *
 * What it checks (docs/stack-language.md is the user's view of it):
 *   - the top-level sections and AWSTemplateFormatVersion;
 *   - Mappings: a mapping of names to mappings of keys to mappings;
 *   - Conditions: each a condition function; references between
 *     conditions must exist and form no cycle; their values are computed
 *     here (three-valued: true, false, or not known yet);
 *   - Resources: the resource keys, Type against the registry (with the
 *     nearest known type suggested), Condition, DependsOn,
 *     DeletionPolicy, UpdateReplacePolicy, Metadata.Cairn, and Properties
 *     against the type's normalised schema: unsupported properties,
 *     kinds, enums, required properties;
 *   - every intrinsic function wherever it is written: its arguments'
 *     shape, what it names (parameters, resources, attributes, mapping
 *     keys, Fn::Sub variables, conditions), and the kind of value it
 *     gives (a string, a list, or either), which the schema check
 *     compares with the property's kind;
 *   - Outputs: their keys, Value, Export and Condition.
 * On the way it records each resource's dependencies (Ref, Fn::GetAtt,
 * Fn::Sub variables naming resources, DependsOn) and fills st->res in
 * template order; graph.c then orders them.
 *
 * Positions: the walk carries the position of the node it is at (one
 * hash lookup in the marks per node), so every message is FILE:LINE:COL.
 * Messages about a resource start with "Id (Type): " and name the path
 * of the property as policies write it (Properties.A.B[0].C).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cairn/common.h"
#include "internal.h"

/* What an expression gives. */
typedef enum vkind {
	VK_ANY = 0,   /* not known before evaluation (Fn::Select, Fn::FindInMap, ...) */
	VK_STRING,    /* a scalar: string, number or boolean */
	VK_LIST,      /* a list */
	VK_OBJECT,    /* a mapping */
	VK_NULL,      /* null */
	VK_NOVALUE,   /* AWS::NoValue */
	VK_BAD        /* an error was reported */
} vkind;

/* Where an expression is. */
typedef enum ctxkind {
	CX_RESOURCE = 0, /* a resource's Properties */
	CX_CONDITION,    /* the Conditions section: only parameters and pseudo parameters */
	CX_OUTPUT        /* Outputs: resources may be named, no dependency is recorded */
} ctxkind;

typedef struct ck {
	cairn_stack *st;
	cairn_diags *diags;
	const cairn_template *t;
	const char *file;
	json_t *root;          /* the document */
	json_t *resources;     /* the Resources section, or NULL */
	json_t *mappings;      /* the Mappings section, or NULL */
	json_t *conditions;    /* the Conditions section, or NULL */
	ctxkind cx;            /* what is being checked */
	char *prefix;          /* message prefix: "Bucket (AWS::S3::Bucket): " */
	cairn_buf path;        /* the path of the node, for messages */
	json_t *deps;          /* the current resource's dependencies: set of ids */
	const char *self;      /* the current resource's logical id */
	const char *type_name; /* the current resource's type, or NULL */
	json_t *cond_refs;     /* condition name -> array of conditions it names */
	const char *cur_cond;  /* the condition being checked */
	int uses_import;       /* some Fn::ImportValue was seen */
} ck;

static void err(ck *c, int line, int col, const char *fmt, ...) CAIRN_PRINTF(4, 5);

static void err(ck *c, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *m;
	va_start(ap, fmt);
	m = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	cairn_diags_add(c->diags, CAIRN_DIAG_ERROR, c->file, line, col, "%s%s%s%s",
			c->prefix ? c->prefix : "", c->path.len ? cairn_buf_cstr(&c->path) : "",
			c->path.len ? ": " : "", m);
	free(m);
}

static void warn(ck *c, int line, int col, const char *fmt, ...) CAIRN_PRINTF(4, 5);

static void warn(ck *c, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *m;
	va_start(ap, fmt);
	m = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	cairn_diags_add(c->diags, CAIRN_DIAG_WARNING, c->file, line, col, "%s%s%s%s",
			c->prefix ? c->prefix : "", c->path.len ? cairn_buf_cstr(&c->path) : "",
			c->path.len ? ": " : "", m);
	free(m);
}

/* ---- paths and positions -------------------------------------------------- */

static size_t path_push_key(ck *c, const char *key)
{
	size_t mark = c->path.len;
	if (c->path.len)
		cairn_buf_putc(&c->path, '.');
	cairn_buf_puts(&c->path, key);
	return mark;
}

static size_t path_push_index(ck *c, size_t i)
{
	size_t mark = c->path.len;
	char num[32];
	int n = snprintf(num, sizeof(num), "[%zu]", i);
	cairn_buf_put(&c->path, num, (size_t)n);
	return mark;
}

static void path_pop(ck *c, size_t mark)
{
	c->path.len = mark;
	if (c->path.ptr)
		c->path.ptr[mark] = '\0';
}

/* The position of member key of obj (its key), defaulting to (line, col). */
static void member_pos(ck *c, const json_t *obj, const char *key, int *line, int *col)
{
	tpl_mark_member(c->t, obj, key, line, col);
}

static void item_pos(ck *c, const json_t *arr, size_t i, int *line, int *col)
{
	tpl_mark_item(c->t, arr, i, line, col);
}

static const char *kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "a mapping";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static const char *vkind_name(vkind k)
{
	switch (k) {
	case VK_STRING: return "a string";
	case VK_LIST: return "a list";
	case VK_OBJECT: return "a mapping";
	case VK_NULL: return "null";
	default: return "a value";
	}
}

/* The nearest of the candidates to s, or NULL. */
typedef struct nearest {
	const char *best;  /* the nearest so far */
	int d;             /* its distance */
	int cap;           /* the largest distance worth suggesting */
	const char *s;     /* what is looked for */
} nearest;

static void near_init(nearest *n, const char *s)
{
	size_t len = strlen(s);
	n->best = NULL;
	n->s = s;
	n->cap = len <= 3 ? 1 : len <= 8 ? 2 : 3;
	n->d = n->cap + 1;
}

static void near_try(nearest *n, const char *cand)
{
	int d = tpl_distance(n->s, cand, n->cap);
	size_t ls = strlen(n->s), lc = strlen(cand);
	/* a prefix of a longer name (VersioningConfig) is worth suggesting */
	if (d > n->cap && ls >= 4 && lc >= 4 &&
	    strncasecmp(n->s, cand, ls < lc ? ls : lc) == 0)
		d = n->cap;
	if (d < n->d) {
		n->d = d;
		n->best = cand;
	}
}

static void near_obj(nearest *n, const json_t *obj)
{
	const char *k;
	json_t *v;
	if (!json_is_object(obj) || json_object_size(obj) > 5000)
		return;
	json_object_foreach((json_t *)obj, k, v)
		near_try(n, k);
}

/* " (did you mean 'X'?)" or "" */
static char *did_you_mean(const nearest *n)
{
	if (!n->best)
		return cairn_xstrdup("");
	return cairn_xasprintf(" (did you mean '%s'?)", n->best);
}

static int alnum_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s))
			return 0;
	return 1;
}

/* ---- intrinsics ----------------------------------------------------------- */

static const char *const intrinsics[] = {
	"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::If",
	"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::FindInMap", "Fn::GetAZs",
	"Fn::Base64", "Fn::Cidr", "Fn::ImportValue", NULL
};

/* The intrinsic v is, or NULL for a plain value. An object with "Ref" or
 * an "Fn::" key among others is reported, and "" returned: the caller
 * checks nothing more of it. */
static const char *intrinsic_of(ck *c, const json_t *v, int line, int col)
{
	const char *k;
	json_t *x;
	if (!json_is_object(v))
		return NULL;
	if (json_object_size(v) == 1) {
		void *it = json_object_iter((json_t *)v);
		k = json_object_iter_key(it);
		if (strcmp(k, "Ref") == 0 || strncmp(k, "Fn::", 4) == 0 ||
		    (c->cx == CX_CONDITION && strcmp(k, "Condition") == 0))
			return k;
		return NULL;
	}
	json_object_foreach((json_t *)v, k, x) {
		if (strcmp(k, "Ref") == 0 || strncmp(k, "Fn::", 4) == 0) {
			int l = line, cc = col;
			member_pos(c, v, k, &l, &cc);
			err(c, l, cc, "%s must be the only key of its mapping", k);
			return "";
		}
	}
	return NULL;
}

static vkind check_expr(ck *c, const json_t *v, int line, int col);
static vkind check_cond(ck *c, const json_t *v, int line, int col);

static void add_dep(ck *c, const char *id)
{
	if (c->cx == CX_RESOURCE && c->deps)
		json_object_set_new(c->deps, id, json_true());
}

/* Checks that a resource named in a condition context is an error. */
static int resource_allowed(ck *c, const char *what, const char *id, int line, int col)
{
	if (c->cx == CX_CONDITION) {
		err(c, line, col, "%s names resource '%s': conditions can use only parameters "
				  "and pseudo parameters", what, id);
		return 0;
	}
	return 1;
}

static const cairn_type *type_of(ck *c, const char *id)
{
	json_t *r = json_object_get(c->resources, id);
	const char *tn = json_string_value(json_object_get(r, "Type"));
	return tn ? cairn_types_find(c->st->types, tn) : NULL;
}

/* A name Ref can take: its kind, or VK_BAD after reporting. */
static vkind check_ref_name(ck *c, const char *name, const char *what, int line, int col)
{
	const tpl_param *p;
	if (strncmp(name, "AWS::", 5) == 0) {
		if (strcmp(name, "AWS::NoValue") == 0)
			return VK_NOVALUE;
		if (strcmp(name, "AWS::NotificationARNs") == 0)
			return VK_LIST;
		if (tpl_is_pseudo(name))
			return VK_STRING;
		if (strcmp(name, "AWS::StackId") == 0) {
			err(c, line, col, "%s: the pseudo parameter AWS::StackId is not supported: "
					  "a cairn stack has no CloudFormation stack id (use "
					  "AWS::StackName)", what);
			return VK_BAD;
		}
		err(c, line, col, "%s: unknown pseudo parameter '%s' (AWS::AccountId, AWS::Region, "
				  "AWS::Partition, AWS::URLSuffix, AWS::StackName, AWS::NoValue, "
				  "AWS::NotificationARNs)", what, name);
		return VK_BAD;
	}
	if ((p = tpl_stack_param(c->st, name)) != NULL)
		return p->kind == TPL_PARAM_LIST_STRING || p->kind == TPL_PARAM_LIST_NUMBER
			       ? VK_LIST
			       : VK_STRING;
	if (json_object_get(c->resources, name)) {
		if (!resource_allowed(c, what, name, line, col))
			return VK_BAD;
		add_dep(c, name);
		return VK_STRING;
	}
	{
		nearest n;
		char *dym;
		near_init(&n, name);
		near_obj(&n, c->resources);
		if (c->st->param_index)
			near_obj(&n, c->st->param_index);
		dym = did_you_mean(&n);
		err(c, line, col, "%s: '%s' is not a parameter or a resource of this template%s",
		    what, name, dym);
		free(dym);
	}
	return VK_BAD;
}

/* Resource id and attribute of Fn::GetAtt (or a ${Res.Attr}); the kind
 * of the attribute's value. attr may be NULL (given by an expression). */
static vkind check_getatt_target(ck *c, const char *what, const char *id, const char *attr,
				 int line, int col)
{
	const cairn_type *ty;
	if (!json_object_get(c->resources, id)) {
		nearest n;
		char *dym;
		near_init(&n, id);
		near_obj(&n, c->resources);
		dym = did_you_mean(&n);
		if (tpl_stack_param(c->st, id))
			err(c, line, col, "%s: '%s' is a parameter; Fn::GetAtt takes a resource", what,
			    id);
		else
			err(c, line, col, "%s: there is no resource '%s'%s", what, id, dym);
		free(dym);
		return VK_BAD;
	}
	if (!resource_allowed(c, what, id, line, col))
		return VK_BAD;
	add_dep(c, id);
	ty = type_of(c, id);
	if (!ty || !attr)
		return ty && attr ? VK_STRING : VK_ANY;
	if (!cairn_type_has_attribute(ty, attr)) {
		cairn_buf list = CAIRN_BUF_INIT;
		size_t i;
		nearest n;
		char *dym;
		near_init(&n, attr);
		for (i = 0; i < ty->nattributes; i++) {
			cairn_buf_printf(&list, "%s%s", i ? ", " : "", ty->attributes[i]);
			near_try(&n, ty->attributes[i]);
		}
		dym = did_you_mean(&n);
		err(c, line, col, "%s: %s (%s) has no attribute '%s'%s; it has: %s", what, id,
		    ty->name, attr, dym, ty->nattributes ? cairn_buf_cstr(&list) : "none");
		free(dym);
		cairn_buf_dispose(&list);
		return VK_BAD;
	}
	return cairn_type_attribute_is_list(ty, attr) ? VK_LIST : VK_STRING;
}

/* An argument that must give a string (or anything that may be one). */
static int want_string(ck *c, const char *fn, const char *argname, const json_t *v, int line,
		       int col)
{
	vkind k = check_expr(c, v, line, col);
	if (k == VK_BAD)
		return -1;
	if (k != VK_STRING && k != VK_ANY) {
		err(c, line, col, "%s: %s must be a string, not %s", fn, argname, vkind_name(k));
		return -1;
	}
	return 0;
}

static int want_list(ck *c, const char *fn, const char *argname, const json_t *v, int line,
		     int col)
{
	vkind k = check_expr(c, v, line, col);
	if (k == VK_BAD)
		return -1;
	if (k != VK_LIST && k != VK_ANY) {
		err(c, line, col, "%s: %s must be a list, not %s", fn, argname, vkind_name(k));
		return -1;
	}
	return 0;
}

/* An argument array of exactly n (n > 0) or between lo and hi items. */
static int want_args(ck *c, const char *fn, const json_t *arg, size_t lo, size_t hi,
		     const char *form, int line, int col)
{
	if (!json_is_array(arg) || json_array_size(arg) < lo || json_array_size(arg) > hi) {
		err(c, line, col, "%s takes %s, not %s%s", fn, form, kind_name(arg),
		    json_is_array(arg) ? " of that length" : "");
		return -1;
	}
	return 0;
}

/* Parses the ${...} of a Fn::Sub string; calls fn for each variable.
 * Returns -1 after reporting an unterminated ${. */
static int sub_vars(ck *c, const char *s, int line, int col,
		    void (*fn)(ck *c, const char *var, void *ud, int line, int col), void *ud)
{
	const char *p = s;
	while ((p = strstr(p, "${")) != NULL) {
		const char *end = strchr(p + 2, '}');
		char *var;
		if (!end) {
			err(c, line, col, "Fn::Sub: '${' without a closing '}' (write ${!Literal} for "
					  "a literal '${')");
			return -1;
		}
		if (p[2] == '!') {
			p = end + 1;
			continue;
		}
		var = cairn_xstrndup(p + 2, (size_t)(end - p - 2));
		fn(c, var, ud, line, col);
		free(var);
		p = end + 1;
	}
	return 0;
}

static void sub_var(ck *c, const char *var, void *ud, int line, int col)
{
	const json_t *map = ud;
	const char *dot;
	const tpl_param *p;
	if (map && json_object_get(map, var))
		return;
	if (!*var) {
		err(c, line, col, "Fn::Sub: an empty variable ${}");
		return;
	}
	if (strncmp(var, "AWS::", 5) == 0) {
		vkind k = check_ref_name(c, var, "Fn::Sub", line, col);
		if (k == VK_NOVALUE || k == VK_LIST)
			err(c, line, col, "Fn::Sub: ${%s} is not a string", var);
		return;
	}
	if ((p = tpl_stack_param(c->st, var)) != NULL) {
		if (p->kind == TPL_PARAM_LIST_STRING || p->kind == TPL_PARAM_LIST_NUMBER)
			err(c, line, col, "Fn::Sub: ${%s} is a list parameter; Fn::Sub needs strings "
					  "(use Fn::Join)", var);
		return;
	}
	if (json_object_get(c->resources, var)) {
		if (resource_allowed(c, "Fn::Sub", var, line, col))
			add_dep(c, var);
		return;
	}
	dot = strchr(var, '.');
	if (dot && dot > var) {
		char *id = cairn_xstrndup(var, (size_t)(dot - var));
		if (json_object_get(c->resources, id)) {
			vkind k = check_getatt_target(c, "Fn::Sub", id, dot + 1, line, col);
			if (k == VK_LIST)
				err(c, line, col, "Fn::Sub: ${%s} is a list; Fn::Sub needs strings", var);
			free(id);
			return;
		}
		free(id);
	}
	{
		nearest n;
		char *dym;
		near_init(&n, var);
		near_obj(&n, c->resources);
		if (c->st->param_index)
			near_obj(&n, c->st->param_index);
		if (map)
			near_obj(&n, map);
		dym = did_you_mean(&n);
		err(c, line, col, "Fn::Sub: ${%s} names no parameter, resource%s or pseudo parameter%s",
		    var, map ? ", variable" : "", dym);
		free(dym);
	}
}

/* Checks the condition name used by Fn::If or {"Condition": x}. */
static int check_cond_name(ck *c, const char *fn, const json_t *name, int line, int col)
{
	const char *s = json_string_value(name);
	if (!s) {
		err(c, line, col, "%s takes a condition name, not %s", fn, kind_name(name));
		return -1;
	}
	if (!c->conditions || !json_object_get(c->conditions, s)) {
		nearest n;
		char *dym;
		near_init(&n, s);
		near_obj(&n, c->conditions);
		dym = did_you_mean(&n);
		err(c, line, col, "%s: there is no condition '%s' in Conditions%s", fn, s, dym);
		free(dym);
		return -1;
	}
	if (c->cx == CX_CONDITION && c->cur_cond) {
		json_t *a = json_object_get(c->cond_refs, c->cur_cond);
		if (!a) {
			a = json_array();
			json_object_set_new(c->cond_refs, c->cur_cond, a);
		}
		json_array_append_new(a, json_string(s));
	}
	return 0;
}

/* A literal the Fn::FindInMap check can use: a string, or NULL. */
static const char *lit(const json_t *v)
{
	return json_string_value(v);
}

static vkind check_intrinsic(ck *c, const char *fn, const json_t *arg, int line, int col);

/* An item of an argument list, with its position. */
static const json_t *arg_at(ck *c, const json_t *args, size_t i, int *line, int *col)
{
	item_pos(c, args, i, line, col);
	return json_array_get(args, i);
}

static vkind check_intrinsic(ck *c, const char *fn, const json_t *arg, int line, int col)
{
	int l = line, cc = col;
	const json_t *a;

	if (strcmp(fn, "Ref") == 0) {
		if (!json_is_string(arg)) {
			err(c, line, col, "Ref takes a name, not %s", kind_name(arg));
			return VK_BAD;
		}
		if (c->self && strcmp(json_string_value(arg), c->self) == 0 &&
		    c->cx == CX_RESOURCE) {
			add_dep(c, c->self); /* reported as a cycle */
			return VK_STRING;
		}
		return check_ref_name(c, json_string_value(arg), "Ref", line, col);
	}
	if (strcmp(fn, "Fn::GetAtt") == 0) {
		const char *id = NULL, *attr = NULL;
		char *idbuf = NULL;
		vkind k;
		if (json_is_string(arg)) {
			const char *s = json_string_value(arg), *dot = strchr(s, '.');
			if (!dot || dot == s || !dot[1]) {
				err(c, line, col, "Fn::GetAtt takes [Resource, Attribute] (or "
						  "\"Resource.Attribute\"), not '%s'", s);
				return VK_BAD;
			}
			idbuf = cairn_xstrndup(s, (size_t)(dot - s));
			id = idbuf;
			attr = dot + 1;
		} else {
			if (want_args(c, fn, arg, 2, 2, "[Resource, Attribute]", line, col) < 0)
				return VK_BAD;
			a = arg_at(c, arg, 0, &l, &cc);
			if (!json_is_string(a)) {
				err(c, l, cc, "Fn::GetAtt: the resource must be a logical id, not %s",
				    kind_name(a));
				return VK_BAD;
			}
			id = json_string_value(a);
			l = line, cc = col;
			a = arg_at(c, arg, 1, &l, &cc);
			if (json_is_string(a))
				attr = json_string_value(a);
			else if (want_string(c, fn, "the attribute", a, l, cc) < 0)
				return VK_BAD;
		}
		if (c->self && strcmp(id, c->self) == 0 && c->cx == CX_RESOURCE) {
			add_dep(c, id);
			free(idbuf);
			return VK_STRING;
		}
		k = check_getatt_target(c, "Fn::GetAtt", id, attr, line, col);
		free(idbuf);
		return k;
	}
	if (strcmp(fn, "Fn::Sub") == 0) {
		const json_t *s = arg, *map = NULL;
		int sl = line, sc = col;
		if (json_is_array(arg)) {
			if (want_args(c, fn, arg, 2, 2, "a string, or [String, {Var: Value}]", line,
				      col) < 0)
				return VK_BAD;
			s = arg_at(c, arg, 0, &sl, &sc);
			l = line, cc = col;
			map = arg_at(c, arg, 1, &l, &cc);
			const char *mfn = json_is_object(map) ? intrinsic_of(c, map, l, cc) : NULL;
			if (mfn && !*mfn)
				return VK_BAD;
			if (!json_is_object(map) || mfn) {
				err(c, l, cc, "Fn::Sub: the variables must be a mapping {Name: Value}, "
					      "not %s", kind_name(map));
				return VK_BAD;
			} else {
				const char *k;
				json_t *x;
				json_object_foreach((json_t *)map, k, x) {
					int vl = l, vc = cc;
					member_pos(c, map, k, &vl, &vc);
					want_string(c, fn, "a variable's value", x, vl, vc);
				}
			}
		}
		if (!json_is_string(s)) {
			err(c, sl, sc, "Fn::Sub takes a string, or [String, {Var: Value}], not %s",
			    kind_name(s));
			return VK_BAD;
		}
		if (sub_vars(c, json_string_value(s), sl, sc, sub_var, (void *)map) < 0)
			return VK_BAD;
		return VK_STRING;
	}
	if (strcmp(fn, "Fn::Join") == 0) {
		if (want_args(c, fn, arg, 2, 2, "[Delimiter, [Values]]", line, col) < 0)
			return VK_BAD;
		a = arg_at(c, arg, 0, &l, &cc);
		if (!json_is_string(a)) {
			err(c, l, cc, "Fn::Join: the delimiter must be a string, not %s", kind_name(a));
			return VK_BAD;
		}
		l = line, cc = col;
		a = arg_at(c, arg, 1, &l, &cc);
		if (json_is_array(a)) {
			size_t i;
			for (i = 0; i < json_array_size(a); i++) {
				int il = l, ic = cc;
				const json_t *x = arg_at(c, a, i, &il, &ic);
				vkind k = check_expr(c, x, il, ic);
				if (k == VK_LIST || k == VK_OBJECT || k == VK_NULL) {
					err(c, il, ic, "Fn::Join: item %zu must be a string, not %s",
					    i + 1, vkind_name(k));
				}
			}
			return VK_STRING;
		}
		return want_list(c, fn, "the values", a, l, cc) < 0 ? VK_BAD : VK_STRING;
	}
	if (strcmp(fn, "Fn::Select") == 0) {
		const json_t *idx, *list;
		int ll = line, lc = col;
		if (want_args(c, fn, arg, 2, 2, "[Index, List]", line, col) < 0)
			return VK_BAD;
		idx = arg_at(c, arg, 0, &l, &cc);
		list = arg_at(c, arg, 1, &ll, &lc);
		if (json_is_integer(idx) || json_is_string(idx)) {
			char *end = NULL;
			long long i = json_is_integer(idx)
					      ? json_integer_value(idx)
					      : strtoll(json_string_value(idx), &end, 10);
			if ((end && (*end || end == json_string_value(idx))) || i < 0) {
				err(c, l, cc, "Fn::Select: the index must be a number from 0, not %s",
				    json_is_string(idx) ? json_string_value(idx) : "negative");
				return VK_BAD;
			}
			if (json_is_array(list) && (size_t)i >= json_array_size(list)) {
				err(c, l, cc, "Fn::Select: index %lld is out of range for a list of %zu",
				    i, json_array_size(list));
				return VK_BAD;
			}
		} else if (want_string(c, fn, "the index", idx, l, cc) < 0) {
			return VK_BAD;
		}
		if (json_is_array(list)) {
			size_t i;
			for (i = 0; i < json_array_size(list); i++) {
				int il = ll, ic = lc;
				check_expr(c, arg_at(c, list, i, &il, &ic), il, ic);
			}
			return VK_ANY;
		}
		return want_list(c, fn, "the list", list, ll, lc) < 0 ? VK_BAD : VK_ANY;
	}
	if (strcmp(fn, "Fn::Split") == 0) {
		if (want_args(c, fn, arg, 2, 2, "[Delimiter, String]", line, col) < 0)
			return VK_BAD;
		a = arg_at(c, arg, 0, &l, &cc);
		if (!json_is_string(a) || !json_string_length(a)) {
			err(c, l, cc, "Fn::Split: the delimiter must be a non-empty string");
			return VK_BAD;
		}
		l = line, cc = col;
		a = arg_at(c, arg, 1, &l, &cc);
		return want_string(c, fn, "the source", a, l, cc) < 0 ? VK_BAD : VK_LIST;
	}
	if (strcmp(fn, "Fn::If") == 0) {
		vkind ka, kb;
		int bl = line, bc = col;
		if (want_args(c, fn, arg, 3, 3, "[Condition, ValueIfTrue, ValueIfFalse]", line,
			      col) < 0)
			return VK_BAD;
		a = arg_at(c, arg, 0, &l, &cc);
		if (check_cond_name(c, fn, a, l, cc) < 0)
			return VK_BAD;
		l = line, cc = col;
		ka = check_expr(c, arg_at(c, arg, 1, &l, &cc), l, cc);
		kb = check_expr(c, arg_at(c, arg, 2, &bl, &bc), bl, bc);
		if (ka == VK_BAD || kb == VK_BAD)
			return VK_BAD;
		if (ka == kb)
			return ka;
		if (ka == VK_NOVALUE)
			return kb;
		if (kb == VK_NOVALUE)
			return ka;
		return VK_ANY;
	}
	if (strcmp(fn, "Fn::Equals") == 0 || strcmp(fn, "Fn::Not") == 0 ||
	    strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0) {
		/* in Conditions, check_expr hands these to check_cond */
		err(c, line, col, "%s can be used only in Conditions (name the condition with "
				  "Fn::If here)", fn);
		return VK_BAD;
	}
	if (strcmp(fn, "Fn::FindInMap") == 0) {
		const json_t *m = NULL, *k1, *k2, *mapping = NULL, *second = NULL;
		int l1 = line, c1 = col, l2 = line, c2 = col;
		if (want_args(c, fn, arg, 3, 3, "[MapName, TopLevelKey, SecondLevelKey]", line,
			      col) < 0)
			return VK_BAD;
		m = arg_at(c, arg, 0, &l, &cc);
		k1 = arg_at(c, arg, 1, &l1, &c1);
		k2 = arg_at(c, arg, 2, &l2, &c2);
		if (!lit(m) && want_string(c, fn, "the map name", m, l, cc) < 0)
			return VK_BAD;
		if (!lit(k1) && want_string(c, fn, "the top-level key", k1, l1, c1) < 0)
			return VK_BAD;
		if (!lit(k2) && want_string(c, fn, "the second-level key", k2, l2, c2) < 0)
			return VK_BAD;
		if (lit(m)) {
			mapping = c->mappings ? json_object_get(c->mappings, lit(m)) : NULL;
			if (!mapping) {
				nearest n;
				char *dym;
				near_init(&n, lit(m));
				near_obj(&n, c->mappings);
				dym = did_you_mean(&n);
				err(c, l, cc, "Fn::FindInMap: there is no mapping '%s' in Mappings%s",
				    lit(m), dym);
				free(dym);
				return VK_BAD;
			}
		}
		if (json_is_object(mapping) && lit(k1)) {
			second = json_object_get(mapping, lit(k1));
			if (!second) {
				err(c, l1, c1, "Fn::FindInMap: mapping '%s' has no key '%s'", lit(m),
				    lit(k1));
				return VK_BAD;
			}
		}
		if (json_is_object(second) && lit(k2) && !json_object_get(second, lit(k2))) {
			err(c, l2, c2, "Fn::FindInMap: mapping '%s' has no key '%s' under '%s'",
			    lit(m), lit(k2), lit(k1));
			return VK_BAD;
		}
		if (json_is_object(mapping) && !lit(k1) && lit(k2)) {
			/* the second key must exist under some top-level key */
			const char *k;
			json_t *x;
			int found = 0;
			json_object_foreach((json_t *)mapping, k, x)
				if (json_is_object(x) && json_object_get(x, lit(k2)))
					found = 1;
			if (!found) {
				err(c, l2, c2, "Fn::FindInMap: no key of mapping '%s' has '%s' under it",
				    lit(m), lit(k2));
				return VK_BAD;
			}
		}
		if (json_is_object(second) && lit(k2)) {
			const json_t *v = json_object_get(second, lit(k2));
			return json_is_array(v) ? VK_LIST : VK_STRING;
		}
		return VK_ANY;
	}
	if (strcmp(fn, "Fn::GetAZs") == 0) {
		if (json_is_string(arg))
			return VK_LIST;
		return want_string(c, fn, "the region", arg, line, col) < 0 ? VK_BAD : VK_LIST;
	}
	if (strcmp(fn, "Fn::Base64") == 0)
		return want_string(c, fn, "the value", arg, line, col) < 0 ? VK_BAD : VK_STRING;
	if (strcmp(fn, "Fn::Cidr") == 0) {
		size_t i;
		static const char *const names[] = {"the IP block", "the count", "the CIDR bits"};
		if (want_args(c, fn, arg, 3, 3, "[IpBlock, Count, CidrBits]", line, col) < 0)
			return VK_BAD;
		for (i = 0; i < 3; i++) {
			int il = line, ic = col;
			const json_t *x = arg_at(c, arg, i, &il, &ic);
			if (i > 0 && json_is_integer(x)) {
				json_int_t n = json_integer_value(x);
				if ((i == 1 && (n < 1 || n > 256)) || (i == 2 && (n < 1 || n > 128))) {
					err(c, il, ic, "Fn::Cidr: %s must be between 1 and %d", names[i],
					    i == 1 ? 256 : 128);
					return VK_BAD;
				}
				continue;
			}
			if (want_string(c, fn, names[i], x, il, ic) < 0)
				return VK_BAD;
		}
		return VK_LIST;
	}
	if (strcmp(fn, "Fn::ImportValue") == 0) {
		c->uses_import = 1;
		return want_string(c, fn, "the export name", arg, line, col) < 0 ? VK_BAD
										  : VK_STRING;
	}
	{
		nearest n;
		size_t i;
		char *dym;
		near_init(&n, fn);
		for (i = 0; intrinsics[i]; i++)
			near_try(&n, intrinsics[i]);
		dym = did_you_mean(&n);
		if (strcmp(fn, "Fn::Transform") == 0 || strcmp(fn, "Fn::Length") == 0 ||
		    strcmp(fn, "Fn::ToJsonString") == 0 || strcmp(fn, "Fn::ForEach") == 0)
			err(c, line, col, "%s is not supported: cairn does not run CloudFormation "
					  "transforms or macros", fn);
		else
			err(c, line, col, "unknown intrinsic function %s%s", fn, dym);
		free(dym);
		return VK_BAD;
	}
}

/* Checks any value: intrinsics inside it are checked; returns its kind. */
static vkind check_expr(ck *c, const json_t *v, int line, int col)
{
	const char *fn = intrinsic_of(c, v, line, col);
	if (fn && !*fn)
		return VK_BAD;
	if (fn) {
		int l = line, cc = col;
		if (c->cx == CX_CONDITION &&
		    (strcmp(fn, "Fn::Equals") == 0 || strcmp(fn, "Fn::Not") == 0 ||
		     strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0 ||
		     strcmp(fn, "Condition") == 0)) {
			return check_cond(c, v, line, col);
		}
		member_pos(c, v, fn, &l, &cc);
		return check_intrinsic(c, fn, json_object_get(v, fn), l, cc);
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x) {
			int l = line, cc = col;
			member_pos(c, v, k, &l, &cc);
			check_expr(c, x, l, cc);
		}
		return VK_OBJECT;
	}
	if (json_is_array(v)) {
		size_t i;
		for (i = 0; i < json_array_size(v); i++) {
			int l = line, cc = col;
			item_pos(c, v, i, &l, &cc);
			check_expr(c, json_array_get(v, i), l, cc);
		}
		return VK_LIST;
	}
	if (json_is_null(v))
		return VK_NULL;
	return VK_STRING;
}

/* A condition function (or {"Condition": name}); NULL v is never passed
 * by callers outside Conditions. */
static vkind check_cond(ck *c, const json_t *v, int line, int col)
{
	const char *fn;
	const json_t *arg;
	int l = line, cc = col;
	size_t i, n;

	if (!v)
		return VK_BAD;
	fn = json_is_object(v) && json_object_size(v) == 1
		     ? json_object_iter_key(json_object_iter((json_t *)v))
		     : NULL;
	if (!fn || (strcmp(fn, "Fn::Equals") && strcmp(fn, "Fn::Not") && strcmp(fn, "Fn::And") &&
		    strcmp(fn, "Fn::Or") && strcmp(fn, "Condition"))) {
		if (fn)
			member_pos(c, v, fn, &l, &cc);
		err(c, l, cc, "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or "
			      "Condition, not %s", fn ? fn : kind_name(v));
		return VK_BAD;
	}
	member_pos(c, v, fn, &l, &cc);
	arg = json_object_get(v, fn);
	if (strcmp(fn, "Condition") == 0)
		return check_cond_name(c, "Condition", arg, l, cc) < 0 ? VK_BAD : VK_ANY;
	if (strcmp(fn, "Fn::Equals") == 0) {
		if (want_args(c, fn, arg, 2, 2, "[Value1, Value2]", l, cc) < 0)
			return VK_BAD;
		for (i = 0; i < 2; i++) {
			int il = l, ic = cc;
			const json_t *x = arg_at(c, arg, i, &il, &ic);
			vkind k = check_expr(c, x, il, ic);
			if (k == VK_NOVALUE)
				err(c, il, ic, "Fn::Equals: AWS::NoValue cannot be compared");
		}
		return VK_ANY;
	}
	if (strcmp(fn, "Fn::Not") == 0) {
		if (want_args(c, fn, arg, 1, 1, "[Condition]", l, cc) < 0)
			return VK_BAD;
		{
			int il = l, ic = cc;
			const json_t *x = arg_at(c, arg, 0, &il, &ic);
			return check_cond(c, x, il, ic);
		}
	}
	if (want_args(c, fn, arg, 2, 10, "a list of 2 to 10 conditions", l, cc) < 0)
		return VK_BAD;
	n = json_array_size(arg);
	for (i = 0; i < n; i++) {
		int il = l, ic = cc;
		const json_t *x = arg_at(c, arg, i, &il, &ic);
		check_cond(c, x, il, ic);
	}
	return VK_ANY;
}

/* ---- schema ------------------------------------------------------------------ */

static const char *skind(const json_t *schema)
{
	return json_string_value(json_object_get(schema, "kind"));
}

static int is_scalar_kind(const char *k)
{
	return !strcmp(k, "String") || !strcmp(k, "Integer") || !strcmp(k, "Double") ||
	       !strcmp(k, "Boolean");
}

static void check_value(ck *c, const json_t *v, const json_t *schema, int line, int col);

/* A plain scalar against a scalar kind. */
static void check_scalar(ck *c, const json_t *v, const json_t *schema, int line, int col)
{
	const char *k = skind(schema);
	const json_t *en = json_object_get(schema, "enum");
	char *s;
	if (json_is_null(v)) {
		err(c, line, col, "the value is null; give a value or remove the property");
		return;
	}
	if (json_is_array(v) || json_is_object(v)) {
		err(c, line, col, "expects %s, not %s",
		    !strcmp(k, "String") ? "a string" : !strcmp(k, "Boolean") ? "a boolean"
											: "a number",
		    kind_name(v));
		return;
	}
	s = tpl_scalar_string(v);
	if (!strcmp(k, "Integer")) {
		char *end;
		if (json_is_boolean(v) || json_is_real(v) || (strtoll(s, &end, 10), *end) || !*s)
			err(c, line, col, "expects an integer, not %s", json_is_string(v) ? s : kind_name(v));
	} else if (!strcmp(k, "Double")) {
		char *end;
		if (json_is_boolean(v) || (strtod(s, &end), *end) || !*s)
			err(c, line, col, "expects a number, not %s", json_is_string(v) ? s : kind_name(v));
	} else if (!strcmp(k, "Boolean")) {
		if (strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0)
			err(c, line, col, "expects true or false, not %s",
			    json_is_string(v) ? s : kind_name(v));
	} else if (en) {
		size_t i;
		int ok = 0;
		for (i = 0; i < json_array_size(en) && !ok; i++)
			if (strcmp(json_string_value(json_array_get(en, i)), s) == 0)
				ok = 1;
		if (!ok) {
			cairn_buf list = CAIRN_BUF_INIT;
			for (i = 0; i < json_array_size(en); i++)
				cairn_buf_printf(&list, "%s%s", i ? ", " : "",
						 json_string_value(json_array_get(en, i)));
			err(c, line, col, "'%s' is not one of %s%s", s, cairn_buf_cstr(&list),
			    json_is_boolean(v) ? " (YAML reads an unquoted yes, no, on, off, true or "
						 "false as a boolean: quote the value)"
					       : "");
			cairn_buf_dispose(&list);
		}
	}
	free(s);
}

/* Is the kind an expression gives acceptable for the schema? */
static void check_kind(ck *c, vkind k, const json_t *schema, int line, int col)
{
	const char *sk = skind(schema);
	if (k == VK_BAD || k == VK_ANY || k == VK_NOVALUE)
		return;
	if (!strcmp(sk, "Json") || !strcmp(sk, "PolicyDocument")) {
		if (k == VK_LIST && !strcmp(sk, "PolicyDocument"))
			err(c, line, col, "expects a policy document (a mapping or a JSON string), "
					  "not a list");
		return;
	}
	if (is_scalar_kind(sk)) {
		if (k != VK_STRING)
			err(c, line, col, "expects %s, but the function gives %s",
			    !strcmp(sk, "Boolean") ? "a boolean" : !strcmp(sk, "String") ? "a string"
											  : "a number",
			    vkind_name(k));
		return;
	}
	if (!strcmp(sk, "List") || !strcmp(sk, "Tags")) {
		if (k != VK_LIST)
			err(c, line, col, "expects a list, but the function gives %s", vkind_name(k));
		return;
	}
	/* Object, Map */
	if (k != VK_OBJECT)
		err(c, line, col, "expects a mapping, but the function gives %s", vkind_name(k));
}

static void check_object(ck *c, const json_t *v, const json_t *schema, int line, int col)
{
	const json_t *props = json_object_get(schema, "properties");
	const char *k;
	json_t *x, *sx;
	json_object_foreach((json_t *)v, k, x) {
		int l = line, cc = col;
		size_t mark;
		member_pos(c, v, k, &l, &cc);
		sx = json_object_get(props, k);
		if (!sx) {
			nearest n;
			char *dym;
			near_init(&n, k);
			near_obj(&n, props);
			dym = did_you_mean(&n);
			err(c, l, cc, "property '%s' is not supported by %s%s", k,
			    c->type_name ? c->type_name : "cairn", dym);
			free(dym);
			/* still check intrinsics inside, for dependencies and errors */
			check_expr(c, x, l, cc);
			continue;
		}
		mark = path_push_key(c, k);
		check_value(c, x, sx, l, cc);
		path_pop(c, mark);
	}
	json_object_foreach((json_t *)props, k, sx) {
		if (json_is_true(json_object_get(sx, "required")) && !json_object_get(v, k))
			err(c, line, col, "missing required property '%s'", k);
	}
}

static void check_tags(ck *c, const json_t *v, int line, int col)
{
	size_t i;
	if (!json_is_array(v)) {
		err(c, line, col, "expects a list of {Key, Value}, not %s", kind_name(v));
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *tag = json_array_get(v, i);
		int l = line, cc = col;
		size_t mark = path_push_index(c, i);
		const char *fn;
		item_pos(c, v, i, &l, &cc);
		fn = intrinsic_of(c, tag, l, cc);
		if (fn && !*fn) {
			/* reported */
		} else if (fn) {
			vkind k = check_expr(c, tag, l, cc);
			if (k != VK_BAD && k != VK_ANY && k != VK_OBJECT && k != VK_NOVALUE)
				err(c, l, cc, "a tag must be {Key, Value}, but the function gives %s",
				    vkind_name(k));
		} else if (!json_is_object(tag)) {
			err(c, l, cc, "a tag must be {Key, Value}, not %s", kind_name(tag));
		} else {
			const char *k;
			json_t *x;
			json_object_foreach((json_t *)tag, k, x) {
				int kl = l, kc = cc;
				size_t m2 = path_push_key(c, k);
				member_pos(c, tag, k, &kl, &kc);
				if (strcmp(k, "Key") && strcmp(k, "Value")) {
					err(c, kl, kc, "a tag has only Key and Value");
					check_expr(c, x, kl, kc);
				} else if (!strcmp(k, "Key") && json_is_string(x) &&
					   cairn_tag_key_reserved(json_string_value(x))) {
					/* cairn's own keys and AWS's: never silently
					 * dropped, never overridden */
					err(c, kl, kc, "the tag key '%s' is reserved: %s; remove this "
						       "tag or give it another key",
					    json_string_value(x),
					    cairn_tag_key_reserved(json_string_value(x)));
				} else {
					vkind vk = check_expr(c, x, kl, kc);
					if (vk == VK_LIST || vk == VK_OBJECT || vk == VK_NULL)
						err(c, kl, kc, "expects a string, not %s", vkind_name(vk));
				}
				path_pop(c, m2);
			}
			if (!json_object_get(tag, "Key"))
				err(c, l, cc, "a tag needs a Key");
			if (!json_object_get(tag, "Value"))
				err(c, l, cc, "a tag needs a Value");
		}
		path_pop(c, mark);
	}
}

static void check_value(ck *c, const json_t *v, const json_t *schema, int line, int col)
{
	const char *sk = skind(schema);
	const char *fn = intrinsic_of(c, v, line, col);

	if (fn && !*fn)
		return;
	if (fn) {
		int l = line, cc = col;
		member_pos(c, v, fn, &l, &cc);
		if (strcmp(fn, "Fn::If") == 0) {
			/* each branch against the schema */
			const json_t *arg = json_object_get(v, fn);
			size_t i;
			if (want_args(c, fn, arg, 3, 3, "[Condition, ValueIfTrue, ValueIfFalse]", l,
				      cc) < 0)
				return;
			{
				int al = l, ac = cc;
				check_cond_name(c, fn, arg_at(c, arg, 0, &al, &ac), al, ac);
			}
			for (i = 1; i < 3; i++) {
				int bl = l, bc = cc;
				const json_t *b = arg_at(c, arg, i, &bl, &bc);
				check_value(c, b, schema, bl, bc);
			}
			return;
		}
		check_kind(c, check_intrinsic(c, fn, json_object_get(v, fn), l, cc), schema, l, cc);
		return;
	}
	if (is_scalar_kind(sk)) {
		check_scalar(c, v, schema, line, col);
		return;
	}
	if (!strcmp(sk, "Json")) {
		if (json_is_null(v))
			err(c, line, col, "the value is null; give a value or remove the property");
		check_expr(c, v, line, col);
		return;
	}
	if (!strcmp(sk, "PolicyDocument")) {
		if (json_is_string(v)) {
			json_error_t e;
			json_t *doc = json_loads(json_string_value(v), 0, &e);
			if (!json_is_object(doc))
				err(c, line, col, "a policy document written as a string must be a JSON "
						  "object%s%s", doc ? "" : ": ", doc ? "" : e.text);
			json_decref(doc);
			return;
		}
		if (!json_is_object(v)) {
			err(c, line, col, "expects a policy document (a mapping or a JSON string), not "
					  "%s", kind_name(v));
			return;
		}
		check_expr(c, v, line, col);
		return;
	}
	if (!strcmp(sk, "Tags")) {
		check_tags(c, v, line, col);
		return;
	}
	if (!strcmp(sk, "List")) {
		const json_t *item = json_object_get(schema, "item");
		size_t i;
		if (!json_is_array(v)) {
			err(c, line, col, "expects a list, not %s", kind_name(v));
			return;
		}
		for (i = 0; i < json_array_size(v); i++) {
			int l = line, cc = col;
			size_t mark = path_push_index(c, i);
			item_pos(c, v, i, &l, &cc);
			check_value(c, json_array_get(v, i), item, l, cc);
			path_pop(c, mark);
		}
		return;
	}
	if (!strcmp(sk, "Map")) {
		const json_t *vs = json_object_get(schema, "value");
		const char *k;
		json_t *x;
		if (!json_is_object(v)) {
			err(c, line, col, "expects a mapping, not %s", kind_name(v));
			return;
		}
		json_object_foreach((json_t *)v, k, x) {
			int l = line, cc = col;
			size_t mark = path_push_key(c, k);
			member_pos(c, v, k, &l, &cc);
			check_value(c, x, vs, l, cc);
			path_pop(c, mark);
		}
		return;
	}
	/* Object */
	if (!json_is_object(v)) {
		err(c, line, col, "expects a mapping, not %s", kind_name(v));
		return;
	}
	check_object(c, v, schema, line, col);
}

/* ---- sections ---------------------------------------------------------------- */

static const char *const sections[] = {
	"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings",
	"Conditions", "Resources", "Outputs", NULL
};

static const char *const resource_keys[] = {
	"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy",
	"Metadata", NULL
};

static int in_list(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (strcmp(s, *v) == 0)
			return 1;
	return 0;
}

static void check_sections(ck *c)
{
	const char *k;
	json_t *v;
	json_object_foreach(c->root, k, v) {
		int line = 1, col = 1;
		member_pos(c, c->root, k, &line, &col);
		if (in_list(k, sections)) {
			if (!strcmp(k, "AWSTemplateFormatVersion")) {
				if (!json_is_string(v) || strcmp(json_string_value(v), "2010-09-09"))
					err(c, line, col, "AWSTemplateFormatVersion must be "
							  "\"2010-09-09\"");
			} else if (!strcmp(k, "Description")) {
				if (!json_is_string(v))
					err(c, line, col, "Description must be a string");
				else if (json_string_length(v) > 1024)
					err(c, line, col, "Description is longer than 1024 bytes");
			} else if (!json_is_object(v) && strcmp(k, "Parameters") != 0) {
				err(c, line, col, "%s must be a mapping, not %s", k, kind_name(v));
			}
			continue;
		}
		if (!strcmp(k, "Transform"))
			err(c, line, col, "Transform is not supported: cairn does not run "
					  "CloudFormation macros or the SAM transform");
		else if (!strcmp(k, "Rules") || !strcmp(k, "Hooks"))
			err(c, line, col, "the %s section is not supported by cairn", k);
		else {
			nearest n;
			size_t i;
			char *dym;
			near_init(&n, k);
			for (i = 0; sections[i]; i++)
				near_try(&n, sections[i]);
			dym = did_you_mean(&n);
			err(c, line, col, "unknown top-level section '%s'%s", k, dym);
			free(dym);
		}
	}
	if (!json_is_object(json_object_get(c->root, "Resources")) &&
	    !json_object_get(c->root, "Resources")) {
		int line, col;
		tpl_mark_root(c->t, &line, &col);
		err(c, line, col, "the template has no Resources section");
	}
}

static void check_mappings(ck *c)
{
	const char *name, *k1, *k2;
	json_t *m, *v1, *v2;
	if (!json_is_object(c->mappings))
		return;
	json_object_foreach(c->mappings, name, m) {
		int line = 1, col = 1;
		member_pos(c, c->mappings, name, &line, &col);
		if (!alnum_name(name))
			err(c, line, col, "mapping name '%s' must be alphanumeric", name);
		if (!json_is_object(m)) {
			err(c, line, col, "mapping '%s' must be a mapping of keys to mappings", name);
			continue;
		}
		json_object_foreach(m, k1, v1) {
			int l1 = line, c1 = col;
			member_pos(c, m, k1, &l1, &c1);
			if (!json_is_object(v1)) {
				err(c, l1, c1, "Mappings.%s.%s must be a mapping of keys to values", name,
				    k1);
				continue;
			}
			json_object_foreach(v1, k2, v2) {
				int l2 = l1, c2 = c1;
				member_pos(c, v1, k2, &l2, &c2);
				if (json_is_object(v2) || json_is_null(v2))
					err(c, l2, c2, "Mappings.%s.%s.%s must be a string or a list",
					    name, k1, k2);
				else if (json_is_array(v2)) {
					size_t i;
					for (i = 0; i < json_array_size(v2); i++) {
						const json_t *x = json_array_get(v2, i);
						if (json_is_object(x) || json_is_array(x) ||
						    json_is_null(x)) {
							err(c, l2, c2, "Mappings.%s.%s.%s: a list in a "
								       "mapping holds only strings",
							    name, k1, k2);
							break;
						}
					}
				}
			}
		}
	}
}

/* Conditions: checked, cycles found, then evaluated. */
static void check_conditions(ck *c)
{
	const char *name;
	json_t *v;
	json_t *state;
	c->st->cond_values = json_object();
	if (!json_is_object(c->conditions))
		return;
	c->cond_refs = json_object();
	c->cx = CX_CONDITION;
	json_object_foreach(c->conditions, name, v) {
		int line = 1, col = 1;
		member_pos(c, c->conditions, name, &line, &col);
		if (!alnum_name(name))
			err(c, line, col, "condition name '%s' must be alphanumeric", name);
		free(c->prefix);
		c->prefix = cairn_xasprintf("condition %s: ", name);
		c->cur_cond = name;
		check_cond(c, v, line, col);
	}
	free(c->prefix);
	c->prefix = NULL;
	c->cur_cond = NULL;
	c->cx = CX_RESOURCE;

	/* cycles: depth-first, colours in state (1 = on the path, 2 = done) */
	state = json_object();
	json_object_foreach(c->conditions, name, v) {
		const char **stack = NULL;
		size_t *pos = NULL, sp = 0, cap = 0;
		if (json_object_get(state, name))
			continue;
		/* iterative DFS */
		cap = 16;
		stack = cairn_xmalloc(cap * sizeof(*stack));
		pos = cairn_xmalloc(cap * sizeof(*pos));
		stack[0] = name;
		pos[0] = 0;
		sp = 1;
		json_object_set_new(state, name, json_integer(1));
		while (sp) {
			const char *cur = stack[sp - 1];
			json_t *refs = json_object_get(c->cond_refs, cur);
			if (pos[sp - 1] < json_array_size(refs)) {
				const char *nx = json_string_value(json_array_get(refs, pos[sp - 1]++));
				json_int_t st = json_integer_value(json_object_get(state, nx));
				if (st == 1) {
					cairn_buf msg = CAIRN_BUF_INIT;
					size_t i = 0;
					int line = 1, col = 1;
					while (strcmp(stack[i], nx) != 0)
						i++;
					for (; i < sp; i++)
						cairn_buf_printf(&msg, "%s -> ", stack[i]);
					cairn_buf_puts(&msg, nx);
					member_pos(c, c->conditions, nx, &line, &col);
					err(c, line, col, "condition cycle: %s", cairn_buf_cstr(&msg));
					cairn_buf_dispose(&msg);
					/* record the cycle's members as unknown */
				} else if (st == 0 && json_object_get(c->conditions, nx)) {
					if (sp == cap) {
						cap *= 2;
						stack = cairn_xrealloc(stack, cap * sizeof(*stack));
						pos = cairn_xrealloc(pos, cap * sizeof(*pos));
					}
					stack[sp] = json_object_iter_key(
						json_object_iter_at(c->conditions, nx));
					pos[sp] = 0;
					sp++;
					json_object_set_new(state, nx, json_integer(1));
				}
			} else {
				json_object_set_new(state, cur, json_integer(2));
				sp--;
			}
		}
		free(stack);
		free(pos);
	}
	json_decref(state);
}

/* Template level: the packs, and waivers of account-level findings (those
 * of `cairn audit` that belong to no resource). */
static const char *const cairn_meta_template[] = {"Policies", "Waivers", NULL};
static const char *const cairn_meta_resource[] = {"Waivers", NULL};
static const char *const waiver_keys[] = {"Control", "Reason", "Approver", "Expires", NULL};

static int is_date(const char *s)
{
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return 0;
	return s[4] == '-' && s[7] == '-' && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* Metadata.Cairn: the settings cairn reads (policy packs, waivers). */
static void check_cairn_meta(ck *c, const json_t *meta, int resource, int line, int col)
{
	const json_t *cm = json_object_get(meta, "Cairn");
	const char *k;
	json_t *v;
	int l = line, cc = col;
	if (!cm)
		return;
	member_pos(c, meta, "Cairn", &l, &cc);
	if (!json_is_object(cm)) {
		err(c, l, cc, "Metadata.Cairn must be a mapping");
		return;
	}
	json_object_foreach((json_t *)cm, k, v) {
		int kl = l, kc = cc;
		member_pos(c, cm, k, &kl, &kc);
		if (!in_list(k, resource ? cairn_meta_resource : cairn_meta_template)) {
			warn(c, kl, kc, "Metadata.Cairn.%s is not a setting cairn reads at %s level "
					"(%s)", k, resource ? "resource" : "template",
			     resource ? "Waivers" : "Policies, Waivers");
			continue;
		}
		if (!strcmp(k, "Policies")) {
			size_t i;
			int ok = json_is_array(v);
			for (i = 0; ok && i < json_array_size(v); i++)
				if (!json_is_string(json_array_get(v, i)))
					ok = 0;
			if (!ok)
				err(c, kl, kc, "Metadata.Cairn.Policies must be a list of policy pack "
					       "names");
		} else if (!strcmp(k, "Waivers")) {
			size_t i;
			if (!json_is_array(v)) {
				err(c, kl, kc, "Metadata.Cairn.Waivers must be a list of waivers");
				continue;
			}
			for (i = 0; i < json_array_size(v); i++) {
				const json_t *w = json_array_get(v, i);
				int wl = kl, wc = kc;
				const char *wk;
				json_t *wv;
				size_t j;
				item_pos(c, v, i, &wl, &wc);
				if (!json_is_object(w)) {
					err(c, wl, wc, "a waiver is a mapping with Control, Reason, "
						       "Approver and Expires");
					continue;
				}
				json_object_foreach((json_t *)w, wk, wv) {
					int xl = wl, xc = wc;
					member_pos(c, w, wk, &xl, &xc);
					if (!in_list(wk, waiver_keys))
						err(c, xl, xc, "a waiver has only Control, Reason, "
							       "Approver and Expires, not '%s'", wk);
					else if (!json_is_string(wv) || !json_string_length(wv))
						err(c, xl, xc, "waiver %s must be a non-empty string", wk);
					else if (!strcmp(wk, "Expires") &&
						 !is_date(json_string_value(wv)))
						err(c, xl, xc, "waiver Expires must be a date "
							       "YYYY-MM-DD, not '%s'",
						    json_string_value(wv));
				}
				for (j = 0; waiver_keys[j]; j++)
					if (!json_object_get(w, waiver_keys[j]))
						err(c, wl, wc, "the waiver has no %s", waiver_keys[j]);
			}
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One resource. */
static void check_resource(ck *c, const char *id, const json_t *def, cairn_resource *r)
{
	cairn_stack *st = c->st;
	int line = 1, col = 1;
	const json_t *type, *props, *v;
	const cairn_type *ty = NULL;
	const char *k;
	json_t *x;

	member_pos(c, c->resources, id, &line, &col);
	r->logical_id = id;
	r->line = line;
	r->col = col;
	r->properties = st->empty;
	r->enabled = 1;
	r->type = "";
	free(c->prefix);
	c->prefix = cairn_xasprintf("%s: ", id);
	cairn_buf_clear(&c->path);
	if (!alnum_name(id))
		err(c, line, col, "logical id '%s' must be alphanumeric (A-Z, a-z, 0-9)", id);
	if (tpl_stack_param(st, id))
		err(c, line, col, "'%s' is both a parameter and a resource", id);
	if (!json_is_object(def)) {
		err(c, line, col, "a resource must be a mapping with a Type, not %s", kind_name(def));
		return;
	}
	json_object_foreach((json_t *)def, k, x) {
		int l = line, cc = col;
		if (in_list(k, resource_keys))
			continue;
		member_pos(c, def, k, &l, &cc);
		if (!strcmp(k, "CreationPolicy") || !strcmp(k, "UpdatePolicy"))
			err(c, l, cc, "%s is not supported by cairn", k);
		else {
			nearest n;
			size_t i;
			char *dym;
			near_init(&n, k);
			for (i = 0; resource_keys[i]; i++)
				near_try(&n, resource_keys[i]);
			dym = did_you_mean(&n);
			err(c, l, cc, "unknown resource key '%s'%s (Type, Properties, DependsOn, "
				      "Condition, DeletionPolicy, UpdateReplacePolicy, Metadata)", k,
			    dym);
			free(dym);
		}
	}

	type = json_object_get(def, "Type");
	if (!type) {
		err(c, line, col, "the resource has no Type");
	} else if (!json_is_string(type)) {
		int l = line, cc = col;
		member_pos(c, def, "Type", &l, &cc);
		err(c, l, cc, "Type must be a string, not %s", kind_name(type));
	} else {
		r->type = json_string_value(type);
		ty = cairn_types_find(st->types, r->type);
		if (!ty) {
			int l = line, cc = col;
			nearest n;
			size_t i;
			char *dym;
			member_pos(c, def, "Type", &l, &cc);
			near_init(&n, r->type);
			n.cap = 6;
			n.d = 7;
			for (i = 0; i < cairn_types_count(st->types); i++)
				near_try(&n, cairn_types_at(st->types, i)->name);
			dym = did_you_mean(&n);
			err(c, l, cc, "unknown resource type '%s'%s; `cairn validate --dump-types` "
				      "lists the types cairn supports", r->type, dym);
			free(dym);
		}
	}
	r->t = ty;
	c->type_name = ty ? ty->name : NULL;
	free(c->prefix);
	c->prefix = ty || r->type[0] ? cairn_xasprintf("%s (%s): ", id, r->type)
				      : cairn_xasprintf("%s: ", id);

	/* Condition */
	v = json_object_get(def, "Condition");
	if (v) {
		int l = line, cc = col;
		member_pos(c, def, "Condition", &l, &cc);
		if (check_cond_name(c, "Condition", v, l, cc) == 0)
			r->condition = json_string_value(v);
	}

	/* DeletionPolicy, UpdateReplacePolicy */
	{
		static const char *const pols[] = {"DeletionPolicy", "UpdateReplacePolicy"};
		size_t i;
		for (i = 0; i < 2; i++) {
			const char *s;
			int l = line, cc = col;
			v = json_object_get(def, pols[i]);
			if (!v)
				continue;
			member_pos(c, def, pols[i], &l, &cc);
			s = json_string_value(v);
			if (s && !strcmp(s, "Retain")) {
				if (i == 0)
					r->deletion_policy = CAIRN_POLICY_RETAIN;
				else
					r->update_replace_policy = CAIRN_POLICY_RETAIN;
			} else if (s && (!strcmp(s, "Snapshot") ||
					 !strcmp(s, "RetainExceptOnCreate"))) {
				err(c, l, cc, "%s %s is not supported by cairn (Delete or Retain)",
				    pols[i], s);
			} else if (!s || strcmp(s, "Delete")) {
				err(c, l, cc, "%s must be Delete or Retain", pols[i]);
			}
		}
	}

	/* Metadata */
	v = json_object_get(def, "Metadata");
	if (v) {
		int l = line, cc = col;
		member_pos(c, def, "Metadata", &l, &cc);
		if (!json_is_object(v))
			err(c, l, cc, "Metadata must be a mapping");
		else {
			r->metadata = v;
			check_cairn_meta(c, v, 1, l, cc);
		}
	}

	c->deps = json_object();
	c->self = id;

	/* DependsOn */
	v = json_object_get(def, "DependsOn");
	if (v) {
		int l = line, cc = col;
		size_t i, n = json_is_array(v) ? json_array_size(v) : 1;
		member_pos(c, def, "DependsOn", &l, &cc);
		if (!json_is_string(v) && !json_is_array(v))
			err(c, l, cc, "DependsOn must be a logical id or a list of them");
		else
			for (i = 0; i < n; i++) {
				const json_t *d = json_is_array(v) ? json_array_get(v, i) : v;
				int dl = l, dc = cc;
				if (json_is_array(v))
					item_pos(c, v, i, &dl, &dc);
				if (!json_is_string(d)) {
					err(c, dl, dc, "DependsOn: each item must be a logical id, not %s",
					    kind_name(d));
				} else if (!json_object_get(c->resources, json_string_value(d))) {
					nearest nn;
					char *dym;
					near_init(&nn, json_string_value(d));
					near_obj(&nn, c->resources);
					dym = did_you_mean(&nn);
					err(c, dl, dc, "DependsOn: there is no resource '%s'%s",
					    json_string_value(d), dym);
					free(dym);
				} else {
					add_dep(c, json_string_value(d));
				}
			}
	}

	/* Properties */
	props = json_object_get(def, "Properties");
	if (props && !json_is_null(props)) {
		int l = line, cc = col;
		member_pos(c, def, "Properties", &l, &cc);
		cairn_buf_puts(&c->path, "Properties");
		const char *pfn = json_is_object(props) ? intrinsic_of(c, props, l, cc) : NULL;
		if (pfn && !*pfn) {
			/* reported */
		} else if (!json_is_object(props) || pfn) {
			err(c, l, cc, "Properties must be a mapping, not %s",
			    json_is_object(props) ? "a function" : kind_name(props));
			check_expr(c, props, l, cc);
		} else {
			r->properties = props;
			if (ty)
				check_object(c, props, ty->schema, l, cc);
			else
				check_expr(c, props, l, cc);
		}
		cairn_buf_clear(&c->path);
	} else if (ty) {
		/* required properties with no Properties at all */
		const json_t *sp = json_object_get(ty->schema, "properties");
		const char *pk;
		json_t *px;
		json_object_foreach((json_t *)sp, pk, px)
			if (json_is_true(json_object_get(px, "required")))
				err(c, line, col, "missing required property '%s'", pk);
	}

	/* dependencies: sorted, unique, borrowed from the template's keys */
	{
		size_t n = json_object_size(c->deps), i = 0;
		const char **deps = cairn_xcalloc(n + 1, sizeof(char *));
		void *it;
		for (it = json_object_iter(c->deps); it; it = json_object_iter_next(c->deps, it)) {
			const char *d = json_object_iter_key(it);
			deps[i++] = json_object_iter_key(json_object_iter_at(c->resources, d));
		}
		qsort(deps, n, sizeof(char *), cmp_str);
		r->depends = deps;
		r->ndepends = n;
	}
	json_decref(c->deps);
	c->deps = NULL;
	c->self = NULL;
	c->type_name = NULL;
}

static void check_outputs(ck *c, const json_t *outputs)
{
	const char *name;
	json_t *o;
	json_t *exports = json_object();
	c->cx = CX_OUTPUT;
	json_object_foreach((json_t *)outputs, name, o) {
		int line = 1, col = 1;
		const char *k;
		json_t *x;
		member_pos(c, outputs, name, &line, &col);
		free(c->prefix);
		c->prefix = cairn_xasprintf("output %s: ", name);
		if (!alnum_name(name))
			err(c, line, col, "output name must be alphanumeric");
		if (!json_is_object(o)) {
			err(c, line, col, "an output is a mapping with a Value");
			continue;
		}
		json_object_foreach(o, k, x) {
			int l = line, cc = col;
			member_pos(c, o, k, &l, &cc);
			if (!strcmp(k, "Value")) {
				vkind vk = check_expr(c, x, l, cc);
				if (vk == VK_NOVALUE || vk == VK_NULL)
					err(c, l, cc, "Value must be a value");
			} else if (!strcmp(k, "Description")) {
				if (!json_is_string(x))
					err(c, l, cc, "Description must be a string");
			} else if (!strcmp(k, "Condition")) {
				check_cond_name(c, "Condition", x, l, cc);
			} else if (!strcmp(k, "Export")) {
				const json_t *en = json_object_get(x, "Name");
				int el = l, ec = cc;
				if (!json_is_object(x) || !en || json_object_size(x) != 1) {
					err(c, l, cc, "Export must be a mapping with only a Name");
					continue;
				}
				member_pos(c, x, "Name", &el, &ec);
				want_string(c, "Export", "Name", en, el, ec);
				if (json_is_string(en)) {
					if (json_object_get(exports, json_string_value(en)))
						err(c, el, ec, "export name '%s' is used by two outputs",
						    json_string_value(en));
					json_object_set_new(exports, json_string_value(en), json_true());
				}
			} else {
				err(c, l, cc, "unknown output key '%s' (Value, Description, Export, "
					      "Condition)", k);
			}
		}
		if (!json_object_get(o, "Value"))
			err(c, line, col, "the output has no Value");
	}
	json_decref(exports);
	free(c->prefix);
	c->prefix = NULL;
	c->cx = CX_RESOURCE;
}

void tpl_check(cairn_stack *st, cairn_diags *diags)
{
	ck c;
	json_t *outputs, *meta;
	size_t n = 0, i;

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.diags = diags;
	c.t = st->tpl;
	c.file = st->file;
	c.root = cairn_template_root(st->tpl);
	if (!json_is_object(c.root)) {
		int line, col;
		tpl_mark_root(c.t, &line, &col);
		err(&c, line, col, "a template is a mapping of sections (Resources, ...), not %s",
		    kind_name(c.root));
		st->cond_values = json_object();
		st->res_index = json_object();
		return;
	}
	c.resources = json_object_get(c.root, "Resources");
	if (!json_is_object(c.resources))
		c.resources = NULL;
	c.mappings = json_object_get(c.root, "Mappings");
	if (!json_is_object(c.mappings))
		c.mappings = NULL;
	c.conditions = json_object_get(c.root, "Conditions");
	if (!json_is_object(c.conditions))
		c.conditions = NULL;
	st->mappings = c.mappings;
	st->conditions = c.conditions;

	check_sections(&c);
	meta = json_object_get(c.root, "Metadata");
	if (json_is_object(meta)) {
		int line = 1, col = 1;
		member_pos(&c, c.root, "Metadata", &line, &col);
		check_cairn_meta(&c, meta, 0, line, col);
	}
	check_mappings(&c);
	check_conditions(&c);

	st->res_index = json_object();
	if (c.resources) {
		const char *id;
		json_t *def;
		size_t nr = json_object_size(c.resources);
		st->res = cairn_xcalloc(nr + 1, sizeof(cairn_resource));
		st->tpl_order = cairn_xcalloc(nr + 1, sizeof(size_t));
		if (nr == 0) {
			int line = 1, col = 1;
			member_pos(&c, c.root, "Resources", &line, &col);
			err(&c, line, col, "Resources is empty: a stack has at least one resource");
		}
		json_object_foreach(c.resources, id, def) {
			check_resource(&c, id, def, &st->res[n]);
			json_object_set_new(st->res_index, id, json_integer((json_int_t)n));
			st->tpl_order[n] = n;
			n++;
		}
		st->nres = n;
	}
	free(c.prefix);
	c.prefix = NULL;
	cairn_buf_clear(&c.path);

	outputs = json_object_get(c.root, "Outputs");
	if (json_is_object(outputs))
		check_outputs(&c, outputs);

	/* condition values, then which resources are enabled */
	if (c.conditions) {
		const char *name;
		json_t *v;
		json_object_foreach(c.conditions, name, v)
			tpl_condition_value(st, name);
	}
	for (i = 0; i < st->nres; i++) {
		cairn_resource *r = &st->res[i];
		if (r->condition) {
			int cv = tpl_condition_value(st, r->condition);
			r->enabled = cv == TPL_TRUE ? 1 : cv == TPL_FALSE ? 0 : -1;
		}
	}
	/* DependsOn a resource that is not created: CloudFormation refuses it
	 * (a Ref or Fn::GetAtt to one is found when values are evaluated) */
	for (i = 0; i < st->nres; i++) {
		const cairn_resource *r = &st->res[i];
		const json_t *dep = json_object_get(json_object_get(c.resources, r->logical_id),
						    "DependsOn");
		size_t j, nd = json_is_array(dep) ? json_array_size(dep) : 1;
		if (!dep || r->enabled == 0)
			continue;
		for (j = 0; j < nd; j++) {
			const json_t *d = json_is_array(dep) ? json_array_get(dep, j) : dep;
			const cairn_resource *t = json_is_string(d)
							  ? tpl_stack_resource(st, json_string_value(d))
							  : NULL;
			int line = r->line, col = r->col;
			if (!t || t->enabled != 0)
				continue;
			if (json_is_array(dep))
				item_pos(&c, dep, j, &line, &col);
			else
				member_pos(&c, json_object_get(c.resources, r->logical_id), "DependsOn",
					   &line, &col);
			cairn_diags_add(diags, CAIRN_DIAG_ERROR, st->file, line, col,
					"%s (%s): DependsOn: '%s' is not created: its Condition %s is "
					"false; give %s the same Condition, or remove the dependency",
					r->logical_id, r->type, t->logical_id, t->condition,
					r->logical_id);
		}
	}
	if (c.uses_import)
		tpl_read_exports(st, diags);
	json_decref(c.cond_refs);
	free(c.prefix);
	cairn_buf_dispose(&c.path);
}
