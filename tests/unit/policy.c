/*
 * Unit tests for src/policy: the sandbox (one test per hostile policy in
 * tests/policy/hostile/), the policy library (tests/policy/library/
 * test_*.lua run inside a sandbox), loading and validating policies,
 * evaluation, unknown values and waivers.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "cairn/common.h"
#include "cairn/policy.h"
#include "policy/sandbox.h"
#include "test.h"

#define LIBDOC "tests/policy/library/doc.json"

static json_t *load_json(const char *path)
{
	json_error_t e;
	json_t *v = json_load_file(path, 0, &e);
	if (!v)
		fprintf(stderr, "%s:%d: %s\n", path, e.line, e.text);
	return v;
}

/* Runs a library test script in a sandbox over the library document;
 * every string it returns is a failure. */
static void run_library_test(const char *script)
{
	json_t *doc = load_json(LIBDOC);
	cairn_pdoc *d = NULL;
	cairn_sandbox *sb = NULL;
	char *text = NULL, *chunk = cairn_xasprintf("@%s", script);
	size_t len, i;
	sb_result res;
	lua_State *L;

	CHECK(doc != NULL);
	CHECK_INT(cairn_pdoc_new(&d, doc), 0);
	CHECK_INT(cairn_sandbox_new(&sb, 0, 0, chunk), 0);
	cairn_pdoc_install(d, sb);
	L = cairn_sandbox_state(sb);
	CHECK_INT(cairn_file_read(script, &text, &len), 0);
	if (cairn_sandbox_load(sb, text, len, chunk, &res) < 0 ||
	    cairn_sandbox_call(sb, 0, 1, &res) != SB_OK) {
		fprintf(stderr, "%s: %s\n", script, res.message);
		CHECK(0);
		sb_result_dispose(&res);
	} else {
		CHECK(lua_type(L, -1) == LUA_TTABLE);
		for (i = 1; i <= lua_rawlen(L, -1); i++) {
			lua_rawgeti(L, -1, (lua_Integer)i);
			fprintf(stderr, "%s: %s\n", script, lua_tostring(L, -1));
			lua_pop(L, 1);
			CHECK(0);
		}
	}
	free(text);
	free(chunk);
	cairn_sandbox_free(sb);
	cairn_pdoc_free(d);
	json_decref(doc);
}

TEST(library_core) { run_library_test("tests/policy/library/test_core.lua"); }

/* Conversions of the document do not count against the memory cap;
 * repeating one must not grow that exemption (a way around the cap). */
TEST(exempt_memory_does_not_grow)
{
	json_t *doc = load_json(LIBDOC);
	cairn_pdoc *d = NULL;
	cairn_sandbox *sb = NULL;
	sb_result res;
	lua_State *L;
	size_t room0, room1, cap;
	static const char chunk[] =
		"local P = require 'cairn.policy'\n"
		"local doc = require 'cairn.policy.doc'\n"
		"local r = doc.resource('ModelBucket')\n"
		"local key = P.get(r.Properties, 'BucketEncryption.ServerSideEncryptionConfiguration[0]"
		".ServerSideEncryptionByDefault.KMSMasterKeyID')\n"
		"local function round()\n"
		"  local _ = doc.section('parameters')\n"
		"  local _ = P.unknown(key)\n"
		"  r.Properties.BucketEncryption = nil\n"
		"  local _ = r.Properties.BucketEncryption\n"
		"end\n"
		"return round\n";

	CHECK_INT(cairn_pdoc_new(&d, doc), 0);
	CHECK_INT(cairn_sandbox_new(&sb, 0, 0, "@exempt"), 0);
	cairn_pdoc_install(d, sb);
	L = cairn_sandbox_state(sb);
	CHECK_INT(cairn_sandbox_load(sb, chunk, sizeof(chunk) - 1, "@exempt", &res), 0);
	CHECK_INT(cairn_sandbox_call(sb, 0, 1, &res), SB_OK);
	lua_pushvalue(L, -1);
	CHECK_INT(cairn_sandbox_call(sb, 0, 0, &res), SB_OK); /* first round converts */
	lua_gc(L, LUA_GCCOLLECT);
	room0 = cairn_sandbox_headroom(L, &cap);
	{
		int i;
		for (i = 0; i < 2000; i++) {
			lua_pushvalue(L, -1);
			CHECK_INT(cairn_sandbox_call(sb, 0, 0, &res), SB_OK);
		}
	}
	lua_gc(L, LUA_GCCOLLECT);
	room1 = cairn_sandbox_headroom(L, &cap);
	CHECK(room1 < room0 + 4096);
	lua_pop(L, 1);
	cairn_sandbox_free(sb);
	cairn_pdoc_free(d);
	json_decref(doc);
}
TEST(library_stack) { run_library_test("tests/policy/library/test_stack.lua"); }
TEST(library_iam) { run_library_test("tests/policy/library/test_iam.lua"); }
TEST(library_net_cidr_arn_aws) { run_library_test("tests/policy/library/test_net.lua"); }

