/*
 * Unit tests for src/audit/: the live document (livedoc.c) and the policy
 * results turned into an audit report (findings.c), on a stack, a state,
 * a refresh and account facts made by hand; the built-in packs judge it.
 * (Reading the account from AWS, account.c, is tested against the
 * emulator in tests/integration/test_audit*.py.)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/audit.h"
#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/drift.h"
#include "cairn/policy.h"
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

static const char TEMPLATE[] = "Metadata:\n"
                               "  Cairn:\n"
                               "    Policies: [cis-aws-3.0]\n"
                               "    Waivers:\n"
                               "      - Control: cis-1.20\n"
                               "        Reason: other regions are closed by an SCP\n"
                               "        Approver: security@example.com\n"
                               "        Expires: \"2099-12-31\"\n"
                               "      - Control: CIS-1.8\n"
                               "        Reason: old exception\n"
                               "        Approver: security@example.com\n"
                               "        Expires: \"2020-01-01\"\n"
                               "Resources:\n"
                               "  Key:\n"
                               "    Type: AWS::KMS::Key\n"
                               "    Properties:\n"
                               "      EnableKeyRotation: true\n"
                               "  Trail:\n"
                               "    Type: AWS::CloudTrail::Trail\n"
                               "    Metadata:\n"
                               "      Cairn:\n"
                               "        Waivers:\n"
                               "          - Control: cis-aws-3.0/3.1\n"
                               "            Reason: a test trail\n"
                               "            Approver: ops@example.com\n"
                               "            Expires: \"2099-12-31\"\n"
                               "    Properties:\n"
                               "      S3BucketName: logs\n"
                               "      IsLogging: true\n"
                               "      IsMultiRegionTrail: true\n"
                               "  Gone:\n"
                               "    Type: AWS::KMS::Key\n"
                               "    Properties:\n"
                               "      EnableKeyRotation: true\n";

typedef struct fixture {
	char *dir;
	cairn_stack *s;
	cairn_state *st;
	json_t *refresh, *account, *doc;
} fixture;

static void setup(fixture *f)
{
	char tmpl[] = "/tmp/cairn-unit-audit-XXXXXX";
	char *tpl, *state;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack_options o;
	FILE *fp;

	memset(f, 0, sizeof(*f));
	f->dir = cairn_xstrdup(mkdtemp(tmpl));
	tpl = cairn_xasprintf("%s/audited.yaml", f->dir);
	fp = fopen(tpl, "w");
	if (fp) {
		fputs(TEMPLATE, fp);
		fclose(fp);
	}
	memset(&o, 0, sizeof(o));
	o.region = "us-east-1";
	o.account_id = "123456789012";
	if (cairn_stack_load(&f->s, tpl, &o, &d) < 0)
		cairn_diags_print(&d, stderr);
	cairn_diags_dispose(&d);
	state = cairn_xasprintf("%s/.cairn/audited.state.json", f->dir);
	cairn_state_open(&f->st, state, "audited");
	cairn_state_set_resource(
	    f->st, "Key",
	    J("{\"type\": \"AWS::KMS::Key\", \"status\": \"created\", \"id\": \"k-1\", "
	      "\"properties\": {\"EnableKeyRotation\": true}, \"attributes\": {\"Arn\": "
	      "\"arn:aws:kms:us-east-1:123456789012:key/k-1\", \"KeyId\": \"k-1\"}}"));
	cairn_state_set_resource(
	    f->st, "Trail",
	    J("{\"type\": \"AWS::CloudTrail::Trail\", \"status\": \"created\", \"id\": \"t-1\", "
	      "\"properties\": {\"S3BucketName\": \"logs\", \"IsLogging\": true, "
	      "\"IsMultiRegionTrail\": true}, \"attributes\": {}}"));
	cairn_state_set_resource(
	    f->st, "Gone",
	    J("{\"type\": \"AWS::KMS::Key\", \"status\": \"created\", \"id\": \"k-2\", "
	      "\"properties\": {\"EnableKeyRotation\": true}, \"attributes\": {}}"));
	cairn_state_set_resource(
	    f->st, "Orphan",
	    J("{\"type\": \"AWS::KMS::Key\", \"status\": \"created\", \"id\": \"k-3\", "
	      "\"properties\": {\"EnableKeyRotation\": true}, \"attributes\": {}, "
	      "\"depends_on\": []}"));
	/* rotation off, the trail stopped, Gone deleted, Orphan (dropped from
	 * the template) still live */
	f->refresh =
	    J("{\"Key\": {\"status\": \"found\", \"id\": \"k-1\", \"properties\": "
	      "{\"EnableKeyRotation\": false, \"KeySpec\": \"SYMMETRIC_DEFAULT\", \"KeyUsage\": "
	      "\"ENCRYPT_DECRYPT\"}, \"attributes\": {\"Arn\": "
	      "\"arn:aws:kms:us-east-1:123456789012:key/k-1\"}},"
	      " \"Trail\": {\"status\": \"found\", \"id\": \"t-1\", \"properties\": "
	      "{\"S3BucketName\": \"logs\", \"IsLogging\": false, \"IsMultiRegionTrail\": true}, "
	      "\"attributes\": {}},"
	      " \"Gone\": {\"status\": \"gone\"},"
	      " \"Orphan\": {\"status\": \"found\", \"id\": \"k-3\", \"properties\": "
	      "{\"EnableKeyRotation\": true, \"KeySpec\": \"SYMMETRIC_DEFAULT\"}, \"attributes\": "
	      "{}}}");
	f->account =
	    J("{\"collected_at\": \"2026-03-01T12:00:00Z\", \"regions\": [\"us-east-1\", "
	      "\"eu-west-1\"], \"analyzers\": {\"us-east-1\": [{\"name\": \"a\", \"type\": "
	      "\"ACCOUNT\", \"status\": \"ACTIVE\"}], \"eu-west-1\": []}, "
	      "\"password_policy\": null}");
	CHECK_INT(cairn_audit_document(f->s, f->st, f->refresh, f->account, &f->doc), 0);
	free(tpl);
	free(state);
}

