/*
 * stackglue.c: the policy engine meets the stack loader: positions of
 * findings in a template, the packs a template chooses
 * (Metadata.Cairn.Policies), and the loader `cairn policy test` uses for
 * template fixtures. Commands that evaluate policies (check, plan, audit)
 * use these so that they read a template the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/policy.h"
#include "cairn/stack.h"
#include "cairn/template.h"

int cairn_policy_locate_template(void *ud, const char *logical_id, const char *path, int *line,
				 int *col)
{
	const cairn_template *t = ud;
	if (!t)
		return -1;
	if (!logical_id) {
		/* A stack-level result: the template's Metadata.Cairn, when
		 * written; a path from the template's root ("Metadata.Cairn.
		 * Waivers[1].Expires", what waiver errors name) as it says. */
		if (path && *path) {
			cairn_buf ptr = CAIRN_BUF_INIT;
			const char *p;
			int rc;
			if (strncmp(path, "Metadata.", 9) != 0)
				cairn_buf_puts(&ptr, "/Metadata/Cairn");
			cairn_buf_putc(&ptr, '/');
			for (p = path; *p; p++) {
				if (*p == '.' || *p == '[')
					cairn_buf_putc(&ptr, '/');
				else if (*p != ']')
					cairn_buf_putc(&ptr, *p);
			}
			rc = cairn_template_mark(t, cairn_buf_cstr(&ptr), line, col);
			cairn_buf_dispose(&ptr);
			return rc == 0 ? 0 : -1;
		}
		return -1;
	}
	cairn_template_resource_mark(t, logical_id, path, line, col);
	return *line > 0 ? 0 : -1;
}

static int is_path(const char *s)
{
	return strchr(s, '/') != NULL || s[0] == '.';
}

int cairn_policy_template_packs(cairn_policy_set *set, const cairn_template *t, char ***packs,
				size_t *npacks, cairn_diags *diags)
{
	const json_t *root = cairn_template_root(t);
	const json_t *list = json_object_get(json_object_get(json_object_get(root, "Metadata"),
							     "Cairn"),
					     "Policies");
	const char *file = cairn_template_path(t);
	const json_t *x;
	size_t i;
	int line, col, rc = 0;

	*packs = NULL;
	*npacks = 0;
	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) == 0) {
		cairn_template_mark(t, "/Metadata/Cairn/Policies", &line, &col);
		cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, line, col,
				"Metadata.Cairn.Policies must be a list of pack names or directories "
				"(e.g. [cis-aws-3.0, least-privilege])");
		return CAIRN_EINVALID;
	}
	*packs = cairn_xcalloc(json_array_size(list) + 1, sizeof(char *));
	json_array_foreach(list, i, x) {
		char ptr[64];
		const char *name = json_string_value(x);
		snprintf(ptr, sizeof(ptr), "/Metadata/Cairn/Policies/%zu", i);
		cairn_template_mark(t, ptr, &line, &col);
		if (!name || !*name) {
			cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, line, col,
					"Metadata.Cairn.Policies[%zu] must be a pack name or a directory", i);
			rc = CAIRN_EINVALID;
			continue;
		}
		if (is_path(name)) {
			/* Relative to the template's directory. */
			const char *slash = strrchr(file, '/');
			char *dir = name[0] == '/' || !slash
					    ? cairn_xstrdup(name)
					    : cairn_xasprintf("%.*s/%s", (int)(slash - file), file, name);
			const char *base;
			size_t l = strlen(dir);
			while (l > 1 && dir[l - 1] == '/')
				dir[--l] = '\0';
			base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
			if (!cairn_policy_set_has_pack(set, base) &&
			    cairn_policy_set_add_dir(set, dir, diags) < 0) {
				if (cairn_error_last()[0])
					cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, line, col,
							"Metadata.Cairn.Policies[%zu]: %s", i,
							cairn_error_last());
				rc = CAIRN_EINVALID;
			}
			(*packs)[(*npacks)++] = cairn_xstrdup(base);
			free(dir);
		} else {
			if (!cairn_policy_set_has_pack(set, name) &&
			    cairn_policy_set_add_pack(set, name, diags) < 0) {
				cairn_diags_add(diags, CAIRN_DIAG_ERROR, file, line, col,
						"Metadata.Cairn.Policies[%zu]: unknown policy pack '%s' "
						"(built-in: cis-aws-3.0, least-privilege, sagemaker; or a "
						"directory such as ./policies/team)", i, name);
				rc = CAIRN_EINVALID;
				continue;
			}
			(*packs)[(*npacks)++] = cairn_xstrdup(name);
		}
	}
	return rc;
}

/* Exports no state has yet are unknown here, not an error: check judges a
 * template before anything is applied (docs/internals/stack-document.md). */
static json_t *no_import(void *ud, const char *name)
{
	(void)ud;
	(void)name;
	return NULL;
}

static const cairn_eval_env planned_env = {NULL, NULL, no_import, NULL};

static void release_stack(void *ud)
{
	cairn_stack_free(ud);
}

static int locate_stack(void *ud, const char *logical_id, const char *path, int *line, int *col)
{
	return cairn_policy_locate_template((void *)cairn_stack_template(ud), logical_id, path,
					    line, col);
}

int cairn_policy_load_template(void *ud, const char *path, json_t **document,
			       cairn_policy_locate_fn *locate, void **locate_ud,
			       void (**release)(void *locate_ud))
{
	cairn_stack_options opts;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *st = NULL;
	int rc;

	(void)ud;
	memset(&opts, 0, sizeof(opts));
	*document = NULL;
	rc = cairn_stack_load(&st, path, &opts, &d);
	if (rc < 0) {
		cairn_buf b = CAIRN_BUF_INIT;
		size_t i;
		for (i = 0; i < d.n && i < 5; i++)
			cairn_buf_printf(&b, "%s%s:%d:%d: %s", i ? "; " : "", d.v[i].file, d.v[i].line,
					 d.v[i].col, d.v[i].message);
		cairn_diags_dispose(&d);
		rc = cairn_error_setc(CAIRN_EINVALID, "%s", cairn_buf_cstr(&b));
		cairn_buf_dispose(&b);
		return rc;
	}
	cairn_diags_dispose(&d);
	rc = cairn_stack_document(st, &planned_env, document);
	if (rc < 0) {
		cairn_stack_free(st);
		return rc;
	}
	*locate = locate_stack;
	*locate_ud = st;
	*release = release_stack;
	return 0;
}
