/*
 * Unit tests for src/report/report.c: the report model and its JSON files.
 * Reports are built from the fixtures in tests/unit/fixtures/report and
 * through the builder API; the JSON they produce is compared with the
 * golden files beside the fixtures (the format's contract), read back,
 * and checked for stable order. Hashes are compared with sha256sum.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/report.h"
#include "test.h"

#define FIX "tests/unit/fixtures/report"

static char *sh_out(const char *fmt, ...) CAIRN_PRINTF(1, 2);
static char *sh_out(const char *fmt, ...)
{
	va_list ap;
	char *cmd, chunk[1024];
	cairn_buf b = CAIRN_BUF_INIT;
	FILE *p;
	size_t n;
	va_start(ap, fmt);
	cmd = cairn_xvasprintf(fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	free(cmd);
	while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cairn_buf_put(&b, chunk, n);
	if (p)
		pclose(p);
	while (b.len > 0 && b.ptr[b.len - 1] == '\n')
		b.ptr[--b.len] = '\0';
	return cairn_buf_detach(&b);
}

static char *render(cairn_report *r, cairn_report_format fmt)
{
	cairn_buf b = CAIRN_BUF_INIT;
	if (cairn_report_render(r, fmt, 0, &b) < 0) {
		fprintf(stderr, "render: %s\n", cairn_error_last());
		cairn_buf_dispose(&b);
		return cairn_xstrdup("");
	}
	return cairn_buf_detach(&b);
}

static char *read_file(const char *path)
{
	char *s = NULL;
	size_t n;
	if (cairn_file_read(path, &s, &n) < 0)
		return cairn_xstrdup("(missing)");
	return s;
}

TEST(fixtures_load_sort_and_derive)
{
	cairn_report *r;
	cairn_report_summary s;
	const cairn_report_control *c;
	CHECK_INT(cairn_report_load(&r, FIX "/audit.json"), 0);
	if (!r)
		return;
	CHECK_INT(cairn_report_finish(r), 0);
	CHECK_INT(cairn_report_get_kind(r), CAIRN_REPORT_AUDIT);
	CHECK_STR(cairn_report_stack(r), "model-registry");
	CHECK_INT(cairn_report_state_serial(r), 7);
	cairn_report_summarize(r, &s);
	CHECK_INT(s.controls, 7);
	CHECK_INT(s.failed, 3);
	CHECK_INT(s.not_decided, 1);
	CHECK_INT(s.waived, 1);
	CHECK_INT(s.passed, 2);
	CHECK_INT(s.waivers_applied, 1);
	CHECK_INT(s.waivers_unused, 1);
	CHECK_INT(s.waivers_expired, 1);
	CHECK_INT(s.resources, 7);
	CHECK_INT(s.modified, 2);
	CHECK_INT(s.deleted, 1);
	CHECK_INT(s.not_checked, 1);
	CHECK_INT(s.in_sync, 3);
	/* Natural order: CIS-1.4 < CIS-2.1.4 < CIS-3.1 < CIS-3.6 < CIS-3.10. */
	CHECK_STR(cairn_report_control_at(r, 0)->id, "CIS-1.4");
	CHECK_STR(cairn_report_control_at(r, 1)->id, "CIS-2.1.4");
	CHECK_STR(cairn_report_control_at(r, 3)->id, "CIS-3.6");
	CHECK_STR(cairn_report_control_at(r, 4)->id, "CIS-3.10");
	CHECK_STR(cairn_report_drift_at(r, 0)->logical_id, "DataBucket");
	CHECK_STR(cairn_report_drift_at(r, 6)->logical_id, "Trail");
	c = cairn_report_control_at(r, 2);
	CHECK_INT(c->status, CAIRN_REPORT_FAILED);
	CHECK_STR(c->frameworks[0]->framework, "cis-aws-3.0");
	CHECK_STR(c->frameworks[1]->id, "AU-2");
	CHECK_STR(c->frameworks[2]->id, "AU-12");
	CHECK_STR(c->findings[0]->loc.file, "stacks/model-registry.yaml");
	CHECK_INT(c->findings[0]->loc.line, 36);
	CHECK_INT(cairn_report_waiver_at(r, 0)->status, CAIRN_REPORT_WAIVER_EXPIRED);
	CHECK_STR(cairn_report_waiver_at(r, 2)->resource, "Key");
	CHECK_INT(cairn_report_waiver_at(r, 2)->status, CAIRN_REPORT_WAIVER_APPLIED);
	cairn_report_free(r);
}

