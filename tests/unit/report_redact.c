/*
 * Unit tests for src/report/redact.c: what is redacted (registered
 * literals, PEM private keys, AWS access key ids, secret access keys,
 * session tokens), what must survive (hashes, ARNs, ids, ordinary words),
 * JSON values and keys, and every rendered format of a report with secrets
 * planted in every field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/report.h"
#include "test.h"

#define SECRET_KEY "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SECRET_KEY2 "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
#define ACCESS_KEY "AKIAIOSFODNN7EXAMPLE"
#define TEMP_KEY "ASIAY34FZKBOKMUTVV7A"
#define MOTO_TOKEN                                                                             \
	"FQoGZXIvYXdzEBYaDHqa0AP1/FoO9Zhq5CKsAc6vR8xjiq1a9FbM6/5bRSfWd1Gp8aXuCH8Gsw9Dh1UGE/u3ZpW" \
	"Hs9oFYMsk2f6Oyb2yUc0JzVNqOovQIVnJpmdv1mJIw2fAERmXgkC4wtGvzSQwDbYnXmPVTqrTBV5mdBQyS7RA"
#define STS_TOKEN                                                                              \
	"IQoJb3JpZ2luX2VjEHcaCXVzLWVhc3QtMSJHMEUCIQD4j7YhRmZb1sJk8u5q2mB0oQ9xwXZp4hW3FvGk0nH9PAIg" \
	"bM7jM1e5Q2p7uKc9h0W5pY3zQ7r8s2t6v4x1y0z9AbcqmQIIr///////////ARAAGgw0NTY3ODkwMTIzNDUiDA=="
#define PEM                                                                                    \
	"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"     \
	"-----END PRIVATE KEY-----"

static char *red(const cairn_redactor *r, const char *s)
{
	return cairn_redact_string(r, s);
}

TEST(aws_credentials_are_redacted)
{
	static const char *const cases[][2] = {
		{"key=" SECRET_KEY, "key=(redacted)"},
		{"\"" SECRET_KEY2 "\"", "\"(redacted)\""},
		{SECRET_KEY, "(redacted)"},
		{"id " ACCESS_KEY ".", "id (redacted)."},
		{"temporary " TEMP_KEY, "temporary (redacted)"},
		{"token: " MOTO_TOKEN " end", "token: (redacted) end"},
		{"token=" STS_TOKEN, "token=(redacted)"},
		{"arn:aws:iam::123456789012:user/x/" ACCESS_KEY, "arn:aws:iam::123456789012:user/x/(redacted)"},
	};
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(cases); i++) {
		char *s = red(NULL, cases[i][0]);
		CHECK_STR(s, cases[i][1]);
		free(s);
	}
}

TEST(private_keys_are_redacted_whole)
{
	char *s = red(NULL, "before\n" PEM "\nafter");
	CHECK_STR(s, "before\n(redacted)\nafter");
	free(s);
	/* A key cut short is redacted to the end. */
	s = red(NULL, "x -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB");
	CHECK_STR(s, "x (redacted)");
	free(s);
	/* JSON-escaped, as it would sit in a .json file. */
	s = red(NULL, "{\"k\": \"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn\\n-----END OPENSSH "
		      "PRIVATE KEY-----\\n\"}");
	CHECK_STR(s, "{\"k\": \"(redacted)\\n\"}");
	free(s);
	/* A public key or a certificate is not a secret. */
	s = red(NULL, "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----");
	CHECK_STR(s, "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----");
	free(s);
}

