/*
 * aws_retry.c: the standard retry mode with an injected random source:
 * which errors retry, the exact backoff bounds, max attempts, Retry-After
 * hints, and the 500-token quota (drained by retries, refilled by
 * successes, never above 500). No test sleeps.
 */
#include "aws/retry.h"
#include "test.h"

static double fixed;
static double rnd(void *ud)
{
	(void)ud;
	return fixed;
}

TEST(classifies_like_the_sdks)
{
	CHECK_INT(cairn_retry_classify(1, 0, "ConnectionError", "kms", 0), CAIRN_RETRY_CONNECTION);
	CHECK_INT(cairn_retry_classify(0, 400, "ThrottlingException", "kms", 0),
	          CAIRN_RETRY_THROTTLE);
	CHECK_INT(cairn_retry_classify(0, 400, "Throttling", "iam", 0), CAIRN_RETRY_THROTTLE);
	CHECK_INT(cairn_retry_classify(0, 503, "RequestLimitExceeded", "ec2", 0),
	          CAIRN_RETRY_THROTTLE);
	CHECK_INT(cairn_retry_classify(0, 503, "SlowDown", "s3", 0), CAIRN_RETRY_THROTTLE);
	CHECK_INT(cairn_retry_classify(0, 429, "TooManyRequestsException", "lambda", 0),
	          CAIRN_RETRY_THROTTLE);
	CHECK_INT(cairn_retry_classify(0, 400, "RequestTimeout", "s3", 0), CAIRN_RETRY_TRANSIENT);
	CHECK_INT(cairn_retry_classify(0, 500, "InternalError", "s3", 0), CAIRN_RETRY_TRANSIENT);
	CHECK_INT(cairn_retry_classify(0, 502, "502", "s3", 0), CAIRN_RETRY_TRANSIENT);
	CHECK_INT(cairn_retry_classify(0, 503, "ServiceUnavailable", "kms", 0),
	          CAIRN_RETRY_TRANSIENT);
	CHECK_INT(cairn_retry_classify(0, 504, "504", "s3", 0), CAIRN_RETRY_TRANSIENT);
	CHECK_INT(cairn_retry_classify(0, 400, "IDPCommunicationError", "sts", 0),
	          CAIRN_RETRY_TRANSIENT);
	CHECK_INT(cairn_retry_classify(0, 400, "IDPCommunicationError", "kms", 0),
	          CAIRN_RETRY_NONE);
	CHECK_INT(cairn_retry_classify(0, 400, "SomethingModeled", "kms", 1),
	          CAIRN_RETRY_TRANSIENT);
	CHECK_INT(cairn_retry_classify(0, 400, "SomethingModeled", "kms", 2), CAIRN_RETRY_THROTTLE);
	CHECK_INT(cairn_retry_classify(0, 403, "AccessDenied", "kms", 0), CAIRN_RETRY_NONE);
	CHECK_INT(cairn_retry_classify(0, 400, "ValidationException", "kms", 0), CAIRN_RETRY_NONE);
	CHECK_INT(cairn_retry_classify(0, 404, "NotFoundException", "kms", 0), CAIRN_RETRY_NONE);
}

TEST(backoff_is_full_jitter_base_1s_doubling_capped_at_20s)
{
	cairn_retry r;
	cairn_retry_init(&r, 10);
	r.rand01 = rnd;
	fixed = 0.5;
	CHECK(cairn_retry_backoff(&r, 1) == 0.5);
	CHECK(cairn_retry_backoff(&r, 2) == 1.0);
	CHECK(cairn_retry_backoff(&r, 3) == 2.0);
	CHECK(cairn_retry_backoff(&r, 5) == 8.0);
	CHECK(cairn_retry_backoff(&r, 6) == 10.0); /* 0.5 * min(32, 20) */
	CHECK(cairn_retry_backoff(&r, 40) == 10.0);
	fixed = 0.999;
	CHECK(cairn_retry_backoff(&r, 1) < 1.0);
	CHECK(cairn_retry_backoff(&r, 30) <= 20.0);
	fixed = 0.0;
	CHECK(cairn_retry_backoff(&r, 3) == 0.0);
}