TEST(json_matches_the_golden_files_and_reads_back_identically)
{
	static const char *const names[] = {"audit", "drift"};
	size_t i;
	for (i = 0; i < 2; i++) {
		char *path = cairn_xasprintf(FIX "/%s.json", names[i]);
		char *gold = cairn_xasprintf(FIX "/%s.expected.json", names[i]);
		cairn_report *r = NULL, *again = NULL;
		char *out, *want, *out2;
		json_t *doc;
		CHECK_INT(cairn_report_load(&r, path), 0);
		out = render(r, CAIRN_REPORT_JSON);
		want = read_file(gold);
		CHECK_STR(out, want);
		/* The output reads back to the same bytes. */
		doc = json_loads(out, 0, NULL);
		CHECK_INT(cairn_report_from_json(&again, doc), 0);
		out2 = again ? render(again, CAIRN_REPORT_JSON) : cairn_xstrdup("");
		CHECK_STR(out2, out);
		json_decref(doc);
		free(out);
		free(out2);
		free(want);
		cairn_report_free(r);
		cairn_report_free(again);
		free(path);
		free(gold);
	}
}

/* The same drift report built in two orders. */
static cairn_report *build_drift(int reverse)
{
	static const char *const ids[] = {"Queue10", "Bucket2", "Queue2", "Bucket10", "Key"};
	cairn_report *r;
	size_t i;
	cairn_report_new(&r, CAIRN_REPORT_DRIFT, "order");
	cairn_report_set_template(r, "stacks/order.yaml",
				  "0000000000000000000000000000000000000000000000000000000000000000");
	cairn_report_set_state(r, 3, NULL);
	for (i = 0; i < 5; i++) {
		const char *id = ids[reverse ? 4 - i : i];
		cairn_report_drift *d = cairn_report_add_drift(
			r, id, "AWS::S3::Bucket", id, id[0] == 'B' ? CAIRN_DRIFT_MODIFIED : CAIRN_DRIFT_IN_SYNC);
		if (id[0] == 'B') {
			json_t *a = json_pack("{s:s, s:{s:i, s:i}}", "z", "1", "a", "y", 2, "b", 1);
			json_t *b = json_pack("{s:{s:i, s:i}, s:s}", "a", "b", 1, "y", 2, "z", "2");
			cairn_report_drift_diff(d, reverse ? "Tags" : "Name", reverse ? a : b,
						reverse ? b : a);
			cairn_report_drift_diff(d, reverse ? "Name" : "Tags", reverse ? b : a,
						reverse ? a : b);
			json_decref(a);
			json_decref(b);
		}
	}
	return r;
}

TEST(order_of_construction_does_not_change_the_file)
{
	cairn_report *a = build_drift(0), *b = build_drift(1);
	char *ja = render(a, CAIRN_REPORT_JSON), *jb = render(b, CAIRN_REPORT_JSON);
	char *ma = render(a, CAIRN_REPORT_MARKDOWN), *mb = render(b, CAIRN_REPORT_MARKDOWN);
	CHECK_STR(ja, jb);
	CHECK_STR(ma, mb);
	/* Natural order of ids, and object keys sorted inside values. */
	CHECK(strstr(ja, "\"Bucket2\"") < strstr(ja, "\"Bucket10\""));
	CHECK(strstr(ja, "\"Queue2\"") < strstr(ja, "\"Queue10\""));
	CHECK_CONTAINS(ja, "\"a\": {\n              \"b\": 1,\n              \"y\": 2\n");
	free(ja);
	free(jb);
	free(ma);
	free(mb);
	cairn_report_free(a);
	cairn_report_free(b);
}

TEST(natural_order)
{
	CHECK(cairn_report_natcmp("1.2", "1.10") < 0);
	CHECK(cairn_report_natcmp("CIS-3.9", "CIS-3.10") < 0);
	CHECK(cairn_report_natcmp("Bucket2", "Bucket10") < 0);
	CHECK(cairn_report_natcmp("a", "b") < 0);
	CHECK(cairn_report_natcmp("b", "a") > 0);
	CHECK(cairn_report_natcmp("x", "x") == 0);
	CHECK(cairn_report_natcmp("x", "x1") < 0);
	/* Equal numbers with different zeros still order, and consistently. */
	CHECK(cairn_report_natcmp("v01", "v1") != 0);
	CHECK(cairn_report_natcmp("v01", "v1") == -cairn_report_natcmp("v1", "v01"));
	CHECK(cairn_report_natcmp("1.01", "1.2") < 0);
}