/* ---- hostile policies --------------------------------------------------- */

static cairn_policy_set *hostile_set;
static cairn_policy_report hostile_report = CAIRN_POLICY_REPORT_INIT;
static double hostile_seconds;

static void run_hostile(void)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_policy_run_options o;
	json_t *doc;
	double t0;

	if (hostile_set)
		return;
	memset(&o, 0, sizeof(o));
	o.memory_limit = 32u << 20;
	o.instruction_limit = 2000000;
	cairn_policy_set_new(&hostile_set);
	CHECK_INT(cairn_policy_set_add_dir(hostile_set, "tests/policy/hostile", &d), 0);
	cairn_diags_print(&d, stderr);
	doc = load_json(LIBDOC);
	t0 = cairn_now();
	CHECK_INT(cairn_policy_run(hostile_set, doc, &o, &hostile_report, &d), 0);
	hostile_seconds = cairn_now() - t0;
	cairn_diags_dispose(&d);
	json_decref(doc);
}

/* The one result of a hostile policy (it sees one bucket). */
static const cairn_policy_result *hostile_result(const char *id)
{
	size_t i;
	const cairn_policy_result *found = NULL;
	run_hostile();
	for (i = 0; i < hostile_report.n; i++)
		if (strcmp(hostile_report.v[i].policy->id, id) == 0) {
			CHECK(found == NULL);
			found = &hostile_report.v[i];
		}
	if (!found)
		fprintf(stderr, "no result for %s\n", id);
	CHECK(found != NULL);
	return found;
}

static void expect_error(const char *id, const char *text)
{
	const cairn_policy_result *r = hostile_result(id);
	if (!r)
		return;
	CHECK_INT(r->status, CAIRN_RESULT_ERROR);
	CHECK_CONTAINS(r->message, text);
	/* The error names the policy file. */
	CHECK_CONTAINS(r->message, "tests/policy/hostile/");
}

static void expect_pass(const char *id)
{
	const cairn_policy_result *r = hostile_result(id);
	if (!r)
		return;
	if (r->status != CAIRN_RESULT_PASS)
		fprintf(stderr, "%s: %s\n", id, r->message ? r->message : "");
	CHECK_INT(r->status, CAIRN_RESULT_PASS);
}

TEST(hostile_os_execute) { expect_error("os-execute", "global 'os'"); }
TEST(hostile_io_open) { expect_error("io-open", "global 'io'"); }
TEST(hostile_require_os) { expect_error("require-os", "module 'os' is not available"); }
TEST(hostile_require_path) { expect_error("require-path", "is not available"); }
TEST(hostile_binary_chunk) { expect_error("binary-chunk", "attempt to load a binary chunk"); }
TEST(hostile_string_rep_bomb) { expect_error("string-rep-bomb", "memory cap of 32 MiB exceeded"); }
TEST(hostile_concat_bomb) { expect_error("concat-bomb", "memory cap of 32 MiB exceeded"); }
TEST(hostile_table_bomb) { expect_error("table-bomb", "memory cap of 32 MiB exceeded"); }
TEST(hostile_endless_loop) { expect_error("endless-loop", "instruction budget of 2000000 exhausted"); }
TEST(hostile_pcall_loop) { expect_error("pcall-loop", "instruction budget"); }
TEST(hostile_coroutine_loop) { expect_error("coroutine-loop", "instruction budget"); }

TEST(hostile_deep_recursion)
{
	const cairn_policy_result *r = hostile_result("deep-recursion");
	if (!r)
		return;
	CHECK_INT(r->status, CAIRN_RESULT_ERROR);
	CHECK(strstr(r->message, "stack overflow") || strstr(r->message, "memory cap"));
}

