/*
 * Unit tests for src/report/render.c: the Markdown an auditor reads, the
 * terminal text, and the commit message, rendered from the fixtures and
 * from reports built in the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/report.h"
#include "test.h"

#define FIX "tests/unit/fixtures/report"

static char *render_file(const char *path, cairn_report_format fmt, unsigned flags)
{
	cairn_report *r = NULL;
	cairn_buf b = CAIRN_BUF_INIT;
	if (cairn_report_load(&r, path) < 0 || cairn_report_render(r, fmt, flags, &b) < 0)
		fprintf(stderr, "%s\n", cairn_error_last());
	cairn_report_free(r);
	return cairn_buf_detach(&b);
}

static char *message_of(cairn_report *r)
{
	cairn_buf b = CAIRN_BUF_INIT;
	if (cairn_report_message(r, &b) < 0)
		fprintf(stderr, "%s\n", cairn_error_last());
	return cairn_buf_detach(&b);
}

/* The position of needle in hay, or a large number when absent. */
static size_t pos(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	return p ? (size_t)(p - hay) : (size_t)-1;
}

/* The text between the heading "start" and the next heading of the same
 * level (caller frees). */
static char *section(const char *md, const char *start)
{
	const char *s = strstr(md, start), *e;
	size_t level = 0;
	char *stop;
	if (!s)
		return cairn_xstrdup("");
	while (s[level] == '#')
		level++;
	stop = cairn_xasprintf("\n%.*s ", (int)level, s);
	e = strstr(s + 1, stop);
	free(stop);
	return cairn_xstrndup(s, e ? (size_t)(e - s) : strlen(s));
}