TEST(control_status_is_the_worst_of_its_findings)
{
	cairn_report *r;
	cairn_report_control *c;
	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "s");
	cairn_report_set_template(r, "t.yaml",
				  "1111111111111111111111111111111111111111111111111111111111111111");
	cairn_report_add_waiver(r, "W", "A", "why", "me", "2099-01-01", 0);
	cairn_report_add_waiver(r, "W", "B", "why", "me", "2099-01-01", 0);
	cairn_report_add_waiver(r, "F", "A", "why", "me", "2099-01-01", 0);

	c = cairn_report_add_control(r, "P", "passes", CAIRN_REPORT_SEV_LOW, NULL);
	c = cairn_report_add_control(r, "W", "waived", CAIRN_REPORT_SEV_LOW, NULL);
	cairn_report_control_finding(c, CAIRN_REPORT_WAIVED, "A", NULL, "m");
	cairn_report_control_finding(c, CAIRN_REPORT_WAIVED, "B", NULL, "m");
	c = cairn_report_add_control(r, "N", "not decided beats waived", CAIRN_REPORT_SEV_LOW, NULL);
	cairn_report_control_finding(c, CAIRN_REPORT_NOT_DECIDED, "A", NULL, "unknown");
	c = cairn_report_add_control(r, "F", "failed beats all", CAIRN_REPORT_SEV_LOW, NULL);
	cairn_report_control_finding(c, CAIRN_REPORT_WAIVED, "A", NULL, "m");
	cairn_report_control_finding(c, CAIRN_REPORT_NOT_DECIDED, "B", NULL, "m");
	cairn_report_control_finding(c, CAIRN_REPORT_FAILED, NULL, NULL, "account-level");
	CHECK_INT(cairn_report_finish(r), 0);
	CHECK_STR(cairn_report_control_at(r, 0)->id, "F");
	CHECK_INT(cairn_report_control_at(r, 0)->status, CAIRN_REPORT_FAILED);
	CHECK_INT(cairn_report_control_at(r, 1)->status, CAIRN_REPORT_NOT_DECIDED);
	CHECK_INT(cairn_report_control_at(r, 2)->status, CAIRN_REPORT_PASSED);
	CHECK_INT(cairn_report_control_at(r, 3)->status, CAIRN_REPORT_WAIVED);
	/* The account-level finding sorts first. */
	CHECK(cairn_report_control_at(r, 0)->findings[0]->resource == NULL);
	cairn_report_free(r);
}

TEST(hashes_match_sha256sum)
{
	cairn_report *r;
	char *want;
	CHECK_INT(cairn_report_new(&r, CAIRN_REPORT_AUDIT, "h"), 0);
	CHECK_INT(cairn_report_set_template(r, FIX "/model-registry.yaml", NULL), 0);
	want = sh_out("sha256sum %s | cut -d' ' -f1", FIX "/model-registry.yaml");
	CHECK_STR(cairn_report_template_sha256(r), want);
	free(want);

	CHECK_INT(cairn_report_add_policy(r, "policies/least_privilege.lua", NULL), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "policies/least_privilege.lua");
	CHECK_INT(cairn_report_add_policy(r, FIX "/policies/least_privilege.lua", NULL), 0);
	CHECK_INT(cairn_report_add_policy(r, FIX "/policies/cis/kms_rotation.lua", NULL), 0);
	CHECK_INT(cairn_report_add_policy(r, FIX "/policies/cis/cloudtrail_multi_region.lua", NULL),
		  0);
	CHECK_INT(cairn_report_finish(r), 0);
	/* Exactly the documented command, run with the same paths. */
	want = sh_out("sha256sum %s/policies/least_privilege.lua %s/policies/cis/*.lua | "
		      "LC_ALL=C sort | sha256sum | cut -d' ' -f1",
		      FIX, FIX);
	CHECK_STR(cairn_report_policies_sha256(r), want);
	CHECK_INT(strlen(want), 64);
	free(want);
	/* The order the files were added in does not matter. */
	{
		cairn_report *r2;
		cairn_report_new(&r2, CAIRN_REPORT_AUDIT, "h");
		cairn_report_set_template(r2, FIX "/model-registry.yaml", NULL);
		cairn_report_add_policy(r2, FIX "/policies/cis/cloudtrail_multi_region.lua", NULL);
		cairn_report_add_policy(r2, FIX "/policies/least_privilege.lua", NULL);
		cairn_report_add_policy(r2, FIX "/policies/cis/kms_rotation.lua", NULL);
		CHECK_INT(cairn_report_finish(r2), 0);
		CHECK_STR(cairn_report_policies_sha256(r2), cairn_report_policies_sha256(r));
		cairn_report_free(r2);
	}
	CHECK_INT(cairn_report_add_policy(r, "bad\\name.lua",
					  "1111111111111111111111111111111111111111111111111111111111111111"),
		  CAIRN_EINVALID);
	CHECK_INT(cairn_report_set_template(r, "t.yaml", "ABC"), CAIRN_EINVALID);
	CHECK_INT(cairn_report_set_template(r, "/nonexistent/t.yaml", NULL), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "/nonexistent/t.yaml");
	cairn_report_free(r);
}

