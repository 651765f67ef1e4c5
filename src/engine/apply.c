/*
 * apply.c: executes a plan: creates, updates, replacements and deletes
 * run as provider tasks along the dependency graph, many at once, with the
 * state journaled after every finished operation (engine.h).
 *
 * The plan's entries become operations:
 *
 *   create             CREATE
 *   update             UPDATE (an adopted pending create with changes too)
 *   no-op + adopt      ADOPT (record what an interrupted create made: an
 *                      update with ctx.adopt, which finishes what create
 *                      does, such as the cairn tags)
 *   replace            CREATE (moving the old object to the record's
 *                      "deposed" list first) + DELETE of the deposed object;
 *                      or, when the name is fixed by the template, DELETE
 *                      of the old object first, then CREATE
 *   delete             DELETE of the record (or of a deposed object)
 *
 * and edges between them: a CREATE, UPDATE or READ waits for the CREATE,
 * UPDATE or READ of every resource it depends on in the template; a DELETE
 * waits for every operation on the resources that depended on what it
 * deletes (in the template or, for resources gone from it, in the state),
 * except that the early delete of a delete-first replacement waits only for
 * their deletes (its own CREATE follows it, and their updates follow that);
 * the deletion of a record waits for the deletion of its deposed objects.
 *
 * The loop (after curl's 10-at-a-time.c): start every ready operation up
 * to `parallelism` in flight; save the state if anything changed (one
 * write per turn: what finished in the last turn, and the pending records
 * of the creates about to start, which are therefore on disk BEFORE their
 * create calls); spawn them; let the runner run for a moment; completions
 * update the state in memory; repeat. After a failure or a
 * Ctrl-C nothing new starts, the operations in flight finish and the state
 * is saved. A second Ctrl-C exits at once from the signal handler (removing
 * the lock file): the journal keeps the state consistent.
 *
 * Values a resource needs from its dependencies are resolved from the
 * state as each dependency finishes (cairn_stack_eval with the state env),
 * so the properties a provider receives are always fully known.
 *
 * This module owns the operations of one apply; the plan, the stack and the
 * state are borrowed (the state is changed and saved).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/log.h"
#include "internal.h"

typedef enum op_kind { OP_CREATE, OP_UPDATE, OP_ADOPT, OP_DELETE } op_kind;

/* What a DELETE removes. */
typedef enum del_kind {
	DEL_RECORD,  /* the resource the record describes (and then the record) */
	DEL_DEPOSED, /* one deposed object of the record */
	DEL_OLD      /* the current object, before a delete-first replacement's create */
} del_kind;

typedef enum op_status { OPS_WAIT, OPS_RUN, OPS_OK, OPS_FAIL } op_status;

typedef struct apply_ctx apply_ctx;

typedef struct op {
	op_kind kind;
	del_kind del;                /* for OP_DELETE */
	const cairn_planned *e;      /* the plan entry */
	const cairn_resource *r;     /* the template's resource, or NULL (deletes of removed ones) */
	const char *logical_id;      /* e->logical_id */
	char *type;                  /* the type whose provider runs (a deposed object's own) */
	char *id;                    /* the physical id (update, read, delete) or NULL */
	int retain;                  /* delete: leave it in AWS, forget it */
	int replacing;               /* create: create-first replacement */
	int replace_part;            /* part of a replacement (counted once, at the create) */
	size_t *waits;               /* indices of the operations this one waits for */
	size_t nwaits, capwaits;
	op_status status;
	double t0;                   /* when it started */
	double last_still;           /* when "Still ..." was last printed */
	json_t *props;               /* what create/update/read were given */
	apply_ctx *ac;               /* the apply it belongs to */
} op;

struct apply_ctx {
	cairn_engine *e;             /* the runtime */
	const cairn_stack *s;        /* the template */
	cairn_state *st;             /* journaled as we go */
	const cairn_plan *p;         /* what to do */
	const cairn_apply_options *o; /* the caller's options (may be NULL) */
	cairn_apply_result *res;     /* counters */
	cairn_state_env env;         /* Ref/GetAtt from the state */
	op *ops;                     /* the operations, in plan order */
	size_t n, cap;               /* how many; allocated */
	int dirty;                   /* the state changed since the last save */
	int failed;                  /* an operation failed: start nothing new */
	int save_failed;             /* the state could not be saved: stop */
};

/* ---- signals --------------------------------------------------------------------- */

/* The only mutable globals of the engine: a signal handler can reach
 * nothing else. Set and reset by cairn_engine_apply. */
static volatile sig_atomic_t interrupts;  /* Ctrl-Cs (and SIGTERMs) received */
static char lock_to_remove[4096];         /* the lock file a second Ctrl-C removes */

