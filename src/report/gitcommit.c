/*
 * gitcommit.c: commits drift and audit reports into a git repository with
 * libgit2, the only module that includes it.
 *
 * What it does, in order (cairn_report_commit):
 *
 *   1. Renders the files: reports/<stack>/drift.md and drift.json for a
 *      drift report; audit.md and audit.json for an audit, plus the drift
 *      files from its drift section when it has one. Renders the commit
 *      message. Everything is redacted by the renderers.
 *   2. Resolves the author (--author "Name <email>", else GIT_AUTHOR_NAME
 *      and GIT_AUTHOR_EMAIL, else user.name and user.email from the
 *      repository's configuration, which includes the global and system
 *      files) and the committer (GIT_COMMITTER_*, else the configuration,
 *      else the author). This happens before anything is written, so a
 *      missing identity leaves no half-created repository behind.
 *   3. Opens the repository at exactly the path given (no search upwards),
 *      or creates it, non-bare, with HEAD on --branch when one is given.
 *   4. Finds the branch: --branch, else the branch HEAD names (an unborn
 *      one is fine; a detached HEAD is an error). A missing branch starts
 *      from HEAD's commit, or has no parent when HEAD is unborn.
 *   5. Builds the new tree without touching the working tree or the index:
 *      an in-memory index is loaded with the parent's tree, the report
 *      blobs are written and their entries replaced, and the tree is
 *      written from it. When that tree is the parent's tree, nothing
 *      changed and no commit is made (unless --always).
 *   6. Creates the commit and moves the branch with a compare-and-swap on
 *      its old value, so a concurrent writer is detected, not overwritten.
 *   7. When the repository has a working tree and the branch is the one
 *      checked out, writes the same files into it and stages exactly those
 *      paths in the repository's index, so `git status` stays clean and
 *      nothing else the user has staged or changed is touched.
 *   8. Pushes refs/heads/<branch> (no force) to --push: a configured
 *      remote's name, or a URL or path. Local paths and file:// URLs work
 *      without credentials; cairn offers none, so remotes that need them
 *      fail with a message saying to push with git.
 *
 * Owns: the libgit2 objects of one call (freed before it returns) and one
 * git_libgit2_init/shutdown pair per call.
 */
#include <errno.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_int.h"

/* One file to write: its path in the repository and its bytes. */
typedef struct rfile {
	char *path;   /* "reports/<stack>/audit.md" */
	cairn_buf data;
} rfile;

/* What one commit call holds, released by commit_dispose. */
typedef struct gctx {
	const cairn_commit_options *o;
	cairn_commit_result *res;
	rfile files[4];
	size_t nfiles;
	cairn_buf message;
	char *author_name, *author_email;
	char *committer_name, *committer_email;
	git_repository *repo;
	char *refname;               /* "refs/heads/<branch>" */
	git_oid tip;                 /* the branch's commit before ours */
	int has_tip;                 /* the branch existed */
	git_commit *parent;          /* tip, or HEAD's commit for a new branch, or NULL */
	git_oid tree_id;             /* the tree with the reports */
	git_oid commit_id;           /* the commit made */
	char *push_error;            /* a rejection reported by the remote */
} gctx;

