/*
 * fixture.c: `cairn policy test`: every policy's fixtures must pass and
 * fail as they say (see cairn_policy_test in policy.h).
 *
 * A policy's fixtures live in <pack>/fixtures/<id>/. The file name says
 * what must happen: pass* (no finding, and the policy did judge
 * something), fail* (findings; exactly those of its "# expect: Id Path"
 * lines when it has any), undecided* (could not decide, no finding).
 *
 * A fixture is either a template (top-level "Resources"), turned into a
 * stack document by the caller's load function (the stack loader), or a
 * stack document itself (top-level "resources"), written in YAML or JSON
 * and used as is: live when it says "live: true" or has account_data.
 * Documents are how a fixture describes a live stack, or resource types
 * the loader does not register yet; in YAML an unknown value is written
 * {Cairn::Unknown: !GetAtt Key.Arn}. JSON documents write expectations as
 * "Cairn::Expect": [["Id", "Path"], ...]. Only the fixture's own policy
 * runs on it.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/policy.h"
#include "cairn/template.h"
#include "sandbox.h"

typedef struct expect {
	char *resource;
	char *path;
	int seen;
} expect;

typedef struct expects {
	expect *v;
	size_t n, cap;
	int given;  /* the fixture has expectations */
} expects;

static void expects_add(expects *e, const char *res, const char *path)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->v = cairn_xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	e->v[e->n].resource = cairn_xstrdup(res);
	e->v[e->n].path = cairn_xstrdup(path);
	e->v[e->n].seen = 0;
	e->n++;
	e->given = 1;
}

