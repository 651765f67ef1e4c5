/* Unit tests for src/engine/plan.c: output, JSON, saved plans. (Making a
 * plan from a stack is tested end to end in tests/integration/test_plan_*.) */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/plan.h"
#include "cairn/state.h"
#include "test.h"

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

int main(void)
{
	RUN(prints_like_terraform);
	RUN(no_changes_says_so);
	RUN(json_has_the_documented_shape);
	RUN(masks_noecho_values);
	RUN(saved_plans_round_trip_and_go_stale);
	return test_done();
}
