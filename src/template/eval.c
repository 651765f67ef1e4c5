/*
 * eval.c: intrinsic functions evaluated, with unknown values.
 *
 * The evaluator walks a value of the template and builds a new one:
 * intrinsics are replaced by what they give, AWS::NoValue removes the
 * member or item that holds it, and everything else is shared with the
 * template (a jansson reference; a mapping or list is copied only when
 * something inside it changes). Callers must not modify what they get. What cannot be known yet (a new resource's Ref or
 * attributes when the eval env does not know them, AWS::AccountId or
 * AWS::Region when the stack has none, Fn::GetAZs without a zone list)
 * becomes an unknown marker {"Cairn::Unknown": expr}, where expr is the
 * intrinsic as far as it could be resolved: the known parts filled in,
 * unknown parts left as the expressions they are. Functions of unknown
 * inputs (Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::Base64, ...) give
 * unknown results the same way, e.g.
 *     {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/key"}
 * with a known partition evaluates to
 *     {"Cairn::Unknown": {"Fn::Sub": "arn:aws:s3:::${Bucket}/key"}}.
 *
 * Conditions are three-valued (true, false, unknown) and computed once,
 * memoised in st->cond_values; Fn::If on an unknown condition gives an
 * unknown value holding both branches.
 *
 * Errors carry the position of the node at fault: the walk keeps a chain
 * of (container, key) links on the C stack and looks the position up in
 * the template's marks only when an error is reported.
 *
 * Fn::ImportValue reads exports from the other stacks' state files in
 * st->state_dir (tpl_read_exports, once, when the template uses it).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "internal.h"

/* Where a node is: the container holding it and its key or index. */
typedef struct locf {
	const json_t *parent;     /* the container, or NULL (position unknown) */
	const char *key;          /* member name, or NULL for an item */
	size_t index;             /* item index */
	const struct locf *up;    /* the container's own location */
} locf;

typedef struct ev {
	const cairn_stack *st;
	const cairn_eval_env *env;
	int lenient_imports;      /* a missing export is unknown, not an error */
	cairn_diags *diags;       /* errors are added here too, or NULL */
	const char *prefix;       /* message prefix ("Bucket (AWS::S3::Bucket): "), or "" */
} ev;

enum { EV_VALUE = 0, EV_NOVALUE = 1 };

json_t *tpl_unknown(json_t *expr)
{
	json_t *o = json_object();
	json_object_set_new(o, CAIRN_UNKNOWN_KEY, expr);
	return o;
}

int cairn_is_unknown(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 1 &&
	       json_object_get(v, CAIRN_UNKNOWN_KEY) != NULL;
}

int cairn_has_unknown(const json_t *v)
{
	if (cairn_is_unknown(v))
		return 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			if (cairn_has_unknown(x))
				return 1;
	} else if (json_is_array(v)) {
		size_t i;
		for (i = 0; i < json_array_size(v); i++)
			if (cairn_has_unknown(json_array_get(v, i)))
				return 1;
	}
	return 0;
}

/* A copy of v (new reference) in which every unknown marker is replaced
 * by the expression it holds, for building a larger expression. */
static json_t *expr_of(const json_t *v)
{
	if (cairn_is_unknown(v))
		return json_incref(json_object_get(v, CAIRN_UNKNOWN_KEY));
	if (!cairn_has_unknown(v))
		return json_incref((json_t *)v);
	if (json_is_object(v)) {
		json_t *o = json_object();
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(o, k, expr_of(x));
		return o;
	} else {
		json_t *a = json_array();
		size_t i;
		for (i = 0; i < json_array_size(v); i++)
			json_array_append_new(a, expr_of(json_array_get(v, i)));
		return a;
	}
}

static void loc_pos(const ev *e, const locf *l, int *line, int *col)
{
	*line = *col = 0;
	for (; l; l = l->up) {
		if (!l->parent)
			continue;
		if (l->key) {
			if (tpl_mark_member(e->st->tpl, l->parent, l->key, line, col) == 0)
				return;
		} else if (tpl_mark_item(e->st->tpl, l->parent, l->index, line, col) == 0) {
			return;
		}
	}
}

static int everr(ev *e, const locf *l, const char *fmt, ...) CAIRN_PRINTF(3, 4);

static int everr(ev *e, const locf *l, const char *fmt, ...)
{
	va_list ap;
	char *m;
	int line, col;
	va_start(ap, fmt);
	m = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	loc_pos(e, l, &line, &col);
	if (e->diags)
		cairn_diags_add(e->diags, CAIRN_DIAG_ERROR, e->st->file, line, col, "%s%s", e->prefix,
				m);
	if (line)
		cairn_error_setc(CAIRN_EINVALID, "%s:%d:%d: %s%s", e->st->file, line, col, e->prefix,
				 m);
	else
		cairn_error_setc(CAIRN_EINVALID, "%s: %s%s", e->st->file, e->prefix, m);
	free(m);
	return CAIRN_EINVALID;
}

static int ev_value(ev *e, const json_t *v, const locf *l, json_t **out);

/* Evaluates item i of an argument list. */
static int ev_arg(ev *e, const json_t *args, size_t i, const locf *l, json_t **out)
{
	locf a = {args, NULL, i, l};
	int rc = ev_value(e, json_array_get(args, i), &a, out);
	if (rc == EV_NOVALUE)
		return everr(e, &a, "AWS::NoValue cannot be an argument of a function");
	return rc;
}

static const char *describe(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "a mapping";
	case JSON_ARRAY: return "a list";
	case JSON_NULL: return "null";
	default: return "a scalar";
	}
}

/* ---- conditions ------------------------------------------------------------- */

static int cond_eval(ev *e, const json_t *v, const locf *l, int *res);