TEST(audit_markdown_reads_top_down_for_an_auditor)
{
	char *md = render_file(FIX "/audit.json", CAIRN_REPORT_MARKDOWN, 0), *sec;

	CHECK(strncmp(md, "# Compliance audit: `model-registry`\n", 37) == 0);
	/* Summary table first, then failed, not decided, waived, waivers,
	 * drift, passed, policy files, how to check. */
	/* The first section is the summary table. */
	CHECK(pos(md, "\n## ") == pos(md, "\n## Summary\n\n| Result | Count |"));
	CHECK(pos(md, "## Summary") < pos(md, "## What was checked"));
	CHECK(pos(md, "## What was checked") < pos(md, "## Failed controls"));
	CHECK(pos(md, "## Failed controls") < pos(md, "## Controls not decided"));
	CHECK(pos(md, "## Controls not decided") < pos(md, "## Waived controls"));
	CHECK(pos(md, "## Waived controls") < pos(md, "## Waivers"));
	CHECK(pos(md, "## Waivers") < pos(md, "## Drift"));
	CHECK(pos(md, "## Drift") < pos(md, "## Passed controls"));
	CHECK(pos(md, "## Passed controls") < pos(md, "## Policy files"));
	CHECK(pos(md, "## Policy files") < pos(md, "## How to check this report"));

	sec = section(md, "## Summary");
	CHECK_CONTAINS(sec, "| Controls failed | 3 |");
	CHECK_CONTAINS(sec, "| Controls not decided | 1 |");
	CHECK_CONTAINS(sec, "| Controls waived | 1 |");
	CHECK_CONTAINS(sec, "| Controls passed | 2 |");
	CHECK_CONTAINS(sec, "| Resources modified since the last apply | 2 |");
	CHECK_CONTAINS(sec, "| Resources deleted since the last apply | 1 |");
	CHECK_CONTAINS(sec, "| Resources not checked for drift | 1 |");
	CHECK_CONTAINS(sec, "| Resources in sync | 3 |");
	free(sec);

	/* The facts that tie the report to what was checked. */
	CHECK_CONTAINS(md, "| Template | `stacks/model-registry.yaml` |");
	CHECK_CONTAINS(md, "| Template SHA-256 | "
			   "`36e7b71129f6a87168cc6d3d1057e93dbe90f47c386cf165a5bc2566d53c8262` |");
	CHECK_CONTAINS(md, "| Policies SHA-256 | "
			   "`36ca60fdafeae3e45b1f78e262f535b2739c9a29b0e69f32df71d6889495bfc0`");
	CHECK_CONTAINS(md, "| State serial | 7 |");

	/* One section per failed control, most severe first. */
	sec = section(md, "## Failed controls");
	CHECK(pos(sec, "### LP-1:") < pos(sec, "### CIS-2.1.4:"));
	CHECK(pos(sec, "### CIS-2.1.4:") < pos(sec, "### CIS-3.1:"));
	CHECK(strstr(sec, "CIS-3.6") == NULL);
	free(sec);
	sec = section(md, "### CIS-3.1: Ensure CloudTrail is enabled in all regions");
	CHECK_CONTAINS(sec, "- Severity: high");
	CHECK_CONTAINS(sec, "- Frameworks: CIS AWS Foundations Benchmark v3.0.0 3.1; "
			    "NIST SP 800-53 Rev. 5 AU-2, AU-12");
	CHECK_CONTAINS(sec, "Resource `Trail` (`AWS::CloudTrail::Trail`), physical id "
			    "`model-registry-Trail`");
	CHECK_CONTAINS(sec, "- Template: `stacks/model-registry.yaml:36`");
	CHECK_CONTAINS(sec, "- Property: `IsMultiRegionTrail`");
	CHECK_CONTAINS(sec, "- Expected: `true`\n- Actual: `false`");
	CHECK_CONTAINS(sec, "- Finding: the trail records only its home region");
	CHECK_CONTAINS(sec, "**Remediation.** Set IsMultiRegionTrail: true and IsLogging: true");
	free(sec);
	sec = section(md, "### CIS-2.1.4:");
	CHECK_CONTAINS(sec, "waiver approved by cto@example.com expired on 2020-01-31");
	free(sec);

	sec = section(md, "## Controls not decided");
	CHECK_CONTAINS(sec, "### SM-2: SageMaker models run with network isolation");
	CHECK_CONTAINS(sec, "- Why not decided: DescribeModel was denied");
	free(sec);

	sec = section(md, "## Waived controls");
	CHECK_CONTAINS(sec, "### CIS-3.6:");
	CHECK_CONTAINS(sec, "- Waived by security@example.com until 2099-12-31: HSM-backed key, "
			    "rotated by the key ceremony");
	CHECK(strstr(sec, "Remediation") == NULL);
	free(sec);

	sec = section(md, "## Waivers");
	CHECK_CONTAINS(sec, "| Control | Resource | Reason | Approver | Expires | Status | Template |");
	CHECK_CONTAINS(sec, "| CIS-2.1.4 | `LogsBucket` | public website bucket | cto@example.com "
			    "| 2020-01-31 | expired | `stacks/model-registry.yaml:25` |");
	CHECK_CONTAINS(sec, "| CIS-3.1 | `OtherTrail` | regional trail for the data account | "
			    "audit@example.com | 2099-06-30 | unused |");
	CHECK_CONTAINS(sec, "| CIS-3.6 | `Key` |");
	CHECK_CONTAINS(sec, "| applied |");
	free(sec);

	sec = section(md, "## Drift");
	CHECK_CONTAINS(sec, "### Modified resources");
	CHECK_CONTAINS(sec, "#### `DataBucket` (`AWS::S3::Bucket`)");
	CHECK_CONTAINS(sec, "| `VersioningConfiguration.Status` | `\"Enabled\"` | `\"Suspended\"` |");
	CHECK_CONTAINS(sec, "| `LogsBucket` | `AWS::S3::Bucket` | `model-registry-logsbucket-7q6r` | "
			    "`stacks/model-registry.yaml:20` |");
	CHECK_CONTAINS(sec, "GetRole was denied (AccessDenied); grant iam:GetRole");
	free(sec);

	sec = section(md, "## Passed controls");
	CHECK_CONTAINS(sec, "| CIS-1.4 | Ensure no 'root' user account access key exists | critical |");
	CHECK_CONTAINS(sec, "| CIS-3.10 |");
	free(sec);
	sec = section(md, "## Policy files");
	CHECK_CONTAINS(sec, "| `policies/cis/kms_rotation.lua` | "
			    "`b0efb67fd5280fd3499d501bb7a9593fb74837f89adc32736b6725e9fed3f2a4` |");
	free(sec);
	CHECK_CONTAINS(md, "LC_ALL=C sort | sha256sum");
	/* No double blank lines, and one final newline. */
	CHECK(strstr(md, "\n\n\n") == NULL);
	CHECK(md[strlen(md) - 1] == '\n' && md[strlen(md) - 2] != '\n');
	free(md);
}

