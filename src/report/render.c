/*
 * render.c: drift and audit reports as text (a terminal), JSON (the .json
 * file) and Markdown (the .md file an auditor reads), and the commit
 * message that summarises them.
 *
 * Every renderer draws from a redacted copy of the report
 * (cairn__report_redacted) and its output goes through the redactor once
 * more before it is handed back, so no path from the model to the bytes
 * skips redaction.
 *
 * The Markdown is written for someone who has never seen cairn: after a
 * paragraph on what the statuses mean it opens with the summary table,
 * then what was checked (template and policies with their hashes, state
 * serial, cairn version), one section per failed control (resource,
 * template file and line, property, expected and actual values,
 * remediation, framework requirements), the controls that could not be
 * decided, the waived ones, every waiver with reason, approver and expiry,
 * the drift, the controls that passed, the policy files, and how to verify
 * the report. Values are shown as compact JSON in code spans
 * (so the string "true" and the boolean true differ), long ones as JSON
 * blocks. Text from the model is escaped, so a resource named `*x*` cannot
 * change the page's layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/* ---- Shared helpers -------------------------------------------------- */

/* Display names of the frameworks the packs map to; others print as
 * their key. */
static const struct {
	const char *key;
	const char *name;
} frameworks[] = {
	{"cis-aws-3.0", "CIS AWS Foundations Benchmark v3.0.0"},
	{"cis-aws-2.0", "CIS AWS Foundations Benchmark v2.0.0"},
	{"nist-800-53-r5", "NIST SP 800-53 Rev. 5"},
	{"nist-800-171-r2", "NIST SP 800-171 Rev. 2"},
	{"pci-dss-4.0", "PCI DSS v4.0"},
	{"iso-27001-2022", "ISO/IEC 27001:2022"},
	{"soc2", "SOC 2"},
	{"hipaa", "HIPAA Security Rule"},
	{"aws-fsbp", "AWS Foundational Security Best Practices"},
};

static const char *framework_name(const char *key)
{
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(frameworks); i++)
		if (strcmp(frameworks[i].key, key) == 0)
			return frameworks[i].name;
	return key;
}

/* A JSON value as compact text (caller frees); NULL: "(not set)". */
static char *value_text(const json_t *v)
{
	char *s;
	if (!v)
		return cairn_xstrdup("(not set)");
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!s)
		cairn_die("out of memory printing JSON");
	return s;
}

static char *value_pretty(const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_INDENT(2));
	if (!s)
		cairn_die("out of memory printing JSON");
	return s;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "2 modified, 1 deleted" for the drift entries that are not in sync; ""
 * when all are. */
static void drift_parts(cairn_buf *b, const cairn_report_summary *s)
{
	const char *sep = "";
	if (s->modified) {
		cairn_buf_printf(b, "%zu modified", s->modified);
		sep = ", ";
	}
	if (s->deleted) {
		cairn_buf_printf(b, "%s%zu deleted", sep, s->deleted);
		sep = ", ";
	}
	if (s->not_checked)
		cairn_buf_printf(b, "%s%zu not checked", sep, s->not_checked);
}

static void drift_line(cairn_buf *b, const cairn_report_summary *s)
{
	cairn_buf_printf(b, "%zu modified, %zu deleted, %zu not checked, %zu in sync", s->modified,
			 s->deleted, s->not_checked, s->in_sync);
}

static void controls_line(cairn_buf *b, const cairn_report_summary *s)
{
	cairn_buf_printf(b, "%zu failed, %zu not decided, %zu waived, %zu passed", s->failed,
			 s->not_decided, s->waived, s->passed);
}

static int sev_rank(const cairn_report_control *c)
{
	return (int)c->severity;
}

