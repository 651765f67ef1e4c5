/*
 * internal.h: private to src/template: what the loader, the validator, the
 * evaluator, the graph and the stack document share.
 *
 * Names here start with tpl_ (the module's internal prefix, like curl's
 * Curl_): they are not part of cairn's API and may change with the code
 * that uses them.
 */
#ifndef CAIRN_TEMPLATE_INTERNAL_H
#define CAIRN_TEMPLATE_INTERNAL_H

#include <jansson.h>

#include "cairn/diag.h"
#include "cairn/stack.h"
#include "cairn/template.h"
#include "cairn/types.h"

/* ---- template.c: marks ------------------------------------------------ */

/* The position of the key of member key of obj. Returns 0 when known,
 * CAIRN_ENOTFOUND otherwise (positions left as they were). */
int tpl_mark_member(const cairn_template *t, const json_t *obj, const char *key, int *line,
		    int *col);
/* The position of item i of arr. */
int tpl_mark_item(const cairn_template *t, const json_t *arr, size_t i, int *line, int *col);
/* The position of the document's root node. */
void tpl_mark_root(const cairn_template *t, int *line, int *col);

/* ---- scalars ---------------------------------------------------------- */

/* A scalar as text, the way CloudFormation turns it into a string: strings
 * as they are, integers in decimal, reals in the shortest form that reads
 * back the same, true/false. Returns NULL for null, arrays and objects.
 * The result is a new allocation. */
char *tpl_scalar_string(const json_t *v);

/* Edit distance (Levenshtein, case-insensitive), capped at cap + 1. */
int tpl_distance(const char *a, const char *b, int cap);

/* ---- the stack --------------------------------------------------------- */

/* What a parameter's Type makes of its value. */
typedef enum tpl_param_kind {
	TPL_PARAM_STRING = 0,  /* String and AWS::EC2::...::Id: a string */
	TPL_PARAM_NUMBER,      /* Number: a JSON number */
	TPL_PARAM_LIST_STRING, /* CommaDelimitedList, List<AWS::...>: a list of strings */
	TPL_PARAM_LIST_NUMBER  /* List<Number>: a list of numbers */
} tpl_param_kind;

typedef struct tpl_param {
	const char *name;     /* borrowed from the template */
	tpl_param_kind kind;  /* what Ref to it gives */
	int noecho;           /* NoEcho: true */
	int line, col;        /* where its name is written */
} tpl_param;

/* The value of a condition: known true or false, or not known before
 * apply (it depends on the account id or region when they are unknown). */
enum { TPL_FALSE = 0, TPL_TRUE = 1, TPL_UNKNOWN = -1 };

/* The stack (stack.h); every pass of the load fills part of it. */
struct cairn_stack {
	char *name;                /* the stack name */
	cairn_template *tpl;       /* the template (owned) */
	cairn_types *types;        /* the type registry (owned) */
	const char *file;          /* cairn_template_path(tpl) */

	char *region;              /* AWS::Region, or NULL when unknown */
	char *account_id;          /* AWS::AccountId, or NULL when unknown */
	char *partition;           /* AWS::Partition (never NULL) */
	char *url_suffix;          /* AWS::URLSuffix (never NULL) */
	char *state_dir;           /* where other stacks' states are */
	json_t *azs;               /* Fn::GetAZs of region: array of strings, or NULL (unknown) */

	tpl_param *params;         /* the Parameters, in template order */
	size_t nparams;
	json_t *param_index;       /* name -> integer index into params */
	json_t *param_values;      /* name -> bound value */

	json_t *mappings;          /* the Mappings section (borrowed), or NULL */
	json_t *conditions;        /* the Conditions section (borrowed), or NULL */
	json_t *cond_values;       /* name -> true / false / null (unknown) */

	cairn_resource *res;       /* resources in dependency order */
	size_t nres;
	size_t *tpl_order;         /* tpl_order[i]: index in res of the i-th resource as written */
	json_t *res_index;         /* logical id -> integer index into res */

	json_t *exports;           /* export name -> value, from state_dir; NULL until read */
	json_t *export_from;       /* export name -> the stack that exports it */
	json_t *empty;             /* an empty object, for resources without Properties */
};

/* Finds the parameter or resource named; NULL when there is none. */
const tpl_param *tpl_stack_param(const cairn_stack *st, const char *name);
cairn_resource *tpl_stack_resource(const cairn_stack *st, const char *logical_id);

/* 1 for the pseudo parameters cairn supports (AWS::Region, ...). */
int tpl_is_pseudo(const char *name);

/* ---- params.c ---------------------------------------------------------- */

/* Reads the Parameters section, binds values from opts (or Defaults) and
 * checks every constraint. Errors go to diags. */
void tpl_params_bind(cairn_stack *st, const cairn_stack_options *opts, cairn_diags *diags);

/* ---- check.c ----------------------------------------------------------- */

/* Every static check of the template: sections, Mappings, Conditions
 * (their values are computed here too), resources and their properties
 * against their types, intrinsics, Outputs. Fills st->res (in template
 * order; the graph reorders) with dependencies. Errors go to diags. */
void tpl_check(cairn_stack *st, cairn_diags *diags);

/* ---- graph.c ----------------------------------------------------------- */

/* Reports dependency cycles, then puts st->res in dependency order (ties
 * in template order). */
void tpl_graph_order(cairn_stack *st, cairn_diags *diags);

/* ---- eval.c ------------------------------------------------------------ */

/* Evaluates a condition by name; TPL_TRUE, TPL_FALSE or TPL_UNKNOWN. */
int tpl_condition_value(const cairn_stack *st, const char *name);

/* Evaluates value like cairn_stack_eval. When diags is not NULL an error
 * is also added there (with its position); lenient_imports makes an
 * export that no state has an unknown value instead of an error (for
 * validate); prefix starts every message ("Bucket (AWS::S3::Bucket): "),
 * or is NULL. */
int tpl_eval(const cairn_stack *st, const json_t *value, const cairn_eval_env *env,
	     int lenient_imports, cairn_diags *diags, const char *prefix, json_t **out);

/* Reads the exports of every <stack>.state.json in st->state_dir. */
void tpl_read_exports(cairn_stack *st, cairn_diags *diags);

/* A new unknown marker holding expr (stolen). */
json_t *tpl_unknown(json_t *expr);

#endif
