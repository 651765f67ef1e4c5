/*
 * format.c: a policy report written for people and machines: text (a
 * terminal, grouped by file and resource with their lines), JSON (cairn's
 * own schema, docs/commands/check.md), SARIF 2.1.0 (code scanning:
 * rules with help and framework ids, results at the template's file,
 * line and column, waived findings as accepted suppressions), JUnit XML
 * (CI test reports) and Markdown (a pull-request comment).
 *
 * Every format shows every non-passing result, including waived ones
 * with their reason, approver and expiry, and every input error (a
 * template that did not load, an invalid waiver) with its file:line:col:
 * an input error makes the verdict "error" in every format, never a pass
 * (text "result: ERROR", JSON summary.result "error", SARIF results of
 * the rule cairn-input-error, tool notifications and executionSuccessful
 * false, JUnit errors, a Markdown "error" heading). The writers do not
 * change the report: they sort an array of pointers to its results (by
 * file, line, column, policy).
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/policy.h"

typedef struct view {
	const cairn_policy_report *r;
	const cairn_policy_write_options *o;
	const cairn_policy_result **v;  /* sorted results */
	size_t n;
	cairn_policy_severity fail_on;
} view;

static int cmp_ptr(const void *a, const void *b)
{
	const cairn_policy_result *x = *(const cairn_policy_result *const *)a;
	const cairn_policy_result *y = *(const cairn_policy_result *const *)b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	/* stack-level results (no resource) after the resources */
	if (!x->resource != !y->resource)
		return x->resource ? -1 : 1;
	/* resources in template order, their results by line */
	if (x->resource_line != y->resource_line)
		return x->resource_line < y->resource_line ? -1 : 1;
	c = strcmp(x->resource ? x->resource : "", y->resource ? y->resource : "");
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	c = strcmp(x->policy->id, y->policy->id);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static void view_init(view *w, const cairn_policy_report *r, const cairn_policy_write_options *o)
{
	size_t i;
	w->r = r;
	w->o = o;
	w->n = r->n;
	w->v = cairn_xcalloc(r->n + 1, sizeof(*w->v));
	for (i = 0; i < r->n; i++)
		w->v[i] = &r->v[i];
	if (r->n)
		qsort(w->v, r->n, sizeof(*w->v), cmp_ptr);
	w->fail_on = o && o->fail_on ? o->fail_on : CAIRN_SEVERITY_HIGH;
}

static void view_dispose(view *w)
{
	free(w->v);
}

/* Input errors recorded, and inputs not checked at all. */
static size_t input_errors(const view *w)
{
	return w->r->input_errors.n;
}

/* "file:line:col: message" of an input error. */
static char *input_error_text(const cairn_diag *d)
{
	cairn_buf b = CAIRN_BUF_INIT;
	cairn_buf_puts(&b, d->file);
	if (d->line > 0)
		cairn_buf_printf(&b, ":%d", d->line);
	if (d->line > 0 && d->col > 0)
		cairn_buf_printf(&b, ":%d", d->col);
	cairn_buf_printf(&b, ": %s", d->message);
	return cairn_buf_detach(&b);
}

/* The verdict: "error" (a policy failed or an input could not be
 * checked), "fail" or "pass". */
static const char *verdict(const view *w, const size_t *c, size_t failing)
{
	if (c[CAIRN_RESULT_ERROR] || input_errors(w) || w->r->nunchecked)
		return "error";
	return failing ? "fail" : "pass";
}

static const char *sev_upper(cairn_policy_severity s)
{
	static const char *const n[] = {"?", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
	return s >= 1 && s <= 4 ? n[s] : "?";
}

/* "file:line:col" or "file" */
static void where(cairn_buf *b, const cairn_policy_result *x)
{
	cairn_buf_puts(b, x->file[0] ? x->file : "-");
	if (x->line > 0)
		cairn_buf_printf(b, ":%d", x->line);
	if (x->line > 0 && x->col > 0)
		cairn_buf_printf(b, ":%d", x->col);
}

/* The frameworks as "cis-aws-3.0 3.1; nist-800-53-r5 AU-2, AU-3". */
static void frameworks_text(cairn_buf *b, const cairn_policy *p)
{
	const char *k;
	json_t *ids;
	int first = 1;
	json_object_foreach(p->frameworks, k, ids) {
		size_t i;
		json_t *id;
		cairn_buf_printf(b, "%s%s ", first ? "" : "; ", k);
		json_array_foreach(ids, i, id)
			cairn_buf_printf(b, "%s%s", i ? ", " : "", json_string_value(id));
		first = 0;
	}
}

static void counts(const view *w, size_t *c, size_t *failing, size_t by_sev[5])
{
	size_t i;
	memset(c, 0, 5 * sizeof(*c));
	memset(by_sev, 0, 5 * sizeof(*by_sev));
	*failing = 0;
	for (i = 0; i < w->n; i++) {
		const cairn_policy_result *x = w->v[i];
		c[x->status]++;
		if (x->status == CAIRN_RESULT_FAIL) {
			by_sev[x->policy->severity]++;
			if (x->policy->severity >= w->fail_on)
				(*failing)++;
		}
	}
}

/* ---- text ------------------------------------------------------------- */

static const char *col(const view *w, const char *code)
{
	static char buf[8][16];
	static int slot;
	if (!w->o || !w->o->color)
		return "";
	slot = (slot + 1) % 8;
	snprintf(buf[slot], sizeof(buf[slot]), "\033[%sm", code);
	return buf[slot];
}

static const char *reset(const view *w)
{
	return w->o && w->o->color ? "\033[0m" : "";
}

static void write_text(const view *w, FILE *out)
{
	size_t i, c[5], failing, by_sev[5];
	const char *file = NULL, *res = NULL;
	int res_set = 0, shown = 0;
	int passed = w->o && w->o->show_passed;

	counts(w, c, &failing, by_sev);
	for (i = 0; i < w->n; i++) {
		const cairn_policy_result *x = w->v[i];
		const char *st, *color;
		cairn_buf b = CAIRN_BUF_INIT;
		if (x->status == CAIRN_RESULT_PASS && !passed)
			continue;
		if (!file || strcmp(file, x->file) != 0) {
			fprintf(out, "%s%s%s%s\n", shown ? "\n" : "", col(w, "1"),
				x->file[0] ? x->file : "(no file)", reset(w));
			file = x->file;
			res_set = 0;
		}
		if (!res_set || (res == NULL) != (x->resource == NULL) ||
		    (res && strcmp(res, x->resource) != 0)) {
			if (x->resource) {
				fprintf(out, "  %s%s%s (%s)", col(w, "1"), x->resource, reset(w),
					x->type ? x->type : "?");
				if (x->resource_line)
					fprintf(out, " %s:%d", x->file, x->resource_line);
				fputc('\n', out);
			} else {
				fprintf(out, "  %sthe stack%s\n", col(w, "1"), reset(w));
			}
			res = x->resource;
			res_set = 1;
		}
		switch (x->status) {
		case CAIRN_RESULT_FAIL:
			st = "FAIL";
			color = x->policy->severity >= CAIRN_SEVERITY_HIGH ? "1;31" : "31";
			break;
		case CAIRN_RESULT_WAIVED: st = "WAIVED"; color = "36"; break;
		case CAIRN_RESULT_UNDECIDED: st = "UNDECIDED"; color = "33"; break;
		case CAIRN_RESULT_ERROR: st = "ERROR"; color = "35"; break;
		default: st = "pass"; color = "32"; break;
		}
		fprintf(out, "    %s%-9s%s %-8s %s  %s\n", col(w, color), st, reset(w),
			cairn_policy_severity_name(x->policy->severity), x->policy->id,
			x->policy->title);
		if (x->message) {
			if (x->line > 0)
				cairn_buf_printf(&b, "line %d: ", x->line);
			if (x->subject)
				cairn_buf_printf(&b, "%s: ", x->subject);
			if (x->path[0] && x->status != CAIRN_RESULT_ERROR)
				cairn_buf_printf(&b, "%s: ", x->path);
			cairn_buf_puts(&b, x->message);
			fprintf(out, "              %s\n", cairn_buf_cstr(&b));
		}
		if (x->waiver) {
			fprintf(out, "              %s %s (approved by %s, %s %s)\n",
				x->waiver_expired ? "expired waiver:" : "waived:", x->waiver->reason,
				x->waiver->approver, x->waiver_expired ? "expired" : "expires",
				x->waiver->expires);
		}
		if (x->status == CAIRN_RESULT_FAIL)
			fprintf(out, "              fix: %s\n", x->policy->remediation);
		cairn_buf_dispose(&b);
		shown = 1;
	}
	if (shown)
		fputc('\n', out);
	if (input_errors(w) || w->r->nunchecked) {
		fprintf(out, "%sinput errors%s\n", col(w, "1;35"), reset(w));
		for (i = 0; i < w->r->input_errors.n; i++) {
			char *t = input_error_text(&w->r->input_errors.v[i]);
			fprintf(out, "  %s\n", t);
			free(t);
		}
		for (i = 0; i < w->r->nunchecked; i++)
			fprintf(out, "  %s: not checked (it does not load)\n", w->r->unchecked[i]);
		fputc('\n', out);
	}
	fprintf(out, "%zu failed", c[CAIRN_RESULT_FAIL]);
	if (c[CAIRN_RESULT_FAIL]) {
		int s, first = 1;
		fputs(" (", out);
		for (s = CAIRN_SEVERITY_CRITICAL; s >= CAIRN_SEVERITY_LOW; s--)
			if (by_sev[s]) {
				fprintf(out, "%s%zu %s", first ? "" : ", ", by_sev[s],
					cairn_policy_severity_name((cairn_policy_severity)s));
				first = 0;
			}
		fputc(')', out);
	}
	fprintf(out, ", %zu waived, %zu could not decide, %zu errors; %zu passed; %zu checks in "
		     "%zu file%s\n",
		c[CAIRN_RESULT_WAIVED], c[CAIRN_RESULT_UNDECIDED], c[CAIRN_RESULT_ERROR],
		c[CAIRN_RESULT_PASS], w->r->evaluations, w->r->nfiles, w->r->nfiles == 1 ? "" : "s");
	if (input_errors(w) || w->r->nunchecked || c[CAIRN_RESULT_ERROR]) {
		cairn_buf why = CAIRN_BUF_INIT;
		if (input_errors(w))
			cairn_buf_printf(&why, "%zu input error%s", input_errors(w),
					 input_errors(w) == 1 ? "" : "s");
		if (w->r->nunchecked)
			cairn_buf_printf(&why, "%s%zu file%s not checked", why.len ? ": " : "",
					 w->r->nunchecked, w->r->nunchecked == 1 ? "" : "s");
		if (c[CAIRN_RESULT_ERROR])
			cairn_buf_printf(&why, "%sa policy failed to run", why.len ? "; " : "");
		fprintf(out, "%sresult: ERROR%s (%s; see above)\n", col(w, "1;35"), reset(w),
			cairn_buf_cstr(&why));
		cairn_buf_dispose(&why);
	} else if (failing)
		fprintf(out, "%sresult: FAIL%s (%zu finding%s at or above %s)\n", col(w, "1;31"),
			reset(w), failing, failing == 1 ? "" : "s",
			cairn_policy_severity_name(w->fail_on));
	else
		fprintf(out, "%sresult: PASS%s (nothing at or above %s)\n", col(w, "1;32"), reset(w),
			cairn_policy_severity_name(w->fail_on));
}

/* ---- JSON and SARIF ------------------------------------------------- */

static json_t *waiver_json(const cairn_policy_result *x)
{
	if (!x->waiver)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "control", x->waiver->control, "reason",
			 x->waiver->reason, "approver", x->waiver->approver, "expires",
			 x->waiver->expires, "expired", x->waiver_expired);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Policies with at least one result, in first-seen order. */
static size_t used_policies(const view *w, const cairn_policy ***out)
{
	const cairn_policy **v = cairn_xcalloc(w->n + 1, sizeof(*v));
	size_t i, k, n = 0;
	for (i = 0; i < w->r->n; i++) {
		const cairn_policy *p = w->r->v[i].policy;
		for (k = 0; k < n && v[k] != p; k++)
			;
		if (k == n)
			v[n++] = p;
	}
	*out = v;
	return n;
}

static void write_json(const view *w, FILE *out)
{
	json_t *root = json_object(), *results = json_array(), *pols = json_array(), *files;
	json_t *ierr, *unchecked;
	const cairn_policy **used;
	size_t i, k, nused, c[5], failing, by_sev[5];

	counts(w, c, &failing, by_sev);
	files = json_array();
	for (i = 0; i < w->r->nfiles; i++)
		json_array_append_new(files, json_string(w->r->files[i]));
	nused = used_policies(w, &used);
	for (k = 0; k < nused; k++) {
		const cairn_policy *p = used[k];
		size_t pc[5] = {0, 0, 0, 0, 0};
		json_t *types = json_array();
		for (i = 0; i < w->n; i++)
			if (w->v[i]->policy == p)
				pc[w->v[i]->status]++;
		for (i = 0; i < p->ntypes; i++)
			json_array_append_new(types, json_string(p->types[i]));
		json_array_append_new(
			pols, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:o, s:b, s:s, s:{s:I, "
					"s:I, s:I, s:I, s:I}}",
					"id", p->id, "pack", p->pack, "title", p->title, "severity",
					cairn_policy_severity_name(p->severity), "description",
					p->description, "remediation", p->remediation, "frameworks",
					p->frameworks, "resource_types", types, "live_only", p->live_only,
					"file", p->file, "results", "passed",
					(json_int_t)pc[CAIRN_RESULT_PASS], "failed",
					(json_int_t)pc[CAIRN_RESULT_FAIL], "waived",
					(json_int_t)pc[CAIRN_RESULT_WAIVED], "undecided",
					(json_int_t)pc[CAIRN_RESULT_UNDECIDED], "errors",
					(json_int_t)pc[CAIRN_RESULT_ERROR]));
	}
	free(used);
	for (i = 0; i < w->n; i++) {
		const cairn_policy_result *x = w->v[i];
		json_t *o;
		if (x->status == CAIRN_RESULT_PASS)
			continue;
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:i, s:i, s:o}",
			      "policy", x->policy->id, "status", cairn_policy_status_name(x->status),
			      "severity", cairn_policy_severity_name(x->policy->severity), "file",
			      x->file, "stack", x->stack, "resource", str_or_null(x->resource), "type",
			      str_or_null(x->type), "subject", str_or_null(x->subject), "path", x->path,
			      "line", x->line, "column", x->col, "message", str_or_null(x->message));
		if (x->waiver)
			json_object_set_new(o, "waiver", waiver_json(x));
		json_array_append_new(results, o);
	}
	json_object_set_new(root, "format_version", json_string("1"));
	json_object_set_new(root, "tool", json_pack("{s:s, s:s}", "name", "cairn", "version",
						    CAIRN_VERSION));
	json_object_set_new(root, "files", files);
	json_object_set_new(
		root, "summary",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "evaluations",
			  (json_int_t)w->r->evaluations, "passed", (json_int_t)c[CAIRN_RESULT_PASS],
			  "failed", (json_int_t)c[CAIRN_RESULT_FAIL], "waived",
			  (json_int_t)c[CAIRN_RESULT_WAIVED], "undecided",
			  (json_int_t)c[CAIRN_RESULT_UNDECIDED], "errors",
			  (json_int_t)c[CAIRN_RESULT_ERROR], "input_errors",
			  (json_int_t)input_errors(w), "failing", (json_int_t)failing, "fail_on",
			  cairn_policy_severity_name(w->fail_on), "result", verdict(w, c, failing)));
	json_object_set_new(root, "policies", pols);
	json_object_set_new(root, "results", results);
	ierr = json_array();
	for (i = 0; i < w->r->input_errors.n; i++) {
		const cairn_diag *d = &w->r->input_errors.v[i];
		json_array_append_new(ierr, json_pack("{s:s, s:i, s:i, s:s}", "file", d->file, "line",
						      d->line, "column", d->col, "message",
						      d->message));
	}
	json_object_set_new(root, "input_errors", ierr);
	unchecked = json_array();
	for (i = 0; i < w->r->nunchecked; i++)
		json_array_append_new(unchecked, json_string(w->r->unchecked[i]));
	json_object_set_new(root, "not_checked", unchecked);
	json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
}