/* Controls with status st, most severe first, then by id. */
static size_t controls_with(const cairn_report *r, cairn_report_status st,
			    const cairn_report_control ***out)
{
	const cairn_report_control **v = cairn_xcalloc(r->ncontrols + 1, sizeof(*v));
	size_t n = 0, i, j;
	for (i = 0; i < r->ncontrols; i++)
		if (r->controls[i]->status == st)
			v[n++] = r->controls[i];
	/* Insertion sort: stable, and the input is already in id order. */
	for (i = 1; i < n; i++) {
		const cairn_report_control *x = v[i];
		for (j = i; j > 0 && sev_rank(v[j - 1]) > sev_rank(x); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	*out = v;
	return n;
}

static const cairn_report_waiver *waiver_for(const cairn_report *r, const char *control,
					     const char *resource)
{
	size_t i;
	for (i = 0; i < r->nwaivers; i++) {
		const char *wr = r->waivers[i]->resource;
		if (strcmp(r->waivers[i]->control, control) == 0 &&
		    (wr && resource ? strcmp(wr, resource) == 0 : wr == resource))
			return r->waivers[i];
	}
	return NULL;
}

/* ---- Text ------------------------------------------------------------ */

typedef struct tctx {
	cairn_buf *b;
	int color;
} tctx;

static const char *c_on(const tctx *t, const char *code)
{
	static char buf[16];
	if (!t->color)
		return "";
	snprintf(buf, sizeof(buf), "\033[%sm", code);
	return buf;
}

static const char *c_off(const tctx *t)
{
	return t->color ? "\033[0m" : "";
}

static void text_loc(cairn_buf *b, const cairn_report_location *l)
{
	if (!l->file)
		return;
	cairn_buf_printf(b, " %s", l->file);
	if (l->line) {
		cairn_buf_printf(b, ":%d", l->line);
		if (l->col)
			cairn_buf_printf(b, ":%d", l->col);
	}
}

static void text_header(tctx *t, const cairn_report *r, const char *what)
{
	cairn_buf *b = t->b;
	cairn_buf_printf(b, "%s%s for stack %s%s\n", c_on(t, "1"), what, r->stack, c_off(t));
	cairn_buf_printf(b, "  template %s (sha256 %.12s)", r->template_path, r->template_sha256);
	if (r->kind == CAIRN_REPORT_AUDIT)
		cairn_buf_printf(b, ", %zu policy %s (sha256 %.12s)", r->npolicies,
				 plural(r->npolicies, "file", "files"),
				 *r->policies_sha256 ? r->policies_sha256 : "-");
	if (r->state_serial >= 0)
		cairn_buf_printf(b, ", state serial %lld", r->state_serial);
	cairn_buf_putc(b, '\n');
	if (r->kind == CAIRN_REPORT_AUDIT && r->nregions)
		cairn_buf_printf(b, "  account settings read in %zu %s (%s%s)\n", r->nregions,
				 plural(r->nregions, "region", "regions"), r->regions[0],
				 r->nregions > 1 ? ", ..." : "");
	if (r->generated_at)
		cairn_buf_printf(b, "  generated at %s by cairn %s\n", r->generated_at, r->version);
	cairn_buf_putc(b, '\n');
}

static void text_drift_entries(tctx *t, const cairn_report *r, int all)
{
	cairn_buf *b = t->b;
	size_t i, j;
	int any = 0;
	for (i = 0; i < r->ndrift; i++) {
		const cairn_report_drift *d = r->drift[i];
		const char *mark = "~", *col = "33";
		if (d->status == CAIRN_DRIFT_IN_SYNC && !all)
			continue;
		any = 1;
		switch (d->status) {
		case CAIRN_DRIFT_IN_SYNC: mark = " "; col = "32"; break;
		case CAIRN_DRIFT_MODIFIED: mark = "~"; col = "33"; break;
		case CAIRN_DRIFT_DELETED: mark = "-"; col = "31"; break;
		case CAIRN_DRIFT_NOT_CHECKED: mark = "?"; col = "35"; break;
		}
		cairn_buf_printf(b, "%s%s %s%s (%s)", c_on(t, col), mark, d->logical_id, c_off(t),
				 d->type);
		if (d->physical_id)
			cairn_buf_printf(b, " %s", d->physical_id);
		cairn_buf_printf(b, ": %s%s%s", c_on(t, col), cairn_drift_status_name(d->status),
				 c_off(t));
		if (d->reason)
			cairn_buf_printf(b, ": %s", d->reason);
		cairn_buf_putc(b, '\n');
		for (j = 0; j < d->ndiffs; j++) {
			char *e = value_text(d->diffs[j]->expected), *a = value_text(d->diffs[j]->actual);
			cairn_buf_printf(b, "    %s: expected %s, actual %s\n", d->diffs[j]->path, e, a);
			free(e);
			free(a);
		}
	}
	if (any)
		cairn_buf_putc(b, '\n');
}

static void text_drift(tctx *t, const cairn_report *r, unsigned flags)
{
	cairn_report_summary s;
	cairn_report_summarize(r, &s);
	text_header(t, r, "Drift");
	text_drift_entries(t, r, flags & CAIRN_REPORT_ALL);
	cairn_buf_puts(t->b, "Drift: ");
	drift_line(t->b, &s);
	cairn_buf_puts(t->b, ".\n");
}

static const char *status_label(cairn_report_status s)
{
	switch (s) {
	case CAIRN_REPORT_PASSED: return "PASSED";
	case CAIRN_REPORT_FAILED: return "FAILED";
	case CAIRN_REPORT_WAIVED: return "WAIVED";
	case CAIRN_REPORT_NOT_DECIDED: return "NOT DECIDED";
	}
	return "?";
}

static const char *status_color(cairn_report_status s)
{
	switch (s) {
	case CAIRN_REPORT_PASSED: return "32";
	case CAIRN_REPORT_FAILED: return "31";
	case CAIRN_REPORT_WAIVED: return "36";
	case CAIRN_REPORT_NOT_DECIDED: return "33";
	}
	return "0";
}

static void text_control(tctx *t, const cairn_report *r, const cairn_report_control *c)
{
	cairn_buf *b = t->b;
	size_t i;
	cairn_buf_printf(b, "%s%-11s%s %s [%s] %s\n", c_on(t, status_color(c->status)),
			 status_label(c->status), c_off(t), c->id,
			 cairn_report_severity_name(c->severity), c->title);
	for (i = 0; i < c->nfindings; i++) {
		const cairn_report_finding *f = c->findings[i];
		const cairn_report_waiver *w = waiver_for(r, c->id, f->resource);
		cairn_buf_printf(b, "  %s%s%s ", c_on(t, status_color(f->status)),
				 f->status == CAIRN_REPORT_FAILED   ? "x"
				 : f->status == CAIRN_REPORT_WAIVED ? "w"
								    : "?",
				 c_off(t));
		if (f->resource)
			cairn_buf_printf(b, "%s (%s)", f->resource, f->type ? f->type : "resource");
		else
			cairn_buf_puts(b, "account");
		if (f->subject)
			cairn_buf_printf(b, " [%s]", f->subject);
		text_loc(b, &f->loc);
		if (f->path)
			cairn_buf_printf(b, ": %s", f->path);
		cairn_buf_printf(b, ": %s\n", f->message);
		if (f->expected && f->actual) {
			char *e = value_text(f->expected), *a = value_text(f->actual);
			cairn_buf_printf(b, "      expected %s, actual %s\n", e, a);
			free(e);
			free(a);
		} else if (f->expected || f->actual) {
			/* a policy names the value at fault, not always the one it wants */
			char *e = value_text(f->expected ? f->expected : f->actual);
			cairn_buf_printf(b, "      %s %s\n", f->expected ? "expected" : "found", e);
			free(e);
		}
		if (w && f->status == CAIRN_REPORT_WAIVED)
			cairn_buf_printf(b, "      waived by %s until %s: %s\n", w->approver, w->expires,
					 w->reason);
		else if (w && w->status == CAIRN_REPORT_WAIVER_EXPIRED &&
			 f->status == CAIRN_REPORT_FAILED)
			cairn_buf_printf(b, "      the waiver approved by %s expired on %s\n",
					 w->approver, w->expires);
	}
	if (c->status == CAIRN_REPORT_FAILED && c->remediation)
		cairn_buf_printf(b, "  fix: %s\n", c->remediation);
}

static void text_audit(tctx *t, const cairn_report *r, unsigned flags)
{
	static const cairn_report_status order[] = {CAIRN_REPORT_FAILED, CAIRN_REPORT_NOT_DECIDED,
						     CAIRN_REPORT_WAIVED, CAIRN_REPORT_PASSED};
	cairn_buf *b = t->b;
	cairn_report_summary s;
	size_t i, k;
	int any = 0;

	cairn_report_summarize(r, &s);
	text_header(t, r, "Audit");
	for (k = 0; k < CAIRN_ARRAY_SIZE(order); k++) {
		const cairn_report_control **v;
		size_t n;
		if (order[k] == CAIRN_REPORT_PASSED && !(flags & CAIRN_REPORT_ALL))
			continue;
		n = controls_with(r, order[k], &v);
		for (i = 0; i < n; i++) {
			text_control(t, r, v[i]);
			any = 1;
		}
		free(v);
	}
	if (any)
		cairn_buf_putc(b, '\n');
	if (r->nwaivers) {
		cairn_buf_printf(b, "Waivers: %zu (%zu applied, %zu unused, %zu expired)\n", s.waivers,
				 s.waivers_applied, s.waivers_unused, s.waivers_expired);
		for (i = 0; i < r->nwaivers; i++) {
			const cairn_report_waiver *w = r->waivers[i];
			cairn_buf_printf(b, "  %-7s %s on %s, approved by %s, expires %s: %s\n",
					 cairn_report_waiver_status_name(w->status), w->control,
					 w->resource ? w->resource : "the account (template level)",
					 w->approver, w->expires, w->reason);
		}
		cairn_buf_putc(b, '\n');
	}
	if (r->has_drift)
		text_drift_entries(t, r, flags & CAIRN_REPORT_ALL);
	cairn_buf_puts(b, "Controls: ");
	controls_line(b, &s);
	cairn_buf_puts(b, ".\n");
	if (r->has_drift) {
		cairn_buf_puts(b, "Drift: ");
		drift_line(b, &s);
		cairn_buf_puts(b, ".\n");
	}
}

/* ---- Markdown -------------------------------------------------------- */

/* Inline text, escaped so it cannot start markup; newlines become spaces
 * (and "<br>" would be markup, so it is not used). */
static void md_text(cairn_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '\\': case '`': case '*': case '_': case '[': case ']': case '<':
		case '>': case '|': case '#': case '~':
			cairn_buf_putc(b, '\\');
			cairn_buf_putc(b, *s);
			break;
		case '\n': case '\r': case '\t':
			cairn_buf_putc(b, ' ');
			break;
		default:
			cairn_buf_putc(b, *s);
		}
	}
}

