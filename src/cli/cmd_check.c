/*
 * cmd_check.c: `cairn check FILE...`: the policy packs on planned values,
 * with no credentials and no network (docs/commands/check.md).
 *
 * Each template is loaded as `cairn validate` loads it (parameters from
 * --param/--params, unknown account), turned into its stack document, and
 * judged by the packs it chooses in Metadata.Cairn.Policies (every
 * built-in pack when it says nothing) plus every --policies directory.
 * The report goes to stdout or --output in the chosen format. Exit 0 when
 * no finding at or above --fail-on remains, 3 when one does, 1 on any
 * error (a template that does not load, an invalid waiver, a policy that
 * fails to load or to run).
 *
 * Problems with an input (a template that does not load, an invalid
 * waiver or pack choice, an unreadable document) are printed on stderr as
 * FILE:LINE:COL diagnostics and also recorded in the report
 * (cairn_policy_report_add_errors), so that no format ever reads as a pass
 * when something was not checked as asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/policy.h"
#include "cairn/stack.h"
#include "cli.h"
#include "policyrun.h"
#include "stackopts.h"

enum { OPT_POLICIES = 1, OPT_FAIL_ON, OPT_FORMAT, OPT_OUTPUT, OPT_SHOW_PASSED, OPT_DOCUMENT };

/* Exports no state has yet are unknown here, not an error: check judges a
 * template before anything is applied (docs/internals/stack-document.md). */
static json_t *no_import(void *ud, const char *name)
{
	(void)ud;
	(void)name;
	return NULL;
}

static const cairn_eval_env planned_env = {NULL, NULL, no_import, NULL};

/* The sandbox limits, from CAIRN_POLICY_MEMORY (MiB) and
 * CAIRN_POLICY_INSTRUCTIONS (per check call); 0 for the defaults. */
static int limits(size_t *memory, long long *instructions)
{
	const char *m = getenv("CAIRN_POLICY_MEMORY"), *i = getenv("CAIRN_POLICY_INSTRUCTIONS");
	char *end;
	*memory = 0;
	*instructions = 0;
	if (m && *m) {
		unsigned long long v = strtoull(m, &end, 10);
		if (*end || v == 0 || v > 65536)
			return cli_fail("check", "CAIRN_POLICY_MEMORY must be a number of MiB (1 to 65536), "
						 "not '%s'", m);
		*memory = (size_t)v << 20;
	}
	if (i && *i) {
		long long v = strtoll(i, &end, 10);
		if (*end || v < 1000)
			return cli_fail("check", "CAIRN_POLICY_INSTRUCTIONS must be a number of at least "
						 "1000, not '%s'", i);
		*instructions = v;
	}
	return 0;
}

/* A stack document saved as JSON (--document): every built-in pack and
 * the --policies packs; live when the document says so. No positions. */
static int check_document(cairn_policy_set *set, const char *path, cairn_policy_report *rep,
			  size_t memory, long long instructions)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	cairn_policy_run_options ro;
	cairn_diags fd = CAIRN_DIAGS_INIT;
	int rc = 0;
	if (!doc) {
		cairn_diags_add(&fd, CAIRN_DIAG_ERROR, path, je.line, je.column,
				"not a stack document: %s", je.text);
		cairn_diags_print(&fd, stderr);
		cairn_policy_report_add_errors(rep, &fd);
		cairn_policy_report_not_checked(rep, path);
		cairn_diags_dispose(&fd);
		return 1;
	}
	memset(&ro, 0, sizeof(ro));
	ro.memory_limit = memory;
	ro.instruction_limit = instructions;
	ro.live = json_is_true(json_object_get(doc, "live")) ||
		  json_is_object(json_object_get(doc, "account_data"));
	if (!json_is_string(json_object_get(doc, "file")))
		json_object_set_new(doc, "file", json_string(path));
	if (cairn_policy_run(set, doc, &ro, rep, &fd) < 0) {
		if (fd.nerrors == 0)
			cairn_diags_add(&fd, CAIRN_DIAG_ERROR, path, 0, 0, "%s", cairn_error_last());
		rc = 1;
	}
	cairn_policy_report_add_errors(rep, &fd);
	cairn_diags_print(&fd, stderr);
	cairn_diags_dispose(&fd);
	json_decref(doc);
	return rc;
}

