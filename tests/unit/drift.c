/*
 * Unit tests for src/engine/drift.c: a state and a refresh result made by
 * hand, compared into a drift report. (Reads through the providers are
 * tested end to end in tests/integration/test_drift*.py.)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/drift.h"
#include "cairn/stack.h"
#include "cairn/state.h"
#include "test.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
	return v;
}

static char *scratch(void)
{
	char tmpl[] = "/tmp/cairn-unit-drift-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? cairn_xstrdup(d) : NULL;
}

static void rm_rf(const char *dir)
{
	char *cmd = cairn_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

static const char TEMPLATE[] =
    "Parameters:\n"
    "  Owner:\n"
    "    Type: String\n"
    "    NoEcho: true\n"
    "Resources:\n"
    "  Key:\n"
    "    Type: AWS::KMS::Key\n"
    "    Properties:\n"
    "      EnableKeyRotation: true\n"
    "  Bucket:\n"
    "    Type: AWS::S3::Bucket\n"
    "    Properties:\n"
    "      VersioningConfiguration: {Status: Enabled}\n"
    "      Tags: [{Key: owner, Value: !Ref Owner}, {Key: team, Value: data}]\n";

typedef struct fixture {
	char *dir;
	cairn_stack *s;
	cairn_state *st;
} fixture;

static void setup(fixture *f)
{
	char *tpl, *state;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack_options o;
	json_t *params = json_pack("{s:s}", "Owner", "owner-secret-77");
	FILE *fp;

	memset(f, 0, sizeof(*f));
	f->dir = scratch();
	tpl = cairn_xasprintf("%s/demo.yaml", f->dir);
	fp = fopen(tpl, "w");
	if (fp) {
		fputs(TEMPLATE, fp);
		fclose(fp);
	}
	memset(&o, 0, sizeof(o));
	o.params = params;
	o.region = "us-east-1";
	o.account_id = "123456789012";
	if (cairn_stack_load(&f->s, tpl, &o, &d) < 0)
		cairn_diags_print(&d, stderr);
	cairn_diags_dispose(&d);
	json_decref(params);
	state = cairn_xasprintf("%s/.cairn/demo.state.json", f->dir);
	CHECK_INT(cairn_state_open(&f->st, state, "demo"), 0);
	cairn_state_set_resource(
	    f->st, "Key",
	    J("{\"type\": \"AWS::KMS::Key\", \"status\": \"created\", \"id\": \"k-1\", "
	      "\"properties\": {\"EnableKeyRotation\": true}, \"attributes\": {}}"));
	cairn_state_set_resource(
	    f->st, "Bucket",
	    J("{\"type\": \"AWS::S3::Bucket\", \"status\": \"created\", \"id\": \"b-1\", "
	      "\"properties\": {\"BucketName\": \"b-1\", \"VersioningConfiguration\": "
	      "{\"Status\": \"Enabled\"}, \"Tags\": [{\"Key\": \"owner\", \"Value\": "
	      "\"owner-secret-77\"}, {\"Key\": \"team\", \"Value\": \"data\"}]}, "
	      "\"attributes\": {}, \"sensitive\": [\"Tags\"]}"));
	free(tpl);
	free(state);
}

static void teardown(fixture *f)
{
	cairn_state_free(f->st);
	cairn_stack_free(f->s);
	rm_rf(f->dir);
	free(f->dir);
}

static const cairn_report_drift *entry(const cairn_report *r, const char *id)
{
	size_t i;
	for (i = 0; i < cairn_report_drift_count(r); i++)
		if (strcmp(cairn_report_drift_at(r, i)->logical_id, id) == 0)
			return cairn_report_drift_at(r, i);
	return NULL;
}

static char *render(cairn_report *r, cairn_report_format fmt)
{
	cairn_buf b = CAIRN_BUF_INIT;
	if (cairn_report_render(r, fmt, CAIRN_REPORT_ALL, &b) < 0)
		fprintf(stderr, "render: %s\n", cairn_error_last());
	return cairn_buf_detach(&b);
}

static cairn_report *new_report(void)
{
	cairn_report *r = NULL;
	cairn_report_new(&r, CAIRN_REPORT_DRIFT, "demo");
	cairn_report_set_template(
	    r, "demo.yaml", "1111111111111111111111111111111111111111111111111111111111111111");
	return r;
}

/* Live equal to what was applied, under plan's normalisation (a cairn tag
 * and an extra property AWS reports do not count): in sync. */