static void on_interrupt(int sig)
{
	static const char first[] =
		"\nInterrupt received: the operations in flight finish and the state is "
		"saved. Press Ctrl-C again to stop at once.\n";
	static const char second[] = "\nStopping at once. The state is consistent; run "
				     "the command again to finish.\n";
	(void)sig;
	interrupts++;
	if (interrupts == 1) {
		if (write(STDERR_FILENO, first, sizeof(first) - 1) < 0)
			interrupts += 0;
		return;
	}
	if (write(STDERR_FILENO, second, sizeof(second) - 1) < 0)
		interrupts += 0;
	if (lock_to_remove[0])
		unlink(lock_to_remove);
	_exit(130);
}

/* ---- output ------------------------------------------------------------------------ */

static void progress(apply_ctx *ac, const op *o, const char *fmt, ...) CAIRN_PRINTF(3, 4);

static void progress(apply_ctx *ac, const op *o, const char *fmt, ...)
{
	FILE *f = ac->e->progress;
	va_list ap;
	if (ac->o && ac->o->quiet)
		return;
	fprintf(f, "%s%s", ac->e->color ? "\033[1m" : "", o->logical_id);
	if (o->kind == OP_DELETE && o->del == DEL_DEPOSED)
		fprintf(f, " (old object %s)", o->id ? o->id : "?");
	fprintf(f, ":%s ", ac->e->color ? "\033[0m" : "");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static long elapsed(const op *o)
{
	return (long)(cairn_now() - o->t0 + 0.5);
}

static const char *verb_ing(const op *o)
{
	switch (o->kind) {
	case OP_CREATE:
		return "creating";
	case OP_UPDATE:
		return "modifying";
	case OP_ADOPT:
		return "adopting";
	default:
		return "destroying";
	}
}

static void note(void *ud, const char *msg)
{
	op *o = ud;
	progress(o->ac, o, "%s [%lds elapsed]", msg, elapsed(o));
}

/* ---- the graph ----------------------------------------------------------------------- */

static op *add_op(apply_ctx *ac, op_kind kind, const cairn_planned *e, const char *type)
{
	op *o;
	if (ac->n == ac->cap) {
		ac->cap = ac->cap ? 2 * ac->cap : 16;
		ac->ops = cairn_xrealloc(ac->ops, ac->cap * sizeof(*ac->ops));
	}
	o = &ac->ops[ac->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->e = e;
	o->logical_id = e->logical_id;
	o->type = cairn_xstrdup(type);
	o->id = e->id ? cairn_xstrdup(e->id) : NULL;
	o->r = cairn_stack_find(ac->s, e->logical_id);
	if (o->r && !o->r->enabled)
		o->r = NULL;
	o->ac = ac;
	return o;
}

static void add_wait(op *o, size_t on)
{
	size_t i;
	for (i = 0; i < o->nwaits; i++)
		if (o->waits[i] == on)
			return;
	if (o->nwaits == o->capwaits) {
		o->capwaits = o->capwaits ? 2 * o->capwaits : 4;
		o->waits = cairn_xrealloc(o->waits, o->capwaits * sizeof(*o->waits));
	}
	o->waits[o->nwaits++] = on;
}

/* The CREATE, UPDATE or READ of logical_id, or -1. */
static long up_op(const apply_ctx *ac, const char *logical_id)
{
	size_t i;
	for (i = 0; i < ac->n; i++)
		if (ac->ops[i].kind != OP_DELETE && strcmp(ac->ops[i].logical_id, logical_id) == 0)
			return (long)i;
	return -1;
}

static int str_in_json_array(const json_t *arr, const char *s)
{
	size_t i;
	for (i = 0; i < json_array_size(arr); i++)
		if (json_is_string(json_array_get(arr, i)) &&
		    strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return 1;
	return 0;
}

static int depends_in_template(const cairn_resource *r, const char *on)
{
	size_t i;
	for (i = 0; r && i < r->ndepends; i++)
		if (strcmp(r->depends[i], on) == 0)
			return 1;
	return 0;
}

/* 1 when resource `who` depended (state) or depends (template) on `on`. */
static int depends_on(const apply_ctx *ac, const char *who, const char *on)
{
	const cairn_resource *r = cairn_stack_find(ac->s, who);
	json_t *rec = cairn_state_resource(ac->st, who);
	if (strcmp(who, on) == 0)
		return 0;
	return (r && r->enabled && depends_in_template(r, on)) ||
	       str_in_json_array(json_object_get(rec, "depends_on"), on);
}

static void build_edges(apply_ctx *ac)
{
	size_t i, j;
	for (i = 0; i < ac->n; i++) {
		op *o = &ac->ops[i];
		if (o->kind != OP_DELETE) {
			size_t k;
			for (k = 0; o->r && k < o->r->ndepends; k++) {
				long u = up_op(ac, o->r->depends[k]);
				if (u >= 0)
					add_wait(o, (size_t)u);
			}
			/* a delete-first replacement: the old one goes first */
			for (j = 0; j < ac->n; j++)
				if (ac->ops[j].kind == OP_DELETE && ac->ops[j].del == DEL_OLD &&
				    strcmp(ac->ops[j].logical_id, o->logical_id) == 0)
					add_wait(o, j);
			continue;
		}
		for (j = 0; j < ac->n; j++) {
			op *x = &ac->ops[j];
			if (j == i)
				continue;
			if (strcmp(x->logical_id, o->logical_id) == 0) {
				/* the record goes after its deposed objects; a deposed
				 * object of a create-first replacement after the new one */
				if (o->del != DEL_DEPOSED && x->kind == OP_DELETE && x->del == DEL_DEPOSED)
					add_wait(o, j);
				if (o->del == DEL_DEPOSED && x->kind == OP_CREATE)
					add_wait(o, j);
				continue;
			}
			if (!depends_on(ac, x->logical_id, o->logical_id))
				continue;
			if (o->del == DEL_OLD && x->kind != OP_DELETE)
				continue;
			add_wait(o, j);
		}
	}
}

static void build_ops(apply_ctx *ac)
{
	size_t i;
	for (i = 0; i < ac->p->n; i++) {
		const cairn_planned *e = &ac->p->v[i];
		json_t *rec = cairn_state_resource(ac->st, e->logical_id);
		const char *rtype = json_string_value(json_object_get(rec, "type"));
		op *o;

		switch (e->action) {
		case CAIRN_ACTION_NOOP:
			if (e->adopt)
				add_op(ac, OP_ADOPT, e, e->type);
			break;
		case CAIRN_ACTION_CREATE:
			o = add_op(ac, OP_CREATE, e, e->type);
			free(o->id);
			o->id = NULL;
			break;
		case CAIRN_ACTION_UPDATE:
			add_op(ac, OP_UPDATE, e, e->type);
			break;
		case CAIRN_ACTION_REPLACE:
			if (e->delete_first) {
				o = add_op(ac, OP_DELETE, e, rtype ? rtype : e->type);
				o->del = DEL_OLD;
				o->retain = e->retain;
				o->replace_part = 1;
				o = add_op(ac, OP_CREATE, e, e->type);
				free(o->id);
				o->id = NULL;
				o->replace_part = 1;
			} else {
				o = add_op(ac, OP_CREATE, e, e->type);
				free(o->id);
				o->id = NULL;
				o->replacing = 1;
				o->replace_part = 1;
				o = add_op(ac, OP_DELETE, e, rtype ? rtype : e->type);
				o->del = DEL_DEPOSED;
				o->retain = e->retain;
				o->replace_part = 1;
			}
			break;
		case CAIRN_ACTION_DELETE: {
			const char *type = rtype ? rtype : e->type;
			if (e->deposed) {
				/* a deposed object carries its own type */
				json_t *dep = json_object_get(rec, "deposed");
				size_t k;
				for (k = 0; k < json_array_size(dep); k++) {
					json_t *d = json_array_get(dep, k);
					if (e->id && json_is_string(json_object_get(d, "id")) &&
					    strcmp(json_string_value(json_object_get(d, "id")), e->id) == 0 &&
					    json_is_string(json_object_get(d, "type")))
						type = json_string_value(json_object_get(d, "type"));
				}
			}
			o = add_op(ac, OP_DELETE, e, type);
			o->del = e->deposed ? DEL_DEPOSED : DEL_RECORD;
			o->retain = e->retain;
			break;
		}
		}
	}
	build_edges(ac);
}

/* ---- state records -------------------------------------------------------------------- */

static json_t *depends_json(const cairn_resource *r)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; r && i < r->ndepends; i++)
		json_array_append_new(a, json_string(r->depends[i]));
	return a;
}

/* A generated name: <stack>-<logical id>-<12 random hex>, cut to the
 * type's maximum, lower case when the type wants it, only characters every
 * naming rule accepts. */
static char *generate_name(const apply_ctx *ac, const cairn_type *t, const char *logical_id)
{
	char rnd[13], hex[13];
	cairn_buf b = CAIRN_BUF_INIT;
	size_t max = t->name_max > 0 ? (size_t)t->name_max : 64, room, i;
	const char *stack = cairn_stack_name(ac->s);
	char *prefix, *out;

	cairn_random_hex(hex, 6);
	memcpy(rnd, hex, 13);
	prefix = cairn_xasprintf("%s-%s", stack, logical_id);
	room = max > 13 ? max - 13 : 1;
	for (i = 0; prefix[i] && b.len < room; i++) {
		char ch = prefix[i];
		if (t->name_lower && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-'))
			ch = '-';
		if (ch == '-' && (b.len == 0 || b.ptr[b.len - 1] == '-'))
			continue;
		cairn_buf_putc(&b, ch);
	}
	while (b.len > 0 && b.ptr[b.len - 1] == '-')
		b.ptr[--b.len] = '\0';
	if (b.len)
		cairn_buf_putc(&b, '-');
	cairn_buf_puts(&b, rnd);
	free(prefix);
	out = cairn_buf_detach(&b);
	return out;
}

/* The resolved properties of o's resource (new reference) or NULL with an
 * error. Fills in the generated name from the state (update, read) or
 * from name (create). */
static json_t *resolve(apply_ctx *ac, op *o, const char *name)
{
	json_t *props = NULL;
	const cairn_type *t = o->r ? o->r->t : NULL;

	if (!o->r) {
		cairn_error_set("%s (%s): the resource is not in the template any more",
				o->logical_id, o->type);
		return NULL;
	}
	if (cairn_stack_eval_properties(ac->s, o->r, &ac->env.env, &props) < 0) {
		cairn_error_set("%s (%s): %s", o->logical_id, o->type, cairn_error_last());
		return NULL;
	}
	/* the result may share values with the template: a copy of our own
	 * (deep: it goes into the state and to the provider) */
	{
		json_t *own = json_deep_copy(props);
		json_decref(props);
		props = own;
	}
	if (cairn_has_unknown(props)) {
		char *s = json_dumps(props, JSON_COMPACT);
		cairn_error_set("%s (%s): some properties are still unknown after their "
				"dependencies were applied (%s); this is a bug in cairn",
				o->logical_id, o->type, s ? s : "?");
		free(s);
		json_decref(props);
		return NULL;
	}
	if (t && t->name_property && !json_object_get(props, t->name_property)) {
		if (name) {
			json_object_set_new(props, t->name_property, json_string(name));
		} else {
			json_t *rec = cairn_state_resource(ac->st, o->logical_id);
			json_t *old = json_object_get(json_object_get(rec, "properties"),
						      t->name_property);
			if (old)
				json_object_set(props, t->name_property, old);
		}
	}
	return props;
}

static json_t *deposed_list(json_t *rec)
{
	json_t *dep = json_object_get(rec, "deposed");
	if (!json_is_array(dep)) {
		dep = json_array();
		json_object_set_new(rec, "deposed", dep);
	}
	return dep;
}

/* A fresh record for o's resource (status, id and attributes filled in by
 * the caller), keeping the deposed objects of the current one. */
static json_t *new_record(apply_ctx *ac, op *o, json_t *props)
{
	json_t *old = cairn_state_resource(ac->st, o->logical_id);
	json_t *rec = json_object(), *dep = json_object_get(old, "deposed");

	json_object_set_new(rec, "type", json_string(o->type));
	json_object_set_new(rec, "status", json_string("created"));
	json_object_set(rec, "properties", props);
	json_object_set_new(rec, "attributes", json_object());
	json_object_set_new(rec, "depends_on", depends_json(o->r));
	if (json_array_size(dep) > 0)
		json_object_set_new(rec, "deposed", json_deep_copy(dep));
	if (o->r && o->r->deletion_policy == CAIRN_POLICY_RETAIN)
		json_object_set_new(rec, "deletion_policy", json_string("Retain"));
	{
		json_t *sens = cairn_plan_sensitive_keys(props, ac->p->noecho);
		if (json_array_size(sens) > 0)
			json_object_set_new(rec, "sensitive", sens);
		else
			json_decref(sens);
	}
	return rec;
}

/* ---- completions ---------------------------------------------------------------------- */

static void fail(apply_ctx *ac, op *o, const char *what, const char *err)
{
	FILE *f = stderr;
	o->status = OPS_FAIL;
	ac->failed = 1;
	ac->res->failed++;
	fprintf(f, "%sError:%s %s (%s): %s failed after %lds: %s\n",
		ac->e->color ? "\033[31;1m" : "", ac->e->color ? "\033[0m" : "", o->logical_id,
		o->type, what, elapsed(o), err);
	fflush(f);
}

static void create_done(void *ud, int ok, json_t **res, int nres, const char *err)
{
	op *o = ud;
	apply_ctx *ac = o->ac;
	json_t *rec = cairn_state_resource(ac->st, o->logical_id);
	char *idtext = NULL;

	if (!ok || nres < 1 || !res[0] || (!json_is_string(res[0]) && !json_is_integer(res[0]))) {
		fail(ac, o, "create",
		     ok ? "the provider's create returned no physical id" : err);
		goto done;
	}
	idtext = json_is_string(res[0]) ? cairn_xstrdup(json_string_value(res[0]))
					: cairn_xasprintf("%lld", (long long)json_integer_value(res[0]));
	json_object_set_new(rec, "status", json_string("created"));
	json_object_set_new(rec, "id", json_string(idtext));
	json_object_set_new(rec, "attributes",
			    nres > 1 && json_is_object(res[1]) ? json_incref(res[1]) : json_object());
	json_object_del(rec, "pending");
	ac->dirty = 1;
	o->status = OPS_OK;
	if (o->replace_part)
		ac->res->replaced++;
	else
		ac->res->added++;
	progress(ac, o, "Creation complete after %lds [id=%s]", elapsed(o), idtext);
done:
	free(idtext);
	{
		int i;
		for (i = 0; i < nres; i++)
			json_decref(res[i]);
	}
}

static void update_done(void *ud, int ok, json_t **res, int nres, const char *err)
{
	op *o = ud;
	apply_ctx *ac = o->ac;
	json_t *old = cairn_state_resource(ac->st, o->logical_id), *rec;
	json_t *attrs = nres > 0 ? res[0] : NULL;
	int i;

	if (!ok) {
		fail(ac, o, o->kind == OP_ADOPT ? "adoption" : "update", err);
		goto done;
	}
	rec = new_record(ac, o, o->props);
	json_object_set_new(rec, "id", json_string(o->id));
	if (json_is_object(attrs))
		json_object_set(rec, "attributes", attrs);
	else if (json_is_object(json_object_get(old, "attributes")))
		json_object_set(rec, "attributes", json_object_get(old, "attributes"));
	cairn_state_set_resource(ac->st, o->logical_id, rec);
	ac->dirty = 1;
	o->status = OPS_OK;
	if (o->e->adopt)
		ac->res->adopted++;
	if (o->kind == OP_UPDATE)
		ac->res->changed++;
	progress(ac, o, "%s after %lds [id=%s]",
		 o->kind == OP_ADOPT ? "Adopted" : "Modifications complete", elapsed(o), o->id);
done:
	for (i = 0; i < nres; i++)
		json_decref(res[i]);
}

/* Removes the deposed object id from the record of logical_id. */
static void drop_deposed(apply_ctx *ac, const char *logical_id, const char *id)
{
	json_t *rec = cairn_state_resource(ac->st, logical_id);
	json_t *dep = json_object_get(rec, "deposed");
	size_t i;
	for (i = 0; i < json_array_size(dep); i++) {
		const char *x = json_string_value(json_object_get(json_array_get(dep, i), "id"));
		if (x && id && strcmp(x, id) == 0) {
			json_array_remove(dep, i);
			break;
		}
	}
	if (dep && json_array_size(dep) == 0)
		json_object_del(rec, "deposed");
}

static void deleted(apply_ctx *ac, op *o)
{
	switch (o->del) {
	case DEL_RECORD:
		if (o->retain && o->id) {
			/* remembered, so that a later apply of the same logical id
			 * adopts it back instead of failing to create it */
			json_t *rec = cairn_state_resource(ac->st, o->logical_id);
			char when[21];
			cairn_utc_now(when);
			cairn_state_set_retained(
				ac->st, o->logical_id,
				json_pack("{s:s, s:s, s:O?, s:s}", "type", o->type, "id", o->id,
					  "properties", json_object_get(rec, "properties"),
					  "retained", when));
		}
		cairn_state_remove_resource(ac->st, o->logical_id);
		if (o->retain)
			ac->res->retained++;
		else
			ac->res->destroyed++;
		break;
	case DEL_DEPOSED:
		drop_deposed(ac, o->logical_id, o->id);
		if (!o->replace_part)
			ac->res->destroyed++;
		break;
	case DEL_OLD:
		cairn_state_remove_resource(ac->st, o->logical_id);
		break;
	}
	cairn_error_clear();
	ac->dirty = 1;
	o->status = OPS_OK;
}

static void delete_done(void *ud, int ok, json_t **res, int nres, const char *err)
{
	op *o = ud;
	int i;
	for (i = 0; i < nres; i++)
		json_decref(res[i]);
	if (!ok) {
		fail(o->ac, o, "delete", err);
		return;
	}
	deleted(o->ac, o);
	progress(o->ac, o, "Destruction complete after %lds", elapsed(o));
}

/* ---- starting operations --------------------------------------------------------------- */

/* Prepares o (state records written, marked dirty) so it can be spawned
 * after the next save. Returns 0, 1 when o finished without an AWS call,
 * or an error. */
static int prepare(apply_ctx *ac, op *o)
{
	json_t *rec = cairn_state_resource(ac->st, o->logical_id);

	o->t0 = cairn_now();
	o->last_still = o->t0;
	switch (o->kind) {
	case OP_CREATE: {
		const cairn_type *t = o->r ? o->r->t : NULL;
		json_t *pend = json_object_get(rec, "pending");
		const char *pstatus = json_string_value(json_object_get(rec, "status"));
		int was_pending = pstatus && strcmp(pstatus, "pending") == 0;
		const char *pname = was_pending ? json_string_value(json_object_get(pend, "name")) : NULL;
		const char *ptoken = was_pending ? json_string_value(json_object_get(pend, "token")) : NULL;
		char token[33], started[21], *name = NULL;
		json_t *newrec;

		if (ptoken && strlen(ptoken) < sizeof(token))
			strcpy(token, ptoken);
		else
			cairn_random_hex(token, 16);
		if (t && t->name_property && o->r &&
		    !json_object_get(o->r->properties, t->name_property))
			name = pname ? cairn_xstrdup(pname) : generate_name(ac, t, o->logical_id);
		o->props = resolve(ac, o, name);
		if (!o->props) {
			free(name);
			return CAIRN_ERROR;
		}
		if (o->replacing && rec && o->e->id) {
			/* the current object becomes a deposed one */
			json_t *d = json_pack("{s:s, s:s, s:O, s:O}", "id", o->e->id, "type",
					      json_string_value(json_object_get(rec, "type")),
					      "properties",
					      json_object_get(rec, "properties")
						      ? json_object_get(rec, "properties")
						      : json_null(),
					      "attributes",
					      json_object_get(rec, "attributes")
						      ? json_object_get(rec, "attributes")
						      : json_null());
			json_array_append_new(deposed_list(rec), d);
		}
		newrec = new_record(ac, o, o->props);
		json_object_set_new(newrec, "status", json_string("pending"));
		json_object_del(newrec, "attributes");
		cairn_utc_now(started);
		json_object_set_new(newrec, "pending",
				    json_pack("{s:s, s:s?, s:s}", "token", token, "name", name,
					      "started", started));
		cairn_state_set_resource(ac->st, o->logical_id, newrec);
		free(name);
		ac->dirty = 1;
		return 0;
	}
	case OP_UPDATE:
	case OP_ADOPT:
		o->props = resolve(ac, o, NULL);
		if (!o->props)
			return CAIRN_ERROR;
		if (!o->id) {
			return cairn_error_set("%s (%s): the plan has no physical id to update; run "
					       "cairn plan again",
					       o->logical_id, o->type);
		}
		/* an adopted record stays pending until the operation is done:
		 * a "created" record always has its id and attributes */
		return 0;
	case OP_DELETE:
		if (o->retain || !o->id) {
			deleted(ac, o);
			if (o->retain)
				progress(ac, o, "Removed from the state and left in AWS (Retain) [id=%s]",
					 o->id ? o->id : "?");
			else
				progress(ac, o, "Removed from the state: the interrupted create had "
						"made nothing");
			return 1;
		}
		return 0;
	}
	return 0;
}

/* The properties to give delete (borrowed). */
static json_t *delete_props(apply_ctx *ac, op *o)
{
	json_t *rec = cairn_state_resource(ac->st, o->logical_id);
	if (o->del == DEL_DEPOSED) {
		json_t *dep = json_object_get(rec, "deposed");
		size_t i;
		for (i = 0; i < json_array_size(dep); i++) {
			json_t *d = json_array_get(dep, i);
			const char *x = json_string_value(json_object_get(d, "id"));
			if (x && strcmp(x, o->id) == 0)
				return json_object_get(d, "properties");
		}
		return NULL;
	}
	return json_object_get(rec, "properties");
}

/* An update's `old`: what is live, for the properties the template sets
 * now or the last apply set (so the provider sees a removal, and leaves
 * alone what cairn never managed); what was applied when the type cannot
 * be read. For an adopted create, the properties it was being created
 * with stand for the last apply. New reference. */
static json_t *update_old(const op *o, json_t *rec)
{
	json_t *prior = json_object_get(rec, "properties"), *out, *v;
	const char *k;

	if (!o->e->live)
		return prior ? json_deep_copy(prior) : json_object();
	out = json_object();
	json_object_foreach(o->props, k, v) {
		json_t *l = json_object_get(o->e->live, k);
		if (l)
			json_object_set(out, k, l);
	}
	json_object_foreach(prior, k, v) {
		json_t *l = json_object_get(o->e->live, k);
		if (l && !json_object_get(out, k))
			json_object_set(out, k, l);
	}
	return out;
}

static int spawn(apply_ctx *ac, op *o)
{
	json_t *args[3];
	json_t *idv = o->id ? json_string(o->id) : NULL;
	json_t *rec = cairn_state_resource(ac->st, o->logical_id);
	json_t *ex = json_array(), *dep = json_object_get(rec, "deposed");
	eng_ctx c;
	int rc;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.logical_id = o->logical_id;
	c.type = o->type;
	c.note = note;
	c.note_ud = o;
	for (i = 0; i < json_array_size(dep); i++)
		if (json_object_get(json_array_get(dep, i), "id"))
			json_array_append(ex, json_object_get(json_array_get(dep, i), "id"));
	c.exclude = ex;
	c.adopt = o->e->adopt;
	o->status = OPS_RUN;
	/* announced now: the pending record is on disk */
	switch (o->kind) {
	case OP_CREATE:
		progress(ac, o, "Creating...");
		break;
	case OP_UPDATE:
		progress(ac, o, "Modifying... [id=%s]", o->id);
		break;
	case OP_ADOPT:
		progress(ac, o, "Adopting what an interrupted apply created... [id=%s]", o->id);
		break;
	default:
		progress(ac, o, "Destroying... [id=%s]", o->id);
		break;
	}
	switch (o->kind) {
	case OP_CREATE:
		c.token = json_string_value(json_object_get(json_object_get(rec, "pending"), "token"));
		c.name_generated =
			json_is_string(json_object_get(json_object_get(rec, "pending"), "name"));
		args[0] = o->props;
		rc = eng_spawn(ac->e, &c, "create", args, 1, create_done, o);
		break;
	case OP_UPDATE: {
		json_t *before = update_old(o, rec);
		args[0] = idv;
		args[1] = o->props;
		args[2] = before;
		rc = eng_spawn(ac->e, &c, "update", args, 3, update_done, o);
		json_decref(before);
		break;
	}
	case OP_ADOPT: {
		/* update, told that the resource is adopted: the provider
		 * finishes what its create does (its cairn tags above all) */
		json_t *before = update_old(o, rec);
		args[0] = idv;
		args[1] = o->props;
		args[2] = before;
		rc = eng_spawn(ac->e, &c, "update", args, 3, update_done, o);
		json_decref(before);
		break;
	}
	default:
		args[0] = idv;
		args[1] = delete_props(ac, o);
		rc = eng_spawn(ac->e, &c, "delete", args, 2, delete_done, o);
		break;
	}
	json_decref(idv);
	json_decref(ex);
	if (rc < 0) {
		fail(ac, o, o->kind == OP_CREATE ? "create" : o->kind == OP_DELETE ? "delete" : "update",
		     cairn_error_last());
		return rc;
	}
	return 0;
}

static int ready(const apply_ctx *ac, const op *o)
{
	size_t i;
	if (o->status != OPS_WAIT)
		return 0;
	for (i = 0; i < o->nwaits; i++)
		if (ac->ops[o->waits[i]].status != OPS_OK)
			return 0;
	return 1;
}

static int running(const apply_ctx *ac)
{
	size_t i;
	int n = 0;
	for (i = 0; i < ac->n; i++)
		n += ac->ops[i].status == OPS_RUN;
	return n;
}

static int save(apply_ctx *ac)
{
	if (!ac->dirty)
		return 0;
	ac->dirty = 0;
	if (cairn_state_save(ac->st) < 0) {
		fprintf(stderr, "Error: %s\n", cairn_error_last());
		ac->save_failed = 1;
		ac->failed = 1;
		return CAIRN_ERROR;
	}
	return 0;
}

static void still_running(apply_ctx *ac)
{
	double now = cairn_now();
	size_t i;
	for (i = 0; i < ac->n; i++) {
		op *o = &ac->ops[i];
		if (o->status == OPS_RUN && now - o->last_still >= 10.0) {
			o->last_still = now;
			progress(ac, o, "Still %s... [%lds elapsed]", verb_ing(o), elapsed(o));
		}
	}
}

/* ---- outputs ----------------------------------------------------------------------------- */

static int save_outputs(apply_ctx *ac)
{
	json_t *outs = NULL, *stored = json_object(), *o;
	const char *k;

	if (ac->p->destroy) {
		cairn_state_set_outputs(ac->st, stored);
		/* a whole destroy imports nothing any more; a targeted one
		 * may leave importers behind, so it keeps the record */
		if (!ac->p->targets)
			cairn_state_set_imports(ac->st, NULL);
		ac->dirty = 1;
		return 0;
	}
	cairn_engine_record_imports(ac->s, ac->st, ac->p->targets != NULL);
	if (cairn_stack_eval_outputs(ac->s, &ac->env.env, &outs) < 0) {
		json_decref(stored);
		return cairn_error_set("outputs: %s", cairn_error_last());
	}
	json_object_foreach(outs, k, o) {
		json_t *v = json_object_get(o, "Value");
		json_t *x;
		if (!v || cairn_has_unknown(v))
			continue;
		x = json_pack("{s:o}", "value", json_deep_copy(v));
		if (json_object_get(o, "Export"))
			json_object_set(x, "export", json_object_get(o, "Export"));
		{
			/* an output that shows a NoEcho value is never printed */
			json_t *probe = json_pack("[o]", json_deep_copy(v));
			if (cairn_plan_mask(probe, ac->p->noecho))
				json_object_set_new(x, "sensitive", json_true());
			json_decref(probe);
		}
		json_object_set_new(stored, k, x);
	}
	json_decref(outs);
	cairn_state_set_outputs(ac->st, stored);
	ac->dirty = 1;
	return 0;
}

/* ---- the loop ------------------------------------------------------------------------------ */

int cairn_engine_apply(cairn_engine *e, const cairn_stack *s, cairn_state *st,
		       const cairn_plan *p, const cairn_apply_options *opts,
		       cairn_apply_result *result)
{
	apply_ctx ac;
	struct sigaction sa, old_int, old_term;
	cairn_apply_result dummy;
	size_t i;
	int rc = 0, announced = 0;

	memset(&ac, 0, sizeof(ac));
	if (!result)
		result = &dummy;
	memset(result, 0, sizeof(*result));
	ac.e = e;
	ac.s = s;
	ac.st = st;
	ac.p = p;
	ac.o = opts;
	ac.res = result;
	cairn_engine_state_env_init(&ac.env, s, st);
	build_ops(&ac);

	interrupts = 0;
	lock_to_remove[0] = '\0';
	if (opts && opts->lock_file && strlen(opts->lock_file) < sizeof(lock_to_remove))
		strcpy(lock_to_remove, opts->lock_file);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sa.sa_flags = SA_RESTART; /* a save in progress is not cut short */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	cairn_state_set_template(st, cairn_template_path(cairn_stack_template(s)),
				 cairn_template_sha256(cairn_stack_template(s)));
	ac.dirty = 1;

	for (;;) {
		op *batch[256];
		int nb = 0, inflight = running(&ac);

		if (interrupts && !announced) {
			announced = 1;
			ac.failed = 1;
			result->interrupted = 1;
		}
		/* start what is ready */
		for (i = 0; i < ac.n && !ac.failed && nb < (int)CAIRN_ARRAY_SIZE(batch); i++) {
			op *o = &ac.ops[i];
			int pr;
			if (inflight + nb >= e->parallelism)
				break;
			if (!ready(&ac, o))
				continue;
			pr = prepare(&ac, o);
			if (pr < 0) {
				fail(&ac, o, o->kind == OP_CREATE ? "create"
					     : o->kind == OP_DELETE ? "delete"
								  : "update",
				     cairn_error_last());
				break;
			}
			if (pr == 1)
				continue; /* finished without AWS; may unblock others */
			batch[nb++] = o;
		}
		/* one write journals both what finished in the last turn and
		 * the pending records of what starts now: every finished
		 * operation is on disk before anything new starts, and every
		 * pending record before its create call */
		if (save(&ac) < 0) {
			for (i = 0; i < (size_t)nb; i++)
				batch[i]->status = OPS_WAIT;
			nb = 0;
		}
		for (i = 0; i < (size_t)nb; i++)
			spawn(&ac, batch[i]);
		if (running(&ac) == 0) {
			int more = 0;
			for (i = 0; i < ac.n && !ac.failed; i++)
				if (ready(&ac, &ac.ops[i]))
					more = 1;
			if (more)
				continue;
			break;
		}
		eng_step(e, 250);
		still_running(&ac);
	}

	if (!ac.failed) {
		size_t waiting = 0;
		for (i = 0; i < ac.n; i++)
			waiting += ac.ops[i].status == OPS_WAIT;
		if (waiting) {
			rc = cairn_error_set("%zu operations could never start (a dependency cycle "
					     "between deletes and creates); this is a bug in cairn",
					     waiting);
			ac.failed = 1;
		}
	}
	if (!ac.failed) {
		if (save_outputs(&ac) < 0) {
			rc = CAIRN_ERROR;
			ac.failed = 1;
		}
	}
	save(&ac);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	lock_to_remove[0] = '\0';

	if (rc < 0) {
		/* message already set */
	} else if (ac.save_failed) {
		rc = cairn_error_set("the state could not be saved to %s; the operations that "
				     "finished are in AWS: fix the cause and run cairn apply again",
				     cairn_state_path(st));
	} else if (result->interrupted) {
		rc = cairn_error_setc(CAIRN_EINTR,
				      "interrupted: the operations in flight finished and the state "
				      "is saved; run the command again to finish");
	} else if (result->failed) {
		rc = cairn_error_setc(CAIRN_EAWS,
				      "%d operation%s failed (see the errors above); what finished is "
				      "saved in %s: fix the cause and run the command again",
				      result->failed, result->failed == 1 ? "" : "s",
				      cairn_state_path(st));
	}
	for (i = 0; i < ac.n; i++) {
		free(ac.ops[i].type);
		free(ac.ops[i].id);
		free(ac.ops[i].waits);
		json_decref(ac.ops[i].props);
	}
	free(ac.ops);
	return rc;
}
