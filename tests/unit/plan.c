/* Unit tests for src/engine/plan.c: output, JSON, saved plans. (Making a
 * plan from a stack is tested end to end in tests/integration/test_plan_*.) */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/plan.h"
#include "cairn/stack.h"
#include "cairn/state.h"
#include "test.h"

static json_t *J_(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fprintf(stderr, "bad JSON in test: %s\n", e.text);
	return v;
}

static void add(cairn_diff *d, const char *path, json_t *before, json_t *after, int replaces)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n].path = cairn_xstrdup(path);
	d->v[d->n].before = before;
	d->v[d->n].after = after;
	d->v[d->n].replaces = replaces;
	d->v[d->n].immutable = 0;
	d->replace |= replaces;
	d->n++;
}

static cairn_planned *entry(cairn_plan *p, const char *id, const char *type, cairn_action a)
{
	cairn_planned *e;
	p->v = realloc(p->v, (p->n + 1) * sizeof(*p->v));
	e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->logical_id = cairn_xstrdup(id);
	e->type = cairn_xstrdup(type);
	e->action = a;
	return e;
}

/* Key created, Bucket updated, Old deleted, Logs replaced, Kept retained,
 * Same a no-op. */
static cairn_plan *sample(void)
{
	cairn_plan *p = cairn_xcalloc(1, sizeof(*p));
	cairn_planned *e;

	p->stack = cairn_xstrdup("demo");
	p->template_path = cairn_xstrdup("demo.yaml");
	p->template_sha256 = cairn_xstrdup("aa11");
	p->parameters = json_pack("{s:s}", "Secret", "hunter2");
	p->parameters_sha256 = cairn_xstrdup("bb22");
	p->state_path = cairn_xstrdup(".cairn/demo.state.json");
	p->lineage = cairn_xstrdup("lin-1");
	p->serial = 7;
	p->outputs = json_pack("{s:{s:{s:o}, s:s}, s:{s:s}}", "KeyArn", "value", "Cairn::Unknown",
			       json_pack("{s:[s,s]}", "Fn::GetAtt", "Key", "Arn"), "change",
			       "create", "Same", "value", "x");
	p->noecho = json_pack("[s]", "hunter2");

	e = entry(p, "Key", "AWS::KMS::Key", CAIRN_ACTION_CREATE);
	add(&e->diff, "Description", NULL, json_string("demo key"), 0);
	add(&e->diff, "EnableKeyRotation", NULL, json_true(), 0);
	e = entry(p, "Bucket", "AWS::S3::Bucket", CAIRN_ACTION_UPDATE);
	e->id = cairn_xstrdup("demo-bucket-1");
	add(&e->diff, "Tags", json_pack("[{s:s, s:s}]", "Key", "env", "Value", "dev"),
	    json_pack("[{s:s, s:s}]", "Key", "env", "Value", "prod"), 0);
	add(&e->diff, "BucketEncryption.KMSMasterKeyID", json_string("k-1"),
	    json_pack("{s:{s:[s,s]}}", "Cairn::Unknown", "Fn::GetAtt", "Key", "Arn"), 0);
	e = entry(p, "Logs", "AWS::S3::Bucket", CAIRN_ACTION_REPLACE);
	e->id = cairn_xstrdup("logs-a");
	add(&e->diff, "BucketName", json_string("logs-a"), json_string("logs-b"), 1);
	e = entry(p, "Same", "AWS::S3::Bucket", CAIRN_ACTION_NOOP);
	e->id = cairn_xstrdup("same");
	e = entry(p, "Old", "AWS::S3::Bucket", CAIRN_ACTION_DELETE);
	e->id = cairn_xstrdup("old-1");
	e->reason = cairn_xstrdup("removed from the template");
	e = entry(p, "Kept", "AWS::KMS::Key", CAIRN_ACTION_DELETE);
	e->id = cairn_xstrdup("k-kept");
	e->retain = 1;
	return p;
}

static char *render(const cairn_plan *p, int color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cairn_plan_print(p, f, color);
	fclose(f);
	return buf;
}

