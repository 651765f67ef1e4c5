/*
 * retained.c: adopting back a resource this stack retained (engine.h,
 * cairn_engine_readopt_retained).
 *
 * A delete with DeletionPolicy: Retain (a destroy, or the resource's
 * removal from the template) leaves the resource in AWS, still carrying
 * this stack's cairn:stack and cairn:logical-id tags, and removes it from
 * the state; apply remembers it in the state's "retained" member
 * (state.h). When the template has that logical id again with the same
 * type, creating it would collide with the retained resource (a fixed
 * name: "already exists") or make a second one. Instead, before the
 * refresh, the remembered entry becomes a pending record, exactly what an
 * interrupted create leaves: the refresh runs the provider's find() with
 * the retained properties (its name) and the record's logical id, and
 * find() returns the resource only when its tags say it is this stack's
 * and this logical id's; the plan then adopts it (an update with
 * ctx.adopt when the template differs from what is live, as for an
 * interrupted create), or, when it is gone or no longer tagged as ours,
 * creates the resource anew. The pending record carries "retained" (the
 * time of the delete) and "retained_id", so that the plan says why it
 * adopts.
 *
 * Adoption is deliberate and narrow: only this state's own retained
 * resources, only for the same logical id and type, only what find()
 * recognises by this stack's tags. A resource retained before this record
 * existed is not adopted; creating it fails with a message saying that it
 * carries this stack's tags and what to do (the providers' create).
 *
 * The change is to the state in memory: it is written only when an apply
 * saves the state (the adoption, or the create, replaces the pending
 * record); a plan, or a declined apply, leaves the file as it was.
 */
#include <string.h>

#include "cairn/engine.h"

int cairn_engine_readopt_retained(const cairn_stack *s, cairn_state *st)
{
	json_t *retained = cairn_state_retained(st), *ret;
	size_t i;
	int n = 0;

	if (!retained)
		return 0;
	json_incref(retained); /* its last entry's removal drops it from the state */
	for (i = 0; i < cairn_stack_count(s); i++) {
		const cairn_resource *r = cairn_stack_at(s, i);
		const char *type;
		json_t *rec;
		if (!r->enabled || cairn_state_resource(st, r->logical_id))
			continue;
		ret = json_object_get(retained, r->logical_id);
		type = json_string_value(json_object_get(ret, "type"));
		if (!ret || !type || strcmp(type, r->type) != 0 ||
		    !json_is_object(json_object_get(ret, "properties")))
			continue;
		rec = json_pack("{s:s, s:s, s:O, s:[], s:{s:O?, s:O?}}", "type", type, "status",
				"pending", "properties", json_object_get(ret, "properties"),
				"depends_on", "pending", "retained",
				json_object_get(ret, "retained"), "retained_id",
				json_object_get(ret, "id"));
		cairn_state_set_resource(st, r->logical_id, rec);
		cairn_state_remove_retained(st, r->logical_id);
		n++;
	}
	json_decref(retained);
	return n;
}
