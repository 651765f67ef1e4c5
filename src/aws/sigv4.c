/*
 * sigv4.c: AWS Signature Version 4 with OpenSSL (see sigv4.h), plus the
 * MD5 and base64 helpers the wire protocols need. This is the one file of
 * the AWS client that includes OpenSSL.
 *
 * How it works: the canonical request is built in one buffer (method,
 * canonical URI, canonical query, canonical headers, signed header list,
 * payload hash), hashed into the string to sign, and signed with the key
 * derived from the secret by four HMAC-SHA256 steps (date, region,
 * service, "aws4_request"). The derived key and intermediate HMACs live on
 * the stack and are wiped with OPENSSL_cleanse before returning. Nothing
 * here logs; the secret is only ever read.
 *
 * The rules follow botocore's SigV4Auth / S3SigV4Auth, which the AWS
 * test suite (tests/sigv4) and the cross-check (tests/botocore) verify.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "aws/sigv4.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n; i++) {
		out[2 * i] = h[in[i] >> 4];
		out[2 * i + 1] = h[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void cairn_sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	hex(md, sizeof(md), out);
}

void cairn_md5_base64(const void *data, size_t len, char out[25])
{
	unsigned char md[16];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
	EVP_EncodeBlock((unsigned char *)out, md, 16);
}

void cairn_base64_encode(cairn_buf *b, const void *data, size_t len)
{
	size_t need = 4 * ((len + 2) / 3);
	cairn_buf_grow(b, need);
	EVP_EncodeBlock((unsigned char *)b->ptr + b->len, data, (int)len);
	b->len += need;
	b->ptr[b->len] = '\0';
}

int cairn_base64_decode(cairn_buf *b, const char *s, size_t len)
{
	size_t need = 3 * ((len + 3) / 4), pad = 0;
	int n;
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (len % 4)
		return -1;
	if (len && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	cairn_buf_grow(b, need);
	n = EVP_DecodeBlock((unsigned char *)b->ptr + b->len, (const unsigned char *)s, (int)len);
	if (n < 0)
		return -1;
	b->len += (size_t)n - pad;
	b->ptr[b->len] = '\0';
	return 0;
}

void cairn_sigv4_amz_date(time_t when, char out[17])
{
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* Headers never signed (botocore's SIGNED_HEADERS_BLACKLIST plus the
 * Authorization header itself). */
static int unsigned_header(const char *name)
{
	static const char *skip[] = {"authorization", "user-agent", "expect", "transfer-encoding",
	                             "x-amzn-trace-id"};
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(skip); i++)
		if (strcasecmp(name, skip[i]) == 0)
			return 1;
	return 0;
}

/* RFC 3986 5.2.4 dot-segment removal, and repeated slashes merged, as
 * botocore's remove_dot_segments does. */
static char *normalize_path(const char *path)
{
	size_t len = strlen(path), i = 0, nseg = 0, cap = 8;
	const char **seg = cairn_xmalloc(cap * sizeof(*seg));
	size_t *segl = cairn_xmalloc(cap * sizeof(*segl));
	cairn_buf out = CAIRN_BUF_INIT;
	size_t k;

	while (i <= len) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (j > i) {
			size_t n = j - i;
			if (n == 1 && path[i] == '.') {
				/* skip */
			} else if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
				if (nseg)
					nseg--;
			} else {
				if (nseg == cap) {
					cap *= 2;
					seg = cairn_xrealloc(seg, cap * sizeof(*seg));
					segl = cairn_xrealloc(segl, cap * sizeof(*segl));
				}
				seg[nseg] = path + i;
				segl[nseg++] = n;
			}
		}
		i = j + 1;
	}
	if (len && path[0] == '/')
		cairn_buf_putc(&out, '/');
	for (k = 0; k < nseg; k++) {
		if (k)
			cairn_buf_putc(&out, '/');
		cairn_buf_put(&out, seg[k], segl[k]);
	}
	if (len && path[len - 1] == '/' && nseg)
		cairn_buf_putc(&out, '/');
	free(seg);
	free(segl);
	return cairn_buf_detach(&out);
}

static void canonical_uri(cairn_buf *b, const cairn_awsreq *req, int s3)
{
	char *path = cairn_awsreq_full_path(req);
	if (s3) {
		cairn_buf_puts(b, path);
	} else {
		char *norm = normalize_path(path);
		if (!*norm)
			cairn_buf_putc(b, '/');
		else
			cairn_uri_encode(b, norm, strlen(norm), 1);
		free(norm);
	}
	free(path);
}

typedef struct encpair {
	char *k; /* encoded key */
	char *v; /* encoded value */
} encpair;