static int cond_named(ev *e, const char *name, const locf *l, int *res)
{
	const cairn_stack *st = e->st;
	json_t *memo = json_object_get(st->cond_values, name);
	const json_t *def;
	int rc;
	if (memo) {
		if (json_is_integer(memo)) /* in progress: a cycle (reported by check.c) */
			*res = TPL_UNKNOWN;
		else
			*res = json_is_true(memo) ? TPL_TRUE : json_is_false(memo) ? TPL_FALSE
										  : TPL_UNKNOWN;
		return 0;
	}
	def = st->conditions ? json_object_get(st->conditions, name) : NULL;
	if (!def)
		return everr(e, l, "there is no condition '%s' in Conditions", name);
	json_object_set_new(st->cond_values, name, json_integer(0));
	{
		locf d = {st->conditions, NULL, 0, NULL};
		d.key = json_object_iter_key(json_object_iter_at(st->conditions, name));
		rc = cond_eval(e, def, &d, res);
	}
	if (rc < 0) {
		json_object_del(st->cond_values, name);
		return rc;
	}
	json_object_set_new(st->cond_values, name,
			    *res == TPL_TRUE ? json_true() : *res == TPL_FALSE ? json_false()
									   : json_null());
	return 0;
}

/* Scalars compare as strings (5 equals "5"), anything else exactly. */
static int values_equal(const json_t *a, const json_t *b)
{
	char *sa = tpl_scalar_string(a), *sb = tpl_scalar_string(b);
	int eq;
	if (sa && sb)
		eq = strcmp(sa, sb) == 0;
	else
		eq = json_equal((json_t *)a, (json_t *)b);
	free(sa);
	free(sb);
	return eq;
}

static int cond_eval(ev *e, const json_t *v, const locf *l, int *res)
{
	const char *fn;
	const json_t *arg;
	locf fl;
	size_t i, n;
	int rc;

	if (!json_is_object(v) || json_object_size(v) != 1)
		return everr(e, l, "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or "
				   "Condition");
	fn = json_object_iter_key(json_object_iter((json_t *)v));
	arg = json_object_get(v, fn);
	fl.parent = v;
	fl.key = fn;
	fl.index = 0;
	fl.up = l;
	if (strcmp(fn, "Condition") == 0) {
		if (!json_is_string(arg))
			return everr(e, &fl, "Condition takes a condition name");
		return cond_named(e, json_string_value(arg), &fl, res);
	}
	if (strcmp(fn, "Fn::Equals") == 0) {
		json_t *a = NULL, *b = NULL;
		if (!json_is_array(arg) || json_array_size(arg) != 2)
			return everr(e, &fl, "Fn::Equals takes [Value1, Value2]");
		if ((rc = ev_arg(e, arg, 0, &fl, &a)) < 0)
			return rc;
		if ((rc = ev_arg(e, arg, 1, &fl, &b)) < 0) {
			json_decref(a);
			return rc;
		}
		if (cairn_has_unknown(a) || cairn_has_unknown(b))
			*res = TPL_UNKNOWN;
		else
			*res = values_equal(a, b) ? TPL_TRUE : TPL_FALSE;
		json_decref(a);
		json_decref(b);
		return 0;
	}
	if (!json_is_array(arg) || json_array_size(arg) < 1)
		return everr(e, &fl, "%s takes a list of conditions", fn);
	n = json_array_size(arg);
	if (strcmp(fn, "Fn::Not") == 0) {
		locf a = {arg, NULL, 0, &fl};
		int x;
		if (n != 1)
			return everr(e, &fl, "Fn::Not takes [Condition]");
		if ((rc = cond_eval(e, json_array_get(arg, 0), &a, &x)) < 0)
			return rc;
		*res = x == TPL_UNKNOWN ? TPL_UNKNOWN : !x;
		return 0;
	}
	if (strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0) {
		int is_and = fn[4] == 'A', unknown = 0, decided = 0;
		for (i = 0; i < n; i++) {
			locf a = {arg, NULL, i, &fl};
			int x;
			if ((rc = cond_eval(e, json_array_get(arg, i), &a, &x)) < 0)
				return rc;
			if (x == TPL_UNKNOWN)
				unknown = 1;
			else if (x == (is_and ? TPL_FALSE : TPL_TRUE))
				decided = 1;
		}
		*res = decided ? (is_and ? TPL_FALSE : TPL_TRUE)
			       : unknown ? TPL_UNKNOWN : (is_and ? TPL_TRUE : TPL_FALSE);
		return 0;
	}
	return everr(e, &fl, "%s is not a condition function", fn);
}

int tpl_condition_value(const cairn_stack *st, const char *name)
{
	ev e;
	int res = TPL_UNKNOWN;
	memset(&e, 0, sizeof(e));
	e.st = st;
	e.prefix = "";
	e.lenient_imports = 1;
	if (cond_named(&e, name, NULL, &res) < 0)
		return TPL_UNKNOWN;
	return res;
}

/* ---- names ------------------------------------------------------------------- */

/* A resource that is not created cannot be named (outside an Fn::If that
 * does not take that branch). */
static int check_enabled(ev *e, const cairn_resource *r, const char *how, const locf *l)
{
	if (r->enabled == 0)
		return everr(e, l, "%s '%s', which is not created: its Condition %s is false; "
				   "guard the reference with Fn::If [%s, ...]",
			     how, r->logical_id, r->condition, r->condition);
	return 0;
}

static json_t *pseudo_value(ev *e, const char *name)
{
	const cairn_stack *st = e->st;
	if (strcmp(name, "AWS::Region") == 0)
		return st->region ? json_string(st->region) : NULL;
	if (strcmp(name, "AWS::AccountId") == 0)
		return st->account_id ? json_string(st->account_id) : NULL;
	if (strcmp(name, "AWS::Partition") == 0)
		return json_string(st->partition);
	if (strcmp(name, "AWS::URLSuffix") == 0)
		return json_string(st->url_suffix);
	if (strcmp(name, "AWS::StackName") == 0)
		return json_string(st->name);
	if (strcmp(name, "AWS::NotificationARNs") == 0)
		return json_array();
	return NULL;
}

