/*
 * retry.h: private to src/aws: the AWS SDKs' "standard" retry mode.
 *
 *  - An attempt is retried when its error is transient (HTTP 500, 502,
 *    503, 504; RequestTimeout, RequestTimeoutException,
 *    PriorRequestNotComplete; a connection that failed, broke or timed
 *    out), a throttle (Throttling, ThrottlingException, ThrottledException,
 *    RequestThrottledException, TooManyRequestsException,
 *    ProvisionedThroughputExceededException, TransactionInProgressException,
 *    RequestLimitExceeded, BandwidthLimitExceeded, LimitExceededException,
 *    RequestThrottled, SlowDown, PriorRequestNotComplete,
 *    EC2ThrottledException), an error the model marks retryable, or STS's
 *    IDPCommunicationError; and only while attempts < max_attempts.
 *  - Each retry takes tokens from a bucket of 500 shared by the client: 5
 *    per retry, 10 when the failure was a timeout or connection error.
 *    An empty bucket stops retries. A success gives back the tokens its
 *    last retry took, or 1 if it needed no retry.
 *  - The delay before attempt n+1 is rand(0,1) * min(2^(n-1), 20)
 *    seconds (base 1 s, doubling, capped at 20 s: "full jitter"). A
 *    Retry-After (seconds) or x-amz-retry-after (milliseconds) header
 *    raises it to at most that hint and at most 5 s more than the
 *    computed delay.
 *
 * The random source is injectable so tests need no sleeping.
 */
#ifndef CAIRN_AWS_RETRY_H
#define CAIRN_AWS_RETRY_H

#define CAIRN_RETRY_CAPACITY     500
#define CAIRN_RETRY_COST         5
#define CAIRN_RETRY_TIMEOUT_COST 10
#define CAIRN_RETRY_MAX_BACKOFF  20.0

typedef enum cairn_retry_kind {
	CAIRN_RETRY_NONE = 0,  /* not retryable */
	CAIRN_RETRY_TRANSIENT, /* server-side transient error */
	CAIRN_RETRY_THROTTLE,  /* throttled */
	CAIRN_RETRY_CONNECTION /* timeout or connection failure (costs more) */
} cairn_retry_kind;

typedef struct cairn_retry {
	int max_attempts;           /* attempts per call, first included */
	int capacity;               /* tokens left in the bucket */
	double (*rand01)(void *ud); /* uniform in [0,1); NULL: the OS random source */
	void *rand_ud;              /* its argument */
} cairn_retry;

void cairn_retry_init(cairn_retry *r, int max_attempts);

/* Classifies a failed attempt. transport is 1 for a connection error or
 * timeout (no response), status/code describe a response otherwise;
 * modeled is 1 when the code is a retryable error shape of the operation
 * (2 when that shape is a throttle). */
cairn_retry_kind cairn_retry_classify(int transport, long status, const char *code,
                                      const char *service, int modeled);

/* Decides whether attempt (1-based) is retried. Returns 1 and sets
 * *delay (seconds) and *cost (tokens taken) to retry, 0 not to, with
 * *why saying why not ("not retryable", "max attempts", "retry quota
 * exhausted"). retry_after is the server's hint in seconds, or < 0. */
int cairn_retry_decide(cairn_retry *r, int attempt, cairn_retry_kind kind, double retry_after,
                       double *delay, int *cost, const char **why);

/* A call succeeded; last_cost is what its last retry took (0: none). */
void cairn_retry_success(cairn_retry *r, int last_cost);

/* The delay before the retry after attempt (1-based), without hints. */
double cairn_retry_backoff(cairn_retry *r, int attempt);

#endif
