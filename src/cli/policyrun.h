/*
 * policyrun.h: private to src/cli: how `cairn check`, `cairn plan` and
 * `cairn audit` choose the policy packs of a run: the built-in packs, the
 * --policies directories (each a pack named by its base name), and per
 * template the packs its Metadata.Cairn.Policies chooses, its
 * template-level waivers and where its findings are located.
 *
 *     cli_policies pp = CLI_POLICIES_INIT;
 *     cli_policies_load(&pp, "audit", set, dirs, ndirs, &diags);
 *     memset(&ro, 0, sizeof(ro)); ro.live = 1; ...
 *     cli_policies_for_template(&pp, set, template, &ro, &diags);
 *     cairn_policy_run(set, doc, &ro, &rep, &diags);
 *     cli_policies_dispose(&pp);
 */
#ifndef CAIRN_CLI_POLICYRUN_H
#define CAIRN_CLI_POLICYRUN_H

#include "cairn/diag.h"
#include "cairn/policy.h"
#include "cairn/template.h"

typedef struct cli_policies {
	char **extra;     /* the --policies packs' names (nextra of them) */
	size_t nextra;
	char **packs;     /* the template's Metadata.Cairn.Policies choice (npacks),
	                     NULL when it chooses nothing (every pack runs) */
	size_t npacks;
	const char **sel; /* packs then extra: what ro->packs points into */
} cli_policies;

#define CLI_POLICIES_INIT {NULL, 0, NULL, 0, NULL}

/* Adds the built-in packs (when builtin is set) and each directory of dirs
 * to set. A directory whose base name is already a pack's, or which does
 * not load, is an error (printed, as "cairn CMD: --policies DIR: ...",
 * or in diags); every directory is tried. -1 when any failed. */
int cli_policies_load(cli_policies *pp, const char *cmd, cairn_policy_set *set, int builtin,
                      const char **dirs, size_t ndirs, cairn_diags *diags);

/* For a run over template t: the packs t chooses (directories it names
 * are added to set), then sets ro's packs/npacks (t's choice plus the
 * --policies packs; left alone when t chooses nothing), locate (t's
 * lines) and stack_waivers (t's Metadata.Cairn.Waivers). What an earlier
 * template chose is released first. Bad choices are errors in diags;
 * -1 then, with ro set all the same. */
int cli_policies_for_template(cli_policies *pp, cairn_policy_set *set, const cairn_template *t,
                              cairn_policy_run_options *ro, cairn_diags *diags);

void cli_policies_dispose(cli_policies *pp);

#endif