TEST(prints_like_terraform)
{
	cairn_plan *p = sample();
	char *s = render(p, 0);
	int add, change, replace, destroy;

	cairn_plan_counts(p, &add, &change, &replace, &destroy);
	CHECK_INT(add, 1);
	CHECK_INT(change, 1);
	CHECK_INT(replace, 1);
	CHECK_INT(destroy, 1);
	CHECK(cairn_plan_has_changes(p));
	CHECK_CONTAINS(s, "Plan: 1 to add, 1 to change, 1 to replace, 1 to destroy.\n");
	CHECK_CONTAINS(s, "# Key (AWS::KMS::Key) will be created\n  + Key\n");
	CHECK_CONTAINS(s, "      + Description       = \"demo key\"\n");
	CHECK_CONTAINS(s, "  ~ Bucket\n");
	CHECK_CONTAINS(s, "[id=demo-bucket-1]");
	CHECK_CONTAINS(s, "~ BucketEncryption.KMSMasterKeyID = \"k-1\" -> (known after apply)");
	CHECK_CONTAINS(s, "-/+ Logs\n");
	CHECK_CONTAINS(s, "\"logs-a\" -> \"logs-b\" # forces replacement");
	CHECK_CONTAINS(s, "# Old (AWS::S3::Bucket) will be destroyed (removed from the template) "
			  "[id=old-1]\n  - Old\n");
	CHECK_CONTAINS(s, "left in AWS (DeletionPolicy Retain)");
	CHECK_CONTAINS(s, "+ KeyArn = (known after apply)");
	CHECK(strstr(s, "Same") == NULL);
	CHECK(strstr(s, "\033[") == NULL);
	free(s);
	s = render(p, 1);
	CHECK_CONTAINS(s, "\033[32m+\033[0m Key");
	free(s);
	cairn_plan_free(p);
}

TEST(no_changes_says_so)
{
	cairn_plan *p = cairn_xcalloc(1, sizeof(*p));
	char *s;
	p->stack = cairn_xstrdup("demo");
	p->outputs = json_object();
	entry(p, "Same", "AWS::S3::Bucket", CAIRN_ACTION_NOOP);
	CHECK(!cairn_plan_has_changes(p));
	s = render(p, 0);
	CHECK_CONTAINS(s, "No changes.");
	CHECK(strstr(s, "Plan:") == NULL);
	free(s);
	p->v[0].adopt = 1;
	CHECK(cairn_plan_has_changes(p));
	cairn_plan_free(p);
}

TEST(json_has_the_documented_shape)
{
	cairn_plan *p = sample();
	json_t *j = cairn_plan_to_json(p), *rc, *e;
	CHECK_STR(json_string_value(json_object_get(j, "format_version")), "1");
	CHECK_STR(json_string_value(json_object_get(j, "stack")), "demo");
	rc = json_object_get(j, "resource_changes");
	CHECK_INT(json_array_size(rc), 6);
	e = json_array_get(rc, 0);
	CHECK_STR(json_string_value(json_object_get(e, "logical_id")), "Key");
	CHECK_STR(json_string_value(json_object_get(e, "type")), "AWS::KMS::Key");
	CHECK_STR(json_string_value(json_object_get(e, "action")), "create");
	CHECK(json_is_null(json_object_get(json_array_get(json_object_get(e, "changes"), 0),
					   "before")));
	e = json_array_get(rc, 2);
	CHECK_STR(json_string_value(json_object_get(e, "action")), "replace");
	CHECK(json_is_true(json_object_get(json_array_get(json_object_get(e, "changes"), 0),
					   "replaces")));
	CHECK_STR(json_string_value(json_object_get(json_array_get(rc, 3), "action")), "no-op");
	CHECK(json_is_false(json_object_get(json_object_get(json_object_get(j, "outputs"), "KeyArn"),
					    "known")));
	CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "summary"), "destroy")), 1);
	json_decref(j);
	cairn_plan_free(p);
}