TEST(ordinary_values_survive)
{
	static const char *const keep[] = {
		"36e7b71129f6a87168cc6d3d1057e93dbe90f47c386cf165a5bc2566d53c8262", /* sha256 */
		"da39a3ee5e6b4b0d3255bfef95601890afd80709",                         /* sha1 */
		"arn:aws:iam::123456789012:role/DataScienceSageMakerExecutionRole01",
		"role/DataScienceSageMakerExecutionRole01",
		"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"AROAEXAMPLEROLEID12345", /* a role id: 22 chars, not a key id */
		"AKIAIOSFODNN7EXAMPLEX",  /* 21 chars: not a key id */
		"vpc-0a1b2c3d4e5f67890",
		"s3-ingestion-raw-4f2a",
		"Ensure CloudTrail is enabled in all regions",
		"stacks/model-registry.yaml",
		"https://sqs.us-east-1.amazonaws.com/123456789012/q10",
		"",
	};
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(keep); i++) {
		char *s = red(NULL, keep[i]);
		CHECK_STR(s, keep[i]);
		free(s);
	}
}

TEST(registered_literals)
{
	cairn_redactor *r = cairn_redactor_new();
	char *s;
	cairn_redactor_add(r, "hunter2-long");
	cairn_redactor_add(r, "hunter2-long-and-longer");
	cairn_redactor_add(r, "pw1");
	cairn_redactor_add(r, "");
	cairn_redactor_add(r, NULL);
	s = red(r, "a hunter2-long-and-longer b hunter2-long c");
	CHECK_STR(s, "a (redacted) b (redacted) c");
	free(s);
	/* Short literals only where they are the whole value. */
	s = red(r, "pw1");
	CHECK_STR(s, "(redacted)");
	free(s);
	s = red(r, "rpw1x");
	CHECK_STR(s, "rpw1x");
	free(s);
	{
		cairn_buf b = CAIRN_BUF_INIT;
		cairn_buf_puts(&b, "x hunter2-long y " SECRET_KEY);
		CHECK_INT(cairn_redact_buf(r, &b), 2);
		CHECK_STR(b.ptr, "x (redacted) y (redacted)");
		cairn_buf_dispose(&b);
	}
	cairn_redactor_free(r);
}

TEST(json_values_keys_and_numbers)
{
	cairn_redactor *r = cairn_redactor_new();
	json_t *in, *out;
	char *s;
	cairn_redactor_add(r, "s3cr3t-value");
	cairn_redactor_add(r, "271828");
	cairn_redactor_add(r, "pw1");
	in = json_pack("{s:s, s:[s, i, i, b, n], s:{s:s}}", "a", "x s3cr3t-value y", "list",
		       SECRET_KEY, 271828, 42, 1, "s3cr3t-value", "short", "pw1");
	out = cairn_redact_json(r, in);
	s = json_dumps(out, JSON_COMPACT);
	CHECK_STR(s, "{\"a\":\"x (redacted) y\",\"list\":[\"(redacted)\",\"(redacted)\",42,true,"
		     "null],\"(redacted)\":{\"short\":\"(redacted)\"}}");
	free(s);
	json_decref(in);
	json_decref(out);
	cairn_redactor_free(r);
}

