/*
 * diff.c: what changed between a resource's desired and live properties
 * (plan.h, "diff").
 *
 * Everything here is driven by the type's normalised schema (types.h):
 * one node per value, with a kind. Equality is asymmetric, as
 * CloudFormation drift is: desired is what the template sets, live is
 * what AWS reports, and only what desired sets is compared. Per kind:
 *
 *   String, Integer, Double, Boolean  CloudFormation's coercions: "5" == 5,
 *       5.0 == 5, "true" == true (booleans case-insensitively);
 *   Json            a JSON string is parsed, then compared structurally;
 *   PolicyDocument  compared in canonical form (cairn_diff_policy_document);
 *   Tags            a set of {Key, Value} without aws: keys and cairn's own
 *                   two (cairn:stack, cairn:logical-id; other cairn: keys
 *                   are the user's);
 *   List            in order, or as a multiset when "set" (each desired
 *       item matched to a different live item);
 *   Object, Map     key by key, on the keys desired has.
 * An absent live value equals an empty desired list or object (AWS often
 * omits empty collections). An unknown marker is never equal to anything.
 *
 * The walk that produces changes descends into objects, and into lists of
 * objects of the same length, so a change is reported at the deepest path
 * where the two sides still have the same shape; anything else is one
 * change of the whole value. In a set of objects (a role's Policies), the
 * items that are equal are paired off first; when exactly one item on
 * each side is left, the walk descends into that pair, at the desired
 * item's index (Policies[2].PolicyDocument). A change replaces the resource when its path
 * (keys only, "/"-separated) is, or is inside, or contains a create-only
 * path of the type (cairn_type_is_create_only); a change at an immutable
 * path (a KMS key's KeySpec) is flagged, and plan refuses it. Keys the
 * last apply set and the template no longer sets are removals (after =
 * absent) when live still has a value, except at create-only paths (see
 * plan.h); that holds inside the items of a list too: in an ordered list
 * at the key's path (Rules[0].Key), in a set as a change of the whole set
 * (its items paired by equality on the template's keys).
 *
 * The module owns nothing beyond the cairn_diff it appends to.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cairn/plan.h"
#include "cairn/stack.h"
#include "cairn/types.h"

/* ---- scalars --------------------------------------------------------------- */

static const char *kind_of(const json_t *schema)
{
	return schema ? json_string_value(json_object_get(schema, "kind")) : NULL;
}

static int kind_is(const json_t *schema, const char *k)
{
	const char *s = kind_of(schema);
	return s && strcmp(s, k) == 0;
}

/* An unknown marker (stack.h): {"Cairn::Unknown": expr}. */
static int is_unknown(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 1 &&
	       json_object_get(v, CAIRN_UNKNOWN_KEY) != NULL;
}

static int has_unknown(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	if (is_unknown(v))
		return 1;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			if (has_unknown(x))
				return 1;
		}
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (has_unknown(json_array_get(v, i)))
				return 1;
	}
	return 0;
}

static int is_scalar(const json_t *v)
{
	return v && (json_is_string(v) || json_is_number(v) || json_is_boolean(v));
}

/* The scalar as CloudFormation would write it as a string; NULL for
 * non-scalars. Returns a pointer into buf or into v. */
static const char *scalar_str(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);
		if (x == (double)(long long)x && x > -1e15 && x < 1e15)
			snprintf(buf, n, "%lld", (long long)x);
		else
			snprintf(buf, n, "%.17g", x);
		return buf;
	}
	if (json_is_true(v))
		return "true";
	if (json_is_false(v))
		return "false";
	return NULL;
}

static int to_number(const json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 1;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		if (!*s)
			return 0;
		*out = strtod(s, &end);
		return *end == '\0';
	}
	return 0;
}

static int to_bool(const json_t *v, int *out)
{
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 1;
	}
	if (json_is_string(v)) {
		if (strcasecmp(json_string_value(v), "true") == 0)
			return *out = 1, 1;
		if (strcasecmp(json_string_value(v), "false") == 0)
			return *out = 0, 1;
	}
	return 0;
}