TEST(masks_noecho_values)
{
	json_t *noecho = json_pack("[s]", "hunter2");
	json_t *v = json_pack("{s:s, s:[s, {s:s}], s:s}", "Password", "hunter2", "L", "x-hunter2-y",
			      "K", "ok", "Other", "fine");
	CHECK(cairn_plan_mask(v, noecho));
	CHECK_STR(json_string_value(json_object_get(v, "Password")), "(sensitive)");
	CHECK_STR(json_string_value(json_array_get(json_object_get(v, "L"), 0)), "(sensitive)");
	CHECK_STR(json_string_value(json_object_get(v, "Other")), "fine");
	CHECK(!cairn_plan_mask(v, noecho));
	json_decref(v);
	json_decref(noecho);
}

TEST(saved_plans_round_trip_and_go_stale)
{
	char dir[] = "/tmp/cairn-unit-plan-XXXXXX", *path, *spath;
	cairn_plan *p = sample(), *q = NULL;
	cairn_state *st = NULL;
	struct stat sb;
	char sha[65];

	CHECK(mkdtemp(dir) != NULL);
	path = cairn_xasprintf("%s/demo.plan", dir);
	spath = cairn_xasprintf("%s/demo.state.json", dir);
	CHECK_INT(cairn_plan_save(p, path), 0);
	CHECK_INT(stat(path, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK(cairn_plan_is_file(path));
	CHECK(!cairn_plan_is_file("/nonexistent"));
	CHECK_INT(cairn_plan_load(&q, path), 0);
	if (q) {
		CHECK_STR(q->stack, "demo");
		CHECK_STR(q->lineage, "lin-1");
		CHECK_INT(q->serial, 7);
		CHECK_INT(q->n, 6);
		CHECK_STR(q->v[2].logical_id, "Logs");
		CHECK_INT(q->v[2].action, CAIRN_ACTION_REPLACE);
		CHECK(q->v[2].diff.replace);
		CHECK(q->v[5].retain);
		CHECK_STR(json_string_value(json_object_get(q->parameters, "Secret")), "hunter2");
		{
			char *a = render(p, 0), *b = render(q, 0);
			CHECK_STR(b, a);
			free(a);
			free(b);
		}
	}

	/* freshness: against a state file we control */
	CHECK_INT(cairn_state_open(&st, spath, "demo"), 0);
	CHECK_INT(cairn_plan_check_fresh(q, st, "aa11"), CAIRN_ESTALE);
	CHECK_CONTAINS(cairn_error_last(), "lineage lin-1");
	free(q->lineage);
	q->lineage = NULL;
	q->serial = 0;
	CHECK_INT(cairn_plan_check_fresh(q, st, "aa11"), 0);
	CHECK_INT(cairn_plan_check_fresh(q, st, "cc33"), CAIRN_ESTALE);
	CHECK_CONTAINS(cairn_error_last(), "demo.yaml changed since the plan was made");
	CHECK_INT(cairn_state_save(st), 0);
	q->lineage = cairn_xstrdup(cairn_state_lineage(st));
	CHECK_INT(cairn_plan_check_fresh(q, st, "aa11"), CAIRN_ESTALE);
	CHECK_CONTAINS(cairn_error_last(), "serial 0");
	q->serial = 1;
	CHECK_INT(cairn_plan_check_fresh(q, st, "aa11"), 0);

	cairn_plan_params_sha256(NULL, sha);
	CHECK_INT(strlen(sha), 64);

	{
		char *bad = cairn_xasprintf("%s/bad.plan", dir);
		CHECK_INT(cairn_file_write_atomic(bad, "{\"kind\": \"x\"}", 13, 0600), 0);
		cairn_plan *bp = NULL;
		CHECK_INT(cairn_plan_load(&bp, bad), CAIRN_EINVALID);
		CHECK(bp == NULL);
		unlink(bad);
		free(bad);
	}
	cairn_state_free(st);
	cairn_plan_free(q);
	cairn_plan_free(p);
	unlink(path);
	unlink(spath);
	rmdir(dir);
	free(path);
	free(spath);
}

/* ---- cairn_plan_make on a real stack --------------------------------------- */

static const char tmpl[] =
	"Parameters:\n"
	"  Secret: {Type: String, NoEcho: true, Default: hunter2}\n"
	"  Name: {Type: String, Default: fixed-bucket}\n"
	"Resources:\n"
	"  Key:\n"
	"    Type: AWS::KMS::Key\n"
	"    Properties:\n"
	"      Description: !Sub 'key ${Secret}'\n"
	"      EnableKeyRotation: true\n"
	"      Tags: [{Key: env, Value: dev}]\n"
	"  Bucket:\n"
	"    Type: AWS::S3::Bucket\n"
	"    Properties:\n"
	"      BucketEncryption:\n"
	"        ServerSideEncryptionConfiguration:\n"
	"          - ServerSideEncryptionByDefault:\n"
	"              SSEAlgorithm: aws:kms\n"
	"              KMSMasterKeyID: !GetAtt Key.Arn\n"
	"  Fixed:\n"
	"    Type: AWS::S3::Bucket\n"
	"    DeletionPolicy: Retain\n"
	"    Properties: {BucketName: !Ref Name}\n"
	"Outputs:\n"
	"  BucketName: {Value: !Ref Bucket, Export: {Name: demo-bucket}}\n";

/* The state after a clean apply of tmpl (with hunter2 and fixed-bucket). */
static const char applied[] =
	"{\"format_version\": 1, \"lineage\": \"L\", \"serial\": 4, \"stack\": \"demo\","
	" \"resources\": {"
	"  \"Key\": {\"type\": \"AWS::KMS::Key\", \"status\": \"created\", \"id\": \"k1\","
	"    \"properties\": {\"Description\": \"key hunter2\", \"EnableKeyRotation\": true,"
	"      \"Tags\": [{\"Key\": \"env\", \"Value\": \"dev\"}]},"
	"    \"attributes\": {\"Arn\": \"arn:k1\", \"KeyId\": \"k1\"}, \"depends_on\": []},"
	"  \"Bucket\": {\"type\": \"AWS::S3::Bucket\", \"status\": \"created\", \"id\": \"demo-bucket-abc\","
	"    \"properties\": {\"BucketName\": \"demo-bucket-abc\", \"BucketEncryption\": {"
	"      \"ServerSideEncryptionConfiguration\": [{\"ServerSideEncryptionByDefault\": {"
	"        \"SSEAlgorithm\": \"aws:kms\", \"KMSMasterKeyID\": \"arn:k1\"}}]}},"
	"    \"attributes\": {\"Arn\": \"arn:aws:s3:::demo-bucket-abc\"}, \"depends_on\": [\"Key\"]},"
	"  \"Fixed\": {\"type\": \"AWS::S3::Bucket\", \"status\": \"created\", \"id\": \"fixed-bucket\","
	"    \"properties\": {\"BucketName\": \"fixed-bucket\"}, \"attributes\": {},"
	"    \"depends_on\": [], \"deletion_policy\": \"Retain\"}},"
	" \"outputs\": {\"BucketName\": {\"value\": \"demo-bucket-abc\", \"export\": \"demo-bucket\"}}}";

/* What a refresh reads right after that apply: the same, as AWS says it
 * (rotation as a string, extra tags and keys it adds). */
static json_t *live_after_apply(void)
{
	return J_("{\"Key\": {\"status\": \"found\", \"id\": \"k1\", \"properties\": {"
		  "  \"Description\": \"key hunter2\", \"EnableKeyRotation\": \"true\", \"Enabled\": true,"
		  "  \"KeyUsage\": \"ENCRYPT_DECRYPT\", \"Tags\": [{\"Key\": \"env\", \"Value\": \"dev\"}]},"
		  "  \"attributes\": {\"Arn\": \"arn:k1\", \"KeyId\": \"k1\"}},"
		  " \"Bucket\": {\"status\": \"found\", \"id\": \"demo-bucket-abc\", \"properties\": {"
		  "  \"BucketName\": \"demo-bucket-abc\", \"BucketEncryption\": {"
		  "  \"ServerSideEncryptionConfiguration\": [{\"BucketKeyEnabled\": false,"
		  "   \"ServerSideEncryptionByDefault\": {\"SSEAlgorithm\": \"aws:kms\", \"KMSMasterKeyID\": \"arn:k1\"}}]}},"
		  "  \"attributes\": {\"Arn\": \"arn:aws:s3:::demo-bucket-abc\"}},"
		  " \"Fixed\": {\"status\": \"found\", \"id\": \"fixed-bucket\", \"properties\": {"
		  "  \"BucketName\": \"fixed-bucket\"}, \"attributes\": {}}}");
}

typedef struct fixture {
	char dir[64];
	char *tpath, *spath;
	cairn_stack *s;
	cairn_state *st;
} fixture;

static int fx_open(fixture *f, const char *state_json, const char *name_param)
{
	cairn_stack_options so;
	cairn_diags d = CAIRN_DIAGS_INIT;
	json_t *params = name_param ? json_pack("{s:s}", "Name", name_param) : NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/cairn-unit-planmake-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->tpath = cairn_xasprintf("%s/demo.yaml", f->dir);
	f->spath = cairn_xasprintf("%s/demo.state.json", f->dir);
	cairn_file_write_atomic(f->tpath, tmpl, strlen(tmpl), 0644);
	if (state_json)
		cairn_file_write_atomic(f->spath, state_json, strlen(state_json), 0600);
	memset(&so, 0, sizeof(so));
	so.region = "us-east-1";
	so.account_id = "123456789012";
	so.state_dir = f->dir;
	so.params = params;
	rc = cairn_stack_load(&f->s, f->tpath, &so, &d);
	if (rc < 0)
		cairn_diags_print(&d, stderr);
	cairn_diags_dispose(&d);
	json_decref(params);
	if (rc < 0)
		return rc;
	return cairn_state_open(&f->st, f->spath, "demo");
}

static void fx_close(fixture *f)
{
	cairn_stack_free(f->s);
	cairn_state_free(f->st);
	unlink(f->tpath);
	unlink(f->spath);
	rmdir(f->dir);
	free(f->tpath);
	free(f->spath);
}

static const cairn_planned *find(const cairn_plan *p, const char *id)
{
	return cairn_plan_find(p, id);
}

static const cairn_change *change_at(const cairn_planned *e, const char *path)
{
	size_t i;
	for (i = 0; e && i < e->diff.n; i++)
		if (strcmp(e->diff.v[i].path, path) == 0)
			return &e->diff.v[i];
	return NULL;
}

TEST(first_plan_creates_everything)
{
	fixture f;
	cairn_plan *p = NULL;
	const cairn_planned *e;
	const cairn_change *ch;
	int add, change, replace, destroy;
	char *text;

	CHECK_INT(fx_open(&f, NULL, NULL), 0);
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, NULL, NULL), 0);
	if (!p) {
		fx_close(&f);
		return;
	}
	cairn_plan_counts(p, &add, &change, &replace, &destroy);
	CHECK_INT(add, 3);
	CHECK_INT(change + replace + destroy, 0);
	/* dependency order: Key before Bucket */
	CHECK(cairn_plan_find(p, "Key") < cairn_plan_find(p, "Bucket"));
	e = find(p, "Bucket");
	ch = change_at(e, "BucketEncryption");
	CHECK(ch && ch->after && cairn_has_unknown(ch->after));
	ch = change_at(e, "BucketName");
	CHECK(ch && cairn_is_unknown(ch->after));
	e = find(p, "Key");
	ch = change_at(e, "Description");
	CHECK(ch && json_is_string(ch->after));
	if (ch && json_is_string(ch->after))
		CHECK_STR(json_string_value(ch->after), "(sensitive)");
	CHECK(e && e->sensitive);
	CHECK(p->lineage == NULL && p->serial == 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(p->outputs, "BucketName"),
						    "change")),
		  "create");
	text = render(p, 0);
	CHECK(strstr(text, "hunter2") == NULL);
	CHECK_CONTAINS(text, "(known after apply)");
	CHECK_CONTAINS(text, "Plan: 3 to add, 0 to change, 0 to replace, 0 to destroy.");
	free(text);
	{
		json_t *j = cairn_plan_to_json(p);
		char *s = json_dumps(j, 0);
		CHECK(strstr(s, "hunter2") == NULL);
		free(s);
		json_decref(j);
	}
	cairn_plan_free(p);
	fx_close(&f);
}

