/*
 * http.h: private to src/aws: HTTP transfers over libcurl, many at once
 * on one multi handle (the scheduler's transport), plus a blocking
 * variant for the credential providers.
 *
 * cairn_http_start() queues a transfer and returns; cairn_http_poll()
 * drives every transfer for up to a timeout and then calls the done
 * function of each finished one. Done functions run after libcurl has
 * returned, never from inside a libcurl callback, and may start new
 * transfers. Connections (and TLS sessions and DNS answers) are reused
 * across transfers to the same host.
 *
 * Policy enforced here for every transfer: https with certificate and
 * host verification, or plain http only to a loopback host (and, for the
 * credential providers, the link-local instance and container metadata
 * addresses); no redirects; only the http and https protocols.
 */
#ifndef CAIRN_AWS_HTTP_H
#define CAIRN_AWS_HTTP_H

#include "aws/request.h"

typedef enum cairn_http_err {
	CAIRN_HTTP_OK = 0,   /* a response arrived (any status) */
	CAIRN_HTTP_ECONNECT, /* could not resolve or connect */
	CAIRN_HTTP_ETIMEOUT, /* the attempt's time ran out */
	CAIRN_HTTP_EIO,      /* the connection broke or closed without a response */
	CAIRN_HTTP_ETLS,     /* TLS handshake or certificate verification failed */
	CAIRN_HTTP_EOTHER    /* anything else (too large, bad URL, ...) */
} cairn_http_err;

typedef struct cairn_http_resp {
	cairn_http_err error; /* CAIRN_HTTP_OK when status/headers/body are valid */
	char *error_text;     /* libcurl's description of the failure, or NULL */
	long status;          /* HTTP status */
	cairn_kvlist headers; /* response headers of the final response */
	cairn_buf body;       /* response body */
	double elapsed;       /* seconds from start to finish */
} cairn_http_resp;

typedef struct cairn_http cairn_http;

/* Called when a transfer finishes; resp is owned by the callee, who must
 * cairn_http_resp_dispose() it. */
typedef void (*cairn_http_done_fn)(void *ud, cairn_http_resp *resp);

int cairn_http_new(cairn_http **out);
/* Frees h; transfers still in flight are dropped without their done
 * functions being called. */
void cairn_http_free(cairn_http *h);

/* Starts sending req (which must stay valid, unchanged, until done is
 * called). timeout is the whole attempt's limit in seconds. Returns 0,
 * or CAIRN_EINVALID when the URL breaks the policy above (done is then
 * not called). */
int cairn_http_start(cairn_http *h, const cairn_awsreq *req, double timeout,
                     cairn_http_done_fn done, void *ud);
/* Drives transfers for up to timeout_ms (0: only what is ready), then
 * runs the done functions of finished ones. Returns transfers in flight. */
int cairn_http_poll(cairn_http *h, int timeout_ms);
int cairn_http_inflight(const cairn_http *h);

/* Uses the CA certificates in the file at path (PEM) instead of the
 * system's store for every later transfer of h; NULL restores the
 * default. The path is copied. */
void cairn_http_set_ca_bundle(cairn_http *h, const char *path);

/* Blocking: sends req and fills resp (always; check resp->error).
 * allow_link_local also permits plain http to 169.254.169.254,
 * 169.254.170.2, 169.254.170.23 and fd00:ec2::23 (metadata services).
 * ca_bundle as above (NULL: the system's store). */
void cairn_http_perform(const cairn_awsreq *req, double timeout, int allow_link_local,
                        const char *ca_bundle, cairn_http_resp *resp);

void cairn_http_resp_dispose(cairn_http_resp *r);

/* "connection refused" etc. for an error kind. */
const char *cairn_http_err_name(cairn_http_err e);

#endif
