/*
 * template.c: the template loader, cairn's only user of libyaml.
 *
 * It reads a YAML (or JSON) document with libyaml's event parser and
 * builds a jansson tree, keeping a stack of open containers rather than
 * recursing, so that nesting depth costs heap, not C stack (and is bounded
 * by TPL_MAX_DEPTH). On the way it
 *   - types plain scalars as YAML 1.1 does for CloudFormation (null, bool,
 *     integer, real; anything else a string; quoted scalars are strings),
 *   - turns CloudFormation's short tags into the long form
 *     (!Ref X -> {"Ref": "X"}, !GetAtt A.B -> {"Fn::GetAtt": ["A", "B"]},
 *     !Sub s -> {"Fn::Sub": s}, ...),
 *   - records the source position of every node in a hash table keyed by
 *     (parent container, member name or array index), so that a position
 *     can be found for any node, including true/false/null which jansson
 *     shares between all their uses,
 *   - expands aliases by sharing the anchored subtree (a reference, not a
 *     copy) while counting the nodes each alias stands for, and fails when
 *     the document would stand for more than TPL_MAX_ALIAS_NODES nodes
 *     through aliases (billion laughs), so that no later walk of the tree
 *     can be made to do unbounded work,
 *   - reports duplicate keys (at the second key), unknown tags, merge keys
 *     and complex keys as diagnostics, and keeps going to find them all; a
 *     syntax error stops the parse at libyaml's position.
 *
 * The template owns the tree, the marks and the path; marks point into
 * jansson's own copies of member names, which live as long as the tree.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "cairn/common.h"
#include "cairn/template.h"
#include "internal.h"

#define TPL_MAX_DEPTH 512
#define TPL_MAX_ALIAS_NODES 1000000

/* ---- marks ------------------------------------------------------------- */

/* 24 bytes: a template of 10,000 resources has some 300,000 of them. */
typedef struct mark {
	const json_t *parent; /* the container holding the node; NULL for a free slot */
	union {
		const char *key;  /* member name (jansson's copy), for members */
		size_t index;     /* array index, for items */
	} u;
	uint32_t line;        /* the member key's (or the item's) position; the top bit of line */
	uint32_t col;         /* marks an item */
} mark;

#define MARK_ITEM 0x80000000u

typedef struct marks {
	mark *v;      /* open-addressing table, cap slots */
	size_t n;     /* slots used */
	size_t cap;   /* a power of two, or 0 */
} marks;

struct cairn_template {
	char *path;          /* the path as given (or the name, for parsed text) */
	json_t *root;        /* the document (owned) */
	char *text;          /* the bytes read (owned), for the SHA-256 asked later */
	size_t len;          /* their length */
	char sha256[65];     /* hex SHA-256 of the bytes, or "" until asked */
	marks m;             /* positions of every node but the root */
	int root_line;       /* the root node's position */
	int root_col;
};

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t hash_slot(const json_t *parent, const char *key, size_t index)
{
	size_t h = (size_t)(uintptr_t)parent * 0x9E3779B97F4A7C15ULL;
	h ^= key ? hash_str(key) : index * 0xC2B2AE3D27D4EB4FULL;
	return h ^ (h >> 29);
}

static int slot_is(const mark *m, const json_t *parent, const char *key, size_t index)
{
	if (m->parent != parent)
		return 0;
	if (key)
		return !(m->line & MARK_ITEM) && strcmp(m->u.key, key) == 0;
	return (m->line & MARK_ITEM) && m->u.index == index;
}

static const char *mark_key(const mark *m)
{
	return m->line & MARK_ITEM ? NULL : m->u.key;
}

static size_t mark_index(const mark *m)
{
	return m->line & MARK_ITEM ? m->u.index : 0;
}

static void marks_put(marks *ms, const mark *m);

static void marks_grow(marks *ms)
{
	mark *old = ms->v;
	size_t i, oldcap = ms->cap;
	ms->cap = oldcap ? oldcap * 2 : 1024;
	ms->v = cairn_xcalloc(ms->cap, sizeof(mark));
	ms->n = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].parent)
			marks_put(ms, &old[i]);
	free(old);
}