static int cmp_pair(const void *a, const void *b)
{
	const encpair *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

static void canonical_query(cairn_buf *b, const cairn_kvlist *q)
{
	encpair *p;
	size_t i;
	if (!q->n)
		return;
	p = cairn_xcalloc(q->n, sizeof(*p));
	for (i = 0; i < q->n; i++) {
		cairn_buf k = CAIRN_BUF_INIT, v = CAIRN_BUF_INIT;
		cairn_uri_encode(&k, q->v[i].key, strlen(q->v[i].key), 0);
		if (q->v[i].value)
			cairn_uri_encode(&v, q->v[i].value, strlen(q->v[i].value), 0);
		p[i].k = cairn_buf_detach(&k);
		p[i].v = cairn_buf_detach(&v);
	}
	qsort(p, q->n, sizeof(*p), cmp_pair);
	for (i = 0; i < q->n; i++) {
		if (i)
			cairn_buf_putc(b, '&');
		cairn_buf_printf(b, "%s=%s", p[i].k, p[i].v);
		free(p[i].k);
		free(p[i].v);
	}
	free(p);
}

typedef struct canhdr {
	char *name;      /* lower-case */
	cairn_buf value; /* values joined by ',' */
} canhdr;

static int cmp_hdr(const void *a, const void *b)
{
	return strcmp(((const canhdr *)a)->name, ((const canhdr *)b)->name);
}

/* Trims and collapses runs of whitespace to one space. */
static void put_trimmed(cairn_buf *b, const char *s)
{
	int space = 0, any = 0;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' ||
		    *s == '\f') {
			space = 1;
			continue;
		}
		if (space && any)
			cairn_buf_putc(b, ' ');
		space = 0;
		any = 1;
		cairn_buf_putc(b, *s);
	}
	if (!b->ptr)
		cairn_buf_put(b, "", 0);
}

/* Builds the canonical header block and the signed header list. */
static void canonical_headers(cairn_buf *block, cairn_buf *signed_list, const cairn_awsreq *req)
{
	canhdr *h = cairn_xcalloc(req->headers.n + 1, sizeof(*h));
	size_t n = 0, i, j;

	h[n].name = cairn_xstrdup("host");
	put_trimmed(&h[n].value, req->host ? req->host : "");
	n++;
	for (i = 0; i < req->headers.n; i++) {
		const cairn_kv *kv = &req->headers.v[i];
		char *lower;
		if (unsigned_header(kv->key) || strcasecmp(kv->key, "host") == 0)
			continue;
		lower = cairn_xstrdup(kv->key);
		for (j = 0; lower[j]; j++)
			if (lower[j] >= 'A' && lower[j] <= 'Z')
				lower[j] = (char)(lower[j] - 'A' + 'a');
		for (j = 0; j < n; j++)
			if (strcmp(h[j].name, lower) == 0)
				break;
		if (j < n) {
			cairn_buf_putc(&h[j].value, ',');
			free(lower);
		} else {
			h[n].name = lower;
			n++;
		}
		put_trimmed(&h[j].value, kv->value ? kv->value : "");
	}
	qsort(h, n, sizeof(*h), cmp_hdr);
	for (i = 0; i < n; i++) {
		cairn_buf_printf(block, "%s:%s\n", h[i].name, cairn_buf_cstr(&h[i].value));
		if (i)
			cairn_buf_putc(signed_list, ';');
		cairn_buf_puts(signed_list, h[i].name);
		free(h[i].name);
		cairn_buf_dispose(&h[i].value);
	}
	free(h);
}

static void hmac(const void *key, size_t klen, const char *data, size_t dlen, unsigned char out[32])
{
	unsigned int n = 32;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)data, dlen, out, &n);
}

/* The signature of string_to_sign with the key derived from secret. */
static void sign_string(const cairn_sigv4_params *p, const char *date8, const char *sts,
                        char out[65])
{
	unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
	size_t slen = strlen(p->secret_access_key);
	char *key = cairn_xmalloc(slen + 5);

	memcpy(key, "AWS4", 4);
	memcpy(key + 4, p->secret_access_key, slen + 1);
	hmac(key, slen + 4, date8, 8, k1);
	hmac(k1, 32, p->region, strlen(p->region), k2);
	hmac(k2, 32, p->service, strlen(p->service), k3);
	hmac(k3, 32, "aws4_request", 12, k4);
	hmac(k4, 32, sts, strlen(sts), sig);
	hex(sig, 32, out);
	OPENSSL_cleanse(key, slen + 4);
	OPENSSL_cleanse(k1, 32);
	OPENSSL_cleanse(k2, 32);
	OPENSSL_cleanse(k3, 32);
	OPENSSL_cleanse(k4, 32);
	free(key);
}

/* Computes the signature of req as it stands; fills signed_list. */
static void compute(const cairn_awsreq *req, const cairn_sigv4_params *p, const char *amzdate,
                    const char *payload_hash, cairn_buf *signed_list, char sig[65],
                    cairn_sigv4_trace *trace)
{
	cairn_buf can = CAIRN_BUF_INIT, hdrs = CAIRN_BUF_INIT, sts = CAIRN_BUF_INIT;
	char hash[65], date8[9];

	memcpy(date8, amzdate, 8);
	date8[8] = '\0';
	cairn_buf_printf(&can, "%s\n", req->method ? req->method : "GET");
	canonical_uri(&can, req, p->s3);
	cairn_buf_putc(&can, '\n');
	canonical_query(&can, &req->query);
	cairn_buf_putc(&can, '\n');
	canonical_headers(&hdrs, signed_list, req);
	cairn_buf_printf(&can, "%s\n%s\n%s", cairn_buf_cstr(&hdrs), cairn_buf_cstr(signed_list),
	                 payload_hash);
	cairn_sigv4_sha256_hex(can.ptr, can.len, hash);
	cairn_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, date8,
	                 p->region, p->service, hash);
	sign_string(p, date8, cairn_buf_cstr(&sts), sig);
	if (trace) {
		cairn_buf_clear(&trace->canonical_request);
		cairn_buf_clear(&trace->string_to_sign);
		cairn_buf_put(&trace->canonical_request, can.ptr, can.len);
		cairn_buf_put(&trace->string_to_sign, sts.ptr, sts.len);
		memcpy(trace->signature, sig, 65);
	}
	cairn_buf_dispose(&can);
	cairn_buf_dispose(&hdrs);
	cairn_buf_dispose(&sts);
}

