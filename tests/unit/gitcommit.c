/*
 * Unit tests for src/report/gitcommit.c: reports built from the JSON
 * fixtures are committed into temporary repositories, and every result is
 * read back with the real git command line, never with libgit2: the files
 * at their stable paths, the subject and trailers (git interpret-trailers
 * --parse), the template hash against sha256sum, the author and committer,
 * no commit when nothing changed and --always forcing one, branches (new,
 * unborn, detached), the working tree and index left clean, pushes to
 * local bare repositories, and no planted secret anywhere in the history.
 *
 * The environment is isolated: HOME points at an empty directory, git's
 * system configuration is off for the CLI, and every GIT_* identity
 * variable is cleared unless a test sets it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/report.h"
#include "test.h"

#define FIX "tests/unit/fixtures/report"
#define TEMPLATE FIX "/model-registry.yaml"

static char home[64];

/* Runs a shell command; returns its exit status and (when out is not
 * NULL) its stdout with trailing newlines removed. */
static int sh(char **out, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static int sh(char **out, const char *fmt, ...)
{
	va_list ap;
	char *cmd, chunk[4096];
	cairn_buf b = CAIRN_BUF_INIT;
	FILE *p;
	size_t n;
	int st;
	va_start(ap, fmt);
	cmd = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	free(cmd);
	if (!p)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cairn_buf_put(&b, chunk, n);
	st = pclose(p);
	while (b.len > 0 && b.ptr[b.len - 1] == '\n')
		b.ptr[--b.len] = '\0';
	if (out)
		*out = cairn_buf_detach(&b);
	else
		cairn_buf_dispose(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* sh() that returns only the output (caller frees). */
static char *out_of(const char *fmt, ...) CAIRN_PRINTF(1, 2);
static char *out_of(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *out = NULL;
	va_start(ap, fmt);
	cmd = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	sh(&out, "%s", cmd);
	free(cmd);
	return out;
}

static char *scratch(void)
{
	char tmpl[] = "/tmp/cairn-gitcommit-XXXXXX";
	if (!mkdtemp(tmpl))
		cairn_die("mkdtemp failed");
	return cairn_xstrdup(tmpl);
}

static void unscratch(char *dir)
{
	if (!getenv("KEEP_TMP"))
		sh(NULL, "rm -rf '%s'", dir);
	free(dir);
}

static void clear_identity(void)
{
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_AUTHOR_EMAIL");
	unsetenv("GIT_COMMITTER_NAME");
	unsetenv("GIT_COMMITTER_EMAIL");
}

/* The audit fixture, with the real template file (so its hash is real). */
static cairn_report *audit_fixture(void)
{
	cairn_report *r = NULL;
	if (cairn_report_load(&r, FIX "/audit.json") < 0 ||
	    cairn_report_set_template(r, TEMPLATE, NULL) < 0) {
		fprintf(stderr, "fixture: %s\n", cairn_error_last());
		exit(2);
	}
	return r;
}

/* The fixture JSON with edit applied, as a report. */
static cairn_report *audit_edited(void (*edit)(json_t *doc))
{
	json_error_t err;
	json_t *doc = json_load_file(FIX "/audit.json", 0, &err);
	cairn_report *r = NULL;
	edit(doc);
	if (cairn_report_from_json(&r, doc) < 0 || cairn_report_set_template(r, TEMPLATE, NULL) < 0) {
		fprintf(stderr, "fixture: %s\n", cairn_error_last());
		exit(2);
	}
	json_decref(doc);
	return r;
}

static int commit(cairn_report *r, const char *repo, const char *branch, const char *author,
		  int always, const char *push, cairn_commit_result *res)
{
	cairn_commit_options o;
	memset(&o, 0, sizeof(o));
	o.repo = repo;
	o.branch = branch;
	o.author = author;
	o.always = always;
	o.push = push;
	return cairn_report_commit(r, &o, res);
}

#define BOT "Audit Bot <audit@example.com>"

TEST(commit_creates_the_repository_and_writes_stable_paths)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/reports-repo", dir), *s, *want;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;
	cairn_buf json = CAIRN_BUF_INIT;

	cairn_report_set_generated_at(r, "2031-05-06T07:08:09Z");
	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 1);
	CHECK_INT(res.created_branch, 1);
	CHECK_INT(res.updated_workdir, 1);
	CHECK_INT(res.npaths, 4);
	CHECK_INT(strlen(res.commit), 40);

	s = out_of("git -C %s rev-parse --is-bare-repository", repo);
	CHECK_STR(s, "false");
	free(s);
	s = out_of("git -C %s ls-tree -r --name-only HEAD", repo);
	CHECK_STR(s, "reports/model-registry/audit.json\nreports/model-registry/audit.md\n"
		     "reports/model-registry/drift.json\nreports/model-registry/drift.md");
	free(s);
	s = out_of("git -C %s rev-parse HEAD", repo);
	CHECK_STR(s, res.commit);
	free(s);
	s = out_of("git -C %s rev-parse --abbrev-ref HEAD", repo);
	CHECK_STR(s, res.branch);
	free(s);

	s = out_of("git -C %s log -1 --format=%%s", repo);
	CHECK_STR(s, "audit: model-registry: 3 failed, 1 not decided, 1 waived, 2 passed, drift 2 "
		     "modified, 1 deleted, 1 not checked");
	free(s);

	s = out_of("git -C %s log -1 --format=%%B | git interpret-trailers --parse", repo);
	want = out_of("printf 'Cairn-Stack: model-registry\\nCairn-Template: %s\\n"
		      "Cairn-Template-SHA256: %%s\\nCairn-Policies-SHA256: %%s\\n"
		      "Cairn-State-Serial: 7\\nCairn-Version: 0.1.0' "
		      "\"$(sha256sum %s | cut -d' ' -f1)\" "
		      "\"$(cd %s && sha256sum policies/least_privilege.lua policies/cis/*.lua | "
		      "LC_ALL=C sort | sha256sum | cut -d' ' -f1)\"",
		      TEMPLATE, TEMPLATE, FIX);
	CHECK_STR(s, want);
	free(s);
	free(want);

	/* The template hash an auditor recomputes with sha256sum. */
	s = out_of("git -C %s log -1 --format='%%(trailers:key=Cairn-Template-SHA256,valueonly)'",
		   repo);
	want = out_of("sha256sum %s | cut -d' ' -f1", TEMPLATE);
	CHECK_STR(s, want);
	CHECK_INT(strlen(want), 64);
	free(s);
	free(want);

	/* No configuration anywhere: the committer is the author. */
	s = out_of("git -C %s log -1 --format='%%an <%%ae>|%%cn <%%ce>'", repo);
	CHECK_STR(s, BOT "|" BOT);
	free(s);

	/* What is committed is exactly what the renderer makes, and has no
	 * timestamp in it. */
	cairn_report_set_generated_at(r, NULL);
	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_JSON, 0, &json), 0);
	s = out_of("git -C %s show HEAD:reports/model-registry/audit.json", repo);
	CHECK(s && strncmp(s, json.ptr, json.len - 1) == 0 && strlen(s) == json.len - 1);
	free(s);
	CHECK_INT(sh(NULL, "git -C %s grep -q -e 2031-05-06 -e generated_at HEAD", repo), 1);

	/* The drift files hold the audit's drift section as a drift report. */
	s = out_of("git -C %s show HEAD:reports/model-registry/drift.json | "
		   "python3 -c 'import json,sys; d=json.load(sys.stdin); "
		   "print(d[\"kind\"], d[\"summary\"][\"modified\"], len(d[\"resources\"]))'",
		   repo);
	CHECK_STR(s, "drift 2 7");
	free(s);
	s = out_of("git -C %s show HEAD:reports/model-registry/audit.md | head -1", repo);
	CHECK_STR(s, "# Compliance audit: `model-registry`");
	free(s);

	/* Working tree and index match the commit. */
	s = out_of("git -C %s status --porcelain --untracked-files=all", repo);
	CHECK_STR(s, "");
	free(s);
	CHECK_INT(sh(NULL, "git -C %s diff --quiet HEAD -- reports", repo), 0);
	CHECK_INT(sh(NULL, "git -C %s show HEAD:reports/model-registry/drift.md | "
			   "cmp -s - %s/reports/model-registry/drift.md",
		     repo, repo),
		  0);

	cairn_commit_result_dispose(&res);
	cairn_buf_dispose(&json);
	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