TEST(drift_markdown)
{
	char *md = render_file(FIX "/drift.json", CAIRN_REPORT_MARKDOWN, 0), *sec;
	CHECK(strncmp(md, "# Drift report: `s3-ingestion`\n", 31) == 0);
	CHECK(pos(md, "\n## ") == pos(md, "\n## Summary\n\n| Drift status | Resources |"));
	CHECK_CONTAINS(md, "## What was checked\n\n| Item | Value |\n|---|---|\n"
			   "| Stack | `s3-ingestion` |\n| Template | `stacks/s3-ingestion.yaml` |\n");
	sec = section(md, "## Summary");
	CHECK_CONTAINS(sec, "| Modified | 2 |");
	CHECK_CONTAINS(sec, "| Deleted | 1 |");
	CHECK_CONTAINS(sec, "| Not checked | 1 |");
	CHECK_CONTAINS(sec, "| In sync | 2 |");
	CHECK_CONTAINS(sec, "| **Total** | **6** |");
	free(sec);
	sec = section(md, "## Modified resources");
	CHECK(pos(sec, "### `Key`") < pos(sec, "### `RawBucket`"));
	CHECK_CONTAINS(sec, "| `EnableKeyRotation` | `true` | `false` |");
	/* A long value gets a JSON block. */
	CHECK_CONTAINS(sec, "- Expected (last applied):\n\n  ```json\n  {\n    \"KMSMasterKeyID\": "
			    "\"arn:aws:kms:us-east-1:123456789012:key/");
	CHECK_CONTAINS(sec, "- Actual (live): `{\"SSEAlgorithm\":\"AES256\"}`");
	free(sec);
	sec = section(md, "## Resources not checked");
	CHECK_CONTAINS(sec, "| `Queue2` | `AWS::SQS::Queue` |  | cairn has no provider that can "
			    "read AWS::SQS::Queue |");
	free(sec);
	sec = section(md, "## All resources");
	CHECK(pos(sec, "`Queue2`") < pos(sec, "`Queue10`"));
	CHECK_CONTAINS(sec, "| `CuratedBucket` | `AWS::S3::Bucket` | `s3-ingestion-curated-77aa` | "
			    "DELETED |");
	free(sec);
	CHECK(strstr(md, "Policies") == NULL);
	CHECK(strstr(md, "\n\n\n") == NULL);
	free(md);
}

TEST(markdown_escapes_what_it_did_not_write)
{
	cairn_report *r;
	cairn_report_control *c;
	cairn_report_finding *f;
	cairn_report_drift *d;
	cairn_buf b = CAIRN_BUF_INIT;
	json_t *v = json_string("a|b`c");

	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "esc");
	cairn_report_set_template(r, "t.yaml",
				  "4444444444444444444444444444444444444444444444444444444444444444");
	c = cairn_report_add_control(r, "X-1", "Title with *stars* and [link](http://x)",
				     CAIRN_REPORT_SEV_LOW, "<script>alert(1)</script>");
	f = cairn_report_control_finding(c, CAIRN_REPORT_FAILED, "Odd`Id", "AWS::S3::Bucket",
					 "line one\n# not a heading | pipe");
	cairn_report_finding_values(f, "Tags", v, NULL);
	d = cairn_report_add_drift(r, "Odd`Id", "AWS::S3::Bucket", "p|id", CAIRN_DRIFT_MODIFIED);
	cairn_report_drift_diff(d, "Tags", v, NULL);
	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_MARKDOWN, 0, &b), 0);
	CHECK_CONTAINS(b.ptr, "### X-1: Title with \\*stars\\* and \\[link\\](http://x)");
	CHECK_CONTAINS(b.ptr, "\\<script\\>alert(1)\\</script\\>");
	CHECK_CONTAINS(b.ptr, "- Finding: line one \\# not a heading \\| pipe");
	CHECK_CONTAINS(b.ptr, "Resource ``Odd`Id``");
	/* In a table, '|' inside a code span is escaped; absent is "not set". */
	CHECK_CONTAINS(b.ptr, "| `Tags` | ``\"a\\|b`c\"`` | *not set* |");
	CHECK_CONTAINS(b.ptr, "| ``Odd`Id`` | `AWS::S3::Bucket` | `p\\|id` | MODIFIED |");
	CHECK(strstr(b.ptr, "\n# not a heading") == NULL);
	cairn_buf_dispose(&b);
	json_decref(v);
	cairn_report_free(r);
}

