/* Unit tests for src/engine/diff.c: normalised comparison and changes. */
#include <stdlib.h>
#include <string.h>

#include "cairn/common.h"
#include "cairn/plan.h"
#include "cairn/types.h"
#include "test.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fprintf(stderr, "bad JSON in test: %s: %s\n", text, e.text);
	return v;
}

/* A schema node by kind. */
static json_t *S(const char *kind)
{
	return json_pack("{s:s}", "kind", kind);
}

/* 1 when a equals b under schema (all three given as JSON text; schema
 * may be a kind name). */
static int eq(const char *schema, const char *a, const char *b)
{
	json_t *s = schema[0] == '{' ? J(schema) : S(schema), *x = J(a), *y = J(b);
	int r = cairn_diff_equal(s, x, y);
	json_decref(s);
	json_decref(x);
	json_decref(y);
	return r;
}

TEST(scalars_coerce_like_cloudformation)
{
	CHECK(eq("Integer", "\"5\"", "5"));
	CHECK(eq("Integer", "5.0", "5"));
	CHECK(!eq("Integer", "6", "5"));
	CHECK(eq("Double", "\"1.50\"", "1.5"));
	CHECK(eq("Boolean", "\"true\"", "true"));
	CHECK(eq("Boolean", "\"False\"", "false"));
	CHECK(!eq("Boolean", "true", "false"));
	CHECK(eq("String", "5", "\"5\""));
	CHECK(eq("String", "true", "\"true\""));
	CHECK(!eq("String", "\"a\"", "\"b\""));
	/* no schema: the same coercions */
	CHECK(eq("{}", "{\"A\": \"7\"}", "{\"A\": 7}"));
}

TEST(objects_compare_only_what_the_template_sets)
{
	CHECK(eq("{\"kind\": \"Object\", \"properties\": {\"A\": {\"kind\": \"Integer\"}}}",
		 "{\"A\": 1}", "{\"A\": 1, \"B\": 2}"));
	CHECK(!eq("Object", "{\"A\": 1, \"C\": 3}", "{\"A\": 1, \"B\": 2}"));
	CHECK(eq("List", "[]", "null"));
	CHECK(eq("Object", "{}", "null"));
	CHECK(!eq("String", "\"x\"", "null"));
}

TEST(tags_are_a_set_without_aws_and_cairn_keys)
{
	CHECK(eq("Tags", "[{\"Key\": \"b\", \"Value\": \"2\"}, {\"Key\": \"a\", \"Value\": \"1\"}]",
		 "[{\"Key\": \"a\", \"Value\": \"1\"}, {\"Key\": \"cairn:stack\", \"Value\": \"s\"},"
		 " {\"Key\": \"aws:cloudformation:stack-name\", \"Value\": \"x\"},"
		 " {\"Key\": \"b\", \"Value\": 2}]"));
	CHECK(!eq("Tags", "[{\"Key\": \"a\", \"Value\": \"1\"}]",
		  "[{\"Key\": \"a\", \"Value\": \"2\"}]"));
	CHECK(!eq("Tags", "[{\"Key\": \"a\", \"Value\": \"1\"}]",
		  "[{\"Key\": \"a\", \"Value\": \"1\"}, {\"Key\": \"extra\", \"Value\": \"1\"}]"));
	/* only cairn's own two keys are left out: other cairn: keys are the
	 * user's (cairn:access: read-only) */
	CHECK(!eq("Tags", "[{\"Key\": \"cairn:access\", \"Value\": \"read-only\"}]",
		  "[{\"Key\": \"cairn:access\", \"Value\": \"read-write\"}]"));
	CHECK(!eq("Tags", "[]", "[{\"Key\": \"cairn:access\", \"Value\": \"admin\"}]"));
	CHECK(eq("Tags", "[{\"Key\": \"cairn:access\", \"Value\": \"read-only\"}]",
		 "[{\"Key\": \"cairn:logical-id\", \"Value\": \"R\"}, {\"Key\": \"cairn:access\", "
		 "\"Value\": \"read-only\"}, {\"Key\": \"AWS:x\", \"Value\": \"y\"}]"));
	CHECK(cairn_tag_key_reserved("cairn:stack") != NULL);
	CHECK(cairn_tag_key_reserved("cairn:logical-id") != NULL);
	CHECK(cairn_tag_key_reserved("Aws:Foo") != NULL);
	CHECK(cairn_tag_key_reserved("cairn:access") == NULL);
	CHECK(cairn_tag_key_reserved("cairn:stack-owner") == NULL);
	CHECK(cairn_tag_key_reserved("awsx") == NULL);
}

