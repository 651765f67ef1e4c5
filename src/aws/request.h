/*
 * request.h: private to src/aws: one HTTP request as the AWS client
 * builds, signs and sends it, and the percent-encoding rules the wire
 * protocols and the signer share.
 *
 * A cairn_awsreq is filled in three steps: the protocol serializer sets
 * the method, the path (already percent-encoded, as sent on the wire),
 * the query (decoded key/value pairs, encoded when the URL is built), the
 * headers and the body; the endpoint resolver sets scheme and host; the
 * signer adds x-amz-date, the token and Authorization (or the presigned
 * query). The scheduler then sends exactly what cairn_awsreq_url() and
 * the header list say.
 */
#ifndef CAIRN_AWS_REQUEST_H
#define CAIRN_AWS_REQUEST_H

#include "cairn/common.h"

/* A name/value pair (header or query parameter). Both owned. */
typedef struct cairn_kv {
	char *key;
	char *value;
} cairn_kv;

/* A growable list of pairs, in insertion order. */
typedef struct cairn_kvlist {
	cairn_kv *v; /* the pairs */
	size_t n;    /* pairs used */
	size_t cap;  /* pairs allocated */
} cairn_kvlist;

typedef struct cairn_awsreq {
	char *method; /* "GET", "POST", ... */
	char *scheme; /* "https" or "http" */
	char *host;   /* "kms.us-east-1.amazonaws.com" or "127.0.0.1:5000" (port only when not the
	                 scheme's default) */
	char *base_path; /* path prefix of a custom endpoint ("" or "/prefix"), already encoded */
	char *path;      /* the operation's path, percent-encoded as on the wire, starts with "/" */
	cairn_kvlist query;   /* query parameters, decoded; a NULL value means "key" without "=" */
	cairn_kvlist headers; /* request headers (names as set; compared case-insensitively) */
	cairn_buf body;       /* the payload */
	int flags;            /* CAIRN_PROTO_* customisations the serializer applied */
} cairn_awsreq;

void cairn_kvlist_add(cairn_kvlist *l, const char *key, const char *value);
void cairn_kvlist_addn(cairn_kvlist *l, const char *key, const char *value, size_t vlen);
/* Replaces every pair named key (case-insensitively when nocase) with one. */
void cairn_kvlist_set(cairn_kvlist *l, const char *key, const char *value, int nocase);
/* The first value for key, or NULL. */
const char *cairn_kvlist_get(const cairn_kvlist *l, const char *key, int nocase);
void cairn_kvlist_remove(cairn_kvlist *l, const char *key, int nocase);
void cairn_kvlist_dispose(cairn_kvlist *l);

void cairn_awsreq_init(cairn_awsreq *r);
void cairn_awsreq_dispose(cairn_awsreq *r);
/* Deep copy of src into dst (dst uninitialised). */
void cairn_awsreq_copy(cairn_awsreq *dst, const cairn_awsreq *src);
void cairn_awsreq_set_header(cairn_awsreq *r, const char *name, const char *value);
const char *cairn_awsreq_header(const cairn_awsreq *r, const char *name);
/* The full path as sent: base_path + path ("/" when both are empty). New allocation. */
char *cairn_awsreq_full_path(const cairn_awsreq *r);
/* scheme://host/path?query with the query encoded as the signer encodes it
 * (RFC 3986 unreserved characters kept, everything else %XX), pairs in
 * insertion order. New allocation. */
char *cairn_awsreq_url(const cairn_awsreq *r);

/* Percent-encodes s (len bytes) into b: the unreserved characters
 * A-Z a-z 0-9 - _ . ~ are kept, and '/' too when keep_slash; every
 * other byte becomes %XX (upper-case hex). */
void cairn_uri_encode(cairn_buf *b, const char *s, size_t len, int keep_slash);
/* Decodes %XX sequences (and '+' as space when plus) of s into b. */
void cairn_uri_decode(cairn_buf *b, const char *s, size_t len, int plus);

#endif
