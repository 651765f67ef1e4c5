/*
 * embed.c: lookup in the table of compiled-in files (see tools/embed.c).
 *
 * The table is sorted by path (the Makefile sorts the file list), so
 * lookup is a binary search and cairn_embed_foreach visits files in order.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/embed.h"

const cairn_embed_file *cairn_embed_find(const char *path)
{
	size_t lo = 0, hi = cairn_embed_nfiles;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(path, cairn_embed_files[mid].path);
		if (c == 0)
			return &cairn_embed_files[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int cairn_embed_read(const char *path, char **out, size_t *len)
{
	const char *home = getenv("CAIRN_HOME");
	const cairn_embed_file *f;

	if (home && *home) {
		char *p = cairn_xasprintf("%s/%s", home, path);
		int rc = cairn_file_read(p, out, len);
		free(p);
		if (rc != CAIRN_ENOTFOUND)
			return rc;
	}
	f = cairn_embed_find(path);
	if (!f)
		return cairn_error_setc(CAIRN_ENOTFOUND, "%s: not compiled into cairn", path);
	*out = cairn_xstrndup((const char *)f->data, f->size);
	if (len)
		*len = f->size;
	return 0;
}

int cairn_embed_foreach(const char *prefix,
			int (*fn)(const cairn_embed_file *f, void *ud), void *ud)
{
	size_t i, n = strlen(prefix);
	for (i = 0; i < cairn_embed_nfiles; i++) {
		if (strncmp(cairn_embed_files[i].path, prefix, n) == 0) {
			int rc = fn(&cairn_embed_files[i], ud);
			if (rc)
				return rc;
		}
	}
	return 0;
}