TEST(policy_documents_compare_semantically)
{
	const char *a = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\","
			" \"Action\": [\"s3:PutObject\", \"s3:GetObject\"], \"Resource\": \"*\","
			" \"Principal\": {\"AWS\": \"123456789012\"}},"
			" {\"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": [\"arn:x\"],"
			" \"Principal\": \"*\","
			" \"Condition\": {\"Bool\": {\"aws:SecureTransport\": false}}}]}";
	const char *b = "\"{\\\"Statement\\\": [{\\\"Resource\\\": \\\"arn:x\\\", "
			"\\\"Effect\\\": \\\"Deny\\\", \\\"Action\\\": [\\\"s3:*\\\"], "
			"\\\"Principal\\\": {\\\"AWS\\\": [\\\"*\\\"]}, \\\"Condition\\\": {\\\"Bool\\\": "
			"{\\\"aws:SecureTransport\\\": [\\\"false\\\"]}}}, {\\\"Effect\\\": \\\"Allow\\\", "
			"\\\"Action\\\": [\\\"s3:GetObject\\\", \\\"s3:PutObject\\\", \\\"s3:GetObject\\\"], "
			"\\\"Resource\\\": [\\\"*\\\"], \\\"Principal\\\": {\\\"AWS\\\": "
			"\\\"arn:aws:iam::123456789012:root\\\"}}], \\\"Version\\\": \\\"2012-10-17\\\"}\"";
	CHECK(eq("PolicyDocument", a, b));
	/* a statement object equals a one-element list */
	CHECK(eq("PolicyDocument",
		 "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"a:b\"}}",
		 "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"a:b\"]}]}"));
	/* Version defaults to 2008-10-17 */
	CHECK(eq("PolicyDocument", "{\"Statement\": []}",
		 "{\"Version\": \"2008-10-17\", \"Statement\": []}"));
	CHECK(!eq("PolicyDocument", "{\"Statement\": []}",
		  "{\"Version\": \"2012-10-17\", \"Statement\": []}"));
	/* a real difference is seen */
	CHECK(!eq("PolicyDocument",
		  "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"a:b\", \"Resource\": \"*\"}}",
		  "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"a:c\", \"Resource\": \"*\"}}"));
}

TEST(lists_in_order_unless_set)
{
	const char *ordered = "{\"kind\": \"List\", \"item\": {\"kind\": \"String\"}}";
	const char *set = "{\"kind\": \"List\", \"item\": {\"kind\": \"String\"}, \"set\": true}";
	CHECK(!eq(ordered, "[\"a\", \"b\"]", "[\"b\", \"a\"]"));
	CHECK(eq(ordered, "[\"a\", \"b\"]", "[\"a\", \"b\"]"));
	CHECK(eq(set, "[\"a\", \"b\"]", "[\"b\", \"a\"]"));
	CHECK(!eq(set, "[\"a\", \"a\"]", "[\"a\", \"b\"]"));
	CHECK(!eq(set, "[\"a\"]", "[\"a\", \"b\"]"));
	CHECK(eq("Json", "\"{\\\"a\\\": [1, 2]}\"", "{\"a\": [1, 2]}"));
}

/* A bucket-like type: BucketName create-only, nested objects, tags. */
static json_t *bucket_schema(void)
{
	return J("{\"kind\": \"Object\", \"properties\": {"
		 " \"BucketName\": {\"kind\": \"String\"},"
		 " \"ObjectLockEnabled\": {\"kind\": \"Boolean\"},"
		 " \"VersioningConfiguration\": {\"kind\": \"Object\", \"properties\": {"
		 "    \"Status\": {\"kind\": \"String\"}}},"
		 " \"Rules\": {\"kind\": \"List\", \"item\": {\"kind\": \"Object\", \"properties\": {"
		 "    \"Id\": {\"kind\": \"String\"}, \"Status\": {\"kind\": \"String\"}}}},"
		 " \"Tags\": {\"kind\": \"Tags\"}}}");
}

static const char *create_only[] = {"BucketName", "ObjectLockEnabled"};

static cairn_type bucket_type(json_t *schema)
{
	cairn_type t;
	memset(&t, 0, sizeof(t));
	t.name = "AWS::S3::Bucket";
	t.schema = schema;
	t.create_only = create_only;
	t.ncreate_only = 2;
	return t;
}

static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS)
		 : cairn_xstrdup("(absent)");
}

