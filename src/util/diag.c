/*
 * diag.c: the list of diagnostics about user input (see diag.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/diag.h"

void cairn_diags_add(cairn_diags *d, cairn_severity sev, const char *file,
		     int line, int col, const char *fmt, ...)
{
	va_list ap;
	cairn_diag *g;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = cairn_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	g = &d->v[d->n++];
	g->file = cairn_xstrdup(file ? file : "-");
	g->line = line;
	g->col = col;
	g->severity = sev;
	va_start(ap, fmt);
	g->message = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	if (sev == CAIRN_DIAG_ERROR)
		d->nerrors++;
}

static int cmp(const cairn_diag *x, const cairn_diag *y)
{
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

void cairn_diags_sort(cairn_diags *d)
{
	/* Insertion sort: stable, and diagnostics are few. */
	size_t i, j;
	for (i = 1; i < d->n; i++) {
		cairn_diag g = d->v[i];
		for (j = i; j > 0 && cmp(&d->v[j - 1], &g) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = g;
	}
}

void cairn_diags_print(const cairn_diags *d, FILE *out)
{
	size_t i;
	for (i = 0; i < d->n; i++) {
		const cairn_diag *g = &d->v[i];
		const char *w = g->severity == CAIRN_DIAG_WARNING ? "warning: " : "";
		if (g->line > 0)
			fprintf(out, "%s:%d:%d: %s%s\n", g->file, g->line, g->col, w, g->message);
		else
			fprintf(out, "%s: %s%s\n", g->file, w, g->message);
	}
}

void cairn_diags_dispose(cairn_diags *d)
{
	size_t i;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = d->nerrors = 0;
}