static int gitfail(const char *what)
{
	const git_error *e = git_error_last();
	return cairn_error_set("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

/* ---- Identities ------------------------------------------------------ */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* Splits "Name <email>". */
static int parse_ident(const char *s, char **name, char **email)
{
	const char *lt = strchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *ne;
	const char *p;
	*name = *email = NULL;
	if (!lt || !gt || gt == lt + 1)
		goto bad;
	for (p = gt + 1; *p; p++)
		if (*p != ' ' && *p != '\t')
			goto bad;
	for (ne = lt; ne > s && (ne[-1] == ' ' || ne[-1] == '\t'); ne--)
		;
	while (s < ne && (*s == ' ' || *s == '\t'))
		s++;
	if (ne == s)
		goto bad;
	*name = cairn_xstrndup(s, (size_t)(ne - s));
	*email = cairn_xstrndup(lt + 1, (size_t)(gt - lt - 1));
	if (strchr(*email, '<') || strchr(*name, '>'))
		goto bad;
	return 0;
bad:
	free(*name);
	free(*email);
	*name = *email = NULL;
	return cairn_error_setc(CAIRN_EINVALID,
				"--author '%s': expected \"Name <email>\", e.g. --author \"Audit Bot "
				"<audit@example.com>\"",
				s);
}

static char *config_string(git_config *snap, const char *key)
{
	const char *v = NULL;
	if (snap && git_config_get_string(&v, snap, key) == 0 && v && *v)
		return cairn_xstrdup(v);
	git_error_clear();
	return NULL;
}

static int resolve_identities(gctx *g, git_config *snap)
{
	const cairn_commit_options *o = g->o;
	char *cfg_name = config_string(snap, "user.name");
	char *cfg_email = config_string(snap, "user.email");
	int rc = 0;

	if (o->author) {
		if ((rc = parse_ident(o->author, &g->author_name, &g->author_email)) < 0)
			goto out;
	} else {
		const char *n = env("GIT_AUTHOR_NAME"), *e = env("GIT_AUTHOR_EMAIL");
		g->author_name = cairn_xstrdup(n ? n : cfg_name ? cfg_name : "");
		g->author_email = cairn_xstrdup(e ? e : cfg_email ? cfg_email : "");
		if (!*g->author_name || !*g->author_email) {
			rc = cairn_error_setc(
				CAIRN_EINVALID,
				"no author for the report commit in %s (%s is missing): pass --author "
				"\"Name <email>\", set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, or run "
				"git -C %s config user.name \"...\" and git -C %s config user.email "
				"\"...\"",
				o->repo, !*g->author_name ? "a name" : "an email", o->repo, o->repo);
			goto out;
		}
	}
	{
		const char *n = env("GIT_COMMITTER_NAME"), *e = env("GIT_COMMITTER_EMAIL");
		g->committer_name = cairn_xstrdup(n ? n : cfg_name ? cfg_name : g->author_name);
		g->committer_email = cairn_xstrdup(e ? e : cfg_email ? cfg_email : g->author_email);
	}
out:
	free(cfg_name);
	free(cfg_email);
	return rc;
}

/* ---- Repository and branch ------------------------------------------- */

static int open_repo(gctx *g)
{
	const cairn_commit_options *o = g->o;
	struct stat st;
	git_config *cfg = NULL, *snap = NULL;
	int err, rc;

	if (stat(o->repo, &st) == 0 && !S_ISDIR(st.st_mode))
		return cairn_error_setc(CAIRN_EINVALID,
					"--commit %s: exists and is not a directory; name a git "
					"repository or a directory to create one in",
					o->repo);
	err = git_repository_open_ext(&g->repo, o->repo, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (err == 0) {
		if (git_repository_config_snapshot(&snap, g->repo) < 0)
			return gitfail("reading the repository's configuration");
		rc = resolve_identities(g, snap);
		git_config_free(snap);
		return rc;
	}
	if (err != GIT_ENOTFOUND)
		return gitfail(o->repo);
	git_error_clear();

	/* A new repository: the identity comes from the global configuration
	 * and the environment, and is checked before anything is created. */
	if (git_config_open_default(&cfg) == 0 && git_config_snapshot(&snap, cfg) == 0) {
		rc = resolve_identities(g, snap);
	} else {
		git_error_clear();
		rc = resolve_identities(g, NULL);
	}
	git_config_free(snap);
	git_config_free(cfg);
	if (rc < 0)
		return rc;
	{
		git_repository_init_options io;
		git_repository_init_options_init(&io, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		io.flags = GIT_REPOSITORY_INIT_MKPATH;
		io.initial_head = o->branch;
		if (git_repository_init_ext(&g->repo, o->repo, &io) < 0) {
			char *what = cairn_xasprintf("creating the reports repository %s", o->repo);
			rc = gitfail(what);
			free(what);
			return rc;
		}
	}
	return 0;
}

static int resolve_branch(gctx *g)
{
	const cairn_commit_options *o = g->o;
	int err;

	if (o->branch) {
		int valid = 0;
		if (git_branch_name_is_valid(&valid, o->branch) < 0 || !valid) {
			git_error_clear();
			return cairn_error_setc(CAIRN_EINVALID,
						"--branch '%s' is not a valid git branch name",
						o->branch);
		}
		g->refname = cairn_xasprintf("refs/heads/%s", o->branch);
	} else {
		git_reference *head = NULL;
		const char *target;
		if (git_reference_lookup(&head, g->repo, "HEAD") < 0)
			return gitfail("reading HEAD");
		if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), git_reference_target(head));
			git_reference_free(head);
			return cairn_error_setc(CAIRN_EINVALID,
						"HEAD of %s is detached (at %.12s), so there is no "
						"current branch to commit to; name one with --branch",
						o->repo, hex);
		}
		target = git_reference_symbolic_target(head);
		if (strncmp(target, "refs/heads/", 11) != 0) {
			int rc = cairn_error_setc(CAIRN_EINVALID,
						  "HEAD of %s points to %s, not a branch; name one "
						  "with --branch",
						  o->repo, target);
			git_reference_free(head);
			return rc;
		}
		g->refname = cairn_xstrdup(target);
		git_reference_free(head);
	}
	g->res->branch = cairn_xstrdup(g->refname + 11);

	err = git_reference_name_to_id(&g->tip, g->repo, g->refname);
	if (err == 0) {
		g->has_tip = 1;
		if (git_commit_lookup(&g->parent, g->repo, &g->tip) < 0)
			return gitfail(g->refname);
		return 0;
	}
	if (err != GIT_ENOTFOUND)
		return gitfail(g->refname);
	git_error_clear();
	g->res->created_branch = 1;
	/* A new branch starts where HEAD is, like `git switch -c`; with an
	 * unborn HEAD it starts with no parent. */
	if (o->branch) {
		git_oid head;
		if (git_reference_name_to_id(&head, g->repo, "HEAD") == 0) {
			if (git_commit_lookup(&g->parent, g->repo, &head) < 0)
				return gitfail("reading HEAD's commit");
		}
		git_error_clear();
	}
	return 0;
}

/* ---- Tree and commit ------------------------------------------------- */

static int build_tree(gctx *g)
{
	git_index *idx = NULL;
	git_tree *ptree = NULL;
	size_t i;
	int rc = 0;

	if (git_index_new(&idx) < 0)
		return gitfail("creating an index");
	if (g->parent) {
		if (git_commit_tree(&ptree, g->parent) < 0 || git_index_read_tree(idx, ptree) < 0) {
			rc = gitfail("reading the branch's tree");
			goto out;
		}
	}
	for (i = 0; i < g->nfiles; i++) {
		git_index_entry e;
		git_oid blob;
		if (git_blob_create_from_buffer(&blob, g->repo, g->files[i].data.ptr,
						g->files[i].data.len) < 0) {
			rc = gitfail("writing a report blob");
			goto out;
		}
		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.path = g->files[i].path;
		e.file_size = (uint32_t)g->files[i].data.len;
		git_oid_cpy(&e.id, &blob);
		if (git_index_add(idx, &e) < 0) {
			char *what = cairn_xasprintf("adding %s to the tree (is a file in the way of "
						     "its directory?)",
						     g->files[i].path);
			rc = gitfail(what);
			free(what);
			goto out;
		}
	}
	if (git_index_write_tree_to(&g->tree_id, idx, g->repo) < 0)
		rc = gitfail("writing the report tree");
out:
	git_tree_free(ptree);
	git_index_free(idx);
	return rc;
}

static int make_commit(gctx *g)
{
	git_signature *author = NULL, *committer = NULL;
	git_tree *tree = NULL;
	git_reference *ref = NULL;
	const git_commit *parents[1];
	int rc = 0, err;

	if (git_signature_now(&author, g->author_name, g->author_email) < 0) {
		rc = gitfail("the commit author");
		goto out;
	}
	if (git_signature_now(&committer, g->committer_name, g->committer_email) < 0) {
		rc = gitfail("the commit committer");
		goto out;
	}
	if (git_tree_lookup(&tree, g->repo, &g->tree_id) < 0) {
		rc = gitfail("reading the report tree");
		goto out;
	}
	parents[0] = g->parent;
	if (git_commit_create(&g->commit_id, g->repo, NULL, author, committer, NULL,
			      cairn_buf_cstr(&g->message), tree, g->parent ? 1 : 0, parents) < 0) {
		rc = gitfail("creating the report commit");
		goto out;
	}
	if (g->has_tip)
		err = git_reference_create_matching(&ref, g->repo, g->refname, &g->commit_id, 1,
						    &g->tip, "cairn: report commit");
	else
		err = git_reference_create(&ref, g->repo, g->refname, &g->commit_id, 0,
					   "cairn: report commit (branch created)");
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS) {
		rc = cairn_error_set("branch %s of %s moved while cairn was committing (another "
				     "writer?); run again",
				     g->res->branch, g->o->repo);
		goto out;
	}
	if (err < 0) {
		rc = gitfail(g->refname);
		goto out;
	}
	g->res->committed = 1;
out:
	git_reference_free(ref);
	git_tree_free(tree);
	git_signature_free(author);
	git_signature_free(committer);
	return rc;
}