TEST(changes_have_paths_and_replacement)
{
	json_t *schema = bucket_schema();
	cairn_type t = bucket_type(schema);
	cairn_diff d = CAIRN_DIFF_INIT;
	json_t *desired = J("{\"BucketName\": \"b2\", \"VersioningConfiguration\": {\"Status\": "
			    "\"Enabled\"}, \"Rules\": [{\"Id\": \"r1\", \"Status\": \"Enabled\"}, "
			    "{\"Id\": \"r2\", \"Status\": \"Disabled\"}],"
			    " \"Tags\": [{\"Key\": \"env\", \"Value\": \"prod\"}]}");
	json_t *live = J("{\"BucketName\": \"b1\", \"VersioningConfiguration\": {\"Status\": "
			 "\"Suspended\"}, \"Rules\": [{\"Id\": \"r1\", \"Status\": \"Enabled\"}, "
			 "{\"Id\": \"r2\", \"Status\": \"Enabled\"}], \"Tags\": [{\"Key\": \"env\", "
			 "\"Value\": \"dev\"}, {\"Key\": \"cairn:stack\", \"Value\": \"s\"}]}");
	char *s;

	cairn_diff_properties(&d, &t, desired, live, NULL);
	CHECK_INT(d.n, 4);
	CHECK(d.replace);
	if (d.n == 4) {
		CHECK_STR(d.v[0].path, "BucketName");
		CHECK(d.v[0].replaces);
		CHECK_STR(d.v[1].path, "VersioningConfiguration.Status");
		CHECK(!d.v[1].replaces);
		CHECK_STR(json_string_value(d.v[1].before), "Suspended");
		CHECK_STR(json_string_value(d.v[1].after), "Enabled");
		CHECK_STR(d.v[2].path, "Rules[1].Status");
		CHECK_STR(d.v[3].path, "Tags");
		s = dump(d.v[3].before);
		CHECK_STR(s, "[{\"Key\":\"env\",\"Value\":\"dev\"}]");
		free(s);
	}
	cairn_diff_dispose(&d);

	/* only a tag: an update in place */
	json_object_set_new(desired, "BucketName", json_string("b1"));
	json_object_set_new(desired, "VersioningConfiguration",
			    json_pack("{s:s}", "Status", "Suspended"));
	json_array_set_new(json_object_get(desired, "Rules"), 1,
			   json_pack("{s:s, s:s}", "Id", "r2", "Status", "Enabled"));
	cairn_diff_properties(&d, &t, desired, live, NULL);
	CHECK_INT(d.n, 1);
	CHECK(!d.replace);
	cairn_diff_dispose(&d);

	json_decref(desired);
	json_decref(live);
	json_decref(schema);
}

/* In a set of objects (a role's inline Policies), the one item that
 * changed is reported at its own path, in whatever order AWS lists the
 * items; with more than one item changed, the set is one change. */
