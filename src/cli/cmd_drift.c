/*
 * cmd_drift.c: `cairn drift FILE`: what changed in AWS since cairn last
 * applied the stack (docs/commands/drift.md).
 *
 * Loads the stack (with the parameters the apply used), reads every
 * resource its state records through its provider, in parallel, and
 * compares the live configuration with the properties last applied,
 * under plan's normalisation (drift.h). Prints the report (text, json or
 * markdown; stdout or --output) and, with --commit REPO, commits
 * reports/<stack>/drift.md and drift.json to git. Never writes the state.
 *
 * Exit status: 0 every resource in sync (or not checkable by its type), 2
 * some resource modified or deleted, 1 an error, including a resource
 * whose read failed (the report, written all the same, says which).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/drift.h"
#include "cli.h"
#include "reportrun.h"

/* The template's hash differs from the one the state says was applied. */
static void note_template(cli_reportrun *rr)
{
	const json_t *tpl = json_object_get(cairn_state_root(rr->pr.st), "template");
	const char *applied = json_string_value(json_object_get(tpl, "sha256"));
	const char *now = cairn_template_sha256(cairn_stack_template(rr->pr.stack));
	if (applied && now && strcmp(applied, now) != 0)
		fprintf(stderr,
		        "cairn %s: note: %s changed since it was last applied; drift compares "
		        "AWS with what was applied (cairn plan shows what applying the "
		        "template would change)\n",
		        rr->cmd, cairn_template_path(cairn_stack_template(rr->pr.stack)));
}

int cli_cmd_drift(int argc, char **argv)
{
	static const cli_opt opts[] = {CLI_REPORTRUN_OPTS, {NULL, 0, 0, NULL}};
	cli_parser p;
	cli_reportrun rr;
	cairn_report *r = NULL;
	cairn_drift_result res = CAIRN_DRIFT_RESULT_INIT;
	const char *v, *file = NULL;
	int id, rc = 1;

	cli_init(&p, argc, argv, "cairn drift [options] FILE", opts);
	cli_reportrun_init(&rr, "drift");
	while ((id = cli_next(&p, &v)) != CLI_END) {
		int t;
		if (id == CLI_ERR)
			goto done;
		t = cli_reportrun_take(&rr, id, v);
		if (t < 0)
			goto done;
		if (t)
			continue;
		if (id == CLI_ARG) {
			if (file) {
				cli_fail("drift", "one template at a time ('%s' and '%s')", file,
				         v);
				goto done;
			}
			file = v;
		}
	}
	if (!file) {
		cli_usage(&p, stderr);
		goto done;
	}
	if (cli_reportrun_check(&rr) < 0 || cli_reportrun_open(&rr, file) < 0 ||
	    cli_reportrun_report(&rr, CAIRN_REPORT_DRIFT, &r) < 0)
		goto done;
	note_template(&rr);
	if (cairn_drift_run(rr.pr.eng, rr.pr.stack, rr.pr.st, r, &res) < 0) {
		cli_fail("drift", "%s; nothing was checked", cairn_error_last());
		goto done;
	}
	if (cli_reportrun_emit(&rr, r) < 0)
		goto done;
	if (res.read_errors) {
		fprintf(stderr,
		        "cairn drift: %zu resource%s could not be read (NOT_CHECKED in the "
		        "report, with the AWS error)\n",
		        res.read_errors, res.read_errors == 1 ? "" : "s");
		rc = 1;
	} else {
		rc = res.drifted ? 2 : 0;
	}
done:
	cairn_drift_result_dispose(&res);
	cairn_report_free(r);
	cli_reportrun_dispose(&rr);
	return rc;
}
