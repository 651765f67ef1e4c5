/*
 * report.c: the drift and audit report model and its JSON files.
 *
 * A report is a plain tree of C structs (report.h) owned by one
 * cairn_report: the header (stack, template path and SHA-256, policy files
 * and their digest, state serial and lineage, cairn version), the drift
 * entries, and for an audit the controls with their findings and the
 * waivers. Every element is allocated on its own, so the pointers the
 * add functions return stay valid as the lists grow.
 *
 * cairn_report_finish() is where the model becomes a report: it checks
 * what the format promises (a MODIFIED resource has differences, a
 * NOT_CHECKED one says why, a waived finding is covered by a waiver in
 * force, no duplicates), sorts every list in natural order, derives each
 * control's status (FAILED > NOT_DECIDED > WAIVED > PASSED over its
 * findings) and each waiver's (expired, applied, unused), and computes the
 * policies digest. It is idempotent and cheap, so the renderers and the
 * committer call it themselves.
 *
 * The JSON file is written here (to_json: fixed key order, redacted) and
 * read back (from_json: strict, every member checked, unknown members
 * refused, derived members compared with what the entries say rather than
 * trusted). docs/internals/reports.md is the format's reference.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

#define PUSH(arr, n, cap, item) do {                                        \
		if ((n) == (cap)) {                                         \
			(cap) = (cap) ? (cap) * 2 : 8;                      \
			(arr) = cairn_xrealloc((arr), (cap) * sizeof(*(arr))); \
		}                                                           \
		(arr)[(n)++] = (item);                                      \
	} while (0)

/* qsort, which must not see a NULL array even when it is empty. */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static char *dup_or_null(const char *s)
{
	return s ? cairn_xstrdup(s) : NULL;
}

static void set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = dup_or_null(s);
}

/* A deep copy of v with every object's keys in sorted order, so the same
 * value always prints the same way. NULL stays NULL. */
static int keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *canon(const json_t *v)
{
	json_t *out;
	if (!v)
		return NULL;
	if (json_is_object(v)) {
		size_t n = json_object_size(v), i = 0;
		const char **keys = cairn_xcalloc(n, sizeof(char *));
		const char *k;
		json_t *item;
		json_object_foreach((json_t *)v, k, item)
			keys[i++] = k;
		sort_n(keys, n, sizeof(char *), keycmp);
		out = json_object();
		for (i = 0; i < n; i++)
			json_object_set_new(out, keys[i], canon(json_object_get(v, keys[i])));
		free(keys);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *item;
		out = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(out, canon(item));
	} else {
		out = json_deep_copy(v);
	}
	if (!out)
		cairn_die("out of memory copying JSON");
	return out;
}

static void loc_set(cairn_report_location *l, const char *file, int line, int col)
{
	set_str(&l->file, file);
	l->line = file && line > 0 ? line : 0;
	l->col = file && col > 0 ? col : 0;
}

static void loc_dispose(cairn_report_location *l)
{
	free(l->file);
	l->file = NULL;
}

/* Replaces the error message with prefix + message + suffix. With suffix
 * NULL, prefix is an origin ("report JSON") that replaces the message's
 * own "report" origin: "report: x" becomes "PREFIX: x". (The message slot
 * cannot be formatted into itself, hence the copy.) */
static int rewrap(int code, const char *prefix, const char *suffix)
{
	char *old = cairn_xstrdup(cairn_error_last());
	const char *msg = old;
	if (!suffix && strncmp(msg, "report: ", 8) == 0)
		msg += 8;
	if (suffix)
		cairn_error_setc(code, "%s%s%s", prefix, msg, suffix);
	else
		cairn_error_setc(code, "%s: %s", prefix, msg);
	free(old);
	return code;
}

/* ---- Names ----------------------------------------------------------- */

static const char *const drift_names[] = {"IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED"};
static const char *const status_names[] = {"passed", "failed", "waived", "not_decided"};
static const char *const severity_names[] = {"critical", "high", "medium", "low"};
static const char *const waiver_names[] = {"applied", "unused", "expired"};

const char *cairn_drift_status_name(cairn_drift_status s)
{
	return (unsigned)s < CAIRN_ARRAY_SIZE(drift_names) ? drift_names[s] : "?";
}

const char *cairn_report_status_name(cairn_report_status s)
{
	return (unsigned)s < CAIRN_ARRAY_SIZE(status_names) ? status_names[s] : "?";
}

const char *cairn_report_severity_name(cairn_report_severity s)
{
	return (unsigned)s < CAIRN_ARRAY_SIZE(severity_names) ? severity_names[s] : "?";
}

const char *cairn_report_waiver_status_name(cairn_report_waiver_status s)
{
	return (unsigned)s < CAIRN_ARRAY_SIZE(waiver_names) ? waiver_names[s] : "?";
}