int cli_cmd_check(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"policies", 1, OPT_POLICIES, "DIR  also run the pack in DIR (repeatable)"},
		{"fail-on", 1, OPT_FAIL_ON,
		 "SEVERITY  exit 3 when a finding at or above it remains: critical, high "
		 "(default), medium, low"},
		{"format", 1, OPT_FORMAT, "FORMAT  text (default), json, sarif, junit or markdown"},
		{"output", 1, OPT_OUTPUT, "FILE  write the report to FILE instead of stdout"},
		{"show-passed", 0, OPT_SHOW_PASSED, "text: list the checks that passed too"},
		{"document", 0, OPT_DOCUMENT,
		 "the FILEs are stack documents (JSON, as cairn audit builds them), not templates"},
		CLI_STACK_OPTS,
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cli_stackopts so;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_policy_set *set = NULL;
	cairn_policy_report rep = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_write_options wo;
	cairn_policy_severity fail_on = CAIRN_SEVERITY_HIGH;
	cairn_policy_format format = CAIRN_FORMAT_TEXT;
	const char **files = NULL, **dirs = NULL, *output = NULL, *v;
	size_t nfiles = 0, ndirs = 0, i;
	int id, rc = 1, errors = 0, show_passed = 0, documents = 0;
	size_t memory;
	long long instructions;
	cli_policies pp = CLI_POLICIES_INIT; /* the --policies packs, each template's choice */
	FILE *out = stdout;

	cli_init(&p, argc, argv, "cairn check [options] FILE...", opts);
	cli_stackopts_init(&so, "check");
	cairn_policy_set_new(&set);
	while ((id = cli_next(&p, &v)) != CLI_END) {
		int t;
		if (id == CLI_ERR)
			goto done;
		t = cli_stackopts_take(&so, id, v);
		if (t < 0)
			goto done;
		if (t)
			continue;
		switch (id) {
		case OPT_POLICIES:
			dirs = cairn_xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
			dirs[ndirs++] = v;
			break;
		case OPT_FAIL_ON:
			if (cairn_policy_severity_parse(v, &fail_on) < 0) {
				cli_fail("check", "--fail-on: %s", cairn_error_last());
				goto done;
			}
			break;
		case OPT_FORMAT:
			if (cairn_policy_format_parse(v, &format) < 0) {
				cli_fail("check", "--format: %s", cairn_error_last());
				goto done;
			}
			break;
		case OPT_OUTPUT:
			output = v;
			break;
		case OPT_SHOW_PASSED:
			show_passed = 1;
			break;
		case OPT_DOCUMENT:
			documents = 1;
			break;
		case CLI_ARG:
			files = cairn_xrealloc(files, (nfiles + 1) * sizeof(*files));
			files[nfiles++] = v;
			break;
		default:
			break;
		}
	}
	if (nfiles == 0) {
		cli_usage(&p, stderr);
		goto done;
	}
	if (cli_stackopts_finish(&so) < 0 || limits(&memory, &instructions))
		goto done;

	/* The built-in packs are always known (waivers may name any of their
	 * controls); --policies directories are always run. */
	if (cli_policies_load(&pp, "check", set, 1, dirs, ndirs, &d) < 0)
		errors = 1;
	if (errors) {
		cairn_diags_print(&d, stderr);
		fprintf(stderr, "cairn check: the policies have errors; nothing was checked\n");
		goto done;
	}

	for (i = 0; i < nfiles; i++) {
		cairn_stack *st = NULL;
		json_t *doc = NULL;
		cairn_policy_run_options ro;
		const cairn_template *t;
		cairn_diags fd = CAIRN_DIAGS_INIT;

		if (documents) {
			if (check_document(set, files[i], &rep, memory, instructions))
				errors = 1;
			continue;
		}
		if (cairn_stack_load(&st, files[i], &so.opts, &fd) < 0) {
			if (fd.nerrors == 0)
				cairn_diags_add(&fd, CAIRN_DIAG_ERROR, files[i], 0, 0, "%s",
						cairn_error_last());
			cairn_diags_print(&fd, stderr);
			fprintf(stderr, "cairn check: %s does not load (%zu error%s); not checked\n",
				files[i], fd.nerrors, fd.nerrors == 1 ? "" : "s");
			cairn_policy_report_add_errors(&rep, &fd);
			cairn_policy_report_not_checked(&rep, files[i]);
			cairn_diags_dispose(&fd);
			errors = 1;
			continue;
		}
		t = cairn_stack_template(st);
		memset(&ro, 0, sizeof(ro));
		if (cli_policies_for_template(&pp, set, t, &ro, &fd) < 0)
			errors = 1;
		if (cairn_stack_document(st, &planned_env, &doc) < 0) {
			cairn_diags_add(&fd, CAIRN_DIAG_ERROR, files[i], 0, 0, "%s",
					cairn_error_last());
			cairn_policy_report_not_checked(&rep, files[i]);
			errors = 1;
		} else {
			ro.memory_limit = memory;
			ro.instruction_limit = instructions;
			if (cairn_policy_run(set, doc, &ro, &rep, &fd) < 0) {
				if (fd.nerrors == 0)
					cairn_diags_add(&fd, CAIRN_DIAG_ERROR, files[i], 0, 0, "%s",
							cairn_error_last());
				errors = 1;
			}
		}
		cairn_policy_report_add_errors(&rep, &fd);
		cairn_diags_print(&fd, stderr);
		cairn_diags_dispose(&fd);
		json_decref(doc);
		cairn_stack_free(st);
	}

	if (output) {
		out = fopen(output, "w");
		if (!out) {
			out = stdout;
			cli_fail("check", "--output %s: cannot write there", output);
			errors = 1;
			goto done;
		}
	}
	memset(&wo, 0, sizeof(wo));
	wo.color = output ? 0 : cli_g.color;
	wo.fail_on = fail_on;
	wo.set = set;
	wo.show_passed = show_passed;
	if (cairn_policy_report_write(&rep, format, out, &wo) < 0) {
		cli_fail("check", "%s", cairn_error_last());
		errors = 1;
	}
	if (output) {
		if (fclose(out) != 0) {
			cli_fail("check", "--output %s: write error", output);
			errors = 1;
		}
		out = stdout;
		fprintf(stderr, "cairn check: %s: %zu failed, %zu waived, %zu could not decide, %zu "
				"errors, %zu input error%s; report in %s\n",
			cairn_policy_report_verdict(&rep, fail_on), rep.counts[CAIRN_RESULT_FAIL],
			rep.counts[CAIRN_RESULT_WAIVED], rep.counts[CAIRN_RESULT_UNDECIDED],
			rep.counts[CAIRN_RESULT_ERROR], rep.input_errors.nerrors,
			rep.input_errors.nerrors == 1 ? "" : "s", output);
	}
	if (errors || !strcmp(cairn_policy_report_verdict(&rep, fail_on), "error"))
		rc = 1;
	else if (cairn_policy_report_failing(&rep, fail_on))
		rc = 3;
	else
		rc = 0;
done:
	cairn_policy_report_dispose(&rep);
	cairn_policy_set_free(set);
	cairn_diags_dispose(&d);
	cli_stackopts_dispose(&so);
	cli_policies_dispose(&pp);
	free(files);
	free(dirs);
	return rc;
}
