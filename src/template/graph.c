/*
 * graph.c: the dependency graph of a stack's resources.
 *
 * The edges are the dependencies check.c collected (Ref, Fn::GetAtt,
 * Fn::Sub, DependsOn), from a resource to what it depends on. This file
 *   - finds dependency cycles with Tarjan's algorithm (iterative, so a
 *     chain of 10,000 resources costs no C stack) and reports each
 *     strongly connected component once, as the shortest cycle through
 *     its first resource in template order: "A -> B -> C -> A", at A;
 *   - orders the resources with Kahn's algorithm, taking among the ready
 *     resources the one written first (a binary heap on template
 *     position), so the order is deterministic and O(E log V);
 *   - writes the graph as Graphviz DOT and as JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "internal.h"

/* The graph in compressed rows: out[i] = deps of i, in[i] = dependents. */
typedef struct graph {
	size_t n;
	size_t *out_off, *out;  /* out[out_off[i] .. out_off[i+1]) */
	size_t *in_off, *in;    /* in[in_off[i] .. in_off[i+1]) */
} graph;

static void graph_build(const cairn_stack *st, graph *g)
{
	size_t n = st->nres, i, j, e = 0;
	size_t *fill;
	g->n = n;
	g->out_off = cairn_xcalloc(n + 1, sizeof(size_t));
	g->in_off = cairn_xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n; i++) {
		for (j = 0; j < st->res[i].ndepends; j++) {
			json_t *x = json_object_get(st->res_index, st->res[i].depends[j]);
			if (x) {
				e++;
				g->in_off[json_integer_value(x) + 1]++;
			}
		}
		g->out_off[i + 1] = e;
	}
	for (i = 0; i < n; i++)
		g->in_off[i + 1] += g->in_off[i];
	g->out = cairn_xcalloc(e + 1, sizeof(size_t));
	g->in = cairn_xcalloc(e + 1, sizeof(size_t));
	fill = cairn_xcalloc(n + 1, sizeof(size_t));
	e = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < st->res[i].ndepends; j++) {
			json_t *x = json_object_get(st->res_index, st->res[i].depends[j]);
			if (x) {
				size_t d = (size_t)json_integer_value(x);
				g->out[e++] = d;
				g->in[g->in_off[d] + fill[d]++] = i;
			}
		}
	free(fill);
}

static void graph_free(graph *g)
{
	free(g->out_off);
	free(g->out);
	free(g->in_off);
	free(g->in);
}

/* The shortest path from m back to m through members of the component
 * (comp[x] == c), written into msg as "A -> B -> A". */
static void cycle_through(const cairn_stack *st, const graph *g, const size_t *comp, size_t c,
			  size_t m, cairn_buf *msg)
{
	size_t n = g->n, *parent = cairn_xmalloc(n * sizeof(size_t)), *queue = NULL;
	size_t qh = 0, qt = 0, i, found = (size_t)-1;
	unsigned char *seen = cairn_xcalloc(n, 1);
	queue = cairn_xmalloc((n + 1) * sizeof(size_t));
	for (i = g->out_off[m]; i < g->out_off[m + 1]; i++) {
		size_t d = g->out[i];
		if (d == m) {
			found = m;
			break;
		}
		if (comp[d] == c && !seen[d]) {
			seen[d] = 1;
			parent[d] = m;
			queue[qt++] = d;
		}
	}
	while (found == (size_t)-1 && qh < qt) {
		size_t v = queue[qh++];
		for (i = g->out_off[v]; i < g->out_off[v + 1]; i++) {
			size_t d = g->out[i];
			if (d == m) {
				found = v;
				break;
			}
			if (comp[d] == c && !seen[d]) {
				seen[d] = 1;
				parent[d] = v;
				queue[qt++] = d;
			}
		}
	}
	if (found == m) {
		cairn_buf_printf(msg, "%s -> %s", st->res[m].logical_id, st->res[m].logical_id);
	} else {
		/* path m -> ... -> found, then back to m */
		size_t len = 0, v;
		size_t *path = cairn_xmalloc((n + 1) * sizeof(size_t));
		for (v = found; v != m; v = parent[v])
			path[len++] = v;
		cairn_buf_puts(msg, st->res[m].logical_id);
		while (len > 0)
			cairn_buf_printf(msg, " -> %s", st->res[path[--len]].logical_id);
		cairn_buf_printf(msg, " -> %s", st->res[m].logical_id);
		free(path);
	}
	free(parent);
	free(queue);
	free(seen);
}

