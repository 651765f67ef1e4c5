/*
 * state.c: the state file of a stack and the lock beside it (state.h).
 *
 * The state is kept in memory as one jansson document, in the order the
 * format lists its members, and written whole on every save: serial + 1,
 * serialised with two-space indentation, then cairn_file_write_atomic()
 * (temporary file, fsync, rename, directory fsync) with mode 0600. A crash
 * at any moment therefore leaves either the previous state or the new one.
 * The engine saves after every finished operation and before every create
 * call (the pending record), which is the journal an interrupted apply
 * recovers from.
 *
 * The lock is PATH.lock. To take it, the holder's description is written
 * to a private temporary file which is then link(2)ed to the lock path:
 * link fails with EEXIST when the lock is held, and otherwise makes a
 * complete file appear at once, so a reader never sees a half-written
 * lock. Unlocking checks that the file still carries our id before
 * removing it (a force-unlock and a new holder may have happened since).
 * A lock is stale when its host is this host and its pid no longer runs;
 * cairn reports it and never breaks a lock by itself.
 *
 * This module owns the cairn_state (its document and path) and the
 * cairn_lock (its paths and id).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/state.h"

struct cairn_state {
	char *path;   /* the file, as given */
	json_t *root; /* the document, members in the documented order */
	int exists;   /* read from disk, or saved at least once */
};

struct cairn_lock {
	char *path; /* PATH.lock */
	char id[33]; /* 16 random bytes in hex: what force-unlock names */
};

char *cairn_state_default_path(const char *stack)
{
	return cairn_xasprintf(".cairn/%s.state.json", stack);
}

int cairn_state_resolve_path(const char *state_flag, const char *stack, char **out)
{
	DIR *d;
	struct dirent *e;
	cairn_buf names = CAIRN_BUF_INIT;
	char *found = NULL;
	int n = 0;

	*out = NULL;
	if (state_flag && *state_flag) {
		*out = cairn_xstrdup(state_flag);
		return 0;
	}
	if (stack && *stack) {
		*out = cairn_state_default_path(stack);
		return 0;
	}
	d = opendir(".cairn");
	if (d) {
		while ((e = readdir(d)) != NULL) {
			size_t len = strlen(e->d_name), sl = strlen(".state.json");
			if (len <= sl || strcmp(e->d_name + len - sl, ".state.json") != 0)
				continue;
			n++;
			cairn_buf_printf(&names, "%s%.*s", n > 1 ? ", " : "", (int)(len - sl),
					 e->d_name);
			if (!found)
				found = cairn_xasprintf(".cairn/%s", e->d_name);
		}
		closedir(d);
	}
	if (n == 1) {
		*out = found;
		cairn_buf_dispose(&names);
		return 0;
	}
	free(found);
	if (n == 0) {
		cairn_buf_dispose(&names);
		return cairn_error_setc(CAIRN_ENOTFOUND,
					"no state in .cairn/ of this directory; name one with "
					"--stack-name NAME or --state PATH");
	}
	n = cairn_error_setc(CAIRN_EINVALID,
			     ".cairn/ holds the states of several stacks (%s); choose one with "
			     "--stack-name NAME or --state PATH",
			     cairn_buf_cstr(&names));
	cairn_buf_dispose(&names);
	return n;
}