TEST(hostile_c_recursion) { expect_error("c-recursion", "stack overflow"); }
TEST(hostile_pattern_bomb) { expect_error("pattern-bomb", "instruction budget"); }
TEST(hostile_table_move_bomb) { expect_error("table-move-bomb", "instruction budget"); }
TEST(hostile_sort_bomb) { expect_error("sort-bomb", "instruction budget"); }
TEST(hostile_rep_empty) { expect_pass("rep-empty"); }
TEST(hostile_gc_finalizer) { expect_error("gc-finalizer", "__gc metamethods are not allowed"); }
TEST(hostile_error_object) { expect_error("error-object", "error object is a table value"); }
TEST(hostile_shared_tables) { expect_error("shared-tables", "could not change the shared tables"); }
TEST(hostile_exempt_bypass) { expect_error("exempt-bypass", "memory cap of 32 MiB exceeded"); }

TEST(hostile_reaching_other_policies)
{
	expect_pass("aa-stash");
	expect_pass("ab-seek");
}

TEST(hostile_run_goes_on)
{
	expect_pass("zz-canary");
	/* Every bomb is stopped quickly. */
	CHECK(hostile_seconds < 60.0);
	CHECK_INT(hostile_report.counts[CAIRN_RESULT_ERROR], 20);
}

TEST(hostile_no_side_effect)
{
	struct stat st;
	run_hostile();
	CHECK(stat("/tmp/cairn-pwned", &st) != 0);
}

/* ---- loading policies ------------------------------------------------- */

static char tmpdir[64];

static const char *scratch(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/cairn-unit-policy-XXXXXX");
		CHECK(mkdtemp(tmpdir) != NULL);
	}
	return tmpdir;
}

/* Writes DIR/<sub>/<name> and returns DIR/<sub> (static buffer). */
static const char *write_policy(const char *sub, const char *name, const char *text)
{
	static char dir[256];
	char *path;
	snprintf(dir, sizeof(dir), "%s/%s", scratch(), sub);
	cairn_mkdir_p(dir, 0755);
	path = cairn_xasprintf("%s/%s", dir, name);
	CHECK_INT(cairn_file_write_atomic(path, text, strlen(text), 0644), 0);
	free(path);
	return dir;
}

#define POLICY_HEAD(id) \
	"local P = require \"cairn.policy\"\n" \
	"return {\n" \
	"  id = \"" id "\",\n" \
	"  title = \"a test policy\",\n" \
	"  severity = \"high\",\n" \
	"  resource_types = { \"AWS::S3::Bucket\" },\n" \
	"  frameworks = { test = { \"1\" } },\n" \
	"  remediation = \"fix it\",\n"

TEST(load_reports_bad_fields_with_lines)
{
	cairn_policy_set *set;
	cairn_diags d = CAIRN_DIAGS_INIT;
	const char *dir = write_policy("bad", "p1.lua",
		"return {\n"
		"  id = \"other\",\n"
		"  title = \"t\",\n"
		"  severity = \"urgent\",\n"
		"  resource_types = { \"S3 bucket\" },\n"
		"  frameworks = { },\n"
		"  remedation = \"typo\",\n"
		"  check = function() end,\n"
		"}\n");
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_dir(set, dir, &d), CAIRN_EINVALID);
	CHECK_INT(cairn_policy_set_count(set), 0);
	{
		size_t i;
		int id = 0, sev = 0, types = 0, fw = 0, typo = 0, rem = 0;
		for (i = 0; i < d.n; i++) {
			const cairn_diag *g = &d.v[i];
			if (strstr(g->message, "does not match the file name") && g->line == 2)
				id = 1;
			if (strstr(g->message, "severity must be") && g->line == 4)
				sev = 1;
			if (strstr(g->message, "\"S3 bucket\" is not a type name") && g->line == 5)
				types = 1;
			if (strstr(g->message, "frameworks is empty") && g->line == 6)
				fw = 1;
			if (strstr(g->message, "unknown field 'remedation'") && g->line == 7)
				typo = 1;
			if (strstr(g->message, "needs a remediation"))
				rem = 1;
		}
		CHECK(id && sev && types && fw && typo && rem);
		if (!(id && sev && types && fw && typo && rem))
			cairn_diags_print(&d, stderr);
	}
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
}

