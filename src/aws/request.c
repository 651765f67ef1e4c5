/*
 * request.c: the HTTP request the AWS client builds, signs and sends (see
 * request.h), with the pair lists that hold its headers and query, and
 * RFC 3986 percent-encoding.
 *
 * Everything here is plain memory management; the only rule of substance
 * is the encoding: the URL cairn sends and the canonical request the
 * signer hashes must encode the query identically, so both call
 * cairn_uri_encode.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/request.h"

void cairn_kvlist_addn(cairn_kvlist *l, const char *key, const char *value, size_t vlen)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = cairn_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].key = cairn_xstrdup(key);
	l->v[l->n].value = value ? cairn_xstrndup(value, vlen) : NULL;
	l->n++;
}

void cairn_kvlist_add(cairn_kvlist *l, const char *key, const char *value)
{
	cairn_kvlist_addn(l, key, value, value ? strlen(value) : 0);
}

static int keyeq(const char *a, const char *b, int nocase)
{
	return nocase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

void cairn_kvlist_remove(cairn_kvlist *l, const char *key, int nocase)
{
	size_t i, j = 0;
	for (i = 0; i < l->n; i++) {
		if (keyeq(l->v[i].key, key, nocase)) {
			free(l->v[i].key);
			free(l->v[i].value);
			continue;
		}
		l->v[j++] = l->v[i];
	}
	l->n = j;
}

void cairn_kvlist_set(cairn_kvlist *l, const char *key, const char *value, int nocase)
{
	cairn_kvlist_remove(l, key, nocase);
	cairn_kvlist_add(l, key, value);
}

const char *cairn_kvlist_get(const cairn_kvlist *l, const char *key, int nocase)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		if (keyeq(l->v[i].key, key, nocase))
			return l->v[i].value ? l->v[i].value : "";
	return NULL;
}

void cairn_kvlist_dispose(cairn_kvlist *l)
{
	size_t i;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void cairn_awsreq_init(cairn_awsreq *r)
{
	memset(r, 0, sizeof(*r));
}

void cairn_awsreq_dispose(cairn_awsreq *r)
{
	if (!r)
		return;
	free(r->method);
	free(r->scheme);
	free(r->host);
	free(r->base_path);
	free(r->path);
	cairn_kvlist_dispose(&r->query);
	cairn_kvlist_dispose(&r->headers);
	cairn_buf_dispose(&r->body);
	memset(r, 0, sizeof(*r));
}

static char *dup0(const char *s)
{
	return s ? cairn_xstrdup(s) : NULL;
}

static void copy_list(cairn_kvlist *dst, const cairn_kvlist *src)
{
	size_t i;
	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++)
		cairn_kvlist_add(dst, src->v[i].key, src->v[i].value);
}

void cairn_awsreq_copy(cairn_awsreq *dst, const cairn_awsreq *src)
{
	cairn_awsreq_init(dst);
	dst->method = dup0(src->method);
	dst->scheme = dup0(src->scheme);
	dst->host = dup0(src->host);
	dst->base_path = dup0(src->base_path);
	dst->path = dup0(src->path);
	copy_list(&dst->query, &src->query);
	copy_list(&dst->headers, &src->headers);
	if (src->body.len)
		cairn_buf_put(&dst->body, src->body.ptr, src->body.len);
	dst->flags = src->flags;
}

void cairn_awsreq_set_header(cairn_awsreq *r, const char *name, const char *value)
{
	cairn_kvlist_set(&r->headers, name, value, 1);
}

const char *cairn_awsreq_header(const cairn_awsreq *r, const char *name)
{
	return cairn_kvlist_get(&r->headers, name, 1);
}

char *cairn_awsreq_full_path(const cairn_awsreq *r)
{
	const char *base = r->base_path ? r->base_path : "";
	const char *path = r->path && *r->path ? r->path : "/";
	size_t bl = strlen(base);
	/* "/prefix" + "/x" -> "/prefix/x"; "/prefix/" + "/x" too */
	if (bl && base[bl - 1] == '/')
		bl--;
	return cairn_xasprintf("%.*s%s", (int)bl, base, path);
}

void cairn_uri_encode(cairn_buf *b, const char *s, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	cairn_buf_grow(b, len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
			cairn_buf_putc(b, c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			cairn_buf_put(b, e, 3);
		}
	}
	b->ptr[b->len] = '\0'; /* also when nothing was added */
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void cairn_uri_decode(cairn_buf *b, const char *s, size_t len, int plus)
{
	size_t i;
	cairn_buf_grow(b, len);
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			cairn_buf_putc(b, hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (plus && s[i] == '+') {
			cairn_buf_putc(b, ' ');
		} else {
			cairn_buf_putc(b, s[i]);
		}
	}
	if (!b->ptr)
		cairn_buf_put(b, "", 0);
}

char *cairn_awsreq_url(const cairn_awsreq *r)
{
	cairn_buf b = CAIRN_BUF_INIT;
	char *path = cairn_awsreq_full_path(r);
	size_t i;

	cairn_buf_printf(&b, "%s://%s%s", r->scheme ? r->scheme : "https", r->host ? r->host : "",
	                 path);
	free(path);
	for (i = 0; i < r->query.n; i++) {
		const cairn_kv *kv = &r->query.v[i];
		cairn_buf_putc(&b, i ? '&' : '?');
		cairn_uri_encode(&b, kv->key, strlen(kv->key), 0);
		if (kv->value) {
			cairn_buf_putc(&b, '=');
			cairn_uri_encode(&b, kv->value, strlen(kv->value), 0);
		}
	}
	return cairn_buf_detach(&b);
}