static int lookup(const char *const *names, size_t n, const char *name)
{
	size_t i;
	for (i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int cairn_report_severity_parse(const char *name)
{
	return lookup(severity_names, CAIRN_ARRAY_SIZE(severity_names), name);
}

/* ---- Natural order --------------------------------------------------- */

int cairn_report_natcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	while (*p && *q) {
		if (isdigit(*p) && isdigit(*q)) {
			const unsigned char *ps, *qs;
			size_t pl, ql;
			while (*p == '0' && isdigit(p[1]))
				p++;
			while (*q == '0' && isdigit(q[1]))
				q++;
			for (ps = p; isdigit(*p); p++)
				;
			for (qs = q; isdigit(*q); q++)
				;
			pl = (size_t)(p - ps);
			ql = (size_t)(q - qs);
			if (pl != ql)
				return pl < ql ? -1 : 1;
			if (memcmp(ps, qs, pl) != 0)
				return memcmp(ps, qs, pl) < 0 ? -1 : 1;
			continue;
		}
		if (*p != *q)
			return *p < *q ? -1 : 1;
		p++;
		q++;
	}
	if (*p || *q)
		return *p ? 1 : -1;
	return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
}

/* NULL sorts first. */
static int natcmp0(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return cairn_report_natcmp(a, b);
}

/* ---- Lifecycle ------------------------------------------------------- */

static int valid_stack_name(const char *s)
{
	size_t n;
	if (!s || !*s || s[0] == '.' || s[0] == '-')
		return 0;
	for (n = 0; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' && s[n] != '_' && s[n] != '-')
			return 0;
	return n <= 128;
}

int cairn_report_new(cairn_report **out, cairn_report_kind kind, const char *stack)
{
	cairn_report *r;
	*out = NULL;
	if (kind != CAIRN_REPORT_DRIFT && kind != CAIRN_REPORT_AUDIT)
		return cairn_error_setc(CAIRN_EINVALID, "report: unknown report kind %d", (int)kind);
	if (!valid_stack_name(stack))
		return cairn_error_setc(
			CAIRN_EINVALID,
			"report: stack name '%s' cannot name a reports directory: use letters, digits, "
			"'.', '_' and '-', at most 128, not starting with '.' or '-' (--stack-name)",
			stack ? stack : "");
	r = cairn_xcalloc(1, sizeof(*r));
	r->kind = kind;
	r->stack = cairn_xstrdup(stack);
	r->version = cairn_xstrdup(CAIRN_VERSION);
	r->state_serial = -1;
	r->has_drift = kind == CAIRN_REPORT_DRIFT;
	*out = r;
	return 0;
}

static void drift_free(cairn_report_drift *d)
{
	size_t i;
	if (!d)
		return;
	free(d->logical_id);
	free(d->type);
	free(d->physical_id);
	free(d->reason);
	loc_dispose(&d->loc);
	for (i = 0; i < d->ndiffs; i++) {
		free(d->diffs[i]->path);
		json_decref(d->diffs[i]->expected);
		json_decref(d->diffs[i]->actual);
		free(d->diffs[i]);
	}
	free(d->diffs);
	free(d);
}

static void finding_free(cairn_report_finding *f)
{
	free(f->resource);
	free(f->subject);
	free(f->type);
	free(f->physical_id);
	loc_dispose(&f->loc);
	free(f->path);
	free(f->message);
	json_decref(f->expected);
	json_decref(f->actual);
	free(f);
}

static void control_free(cairn_report_control *c)
{
	size_t i;
	free(c->id);
	free(c->title);
	free(c->remediation);
	for (i = 0; i < c->nframeworks; i++) {
		free(c->frameworks[i]->framework);
		free(c->frameworks[i]->id);
		free(c->frameworks[i]);
	}
	free(c->frameworks);
	for (i = 0; i < c->nfindings; i++)
		finding_free(c->findings[i]);
	free(c->findings);
	free(c);
}

static void waiver_free(cairn_report_waiver *w)
{
	free(w->control);
	free(w->resource);
	free(w->reason);
	free(w->approver);
	free(w->expires);
	loc_dispose(&w->loc);
	free(w);
}

void cairn_report_free(cairn_report *r)
{
	size_t i;
	if (!r)
		return;
	free(r->stack);
	free(r->version);
	free(r->generated_at);
	free(r->template_path);
	free(r->state_lineage);
	cairn_report_set_regions(r, NULL, 0);
	for (i = 0; i < r->npolicies; i++) {
		free(r->policies[i]->path);
		free(r->policies[i]);
	}
	free(r->policies);
	for (i = 0; i < r->ndrift; i++)
		drift_free(r->drift[i]);
	free(r->drift);
	for (i = 0; i < r->ncontrols; i++)
		control_free(r->controls[i]);
	free(r->controls);
	for (i = 0; i < r->nwaivers; i++)
		waiver_free(r->waivers[i]);
	free(r->waivers);
	for (i = 0; i < r->nsecrets; i++)
		free(r->secrets[i]);
	free(r->secrets);
	free(r);
}

/* ---- Building -------------------------------------------------------- */

static int valid_sha256(const char *s)
{
	size_t i;
	for (i = 0; i < 64; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return s[64] == '\0';
}

int cairn_report_set_template(cairn_report *r, const char *path, const char *sha256)
{
	char hex[65];
	if (!path || !*path || strchr(path, '\n') || strchr(path, '\r'))
		return cairn_error_setc(CAIRN_EINVALID,
					"report: the template path is empty or has a line break");
	if (sha256) {
		if (!valid_sha256(sha256))
			return cairn_error_setc(CAIRN_EINVALID,
						"report: template %s: '%s' is not a SHA-256 "
						"(64 lower-case hex digits)",
						path, sha256);
		memcpy(hex, sha256, 65);
	} else if (cairn_sha256_file(path, hex) < 0) {
		return rewrap(CAIRN_EINVALID, "report: cannot hash the template: ", "");
	}
	set_str(&r->template_path, path);
	memcpy(r->template_sha256, hex, 65);
	return 0;
}

void cairn_report_set_state(cairn_report *r, long long serial, const char *lineage)
{
	r->state_serial = serial < 0 ? -1 : serial;
	set_str(&r->state_lineage, lineage);
}

void cairn_report_set_version(cairn_report *r, const char *version)
{
	set_str(&r->version, version ? version : CAIRN_VERSION);
}

void cairn_report_set_generated_at(cairn_report *r, const char *when)
{
	set_str(&r->generated_at, when);
}

int cairn_report_add_policy(cairn_report *r, const char *path, const char *sha256)
{
	cairn_report_policy *p;
	char hex[65];
	if (!path || !*path || strchr(path, '\n') || strchr(path, '\\'))
		return cairn_error_setc(CAIRN_EINVALID,
					"report: policy path '%s' is empty or has a newline or "
					"backslash, which its sha256sum line cannot carry; rename it",
					path ? path : "");
	if (sha256) {
		if (!valid_sha256(sha256))
			return cairn_error_setc(CAIRN_EINVALID,
						"report: policy %s: '%s' is not a SHA-256", path, sha256);
		memcpy(hex, sha256, 65);
	} else if (cairn_sha256_file(path, hex) < 0) {
		return rewrap(CAIRN_EINVALID, "report: cannot hash policy file ", "");
	}
	p = cairn_xcalloc(1, sizeof(*p));
	p->path = cairn_xstrdup(path);
	memcpy(p->sha256, hex, 65);
	PUSH(r->policies, r->npolicies, r->cappolicies, p);
	return 0;
}

void cairn_report_add_secret(cairn_report *r, const char *value)
{
	if (!value || !*value)
		return;
	PUSH(r->secrets, r->nsecrets, r->capsecrets, cairn_xstrdup(value));
}

cairn_report_drift *cairn_report_add_drift(cairn_report *r, const char *logical_id,
					   const char *type, const char *physical_id,
					   cairn_drift_status status)
{
	cairn_report_drift *d = cairn_xcalloc(1, sizeof(*d));
	d->logical_id = dup_or_null(logical_id);
	d->type = dup_or_null(type);
	d->physical_id = dup_or_null(physical_id);
	d->status = status;
	PUSH(r->drift, r->ndrift, r->capdrift, d);
	r->has_drift = 1;
	return d;
}

void cairn_report_drift_reason(cairn_report_drift *d, const char *why)
{
	set_str(&d->reason, why);
}

void cairn_report_drift_locate(cairn_report_drift *d, const char *file, int line, int col)
{
	loc_set(&d->loc, file, line, col);
}

void cairn_report_drift_diff(cairn_report_drift *d, const char *path, const json_t *expected,
			     const json_t *actual)
{
	cairn_report_diff *x = cairn_xcalloc(1, sizeof(*x));
	size_t cap = d->ndiffs;
	x->path = dup_or_null(path);
	x->expected = canon(expected);
	x->actual = canon(actual);
	/* ndiffs doubles as the capacity: grow on every power of two. */
	if ((cap & (cap - 1)) == 0)
		d->diffs = cairn_xrealloc(d->diffs, (cap ? cap * 2 : 1) * sizeof(*d->diffs));
	d->diffs[d->ndiffs++] = x;
}

void cairn_report_include_drift(cairn_report *r)
{
	r->has_drift = 1;
}

cairn_report_control *cairn_report_add_control(cairn_report *r, const char *id,
					       const char *title,
					       cairn_report_severity severity,
					       const char *remediation)
{
	cairn_report_control *c = cairn_xcalloc(1, sizeof(*c));
	c->id = dup_or_null(id);
	c->title = dup_or_null(title);
	c->severity = severity;
	c->remediation = dup_or_null(remediation);
	PUSH(r->controls, r->ncontrols, r->capcontrols, c);
	return c;
}

void cairn_report_control_framework(cairn_report_control *c, const char *framework,
				    const char *id)
{
	cairn_report_framework *f = cairn_xcalloc(1, sizeof(*f));
	size_t cap = c->nframeworks;
	f->framework = dup_or_null(framework);
	f->id = dup_or_null(id);
	if ((cap & (cap - 1)) == 0)
		c->frameworks = cairn_xrealloc(c->frameworks,
					       (cap ? cap * 2 : 1) * sizeof(*c->frameworks));
	c->frameworks[c->nframeworks++] = f;
}

cairn_report_finding *cairn_report_control_finding(cairn_report_control *c,
						   cairn_report_status status,
						   const char *resource, const char *type,
						   const char *message)
{
	cairn_report_finding *f = cairn_xcalloc(1, sizeof(*f));
	size_t cap = c->nfindings;
	f->status = status;
	f->resource = dup_or_null(resource);
	f->type = dup_or_null(type);
	f->message = dup_or_null(message);
	if ((cap & (cap - 1)) == 0)
		c->findings = cairn_xrealloc(c->findings, (cap ? cap * 2 : 1) * sizeof(*c->findings));
	c->findings[c->nfindings++] = f;
	return f;
}

void cairn_report_finding_locate(cairn_report_finding *f, const char *file, int line, int col)
{
	loc_set(&f->loc, file, line, col);
}

void cairn_report_finding_subject(cairn_report_finding *f, const char *subject)
{
	set_str(&f->subject, subject);
}

void cairn_report_finding_physical_id(cairn_report_finding *f, const char *physical_id)
{
	set_str(&f->physical_id, physical_id);
}

void cairn_report_finding_values(cairn_report_finding *f, const char *path,
				 const json_t *expected, const json_t *actual)
{
	set_str(&f->path, path);
	json_decref(f->expected);
	json_decref(f->actual);
	f->expected = canon(expected);
	f->actual = canon(actual);
}

cairn_report_waiver *cairn_report_add_waiver(cairn_report *r, const char *control,
					     const char *resource, const char *reason,
					     const char *approver, const char *expires,
					     int expired)
{
	cairn_report_waiver *w = cairn_xcalloc(1, sizeof(*w));
	w->control = dup_or_null(control);
	w->resource = dup_or_null(resource);
	w->reason = dup_or_null(reason);
	w->approver = dup_or_null(approver);
	w->expires = dup_or_null(expires);
	w->expired = expired != 0;
	w->status = expired ? CAIRN_REPORT_WAIVER_EXPIRED : CAIRN_REPORT_WAIVER_UNUSED;
	PUSH(r->waivers, r->nwaivers, r->capwaivers, w);
	return w;
}

void cairn_report_waiver_locate(cairn_report_waiver *w, const char *file, int line, int col)
{
	loc_set(&w->loc, file, line, col);
}

/* ---- Finishing: checks, order, derived values -------------------------- */

static int cmp_drift(const void *a, const void *b)
{
	const cairn_report_drift *x = *(cairn_report_drift *const *)a;
	const cairn_report_drift *y = *(cairn_report_drift *const *)b;
	return natcmp0(x->logical_id, y->logical_id);
}

static int cmp_diff(const void *a, const void *b)
{
	const cairn_report_diff *x = *(cairn_report_diff *const *)a;
	const cairn_report_diff *y = *(cairn_report_diff *const *)b;
	return natcmp0(x->path, y->path);
}

static int cmp_control(const void *a, const void *b)
{
	const cairn_report_control *x = *(cairn_report_control *const *)a;
	const cairn_report_control *y = *(cairn_report_control *const *)b;
	return natcmp0(x->id, y->id);
}

static int cmp_framework(const void *a, const void *b)
{
	const cairn_report_framework *x = *(cairn_report_framework *const *)a;
	const cairn_report_framework *y = *(cairn_report_framework *const *)b;
	int c = natcmp0(x->framework, y->framework);
	return c ? c : natcmp0(x->id, y->id);
}

/* JSON values compared by their canonical text, for a total order. */
static int cmp_value(const json_t *a, const json_t *b)
{
	char *x, *y;
	int c;
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	x = json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT);
	y = json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT);
	c = strcmp(x ? x : "", y ? y : "");
	free(x);
	free(y);
	return c;
}

static int cmp_finding(const void *a, const void *b)
{
	const cairn_report_finding *x = *(cairn_report_finding *const *)a;
	const cairn_report_finding *y = *(cairn_report_finding *const *)b;
	int c;
	if ((c = natcmp0(x->resource, y->resource)) != 0)
		return c;
	if ((c = natcmp0(x->subject, y->subject)) != 0)
		return c;
	if ((c = natcmp0(x->path, y->path)) != 0)
		return c;
	if ((c = natcmp0(x->message, y->message)) != 0)
		return c;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	if ((c = cmp_value(x->expected, y->expected)) != 0)
		return c;
	return cmp_value(x->actual, y->actual);
}

static int cmp_waiver(const void *a, const void *b)
{
	const cairn_report_waiver *x = *(cairn_report_waiver *const *)a;
	const cairn_report_waiver *y = *(cairn_report_waiver *const *)b;
	int c = natcmp0(x->control, y->control);
	return c ? c : natcmp0(x->resource, y->resource);
}

static int cmp_policy(const void *a, const void *b)
{
	const cairn_report_policy *x = *(cairn_report_policy *const *)a;
	const cairn_report_policy *y = *(cairn_report_policy *const *)b;
	return strcmp(x->path, y->path);
}

static int empty(const char *s)
{
	return !s || !*s;
}

static int invalid(const char *fmt, ...) CAIRN_PRINTF(1, 2);
static int invalid(const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	cairn_error_setc(CAIRN_EINVALID, "report: %s", msg);
	free(msg);
	return CAIRN_EINVALID;
}

static const cairn_report_waiver *find_waiver(const cairn_report *r, const char *control,
					      const char *resource)
{
	size_t i;
	if (!control)
		return NULL;
	for (i = 0; i < r->nwaivers; i++)
		if (r->waivers[i]->control && strcmp(r->waivers[i]->control, control) == 0 &&
		    natcmp0(r->waivers[i]->resource, resource) == 0)
			return r->waivers[i];
	return NULL;
}

static int check_drift(const cairn_report_drift *d)
{
	const char *id = d->logical_id ? d->logical_id : "(no id)";
	size_t i;
	if (empty(d->logical_id) || empty(d->type))
		return invalid("drift entry %s: a logical id and a type are required", id);
	if ((unsigned)d->status > CAIRN_DRIFT_NOT_CHECKED)
		return invalid("drift entry %s: unknown status %d", id, (int)d->status);
	if (d->status == CAIRN_DRIFT_MODIFIED && d->ndiffs == 0)
		return invalid("drift entry %s (%s) is MODIFIED but names no property that differs",
			       id, d->type);
	if (d->status != CAIRN_DRIFT_MODIFIED && d->ndiffs > 0)
		return invalid("drift entry %s (%s) is %s but has property differences", id,
			       d->type, cairn_drift_status_name(d->status));
	if (d->status == CAIRN_DRIFT_NOT_CHECKED && empty(d->reason))
		return invalid("drift entry %s (%s) is NOT_CHECKED but does not say why", id,
			       d->type);
	if (d->status != CAIRN_DRIFT_NOT_CHECKED && d->reason)
		return invalid("drift entry %s (%s): only a NOT_CHECKED entry carries a reason", id,
			       d->type);
	for (i = 0; i < d->ndiffs; i++)
		if (empty(d->diffs[i]->path))
			return invalid("drift entry %s (%s): a difference has no property path", id,
				       d->type);
	for (i = 1; i < d->ndiffs; i++)
		if (strcmp(d->diffs[i - 1]->path, d->diffs[i]->path) == 0)
			return invalid("drift entry %s (%s): property %s differs twice", id, d->type,
				       d->diffs[i]->path);
	return 0;
}

static int check_control(const cairn_report *r, cairn_report_control *c)
{
	const char *id = c->id ? c->id : "(no id)";
	size_t i;
	int worst = CAIRN_REPORT_PASSED;
	if (empty(c->id) || empty(c->title))
		return invalid("control %s: an id and a title are required", id);
	if ((unsigned)c->severity > CAIRN_REPORT_SEV_LOW)
		return invalid("control %s: unknown severity %d", id, (int)c->severity);
	for (i = 0; i < c->nframeworks; i++)
		if (empty(c->frameworks[i]->framework) || empty(c->frameworks[i]->id))
			return invalid("control %s: a framework mapping needs a framework and an id",
				       id);
	for (i = 0; i < c->nfindings; i++) {
		const cairn_report_finding *f = c->findings[i];
		const char *res = f->resource ? f->resource : "the account";
		const cairn_report_waiver *w = find_waiver(r, c->id, f->resource);
		if (f->status != CAIRN_REPORT_FAILED && f->status != CAIRN_REPORT_WAIVED &&
		    f->status != CAIRN_REPORT_NOT_DECIDED)
			return invalid("control %s, finding on %s: a finding is failed, waived or "
				       "not_decided, not %s",
				       id, res, cairn_report_status_name(f->status));
		if (empty(f->message))
			return invalid("control %s, finding on %s: the message is missing", id, res);
		if (f->resource && !*f->resource)
			return invalid("control %s: a finding has an empty resource id (leave it out "
				       "for an account-level finding)",
				       id);
		if (f->status == CAIRN_REPORT_WAIVED && (!w || w->expired))
			return invalid("control %s, finding on %s is waived, but no waiver in force "
				       "for %s on %s is listed",
				       id, res, id, res);
		if (f->status == CAIRN_REPORT_FAILED && w && !w->expired)
			return invalid("control %s, finding on %s is failed, but the waiver for %s on "
				       "%s (expires %s) is in force: mark it waived",
				       id, res, id, res, w->expires);
	}
	/* Status: failed > not decided > waived > passed. */
	for (i = 0; i < c->nfindings; i++) {
		int s = c->findings[i]->status;
		int rank = s == CAIRN_REPORT_FAILED        ? 3
			   : s == CAIRN_REPORT_NOT_DECIDED ? 2
			   : s == CAIRN_REPORT_WAIVED      ? 1
							   : 0;
		int wrank = worst == CAIRN_REPORT_FAILED        ? 3
			    : worst == CAIRN_REPORT_NOT_DECIDED ? 2
			    : worst == CAIRN_REPORT_WAIVED      ? 1
								: 0;
		if (rank > wrank)
			worst = s;
	}
	c->status = (cairn_report_status)worst;
	return 0;
}

void cairn_report_policies_digest(const cairn_report_policy *const *files, size_t n,
				  char out[65])
{
	char **lines;
	cairn_buf all = CAIRN_BUF_INIT;
	size_t i;
	out[0] = '\0';
	if (n == 0)
		return;
	lines = cairn_xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		lines[i] = cairn_xasprintf("%s  %s\n", files[i]->sha256, files[i]->path);
	sort_n(lines, n, sizeof(char *), keycmp);
	for (i = 0; i < n; i++) {
		cairn_buf_puts(&all, lines[i]);
		free(lines[i]);
	}
	free(lines);
	cairn_sha256_hex(all.ptr, all.len, out);
	cairn_buf_dispose(&all);
}

int cairn_report_finish(cairn_report *r)
{
	size_t i, j;
	int rc;

	if (!r->template_path)
		return invalid("stack %s: the report names no template (cairn_report_set_template)",
			       r->stack);
	if (r->kind == CAIRN_REPORT_DRIFT && (r->ncontrols || r->nwaivers || r->npolicies))
		return invalid("stack %s: a drift report has no controls, waivers or policies",
			       r->stack);

	sort_n(r->drift, r->ndrift, sizeof(*r->drift), cmp_drift);
	for (i = 0; i < r->ndrift; i++) {
		cairn_report_drift *d = r->drift[i];
		sort_n(d->diffs, d->ndiffs, sizeof(*d->diffs), cmp_diff);
		if ((rc = check_drift(d)) < 0)
			return rc;
		if (i > 0 && strcmp(r->drift[i - 1]->logical_id, d->logical_id) == 0)
			return invalid("resource %s has two drift entries", d->logical_id);
	}

	sort_n(r->waivers, r->nwaivers, sizeof(*r->waivers), cmp_waiver);
	for (i = 0; i < r->nwaivers; i++) {
		cairn_report_waiver *w = r->waivers[i];
		if (empty(w->control) || (w->resource && !*w->resource) || empty(w->reason) ||
		    empty(w->approver) || empty(w->expires))
			return invalid("waiver of %s on %s: control, reason, approver and expiry are "
				       "all required (and the resource, when given, is not empty)",
				       w->control ? w->control : "(no control)",
				       w->resource ? w->resource : "the template");
		if (i > 0 && strcmp(r->waivers[i - 1]->control, w->control) == 0 &&
		    natcmp0(r->waivers[i - 1]->resource, w->resource) == 0)
			return invalid("control %s is waived twice on %s", w->control,
				       w->resource ? w->resource : "the template");
		w->status = w->expired ? CAIRN_REPORT_WAIVER_EXPIRED : CAIRN_REPORT_WAIVER_UNUSED;
	}

	sort_n(r->controls, r->ncontrols, sizeof(*r->controls), cmp_control);
	for (i = 0; i < r->ncontrols; i++) {
		cairn_report_control *c = r->controls[i];
		sort_n(c->frameworks, c->nframeworks, sizeof(*c->frameworks), cmp_framework);
		sort_n(c->findings, c->nfindings, sizeof(*c->findings), cmp_finding);
		if ((rc = check_control(r, c)) < 0)
			return rc;
		if (i > 0 && strcmp(r->controls[i - 1]->id, c->id) == 0)
			return invalid("control %s is listed twice", c->id);
		for (j = 0; j < c->nfindings; j++) {
			cairn_report_waiver *w =
				(cairn_report_waiver *)find_waiver(r, c->id, c->findings[j]->resource);
			if (w && c->findings[j]->status == CAIRN_REPORT_WAIVED)
				w->status = CAIRN_REPORT_WAIVER_APPLIED;
		}
	}

	sort_n(r->policies, r->npolicies, sizeof(*r->policies), cmp_policy);
	for (i = 1; i < r->npolicies; i++)
		if (strcmp(r->policies[i - 1]->path, r->policies[i]->path) == 0)
			return invalid("policy file %s is listed twice", r->policies[i]->path);
	cairn_report_policies_digest((const cairn_report_policy *const *)r->policies,
				     r->npolicies, r->policies_sha256);
	return 0;
}

/* ---- Reading --------------------------------------------------------- */

cairn_report_kind cairn_report_get_kind(const cairn_report *r)
{
	return r->kind;
}

const char *cairn_report_stack(const cairn_report *r)
{
	return r->stack;
}

const char *cairn_report_template_path(const cairn_report *r)
{
	return r->template_path;
}

const char *cairn_report_template_sha256(const cairn_report *r)
{
	return r->template_sha256;
}

const char *cairn_report_policies_sha256(const cairn_report *r)
{
	return r->policies_sha256;
}

long long cairn_report_state_serial(const cairn_report *r)
{
	return r->state_serial;
}

const char *cairn_report_version(const cairn_report *r)
{
	return r->version;
}

int cairn_report_has_drift(const cairn_report *r)
{
	return r->has_drift;
}

size_t cairn_report_drift_count(const cairn_report *r)
{
	return r->ndrift;
}

const cairn_report_drift *cairn_report_drift_at(const cairn_report *r, size_t i)
{
	return i < r->ndrift ? r->drift[i] : NULL;
}

size_t cairn_report_control_count(const cairn_report *r)
{
	return r->ncontrols;
}

const cairn_report_control *cairn_report_control_at(const cairn_report *r, size_t i)
{
	return i < r->ncontrols ? r->controls[i] : NULL;
}

size_t cairn_report_waiver_count(const cairn_report *r)
{
	return r->nwaivers;
}

const cairn_report_waiver *cairn_report_waiver_at(const cairn_report *r, size_t i)
{
	return i < r->nwaivers ? r->waivers[i] : NULL;
}

size_t cairn_report_policy_count(const cairn_report *r)
{
	return r->npolicies;
}

const cairn_report_policy *cairn_report_policy_at(const cairn_report *r, size_t i)
{
	return i < r->npolicies ? r->policies[i] : NULL;
}

void cairn_report_summarize(const cairn_report *r, cairn_report_summary *s)
{
	size_t i, j;
	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->ndrift; i++) {
		s->resources++;
		switch (r->drift[i]->status) {
		case CAIRN_DRIFT_IN_SYNC: s->in_sync++; break;
		case CAIRN_DRIFT_MODIFIED: s->modified++; break;
		case CAIRN_DRIFT_DELETED: s->deleted++; break;
		case CAIRN_DRIFT_NOT_CHECKED: s->not_checked++; break;
		}
	}
	for (i = 0; i < r->ncontrols; i++) {
		const cairn_report_control *c = r->controls[i];
		s->controls++;
		switch (c->status) {
		case CAIRN_REPORT_PASSED: s->passed++; break;
		case CAIRN_REPORT_FAILED: s->failed++; break;
		case CAIRN_REPORT_WAIVED: s->waived++; break;
		case CAIRN_REPORT_NOT_DECIDED: s->not_decided++; break;
		}
		for (j = 0; j < c->nfindings; j++) {
			switch (c->findings[j]->status) {
			case CAIRN_REPORT_FAILED: s->findings_failed++; break;
			case CAIRN_REPORT_WAIVED: s->findings_waived++; break;
			case CAIRN_REPORT_NOT_DECIDED: s->findings_not_decided++; break;
			case CAIRN_REPORT_PASSED: break;
			}
		}
	}
	for (i = 0; i < r->nwaivers; i++) {
		s->waivers++;
		switch (r->waivers[i]->status) {
		case CAIRN_REPORT_WAIVER_APPLIED: s->waivers_applied++; break;
		case CAIRN_REPORT_WAIVER_UNUSED: s->waivers_unused++; break;
		case CAIRN_REPORT_WAIVER_EXPIRED: s->waivers_expired++; break;
		}
	}
}