static const char *payload_hash(const cairn_awsreq *req, const cairn_sigv4_params *p, char buf[65])
{
	if (p->payload_hash)
		return p->payload_hash;
	cairn_sigv4_sha256_hex(req->body.ptr ? req->body.ptr : "", req->body.len, buf);
	return buf;
}

void cairn_sigv4_sign(cairn_awsreq *req, const cairn_sigv4_params *p, cairn_sigv4_trace *trace)
{
	char amzdate[17], hbuf[65], sig[65];
	const char *ph = payload_hash(req, p, hbuf);
	cairn_buf signed_list = CAIRN_BUF_INIT, auth = CAIRN_BUF_INIT;

	cairn_sigv4_amz_date(p->when, amzdate);
	cairn_kvlist_remove(&req->headers, "Authorization", 1);
	cairn_kvlist_remove(&req->headers, "X-Amz-Security-Token", 1);
	cairn_awsreq_set_header(req, "X-Amz-Date", amzdate);
	if (p->content_sha256_header)
		cairn_awsreq_set_header(req, "X-Amz-Content-Sha256", ph);
	if (p->session_token && *p->session_token && !p->token_unsigned)
		cairn_awsreq_set_header(req, "X-Amz-Security-Token", p->session_token);
	compute(req, p, amzdate, ph, &signed_list, sig, trace);
	cairn_buf_printf(&auth,
	                 "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
	                 "SignedHeaders=%s, Signature=%s",
	                 p->access_key_id, amzdate, p->region, p->service,
	                 cairn_buf_cstr(&signed_list), sig);
	cairn_awsreq_set_header(req, "Authorization", cairn_buf_cstr(&auth));
	if (p->session_token && *p->session_token && p->token_unsigned)
		cairn_awsreq_set_header(req, "X-Amz-Security-Token", p->session_token);
	cairn_buf_dispose(&signed_list);
	cairn_buf_dispose(&auth);
}

void cairn_sigv4_presign(cairn_awsreq *req, const cairn_sigv4_params *p, cairn_sigv4_trace *trace)
{
	char amzdate[17], hbuf[65], sig[65], expires[32];
	const char *ph = payload_hash(req, p, hbuf);
	cairn_buf signed_list = CAIRN_BUF_INIT, cred = CAIRN_BUF_INIT, probe = CAIRN_BUF_INIT;

	cairn_sigv4_amz_date(p->when, amzdate);
	snprintf(expires, sizeof(expires), "%ld", p->expires > 0 ? p->expires : 3600L);
	cairn_buf_printf(&cred, "%s/%.8s/%s/%s/aws4_request", p->access_key_id, amzdate, p->region,
	                 p->service);
	/* The signed-header list is needed inside the query before signing:
	 * compute it from the headers first. */
	{
		cairn_buf blk = CAIRN_BUF_INIT;
		canonical_headers(&blk, &probe, req);
		cairn_buf_dispose(&blk);
	}
	cairn_kvlist_remove(&req->query, "X-Amz-Signature", 0);
	cairn_kvlist_add(&req->query, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
	cairn_kvlist_add(&req->query, "X-Amz-Credential", cairn_buf_cstr(&cred));
	cairn_kvlist_add(&req->query, "X-Amz-Date", amzdate);
	cairn_kvlist_add(&req->query, "X-Amz-Expires", expires);
	cairn_kvlist_add(&req->query, "X-Amz-SignedHeaders", cairn_buf_cstr(&probe));
	if (p->session_token && *p->session_token && !p->token_unsigned)
		cairn_kvlist_add(&req->query, "X-Amz-Security-Token", p->session_token);
	compute(req, p, amzdate, ph, &signed_list, sig, trace);
	cairn_kvlist_add(&req->query, "X-Amz-Signature", sig);
	if (p->session_token && *p->session_token && p->token_unsigned)
		cairn_kvlist_add(&req->query, "X-Amz-Security-Token", p->session_token);
	cairn_buf_dispose(&signed_list);
	cairn_buf_dispose(&cred);
	cairn_buf_dispose(&probe);
}

void cairn_sigv4_trace_dispose(cairn_sigv4_trace *t)
{
	if (!t)
		return;
	cairn_buf_dispose(&t->canonical_request);
	cairn_buf_dispose(&t->string_to_sign);
}
