/*
 * stack.h: a template made into a stack: parameters bound, conditions
 * evaluated, every resource checked against its type, the dependency graph
 * built, and intrinsics evaluated as far as they can be.
 *
 * cairn_stack_load() is what `cairn validate` runs: every error found goes
 * to diags as FILE:LINE:COL: message, and the load fails if there is any.
 * The engine (plan, apply, drift) and the policy engine (check, audit)
 * start from a loaded stack.
 *
 * Values not known before apply (a new resource's Ref or attributes; the
 * account id when there are no credentials) evaluate to an unknown marker,
 *     {"Cairn::Unknown": <the intrinsic expression that could not be resolved>}
 * e.g. {"Cairn::Unknown": {"Fn::GetAtt": ["Key", "Arn"]}}, which plan prints
 * as "(known after apply)" and policies see as unknown.
 */
#ifndef CAIRN_STACK_H
#define CAIRN_STACK_H

#include <stdio.h>

#include <jansson.h>

#include "cairn/diag.h"
#include "cairn/template.h"

#define CAIRN_UNKNOWN_KEY "Cairn::Unknown"

typedef struct cairn_types cairn_types;   /* types.h */
typedef struct cairn_type cairn_type;

typedef struct cairn_stack_options {
	const char *name;        /* --stack-name; NULL: the file's base name without extension */
	const json_t *params;    /* object name -> value from --param/--params (borrowed), or NULL */
	const char *region;      /* NULL: unknown (check without credentials): AWS::Region is unknown */
	const char *account_id;  /* NULL: unknown */
	const char *partition;   /* NULL: "aws" (or derived from region) */
	const char *url_suffix;  /* NULL: derived from the partition */
	const char *state_dir;   /* where Fn::ImportValue finds other stacks' states; NULL: ".cairn" */
	const char *const *azs;  /* Fn::GetAZs of region (e.g. from EC2 DescribeAvailabilityZones),
				  * or NULL: Fn::GetAZs is unknown */
	size_t nazs;
} cairn_stack_options;

typedef enum cairn_deletion_policy {
	CAIRN_POLICY_DELETE = 0,
	CAIRN_POLICY_RETAIN = 1
} cairn_deletion_policy;

typedef struct cairn_resource {
	const char *logical_id;
	const char *type;             /* "AWS::S3::Bucket" */
	const cairn_type *t;          /* its registry entry */
	const json_t *properties;     /* as written (long-form intrinsics); borrowed from the template; never NULL */
	const json_t *metadata;       /* the resource's Metadata, or NULL */
	const char **depends;         /* logical ids it depends on (Ref, GetAtt, Sub, DependsOn), sorted, unique */
	size_t ndepends;
	cairn_deletion_policy deletion_policy;
	cairn_deletion_policy update_replace_policy;
	const char *condition;        /* its Condition name, or NULL */
	int enabled;                  /* 1 when it has no Condition or its Condition is true, 0
				       * when it is false, -1 when it cannot be known yet (it
				       * depends on AWS::AccountId or AWS::Region, which are
				       * unknown): checks treat -1 as enabled, apply must not */
	int line, col;                /* where its logical id is written */
} cairn_resource;

typedef struct cairn_stack cairn_stack;

int cairn_stack_load(cairn_stack **out, const char *path, const cairn_stack_options *opts,
		     cairn_diags *diags);
void cairn_stack_free(cairn_stack *s);

const char *cairn_stack_name(const cairn_stack *s);
const cairn_template *cairn_stack_template(const cairn_stack *s);
const cairn_types *cairn_stack_types(const cairn_stack *s);

/* The resources, in a dependency order (each after all it depends on;
 * ties in template order). Includes disabled ones (enabled == 0). The
 * cairn_resource pointers stay valid until the stack is freed. */
size_t cairn_stack_count(const cairn_stack *s);
const cairn_resource *cairn_stack_at(const cairn_stack *s, size_t i);
const cairn_resource *cairn_stack_find(const cairn_stack *s, const char *logical_id);