static const char *sarif_level(cairn_policy_severity s)
{
	return s >= CAIRN_SEVERITY_HIGH ? "error" : s == CAIRN_SEVERITY_MEDIUM ? "warning" : "note";
}

static const char *security_severity(cairn_policy_severity s)
{
	switch (s) {
	case CAIRN_SEVERITY_CRITICAL: return "9.5";
	case CAIRN_SEVERITY_HIGH: return "8.0";
	case CAIRN_SEVERITY_MEDIUM: return "5.5";
	default: return "3.0";
	}
}

/* A file path as a URI reference: relative paths stay relative (code
 * scanning resolves them against the repository); unsafe bytes are
 * percent-encoded; absolute paths become file:// URIs. */
static char *path_uri(const char *path)
{
	cairn_buf b = CAIRN_BUF_INIT;
	const unsigned char *p = (const unsigned char *)path;
	if (*p == '/')
		cairn_buf_puts(&b, "file://");
	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p))
			cairn_buf_putc(&b, (char)*p);
		else
			cairn_buf_printf(&b, "%%%02X", *p);
	}
	return cairn_buf_detach(&b);
}

static json_t *sarif_rule(const cairn_policy *p)
{
	json_t *tags = json_array(), *rule;
	const char *k;
	json_t *ids;
	cairn_buf help = CAIRN_BUF_INIT, md = CAIRN_BUF_INIT;

	json_array_append_new(tags, json_string("security"));
	json_array_append_new(tags, json_string(p->pack));
	json_object_foreach(p->frameworks, k, ids) {
		size_t i;
		json_t *id;
		json_array_foreach(ids, i, id) {
			char *t = cairn_xasprintf("%s/%s", k, json_string_value(id));
			json_array_append_new(tags, json_string(t));
			free(t);
		}
	}
	cairn_buf_printf(&help, "%s\n\nRemediation: %s\n\nFrameworks: ", p->description[0] ? p->description : p->title,
			 p->remediation);
	frameworks_text(&help, p);
	cairn_buf_printf(&md, "**%s** (%s, %s)\n\n%s\n\n**Remediation:** %s\n\n**Frameworks:** ",
			 p->title, p->id, cairn_policy_severity_name(p->severity),
			 p->description[0] ? p->description : p->title, p->remediation);
	frameworks_text(&md, p);
	rule = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s}, s:{s:o, s:s, s:s, "
			 "s:s, s:O, s:s}}",
			 "id", p->id, "name", p->id, "shortDescription", "text", p->title,
			 "fullDescription", "text", p->description[0] ? p->description : p->title,
			 "help", "text", cairn_buf_cstr(&help), "markdown", cairn_buf_cstr(&md),
			 "defaultConfiguration", "level", sarif_level(p->severity), "properties",
			 "tags", tags, "security-severity", security_severity(p->severity),
			 "severity", cairn_policy_severity_name(p->severity), "pack", p->pack,
			 "frameworks", p->frameworks, "policyFile", p->file);
	cairn_buf_dispose(&help);
	cairn_buf_dispose(&md);
	return rule;
}

