/*
 * livedoc.c: the live stack document `cairn audit` hands to the policy
 * packs (audit.h, cairn_audit_document; the form is in
 * docs/internals/policy-engine.md, "Live documents").
 *
 * It starts from the planned document of the stack (cairn_stack_document)
 * evaluated against the state, which supplies what the template says
 * about each resource besides its values: Type, Metadata (the waivers),
 * DependsOn, Condition, and the parameters with NoEcho values masked.
 * Then every resource's Properties are replaced by what its provider read
 * from AWS in the drift run's refresh, and PhysicalId and Attributes are
 * added (from the read, else from the state), so policies judge AWS and
 * can map literal ids and ARNs back to resources. Resources that the read
 * did not find are removed; resources the state has and the template
 * dropped are added (they still exist). The account's facts go under
 * "account_data".
 *
 * Owns nothing: the document is returned to the caller.
 */
#include <string.h>

#include "cairn/audit.h"
#include "cairn/engine.h"

static const char *jstr(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The refresh entry of id when the read found it, else NULL. */
static const json_t *found(const json_t *refresh, const char *id)
{
	const json_t *lv = json_object_get(refresh, id);
	const char *status = jstr(json_object_get(lv, "status"));
	return status && strcmp(status, "found") == 0 ? lv : NULL;
}

/* Replaces o's values by the live ones. */
static void make_live(json_t *o, const json_t *rec, const json_t *lv)
{
	const json_t *attrs = json_object_get(lv, "attributes");
	json_object_set(o, "Properties", json_object_get(lv, "properties"));
	if (json_object_get(rec, "id"))
		json_object_set(o, "PhysicalId", json_object_get(rec, "id"));
	if (json_object_size(attrs) == 0)
		attrs = json_object_get(rec, "attributes");
	if (attrs)
		json_object_set(o, "Attributes", (json_t *)attrs);
}

int cairn_audit_document(const cairn_stack *s, const cairn_state *st, const json_t *refresh,
                         const json_t *account, json_t **out)
{
	cairn_state_env env;
	json_t *doc = NULL, *res, *o, *rec;
	const char *id;
	void *tmp;
	int rc;

	*out = NULL;
	cairn_engine_state_env_init(&env, s, st);
	rc = cairn_stack_document(s, &env.env, &doc);
	if (rc < 0)
		return rc;
	res = json_object_get(doc, "resources");
	json_object_foreach_safe(res, tmp, id, o) {
		const json_t *lv = found(refresh, id);
		if (!lv) {
			json_object_del(res, id);
			continue;
		}
		make_live(o, cairn_state_resource(st, id), lv);
	}
	json_object_foreach(cairn_state_resources(st), id, rec) {
		const json_t *lv = found(refresh, id);
		const char *type = jstr(json_object_get(rec, "type"));
		json_t *deps;
		if (!lv || !type || json_object_get(res, id))
			continue;
		deps = json_object_get(rec, "depends_on");
		o = json_pack("{s:s, s:o}", "Type", type, "DependsOn",
		              json_is_array(deps) ? json_deep_copy(deps) : json_array());
		make_live(o, rec, lv);
		json_object_set_new(res, id, o);
	}
	json_object_set_new(doc, "live", json_true());
	if (account)
		json_object_set_new(doc, "account_data", json_deep_copy(account));
	*out = doc;
	return 0;
}