/* A new branch with nothing to commit still comes into existence, at its
 * starting point, so --branch always names a branch afterwards. */
static int create_branch_at_parent(gctx *g)
{
	git_reference *ref = NULL;
	if (git_reference_create(&ref, g->repo, g->refname, git_commit_id(g->parent), 0,
				 "cairn: branch created") < 0)
		return gitfail(g->refname);
	git_reference_free(ref);
	return 0;
}

/* ---- Working tree ---------------------------------------------------- */

static int head_is(gctx *g)
{
	git_reference *head = NULL;
	int yes;
	if (git_reference_lookup(&head, g->repo, "HEAD") < 0) {
		git_error_clear();
		return 0;
	}
	yes = git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	      strcmp(git_reference_symbolic_target(head), g->refname) == 0;
	git_reference_free(head);
	return yes;
}

static int update_workdir(gctx *g)
{
	const char *wd = git_repository_workdir(g->repo);
	git_index *index = NULL;
	size_t i;
	int rc = 0;

	if (!wd || git_repository_is_bare(g->repo) || !head_is(g))
		return 0;
	for (i = 0; i < g->nfiles; i++) {
		char *full = cairn_xasprintf("%s%s", wd, g->files[i].path);
		char *dir = cairn_xstrdup(full);
		*strrchr(dir, '/') = '\0';
		rc = cairn_mkdir_p(dir, 0777);
		if (rc == 0)
			rc = cairn_file_write_atomic(full, g->files[i].data.ptr, g->files[i].data.len,
						     0644);
		free(dir);
		free(full);
		if (rc < 0)
			goto fail;
	}
	if (git_repository_index(&index, g->repo) < 0 || git_index_read(index, 0) < 0) {
		rc = gitfail("reading the repository's index");
		goto fail;
	}
	for (i = 0; i < g->nfiles; i++) {
		if (git_index_add_bypath(index, g->files[i].path) < 0) {
			rc = gitfail(g->files[i].path);
			goto fail;
		}
	}
	if (git_index_write(index) < 0) {
		rc = gitfail("writing the repository's index");
		goto fail;
	}
	git_index_free(index);
	g->res->updated_workdir = 1;
	return 0;
fail:
	git_index_free(index);
	{
		char *why = cairn_xstrdup(cairn_error_last());
		cairn_error_setc(rc, "committed %s on %s, but could not update the working tree of "
				     "%s: %s; run git -C %s checkout -- reports/ to bring it up to "
				     "date",
				 g->res->commit, g->res->branch, g->o->repo, why, g->o->repo);
		free(why);
	}
	return rc;
}