static void marks_put(marks *ms, const mark *m)
{
	size_t i;
	if ((ms->n + 1) * 4 > ms->cap * 3)
		marks_grow(ms);
	i = hash_slot(m->parent, mark_key(m), mark_index(m)) & (ms->cap - 1);
	while (ms->v[i].parent) {
		if (slot_is(&ms->v[i], m->parent, mark_key(m), mark_index(m))) {
			ms->v[i] = *m;
			return;
		}
		i = (i + 1) & (ms->cap - 1);
	}
	ms->v[i] = *m;
	ms->n++;
}

static const mark *marks_get(const marks *ms, const json_t *parent, const char *key,
			     size_t index)
{
	size_t i;
	if (!ms->cap || !parent)
		return NULL;
	i = hash_slot(parent, key, index) & (ms->cap - 1);
	while (ms->v[i].parent) {
		if (slot_is(&ms->v[i], parent, key, index))
			return &ms->v[i];
		i = (i + 1) & (ms->cap - 1);
	}
	return NULL;
}

int tpl_mark_member(const cairn_template *t, const json_t *obj, const char *key, int *line,
		    int *col)
{
	const mark *m = marks_get(&t->m, obj, key, 0);
	if (!m)
		return CAIRN_ENOTFOUND;
	*line = (int)m->line;
	*col = (int)m->col;
	return 0;
}

int tpl_mark_item(const cairn_template *t, const json_t *arr, size_t i, int *line, int *col)
{
	const mark *m = marks_get(&t->m, arr, NULL, i);
	if (!m)
		return CAIRN_ENOTFOUND;
	*line = (int)(m->line & ~MARK_ITEM);
	*col = (int)m->col;
	return 0;
}

void tpl_mark_root(const cairn_template *t, int *line, int *col)
{
	*line = t->root_line;
	*col = t->root_col;
}

/* ---- scalars ----------------------------------------------------------- */

static int is_one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

static int all_digits(const char *s, int (*pred)(int))
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!pred((unsigned char)*s))
			return 0;
	return 1;
}

static int is_dec(int c)
{
	return c >= '0' && c <= '9';
}

/* A plain (unquoted, untagged) scalar typed as YAML 1.1 types it, with
 * two deliberate exceptions: integers written with a leading zero (0123,
 * an account id, YAML 1.1 octal) and values that do not fit 64 bits stay
 * strings, and so do YAML 1.1 timestamps (2010-09-09), .inf and .nan. */
/* A string node from scalar text libyaml has read: libyaml only yields
 * valid UTF-8, so jansson need not check it again. */
static json_t *str(const char *s, size_t n)
{
	return json_stringn_nocheck(s, n);
}

static json_t *plain_scalar(const char *s, size_t n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const trues[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					    "on", "On", "ON", NULL};
	static const char *const falses[] = {"false", "False", "FALSE", "no", "No", "NO",
					     "off", "Off", "OFF", NULL};
	const char *d = s;

	/* most scalars are words: only a few first characters can start a
	 * null, a boolean or a number */
	if (n && !strchr("~nNtTyYoOfF+-.0123456789", s[0]))
		return str(s, n);
	if (is_one_of(s, nulls))
		return json_null();
	if (is_one_of(s, trues))
		return json_true();
	if (is_one_of(s, falses))
		return json_false();
	if (*d == '-' || *d == '+')
		d++;
	if (all_digits(d, is_dec) && (d[0] != '0' || d[1] == '\0')) {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return json_integer(v);
		return str(s, n);
	}
	if (s[0] == '0' && s[1] == 'x' && all_digits(s + 2, isxdigit) && strlen(s) <= 17) {
		unsigned long long v = strtoull(s + 2, NULL, 16);
		if (v <= (unsigned long long)LLONG_MAX)
			return json_integer((json_int_t)v);
		return str(s, n);
	}
	{
		/* [-+]?([0-9]+.[0-9]*|.[0-9]+)([eE][-+]?[0-9]+)? or [-+]?[0-9]+[eE][-+]?[0-9]+ */
		const char *p = d;
		int digits = 0, dot = 0, exp = 0;
		while (is_dec(*p))
			p++, digits++;
		if (*p == '.') {
			dot = 1;
			p++;
			while (is_dec(*p))
				p++, digits++;
		}
		if (digits && (*p == 'e' || *p == 'E')) {
			const char *q = p + 1;
			if (*q == '-' || *q == '+')
				q++;
			if (is_dec(*q)) {
				while (is_dec(*q))
					q++;
				p = q;
				exp = 1;
			}
		}
		if (*p == '\0' && digits && (dot || exp)) {
			double v = strtod(s, NULL);
			if (isfinite(v))
				return json_real(v);
		}
	}
	return str(s, n);
}

