/*
 * embed.h: files compiled into the binary.
 *
 * tools/embed turns the files under lua/, policies/ (without fixtures) and
 * data/models/ into a table at build time, so one cairn binary carries
 * its providers, its policy library and packs, and its AWS service models.
 *
 * When CAIRN_HOME is set, cairn_embed_read() reads CAIRN_HOME/<path> from
 * disk first (to iterate on Lua without rebuilding); otherwise it serves
 * the compiled copy.
 */
#ifndef CAIRN_EMBED_H
#define CAIRN_EMBED_H

#include <stddef.h>

typedef struct cairn_embed_file {
	const char *path;            /* as in the source tree, "lua/cairn/aws/s3.lua" */
	const unsigned char *data;   /* the bytes, followed by a NUL */
	size_t size;                 /* bytes, without the NUL */
} cairn_embed_file;

extern const cairn_embed_file cairn_embed_files[];
extern const size_t cairn_embed_nfiles;

/* The compiled-in file at path, or NULL. Borrowed, static. */
const cairn_embed_file *cairn_embed_find(const char *path);

/* Contents of path (CAIRN_HOME override first, then compiled-in). On
 * success *out is a NUL-terminated allocation the caller frees. Returns
 * CAIRN_ENOTFOUND when neither has it. */
int cairn_embed_read(const char *path, char **out, size_t *len);

/* Calls fn for every compiled-in file whose path starts with prefix, in
 * path order. Stops early and returns fn's value when it is non-zero. */
int cairn_embed_foreach(const char *prefix,
			int (*fn)(const cairn_embed_file *f, void *ud), void *ud);

#endif
