/*
 * exports.c: refusing to take away an export that another stack imports
 * (engine.h, cairn_engine_check_exports).
 *
 * CloudFormation refuses to delete a stack, or to remove or change an
 * exported output, while another stack imports the export. cairn does the
 * same from the states: every apply records in its state's "imports" which
 * exports the stack imports and from which stack
 * (docs/internals/state.md#imports). Before a plan is applied, the other
 * states beside this one (the same directory Fn::ImportValue reads) are
 * read; each whose "imports" names an export of this stack, with this
 * stack as the exporter, is an importer. A destroy plan takes every export
 * away; any other plan takes away an export when the output is deleted,
 * when its Export name changes or goes, or when its value changes (or may
 * change: a value known only after apply). Each such export with an
 * importer is listed in one error, with the importing stacks, their
 * states and the commands that release them.
 *
 * An importing stack that was applied without the Fn::ImportValue, or was
 * destroyed, no longer lists the export, so it no longer holds it. A state
 * written before imports were recorded lists nothing: such a stack is
 * not known to import anything until it is applied again.
 *
 * cairn_engine_record_imports writes the "imports" record: at the end of
 * every successful apply, and when apply finds nothing to change (a
 * template that replaced an Fn::ImportValue by the same value changes no
 * resource, yet no longer imports).
 *
 * Owns nothing beyond the call: the states read are freed before it
 * returns.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/engine.h"

/* { export name: [ {"stack", "state", "template"} ] } for the exports in
 * `exported` (export name -> output name) that another state in the
 * directory of own_path imports from stack `stack`. */
static json_t *find_importers(const char *own_path, const char *stack, const json_t *exported)
{
	static const char suffix[] = ".state.json";
	json_t *out = json_object();
	struct dirent **list = NULL;
	char *dir = cairn_path_dir(own_path), *own_base;
	const char *slash = strrchr(own_path, '/');
	int n, k;

	own_base = cairn_xstrdup(slash ? slash + 1 : own_path);
	n = scandir(dir, &list, NULL, alphasort);
	for (k = 0; k < n; k++) {
		const char *name = list[k]->d_name, *ex, *from, *other;
		size_t len = strlen(name);
		json_t *root, *imports, *x;
		char *path;
		if (len <= sizeof(suffix) - 1 ||
		    strcmp(name + len - (sizeof(suffix) - 1), suffix) != 0 ||
		    strcmp(name, own_base) == 0) {
			free(list[k]);
			continue;
		}
		path = strcmp(dir, ".") == 0 ? cairn_xstrdup(name)
					     : cairn_xasprintf("%s/%s", dir, name);
		root = json_load_file(path, 0, NULL);
		imports = json_object_get(root, "imports");
		other = json_string_value(json_object_get(root, "stack"));
		if (other && strcmp(other, stack) != 0) {
			json_object_foreach(imports, ex, x) {
				from = json_string_value(x);
				if (!from || strcmp(from, stack) != 0 || !json_object_get(exported, ex))
					continue;
				if (!json_object_get(out, ex))
					json_object_set_new(out, ex, json_array());
				json_array_append_new(
					json_object_get(out, ex),
					json_pack("{s:s, s:s, s:s?}", "stack", other, "state", path,
						  "template",
						  json_string_value(json_object_get(
							  json_object_get(root, "template"), "path"))));
			}
		}
		json_decref(root);
		free(path);
		free(list[k]);
	}
	free(list);
	free(dir);
	free(own_base);
	return out;
}

/* Why plan p takes export ex (of output oname) away, or NULL when it
 * keeps it. New string. */
