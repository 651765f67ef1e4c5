/*
 * reportrun.c: the steps `cairn drift` and `cairn audit` share
 * (reportrun.h): their report options, opening what they read, and
 * printing and committing the report.
 *
 * Opening is plan's (planrun.c): the AWS client and account, the stack
 * loaded with that region and account (and the parameters the apply used:
 * NoEcho values are needed to recognise them), the state locked and read,
 * the provider runtime. Nothing is ever saved: the state's serial stays
 * what it was, which is what keeps two reports of an unchanged account
 * byte-identical (docs/internals/reports.md, "Stability").
 *
 * The template path recorded in the report is the one given, made
 * relative to the working directory when it was given absolute and lies
 * under it: a CI job's absolute work directory would otherwise change the
 * report on every run.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cli.h"
#include "reportrun.h"

void cli_reportrun_init(cli_reportrun *rr, const char *cmd)
{
	memset(rr, 0, sizeof(*rr));
	rr->cmd = cmd;
	rr->format = CAIRN_REPORT_TEXT;
	cli_planrun_init(&rr->pr, cmd);
}

int cli_reportrun_take(cli_reportrun *rr, int id, const char *val)
{
	int t;
	if (id == CLI_PR_TARGET)
		return 0;
	t = cli_planrun_take(&rr->pr, id, val);
	if (t != 0)
		return t;
	switch (id) {
	case CLI_RR_FORMAT: {
		int f = cairn_report_format_parse(val);
		if (f < 0) {
			cli_fail(rr->cmd, "--format %s: give text, json or markdown", val);
			return -1;
		}
		rr->format = (cairn_report_format)f;
		return 1;
	}
	case CLI_RR_OUTPUT:
		rr->output = val;
		return 1;
	case CLI_RR_ALL:
		rr->all = 1;
		return 1;
	case CLI_RR_COMMIT:
		rr->commit.repo = val;
		return 1;
	case CLI_RR_BRANCH:
		rr->commit.branch = val;
		return 1;
	case CLI_RR_AUTHOR:
		rr->commit.author = val;
		return 1;
	case CLI_RR_ALWAYS:
		rr->commit.always = 1;
		return 1;
	case CLI_RR_PUSH:
		rr->commit.push = val;
		return 1;
	}
	return 0;
}

int cli_reportrun_check(cli_reportrun *rr)
{
	const char *lone = rr->commit.branch   ? "--branch"
	                   : rr->commit.author ? "--author"
	                   : rr->commit.always ? "--always"
	                   : rr->commit.push   ? "--push"
	                                       : NULL;
	if (!rr->commit.repo && lone) {
		cli_fail(rr->cmd,
		         "%s goes with --commit REPO (the git repository the reports are "
		         "committed to)",
		         lone);
		return -1;
	}
	return 0;
}

int cli_reportrun_open(cli_reportrun *rr, const char *file)
{
	if (cli_planrun_open(&rr->pr, file) < 0)
		return -1;
	if (!cairn_state_exists(rr->pr.st)) {
		cli_fail(rr->cmd,
		         "%s: there is no state for stack %s: nothing has been applied "
		         "from it yet (run cairn apply %s), or the state is elsewhere (give "
		         "--state PATH)",
		         rr->pr.state_path, cairn_stack_name(rr->pr.stack), file);
		return -1;
	}
	return 0;
}

/* The template path to record: relative to the working directory when
 * given absolute under it. New allocation. */
static char *report_path(const char *path)
{
	char cwd[PATH_MAX];
	size_t n;
	if (path[0] != '/' || !getcwd(cwd, sizeof(cwd)))
		return cairn_xstrdup(path);
	n = strlen(cwd);
	if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/' && path[n + 1])
		return cairn_xstrdup(path + n + 1);
	return cairn_xstrdup(path);
}