/* An inline code span holding s exactly: the fence is longer than any
 * run of backticks inside; in a table '|' is escaped (GFM). */
static void md_code(cairn_buf *b, const char *s, int in_table)
{
	size_t run = 0, longest = 0, i;
	const char *p;
	for (p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (i = 0; i <= longest; i++)
		cairn_buf_putc(b, '`');
	if (*s == '`' || (*s && s[strlen(s) - 1] == '`') || *s == ' ')
		cairn_buf_putc(b, ' ');
	for (p = s; *p; p++) {
		if (*p == '\n' || *p == '\r')
			cairn_buf_putc(b, ' ');
		else if (*p == '|' && in_table)
			cairn_buf_puts(b, "\\|");
		else
			cairn_buf_putc(b, *p);
	}
	if (*s == '`' || (*s && s[strlen(s) - 1] == '`') || *s == ' ')
		cairn_buf_putc(b, ' ');
	for (i = 0; i <= longest; i++)
		cairn_buf_putc(b, '`');
}

/* A fenced block, fence longer than any backtick run inside. */
static void md_block(cairn_buf *b, const char *indent, const char *lang, const char *s)
{
	size_t run = 0, longest = 2, i;
	const char *p;
	for (p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	cairn_buf_puts(b, indent);
	for (i = 0; i <= longest; i++)
		cairn_buf_putc(b, '`');
	cairn_buf_printf(b, "%s\n%s", lang, indent);
	for (p = s; *p; p++) {
		cairn_buf_putc(b, *p);
		if (*p == '\n')
			cairn_buf_puts(b, indent);
	}
	cairn_buf_printf(b, "\n%s", indent);
	for (i = 0; i <= longest; i++)
		cairn_buf_putc(b, '`');
	cairn_buf_putc(b, '\n');
}

#define MD_SHORT 60 /* values up to this long go in a table cell */

static int md_short(const json_t *v)
{
	char *s = value_text(v);
	int ok = strlen(s) <= MD_SHORT;
	free(s);
	return ok;
}

/* A value in a table cell (short) or inline. */
static void md_value(cairn_buf *b, const json_t *v, int in_table)
{
	char *s;
	if (!v) {
		cairn_buf_puts(b, "*not set*");
		return;
	}
	s = value_text(v);
	md_code(b, s, in_table);
	free(s);
}

/* "- label: value" or a JSON block under the bullet for a long value. */
static void md_value_item(cairn_buf *b, const char *label, const json_t *v)
{
	cairn_buf_printf(b, "- %s:", label);
	if (!v || md_short(v)) {
		cairn_buf_putc(b, ' ');
		md_value(b, v, 0);
		cairn_buf_putc(b, '\n');
	} else {
		char *s = value_pretty(v);
		cairn_buf_putc(b, '\n');
		cairn_buf_putc(b, '\n');
		md_block(b, "  ", "json", s);
		cairn_buf_putc(b, '\n');
		free(s);
	}
}

static void md_where(cairn_buf *b, const cairn_report_location *l, int in_table)
{
	if (!l->file) {
		cairn_buf_puts(b, in_table ? "" : "not located in the template");
		return;
	}
	{
		char *s = l->line ? cairn_xasprintf("%s:%d", l->file, l->line)
				  : cairn_xstrdup(l->file);
		md_code(b, s, in_table);
		free(s);
	}
}

/* Ends b with exactly one blank line (nothing when b is empty). */
static void md_blank(cairn_buf *b)
{
	while (b->len > 0 && b->ptr[b->len - 1] == '\n')
		b->ptr[--b->len] = '\0';
	if (b->len > 0)
		cairn_buf_puts(b, "\n\n");
}

static void md_heading(cairn_buf *b, int level, const char *text)
{
	int i;
	md_blank(b);
	for (i = 0; i < level; i++)
		cairn_buf_putc(b, '#');
	cairn_buf_printf(b, " %s\n\n", text);
}

static void md_facts(cairn_buf *b, const cairn_report *r)
{
	md_heading(b, 2, "What was checked");
	cairn_buf_puts(b, "| Item | Value |\n|---|---|\n| Stack | ");
	md_code(b, r->stack, 1);
	cairn_buf_puts(b, " |\n| Template | ");
	md_code(b, r->template_path, 1);
	cairn_buf_printf(b, " |\n| Template SHA-256 | `%s` |\n", r->template_sha256);
	if (r->kind == CAIRN_REPORT_AUDIT) {
		if (r->npolicies)
			cairn_buf_printf(b, "| Policies SHA-256 | `%s` (%zu %s, listed under "
					    "[Policy files](#policy-files)) |\n",
					 r->policies_sha256, r->npolicies,
					 plural(r->npolicies, "file", "files"));
		else
			cairn_buf_puts(b, "| Policies | none evaluated |\n");
	}
	if (r->state_serial >= 0)
		cairn_buf_printf(b, "| State serial | %lld |\n", r->state_serial);
	if (r->kind == CAIRN_REPORT_AUDIT && r->nregions) {
		size_t i;
		cairn_buf_printf(b, "| Account settings read in | %zu %s: ", r->nregions,
				 plural(r->nregions, "region", "regions"));
		for (i = 0; i < r->nregions; i++) {
			if (i)
				cairn_buf_puts(b, ", ");
			md_text(b, r->regions[i]);
		}
		cairn_buf_puts(b, " |\n");
	}
	cairn_buf_puts(b, "| cairn version | ");
	md_code(b, r->version, 1);
	cairn_buf_puts(b, " |\n");
	if (r->generated_at)
		cairn_buf_printf(b, "| Generated at | %s |\n", r->generated_at);
}

static void md_resource_name(cairn_buf *b, const char *id, const char *type, int in_table)
{
	md_code(b, id, in_table);
	if (type) {
		cairn_buf_puts(b, " (");
		md_code(b, type, in_table);
		cairn_buf_putc(b, ')');
	}
}

static void md_diffs(cairn_buf *b, const cairn_report_drift *d)
{
	size_t i;
	int all_short = 1;
	for (i = 0; i < d->ndiffs; i++)
		if (!md_short(d->diffs[i]->expected) || !md_short(d->diffs[i]->actual))
			all_short = 0;
	if (all_short) {
		cairn_buf_puts(b, "| Property | Expected (last applied) | Actual (live) |\n"
				  "|---|---|---|\n");
		for (i = 0; i < d->ndiffs; i++) {
			cairn_buf_puts(b, "| ");
			md_code(b, d->diffs[i]->path, 1);
			cairn_buf_puts(b, " | ");
			md_value(b, d->diffs[i]->expected, 1);
			cairn_buf_puts(b, " | ");
			md_value(b, d->diffs[i]->actual, 1);
			cairn_buf_puts(b, " |\n");
		}
		return;
	}
	for (i = 0; i < d->ndiffs; i++) {
		cairn_buf_puts(b, "Property ");
		md_code(b, d->diffs[i]->path, 0);
		cairn_buf_puts(b, ":\n\n");
		md_value_item(b, "Expected (last applied)", d->diffs[i]->expected);
		md_value_item(b, "Actual (live)", d->diffs[i]->actual);
		cairn_buf_putc(b, '\n');
	}
}

static void md_drift_table(cairn_buf *b, const cairn_report *r, cairn_drift_status only,
			   int with_reason)
{
	size_t i;
	cairn_buf_printf(b, "| Resource | Type | Physical id | %s |\n|---|---|---|---|\n",
			 with_reason ? "Why" : "Template");
	for (i = 0; i < r->ndrift; i++) {
		const cairn_report_drift *d = r->drift[i];
		if (d->status != only)
			continue;
		cairn_buf_puts(b, "| ");
		md_code(b, d->logical_id, 1);
		cairn_buf_puts(b, " | ");
		md_code(b, d->type, 1);
		cairn_buf_puts(b, " | ");
		if (d->physical_id)
			md_code(b, d->physical_id, 1);
		cairn_buf_puts(b, " | ");
		if (with_reason)
			md_text(b, d->reason);
		else
			md_where(b, &d->loc, 1);
		cairn_buf_puts(b, " |\n");
	}
}

static void md_drift_summary_table(cairn_buf *b, const cairn_report_summary *s)
{
	cairn_buf_printf(b,
			 "| Drift status | Resources | Meaning |\n"
			 "|---|---:|---|\n"
			 "| Modified | %zu | a property was changed outside cairn since the last "
			 "apply |\n"
			 "| Deleted | %zu | the resource no longer exists in AWS |\n"
			 "| Not checked | %zu | cairn could not read it; the reason is given |\n"
			 "| In sync | %zu | the live values equal the values last applied |\n"
			 "| **Total** | **%zu** | |\n",
			 s->modified, s->deleted, s->not_checked, s->in_sync, s->resources);
}

/* The drift sections; level is the heading level of each section. */
static void md_drift_body(cairn_buf *b, const cairn_report *r, int level)
{
	cairn_report_summary s;
	size_t i;
	cairn_report_summarize(r, &s);
	if (s.resources == 0) {
		cairn_buf_puts(b, "The state records no resource, so there was nothing to compare.\n");
		return;
	}
	if (s.modified + s.deleted + s.not_checked == 0)
		cairn_buf_printf(b, "Every resource (%zu) is in sync: no drift.\n", s.resources);
	if (s.modified) {
		md_heading(b, level, "Modified resources");
		cairn_buf_puts(b, "Each property below differs between the value cairn last applied "
				  "from the template (expected) and the value read from AWS (actual).\n");
		for (i = 0; i < r->ndrift; i++) {
			const cairn_report_drift *d = r->drift[i];
			cairn_buf heading = CAIRN_BUF_INIT;
			if (d->status != CAIRN_DRIFT_MODIFIED)
				continue;
			md_resource_name(&heading, d->logical_id, d->type, 0);
			md_heading(b, level + 1, cairn_buf_cstr(&heading));
			cairn_buf_dispose(&heading);
			if (d->physical_id) {
				cairn_buf_puts(b, "Physical id ");
				md_code(b, d->physical_id, 0);
				cairn_buf_puts(b, "; ");
			}
			cairn_buf_puts(b, "declared at ");
			md_where(b, &d->loc, 0);
			cairn_buf_puts(b, ".\n\n");
			md_diffs(b, d);
		}
	}
	if (s.deleted) {
		md_heading(b, level, "Deleted resources");
		cairn_buf_puts(b, "These resources are recorded in cairn's state but no longer exist "
				  "in AWS.\n\n");
		md_drift_table(b, r, CAIRN_DRIFT_DELETED, 0);
	}
	if (s.not_checked) {
		md_heading(b, level, "Resources not checked");
		cairn_buf_puts(b, "cairn could not compare these resources; they may or may not "
				  "have drifted.\n\n");
		md_drift_table(b, r, CAIRN_DRIFT_NOT_CHECKED, 1);
	}
	md_heading(b, level, "All resources");
	cairn_buf_puts(b, "| Resource | Type | Physical id | Drift status |\n|---|---|---|---|\n");
	for (i = 0; i < r->ndrift; i++) {
		const cairn_report_drift *d = r->drift[i];
		cairn_buf_puts(b, "| ");
		md_code(b, d->logical_id, 1);
		cairn_buf_puts(b, " | ");
		md_code(b, d->type, 1);
		cairn_buf_puts(b, " | ");
		if (d->physical_id)
			md_code(b, d->physical_id, 1);
		cairn_buf_printf(b, " | %s |\n", cairn_drift_status_name(d->status));
	}
}

static void md_verify(cairn_buf *b, const cairn_report *r)
{
	md_heading(b, 2, "How to check this report");
	cairn_buf_puts(b, "The commit that added this file names what was checked in its trailers "
			  "(`git log -1 --format=%B -- <this file>`): `Cairn-Stack`, "
			  "`Cairn-Template-SHA256`");
	if (r->kind == CAIRN_REPORT_AUDIT)
		cairn_buf_puts(b, ", `Cairn-Policies-SHA256`");
	cairn_buf_puts(b, ", `Cairn-State-Serial` and `Cairn-Version`. `sha256sum` of the template "
			  "must print the template SHA-256 above");
	if (r->kind == CAIRN_REPORT_AUDIT && r->npolicies)
		cairn_buf_puts(b, ", and `sha256sum FILE... | LC_ALL=C sort | sha256sum` over the "
				  "policy files listed, run with the paths shown, must print the "
				  "policies SHA-256");
	cairn_buf_puts(b, ". cairn's auditor's guide (docs/auditors.md) explains every section and "
			  "how to run the check again on the same files.\n");
}

static void md_drift(cairn_buf *b, const cairn_report *r)
{
	cairn_report_summary s;
	cairn_report_summarize(r, &s);
	cairn_buf_puts(b, "# Drift report: ");
	md_code(b, r->stack, 0);
	cairn_buf_puts(b, "\n\ncairn read from AWS every resource of stack ");
	md_code(b, r->stack, 0);
	cairn_buf_puts(b, " that its state records and compared the live configuration with the "
			  "values cairn last applied from the template. Only the properties the "
			  "template sets are compared.\n");
	md_heading(b, 2, "Summary");
	md_drift_summary_table(b, &s);
	md_facts(b, r);
	cairn_buf_putc(b, '\n');
	md_drift_body(b, r, 2);
	md_verify(b, r);
}

static void md_frameworks(cairn_buf *b, const cairn_report_control *c)
{
	size_t i;
	const char *prev = NULL;
	if (c->nframeworks == 0) {
		cairn_buf_puts(b, "none mapped");
		return;
	}
	for (i = 0; i < c->nframeworks; i++) {
		const cairn_report_framework *f = c->frameworks[i];
		if (!prev || strcmp(prev, f->framework) != 0) {
			if (prev)
				cairn_buf_puts(b, "; ");
			md_text(b, framework_name(f->framework));
			cairn_buf_putc(b, ' ');
		} else {
			cairn_buf_puts(b, ", ");
		}
		md_text(b, f->id);
		prev = f->framework;
	}
}

static const char *finding_label(cairn_report_status s)
{
	switch (s) {
	case CAIRN_REPORT_FAILED: return "Failed";
	case CAIRN_REPORT_WAIVED: return "Waived";
	case CAIRN_REPORT_NOT_DECIDED: return "Not decided";
	case CAIRN_REPORT_PASSED: break;
	}
	return "Passed";
}

static void md_finding(cairn_buf *b, const cairn_report *r, const cairn_report_control *c,
		       const cairn_report_finding *f, size_t n)
{
	const cairn_report_waiver *w = waiver_for(r, c->id, f->resource);
	cairn_buf_printf(b, "**Finding %zu (%s).** ", n, finding_label(f->status));
	if (f->resource) {
		cairn_buf_puts(b, "Resource ");
		md_resource_name(b, f->resource, f->type, 0);
	} else {
		cairn_buf_puts(b, "The AWS account");
	}
	if (f->subject) {
		cairn_buf_puts(b, " (");
		md_text(b, f->subject);
		cairn_buf_puts(b, ")");
	}
	if (f->physical_id) {
		cairn_buf_puts(b, ", physical id ");
		md_code(b, f->physical_id, 0);
	}
	cairn_buf_puts(b, ".\n\n");
	cairn_buf_puts(b, "- Template: ");
	md_where(b, &f->loc, 0);
	cairn_buf_putc(b, '\n');
	if (f->path) {
		cairn_buf_puts(b, "- Property: ");
		md_code(b, f->path, 0);
		cairn_buf_putc(b, '\n');
	}
	if (f->expected)
		md_value_item(b, "Expected", f->expected);
	if (f->actual)
		md_value_item(b, f->expected ? "Actual" : "Value found", f->actual);
	cairn_buf_puts(b, f->status == CAIRN_REPORT_NOT_DECIDED ? "- Why not decided: "
								: "- Finding: ");
	md_text(b, f->message);
	cairn_buf_putc(b, '\n');
	if (w && f->status == CAIRN_REPORT_WAIVED) {
		cairn_buf_puts(b, "- Waived by ");
		md_text(b, w->approver);
		cairn_buf_puts(b, " until ");
		md_text(b, w->expires);
		cairn_buf_puts(b, ": ");
		md_text(b, w->reason);
		cairn_buf_putc(b, '\n');
	} else if (w && w->status == CAIRN_REPORT_WAIVER_EXPIRED &&
		   f->status != CAIRN_REPORT_NOT_DECIDED) {
		cairn_buf_puts(b, "- A waiver approved by ");
		md_text(b, w->approver);
		cairn_buf_puts(b, " expired on ");
		md_text(b, w->expires);
		cairn_buf_puts(b, " and no longer waives this finding.\n");
	}
	cairn_buf_putc(b, '\n');
}

static void md_control(cairn_buf *b, const cairn_report *r, const cairn_report_control *c)
{
	cairn_buf heading = CAIRN_BUF_INIT;
	size_t i;
	md_text(&heading, c->id);
	cairn_buf_puts(&heading, ": ");
	md_text(&heading, c->title);
	md_heading(b, 3, cairn_buf_cstr(&heading));
	cairn_buf_dispose(&heading);
	cairn_buf_printf(b, "- Status: %s\n- Severity: %s\n- Frameworks: ",
			 finding_label(c->status), cairn_report_severity_name(c->severity));
	md_frameworks(b, c);
	cairn_buf_printf(b, "\n- Findings: %zu\n\n", c->nfindings);
	for (i = 0; i < c->nfindings; i++)
		md_finding(b, r, c, c->findings[i], i + 1);
	if (c->remediation && c->status != CAIRN_REPORT_WAIVED) {
		cairn_buf_puts(b, "**Remediation.** ");
		md_text(b, c->remediation);
		cairn_buf_puts(b, "\n");
	}
}

static void md_control_section(cairn_buf *b, const cairn_report *r, cairn_report_status st,
			       const char *title, const char *intro, const char *none)
{
	const cairn_report_control **v;
	size_t n = controls_with(r, st, &v), i;
	md_heading(b, 2, title);
	if (n == 0) {
		cairn_buf_printf(b, "%s\n", none);
	} else {
		cairn_buf_printf(b, "%s\n", intro);
		for (i = 0; i < n; i++)
			md_control(b, r, v[i]);
	}
	free(v);
}

static void md_audit(cairn_buf *b, const cairn_report *r)
{
	cairn_report_summary s;
	const cairn_report_control **v;
	size_t i, n;

	cairn_report_summarize(r, &s);
	cairn_buf_puts(b, "# Compliance audit: ");
	md_code(b, r->stack, 0);
	cairn_buf_puts(b, "\n\ncairn evaluated the controls below (one policy each) on the live "
			  "AWS configuration of the resources in stack ");
	md_code(b, r->stack, 0);
	if (r->has_drift)
		cairn_buf_puts(b, ", and compared that configuration with the values last applied "
				  "from the template (drift)");
	cairn_buf_puts(b, ". A control **passed** when nothing it checks is wrong, **failed** "
			  "when at least one finding is neither fixed nor waived, is **waived** "
			  "when every failure is covered by an approved, unexpired waiver, and is "
			  "**not decided** when cairn could not obtain a value it needs.\n");

	md_heading(b, 2, "Summary");
	cairn_buf_printf(b,
			 "| Result | Count |\n"
			 "|---|---:|\n"
			 "| Controls failed | %zu |\n"
			 "| Controls not decided | %zu |\n"
			 "| Controls waived | %zu |\n"
			 "| Controls passed | %zu |\n"
			 "| **Controls evaluated** | **%zu** |\n",
			 s.failed, s.not_decided, s.waived, s.passed, s.controls);
	cairn_buf_printf(b, "| Waivers (applied, unused, expired) | %zu (%zu, %zu, %zu) |\n",
			 s.waivers, s.waivers_applied, s.waivers_unused, s.waivers_expired);
	if (r->has_drift)
		cairn_buf_printf(b,
				 "| Resources modified since the last apply | %zu |\n"
				 "| Resources deleted since the last apply | %zu |\n"
				 "| Resources not checked for drift | %zu |\n"
				 "| Resources in sync | %zu |\n",
				 s.modified, s.deleted, s.not_checked, s.in_sync);
	md_facts(b, r);

	md_control_section(b, r, CAIRN_REPORT_FAILED, "Failed controls",
			   "Most severe first. Each finding names the resource (or, for the "
			   "account, what it is about), where it is written in the template, "
			   "the property at fault and the value found in AWS.",
			   "No control failed.");
	md_control_section(b, r, CAIRN_REPORT_NOT_DECIDED, "Controls not decided",
			   "cairn could not decide these controls; each finding says why. They "
			   "are neither passed nor failed.",
			   "Every control was decided.");
	md_control_section(b, r, CAIRN_REPORT_WAIVED, "Waived controls",
			   "These controls fail, but every failure is covered by a waiver "
			   "written in the template, with a reason, an approver and an expiry.",
			   "No control is waived.");

	md_heading(b, 2, "Waivers");
	if (r->nwaivers == 0) {
		cairn_buf_puts(b, "The template declares no waiver.\n");
	} else {
		cairn_buf_puts(b, "Every waiver the template declares. **applied**: it waives a "
				  "failure in this report; **unused**: in force, but nothing it covers "
				  "fails; **expired**: past its expiry, it waives nothing.\n\n"
				  "| Control | Resource | Reason | Approver | Expires | Status | "
				  "Template |\n|---|---|---|---|---|---|---|\n");
		for (i = 0; i < r->nwaivers; i++) {
			const cairn_report_waiver *w = r->waivers[i];
			cairn_buf_puts(b, "| ");
			md_text(b, w->control);
			cairn_buf_puts(b, " | ");
			if (w->resource)
				md_code(b, w->resource, 1);
			else
				cairn_buf_puts(b, "the account (template level)");
			cairn_buf_puts(b, " | ");
			md_text(b, w->reason);
			cairn_buf_puts(b, " | ");
			md_text(b, w->approver);
			cairn_buf_puts(b, " | ");
			md_text(b, w->expires);
			cairn_buf_printf(b, " | %s | ", cairn_report_waiver_status_name(w->status));
			md_where(b, &w->loc, 1);
			cairn_buf_puts(b, " |\n");
		}
	}

	if (r->has_drift) {
		md_heading(b, 2, "Drift");
		md_drift_summary_table(b, &s);
		cairn_buf_putc(b, '\n');
		md_drift_body(b, r, 3);
	}

	md_heading(b, 2, "Passed controls");
	n = controls_with(r, CAIRN_REPORT_PASSED, &v);
	if (n == 0) {
		cairn_buf_puts(b, "No control passed.\n");
	} else {
		cairn_buf_puts(b, "| Control | Title | Severity | Frameworks |\n|---|---|---|---|\n");
		for (i = 0; i < n; i++) {
			cairn_buf_puts(b, "| ");
			md_text(b, v[i]->id);
			cairn_buf_puts(b, " | ");
			md_text(b, v[i]->title);
			cairn_buf_printf(b, " | %s | ", cairn_report_severity_name(v[i]->severity));
			md_frameworks(b, v[i]);
			cairn_buf_puts(b, " |\n");
		}
	}
	free(v);

	md_heading(b, 2, "Policy files");
	if (r->npolicies == 0) {
		cairn_buf_puts(b, "No policy file was evaluated.\n");
	} else {
		cairn_buf_puts(b, "| File | SHA-256 |\n|---|---|\n");
		for (i = 0; i < r->npolicies; i++) {
			cairn_buf_puts(b, "| ");
			md_code(b, r->policies[i]->path, 1);
			cairn_buf_printf(b, " | `%s` |\n", r->policies[i]->sha256);
		}
	}
	md_verify(b, r);
}

/* ---- Entry points ---------------------------------------------------- */

int cairn_report_format_parse(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "text") == 0)
		return CAIRN_REPORT_TEXT;
	if (strcmp(name, "json") == 0)
		return CAIRN_REPORT_JSON;
	if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
		return CAIRN_REPORT_MARKDOWN;
	return -1;
}