static void copy_header(const cairn_report *from, cairn_report *to)
{
	size_t i;
	set_str(&to->version, from->version);
	set_str(&to->generated_at, from->generated_at);
	set_str(&to->template_path, from->template_path);
	memcpy(to->template_sha256, from->template_sha256, sizeof(to->template_sha256));
	to->state_serial = from->state_serial;
	set_str(&to->state_lineage, from->state_lineage);
	for (i = 0; i < from->nsecrets; i++)
		cairn_report_add_secret(to, from->secrets[i]);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cairn_report_set_regions(cairn_report *r, const char *const *regions, size_t n)
{
	size_t i, k = 0;
	for (i = 0; i < r->nregions; i++)
		free(r->regions[i]);
	free(r->regions);
	r->regions = NULL;
	r->nregions = 0;
	if (n == 0)
		return;
	r->regions = cairn_xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		r->regions[i] = cairn_xstrdup(regions[i]);
	qsort(r->regions, n, sizeof(char *), cmp_cstr);
	for (i = 0; i < n; i++) {
		if (k > 0 && strcmp(r->regions[k - 1], r->regions[i]) == 0) {
			free(r->regions[i]);
			continue;
		}
		r->regions[k++] = r->regions[i];
	}
	r->nregions = k;
}

size_t cairn_report_region_count(const cairn_report *r)
{
	return r->nregions;
}

const char *cairn_report_region_at(const cairn_report *r, size_t i)
{
	return i < r->nregions ? r->regions[i] : NULL;
}

int cairn_report_drift_part(cairn_report *audit, cairn_report **out)
{
	cairn_report *d;
	size_t i, j;
	int rc;
	*out = NULL;
	if ((rc = cairn_report_new(&d, CAIRN_REPORT_DRIFT, audit->stack)) < 0)
		return rc;
	copy_header(audit, d);
	d->redacted = audit->redacted;
	for (i = 0; i < audit->ndrift; i++) {
		const cairn_report_drift *s = audit->drift[i];
		cairn_report_drift *x =
			cairn_report_add_drift(d, s->logical_id, s->type, s->physical_id, s->status);
		cairn_report_drift_reason(x, s->reason);
		cairn_report_drift_locate(x, s->loc.file, s->loc.line, s->loc.col);
		for (j = 0; j < s->ndiffs; j++)
			cairn_report_drift_diff(x, s->diffs[j]->path, s->diffs[j]->expected,
						s->diffs[j]->actual);
	}
	if ((rc = cairn_report_finish(d)) < 0) {
		cairn_report_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

cairn_redactor *cairn__report_redactor(const cairn_report *r)
{
	cairn_redactor *red = cairn_redactor_new();
	size_t i;
	for (i = 0; i < r->nsecrets; i++)
		cairn_redactor_add(red, r->secrets[i]);
	return red;
}

/* ---- JSON out -------------------------------------------------------- */

/* jansson's _new setters steal the value reference. */
static void put(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, v) < 0)
		cairn_die("out of memory building JSON");
}

static void put_str(json_t *obj, const char *key, const char *s)
{
	if (s)
		put(obj, key, json_string(s));
}

static void put_value(json_t *obj, const char *key, const json_t *v)
{
	if (v)
		put(obj, key, json_deep_copy(v));
}

static void put_loc(json_t *obj, const cairn_report_location *l)
{
	json_t *o;
	if (!l->file)
		return;
	o = json_object();
	put_str(o, "file", l->file);
	if (l->line > 0)
		put(o, "line", json_integer(l->line));
	if (l->col > 0)
		put(o, "column", json_integer(l->col));
	put(obj, "location", o);
}

static json_t *drift_summary_json(const cairn_report_summary *s)
{
	json_t *o = json_object();
	put(o, "resources", json_integer((json_int_t)s->resources));
	put(o, "in_sync", json_integer((json_int_t)s->in_sync));
	put(o, "modified", json_integer((json_int_t)s->modified));
	put(o, "deleted", json_integer((json_int_t)s->deleted));
	put(o, "not_checked", json_integer((json_int_t)s->not_checked));
	return o;
}

static json_t *drift_entry_json(const cairn_report_drift *d)
{
	json_t *o = json_object();
	size_t i;
	put_str(o, "logical_id", d->logical_id);
	put_str(o, "type", d->type);
	put_str(o, "physical_id", d->physical_id);
	put_str(o, "status", cairn_drift_status_name(d->status));
	put_str(o, "reason", d->reason);
	put_loc(o, &d->loc);
	if (d->status == CAIRN_DRIFT_MODIFIED) {
		json_t *a = json_array();
		for (i = 0; i < d->ndiffs; i++) {
			json_t *x = json_object();
			put_str(x, "path", d->diffs[i]->path);
			put_value(x, "expected", d->diffs[i]->expected);
			put_value(x, "actual", d->diffs[i]->actual);
			json_array_append_new(a, x);
		}
		put(o, "differences", a);
	}
	return o;
}

void cairn__report_drift_json(const cairn_report *r, json_t *obj)
{
	cairn_report_summary s;
	json_t *a = json_array();
	size_t i;
	cairn_report_summarize(r, &s);
	put(obj, "summary", drift_summary_json(&s));
	for (i = 0; i < r->ndrift; i++)
		json_array_append_new(a, drift_entry_json(r->drift[i]));
	put(obj, "resources", a);
}

static json_t *waiver_brief_json(const cairn_report_waiver *w)
{
	json_t *o = json_object();
	put_str(o, "reason", w->reason);
	put_str(o, "approver", w->approver);
	put_str(o, "expires", w->expires);
	put_str(o, "status", cairn_report_waiver_status_name(w->status));
	return o;
}

static json_t *control_json(const cairn_report *r, const cairn_report_control *c)
{
	json_t *o = json_object(), *fw = json_object(), *fa = json_array();
	size_t i;
	put_str(o, "id", c->id);
	put_str(o, "title", c->title);
	put_str(o, "severity", cairn_report_severity_name(c->severity));
	put_str(o, "status", cairn_report_status_name(c->status));
	for (i = 0; i < c->nframeworks; i++) {
		json_t *ids = json_object_get(fw, c->frameworks[i]->framework);
		if (!ids) {
			ids = json_array();
			put(fw, c->frameworks[i]->framework, ids);
		}
		json_array_append_new(ids, json_string(c->frameworks[i]->id));
	}
	put(o, "frameworks", fw);
	put_str(o, "remediation", c->remediation);
	for (i = 0; i < c->nfindings; i++) {
		const cairn_report_finding *f = c->findings[i];
		const cairn_report_waiver *w = find_waiver(r, c->id, f->resource);
		json_t *x = json_object();
		put_str(x, "status", cairn_report_status_name(f->status));
		put_str(x, "resource", f->resource);
		put_str(x, "subject", f->subject);
		put_str(x, "type", f->type);
		put_str(x, "physical_id", f->physical_id);
		put_loc(x, &f->loc);
		put_str(x, "path", f->path);
		put_str(x, "message", f->message);
		put_value(x, "expected", f->expected);
		put_value(x, "actual", f->actual);
		if (w && f->status != CAIRN_REPORT_NOT_DECIDED)
			put(x, "waiver", waiver_brief_json(w));
		json_array_append_new(fa, x);
	}
	put(o, "findings", fa);
	return o;
}

/* The JSON form without redaction (private: every public path redacts). */
json_t *cairn__report_to_json_raw(const cairn_report *r)
{
	json_t *o = json_object(), *t;
	cairn_report_summary s;
	size_t i;

	cairn_report_summarize(r, &s);
	put_str(o, "format_version", CAIRN_REPORT_FORMAT_VERSION);
	put_str(o, "kind", r->kind == CAIRN_REPORT_AUDIT ? "audit" : "drift");
	put_str(o, "stack", r->stack);
	put_str(o, "cairn_version", r->version);
	put_str(o, "generated_at", r->generated_at);
	t = json_object();
	put_str(t, "path", r->template_path);
	put_str(t, "sha256", r->template_sha256);
	put(o, "template", t);
	if (r->kind == CAIRN_REPORT_AUDIT) {
		json_t *p = json_object(), *files = json_array();
		put_str(p, "sha256", r->policies_sha256);
		for (i = 0; i < r->npolicies; i++) {
			json_t *f = json_object();
			put_str(f, "path", r->policies[i]->path);
			put_str(f, "sha256", r->policies[i]->sha256);
			json_array_append_new(files, f);
		}
		put(p, "files", files);
		put(o, "policies", p);
	}
	if (r->state_serial >= 0 || r->state_lineage) {
		json_t *st = json_object();
		if (r->state_serial >= 0)
			put(st, "serial", json_integer(r->state_serial));
		put_str(st, "lineage", r->state_lineage);
		put(o, "state", st);
	}
	if (r->kind == CAIRN_REPORT_AUDIT && r->nregions) {
		json_t *a = json_array();
		for (i = 0; i < r->nregions; i++)
			json_array_append_new(a, json_string(r->regions[i]));
		put(o, "regions", a);
	}
	if (r->kind == CAIRN_REPORT_DRIFT) {
		cairn__report_drift_json(r, o);
		return o;
	}
	{
		json_t *sum = json_object(), *c = json_object(), *f = json_object(),
		       *w = json_object();
		put(c, "total", json_integer((json_int_t)s.controls));
		put(c, "failed", json_integer((json_int_t)s.failed));
		put(c, "not_decided", json_integer((json_int_t)s.not_decided));
		put(c, "waived", json_integer((json_int_t)s.waived));
		put(c, "passed", json_integer((json_int_t)s.passed));
		put(f, "failed", json_integer((json_int_t)s.findings_failed));
		put(f, "not_decided", json_integer((json_int_t)s.findings_not_decided));
		put(f, "waived", json_integer((json_int_t)s.findings_waived));
		put(w, "total", json_integer((json_int_t)s.waivers));
		put(w, "applied", json_integer((json_int_t)s.waivers_applied));
		put(w, "unused", json_integer((json_int_t)s.waivers_unused));
		put(w, "expired", json_integer((json_int_t)s.waivers_expired));
		put(sum, "controls", c);
		put(sum, "findings", f);
		put(sum, "waivers", w);
		put(o, "summary", sum);
	}
	{
		json_t *a = json_array();
		for (i = 0; i < r->ncontrols; i++)
			json_array_append_new(a, control_json(r, r->controls[i]));
		put(o, "controls", a);
	}
	{
		json_t *a = json_array();
		for (i = 0; i < r->nwaivers; i++) {
			const cairn_report_waiver *w = r->waivers[i];
			json_t *x = json_object();
			put_str(x, "control", w->control);
			put_str(x, "resource", w->resource);
			put_str(x, "reason", w->reason);
			put_str(x, "approver", w->approver);
			put_str(x, "expires", w->expires);
			put_str(x, "status", cairn_report_waiver_status_name(w->status));
			put_loc(x, &w->loc);
			json_array_append_new(a, x);
		}
		put(o, "waivers", a);
	}
	if (r->has_drift) {
		json_t *d = json_object();
		cairn__report_drift_json(r, d);
		put(o, "drift", d);
	}
	return o;
}

int cairn_report_to_json(cairn_report *r, json_t **out)
{
	cairn_report *red;
	int rc;
	*out = NULL;
	if ((rc = cairn__report_redacted(r, &red)) < 0)
		return rc;
	*out = cairn__report_to_json_raw(red);
	cairn__report_release(r, red);
	return 0;
}

/* ---- JSON in --------------------------------------------------------- */

/* The parser's context: where the document came from, for messages. */
typedef struct pctx {
	const char *origin; /* "report JSON" or the file's path */
	int trust;          /* 1: derived members are not compared (internal copies) */
} pctx;

static int perr(const pctx *p, const char *where, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static int perr(const pctx *p, const char *where, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	cairn_error_setc(CAIRN_EINVALID, "%s: %s%s%s", p->origin, where, *where ? ": " : "",
			 msg);
	free(msg);
	return CAIRN_EINVALID;
}

static char *sub(const char *where, const char *key)
{
	return *where ? cairn_xasprintf("%s.%s", where, key) : cairn_xstrdup(key);
}

static char *idx(const char *where, const char *key, size_t i)
{
	return *where ? cairn_xasprintf("%s.%s[%zu]", where, key, i)
		      : cairn_xasprintf("%s[%zu]", key, i);
}

/* Refuses members not in allowed (NULL-terminated). */
static int only_keys(const pctx *p, const char *where, const json_t *obj,
		     const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		size_t i;
		int ok = 0;
		for (i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0)
				ok = 1;
		if (!ok) {
			char *w = sub(where, key);
			int rc = perr(p, w, "unknown member (a typo, or a newer format than %s)",
				      CAIRN_REPORT_FORMAT_VERSION);
			free(w);
			return rc;
		}
	}
	return 0;
}

static int want_object(const pctx *p, const char *where, const json_t *v)
{
	if (!json_is_object(v))
		return perr(p, where, "expected an object");
	return 0;
}

/* obj.key as a string: *out NULL when absent and optional. */
static int get_str(const pctx *p, const char *where, const json_t *obj, const char *key,
		   int required, const char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		{
			char *w = sub(where, key);
			int rc = perr(p, w, "missing (a string is required)");
			free(w);
			return rc;
		}
	}
	if (!json_is_string(v) || (required && json_string_length(v) == 0)) {
		char *w = sub(where, key);
		int rc = perr(p, w, "expected a non-empty string");
		free(w);
		return rc;
	}
	*out = json_string_value(v);
	return 0;
}