TEST(load_syntax_error_and_toplevel_loop)
{
	cairn_policy_set *set;
	cairn_diags d = CAIRN_DIAGS_INIT;
	const char *dir = write_policy("syntax", "s1.lua", "return {\n  id = 1,\n  title = ,\n}\n");
	write_policy("syntax", "s2.lua", "while true do end\n");
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_dir(set, dir, &d), CAIRN_EINVALID);
	CHECK_INT(d.n, 2);
	if (d.n == 2) {
		CHECK_CONTAINS(d.v[0].message, "s1.lua:3:");
		CHECK_INT(d.v[0].line, 3);
		CHECK_CONTAINS(d.v[1].message, "instruction budget");
		CHECK_CONTAINS(d.v[1].message, "s2.lua:1:");
	}
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
}

TEST(load_duplicate_ids)
{
	cairn_policy_set *set;
	cairn_diags d = CAIRN_DIAGS_INIT;
	const char *dir = write_policy("dup1", "dup.lua", POLICY_HEAD("dup") "  check = function() end }\n");
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_dir(set, dir, &d), 0);
	dir = write_policy("dup2", "dup.lua", POLICY_HEAD("dup") "  check = function() end }\n");
	CHECK_INT(cairn_policy_set_add_dir(set, dir, &d), CAIRN_EINVALID);
	CHECK_INT(d.n, 1);
	if (d.n)
		CHECK_CONTAINS(d.v[0].message, "already used by");
	CHECK_INT(cairn_policy_set_count(set), 1);
	CHECK(cairn_policy_set_find(set, "DUP") != NULL);
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
}

/* ---- evaluating --------------------------------------------------------- */

static int fake_locate(void *ud, const char *id, const char *path, int *line, int *col)
{
	(void)ud;
	if (!id)
		return -1;
	*line = (int)strlen(id) * 10 + (int)strlen(path);
	*col = 3;
	return 0;
}

static const char *engine_dir(void)
{
	static const char *dir;
	if (dir)
		return dir;
	dir = write_policy("engine", "e-version.lua", POLICY_HEAD("e-version")
		"  check = function(r)\n"
		"    local s = P.get(r.Properties, 'VersioningConfiguration.Status')\n"
		"    if P.known(s) ~= 'Enabled' then\n"
		"      return P.fail('Properties.VersioningConfiguration.Status', 'versioning is %s', P.show(s))\n"
		"    end\n"
		"  end }\n");
	write_policy("engine", "e-crash.lua", POLICY_HEAD("e-crash")
		"  check = function(r)\n"
		"    if r.id == 'B' then return r.Properties.Nope.Deeper end\n"
		"  end }\n");
	write_policy("engine", "e-skip.lua", POLICY_HEAD("e-skip")
		"  check = function(r) if r.id ~= 'A' then return P.not_applicable end end }\n");
	write_policy("engine", "e-stack.lua",
		"local P = require 'cairn.policy'\n"
		"return { id = 'e-stack', title = 't', severity = 'critical', scope = 'stack',\n"
		"  frameworks = { test = { '2' } }, remediation = 'r',\n"
		"  check = function(stack)\n"
		"    return { { message = 'about B', resource = 'B', path = 'Properties' },\n"
		"             { message = 'about the account', subject = 'root user' } }\n"
		"  end }\n");
	write_policy("engine", "e-live.lua", POLICY_HEAD("e-live") "  live_only = true,\n"
		"  check = function(r) return 'live only' end }\n");
	return dir;
}

static json_t *engine_doc(const char *waivers)
{
	char *text = cairn_xasprintf(
		"{\"stack\":\"s\",\"file\":\"s.yaml\",\"resources\":{"
		"\"A\":{\"Type\":\"AWS::S3::Bucket\",\"Properties\":{\"VersioningConfiguration\":{\"Status\":\"Enabled\"}}},"
		"\"B\":{\"Type\":\"AWS::S3::Bucket\",\"Properties\":{},\"Metadata\":{\"Cairn\":{\"Waivers\":%s}}},"
		"\"C\":{\"Type\":\"AWS::S3::Bucket\",\"Properties\":{\"VersioningConfiguration\":{\"Status\":{\"Cairn::Unknown\":{\"Ref\":\"P\"}}}}}"
		"}}", waivers);
	json_t *v = json_loads(text, 0, NULL);
	free(text);
	return v;
}