char *tpl_scalar_string(const json_t *v)
{
	char buf[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return cairn_xstrndup(json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return cairn_xstrdup(buf);
	case JSON_REAL: {
		int prec;
		double d = json_real_value(v);
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		if (!strpbrk(buf, ".eEn"))
			strcat(buf, ".0");
		return cairn_xstrdup(buf);
	}
	case JSON_TRUE:
		return cairn_xstrdup("true");
	case JSON_FALSE:
		return cairn_xstrdup("false");
	default:
		return NULL;
	}
}

int tpl_distance(const char *a, const char *b, int cap)
{
	/* optimal string alignment: Levenshtein plus adjacent transpositions */
	size_t la = strlen(a), lb = strlen(b), i, j;
	int *prev2, *prev, *cur, d;
	if ((la > lb ? la - lb : lb - la) > (size_t)cap)
		return cap + 1;
	prev2 = cairn_xcalloc(lb + 1, sizeof(int));
	prev = cairn_xcalloc(lb + 1, sizeof(int));
	cur = cairn_xcalloc(lb + 1, sizeof(int));
	for (j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (i = 1; i <= la; i++) {
		int best;
		int *t;
		cur[0] = (int)i;
		best = cur[0];
		for (j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int v = prev[j - 1] + (ca != cb);
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap) {
			free(prev2);
			free(prev);
			free(cur);
			return cap + 1;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
	free(prev2);
	free(prev);
	free(cur);
	return d > cap ? cap + 1 : d;
}

/* ---- the loader -------------------------------------------------------- */

/* Short tags and the long form each becomes. */
static const struct shorttag {
	const char *tag;  /* "!Ref" */
	const char *key;  /* "Ref" */
} shorttags[] = {
	{"!Ref", "Ref"},
	{"!Condition", "Condition"},
	{"!GetAtt", "Fn::GetAtt"},
	{"!Sub", "Fn::Sub"},
	{"!Join", "Fn::Join"},
	{"!Select", "Fn::Select"},
	{"!Split", "Fn::Split"},
	{"!If", "Fn::If"},
	{"!Equals", "Fn::Equals"},
	{"!Not", "Fn::Not"},
	{"!And", "Fn::And"},
	{"!Or", "Fn::Or"},
	{"!FindInMap", "Fn::FindInMap"},
	{"!GetAZs", "Fn::GetAZs"},
	{"!Base64", "Fn::Base64"},
	{"!Cidr", "Fn::Cidr"},
	{"!ImportValue", "Fn::ImportValue"},
};

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_INT "tag:yaml.org,2002:int"
#define TAG_FLOAT "tag:yaml.org,2002:float"
#define TAG_BOOL "tag:yaml.org,2002:bool"
#define TAG_NULL "tag:yaml.org,2002:null"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_SEQ "tag:yaml.org,2002:seq"

typedef struct frame {
	json_t *node;        /* the open object or array */
	const char *wrap;    /* long-form key to wrap it in when it closes ("Fn::Sub"), or NULL */
	char *anchor;        /* its anchor, or NULL */
	int line, col;       /* where it starts (its tag, if any) */
	char *key;           /* objects: the key read, waiting for its value; NULL otherwise */
	int kline, kcol;     /* that key's position */
	int skip;            /* > 0: inside a complex key being skipped, its depth */
	int drop;            /* the skipped complex key is over: drop the value that follows */
	size_t vnodes;       /* nodes this container stands for, aliases expanded */
} frame;

typedef struct anchor {
	char *name;          /* the anchor's name */
	json_t *node;        /* its node (a reference) */
	size_t vnodes;       /* nodes it stands for */
	int line, col;       /* where it is defined */
} anchor;

typedef struct loader {
	cairn_template *t;    /* being built */
	cairn_diags *diags;   /* where problems go */
	frame *fr;            /* open containers; fr[0] is the outermost */
	size_t nfr, capfr;
	anchor *an;           /* anchors seen so far (a later one of the same name wins) */
	size_t nan, capan;
	size_t alias_nodes;   /* nodes added through aliases so far */
	int errors;           /* problems found */
	int fatal;            /* stop parsing: the document is beyond a bound */
	int have_root;        /* the document's root is complete */
	json_t *root;         /* it */
	size_t root_vnodes;   /* nodes it stands for */
} loader;

static void lerr(loader *ld, int line, int col, const char *fmt, ...) CAIRN_PRINTF(4, 5);

static void lerr(loader *ld, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	cairn_diags_add(ld->diags, CAIRN_DIAG_ERROR, ld->t->path, line, col, "%s", msg);
	free(msg);
	ld->errors++;
}

static const char *short_key(const char *tag)
{
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(shorttags); i++)
		if (strcmp(tag, shorttags[i].tag) == 0)
			return shorttags[i].key;
	return NULL;
}

/* The pointer to jansson's copy of key in obj, which lives as long as the
 * member does. */
static const char *stored_key(json_t *obj, const char *key)
{
	void *it = json_object_iter_at(obj, key);
	return it ? json_object_iter_key(it) : NULL;
}

static void put_member_mark(cairn_template *t, json_t *obj, const char *key, int line, int col)
{
	mark m;
	m.parent = obj;
	m.u.key = stored_key(obj, key);
	m.line = (uint32_t)line;
	m.col = (uint32_t)col;
	marks_put(&t->m, &m);
}

static void put_item_mark(cairn_template *t, json_t *arr, size_t i, int line, int col)
{
	mark m;
	m.parent = arr;
	m.u.index = i;
	m.line = (uint32_t)line | MARK_ITEM;
	m.col = (uint32_t)col;
	marks_put(&t->m, &m);
}

/* Wraps v (stolen) as {key: v}, marking the member at line:col. */
static json_t *wrap(cairn_template *t, const char *key, json_t *v, int line, int col)
{
	json_t *o = json_object();
	json_object_set_new(o, key, v);
	put_member_mark(t, o, key, line, col);
	return o;
}

static void free_frame(frame *f)
{
	json_decref(f->node);
	free(f->anchor);
	free(f->key);
}

static void add_anchor(loader *ld, const char *name, json_t *node, size_t vnodes, int line,
		       int col)
{
	anchor *a;
	if (ld->nan == ld->capan) {
		ld->capan = ld->capan ? ld->capan * 2 : 16;
		ld->an = cairn_xrealloc(ld->an, ld->capan * sizeof(*ld->an));
	}
	a = &ld->an[ld->nan++];
	a->name = cairn_xstrdup(name);
	a->node = json_incref(node);
	a->vnodes = vnodes;
	a->line = line;
	a->col = col;
}

static const anchor *find_anchor(const loader *ld, const char *name)
{
	size_t i = ld->nan;
	while (i-- > 0)
		if (strcmp(ld->an[i].name, name) == 0)
			return &ld->an[i];
	return NULL;
}

/* Delivers a finished node (stolen) to the open container, or makes it
 * the root. vnodes is how many nodes it stands for. */
static void deliver(loader *ld, json_t *v, size_t vnodes, int line, int col)
{
	frame *f;
	if (ld->nfr == 0) {
		ld->root = v;
		ld->root_vnodes = vnodes;
		ld->have_root = 1;
		ld->t->root_line = line;
		ld->t->root_col = col;
		return;
	}
	f = &ld->fr[ld->nfr - 1];
	f->vnodes += vnodes;
	if (json_is_array(f->node)) {
		size_t i = json_array_size(f->node);
		json_array_append_new(f->node, v);
		put_item_mark(ld->t, f->node, i, line, col);
		return;
	}
	/* An object: v is the value of f->key (keys are handled in on_key),
	 * or of a complex key already reported. */
	if (!f->key) {
		f->drop = 0;
		json_decref(v);
		return;
	}
	{
		size_t before = json_object_size(f->node);
		json_object_setn_new_nocheck(f->node, f->key, strlen(f->key), v);
		if (json_object_size(f->node) == before) {
			/* a duplicate (it replaced the first, whose mark stays) */
			int pl = 0, pc = 0;
			tpl_mark_member(ld->t, f->node, f->key, &pl, &pc);
			lerr(ld, f->kline, f->kcol, "duplicate key '%s' (first at line %d, column %d)",
			     f->key, pl, pc);
		} else {
			put_member_mark(ld->t, f->node, f->key, f->kline, f->kcol);
		}
	}
	free(f->key);
	f->key = NULL;
}

/* The open object is waiting for a key: this scalar (or alias) is it. */
static int expecting_key(const loader *ld)
{
	const frame *f;
	if (ld->nfr == 0)
		return 0;
	f = &ld->fr[ld->nfr - 1];
	return json_is_object(f->node) && !f->key && !f->skip && !f->drop;
}

/* The key (a malloc'd string, stolen) of the open object's next member. */
static void on_key(loader *ld, char *key, int line, int col)
{
	frame *f = &ld->fr[ld->nfr - 1];
	if (strcmp(key, "<<") == 0)
		lerr(ld, line, col, "YAML merge keys (<<) are not supported: write the keys out");
	f->key = key;
	f->kline = line;
	f->kcol = col;
}

static void on_scalar(loader *ld, yaml_event_t *e)
{
	const char *val = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	const char *tag = (const char *)e->data.scalar.tag;
	const char *anc = (const char *)e->data.scalar.anchor;
	int line = (int)e->start_mark.line + 1, col = (int)e->start_mark.column + 1;
	int plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	json_t *v;
	const char *lk;

	if (ld->nfr && ld->fr[ld->nfr - 1].skip)
		return;
	if (memchr(val, '\0', e->data.scalar.length)) {
		lerr(ld, line, col, "a scalar contains a NUL character");
		val = "";
	}
	if (expecting_key(ld)) {
		if (tag && strcmp(tag, TAG_STR) != 0 && strcmp(tag, "!") != 0)
			lerr(ld, line, col, "a mapping key cannot be tagged %s", tag);
		if (anc) {
			json_t *k = str(val, len);
			add_anchor(ld, anc, k, 1, line, col); /* takes its own reference */
			json_decref(k);
		}
		/* take libyaml's buffer rather than copying it */
		e->data.scalar.value = NULL;
		on_key(ld, (char *)val, line, col);
		return;
	}
	if (!tag || strcmp(tag, "!") == 0) {
		v = plain && !tag ? plain_scalar(val, len) : str(val, len);
	} else if (strcmp(tag, TAG_STR) == 0) {
		v = str(val, len);
	} else if (strcmp(tag, TAG_INT) == 0 || strcmp(tag, TAG_FLOAT) == 0 ||
		   strcmp(tag, TAG_BOOL) == 0 || strcmp(tag, TAG_NULL) == 0) {
		v = plain_scalar(val, len);
		if ((strcmp(tag, TAG_INT) == 0 && !json_is_integer(v)) ||
		    (strcmp(tag, TAG_FLOAT) == 0 && !json_is_number(v)) ||
		    (strcmp(tag, TAG_BOOL) == 0 && !json_is_boolean(v)) ||
		    (strcmp(tag, TAG_NULL) == 0 && !json_is_null(v)))
			lerr(ld, line, col, "'%s' is not a valid %s", val, tag + 18);
	} else if ((lk = short_key(tag)) != NULL) {
		if (strcmp(lk, "Fn::GetAtt") == 0) {
			const char *dot = strchr(val, '.');
			json_t *a = json_array();
			if (!dot || dot == val || !dot[1]) {
				lerr(ld, line, col,
				     "!GetAtt '%s': write it as !GetAtt Resource.Attribute", val);
				json_array_append_new(a, str(val, len));
			} else {
				json_array_append_new(a, json_stringn(val, (size_t)(dot - val)));
				json_array_append_new(a, json_string(dot + 1));
			}
			put_item_mark(ld->t, a, 0, line, col);
			if (json_array_size(a) > 1)
				put_item_mark(ld->t, a, 1, line, col);
			v = wrap(ld->t, lk, a, line, col);
		} else {
			v = wrap(ld->t, lk, str(val, len), line, col);
		}
	} else {
		lerr(ld, line, col, "unknown tag %s (cairn knows !Ref, !GetAtt, !Sub, !Join, "
				    "!Select, !Split, !If, !Equals, !Not, !And, !Or, !FindInMap, "
				    "!GetAZs, !Base64, !Cidr, !ImportValue, !Condition)", tag);
		v = str(val, len);
	}
	if (anc)
		add_anchor(ld, anc, v, 1, line, col);
	deliver(ld, v, 1, line, col);
}

static void push_frame(loader *ld, json_t *node, const char *tag, const char *anc, int line,
		       int col)
{
	frame *f;
	if (ld->nfr == ld->capfr) {
		ld->capfr = ld->capfr ? ld->capfr * 2 : 32;
		ld->fr = cairn_xrealloc(ld->fr, ld->capfr * sizeof(*ld->fr));
	}
	f = &ld->fr[ld->nfr++];
	memset(f, 0, sizeof(*f));
	f->node = node;
	f->line = line;
	f->col = col;
	f->anchor = anc ? cairn_xstrdup(anc) : NULL;
	f->vnodes = 1;
	if (tag && strcmp(tag, "!") != 0 && strcmp(tag, TAG_MAP) != 0 &&
	    strcmp(tag, TAG_SEQ) != 0) {
		const char *lk = short_key(tag);
		if (!lk)
			lerr(ld, line, col, "unknown tag %s", tag);
		else if (strcmp(lk, "Ref") == 0 || strcmp(lk, "Condition") == 0)
			lerr(ld, line, col, "%s takes a name, not a %s", tag,
			     json_is_object(node) ? "mapping" : "list");
		else
			f->wrap = lk;
	}
}

static void on_start(loader *ld, const yaml_event_t *e, int is_map)
{
	int line = (int)e->start_mark.line + 1, col = (int)e->start_mark.column + 1;
	const char *tag = (const char *)(is_map ? e->data.mapping_start.tag
					       : e->data.sequence_start.tag);
	const char *anc = (const char *)(is_map ? e->data.mapping_start.anchor
					       : e->data.sequence_start.anchor);

	if (ld->nfr && ld->fr[ld->nfr - 1].skip) {
		ld->fr[ld->nfr - 1].skip++;
		return;
	}
	if (expecting_key(ld)) {
		lerr(ld, line, col, "a mapping key must be a scalar, not a %s",
		     is_map ? "mapping" : "list");
		ld->fr[ld->nfr - 1].skip = 1;
		return;
	}
	if (ld->nfr >= TPL_MAX_DEPTH) {
		lerr(ld, line, col, "nesting deeper than %d levels", TPL_MAX_DEPTH);
		ld->fatal = 1;
		return;
	}
	push_frame(ld, is_map ? json_object() : json_array(), tag, anc, line, col);
}

static void on_end(loader *ld)
{
	frame f;
	json_t *v;
	if (ld->nfr == 0)
		return;
	if (ld->fr[ld->nfr - 1].skip) {
		/* The end of (part of) a complex key; when it is over, the
		 * value that follows belongs to no key and is dropped. */
		frame *t = &ld->fr[ld->nfr - 1];
		if (--t->skip == 0)
			t->drop = 1;
		return;
	}
	f = ld->fr[--ld->nfr];
	free(f.key);
	v = f.node;
	if (f.wrap)
		v = wrap(ld->t, f.wrap, v, f.line, f.col);
	if (f.anchor) {
		add_anchor(ld, f.anchor, v, f.vnodes, f.line, f.col);
		free(f.anchor);
	}
	deliver(ld, v, f.vnodes, f.line, f.col);
}

static void on_alias(loader *ld, const yaml_event_t *e)
{
	int line = (int)e->start_mark.line + 1, col = (int)e->start_mark.column + 1;
	const char *name = (const char *)e->data.alias.anchor;
	const anchor *a = find_anchor(ld, name);

	if (ld->nfr && ld->fr[ld->nfr - 1].skip)
		return;
	if (!a) {
		lerr(ld, line, col, "alias *%s names no anchor defined before it", name);
		if (!expecting_key(ld))
			deliver(ld, json_null(), 1, line, col);
		else
			on_key(ld, cairn_xstrdup(""), line, col);
		return;
	}
	if (expecting_key(ld)) {
		if (!json_is_string(a->node)) {
			lerr(ld, line, col, "alias *%s used as a key must name a scalar", name);
			on_key(ld, cairn_xstrdup(""), line, col);
		} else {
			on_key(ld, cairn_xstrdup(json_string_value(a->node)), line, col);
		}
		return;
	}
	if (ld->alias_nodes + a->vnodes > TPL_MAX_ALIAS_NODES) {
		lerr(ld, line, col,
		     "alias *%s would expand the document beyond %d nodes through aliases "
		     "(an alias bomb?); write the values out or use fewer aliases",
		     name, TPL_MAX_ALIAS_NODES);
		ld->alias_nodes = TPL_MAX_ALIAS_NODES + 1;
		deliver(ld, json_null(), 1, line, col);
		return;
	}
	ld->alias_nodes += a->vnodes;
	deliver(ld, json_incref(a->node), a->vnodes, line, col);
}

static int parse(loader *ld, const unsigned char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t e;
	int done = 0, docs = 0, rc = 0;

	if (!yaml_parser_initialize(&p))
		cairn_die("libyaml: cannot initialise a parser");
	yaml_parser_set_input_string(&p, text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &e)) {
			int line = (int)p.problem_mark.line + 1, col = (int)p.problem_mark.column + 1;
			if (p.error == YAML_MEMORY_ERROR)
				cairn_die("libyaml: out of memory");
			if (p.context)
				lerr(ld, line, col, "YAML syntax error: %s %s (line %d, column %d)",
				     p.problem ? p.problem : "invalid YAML", p.context,
				     (int)p.context_mark.line + 1, (int)p.context_mark.column + 1);
			else
				lerr(ld, line, col, "YAML syntax error: %s",
				     p.problem ? p.problem : "invalid YAML");
			rc = -1;
			break;
		}
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				lerr(ld, (int)e.start_mark.line + 1, (int)e.start_mark.column + 1,
				     "a template is one YAML document; a second one starts here");
				done = 1;
				rc = -1;
			}
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(ld, &e);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(ld, &e, 0);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(ld, &e, 1);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(ld);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(ld, &e);
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
		if (ld->alias_nodes > TPL_MAX_ALIAS_NODES || ld->fatal) {
			rc = -1;
			break;
		}
	}
	yaml_parser_delete(&p);
	return rc;
}