TEST(plan_after_apply_is_a_no_op)
{
	fixture f;
	cairn_plan *p = NULL;
	json_t *live = live_after_apply();

	CHECK_INT(fx_open(&f, applied, NULL), 0);
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, NULL), 0);
	if (p) {
		size_t i;
		for (i = 0; i < p->n; i++)
			if (p->v[i].action != CAIRN_ACTION_NOOP)
				fprintf(stderr, "not a no-op: %s %s (%zu changes, first %s)\n",
					p->v[i].logical_id, cairn_action_name(p->v[i].action),
					p->v[i].diff.n, p->v[i].diff.n ? p->v[i].diff.v[0].path : "");
		CHECK(!cairn_plan_has_changes(p));
		CHECK_STR(p->lineage, "L");
		CHECK_INT(p->serial, 4);
	}
	cairn_plan_free(p);
	json_decref(live);
	fx_close(&f);
}

TEST(drift_tag_and_name_changes)
{
	fixture f;
	cairn_plan *p = NULL;
	json_t *live = live_after_apply();
	const cairn_planned *e;

	/* a tag changed out of band: the key is updated in place; rotation
	 * turned off: corrected too */
	json_object_set_new(json_object_get(json_object_get(live, "Key"), "properties"), "Tags",
			    json_pack("[{s:s, s:s}]", "Key", "env", "Value", "prod"));
	CHECK_INT(fx_open(&f, applied, "other-name"), 0);
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, NULL), 0);
	e = p ? find(p, "Key") : NULL;
	CHECK(e && e->action == CAIRN_ACTION_UPDATE);
	CHECK(e && change_at(e, "Tags"));
	CHECK(e && e->live && json_object_get(e->live, "Tags"));
	/* Fixed's BucketName changed: a replacement, new first (the name differs) */
	e = p ? find(p, "Fixed") : NULL;
	CHECK(e && e->action == CAIRN_ACTION_REPLACE);
	CHECK(e && !e->delete_first);
	CHECK(e && change_at(e, "BucketName") && change_at(e, "BucketName")->replaces);
	e = p ? find(p, "Bucket") : NULL;
	CHECK(e && e->action == CAIRN_ACTION_NOOP);
	cairn_plan_free(p);
	json_decref(live);
	fx_close(&f);
}