static int get_int(const pctx *p, const char *where, const json_t *obj, const char *key,
		   long long *out)
{
	json_t *v = json_object_get(obj, key);
	*out = -1;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		char *w = sub(where, key);
		int rc = perr(p, w, "expected a non-negative integer");
		free(w);
		return rc;
	}
	*out = json_integer_value(v);
	return 0;
}

static int get_array(const pctx *p, const char *where, const json_t *obj, const char *key,
		     int required, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v) {
		if (!required)
			return 0;
		{
			char *w = sub(where, key);
			int rc = perr(p, w, "missing (an array is required)");
			free(w);
			return rc;
		}
	}
	if (!json_is_array(v)) {
		char *w = sub(where, key);
		int rc = perr(p, w, "expected an array");
		free(w);
		return rc;
	}
	*out = v;
	return 0;
}

static int get_enum(const pctx *p, const char *where, const json_t *obj, const char *key,
		    const char *const *names, size_t n, int *out)
{
	const char *s;
	int rc = get_str(p, where, obj, key, 1, &s);
	if (rc < 0)
		return rc;
	*out = lookup(names, n, s);
	if (*out < 0) {
		cairn_buf list = CAIRN_BUF_INIT;
		char *w = sub(where, key);
		size_t i;
		for (i = 0; i < n; i++)
			cairn_buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
		rc = perr(p, w, "\"%s\" is not one of %s", s, cairn_buf_cstr(&list));
		cairn_buf_dispose(&list);
		free(w);
		return rc;
	}
	return 0;
}

