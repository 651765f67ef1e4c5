/*
 * sigv4.c: the AWS SigV4 test suite (tests/sigv4/v4, 38 cases from
 * awslabs/aws-c-auth), each in both variants: the Authorization header
 * and the presigned query. For every case the canonical request, the
 * string to sign, the signature and the Authorization header must equal
 * the suite's files byte for byte.
 *
 * How a case maps onto the signer: request.txt gives the path as text
 * (unencoded). A "normalize": true case is a non-S3 service: the path is
 * handed over as it stands and the signer normalises and encodes it. A
 * "normalize": false case is S3: the path is put on the wire encoded
 * once and signed exactly as sent.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aws/request.h"
#include "aws/sigv4.h"
#include "test.h"

static const char *suite_dir(void)
{
	const char *d = getenv("CAIRN_SIGV4_SUITE");
	return d ? d : "tests/sigv4/v4";
}

static char *slurp(const char *dir, const char *name)
{
	char *path = cairn_xasprintf("%s/%s", dir, name);
	char *data[1] = {NULL};
	size_t len;
	int rc = cairn_file_read(path, data, &len);
	free(path);
	return rc < 0 ? NULL : data[0];
}

/* Strips trailing newlines (the suite's files end without one, mostly). */
static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static void parse_query(cairn_awsreq *r, const char *q)
{
	while (*q) {
		const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q);
		const char *eq = memchr(q, '=', (size_t)(end - q));
		cairn_buf k = CAIRN_BUF_INIT, v = CAIRN_BUF_INIT;
		cairn_uri_decode(&k, q, (size_t)((eq ? eq : end) - q), 0);
		if (eq)
			cairn_uri_decode(&v, eq + 1, (size_t)(end - eq - 1), 0);
		cairn_kvlist_add(&r->query, cairn_buf_cstr(&k), eq ? cairn_buf_cstr(&v) : "");
		cairn_buf_dispose(&k);
		cairn_buf_dispose(&v);
		q = amp ? amp + 1 : end;
	}
}

