/*
 * plan.c: the plan: what apply will do to each resource, shown to people
 * (Terraform-like), to programs (the JSON of docs/plan-format.md) and
 * saved to a file that apply can execute later (plan.h).
 *
 * A plan is a list of cairn_planned entries in apply order: every enabled
 * resource of the template in dependency order (creates, updates,
 * replacements and no-ops), then what is deleted (resources gone from the
 * template, deposed objects of unfinished replacements) in reverse
 * dependency order. The decision per resource is made in
 * cairn_plan_make (planmake section below) from three inputs: the stack's
 * desired properties, evaluated with what the state and the refresh know;
 * the state's record (the id, the properties applied last, pending creates
 * and deposed objects); and the live values the refresh read.
 *
 * A saved plan is the JSON plan plus what makes it safe to execute later:
 * the template's path and SHA-256, the parameter values and their hash,
 * the state's path, lineage and serial, the region and account. Apply of
 * a saved plan re-evaluates the desired properties from the same template
 * and parameters (so the values are the ones planned) and executes exactly
 * the planned actions; it is refused (CAIRN_ESTALE) when the state or the
 * template changed since. The file holds the parameter values, NoEcho
 * ones included, so it is written with mode 0600.
 *
 * NoEcho parameter values never reach any output: plan_make replaces them
 * by "(sensitive)" in every change it records (cairn_plan_mask).
 *
 * This module owns the cairn_plan and everything it points to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/engine.h"
#include "cairn/plan.h"
#include "cairn/stack.h"
#include "cairn/state.h"
#include "cairn/types.h"

#define PLAN_FILE_MAGIC "cairn-saved-plan"

static const char *action_names[] = {"no-op", "create", "update", "replace", "delete"};

const char *cairn_action_name(cairn_action a)
{
	return (unsigned)a < CAIRN_ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

int cairn_action_parse(const char *name)
{
	size_t i;
	for (i = 0; name && i < CAIRN_ARRAY_SIZE(action_names); i++)
		if (strcmp(name, action_names[i]) == 0)
			return (int)i;
	return -1;
}

static void planned_dispose(cairn_planned *e)
{
	free(e->logical_id);
	free(e->type);
	free(e->id);
	free(e->reason);
	json_decref(e->live);
	cairn_diff_dispose(&e->diff);
}

void cairn_plan_free(cairn_plan *p)
{
	size_t i;
	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		planned_dispose(&p->v[i]);
	free(p->v);
	if (p->targets) {
		char **t;
		for (t = p->targets; *t; t++)
			free(*t);
		free(p->targets);
	}
	free(p->stack);
	free(p->template_path);
	free(p->template_sha256);
	free(p->parameters_sha256);
	free(p->state_path);
	free(p->lineage);
	free(p->region);
	free(p->account);
	json_decref(p->parameters);
	json_decref(p->outputs);
	json_decref(p->noecho);
	free(p);
}

cairn_planned *cairn_plan_find(const cairn_plan *p, const char *logical_id)
{
	size_t i;
	for (i = 0; i < p->n; i++)
		if (!p->v[i].deposed && strcmp(p->v[i].logical_id, logical_id) == 0)
			return &p->v[i];
	return NULL;
}

void cairn_plan_counts(const cairn_plan *p, int *add, int *change, int *replace, int *destroy)
{
	size_t i;
	*add = *change = *replace = *destroy = 0;
	for (i = 0; i < p->n; i++) {
		const cairn_planned *e = &p->v[i];
		switch (e->action) {
		case CAIRN_ACTION_CREATE:
			(*add)++;
			break;
		case CAIRN_ACTION_UPDATE:
			(*change)++;
			break;
		case CAIRN_ACTION_REPLACE:
			(*replace)++;
			break;
		case CAIRN_ACTION_DELETE:
			if (!e->retain)
				(*destroy)++;
			break;
		default:
			break;
		}
	}
}

/* 1 when some output will be created, changed or removed. */
static int outputs_change(const cairn_plan *p)
{
	const char *k;
	json_t *x;
	json_object_foreach(p->outputs, k, x) {
		if (json_object_get(x, "change"))
			return 1;
	}
	return 0;
}

int cairn_plan_has_changes(const cairn_plan *p)
{
	size_t i;
	for (i = 0; i < p->n; i++)
		if (p->v[i].action != CAIRN_ACTION_NOOP || p->v[i].adopt)
			return 1;
	return outputs_change(p);
}

/* ---- masking --------------------------------------------------------------- */

static int mask_string(const char *s, const json_t *noecho)
{
	size_t i;
	for (i = 0; i < json_array_size(noecho); i++) {
		const char *secret = json_string_value(json_array_get(noecho, i));
		if (secret && *secret && strstr(s, secret))
			return 1;
	}
	return 0;
}

int cairn_plan_mask(json_t *v, const json_t *noecho)
{
	int hit = 0;
	const char *k;
	json_t *x;
	size_t i;

	if (!v || json_array_size(noecho) == 0)
		return 0;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (json_is_string(x) && mask_string(json_string_value(x), noecho)) {
				json_object_set_new(v, k, json_string("(sensitive)"));
				hit = 1;
			} else {
				hit |= cairn_plan_mask(x, noecho);
			}
		}
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			x = json_array_get(v, i);
			if (json_is_string(x) && mask_string(json_string_value(x), noecho)) {
				json_array_set_new(v, i, json_string("(sensitive)"));
				hit = 1;
			} else {
				hit |= cairn_plan_mask(x, noecho);
			}
		}
	}
	return hit;
}

json_t *cairn_plan_sensitive_keys(const json_t *props, const json_t *noecho)
{
	json_t *out = json_array(), *v;
	const char *k;
	json_object_foreach((json_t *)props, k, v) {
		json_t *probe = json_pack("[o]", json_deep_copy(v));
		if (cairn_plan_mask(probe, noecho))
			json_array_append_new(out, json_string(k));
		json_decref(probe);
	}
	return out;
}

/* The top-level property of a change's path ("Tags" of "Tags[0].Value"). */
static int path_in(const char *path, const json_t *keys)
{
	size_t n = strcspn(path, ".["), i;
	for (i = 0; i < json_array_size(keys); i++) {
		const char *k = json_string_value(json_array_get(keys, i));
		if (k && strlen(k) == n && strncmp(k, path, n) == 0)
			return 1;
	}
	return 0;
}

/* ---- human output ------------------------------------------------------------ */

typedef struct printer {
	FILE *f;    /* where */
	int color;  /* ANSI colours */
} printer;

static const char *c(const printer *o, const char *code)
{
	if (!o->color)
		return "";
	if (strcmp(code, "32") == 0)
		return "\033[32m";
	if (strcmp(code, "33") == 0)
		return "\033[33m";
	if (strcmp(code, "31") == 0)
		return "\033[31m";
	if (strcmp(code, "1") == 0)
		return "\033[1m";
	return "";
}