static int scalar_equal(const json_t *a, const json_t *b)
{
	char ba[64], bb[64];
	const char *sa = scalar_str(a, ba, sizeof(ba)), *sb = scalar_str(b, bb, sizeof(bb));
	double na, nb;
	if (!sa || !sb)
		return 0;
	if (strcmp(sa, sb) == 0)
		return 1;
	/* 1.50 and 1.5, "5" and 5.0 */
	if (!json_is_boolean(a) && !json_is_boolean(b) && to_number(a, &na) &&
	    to_number(b, &nb))
		return na == nb;
	return 0;
}

static int is_empty_collection(const json_t *v)
{
	return (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

/* Canonical compact text of a value, for sorting and set membership. */
static char *canon_text(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	return s ? s : cairn_xstrdup("");
}

static int cmp_canon(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	char *sx = canon_text(x), *sy = canon_text(y);
	int r = strcmp(sx, sy);
	free(sx);
	free(sy);
	return r;
}

/* Sorts an array in place by canonical text; with unique, drops repeats. */
static void sort_array(json_t *arr, int unique)
{
	size_t n = json_array_size(arr), i, m = 0;
	json_t **v;
	if (n < 2)
		return;
	v = cairn_xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_canon);
	json_array_clear(arr);
	for (i = 0; i < n; i++) {
		if (unique && m > 0 && json_equal(v[i], json_array_get(arr, m - 1))) {
			json_decref(v[i]);
			continue;
		}
		json_array_append_new(arr, v[i]);
		m++;
	}
	free(v);
}

/* ---- canonical forms ------------------------------------------------------- */

static json_t *parse_json_string(const json_t *v)
{
	if (json_is_string(v)) {
		json_t *p = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
		if (p && (json_is_object(p) || json_is_array(p)))
			return p;
		json_decref(p);
	}
	return json_deep_copy(v);
}

/* A value made a sorted, unique list of strings (scalars are written as
 * strings; unknown markers and other values kept). */
static json_t *string_list(const json_t *v)
{
	json_t *out = json_array();
	char buf[64];
	size_t i;
	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			const json_t *x = json_array_get(v, i);
			const char *s = is_scalar(x) ? scalar_str(x, buf, sizeof(buf)) : NULL;
			json_array_append_new(out, s ? json_string(s) : json_deep_copy(x));
		}
	} else if (v) {
		const char *s = is_scalar(v) ? scalar_str(v, buf, sizeof(buf)) : NULL;
		json_array_append_new(out, s ? json_string(s) : json_deep_copy(v));
	}
	sort_array(out, 1);
	return out;
}

static int is_account_id(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return i == 12;
}

static json_t *canon_principal(const json_t *p)
{
	json_t *out, *x;
	const char *k;
	if (json_is_string(p) && strcmp(json_string_value(p), "*") == 0)
		return json_pack("{s:[s]}", "AWS", "*");
	if (!json_is_object(p))
		return json_deep_copy(p);
	out = json_object();
	json_object_foreach((json_t *)p, k, x) {
		json_t *l = string_list(x);
		if (strcmp(k, "AWS") == 0) {
			size_t i;
			for (i = 0; i < json_array_size(l); i++) {
				const char *s = json_string_value(json_array_get(l, i));
				if (s && is_account_id(s))
					json_array_set_new(
						l, i, json_sprintf("arn:aws:iam::%s:root", s));
			}
			sort_array(l, 1);
		}
		json_object_set_new(out, k, l);
	}
	return out;
}

static json_t *canon_condition(const json_t *c)
{
	json_t *out, *ops;
	const char *op;
	if (!json_is_object(c))
		return json_deep_copy(c);
	out = json_object();
	json_object_foreach((json_t *)c, op, ops) {
		json_t *o, *v;
		const char *key;
		if (!json_is_object(ops)) {
			json_object_set(out, op, ops);
			continue;
		}
		o = json_object();
		json_object_foreach(ops, key, v)
			json_object_set_new(o, key, string_list(v));
		json_object_set_new(out, op, o);
	}
	return out;
}