/* Ref of name: *out is a value or an unknown marker. */
static int ev_ref(ev *e, const char *name, const locf *l, json_t **out)
{
	const cairn_stack *st = e->st;
	const cairn_resource *r;
	json_t *v;

	if (strcmp(name, "AWS::NoValue") == 0)
		return EV_NOVALUE;
	if (tpl_is_pseudo(name)) {
		v = pseudo_value(e, name);
		*out = v ? v : tpl_unknown(json_pack("{s:s}", "Ref", name));
		return 0;
	}
	if (tpl_stack_param(st, name)) {
		v = json_object_get(st->param_values, name);
		if (!v)
			return everr(e, l, "Ref: parameter '%s' has no value", name);
		*out = json_incref(v);
		return 0;
	}
	r = tpl_stack_resource(st, name);
	if (!r)
		return everr(e, l, "Ref: '%s' is not a parameter or a resource of this template",
			     name);
	if (check_enabled(e, r, "Ref to", l) < 0)
		return CAIRN_EINVALID;
	v = e->env && e->env->ref ? e->env->ref(e->env->ud, name) : NULL;
	*out = v ? v : tpl_unknown(json_pack("{s:s}", "Ref", name));
	return 0;
}

static int ev_getatt_of(ev *e, const char *id, const char *attr, const locf *l, json_t **out)
{
	const cairn_resource *r = tpl_stack_resource(e->st, id);
	json_t *v;
	if (!r)
		return everr(e, l, "Fn::GetAtt: there is no resource '%s'", id);
	if (check_enabled(e, r, "Fn::GetAtt of", l) < 0)
		return CAIRN_EINVALID;
	if (r->t && !cairn_type_has_attribute(r->t, attr))
		return everr(e, l, "Fn::GetAtt: %s (%s) has no attribute '%s'", id, r->type, attr);
	v = e->env && e->env->getatt ? e->env->getatt(e->env->ud, id, attr) : NULL;
	*out = v ? v : tpl_unknown(json_pack("{s:[s,s]}", "Fn::GetAtt", id, attr));
	return 0;
}

static int ev_getatt(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *attr = NULL;
	int rc;
	if (json_is_string(arg)) {
		const char *s = json_string_value(arg), *dot = strchr(s, '.');
		char *id;
		if (!dot)
			return everr(e, l, "Fn::GetAtt takes [Resource, Attribute]");
		id = cairn_xstrndup(s, (size_t)(dot - s));
		rc = ev_getatt_of(e, id, dot + 1, l, out);
		free(id);
		return rc;
	}
	if (!json_is_array(arg) || json_array_size(arg) != 2 ||
	    !json_is_string(json_array_get(arg, 0)))
		return everr(e, l, "Fn::GetAtt takes [Resource, Attribute]");
	if ((rc = ev_arg(e, arg, 1, l, &attr)) < 0)
		return rc;
	if (cairn_is_unknown(attr)) {
		*out = tpl_unknown(json_pack("{s:[O,o]}", "Fn::GetAtt", json_array_get(arg, 0),
					     expr_of(attr)));
		json_decref(attr);
		return 0;
	}
	if (!json_is_string(attr)) {
		json_decref(attr);
		return everr(e, l, "Fn::GetAtt: the attribute name must be a string");
	}
	rc = ev_getatt_of(e, json_string_value(json_array_get(arg, 0)), json_string_value(attr), l,
			  out);
	json_decref(attr);
	return rc;
}

/* ---- Fn::Sub ----------------------------------------------------------------- */

/* Appends s to the partial expression, escaping "${" so that it stays
 * literal. */
static void put_escaped(cairn_buf *p, const char *s)
{
	for (; *s; s++) {
		if (s[0] == '$' && s[1] == '{') {
			cairn_buf_puts(p, "${!");
			s++;
			continue;
		}
		cairn_buf_putc(p, *s);
	}
}

static int ev_sub(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	const json_t *str = arg, *map = NULL;
	json_t *vars = NULL, *unkvars = NULL;
	cairn_buf b = CAIRN_BUF_INIT, p = CAIRN_BUF_INIT;
	const char *s, *q;
	int unknown = 0, rc = 0;
	locf sl = {NULL, NULL, 0, l};

	if (json_is_array(arg)) {
		if (json_array_size(arg) != 2 || !json_is_object(json_array_get(arg, 1)))
			return everr(e, l, "Fn::Sub takes a string, or [String, {Var: Value}]");
		str = json_array_get(arg, 0);
		map = json_array_get(arg, 1);
		sl.parent = arg;
		vars = json_object();
		{
			const char *k;
			json_t *x;
			locf ml = {arg, NULL, 1, l};
			json_object_foreach((json_t *)map, k, x) {
				locf vl = {map, k, 0, &ml};
				json_t *val = NULL;
				rc = ev_value(e, x, &vl, &val);
				if (rc == EV_NOVALUE)
					rc = everr(e, &vl, "Fn::Sub: variable %s is AWS::NoValue", k);
				if (rc < 0)
					goto out;
				json_object_set_new(vars, k, val);
			}
		}
	}
	if (!json_is_string(str)) {
		rc = everr(e, &sl, "Fn::Sub takes a string, or [String, {Var: Value}]");
		goto out;
	}
	s = json_string_value(str);
	while ((q = strstr(s, "${")) != NULL) {
		const char *end = strchr(q + 2, '}');
		char *name;
		json_t *val = NULL;
		cairn_buf_put(&b, s, (size_t)(q - s));
		{
			char *lit = cairn_xstrndup(s, (size_t)(q - s));
			cairn_buf_puts(&p, lit); /* already escaped as written */
			free(lit);
		}
		if (!end) {
			rc = everr(e, &sl, "Fn::Sub: '${' without a closing '}'");
			goto out;
		}
		if (q[2] == '!') {
			cairn_buf_puts(&b, "${");
			cairn_buf_put(&b, q + 3, (size_t)(end - q - 2));
			cairn_buf_put(&p, q, (size_t)(end - q + 1));
			s = end + 1;
			continue;
		}
		name = cairn_xstrndup(q + 2, (size_t)(end - q - 2));
		if (vars && json_object_get(vars, name)) {
			val = json_incref(json_object_get(vars, name));
		} else if (tpl_is_pseudo(name) || tpl_stack_param(e->st, name) ||
			   tpl_stack_resource(e->st, name)) {
			rc = ev_ref(e, name, &sl, &val);
			if (rc == EV_NOVALUE)
				rc = everr(e, &sl, "Fn::Sub: ${%s} is AWS::NoValue", name);
		} else if (strchr(name, '.')) {
			char *dot = strchr(name, '.');
			*dot = '\0';
			rc = ev_getatt_of(e, name, dot + 1, &sl, &val);
			*dot = '.';
		} else {
			rc = everr(e, &sl, "Fn::Sub: ${%s} names no parameter, resource or variable",
				   name);
		}
		if (rc < 0) {
			free(name);
			goto out;
		}
		if (cairn_is_unknown(val)) {
			unknown = 1;
			cairn_buf_printf(&p, "${%s}", name);
			if (vars && json_object_get(vars, name)) {
				if (!unkvars)
					unkvars = json_object();
				json_object_set_new(unkvars, name, expr_of(val));
			}
		} else {
			char *sv = tpl_scalar_string(val);
			if (!sv) {
				rc = everr(e, &sl, "Fn::Sub: ${%s} is %s; Fn::Sub needs strings", name,
					   describe(val));
				json_decref(val);
				free(name);
				goto out;
			}
			cairn_buf_puts(&b, sv);
			put_escaped(&p, sv);
			free(sv);
		}
		json_decref(val);
		free(name);
		s = end + 1;
	}
	cairn_buf_puts(&b, s);
	cairn_buf_puts(&p, s);
	if (!unknown)
		*out = json_string(cairn_buf_cstr(&b));
	else if (unkvars)
		*out = tpl_unknown(json_pack("{s:[s,O]}", "Fn::Sub", cairn_buf_cstr(&p), unkvars));
	else
		*out = tpl_unknown(json_pack("{s:s}", "Fn::Sub", cairn_buf_cstr(&p)));
out:
	json_decref(vars);
	json_decref(unkvars);
	cairn_buf_dispose(&b);
	cairn_buf_dispose(&p);
	return rc < 0 ? rc : 0;
}