static char *taken_away(const cairn_plan *p, const char *ex, const char *oname)
{
	json_t *o = json_object_get(p->outputs, oname);
	const char *change = json_string_value(json_object_get(o, "change"));
	const char *now = json_string_value(json_object_get(o, "export"));
	char *before, *after, *why;

	if (p->destroy)
		return cairn_xstrdup("destroying the stack deletes it");
	if (!o || (change && strcmp(change, "delete") == 0))
		return cairn_xasprintf("output %s is no longer in the template (or its Condition "
				       "is false)", oname);
	if (!now)
		return cairn_xasprintf("output %s no longer has Export", oname);
	if (strcmp(now, ex) != 0)
		return cairn_xasprintf("output %s's Export.Name changes to '%s'", oname, now);
	if (!change || strcmp(change, "update") != 0)
		return NULL;
	if (cairn_has_unknown(json_object_get(o, "value")))
		return cairn_xasprintf("output %s's value is known only after apply (it refers "
				       "to a resource this plan replaces or creates), so it may "
				       "change",
				       oname);
	before = json_dumps(json_object_get(o, "before"), JSON_COMPACT | JSON_ENCODE_ANY);
	after = json_dumps(json_object_get(o, "value"), JSON_COMPACT | JSON_ENCODE_ANY);
	why = cairn_xasprintf("output %s's value changes from %s to %s", oname,
			      before ? before : "null", after ? after : "null");
	free(before);
	free(after);
	return why;
}

int cairn_engine_check_exports(const cairn_plan *p, const cairn_state *st)
{
	json_t *exported = json_object(), *importers, *o, *list, *imp, *who;
	const char *oname, *ex;
	cairn_buf msg = CAIRN_BUF_INIT;
	size_t i, refused = 0;
	int rc = 0;

	json_object_foreach(cairn_state_outputs(st), oname, o) {
		const char *e = json_string_value(json_object_get(o, "export"));
		if (e)
			json_object_set_new(exported, e, json_string(oname));
	}
	if (json_object_size(exported) == 0 || !cairn_state_exists(st)) {
		json_decref(exported);
		return 0;
	}
	who = json_object();
	importers = find_importers(cairn_state_path(st), cairn_state_stack(st), exported);
	json_object_foreach(importers, ex, list) {
		char *why = taken_away(p, ex, json_string_value(json_object_get(exported, ex)));
		if (!why)
			continue;
		refused++;
		cairn_buf_printf(&msg, "\n  export '%s': %s; imported by", ex, why);
		json_array_foreach(list, i, imp) {
			cairn_buf_printf(&msg, "%s stack '%s' (state %s)", i ? "," : "",
					 json_string_value(json_object_get(imp, "stack")),
					 json_string_value(json_object_get(imp, "state")));
			json_object_set(who, json_string_value(json_object_get(imp, "stack")), imp);
		}
		free(why);
	}
	if (refused) {
		cairn_buf how = CAIRN_BUF_INIT;
		const char *stack;
		json_object_foreach(who, stack, imp) {
			{
				const char *tpl = json_string_value(json_object_get(imp, "template"));
				cairn_buf_printf(&how,
						 "\n  cairn apply %s --state %s   (after removing its "
						 "Fn::ImportValue of this stack's exports), or\n"
						 "  cairn destroy %s --state %s",
						 tpl ? tpl : "TEMPLATE",
						 json_string_value(json_object_get(imp, "state")),
						 tpl ? tpl : "TEMPLATE",
						 json_string_value(json_object_get(imp, "state")));
			}
		}
		rc = cairn_error_setc(
			CAIRN_EINVALID,
			"%s of stack '%s' refused: %zu of its exports %s imported by other "
			"stacks, and this plan takes %s away (CloudFormation refuses this too):%s\n"
			"Make the importing stack%s stop importing %s first:%s\n"
			"then run this again. Nothing was changed.",
			p->destroy ? "destroy" : "apply", cairn_state_stack(st), refused,
			refused == 1 ? "is" : "are", refused == 1 ? "it" : "them",
			cairn_buf_cstr(&msg), json_object_size(who) == 1 ? "" : "s",
			refused == 1 ? "it" : "them", cairn_buf_cstr(&how));
		cairn_buf_dispose(&how);
	}
	cairn_buf_dispose(&msg);
	json_decref(who);
	json_decref(importers);
	json_decref(exported);
	return rc;
}

int cairn_engine_record_imports(const cairn_stack *s, cairn_state *st, int targeted)
{
	json_t *now = NULL, *old = cairn_state_imports(st);
	int changed;

	cairn_stack_imports(s, &now);
	if (targeted && old) {
		/* resources the targeted apply did not touch may still import
		 * what the template no longer does */
		json_t *merged = json_deep_copy(old);
		json_object_update(merged, now);
		json_decref(now);
		now = merged;
	}
	changed = old ? !json_equal(now, old) : json_object_size(now) > 0;
	cairn_state_set_imports(st, now);
	return changed;
}
