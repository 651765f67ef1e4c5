/*
 * plan.h: the diff between what a template wants and what is live, and
 * the plan made of those diffs.
 *
 * The diff (src/engine/diff.c) compares one resource's desired properties
 * with its live properties under the type's normalised schema (types.h):
 * objects only on the keys the template sets (plus keys the last apply set
 * and the template no longer does: those are removals), lists in order
 * unless the schema says set, scalars with CloudFormation's coercions
 * ("5" == 5, "true" == true), policy documents semantically, tags as a
 * set without aws: keys and cairn's own two (cairn:stack,
 * cairn:logical-id). It yields property-level changes
 * {path, before, after} and whether one of them is at a create-only path
 * (a replacement). Drift (the reports engineer) uses the same functions,
 * so that plan and drift never disagree about what "equal" means.
 *
 * The plan (src/engine/plan.c) decides per resource: create, update,
 * replace, delete or no-op, from the loaded stack, the state and the live
 * values that a refresh read through the providers (engine.h). It prints
 * like Terraform (+, ~, -, -/+), serialises as the JSON of
 * docs/plan-format.md, and can be saved (-out FILE) and applied later if
 * the state, template and parameters have not changed since.
 */
#ifndef CAIRN_PLAN_H
#define CAIRN_PLAN_H

#include <stdio.h>

#include <jansson.h>

#include "cairn/common.h"

typedef struct cairn_type cairn_type;   /* types.h */
typedef struct cairn_stack cairn_stack; /* stack.h */
typedef struct cairn_state cairn_state; /* state.h */

/* ---- diff ---------------------------------------------------------------- */

typedef struct cairn_change {
	char *path;     /* "VersioningConfiguration.Status", "Tags", "Rules[0].Id" */
	json_t *before; /* the live value (normalised for display), NULL when absent */
	json_t *after;  /* the desired value, NULL when removed; may hold unknown markers */
	int replaces;   /* 1 when this path is create-only: the change forces a replacement */
	int immutable;  /* 1 when this path can never change (types.h "immutable"): plan
			 * refuses the change */
} cairn_change;

typedef struct cairn_diff {
	cairn_change *v; /* the changes, in schema order */
	size_t n, cap;
	int replace;     /* 1 when any change replaces */
	int immutable;   /* 1 when any change is to an immutable path */
} cairn_diff;

#define CAIRN_DIFF_INIT {NULL, 0, 0, 0, 0}

/* Compares desired with live for a resource of type t (whose schema and
 * create-only paths are used; t may be NULL for schema-less comparison).
 * prior is what the last apply set (the state's properties) or NULL: a
 * key prior has and desired lacks is a removal when live still has a
 * value, except at create-only paths (removing one from the template
 * does not replace: cairn cannot know the default is different). Appends
 * to d. */
void cairn_diff_properties(cairn_diff *d, const cairn_type *t, const json_t *desired,
			   const json_t *live, const json_t *prior);
/* Appends one change for every property of desired (a create: before is
 * NULL). */
void cairn_diff_all(cairn_diff *d, const json_t *desired);
/* Frees the changes and re-zeroes d. */
void cairn_diff_dispose(cairn_diff *d);

/* 1 when desired equals live under the schema node (types.h form; NULL:
 * generic comparison with scalar coercions). Objects are compared on the
 * keys desired sets. An unknown marker in desired is never equal. */
int cairn_diff_equal(const json_t *schema, const json_t *desired, const json_t *live);
/* The value in its canonical form for the schema node (policy documents
 * parsed and ordered, tags filtered and sorted, Json strings parsed). New
 * reference. */
json_t *cairn_diff_normalize(const json_t *schema, const json_t *v);
/* A canonical policy document: a JSON string parsed, Version defaulted
 * ("2008-10-17", as IAM does), Statement always a list, single strings
 * made one-element lists, action/resource/principal/condition value lists
 * sorted and de-duplicated, statements sorted. New reference; a value that
 * is not a document is returned as is (copied). */
json_t *cairn_diff_policy_document(const json_t *doc);
/* Tags as compared: the {Key, Value} list without the keys
 * cairn_tag_key_reserved names (aws: keys, cairn:stack, cairn:logical-id;
 * other cairn: keys are the user's and stay), values as strings, sorted by
 * key. New reference. */
json_t *cairn_diff_tags(const json_t *tags);

/* ---- plan ---------------------------------------------------------------- */

typedef enum cairn_action {
	CAIRN_ACTION_NOOP = 0,
	CAIRN_ACTION_CREATE,
	CAIRN_ACTION_UPDATE,
	CAIRN_ACTION_REPLACE,
	CAIRN_ACTION_DELETE
} cairn_action;

/* "no-op", "create", "update", "replace", "delete". */
const char *cairn_action_name(cairn_action a);
/* The reverse; -1 when unknown. */
int cairn_action_parse(const char *name);

