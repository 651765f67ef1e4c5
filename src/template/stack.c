/*
 * stack.c: a template made into a stack (stack.h): the load that
 * `cairn validate` runs, and the accessors the engine and the policy
 * engine use.
 *
 * cairn_stack_load runs the passes in order, each adding what it finds to
 * the same diagnostics list so that the user sees every error at once:
 *   1. the loader (template.c): YAML, duplicate keys, tags, aliases;
 *   2. the type registry (types.c);
 *   3. parameters bound and their constraints checked (params.c);
 *   4. every static check of sections, conditions, resources, properties
 *      and intrinsics, which also collects each resource's dependencies
 *      and evaluates the conditions (check.c);
 *   5. the graph: cycles reported, resources put in dependency order
 *      (graph.c);
 *   6. when all that is clean, a trial evaluation of every enabled
 *      resource's properties and of the outputs (eval.c), which finds the
 *      errors only values show (Fn::Select out of range, a missing
 *      mapping key reached through a parameter, a bad Fn::Cidr).
 * The stack owns the template, the registry and the bound parameters;
 * the strings a cairn_resource points to are the template's own.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/log.h"
#include "cairn/stack.h"
#include "internal.h"

const tpl_param *tpl_stack_param(const cairn_stack *st, const char *name)
{
	json_t *i = st->param_index ? json_object_get(st->param_index, name) : NULL;
	return i ? &st->params[json_integer_value(i)] : NULL;
}

cairn_resource *tpl_stack_resource(const cairn_stack *st, const char *logical_id)
{
	json_t *i = st->res_index ? json_object_get(st->res_index, logical_id) : NULL;
	return i ? &st->res[json_integer_value(i)] : NULL;
}

int tpl_is_pseudo(const char *name)
{
	static const char *const pseudo[] = {"AWS::AccountId", "AWS::Region", "AWS::Partition",
					     "AWS::URLSuffix", "AWS::StackName", "AWS::NoValue",
					     "AWS::NotificationARNs", NULL};
	size_t i;
	for (i = 0; pseudo[i]; i++)
		if (strcmp(name, pseudo[i]) == 0)
			return 1;
	return 0;
}

/* The partition and URL suffix of a region, as the AWS SDKs' endpoint
 * data has them. */
static const char *partition_of(const char *region)
{
	if (!region)
		return "aws";
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	if (strncmp(region, "us-isob-", 8) == 0)
		return "aws-iso-b";
	if (strncmp(region, "us-isof-", 8) == 0)
		return "aws-iso-f";
	if (strncmp(region, "eu-isoe-", 8) == 0)
		return "aws-iso-e";
	if (strncmp(region, "us-iso-", 7) == 0)
		return "aws-iso";
	return "aws";
}

static const char *url_suffix_of(const char *partition)
{
	if (strcmp(partition, "aws-cn") == 0)
		return "amazonaws.com.cn";
	if (strcmp(partition, "aws-iso") == 0)
		return "c2s.ic.gov";
	if (strcmp(partition, "aws-iso-b") == 0)
		return "sc2s.sgov.gov";
	if (strcmp(partition, "aws-iso-e") == 0)
		return "cloud.adc-e.uk";
	if (strcmp(partition, "aws-iso-f") == 0)
		return "csp.hci.ic.gov";
	return "amazonaws.com";
}

/* The file's base name without its extension. */
static char *name_from_path(const char *path)
{
	const char *b = strrchr(path, '/'), *dot;
	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	if (!dot || dot == b)
		return cairn_xstrdup(b);
	return cairn_xstrndup(b, (size_t)(dot - b));
}

/* CloudFormation's rule for stack names, which keeps state file names and
 * AWS::StackName in generated resource names safe. */
static int valid_stack_name(const char *s)
{
	size_t n = 0;
	if (!isalpha((unsigned char)*s))
		return 0;
	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return n <= 128;
}

static void trial_eval(cairn_stack *st, cairn_diags *diags)
{
	size_t i;
	json_t *out = NULL;
	for (i = 0; i < st->nres; i++) {
		const cairn_resource *r = &st->res[i];
		char *prefix;
		if (!r->enabled)
			continue;
		prefix = cairn_xasprintf("%s (%s): ", r->logical_id, r->type);
		if (tpl_eval(st, r->properties, NULL, 1, diags, prefix, &out) == 0)
			json_decref(out);
		free(prefix);
	}
	{
		json_t *outputs = json_object_get(cairn_template_root(st->tpl), "Outputs");
		const char *name;
		json_t *o;
		if (!json_is_object(outputs))
			return;
		json_object_foreach(outputs, name, o) {
			const char *cond = json_string_value(json_object_get(o, "Condition"));
			if (!json_is_object(o))
				continue;
			char *prefix;
			if (cond && tpl_condition_value(st, cond) == TPL_FALSE)
				continue;
			prefix = cairn_xasprintf("output %s: ", name);
			if (tpl_eval(st, o, NULL, 1, diags, prefix, &out) == 0)
				json_decref(out);
			free(prefix);
		}
	}
}