TEST(stack_names_must_be_plain_file_names)
{
	static const char *const bad[] = {"", ".", "..", "../x", "a/b", ".hidden", "-x", "a b",
					  "a\nb"};
	static const char *const good[] = {"s3-ingestion", "model_registry.v2", "A1"};
	size_t i;
	cairn_report *r;
	for (i = 0; i < CAIRN_ARRAY_SIZE(bad); i++) {
		CHECK_INT(cairn_report_new(&r, CAIRN_REPORT_DRIFT, bad[i]), CAIRN_EINVALID);
		CHECK(r == NULL);
	}
	CHECK_CONTAINS(cairn_error_last(), "--stack-name");
	for (i = 0; i < CAIRN_ARRAY_SIZE(good); i++) {
		CHECK_INT(cairn_report_new(&r, CAIRN_REPORT_DRIFT, good[i]), 0);
		cairn_report_free(r);
	}
}

/* Loads audit.json, applies a JSON patch written as (pointer, value), and
 * expects from_json to fail naming where. */
static void expect_bad(const char *file, const char *parent_ptr, const char *key,
		       json_t *value, const char *msg1, const char *msg2)
{
	json_t *doc = json_load_file(file, 0, NULL), *parent;
	cairn_report *r = NULL;
	int rc;
	parent = *parent_ptr ? json_object_get(doc, parent_ptr) : doc;
	if (!parent) {
		/* A dotted path: "controls.0" style, resolved by hand. */
		char *copy = cairn_xstrdup(parent_ptr), *tok, *save = NULL;
		parent = doc;
		for (tok = strtok_r(copy, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
			parent = json_is_array(parent) ? json_array_get(parent, (size_t)atoi(tok))
						       : json_object_get(parent, tok);
		free(copy);
	}
	if (value)
		json_object_set_new(parent, key, value);
	else
		json_object_del(parent, key);
	rc = cairn_report_from_json(&r, doc);
	CHECK_INT(rc, CAIRN_EINVALID);
	CHECK(r == NULL);
	CHECK_CONTAINS(cairn_error_last(), msg1);
	if (msg2)
		CHECK_CONTAINS(cairn_error_last(), msg2);
	json_decref(doc);
	cairn_report_free(r);
}

TEST(bad_json_is_refused_with_the_member_named)
{
	const char *a = FIX "/audit.json", *d = FIX "/drift.json";
	expect_bad(a, "", "format_version", json_string("2"), "format_version", "\"1\"");
	expect_bad(a, "", "kind", json_string("plan"), "kind", "drift, audit");
	expect_bad(a, "", "extra", json_true(), "extra", "unknown member");
	expect_bad(a, "", "stack", json_string("../etc"), "stack", "--stack-name");
	expect_bad(a, "template", "sha256", json_string("xyz"), "template.sha256", "hex");
	expect_bad(a, "", "template", NULL, "template", "missing");
	expect_bad(a, "", "policies", NULL, "policies", "missing");
	expect_bad(a, "controls.0", "severity", json_string("severe"), "controls[0].severity",
		   "critical, high, medium, low");
	expect_bad(a, "controls.0.findings.0", "status", json_string("fail"),
		   "controls[0].findings[0].status", "failed, waived, not_decided");
	expect_bad(a, "controls.0.findings.0", "message", NULL, "controls[0].findings[0].message",
		   "missing");
	expect_bad(a, "controls.0.findings.0", "location", json_pack("{s:i}", "line", 3),
		   "controls[0].findings[0].location.file", "missing");
	/* A waived finding needs a waiver in force... */
	expect_bad(a, "controls.1.findings.0", "resource", json_string("Elsewhere"),
		   "CIS-3.6, finding on Elsewhere is waived", "no waiver in force");
	/* ... and a failed one must not have one. */
	expect_bad(a, "controls.1.findings.0", "status", json_string("failed"),
		   "CIS-3.6, finding on Key is failed", "mark it waived");
	expect_bad(a, "controls.2", "status", json_string("passed"), "controls[2]",
		   "its findings make it failed");
	expect_bad(a, "waivers.1", "status", json_string("unused"), "waivers[1]",
		   "make it applied");
	expect_bad(a, "waivers.0", "approver", NULL, "waivers[0].approver", "missing");
	expect_bad(a, "policies", "sha256", json_string("0000"), "policies.sha256",
		   "does not match");
	expect_bad(a, "drift.resources.0", "status", json_string("IN_SYNC"), "Trail",
		   "has property differences");
	expect_bad(a, "drift.resources.2", "reason", NULL, "Role", "does not say why");
	expect_bad(d, "", "summary", json_pack("{s:i}", "modified", 9), "summary.modified",
		   "the entries count 2");
	expect_bad(d, "resources.1", "logical_id", json_string("RawBucket"), "RawBucket",
		   "two drift entries");
	expect_bad(d, "resources.0", "differences", json_array(), "RawBucket",
		   "names no property that differs");
	expect_bad(d, "", "controls", json_array(), "controls", "unknown member");

	{
		cairn_report *r = NULL;
		CHECK_INT(cairn_report_load(&r, FIX "/no-such.json"), CAIRN_EINVALID);
		CHECK_CONTAINS(cairn_error_last(), "no-such.json");
	}
}

TEST(builder_checks_what_the_format_promises)
{
	cairn_report *r;
	cairn_report_control *c;
	cairn_report_new(&r, CAIRN_REPORT_DRIFT, "b");
	CHECK_INT(cairn_report_finish(r), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "no template");
	cairn_report_set_template(r, "t.yaml",
				  "2222222222222222222222222222222222222222222222222222222222222222");
	CHECK_INT(cairn_report_finish(r), 0);
	cairn_report_add_control(r, "X", "x", CAIRN_REPORT_SEV_LOW, NULL);
	CHECK_INT(cairn_report_finish(r), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "drift report has no controls");
	cairn_report_free(r);

	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "b");
	cairn_report_set_template(r, "t.yaml",
				  "2222222222222222222222222222222222222222222222222222222222222222");
	c = cairn_report_add_control(r, "X", "x", CAIRN_REPORT_SEV_LOW, NULL);
	cairn_report_control_finding(c, CAIRN_REPORT_PASSED, "A", NULL, "m");
	CHECK_INT(cairn_report_finish(r), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "failed, waived or not_decided");
	cairn_report_free(r);

	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "b");
	cairn_report_set_template(r, "t.yaml",
				  "2222222222222222222222222222222222222222222222222222222222222222");
	cairn_report_add_control(r, "X", "x", CAIRN_REPORT_SEV_LOW, NULL);
	cairn_report_add_control(r, "X", "again", CAIRN_REPORT_SEV_LOW, NULL);
	CHECK_INT(cairn_report_finish(r), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "control X is listed twice");
	cairn_report_free(r);

	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "b");
	cairn_report_set_template(r, "t.yaml",
				  "2222222222222222222222222222222222222222222222222222222222222222");
	cairn_report_add_waiver(r, "X", "A", "r", "a", "2099-01-01", 0);
	cairn_report_add_waiver(r, "X", "A", "r", "a", "2099-01-01", 0);
	CHECK_INT(cairn_report_finish(r), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "waived twice");
	cairn_report_free(r);
}