/* ---- the others --------------------------------------------------------------- */

static int want_array(ev *e, const json_t *arg, size_t n, const char *fn, const char *form,
		      const locf *l)
{
	if (!json_is_array(arg) || json_array_size(arg) != n)
		return everr(e, l, "%s takes %s", fn, form);
	return 0;
}

static int ev_join(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *delim = NULL, *list = NULL;
	cairn_buf b = CAIRN_BUF_INIT;
	size_t i;
	int rc, unknown = 0;
	if ((rc = want_array(e, arg, 2, "Fn::Join", "[Delimiter, [Values]]", l)) < 0)
		return rc;
	if ((rc = ev_arg(e, arg, 0, l, &delim)) < 0)
		return rc;
	if ((rc = ev_arg(e, arg, 1, l, &list)) < 0)
		goto out;
	if (!json_is_string(delim)) {
		rc = everr(e, l, "Fn::Join: the delimiter must be a string");
		goto out;
	}
	if (cairn_is_unknown(list)) {
		unknown = 1;
	} else if (!json_is_array(list)) {
		rc = everr(e, l, "Fn::Join: the values must be a list, not %s", describe(list));
		goto out;
	} else {
		for (i = 0; i < json_array_size(list); i++) {
			const json_t *x = json_array_get(list, i);
			char *s;
			if (cairn_is_unknown(x)) {
				unknown = 1;
				continue;
			}
			s = tpl_scalar_string(x);
			if (!s) {
				rc = everr(e, l, "Fn::Join: item %zu is %s; Fn::Join needs strings",
					   i + 1, describe(x));
				goto out;
			}
			if (i)
				cairn_buf_puts(&b, json_string_value(delim));
			cairn_buf_puts(&b, s);
			free(s);
		}
	}
	if (unknown)
		*out = tpl_unknown(json_pack("{s:[O,o]}", "Fn::Join", delim, expr_of(list)));
	else
		*out = json_string(cairn_buf_cstr(&b));
out:
	json_decref(delim);
	json_decref(list);
	cairn_buf_dispose(&b);
	return rc;
}

/* An index or count from a number or a numeric string; -1 when neither. */
static long long to_int(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		long long n;
		if (!*s || !isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (*end || errno)
			return -1;
		return n;
	}
	return -1;
}

static int ev_select(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *idx = NULL, *list = NULL;
	long long i;
	int rc;
	if ((rc = want_array(e, arg, 2, "Fn::Select", "[Index, List]", l)) < 0)
		return rc;
	if ((rc = ev_arg(e, arg, 0, l, &idx)) < 0)
		return rc;
	if ((rc = ev_arg(e, arg, 1, l, &list)) < 0)
		goto out;
	if (cairn_is_unknown(idx) || cairn_is_unknown(list)) {
		*out = tpl_unknown(json_pack("{s:[o,o]}", "Fn::Select", expr_of(idx), expr_of(list)));
		goto out;
	}
	i = to_int(idx);
	if (i < 0) {
		rc = everr(e, l, "Fn::Select: the index must be a number from 0");
		goto out;
	}
	if (!json_is_array(list)) {
		rc = everr(e, l, "Fn::Select: the list must be a list, not %s", describe(list));
		goto out;
	}
	if ((size_t)i >= json_array_size(list)) {
		rc = everr(e, l, "Fn::Select: index %lld is out of range for a list of %zu", i,
			   json_array_size(list));
		goto out;
	}
	*out = json_incref(json_array_get(list, (size_t)i));
out:
	json_decref(idx);
	json_decref(list);
	return rc;
}

static int ev_split(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *delim = NULL, *src = NULL;
	int rc;
	if ((rc = want_array(e, arg, 2, "Fn::Split", "[Delimiter, String]", l)) < 0)
		return rc;
	if ((rc = ev_arg(e, arg, 0, l, &delim)) < 0)
		return rc;
	if ((rc = ev_arg(e, arg, 1, l, &src)) < 0)
		goto out;
	if (!json_is_string(delim) || !json_string_length(delim)) {
		rc = everr(e, l, "Fn::Split: the delimiter must be a non-empty string");
		goto out;
	}
	if (cairn_is_unknown(src)) {
		*out = tpl_unknown(json_pack("{s:[O,o]}", "Fn::Split", delim, expr_of(src)));
		goto out;
	}
	{
		char *s = tpl_scalar_string(src), *p, *q;
		const char *d = json_string_value(delim);
		size_t dl = strlen(d);
		json_t *a;
		if (!s) {
			rc = everr(e, l, "Fn::Split: the source must be a string, not %s",
				   describe(src));
			goto out;
		}
		a = json_array();
		for (p = s; (q = strstr(p, d)) != NULL; p = q + dl)
			json_array_append_new(a, json_stringn(p, (size_t)(q - p)));
		json_array_append_new(a, json_string(p));
		free(s);
		*out = a;
	}
out:
	json_decref(delim);
	json_decref(src);
	return rc;
}