/* ---- Push ------------------------------------------------------------ */

static int on_push_update(const char *refname, const char *status, void *data)
{
	gctx *g = data;
	if (status && !g->push_error)
		g->push_error = cairn_xasprintf("%s: %s", refname, status);
	return 0;
}

static int looks_like_url(const char *s)
{
	return strstr(s, "://") != NULL || (strchr(s, '@') && strchr(s, ':'));
}

/* The URL a configured remote pushes to (pushurl, else url), or NULL when
 * name is not a configured remote. */
static char *remote_url(gctx *g, const char *name)
{
	git_config *snap = NULL;
	char *key, *url = NULL;
	int valid = 0;
	if (git_remote_name_is_valid(&valid, name) < 0 || !valid ||
	    git_repository_config_snapshot(&snap, g->repo) < 0) {
		git_error_clear();
		return NULL;
	}
	key = cairn_xasprintf("remote.%s.pushurl", name);
	url = config_string(snap, key);
	free(key);
	if (!url) {
		key = cairn_xasprintf("remote.%s.url", name);
		url = config_string(snap, key);
		free(key);
	}
	git_config_free(snap);
	/* A relative path in the configuration is relative to the repository
	 * (as git reads it from there), not to where cairn runs. */
	if (url && url[0] != '/' && !looks_like_url(url)) {
		const char *base = git_repository_workdir(g->repo);
		char *abs = cairn_xasprintf("%s%s", base ? base : git_repository_path(g->repo), url);
		free(url);
		url = abs;
	}
	return url;
}