/* Tarjan's strongly connected components; reports every cycle. */
static size_t report_cycles(cairn_stack *st, const graph *g, cairn_diags *diags)
{
	size_t n = g->n, i, counter = 0, ncomp = 0, sp = 0, csp = 0, reported = 0;
	size_t *index = cairn_xmalloc((n + 1) * sizeof(size_t));
	size_t *low = cairn_xmalloc((n + 1) * sizeof(size_t));
	size_t *comp = cairn_xmalloc((n + 1) * sizeof(size_t));
	size_t *stack = cairn_xmalloc((n + 1) * sizeof(size_t));
	size_t *cv = cairn_xmalloc((n + 1) * sizeof(size_t));   /* call stack: node */
	size_t *ce = cairn_xmalloc((n + 1) * sizeof(size_t));   /* call stack: next edge */
	unsigned char *on = cairn_xcalloc(n + 1, 1);
	const size_t UNSEEN = (size_t)-1;

	for (i = 0; i < n; i++) {
		index[i] = UNSEEN;
		comp[i] = UNSEEN;
	}
	for (i = 0; i < n; i++) {
		if (index[i] != UNSEEN)
			continue;
		cv[0] = i;
		ce[0] = g->out_off[i];
		csp = 1;
		index[i] = low[i] = counter++;
		stack[sp++] = i;
		on[i] = 1;
		while (csp) {
			size_t v = cv[csp - 1];
			if (ce[csp - 1] < g->out_off[v + 1]) {
				size_t w = g->out[ce[csp - 1]++];
				if (index[w] == UNSEEN) {
					index[w] = low[w] = counter++;
					stack[sp++] = w;
					on[w] = 1;
					cv[csp] = w;
					ce[csp] = g->out_off[w];
					csp++;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			if (low[v] == index[v]) {
				size_t w, size = 0, first = v, self = 0, k;
				do {
					w = stack[--sp];
					on[w] = 0;
					comp[w] = ncomp;
					size++;
					if (w < first)
						first = w;
				} while (w != v);
				for (k = g->out_off[v]; k < g->out_off[v + 1]; k++)
					if (g->out[k] == v)
						self = 1;
				if (size > 1 || self) {
					cairn_buf msg = CAIRN_BUF_INIT;
					const cairn_resource *r = &st->res[first];
					cycle_through(st, g, comp, ncomp, first, &msg);
					cairn_diags_add(diags, CAIRN_DIAG_ERROR, st->file, r->line, r->col,
							"dependency cycle: %s (each resource depends on "
							"the next through Ref, Fn::GetAtt, Fn::Sub or "
							"DependsOn)", cairn_buf_cstr(&msg));
					cairn_buf_dispose(&msg);
					reported++;
				}
				ncomp++;
			}
			csp--;
			if (csp) {
				size_t u = cv[csp - 1];
				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
	free(index);
	free(low);
	free(comp);
	free(stack);
	free(cv);
	free(ce);
	free(on);
	return reported;
}

/* A binary min-heap of template positions. */
typedef struct heap {
	size_t *v, n;
} heap;

static void heap_push(heap *h, size_t x)
{
	size_t i = h->n++;
	while (i > 0 && h->v[(i - 1) / 2] > x) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = x;
}

static size_t heap_pop(heap *h)
{
	size_t top = h->v[0], x = h->v[--h->n], i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= x)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = x;
	return top;
}

void tpl_graph_order(cairn_stack *st, cairn_diags *diags)
{
	graph g;
	size_t n = st->nres, i, k = 0;
	size_t *indeg, *order;
	unsigned char *done;
	heap h;
	cairn_resource *res2;

	if (n == 0)
		return;
	graph_build(st, &g);
	report_cycles(st, &g, diags);

	indeg = cairn_xcalloc(n, sizeof(size_t));
	order = cairn_xmalloc(n * sizeof(size_t));
	done = cairn_xcalloc(n, 1);
	h.v = cairn_xmalloc(n * sizeof(size_t));
	h.n = 0;
	for (i = 0; i < n; i++) {
		indeg[i] = g.out_off[i + 1] - g.out_off[i];
		if (indeg[i] == 0)
			heap_push(&h, i);
	}
	while (h.n) {
		size_t v = heap_pop(&h), e;
		order[k++] = v;
		done[v] = 1;
		for (e = g.in_off[v]; e < g.in_off[v + 1]; e++) {
			size_t w = g.in[e];
			if (--indeg[w] == 0)
				heap_push(&h, w);
		}
	}
	/* resources on or behind a cycle (reported above) keep template order */
	for (i = 0; i < n; i++)
		if (!done[i])
			order[k++] = i;

	res2 = cairn_xcalloc(n + 1, sizeof(cairn_resource));
	for (i = 0; i < n; i++) {
		res2[i] = st->res[order[i]];
		st->tpl_order[i] = 0;
	}
	for (i = 0; i < n; i++) {
		st->tpl_order[order[i]] = i;
		json_object_set_new(st->res_index, res2[i].logical_id, json_integer((json_int_t)i));
	}
	free(st->res);
	st->res = res2;
	free(h.v);
	free(done);
	free(order);
	free(indeg);
	graph_free(&g);
}

/* ---- output ------------------------------------------------------------------- */

static void dot_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void cairn_stack_write_dot(const cairn_stack *s, FILE *out)
{
	size_t i, j;
	fputs("digraph ", out);
	dot_string(out, s->name);
	fputs(" {\n"
	      "  // edges point from a resource to the resources it depends on\n"
	      "  rankdir = \"RL\";\n"
	      "  node [shape = box, fontname = \"Helvetica\", fontsize = 10];\n", out);
	for (i = 0; i < s->nres; i++) {
		const cairn_resource *r = &s->res[i];
		fputs("  ", out);
		dot_string(out, r->logical_id);
		fputs(" [label = \"", out);
		fputs(r->logical_id, out);
		fputs("\\n", out);
		fputs(r->type, out);
		if (r->condition)
			fprintf(out, "\\nif %s%s", r->condition,
				r->enabled == 0 ? " (false)" : r->enabled < 0 ? " (not known)" : "");
		fputs("\"", out);
		if (r->enabled != 1)
			fputs(", style = dashed", out);
		fputs("];\n", out);
	}
	for (i = 0; i < s->nres; i++) {
		const cairn_resource *r = &s->res[i];
		for (j = 0; j < r->ndepends; j++) {
			fputs("  ", out);
			dot_string(out, r->logical_id);
			fputs(" -> ", out);
			dot_string(out, r->depends[j]);
			fputs(";\n", out);
		}
	}
	fputs("}\n", out);
}

int cairn_stack_graph_json(const cairn_stack *s, json_t **out)
{
	json_t *arr = json_array();
	size_t i, j;
	for (i = 0; i < s->nres; i++) {
		const cairn_resource *r = &s->res[i];
		json_t *deps = json_array();
		for (j = 0; j < r->ndepends; j++)
			json_array_append_new(deps, json_string(r->depends[j]));
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:i}", "logical_id",
				       r->logical_id, "type", r->type, "depends_on", deps, "condition",
				       r->condition ? json_string(r->condition) : json_null(),
				       "enabled",
				       r->enabled < 0 ? json_null() : json_boolean(r->enabled),
				       "line", r->line, "column", r->col));
	}
	*out = json_pack("{s:s, s:s, s:o}", "stack", s->name, "file", s->file, "resources", arr);
	return 0;
}