/* Every string field of a report carries a planted secret. */
static cairn_report *planted(void)
{
	cairn_report *r;
	cairn_report_control *c;
	cairn_report_finding *f;
	cairn_report_drift *d;
	json_t *v = json_pack("{s:s, s:s, s:s}", "Password", "DbPass-0987654321", "Key", PEM,
			      "DbPass-0987654321", "as a key");
	json_t *e = json_string("Token " MOTO_TOKEN);

	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "planted");
	cairn_report_set_template(r, "stacks/planted.yaml",
				  "6666666666666666666666666666666666666666666666666666666666666666");
	cairn_report_set_state(r, 1, "lineage-DbPass-0987654321");
	cairn_report_add_secret(r, "DbPass-0987654321");
	c = cairn_report_add_control(r, "SEC-1", "title DbPass-0987654321", CAIRN_REPORT_SEV_HIGH,
				     "remediation " SECRET_KEY);
	cairn_report_control_framework(c, "nist-800-53-r5", "IA-5 " ACCESS_KEY);
	f = cairn_report_control_finding(c, CAIRN_REPORT_FAILED, "Fn", "AWS::Lambda::Function",
					 "message " STS_TOKEN);
	cairn_report_finding_values(f, "Environment " ACCESS_KEY, e, v);
	cairn_report_finding_physical_id(f, "fn-DbPass-0987654321");
	cairn_report_finding_locate(f, "stacks/planted.yaml", 3, 4);
	f = cairn_report_control_finding(c, CAIRN_REPORT_WAIVED, "Other", NULL, "waived");
	cairn_report_add_waiver(r, "SEC-1", "Other", "reason " SECRET_KEY2,
				"approver DbPass-0987654321", "2099-01-01", 0);
	d = cairn_report_add_drift(r, "Fn", "AWS::Lambda::Function", "pid " TEMP_KEY,
				   CAIRN_DRIFT_MODIFIED);
	cairn_report_drift_diff(d, "Environment", e, v);
	d = cairn_report_add_drift(r, "Gone", "AWS::S3::Bucket", NULL, CAIRN_DRIFT_NOT_CHECKED);
	cairn_report_drift_reason(d, "reason " PEM);
	json_decref(v);
	json_decref(e);
	return r;
}

TEST(no_format_of_a_report_leaks)
{
	static const char *const secrets[] = {"DbPass-0987654321", SECRET_KEY, SECRET_KEY2,
					      ACCESS_KEY, TEMP_KEY, MOTO_TOKEN, STS_TOKEN,
					      "BEGIN PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
					      "EXAMPLEKEY", "FQoGZXIvYXdz", "IQoJb3JpZ2lu"};
	static const cairn_report_format fmts[] = {CAIRN_REPORT_TEXT, CAIRN_REPORT_JSON,
						   CAIRN_REPORT_MARKDOWN};
	cairn_report *r = planted();
	size_t i, j;
	for (i = 0; i < CAIRN_ARRAY_SIZE(fmts) + 1; i++) {
		cairn_buf b = CAIRN_BUF_INIT;
		int rc = i < CAIRN_ARRAY_SIZE(fmts)
				 ? cairn_report_render(r, fmts[i], CAIRN_REPORT_ALL, &b)
				 : cairn_report_message(r, &b);
		CHECK_INT(rc, 0);
		for (j = 0; j < CAIRN_ARRAY_SIZE(secrets); j++) {
			if (strstr(cairn_buf_cstr(&b), secrets[j])) {
				fprintf(stderr, "format %zu leaks %s\n", i, secrets[j]);
				CHECK(0);
			}
		}
		if (i < CAIRN_ARRAY_SIZE(fmts))
			CHECK_CONTAINS(cairn_buf_cstr(&b), "(redacted)");
		cairn_buf_dispose(&b);
	}
	/* The JSON form too, and the model keeps working: the waived
	 * finding still meets its waiver. */
	{
		json_t *doc;
		char *s;
		CHECK_INT(cairn_report_to_json(r, &doc), 0);
		s = json_dumps(doc, 0);
		for (j = 0; j < CAIRN_ARRAY_SIZE(secrets); j++)
			CHECK(strstr(s, secrets[j]) == NULL);
		CHECK_CONTAINS(s, "\"status\": \"applied\"");
		free(s);
		json_decref(doc);
	}
	/* The model itself is not changed by rendering. */
	CHECK_STR(cairn_report_control_at(r, 0)->title, "title DbPass-0987654321");
	cairn_report_free(r);
}


/* A NoEcho value that is all digits or hex can occur inside cairn's own
 * hashes, serials and line numbers: those stay; the values go. */