static json_t *canon_statement(const json_t *s)
{
	json_t *out, *v;
	const char *k;
	if (!json_is_object(s))
		return json_deep_copy(s);
	out = json_object();
	json_object_foreach((json_t *)s, k, v) {
		if (!strcmp(k, "Action") || !strcmp(k, "NotAction") || !strcmp(k, "Resource") ||
		    !strcmp(k, "NotResource"))
			json_object_set_new(out, k, string_list(v));
		else if (!strcmp(k, "Principal") || !strcmp(k, "NotPrincipal"))
			json_object_set_new(out, k, canon_principal(v));
		else if (!strcmp(k, "Condition"))
			json_object_set_new(out, k, canon_condition(v));
		else if (!strcmp(k, "Sid") && json_is_string(v) && !*json_string_value(v))
			continue;
		else
			json_object_set_new(out, k, json_deep_copy(v));
	}
	return out;
}

json_t *cairn_diff_policy_document(const json_t *doc)
{
	json_t *d = parse_json_string(doc), *out, *st, *list, *v;
	const char *k;
	size_t i;

	if (!json_is_object(d) || is_unknown(d))
		return d;
	out = json_object();
	json_object_foreach(d, k, v) {
		if (strcmp(k, "Statement") == 0)
			continue;
		json_object_set(out, k, v);
	}
	if (!json_object_get(out, "Version"))
		json_object_set_new(out, "Version", json_string("2008-10-17"));
	st = json_object_get(d, "Statement");
	if (st) {
		list = json_array();
		if (json_is_array(st))
			for (i = 0; i < json_array_size(st); i++)
				json_array_append_new(list, canon_statement(json_array_get(st, i)));
		else
			json_array_append_new(list, canon_statement(st));
		sort_array(list, 0);
		json_object_set_new(out, "Statement", list);
	}
	json_decref(d);
	return out;
}

/* aws: keys and cairn's own two (cairn:stack, cairn:logical-id); every
 * other cairn: key is the user's and compared like any tag. */
static int is_hidden_tag(const char *key)
{
	return cairn_tag_key_reserved(key) != NULL;
}

static int cmp_tag(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	const char *kx = json_string_value(json_object_get(x, "Key"));
	const char *ky = json_string_value(json_object_get(y, "Key"));
	int r = strcmp(kx ? kx : "", ky ? ky : "");
	return r ? r : cmp_canon(a, b);
}

json_t *cairn_diff_tags(const json_t *tags)
{
	json_t *out = json_array(), **v, *x;
	size_t i, n;
	char buf[64];
	const char *k;

	if (json_is_array(tags)) {
		for (i = 0; i < json_array_size(tags); i++) {
			const json_t *t = json_array_get(tags, i), *val;
			const char *key = json_string_value(json_object_get(t, "Key"));
			const char *s;
			if (!json_is_object(t)) {
				json_array_append(out, (json_t *)t);
				continue;
			}
			if (is_hidden_tag(key))
				continue;
			val = json_object_get(t, "Value");
			s = is_scalar(val) ? scalar_str(val, buf, sizeof(buf)) : NULL;
			json_array_append_new(
				out, json_pack("{s:O?, s:o}", "Key", json_object_get(t, "Key"), "Value",
					       s ? json_string(s)
						 : (val ? json_deep_copy(val) : json_string(""))));
		}
	} else if (json_is_object(tags) && !is_unknown(tags)) {
		json_object_foreach((json_t *)tags, k, x) {
			const char *s = is_scalar(x) ? scalar_str(x, buf, sizeof(buf)) : NULL;
			if (is_hidden_tag(k))
				continue;
			json_array_append_new(out, json_pack("{s:s, s:o}", "Key", k, "Value",
							     s ? json_string(s) : json_deep_copy(x)));
		}
	} else {
		json_decref(out);
		return json_deep_copy(tags);
	}
	n = json_array_size(out);
	if (n > 1) {
		v = cairn_xcalloc(n, sizeof(*v));
		for (i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(out, i));
		qsort(v, n, sizeof(*v), cmp_tag);
		json_array_clear(out);
		for (i = 0; i < n; i++)
			json_array_append_new(out, v[i]);
		free(v);
	}
	return out;
}

