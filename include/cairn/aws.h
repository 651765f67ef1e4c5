/*
 * aws.h: the AWS client: every call cairn makes to AWS goes through here.
 *
 * A cairn_aws holds the resolved configuration (region, credentials
 * chain, endpoints, retry settings) and one curl multi handle. Calls are
 * asynchronous: cairn_aws_submit() queues an operation and returns at
 * once; cairn_aws_poll() drives the transfers (signing, sending,
 * decoding, retrying with the SDKs' standard mode) and calls each
 * operation's completion function when it is finished for good. Hundreds
 * of operations can be in flight in one thread.
 *
 * Operations are named as in the AWS API and botocore ("s3",
 * "PutBucketVersioning"); parameters and results are jansson objects in
 * the shape of the service model, exactly as boto3 takes and returns them
 * (timestamps as RFC 3339 strings, blobs as base64 strings except
 * streaming payloads, which are plain strings).
 *
 * Completion functions run from inside cairn_aws_poll(), never from inside
 * a libcurl callback; they may submit new operations.
 *
 * The Lua side (the provider runtime) is in runner.h: Lua coroutines that
 * call aws.<service>.<Operation>{...} are scheduled over this client.
 */
#ifndef CAIRN_AWS_H
#define CAIRN_AWS_H

#include <jansson.h>

#include "cairn/common.h"

typedef struct cairn_aws cairn_aws;

typedef struct cairn_aws_options {
	const char *region;      /* --region, or NULL: AWS_REGION, AWS_DEFAULT_REGION, profile */
	const char *profile;     /* --profile, or NULL: AWS_PROFILE, then "default" */
	int max_attempts;        /* 0: AWS_MAX_ATTEMPTS, profile max_attempts, else 3 */
	double timeout;          /* seconds per attempt; 0: CAIRN_AWS_TIMEOUT, else 60 */
	int require_credentials; /* 0: credentials are looked up lazily at the first call */
} cairn_aws_options;

/* An AWS error as the user sees it. Every string is owned by the struct;
 * any may be NULL except operation and service. */
typedef struct cairn_aws_error {
	char *service;     /* "s3" */
	char *operation;   /* "PutBucketVersioning" */
	char *code;        /* "AccessDenied", "ThrottlingException", or a cairn code for
			    * transport failures: "ConnectionError", "Timeout" */
	char *message;     /* the service's message, or what went wrong on the wire */
	char *request_id;  /* x-amzn-RequestId / x-amz-request-id */
	char *endpoint;    /* the URL's scheme://host:port, for connection errors */
	long status;       /* HTTP status, 0 when no response */
	int attempts;      /* how many attempts were made */
} cairn_aws_error;

void cairn_aws_error_free(cairn_aws_error *err);
/* "PutBucketVersioning (s3): AccessDenied: Access Denied [HTTP 403, request 1234]"
 * into a new allocation. Never contains credentials. */
char *cairn_aws_error_format(const cairn_aws_error *err);

int cairn_aws_new(cairn_aws **out, const cairn_aws_options *opts);
void cairn_aws_free(cairn_aws *aws);

/* The resolved region ("us-east-1"), partition ("aws", "aws-cn",
 * "aws-us-gov") and URL suffix ("amazonaws.com"). Borrowed. */
const char *cairn_aws_region(const cairn_aws *aws);
const char *cairn_aws_partition(const cairn_aws *aws);
const char *cairn_aws_url_suffix(const cairn_aws *aws);

/* The profile in use ("default" when none was named). Borrowed. */
const char *cairn_aws_profile(const cairn_aws *aws);

/* Resolves the credentials now (if not yet) and says where they came
 * from: method is the AWS CLI's name of the source ("env",
 * "assume-role", "assume-role-with-web-identity",
 * "shared-credentials-file", "custom-process", "config-file",
 * "container-role", "iam-role"), detail a description without secrets
 * ("profile 'dev' in /home/me/.aws/credentials"). method is static;
 * detail is borrowed and valid only until the next call on aws (a call
 * may refresh the credentials): copy it to keep it. Fails with a
 * message listing every source tried when none has credentials. */
int cairn_aws_credentials_source(cairn_aws *aws, const char **method, const char **detail);

/* How many times credentials were fetched (the first time and each
 * refresh before expiry). For tests and diagnostics. */
int cairn_aws_credential_fetches(const cairn_aws *aws);

/* The caller's account id, from STS GetCallerIdentity (called once, then
 * cached). Borrowed. Blocks (runs its own poll loop). */
int cairn_aws_account_id(cairn_aws *aws, const char **out);

/* Completion: result is the decoded response (a new reference the callee
 * must release) or NULL; err is NULL on success, else owned by the callee
 * (cairn_aws_error_free). */
typedef void (*cairn_aws_done_fn)(void *ud, json_t *result, cairn_aws_error *err);

/* Queues service.operation(params). params is borrowed (copied as
 * needed). Returns 0, or a negative code when the operation is unknown to
 * the compiled-in models or params do not fit its input shape (then done
 * is not called and cairn_error_last() says why). */
int cairn_aws_submit(cairn_aws *aws, const char *service, const char *operation,
		     const json_t *params, cairn_aws_done_fn done, void *ud);

/* Drives transfers for up to timeout_ms (0: do what is ready and
 * return), running completion functions of finished operations. Returns
 * the number of operations still queued, in flight or waiting to retry. */
int cairn_aws_poll(cairn_aws *aws, int timeout_ms);

/* The number of operations queued, in flight or waiting to retry. */
int cairn_aws_pending(const cairn_aws *aws);

/* Drops every pending operation whose completion argument is ud: their
 * completion functions will not be called. For owners that go away
 * while calls are in flight (the runner, when freed with live tasks). */
void cairn_aws_cancel(cairn_aws *aws, void *ud);

/* Synchronous call: submits and polls until it completes. On success *out
 * is a new reference; on failure *err (if err is not NULL) is set and the
 * return is CAIRN_EAWS with cairn_error_last() holding the formatted
 * error. */
int cairn_aws_call(cairn_aws *aws, const char *service, const char *operation,
		   const json_t *params, json_t **out, cairn_aws_error **err);

#endif