static const char *r(const printer *o)
{
	return o->color ? "\033[0m" : "";
}

/* Inside a value printed as JSON, an unknown marker becomes this string,
 * and its quoted JSON form is then replaced by the bare words. */
#define UNKNOWN_SENTINEL "\x01unknown\x01"
#define UNKNOWN_QUOTED "\"\\u0001unknown\\u0001\""

/* Writes s with every quoted sentinel replaced by (known after apply). */
static void put_unquoted(FILE *f, const char *s)
{
	const char *hit;
	size_t n = strlen(UNKNOWN_QUOTED);
	while ((hit = strstr(s, UNKNOWN_QUOTED)) != NULL) {
		fwrite(s, 1, (size_t)(hit - s), f);
		fputs("(known after apply)", f);
		s = hit + n;
	}
	fputs(s, f);
}

/* A copy of v with every unknown marker replaced by the sentinel. */
static json_t *displayable(const json_t *v)
{
	const char *k;
	json_t *x, *o;
	size_t i;
	if (cairn_is_unknown(v))
		return json_string(UNKNOWN_SENTINEL);
	if (json_is_object(v)) {
		o = json_object();
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(o, k, displayable(x));
		return o;
	}
	if (json_is_array(v)) {
		o = json_array();
		for (i = 0; i < json_array_size(v); i++)
			json_array_append_new(o, displayable(json_array_get(v, i)));
		return o;
	}
	return json_deep_copy(v);
}

/* Writes a value for people: scalars as JSON, "(known after apply)" and
 * "(sensitive)" bare, short collections on one line, long ones indented
 * under the line they start on (indent spaces). */
static void put_value(const printer *o, const json_t *v, int indent)
{
	json_t *d;
	char *s;
	if (!v) {
		fputs("(absent)", o->f);
		return;
	}
	if (cairn_is_unknown(v)) {
		fputs("(known after apply)", o->f);
		return;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "(sensitive)") == 0) {
		fputs("(sensitive)", o->f);
		return;
	}
	d = displayable(v);
	s = json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s && strlen(s) > 72 && (json_is_object(d) || json_is_array(d))) {
		char *p, *line;
		free(s);
		s = json_dumps(d, JSON_INDENT(2) | JSON_ENCODE_ANY);
		for (line = s; line; line = p) {
			p = strchr(line, '\n');
			if (p)
				*p++ = '\0';
			if (line != s)
				fprintf(o->f, "\n%*s", indent, "");
			put_unquoted(o->f, line);
		}
	} else if (s) {
		/* one line; JSON_COMPACT leaves no spaces after separators */
		put_unquoted(o->f, s);
	}
	free(s);
	json_decref(d);
}

static void put_changes(const printer *o, const cairn_planned *e)
{
	size_t i, w = 0;
	for (i = 0; i < e->diff.n; i++)
		if (strlen(e->diff.v[i].path) > w)
			w = strlen(e->diff.v[i].path);
	for (i = 0; i < e->diff.n; i++) {
		const cairn_change *ch = &e->diff.v[i];
		const char *sym, *col;
		int indent = 6 + 2 + (int)w + 3;
		if (!ch->before && e->action != CAIRN_ACTION_DELETE) {
			sym = "+";
			col = "32";
		} else if (!ch->after) {
			sym = "-";
			col = "31";
		} else {
			sym = "~";
			col = "33";
		}
		fprintf(o->f, "      %s%s%s %-*s = ", c(o, col), sym, r(o), (int)w, ch->path);
		if (ch->before && ch->after) {
			put_value(o, ch->before, indent);
			fputs(" -> ", o->f);
			put_value(o, ch->after, indent);
		} else {
			put_value(o, ch->after ? ch->after : ch->before, indent);
		}
		if (ch->replaces)
			fprintf(o->f, " %s# forces replacement%s", c(o, "31"), r(o));
		fputc('\n', o->f);
	}
}

static void put_entry(const printer *o, const cairn_planned *e)
{
	const char *what, *sym, *col;
	char idbuf[512] = "";

	if (e->id)
		snprintf(idbuf, sizeof(idbuf), " [id=%s]", e->id);
	switch (e->action) {
	case CAIRN_ACTION_CREATE:
		what = "will be created";
		sym = "  +";
		col = "32";
		break;
	case CAIRN_ACTION_UPDATE:
		what = !e->adopt    ? "will be updated in place"
		       : e->reason ? "was retained by this stack: it will be adopted back and "
				     "updated in place"
				   : "was created by an interrupted apply: it will be adopted and "
				     "updated in place";
		sym = "  ~";
		col = "33";
		break;
	case CAIRN_ACTION_REPLACE:
		what = e->delete_first ? "must be replaced (the old one is deleted first: its "
					 "name is fixed by the template)"
				       : (e->retain ? "must be replaced (the old one is left in AWS: "
						      "UpdateReplacePolicy Retain)"
						    : "must be replaced (the new one is created "
						      "first, then the old one deleted)");
		sym = "-/+";
		col = "31";
		break;
	case CAIRN_ACTION_DELETE:
		what = e->retain ? "will be removed from the state and left in AWS (DeletionPolicy "
				   "Retain)"
				 : (e->deposed ? "(the old object of an unfinished replacement) "
						 "will be destroyed"
					       : "will be destroyed");
		sym = "  -";
		col = "31";
		break;
	default:
		if (!e->adopt)
			return;
		what = e->reason ? "was retained by this stack: it will be adopted back as it is"
				 : "was created by an interrupted apply: it will be adopted as it is";
		sym = "  =";
		col = "1";
		break;
	}
	fprintf(o->f, "  %s# %s%s (%s) %s%s%s%s%s\n", c(o, "1"), e->logical_id, r(o), e->type,
		what, e->reason ? " (" : "", e->reason ? e->reason : "", e->reason ? ")" : "",
		idbuf);
	if (e->action == CAIRN_ACTION_REPLACE)
		fprintf(o->f, "%s-%s/%s+%s %s\n", c(o, "31"), r(o), c(o, "32"), r(o), e->logical_id);
	else
		fprintf(o->f, "%s%s%s %s\n", c(o, col), sym, r(o), e->logical_id);
	if (e->action != CAIRN_ACTION_DELETE)
		put_changes(o, e);
	fputc('\n', o->f);
}