TEST(text_for_a_terminal)
{
	char *t = render_file(FIX "/audit.json", CAIRN_REPORT_TEXT, 0);
	char *all = render_file(FIX "/audit.json", CAIRN_REPORT_TEXT, CAIRN_REPORT_ALL);
	char *col = render_file(FIX "/audit.json", CAIRN_REPORT_TEXT, CAIRN_REPORT_COLOR);
	CHECK_CONTAINS(t, "Audit for stack model-registry\n");
	CHECK_CONTAINS(t, "FAILED      CIS-3.1 [high] Ensure CloudTrail is enabled in all regions\n"
			  "  x Trail (AWS::CloudTrail::Trail) stacks/model-registry.yaml:36:7: "
			  "IsMultiRegionTrail: the trail records only its home region\n"
			  "      expected true, actual false\n");
	CHECK_CONTAINS(t, "~ DataBucket (AWS::S3::Bucket) model-registry-databucket-9x8y: MODIFIED\n"
			  "    VersioningConfiguration.Status: expected \"Enabled\", actual "
			  "\"Suspended\"\n");
	CHECK_CONTAINS(t, "Controls: 3 failed, 1 not decided, 1 waived, 2 passed.\n"
			  "Drift: 2 modified, 1 deleted, 1 not checked, 3 in sync.\n");
	/* Passed controls and in-sync resources only with ALL. */
	CHECK(strstr(t, "PASSED") == NULL);
	CHECK(strstr(t, "IN_SYNC") == NULL);
	CHECK_CONTAINS(all, "PASSED      CIS-1.4 [critical]");
	CHECK_CONTAINS(all, "  Key (AWS::KMS::Key) 1234abcd-12ab-34cd-56ef-1234567890ab: IN_SYNC\n");
	CHECK(strchr(t, '\033') == NULL);
	CHECK_CONTAINS(col, "\033[31mFAILED");
	free(t);
	free(all);
	free(col);
}

TEST(generated_at_appears_only_when_set)
{
	cairn_report *r = NULL;
	cairn_buf a = CAIRN_BUF_INIT, b = CAIRN_BUF_INIT, c = CAIRN_BUF_INIT;
	CHECK_INT(cairn_report_load(&r, FIX "/drift.json"), 0);
	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_JSON, 0, &a), 0);
	CHECK(strstr(a.ptr, "generated_at") == NULL);
	cairn_report_set_generated_at(r, "2031-01-02T03:04:05Z");
	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_JSON, 0, &b), 0);
	CHECK_CONTAINS(b.ptr, "\"cairn_version\": \"0.1.0\",\n  \"generated_at\": "
			      "\"2031-01-02T03:04:05Z\",\n");
	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_MARKDOWN, 0, &c), 0);
	CHECK_CONTAINS(c.ptr, "| Generated at | 2031-01-02T03:04:05Z |");
	cairn_buf_dispose(&a);
	cairn_buf_dispose(&b);
	cairn_buf_dispose(&c);
	cairn_report_free(r);
}

/* A report with the counts of the issue's examples. */
static cairn_report *counted(cairn_report_kind kind, const char *stack, int failed, int waived,
			     int passed, int modified, int deleted, int in_sync)
{
	cairn_report *r;
	int i;
	char id[32];
	cairn_report_new(&r, kind, stack);
	cairn_report_set_template(r, "stacks/x.yaml",
				  "5555555555555555555555555555555555555555555555555555555555555555");
	cairn_report_set_state(r, 4, NULL);
	for (i = 0; i < failed + waived + passed; i++) {
		cairn_report_control *c;
		snprintf(id, sizeof(id), "C-%d", i);
		c = cairn_report_add_control(r, id, "t", CAIRN_REPORT_SEV_MEDIUM, NULL);
		if (i < failed) {
			cairn_report_control_finding(c, CAIRN_REPORT_FAILED, "R", "AWS::S3::Bucket", "m");
		} else if (i < failed + waived) {
			cairn_report_control_finding(c, CAIRN_REPORT_WAIVED, "R", "AWS::S3::Bucket", "m");
			cairn_report_add_waiver(r, id, "R", "why", "me", "2099-01-01", 0);
		}
	}
	for (i = 0; i < modified + deleted + in_sync; i++) {
		cairn_report_drift *d;
		snprintf(id, sizeof(id), "R%d", i);
		d = cairn_report_add_drift(r, id, "AWS::S3::Bucket", id,
					   i < modified             ? CAIRN_DRIFT_MODIFIED
					   : i < modified + deleted ? CAIRN_DRIFT_DELETED
								    : CAIRN_DRIFT_IN_SYNC);
		if (i < modified) {
			json_t *e = json_true(), *a = json_false();
			cairn_report_drift_diff(d, "P", e, a);
			json_decref(e);
			json_decref(a);
		}
	}
	return r;
}