static const cairn_policy_result *find_result(const cairn_policy_report *r, const char *policy,
					      const char *resource, const char *subject)
{
	size_t i;
	for (i = 0; i < r->n; i++) {
		const cairn_policy_result *x = &r->v[i];
		if (strcmp(x->policy->id, policy) == 0 &&
		    ((!resource && !x->resource) || (resource && x->resource && strcmp(resource, x->resource) == 0)) &&
		    (!subject || (x->subject && strcmp(subject, x->subject) == 0)))
			return x;
	}
	return NULL;
}

TEST(run_pass_fail_undecided_error_skip)
{
	cairn_policy_set *set;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_policy_report r = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_run_options o;
	json_t *doc = engine_doc("[]");
	const cairn_policy_result *x;

	memset(&o, 0, sizeof(o));
	o.locate = fake_locate;
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_dir(set, engine_dir(), &d), 0);
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	x = find_result(&r, "e-version", "A", NULL);
	CHECK(x && x->status == CAIRN_RESULT_PASS);
	x = find_result(&r, "e-version", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_FAIL);
	if (x) {
		CHECK_STR(x->path, "Properties.VersioningConfiguration.Status");
		CHECK_STR(x->message, "versioning is absent");
		CHECK_INT(x->line, 10 + (int)strlen("Properties.VersioningConfiguration.Status"));
		CHECK_STR(x->type, "AWS::S3::Bucket");
		CHECK_STR(x->file, "s.yaml");
	}
	x = find_result(&r, "e-version", "C", NULL);
	CHECK(x && x->status == CAIRN_RESULT_UNDECIDED);
	if (x) {
		CHECK_STR(x->path, "Properties.VersioningConfiguration.Status");
		CHECK_CONTAINS(x->message, "is not known before apply (Ref P)");
	}
	/* A crash on B is an error for B only. */
	x = find_result(&r, "e-crash", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_ERROR);
	if (x)
		CHECK_CONTAINS(x->message, "e-crash.lua:10: attempt to index a nil value (field 'Nope')");
	x = find_result(&r, "e-crash", "C", NULL);
	CHECK(x && x->status == CAIRN_RESULT_PASS);
	/* not_applicable records nothing. */
	CHECK(find_result(&r, "e-skip", "A", NULL) != NULL);
	CHECK(find_result(&r, "e-skip", "B", NULL) == NULL);
	/* Stack scope: a finding about a resource and one about a subject. */
	x = find_result(&r, "e-stack", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_FAIL && strcmp(x->path, "Properties") == 0);
	x = find_result(&r, "e-stack", NULL, "root user");
	CHECK(x && x->status == CAIRN_RESULT_FAIL && x->line == 0);
	/* live_only policies do not run on planned documents. */
	CHECK(find_result(&r, "e-live", "A", NULL) == NULL);
	CHECK_INT(cairn_policy_report_failing(&r, CAIRN_SEVERITY_HIGH), 3);
	CHECK_INT(cairn_policy_report_failing(&r, CAIRN_SEVERITY_CRITICAL), 2);
	cairn_policy_report_dispose(&r);

	/* live documents run them; packs select. */
	o.live = 1;
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	CHECK(find_result(&r, "e-live", "A", NULL) != NULL);
	cairn_policy_report_dispose(&r);
	{
		const char *packs[] = {"nothing"};
		o.packs = packs;
		o.npacks = 1;
		CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
		CHECK_INT(r.n, 0);
		cairn_policy_report_dispose(&r);
	}
	CHECK_INT(d.n, 0);
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
	json_decref(doc);
}