TEST(equal_under_normalisation_is_in_sync)
{
	fixture f;
	cairn_report *r = new_report();
	cairn_drift_result res = CAIRN_DRIFT_RESULT_INIT;
	json_t *refresh;
	setup(&f);
	refresh = J("{\"Key\": {\"status\": \"found\", \"id\": \"k-1\", \"properties\": "
	            "{\"EnableKeyRotation\": \"true\", \"KeyUsage\": \"ENCRYPT_DECRYPT\"}}, "
	            "\"Bucket\": {\"status\": \"found\", \"id\": \"b-1\", \"properties\": "
	            "{\"BucketName\": \"b-1\", \"VersioningConfiguration\": {\"Status\": "
	            "\"Enabled\"}, \"Tags\": [{\"Key\": \"cairn:stack\", \"Value\": \"demo\"}, "
	            "{\"Key\": \"owner\", \"Value\": \"owner-secret-77\"}, {\"Key\": \"team\", "
	            "\"Value\": \"data\"}]}}}");
	CHECK_INT(cairn_drift_compare(f.s, f.st, refresh, r, &res), 0);
	CHECK_INT(cairn_report_finish(r), 0);
	CHECK_INT(cairn_report_drift_count(r), 2);
	CHECK_INT(entry(r, "Key")->status, CAIRN_DRIFT_IN_SYNC);
	CHECK_INT(entry(r, "Bucket")->status, CAIRN_DRIFT_IN_SYNC);
	CHECK_INT(res.drifted, 0);
	CHECK_INT(res.read_errors, 0);
	/* located at the logical id in the template */
	CHECK_INT(entry(r, "Key")->loc.line, 6);
	CHECK_INT(entry(r, "Bucket")->loc.line, 10);
	json_decref(refresh);
	cairn_report_free(r);
	teardown(&f);
}

/* Each status, with the exact path, expected (applied) and actual (live). */
TEST(modified_deleted_and_not_checked)
{
	fixture f;
	cairn_report *r = new_report();
	cairn_drift_result res = CAIRN_DRIFT_RESULT_INIT;
	const cairn_report_drift *d;
	json_t *refresh;
	char *text;
	setup(&f);
	cairn_state_set_resource(
	    f.st, "Trail",
	    J("{\"type\": \"AWS::CloudTrail::Trail\", \"status\": \"created\", \"id\": \"t\", "
	      "\"properties\": {\"IsLogging\": true}}"));
	cairn_state_set_resource(
	    f.st, "Role",
	    J("{\"type\": \"AWS::IAM::Role\", \"status\": \"pending\", \"properties\": {}}"));
	cairn_state_set_resource(
	    f.st, "Group",
	    J("{\"type\": \"AWS::IAM::Group\", \"status\": \"created\", \"id\": \"g\", "
	      "\"properties\": {}}"));
	refresh = J("{\"Key\": {\"status\": \"found\", \"id\": \"k-1\", \"properties\": "
	            "{\"EnableKeyRotation\": false}}, "
	            "\"Bucket\": {\"status\": \"gone\"}, "
	            "\"Trail\": {\"status\": \"error\", \"error\": \"GetTrail (cloudtrail): "
	            "AccessDeniedException: no\"}, "
	            "\"Group\": {\"status\": \"not_checked\", \"reason\": \"no read\"}}");
	CHECK_INT(cairn_drift_compare(f.s, f.st, refresh, r, &res), 0);
	CHECK_INT(cairn_report_finish(r), 0);
	d = entry(r, "Key");
	CHECK_INT(d->status, CAIRN_DRIFT_MODIFIED);
	CHECK_INT(d->ndiffs, 1);
	if (d->ndiffs == 1) {
		CHECK_STR(d->diffs[0]->path, "EnableKeyRotation");
		CHECK(json_is_true(d->diffs[0]->expected));
		CHECK(json_is_false(d->diffs[0]->actual));
	}
	CHECK_STR(entry(r, "Key")->physical_id, "k-1");
	CHECK_INT(entry(r, "Bucket")->status, CAIRN_DRIFT_DELETED);
	d = entry(r, "Trail");
	CHECK_INT(d->status, CAIRN_DRIFT_NOT_CHECKED);
	CHECK_CONTAINS(d->reason,
	               "reading it failed: GetTrail (cloudtrail): AccessDeniedException");
	/* not in the template any more: no location */
	CHECK(d->loc.file == NULL);
	CHECK_CONTAINS(entry(r, "Role")->reason, "interrupted");
	CHECK_STR(entry(r, "Group")->reason, "no read");
	CHECK_INT(res.drifted, 2);
	CHECK_INT(res.read_errors, 1);
	text = render(r, CAIRN_REPORT_TEXT);
	CHECK_CONTAINS(text, "EnableKeyRotation: expected true, actual false");
	free(text);
	json_decref(refresh);
	cairn_report_free(r);
	teardown(&f);
}

/* A property the state marks sensitive is "(sensitive)" on both sides;
 * the NoEcho value never reaches a rendering, even inside other text. */