/* A SARIF location of an input error: its file (with the artifact index
 * when listed) and, when known, line and column. */
static json_t *sarif_diag_location(const view *w, const cairn_diag *d)
{
	char *uri = path_uri(d->file);
	json_t *phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", uri);
	size_t fi;
	free(uri);
	for (fi = 0; fi < w->r->nfiles && strcmp(w->r->files[fi], d->file) != 0; fi++)
		;
	if (fi == w->r->nfiles) {
		size_t u;
		for (u = 0; u < w->r->nunchecked && strcmp(w->r->unchecked[u], d->file) != 0; u++)
			;
		fi = u < w->r->nunchecked ? w->r->nfiles + u : (size_t)-1;
	}
	if (fi != (size_t)-1)
		json_object_set_new(json_object_get(phys, "artifactLocation"), "index",
				    json_integer((json_int_t)fi));
	if (d->line > 0) {
		json_t *region = json_pack("{s:i}", "startLine", d->line);
		if (d->col > 0)
			json_object_set_new(region, "startColumn", json_integer(d->col));
		json_object_set_new(phys, "region", region);
	}
	return json_pack("{s:o}", "physicalLocation", phys);
}

static void write_sarif(const view *w, FILE *out)
{
	json_t *rules = json_array(), *results = json_array(), *artifacts = json_array(),
	       *notes = json_array(), *run, *root;
	const cairn_policy **used;
	size_t i, k, nused, nerr = 0;

	/* Rules: every policy with a result, plus those of the set when given. */
	nused = used_policies(w, &used);
	if (w->o && w->o->set) {
		size_t n = cairn_policy_set_count(w->o->set);
		used = cairn_xrealloc(used, (nused + n + 1) * sizeof(*used));
		for (i = 0; i < n; i++) {
			const cairn_policy *p = cairn_policy_set_at(w->o->set, i);
			for (k = 0; k < nused && used[k] != p; k++)
				;
			if (k == nused)
				used[nused++] = p;
		}
	}
	for (k = 0; k < nused; k++)
		json_array_append_new(rules, sarif_rule(used[k]));
	for (i = 0; i < w->r->nfiles; i++) {
		char *uri = path_uri(w->r->files[i]);
		json_array_append_new(artifacts, json_pack("{s:{s:s}}", "location", "uri", uri));
		free(uri);
	}
	for (i = 0; i < w->r->nunchecked; i++) {
		char *uri = path_uri(w->r->unchecked[i]);
		json_array_append_new(artifacts, json_pack("{s:{s:s}}", "location", "uri", uri));
		free(uri);
	}
	if (input_errors(w)) {
		/* Input errors are results of their own rule (so code scanning
		 * shows them at their line, as cfn-lint's E0000 is) and tool
		 * notifications; the run did not succeed. */
		json_array_append_new(
			rules, json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "id",
					 "cairn-input-error", "name", "cairn-input-error",
					 "shortDescription", "text",
					 "The input could not be checked as asked",
					 "fullDescription", "text",
					 "A template that does not load (YAML syntax, an unknown type "
					 "or property, a bad intrinsic), an invalid waiver or pack "
					 "choice, or an unreadable stack document: nothing in it was "
					 "judged as asked.",
					 "help", "text",
					 "Fix the error at the given line (cairn validate FILE shows "
					 "every template error) and run cairn check again.",
					 "defaultConfiguration", "level", "error"));
		for (i = 0; i < w->r->input_errors.n; i++) {
			const cairn_diag *d = &w->r->input_errors.v[i];
			json_t *loc = sarif_diag_location(w, d);
			json_array_append_new(
				results, json_pack("{s:s, s:I, s:s, s:s, s:{s:s}, s:[O]}", "ruleId",
						   "cairn-input-error", "ruleIndex", (json_int_t)nused,
						   "kind", "fail", "level", "error", "message", "text",
						   d->message, "locations", loc));
			json_array_append_new(notes, json_pack("{s:s, s:{s:s}, s:[o]}", "level",
							       "error", "message", "text",
							       d->message, "locations", loc));
		}
	}
	for (i = 0; i < w->n; i++) {
		const cairn_policy_result *x = w->v[i];
		json_t *res, *loc, *phys, *props;
		char fp[65], *key, *uri, *msg;
		size_t ri, fi;

		if (x->status == CAIRN_RESULT_PASS)
			continue;
		for (ri = 0; ri < nused && used[ri] != x->policy; ri++)
			;
		if (x->status == CAIRN_RESULT_ERROR) {
			nerr++;
			json_array_append_new(
				notes, json_pack("{s:s, s:{s:s}, s:{s:s, s:I}}", "level", "error",
						 "message", "text", x->message ? x->message : "error",
						 "associatedRule", "id", x->policy->id, "index",
						 (json_int_t)ri));
			continue;
		}
		for (fi = 0; fi < w->r->nfiles && strcmp(w->r->files[fi], x->file) != 0; fi++)
			;
		uri = path_uri(x->file[0] ? x->file : "-");
		phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", uri);
		free(uri);
		if (fi < w->r->nfiles)
			json_object_set_new(json_object_get(phys, "artifactLocation"), "index",
					    json_integer((json_int_t)fi));
		if (x->line > 0) {
			json_t *region = json_pack("{s:i}", "startLine", x->line);
			if (x->col > 0)
				json_object_set_new(region, "startColumn", json_integer(x->col));
			json_object_set_new(phys, "region", region);
		}
		loc = json_pack("{s:o}", "physicalLocation", phys);
		if (x->resource) {
			char *fq = cairn_xasprintf("%s/%s", x->stack, x->resource);
			json_object_set_new(loc, "logicalLocations",
					    json_pack("[{s:s, s:s, s:s}]", "name", x->resource,
						      "fullyQualifiedName", fq, "kind", "resource"));
			free(fq);
		}
		msg = x->resource ? cairn_xasprintf("%s (%s): %s%s%s", x->resource,
						    x->type ? x->type : "?", x->path,
						    x->path[0] ? ": " : "", x->message)
				  : cairn_xasprintf("%s%s%s", x->subject ? x->subject : "",
						    x->subject ? ": " : "", x->message);
		key = cairn_xasprintf("%s|%s|%s|%s|%s", x->policy->id, x->file,
				      x->resource ? x->resource : "", x->subject ? x->subject : "",
				      x->path);
		cairn_sha256_hex(key, strlen(key), fp);
		free(key);
		props = json_pack("{s:s, s:s}", "severity",
				  cairn_policy_severity_name(x->policy->severity), "path", x->path);
		if (x->type)
			json_object_set_new(props, "resourceType", json_string(x->type));
		if (x->waiver)
			json_object_set_new(props, "waiver", waiver_json(x));
		res = json_pack("{s:s, s:I, s:s, s:s, s:{s:s}, s:[o], s:{s:s}, s:o}", "ruleId",
				x->policy->id, "ruleIndex", (json_int_t)ri, "kind",
				x->status == CAIRN_RESULT_UNDECIDED ? "open" : "fail", "level",
				x->status == CAIRN_RESULT_UNDECIDED ? "none"
								    : sarif_level(x->policy->severity),
				"message", "text", msg, "locations", loc, "partialFingerprints",
				"cairnFinding/v1", fp, "properties", props);
		free(msg);
		if (x->status == CAIRN_RESULT_WAIVED && x->waiver) {
			char *just = cairn_xasprintf("%s (approved by %s; expires %s)",
						     x->waiver->reason, x->waiver->approver,
						     x->waiver->expires);
			json_object_set_new(
				res, "suppressions",
				json_pack("[{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}]", "kind",
					  "inSource", "status", "accepted", "justification", just,
					  "properties", "control", x->waiver->control, "reason",
					  x->waiver->reason, "approver", x->waiver->approver, "expires",
					  x->waiver->expires));
			free(just);
		}
		json_array_append_new(results, res);
	}
	free(used);
	run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:o, s:[{s:b, s:o}], s:s}",
			"tool", "driver", "name", "cairn", "version", CAIRN_VERSION,
			"semanticVersion", CAIRN_VERSION, "rules", rules,
			"artifacts", artifacts, "results", results, "invocations",
			"executionSuccessful", nerr == 0 && !input_errors(w) && !w->r->nunchecked,
			"toolExecutionNotifications", notes,
			"columnKind", "unicodeCodePoints");
	root = json_pack("{s:s, s:s, s:[o]}", "$schema",
			 "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs",
			 run);
	json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
}

