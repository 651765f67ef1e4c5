/*
 * proto.h: private to src/aws: the AWS wire protocols: turning an
 * operation's parameters into an HTTP request, and an HTTP response into
 * a result or an error, guided by the service model's shapes.
 *
 * Five protocols: EC2 and Query (form-encoded requests, XML responses),
 * JSON 1.0/1.1 (POST / with X-Amz-Target), REST-JSON and REST-XML (the
 * URI, query string, headers and payload bound by the model). Parameters
 * and results are jansson values in the shape of the model, as boto3
 * takes and returns them: member names (never wire names), timestamps as
 * RFC 3339 strings (numbers are accepted on input), blobs as base64 text
 * except streaming payloads, lists as arrays even with one element, maps
 * as objects.
 *
 * botocore's customisations that change what callers see are applied too,
 * so results are exactly boto3's: IAM policy documents (shape
 * policyDocumentType) come back URL-decoded and parsed as JSON; S3
 * GetBucketLocation gives null for us-east-1; S3 listings ask for
 * URL-encoded keys (safe for any key in XML) and decode them; the S3
 * CopySource header is URL-encoded; idempotency tokens are generated.
 */
#ifndef CAIRN_AWS_PROTO_H
#define CAIRN_AWS_PROTO_H

#include <jansson.h>

#include "aws/model.h"
#include "aws/request.h"

/* A decoded AWS error. Strings owned; any may be NULL. */
typedef struct cairn_proto_err {
	char *code;       /* "AccessDenied" */
	char *message;    /* the service's message */
	char *request_id; /* from the headers or the body */
} cairn_proto_err;

void cairn_proto_err_dispose(cairn_proto_err *e);

/* Checks params against the operation's input shape: unknown members
 * (with the valid names), missing required members, wrong kinds. The
 * message names the path ("Tags[1].Value: expected a string, got an
 * integer"). Returns 0 or CAIRN_EINVALID. */
int cairn_proto_validate(const cairn_model *m, const json_t *op, const json_t *params);

/* Builds req's method, path, query, headers and body for the operation.
 * params must have been validated. Scheme and host are left to the
 * endpoint resolver. Members marked idempotencyToken that params leave
 * out are filled with a random UUID, as the SDKs do. */
int cairn_proto_build(const cairn_model *m, const char *opname, const json_t *op,
                      const json_t *params, cairn_awsreq *req);

/* Customisations the serializer applied, which decoding must undo
 * (botocore's handlers): S3 listings asked for EncodingType=url on the
 * caller's behalf, so their keys come back URL-encoded. */
#define CAIRN_PROTO_S3_URL_KEYS 1

/* The response as received. */
typedef struct cairn_proto_resp {
	long status;                 /* HTTP status */
	int flags;                   /* the request's CAIRN_PROTO_* flags */
	const cairn_kvlist *headers; /* response headers */
	const char *body;            /* body bytes (NUL-terminated) */
	size_t len;                  /* body length */
} cairn_proto_resp;

enum { CAIRN_PROTO_RESULT = 0, CAIRN_PROTO_ERROR = 1 };

/* Decodes a response. Returns CAIRN_PROTO_RESULT with *out a new object,
 * CAIRN_PROTO_ERROR with err filled in (an AWS error, including an S3
 * 200 whose body is an <Error>), or a negative code when a success
 * response cannot be decoded (cairn_error_last says why). The request id
 * is in err->request_id for errors and in result.ResponseMetadata. */
int cairn_proto_parse(const cairn_model *m, const json_t *op, const cairn_proto_resp *r,
                      json_t **out, cairn_proto_err *err);

/* Timestamps: parses RFC 3339 / ISO 8601 (fractions, offsets), RFC 822
 * dates and epoch seconds (a number or a numeric string) into seconds
 * since the epoch; -1 on failure. */
int cairn_ts_parse(const char *s, double *out);
/* Formats epoch seconds as "2024-01-02T03:04:05Z" (".123Z" when there
 * is a fraction). */
void cairn_ts_iso8601(double t, char out[32]);
/* "Tue, 02 Jan 2024 03:04:05 GMT". */
void cairn_ts_rfc822(double t, char out[32]);

/* The HTTP reason phrase of a status ("Not Found"); "" if unknown. */
const char *cairn_http_reason(long status);

#endif
