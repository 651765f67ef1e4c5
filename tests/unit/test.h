/*
 * test.h: the unit-test harness: one program per module under tests/unit,
 * each a main() that RUNs its tests. A failed CHECK prints file:line and
 * the expression and marks the test failed; the program exits 1 if any
 * test failed. The last line printed is a one-line summary.
 *
 *   TEST(parses_short_ref) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *   int main(void) { RUN(parses_short_ref); return test_done(); }
 */
#ifndef CAIRN_TEST_H
#define CAIRN_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failed_checks, test_ran, test_failed, test_cur_failed;
static const char *test_cur;

#define TEST(name) static void name(void)

#define RUN(name) do {                                              \
		test_cur = #name;                                   \
		test_cur_failed = 0;                                \
		test_ran++;                                         \
		name();                                             \
		if (test_cur_failed)                                \
			test_failed++;                              \
	} while (0)

#define CHECK(cond) do {                                            \
		if (!(cond)) {                                      \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", \
				__FILE__, __LINE__, test_cur, #cond);   \
			test_failed_checks++;                       \
			test_cur_failed = 1;                        \
		}                                                   \
	} while (0)

#define CHECK_INT(a, b) do {                                        \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ != b_) {                                     \
			fprintf(stderr, "%s:%d: %s: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, test_cur, #a, a_, b_); \
			test_failed_checks++;                       \
			test_cur_failed = 1;                        \
		}                                                   \
	} while (0)

#define CHECK_STR(a, b) do {                                        \
		const char *a_ = (a), *b_ = (b);                    \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {            \
			fprintf(stderr, "%s:%d: %s: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, test_cur, #a,   \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			test_failed_checks++;                       \
			test_cur_failed = 1;                        \
		}                                                   \
	} while (0)

#define CHECK_CONTAINS(hay, needle) do {                            \
		const char *h_ = (hay), *n_ = (needle);             \
		if (!h_ || !strstr(h_, n_)) {                       \
			fprintf(stderr, "%s:%d: %s: \"%s\" does not contain \"%s\"\n", \
				__FILE__, __LINE__, test_cur,       \
				h_ ? h_ : "(null)", n_);            \
			test_failed_checks++;                       \
			test_cur_failed = 1;                        \
		}                                                   \
	} while (0)

static inline int test_done(void)
{
	printf("%d tests, %d failed\n", test_ran, test_failed);
	return test_failed ? 1 : 0;
}

#endif