int cairn_stack_load(cairn_stack **out, const char *path, const cairn_stack_options *opts,
		     cairn_diags *diags)
{
	cairn_stack_options none;
	cairn_stack *st;
	size_t before = diags->nerrors;
	int rc;

	double t0 = cairn_now(), t1, t2, t3, t4, t5;

	*out = NULL;
	if (!opts) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	st = cairn_xcalloc(1, sizeof(*st));
	rc = cairn_template_load(&st->tpl, path, diags);
	t1 = cairn_now();
	if (rc < 0) {
		cairn_stack_free(st);
		return rc;
	}
	st->file = cairn_template_path(st->tpl);
	rc = cairn_types_load(&st->types);
	if (rc < 0) {
		cairn_diags_add(diags, CAIRN_DIAG_ERROR, st->file, 0, 0,
				"cannot load cairn's resource types: %s", cairn_error_last());
		cairn_stack_free(st);
		return rc;
	}

	st->name = opts->name ? cairn_xstrdup(opts->name) : name_from_path(path);
	if (!valid_stack_name(st->name))
		cairn_diags_add(diags, CAIRN_DIAG_ERROR, st->file, 0, 0,
				"stack name '%s'%s is not valid: up to 128 letters, digits and "
				"hyphens, starting with a letter; %s",
				st->name, opts->name ? "" : " (the file's name)",
				opts->name ? "change --stack-name" : "pass --stack-name NAME");
	st->region = opts->region ? cairn_xstrdup(opts->region) : NULL;
	st->account_id = opts->account_id ? cairn_xstrdup(opts->account_id) : NULL;
	st->partition = cairn_xstrdup(opts->partition ? opts->partition
						      : partition_of(opts->region));
	st->url_suffix = cairn_xstrdup(opts->url_suffix ? opts->url_suffix
							: url_suffix_of(st->partition));
	st->state_dir = cairn_xstrdup(opts->state_dir ? opts->state_dir : ".cairn");
	if (opts->azs) {
		size_t i;
		st->azs = json_array();
		for (i = 0; i < opts->nazs; i++)
			json_array_append_new(st->azs, json_string(opts->azs[i]));
	}
	st->empty = json_object();

	t2 = cairn_now();
	tpl_params_bind(st, opts, diags);
	tpl_check(st, diags);
	t3 = cairn_now();
	tpl_graph_order(st, diags);
	t4 = cairn_now();
	if (diags->nerrors == before)
		trial_eval(st, diags);
	t5 = cairn_now();
	cairn_log(CAIRN_LOG_DEBUG, "%s: %zu resources: read %.3f s, types %.3f s, check %.3f s, "
				   "graph %.3f s, evaluate %.3f s", path, st->nres, t1 - t0, t2 - t1,
		  t3 - t2, t4 - t3, t5 - t4);
	cairn_diags_sort(diags);
	if (diags->nerrors > before) {
		size_t n = diags->nerrors - before;
		cairn_stack_free(st);
		return cairn_error_setc(CAIRN_EINVALID, "%s: %zu error%s in the template", path, n,
					n == 1 ? "" : "s");
	}
	*out = st;
	return 0;
}

void cairn_stack_free(cairn_stack *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->nres; i++)
		free((void *)s->res[i].depends);
	free(s->res);
	free(s->tpl_order);
	json_decref(s->res_index);
	free(s->params);
	json_decref(s->param_index);
	json_decref(s->param_values);
	json_decref(s->cond_values);
	json_decref(s->exports);
	json_decref(s->export_from);
	json_decref(s->azs);
	json_decref(s->empty);
	free(s->name);
	free(s->region);
	free(s->account_id);
	free(s->partition);
	free(s->url_suffix);
	free(s->state_dir);
	cairn_types_free(s->types);
	cairn_template_free(s->tpl);
	free(s);
}

const char *cairn_stack_name(const cairn_stack *s)
{
	return s->name;
}

const cairn_template *cairn_stack_template(const cairn_stack *s)
{
	return s->tpl;
}

const cairn_types *cairn_stack_types(const cairn_stack *s)
{
	return s->types;
}

size_t cairn_stack_count(const cairn_stack *s)
{
	return s->nres;
}

const cairn_resource *cairn_stack_at(const cairn_stack *s, size_t i)
{
	return i < s->nres ? &s->res[i] : NULL;
}

const cairn_resource *cairn_stack_find(const cairn_stack *s, const char *logical_id)
{
	return tpl_stack_resource(s, logical_id);
}

const json_t *cairn_stack_params(const cairn_stack *s)
{
	return s->param_values;
}

int cairn_stack_param_noecho(const cairn_stack *s, const char *name)
{
	const tpl_param *p = tpl_stack_param(s, name);
	return p ? p->noecho : 0;
}