static int parse_loc(const pctx *p, const char *where, const json_t *obj,
		     cairn_report_location *l)
{
	static const char *const keys[] = {"file", "line", "column", NULL};
	json_t *v = json_object_get(obj, "location");
	char *w;
	const char *file;
	long long line, col;
	int rc;
	if (!v)
		return 0;
	w = sub(where, "location");
	if ((rc = want_object(p, w, v)) < 0 || (rc = only_keys(p, w, v, keys)) < 0 ||
	    (rc = get_str(p, w, v, "file", 1, &file)) < 0 ||
	    (rc = get_int(p, w, v, "line", &line)) < 0 ||
	    (rc = get_int(p, w, v, "column", &col)) < 0) {
		free(w);
		return rc;
	}
	free(w);
	if (line > 1000000000 || col > 1000000000)
		return perr(p, where, "location out of range");
	loc_set(l, file, (int)(line < 0 ? 0 : line), (int)(col < 0 ? 0 : col));
	return 0;
}

static int parse_drift_entry(const pctx *p, const char *where, const json_t *v,
			     cairn_report *r)
{
	static const char *const keys[] = {"logical_id", "type",     "physical_id", "status",
					   "reason",     "location", "differences", NULL};
	static const char *const dkeys[] = {"path", "expected", "actual", NULL};
	const char *id, *type, *pid, *reason;
	int status, rc;
	json_t *diffs, *x;
	cairn_report_drift *d;
	size_t i;

	if ((rc = want_object(p, where, v)) < 0 || (rc = only_keys(p, where, v, keys)) < 0 ||
	    (rc = get_str(p, where, v, "logical_id", 1, &id)) < 0 ||
	    (rc = get_str(p, where, v, "type", 1, &type)) < 0 ||
	    (rc = get_str(p, where, v, "physical_id", 0, &pid)) < 0 ||
	    (rc = get_enum(p, where, v, "status", drift_names, CAIRN_ARRAY_SIZE(drift_names),
			   &status)) < 0 ||
	    (rc = get_str(p, where, v, "reason", 0, &reason)) < 0 ||
	    (rc = get_array(p, where, v, "differences", 0, &diffs)) < 0)
		return rc;
	d = cairn_report_add_drift(r, id, type, pid, (cairn_drift_status)status);
	cairn_report_drift_reason(d, reason);
	if ((rc = parse_loc(p, where, v, &d->loc)) < 0)
		return rc;
	json_array_foreach(diffs, i, x) {
		char *w = idx(where, "differences", i);
		const char *path;
		if ((rc = want_object(p, w, x)) < 0 || (rc = only_keys(p, w, x, dkeys)) < 0 ||
		    (rc = get_str(p, w, x, "path", 1, &path)) < 0) {
			free(w);
			return rc;
		}
		free(w);
		cairn_report_drift_diff(d, path, json_object_get(x, "expected"),
					json_object_get(x, "actual"));
	}
	return 0;
}