static void make_uuid(char out[37])
{
	char hex[33];
	cairn_random_hex(hex, 16);
	/* version 4, variant 10xx */
	hex[12] = '4';
	hex[16] = "89ab"[(hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0') & 3];
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static json_t *new_document(const char *stack)
{
	char uuid[37];
	make_uuid(uuid);
	return json_pack("{s:i, s:s, s:i, s:s?, s:{}, s:{}, s:{}}", "format_version",
			 CAIRN_STATE_FORMAT, "lineage", uuid, "serial", 0, "stack", stack,
			 "template", "resources", "outputs");
}

/* Checks the shape of a document read from path. */
static int check_document(const char *path, json_t *root, const char *stack)
{
	json_t *fv = json_object_get(root, "format_version");
	const char *st;

	if (!json_is_object(root) || !json_is_string(json_object_get(root, "lineage")) ||
	    !json_is_integer(json_object_get(root, "serial")))
		return cairn_error_setc(CAIRN_EINVALID,
					"%s: not a cairn state file (no lineage or serial); "
					"check --state",
					path);
	if (!json_is_integer(fv) || json_integer_value(fv) != CAIRN_STATE_FORMAT)
		return cairn_error_setc(CAIRN_EINVALID,
					"%s: state format version %lld is not supported by this "
					"cairn (it reads version %d); use the cairn that wrote it",
					path, json_is_integer(fv) ? json_integer_value(fv) : -1LL,
					CAIRN_STATE_FORMAT);
	st = json_string_value(json_object_get(root, "stack"));
	if (stack && st && strcmp(st, stack) != 0)
		return cairn_error_setc(CAIRN_EINVALID,
					"%s: this state belongs to stack '%s', not '%s'; pass "
					"--stack-name %s or another --state",
					path, st, stack, st);
	if (!json_is_object(json_object_get(root, "resources")))
		json_object_set_new(root, "resources", json_object());
	if (!json_is_object(json_object_get(root, "outputs")))
		json_object_set_new(root, "outputs", json_object());
	if (!json_is_object(json_object_get(root, "template")))
		json_object_set_new(root, "template", json_object());
	return 0;
}

static int load(cairn_state **out, const char *path, const char *stack, int must_exist)
{
	cairn_state *st;
	char *text = NULL;
	size_t len = 0;
	json_t *root = NULL;
	json_error_t jerr;
	int rc;

	*out = NULL;
	rc = cairn_file_read(path, &text, &len);
	if (rc == CAIRN_ENOTFOUND && !must_exist) {
		st = cairn_xcalloc(1, sizeof(*st));
		st->path = cairn_xstrdup(path);
		st->root = new_document(stack);
		*out = st;
		return 0;
	}
	if (rc == CAIRN_ENOTFOUND)
		return cairn_error_setc(CAIRN_ENOTFOUND,
					"%s: no state file (nothing has been applied for this "
					"stack, or --state names another file)",
					path);
	if (rc < 0)
		return rc;
	root = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!root)
		return cairn_error_setc(CAIRN_EINVALID,
					"%s:%d:%d: the state is not valid JSON: %s; restore it "
					"from %s.backup or a copy",
					path, jerr.line, jerr.column, jerr.text, path);
	rc = check_document(path, root, stack);
	if (rc < 0) {
		json_decref(root);
		return rc;
	}
	st = cairn_xcalloc(1, sizeof(*st));
	st->path = cairn_xstrdup(path);
	st->root = root;
	st->exists = 1;
	*out = st;
	return 0;
}

int cairn_state_open(cairn_state **out, const char *path, const char *stack)
{
	return load(out, path, stack, 0);
}

int cairn_state_read(cairn_state **out, const char *path)
{
	return load(out, path, NULL, 1);
}

void cairn_state_free(cairn_state *st)
{
	if (!st)
		return;
	json_decref(st->root);
	free(st->path);
	free(st);
}

static int ensure_dir(const char *path)
{
	char *dir = cairn_xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = cairn_mkdir_p(dir, 0700);
	}
	free(dir);
	return rc;
}

int cairn_state_save(cairn_state *st)
{
	json_t *serial = json_object_get(st->root, "serial");
	long long next = json_integer_value(serial) + 1;
	char *text;
	int rc;

	rc = ensure_dir(st->path);
	if (rc < 0)
		return rc;
	json_integer_set(serial, next);
	text = json_dumps(st->root, JSON_INDENT(2));
	if (!text)
		cairn_die("cannot serialise the state");
	{
		size_t n = strlen(text);
		text = cairn_xrealloc(text, n + 2);
		text[n] = '\n';
		text[n + 1] = '\0';
		rc = cairn_file_write_atomic(st->path, text, n + 1, 0600);
	}
	free(text);
	if (rc < 0) {
		json_integer_set(serial, next - 1);
		return cairn_error_set("%s; the state could not be saved: fix the cause and run "
				       "the command again (what was applied is still in AWS)",
				       cairn_error_last());
	}
	st->exists = 1;
	return 0;
}

int cairn_state_exists(const cairn_state *st)
{
	return st->exists;
}

const char *cairn_state_path(const cairn_state *st)
{
	return st->path;
}

const char *cairn_state_lineage(const cairn_state *st)
{
	return json_string_value(json_object_get(st->root, "lineage"));
}

const char *cairn_state_stack(const cairn_state *st)
{
	return json_string_value(json_object_get(st->root, "stack"));
}

long long cairn_state_serial(const cairn_state *st)
{
	return json_integer_value(json_object_get(st->root, "serial"));
}

json_t *cairn_state_root(const cairn_state *st)
{
	return st->root;
}

json_t *cairn_state_resources(const cairn_state *st)
{
	return json_object_get(st->root, "resources");
}

json_t *cairn_state_resource(const cairn_state *st, const char *logical_id)
{
	return json_object_get(cairn_state_resources(st), logical_id);
}

int cairn_state_path_sensitive(const json_t *rec, const char *path)
{
	const json_t *sensitive = json_object_get(rec, "sensitive");
	size_t n = strcspn(path, ".["), i;
	for (i = 0; i < json_array_size(sensitive); i++) {
		const char *k = json_string_value(json_array_get(sensitive, i));
		if (k && strlen(k) == n && strncmp(k, path, n) == 0)
			return 1;
	}
	return 0;
}

void cairn_state_set_resource(cairn_state *st, const char *logical_id, json_t *rec)
{
	json_object_set_new(cairn_state_resources(st), logical_id, rec);
}

int cairn_state_remove_resource(cairn_state *st, const char *logical_id)
{
	if (json_object_del(cairn_state_resources(st), logical_id) != 0)
		return cairn_error_setc(CAIRN_ENOTFOUND, "%s: no resource '%s' in the state",
					st->path, logical_id);
	return 0;
}

size_t cairn_state_count(const cairn_state *st)
{
	return json_object_size(cairn_state_resources(st));
}

void cairn_state_set_template(cairn_state *st, const char *path, const char *sha256)
{
	json_object_set_new(st->root, "template",
			    json_pack("{s:s?, s:s?}", "path", path, "sha256", sha256));
}

json_t *cairn_state_outputs(const cairn_state *st)
{
	return json_object_get(st->root, "outputs");
}

void cairn_state_set_outputs(cairn_state *st, json_t *outputs)
{
	json_object_set_new(st->root, "outputs", outputs ? outputs : json_object());
}

json_t *cairn_state_imports(const cairn_state *st)
{
	json_t *imp = json_object_get(st->root, "imports");
	return json_is_object(imp) ? imp : NULL;
}

json_t *cairn_state_retained(const cairn_state *st)
{
	json_t *r = json_object_get(st->root, "retained");
	return json_is_object(r) ? r : NULL;
}

void cairn_state_set_retained(cairn_state *st, const char *logical_id, json_t *rec)
{
	json_t *r = json_object_get(st->root, "retained");
	if (!json_is_object(r)) {
		r = json_object();
		json_object_set_new(st->root, "retained", r);
	}
	json_object_set_new(r, logical_id, rec);
}

void cairn_state_remove_retained(cairn_state *st, const char *logical_id)
{
	json_t *r = json_object_get(st->root, "retained");
	json_object_del(r, logical_id);
	if (r && json_object_size(r) == 0)
		json_object_del(st->root, "retained");
}

void cairn_state_set_imports(cairn_state *st, json_t *imports)
{
	if (!imports || json_object_size(imports) == 0) {
		json_decref(imports);
		json_object_del(st->root, "imports");
		return;
	}
	json_object_set_new(st->root, "imports", imports);
}

json_t *cairn_state_record_new(const char *type, const char *id, const json_t *properties,
			       const json_t *attributes, const char *const *depends,
			       size_t ndepends)
{
	json_t *rec = json_object(), *deps = json_array();
	size_t i;

	json_object_set_new(rec, "type", json_string(type));
	json_object_set_new(rec, "status", json_string("created"));
	if (id)
		json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "properties",
			    properties ? json_deep_copy(properties) : json_object());
	json_object_set_new(rec, "attributes",
			    attributes ? json_deep_copy(attributes) : json_object());
	for (i = 0; i < ndepends; i++)
		json_array_append_new(deps, json_string(depends[i]));
	json_object_set_new(rec, "depends_on", deps);
	return rec;
}