TEST(an_audit_without_drift_has_no_drift_section)
{
	cairn_report *r, *d = NULL;
	char *j;
	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "nd");
	cairn_report_set_template(r, "t.yaml",
				  "3333333333333333333333333333333333333333333333333333333333333333");
	cairn_report_add_control(r, "C", "c", CAIRN_REPORT_SEV_HIGH, NULL);
	CHECK_INT(cairn_report_has_drift(r), 0);
	j = render(r, CAIRN_REPORT_JSON);
	CHECK(strstr(j, "\"drift\"") == NULL);
	CHECK_CONTAINS(j, "\"controls\"");
	free(j);
	/* With no resources, but drift checked. */
	cairn_report_include_drift(r);
	j = render(r, CAIRN_REPORT_JSON);
	CHECK_CONTAINS(j, "\"drift\": {\n    \"summary\": {\n      \"resources\": 0,");
	free(j);
	CHECK_INT(cairn_report_drift_part(r, &d), 0);
	CHECK_INT(cairn_report_get_kind(d), CAIRN_REPORT_DRIFT);
	CHECK_INT(cairn_report_drift_count(d), 0);
	cairn_report_free(d);
	cairn_report_free(r);
}

TEST(drift_part_carries_the_header_and_the_entries)
{
	cairn_report *a = NULL, *d = NULL;
	char *j;
	CHECK_INT(cairn_report_load(&a, FIX "/audit.json"), 0);
	cairn_report_add_secret(a, "model-registry-databucket-9x8y");
	CHECK_INT(cairn_report_drift_part(a, &d), 0);
	CHECK_STR(cairn_report_stack(d), "model-registry");
	CHECK_INT(cairn_report_state_serial(d), 7);
	CHECK_STR(cairn_report_template_sha256(d), cairn_report_template_sha256(a));
	CHECK_INT(cairn_report_drift_count(d), 7);
	j = render(d, CAIRN_REPORT_JSON);
	CHECK_CONTAINS(j, "\"kind\": \"drift\"");
	CHECK(strstr(j, "\"policies\"") == NULL);
	/* The secrets come along. */
	CHECK(strstr(j, "databucket-9x8y") == NULL);
	free(j);
	cairn_report_free(d);
	cairn_report_free(a);
}