TEST(gone_resources_are_created_and_dependents_follow)
{
	fixture f;
	cairn_plan *p = NULL;
	json_t *live = live_after_apply();
	const cairn_planned *e;
	const cairn_change *ch;

	json_object_set_new(live, "Key", json_pack("{s:s}", "status", "gone"));
	CHECK_INT(fx_open(&f, applied, NULL), 0);
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, NULL), 0);
	e = p ? find(p, "Key") : NULL;
	CHECK(e && e->action == CAIRN_ACTION_CREATE);
	CHECK(e && e->reason && strstr(e->reason, "deleted outside cairn"));
	e = p ? find(p, "Bucket") : NULL;
	CHECK(e && e->action == CAIRN_ACTION_UPDATE);
	ch = change_at(e, "BucketEncryption.ServerSideEncryptionConfiguration[0]."
			  "ServerSideEncryptionByDefault.KMSMasterKeyID");
	CHECK(ch && cairn_is_unknown(ch->after));
	cairn_plan_free(p);
	json_decref(live);
	fx_close(&f);
}

TEST(removed_retained_targets_and_destroy)
{
	fixture f;
	cairn_plan *p = NULL;
	json_t *live = live_after_apply(), *st;
	const cairn_planned *e;
	const char *targets[] = {"Bucket", NULL};
	cairn_plan_options o;
	size_t i;
	json_error_t je;

	/* a resource the template no longer has */
	st = json_loads(applied, 0, &je);
	json_object_set_new(json_object_get(st, "resources"), "Old",
			    json_pack("{s:s, s:s, s:s, s:{}, s:[s]}", "type", "AWS::S3::Bucket",
				      "status", "created", "id", "old-b", "properties",
				      "depends_on", "Key"));
	{
		char *text = json_dumps(st, 0);
		CHECK_INT(fx_open(&f, text, NULL), 0);
		free(text);
	}
	json_decref(st);
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, NULL), 0);
	e = p ? find(p, "Old") : NULL;
	CHECK(e && e->action == CAIRN_ACTION_DELETE && !e->retain);
	CHECK(e && e->reason && strcmp(e->reason, "removed from the template") == 0);
	cairn_plan_free(p);

	/* --target Bucket: Bucket and Key (what it depends on), nothing else */
	memset(&o, 0, sizeof(o));
	o.targets = targets;
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, &o), 0);
	CHECK(p && p->n == 2 && find(p, "Bucket") && find(p, "Key"));
	cairn_plan_free(p);
	targets[0] = "Nope";
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, &o), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "--target Nope");

	/* destroy: everything, dependents first, Fixed retained */
	memset(&o, 0, sizeof(o));
	o.destroy = 1;
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, &o), 0);
	if (p) {
		long key = -1, bucket = -1, old = -1;
		for (i = 0; i < p->n; i++) {
			CHECK_INT(p->v[i].action, CAIRN_ACTION_DELETE);
			if (!strcmp(p->v[i].logical_id, "Key"))
				key = (long)i;
			if (!strcmp(p->v[i].logical_id, "Bucket"))
				bucket = (long)i;
			if (!strcmp(p->v[i].logical_id, "Old"))
				old = (long)i;
			if (!strcmp(p->v[i].logical_id, "Fixed"))
				CHECK(p->v[i].retain);
		}
		CHECK(key > bucket && key > old && bucket >= 0 && old >= 0);
		CHECK_STR(json_string_value(json_object_get(
				  json_object_get(p->outputs, "BucketName"), "change")),
			  "delete");
	}
	cairn_plan_free(p);
	json_decref(live);
	fx_close(&f);
}