/* Compares a present derived count with the computed one. */
static int check_count(const pctx *p, const char *where, const json_t *obj, const char *key,
		       size_t want)
{
	json_t *v = json_object_get(obj, key);
	if (!v || p->trust)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)want) {
		char *w = sub(where, key);
		char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		int rc = perr(p, w, "says %s, but the entries count %zu", text ? text : "?", want);
		free(text);
		free(w);
		return rc;
	}
	return 0;
}

static int check_drift_summary(const pctx *p, const char *where, const json_t *sum,
			       const cairn_report_summary *s)
{
	static const char *const keys[] = {"resources", "in_sync", "modified", "deleted",
					   "not_checked", NULL};
	int rc;
	if (!sum)
		return 0;
	if ((rc = want_object(p, where, sum)) < 0 || (rc = only_keys(p, where, sum, keys)) < 0 ||
	    (rc = check_count(p, where, sum, "resources", s->resources)) < 0 ||
	    (rc = check_count(p, where, sum, "in_sync", s->in_sync)) < 0 ||
	    (rc = check_count(p, where, sum, "modified", s->modified)) < 0 ||
	    (rc = check_count(p, where, sum, "deleted", s->deleted)) < 0 ||
	    (rc = check_count(p, where, sum, "not_checked", s->not_checked)) < 0)
		return rc;
	return 0;
}

static int parse_drift_section(const pctx *p, const char *where, const json_t *obj,
			       cairn_report *r, const json_t **summary)
{
	json_t *res, *v;
	size_t i;
	int rc;
	if ((rc = get_array(p, where, obj, "resources", 1, &res)) < 0)
		return rc;
	*summary = json_object_get(obj, "summary");
	json_array_foreach(res, i, v) {
		char *w = idx(where, "resources", i);
		rc = parse_drift_entry(p, w, v, r);
		free(w);
		if (rc < 0)
			return rc;
	}
	r->has_drift = 1;
	return 0;
}