static void loader_dispose(loader *ld)
{
	size_t i;
	for (i = 0; i < ld->nfr; i++)
		free_frame(&ld->fr[i]);
	free(ld->fr);
	for (i = 0; i < ld->nan; i++) {
		free(ld->an[i].name);
		json_decref(ld->an[i].node);
	}
	free(ld->an);
	if (ld->root)
		json_decref(ld->root);
}

/* Parses text (a NUL-terminated allocation of len bytes, stolen: the
 * template keeps it for its SHA-256). */
static int parse_owned(cairn_template **out, const char *name, char *text, size_t len,
		       cairn_diags *diags)
{
	cairn_template *t = cairn_xcalloc(1, sizeof(*t));
	loader ld;
	char *copy = NULL;
	const char *s = text;
	size_t i = 0;
	int rc;

	*out = NULL;
	t->path = cairn_xstrdup(name);
	t->root_line = t->root_col = 1;
	t->text = text;
	t->len = len;
	memset(&ld, 0, sizeof(ld));
	ld.t = t;
	ld.diags = diags;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	if (i < len && (text[i] == '{' || text[i] == '[') && memchr(text, '\t', len)) {
		/* JSON: a raw tab can only be whitespace (JSON strings escape
		 * theirs), but YAML refuses tabs in some places; one column
		 * each way, so positions are unchanged. */
		size_t k;
		copy = cairn_xmalloc(len + 1);
		memcpy(copy, text, len);
		copy[len] = '\0';
		for (k = 0; k < len; k++)
			if (copy[k] == '\t')
				copy[k] = ' ';
		s = copy;
	}
	if (memchr(s, '\0', len)) {
		lerr(&ld, 0, 0, "the file contains a NUL byte: not a text template");
		rc = -1;
	} else {
		rc = parse(&ld, (const unsigned char *)s, len);
	}
	free(copy);
	if (rc == 0 && !ld.have_root && ld.errors == 0)
		lerr(&ld, 0, 0, "the template is empty");
	if (rc == 0 && ld.have_root && json_is_null(ld.root) && ld.errors == 0)
		lerr(&ld, 0, 0, "the template is empty");
	if (ld.errors || rc < 0) {
		loader_dispose(&ld);
		cairn_template_free(t);
		return cairn_error_setc(CAIRN_EINVALID, "%s: the template cannot be read", name);
	}
	t->root = ld.root;
	ld.root = NULL;
	loader_dispose(&ld);
	*out = t;
	return 0;
}