TEST(a_set_of_objects_descends_into_the_one_changed_item)
{
	json_t *schema = J("{\"kind\": \"Object\", \"properties\": {\"Policies\": {\"kind\": "
			   "\"List\", \"set\": true, \"item\": {\"kind\": \"Object\", "
			   "\"properties\": {\"PolicyName\": {\"kind\": \"String\"}, "
			   "\"PolicyDocument\": {\"kind\": \"PolicyDocument\"}}}}}}");
	cairn_type t;
	cairn_diff d = CAIRN_DIFF_INIT;
	json_t *desired = J("{\"Policies\": [{\"PolicyName\": \"a\", \"PolicyDocument\": "
			    "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", "
			    "\"Resource\": \"*\"}]}}, {\"PolicyName\": \"b\", \"PolicyDocument\": "
			    "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sqs:SendMessage\", "
			    "\"Resource\": \"*\"}]}}]}");
	/* AWS lists b first; b gained a statement */
	json_t *live = J("{\"Policies\": [{\"PolicyName\": \"b\", \"PolicyDocument\": "
			 "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"sqs:SendMessage\"], "
			 "\"Resource\": [\"*\"]}, {\"Effect\": \"Allow\", \"Action\": \"*\", "
			 "\"Resource\": \"*\"}]}}, {\"PolicyName\": \"a\", \"PolicyDocument\": "
			 "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", "
			 "\"Resource\": \"*\"}]}}]}");
	memset(&t, 0, sizeof(t));
	t.name = "Test::Role";
	t.schema = schema;
	cairn_diff_properties(&d, &t, desired, live, NULL);
	CHECK_INT(d.n, 1);
	if (d.n == 1) {
		CHECK_STR(d.v[0].path, "Policies[1].PolicyDocument");
		CHECK_INT(json_array_size(json_object_get(d.v[0].before, "Statement")), 2);
		CHECK_INT(json_array_size(json_object_get(d.v[0].after, "Statement")), 1);
	}
	cairn_diff_dispose(&d);

	/* two items changed: the whole set */
	json_object_set_new(json_array_get(json_object_get(live, "Policies"), 1), "PolicyName",
			    json_string("c"));
	cairn_diff_properties(&d, &t, desired, live, NULL);
	CHECK_INT(d.n, 1);
	if (d.n == 1)
		CHECK_STR(d.v[0].path, "Policies");
	cairn_diff_dispose(&d);
	json_decref(desired);
	json_decref(live);
	json_decref(schema);
}

TEST(removed_keys_are_changes_except_create_only)
{
	json_t *schema = bucket_schema();
	cairn_type t = bucket_type(schema);
	cairn_diff d = CAIRN_DIFF_INIT;
	json_t *desired = J("{\"BucketName\": \"b\"}");
	json_t *prior = J("{\"BucketName\": \"b\", \"ObjectLockEnabled\": true, "
			  "\"VersioningConfiguration\": {\"Status\": \"Enabled\"}}");
	json_t *live = J("{\"BucketName\": \"b\", \"ObjectLockEnabled\": true, "
			 "\"VersioningConfiguration\": {\"Status\": \"Enabled\"}}");

	cairn_diff_properties(&d, &t, desired, live, prior);
	CHECK_INT(d.n, 1);
	CHECK(!d.replace);
	if (d.n == 1) {
		CHECK_STR(d.v[0].path, "VersioningConfiguration");
		CHECK(d.v[0].after == NULL);
	}
	cairn_diff_dispose(&d);
	/* without a prior, what the template does not set is not compared */
	cairn_diff_properties(&d, &t, desired, live, NULL);
	CHECK_INT(d.n, 0);
	cairn_diff_dispose(&d);
	/* a nested key removed */
	json_object_set_new(desired, "VersioningConfiguration", json_object());
	json_object_set_new(json_object_get(live, "VersioningConfiguration"), "MfaDelete",
			    json_string("Disabled"));
	cairn_diff_properties(&d, &t, desired, live, prior);
	CHECK_INT(d.n, 1);
	if (d.n == 1)
		CHECK_STR(d.v[0].path, "VersioningConfiguration.Status");
	cairn_diff_dispose(&d);
	json_decref(desired);
	json_decref(prior);
	json_decref(live);
	json_decref(schema);
}