static void put_outputs(const printer *o, const cairn_plan *p)
{
	const char *k;
	json_t *x;
	size_t w = 0;
	int any = 0;

	json_object_foreach(p->outputs, k, x) {
		if (!json_is_object(x) || !json_object_get(x, "change"))
			continue;
		any = 1;
		if (strlen(k) > w)
			w = strlen(k);
	}
	if (!any)
		return;
	fprintf(o->f, "Changes to outputs:\n");
	json_object_foreach(p->outputs, k, x) {
		const char *ch;
		if (!json_is_object(x) || !json_object_get(x, "change"))
			continue;
		ch = json_string_value(json_object_get(x, "change"));
		if (strcmp(ch, "create") == 0) {
			fprintf(o->f, "  %s+%s %-*s = ", c(o, "32"), r(o), (int)w, k);
			put_value(o, json_object_get(x, "value"), 6 + (int)w);
		} else if (strcmp(ch, "delete") == 0) {
			fprintf(o->f, "  %s-%s %-*s = ", c(o, "31"), r(o), (int)w, k);
			put_value(o, json_object_get(x, "before"), 6 + (int)w);
		} else {
			fprintf(o->f, "  %s~%s %-*s = ", c(o, "33"), r(o), (int)w, k);
			put_value(o, json_object_get(x, "before"), 6 + (int)w);
			fputs(" -> ", o->f);
			put_value(o, json_object_get(x, "value"), 6 + (int)w);
		}
		fputc('\n', o->f);
	}
	fputc('\n', o->f);
}

void cairn_plan_print(const cairn_plan *p, FILE *f, int color)
{
	printer o = {f, color};
	int add, change, replace, destroy, retained = 0, adopted = 0, readopted = 0;
	size_t i;

	cairn_plan_counts(p, &add, &change, &replace, &destroy);
	for (i = 0; i < p->n; i++) {
		retained += p->v[i].action == CAIRN_ACTION_DELETE && p->v[i].retain;
		adopted += p->v[i].adopt;
		readopted += p->v[i].adopt && p->v[i].reason;
	}
	if (!cairn_plan_has_changes(p)) {
		fprintf(f, "%sNo changes.%s The live resources of stack %s match the %s.\n",
			c(&o, "1"), r(&o), p->stack,
			p->destroy ? "state (there is nothing to destroy)" : "template");
		return;
	}
	if (add + change + replace + destroy + retained + adopted > 0) {
		fprintf(f, "cairn will perform the following actions on stack %s:\n\n", p->stack);
		for (i = 0; i < p->n; i++)
			put_entry(&o, &p->v[i]);
	}
	put_outputs(&o, p);
	fprintf(f, "%sPlan:%s %d to add, %d to change, %d to replace, %d to destroy.\n", c(&o, "1"),
		r(&o), add, change, replace, destroy);
	if (retained)
		fprintf(f, "%d resource%s will be left in AWS and removed from the state "
			   "(Retain).\n",
			retained, retained == 1 ? "" : "s");
	if (adopted - readopted > 0)
		fprintf(f, "%d resource%s created by an interrupted apply will be adopted.\n",
			adopted - readopted, adopted - readopted == 1 ? "" : "s");
	if (readopted)
		fprintf(f, "%d resource%s this stack retained will be adopted back.\n", readopted,
			readopted == 1 ? "" : "s");
}

/* ---- JSON -------------------------------------------------------------------- */

static json_t *entry_to_json(const cairn_planned *e)
{
	json_t *o = json_object(), *changes = json_array();
	size_t i;

	json_object_set_new(o, "logical_id", json_string(e->logical_id));
	json_object_set_new(o, "type", json_string(e->type));
	json_object_set_new(o, "action", json_string(cairn_action_name(e->action)));
	for (i = 0; i < e->diff.n; i++) {
		const cairn_change *ch = &e->diff.v[i];
		json_t *x = json_object();
		json_object_set_new(x, "path", json_string(ch->path));
		json_object_set_new(x, "before", ch->before ? json_deep_copy(ch->before) : json_null());
		json_object_set_new(x, "after", ch->after ? json_deep_copy(ch->after) : json_null());
		if (ch->replaces)
			json_object_set_new(x, "replaces", json_true());
		json_array_append_new(changes, x);
	}
	json_object_set_new(o, "changes", changes);
	json_object_set_new(o, "id", e->id ? json_string(e->id) : json_null());
	if (e->action == CAIRN_ACTION_REPLACE)
		json_object_set_new(o, "replace_order",
				    json_string(e->delete_first ? "delete-first" : "create-first"));
	if (e->retain)
		json_object_set_new(o, "retain", json_true());
	if (e->deposed)
		json_object_set_new(o, "deposed", json_true());
	if (e->adopt)
		json_object_set_new(o, "adopt", json_true());
	if (e->sensitive)
		json_object_set_new(o, "sensitive", json_true());
	if (e->reason)
		json_object_set_new(o, "reason", json_string(e->reason));
	return o;
}

json_t *cairn_plan_to_json(const cairn_plan *p)
{
	json_t *o = json_object(), *rc = json_array(), *outs = json_object(), *x;
	const char *k;
	size_t i;
	int add, change, replace, destroy;

	json_object_set_new(o, "format_version", json_string("1"));
	json_object_set_new(o, "stack", json_string(p->stack));
	for (i = 0; i < p->n; i++)
		json_array_append_new(rc, entry_to_json(&p->v[i]));
	json_object_set_new(o, "resource_changes", rc);
	json_object_foreach(p->outputs, k, x) {
		json_t *v;
		if (!json_is_object(x))
			continue;
		v = json_object_get(x, "value");
		json_object_set_new(outs, k,
				    json_pack("{s:O, s:b, s:s}", "value", v ? v : json_null(), "known",
					      v && !cairn_has_unknown(v), "action",
					      json_string_value(json_object_get(x, "change"))
						      ? json_string_value(json_object_get(x, "change"))
						      : "no-op"));
		if (json_object_get(x, "export"))
			json_object_set(json_object_get(outs, k), "export",
					json_object_get(x, "export"));
	}
	json_object_set_new(o, "outputs", outs);
	cairn_plan_counts(p, &add, &change, &replace, &destroy);
	json_object_set_new(o, "summary",
			    json_pack("{s:i, s:i, s:i, s:i, s:b}", "add", add, "change", change,
				      "replace", replace, "destroy", destroy, "changes",
				      cairn_plan_has_changes(p)));
	return o;
}

/* ---- saved plans ------------------------------------------------------------- */

void cairn_plan_params_sha256(const json_t *params, char out[65])
{
	char *s = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!s)
		s = cairn_xstrdup("{}");
	cairn_sha256_hex(s, strlen(s), out);
	free(s);
}