int cairn_template_parse(cairn_template **out, const char *name, const char *text, size_t len,
			 cairn_diags *diags)
{
	char *copy = cairn_xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	return parse_owned(out, name, copy, len, diags);
}

int cairn_template_load(cairn_template **out, const char *path, cairn_diags *diags)
{
	char *text;
	size_t len;
	int rc = cairn_file_read(path, &text, &len);
	*out = NULL;
	if (rc < 0) {
		cairn_diags_add(diags, CAIRN_DIAG_ERROR, path, 0, 0, "%s",
				rc == CAIRN_ENOTFOUND ? "no such file" : cairn_error_last());
		return cairn_error_setc(CAIRN_EINVALID, "%s: cannot read the template", path);
	}
	return parse_owned(out, path, text, len, diags);
}

void cairn_template_free(cairn_template *t)
{
	if (!t)
		return;
	free(t->m.v);
	json_decref(t->root);
	free(t->text);
	free(t->path);
	free(t);
}

const char *cairn_template_path(const cairn_template *t)
{
	return t->path;
}

json_t *cairn_template_root(const cairn_template *t)
{
	return t->root;
}

const char *cairn_template_sha256(const cairn_template *t)
{
	if (!t->sha256[0]) {
		/* computed when first asked: validate and graph never ask */
		cairn_template *w = (cairn_template *)t;
		cairn_sha256_hex(w->text, w->len, w->sha256);
	}
	return t->sha256;
}

