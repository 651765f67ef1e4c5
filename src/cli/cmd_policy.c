/*
 * cmd_policy.c: `cairn policy test [DIR]`, `cairn policy list` and
 * `cairn policy show ID` (docs/commands/policy.md).
 *
 * test loads the packs under DIR from disk (DIR itself when it holds
 * <id>.lua files, else each subdirectory that does) and runs every
 * policy's fixtures (cairn_policy_test); template fixtures go through the
 * stack loader. list and show describe the built-in packs and any
 * --policies directory.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/policy.h"
#include "cli.h"

enum { OPT_POLICIES = 1, OPT_VERBOSE, OPT_JSON };

static int has_lua(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	int found = 0;
	if (!dh)
		return 0;
	while (!found && (e = readdir(dh)) != NULL) {
		size_t l = strlen(e->d_name);
		found = e->d_name[0] != '.' && l > 4 && strcmp(e->d_name + l - 4, ".lua") == 0;
	}
	closedir(dh);
	return found;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds DIR (a pack) or each pack directory under DIR; returns how many. */
static int add_tree(cairn_policy_set *set, const char *dir, cairn_diags *d, int *errors)
{
	DIR *dh;
	struct dirent *e;
	char **subs = NULL;
	size_t n = 0, i;
	int packs = 0;

	if (has_lua(dir)) {
		if (cairn_policy_set_add_dir(set, dir, d) < 0)
			*errors = 1;
		return 1;
	}
	dh = opendir(dir);
	if (!dh)
		return 0;
	while ((e = readdir(dh)) != NULL) {
		char *sub;
		struct stat st;
		if (e->d_name[0] == '.' || strcmp(e->d_name, "fixtures") == 0)
			continue;
		sub = cairn_xasprintf("%s/%s", dir, e->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && has_lua(sub)) {
			subs = cairn_xrealloc(subs, (n + 1) * sizeof(*subs));
			subs[n++] = sub;
		} else {
			free(sub);
		}
	}
	closedir(dh);
	if (n)
		qsort(subs, n, sizeof(*subs), cmp_str);
	for (i = 0; i < n; i++) {
		if (cairn_policy_set_add_dir(set, subs[i], d) < 0)
			*errors = 1;
		packs++;
		free(subs[i]);
	}
	free(subs);
	return packs;
}

static int cmd_test(int argc, char **argv)
{
	static const cli_opt opts[] = {
		{"verbose", 0, OPT_VERBOSE, "list every fixture, not only those that fail"},
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cairn_policy_set *set = NULL;
	cairn_diags d = CAIRN_DIAGS_INIT;
	const char *v, *dir = NULL;
	char *clean;
	int id, verbose = 0, errors = 0, rc = 1;
	size_t l;

	cli_init(&p, argc, argv, "cairn policy test [options] [DIR]", opts);
	p.cmd = "policy test";
	while ((id = cli_next(&p, &v)) != CLI_END) {
		if (id == CLI_ERR)
			return 1;
		if (id == OPT_VERBOSE)
			verbose = 1;
		else if (id == CLI_ARG) {
			if (dir)
				return cli_fail("policy test", "one directory at a time");
			dir = v;
		}
	}
	clean = cairn_xstrdup(dir ? dir : "policies");
	l = strlen(clean);
	while (l > 1 && clean[l - 1] == '/')
		clean[--l] = '\0';
	cairn_policy_set_new(&set);
	if (add_tree(set, clean, &d, &errors) == 0) {
		rc = cli_fail("policy test", "%s: no policy packs here (a directory of <id>.lua "
					     "files, or of such directories)", clean);
		goto out;
	}
	cairn_diags_print(&d, stderr);
	if (errors) {
		fprintf(stderr, "cairn policy test: some policies do not load (above)\n");
		goto out;
	}
	rc = cairn_policy_test(set, clean, cairn_policy_load_template, NULL, stdout, verbose) < 0
		     ? 1
		     : 0;
out:
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
	free(clean);
	return rc;
}

/* The set of list and show: built-in packs plus --policies. */
static int load_listed(cairn_policy_set *set, const char **dirs, size_t ndirs)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	size_t i;
	int rc = 0;
	if (cairn_policy_set_add_builtin(set, &d) < 0)
		rc = -1;
	for (i = 0; i < ndirs; i++)
		if (cairn_policy_set_add_dir(set, dirs[i], &d) < 0) {
			if (d.nerrors == 0)
				cli_fail("policy", "--policies %s: %s", dirs[i], cairn_error_last());
			rc = -1;
		}
	cairn_diags_print(&d, stderr);
	cairn_diags_dispose(&d);
	return rc;
}

static void frameworks_line(const cairn_policy *pol, FILE *out)
{
	const char *k;
	json_t *ids;
	int first = 1;
	json_object_foreach(pol->frameworks, k, ids) {
		size_t i;
		json_t *x;
		fprintf(out, "%s%s ", first ? "" : "; ", k);
		json_array_foreach(ids, i, x)
			fprintf(out, "%s%s", i ? ", " : "", json_string_value(x));
		first = 0;
	}
}