/* ---- the lock ---------------------------------------------------------- */

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

char *cairn_state_lock_path(const char *state_path)
{
	return cairn_xasprintf("%s.lock", state_path);
}

static void hostname_of(char *out, size_t n)
{
	if (gethostname(out, n) != 0 || !*out)
		snprintf(out, n, "localhost");
	out[n - 1] = '\0';
}

static const char *user_name(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;
	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "unknown";
}

int cairn_state_lock_info(const char *state_path, json_t **out)
{
	char *lp = cairn_state_lock_path(state_path), *text = NULL;
	size_t len;
	json_error_t jerr;
	int rc;

	*out = NULL;
	rc = cairn_file_read(lp, &text, &len);
	if (rc == CAIRN_ENOTFOUND) {
		rc = cairn_error_setc(CAIRN_ENOTFOUND, "%s is not locked", state_path);
		goto done;
	}
	if (rc < 0)
		goto done;
	*out = json_loadb(text, len, 0, &jerr);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = cairn_error_setc(CAIRN_EINVALID,
				      "%s: the lock file is not valid (%s); if no cairn is "
				      "running on this state, remove the file by hand",
				      lp, jerr.text);
	}
done:
	free(text);
	free(lp);
	return rc;
}

int cairn_state_lock_is_stale(const json_t *info)
{
	char host[256];
	const char *h = json_string_value(json_object_get(info, "host"));
	json_int_t pid = json_integer_value(json_object_get(info, "pid"));

	hostname_of(host, sizeof(host));
	if (!h || strcmp(h, host) != 0 || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* The message for a held lock, into the error slot. */
static int locked_error(const char *state_path, const json_t *info)
{
	const char *id = json_string_value(json_object_get(info, "id"));
	const char *holder = json_string_value(json_object_get(info, "holder"));
	const char *host = json_string_value(json_object_get(info, "host"));
	const char *op = json_string_value(json_object_get(info, "operation"));
	const char *when = json_string_value(json_object_get(info, "time"));
	long long pid = json_integer_value(json_object_get(info, "pid"));

	if (cairn_state_lock_is_stale(info))
		return cairn_error_setc(CAIRN_ELOCKED,
					"%s is locked by %s (cairn %s, pid %lld on %s, since %s, "
					"lock id %s), but that process no longer runs: the lock "
					"is stale. If no other cairn works on this state, break "
					"it with: cairn force-unlock %s --state %s",
					state_path, holder ? holder : "?", op ? op : "?", pid,
					host ? host : "?", when ? when : "?", id ? id : "?",
					id ? id : "?", state_path);
	return cairn_error_setc(CAIRN_ELOCKED,
				"%s is locked by %s (cairn %s, pid %lld on %s, since %s, lock "
				"id %s); wait for it to finish, or, if it is gone, run: cairn "
				"force-unlock %s --state %s",
				state_path, holder ? holder : "?", op ? op : "?", pid,
				host ? host : "?", when ? when : "?", id ? id : "?", id ? id : "?",
				state_path);
}

int cairn_state_lock(cairn_lock **out, const char *state_path, const char *operation)
{
	char host[256], when[21];
	cairn_lock *lk;
	char *tmp = NULL, *text = NULL, *holder = NULL;
	json_t *info;
	int rc;

	*out = NULL;
	rc = ensure_dir(state_path);
	if (rc < 0)
		return rc;
	lk = cairn_xcalloc(1, sizeof(*lk));
	lk->path = cairn_state_lock_path(state_path);
	cairn_random_hex(lk->id, 16);
	hostname_of(host, sizeof(host));
	cairn_utc_now(when);
	holder = cairn_xasprintf("%s@%s", user_name(), host);
	info = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "id", lk->id, "holder", holder,
			 "pid", (json_int_t)getpid(), "host", host, "time", when, "operation",
			 operation ? operation : "?", "version", CAIRN_VERSION);
	text = json_dumps(info, JSON_INDENT(2));
	json_decref(info);
	tmp = cairn_xasprintf("%s.%s.tmp", lk->path, lk->id);
	rc = cairn_file_write_atomic(tmp, text, strlen(text), 0600);
	if (rc < 0)
		goto fail;
	if (link(tmp, lk->path) != 0) {
		int e = errno;
		unlink(tmp);
		if (e == EEXIST) {
			json_t *cur = NULL;
			rc = cairn_state_lock_info(state_path, &cur);
			if (rc == 0) {
				rc = locked_error(state_path, cur);
				json_decref(cur);
			} else if (rc == CAIRN_ENOTFOUND) {
				/* released between our link and our read */
				rc = cairn_error_setc(CAIRN_ELOCKED,
						      "%s was locked by another cairn a moment "
						      "ago; run the command again",
						      state_path);
			} else {
				rc = CAIRN_ELOCKED;
			}
		} else {
			rc = cairn_error_set("%s: cannot create the lock: %s", lk->path,
					     strerror(e));
		}
		goto fail;
	}
	unlink(tmp);
	free(tmp);
	free(text);
	free(holder);
	*out = lk;
	return 0;
fail:
	free(tmp);
	free(text);
	free(holder);
	free(lk->path);
	free(lk);
	return rc;
}

const char *cairn_lock_id(const cairn_lock *lock)
{
	return lock->id;
}

const char *cairn_lock_file(const cairn_lock *lock)
{
	return lock->path;
}

int cairn_state_unlock(cairn_lock *lock)
{
	char *text = NULL;
	size_t len;
	json_t *info;
	int rc = 0;

	if (!lock)
		return 0;
	if (cairn_file_read(lock->path, &text, &len) < 0) {
		rc = cairn_error_set("%s: the lock was removed while cairn held it (force-unlock?); "
				     "check that no other cairn changed the state",
				     lock->path);
		goto done;
	}
	info = json_loads(text, 0, NULL);
	if (!info || strcmp(str_or(json_object_get(info, "id"), ""), lock->id) != 0)
		rc = cairn_error_set("%s: the lock was broken and taken by someone else while "
				     "cairn held it; check the state before going on",
				     lock->path);
	else if (unlink(lock->path) != 0)
		rc = cairn_error_set("%s: cannot remove the lock: %s", lock->path, strerror(errno));
	json_decref(info);
done:
	free(text);
	free(lock->path);
	free(lock);
	return rc;
}

int cairn_state_force_unlock(const char *state_path, const char *id)
{
	json_t *info = NULL;
	const char *cur;
	char *lp;
	int rc = cairn_state_lock_info(state_path, &info);

	if (rc < 0)
		return rc;
	cur = json_string_value(json_object_get(info, "id"));
	if (!cur || strcmp(cur, id) != 0) {
		rc = cairn_error_setc(CAIRN_EINVALID,
				      "%s is locked with id %s (by %s), not %s; force-unlock "
				      "takes the id of the lock to break",
				      state_path, cur ? cur : "?",
				      str_or(json_object_get(info, "holder"), "?"), id);
		json_decref(info);
		return rc;
	}
	json_decref(info);
	lp = cairn_state_lock_path(state_path);
	if (unlink(lp) != 0 && errno != ENOENT)
		rc = cairn_error_set("%s: cannot remove the lock: %s", lp, strerror(errno));
	free(lp);
	return rc;
}