TEST(waivers_waive_expire_and_validate)
{
	cairn_policy_set *set;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_policy_report r = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_run_options o;
	json_t *doc;
	const cairn_policy_result *x;

	memset(&o, 0, sizeof(o));
	o.locate = fake_locate;
	o.today = "2026-06-15";
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_dir(set, engine_dir(), &d), 0);

	/* Valid through the expiry day. */
	doc = engine_doc("[{\"Control\":\"E-VERSION\",\"Reason\":\"archive\",\"Approver\":\"sec@x\",\"Expires\":\"2026-06-15\"}]");
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	x = find_result(&r, "e-version", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_WAIVED);
	if (x && x->waiver) {
		CHECK_STR(x->waiver->reason, "archive");
		CHECK_STR(x->waiver->approver, "sec@x");
		CHECK_STR(x->waiver->expires, "2026-06-15");
		CHECK(!x->waiver_expired);
	}
	CHECK_INT(cairn_policy_report_failing(&r, CAIRN_SEVERITY_LOW), 2);
	cairn_policy_report_dispose(&r);
	json_decref(doc);

	/* Expired: a failure that says so. */
	doc = engine_doc("[{\"Control\":\"e-version\",\"Reason\":\"archive\",\"Approver\":\"sec@x\",\"Expires\":\"2026-06-14\"}]");
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	x = find_result(&r, "e-version", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_FAIL && x->waiver_expired && x->waiver);
	if (x)
		CHECK_CONTAINS(x->message, "the waiver approved by sec@x expired on 2026-06-14");
	cairn_policy_report_dispose(&r);
	json_decref(doc);
	CHECK_INT(d.n, 0);

	/* A framework control id or pack/id names the policy too. */
	doc = engine_doc("[{\"Control\":\"test/1\",\"Reason\":\"r\",\"Approver\":\"a\",\"Expires\":\"2026-06-15\"}]");
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	x = find_result(&r, "e-version", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_WAIVED);
	x = find_result(&r, "e-crash", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_ERROR); /* errors are never waived */
	cairn_policy_report_dispose(&r);
	json_decref(doc);
	doc = engine_doc("[{\"Control\":\"engine/E-Version\",\"Reason\":\"r\",\"Approver\":\"a\",\"Expires\":\"2026-06-15\"}]");
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	x = find_result(&r, "e-version", "B", NULL);
	CHECK(x && x->status == CAIRN_RESULT_WAIVED);
	cairn_policy_report_dispose(&r);
	json_decref(doc);
	CHECK_INT(d.n, 0);

	/* Unknown control, bad date, missing field, unknown field. */
	doc = engine_doc("[{\"Control\":\"no-such\",\"Reason\":\"r\",\"Approver\":\"a\",\"Expires\":\"2026-01-01\"},"
			 "{\"Control\":\"e-version\",\"Reason\":\"r\",\"Approver\":\"a\",\"Expires\":\"2026-02-30\"},"
			 "{\"Control\":\"e-version\",\"Reason\":\"r\",\"Expires\":\"2026-01-01\"},"
			 "{\"Control\":\"e-version\",\"Reason\":\"r\",\"Approver\":\"a\",\"Expires\":\"2026-01-01\",\"Expiry\":\"x\"}]");
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), CAIRN_EINVALID);
	CHECK_INT(d.nerrors, 4);
	if (d.n == 4) {
		CHECK_CONTAINS(d.v[0].message, "B: Metadata.Cairn.Waivers[0]: waiver for unknown control 'no-such'");
		CHECK_INT(d.v[0].line, 10 + (int)strlen("Metadata.Cairn.Waivers[0].Control"));
		CHECK_CONTAINS(d.v[1].message, "Expires \"2026-02-30\" is not a date");
		CHECK_CONTAINS(d.v[2].message, "the waiver needs Approver");
		CHECK_CONTAINS(d.v[3].message, "unknown waiver field 'Expiry'");
	}
	cairn_policy_report_dispose(&r);
	json_decref(doc);
	cairn_diags_dispose(&d);

	/* A waiver on a passing resource is reported as not needed. */
	doc = json_loads("{\"file\":\"s.yaml\",\"resources\":{\"A\":{\"Type\":\"AWS::S3::Bucket\","
			 "\"Properties\":{\"VersioningConfiguration\":{\"Status\":\"Enabled\"}},"
			 "\"Metadata\":{\"Cairn\":{\"Waivers\":[{\"Control\":\"e-version\",\"Reason\":\"r\","
			 "\"Approver\":\"a\",\"Expires\":\"2030-01-01\"}]}}}}}", 0, NULL);
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	CHECK_INT(d.n, 1);
	if (d.n)
		CHECK_CONTAINS(d.v[0].message, "A: waiver for e-version is not needed");
	cairn_policy_report_dispose(&r);
	json_decref(doc);
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
}