static void teardown(fixture *f)
{
	char *cmd = cairn_xasprintf("rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(cmd);
	json_decref(f->refresh);
	json_decref(f->account);
	json_decref(f->doc);
	cairn_state_free(f->st);
	cairn_stack_free(f->s);
	free(f->dir);
}

TEST(the_live_document_holds_what_aws_holds)
{
	fixture f;
	json_t *res;
	setup(&f);
	res = json_object_get(f.doc, "resources");
	CHECK(json_is_true(json_object_get(f.doc, "live")));
	CHECK_STR(json_string_value(json_object_get(f.doc, "account")), "123456789012");
	CHECK(json_is_object(json_object_get(f.doc, "account_data")));
	CHECK(json_object_get(res, "Gone") == NULL);
	CHECK(json_object_get(res, "Orphan") != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(res, "Orphan"), "Type")),
	          "AWS::KMS::Key");
	CHECK(json_is_false(json_object_get(
	    json_object_get(json_object_get(res, "Key"), "Properties"), "EnableKeyRotation")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(res, "Key"), "PhysicalId")),
	          "k-1");
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(json_object_get(res, "Key"), "Attributes"), "Arn")),
	          "arn:aws:kms:us-east-1:123456789012:key/k-1");
	/* the template's waivers stay with their resource */
	CHECK(json_object_get(json_object_get(json_object_get(res, "Trail"), "Metadata"),
	                      "Cairn") != NULL);
	teardown(&f);
}

static const cairn_report_control *control(const cairn_report *r, const char *id)
{
	size_t i;
	for (i = 0; i < cairn_report_control_count(r); i++)
		if (strcmp(cairn_report_control_at(r, i)->id, id) == 0)
			return cairn_report_control_at(r, i);
	return NULL;
}