static int ev_if(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	int cv, rc;
	if ((rc = want_array(e, arg, 3, "Fn::If", "[Condition, ValueIfTrue, ValueIfFalse]", l)) < 0)
		return rc;
	if (!json_is_string(json_array_get(arg, 0)))
		return everr(e, l, "Fn::If: the condition must be a condition name");
	{
		locf cl = {arg, NULL, 0, l};
		if ((rc = cond_named(e, json_string_value(json_array_get(arg, 0)), &cl, &cv)) < 0)
			return rc;
	}
	if (cv != TPL_UNKNOWN) {
		locf bl = {arg, NULL, cv == TPL_TRUE ? 1 : 2, l};
		return ev_value(e, json_array_get(arg, cv == TPL_TRUE ? 1 : 2), &bl, out);
	}
	{
		json_t *br[2] = {NULL, NULL};
		size_t i;
		for (i = 0; i < 2; i++) {
			locf bl = {arg, NULL, i + 1, l};
			rc = ev_value(e, json_array_get(arg, i + 1), &bl, &br[i]);
			if (rc < 0) {
				json_decref(br[0]);
				return rc;
			}
			if (rc == EV_NOVALUE)
				br[i] = json_pack("{s:s}", "Ref", "AWS::NoValue");
			else {
				json_t *x = expr_of(br[i]);
				json_decref(br[i]);
				br[i] = x;
			}
		}
		*out = tpl_unknown(json_pack("{s:[O,o,o]}", "Fn::If", json_array_get(arg, 0), br[0],
					     br[1]));
	}
	return 0;
}

static int ev_findinmap(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *k[3] = {NULL, NULL, NULL};
	const json_t *m, *second, *v;
	size_t i;
	int rc = 0, unknown = 0;
	if ((rc = want_array(e, arg, 3, "Fn::FindInMap", "[MapName, TopLevelKey, SecondLevelKey]",
			     l)) < 0)
		return rc;
	for (i = 0; i < 3; i++) {
		if ((rc = ev_arg(e, arg, i, l, &k[i])) < 0)
			goto out;
		if (cairn_is_unknown(k[i]))
			unknown = 1;
		else if (!json_is_string(k[i]) && !json_is_number(k[i])) {
			rc = everr(e, l, "Fn::FindInMap: keys must be strings");
			goto out;
		}
	}
	if (unknown) {
		*out = tpl_unknown(json_pack("{s:[o,o,o]}", "Fn::FindInMap", expr_of(k[0]),
					     expr_of(k[1]), expr_of(k[2])));
		goto out;
	}
	{
		char *s0 = tpl_scalar_string(k[0]), *s1 = tpl_scalar_string(k[1]),
		     *s2 = tpl_scalar_string(k[2]);
		m = e->st->mappings ? json_object_get(e->st->mappings, s0) : NULL;
		second = json_object_get(m, s1);
		v = json_object_get(second, s2);
		if (!m)
			rc = everr(e, l, "Fn::FindInMap: there is no mapping '%s'", s0);
		else if (!second)
			rc = everr(e, l, "Fn::FindInMap: mapping '%s' has no key '%s'", s0, s1);
		else if (!v)
			rc = everr(e, l, "Fn::FindInMap: mapping '%s' has no key '%s' under '%s'", s0,
				   s2, s1);
		else
			*out = json_incref((json_t *)v);
		free(s0);
		free(s1);
		free(s2);
	}
out:
	for (i = 0; i < 3; i++)
		json_decref(k[i]);
	return rc;
}

static int ev_getazs(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *r = NULL;
	locf al = {NULL, NULL, 0, l};
	int rc = ev_value(e, arg, &al, &r);
	const char *region;
	if (rc == EV_NOVALUE)
		return everr(e, l, "Fn::GetAZs: the region cannot be AWS::NoValue");
	if (rc < 0)
		return rc;
	if (cairn_is_unknown(r)) {
		*out = tpl_unknown(json_pack("{s:o}", "Fn::GetAZs", expr_of(r)));
		json_decref(r);
		return 0;
	}
	if (!json_is_string(r)) {
		json_decref(r);
		return everr(e, l, "Fn::GetAZs: the region must be a string");
	}
	region = json_string_length(r) ? json_string_value(r) : e->st->region;
	if (region && e->st->azs && e->st->region && strcmp(region, e->st->region) == 0)
		*out = json_deep_copy(e->st->azs);
	else
		*out = tpl_unknown(json_pack("{s:O}", "Fn::GetAZs", r));
	json_decref(r);
	return 0;
}

static int ev_base64(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	json_t *v = NULL;
	locf al = {NULL, NULL, 0, l};
	int rc = ev_value(e, arg, &al, &v);
	char *s;
	size_t n, i;
	cairn_buf b = CAIRN_BUF_INIT;
	if (rc == EV_NOVALUE)
		return everr(e, l, "Fn::Base64: the value cannot be AWS::NoValue");
	if (rc < 0)
		return rc;
	if (cairn_is_unknown(v)) {
		*out = tpl_unknown(json_pack("{s:o}", "Fn::Base64", expr_of(v)));
		json_decref(v);
		return 0;
	}
	s = tpl_scalar_string(v);
	json_decref(v);
	if (!s)
		return everr(e, l, "Fn::Base64: the value must be a string");
	n = strlen(s);
	for (i = 0; i < n; i += 3) {
		unsigned a = (unsigned char)s[i];
		unsigned bb = i + 1 < n ? (unsigned char)s[i + 1] : 0;
		unsigned c = i + 2 < n ? (unsigned char)s[i + 2] : 0;
		unsigned w = (a << 16) | (bb << 8) | c;
		cairn_buf_putc(&b, tbl[(w >> 18) & 63]);
		cairn_buf_putc(&b, tbl[(w >> 12) & 63]);
		cairn_buf_putc(&b, i + 1 < n ? tbl[(w >> 6) & 63] : '=');
		cairn_buf_putc(&b, i + 2 < n ? tbl[w & 63] : '=');
	}
	free(s);
	*out = json_string(cairn_buf_cstr(&b));
	cairn_buf_dispose(&b);
	return 0;
}