static void expects_dispose(expects *e)
{
	size_t i;
	for (i = 0; i < e->n; i++) {
		free(e->v[i].resource);
		free(e->v[i].path);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* "# expect: LogicalId Properties.Path" lines (path may be absent: the
 * resource itself). */
static void parse_expect_lines(const char *text, expects *e)
{
	const char *p = text;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *q = p;
		while (q < p + len && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(p + len - q) > 9 && strncmp(q, "# expect:", 9) == 0) {
			char *line = cairn_xstrndup(q + 9, (size_t)(p + len - q - 9));
			char *res = strtok(line, " \t\r");
			char *path = res ? strtok(NULL, " \t\r") : NULL;
			if (res)
				expects_add(e, res, path ? path : "");
			free(line);
		}
		p = eol ? eol + 1 : NULL;
	}
}

static void parse_expect_json(const json_t *doc, expects *e)
{
	const json_t *list = json_object_get(doc, "Cairn::Expect"), *x;
	size_t i;
	json_array_foreach(list, i, x) {
		const json_t *r = json_array_get(x, 0), *p = json_array_get(x, 1);
		if (json_is_string(r))
			expects_add(e, json_string_value(r), json_is_string(p) ? json_string_value(p) : "");
	}
	if (list)
		e->given = 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_dir(const char *dir, size_t *n)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	if (!dh)
		return NULL;
	while ((de = readdir(dh)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = cairn_xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = cairn_xstrdup(de->d_name);
	}
	closedir(dh);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

typedef enum { WANT_PASS, WANT_FAIL, WANT_UNDECIDED } want;

/* Runs one fixture; returns 1 when it holds. why receives the reason. */
static int run_fixture(const cairn_policy_set *set, const cairn_policy *p, const char *path,
		       want w, cairn_policy_load_fn load, void *load_ud, cairn_buf *why)
{
	cairn_policy_run_options o;
	cairn_policy_report rep = CAIRN_POLICY_REPORT_INIT;
	cairn_diags d = CAIRN_DIAGS_INIT;
	json_t *doc = NULL;
	void *loc_ud = NULL;
	void (*release)(void *) = NULL;
	expects ex = {NULL, 0, 0, 0};
	char *text = NULL;
	size_t len, i, nfail = 0, nund = 0, nerr = 0, njudged = 0;
	int ok = 1;

	memset(&o, 0, sizeof(o));
	if (cairn_file_read(path, &text, &len) < 0) {
		cairn_buf_printf(why, "%s", cairn_error_last());
		return 0;
	}
	if (ends_with(path, ".json")) {
		json_error_t je;
		doc = json_loads(text, 0, &je);
		if (!doc) {
			cairn_buf_printf(why, "%s:%d: %s", path, je.line, je.text);
			free(text);
			return 0;
		}
	} else {
		cairn_template *t = NULL;
		cairn_diags td = CAIRN_DIAGS_INIT;
		if (cairn_template_parse(&t, path, text, len, &td) < 0) {
			cairn_buf_printf(why, "%s:%d:%d: %s", path, td.n ? td.v[0].line : 0,
					 td.n ? td.v[0].col : 0, td.n ? td.v[0].message : "does not parse");
			cairn_diags_dispose(&td);
			free(text);
			return 0;
		}
		cairn_diags_dispose(&td);
		doc = json_incref(cairn_template_root(t));
		cairn_template_free(t);
	}
	if (!json_is_object(json_object_get(doc, "resources"))) {
		json_decref(doc);
		doc = NULL;
	}
	if (doc) {
		parse_expect_json(doc, &ex);
		parse_expect_lines(text, &ex);
		o.live = json_is_true(json_object_get(doc, "live")) ||
			 json_is_object(json_object_get(doc, "account_data"));
	} else {
		parse_expect_lines(text, &ex);
		if (!load) {
			cairn_buf_puts(why, "a template fixture needs the stack loader");
			ok = 0;
			goto out;
		}
		if (load(load_ud, path, &doc, &o.locate, &loc_ud, &release) < 0) {
			cairn_buf_printf(why, "cannot load the template: %s", cairn_error_last());
			ok = 0;
			goto out;
		}
		o.locate_ud = loc_ud;
	}
	if (cairn_policy_run_one(set, p, doc, &o, &rep, &d) < 0 || d.nerrors) {
		cairn_buf_puts(why, "invalid waivers:");
		for (i = 0; i < d.n; i++)
			cairn_buf_printf(why, " %s:%d: %s;", d.v[i].file, d.v[i].line, d.v[i].message);
		ok = 0;
		goto out;
	}
	for (i = 0; i < rep.n; i++) {
		const cairn_policy_result *r = &rep.v[i];
		switch (r->status) {
		case CAIRN_RESULT_FAIL:
			nfail++;
			break;
		case CAIRN_RESULT_UNDECIDED:
			nund++;
			break;
		case CAIRN_RESULT_ERROR:
			nerr++;
			cairn_buf_printf(why, "error: %s; ", r->message);
			break;
		default:
			njudged++;
			break;
		}
	}
	if (nerr) {
		ok = 0;
		goto out;
	}
	switch (w) {
	case WANT_PASS:
		if (nfail || nund) {
			ok = 0;
			for (i = 0; i < rep.n; i++)
				if (rep.v[i].status == CAIRN_RESULT_FAIL ||
				    rep.v[i].status == CAIRN_RESULT_UNDECIDED)
					cairn_buf_printf(why, "unexpected %s %s %s: %s; ",
							 cairn_policy_status_name(rep.v[i].status),
							 rep.v[i].resource ? rep.v[i].resource : "(stack)",
							 rep.v[i].path, rep.v[i].message);
		} else if (njudged == 0) {
			ok = 0;
			cairn_buf_puts(why, "the policy judged nothing in this fixture (wrong resource "
					    "types, or live-only on a planned document?)");
		}
		break;
	case WANT_UNDECIDED:
		if (nfail || nund == 0) {
			ok = 0;
			cairn_buf_printf(why, "expected could-not-decide and no finding; got %zu "
					      "finding(s), %zu undecided", nfail, nund);
		}
		break;
	case WANT_FAIL:
		if (nfail == 0) {
			ok = 0;
			cairn_buf_puts(why, "expected findings, got none");
			break;
		}
		if (!ex.given)
			break;
		for (i = 0; i < rep.n; i++) {
			const cairn_policy_result *r = &rep.v[i];
			size_t k;
			int matched = 0;
			if (r->status != CAIRN_RESULT_FAIL)
				continue;
			for (k = 0; k < ex.n; k++) {
				if (!ex.v[k].seen && strcmp(ex.v[k].resource, r->resource ? r->resource : "-") == 0 &&
				    strcmp(ex.v[k].path, r->path) == 0) {
					ex.v[k].seen = matched = 1;
					break;
				}
			}
			if (!matched) {
				ok = 0;
				cairn_buf_printf(why, "unexpected finding %s %s: %s; ",
						 r->resource ? r->resource : "-", r->path, r->message);
			}
		}
		for (i = 0; i < ex.n; i++)
			if (!ex.v[i].seen) {
				ok = 0;
				cairn_buf_printf(why, "missing finding %s %s; ", ex.v[i].resource,
						 ex.v[i].path);
			}
		break;
	}
out:
	if (release)
		release(loc_ud);
	expects_dispose(&ex);
	cairn_policy_report_dispose(&rep);
	cairn_diags_dispose(&d);
	json_decref(doc);
	free(text);
	return ok;
}

int cairn_policy_test(const cairn_policy_set *set, const char *dir, cairn_policy_load_fn load,
		      void *load_ud, FILE *out, int verbose)
{
	size_t i, nfix = 0, nbad = 0, npol = 0, dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	for (i = 0; i < cairn_policy_set_count(set); i++) {
		const cairn_policy *p = cairn_policy_set_at(set, i);
		const char *slash = strrchr(p->file, '/');
		char *fdir, **files;
		size_t n, k, npass = 0, nfailfx = 0;

		if (strncmp(p->file, dir, dl) != 0 || (p->file[dl] != '/' && p->file[dl] != '\0'))
			continue;
		npol++;
		fdir = cairn_xasprintf("%.*s/fixtures/%s", slash ? (int)(slash - p->file) : 1,
				       slash ? p->file : ".", p->id);
		files = list_dir(fdir, &n);
		for (k = 0; k < n; k++) {
			const char *f = files[k];
			char *path;
			want w;
			cairn_buf why = CAIRN_BUF_INIT;
			int ok;
			if (!(ends_with(f, ".yaml") || ends_with(f, ".yml") || ends_with(f, ".json"))) {
				free(files[k]);
				continue;
			}
			if (strncmp(f, "pass", 4) == 0) {
				w = WANT_PASS;
				npass++;
			} else if (strncmp(f, "fail", 4) == 0) {
				w = WANT_FAIL;
				nfailfx++;
			} else if (strncmp(f, "undecided", 9) == 0) {
				w = WANT_UNDECIDED;
			} else {
				fprintf(out, "FAIL %-28s %s: a fixture's name starts with pass, fail or "
					     "undecided\n", p->id, f);
				nbad++;
				free(files[k]);
				continue;
			}
			path = cairn_xasprintf("%s/%s", fdir, f);
			ok = run_fixture(set, p, path, w, load, load_ud, &why);
			nfix++;
			if (!ok)
				nbad++;
			if (!ok || verbose)
				fprintf(out, "%s %-28s %s%s%s\n", ok ? "ok  " : "FAIL", p->id, f,
					ok ? "" : ": ", ok ? "" : cairn_buf_cstr(&why));
			cairn_buf_dispose(&why);
			free(path);
			free(files[k]);
		}
		free(files);
		if (npass == 0 || nfailfx == 0) {
			fprintf(out, "FAIL %-28s needs at least one pass and one fail fixture in %s\n",
				p->id, fdir);
			nbad++;
		}
		free(fdir);
	}
	fprintf(out, "policy test: %zu policies, %zu fixtures, %zu failed\n", npol, nfix, nbad);
	if (npol == 0) {
		fprintf(out, "policy test: no policies under %s\n", dir);
		return CAIRN_ERROR;
	}
	return nbad ? CAIRN_ERROR : 0;
}