/* Writes a format of a report with awkward text into a string. */
static char *render(const cairn_policy_report *r, cairn_policy_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cairn_policy_write_options o;
	memset(&o, 0, sizeof(o));
	o.fail_on = CAIRN_SEVERITY_MEDIUM;
	CHECK_INT(cairn_policy_report_write(r, f, out, &o), 0);
	fclose(out);
	return buf;
}

TEST(formats_escape_text)
{
	cairn_policy_set *set;
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_policy_report r = CAIRN_POLICY_REPORT_INIT;
	cairn_policy_run_options o;
	json_t *doc;
	char *s;
	const char *dir = write_policy("escape", "e-escape.lua", POLICY_HEAD("e-escape")
		"  check = function(r)\n"
		"    return P.fail('Properties.A', 'bad <tag> & \"quote\" | pipe\\nline\\1')\n"
		"  end }\n");

	memset(&o, 0, sizeof(o));
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_dir(set, dir, &d), 0);
	doc = json_loads("{\"file\":\"a b.yaml\",\"stack\":\"s\",\"resources\":{\"B\":"
			 "{\"Type\":\"AWS::S3::Bucket\",\"Properties\":{}}}}", 0, NULL);
	CHECK_INT(cairn_policy_run(set, doc, &o, &r, &d), 0);
	CHECK_INT(r.counts[CAIRN_RESULT_FAIL], 1);

	s = render(&r, CAIRN_FORMAT_JUNIT);
	CHECK_CONTAINS(s, "message=\"bad &lt;tag&gt; &amp; &quot;quote&quot; | pipe\nline?\"");
	CHECK(!strstr(s, "\x01"));
	free(s);
	s = render(&r, CAIRN_FORMAT_MARKDOWN);
	CHECK_CONTAINS(s, "bad &lt;tag> & \"quote\" \\| pipe line\x01 |");
	CHECK_CONTAINS(s, "### cairn check: 1 finding at or above medium");
	free(s);
	s = render(&r, CAIRN_FORMAT_SARIF);
	CHECK_CONTAINS(s, "\"uri\": \"a%20b.yaml\"");
	CHECK_CONTAINS(s, "bad <tag> & \\\"quote\\\" | pipe\\nline\\u0001");
	free(s);
	s = render(&r, CAIRN_FORMAT_JSON);
	{
		json_t *j = json_loads(s, 0, NULL);
		CHECK(j != NULL);
		CHECK_STR(json_string_value(json_object_get(json_object_get(j, "summary"), "result")), "fail");
		json_decref(j);
	}
	free(s);
	s = render(&r, CAIRN_FORMAT_TEXT);
	CHECK_CONTAINS(s, "a b.yaml\n  B (AWS::S3::Bucket)\n");
	CHECK_CONTAINS(s, "result: FAIL (1 finding at or above medium)");
	free(s);
	cairn_policy_report_dispose(&r);
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
	json_decref(doc);
}

/* An input error (a template that did not load) is never a pass: every
 * format says error and shows it with its position. */
