/*
 * params.c: the Parameters section: each parameter's definition checked,
 * its value bound (from --param / --params, else its Default) and checked
 * against its constraints.
 *
 * Values are bound in the form Ref gives them: a string for String and
 * the AWS-specific id types, a JSON number for Number, a list of strings
 * for CommaDelimitedList and List<...> (a string value is split at its
 * commas, exactly, as CloudFormation does; an empty string is an empty
 * list), a list of numbers for List<Number>. Constraints apply to each
 * element of a list.
 *
 * AllowedPattern must match the whole value. CloudFormation uses Java
 * regular expressions; cairn uses POSIX extended ones (regcomp), after
 * translating the escapes templates commonly use (\d, \w, \s and their
 * negations) into bracket expressions. A pattern regcomp cannot compile
 * is an error naming the parameter.
 *
 * A NoEcho parameter's value never appears in a message.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cairn/common.h"
#include "internal.h"

static const char *const id_types[] = {
	"AWS::EC2::AvailabilityZone::Name", "AWS::EC2::Image::Id", "AWS::EC2::Instance::Id",
	"AWS::EC2::KeyPair::KeyName", "AWS::EC2::SecurityGroup::GroupName",
	"AWS::EC2::SecurityGroup::Id", "AWS::EC2::Subnet::Id", "AWS::EC2::Volume::Id",
	"AWS::EC2::VPC::Id", "AWS::Route53::HostedZone::Id", NULL
};

static const char *const param_keys[] = {
	"Type", "Default", "Description", "AllowedValues", "AllowedPattern", "ConstraintDescription",
	"MinLength", "MaxLength", "MinValue", "MaxValue", "NoEcho", NULL
};

static int in_list(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (strcmp(s, *v) == 0)
			return 1;
	return 0;
}

/* Parses a parameter type; -1 when unknown. */
static int param_kind(const char *type)
{
	size_t n = strlen(type);
	if (strcmp(type, "String") == 0 || in_list(type, id_types))
		return TPL_PARAM_STRING;
	if (strcmp(type, "Number") == 0)
		return TPL_PARAM_NUMBER;
	if (strcmp(type, "CommaDelimitedList") == 0)
		return TPL_PARAM_LIST_STRING;
	if (strcmp(type, "List<Number>") == 0)
		return TPL_PARAM_LIST_NUMBER;
	if (n > 6 && strncmp(type, "List<", 5) == 0 && type[n - 1] == '>') {
		char *inner = cairn_xstrndup(type + 5, n - 6);
		int ok = in_list(inner, id_types);
		free(inner);
		if (ok)
			return TPL_PARAM_LIST_STRING;
	}
	return -1;
}

typedef struct pctx {
	cairn_stack *st;
	cairn_diags *diags;
	const char *file;
} pctx;

static void perr(pctx *c, int line, int col, const char *fmt, ...) CAIRN_PRINTF(4, 5);

static void perr(pctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *m;
	va_start(ap, fmt);
	m = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	cairn_diags_add(c->diags, CAIRN_DIAG_ERROR, c->file, line, col, "%s", m);
	free(m);
}

/* A number from a JSON number or a numeric string; 0 on success. */
static int to_number(const json_t *v, double *d)
{
	char *end;
	const char *s;
	if (json_is_number(v)) {
		*d = json_number_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	errno = 0;
	*d = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || errno || !isfinite(*d))
		return -1;
	return 0;
}

/* A JSON number for a Number parameter: an integer when the text is one. */
static json_t *number_value(const json_t *v)
{
	double d;
	if (json_is_number(v))
		return json_incref((json_t *)v);
	if (to_number(v, &d) < 0)
		return NULL;
	{
		const char *s = json_string_value(v);
		if (!strpbrk(s, ".eE") && d >= -9.2e18 && d <= 9.2e18) {
			long long i = strtoll(s, NULL, 10);
			return json_integer(i);
		}
	}
	return json_real(d);
}