json_t *cairn_diff_normalize(const json_t *schema, const json_t *v)
{
	const char *k = kind_of(schema);
	if (!v)
		return NULL;
	if (is_unknown(v) || !k)
		return json_deep_copy(v);
	if (!strcmp(k, "PolicyDocument"))
		return cairn_diff_policy_document(v);
	if (!strcmp(k, "Tags"))
		return cairn_diff_tags(v);
	if (!strcmp(k, "Json"))
		return parse_json_string(v);
	if (!strcmp(k, "List") && json_is_array(v)) {
		json_t *out = json_array(), *item = json_object_get(schema, "item");
		size_t i;
		for (i = 0; i < json_array_size(v); i++)
			json_array_append_new(out, cairn_diff_normalize(item, json_array_get(v, i)));
		if (json_is_true(json_object_get(schema, "set")))
			sort_array(out, 0);
		return out;
	}
	if ((!strcmp(k, "Object") || !strcmp(k, "Map")) && json_is_object(v)) {
		json_t *out = json_object(), *x, *props = json_object_get(schema, "properties");
		const char *key;
		json_object_foreach((json_t *)v, key, x) {
			const json_t *sub = !strcmp(k, "Map") ? json_object_get(schema, "value")
							      : json_object_get(props, key);
			json_object_set_new(out, key, cairn_diff_normalize(sub, x));
		}
		return out;
	}
	return json_deep_copy(v);
}

/* ---- equality -------------------------------------------------------------- */

static int generic_equal(const json_t *d, const json_t *l)
{
	if (is_scalar(d) && is_scalar(l))
		return scalar_equal(d, l);
	if (json_is_object(d) && json_is_object(l)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)d, k, x) {
			if (!cairn_diff_equal(NULL, x, json_object_get(l, k)))
				return 0;
		}
		return 1;
	}
	if (json_is_array(d) && json_is_array(l)) {
		size_t i;
		if (json_array_size(d) != json_array_size(l))
			return 0;
		for (i = 0; i < json_array_size(d); i++)
			if (!cairn_diff_equal(NULL, json_array_get(d, i), json_array_get(l, i)))
				return 0;
		return 1;
	}
	return json_equal(d, l);
}