/* A waiver written at the template's top level (no resource) covers the
 * account-level findings of its control, and nothing on a resource; a
 * finding's subject says what an account-level finding is about; both
 * survive the JSON file and show in every rendering. */
TEST(template_level_waivers_cover_account_findings)
{
	cairn_report *r, *back = NULL;
	cairn_report_control *c;
	cairn_report_finding *f;
	json_t *j = NULL;
	char *text, *md, *js;
	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "acct");
	cairn_report_set_template(r, "t.yaml",
				  "4444444444444444444444444444444444444444444444444444444444444444");
	c = cairn_report_add_control(r, "cis-1.20", "analyzers", CAIRN_REPORT_SEV_MEDIUM, NULL);
	f = cairn_report_control_finding(c, CAIRN_REPORT_WAIVED, NULL, NULL, "no analyzer");
	cairn_report_finding_subject(f, "region eu-west-3");
	cairn_report_add_waiver(r, "cis-1.20", NULL, "not used", "sec@example.com", "2099-01-01",
				0);
	CHECK_INT(cairn_report_finish(r), 0);
	CHECK_INT(cairn_report_waiver_at(r, 0)->status, CAIRN_REPORT_WAIVER_APPLIED);
	CHECK_INT(cairn_report_control_at(r, 0)->status, CAIRN_REPORT_WAIVED);
	CHECK_INT(cairn_report_to_json(r, &j), 0);
	CHECK(json_object_get(json_array_get(json_object_get(j, "waivers"), 0), "resource") ==
	      NULL);
	CHECK_INT(cairn_report_from_json(&back, j), 0);
	if (back) {
		CHECK(cairn_report_waiver_at(back, 0)->resource == NULL);
		CHECK_STR(cairn_report_control_at(back, 0)->findings[0]->subject,
			  "region eu-west-3");
	}
	text = render(r, CAIRN_REPORT_TEXT);
	md = render(r, CAIRN_REPORT_MARKDOWN);
	js = render(back ? back : r, CAIRN_REPORT_JSON);
	CHECK_CONTAINS(text, "account [region eu-west-3]");
	CHECK_CONTAINS(text, "the account (template level)");
	CHECK_CONTAINS(md, "The AWS account (region eu-west-3)");
	CHECK_CONTAINS(md, "| the account (template level) |");
	CHECK_CONTAINS(js, "\"subject\": \"region eu-west-3\"");
	free(text);
	free(md);
	free(js);
	json_decref(j);
	cairn_report_free(back);
	cairn_report_free(r);

	/* The regions an audit read the account in: sorted, unique, in the
	 * JSON (read back) and the Markdown; not in the drift part. */
	{
		const char *regs[] = {"eu-west-1", "us-east-1", "eu-west-1"};
		cairn_report *d = NULL;
		cairn_report_new(&r, CAIRN_REPORT_AUDIT, "acct");
		cairn_report_set_template(
			r, "t.yaml", "4444444444444444444444444444444444444444444444444444444444444444");
		cairn_report_set_regions(r, regs, 3);
		CHECK_INT(cairn_report_region_count(r), 2);
		CHECK_STR(cairn_report_region_at(r, 0), "eu-west-1");
		CHECK_INT(cairn_report_to_json(r, &j), 0);
		CHECK_INT(json_array_size(json_object_get(j, "regions")), 2);
		CHECK_INT(cairn_report_from_json(&back, j), 0);
		if (back)
			CHECK_STR(cairn_report_region_at(back, 1), "us-east-1");
		md = render(r, CAIRN_REPORT_MARKDOWN);
		CHECK_CONTAINS(md, "| Account settings read in | 2 regions: eu-west-1, us-east-1 |");
		free(md);
		CHECK_INT(cairn_report_drift_part(r, &d), 0);
		js = render(d, CAIRN_REPORT_JSON);
		CHECK(strstr(js, "regions") == NULL);
		free(js);
		cairn_report_free(d);
		cairn_report_free(back);
		back = NULL;
		json_decref(j);
		j = NULL;
		cairn_report_free(r);
	}

	/* A resource's finding is not covered by a template-level waiver. */
	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "acct");
	cairn_report_set_template(r, "t.yaml",
				  "4444444444444444444444444444444444444444444444444444444444444444");
	c = cairn_report_add_control(r, "cis-3.1", "trail", CAIRN_REPORT_SEV_HIGH, NULL);
	cairn_report_control_finding(c, CAIRN_REPORT_WAIVED, "Trail", NULL, "single region");
	cairn_report_add_waiver(r, "cis-3.1", NULL, "r", "a", "2099-01-01", 0);
	CHECK_INT(cairn_report_finish(r), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "no waiver in force");
	cairn_report_free(r);
}