TEST(no_commit_when_nothing_changed_and_always_forces_one)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/r", dir), *s, *first;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;

	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	first = cairn_xstrdup(res.commit);
	cairn_commit_result_dispose(&res);

	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 0);
	CHECK_STR(res.commit, first);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s rev-list --count HEAD", repo);
	CHECK_STR(s, "1");
	free(s);

	CHECK_INT(commit(r, repo, NULL, BOT, 1, NULL, &res), 0);
	CHECK_INT(res.committed, 1);
	CHECK(strcmp(res.commit, first) != 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s rev-list --count HEAD", repo);
	CHECK_STR(s, "2");
	free(s);
	s = out_of("git -C %s rev-parse HEAD^{tree} HEAD~1^{tree} | uniq | wc -l", repo);
	CHECK_STR(s, "1");
	free(s);
	s = out_of("git -C %s status --porcelain", repo);
	CHECK_STR(s, "");
	free(s);

	free(first);
	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

static void reverse_array(json_t *a)
{
	size_t n = json_array_size(a), i;
	for (i = 0; i < n / 2; i++) {
		json_t *x = json_incref(json_array_get(a, i));
		json_array_set(a, i, json_array_get(a, n - 1 - i));
		json_array_set_new(a, n - 1 - i, x);
	}
}

static void shuffle(json_t *doc)
{
	reverse_array(json_object_get(doc, "controls"));
	reverse_array(json_object_get(doc, "waivers"));
	reverse_array(json_object_get(json_object_get(doc, "policies"), "files"));
	reverse_array(json_object_get(json_object_get(doc, "drift"), "resources"));
}

static void next_serial(json_t *doc)
{
	json_object_set_new(json_object_get(doc, "state"), "serial", json_integer(8));
}

static void trail_fixed(json_t *doc)
{
	/* CIS-3.1 passes now: its finding is gone (state as in next_serial). */
	json_t *controls = json_object_get(doc, "controls"), *c;
	size_t i;
	next_serial(doc);
	json_array_foreach(controls, i, c)
		if (strcmp(json_string_value(json_object_get(c, "id")), "CIS-3.1") == 0)
			json_array_clear(json_object_get(c, "findings"));
}

TEST(same_results_in_another_order_commit_nothing_and_changes_diff_small)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/r", dir), *s;
	cairn_report *r = audit_fixture(), *shuffled = audit_edited(shuffle),
		     *serial = audit_edited(next_serial), *fixed = audit_edited(trail_fixed);
	cairn_commit_result res;

	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	CHECK_INT(commit(shuffled, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 0);
	cairn_commit_result_dispose(&res);

	/* A new state serial changes one line of each file. */
	CHECK_INT(commit(serial, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 1);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s diff --numstat HEAD~1 HEAD", repo);
	CHECK_STR(s, "1\t1\treports/model-registry/audit.json\n1\t1\treports/model-registry/audit.md\n"
		     "1\t1\treports/model-registry/drift.json\n1\t1\treports/model-registry/drift.md");
	free(s);
	s = out_of("git -C %s diff -U0 HEAD~1 HEAD -- reports/model-registry/audit.json | "
		   "grep '^[-+] '",
		   repo);
	CHECK_STR(s, "-    \"serial\": 7,\n+    \"serial\": 8,");
	free(s);
	s = out_of("git -C %s log -1 --format='%%(trailers:key=Cairn-State-Serial,valueonly)'", repo);
	CHECK_STR(s, "8");
	free(s);

	/* A control that passes now: the audit files change, drift does not. */
	CHECK_INT(commit(fixed, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 1);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s diff --name-only HEAD~1 HEAD", repo);
	CHECK_STR(s, "reports/model-registry/audit.json\nreports/model-registry/audit.md");
	free(s);
	s = out_of("git -C %s log -1 --format=%%s", repo);
	CHECK_STR(s, "audit: model-registry: 2 failed, 1 not decided, 1 waived, 3 passed, drift 2 "
		     "modified, 1 deleted, 1 not checked");
	free(s);
	s = out_of("git -C %s diff HEAD~1 HEAD -- reports/model-registry/audit.json | "
		   "grep -c '^[-+] *\"status\": \"'",
		   repo);
	CHECK_STR(s, "3"); /* the finding's status gone, the control's failed -> passed */
	free(s);

	cairn_report_free(r);
	cairn_report_free(shuffled);
	cairn_report_free(serial);
	cairn_report_free(fixed);
	free(repo);
	unscratch(dir);
}

TEST(author_from_environment_then_configuration)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/r", dir), *s;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;

	setenv("GIT_AUTHOR_NAME", "Env Author", 1);
	setenv("GIT_AUTHOR_EMAIL", "env-author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Env Committer", 1);
	setenv("GIT_COMMITTER_EMAIL", "env-committer@example.com", 1);
	CHECK_INT(commit(r, repo, NULL, NULL, 0, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s log -1 --format='%%an <%%ae>|%%cn <%%ce>'", repo);
	CHECK_STR(s, "Env Author <env-author@example.com>|Env Committer <env-committer@example.com>");
	free(s);
	clear_identity();

	/* The repository's configuration. */
	sh(NULL, "git -C %s config user.name 'Config User' && "
		 "git -C %s config user.email config@example.com",
	   repo, repo);
	CHECK_INT(commit(r, repo, NULL, NULL, 1, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s log -1 --format='%%an <%%ae>|%%cn <%%ce>'", repo);
	CHECK_STR(s, "Config User <config@example.com>|Config User <config@example.com>");
	free(s);

	/* --author wins over both; the committer still comes from config. */
	setenv("GIT_AUTHOR_NAME", "Env Author", 1);
	setenv("GIT_AUTHOR_EMAIL", "env-author@example.com", 1);
	CHECK_INT(commit(r, repo, NULL, "  Flag Author   <flag@example.com> ", 1, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s log -1 --format='%%an <%%ae>|%%cn <%%ce>'", repo);
	CHECK_STR(s, "Flag Author <flag@example.com>|Config User <config@example.com>");
	free(s);
	clear_identity();

	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

TEST(global_configuration_serves_a_new_repository)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/new", dir), *s;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;

	sh(NULL, "git config --global user.name 'Global User' && "
		 "git config --global user.email global@example.com");
	CHECK_INT(commit(r, repo, NULL, NULL, 0, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s log -1 --format='%%an <%%ae>'", repo);
	CHECK_STR(s, "Global User <global@example.com>");
	free(s);
	sh(NULL, "rm -f %s/.gitconfig", home);

	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

TEST(missing_or_bad_identity_is_a_clear_error_and_creates_nothing)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/never", dir);
	cairn_report *r = audit_fixture();
	cairn_commit_result res;
	struct stat st;

	CHECK(commit(r, repo, NULL, NULL, 0, NULL, &res) < 0);
	CHECK_CONTAINS(cairn_error_last(), "no author");
	CHECK_CONTAINS(cairn_error_last(), "--author");
	CHECK_CONTAINS(cairn_error_last(), "GIT_AUTHOR_NAME");
	CHECK_CONTAINS(cairn_error_last(), "user.email");
	CHECK(stat(repo, &st) != 0);
	cairn_commit_result_dispose(&res);

	/* Only a name is not enough. */
	setenv("GIT_AUTHOR_NAME", "Half", 1);
	CHECK(commit(r, repo, NULL, NULL, 0, NULL, &res) < 0);
	CHECK_CONTAINS(cairn_error_last(), "an email");
	cairn_commit_result_dispose(&res);
	clear_identity();

	CHECK_INT(commit(r, repo, NULL, "nobody", 0, NULL, &res), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "Name <email>");
	cairn_commit_result_dispose(&res);
	CHECK_INT(commit(r, repo, NULL, "<x@example.com>", 0, NULL, &res), CAIRN_EINVALID);
	cairn_commit_result_dispose(&res);
	CHECK_INT(commit(r, repo, NULL, "X <x@example.com> trailing", 0, NULL, &res),
		  CAIRN_EINVALID);
	cairn_commit_result_dispose(&res);
	CHECK(stat(repo, &st) != 0);

	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

/* A repository made by git with one commit on main. */
static char *git_repo(const char *dir, const char *name)
{
	char *repo = cairn_xasprintf("%s/%s", dir, name);
	sh(NULL, "git init -q -b main %s && cd %s && echo hello > README && git add README && "
		 "git -c user.name=Seed -c user.email=seed@example.com commit -q -m seed",
	   repo, repo);
	return repo;
}

TEST(another_branch_is_created_from_head_and_leaves_the_checkout_alone)
{
	char *dir = scratch(), *repo = git_repo(dir, "r"), *s, *main_before;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;

	main_before = out_of("git -C %s rev-parse main", repo);
	CHECK_INT(commit(r, repo, "compliance", BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 1);
	CHECK_INT(res.created_branch, 1);
	CHECK_INT(res.updated_workdir, 0);
	CHECK_STR(res.branch, "compliance");
	s = out_of("git -C %s rev-parse compliance~1", repo);
	CHECK_STR(s, main_before);
	free(s);
	s = out_of("git -C %s rev-parse main", repo);
	CHECK_STR(s, main_before);
	free(s);
	s = out_of("git -C %s rev-parse --abbrev-ref HEAD", repo);
	CHECK_STR(s, "main");
	free(s);
	s = out_of("git -C %s ls-tree -r --name-only compliance", repo);
	CHECK_STR(s, "README\nreports/model-registry/audit.json\nreports/model-registry/audit.md\n"
		     "reports/model-registry/drift.json\nreports/model-registry/drift.md");
	free(s);
	s = out_of("test -e %s/reports && echo present || echo absent", repo);
	CHECK_STR(s, "absent");
	free(s);
	s = out_of("git -C %s status --porcelain --untracked-files=all", repo);
	CHECK_STR(s, "");
	free(s);
	cairn_commit_result_dispose(&res);

	/* Committing to it again, unchanged: nothing. */
	CHECK_INT(commit(r, repo, "compliance", BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 0);
	CHECK_INT(res.created_branch, 0);
	cairn_commit_result_dispose(&res);

	free(main_before);
	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

TEST(unborn_head_detached_head_and_bad_branch_names)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/unborn", dir), *s;
	char *fresh = cairn_xasprintf("%s/fresh", dir), *other;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;

	sh(NULL, "git init -q -b trunk %s", repo);
	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 1);
	CHECK_INT(res.created_branch, 1);
	CHECK_INT(res.updated_workdir, 1);
	CHECK_STR(res.branch, "trunk");
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s rev-parse --abbrev-ref HEAD && git -C %s rev-list --count HEAD && "
		   "git -C %s status --porcelain --untracked-files=all",
		   repo, repo, repo);
	CHECK_STR(s, "trunk\n1");
	free(s);
	s = out_of("test -f %s/reports/model-registry/audit.md && echo present", repo);
	CHECK_STR(s, "present");
	free(s);

	/* A new repository with --branch has HEAD on that branch. */
	CHECK_INT(commit(r, fresh, "evidence", BOT, 0, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s symbolic-ref HEAD && git -C %s status --porcelain", fresh, fresh);
	CHECK_STR(s, "refs/heads/evidence");
	free(s);

	/* Detached HEAD: no current branch. */
	sh(NULL, "git -C %s checkout -q --detach", repo);
	CHECK(commit(r, repo, NULL, BOT, 1, NULL, &res) < 0);
	CHECK_CONTAINS(cairn_error_last(), "detached");
	CHECK_CONTAINS(cairn_error_last(), "--branch");
	cairn_commit_result_dispose(&res);

	CHECK_INT(commit(r, repo, "bad..name", BOT, 0, NULL, &res), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "bad..name");
	cairn_commit_result_dispose(&res);

	/* A file where the repository should be. */
	other = cairn_xasprintf("%s/afile", dir);
	sh(NULL, "touch %s", other);
	CHECK_INT(commit(r, other, NULL, BOT, 0, NULL, &res), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "not a directory");
	cairn_commit_result_dispose(&res);

	free(other);
	cairn_report_free(r);
	free(fresh);
	free(repo);
	unscratch(dir);
}

TEST(the_users_own_changes_are_left_alone)
{
	char *dir = scratch(), *repo = git_repo(dir, "r"), *s;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;

	sh(NULL, "cd %s && echo notes > notes.txt && git add notes.txt && echo more >> README && "
		 "echo scratch > untracked.txt",
	   repo);
	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.updated_workdir, 1);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s status --porcelain", repo);
	CHECK_STR(s, " M README\nA  notes.txt\n?? untracked.txt");
	free(s);
	s = out_of("git -C %s ls-tree -r --name-only HEAD", repo);
	CHECK_STR(s, "README\nreports/model-registry/audit.json\nreports/model-registry/audit.md\n"
		     "reports/model-registry/drift.json\nreports/model-registry/drift.md");
	free(s);
	s = out_of("git -C %s diff --cached --name-only", repo);
	CHECK_STR(s, "notes.txt");
	free(s);

	/* A hand-edited report is overwritten by the next commit. */
	sh(NULL, "echo tampered > %s/reports/model-registry/audit.md", repo);
	CHECK_INT(commit(r, repo, NULL, BOT, 1, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git -C %s status --porcelain -- reports", repo);
	CHECK_STR(s, "");
	free(s);

	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

TEST(a_bare_repository_gets_the_commit_without_a_working_tree)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/bare.git", dir), *s;
	cairn_report *r = audit_fixture();
	cairn_commit_result res;

	sh(NULL, "git init -q --bare -b main %s", repo);
	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	CHECK_INT(res.committed, 1);
	CHECK_INT(res.updated_workdir, 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git --git-dir=%s ls-tree -r --name-only main | wc -l", repo);
	CHECK_STR(s, "4");
	free(s);

	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

TEST(push_to_a_local_bare_repository)
{
	char *dir = scratch(), *repo = cairn_xasprintf("%s/r", dir);
	char *bare = cairn_xasprintf("%s/remote.git", dir), *bare2 = cairn_xasprintf("%s/origin.git", dir);
	char *s, *url;
	cairn_report *r = audit_fixture(), *serial = audit_edited(next_serial);
	cairn_commit_result res;

	sh(NULL, "git init -q --bare %s && git init -q --bare %s", bare, bare2);

	/* By path. */
	CHECK_INT(commit(r, repo, "reports", BOT, 0, bare, &res), 0);
	CHECK_INT(res.pushed, 1);
	s = out_of("git --git-dir=%s rev-parse refs/heads/reports", bare);
	CHECK_STR(s, res.commit);
	free(s);
	cairn_commit_result_dispose(&res);

	/* By file:// URL, with nothing new to commit: still pushed. */
	url = cairn_xasprintf("file://%s", bare2);
	CHECK_INT(commit(r, repo, "reports", BOT, 0, url, &res), 0);
	CHECK_INT(res.committed, 0);
	CHECK_INT(res.pushed, 1);
	s = out_of("git --git-dir=%s rev-parse refs/heads/reports", bare2);
	CHECK_STR(s, res.commit);
	free(s);
	cairn_commit_result_dispose(&res);

	/* By a configured remote's name. */
	sh(NULL, "git -C %s remote add origin ../remote.git", repo); /* relative to the repository */
	CHECK_INT(commit(serial, repo, "reports", BOT, 0, "origin", &res), 0);
	CHECK_INT(res.committed, 1);
	CHECK_INT(res.pushed, 1);
	s = out_of("git --git-dir=%s rev-parse refs/heads/reports", bare);
	CHECK_STR(s, res.commit);
	free(s);
	s = out_of("git --git-dir=%s log -1 --format=%%s reports", bare);
	CHECK_CONTAINS(s, "audit: model-registry:");
	free(s);
	s = out_of("git -C %s rev-parse refs/remotes/origin/reports", repo);
	CHECK_STR(s, res.commit);
	free(s);
	cairn_commit_result_dispose(&res);

	/* Neither a remote nor a path. */
	CHECK(commit(r, repo, "reports", BOT, 0, "upstream", &res) < 0);
	CHECK_CONTAINS(cairn_error_last(), "upstream");
	CHECK_CONTAINS(cairn_error_last(), "no remote of that name");
	cairn_commit_result_dispose(&res);

	/* A remote that moved on: refused, not overwritten. */
	sh(NULL, "git clone -q -b reports %s %s/other && cd %s/other && echo x > x && git add x && "
		 "git -c user.name=O -c user.email=o@example.com commit -q -m other && "
		 "git push -q origin reports",
	   bare2, dir, dir);
	CHECK(commit(serial, repo, "reports", BOT, 0, bare2, &res) < 0);
	CHECK_CONTAINS(cairn_error_last(), "reports");
	CHECK_CONTAINS(cairn_error_last(), bare2);
	CHECK_INT(res.committed, 1); /* the local commit stands */
	CHECK_INT(res.pushed, 0);
	cairn_commit_result_dispose(&res);
	s = out_of("git --git-dir=%s log -1 --format=%%s reports", bare2);
	CHECK_STR(s, "other");
	free(s);

	/* A transport that needs a server cairn cannot reach. */
	CHECK(commit(r, repo, "reports", BOT, 0, "https://127.0.0.1:9/reports.git", &res) < 0);
	CHECK_CONTAINS(cairn_error_last(), "127.0.0.1:9");
	CHECK_CONTAINS(cairn_error_last(), "git -C");
	cairn_commit_result_dispose(&res);

	free(url);
	cairn_report_free(r);
	cairn_report_free(serial);
	free(bare);
	free(bare2);
	free(repo);
	unscratch(dir);
}

/* Secrets planted everywhere a string can go. */
#define NOECHO "Sup3rS3cret-DbPassw0rd!"
#define SHORT_NOECHO "pw1"
#define SECRET_KEY "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define ACCESS_KEY "AKIAIOSFODNN7EXAMPLE"
#define TOKEN                                                                                  \
	"FQoGZXIvYXdzEBYaDHqa0AP1/FoO9Zhq5CKsAc6vR8xjiq1a9FbM6/5bRSfWd1Gp8aXuCH8Gsw9Dh1UGE/u3ZpW" \
	"Hs9oFYMsk2f6Oyb2yUc0JzVNqOovQIVnJpmdv1mJIw2fAERmXgkC4wtGvzSQwDbYnXmPVTqrTBV5mdBQyS7RA"   \
	"QpPtOfnOHSEcs+hkGhPe0R3gx1vX5kiyvD1D3Zf1XqM1Yb12GHW4pcKcF8J/ZI5h7K2H1NXPFpjOXr6sDrQyw"
#define PEM_HEAD "-----BEGIN RSA PRIVATE KEY-----"
#define PEM_BODY "MIIEowIBAAKCAQEAx4UbaDzY5xjW8hXcuUwU4bU2nZ2h6Wv9iK0ExampleBodyLine"
#define PEM                                                                                    \
	PEM_HEAD "\n" PEM_BODY "\nq2VbS3XaQ0Xm9Z9u3yxhV8t2nZk5S1pT0r8exampleSecondLine\n"         \
		 "-----END RSA PRIVATE KEY-----\n"

static cairn_report *secret_report(void)
{
	cairn_report *r;
	cairn_report_control *c;
	cairn_report_finding *f;
	cairn_report_drift *d;
	json_t *actual;

	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "secrets");
	cairn_report_set_template(r, TEMPLATE, NULL);
	cairn_report_add_secret(r, NOECHO);
	cairn_report_add_secret(r, SHORT_NOECHO);
	c = cairn_report_add_control(r, "SEC-1", "No credentials in " NOECHO,
				     CAIRN_REPORT_SEV_HIGH, "rotate " SECRET_KEY);
	cairn_report_control_framework(c, "nist-800-53-r5", "IA-5");
	f = cairn_report_control_finding(c, CAIRN_REPORT_FAILED, "Function", "AWS::Lambda::Function",
					 "environment holds " ACCESS_KEY " and " SECRET_KEY);
	actual = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
			   "AWS_SESSION_TOKEN", TOKEN, "DB_PASSWORD", "x" NOECHO "y", "TLS_KEY",
			   PEM, "PIN", 31415926, "SHORT", SHORT_NOECHO);
	json_object_set_new(actual, NOECHO, json_string("as a key"));
	{
		json_t *expected = json_string("no secrets");
		cairn_report_finding_values(f, "Environment.Variables", expected, actual);
		json_decref(expected);
	}
	json_decref(actual);
	cairn_report_finding_physical_id(f, "fn-" NOECHO);
	cairn_report_add_secret(r, "31415926");
	d = cairn_report_add_drift(r, "Function", "AWS::Lambda::Function", "fn", CAIRN_DRIFT_MODIFIED);
	actual = json_pack("[s, s]", TOKEN, PEM);
	{
		json_t *expected = json_string(SHORT_NOECHO);
		cairn_report_drift_diff(d, "Environment.Variables.TOKEN", expected, actual);
		json_decref(expected);
	}
	json_decref(actual);
	d = cairn_report_add_drift(r, "Db", "AWS::RDS::DBInstance", NULL, CAIRN_DRIFT_NOT_CHECKED);
	cairn_report_drift_reason(d, "password " NOECHO " rejected by " ACCESS_KEY);
	cairn_report_add_waiver(r, "SEC-1", "Other", "key " SECRET_KEY, "ops", "2099-01-01", 0);
	return r;
}

TEST(no_planted_secret_reaches_the_repository)
{
	static const char *const planted[] = {NOECHO, SECRET_KEY, ACCESS_KEY, TOKEN, PEM_HEAD,
					      PEM_BODY, "EXAMPLEKEY", "31415926",
					      "\"" SHORT_NOECHO "\"", "FQoGZXIvYXdz"};
	char *dir = scratch(), *repo = cairn_xasprintf("%s/r", dir), *s;
	cairn_report *r = secret_report();
	cairn_commit_result res;
	size_t i;

	CHECK_INT(commit(r, repo, NULL, BOT, 0, NULL, &res), 0);
	cairn_commit_result_dispose(&res);
	for (i = 0; i < CAIRN_ARRAY_SIZE(planted); i++) {
		/* History (every commit's files), messages, and the working tree. */
		CHECK_INT(sh(NULL, "git -C %s grep -q -F -e '%s' $(git -C %s rev-list --all)", repo,
			     planted[i], repo),
			  1);
		CHECK_INT(sh(NULL, "git -C %s log --all --format=%%B | grep -q -F -e '%s'", repo,
			     planted[i]),
			  1);
		CHECK_INT(sh(NULL, "grep -r -q -F --exclude-dir=.git -e '%s' %s", planted[i], repo), 1);
	}
	s = out_of("git -C %s grep -c -F '(redacted)' HEAD -- reports/secrets/audit.json", repo);
	CHECK(s && strstr(s, ":") && atoi(strrchr(s, ':') + 1) >= 10);
	free(s);
	/* The report still reads: the findings and resources are there. */
	s = out_of("git -C %s show HEAD:reports/secrets/audit.json | python3 -c 'import json,sys; "
		   "d=json.load(sys.stdin); print(d[\"controls\"][0][\"status\"], "
		   "d[\"drift\"][\"summary\"][\"modified\"], d[\"drift\"][\"summary\"][\"not_checked\"])'",
		   repo);
	CHECK_STR(s, "failed 1 1");
	free(s);

	cairn_report_free(r);
	free(repo);
	unscratch(dir);
}

int main(void)
{
	char tmpl[] = "/tmp/cairn-gitcommit-home-XXXXXX";
	if (!mkdtemp(tmpl))
		return 2;
	snprintf(home, sizeof(home), "%s", tmpl);
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("LC_ALL", "C", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("EMAIL");
	clear_identity();

	RUN(commit_creates_the_repository_and_writes_stable_paths);
	RUN(no_commit_when_nothing_changed_and_always_forces_one);
	RUN(same_results_in_another_order_commit_nothing_and_changes_diff_small);
	RUN(author_from_environment_then_configuration);
	RUN(global_configuration_serves_a_new_repository);
	RUN(missing_or_bad_identity_is_a_clear_error_and_creates_nothing);
	RUN(another_branch_is_created_from_head_and_leaves_the_checkout_alone);
	RUN(unborn_head_detached_head_and_bad_branch_names);
	RUN(the_users_own_changes_are_left_alone);
	RUN(a_bare_repository_gets_the_commit_without_a_working_tree);
	RUN(push_to_a_local_bare_repository);
	RUN(no_planted_secret_reaches_the_repository);
	sh(NULL, "rm -rf '%s'", home);
	return test_done();
}