/* The translation of a template's AllowedPattern into POSIX ERE. */
static char *to_posix(const char *pat)
{
	cairn_buf b = CAIRN_BUF_INIT;
	int inbr = 0;
	const char *p;
	cairn_buf_puts(&b, "^(");
	for (p = pat; *p; p++) {
		if (*p == '\\' && p[1]) {
			char e = p[1];
			const char *rep = NULL;
			switch (e) {
			case 'd': rep = inbr ? "0-9" : "[0-9]"; break;
			case 'w': rep = inbr ? "A-Za-z0-9_" : "[A-Za-z0-9_]"; break;
			case 's': rep = inbr ? "[:space:]" : "[[:space:]]"; break;
			case 'D': rep = inbr ? NULL : "[^0-9]"; break;
			case 'W': rep = inbr ? NULL : "[^A-Za-z0-9_]"; break;
			case 'S': rep = inbr ? NULL : "[^[:space:]]"; break;
			default: break;
			}
			if (rep) {
				cairn_buf_puts(&b, rep);
				p++;
				continue;
			}
			if (inbr) {
				/* in a bracket expression a backslash is literal in POSIX;
				 * the escaped character is what was meant */
				cairn_buf_putc(&b, e);
				p++;
				continue;
			}
			cairn_buf_putc(&b, '\\');
			cairn_buf_putc(&b, e);
			p++;
			continue;
		}
		if (!inbr && *p == '[') {
			inbr = 1;
			cairn_buf_putc(&b, '[');
			if (p[1] == '^')
				cairn_buf_putc(&b, *++p);
			if (p[1] == ']')
				cairn_buf_putc(&b, *++p);
			continue;
		}
		if (inbr && *p == ']')
			inbr = 0;
		cairn_buf_putc(&b, *p);
	}
	cairn_buf_puts(&b, ")$");
	return cairn_buf_detach(&b);
}

/* The value shown in a message: quoted, or hidden for NoEcho. */
static char *shown(const tpl_param *p, const char *s)
{
	if (p->noecho)
		return cairn_xstrdup("the value");
	return cairn_xasprintf("'%s'", s);
}

typedef struct constraints {
	const json_t *allowed;   /* AllowedValues, or NULL */
	regex_t re;              /* AllowedPattern, compiled */
	int have_re;
	const char *pattern;     /* as written */
	double minlen, maxlen, minval, maxval;
	int have_minlen, have_maxlen, have_minval, have_maxval;
	const char *why;         /* ConstraintDescription, or NULL */
} constraints;

/* Checks one element (s, and d when numeric) against the constraints. */
static void check_one(pctx *c, const tpl_param *p, const constraints *k, const char *s,
		      int numeric, double d, const char *from, int line, int col)
{
	char *v = shown(p, s);
	const char *why = k->why ? k->why : NULL;
#define WHY why ? " (" : "", why ? why : "", why ? ")" : ""
	if (k->allowed) {
		size_t i;
		int ok = 0;
		for (i = 0; i < json_array_size(k->allowed) && !ok; i++) {
			char *a = tpl_scalar_string(json_array_get(k->allowed, i));
			if (a && strcmp(a, s) == 0)
				ok = 1;
			else if (a && numeric) {
				double ad;
				json_t *as = json_string(a);
				if (to_number(as, &ad) == 0 && ad == d)
					ok = 1;
				json_decref(as);
			}
			free(a);
		}
		if (!ok) {
			cairn_buf list = CAIRN_BUF_INIT;
			for (i = 0; i < json_array_size(k->allowed); i++) {
				char *a = tpl_scalar_string(json_array_get(k->allowed, i));
				cairn_buf_printf(&list, "%s%s", i ? ", " : "", a ? a : "?");
				free(a);
			}
			perr(c, line, col, "parameter '%s'%s: %s (%s) is not one of the AllowedValues: "
					   "%s%s%s%s",
			     p->name, p->noecho ? " (NoEcho)" : "", v, from, p->noecho ? "(hidden)"
											: cairn_buf_cstr(&list), WHY);
			cairn_buf_dispose(&list);
		}
	}
	if (k->have_re && regexec(&k->re, s, 0, NULL, 0) != 0)
		perr(c, line, col, "parameter '%s'%s: %s (%s) does not match the AllowedPattern %s%s%s%s",
		     p->name, p->noecho ? " (NoEcho)" : "", v, from, k->pattern, WHY);
	if (!numeric) {
		size_t len = strlen(s);
		if (k->have_minlen && (double)len < k->minlen)
			perr(c, line, col, "parameter '%s'%s: %s (%s) is shorter than MinLength %g%s%s%s",
			     p->name, p->noecho ? " (NoEcho)" : "", v, from, k->minlen, WHY);
		if (k->have_maxlen && (double)len > k->maxlen)
			perr(c, line, col, "parameter '%s'%s: %s (%s) is longer than MaxLength %g%s%s%s",
			     p->name, p->noecho ? " (NoEcho)" : "", v, from, k->maxlen, WHY);
	} else {
		if (k->have_minval && d < k->minval)
			perr(c, line, col, "parameter '%s'%s: %s (%s) is less than MinValue %g%s%s%s",
			     p->name, p->noecho ? " (NoEcho)" : "", v, from, k->minval, WHY);
		if (k->have_maxval && d > k->maxval)
			perr(c, line, col, "parameter '%s'%s: %s (%s) is greater than MaxValue %g%s%s%s",
			     p->name, p->noecho ? " (NoEcho)" : "", v, from, k->maxval, WHY);
	}
#undef WHY
	free(v);
}