/* Strict structural equality with numeric coercion, for canonical forms. */
static int canon_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *x;
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, k, x) {
			if (!canon_equal(x, json_object_get(b, k)))
				return 0;
		}
		return 1;
	}
	if (json_is_array(a) && json_is_array(b)) {
		size_t i;
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!canon_equal(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	return a && b && json_equal(a, b);
}

static int set_equal(const json_t *item, const json_t *d, const json_t *l)
{
	size_t n = json_array_size(d), i, j;
	char *used;
	int ok = 1;
	if (n != json_array_size(l))
		return 0;
	used = cairn_xcalloc(n ? n : 1, 1);
	for (i = 0; i < n && ok; i++) {
		ok = 0;
		for (j = 0; j < n; j++) {
			if (!used[j] &&
			    cairn_diff_equal(item, json_array_get(d, i), json_array_get(l, j))) {
				used[j] = 1;
				ok = 1;
				break;
			}
		}
	}
	free(used);
	return ok;
}

int cairn_diff_equal(const json_t *schema, const json_t *d, const json_t *l)
{
	const char *k = kind_of(schema);

	if (!d || json_is_null(d))
		return !l || json_is_null(l);
	if (has_unknown(d))
		return 0;
	if (!l || json_is_null(l))
		return is_empty_collection(d);
	if (!k)
		return generic_equal(d, l);
	if (!strcmp(k, "String"))
		return is_scalar(d) && is_scalar(l) ? scalar_equal(d, l) : generic_equal(d, l);
	if (!strcmp(k, "Integer") || !strcmp(k, "Double")) {
		double a, b;
		if (to_number(d, &a) && to_number(l, &b))
			return a == b;
		return scalar_equal(d, l);
	}
	if (!strcmp(k, "Boolean")) {
		int a, b;
		if (to_bool(d, &a) && to_bool(l, &b))
			return a == b;
		return scalar_equal(d, l);
	}
	if (!strcmp(k, "Json") || !strcmp(k, "PolicyDocument") || !strcmp(k, "Tags")) {
		json_t *a = cairn_diff_normalize(schema, d), *b = cairn_diff_normalize(schema, l);
		int eq = canon_equal(a, b);
		json_decref(a);
		json_decref(b);
		return eq;
	}
	if (!strcmp(k, "List")) {
		const json_t *item = json_object_get(schema, "item");
		size_t i;
		if (!json_is_array(d) || !json_is_array(l))
			return generic_equal(d, l);
		if (json_is_true(json_object_get(schema, "set")))
			return set_equal(item, d, l);
		if (json_array_size(d) != json_array_size(l))
			return 0;
		for (i = 0; i < json_array_size(d); i++)
			if (!cairn_diff_equal(item, json_array_get(d, i), json_array_get(l, i)))
				return 0;
		return 1;
	}
	if (!strcmp(k, "Object") || !strcmp(k, "Map")) {
		const json_t *props = json_object_get(schema, "properties");
		const char *key;
		json_t *x;
		if (!json_is_object(d) || !json_is_object(l))
			return generic_equal(d, l);
		json_object_foreach((json_t *)d, key, x) {
			const json_t *sub = !strcmp(k, "Map") ? json_object_get(schema, "value")
							      : json_object_get(props, key);
			if (!cairn_diff_equal(sub, x, json_object_get(l, key)))
				return 0;
		}
		return 1;
	}
	return generic_equal(d, l);
}

/* ---- the walk ---------------------------------------------------------------- */

/* 1 when a change at cpath ("A/B") touches a create-only path (types.c:
 * equal, inside, or containing one). */
static int forces_replace(const cairn_type *t, const char *cpath)
{
	return t && *cpath && cairn_type_is_create_only(t, cpath);
}

static int is_immutable(const cairn_type *t, const char *cpath)
{
	return t && *cpath && cairn_type_is_immutable(t, cpath);
}

static void add_change(cairn_diff *d, const char *path, json_t *before, json_t *after,
		       int replaces, int immutable)
{
	cairn_change *c;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 8;
		d->v = cairn_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	c = &d->v[d->n++];
	c->path = cairn_xstrdup(path);
	c->before = before;
	c->after = after;
	c->replaces = replaces;
	c->immutable = immutable;
	if (replaces)
		d->replace = 1;
	if (immutable)
		d->immutable = 1;
}

/* The value shown as "after": canonical where that helps the reader see
 * the difference (documents, tags), as written otherwise. */
static json_t *shown(const json_t *schema, const json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (kind_is(schema, "PolicyDocument") || kind_is(schema, "Tags") || kind_is(schema, "Json"))
		return cairn_diff_normalize(schema, v);
	return json_deep_copy(v);
}

typedef struct walk {
	cairn_diff *d;        /* where changes go */
	const cairn_type *t;  /* for create-only paths */
	cairn_buf path;       /* "A.B[0].C" */
	cairn_buf cpath;      /* "A/B/C" */
} walk;

static void walk_value(walk *w, const json_t *schema, const json_t *d, const json_t *l,
		       const json_t *p);

static void walk_key(walk *w, const json_t *schema, const char *key, const json_t *d,
		     const json_t *l, const json_t *p)
{
	size_t plen = w->path.len, clen = w->cpath.len;
	if (plen)
		cairn_buf_putc(&w->path, '.');
	cairn_buf_puts(&w->path, key);
	if (clen)
		cairn_buf_putc(&w->cpath, '/');
	cairn_buf_puts(&w->cpath, key);
	walk_value(w, schema, d, l, p);
	w->path.len = plen;
	w->path.ptr[plen] = '\0';
	w->cpath.len = clen;
	if (w->cpath.ptr)
		w->cpath.ptr[clen] = '\0';
}

static void walk_object(walk *w, const json_t *schema, const json_t *d, const json_t *l,
			const json_t *p)
{
	int is_map = kind_is(schema, "Map");
	const json_t *props = json_object_get(schema, "properties");
	const char *key;
	json_t *x;

	json_object_foreach((json_t *)d, key, x) {
		const json_t *sub = is_map ? json_object_get(schema, "value")
					   : json_object_get(props, key);
		walk_key(w, sub, key, x, json_object_get(l, key), json_object_get(p, key));
	}
	if (json_is_object(p)) {
		json_object_foreach((json_t *)p, key, x) {
			const json_t *sub;
			if (json_object_get(d, key))
				continue;
			sub = is_map ? json_object_get(schema, "value") : json_object_get(props, key);
			walk_key(w, sub, key, NULL, json_object_get(l, key), x);
		}
	}
}

/* A set of objects of the same size on both sides: the index in d of the
 * only item no live item equals, and in *li the only live item left over
 * (both -1 when it is not exactly one of each). */
static long lone_pair(const json_t *item, const json_t *d, const json_t *l, long *li)
{
	size_t n = json_array_size(d), i, j;
	char *used = cairn_xcalloc(n ? n : 1, 1);
	long di = -1;
	int left = 0;
	*li = -1;
	for (i = 0; i < n; i++) {
		int matched = 0;
		for (j = 0; j < n && !matched; j++)
			if (!used[j] &&
			    cairn_diff_equal(item, json_array_get(d, i), json_array_get(l, j))) {
				used[j] = 1;
				matched = 1;
			}
		if (!matched) {
			di = (long)i;
			left++;
		}
	}
	for (j = 0; j < n && left == 1; j++)
		if (!used[j])
			*li = (long)j;
	free(used);
	if (left != 1 || *li < 0) {
		*li = -1;
		return -1;
	}
	return di;
}

/* 1 when live item l still has a value (not empty) at a key that the
 * last apply's item p set and the template's item d no longer sets, here
 * or in the objects below. */
static int object_lost_keys(const json_t *schema, const json_t *d, const json_t *l,
			    const json_t *p)
{
	const json_t *props = json_object_get(schema, "properties"), *pv;
	int is_map = kind_is(schema, "Map");
	const char *key;

	if (!json_is_object(d) || !json_is_object(l) || !json_is_object(p))
		return 0;
	json_object_foreach((json_t *)p, key, pv) {
		const json_t *dv = json_object_get(d, key), *lv = json_object_get(l, key);
		const json_t *sub = is_map ? json_object_get(schema, "value")
					   : json_object_get(props, key);
		if (!lv || json_is_null(lv) || is_empty_collection(lv))
			continue;
		if (!dv || json_is_null(dv))
			return 1;
		if (json_is_object(dv) && (!kind_of(sub) || kind_is(sub, "Object") ||
					   kind_is(sub, "Map")) &&
		    object_lost_keys(sub, dv, lv, pv))
			return 1;
	}
	return 0;
}

/* For a set of objects that equals live on the keys the template sets
 * (schema a List with "set"): 1 when an item has lost a key since the last
 * apply (p) that live still has (KMSMasterKeyID taken out of an item).
 * Items are paired by equality on the template item's keys. */
static int set_lost_keys(const json_t *schema, const json_t *d, const json_t *l, const json_t *p)
{
	const json_t *item = json_object_get(schema, "item");
	size_t i, j, nl = json_array_size(l), np = json_array_size(p);
	char *lu, *pu;
	int lost = 0;

	if (!json_is_array(d) || !json_is_array(l) || !json_is_array(p) ||
	    !json_is_true(json_object_get(schema, "set")))
		return 0;
	lu = cairn_xcalloc(nl + 1, 1);
	pu = cairn_xcalloc(np + 1, 1);
	for (i = 0; i < json_array_size(d) && !lost; i++) {
		const json_t *di = json_array_get(d, i), *li = NULL, *pi = NULL;
		if (!json_is_object(di))
			continue;
		for (j = 0; j < nl && !li; j++)
			if (!lu[j] && cairn_diff_equal(item, di, json_array_get(l, j))) {
				lu[j] = 1;
				li = json_array_get(l, j);
			}
		for (j = 0; j < np && !pi; j++)
			if (!pu[j] && cairn_diff_equal(item, di, json_array_get(p, j))) {
				pu[j] = 1;
				pi = json_array_get(p, j);
			}
		lost = object_lost_keys(item, di, li, pi);
	}
	free(lu);
	free(pu);
	return lost;
}

static void walk_value(walk *w, const json_t *schema, const json_t *d, const json_t *l,
		       const json_t *p)
{
	const char *path = cairn_buf_cstr(&w->path), *cpath = cairn_buf_cstr(&w->cpath);
	const char *k = kind_of(schema);

	if (!d || json_is_null(d)) {
		/* removed from the template: a change only if live has a value
		 * the last apply set, and never a replacement */
		if (p && l && !json_is_null(l) && !is_empty_collection(l) &&
		    !forces_replace(w->t, cpath) && !is_immutable(w->t, cpath))
			add_change(w->d, path, cairn_diff_normalize(schema, l), NULL, 0, 0);
		return;
	}
	/* objects are walked even when equal: a key the last apply set may
	 * have been removed from the template */
	if (l && !is_unknown(d) && json_is_object(d) && json_is_object(l) &&
	    (!k || !strcmp(k, "Object") || !strcmp(k, "Map"))) {
		walk_object(w, schema, d, l, p);
		return;
	}
	/* lists of objects in order are walked item by item, even when equal,
	 * for the same reason */
	if (l && json_is_array(d) && json_is_array(l) &&
	    json_array_size(d) == json_array_size(l) && (!k || !strcmp(k, "List")) &&
	    !json_is_true(json_object_get(schema, "set"))) {
		const json_t *item = json_object_get(schema, "item");
		size_t i, plen = w->path.len;
		int objects = 1;
		for (i = 0; i < json_array_size(d); i++)
			if (!json_is_object(json_array_get(d, i)) ||
			    is_unknown(json_array_get(d, i)))
				objects = 0;
		if (objects) {
			for (i = 0; i < json_array_size(d); i++) {
				cairn_buf_printf(&w->path, "[%zu]", i);
				walk_value(w, item, json_array_get(d, i), json_array_get(l, i),
					   json_array_get(p, i));
				w->path.len = plen;
				w->path.ptr[plen] = '\0';
			}
			return;
		}
	}
	/* a set equal on what the template sets can still hold a value the
	 * last apply set and the template no longer does: the whole set */
	if (cairn_diff_equal(schema, d, l) && !set_lost_keys(schema, d, l, p))
		return;
	if (l && json_is_array(d) && json_is_array(l) && json_array_size(d) == json_array_size(l) &&
	    k && !strcmp(k, "List") && json_is_true(json_object_get(schema, "set")) &&
	    json_is_object(json_array_get(d, 0)) && !has_unknown(d)) {
		const json_t *item = json_object_get(schema, "item");
		long li, di = lone_pair(item, d, l, &li);
		if (di >= 0 && json_is_object(json_array_get(d, (size_t)di)) &&
		    json_is_object(json_array_get(l, (size_t)li))) {
			size_t plen = w->path.len;
			cairn_buf_printf(&w->path, "[%ld]", di);
			walk_value(w, item, json_array_get(d, (size_t)di),
				   json_array_get(l, (size_t)li), NULL);
			w->path.len = plen;
			w->path.ptr[plen] = '\0';
			return;
		}
	}
	add_change(w->d, path, cairn_diff_normalize(schema, l), shown(schema, d),
		   forces_replace(w->t, cpath), is_immutable(w->t, cpath));
}

void cairn_diff_properties(cairn_diff *d, const cairn_type *t, const json_t *desired,
			   const json_t *live, const json_t *prior)
{
	walk w;
	json_t *empty = json_object();
	memset(&w, 0, sizeof(w));
	w.d = d;
	w.t = t;
	walk_object(&w, t ? t->schema : NULL, desired ? desired : empty, live ? live : empty,
		    prior);
	cairn_buf_dispose(&w.path);
	cairn_buf_dispose(&w.cpath);
	json_decref(empty);
}

void cairn_diff_all(cairn_diff *d, const json_t *desired)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)desired, k, v)
		add_change(d, k, NULL, json_deep_copy(v), 0, 0);
}

void cairn_diff_dispose(cairn_diff *d)
{
	size_t i;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		json_decref(d->v[i].before);
		json_decref(d->v[i].after);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}