TEST(keys_removed_inside_list_items_are_changes)
{
	json_t *schema = J("{\"kind\": \"Object\", \"properties\": {"
			   "\"Rules\": {\"kind\": \"List\", \"item\": {\"kind\": \"Object\", "
			   "\"properties\": {\"Algo\": {\"kind\": \"String\"}, \"Key\": {\"kind\": "
			   "\"String\"}}}}, "
			   "\"Grants\": {\"kind\": \"List\", \"set\": true, \"item\": {\"kind\": "
			   "\"Object\", \"properties\": {\"Who\": {\"kind\": \"String\"}, \"Until\": "
			   "{\"kind\": \"String\"}}}}}}");
	cairn_type t;
	cairn_diff d = CAIRN_DIFF_INIT;
	json_t *prior = J("{\"Rules\": [{\"Algo\": \"kms\", \"Key\": \"k1\"}], "
			  "\"Grants\": [{\"Who\": \"a\"}, {\"Who\": \"b\", \"Until\": \"2027\"}]}");
	json_t *live = J("{\"Rules\": [{\"Algo\": \"kms\", \"Key\": \"k1\"}], "
			 "\"Grants\": [{\"Who\": \"b\", \"Until\": \"2027\"}, {\"Who\": \"a\"}]}");
	json_t *desired = J("{\"Rules\": [{\"Algo\": \"kms\"}], "
			    "\"Grants\": [{\"Who\": \"a\"}, {\"Who\": \"b\", \"Until\": \"2027\"}]}");

	memset(&t, 0, sizeof(t));
	t.name = "Test::Thing";
	t.schema = schema;
	/* in an ordered list: the key, at its path */
	cairn_diff_properties(&d, &t, desired, live, prior);
	CHECK_INT(d.n, 1);
	if (d.n == 1) {
		CHECK_STR(d.v[0].path, "Rules[0].Key");
		CHECK(d.v[0].after == NULL);
	}
	cairn_diff_dispose(&d);
	/* in a set (items in another order): the whole set */
	json_object_set_new(desired, "Rules", J("[{\"Algo\": \"kms\", \"Key\": \"k1\"}]"));
	json_object_set_new(desired, "Grants", J("[{\"Who\": \"a\"}, {\"Who\": \"b\"}]"));
	cairn_diff_properties(&d, &t, desired, live, prior);
	CHECK_INT(d.n, 1);
	if (d.n == 1)
		CHECK_STR(d.v[0].path, "Grants");
	cairn_diff_dispose(&d);
	/* once live no longer has it, nothing */
	json_object_del(json_array_get(json_object_get(live, "Grants"), 0), "Until");
	cairn_diff_properties(&d, &t, desired, live, prior);
	CHECK_INT(d.n, 0);
	cairn_diff_dispose(&d);
	/* without a prior, only what the template sets is compared */
	json_object_set_new(json_array_get(json_object_get(live, "Grants"), 0), "Until",
			    json_string("2027"));
	cairn_diff_properties(&d, &t, desired, live, NULL);
	CHECK_INT(d.n, 0);
	cairn_diff_dispose(&d);
	json_decref(desired);
	json_decref(live);
	json_decref(prior);
	json_decref(schema);
}

TEST(unknown_values_are_changes)
{
	json_t *schema = bucket_schema();
	cairn_type t = bucket_type(schema);
	cairn_diff d = CAIRN_DIFF_INIT;
	json_t *desired = J("{\"BucketName\": {\"Cairn::Unknown\": {\"Ref\": \"Name\"}}}");
	json_t *live = J("{\"BucketName\": \"b\"}");

	cairn_diff_properties(&d, &t, desired, live, NULL);
	CHECK_INT(d.n, 1);
	CHECK(d.replace);
	if (d.n == 1)
		CHECK(json_object_get(d.v[0].after, "Cairn::Unknown") != NULL);
	cairn_diff_dispose(&d);
	json_decref(desired);
	json_decref(live);
	json_decref(schema);
}