TEST(max_attempts_counts_the_first)
{
	cairn_retry r;
	double d;
	int cost;
	const char *why;
	cairn_retry_init(&r, 3);
	r.rand01 = rnd;
	fixed = 0.1;
	CHECK(cairn_retry_decide(&r, 1, CAIRN_RETRY_TRANSIENT, -1, &d, &cost, &why) == 1);
	CHECK(cairn_retry_decide(&r, 2, CAIRN_RETRY_TRANSIENT, -1, &d, &cost, &why) == 1);
	CHECK(cairn_retry_decide(&r, 3, CAIRN_RETRY_TRANSIENT, -1, &d, &cost, &why) == 0);
	CHECK_STR(why, "max attempts reached");
	CHECK(cairn_retry_decide(&r, 1, CAIRN_RETRY_NONE, -1, &d, &cost, &why) == 0);
	CHECK_STR(why, "not retryable");
	cairn_retry_init(&r, 0);
	CHECK_INT(r.max_attempts, 3);
}

TEST(retry_after_hints)
{
	cairn_retry r;
	double d;
	int cost;
	const char *why;
	cairn_retry_init(&r, 5);
	r.rand01 = rnd;
	fixed = 0.5; /* computed delay 0.5 s at attempt 1 */
	CHECK(cairn_retry_decide(&r, 1, CAIRN_RETRY_THROTTLE, 2.0, &d, &cost, &why) == 1);
	CHECK(d == 2.0);
	CHECK(cairn_retry_decide(&r, 1, CAIRN_RETRY_THROTTLE, 60.0, &d, &cost, &why) == 1);
	CHECK(d == 5.5); /* at most 5 s more than computed */
	CHECK(cairn_retry_decide(&r, 1, CAIRN_RETRY_THROTTLE, 0.1, &d, &cost, &why) == 1);
	CHECK(d == 0.5); /* never less than computed */
}

TEST(quota_drains_and_refills)
{
	cairn_retry r;
	double d;
	int cost, i, granted = 0;
	const char *why = NULL;
	cairn_retry_init(&r, 1000);
	r.rand01 = rnd;
	fixed = 0.0;
	CHECK_INT(r.capacity, 500);
	for (i = 0; i < 200; i++)
		if (cairn_retry_decide(&r, 1, CAIRN_RETRY_THROTTLE, -1, &d, &cost, &why))
			granted++;
	CHECK_INT(granted, 100); /* 500 / 5 */
	CHECK_INT(r.capacity, 0);
	CHECK_STR(why, "retry quota exhausted");
	/* a success after a retry gives back what that retry took */
	cairn_retry_success(&r, 5);
	CHECK_INT(r.capacity, 5);
	/* a timeout costs 10: not affordable with 5 left */
	CHECK(cairn_retry_decide(&r, 1, CAIRN_RETRY_CONNECTION, -1, &d, &cost, &why) == 0);
	CHECK(cairn_retry_decide(&r, 1, CAIRN_RETRY_TRANSIENT, -1, &d, &cost, &why) == 1);
	CHECK_INT(cost, 5);
	CHECK_INT(r.capacity, 0);
	/* a success without retries gives back 1; never above 500 */
	cairn_retry_success(&r, 0);
	CHECK_INT(r.capacity, 1);
	for (i = 0; i < 1000; i++)
		cairn_retry_success(&r, 0);
	CHECK_INT(r.capacity, 500);
	/* connection errors: 50 retries drain it */
	granted = 0;
	for (i = 0; i < 100; i++)
		if (cairn_retry_decide(&r, 1, CAIRN_RETRY_CONNECTION, -1, &d, &cost, &why))
			granted++;
	CHECK_INT(granted, 50);
}

int main(void)
{
	RUN(classifies_like_the_sdks);
	RUN(backoff_is_full_jitter_base_1s_doubling_capped_at_20s);
	RUN(max_attempts_counts_the_first);
	RUN(retry_after_hints);
	RUN(quota_drains_and_refills);
	return test_done();
}