/* Fn::Cidr: count blocks of `bits` host bits, in order, from the start of
 * block (IPv4 or IPv6), as CloudFormation computes them. */
static int cidr(ev *e, const locf *l, const char *block, long long count, long long bits,
		json_t **out)
{
	const char *slash = strchr(block, '/');
	char addr[64];
	unsigned char a[16];
	int v6, width, prefix, newprefix;
	char *end;
	long long avail, i;
	json_t *res;

	if (!slash || (size_t)(slash - block) >= sizeof(addr))
		return everr(e, l, "Fn::Cidr: '%s' is not a CIDR block (a.b.c.d/n)", block);
	memcpy(addr, block, (size_t)(slash - block));
	addr[slash - block] = '\0';
	v6 = strchr(addr, ':') != NULL;
	width = v6 ? 128 : 32;
	memset(a, 0, sizeof(a));
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) != 1)
		return everr(e, l, "Fn::Cidr: '%s' is not a CIDR block", block);
	errno = 0;
	prefix = (int)strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || prefix < 0 || prefix > width)
		return everr(e, l, "Fn::Cidr: '%s' has no valid prefix length", block);
	if (count < 1 || count > 256)
		return everr(e, l, "Fn::Cidr: the count must be between 1 and 256, not %lld", count);
	if (bits < 1 || bits > width)
		return everr(e, l, "Fn::Cidr: the CIDR bits must be between 1 and %d, not %lld", width,
			     bits);
	newprefix = width - (int)bits;
	if (newprefix < prefix)
		return everr(e, l, "Fn::Cidr: blocks with %lld host bits (/%d) are larger than %s",
			     bits, newprefix, block);
	avail = newprefix - prefix >= 62 ? (1LL << 62) : (1LL << (newprefix - prefix));
	if (count > avail)
		return everr(e, l, "Fn::Cidr: %s holds only %lld blocks of /%d, not %lld", block,
			     avail, newprefix, count);
	/* clear the host bits of the block */
	{
		int bit;
		for (bit = prefix; bit < width; bit++)
			a[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
	}
	res = json_array();
	for (i = 0; i < count; i++) {
		unsigned char x[16];
		char text[INET6_ADDRSTRLEN + 8];
		int byte;
		unsigned carry = 0;
		/* x = a + (i << bits), big-endian over width/8 bytes */
		unsigned char add[16];
		memset(add, 0, sizeof(add));
		{
			/* i << bits: i < 2^9; place it bit by bit */
			int bit;
			for (bit = 0; bit < 10; bit++) {
				if (!((i >> bit) & 1))
					continue;
				{
					int pos = (int)bits + bit; /* from the least significant end */
					if (pos < width) {
						int from_msb = width - 1 - pos;
						add[from_msb / 8] |= (unsigned char)(0x80 >> (from_msb % 8));
					}
				}
			}
		}
		for (byte = width / 8 - 1; byte >= 0; byte--) {
			unsigned s = (unsigned)a[byte] + add[byte] + carry;
			x[byte] = (unsigned char)(s & 0xff);
			carry = s >> 8;
		}
		inet_ntop(v6 ? AF_INET6 : AF_INET, x, text, sizeof(text));
		json_array_append_new(res, json_sprintf("%s/%d", text, newprefix));
	}
	*out = res;
	return 0;
}

static int ev_cidr(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *k[3] = {NULL, NULL, NULL};
	size_t i;
	int rc = 0, unknown = 0;
	if ((rc = want_array(e, arg, 3, "Fn::Cidr", "[IpBlock, Count, CidrBits]", l)) < 0)
		return rc;
	for (i = 0; i < 3; i++) {
		if ((rc = ev_arg(e, arg, i, l, &k[i])) < 0)
			goto out;
		if (cairn_is_unknown(k[i]))
			unknown = 1;
	}
	if (unknown) {
		*out = tpl_unknown(json_pack("{s:[o,o,o]}", "Fn::Cidr", expr_of(k[0]), expr_of(k[1]),
					     expr_of(k[2])));
		goto out;
	}
	if (!json_is_string(k[0])) {
		rc = everr(e, l, "Fn::Cidr: the IP block must be a string");
		goto out;
	}
	if (to_int(k[1]) < 0 || to_int(k[2]) < 0) {
		rc = everr(e, l, "Fn::Cidr: the count and the CIDR bits must be numbers");
		goto out;
	}
	rc = cidr(e, l, json_string_value(k[0]), to_int(k[1]), to_int(k[2]), out);
out:
	for (i = 0; i < 3; i++)
		json_decref(k[i]);
	return rc;
}

static int ev_import(ev *e, const json_t *arg, const locf *l, json_t **out)
{
	json_t *name = NULL, *v;
	locf al = {NULL, NULL, 0, l};
	int rc = ev_value(e, arg, &al, &name);
	if (rc == EV_NOVALUE)
		return everr(e, l, "Fn::ImportValue: the export name cannot be AWS::NoValue");
	if (rc < 0)
		return rc;
	if (cairn_is_unknown(name)) {
		*out = tpl_unknown(json_pack("{s:o}", "Fn::ImportValue", expr_of(name)));
		json_decref(name);
		return 0;
	}
	if (!json_is_string(name)) {
		json_decref(name);
		return everr(e, l, "Fn::ImportValue: the export name must be a string");
	}
	v = e->st->exports ? json_object_get(e->st->exports, json_string_value(name)) : NULL;
	if (v) {
		*out = json_incref(v);
	} else if (e->env && e->env->import_value) {
		v = e->env->import_value(e->env->ud, json_string_value(name));
		*out = v ? v : tpl_unknown(json_pack("{s:O}", "Fn::ImportValue", name));
	} else if (e->lenient_imports) {
		*out = tpl_unknown(json_pack("{s:O}", "Fn::ImportValue", name));
	} else {
		rc = everr(e, l, "Fn::ImportValue: no stack whose state is in %s/ exports '%s'; "
				 "apply the stack that exports it first",
			   e->st->state_dir, json_string_value(name));
	}
	json_decref(name);
	return rc < 0 ? rc : 0;
}