static int cmd_list_show(int argc, char **argv, int show)
{
	static const cli_opt opts[] = {
		{"policies", 1, OPT_POLICIES, "DIR  include the pack in DIR (repeatable)"},
		{"json", 0, OPT_JSON, "print JSON"},
		{NULL, 0, 0, NULL}
	};
	cli_parser p;
	cairn_policy_set *set = NULL;
	const char **dirs = NULL, *v, *want = NULL;
	size_t ndirs = 0, i, k;
	int id, json = 0, rc = 1;

	cli_init(&p, argc, argv, show ? "cairn policy show [options] ID" : "cairn policy list [options]",
		 opts);
	p.cmd = show ? "policy show" : "policy list";
	while ((id = cli_next(&p, &v)) != CLI_END) {
		if (id == CLI_ERR)
			goto out;
		if (id == OPT_POLICIES) {
			dirs = cairn_xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
			dirs[ndirs++] = v;
		} else if (id == OPT_JSON) {
			json = 1;
		} else if (id == CLI_ARG) {
			if (!show || want) {
				cli_fail(show ? "policy show" : "policy list", "unexpected argument '%s'", v);
				goto out;
			}
			want = v;
		}
	}
	if (show && !want) {
		cli_usage(&p, stderr);
		goto out;
	}
	cairn_policy_set_new(&set);
	if (load_listed(set, dirs, ndirs) < 0)
		goto out;
	if (json) {
		json_t *a = json_array();
		for (i = 0; i < cairn_policy_set_count(set); i++) {
			const cairn_policy *pol = cairn_policy_set_at(set, i);
			json_t *types = json_array();
			if (want && strcasecmp(want, pol->id) != 0)
				continue;
			for (k = 0; k < pol->ntypes; k++)
				json_array_append_new(types, json_string(pol->types[k]));
			json_array_append_new(
				a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:O, s:b, s:s, s:s}",
					     "id", pol->id, "pack", pol->pack, "title", pol->title,
					     "severity", cairn_policy_severity_name(pol->severity),
					     "description", pol->description, "remediation",
					     pol->remediation, "resource_types", types, "frameworks",
					     pol->frameworks, "live_only", pol->live_only, "scope",
					     pol->stack_scope ? "stack" : "resource", "file", pol->file));
		}
		if (show && json_array_size(a) == 0) {
			json_decref(a);
			cli_fail("policy show", "no policy '%s' ('cairn policy list' shows them)", want);
			goto out;
		}
		json_dumpf(show ? json_array_get(a, 0) : a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(a);
		rc = 0;
		goto out;
	}
	if (show) {
		const cairn_policy *pol = cairn_policy_set_find(set, want);
		if (!pol) {
			cli_fail("policy show", "no policy '%s' ('cairn policy list' shows them)", want);
			goto out;
		}
		printf("%s: %s\n", pol->id, pol->title);
		printf("  pack:        %s (%s)\n", pol->pack, pol->file);
		printf("  severity:    %s\n", cairn_policy_severity_name(pol->severity));
		printf("  applies to:  ");
		if (pol->stack_scope)
			printf("the stack");
		for (k = 0; k < pol->ntypes; k++)
			printf("%s%s", k ? ", " : "", pol->types[k]);
		printf("%s\n", pol->live_only ? " (live only: cairn audit)" : "");
		printf("  frameworks:  ");
		frameworks_line(pol, stdout);
		printf("\n");
		if (pol->description[0])
			printf("  checks:      %s\n", pol->description);
		printf("  remediation: %s\n", pol->remediation);
		rc = 0;
		goto out;
	}
	{
		const char *pack = NULL;
		for (i = 0; i < cairn_policy_set_count(set); i++) {
			const cairn_policy *pol = cairn_policy_set_at(set, i);
			if (!pack || strcmp(pack, pol->pack) != 0) {
				printf("%s%s\n", pack ? "\n" : "", pol->pack);
				pack = pol->pack;
			}
			printf("  %-26s %-8s %s%s\n", pol->id, cairn_policy_severity_name(pol->severity),
			       pol->title, pol->live_only ? " [live only]" : "");
		}
	}
	rc = 0;
out:
	cairn_policy_set_free(set);
	free(dirs);
	return rc;
}

int cli_cmd_policy(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		FILE *out = argc < 2 ? stderr : stdout;
		fprintf(out, "usage: cairn policy test [DIR]     run every policy's fixtures (default: "
			     "policies)\n"
			     "       cairn policy list [--policies DIR] [--json]\n"
			     "       cairn policy show ID [--policies DIR] [--json]\n");
		return argc < 2 ? 1 : 0;
	}
	if (strcmp(argv[1], "test") == 0)
		return cmd_test(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list_show(argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "show") == 0)
		return cmd_list_show(argc - 1, argv + 1, 1);
	return cli_fail("policy", "unknown subcommand '%s' (test, list or show)", argv[1]);
}