TEST(pending_creates_are_adopted_or_made_again)
{
	fixture f;
	cairn_plan *p = NULL;
	json_t *live = live_after_apply(), *st;
	const cairn_planned *e;
	json_error_t je;

	st = json_loads(applied, 0, &je);
	json_object_set_new(json_object_get(st, "resources"), "Bucket",
			    json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:[s]}", "type",
				      "AWS::S3::Bucket", "status", "pending", "properties",
				      "BucketName", "demo-bucket-xyz", "pending", "token", "t1", "name",
				      "demo-bucket-xyz", "depends_on", "Key"));
	{
		char *text = json_dumps(st, 0);
		CHECK_INT(fx_open(&f, text, NULL), 0);
		free(text);
	}
	json_decref(st);
	/* not found: made again, with the same name */
	json_object_set_new(live, "Bucket", json_pack("{s:s}", "status", "absent"));
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, NULL), 0);
	e = p ? find(p, "Bucket") : NULL;
	CHECK(e && e->action == CAIRN_ACTION_CREATE);
	CHECK(e && change_at(e, "BucketName") &&
	      json_is_string(change_at(e, "BucketName")->after) &&
	      !strcmp(json_string_value(change_at(e, "BucketName")->after), "demo-bucket-xyz"));
	cairn_plan_free(p);
	/* found, half configured (no encryption yet): adopted and updated */
	json_object_set_new(live, "Bucket",
			    json_pack("{s:s, s:s, s:{s:s}, s:{}, s:b}", "status", "found", "id",
				      "demo-bucket-xyz", "properties", "BucketName", "demo-bucket-xyz",
				      "attributes", "adopted", 1));
	CHECK_INT(cairn_plan_make(&p, f.s, f.st, live, NULL), 0);
	e = p ? find(p, "Bucket") : NULL;
	CHECK(e && e->adopt && e->action == CAIRN_ACTION_UPDATE);
	CHECK(e && e->id && !strcmp(e->id, "demo-bucket-xyz"));
	CHECK(p && cairn_plan_has_changes(p));
	cairn_plan_free(p);
	json_decref(live);
	fx_close(&f);
}

int main(void)
{
	RUN(first_plan_creates_everything);
	RUN(plan_after_apply_is_a_no_op);
	RUN(drift_tag_and_name_changes);
	RUN(gone_resources_are_created_and_dependents_follow);
	RUN(removed_retained_targets_and_destroy);
	RUN(pending_creates_are_adopted_or_made_again);
	RUN(prints_like_terraform);
	RUN(no_changes_says_so);
	RUN(json_has_the_documented_shape);
	RUN(masks_noecho_values);
	RUN(saved_plans_round_trip_and_go_stale);
	return test_done();
}
