/*
 * buf.c: cairn_buf, a growable NUL-terminated byte buffer.
 *
 * Growth doubles the capacity, so appending n bytes one at a time costs
 * O(n). A zeroed buffer is valid and empty; cairn_buf_dispose frees and
 * re-zeroes it, so disposing twice is harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"

void cairn_buf_grow(cairn_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 64;
	if (need <= b->cap)
		return;
	while (cap < need)
		cap *= 2;
	b->ptr = cairn_xrealloc(b->ptr, cap);
	b->cap = cap;
}

void cairn_buf_put(cairn_buf *b, const void *data, size_t len)
{
	cairn_buf_grow(b, len);
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void cairn_buf_puts(cairn_buf *b, const char *s)
{
	cairn_buf_put(b, s, strlen(s));
}

void cairn_buf_putc(cairn_buf *b, int c)
{
	char ch = (char)c;
	cairn_buf_put(b, &ch, 1);
}

void cairn_buf_vprintf(cairn_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		cairn_die("bad format string \"%s\"", fmt);
	cairn_buf_grow(b, (size_t)n);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void cairn_buf_printf(cairn_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cairn_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void cairn_buf_clear(cairn_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

const char *cairn_buf_cstr(const cairn_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *cairn_buf_detach(cairn_buf *b)
{
	char *p = b->ptr ? b->ptr : cairn_xstrdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void cairn_buf_dispose(cairn_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}
