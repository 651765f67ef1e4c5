/*
 * drift.c: drift detection (drift.h): the state's resources read through
 * their providers and compared, property by property, with what the last
 * apply set.
 *
 * cairn_drift_run asks the engine's refresh (provider.c) to read every
 * resource whose record is "created", at most `parallelism` at a time, and
 * hands the result to cairn_drift_compare, which makes one report entry
 * per record. The comparison is cairn_diff_properties (diff.c) with the
 * applied properties as "desired" and no prior: the diff walks only the
 * keys the last apply set, under the type's normalised schema, so the
 * plan's notion of equality is drift's too. A change's "after" is the
 * applied value (the report's expected) and its "before" the live one
 * (actual), both in the canonical form the diff shows.
 *
 * Secrets: the state keeps, per resource, the names of the properties
 * whose applied value showed a NoEcho parameter ("sensitive"). A
 * difference under such a property is shown as "(sensitive)" on both
 * sides. The NoEcho parameter values of the stack are registered with the
 * report's redactor, and so are the applied values under a sensitive
 * property that the template no longer gives (a NoEcho value since
 * changed), so no rendering or commit can carry them.
 *
 * This module owns nothing beyond the cairn_drift_result it fills.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/drift.h"
#include "cairn/plan.h"
#include "cairn/types.h"

#define SENSITIVE "(sensitive)"

static const char *jstr(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Collects every string (and number, as text) inside v into set. */
static void leaves(json_t *set, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	if (json_is_string(v)) {
		json_object_set_new(set, json_string_value(v), json_true());
	} else if (json_is_integer(v) || json_is_real(v)) {
		char *t = json_dumps(v, JSON_ENCODE_ANY);
		if (t)
			json_object_set_new(set, t, json_true());
		free(t);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			leaves(set, x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			leaves(set, x);
	}
}

/* The NoEcho parameter values; and, from the properties the state marks
 * sensitive, every value the template does not give any more: what held
 * a NoEcho value whose parameter has changed since (the unchanged parts,
 * a tag's key, are not secrets and would otherwise be redacted
 * everywhere). */
static void register_secrets(cairn_report *r, const cairn_stack *s, const cairn_state *st)
{
	const char *k, *id;
	json_t *v, *rec;
	cairn_state_env env;
	if (s) {
		json_object_foreach((json_t *)cairn_stack_params(s), k, v) {
			if (cairn_stack_param_noecho(s, k)) {
				json_t *set = json_object();
				const char *x;
				json_t *unused;
				leaves(set, v);
				json_object_foreach(set, x, unused)
					cairn_report_add_secret(r, x);
				json_decref(set);
			}
		}
		cairn_engine_state_env_init(&env, s, st);
	}
	json_object_foreach(cairn_state_resources(st), id, rec) {
		json_t *sens = json_object_get(rec, "sensitive");
		json_t *props = json_object_get(rec, "properties");
		const cairn_resource *res = s ? cairn_stack_find(s, id) : NULL;
		json_t *now = NULL, *applied, *given;
		const char *x;
		json_t *unused;
		size_t i;
		if (json_array_size(sens) == 0)
			continue;
		if (res && cairn_stack_eval_properties(s, res, &env.env, &now) < 0) {
			cairn_error_clear();
			now = NULL;
		}
		applied = json_object();
		given = json_object();
		json_array_foreach(sens, i, v) {
			if (!json_is_string(v))
				continue;
			leaves(applied, json_object_get(props, json_string_value(v)));
			leaves(given, json_object_get(now, json_string_value(v)));
		}
		json_object_foreach(applied, x, unused) {
			if (!json_object_get(given, x))
				cairn_report_add_secret(r, x);
		}
		json_decref(applied);
		json_decref(given);
		json_decref(now);
	}
}

/* One created resource that was read: IN_SYNC or MODIFIED. */
static void compare_found(cairn_report *r, cairn_report_drift **dp, const cairn_types *types,
                          const char *lid, const json_t *rec, const json_t *found)
{
	const char *type = jstr(json_object_get(rec, "type"));
	const cairn_type *t = types && type ? cairn_types_find(types, type) : NULL;
	const json_t *applied = json_object_get(rec, "properties");
	cairn_diff d = CAIRN_DIFF_INIT;
	size_t i;

	cairn_diff_properties(&d, t, applied, json_object_get(found, "properties"), NULL);
	*dp = cairn_report_add_drift(r, lid, type, jstr(json_object_get(rec, "id")),
	                             d.n ? CAIRN_DRIFT_MODIFIED : CAIRN_DRIFT_IN_SYNC);
	for (i = 0; i < d.n; i++) {
		const cairn_change *c = &d.v[i];
		if (cairn_state_path_sensitive(rec, c->path)) {
			json_t *m = json_string(SENSITIVE);
			cairn_report_drift_diff(*dp, c->path, c->after ? m : NULL,
			                        c->before ? m : NULL);
			json_decref(m);
		} else {
			/* after: the applied value (expected); before: the live one */
			cairn_report_drift_diff(*dp, c->path, c->after, c->before);
		}
	}
	cairn_diff_dispose(&d);
}

int cairn_drift_compare(const cairn_stack *s, const cairn_state *st, const json_t *refresh,
                        cairn_report *r, cairn_drift_result *res)
{
	const cairn_types *types = s ? cairn_stack_types(s) : NULL;
	const cairn_template *tpl = s ? cairn_stack_template(s) : NULL;
	const char *lid;
	json_t *rec;
	size_t errors = 0, drifted = 0;

	register_secrets(r, s, st);
	cairn_report_include_drift(r);
	json_object_foreach(cairn_state_resources(st), lid, rec) {
		const char *type = jstr(json_object_get(rec, "type"));
		const char *id = jstr(json_object_get(rec, "id"));
		const char *rstatus = jstr(json_object_get(rec, "status"));
		const json_t *lv = json_object_get(refresh, lid);
		const char *status = jstr(json_object_get(lv, "status"));
		const cairn_resource *res_t = s ? cairn_stack_find(s, lid) : NULL;
		cairn_report_drift *d = NULL;

		if (!type)
			type = "?";
		if (rstatus && strcmp(rstatus, "pending") == 0) {
			d = cairn_report_add_drift(r, lid, type, id, CAIRN_DRIFT_NOT_CHECKED);
			cairn_report_drift_reason(d, "an apply was interrupted while creating it; "
			                             "run cairn apply to finish it");
		} else if (!status) {
			d = cairn_report_add_drift(r, lid, type, id, CAIRN_DRIFT_NOT_CHECKED);
			cairn_report_drift_reason(d, "it was not read");
		} else if (strcmp(status, "found") == 0) {
			compare_found(r, &d, types, lid, rec, lv);
			drifted += d->status == CAIRN_DRIFT_MODIFIED;
		} else if (strcmp(status, "gone") == 0 || strcmp(status, "absent") == 0) {
			d = cairn_report_add_drift(r, lid, type, id, CAIRN_DRIFT_DELETED);
			drifted++;
		} else if (strcmp(status, "not_checked") == 0) {
			const char *why = jstr(json_object_get(lv, "reason"));
			d = cairn_report_add_drift(r, lid, type, id, CAIRN_DRIFT_NOT_CHECKED);
			cairn_report_drift_reason(d, why ? why : "its type cannot be read");
		} else {
			const char *err = jstr(json_object_get(lv, "error"));
			char *why =
			    cairn_xasprintf("reading it failed: %s", err ? err : "(no message)");
			d = cairn_report_add_drift(r, lid, type, id, CAIRN_DRIFT_NOT_CHECKED);
			cairn_report_drift_reason(d, why);
			free(why);
			errors++;
		}
		if (res_t && tpl)
			/* the template as the report names it (relative when it can be) */
			cairn_report_drift_locate(d,
			                          cairn_report_template_path(r)
			                              ? cairn_report_template_path(r)
			                              : cairn_template_path(tpl),
			                          res_t->line, res_t->col);
	}
	if (res) {
		res->read_errors = errors;
		res->drifted = drifted;
	}
	return 0;
}

int cairn_drift_run(cairn_engine *e, const cairn_stack *s, const cairn_state *st, cairn_report *r,
                    cairn_drift_result *res)
{
	json_t *all = cairn_state_resources(st), *rec;
	const char **ids;
	const char *lid;
	size_t n = 0;
	int rc;

	res->live = NULL;
	ids = cairn_xcalloc(json_object_size(all) + 1, sizeof(*ids));
	json_object_foreach(all, lid, rec) {
		const char *status = jstr(json_object_get(rec, "status"));
		if (status && strcmp(status, "created") == 0 && jstr(json_object_get(rec, "id")))
			ids[n++] = lid;
	}
	rc = n ? cairn_engine_refresh(e, st, ids, &res->live) : 0;
	free(ids);
	if (rc < 0)
		return rc;
	if (!res->live)
		res->live = json_object();
	return cairn_drift_compare(s, st, res->live, r, res);
}

void cairn_drift_result_dispose(cairn_drift_result *res)
{
	if (!res)
		return;
	json_decref(res->live);
	memset(res, 0, sizeof(*res));
}