static int parse_control(const pctx *p, const char *where, const json_t *v, cairn_report *r,
			 const char **status_out)
{
	static const char *const keys[] = {"id",         "title",       "severity", "status",
					   "frameworks", "remediation", "findings", NULL};
	static const char *const fkeys[] = {"status",   "resource", "subject", "type",
					    "physical_id", "location", "path", "message",
					    "expected", "actual",   "waiver",  NULL};
	static const char *const fstatus[] = {"failed", "waived", "not_decided"};
	static const cairn_report_status fmap[] = {CAIRN_REPORT_FAILED, CAIRN_REPORT_WAIVED,
						   CAIRN_REPORT_NOT_DECIDED};
	const char *id, *title, *rem, *status;
	int sev, rc;
	json_t *fw, *findings, *x;
	cairn_report_control *c;
	size_t i;

	if ((rc = want_object(p, where, v)) < 0 || (rc = only_keys(p, where, v, keys)) < 0 ||
	    (rc = get_str(p, where, v, "id", 1, &id)) < 0 ||
	    (rc = get_str(p, where, v, "title", 1, &title)) < 0 ||
	    (rc = get_enum(p, where, v, "severity", severity_names,
			   CAIRN_ARRAY_SIZE(severity_names), &sev)) < 0 ||
	    (rc = get_str(p, where, v, "remediation", 0, &rem)) < 0 ||
	    (rc = get_str(p, where, v, "status", 0, &status)) < 0 ||
	    (rc = get_array(p, where, v, "findings", 1, &findings)) < 0)
		return rc;
	if (status && lookup(status_names, CAIRN_ARRAY_SIZE(status_names), status) < 0) {
		char *w = sub(where, "status");
		rc = perr(p, w, "\"%s\" is not one of passed, failed, waived, not_decided", status);
		free(w);
		return rc;
	}
	*status_out = status;
	c = cairn_report_add_control(r, id, title, (cairn_report_severity)sev, rem);
	fw = json_object_get(v, "frameworks");
	if (fw) {
		const char *name;
		json_t *ids;
		char *w = sub(where, "frameworks");
		if ((rc = want_object(p, w, fw)) < 0) {
			free(w);
			return rc;
		}
		json_object_foreach(fw, name, ids) {
			json_t *one;
			size_t k;
			if (!json_is_array(ids)) {
				char *w2 = sub(w, name);
				rc = perr(p, w2, "expected an array of requirement ids");
				free(w2);
				free(w);
				return rc;
			}
			json_array_foreach(ids, k, one) {
				if (!json_is_string(one) || !json_string_length(one)) {
					char *w2 = idx(w, name, k);
					rc = perr(p, w2, "expected a non-empty string");
					free(w2);
					free(w);
					return rc;
				}
				cairn_report_control_framework(c, name, json_string_value(one));
			}
		}
		free(w);
	}
	json_array_foreach(findings, i, x) {
		char *w = idx(where, "findings", i);
		const char *res, *subj, *type, *pid, *path, *msg;
		int st;
		cairn_report_finding *f;
		if ((rc = want_object(p, w, x)) < 0 || (rc = only_keys(p, w, x, fkeys)) < 0 ||
		    (rc = get_enum(p, w, x, "status", fstatus, CAIRN_ARRAY_SIZE(fstatus), &st)) < 0 ||
		    (rc = get_str(p, w, x, "resource", 0, &res)) < 0 ||
		    (rc = get_str(p, w, x, "subject", 0, &subj)) < 0 ||
		    (rc = get_str(p, w, x, "type", 0, &type)) < 0 ||
		    (rc = get_str(p, w, x, "physical_id", 0, &pid)) < 0 ||
		    (rc = get_str(p, w, x, "path", 0, &path)) < 0 ||
		    (rc = get_str(p, w, x, "message", 1, &msg)) < 0) {
			free(w);
			return rc;
		}
		f = cairn_report_control_finding(c, fmap[st], res, type, msg);
		cairn_report_finding_physical_id(f, pid);
		cairn_report_finding_subject(f, subj);
		cairn_report_finding_values(f, path, json_object_get(x, "expected"),
					    json_object_get(x, "actual"));
		rc = parse_loc(p, w, x, &f->loc);
		free(w);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_waiver(const pctx *p, const char *where, const json_t *v, cairn_report *r,
			const char **status_out)
{
	static const char *const keys[] = {"control",  "resource", "reason",   "approver",
					   "expires",  "status",   "location", NULL};
	const char *control, *resource, *reason, *approver, *expires, *status;
	cairn_report_waiver *w;
	int rc;
	if ((rc = want_object(p, where, v)) < 0 || (rc = only_keys(p, where, v, keys)) < 0 ||
	    (rc = get_str(p, where, v, "control", 1, &control)) < 0 ||
	    (rc = get_str(p, where, v, "resource", 0, &resource)) < 0 ||
	    (rc = get_str(p, where, v, "reason", 1, &reason)) < 0 ||
	    (rc = get_str(p, where, v, "approver", 1, &approver)) < 0 ||
	    (rc = get_str(p, where, v, "expires", 1, &expires)) < 0 ||
	    (rc = get_str(p, where, v, "status", 0, &status)) < 0)
		return rc;
	if (status && lookup(waiver_names, CAIRN_ARRAY_SIZE(waiver_names), status) < 0) {
		char *x = sub(where, "status");
		rc = perr(p, x, "\"%s\" is not one of applied, unused, expired", status);
		free(x);
		return rc;
	}
	*status_out = status;
	w = cairn_report_add_waiver(r, control, resource, reason, approver, expires,
				    status && strcmp(status, "expired") == 0);
	return parse_loc(p, where, v, &w->loc);
}

static int parse(const pctx *p, const json_t *doc, cairn_report **out)
{
	static const char *const drift_keys[] = {"format_version", "kind", "stack",
						 "cairn_version", "generated_at", "template",
						 "state", "summary", "resources", NULL};
	static const char *const audit_keys[] = {"format_version", "kind", "stack",
						 "cairn_version", "generated_at", "template",
						 "policies", "state", "regions", "summary", "controls",
						 "waivers", "drift", NULL};
	static const char *const kinds[] = {"drift", "audit"};
	const char *fv, *stack, *version, *when, *tpath, *tsha, *lineage;
	const json_t *drift_summary = NULL;
	const char **cstatus = NULL, **wstatus = NULL;
	json_t *t, *st, *arr, *v;
	cairn_report *r = NULL;
	cairn_report_summary s;
	long long serial;
	int kind, rc;
	size_t i;

	*out = NULL;
	if ((rc = want_object(p, "", doc)) < 0 ||
	    (rc = get_str(p, "", doc, "format_version", 1, &fv)) < 0)
		return rc;
	if (strcmp(fv, CAIRN_REPORT_FORMAT_VERSION) != 0)
		return perr(p, "format_version",
			    "\"%s\" is not a format this cairn reads (it reads \"%s\")", fv,
			    CAIRN_REPORT_FORMAT_VERSION);
	if ((rc = get_enum(p, "", doc, "kind", kinds, 2, &kind)) < 0 ||
	    (rc = only_keys(p, "", doc, kind ? audit_keys : drift_keys)) < 0 ||
	    (rc = get_str(p, "", doc, "stack", 1, &stack)) < 0 ||
	    (rc = get_str(p, "", doc, "cairn_version", 1, &version)) < 0 ||
	    (rc = get_str(p, "", doc, "generated_at", 0, &when)) < 0)
		return rc;
	t = json_object_get(doc, "template");
	if (!t)
		return perr(p, "template", "missing (the template the report checked)");
	{
		static const char *const tkeys[] = {"path", "sha256", NULL};
		if ((rc = want_object(p, "template", t)) < 0 ||
		    (rc = only_keys(p, "template", t, tkeys)) < 0 ||
		    (rc = get_str(p, "template", t, "path", 1, &tpath)) < 0 ||
		    (rc = get_str(p, "template", t, "sha256", 1, &tsha)) < 0)
			return rc;
	}
	if ((rc = cairn_report_new(&r, kind ? CAIRN_REPORT_AUDIT : CAIRN_REPORT_DRIFT, stack)) < 0)
		return rewrap(CAIRN_EINVALID, p->origin, NULL);
	cairn_report_set_version(r, version);
	cairn_report_set_generated_at(r, when);
	if (cairn_report_set_template(r, tpath, tsha) < 0) {
		rc = perr(p, "template.sha256", "expected 64 lower-case hex digits");
		goto fail;
	}
	st = json_object_get(doc, "state");
	if (st) {
		static const char *const skeys[] = {"serial", "lineage", NULL};
		if ((rc = want_object(p, "state", st)) < 0 ||
		    (rc = only_keys(p, "state", st, skeys)) < 0 ||
		    (rc = get_int(p, "state", st, "serial", &serial)) < 0 ||
		    (rc = get_str(p, "state", st, "lineage", 0, &lineage)) < 0)
			goto fail;
		cairn_report_set_state(r, serial, lineage);
	}
	if (kind == 1 && json_object_get(doc, "regions")) {
		json_t *regs = json_object_get(doc, "regions"), *x;
		const char **names;
		size_t k, n = json_array_size(regs);
		if (!json_is_array(regs)) {
			rc = perr(p, "regions", "expected an array of region names");
			goto fail;
		}
		names = cairn_xcalloc(n + 1, sizeof(*v));
		json_array_foreach(regs, k, x) {
			if (!json_is_string(x) || !json_string_length(x)) {
				char *w = idx("", "regions", k);
				free(names);
				rc = perr(p, w, "expected a non-empty string");
				free(w);
				goto fail;
			}
			names[k] = json_string_value(x);
		}
		cairn_report_set_regions(r, names, n);
		free(names);
	}

	if (kind == 0) {
		if ((rc = parse_drift_section(p, "", doc, r, &drift_summary)) < 0)
			goto fail;
	} else {
		json_t *pol = json_object_get(doc, "policies"), *files = NULL, *d;
		static const char *const pkeys[] = {"sha256", "files", NULL};
		static const char *const fkeys[] = {"path", "sha256", NULL};
		if (!pol) {
			rc = perr(p, "policies", "missing (the policy files the audit evaluated)");
			goto fail;
		}
		if ((rc = want_object(p, "policies", pol)) < 0 ||
		    (rc = only_keys(p, "policies", pol, pkeys)) < 0 ||
		    (rc = get_array(p, "policies", pol, "files", 1, &files)) < 0)
			goto fail;
		json_array_foreach(files, i, v) {
			char *w = idx("policies", "files", i);
			const char *path, *sha;
			if ((rc = want_object(p, w, v)) < 0 || (rc = only_keys(p, w, v, fkeys)) < 0 ||
			    (rc = get_str(p, w, v, "path", 1, &path)) < 0 ||
			    (rc = get_str(p, w, v, "sha256", 1, &sha)) < 0) {
				free(w);
				goto fail;
			}
			if (cairn_report_add_policy(r, path, sha) < 0) {
				rc = rewrap(CAIRN_EINVALID, p->origin, NULL);
				free(w);
				goto fail;
			}
			free(w);
		}
		if ((rc = get_array(p, "", doc, "controls", 1, &arr)) < 0)
			goto fail;
		cstatus = cairn_xcalloc(json_array_size(arr) + 1, sizeof(char *));
		json_array_foreach(arr, i, v) {
			char *w = idx("", "controls", i);
			rc = parse_control(p, w, v, r, &cstatus[i]);
			free(w);
			if (rc < 0)
				goto fail;
		}
		if ((rc = get_array(p, "", doc, "waivers", 0, &arr)) < 0)
			goto fail;
		wstatus = cairn_xcalloc(json_array_size(arr) + 1, sizeof(char *));
		json_array_foreach(arr, i, v) {
			char *w = idx("", "waivers", i);
			rc = parse_waiver(p, w, v, r, &wstatus[i]);
			free(w);
			if (rc < 0)
				goto fail;
		}
		d = json_object_get(doc, "drift");
		if (d) {
			static const char *const dkeys[] = {"summary", "resources", NULL};
			if ((rc = want_object(p, "drift", d)) < 0 ||
			    (rc = only_keys(p, "drift", d, dkeys)) < 0 ||
			    (rc = parse_drift_section(p, "drift", d, r, &drift_summary)) < 0)
				goto fail;
		}
	}

	/* Derived statuses are checked against the entries before sorting
	 * moves them (cstatus[i] belongs to r->controls[i]). */
	{
		size_t n = r->ncontrols;
		cairn_report_control **order = cairn_xcalloc(n + 1, sizeof(*order));
		cairn_report_waiver **worder = cairn_xcalloc(r->nwaivers + 1, sizeof(*worder));
		if (n)
			memcpy(order, r->controls, n * sizeof(*order));
		if (r->nwaivers)
			memcpy(worder, r->waivers, r->nwaivers * sizeof(*worder));
		if ((rc = cairn_report_finish(r)) < 0) {
			rc = rewrap(CAIRN_EINVALID, p->origin, NULL);
			free(order);
			free(worder);
			goto fail;
		}
		for (i = 0; i < n && !p->trust; i++) {
			if (cstatus[i] && strcmp(cstatus[i], cairn_report_status_name(order[i]->status))) {
				char *w = idx("", "controls", i);
				rc = perr(p, w, "status says %s, but its findings make it %s",
					  cstatus[i], cairn_report_status_name(order[i]->status));
				free(w);
				free(order);
				free(worder);
				goto fail;
			}
		}
		for (i = 0; i < r->nwaivers && !p->trust; i++) {
			if (wstatus[i] &&
			    strcmp(wstatus[i], cairn_report_waiver_status_name(worder[i]->status))) {
				char *w = idx("", "waivers", i);
				rc = perr(p, w, "status says %s, but the findings make it %s",
					  wstatus[i],
					  cairn_report_waiver_status_name(worder[i]->status));
				free(w);
				free(order);
				free(worder);
				goto fail;
			}
		}
		free(order);
		free(worder);
	}

	cairn_report_summarize(r, &s);
	if ((rc = check_drift_summary(p, kind ? "drift.summary" : "summary", drift_summary, &s)) < 0)
		goto fail;
	if (kind == 1) {
		json_t *pol = json_object_get(doc, "policies"), *sum = json_object_get(doc, "summary");
		const char *sha = json_string_value(json_object_get(pol, "sha256"));
		if (json_object_get(pol, "sha256") && !p->trust && (!sha || strcmp(sha, r->policies_sha256))) {
			rc = perr(p, "policies.sha256",
				  "does not match the files listed (their digest is %s)",
				  *r->policies_sha256 ? r->policies_sha256 : "empty: no files");
			goto fail;
		}
		if (sum) {
			static const char *const skeys[] = {"controls", "findings", "waivers", NULL};
			static const char *const ckeys[] = {"total", "failed", "not_decided", "waived",
							    "passed", NULL};
			static const char *const fkeys[] = {"failed", "not_decided", "waived", NULL};
			static const char *const wkeys[] = {"total", "applied", "unused", "expired",
							    NULL};
			json_t *c = json_object_get(sum, "controls"), *f = json_object_get(sum, "findings"),
			       *w = json_object_get(sum, "waivers");
			if ((rc = want_object(p, "summary", sum)) < 0 ||
			    (rc = only_keys(p, "summary", sum, skeys)) < 0)
				goto fail;
			if (c && ((rc = want_object(p, "summary.controls", c)) < 0 ||
				  (rc = only_keys(p, "summary.controls", c, ckeys)) < 0 ||
				  (rc = check_count(p, "summary.controls", c, "total", s.controls)) < 0 ||
				  (rc = check_count(p, "summary.controls", c, "failed", s.failed)) < 0 ||
				  (rc = check_count(p, "summary.controls", c, "not_decided",
						    s.not_decided)) < 0 ||
				  (rc = check_count(p, "summary.controls", c, "waived", s.waived)) < 0 ||
				  (rc = check_count(p, "summary.controls", c, "passed", s.passed)) < 0))
				goto fail;
			if (f && ((rc = want_object(p, "summary.findings", f)) < 0 ||
				  (rc = only_keys(p, "summary.findings", f, fkeys)) < 0 ||
				  (rc = check_count(p, "summary.findings", f, "failed",
						    s.findings_failed)) < 0 ||
				  (rc = check_count(p, "summary.findings", f, "not_decided",
						    s.findings_not_decided)) < 0 ||
				  (rc = check_count(p, "summary.findings", f, "waived",
						    s.findings_waived)) < 0))
				goto fail;
			if (w && ((rc = want_object(p, "summary.waivers", w)) < 0 ||
				  (rc = only_keys(p, "summary.waivers", w, wkeys)) < 0 ||
				  (rc = check_count(p, "summary.waivers", w, "total", s.waivers)) < 0 ||
				  (rc = check_count(p, "summary.waivers", w, "applied",
						    s.waivers_applied)) < 0 ||
				  (rc = check_count(p, "summary.waivers", w, "unused",
						    s.waivers_unused)) < 0 ||
				  (rc = check_count(p, "summary.waivers", w, "expired",
						    s.waivers_expired)) < 0))
				goto fail;
		}
	}
	free(cstatus);
	free(wstatus);
	*out = r;
	return 0;
fail:
	free(cstatus);
	free(wstatus);
	cairn_report_free(r);
	return rc;
}

int cairn_report_from_json(cairn_report **out, const json_t *doc)
{
	pctx p = {"report JSON", 0};
	return parse(&p, doc, out);
}

int cairn_report_load(cairn_report **out, const char *path)
{
	pctx p = {path, 0};
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	int rc;
	*out = NULL;
	if (!doc)
		return cairn_error_setc(CAIRN_EINVALID, "%s:%d:%d: not valid JSON: %s", path,
					err.line, err.column, err.text);
	rc = parse(&p, doc, out);
	json_decref(doc);
	return rc;
}

/* The value pass over a report's JSON form: every string (and the keys
 * of framework maps and property values) is redacted; numbers only inside
 * property values ("expected", "actual"); cairn's own hashes and numbers
 * (sha256 members, serial, line, column, counts) are left as they are. */
static json_t *redact_doc(const cairn_redactor *red, const char *key, const json_t *v)
{
	json_t *out;
	if (key && (strcmp(key, "expected") == 0 || strcmp(key, "actual") == 0))
		return cairn_redact_json(red, v);
	if (key && strcmp(key, "sha256") == 0)
		return json_deep_copy(v);
	switch (json_typeof(v)) {
	case JSON_STRING:
		return cairn_redact_json(red, v);
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		int user_keys = key && strcmp(key, "frameworks") == 0;
		out = json_object();
		json_object_foreach((json_t *)v, k, x) {
			char *rk = user_keys ? cairn_redact_string(red, k) : cairn_xstrdup(k);
			json_object_set_new(out, rk, redact_doc(red, k, x));
			free(rk);
		}
		return out;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, redact_doc(red, key, x));
		return out;
	}
	default:
		return json_deep_copy(v);
	}
}