static int ev_value(ev *e, const json_t *v, const locf *l, json_t **out)
{
	*out = NULL;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		if (json_object_size(v) == 1) {
			const char *fn = json_object_iter_key(json_object_iter((json_t *)v));
			if (strcmp(fn, "Ref") == 0 || strncmp(fn, "Fn::", 4) == 0) {
				const json_t *arg = json_object_get(v, fn);
				locf fl = {v, fn, 0, l};
				if (strcmp(fn, "Ref") == 0) {
					if (!json_is_string(arg))
						return everr(e, &fl, "Ref takes a name");
					return ev_ref(e, json_string_value(arg), &fl, out);
				}
				if (strcmp(fn, "Fn::GetAtt") == 0)
					return ev_getatt(e, arg, &fl, out);
				if (strcmp(fn, "Fn::Sub") == 0)
					return ev_sub(e, arg, &fl, out);
				if (strcmp(fn, "Fn::Join") == 0)
					return ev_join(e, arg, &fl, out);
				if (strcmp(fn, "Fn::Select") == 0)
					return ev_select(e, arg, &fl, out);
				if (strcmp(fn, "Fn::Split") == 0)
					return ev_split(e, arg, &fl, out);
				if (strcmp(fn, "Fn::If") == 0)
					return ev_if(e, arg, &fl, out);
				if (strcmp(fn, "Fn::FindInMap") == 0)
					return ev_findinmap(e, arg, &fl, out);
				if (strcmp(fn, "Fn::GetAZs") == 0)
					return ev_getazs(e, arg, &fl, out);
				if (strcmp(fn, "Fn::Base64") == 0)
					return ev_base64(e, arg, &fl, out);
				if (strcmp(fn, "Fn::Cidr") == 0)
					return ev_cidr(e, arg, &fl, out);
				if (strcmp(fn, "Fn::ImportValue") == 0)
					return ev_import(e, arg, &fl, out);
				if (strcmp(fn, "Fn::Equals") == 0 || strcmp(fn, "Fn::Not") == 0 ||
				    strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0) {
					int res, rc = cond_eval(e, v, l, &res);
					if (rc < 0)
						return rc;
					*out = res == TPL_UNKNOWN ? tpl_unknown(json_incref((json_t *)v))
								  : json_boolean(res == TPL_TRUE);
					return 0;
				}
				return everr(e, &fl, "unknown intrinsic function %s", fn);
			}
		}
		{
			/* Copy-on-write: a mapping whose members all evaluate to
			 * themselves is shared, not copied. */
			size_t n = json_object_size(v), i = 0, changed = 0;
			json_t **res = n <= 16 ? NULL : cairn_xmalloc(n * sizeof(json_t *));
			json_t *small[16];
			json_t **r = res ? res : small;
			int rc = 0;
			json_object_foreach((json_t *)v, k, x) {
				locf ml = {v, k, 0, l};
				rc = ev_value(e, x, &ml, &r[i]);
				if (rc < 0)
					break;
				if (rc == EV_NOVALUE)
					r[i] = NULL;
				if (r[i] != x)
					changed++;
				i++;
			}
			if (rc >= 0 && changed) {
				json_t *o = json_object();
				i = 0;
				json_object_foreach((json_t *)v, k, x) {
					if (r[i])
						json_object_set_new(o, k, r[i]);
					r[i++] = NULL;
				}
				*out = o;
			} else if (rc >= 0) {
				*out = json_incref((json_t *)v);
			}
			n = i;
			for (i = 0; i < n; i++)
				json_decref(r[i]);
			free(res);
			return rc < 0 ? rc : 0;
		}
	}
	if (json_is_array(v)) {
		size_t n = json_array_size(v), i, changed = 0;
		json_t **r = cairn_xcalloc(n + 1, sizeof(json_t *));
		int rc = 0;
		for (i = 0; i < n; i++) {
			locf il = {v, NULL, i, l};
			rc = ev_value(e, json_array_get(v, i), &il, &r[i]);
			if (rc < 0)
				break;
			if (rc == EV_NOVALUE)
				r[i] = NULL;
			if (r[i] != json_array_get(v, i))
				changed++;
		}
		if (rc >= 0 && changed) {
			json_t *a = json_array();
			for (i = 0; i < n; i++) {
				if (r[i])
					json_array_append_new(a, r[i]);
				r[i] = NULL;
			}
			*out = a;
		} else if (rc >= 0) {
			*out = json_incref((json_t *)v);
		}
		for (i = 0; i < n; i++)
			json_decref(r[i]);
		free(r);
		return rc < 0 ? rc : 0;
	}
	*out = json_incref((json_t *)v);
	return 0;
}

int tpl_eval(const cairn_stack *st, const json_t *value, const cairn_eval_env *env,
	     int lenient_imports, cairn_diags *diags, const char *prefix, json_t **out)
{
	ev e;
	int rc;
	e.st = st;
	e.env = env;
	e.lenient_imports = lenient_imports;
	e.diags = diags;
	e.prefix = prefix ? prefix : "";
	rc = ev_value(&e, value, NULL, out);
	if (rc == EV_NOVALUE) {
		*out = json_null();
		rc = 0;
	}
	return rc;
}

int cairn_stack_eval(const cairn_stack *s, const json_t *value, const cairn_eval_env *env,
		     json_t **out)
{
	return tpl_eval(s, value, env, 0, NULL, NULL, out);
}

int cairn_stack_eval_properties(const cairn_stack *s, const cairn_resource *r,
				const cairn_eval_env *env, json_t **out)
{
	char *prefix = cairn_xasprintf("%s (%s): ", r->logical_id, r->type);
	int rc = tpl_eval(s, r->properties, env, 0, NULL, prefix, out);
	free(prefix);
	if (rc == 0 && !json_is_object(*out)) {
		json_decref(*out);
		*out = json_object();
	}
	return rc;
}