/* One resource's planned change. */
typedef struct cairn_planned {
	char *logical_id;   /* the resource */
	char *type;         /* its type ("AWS::S3::Bucket") */
	cairn_action action;
	cairn_diff diff;    /* property changes (for a create: every property) */
	char *id;           /* physical id: from the state, or found by find() for a pending
			     * create (adopt); NULL for a create */
	int retain;         /* delete or replace leaves the old resource in AWS
			     * (DeletionPolicy / UpdateReplacePolicy: Retain) */
	int delete_first;   /* replace: delete the old one first (its name is fixed by the
			     * template, so old and new cannot coexist) */
	int deposed;        /* delete of the old object of a replacement that an earlier run
			     * did not finish; id is that object's */
	int adopt;          /* the state's pending create was found in AWS (id): record it */
	int sensitive;      /* some value shown involves a NoEcho parameter */
	char *reason;       /* why, when it is not just the diff: "deleted outside cairn",
			     * "removed from the template", ...; or NULL */
	json_t *live;       /* the live properties the refresh read, or NULL: what an update
			     * is given as `old`, so a change made out of band is corrected */
} cairn_planned;

typedef struct cairn_plan {
	char *stack;              /* stack name */
	char *template_path;      /* the template planned, as given */
	char *template_sha256;    /* its SHA-256 */
	json_t *parameters;       /* parameter values given (object; may hold NoEcho values) */
	char *parameters_sha256;  /* SHA-256 of the canonical JSON of parameters */
	char *state_path;         /* the state planned against */
	char *lineage;            /* its lineage, or NULL when it did not exist */
	long long serial;         /* its serial (0 when it did not exist) */
	char *region, *account;   /* where it was planned */
	int destroy;              /* 1 for a destroy plan */
	char **targets;           /* --target ids (NULL-terminated) or NULL */
	cairn_planned *v;         /* one entry per resource considered, in apply order
				   * (deletes after creates and updates) */
	size_t n;
	json_t *outputs;          /* { name: {"value": v (unknown markers where not known),
				   *         "export": name or absent} } */
	json_t *noecho;           /* array of NoEcho parameter values, masked on output */
} cairn_plan;

typedef struct cairn_plan_options {
	const char *const *targets; /* --target ids, NULL-terminated, or NULL for all */
	int destroy;                /* plan the destruction of everything in the state */
	const char *region;         /* recorded in a saved plan */
	const char *account;        /* recorded in a saved plan */
} cairn_plan_options;

/* Makes the plan for stack s (loaded with the region and account it will
 * be applied to) against the state st and the refresh result live
 * (engine.h: cairn_engine_refresh). */
int cairn_plan_make(cairn_plan **out, const cairn_stack *s, const cairn_state *st,
		    const json_t *live, const cairn_plan_options *opts);
void cairn_plan_free(cairn_plan *p);

/* Counts per action; and 1 when the plan changes anything (including
 * adopting a pending create or updating outputs). */
void cairn_plan_counts(const cairn_plan *p, int *add, int *change, int *replace, int *destroy);
int cairn_plan_has_changes(const cairn_plan *p);

/* Human output (Terraform-like). color: ANSI colours. */
void cairn_plan_print(const cairn_plan *p, FILE *out, int color);
/* The JSON of docs/plan-format.md (new reference); NoEcho values masked. */
json_t *cairn_plan_to_json(const cairn_plan *p);

/* The stack document (stack.h, cairn_stack_document) with the planned
 * values: what the plan keeps is evaluated from the refresh and the state,
 * what it creates or replaces is unknown. For the policy packs under the
 * plan. *out is a new reference. */
int cairn_plan_document(const cairn_plan *p, const cairn_stack *s, const cairn_state *st,
			const json_t *live, json_t **out);

/* Saves the plan to path (mode 0600: it holds the parameter values). */
int cairn_plan_save(const cairn_plan *p, const char *path);
/* Loads a saved plan; CAIRN_EINVALID when path is not one. */
int cairn_plan_load(cairn_plan **out, const char *path);
/* 1 when path looks like a saved plan (not a template). */
int cairn_plan_is_file(const char *path);
/* CAIRN_ESTALE (message saying what changed) unless the state and the
 * template's hash are what the plan was made against. */
int cairn_plan_check_fresh(const cairn_plan *p, const cairn_state *st, const char *template_sha256);

/* SHA-256 of the canonical JSON of a parameters object (NULL: {}). */
void cairn_plan_params_sha256(const json_t *params, char out[65]);

/* The entry for logical_id (and not a deposed one), or NULL. */
cairn_planned *cairn_plan_find(const cairn_plan *p, const char *logical_id);

/* Replaces every occurrence of a NoEcho value inside v by "(sensitive)";
 * returns 1 when it replaced something. noecho: array of strings or NULL. */
int cairn_plan_mask(json_t *v, const json_t *noecho);

/* The names of the properties (top-level keys of props) whose values show
 * a NoEcho value: what apply records in the state as "sensitive", so that
 * later plans and `cairn state show` never show those properties, even
 * after the parameter's value changed. New array. */
json_t *cairn_plan_sensitive_keys(const json_t *props, const json_t *noecho);

#endif