/* Reads a numeric constraint; 0 when absent or valid. */
static int num_constraint(pctx *c, const json_t *def, const char *name, const tpl_param *p,
			  double *out, int *have)
{
	const json_t *v = json_object_get(def, name);
	int line = p->line, col = p->col;
	*have = 0;
	if (!v)
		return 0;
	if (to_number(v, out) < 0) {
		tpl_mark_member(c->st->tpl, def, name, &line, &col);
		perr(c, line, col, "parameter '%s': %s must be a number", p->name, name);
		return -1;
	}
	*have = 1;
	return 0;
}

/* Reads and checks one parameter definition, binds and checks its value. */
static void bind_one(pctx *c, tpl_param *p, const json_t *def, const json_t *given)
{
	cairn_stack *st = c->st;
	const json_t *type = json_object_get(def, "Type");
	const json_t *value;
	constraints k;
	const char *key, *from;
	const json_t *x;
	int line = p->line, col = p->col, kind, bad = 0;
	json_t *bound = NULL;

	memset(&k, 0, sizeof(k));
	json_object_foreach((json_t *)def, key, x) {
		if (!in_list(key, param_keys)) {
			int l = p->line, cc = p->col;
			tpl_mark_member(st->tpl, def, key, &l, &cc);
			perr(c, l, cc, "parameter '%s': unknown key '%s' (Type, Default, Description, "
				       "AllowedValues, AllowedPattern, ConstraintDescription, MinLength, "
				       "MaxLength, MinValue, MaxValue, NoEcho)", p->name, key);
			bad = 1;
		}
	}
	if (!type) {
		perr(c, p->line, p->col, "parameter '%s' has no Type", p->name);
		return;
	}
	if (!json_is_string(type) || (kind = param_kind(json_string_value(type))) < 0) {
		const char *ts = json_is_string(type) ? json_string_value(type) : "";
		tpl_mark_member(st->tpl, def, "Type", &line, &col);
		if (strncmp(ts, "AWS::SSM::Parameter::", 21) == 0)
			perr(c, line, col, "parameter '%s': type %s is not supported: cairn does not "
					   "read SSM parameters; use Type String and pass the value "
					   "with --param", p->name, ts);
		else
			perr(c, line, col, "parameter '%s': unknown Type%s%s (String, Number, "
					   "List<Number>, CommaDelimitedList, AWS::EC2::...::Id, "
					   "List<AWS::EC2::...::Id>)", p->name, *ts ? " " : "", ts);
		return;
	}
	p->kind = (tpl_param_kind)kind;
	{
		const json_t *ne = json_object_get(def, "NoEcho");
		if (ne) {
			char *s = tpl_scalar_string(ne);
			if (!s || (strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0)) {
				tpl_mark_member(st->tpl, def, "NoEcho", &line, &col);
				perr(c, line, col, "parameter '%s': NoEcho must be true or false",
				     p->name);
				bad = 1;
			} else {
				p->noecho = strcasecmp(s, "true") == 0;
			}
			free(s);
		}
	}
	{
		const json_t *d = json_object_get(def, "Description");
		if (d && !json_is_string(d)) {
			tpl_mark_member(st->tpl, def, "Description", &line, &col);
			perr(c, line, col, "parameter '%s': Description must be a string", p->name);
			bad = 1;
		}
	}
	k.allowed = json_object_get(def, "AllowedValues");
	if (k.allowed) {
		size_t i;
		int ok = json_is_array(k.allowed) && json_array_size(k.allowed) > 0;
		for (i = 0; ok && i < json_array_size(k.allowed); i++) {
			const json_t *a = json_array_get(k.allowed, i);
			if (!json_is_string(a) && !json_is_number(a) && !json_is_boolean(a))
				ok = 0;
		}
		if (!ok) {
			tpl_mark_member(st->tpl, def, "AllowedValues", &line, &col);
			perr(c, line, col, "parameter '%s': AllowedValues must be a non-empty list of "
					   "values", p->name);
			k.allowed = NULL;
			bad = 1;
		}
	}
	{
		const json_t *pat = json_object_get(def, "AllowedPattern");
		if (pat) {
			int l = p->line, cc = p->col;
			tpl_mark_member(st->tpl, def, "AllowedPattern", &l, &cc);
			if (!json_is_string(pat)) {
				perr(c, l, cc, "parameter '%s': AllowedPattern must be a string",
				     p->name);
				bad = 1;
			} else {
				char *re = to_posix(json_string_value(pat));
				int e = regcomp(&k.re, re, REG_EXTENDED | REG_NOSUB);
				if (e != 0) {
					char msg[256];
					regerror(e, &k.re, msg, sizeof(msg));
					perr(c, l, cc, "parameter '%s': AllowedPattern %s is not a "
						       "regular expression cairn can use (POSIX "
						       "extended): %s", p->name,
					     json_string_value(pat), msg);
					bad = 1;
				} else {
					k.have_re = 1;
					k.pattern = json_string_value(pat);
				}
				free(re);
			}
		}
	}
	if (num_constraint(c, def, "MinLength", p, &k.minlen, &k.have_minlen) < 0 ||
	    num_constraint(c, def, "MaxLength", p, &k.maxlen, &k.have_maxlen) < 0 ||
	    num_constraint(c, def, "MinValue", p, &k.minval, &k.have_minval) < 0 ||
	    num_constraint(c, def, "MaxValue", p, &k.maxval, &k.have_maxval) < 0)
		bad = 1;
	k.why = json_string_value(json_object_get(def, "ConstraintDescription"));

	/* the value */
	if (given) {
		value = given;
		from = "from --param";
		line = p->line;
		col = p->col;
	} else if ((value = json_object_get(def, "Default")) != NULL) {
		from = "its Default";
		tpl_mark_member(st->tpl, def, "Default", &line, &col);
	} else {
		perr(c, p->line, p->col, "parameter '%s' has no value: pass --param %s=VALUE (or "
					 "--params FILE), or give it a Default", p->name, p->name);
		goto out;
	}
	if (bad)
		goto out;

	if (kind == TPL_PARAM_STRING || kind == TPL_PARAM_NUMBER) {
		char *s = tpl_scalar_string(value);
		double d = 0;
		if (!s) {
			perr(c, line, col, "parameter '%s': the value (%s) must be a %s, not a %s",
			     p->name, from, kind == TPL_PARAM_NUMBER ? "number" : "string",
			     json_is_array(value) ? "list" : json_is_object(value) ? "mapping" : "null");
			goto out;
		}
		if (kind == TPL_PARAM_NUMBER) {
			json_t *sv = json_string(s);
			bound = number_value(value);
			if (!bound || to_number(sv, &d) < 0) {
				char *v = shown(p, s);
				perr(c, line, col, "parameter '%s': %s (%s) is not a number", p->name, v,
				     from);
				free(v);
				json_decref(sv);
				free(s);
				goto out;
			}
			json_decref(sv);
		} else {
			bound = json_string(s);
		}
		check_one(c, p, &k, s, kind == TPL_PARAM_NUMBER, d, from, line, col);
		free(s);
	} else {
		/* a list: from a JSON list, or a string split at commas */
		json_t *items = json_array();
		size_t i;
		if (json_is_array(value)) {
			for (i = 0; i < json_array_size(value); i++) {
				char *s = tpl_scalar_string(json_array_get(value, i));
				if (!s) {
					perr(c, line, col, "parameter '%s': item %zu of the value (%s) "
							   "must be a scalar", p->name, i + 1, from);
					json_decref(items);
					goto out;
				}
				json_array_append_new(items, json_string(s));
				free(s);
			}
		} else {
			char *s = tpl_scalar_string(value), *q, *comma;
			if (!s) {
				perr(c, line, col, "parameter '%s': the value (%s) must be a list or a "
						   "comma-separated string", p->name, from);
				json_decref(items);
				goto out;
			}
			for (q = s; *s;) {
				comma = strchr(q, ',');
				if (comma)
					*comma = '\0';
				json_array_append_new(items, json_string(q));
				if (!comma)
					break;
				q = comma + 1;
			}
			free(s);
		}
		bound = json_array();
		for (i = 0; i < json_array_size(items); i++) {
			const char *s = json_string_value(json_array_get(items, i));
			double d = 0;
			if (kind == TPL_PARAM_LIST_NUMBER) {
				json_t *n = number_value(json_array_get(items, i));
				if (!n || to_number(json_array_get(items, i), &d) < 0) {
					char *v = shown(p, s);
					perr(c, line, col, "parameter '%s': item %zu, %s (%s), is not a "
							   "number", p->name, i + 1, v, from);
					free(v);
					json_decref(n);
					continue;
				}
				json_array_append_new(bound, n);
			} else {
				json_array_append_new(bound, json_string(s));
			}
			check_one(c, p, &k, s, kind == TPL_PARAM_LIST_NUMBER, d, from, line, col);
		}
		json_decref(items);
	}
	json_object_set_new(st->param_values, p->name, bound);
	bound = NULL;
out:
	json_decref(bound);
	if (k.have_re)
		regfree(&k.re);
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

void tpl_params_bind(cairn_stack *st, const cairn_stack_options *opts, cairn_diags *diags)
{
	json_t *root = cairn_template_root(st->tpl);
	json_t *sec = json_is_object(root) ? json_object_get(root, "Parameters") : NULL;
	pctx c;
	const char *name;
	json_t *def;
	size_t n = 0;

	c.st = st;
	c.diags = diags;
	c.file = st->file;
	st->param_index = json_object();
	st->param_values = json_object();
	if (sec && !json_is_object(sec)) {
		int line = 1, col = 1;
		tpl_mark_member(st->tpl, root, "Parameters", &line, &col);
		perr(&c, line, col, "Parameters must be a mapping of parameter names to definitions");
		sec = NULL;
	}
	if (sec) {
		st->params = cairn_xcalloc(json_object_size(sec) + 1, sizeof(tpl_param));
		json_object_foreach(sec, name, def) {
			tpl_param *p = &st->params[n];
			const json_t *given = opts->params ? json_object_get(opts->params, name) : NULL;
			p->name = name; /* jansson's copy, alive as long as the template */
			p->line = p->col = 1;
			tpl_mark_member(st->tpl, sec, name, &p->line, &p->col);
			if (!alnum_name(name))
				perr(&c, p->line, p->col, "parameter name '%s' must be alphanumeric "
							  "(A-Z, a-z, 0-9)", name);
			if (tpl_is_pseudo(name))
				perr(&c, p->line, p->col, "parameter '%s' has the name of a pseudo "
							  "parameter", name);
			json_object_set_new(st->param_index, name, json_integer((json_int_t)n));
			n++;
			if (!json_is_object(def)) {
				perr(&c, p->line, p->col, "parameter '%s' must be a mapping with at "
							  "least a Type", name);
				continue;
			}
			bind_one(&c, p, def, given);
		}
		st->nparams = n;
	}
	/* values for parameters the template does not have */
	if (opts->params) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)opts->params, k, v) {
			if (json_object_get(st->param_index, k))
				continue;
			{
				const char *best = NULL;
				int bestd = 4;
				size_t i;
				for (i = 0; i < st->nparams; i++) {
					int d = tpl_distance(k, st->params[i].name, 3);
					if (d < bestd) {
						bestd = d;
						best = st->params[i].name;
					}
				}
				if (best)
					perr(&c, 0, 0, "--param %s: the template has no parameter '%s' "
						       "(did you mean '%s'?)", k, k, best);
				else
					perr(&c, 0, 0, "--param %s: the template has no parameter '%s'%s",
					     k, k, st->nparams ? "" : " (it has no Parameters)");
			}
		}
	}
}