int cli_reportrun_report(cli_reportrun *rr, cairn_report_kind kind, cairn_report **out)
{
	const cairn_template *t = cairn_stack_template(rr->pr.stack);
	char *path;
	int rc;

	*out = NULL;
	if (cairn_report_new(out, kind, cairn_stack_name(rr->pr.stack)) < 0) {
		cli_fail(rr->cmd, "%s", cairn_error_last());
		return -1;
	}
	path = report_path(cairn_template_path(t));
	rc = cairn_report_set_template(*out, path, cairn_template_sha256(t));
	free(path);
	if (rc < 0) {
		cli_fail(rr->cmd, "%s", cairn_error_last());
		cairn_report_free(*out);
		*out = NULL;
		return -1;
	}
	cairn_report_set_state(*out, cairn_state_serial(rr->pr.st), cairn_state_lineage(rr->pr.st));
	return 0;
}

static int print_report(cli_reportrun *rr, cairn_report *r)
{
	cairn_buf b = CAIRN_BUF_INIT;
	char now[21];
	unsigned flags = rr->all ? CAIRN_REPORT_ALL : 0;
	FILE *f = stdout;
	int rc = 0;

	cairn_utc_now(now);
	cairn_report_set_generated_at(r, now);
	if (rr->format == CAIRN_REPORT_TEXT && !rr->output && cli_g.color)
		flags |= CAIRN_REPORT_COLOR;
	if (cairn_report_render(r, rr->format, flags, &b) < 0) {
		cli_fail(rr->cmd, "the report: %s", cairn_error_last());
		cairn_buf_dispose(&b);
		return -1;
	}
	if (rr->output) {
		if (cairn_file_write_atomic(rr->output, b.ptr ? b.ptr : "", b.len, 0644) < 0) {
			cli_fail(rr->cmd, "--output %s: %s", rr->output, cairn_error_last());
			rc = -1;
		}
	} else if (fwrite(b.ptr ? b.ptr : "", 1, b.len, f) != b.len || fflush(f) != 0) {
		cli_fail(rr->cmd, "cannot write the report to stdout");
		rc = -1;
	}
	cairn_buf_dispose(&b);
	return rc;
}

int cli_reportrun_emit(cli_reportrun *rr, cairn_report *r)
{
	cairn_commit_result res;
	size_t i;
	int rc;

	if (print_report(rr, r) < 0)
		return -1;
	if (!rr->commit.repo)
		return 0;
	memset(&res, 0, sizeof(res));
	rc = cairn_report_commit(r, &rr->commit, &res);
	if (rc < 0) {
		/* the message says what failed; a commit made before a failed
		 * push stands, and is said first */
		char *why = cairn_xstrdup(cairn_error_last());
		if (res.committed)
			fprintf(stderr, "cairn %s: committed %.12s on branch %s of %s\n", rr->cmd,
			        res.commit, res.branch ? res.branch : "?", rr->commit.repo);
		cli_fail(rr->cmd, "--commit %s: %s", rr->commit.repo, why);
		free(why);
		cairn_commit_result_dispose(&res);
		return -1;
	}
	if (res.committed) {
		fprintf(stderr, "cairn %s: committed %.12s on branch %s of %s:", rr->cmd, res.commit,
		        res.branch ? res.branch : "?", rr->commit.repo);
		for (i = 0; i < res.npaths; i++)
			fprintf(stderr, " %s", res.paths[i]);
		fputc('\n', stderr);
	} else {
		fprintf(stderr,
		        "cairn %s: the reports in %s (branch %s, %.12s) are unchanged: "
		        "nothing to commit\n",
		        rr->cmd, rr->commit.repo, res.branch ? res.branch : "?",
		        *res.commit ? res.commit : "(none)");
	}
	if (rr->commit.push && res.pushed)
		fprintf(stderr, "cairn %s: pushed branch %s to %s\n", rr->cmd,
		        res.branch ? res.branch : "?", rr->commit.push);
	cairn_commit_result_dispose(&res);
	return 0;
}

void cli_reportrun_dispose(cli_reportrun *rr)
{
	cli_planrun_dispose(&rr->pr);
	memset(rr, 0, sizeof(*rr));
}