/* ---- finding positions by path ----------------------------------------- */

/* One step of a walk: descend from *cur by member name or index, updating
 * the position. Returns 0 when the child exists. */
static int step_key(const cairn_template *t, json_t **cur, const char *key, int *line, int *col)
{
	json_t *c = *cur;
	if (json_is_object(c)) {
		json_t *v = json_object_get(c, key);
		if (!v)
			return -1;
		tpl_mark_member(t, c, key, line, col);
		*cur = v;
		return 0;
	}
	if (json_is_array(c)) {
		char *end;
		unsigned long i;
		if (!*key || !isdigit((unsigned char)*key))
			return -1;
		errno = 0;
		i = strtoul(key, &end, 10);
		if (*end || errno || i >= json_array_size(c))
			return -1;
		tpl_mark_item(t, c, i, line, col);
		*cur = json_array_get(c, i);
		return 0;
	}
	return -1;
}

int cairn_template_mark(const cairn_template *t, const char *pointer, int *line, int *col)
{
	json_t *cur = t->root;
	const char *p = pointer;
	cairn_buf tok = CAIRN_BUF_INIT;
	int rc = 0;

	*line = t->root_line;
	*col = t->root_col;
	if (!p || !*p)
		return 0;
	if (*p == '/')
		p++;
	for (;;) {
		cairn_buf_clear(&tok);
		while (*p && *p != '/') {
			if (p[0] == '~' && p[1] == '1')
				cairn_buf_putc(&tok, '/'), p += 2;
			else if (p[0] == '~' && p[1] == '0')
				cairn_buf_putc(&tok, '~'), p += 2;
			else
				cairn_buf_putc(&tok, *p++);
		}
		if (step_key(t, &cur, cairn_buf_cstr(&tok), line, col) != 0) {
			rc = 1;
			break;
		}
		if (!*p)
			break;
		p++;
	}
	cairn_buf_dispose(&tok);
	return rc;
}

int cairn_template_resource_mark(const cairn_template *t, const char *logical_id,
				 const char *path, int *line, int *col)
{
	json_t *cur = t->root;
	const char *p = path ? path : "";
	cairn_buf tok = CAIRN_BUF_INIT;
	int rc = 0;

	*line = t->root_line;
	*col = t->root_col;
	if (step_key(t, &cur, "Resources", line, col) != 0 ||
	    step_key(t, &cur, logical_id, line, col) != 0)
		return 1;
	while (*p) {
		cairn_buf_clear(&tok);
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			p++;
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p && *p != q)
					cairn_buf_putc(&tok, *p++);
				if (*p)
					p++;
			} else {
				while (*p && *p != ']')
					cairn_buf_putc(&tok, *p++);
			}
			if (*p == ']')
				p++;
		} else {
			while (*p && *p != '.' && *p != '[')
				cairn_buf_putc(&tok, *p++);
		}
		if (step_key(t, &cur, cairn_buf_cstr(&tok), line, col) != 0) {
			rc = 1;
			break;
		}
	}
	cairn_buf_dispose(&tok);
	return rc;
}
