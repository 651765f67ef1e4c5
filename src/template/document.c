/*
 * document.c: the stack as policies see it (docs/internals/stack-document.md).
 *
 * One JSON document per stack: where it is (stack name, template file,
 * region, account, partition), its parameters with NoEcho values masked,
 * every resource that is created (or whose condition is not known yet)
 * with its properties evaluated through the caller's env (unknown values
 * as markers), and the outputs. Policies never see the template's
 * intrinsics, only what they evaluate to; they find source positions with
 * cairn_template_resource_mark().
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "internal.h"

#define NOECHO_MASK "****"

int cairn_stack_document(const cairn_stack *s, const cairn_eval_env *env, json_t **out)
{
	json_t *doc = json_object(), *params = json_object(), *res = json_object(), *outputs;
	size_t i, k;
	int rc;

	*out = NULL;
	for (i = 0; i < s->nparams; i++) {
		const tpl_param *p = &s->params[i];
		json_t *v = json_object_get(s->param_values, p->name);
		if (!v)
			continue;
		json_object_set_new(params, p->name, p->noecho ? json_string(NOECHO_MASK)
							      : json_incref(v));
	}
	/* resources in template order: what policies list first is what the
	 * author wrote first */
	for (k = 0; k < s->nres; k++) {
		const cairn_resource *r = &s->res[s->tpl_order[k]];
		json_t *props = NULL, *o, *deps;
		size_t j;
		if (r->enabled == 0)
			continue;
		rc = cairn_stack_eval_properties(s, r, env, &props);
		if (rc < 0) {
			json_decref(doc);
			json_decref(params);
			json_decref(res);
			return rc;
		}
		deps = json_array();
		for (j = 0; j < r->ndepends; j++)
			json_array_append_new(deps, json_string(r->depends[j]));
		o = json_pack("{s:s, s:o, s:o}", "Type", r->type, "Properties", props, "DependsOn",
			      deps);
		if (r->metadata)
			json_object_set(o, "Metadata", (json_t *)r->metadata);
		if (r->condition)
			json_object_set_new(o, "Condition", json_string(r->condition));
		json_object_set_new(res, r->logical_id, o);
	}
	rc = cairn_stack_eval_outputs(s, env, &outputs);
	if (rc < 0) {
		json_decref(doc);
		json_decref(params);
		json_decref(res);
		return rc;
	}
	json_object_set_new(doc, "stack", json_string(s->name));
	json_object_set_new(doc, "file", json_string(s->file));
	json_object_set_new(doc, "region", s->region ? json_string(s->region) : json_null());
	json_object_set_new(doc, "account", s->account_id ? json_string(s->account_id)
							  : json_null());
	json_object_set_new(doc, "partition", json_string(s->partition));
	json_object_set_new(doc, "parameters", params);
	json_object_set_new(doc, "resources", res);
	json_object_set_new(doc, "outputs", outputs);
	*out = doc;
	return 0;
}