/* ---- JUnit XML ------------------------------------------------------- */

static void xml_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				fputc('?', out);
			else
				fputc(c, out);
		}
	}
}

static void write_junit(const view *w, FILE *out)
{
	const cairn_policy **used;
	size_t i, k, nused, c[5], failing, by_sev[5];

	counts(w, c, &failing, by_sev);
	nused = used_policies(w, &used);
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out, "<testsuites name=\"cairn check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		     "skipped=\"%zu\" time=\"%.3f\">\n",
		w->n + input_errors(w), c[CAIRN_RESULT_FAIL], c[CAIRN_RESULT_ERROR] + input_errors(w),
		c[CAIRN_RESULT_WAIVED] + c[CAIRN_RESULT_UNDECIDED], w->r->seconds);
	/* Input errors first: a suite "cairn" with an error test case each. */
	if (input_errors(w)) {
		fprintf(out, "  <testsuite name=\"cairn\" tests=\"%zu\" failures=\"0\" errors=\"%zu\" "
			     "skipped=\"0\">\n",
			input_errors(w), input_errors(w));
		for (i = 0; i < w->r->input_errors.n; i++) {
			const cairn_diag *d = &w->r->input_errors.v[i];
			char *t = input_error_text(d);
			fputs("    <testcase classname=\"cairn.input\" name=\"", out);
			xml_escape(out, t);
			fputs("\" file=\"", out);
			xml_escape(out, d->file);
			fputc('"', out);
			if (d->line > 0)
				fprintf(out, " line=\"%d\"", d->line);
			fputs(" time=\"0\">\n      <error message=\"", out);
			xml_escape(out, t);
			fputs("\" type=\"input-error\"/>\n    </testcase>\n", out);
			free(t);
		}
		fputs("  </testsuite>\n", out);
	}
	/* One suite per pack, one test case per result. */
	for (k = 0; k < nused; k++) {
		const char *pack = used[k]->pack;
		size_t j, pc[5] = {0, 0, 0, 0, 0}, total = 0;
		for (j = 0; j < k && strcmp(used[j]->pack, pack) != 0; j++)
			;
		if (j < k)
			continue; /* pack already written */
		for (i = 0; i < w->n; i++)
			if (strcmp(w->v[i]->policy->pack, pack) == 0) {
				pc[w->v[i]->status]++;
				total++;
			}
		fputs("  <testsuite name=\"", out);
		xml_escape(out, pack);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
			total, pc[CAIRN_RESULT_FAIL], pc[CAIRN_RESULT_ERROR],
			pc[CAIRN_RESULT_WAIVED] + pc[CAIRN_RESULT_UNDECIDED]);
		for (i = 0; i < w->n; i++) {
			const cairn_policy_result *x = w->v[i];
			cairn_buf name = CAIRN_BUF_INIT, loc = CAIRN_BUF_INIT;
			if (strcmp(x->policy->pack, pack) != 0)
				continue;
			cairn_buf_printf(&name, "%s %s", x->policy->id, x->file);
			if (x->resource)
				cairn_buf_printf(&name, " %s", x->resource);
			if (x->subject)
				cairn_buf_printf(&name, " %s", x->subject);
			if (x->path[0] && x->status != CAIRN_RESULT_PASS)
				cairn_buf_printf(&name, " %s", x->path);
			where(&loc, x);
			fputs("    <testcase classname=\"", out);
			xml_escape(out, pack);
			fputc('.', out);
			xml_escape(out, x->policy->id);
			fputs("\" name=\"", out);
			xml_escape(out, cairn_buf_cstr(&name));
			fputs("\" file=\"", out);
			xml_escape(out, x->file);
			fputc('"', out);
			if (x->line > 0)
				fprintf(out, " line=\"%d\"", x->line);
			fputs(" time=\"0\"", out);
			switch (x->status) {
			case CAIRN_RESULT_PASS:
				fputs("/>\n", out);
				break;
			case CAIRN_RESULT_FAIL: {
				cairn_buf body = CAIRN_BUF_INIT;
				cairn_buf_printf(&body, "%s: %s%s%s\nSeverity: %s\nRemediation: %s\n"
							"Frameworks: ",
						 cairn_buf_cstr(&loc), x->path, x->path[0] ? ": " : "",
						 x->message, cairn_policy_severity_name(x->policy->severity),
						 x->policy->remediation);
				frameworks_text(&body, x->policy);
				fputs(">\n      <failure message=\"", out);
				xml_escape(out, x->message);
				fputs("\" type=\"", out);
				xml_escape(out, cairn_policy_severity_name(x->policy->severity));
				fputs("\">", out);
				xml_escape(out, cairn_buf_cstr(&body));
				fputs("</failure>\n    </testcase>\n", out);
				cairn_buf_dispose(&body);
				break;
			}
			case CAIRN_RESULT_WAIVED: {
				char *m = cairn_xasprintf("waived: %s (approved by %s; expires %s): %s",
							  x->waiver ? x->waiver->reason : "",
							  x->waiver ? x->waiver->approver : "",
							  x->waiver ? x->waiver->expires : "", x->message);
				fputs(">\n      <skipped message=\"", out);
				xml_escape(out, m);
				fputs("\"/>\n    </testcase>\n", out);
				free(m);
				break;
			}
			case CAIRN_RESULT_UNDECIDED: {
				char *m = cairn_xasprintf("could not decide: %s", x->message);
				fputs(">\n      <skipped message=\"", out);
				xml_escape(out, m);
				fputs("\"/>\n    </testcase>\n", out);
				free(m);
				break;
			}
			default:
				fputs(">\n      <error message=\"", out);
				xml_escape(out, x->message);
				fputs("\" type=\"policy-error\"/>\n    </testcase>\n", out);
				break;
			}
			cairn_buf_dispose(&name);
			cairn_buf_dispose(&loc);
		}
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	free(used);
}