/*
 * The remote is created from its URL with GIT_REMOTE_CREATE_SKIP_INSTEADOF
 * rather than with git_remote_lookup or git_remote_create_anonymous: in
 * libgit2 1.5 both apply url.*.insteadOf through a regular-expression walk
 * of the configuration that leaks PCRE2 match data for every entry that
 * does not match. insteadOf rewrites matter for authenticated URLs, which
 * cairn does not push to anyway. For a named remote, the remote-tracking
 * ref refs/remotes/<name>/<branch> is updated after the push as git does.
 */
static int push(gctx *g)
{
	const char *spec = g->o->push;
	git_remote *remote = NULL;
	git_remote_create_options co;
	git_push_options po;
	char *refspec = cairn_xasprintf("%s:%s", g->refname, g->refname);
	char *url = remote_url(g, spec);
	int named = url != NULL, rc = 0;
	git_strarray specs;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	git_remote_create_options_init(&co, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	specs.strings = &refspec;
	specs.count = 1;
	if (!url) {
		if (!looks_like_url(spec) && access(spec, F_OK) != 0) {
			rc = cairn_error_setc(CAIRN_EINVALID,
					      "--push %s: %s has no remote of that name, and there "
					      "is no repository at that path (git -C %s remote -v "
					      "lists the remotes)",
					      spec, g->o->repo, g->o->repo);
			goto out;
		}
		url = cairn_xstrdup(spec);
	}
	co.repository = g->repo;
	co.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, url, &co) < 0) {
		char *what = cairn_xasprintf("--push %s (%s)", spec, url);
		rc = gitfail(what);
		free(what);
		goto out;
	}
	po.callbacks.push_update_reference = on_push_update;
	po.callbacks.payload = g;
	if (git_remote_push(remote, &specs, &po) < 0) {
		const git_error *e = git_error_last();
		int remote_scheme = strncmp(url, "file://", 7) != 0 && looks_like_url(url);
		char *hint = remote_scheme
				     ? cairn_xasprintf(". cairn pushes without credentials (local "
						       "paths and file:// URLs work); for this remote "
						       "run git -C %s push %s %s yourself",
						       g->o->repo, spec, g->res->branch)
				     : cairn_xstrdup("");
		rc = cairn_error_set("pushing branch %s of %s to %s (%s) failed: %s%s",
				     g->res->branch, g->o->repo, spec, url,
				     e && e->message ? e->message : "unknown error", hint);
		free(hint);
		goto out;
	}
	if (g->push_error) {
		rc = cairn_error_set("%s (%s) refused branch %s of %s: %s", spec, url, g->res->branch,
				     g->o->repo, g->push_error);
		goto out;
	}
	g->res->pushed = 1;
	if (named) {
		char *tracking = cairn_xasprintf("refs/remotes/%s/%s", spec, g->res->branch);
		git_reference *ref = NULL;
		git_oid id;
		if (git_oid_fromstr(&id, g->res->commit) == 0 &&
		    git_reference_create(&ref, g->repo, tracking, &id, 1, "cairn: push") < 0)
			git_error_clear(); /* the push itself succeeded */
		git_reference_free(ref);
		free(tracking);
	}
out:
	git_remote_free(remote);
	free(refspec);
	free(url);
	return rc;
}

/* ---- Entry point ----------------------------------------------------- */

static void add_file(gctx *g, const char *stack, const char *name)
{
	rfile *f = &g->files[g->nfiles++];
	f->path = cairn_xasprintf("reports/%s/%s", stack, name);
	memset(&f->data, 0, sizeof(f->data));
}

