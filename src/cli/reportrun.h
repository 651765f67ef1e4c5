/*
 * reportrun.h: private to src/cli: what `cairn drift` and `cairn audit`
 * share: the report options (format, output file, the git commit) and the
 * steps from the command line to a state that has been read (the AWS
 * client, the stack, the state and its lock, the provider runtime) and
 * from a finished report to the terminal, a file and a git repository.
 *
 *   --format text|json|markdown   how the report is printed (default text)
 *   --output FILE                 print it to FILE instead of stdout
 *   --all                         text: list in-sync resources and passed controls
 *   --commit REPO                 commit reports/<stack>/... into REPO (created if missing)
 *   --branch NAME                 the branch to commit to (default: HEAD's)
 *   --author "Name <email>"       the commit's author (default: GIT_AUTHOR_*, git config)
 *   --always                      commit even when no report file changed
 *   --push REMOTE                 push the branch after committing
 *
 * Usage (cmd_drift.c):
 *
 *     cli_reportrun rr;
 *     cli_reportrun_init(&rr, "drift");
 *     while ((id = cli_next(&p, &v)) != CLI_END) {
 *         int t = cli_reportrun_take(&rr, id, v);    (stack, state, report options)
 *         ...
 *     }
 *     cli_reportrun_open(&rr, file);                  (client, stack, lock, state, engine)
 *     ... build the report ...
 *     cli_reportrun_emit(&rr, report);                (print, write, commit, push)
 *     cli_reportrun_dispose(&rr);
 */
#ifndef CAIRN_CLI_REPORTRUN_H
#define CAIRN_CLI_REPORTRUN_H

#include "cairn/report.h"
#include "planrun.h"

enum {
	CLI_RR_FORMAT = 22001,
	CLI_RR_OUTPUT,
	CLI_RR_ALL,
	CLI_RR_COMMIT,
	CLI_RR_BRANCH,
	CLI_RR_AUTHOR,
	CLI_RR_ALWAYS,
	CLI_RR_PUSH
};

#define CLI_REPORTRUN_OPTS                                                                 \
	CLI_STACK_OPTS,                                                                    \
	{"state", 1, CLI_PR_STATE, "PATH  the state file (default .cairn/<stack>.state.json)"}, \
	{"parallelism", 1, CLI_PR_PARALLELISM,                                            \
	 "N  AWS reads in flight at most (default 32)"},                                   \
	{"format", 1, CLI_RR_FORMAT, "FORMAT  text (default), json or markdown"},          \
	{"output", 1, CLI_RR_OUTPUT, "FILE  write the report to FILE instead of stdout"},  \
	{"all", 0, CLI_RR_ALL, "text: list in-sync resources and passed controls too"},    \
	{"commit", 1, CLI_RR_COMMIT,                                                      \
	 "REPO  commit reports/<stack>/ into the git repository REPO (created if missing)"}, \
	{"branch", 1, CLI_RR_BRANCH, "NAME  the branch to commit to (default: HEAD's)"},   \
	{"author", 1, CLI_RR_AUTHOR,                                                      \
	 "AUTHOR  the commit's author, 'Name <email>' (default: GIT_AUTHOR_*, git config)"}, \
	{"always", 0, CLI_RR_ALWAYS, "commit even when no report file changed"},          \
	{"push", 1, CLI_RR_PUSH, "REMOTE  push the branch to REMOTE (a remote name, URL or path)"}

typedef struct cli_reportrun {
	const char *cmd;              /* "drift", "audit": for messages */
	cli_planrun pr;               /* client, stack, state, lock, engine (no plan) */
	cairn_report_format format;   /* --format */
	const char *output;           /* --output, or NULL: stdout */
	int all;                      /* --all */
	cairn_commit_options commit;  /* --commit REPO and the rest; commit.repo NULL: none */
} cli_reportrun;

void cli_reportrun_init(cli_reportrun *rr, const char *cmd);
/* 1 when the option was one of CLI_REPORTRUN_OPTS (taken), 0 when not, -1
 * after printing an error. */
int cli_reportrun_take(cli_reportrun *rr, int id, const char *val);
/* Checks the options that go together (--branch, --push ... need
 * --commit); -1 after printing. */
int cli_reportrun_check(cli_reportrun *rr);
/* The AWS client, the stack of file, the state (locked: read-only runs
 * still wait for no apply to be half-way) and the engine. A state that
 * does not exist is an error: nothing has been applied. -1 after
 * printing. */
int cli_reportrun_open(cli_reportrun *rr, const char *file);
/* A new report of kind for the opened stack, with its template, state
 * serial and lineage, and cairn's version. -1 after printing. */
int cli_reportrun_report(cli_reportrun *rr, cairn_report_kind kind, cairn_report **out);
/* Prints the report (stdout or --output) and commits it (--commit),
 * saying on stderr what was committed and pushed. -1 after printing. */
int cli_reportrun_emit(cli_reportrun *rr, cairn_report *r);
/* Frees everything and releases the lock. */
void cli_reportrun_dispose(cli_reportrun *rr);

#endif