/* Parameter values as bound (borrowed object name -> value), and whether a
 * parameter is NoEcho (its value must never be printed or stored). */
const json_t *cairn_stack_params(const cairn_stack *s);
int cairn_stack_param_noecho(const cairn_stack *s, const char *name);

/* How intrinsics that name resources are answered. Each returns a new
 * reference, or NULL when the value is not known yet (the result is then
 * an unknown marker). A NULL env (or NULL function) means nothing about
 * resources is known.
 *
 * Fn::ImportValue first looks in the states of other stacks (state_dir,
 * read when the stack loads); only an export no state has is asked of
 * import_value. Without an import_value function such an export is an
 * error naming it (plan, apply); `cairn check` passes a function that
 * returns NULL, so the import is simply unknown. */
typedef struct cairn_eval_env {
	json_t *(*ref)(void *ud, const char *logical_id);
	json_t *(*getatt)(void *ud, const char *logical_id, const char *attribute);
	json_t *(*import_value)(void *ud, const char *export_name);
	void *ud;
} cairn_eval_env;

/* Evaluates value (from this stack's template) into *out (new reference):
 * intrinsics resolved where possible, unknown markers where not,
 * AWS::NoValue removed. Fails (CAIRN_EINVALID, message naming the
 * intrinsic) on errors that only show at evaluation, such as Fn::Select
 * out of range. */
int cairn_stack_eval(const cairn_stack *s, const json_t *value, const cairn_eval_env *env,
		     json_t **out);
/* The resource's Properties evaluated. */
int cairn_stack_eval_properties(const cairn_stack *s, const cairn_resource *r,
				const cairn_eval_env *env, json_t **out);
/* The Outputs evaluated: { name: { "Value": v, "Description": d,
 * "Export": name-or-absent } }, only those whose Condition holds (or is
 * not known yet). */
int cairn_stack_eval_outputs(const cairn_stack *s, const cairn_eval_env *env, json_t **out);

/* The exports this stack imports from the other stacks' states in its
 * state_dir (stack_options.state_dir): *out is a new object { export
 * name: exporting stack name }, for every Fn::ImportValue in the
 * Properties of an enabled resource (or one whose Condition cannot be
 * known yet) and in the Value or Export of an Output whose Condition
 * holds, taking only the branch of an Fn::If its condition takes (both
 * when unknown). The names are evaluated (they may use parameters,
 * mappings and pseudo parameters); a name no state exports, or that
 * cannot be known, is not listed. What apply records in the state's
 * "imports", so that the exporting stack's destroy or change of that
 * export is refused (docs/internals/state.md#imports). */
int cairn_stack_imports(const cairn_stack *s, json_t **out);

/* 1 when v is an unknown marker; cairn_has_unknown looks inside too. */
int cairn_is_unknown(const json_t *v);
int cairn_has_unknown(const json_t *v);

/* The stack as policies see it (docs/internals/stack-document.md):
 * { "stack", "file", "region", "account", "partition", "parameters"
 * (NoEcho values masked), "resources": { id: { "Type", "Properties"
 * (evaluated with env), "Metadata", "DependsOn", "Condition" } },
 * "outputs" }; only enabled resources. */
int cairn_stack_document(const cairn_stack *s, const cairn_eval_env *env, json_t **out);

/* Graphviz DOT of the dependency graph: one node per resource labelled
 * with its logical id and type (dashed when its Condition is false, or
 * not known), one edge from each resource to each it depends on. */
void cairn_stack_write_dot(const cairn_stack *s, FILE *out);
/* The same as JSON (docs/commands/graph.md): {"stack", "file",
 * "resources": [{"logical_id", "type", "depends_on", "condition",
 * "enabled", "line", "column"}] in dependency order}. */
int cairn_stack_graph_json(const cairn_stack *s, json_t **out);

#endif