/* Appends tmp to out after the last redaction pass. */
static void finish_output(const cairn_report *r, cairn_buf *tmp, cairn_buf *out)
{
	cairn_redactor *red = cairn__report_redactor(r);
	cairn_redact_buf(red, tmp);
	cairn_redactor_free(red);
	cairn_buf_put(out, cairn_buf_cstr(tmp), tmp->len);
	cairn_buf_dispose(tmp);
}

int cairn_report_render(cairn_report *r, cairn_report_format fmt, unsigned flags,
			cairn_buf *out)
{
	cairn_report *c;
	cairn_buf tmp = CAIRN_BUF_INIT;
	int rc;

	if ((rc = cairn__report_redacted(r, &c)) < 0)
		return rc;
	switch (fmt) {
	case CAIRN_REPORT_TEXT: {
		tctx t = {&tmp, (flags & CAIRN_REPORT_COLOR) != 0};
		if (c->kind == CAIRN_REPORT_AUDIT)
			text_audit(&t, c, flags);
		else
			text_drift(&t, c, flags);
		break;
	}
	case CAIRN_REPORT_JSON: {
		/* c is the redacted copy. */
		json_t *doc = cairn__report_to_json_raw(c);
		char *s = json_dumps(doc, JSON_INDENT(2));
		json_decref(doc);
		if (!s)
			cairn_die("out of memory printing JSON");
		cairn_buf_puts(&tmp, s);
		cairn_buf_putc(&tmp, '\n');
		free(s);
		break;
	}
	case CAIRN_REPORT_MARKDOWN:
		if (c->kind == CAIRN_REPORT_AUDIT)
			md_audit(&tmp, c);
		else
			md_drift(&tmp, c);
		break;
	default:
		cairn__report_release(r, c);
		return cairn_error_setc(CAIRN_EINVALID, "report: unknown output format %d",
					(int)fmt);
	}
	cairn__report_release(r, c);
	finish_output(r, &tmp, out);
	return 0;
}

