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

#include "cairn/plan.h"
#include "cairn/stack.h"
#include "cairn/state.h"

#define PLAN_FILE_MAGIC "cairn-saved-plan"

/* Unknown markers (stack.h), tested here without the stack module. */
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

/* A copy of v with every unknown marker replaced by the text shown. */
static json_t *displayable(const json_t *v)
{
	const char *k;
	json_t *x, *o;
	size_t i;
	if (is_unknown(v))
		return json_string("(known after apply)");
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
	if (is_unknown(v)) {
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
			fputs(line, o->f);
		}
	} else if (s) {
		/* one line; JSON_COMPACT leaves no spaces after separators */
		fputs(s, o->f);
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
		what = e->adopt ? "was created by an interrupted apply: it will be adopted and "
				  "updated in place"
				: "will be updated in place";
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
		what = "was created by an interrupted apply: it will be adopted as it is";
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
	int add, change, replace, destroy, retained = 0, adopted = 0;
	size_t i;

	cairn_plan_counts(p, &add, &change, &replace, &destroy);
	for (i = 0; i < p->n; i++) {
		retained += p->v[i].action == CAIRN_ACTION_DELETE && p->v[i].retain;
		adopted += p->v[i].adopt;
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
	if (adopted)
		fprintf(f, "%d resource%s created by an interrupted apply will be adopted.\n",
			adopted, adopted == 1 ? "" : "s");
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
					      v && !has_unknown(v), "action",
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
