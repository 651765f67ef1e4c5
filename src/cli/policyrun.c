/*
 * policyrun.c: the policy packs of one run of check, plan or audit (see
 * policyrun.h): the built-in packs and --policies directories, and per
 * template the packs it chooses, its template-level waivers and the
 * locator that puts a finding at the template's line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policyrun.h"

int cli_policies_load(cli_policies *pp, const char *cmd, cairn_policy_set *set, int builtin,
                      const char **dirs, size_t ndirs, cairn_diags *diags)
{
	size_t i;
	int errors = 0;

	if (builtin && cairn_policy_set_add_builtin(set, diags) < 0)
		errors = 1;
	pp->extra = cairn_xcalloc(ndirs + 1, sizeof(*pp->extra));
	pp->nextra = ndirs;
	for (i = 0; i < ndirs; i++) {
		char *dir = cairn_xstrdup(dirs[i]);
		size_t l = strlen(dir);
		const char *base;
		while (l > 1 && dir[l - 1] == '/')
			dir[--l] = '\0';
		base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
		pp->extra[i] = cairn_xstrdup(base);
		if (cairn_policy_set_has_pack(set, base)) {
			cli_fail(cmd, "--policies %s: a pack named '%s' is already loaded (rename the "
			              "directory)",
			         dirs[i], base);
			errors = 1;
		} else if (cairn_policy_set_add_dir(set, dir, diags) < 0) {
			if (diags->nerrors == 0)
				cli_fail(cmd, "--policies %s: %s", dirs[i], cairn_error_last());
			errors = 1;
		}
		free(dir);
	}
	return errors ? -1 : 0;
}

static void release_choice(cli_policies *pp)
{
	size_t i;
	for (i = 0; i < pp->npacks; i++)
		free(pp->packs[i]);
	free(pp->packs);
	free(pp->sel);
	pp->packs = NULL;
	pp->npacks = 0;
	pp->sel = NULL;
}

int cli_policies_for_template(cli_policies *pp, cairn_policy_set *set, const cairn_template *t,
                              cairn_policy_run_options *ro, cairn_diags *diags)
{
	const json_t *cairn_md =
	    json_object_get(json_object_get(cairn_template_root(t), "Metadata"), "Cairn");
	size_t i, n = 0;
	int rc;

	release_choice(pp);
	rc = cairn_policy_template_packs(set, t, &pp->packs, &pp->npacks, diags);
	ro->locate = cairn_policy_locate_template;
	ro->locate_ud = (void *)t;
	ro->stack_waivers = json_object_get(cairn_md, "Waivers");
	if (pp->packs) {
		pp->sel = cairn_xcalloc(pp->npacks + pp->nextra + 1, sizeof(*pp->sel));
		for (i = 0; i < pp->npacks; i++)
			pp->sel[n++] = pp->packs[i];
		for (i = 0; i < pp->nextra; i++)
			pp->sel[n++] = pp->extra[i];
		ro->packs = pp->sel;
		ro->npacks = n;
	}
	return rc < 0 ? -1 : 0;
}

void cli_policies_dispose(cli_policies *pp)
{
	size_t i;
	release_choice(pp);
	for (i = 0; pp->extra && i < pp->nextra; i++)
		free(pp->extra[i]);
	free(pp->extra);
	pp->extra = NULL;
	pp->nextra = 0;
}