/* Parses request.txt into r. */
static int parse_request(cairn_awsreq *r, char *text, int normalize)
{
	char *line = text, *nl, *sp, *uri, *q;
	char *last_val = NULL;
	int last = -1;

	cairn_awsreq_init(r);
	r->scheme = cairn_xstrdup("https");
	nl = strchr(line, '\n');
	if (!nl)
		return -1;
	*nl = '\0';
	sp = strchr(line, ' ');
	r->method = cairn_xstrndup(line, (size_t)(sp - line));
	uri = sp + 1;
	{
		char *http = strstr(uri, " HTTP/");
		*http = '\0';
	}
	q = strchr(uri, '?');
	if (q) {
		*q = '\0';
		parse_query(r, q + 1);
	}
	if (normalize) {
		r->path = cairn_xstrdup(uri);
	} else {
		cairn_buf b = CAIRN_BUF_INIT;
		cairn_uri_encode(&b, uri, strlen(uri), 1);
		r->path = cairn_buf_detach(&b);
	}
	line = nl + 1;
	for (;;) {
		char *colon;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line == '\0' || *line == '\r') {
			if (nl)
				cairn_buf_puts(&r->body, nl + 1);
			break;
		}
		if ((*line == ' ' || *line == '\t') && last >= 0) {
			/* continuation of a folded header value */
			char *v = cairn_xasprintf("%s\n%s", last_val, line);
			free(r->headers.v[last].value);
			r->headers.v[last].value = v;
			last_val = v;
		} else {
			colon = strchr(line, ':');
			*colon = '\0';
			if (strcasecmp(line, "Host") == 0) {
				r->host = cairn_xstrdup(colon + 1);
				last = -1;
			} else {
				cairn_kvlist_add(&r->headers, line, colon + 1);
				last = (int)r->headers.n - 1;
				last_val = r->headers.v[last].value;
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return 0;
}

static time_t parse_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	       &tm.tm_min, &tm.tm_sec);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static int ncases;

static void expect_file(const char *dir, const char *name, const char *got)
{
	char *want = slurp(dir, name);
	CHECK(want != NULL);
	if (!want)
		return;
	chomp(want);
	if (strcmp(want, got) != 0) {
		fprintf(stderr, "%s/%s differs:\n--- want\n%s\n--- got\n%s\n", dir, name, want,
		        got);
		CHECK(0);
	}
	free(want);
}

static void run_case(const char *dir, int presign)
{
	char *ctxtext = slurp(dir, "context.json"), *reqtext = slurp(dir, "request.txt");
	json_t *ctx, *cr;
	cairn_awsreq req;
	cairn_sigv4_params p;
	cairn_sigv4_trace tr;
	int normalize;
	const char *pre = presign ? "query" : "header";
	char name[64];

	CHECK(ctxtext && reqtext);
	if (!ctxtext || !reqtext) {
		free(ctxtext);
		free(reqtext);
		return;
	}
	ctx = json_loads(ctxtext, 0, NULL);
	CHECK(ctx != NULL);
	cr = json_object_get(ctx, "credentials");
	normalize = json_is_true(json_object_get(ctx, "normalize"));
	CHECK(parse_request(&req, reqtext, normalize) == 0);

	memset(&p, 0, sizeof(p));
	memset(&tr, 0, sizeof(tr));
	p.access_key_id = json_string_value(json_object_get(cr, "access_key_id"));
	p.secret_access_key = json_string_value(json_object_get(cr, "secret_access_key"));
	p.session_token = json_string_value(json_object_get(cr, "token"));
	p.region = json_string_value(json_object_get(ctx, "region"));
	p.service = json_string_value(json_object_get(ctx, "service"));
	p.when = parse_time(json_string_value(json_object_get(ctx, "timestamp")));
	p.s3 = !normalize;
	p.token_unsigned = json_is_true(json_object_get(ctx, "omit_session_token"));
	p.expires = (long)json_integer_value(json_object_get(ctx, "expiration_in_seconds"));
	if (presign) {
		cairn_sigv4_presign(&req, &p, &tr);
	} else {
		p.content_sha256_header = json_is_true(json_object_get(ctx, "sign_body"));
		cairn_sigv4_sign(&req, &p, &tr);
	}
	snprintf(name, sizeof(name), "%s-canonical-request.txt", pre);
	expect_file(dir, name, cairn_buf_cstr(&tr.canonical_request));
	snprintf(name, sizeof(name), "%s-string-to-sign.txt", pre);
	expect_file(dir, name, cairn_buf_cstr(&tr.string_to_sign));
	snprintf(name, sizeof(name), "%s-signature.txt", pre);
	expect_file(dir, name, tr.signature);

	/* The signed request carries the same signature where it belongs. */
	{
		char *signed_req =
		    slurp(dir, presign ? "query-signed-request.txt" : "header-signed-request.txt");
		CHECK(signed_req != NULL);
		if (signed_req && !presign) {
			char *a = strstr(signed_req, "Authorization:");
			const char *mine = cairn_awsreq_header(&req, "Authorization");
			CHECK(a != NULL && mine != NULL);
			if (a && mine) {
				char *e = strchr(a, '\n');
				if (e)
					*e = '\0';
				CHECK_STR(mine, a + strlen("Authorization:"));
			}
		} else if (signed_req) {
			CHECK_STR(cairn_kvlist_get(&req.query, "X-Amz-Signature", 0), tr.signature);
			if (p.session_token && p.token_unsigned)
				CHECK(cairn_kvlist_get(&req.query, "X-Amz-Security-Token", 0) !=
				      NULL);
		}
		free(signed_req);
	}
	if (!presign && p.session_token)
		CHECK_STR(cairn_awsreq_header(&req, "X-Amz-Security-Token"), p.session_token);

	cairn_sigv4_trace_dispose(&tr);
	cairn_awsreq_dispose(&req);
	json_decref(ctx);
	free(ctxtext);
	free(reqtext);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(aws_test_suite_header_and_query)
{
	DIR *d = opendir(suite_dir());
	struct dirent *e;
	char *names[128];
	size_t n = 0, i;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((e = readdir(d)) && n < 128) {
		if (e->d_name[0] == '.')
			continue;
		names[n++] = cairn_xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmpstr);
	for (i = 0; i < n; i++) {
		char *dir = cairn_xasprintf("%s/%s", suite_dir(), names[i]);
		int before = test_failed_checks;
		run_case(dir, 0);
		run_case(dir, 1);
		if (test_failed_checks != before)
			fprintf(stderr, "  case %s failed\n", names[i]);
		ncases++;
		free(dir);
		free(names[i]);
	}
	CHECK_INT(ncases, 38);
}

TEST(s3_path_is_not_double_encoded_or_normalised)
{
	cairn_awsreq r;
	cairn_sigv4_params p;
	cairn_sigv4_trace tr;

	memset(&p, 0, sizeof(p));
	memset(&tr, 0, sizeof(tr));
	cairn_awsreq_init(&r);
	r.method = cairn_xstrdup("GET");
	r.host = cairn_xstrdup("bucket.s3.amazonaws.com");
	r.path = cairn_xstrdup("/a%20b/./c//d");
	p.access_key_id = "AKID";
	p.secret_access_key = "SECRET";
	p.region = "us-east-1";
	p.service = "s3";
	p.when = 1440938160;
	p.s3 = 1;
	p.content_sha256_header = 1;
	cairn_sigv4_sign(&r, &p, &tr);
	CHECK(strncmp(cairn_buf_cstr(&tr.canonical_request), "GET\n/a%20b/./c//d\n", 18) == 0);
	CHECK_STR(cairn_awsreq_header(&r, "X-Amz-Content-Sha256"),
	          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cairn_sigv4_trace_dispose(&tr);

	/* The same path for another service is normalised and encoded twice. */
	memset(&tr, 0, sizeof(tr));
	p.s3 = 0;
	p.service = "iam";
	cairn_sigv4_sign(&r, &p, &tr);
	CHECK(strncmp(cairn_buf_cstr(&tr.canonical_request), "GET\n/a%2520b/c/d\n", 17) == 0);
	cairn_sigv4_trace_dispose(&tr);
	cairn_awsreq_dispose(&r);
}

TEST(empty_query_values)
{
	cairn_awsreq r;
	cairn_sigv4_params p;
	cairn_sigv4_trace tr;
	memset(&p, 0, sizeof(p));
	memset(&tr, 0, sizeof(tr));
	cairn_awsreq_init(&r);
	r.method = cairn_xstrdup("GET");
	r.host = cairn_xstrdup("h");
	r.path = cairn_xstrdup("/");
	cairn_kvlist_add(&r.query, "b", "");
	cairn_kvlist_add(&r.query, "a", NULL);
	p.access_key_id = "A";
	p.secret_access_key = "S";
	p.region = "r";
	p.service = "s";
	cairn_sigv4_sign(&r, &p, &tr);
	CHECK(strncmp(cairn_buf_cstr(&tr.canonical_request), "GET\n/\na=&b=\nhost:h\n", 19) == 0);
	cairn_sigv4_trace_dispose(&tr);
	cairn_awsreq_dispose(&r);
}

TEST(base64_and_md5)
{
	cairn_buf b = CAIRN_BUF_INIT;
	char md5[25];
	cairn_base64_encode(&b, "hello", 5);
	CHECK_STR(cairn_buf_cstr(&b), "aGVsbG8=");
	cairn_buf_clear(&b);
	CHECK(cairn_base64_decode(&b, "aGVsbG8=", 8) == 0);
	CHECK_STR(cairn_buf_cstr(&b), "hello");
	CHECK_INT(b.len, 5);
	cairn_buf_clear(&b);
	CHECK(cairn_base64_decode(&b, "aGVsbG8", 7) < 0);
	cairn_buf_dispose(&b);
	cairn_md5_base64("", 0, md5);
	CHECK_STR(md5, "1B2M2Y8AsgTpgAmY7PhCfg==");
}

int main(void)
{
	RUN(aws_test_suite_header_and_query);
	RUN(s3_path_is_not_double_encoded_or_normalised);
	RUN(empty_query_values);
	RUN(base64_and_md5);
	return test_done();
}