static const cairn_report_waiver *waiver(const cairn_report *r, const char *control_id,
                                         const char *res)
{
	size_t i;
	for (i = 0; i < cairn_report_waiver_count(r); i++) {
		const cairn_report_waiver *w = cairn_report_waiver_at(r, i);
		if (strcmp(w->control, control_id) == 0 &&
		    (res ? w->resource && strcmp(w->resource, res) == 0 : !w->resource))
			return w;
	}
	return NULL;
}

TEST(results_become_controls_findings_and_waivers)
{
	fixture f;
	cairn_policy_set *set = NULL;
	cairn_policy_report rep = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_run_options ro;
	cairn_audit_results in;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_report *r = NULL;
	const cairn_report_control *c;
	const cairn_report_waiver *w;
	const char *packs[] = {"cis-aws-3.0"};
	const cairn_template *t;
	size_t i, npol = 0;
	char *md;
	cairn_buf b = CAIRN_BUF_INIT;

	setup(&f);
	t = cairn_stack_template(f.s);
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_builtin(set, &d), 0);
	memset(&ro, 0, sizeof(ro));
	ro.live = 1;
	ro.packs = packs;
	ro.npacks = 1;
	ro.today = "2026-03-01";
	ro.locate = cairn_policy_locate_template;
	ro.locate_ud = (void *)t;
	ro.stack_waivers = json_object_get(
	    json_object_get(json_object_get(cairn_template_root(t), "Metadata"), "Cairn"),
	    "Waivers");
	CHECK_INT(cairn_policy_run(set, f.doc, &ro, &rep, &d), 0);
	cairn_diags_print(&d, stderr);

	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "audited");
	cairn_report_set_template(r, cairn_template_path(cairn_stack_template(f.s)), NULL);
	memset(&in, 0, sizeof(in));
	in.set = set;
	in.packs = packs;
	in.npacks = 1;
	in.rep = &rep;
	in.document = f.doc;
	in.tpl = t;
	in.today = "2026-03-01";
	CHECK_INT(cairn_audit_report(r, &in), 0);
	CHECK_INT(cairn_report_finish(r), 0);

	/* one policy file per policy of the pack run */
	for (i = 0; i < cairn_policy_set_count(set); i++)
		npol += strcmp(cairn_policy_set_at(set, i)->pack, "cis-aws-3.0") == 0;
	CHECK_INT(cairn_report_policy_count(r), npol);
	CHECK_STR(cairn_report_policy_at(r, 0)->path, "policies/cis-aws-3.0/cis-1.10.lua");

	/* a resource finding: path without Properties., the live value, the
	 * physical id, the template line of the property; waived by a
	 * framework control written on the resource */
	c = control(r, "cis-3.1");
	CHECK(c != NULL);
	if (c) {
		CHECK_INT(c->status, CAIRN_REPORT_WAIVED);
		CHECK_INT(c->nfindings, 1);
		CHECK_STR(c->findings[0]->resource, "Trail");
		CHECK_STR(c->findings[0]->path, "IsLogging");
		CHECK(json_is_false(c->findings[0]->actual));
		CHECK_STR(c->findings[0]->physical_id, "t-1");
		CHECK_INT(c->findings[0]->loc.line, 29);
	}
	/* the one waiver is listed under both controls it names */
	CHECK(waiver(r, "cis-3.1", "Trail") != NULL);
	CHECK(waiver(r, "cis-3.1-account", "Trail") != NULL);
	w = waiver(r, "cis-3.1", "Trail");
	if (w) {
		CHECK_INT(w->status, CAIRN_REPORT_WAIVER_APPLIED);
		CHECK_INT(w->loc.line, 23);
	}
	/* rotation: failed on Key, not on the orphan */
	c = control(r, "cis-3.6");
	CHECK(c && c->status == CAIRN_REPORT_FAILED && c->nfindings == 1);
	if (c && c->nfindings == 1)
		CHECK_STR(c->findings[0]->resource, "Key");
	/* account level: a template-level waiver covers eu-west-1's finding */
	c = control(r, "cis-1.20");
	CHECK(c && c->status == CAIRN_REPORT_WAIVED);
	if (c && c->nfindings == 1) {
		CHECK(c->findings[0]->resource == NULL);
		CHECK_STR(c->findings[0]->subject, "region eu-west-1");
	}
	w = waiver(r, "cis-1.20", NULL);
	CHECK(w && w->status == CAIRN_REPORT_WAIVER_APPLIED && w->loc.line == 5);
	/* an expired template-level waiver (written CIS-1.8) waives nothing */
	c = control(r, "cis-1.8");
	CHECK(c && c->status == CAIRN_REPORT_FAILED);
	w = waiver(r, "cis-1.8", NULL);
	CHECK(w && w->status == CAIRN_REPORT_WAIVER_EXPIRED);
	if (c && c->nfindings == 1)
		CHECK_CONTAINS(c->findings[0]->message, "expired on 2020-01-01");
	/* a field the audit did not collect: not decided, saying which */
	c = control(r, "cis-1.4");
	CHECK(c && c->status == CAIRN_REPORT_NOT_DECIDED);
	if (c && c->nfindings == 1)
		CHECK_CONTAINS(c->findings[0]->message, "account_data.");

	CHECK_INT(cairn_report_render(r, CAIRN_REPORT_MARKDOWN, 0, &b), 0);
	md = cairn_buf_detach(&b);
	CHECK_CONTAINS(md, "| cis-1.20 | the account (template level) |");
	CHECK_CONTAINS(md, "The AWS account (region eu-west-1)");
	free(md);

	cairn_report_free(r);
	cairn_policy_report_dispose(&rep);
	cairn_policy_set_free(set);
	cairn_diags_dispose(&d);
	teardown(&f);
}

