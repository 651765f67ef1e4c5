/*
 * sigv4.h: private to src/aws: AWS Signature Version 4 (the signer) and
 * the other digests the client needs (MD5 for Content-MD5, base64).
 *
 * The signer works on a cairn_awsreq whose scheme, host, path, query,
 * headers and body are final. Header signing adds X-Amz-Date, the
 * session token (X-Amz-Security-Token), optionally X-Amz-Content-Sha256,
 * and Authorization; presigning adds the X-Amz-* query parameters and
 * X-Amz-Signature instead. What is signed: the method; the canonical URI
 * (for every service but S3 the path is normalised, dot segments and
 * repeated slashes removed, and percent-encoded a second time; for S3
 * it is used exactly as sent); the query sorted by encoded name and
 * value; every header of the request except Authorization, User-Agent,
 * Expect, Transfer-Encoding and X-Amzn-Trace-Id, plus host; and the
 * payload hash.
 */
#ifndef CAIRN_AWS_SIGV4_H
#define CAIRN_AWS_SIGV4_H

#include <time.h>

#include "aws/request.h"

#define CAIRN_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

typedef struct cairn_sigv4_params {
	const char *access_key_id;     /* AKID... */
	const char *secret_access_key; /* never copied, never logged */
	const char *session_token;     /* NULL for long-term keys */
	const char *region;            /* the signing region, "us-east-1" */
	const char *service;           /* the signing name, "s3", "sagemaker" */
	time_t when;                   /* signing time (UTC seconds) */
	int s3;                        /* S3 rules: no normalisation, no double encoding */
	int content_sha256_header;     /* add and sign X-Amz-Content-Sha256 (S3 does) */
	int token_unsigned;            /* add the token after signing (not signed) */
	const char *payload_hash;      /* hex SHA-256 or UNSIGNED-PAYLOAD; NULL: hash the body */
	long expires;                  /* presign: X-Amz-Expires in seconds (default 3600) */
} cairn_sigv4_params;

/* What the signer computed, for tests and the cross-check (optional). */
typedef struct cairn_sigv4_trace {
	cairn_buf canonical_request; /* the canonical request text */
	cairn_buf string_to_sign;    /* the string to sign */
	char signature[65];          /* hex signature */
} cairn_sigv4_trace;

/* Signs req with an Authorization header. trace may be NULL. */
void cairn_sigv4_sign(cairn_awsreq *req, const cairn_sigv4_params *p, cairn_sigv4_trace *trace);
/* Presigns req: adds the X-Amz-* query parameters and the signature. */
void cairn_sigv4_presign(cairn_awsreq *req, const cairn_sigv4_params *p, cairn_sigv4_trace *trace);
void cairn_sigv4_trace_dispose(cairn_sigv4_trace *t);

/* "20150830T123600Z" (17 bytes with the NUL). */
void cairn_sigv4_amz_date(time_t when, char out[17]);
/* Hex SHA-256 of data. */
void cairn_sigv4_sha256_hex(const void *data, size_t len, char out[65]);
/* Base64 of the MD5 of data (for Content-MD5; 25 bytes with the NUL). */
void cairn_md5_base64(const void *data, size_t len, char out[25]);
/* Base64 encoding/decoding into b. Decoding returns -1 on bad input. */
void cairn_base64_encode(cairn_buf *b, const void *data, size_t len);
int cairn_base64_decode(cairn_buf *b, const char *s, size_t len);

#endif