TEST(hex_and_numeric_secrets_leave_cairns_own_numbers_alone)
{
	static const char *const sha =
		"36e7b71129f6a87168cc6d3d1057e93dbe90f47c386cf165a5bc2566d53c8262";
	cairn_report *r;
	cairn_report_control *c;
	cairn_report_finding *f;
	cairn_buf j = CAIRN_BUF_INIT, md = CAIRN_BUF_INIT, msg = CAIRN_BUF_INIT;
	json_t *doc, *e = json_integer(1234), *a = json_string("key 6a87168c here");
	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "pins");
	cairn_report_set_template(r, "stacks/pins.yaml", sha);
	cairn_report_set_state(r, 1234, NULL);
	cairn_report_add_secret(r, "1234");
	cairn_report_add_secret(r, "6a87168c");
	c = cairn_report_add_control(r, "C-1", "pin check", CAIRN_REPORT_SEV_LOW, NULL);
	f = cairn_report_control_finding(c, CAIRN_REPORT_FAILED, "Db", "AWS::RDS::DBInstance",
					 "pin 1234 is set");
	cairn_report_finding_locate(f, "stacks/pins.yaml", 1234, 12);
	cairn_report_finding_values(f, "Pin", e, a);
	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_JSON, 0, &j), 0);
	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_MARKDOWN, 0, &md), 0);
	CHECK_INT(cairn_report_message(r, &msg), 0);
	doc = json_loads(cairn_buf_cstr(&j), 0, NULL);
	CHECK(doc != NULL);
	CHECK_CONTAINS(j.ptr, sha);
	CHECK_CONTAINS(j.ptr, "\"serial\": 1234");
	CHECK_CONTAINS(j.ptr, "\"line\": 1234,");
	CHECK_CONTAINS(j.ptr, "\"message\": \"pin (redacted) is set\"");
	CHECK_CONTAINS(j.ptr, "\"expected\": \"(redacted)\"");
	CHECK_CONTAINS(j.ptr, "\"actual\": \"key (redacted) here\"");
	CHECK_CONTAINS(md.ptr, sha);
	CHECK_CONTAINS(md.ptr, "`stacks/pins.yaml:1234`");
	CHECK(strstr(md.ptr, "pin 1234") == NULL);
	CHECK_CONTAINS(msg.ptr, "Cairn-Template-SHA256: " );
	CHECK_CONTAINS(msg.ptr, sha);
	CHECK_CONTAINS(msg.ptr, "Cairn-State-Serial: 1234\n");
	json_decref(doc);
	json_decref(e);
	json_decref(a);
	cairn_buf_dispose(&j);
	cairn_buf_dispose(&md);
	cairn_buf_dispose(&msg);
	cairn_report_free(r);
}

/* Escapes in rendered text are separators: an escape letter never makes
 * a run long enough to look like a secret, and JSON stays valid. */
TEST(escapes_are_separators)
{
	cairn_buf b = CAIRN_BUF_INIT;
	/* 79 base64 characters after a JSON "\n": not a token. */
	const char *run79 = "Ab3dEf5hIj7lMn9pQr1tUv3xYz5bCd7fGh9jKl1nOp3rSt5vWx7z"
			    "Ab9dEf1hIj3lMn5pQr7tUv9xYz1";
	CHECK_INT(strlen(run79), 79);
	cairn_buf_printf(&b, "\"x\\n%s\"", run79);
	CHECK_INT(cairn_redact_buf(NULL, &b), 0);
	cairn_buf_clear(&b);
	cairn_buf_puts(&b, "\"x\\nAKIAIOSFODNN7EXAMPLE\\u00e9\"");
	CHECK_INT(cairn_redact_buf(NULL, &b), 1);
	CHECK_STR(b.ptr, "\"x\\n(redacted)\\u00e9\"");
	cairn_buf_dispose(&b);
}

int main(void)
{
	RUN(aws_credentials_are_redacted);
	RUN(private_keys_are_redacted_whole);
	RUN(ordinary_values_survive);
	RUN(registered_literals);
	RUN(json_values_keys_and_numbers);
	RUN(no_format_of_a_report_leaks);
	RUN(hex_and_numeric_secrets_leave_cairns_own_numbers_alone);
	RUN(escapes_are_separators);
	return test_done();
}