/* A problem reading a field is quoted in the findings it leaves undecided. */
TEST(collection_problems_explain_undecided_findings)
{
	fixture f;
	cairn_policy_set *set = NULL;
	cairn_policy_report rep = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_run_options ro;
	cairn_audit_results in;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_report *r = NULL;
	const cairn_report_control *c;
	const char *packs[] = {"cis-aws-3.0"};
	json_t *problems = J("[{\"field\": \"password_policy\", \"message\": "
	                     "\"GetAccountPasswordPolicy (iam): AccessDenied: no\"}]");

	setup(&f);
	json_object_del(json_object_get(f.doc, "account_data"), "password_policy");
	cairn_policy_set_new(&set);
	cairn_policy_set_add_builtin(set, &d);
	memset(&ro, 0, sizeof(ro));
	ro.live = 1;
	ro.packs = packs;
	ro.npacks = 1;
	ro.today = "2026-03-01";
	ro.stack_waivers = json_object_get(
	    json_object_get(
	        json_object_get(cairn_template_root(cairn_stack_template(f.s)), "Metadata"),
	        "Cairn"),
	    "Waivers");
	cairn_policy_run(set, f.doc, &ro, &rep, &d);
	cairn_report_new(&r, CAIRN_REPORT_AUDIT, "audited");
	cairn_report_set_template(r, cairn_template_path(cairn_stack_template(f.s)), NULL);
	memset(&in, 0, sizeof(in));
	in.set = set;
	in.packs = packs;
	in.npacks = 1;
	in.rep = &rep;
	in.document = f.doc;
	in.tpl = cairn_stack_template(f.s);
	in.today = "2026-03-01";
	in.problems = problems;
	CHECK_INT(cairn_audit_report(r, &in), 0);
	CHECK_INT(cairn_report_finish(r), 0);
	c = control(r, "cis-1.9");
	CHECK(c && c->status == CAIRN_REPORT_NOT_DECIDED);
	if (c && c->nfindings == 1)
		CHECK_CONTAINS(c->findings[0]->message,
		               "(account_data.password_policy): GetAccountPasswordPolicy (iam): "
		               "AccessDenied: no");
	cairn_report_free(r);
	cairn_policy_report_dispose(&rep);
	cairn_policy_set_free(set);
	cairn_diags_dispose(&d);
	json_decref(problems);
	teardown(&f);
}

int main(void)
{
	RUN(the_live_document_holds_what_aws_holds);
	RUN(results_become_controls_findings_and_waivers);
	RUN(collection_problems_explain_undecided_findings);
	return test_done();
}