TEST(input_errors_are_errors_in_every_format)
{
	cairn_policy_report r = CAIRN_POLICY_REPORT_INIT;
	cairn_diags d = CAIRN_DIAGS_INIT;
	char *s;
	json_t *j;

	CHECK_STR(cairn_policy_report_verdict(&r, CAIRN_SEVERITY_HIGH), "pass");
	cairn_diags_add(&d, CAIRN_DIAG_WARNING, "t.yaml", 2, 3, "only a warning");
	cairn_policy_report_add_errors(&r, &d);
	CHECK_INT(r.input_errors.n, 0);
	CHECK_STR(cairn_policy_report_verdict(&r, CAIRN_SEVERITY_HIGH), "pass");
	cairn_diags_add(&d, CAIRN_DIAG_ERROR, "t.yaml", 5, 7, "B: property 'Nope' <is> not supported");
	cairn_policy_report_add_errors(&r, &d);
	cairn_policy_report_not_checked(&r, "t.yaml");
	CHECK_INT(r.input_errors.n, 1);
	CHECK_STR(cairn_policy_report_verdict(&r, CAIRN_SEVERITY_HIGH), "error");

	s = render(&r, CAIRN_FORMAT_TEXT);
	CHECK(!strstr(s, "PASS"));
	CHECK_CONTAINS(s, "  t.yaml:5:7: B: property 'Nope' <is> not supported\n");
	CHECK_CONTAINS(s, "result: ERROR (1 input error: 1 file not checked; see above)\n");
	free(s);
	s = render(&r, CAIRN_FORMAT_JSON);
	j = json_loads(s, 0, NULL);
	CHECK(j != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(j, "summary"), "result")), "error");
	CHECK_INT(json_integer_value(json_object_get(
			  json_array_get(json_object_get(j, "input_errors"), 0), "column")), 7);
	json_decref(j);
	free(s);
	s = render(&r, CAIRN_FORMAT_SARIF);
	CHECK_CONTAINS(s, "\"executionSuccessful\": false");
	CHECK_CONTAINS(s, "\"ruleId\": \"cairn-input-error\"");
	free(s);
	s = render(&r, CAIRN_FORMAT_JUNIT);
	CHECK_CONTAINS(s, "errors=\"1\"");
	CHECK_CONTAINS(s, "<error message=\"t.yaml:5:7: B: property &apos;Nope&apos; &lt;is&gt; not "
			  "supported\" type=\"input-error\"/>");
	free(s);
	s = render(&r, CAIRN_FORMAT_MARKDOWN);
	CHECK_CONTAINS(s, "### cairn check: error\n");
	CHECK_CONTAINS(s, "- `t.yaml:5:7`: B: property 'Nope' &lt;is> not supported\n");
	free(s);
	cairn_policy_report_dispose(&r);
	cairn_diags_dispose(&d);
}

TEST(builtin_packs_load)
{
	cairn_policy_set *set;
	cairn_diags d = CAIRN_DIAGS_INIT;
	const char *const *packs = cairn_policy_builtin_packs();
	cairn_policy_set_new(&set);
	CHECK_INT(cairn_policy_set_add_builtin(set, &d), 0);
	cairn_diags_print(&d, stderr);
	CHECK_INT(d.n, 0);
	CHECK(packs[0] != NULL);
	CHECK(cairn_policy_set_count(set) > 0);
	CHECK_INT(cairn_policy_set_add_pack(set, "no-such-pack", &d), CAIRN_ENOTFOUND);
	cairn_diags_dispose(&d);
	cairn_policy_set_free(set);
}

int main(void)
{
	RUN(library_core);
	RUN(exempt_memory_does_not_grow);
	RUN(library_stack);
	RUN(library_iam);
	RUN(library_net_cidr_arn_aws);
	RUN(hostile_os_execute);
	RUN(hostile_io_open);
	RUN(hostile_require_os);
	RUN(hostile_require_path);
	RUN(hostile_binary_chunk);
	RUN(hostile_string_rep_bomb);
	RUN(hostile_concat_bomb);
	RUN(hostile_table_bomb);
	RUN(hostile_endless_loop);
	RUN(hostile_pcall_loop);
	RUN(hostile_coroutine_loop);
	RUN(hostile_deep_recursion);
	RUN(hostile_c_recursion);
	RUN(hostile_pattern_bomb);
	RUN(hostile_table_move_bomb);
	RUN(hostile_sort_bomb);
	RUN(hostile_rep_empty);
	RUN(hostile_gc_finalizer);
	RUN(hostile_error_object);
	RUN(hostile_shared_tables);
	RUN(hostile_exempt_bypass);
	RUN(hostile_reaching_other_policies);
	RUN(hostile_run_goes_on);
	RUN(hostile_no_side_effect);
	RUN(load_reports_bad_fields_with_lines);
	RUN(load_syntax_error_and_toplevel_loop);
	RUN(load_duplicate_ids);
	RUN(run_pass_fail_undecided_error_skip);
	RUN(waivers_waive_expire_and_validate);
	RUN(formats_escape_text);
	RUN(input_errors_are_errors_in_every_format);
	RUN(builtin_packs_load);
	cairn_policy_report_dispose(&hostile_report);
	cairn_policy_set_free(hostile_set);
	if (tmpdir[0]) {
		char *cmd = cairn_xasprintf("rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
		free(cmd);
	}
	return test_done();
}