/* Up to max names from the list, then "and N more". */
static void name_list(cairn_buf *b, const char *const *names, size_t n, size_t max)
{
	size_t i;
	for (i = 0; i < n && i < max; i++)
		cairn_buf_printf(b, "%s%s", i ? ", " : "", names[i]);
	if (n > max)
		cairn_buf_printf(b, " and %zu more", n - max);
}

static void drift_names_line(cairn_buf *b, const cairn_report *r, cairn_drift_status st,
			     const char *label)
{
	const char **names = cairn_xcalloc(r->ndrift + 1, sizeof(char *));
	size_t n = 0, i;
	for (i = 0; i < r->ndrift; i++)
		if (r->drift[i]->status == st)
			names[n++] = r->drift[i]->logical_id;
	if (n) {
		cairn_buf_printf(b, "%s: ", label);
		name_list(b, names, n, 10);
		cairn_buf_puts(b, ".\n");
	}
	free(names);
}

int cairn_report_message(cairn_report *r, cairn_buf *out)
{
	cairn_report *c;
	cairn_buf m = CAIRN_BUF_INIT;
	cairn_report_summary s;
	int rc;
	size_t i;

	if ((rc = cairn__report_redacted(r, &c)) < 0)
		return rc;
	cairn_report_summarize(c, &s);

	/* Subject. */
	if (c->kind == CAIRN_REPORT_DRIFT) {
		cairn_buf_printf(&m, "drift: %s: ", c->stack);
		if (s.resources == 0)
			cairn_buf_puts(&m, "no resources");
		else if (s.modified + s.deleted + s.not_checked == 0)
			cairn_buf_printf(&m, "in sync (%zu %s)", s.resources,
					 plural(s.resources, "resource", "resources"));
		else
			drift_parts(&m, &s);
	} else {
		cairn_buf_printf(&m, "audit: %s: ", c->stack);
		if (s.failed)
			cairn_buf_printf(&m, "%zu failed, ", s.failed);
		if (s.not_decided)
			cairn_buf_printf(&m, "%zu not decided, ", s.not_decided);
		if (s.waived)
			cairn_buf_printf(&m, "%zu waived, ", s.waived);
		cairn_buf_printf(&m, "%zu passed", s.passed);
		if (c->has_drift) {
			if (s.modified + s.deleted + s.not_checked == 0) {
				cairn_buf_puts(&m, ", no drift");
			} else {
				cairn_buf_puts(&m, ", drift ");
				drift_parts(&m, &s);
			}
		}
	}

	/* Body. */
	cairn_buf_printf(&m, "\n\nStack %s, template %s.\n", c->stack, c->template_path);
	if (c->kind == CAIRN_REPORT_AUDIT) {
		const cairn_report_control **v;
		size_t n;
		cairn_buf_puts(&m, "\nControls: ");
		controls_line(&m, &s);
		cairn_buf_printf(&m, " (%zu evaluated).\n", s.controls);
		n = controls_with(c, CAIRN_REPORT_FAILED, &v);
		if (n) {
			cairn_buf_puts(&m, "Failed: ");
			for (i = 0; i < n && i < 10; i++)
				cairn_buf_printf(&m, "%s%s (%s)", i ? ", " : "", v[i]->id,
						 cairn_report_severity_name(v[i]->severity));
			if (n > 10)
				cairn_buf_printf(&m, " and %zu more", n - 10);
			cairn_buf_puts(&m, ".\n");
		}
		free(v);
		if (s.waivers)
			cairn_buf_printf(&m, "Waivers: %zu (%zu applied, %zu unused, %zu expired).\n",
					 s.waivers, s.waivers_applied, s.waivers_unused,
					 s.waivers_expired);
	}
	if (c->has_drift) {
		cairn_buf_puts(&m, "\nDrift: ");
		drift_line(&m, &s);
		cairn_buf_puts(&m, ".\n");
		drift_names_line(&m, c, CAIRN_DRIFT_MODIFIED, "Modified");
		drift_names_line(&m, c, CAIRN_DRIFT_DELETED, "Deleted");
		drift_names_line(&m, c, CAIRN_DRIFT_NOT_CHECKED, "Not checked");
	}
	cairn_buf_printf(&m, "\nRead reports/%s/%s.md; %s.json has the same for machines.\n",
			 c->stack, c->kind == CAIRN_REPORT_AUDIT ? "audit" : "drift",
			 c->kind == CAIRN_REPORT_AUDIT ? "audit" : "drift");

	/* Trailers. */
	cairn_buf_printf(&m, "\nCairn-Stack: %s\n", c->stack);
	cairn_buf_printf(&m, "Cairn-Template: %s\n", c->template_path);
	cairn_buf_printf(&m, "Cairn-Template-SHA256: %s\n", c->template_sha256);
	if (*c->policies_sha256)
		cairn_buf_printf(&m, "Cairn-Policies-SHA256: %s\n", c->policies_sha256);
	if (c->state_serial >= 0)
		cairn_buf_printf(&m, "Cairn-State-Serial: %lld\n", c->state_serial);
	cairn_buf_printf(&m, "Cairn-Version: %s\n", c->version);
	cairn__report_release(r, c);
	finish_output(r, &m, out);
	return 0;
}
