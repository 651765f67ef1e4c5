/*
 * fs.c: whole-file reads, atomic writes, mkdir -p, the directory of a path.
 *
 * cairn_file_write_atomic is how state and reports reach the disk: the
 * bytes go to a temporary file beside the target, which is fsynced and
 * renamed over it, and the directory is fsynced, so a crash at any point
 * leaves either the old file or the new one, never a torn one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/common.h"

int cairn_file_read(const char *path, char **out, size_t *len)
{
	cairn_buf b = CAIRN_BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	*out = NULL;
	if (!f) {
		if (errno == ENOENT)
			return cairn_error_setc(CAIRN_ENOTFOUND, "%s: no such file", path);
		return cairn_error_set("%s: cannot open: %s", path, strerror(errno));
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		cairn_buf_put(&b, chunk, n);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		cairn_buf_dispose(&b);
		return cairn_error_set("%s: read error: %s", path, strerror(e));
	}
	fclose(f);
	if (len)
		*len = b.len;
	*out = cairn_buf_detach(&b);
	return 0;
}

static int fsync_dir(const char *path)
{
	char *copy = cairn_xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY);
	free(copy);
	if (fd < 0)
		return 0; /* not fatal: the rename happened */
	fsync(fd);
	close(fd);
	return 0;
}

int cairn_file_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	char *tmp = cairn_xasprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = data;
	size_t left = len;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0) {
		int e = errno;
		free(tmp);
		return cairn_error_set("%s: cannot create: %s", path, strerror(e));
	}
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return fsync_dir(path);
fail:
	{
		int e = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(tmp);
		return cairn_error_set("%s: cannot write: %s", path, strerror(e));
	}
}

int cairn_mkdir_p(const char *path, int mode)
{
	char *p = cairn_xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
				rc = cairn_error_set("%s: cannot create directory: %s", p,
						     strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

char *cairn_path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return cairn_xstrdup(".");
	if (slash == path)
		return cairn_xstrdup("/");
	return cairn_xstrndup(path, (size_t)(slash - path));
}