int cairn_plan_save(const cairn_plan *p, const char *path)
{
	json_t *doc = json_object(), *targets = json_array();
	char *text;
	int rc;
	size_t i;

	json_object_set_new(doc, "kind", json_string(PLAN_FILE_MAGIC));
	json_object_set_new(doc, "format_version", json_integer(1));
	json_object_set_new(doc, "cairn_version", json_string(CAIRN_VERSION));
	json_object_set_new(doc, "stack", json_string(p->stack));
	json_object_set_new(doc, "template", json_pack("{s:s?, s:s?}", "path", p->template_path,
						       "sha256", p->template_sha256));
	json_object_set_new(doc, "parameters", p->parameters ? json_deep_copy(p->parameters)
							     : json_object());
	json_object_set_new(doc, "parameters_sha256", json_string(p->parameters_sha256));
	json_object_set_new(doc, "state",
			    json_pack("{s:s?, s:s?, s:I}", "path", p->state_path, "lineage",
				      p->lineage, "serial", (json_int_t)p->serial));
	json_object_set_new(doc, "region", p->region ? json_string(p->region) : json_null());
	json_object_set_new(doc, "account", p->account ? json_string(p->account) : json_null());
	json_object_set_new(doc, "destroy", json_boolean(p->destroy));
	for (i = 0; p->targets && p->targets[i]; i++)
		json_array_append_new(targets, json_string(p->targets[i]));
	json_object_set_new(doc, "targets", targets);
	json_object_set_new(doc, "plan", cairn_plan_to_json(p));
	/* the raw outputs (with "before" and "change"), for display at apply */
	json_object_set(doc, "outputs_detail", p->outputs);
	json_object_set(doc, "noecho", p->noecho ? p->noecho : json_array());
	{
		json_t *live = json_array();
		for (i = 0; i < p->n; i++)
			json_array_append_new(live, p->v[i].live ? json_incref(p->v[i].live)
								 : json_null());
		json_object_set_new(doc, "live", live);
	}
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	rc = cairn_file_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

int cairn_plan_is_file(const char *path)
{
	char *text = NULL;
	size_t len;
	json_t *doc;
	int yes;
	if (cairn_file_read(path, &text, &len) < 0) {
		cairn_error_clear();
		return 0;
	}
	/* a saved plan is JSON starting with an object holding "kind" */
	doc = json_loadb(text, len, 0, NULL);
	free(text);
	yes = doc && json_is_string(json_object_get(doc, "kind")) &&
	      strcmp(json_string_value(json_object_get(doc, "kind")), PLAN_FILE_MAGIC) == 0;
	json_decref(doc);
	return yes;
}

static char *dup_or_null(const json_t *v)
{
	return json_is_string(v) ? cairn_xstrdup(json_string_value(v)) : NULL;
}

static int entry_from_json(cairn_planned *e, const json_t *o, const char *path)
{
	const json_t *changes = json_object_get(o, "changes");
	int a = cairn_action_parse(json_string_value(json_object_get(o, "action")));
	size_t i;

	if (a < 0 || !json_is_string(json_object_get(o, "logical_id")) ||
	    !json_is_string(json_object_get(o, "type")))
		return cairn_error_setc(CAIRN_EINVALID,
					"%s: a resource change has no logical_id, type or valid "
					"action; make the plan again with cairn plan -out",
					path);
	e->logical_id = dup_or_null(json_object_get(o, "logical_id"));
	e->type = dup_or_null(json_object_get(o, "type"));
	e->action = (cairn_action)a;
	e->id = dup_or_null(json_object_get(o, "id"));
	e->reason = dup_or_null(json_object_get(o, "reason"));
	e->retain = json_is_true(json_object_get(o, "retain"));
	e->deposed = json_is_true(json_object_get(o, "deposed"));
	e->adopt = json_is_true(json_object_get(o, "adopt"));
	e->sensitive = json_is_true(json_object_get(o, "sensitive"));
	e->delete_first = json_is_string(json_object_get(o, "replace_order")) &&
			  strcmp(json_string_value(json_object_get(o, "replace_order")),
				 "delete-first") == 0;
	for (i = 0; i < json_array_size(changes); i++) {
		const json_t *x = json_array_get(changes, i);
		const json_t *b = json_object_get(x, "before"), *af = json_object_get(x, "after");
		cairn_change *ch;
		if (e->diff.n == e->diff.cap) {
			e->diff.cap = e->diff.cap ? 2 * e->diff.cap : 8;
			e->diff.v = cairn_xrealloc(e->diff.v, e->diff.cap * sizeof(*e->diff.v));
		}
		ch = &e->diff.v[e->diff.n++];
		ch->path = cairn_xstrdup(json_string_value(json_object_get(x, "path"))
						 ? json_string_value(json_object_get(x, "path"))
						 : "");
		ch->before = b && !json_is_null(b) ? json_deep_copy(b) : NULL;
		ch->after = af && !json_is_null(af) ? json_deep_copy(af) : NULL;
		ch->replaces = json_is_true(json_object_get(x, "replaces"));
		if (ch->replaces)
			e->diff.replace = 1;
	}
	return 0;
}

int cairn_plan_load(cairn_plan **out, const char *path)
{
	char *text = NULL;
	size_t len, i;
	json_t *doc, *plan, *rcs, *targets;
	json_error_t jerr;
	cairn_plan *p;
	int rc;

	*out = NULL;
	rc = cairn_file_read(path, &text, &len);
	if (rc < 0)
		return rc;
	doc = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!doc || !json_is_string(json_object_get(doc, "kind")) ||
	    strcmp(json_string_value(json_object_get(doc, "kind")), PLAN_FILE_MAGIC) != 0) {
		json_decref(doc);
		return cairn_error_setc(CAIRN_EINVALID, "%s: not a saved cairn plan", path);
	}
	if (json_integer_value(json_object_get(doc, "format_version")) != 1) {
		json_decref(doc);
		return cairn_error_setc(CAIRN_EINVALID,
					"%s: saved plan format %lld is not supported; make the "
					"plan again with this cairn",
					path,
					(long long)json_integer_value(
						json_object_get(doc, "format_version")));
	}
	p = cairn_xcalloc(1, sizeof(*p));
	p->stack = dup_or_null(json_object_get(doc, "stack"));
	p->template_path = dup_or_null(json_object_get(json_object_get(doc, "template"), "path"));
	p->template_sha256 =
		dup_or_null(json_object_get(json_object_get(doc, "template"), "sha256"));
	p->parameters = json_incref(json_object_get(doc, "parameters"));
	p->parameters_sha256 = dup_or_null(json_object_get(doc, "parameters_sha256"));
	p->state_path = dup_or_null(json_object_get(json_object_get(doc, "state"), "path"));
	p->lineage = dup_or_null(json_object_get(json_object_get(doc, "state"), "lineage"));
	p->serial = json_integer_value(json_object_get(json_object_get(doc, "state"), "serial"));
	p->region = dup_or_null(json_object_get(doc, "region"));
	p->account = dup_or_null(json_object_get(doc, "account"));
	p->destroy = json_is_true(json_object_get(doc, "destroy"));
	p->outputs = json_incref(json_object_get(doc, "outputs_detail"));
	if (!p->outputs)
		p->outputs = json_object();
	p->noecho = json_incref(json_object_get(doc, "noecho"));
	targets = json_object_get(doc, "targets");
	if (json_array_size(targets) > 0) {
		p->targets = cairn_xcalloc(json_array_size(targets) + 1, sizeof(char *));
		for (i = 0; i < json_array_size(targets); i++)
			p->targets[i] = dup_or_null(json_array_get(targets, i));
	}
	plan = json_object_get(doc, "plan");
	rcs = json_object_get(plan, "resource_changes");
	p->v = cairn_xcalloc(json_array_size(rcs) + 1, sizeof(*p->v));
	for (i = 0; i < json_array_size(rcs); i++) {
		json_t *live = json_array_get(json_object_get(doc, "live"), i);
		rc = entry_from_json(&p->v[p->n], json_array_get(rcs, i), path);
		if (rc < 0)
			break;
		if (json_is_object(live))
			p->v[p->n].live = json_incref(live);
		p->n++;
	}
	json_decref(doc);
	if (rc < 0 || !p->stack || !p->template_path || !p->template_sha256) {
		if (rc >= 0)
			rc = cairn_error_setc(CAIRN_EINVALID,
					      "%s: the saved plan names no stack or template; make "
					      "it again with cairn plan -out",
					      path);
		cairn_plan_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int cairn_plan_check_fresh(const cairn_plan *p, const cairn_state *st, const char *template_sha256)
{
	const char *lineage = cairn_state_exists(st) ? cairn_state_lineage(st) : NULL;
	long long serial = cairn_state_exists(st) ? cairn_state_serial(st) : 0;

	if (strcmp(p->template_sha256, template_sha256) != 0)
		return cairn_error_setc(CAIRN_ESTALE,
					"the saved plan is stale: %s changed since the plan was "
					"made (SHA-256 %.12s..., now %.12s...); run cairn plan "
					"-out again",
					p->template_path, p->template_sha256, template_sha256);
	if ((p->lineage == NULL) != (lineage == NULL) ||
	    (p->lineage && strcmp(p->lineage, lineage) != 0))
		return cairn_error_setc(CAIRN_ESTALE,
					"the saved plan is stale: it was made against %s of "
					"lineage %s, and the state is now %s%s; run cairn plan "
					"-out again",
					cairn_state_path(st), p->lineage ? p->lineage : "(none: no state)",
					lineage ? "of lineage " : "absent", lineage ? lineage : "");
	if (p->serial != serial)
		return cairn_error_setc(CAIRN_ESTALE,
					"the saved plan is stale: it was made against serial %lld "
					"of %s, which is now at serial %lld (another apply ran "
					"since); run cairn plan -out again",
					p->serial, cairn_state_path(st), serial);
	return 0;
}

/* ---- making a plan ----------------------------------------------------------- */

/* What the plan knows while it decides, resource by resource in
 * dependency order: a resource being created or replaced has unknown Ref
 * and attributes; any other answers from what the refresh read, else from
 * the state. */
typedef struct plan_env {
	cairn_eval_env env;       /* handed to cairn_stack_eval */
	const cairn_stack *s;     /* the stack planned */
	const cairn_state *st;    /* its state */
	const json_t *live;       /* the refresh result */
	json_t *decided;          /* logical id -> action (integer) so far */
	cairn_state_env senv;     /* state lookups */
} plan_env;

static int new_value_unknown(const plan_env *pe, const char *logical_id)
{
	json_t *a = json_object_get(pe->decided, logical_id);
	return a && (json_integer_value(a) == CAIRN_ACTION_CREATE ||
		     json_integer_value(a) == CAIRN_ACTION_REPLACE);
}

/* The refresh entry of a resource when it was found live, else NULL. */
static const json_t *found_live(const plan_env *pe, const char *logical_id)
{
	const json_t *lv = json_object_get(pe->live, logical_id);
	const char *status = json_string_value(json_object_get(lv, "status"));
	return status && strcmp(status, "found") == 0 ? lv : NULL;
}

static int gone_live(const plan_env *pe, const char *logical_id)
{
	const json_t *lv = json_object_get(pe->live, logical_id);
	const char *status = json_string_value(json_object_get(lv, "status"));
	return status && (strcmp(status, "gone") == 0 || strcmp(status, "absent") == 0);
}

/* A JSON string's value, or dflt. */
static const char *jstr(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

static int str_in_array(const json_t *arr, const char *s)
{
	size_t i;
	for (i = 0; i < json_array_size(arr); i++)
		if (json_is_string(json_array_get(arr, i)) &&
		    strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return 1;
	return 0;
}

static json_t *plan_getatt(void *ud, const char *logical_id, const char *attribute)
{
	plan_env *pe = ud;
	const json_t *lv;
	json_t *v;
	if (new_value_unknown(pe, logical_id) || gone_live(pe, logical_id))
		return NULL;
	lv = found_live(pe, logical_id);
	v = lv ? json_object_get(json_object_get(lv, "attributes"), attribute) : NULL;
	if (v)
		return json_incref(v);
	return pe->senv.env.getatt(&pe->senv, logical_id, attribute);
}

static json_t *plan_ref(void *ud, const char *logical_id)
{
	plan_env *pe = ud;
	const json_t *lv;
	const cairn_resource *r;
	if (new_value_unknown(pe, logical_id) || gone_live(pe, logical_id))
		return NULL;
	lv = found_live(pe, logical_id);
	r = cairn_stack_find(pe->s, logical_id);
	if (lv) {
		if (r && r->t && r->t->ref) {
			json_t *v = json_object_get(json_object_get(lv, "attributes"), r->t->ref);
			if (v)
				return json_incref(v);
		} else if (json_object_get(lv, "id")) {
			return json_incref(json_object_get(lv, "id"));
		}
	}
	return pe->senv.env.ref(&pe->senv, logical_id);
}

static cairn_planned *push_entry(cairn_plan *p, size_t *cap, const char *logical_id,
				 const char *type, cairn_action a)
{
	cairn_planned *e;
	if (p->n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		p->v = cairn_xrealloc(p->v, *cap * sizeof(*p->v));
	}
	e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->logical_id = cairn_xstrdup(logical_id);
	e->type = cairn_xstrdup(type ? type : "?");
	e->action = a;
	return e;
}

/* The targets and everything they depend on (template), or, for destroy,
 * everything that depends on them (state). NULL-terminated; NULL when no
 * targets. */
static int target_closure(const cairn_stack *s, const cairn_state *st, const char *const *targets,
			  int destroy, json_t **out)
{
	json_t *set = json_object();
	const char *const *t;
	int changed = 1;

	*out = NULL;
	for (t = targets; *t; t++) {
		if (!cairn_stack_find(s, *t) && !cairn_state_resource(st, *t)) {
			json_decref(set);
			return cairn_error_setc(CAIRN_EINVALID,
						"--target %s: there is no resource %s in the "
						"template or the state",
						*t, *t);
		}
		json_object_set_new(set, *t, json_true());
	}
	while (changed) {
		changed = 0;
		if (!destroy) {
			size_t i, k;
			for (i = 0; i < cairn_stack_count(s); i++) {
				const cairn_resource *r = cairn_stack_at(s, i);
				if (!json_object_get(set, r->logical_id))
					continue;
				for (k = 0; k < r->ndepends; k++)
					if (!json_object_get(set, r->depends[k])) {
						json_object_set_new(set, r->depends[k], json_true());
						changed = 1;
					}
			}
		} else {
			const char *id;
			json_t *rec;
			json_object_foreach(cairn_state_resources(st), id, rec) {
				json_t *deps = json_object_get(rec, "depends_on");
				size_t k;
				if (json_object_get(set, id))
					continue;
				for (k = 0; k < json_array_size(deps); k++)
					if (json_object_get(set, json_string_value(
									 json_array_get(deps, k)))) {
						json_object_set_new(set, id, json_true());
						changed = 1;
						break;
					}
			}
		}
	}
	*out = set;
	return 0;
}

/* The NoEcho parameter values, as strings. */
static json_t *noecho_values(const cairn_stack *s)
{
	json_t *out = json_array(), *v;
	const char *k;
	json_object_foreach((json_t *)cairn_stack_params(s), k, v) {
		if (!cairn_stack_param_noecho(s, k))
			continue;
		if (json_is_string(v))
			json_array_append(out, v);
		else {
			char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			if (t)
				json_array_append_new(out, json_string(t));
			free(t);
		}
	}
	return out;
}

static json_t *generated_name_marker(const char *prop)
{
	return json_pack("{s:{s:s}}", CAIRN_UNKNOWN_KEY, "Cairn::GeneratedName", prop);
}

/* Decides one resource of the template. */
static int plan_resource(cairn_plan *p, size_t *cap, plan_env *pe, const cairn_resource *r)
{
	const cairn_type *t = r->t;
	json_t *rec = cairn_state_resource(pe->st, r->logical_id);
	const json_t *lv = json_object_get(pe->live, r->logical_id);
	const char *status = json_string_value(json_object_get(lv, "status"));
	const char *rstatus = json_string_value(json_object_get(rec, "status"));
	json_t *desired = NULL;
	cairn_planned *e;
	int gen, rc = 0;
	const char *np = t ? t->name_property : NULL;

	if (cairn_stack_eval_properties(pe->s, r, &pe->env, &desired) < 0)
		return cairn_error_setc(CAIRN_EINVALID, "%s (%s): %s", r->logical_id, r->type,
					cairn_error_last());
	{
		/* the result may share values with the template: the generated
		 * name goes into a copy of our own */
		json_t *own = json_copy(desired);
		json_decref(desired);
		desired = own;
	}
	if (t && t->tags) {
		/* a key known only now (a parameter, a Ref): validate caught the
		 * literal ones with their line */
		const json_t *tags = json_object_get(desired, t->tags), *tag;
		size_t i;
		json_array_foreach(tags, i, tag) {
			const char *k = json_string_value(json_object_get(tag, "Key"));
			if (cairn_tag_key_reserved(k)) {
				rc = cairn_error_setc(CAIRN_EINVALID,
						      "%s (%s): %s[%zu].Key: the tag key '%s' is "
						      "reserved: %s; remove this tag or give it another "
						      "key",
						      r->logical_id, r->type, t->tags, i, k,
						      cairn_tag_key_reserved(k));
				json_decref(desired);
				return rc;
			}
		}
	}
	gen = np && !json_object_get(r->properties, np);
	e = push_entry(p, cap, r->logical_id, r->type, CAIRN_ACTION_NOOP);

	if (!rec) {
		e->action = CAIRN_ACTION_CREATE;
	} else if (rstatus && strcmp(rstatus, "pending") == 0) {
		const json_t *pend = json_object_get(rec, "pending");
		const char *when = json_string_value(json_object_get(pend, "retained"));
		const char *was = json_string_value(json_object_get(pend, "retained_id"));
		if (status && strcmp(status, "found") == 0) {
			e->adopt = 1;
			e->id = cairn_xstrdup(json_string_value(json_object_get(lv, "id")));
			e->live = json_incref(json_object_get(lv, "properties"));
			if (when)
				e->reason = cairn_xasprintf(
					"this stack left it in AWS (DeletionPolicy: Retain) when it "
					"deleted it on %s, and it still carries this stack's cairn:stack "
					"and cairn:logical-id tags",
					when);
		} else if (when) {
			e->action = CAIRN_ACTION_CREATE;
			e->reason = cairn_xasprintf(
				"the one this stack retained on %s (id %s) is no longer in AWS, or "
				"no longer carries this stack's cairn tags",
				when, was ? was : "?");
		} else {
			e->action = CAIRN_ACTION_CREATE;
			e->reason = cairn_xstrdup("an interrupted create is made again: nothing it "
						  "made was found in AWS");
		}
	} else if (strcmp(jstr(json_object_get(rec, "type"), ""), r->type) != 0) {
		e->action = CAIRN_ACTION_REPLACE;
		e->id = cairn_xstrdup(jstr(json_object_get(rec, "id"), "?"));
		e->reason = cairn_xasprintf("the type changed from %s",
					    json_string_value(json_object_get(rec, "type")));
	} else if (status && (strcmp(status, "gone") == 0 || strcmp(status, "absent") == 0)) {
		e->action = CAIRN_ACTION_CREATE;
		e->reason = cairn_xstrdup("it was deleted outside cairn");
	} else {
		e->id = cairn_xstrdup(jstr(json_object_get(rec, "id"), "?"));
		if (status && strcmp(status, "found") == 0)
			e->live = json_incref(json_object_get(lv, "properties"));
	}

	/* the generated name: kept when the resource stays, new otherwise */
	if (gen && e->action == CAIRN_ACTION_CREATE) {
		const char *pname = rstatus && strcmp(rstatus, "pending") == 0
					    ? json_string_value(json_object_get(
						      json_object_get(rec, "pending"), "name"))
					    : NULL;
		json_object_set_new(desired, np,
				    pname ? json_string(pname) : generated_name_marker(np));
	} else if (gen) {
		json_t *old = e->live ? json_object_get(e->live, np) : NULL;
		if (!old)
			old = json_object_get(json_object_get(rec, "properties"), np);
		if (!old)
			old = json_object_get(json_object_get(rec, "pending"), "name");
		if (old)
			json_object_set(desired, np, old);
	}

	if (e->action == CAIRN_ACTION_NOOP) {
		/* compare with live, or, when the type cannot be read, with what
		 * was applied */
		const json_t *against = e->live ? e->live : json_object_get(rec, "properties");
		cairn_diff_properties(&e->diff, t, desired, against,
				      e->adopt ? NULL : json_object_get(rec, "properties"));
		if (e->diff.immutable) {
			size_t i;
			for (i = 0; i < e->diff.n && !e->diff.v[i].immutable; i++)
				;
			rc = cairn_error_setc(CAIRN_EINVALID,
					      "%s (%s): %s cannot change once the resource exists "
					      "(CloudFormation refuses it too); keep the old value, or "
					      "give the new resource another logical id",
					      r->logical_id, r->type,
					      i < e->diff.n ? e->diff.v[i].path : "a property");
			goto done;
		}
		if (e->diff.replace)
			e->action = CAIRN_ACTION_REPLACE;
		else if (e->diff.n > 0)
			e->action = CAIRN_ACTION_UPDATE;
		if (status && strcmp(status, "not_checked") == 0 && e->action != CAIRN_ACTION_NOOP)
			e->reason = cairn_xstrdup("compared with the values last applied: cairn "
						  "cannot read this type");
	} else {
		cairn_diff_all(&e->diff, desired);
	}

	if (e->action == CAIRN_ACTION_REPLACE) {
		e->retain = r->update_replace_policy == CAIRN_POLICY_RETAIN;
		if (gen) {
			/* a new name will be generated: say so */
			size_t i;
			json_t *old = json_object_get(desired, np);
			int shown = 0;
			for (i = 0; i < e->diff.n; i++)
				if (strcmp(e->diff.v[i].path, np) == 0)
					shown = 1;
			if (!shown && e->diff.n < (size_t)-1) {
				cairn_diff extra = CAIRN_DIFF_INIT;
				json_t *d = json_object(), *l = json_object();
				json_object_set_new(d, np, generated_name_marker(np));
				if (old)
					json_object_set(l, np, old);
				cairn_diff_properties(&extra, NULL, d, l, NULL);
				for (i = 0; i < extra.n; i++) {
					if (e->diff.n == e->diff.cap) {
						e->diff.cap = e->diff.cap ? 2 * e->diff.cap : 8;
						e->diff.v = cairn_xrealloc(e->diff.v,
									   e->diff.cap * sizeof(*e->diff.v));
					}
					e->diff.v[e->diff.n++] = extra.v[i];
				}
				free(extra.v);
				json_decref(d);
				json_decref(l);
			}
		} else if (np) {
			/* the template fixes the name: when it stays the same, the old
			 * one must go before the new one can be made */
			json_t *oldname = e->live ? json_object_get(e->live, np) : NULL;
			if (!oldname)
				oldname = json_object_get(json_object_get(rec, "properties"), np);
			e->delete_first = oldname && json_equal(oldname, json_object_get(desired, np));
		}
	}
	json_object_set_new(pe->decided, r->logical_id, json_integer(e->action));
done:
	json_decref(desired);
	return rc;
}

/* Appends the deletes: resources of the state not (or no longer) in the
 * template, and deposed objects; dependents before what they depend on. */
static void plan_deletes(cairn_plan *p, size_t *cap, const plan_env *pe, const json_t *targets,
			 int destroy)
{
	json_t *res = cairn_state_resources(pe->st), *rec, *todo = json_object();
	const char *id;
	int progress = 1;

	json_object_foreach(res, id, rec) {
		const cairn_resource *r = cairn_stack_find(pe->s, id);
		json_t *dep = json_object_get(rec, "deposed");
		size_t k;
		for (k = 0; k < json_array_size(dep); k++) {
			json_t *d = json_array_get(dep, k);
			const char *type = json_string_value(json_object_get(d, "type"));
			cairn_planned *e;
			if (targets && !json_object_get(targets, id))
				continue;
			e = push_entry(p, cap, id,
				       type ? type : json_string_value(json_object_get(rec, "type")),
				       CAIRN_ACTION_DELETE);
			e->deposed = 1;
			e->id = cairn_xstrdup(jstr(json_object_get(d, "id"), "?"));
			e->retain = json_is_true(json_object_get(d, "retain"));
			e->reason = cairn_xstrdup("the old object of a replacement that an earlier "
						  "apply did not finish");
		}
		if (!destroy && r && r->enabled)
			continue;
		if (targets && !json_object_get(targets, id))
			continue;
		json_object_set_new(todo, id, json_true());
	}
	/* dependents first: take those on which nothing left in todo depends */
	while (json_object_size(todo) > 0 && progress) {
		void *iter;
		progress = 0;
		for (iter = json_object_iter(todo); iter;
		     iter = json_object_iter_next(todo, iter)) {
			const char *cand = json_object_iter_key(iter);
			const char *other;
			json_t *orec, *unused;
			int needed = 0;
			(void)unused;
			json_object_foreach(todo, other, unused) {
				orec = json_object_get(res, other);
				if (strcmp(other, cand) != 0 &&
				    str_in_array(json_object_get(orec, "depends_on"), cand))
					needed = 1;
			}
			if (needed)
				continue;
			{
				json_t *crec = json_object_get(res, cand);
				const cairn_resource *r = cairn_stack_find(pe->s, cand);
				const json_t *lv = json_object_get(pe->live, cand);
				const char *st = json_string_value(json_object_get(crec, "status"));
				cairn_planned *e =
					push_entry(p, cap, cand,
						   json_string_value(json_object_get(crec, "type")),
						   CAIRN_ACTION_DELETE);
				if (st && strcmp(st, "pending") == 0) {
					const char *fid = json_string_value(json_object_get(lv, "id"));
					e->id = fid ? cairn_xstrdup(fid) : NULL;
					if (!fid)
						e->reason = cairn_xstrdup(
							"an interrupted create that made nothing");
				} else {
					e->id = cairn_xstrdup(
						jstr(json_object_get(crec, "id"), "?"));
				}
				e->retain = (r && r->deletion_policy == CAIRN_POLICY_RETAIN) ||
					    (json_is_string(json_object_get(crec, "deletion_policy")) &&
					     strcmp(json_string_value(
							    json_object_get(crec, "deletion_policy")),
						    "Retain") == 0);
				if (!destroy && !e->reason)
					e->reason = r ? cairn_xasprintf("its Condition %s is false",
									r->condition ? r->condition
										     : "?")
						      : cairn_xstrdup("removed from the template");
				if (gone_live(pe, cand) && !e->reason)
					e->reason = cairn_xstrdup("already deleted outside cairn");
			}
			json_object_del(todo, cand);
			progress = 1;
			break;
		}
	}
	json_decref(todo);
}

static void plan_outputs(cairn_plan *p, plan_env *pe, int destroy)
{
	json_t *prior = cairn_state_outputs(pe->st), *outs = NULL, *o, *x;
	const char *k;

	p->outputs = json_object();
	if (!destroy && cairn_stack_eval_outputs(pe->s, &pe->env, &outs) == 0) {
		json_object_foreach(outs, k, o) {
			json_t *v = json_object_get(o, "Value");
			json_t *old = json_object_get(json_object_get(prior, k), "value");
			json_t *entry = json_pack("{s:o?}", "value", v ? json_deep_copy(v) : NULL);
			if (json_object_get(o, "Export"))
				json_object_set(entry, "export", json_object_get(o, "Export"));
			if (!old)
				json_object_set_new(entry, "change", json_string("create"));
			else if (!v || cairn_has_unknown(v) || !json_equal(v, old)) {
				json_object_set_new(entry, "change", json_string("update"));
				json_object_set_new(entry, "before", json_deep_copy(old));
			}
			json_object_set_new(p->outputs, k, entry);
		}
	}
	json_decref(outs);
	json_object_foreach(prior, k, x) {
		if (json_object_get(p->outputs, k))
			continue;
		json_object_set_new(p->outputs, k,
				    json_pack("{s:s, s:o?}", "change", "delete", "before",
					      json_object_get(x, "value")
						      ? json_deep_copy(json_object_get(x, "value"))
						      : NULL));
	}
	cairn_plan_mask(p->outputs, p->noecho);
}

int cairn_plan_make(cairn_plan **out, const cairn_stack *s, const cairn_state *st,
		    const json_t *live, const cairn_plan_options *opts)
{
	cairn_plan *p = cairn_xcalloc(1, sizeof(*p));
	plan_env pe;
	json_t *targets = NULL, *empty = json_object();
	size_t cap = 0, i;
	char sha[65];
	int rc = 0, destroy = opts && opts->destroy;

	*out = NULL;
	memset(&pe, 0, sizeof(pe));
	pe.s = s;
	pe.st = st;
	pe.live = live ? live : empty;
	pe.decided = json_object();
	cairn_engine_state_env_init(&pe.senv, s, st);
	pe.env.ref = plan_ref;
	pe.env.getatt = plan_getatt;
	pe.env.ud = &pe;

	p->stack = cairn_xstrdup(cairn_stack_name(s));
	p->template_path = cairn_xstrdup(cairn_template_path(cairn_stack_template(s)));
	p->template_sha256 = cairn_xstrdup(cairn_template_sha256(cairn_stack_template(s)));
	p->parameters = json_deep_copy(cairn_stack_params(s));
	if (!p->parameters)
		p->parameters = json_object();
	cairn_plan_params_sha256(p->parameters, sha);
	p->parameters_sha256 = cairn_xstrdup(sha);
	p->state_path = cairn_xstrdup(cairn_state_path(st));
	if (cairn_state_exists(st)) {
		p->lineage = cairn_xstrdup(cairn_state_lineage(st));
		p->serial = cairn_state_serial(st);
	}
	p->region = opts && opts->region ? cairn_xstrdup(opts->region) : NULL;
	p->account = opts && opts->account ? cairn_xstrdup(opts->account) : NULL;
	p->destroy = destroy;
	p->noecho = noecho_values(s);
	if (opts && opts->targets && *opts->targets) {
		size_t n = 0;
		while (opts->targets[n])
			n++;
		p->targets = cairn_xcalloc(n + 1, sizeof(char *));
		for (i = 0; i < n; i++)
			p->targets[i] = cairn_xstrdup(opts->targets[i]);
		rc = target_closure(s, st, opts->targets, destroy, &targets);
		if (rc < 0)
			goto done;
	}
	if (!destroy) {
		for (i = 0; i < cairn_stack_count(s) && rc == 0; i++) {
			const cairn_resource *r = cairn_stack_at(s, i);
			if (!r->enabled || (targets && !json_object_get(targets, r->logical_id)))
				continue;
			rc = plan_resource(p, &cap, &pe, r);
		}
		if (rc < 0)
			goto done;
	}
	plan_deletes(p, &cap, &pe, targets, destroy);
	plan_outputs(p, &pe, destroy);
	for (i = 0; i < p->n; i++) {
		/* properties that held a NoEcho value when last applied stay
		 * hidden, whole, even when the parameter's value changed */
		json_t *was = json_object_get(cairn_state_resource(st, p->v[i].logical_id),
					      "sensitive");
		size_t k;
		for (k = 0; k < p->v[i].diff.n; k++) {
			cairn_change *ch = &p->v[i].diff.v[k];
			json_t *wrap;
			if (path_in(ch->path, was)) {
				p->v[i].sensitive = 1;
				if (ch->before) {
					json_decref(ch->before);
					ch->before = json_string("(sensitive)");
				}
				if (ch->after && !cairn_is_unknown(ch->after)) {
					json_decref(ch->after);
					ch->after = json_string("(sensitive)");
				}
				continue;
			}
			wrap = json_pack("[O?, O?]", ch->before, ch->after);
			if (cairn_plan_mask(wrap, p->noecho)) {
				p->v[i].sensitive = 1;
				json_decref(ch->before);
				json_decref(ch->after);
				ch->before = json_is_null(json_array_get(wrap, 0))
						     ? NULL
						     : json_incref(json_array_get(wrap, 0));
				ch->after = json_is_null(json_array_get(wrap, 1))
						    ? NULL
						    : json_incref(json_array_get(wrap, 1));
			}
			json_decref(wrap);
		}
	}
	/* an output that was sensitive hides its old value too */
	{
		const char *k;
		json_t *o;
		json_object_foreach(p->outputs, k, o) {
			if (json_is_true(json_object_get(json_object_get(cairn_state_outputs(st), k),
							 "sensitive")) &&
			    json_object_get(o, "before"))
				json_object_set_new(o, "before", json_string("(sensitive)"));
		}
	}
done:
	json_decref(targets);
	json_decref(pe.decided);
	json_decref(empty);
	if (rc < 0) {
		cairn_plan_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int cairn_plan_document(const cairn_plan *p, const cairn_stack *s, const cairn_state *st,
			const json_t *live, json_t **out)
{
	plan_env pe;
	json_t *empty = json_object();
	size_t i;
	int rc;

	memset(&pe, 0, sizeof(pe));
	pe.s = s;
	pe.st = st;
	pe.live = live ? live : empty;
	pe.decided = json_object();
	cairn_engine_state_env_init(&pe.senv, s, st);
	pe.env.ref = plan_ref;
	pe.env.getatt = plan_getatt;
	pe.env.ud = &pe;
	for (i = 0; i < p->n; i++)
		if (!p->v[i].deposed)
			json_object_set_new(pe.decided, p->v[i].logical_id,
					    json_integer(p->v[i].action));
	rc = cairn_stack_document(s, &pe.env, out);
	if (rc == 0) {
		/* the names cairn generates are planned values too: the one in
		 * the state for what stays, unknown for what is made anew */
		json_t *res = json_object_get(*out, "resources"), *r;
		const char *id;
		json_object_foreach(res, id, r) {
			const cairn_resource *sr = cairn_stack_find(s, id);
			const char *np = sr && sr->t ? sr->t->name_property : NULL;
			json_t *props = json_object_get(r, "Properties"), *rec, *name, *own;
			if (!np || !json_is_object(props) || json_object_get(props, np))
				continue;
			/* the document may share values with the template: a copy */
			own = json_copy(props);
			rec = cairn_state_resource(st, id);
			name = json_object_get(json_object_get(rec, "properties"), np);
			if (name && !new_value_unknown(&pe, id))
				json_object_set(own, np, name);
			else
				json_object_set_new(own, np, generated_name_marker(np));
			json_object_set_new(r, "Properties", own);
		}
	}
	json_decref(pe.decided);
	json_decref(empty);
	return rc;
}
