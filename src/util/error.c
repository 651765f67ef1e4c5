/*
 * error.c: the per-thread error message and the allocation wrappers.
 *
 * cairn is single-threaded (one event loop drives every AWS call), so the
 * "per-thread" slot is a static buffer. Messages longer than the slot are
 * truncated with "...". Allocation failure aborts: there is no sensible
 * recovery from an out-of-memory condition halfway through an apply, and
 * the state journal already holds every finished operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"

static char errmsg[4096];

/* Formats into a scratch buffer first, so a message may include the
 * previous one: cairn_error_set("%s: %s", path, cairn_error_last()). */
static int verror(int code, const char *fmt, va_list ap)
{
	char tmp[sizeof(errmsg)];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (n >= (int)sizeof(tmp))
		memcpy(tmp + sizeof(tmp) - 4, "...", 4);
	memcpy(errmsg, tmp, sizeof(errmsg));
	return code;
}

int cairn_error_set(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(CAIRN_ERROR, fmt, ap);
	va_end(ap);
	return CAIRN_ERROR;
}

int cairn_error_setc(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(code, fmt, ap);
	va_end(ap);
	return code;
}

const char *cairn_error_last(void)
{
	return errmsg;
}

void cairn_error_clear(void)
{
	errmsg[0] = '\0';
}

void cairn_die(const char *fmt, ...)
{
	va_list ap;
	fputs("cairn: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *cairn_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		cairn_die("out of memory allocating %zu bytes", n);
	return p;
}

void *cairn_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		cairn_die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *cairn_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		cairn_die("out of memory reallocating %zu bytes", n);
	return q;
}

char *cairn_xstrdup(const char *s)
{
	return cairn_xstrndup(s, strlen(s));
}

char *cairn_xstrndup(const char *s, size_t n)
{
	char *p = cairn_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cairn_xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *p;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		cairn_die("bad format string \"%s\"", fmt);
	p = cairn_xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *cairn_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	va_start(ap, fmt);
	p = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}
