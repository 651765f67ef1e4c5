/*
 * env.c: answering Ref and Fn::GetAtt from the state (engine.h,
 * cairn_engine_state_env_init).
 *
 * Apply evaluates each resource's properties when its dependencies have
 * finished, with an env that reads their records from the state: the
 * physical id (or the attribute the type's Ref returns) and the
 * attributes. Only records whose status is "created" answer; a pending or
 * missing one leaves the value unknown. Plan wraps this env with what the
 * refresh read (plan.c), and drift evaluates the template with it.
 */
#include <string.h>

#include "cairn/engine.h"
#include "cairn/types.h"

static json_t *created_record(const cairn_state_env *se, const char *logical_id)
{
	json_t *rec = cairn_state_resource(se->st, logical_id);
	const char *status = json_string_value(json_object_get(rec, "status"));
	if (!rec || !status || strcmp(status, "created") != 0)
		return NULL;
	return rec;
}

static json_t *env_ref(void *ud, const char *logical_id)
{
	const cairn_state_env *se = ud;
	json_t *rec = created_record(se, logical_id);
	const cairn_type *t;
	if (!rec)
		return NULL;
	t = cairn_types_find(cairn_stack_types(se->s),
			     json_string_value(json_object_get(rec, "type")));
	if (t && t->ref) {
		json_t *v = json_object_get(json_object_get(rec, "attributes"), t->ref);
		return v ? json_incref(v) : NULL;
	}
	return json_incref(json_object_get(rec, "id"));
}

static json_t *env_getatt(void *ud, const char *logical_id, const char *attribute)
{
	const cairn_state_env *se = ud;
	json_t *rec = created_record(se, logical_id);
	json_t *v = rec ? json_object_get(json_object_get(rec, "attributes"), attribute) : NULL;
	return v ? json_incref(v) : NULL;
}

void cairn_engine_state_env_init(cairn_state_env *se, const cairn_stack *s, const cairn_state *st)
{
	memset(se, 0, sizeof(*se));
	se->s = s;
	se->st = st;
	se->env.ref = env_ref;
	se->env.getatt = env_getatt;
	se->env.ud = se;
}