void cairn__report_release(cairn_report *r, cairn_report *copy)
{
	if (copy != r)
		cairn_report_free(copy);
}

int cairn__report_redacted(cairn_report *r, cairn_report **out)
{
	pctx p = {"report", 1};
	cairn_redactor *red;
	json_t *raw, *clean;
	int rc;
	*out = NULL;
	if ((rc = cairn_report_finish(r)) < 0)
		return rc;
	if (r->redacted) {
		*out = r;
		return 0;
	}
	red = cairn__report_redactor(r);
	raw = cairn__report_to_json_raw(r);
	clean = redact_doc(red, NULL, raw);
	json_decref(raw);
	cairn_redactor_free(red);
	rc = parse(&p, clean, out);
	json_decref(clean);
	if (rc < 0)
		return rewrap(rc, "report: after redaction the report no longer holds together (",
			      "); a secret value is probably also an id");
	/* What redaction may have touched, the digests were computed on the
	 * real paths: keep those. */
	memcpy((*out)->policies_sha256, r->policies_sha256, sizeof(r->policies_sha256));
	memcpy((*out)->template_sha256, r->template_sha256, sizeof(r->template_sha256));
	(*out)->redacted = 1;
	/* The copy keeps the secrets, so the last pass over its renderings
	 * still knows them. */
	{
		size_t i;
		for (i = 0; i < r->nsecrets; i++)
			cairn_report_add_secret(*out, r->secrets[i]);
	}
	return 0;
}