static char *subject(cairn_report *r)
{
	char *m = message_of(r), *nl = strchr(m, '\n');
	if (nl)
		*nl = '\0';
	cairn_report_free(r);
	return m;
}

TEST(subjects_summarise)
{
	char *s;
	s = subject(counted(CAIRN_REPORT_DRIFT, "s3-ingestion", 0, 0, 0, 2, 1, 5));
	CHECK_STR(s, "drift: s3-ingestion: 2 modified, 1 deleted");
	free(s);
	s = subject(counted(CAIRN_REPORT_DRIFT, "s3-ingestion", 0, 0, 0, 0, 0, 5));
	CHECK_STR(s, "drift: s3-ingestion: in sync (5 resources)");
	free(s);
	s = subject(counted(CAIRN_REPORT_DRIFT, "empty", 0, 0, 0, 0, 0, 0));
	CHECK_STR(s, "drift: empty: no resources");
	free(s);
	s = subject(counted(CAIRN_REPORT_AUDIT, "model-registry", 3, 1, 42, 2, 0, 9));
	CHECK_STR(s, "audit: model-registry: 3 failed, 1 waived, 42 passed, drift 2 modified");
	free(s);
	s = subject(counted(CAIRN_REPORT_AUDIT, "clean", 0, 0, 12, 0, 0, 3));
	CHECK_STR(s, "audit: clean: 12 passed, no drift");
	free(s);
}

TEST(message_body_and_trailers)
{
	cairn_report *r = NULL;
	char *m;
	CHECK_INT(cairn_report_load(&r, FIX "/audit.json"), 0);
	m = message_of(r);
	CHECK_CONTAINS(m, "\n\nStack model-registry, template stacks/model-registry.yaml.\n");
	CHECK_CONTAINS(m, "Controls: 3 failed, 1 not decided, 1 waived, 2 passed (7 evaluated).\n"
			  "Failed: LP-1 (critical), CIS-2.1.4 (high), CIS-3.1 (high).\n");
	CHECK_CONTAINS(m, "Modified: DataBucket, Trail.\nDeleted: LogsBucket.\nNot checked: Role.\n");
	/* The trailers are the last paragraph. */
	CHECK_CONTAINS(m, "\n\nCairn-Stack: model-registry\n"
			  "Cairn-Template: stacks/model-registry.yaml\n"
			  "Cairn-Template-SHA256: "
			  "36e7b71129f6a87168cc6d3d1057e93dbe90f47c386cf165a5bc2566d53c8262\n"
			  "Cairn-Policies-SHA256: "
			  "36ca60fdafeae3e45b1f78e262f535b2739c9a29b0e69f32df71d6889495bfc0\n"
			  "Cairn-State-Serial: 7\n"
			  "Cairn-Version: 0.1.0\n");
	CHECK(m[strlen(m) - 1] == '\n');
	free(m);
	cairn_report_free(r);

	/* A drift report has no policies trailer; no state, no serial. */
	CHECK_INT(cairn_report_load(&r, FIX "/drift.json"), 0);
	cairn_report_set_state(r, -1, NULL);
	m = message_of(r);
	CHECK(strstr(m, "Cairn-Policies-SHA256") == NULL);
	CHECK(strstr(m, "Cairn-State-Serial") == NULL);
	CHECK_CONTAINS(m, "Cairn-Template-SHA256: ");
	free(m);
	cairn_report_free(r);
}

TEST(format_names)
{
	CHECK_INT(cairn_report_format_parse("text"), CAIRN_REPORT_TEXT);
	CHECK_INT(cairn_report_format_parse("json"), CAIRN_REPORT_JSON);
	CHECK_INT(cairn_report_format_parse("markdown"), CAIRN_REPORT_MARKDOWN);
	CHECK_INT(cairn_report_format_parse("md"), CAIRN_REPORT_MARKDOWN);
	CHECK_INT(cairn_report_format_parse("sarif"), -1);
	CHECK_INT(cairn_report_format_parse(NULL), -1);
}

int main(void)
{
	RUN(audit_markdown_reads_top_down_for_an_auditor);
	RUN(drift_markdown);
	RUN(markdown_escapes_what_it_did_not_write);
	RUN(text_for_a_terminal);
	RUN(generated_at_appears_only_when_set);
	RUN(subjects_summarise);
	RUN(message_body_and_trailers);
	RUN(format_names);
	return test_done();
}