/* The examples in docs/internals/reports.md are what the code writes:
 * each block read back and rendered again gives the same bytes. */
TEST(documented_examples_are_what_the_code_writes)
{
	static const char *const markers[] = {"<!-- example: drift.json -->\n```json\n",
					      "<!-- example: audit.json -->\n```json\n"};
	char *doc = read_file("docs/internals/reports.md");
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(markers); i++) {
		const char *start = strstr(doc, markers[i]), *end;
		char *block, *out;
		json_t *v;
		cairn_report *r = NULL;
		CHECK(start != NULL);
		if (!start)
			continue;
		start += strlen(markers[i]);
		end = strstr(start, "\n```\n");
		CHECK(end != NULL);
		if (!end)
			continue;
		block = cairn_xasprintf("%.*s\n", (int)(end - start), start);
		v = json_loads(block, 0, NULL);
		CHECK(v != NULL);
		CHECK_INT(cairn_report_from_json(&r, v), 0);
		out = r ? render(r, CAIRN_REPORT_JSON) : cairn_xstrdup("");
		CHECK_STR(out, block);
		free(out);
		free(block);
		json_decref(v);
		cairn_report_free(r);
	}
	free(doc);
}

int main(void)
{
	RUN(fixtures_load_sort_and_derive);
	RUN(json_matches_the_golden_files_and_reads_back_identically);
	RUN(order_of_construction_does_not_change_the_file);
	RUN(natural_order);
	RUN(control_status_is_the_worst_of_its_findings);
	RUN(hashes_match_sha256sum);
	RUN(stack_names_must_be_plain_file_names);
	RUN(bad_json_is_refused_with_the_member_named);
	RUN(builder_checks_what_the_format_promises);
	RUN(an_audit_without_drift_has_no_drift_section);
	RUN(drift_part_carries_the_header_and_the_entries);
	RUN(documented_examples_are_what_the_code_writes);
	RUN(template_level_waivers_cover_account_findings);
	return test_done();
}