TEST(sensitive_properties_and_noecho_values_never_show)
{
	fixture f;
	cairn_report *r = new_report();
	const cairn_report_drift *d;
	json_t *refresh;
	char *json, *md, *text;
	setup(&f);
	refresh = J("{\"Key\": {\"status\": \"found\", \"id\": \"k-1\", \"properties\": "
	            "{\"EnableKeyRotation\": true, \"Description\": \"by owner-secret-77\"}}, "
	            "\"Bucket\": {\"status\": \"found\", \"id\": \"b-1\", \"properties\": "
	            "{\"BucketName\": \"b-1\", \"VersioningConfiguration\": {\"Status\": "
	            "\"Suspended\"}, \"Tags\": [{\"Key\": \"owner\", \"Value\": \"someone\"}]}}}");
	/* Description is applied too, so that its live text is compared and shown */
	json_object_set_new(json_object_get(cairn_state_resource(f.st, "Key"), "properties"),
	                    "Description", json_string("by owner-secret-77 (old)"));
	CHECK_INT(cairn_drift_compare(f.s, f.st, refresh, r, NULL), 0);
	CHECK_INT(cairn_report_finish(r), 0);
	d = entry(r, "Bucket");
	CHECK_INT(d->ndiffs, 2);
	if (d->ndiffs == 2) {
		CHECK_STR(d->diffs[0]->path, "Tags");
		CHECK_STR(json_string_value(d->diffs[0]->expected), "(sensitive)");
		CHECK_STR(json_string_value(d->diffs[0]->actual), "(sensitive)");
		CHECK_STR(d->diffs[1]->path, "VersioningConfiguration.Status");
	}
	json = render(r, CAIRN_REPORT_JSON);
	md = render(r, CAIRN_REPORT_MARKDOWN);
	text = render(r, CAIRN_REPORT_TEXT);
	CHECK(strstr(json, "owner-secret-77") == NULL);
	CHECK(strstr(md, "owner-secret-77") == NULL);
	CHECK(strstr(text, "owner-secret-77") == NULL);
	CHECK_CONTAINS(json, "(redacted)");
	free(json);
	free(md);
	free(text);
	json_decref(refresh);
	cairn_report_free(r);
	teardown(&f);
}

/* A NoEcho value changed since the apply: the old value, which the state
 * still holds, is redacted too; the parts of the property the template
 * still gives (a tag's key, another tag) are not secrets and stay. */
TEST(an_old_noecho_value_is_redacted_and_nothing_else)
{
	fixture f;
	cairn_report *r = new_report();
	json_t *refresh;
	char *json;
	setup(&f);
	json_object_set_new(
	    json_array_get(
	        json_object_get(json_object_get(cairn_state_resource(f.st, "Bucket"), "properties"),
	                        "Tags"),
	        0),
	    "Value", json_string("old-secret-1234"));
	refresh = J("{\"Key\": {\"status\": \"found\", \"id\": \"k-1\", \"properties\": "
	            "{\"EnableKeyRotation\": true, \"Description\": \"was old-secret-1234, team "
	            "data\"}}, \"Bucket\": {\"status\": \"gone\"}}");
	json_object_set_new(json_object_get(cairn_state_resource(f.st, "Key"), "properties"),
	                    "Description", json_string("x"));
	CHECK_INT(cairn_drift_compare(f.s, f.st, refresh, r, NULL), 0);
	json = render(r, CAIRN_REPORT_JSON);
	CHECK(strstr(json, "old-secret-1234") == NULL);
	CHECK_CONTAINS(json, "\"actual\": \"was (redacted), team data\"");
	free(json);
	json_decref(refresh);
	cairn_report_free(r);
	teardown(&f);
}

/* Without a stack (nothing to locate) every entry still comes out, and a
 * resource the refresh did not read is NOT_CHECKED. */
TEST(no_stack_and_unread_resources)
{
	fixture f;
	cairn_report *r = new_report();
	json_t *refresh = json_object();
	setup(&f);
	CHECK_INT(cairn_drift_compare(NULL, f.st, refresh, r, NULL), 0);
	CHECK_INT(cairn_report_finish(r), 0);
	CHECK_INT(entry(r, "Key")->status, CAIRN_DRIFT_NOT_CHECKED);
	CHECK_STR(entry(r, "Key")->reason, "it was not read");
	CHECK(entry(r, "Key")->loc.file == NULL);
	json_decref(refresh);
	cairn_report_free(r);
	teardown(&f);
}

int main(void)
{
	RUN(equal_under_normalisation_is_in_sync);
	RUN(modified_deleted_and_not_checked);
	RUN(sensitive_properties_and_noecho_values_never_show);
	RUN(an_old_noecho_value_is_redacted_and_nothing_else);
	RUN(no_stack_and_unread_resources);
	return test_done();
}
