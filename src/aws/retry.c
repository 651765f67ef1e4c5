/*
 * retry.c: standard-mode retries with the client-wide token bucket (see
 * retry.h). The numbers are botocore's retries/standard.py and quota.py
 * (the standard mode of botocore 1.43 without AWS_NEW_RETRIES_2026) and
 * the AWS SDKs and Tools Reference Guide, "Retry behavior".
 */
#include <stdint.h>
#include <string.h>

#include "aws/retry.h"
#include "cairn/common.h"

static const char *throttles[] = {"Throttling",
                                  "ThrottlingException",
                                  "ThrottledException",
                                  "RequestThrottledException",
                                  "TooManyRequestsException",
                                  "ProvisionedThroughputExceededException",
                                  "TransactionInProgressException",
                                  "RequestLimitExceeded",
                                  "BandwidthLimitExceeded",
                                  "LimitExceededException",
                                  "RequestThrottled",
                                  "SlowDown",
                                  "PriorRequestNotComplete",
                                  "EC2ThrottledException"};

static const char *transients[] = {"RequestTimeout", "RequestTimeoutException",
                                   "PriorRequestNotComplete"};

static double os_rand(void *ud)
{
	char hex[17];
	uint64_t v = 0;
	int i;
	(void)ud;
	cairn_random_hex(hex, 8);
	for (i = 0; i < 16; i++)
		v = v * 16 + (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return (double)(v >> 11) / 9007199254740992.0; /* 53 bits */
}

void cairn_retry_init(cairn_retry *r, int max_attempts)
{
	memset(r, 0, sizeof(*r));
	r->max_attempts = max_attempts > 0 ? max_attempts : 3;
	r->capacity = CAIRN_RETRY_CAPACITY;
}

static int in(const char *code, const char **list, size_t n)
{
	size_t i;
	if (!code)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

cairn_retry_kind cairn_retry_classify(int transport, long status, const char *code,
                                      const char *service, int modeled)
{
	if (transport)
		return CAIRN_RETRY_CONNECTION;
	if (in(code, throttles, CAIRN_ARRAY_SIZE(throttles)) || modeled == 2)
		return CAIRN_RETRY_THROTTLE;
	if (in(code, transients, CAIRN_ARRAY_SIZE(transients)) || modeled == 1)
		return CAIRN_RETRY_TRANSIENT;
	if (status == 500 || status == 502 || status == 503 || status == 504)
		return CAIRN_RETRY_TRANSIENT;
	if (service && code && strcmp(service, "sts") == 0 &&
	    strcmp(code, "IDPCommunicationError") == 0)
		return CAIRN_RETRY_TRANSIENT;
	return CAIRN_RETRY_NONE;
}

double cairn_retry_backoff(cairn_retry *r, int attempt)
{
	double cap = 1.0, u;
	int i;
	for (i = 1; i < attempt && cap < CAIRN_RETRY_MAX_BACKOFF; i++)
		cap *= 2;
	if (cap > CAIRN_RETRY_MAX_BACKOFF)
		cap = CAIRN_RETRY_MAX_BACKOFF;
	u = r->rand01 ? r->rand01(r->rand_ud) : os_rand(NULL);
	return u * cap;
}

int cairn_retry_decide(cairn_retry *r, int attempt, cairn_retry_kind kind, double retry_after,
                       double *delay, int *cost, const char **why)
{
	int c;
	*delay = 0;
	*cost = 0;
	if (kind == CAIRN_RETRY_NONE) {
		*why = "not retryable";
		return 0;
	}
	if (attempt >= r->max_attempts) {
		*why = "max attempts reached";
		return 0;
	}
	c = kind == CAIRN_RETRY_CONNECTION ? CAIRN_RETRY_TIMEOUT_COST : CAIRN_RETRY_COST;
	if (c > r->capacity) {
		*why = "retry quota exhausted";
		return 0;
	}
	r->capacity -= c;
	*cost = c;
	*delay = cairn_retry_backoff(r, attempt);
	if (retry_after >= 0) {
		double hi = *delay + 5.0;
		double want = retry_after < hi ? retry_after : hi;
		if (want > *delay)
			*delay = want;
	}
	*why = NULL;
	return 1;
}

void cairn_retry_success(cairn_retry *r, int last_cost)
{
	int give = last_cost > 0 ? last_cost : 1;
	r->capacity += give;
	if (r->capacity > CAIRN_RETRY_CAPACITY)
		r->capacity = CAIRN_RETRY_CAPACITY;
}