/* ---- Markdown ------------------------------------------------------------ */

/* Text for a table cell: no newlines, pipes escaped. */
static void md_cell(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else if (*s == '<')
			fputs("&lt;", out);
		else
			fputc(*s, out);
	}
}

static void md_where(FILE *out, const cairn_policy_result *x)
{
	cairn_buf b = CAIRN_BUF_INIT;
	where(&b, x);
	fputc('`', out);
	md_cell(out, cairn_buf_cstr(&b));
	fputc('`', out);
	cairn_buf_dispose(&b);
}

static void md_resource(FILE *out, const cairn_policy_result *x)
{
	if (x->resource) {
		fputc('`', out);
		md_cell(out, x->resource);
		fputs("` ", out);
		md_cell(out, x->type);
	} else {
		md_cell(out, x->subject ? x->subject : "the stack");
	}
}

static void write_markdown(const view *w, FILE *out)
{
	size_t i, k, c[5], failing, by_sev[5];
	const cairn_policy **used;
	size_t nused;

	counts(w, c, &failing, by_sev);
	if (!strcmp(verdict(w, c, failing), "error"))
		fprintf(out, "### cairn check: error\n\n");
	else if (failing)
		fprintf(out, "### cairn check: %zu finding%s at or above %s\n\n", failing,
			failing == 1 ? "" : "s", cairn_policy_severity_name(w->fail_on));
	else
		fprintf(out, "### cairn check: passed\n\n");
	fprintf(out, "%zu failed · %zu waived · %zu could not decide · %zu errors · %zu passed",
		c[CAIRN_RESULT_FAIL], c[CAIRN_RESULT_WAIVED], c[CAIRN_RESULT_UNDECIDED],
		c[CAIRN_RESULT_ERROR], c[CAIRN_RESULT_PASS]);
	if (input_errors(w))
		fprintf(out, " · %zu input error%s", input_errors(w), input_errors(w) == 1 ? "" : "s");
	fprintf(out, " (threshold: %s; files:", cairn_policy_severity_name(w->fail_on));
	for (i = 0; i < w->r->nfiles; i++) {
		fputs(i ? ", `" : " `", out);
		md_cell(out, w->r->files[i]);
		fputc('`', out);
	}
	fputs(")\n\n", out);

	if (input_errors(w) || w->r->nunchecked) {
		fprintf(out, "#### Input errors (%zu)\n\n", input_errors(w));
		if (w->r->nunchecked) {
			fputs("Not checked (they do not load):", out);
			for (i = 0; i < w->r->nunchecked; i++) {
				fputs(i ? ", `" : " `", out);
				md_cell(out, w->r->unchecked[i]);
				fputc('`', out);
			}
			fputs("\n\n", out);
		}
		for (i = 0; i < w->r->input_errors.n; i++) {
			const cairn_diag *d = &w->r->input_errors.v[i];
			fputs("- `", out);
			md_cell(out, d->file);
			if (d->line > 0)
				fprintf(out, ":%d", d->line);
			if (d->line > 0 && d->col > 0)
				fprintf(out, ":%d", d->col);
			fputs("`: ", out);
			md_cell(out, d->message);
			fputc('\n', out);
		}
		fputc('\n', out);
	}

	if (c[CAIRN_RESULT_FAIL]) {
		fprintf(out, "| Severity | Control | Resource | Where | Finding |\n"
			     "|---|---|---|---|---|\n");
		for (i = 0; i < w->n; i++) {
			const cairn_policy_result *x = w->v[i];
			if (x->status != CAIRN_RESULT_FAIL)
				continue;
			fprintf(out, "| %s%s%s | `%s` ", x->policy->severity >= w->fail_on ? "**" : "",
				sev_upper(x->policy->severity),
				x->policy->severity >= w->fail_on ? "**" : "", x->policy->id);
			md_cell(out, x->policy->title);
			fputs(" | ", out);
			md_resource(out, x);
			fputs(" | ", out);
			md_where(out, x);
			fputs(" | ", out);
			if (x->path[0]) {
				fputc('`', out);
				md_cell(out, x->path);
				fputs("`: ", out);
			}
			md_cell(out, x->message);
			fputs(" |\n", out);
		}
		fputs("\n<details><summary>How to fix</summary>\n\n", out);
		nused = used_policies(w, &used);
		for (k = 0; k < nused; k++) {
			cairn_buf fw = CAIRN_BUF_INIT;
			int any = 0;
			for (i = 0; i < w->n && !any; i++)
				any = w->v[i]->policy == used[k] && w->v[i]->status == CAIRN_RESULT_FAIL;
			if (!any)
				continue;
			frameworks_text(&fw, used[k]);
			fprintf(out, "- **`%s`** ", used[k]->id);
			md_cell(out, used[k]->title);
			fputs(": ", out);
			md_cell(out, used[k]->remediation);
			fputs(" _(", out);
			md_cell(out, cairn_buf_cstr(&fw));
			fputs(")_\n", out);
			cairn_buf_dispose(&fw);
		}
		free(used);
		fputs("\n</details>\n\n", out);
	}
	if (c[CAIRN_RESULT_WAIVED]) {
		fprintf(out, "#### Waived (%zu)\n\n| Control | Resource | Where | Reason | Approver | "
			     "Expires |\n|---|---|---|---|---|---|\n",
			c[CAIRN_RESULT_WAIVED]);
		for (i = 0; i < w->n; i++) {
			const cairn_policy_result *x = w->v[i];
			if (x->status != CAIRN_RESULT_WAIVED || !x->waiver)
				continue;
			fprintf(out, "| `%s` | ", x->policy->id);
			md_resource(out, x);
			fputs(" | ", out);
			md_where(out, x);
			fputs(" | ", out);
			md_cell(out, x->waiver->reason);
			fputs(" | ", out);
			md_cell(out, x->waiver->approver);
			fputs(" | ", out);
			md_cell(out, x->waiver->expires);
			fputs(" |\n", out);
		}
		fputc('\n', out);
	}
	if (c[CAIRN_RESULT_UNDECIDED]) {
		fprintf(out, "#### Could not decide (%zu)\n\nThese need values known only after "
			     "apply; `cairn audit` judges them on the live stack.\n\n| Control | "
			     "Resource | Where | Why |\n|---|---|---|---|\n",
			c[CAIRN_RESULT_UNDECIDED]);
		for (i = 0; i < w->n; i++) {
			const cairn_policy_result *x = w->v[i];
			if (x->status != CAIRN_RESULT_UNDECIDED)
				continue;
			fprintf(out, "| `%s` | ", x->policy->id);
			md_resource(out, x);
			fputs(" | ", out);
			md_where(out, x);
			fputs(" | ", out);
			md_cell(out, x->message);
			fputs(" |\n", out);
		}
		fputc('\n', out);
	}
	if (c[CAIRN_RESULT_ERROR]) {
		fprintf(out, "#### Policy errors (%zu)\n\n", c[CAIRN_RESULT_ERROR]);
		for (i = 0; i < w->n; i++) {
			const cairn_policy_result *x = w->v[i];
			if (x->status != CAIRN_RESULT_ERROR)
				continue;
			fprintf(out, "- `%s`", x->policy->id);
			if (x->resource) {
				fputs(" on `", out);
				md_cell(out, x->resource);
				fputc('`', out);
			}
			fputs(": ", out);
			md_cell(out, x->message);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	fprintf(out, "<sub>cairn %s · %zu checks</sub>\n", CAIRN_VERSION, w->r->evaluations);
}

int cairn_policy_report_write(const cairn_policy_report *r, cairn_policy_format format,
			      FILE *out, const cairn_policy_write_options *opts)
{
	view w;
	view_init(&w, r, opts);
	switch (format) {
	case CAIRN_FORMAT_TEXT: write_text(&w, out); break;
	case CAIRN_FORMAT_JSON: write_json(&w, out); break;
	case CAIRN_FORMAT_SARIF: write_sarif(&w, out); break;
	case CAIRN_FORMAT_JUNIT: write_junit(&w, out); break;
	case CAIRN_FORMAT_MARKDOWN: write_markdown(&w, out); break;
	}
	view_dispose(&w);
	if (ferror(out))
		return cairn_error_set("cannot write the report: output error");
	return 0;
}