TEST(diff_all_lists_every_property)
{
	cairn_diff d = CAIRN_DIFF_INIT;
	json_t *desired = J("{\"A\": 1, \"B\": {\"C\": 2}}");
	cairn_diff_all(&d, desired);
	CHECK_INT(d.n, 2);
	CHECK(d.v[0].before == NULL);
	CHECK_STR(d.v[1].path, "B");
	cairn_diff_dispose(&d);
	CHECK(d.n == 0 && d.v == NULL);
	json_decref(desired);
}

TEST(canonical_tags_and_documents)
{
	json_t *tags = J("{\"b\": 2, \"a\": \"1\", \"aws:x\": \"y\"}");
	json_t *c = cairn_diff_tags(tags);
	char *s = dump(c);
	CHECK_STR(s, "[{\"Key\":\"a\",\"Value\":\"1\"},{\"Key\":\"b\",\"Value\":\"2\"}]");
	free(s);
	json_decref(c);
	json_decref(tags);

	tags = J("\"not a document\"");
	c = cairn_diff_policy_document(tags);
	CHECK(json_equal(c, tags));
	json_decref(c);
	json_decref(tags);
}

TEST(real_types_from_the_registry)
{
	cairn_types *types = NULL;
	const cairn_type *b, *k;
	cairn_diff d = CAIRN_DIFF_INIT;
	json_t *desired, *live;

	CHECK_INT(cairn_types_load(&types), 0);
	if (!types)
		return;
	b = cairn_types_find(types, "AWS::S3::Bucket");
	k = cairn_types_find(types, "AWS::KMS::Key");
	CHECK(b && k);
	desired = J("{\"BucketEncryption\": {\"ServerSideEncryptionConfiguration\": [{"
		    "\"ServerSideEncryptionByDefault\": {\"SSEAlgorithm\": \"aws:kms\", "
		    "\"KMSMasterKeyID\": \"arn:k2\"}, \"BucketKeyEnabled\": \"true\"}]}}");
	live = J("{\"BucketName\": \"x\", \"BucketEncryption\": {\"ServerSideEncryptionConfiguration\": [{"
		 "\"ServerSideEncryptionByDefault\": {\"SSEAlgorithm\": \"aws:kms\", "
		 "\"KMSMasterKeyID\": \"arn:k1\"}, \"BucketKeyEnabled\": true}]}}");
	cairn_diff_properties(&d, b, desired, live, NULL);
	CHECK_INT(d.n, 1);
	CHECK(!d.replace);
	if (d.n == 1)
		CHECK_STR(d.v[0].path, "BucketEncryption.ServerSideEncryptionConfiguration[0]."
				       "ServerSideEncryptionByDefault.KMSMasterKeyID");
	cairn_diff_dispose(&d);
	json_decref(desired);
	json_decref(live);

	/* a KMS key's KeySpec can never change: flagged, not a replacement */
	desired = J("{\"KeySpec\": \"RSA_2048\", \"EnableKeyRotation\": true}");
	live = J("{\"KeySpec\": \"SYMMETRIC_DEFAULT\", \"EnableKeyRotation\": \"true\"}");
	cairn_diff_properties(&d, k, desired, live, NULL);
	CHECK_INT(d.n, 1);
	CHECK(d.immutable);
	CHECK(!d.replace);
	cairn_diff_dispose(&d);
	json_decref(desired);
	json_decref(live);
	cairn_types_free(types);
}

int main(void)
{
	RUN(real_types_from_the_registry);
	RUN(scalars_coerce_like_cloudformation);
	RUN(objects_compare_only_what_the_template_sets);
	RUN(tags_are_a_set_without_aws_and_cairn_keys);
	RUN(policy_documents_compare_semantically);
	RUN(lists_in_order_unless_set);
	RUN(changes_have_paths_and_replacement);
	RUN(a_set_of_objects_descends_into_the_one_changed_item);
	RUN(removed_keys_are_changes_except_create_only);
	RUN(keys_removed_inside_list_items_are_changes);
	RUN(unknown_values_are_changes);
	RUN(diff_all_lists_every_property);
	RUN(canonical_tags_and_documents);
	return test_done();
}