int cairn_stack_eval_outputs(const cairn_stack *s, const cairn_eval_env *env, json_t **out)
{
	json_t *outputs = json_object_get(cairn_template_root(s->tpl), "Outputs");
	json_t *res = json_object();
	const char *name;
	json_t *o;
	int rc = 0;

	*out = NULL;
	if (json_is_object(outputs)) {
		json_object_foreach(outputs, name, o) {
			const char *cond = json_string_value(json_object_get(o, "Condition"));
			json_t *r = json_object(), *v = NULL;
			char *prefix;
			const json_t *desc = json_object_get(o, "Description");
			const json_t *exp = json_object_get(json_object_get(o, "Export"), "Name");
			if (cond && tpl_condition_value(s, cond) == TPL_FALSE) {
				json_decref(r);
				continue;
			}
			prefix = cairn_xasprintf("output %s: ", name);
			rc = tpl_eval(s, json_object_get(o, "Value"), env, 0, NULL, prefix, &v);
			if (rc == 0) {
				json_object_set_new(r, "Value", v);
				if (json_is_string(desc))
					json_object_set(r, "Description", (json_t *)desc);
				if (exp) {
					rc = tpl_eval(s, exp, env, 0, NULL, prefix, &v);
					if (rc == 0)
						json_object_set_new(r, "Export", v);
				}
			}
			free(prefix);
			if (rc < 0) {
				json_decref(r);
				json_decref(res);
				return rc;
			}
			json_object_set_new(res, name, r);
		}
	}
	*out = res;
	return 0;
}

/* ---- exports from other stacks' states ------------------------------------------ */

/* Adds to out every export value v imports from a state (see
 * cairn_stack_imports), following only the taken branches of Fn::If. */
static void find_imports(const cairn_stack *st, const json_t *v, json_t *out)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			find_imports(st, x, out);
		return;
	}
	if (!json_is_object(v))
		return;
	if (json_object_size(v) == 1) {
		const json_t *arg;
		if ((arg = json_object_get(v, "Fn::If")) != NULL && json_is_array(arg) &&
		    json_array_size(arg) == 3 && json_is_string(json_array_get(arg, 0))) {
			int c = tpl_condition_value(st, json_string_value(json_array_get(arg, 0)));
			if (c != TPL_FALSE)
				find_imports(st, json_array_get(arg, 1), out);
			if (c != TPL_TRUE)
				find_imports(st, json_array_get(arg, 2), out);
			return;
		}
		if ((arg = json_object_get(v, "Fn::ImportValue")) != NULL) {
			json_t *name = NULL;
			const char *from;
			if (tpl_eval(st, arg, NULL, 1, NULL, NULL, &name) == 0 &&
			    json_is_string(name) &&
			    (from = json_string_value(json_object_get(
				     st->export_from, json_string_value(name)))) != NULL)
				json_object_set_new(out, json_string_value(name), json_string(from));
			json_decref(name);
			return;
		}
	}
	json_object_foreach((json_t *)v, k, x)
		find_imports(st, x, out);
}

int cairn_stack_imports(const cairn_stack *s, json_t **out)
{
	json_t *outputs = json_object_get(cairn_template_root(s->tpl), "Outputs"), *o;
	const char *name;
	size_t i;

	*out = json_object();
	if (!s->export_from || json_object_size(s->export_from) == 0)
		return 0;
	for (i = 0; i < s->nres; i++)
		if (s->res[i].enabled != 0)
			find_imports(s, s->res[i].properties, *out);
	json_object_foreach(outputs, name, o) {
		const char *cond = json_string_value(json_object_get(o, "Condition"));
		if (cond && tpl_condition_value(s, cond) == TPL_FALSE)
			continue;
		find_imports(s, json_object_get(o, "Value"), *out);
		find_imports(s, json_object_get(o, "Export"), *out);
	}
	return 0;
}

void tpl_read_exports(cairn_stack *st, cairn_diags *diags)
{
	struct dirent **list = NULL;
	char *own;
	static const char suffix[] = ".state.json";
	int nlist, k;

	st->exports = json_object();
	st->export_from = json_object();
	/* in name order, so that which of two exporters wins is stable */
	nlist = scandir(st->state_dir, &list, NULL, alphasort);
	if (nlist < 0)
		return;
	own = cairn_xasprintf("%s%s", st->name, suffix);
	for (k = 0; k < nlist; k++) {
		struct dirent *de = list[k];
		size_t n = strlen(de->d_name);
		char *path, *stack;
		json_t *state, *outputs;
		json_error_t je;
		const char *oname;
		json_t *o;
		if (n <= sizeof(suffix) - 1 || strcmp(de->d_name + n - (sizeof(suffix) - 1), suffix) ||
		    strcmp(de->d_name, own) == 0) {
			free(de);
			continue;
		}
		path = cairn_xasprintf("%s/%s", st->state_dir, de->d_name);
		stack = cairn_xstrndup(de->d_name, n - (sizeof(suffix) - 1));
		state = json_load_file(path, 0, &je);
		if (!state) {
			cairn_diags_add(diags, CAIRN_DIAG_WARNING, st->file, 0, 0,
					"Fn::ImportValue: %s:%d: cannot read this state (%s); its "
					"exports are not used", path, je.line, je.text);
		} else {
			outputs = json_object_get(state, "outputs");
			json_object_foreach(outputs, oname, o) {
				const char *ex = json_string_value(json_object_get(o, "export"));
				json_t *val = json_object_get(o, "value");
				if (!ex || !val)
					continue;
				if (json_object_get(st->exports, ex)) {
					cairn_diags_add(diags, CAIRN_DIAG_WARNING, st->file, 0, 0,
							"Fn::ImportValue: export '%s' is in the states "
							"of both %s and %s; using %s's",
							ex, json_string_value(json_object_get(
								    st->export_from, ex)),
							stack, json_string_value(json_object_get(
								       st->export_from, ex)));
					continue;
				}
				json_object_set(st->exports, ex, val);
				json_object_set_new(st->export_from, ex, json_string(stack));
			}
			json_decref(state);
		}
		free(stack);
		free(path);
		free(de);
	}
	free(list);
	free(own);
}