static int render_files(gctx *g, cairn_report *r)
{
	const char *stack = cairn_report_stack(r);
	cairn_report *drift = NULL;
	int rc;

	if (cairn_report_get_kind(r) == CAIRN_REPORT_AUDIT) {
		add_file(g, stack, "audit.md");
		if ((rc = cairn_report_render(r, CAIRN_REPORT_MARKDOWN, 0, &g->files[0].data)) < 0)
			return rc;
		add_file(g, stack, "audit.json");
		if ((rc = cairn_report_render(r, CAIRN_REPORT_JSON, 0, &g->files[1].data)) < 0)
			return rc;
		if (!cairn_report_has_drift(r))
			return 0;
		if ((rc = cairn_report_drift_part(r, &drift)) < 0)
			return rc;
		r = drift;
	}
	add_file(g, stack, "drift.md");
	rc = cairn_report_render(r, CAIRN_REPORT_MARKDOWN, 0, &g->files[g->nfiles - 1].data);
	if (rc == 0) {
		add_file(g, stack, "drift.json");
		rc = cairn_report_render(r, CAIRN_REPORT_JSON, 0, &g->files[g->nfiles - 1].data);
	}
	cairn_report_free(drift);
	return rc;
}

static void gctx_dispose(gctx *g)
{
	size_t i;
	for (i = 0; i < g->nfiles; i++) {
		free(g->files[i].path);
		cairn_buf_dispose(&g->files[i].data);
	}
	cairn_buf_dispose(&g->message);
	free(g->author_name);
	free(g->author_email);
	free(g->committer_name);
	free(g->committer_email);
	git_commit_free(g->parent);
	git_repository_free(g->repo);
	free(g->refname);
	free(g->push_error);
}

int cairn_report_commit(cairn_report *r, const cairn_commit_options *o,
			cairn_commit_result *res)
{
	gctx g;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&g, 0, sizeof(g));
	g.o = o;
	g.res = res;
	if (!o || !o->repo || !*o->repo)
		return cairn_error_setc(CAIRN_EINVALID, "no reports repository given (--commit REPO)");
	/* The generation time is the commit's; it never goes in the files.
	 * One redacted copy serves every file and the message. */
	{
		char *saved = r->generated_at;
		cairn_report *c = NULL;
		r->generated_at = NULL;
		rc = cairn__report_redacted(r, &c);
		r->generated_at = saved;
		if (rc == 0)
			rc = render_files(&g, c);
		if (rc == 0)
			rc = cairn_report_message(c, &g.message);
		if (c)
			cairn__report_release(r, c);
	}
	if (rc < 0)
		goto out;
	res->paths = cairn_xcalloc(g.nfiles, sizeof(char *));
	for (i = 0; i < g.nfiles; i++)
		res->paths[res->npaths++] = cairn_xstrdup(g.files[i].path);

	git_libgit2_init();
	if ((rc = open_repo(&g)) < 0 || (rc = resolve_branch(&g)) < 0 || (rc = build_tree(&g)) < 0)
		goto done;
	if (g.parent && git_oid_equal(&g.tree_id, git_commit_tree_id(g.parent)) && !o->always) {
		/* Nothing changed. */
		git_oid_tostr(res->commit, sizeof(res->commit), git_commit_id(g.parent));
		if (!g.has_tip && (rc = create_branch_at_parent(&g)) < 0)
			goto done;
	} else {
		if ((rc = make_commit(&g)) < 0)
			goto done;
		git_oid_tostr(res->commit, sizeof(res->commit), &g.commit_id);
		if ((rc = update_workdir(&g)) < 0)
			goto done;
	}
	if (o->push)
		rc = push(&g);
done:
	gctx_dispose(&g);
	git_libgit2_shutdown();
	return rc;
out:
	gctx_dispose(&g);
	return rc;
}

void cairn_commit_result_dispose(cairn_commit_result *res)
{
	size_t i;
	if (!res)
		return;
	free(res->branch);
	for (i = 0; i < res->npaths; i++)
		free(res->paths[i]);
	free(res->paths);
	memset(res, 0, sizeof(*res));
}
