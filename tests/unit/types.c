/* Unit tests for src/template/types.c: the type registry read from the
 * provider modules, its normalised schema, and malformed type tables
 * (through CAIRN_HOME, which overrides the compiled-in modules). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/types.h"
#include "test.h"

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

#define CHECK_JSON(v, expected) do {                                 \
		char *s_ = dump(v);                                  \
		CHECK_STR(s_, expected);                             \
		free(s_);                                            \
	} while (0)

TEST(registry_has_kms_and_s3)
{
	cairn_types *ts = NULL;
	const cairn_type *b, *k;
	CHECK_INT(cairn_types_load(&ts), 0);
	if (!ts) {
		fprintf(stderr, "%s\n", cairn_error_last());
		return;
	}
	CHECK(cairn_types_count(ts) >= 2);
	b = cairn_types_find(ts, "AWS::S3::Bucket");
	k = cairn_types_find(ts, "AWS::KMS::Key");
	CHECK(b && k);
	CHECK(cairn_types_find(ts, "AWS::S3::Nope") == NULL);
	if (!b || !k)
		goto out;
	CHECK_STR(b->module, "lua/cairn/aws/s3.lua");
	CHECK_STR(b->tags, "Tags");
	CHECK_STR(b->name_property, "BucketName");
	CHECK_INT(b->name_max, 63);
	CHECK_INT(b->name_lower, 1);
	CHECK(b->ref == NULL);
	CHECK(cairn_type_has_attribute(b, "RegionalDomainName"));
	CHECK(!cairn_type_has_attribute(b, "Nope"));
	CHECK_JSON(json_object_get(json_object_get(b->schema, "properties"),
				   "VersioningConfiguration"),
		   "{\"kind\":\"Object\",\"properties\":{\"Status\":{\"enum\":[\"Enabled\","
		   "\"Suspended\"],\"kind\":\"String\",\"required\":true}},\"required\":false}");
	CHECK_JSON(cairn_type_schema_at(b, "BucketEncryption/ServerSideEncryptionConfiguration"),
		   "{\"item\":{\"kind\":\"Object\",\"properties\":{\"BucketKeyEnabled\":{\"kind\":"
		   "\"Boolean\",\"required\":false},\"ServerSideEncryptionByDefault\":{\"kind\":"
		   "\"Object\",\"properties\":{\"KMSMasterKeyID\":{\"kind\":\"String\","
		   "\"required\":false},\"SSEAlgorithm\":{\"enum\":[\"aws:kms\",\"AES256\","
		   "\"aws:kms:dsse\"],\"kind\":\"String\",\"required\":true}},\"required\":false}},"
		   "\"required\":false},\"kind\":\"List\",\"required\":true,\"set\":false}");
	CHECK(cairn_type_schema_at(b, "BucketEncryption/ServerSideEncryptionConfiguration/0/"
				      "ServerSideEncryptionByDefault/SSEAlgorithm") != NULL);
	CHECK(cairn_type_schema_at(b, "BucketEncryption/ServerSideEncryptionConfiguration/"
				      "BucketKeyEnabled") != NULL);
	CHECK(cairn_type_schema_at(b, "Tags/0/Key") != NULL);
	CHECK(cairn_type_schema_at(b, "Nope") == NULL);
	CHECK(cairn_type_is_create_only(b, "BucketName"));
	CHECK(!cairn_type_is_create_only(b, "Tags/0/Value"));
	CHECK(!cairn_type_is_create_only(b, "VersioningConfiguration/Status"));
	CHECK(cairn_type_is_create_only(b, "")); /* the whole Properties includes BucketName */
	CHECK_INT(k->ncreate_only, 0);
	CHECK(cairn_type_is_immutable(k, "KeySpec"));
	CHECK(!cairn_type_is_immutable(k, "Description"));
	CHECK(cairn_type_has_attribute(k, "Arn") && cairn_type_has_attribute(k, "KeyId"));
	CHECK_JSON(json_object_get(json_object_get(k->schema, "properties"), "KeyPolicy"),
		   "{\"kind\":\"PolicyDocument\",\"required\":false}");
	{
		json_t *d = NULL;
		CHECK_INT(cairn_types_dump(ts, &d), 0);
		CHECK(json_array_size(json_object_get(d, "types")) == cairn_types_count(ts));
		CHECK_STR(json_string_value(json_object_get(
				  json_array_get(json_object_get(d, "types"), 0), "name")),
			  cairn_types_at(ts, 0)->name);
		json_decref(d);
	}
out:
	cairn_types_free(ts);
}

/* Runs the registry with CAIRN_HOME holding one overriding module. */
static int load_with(const char *module, const char *text)
{
	char dir[] = "/tmp/cairn-unit-types-XXXXXX";
	char *sub, *path, *cmd;
	FILE *f;
	cairn_types *ts = NULL;
	int rc;
	if (!mkdtemp(dir))
		return 99;
	sub = cairn_xasprintf("%s/lua/cairn/aws", dir);
	cairn_mkdir_p(sub, 0700);
	path = cairn_xasprintf("%s/%s", sub, module);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	setenv("CAIRN_HOME", dir, 1);
	rc = cairn_types_load(&ts);
	unsetenv("CAIRN_HOME");
	cairn_types_free(ts);
	cmd = cairn_xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 98;
	free(cmd);
	free(path);
	free(sub);
	return rc;
}

TEST(malformed_type_tables_name_module_and_field)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"return { { type = 'AWS::KMS::Key', properties = { A = 'Strin' } } }",
		 "lua/cairn/aws/kms.lua: AWS::KMS::Key: properties.A: unknown kind \"Strin\""},
		{"return { { type = 'AWS::KMS::Key', properties = { A = 'String' }, "
		 "create_onyl = { 'A' } } }",
		 "lua/cairn/aws/kms.lua: AWS::KMS::Key: unknown field \"create_onyl\""},
		{"return { { type = 'AWS::KMS::Key', properties = { A = 'String' }, "
		 "create_only = { 'B' } } }",
		 "lua/cairn/aws/kms.lua: AWS::KMS::Key: create_only: \"B\" is not a property"},
		{"return { { type = 'KMS Key', properties = { A = 'String' } } }",
		 "lua/cairn/aws/kms.lua: type \"KMS Key\" is not of the form AWS::Service::Resource"},
		{"return { { type = 'AWS::KMS::Key', properties = { A = { { B = 1 } } } } }",
		 "lua/cairn/aws/kms.lua: AWS::KMS::Key: properties.A[].B: a schema is a kind "
		 "string or a table, not a number"},
		{"return { { type = 'AWS::KMS::Key', properties = { A = 'String' }, "
		 "attributes = { 'Arn' }, ref = 'Id' } }",
		 "lua/cairn/aws/kms.lua: AWS::KMS::Key: ref: \"Id\" is not in attributes"},
		{"return { { type = 'AWS::KMS::Key', properties = { A = 'String' }, "
		 "tags = 'A' } }",
		 "lua/cairn/aws/kms.lua: AWS::KMS::Key: tags: \"A\" is not a property of kind Tags"},
		{"return { { type = 'AWS::KMS::Key', properties = { A = 'String' }, "
		 "name = { property = 'A', max = 0 } } }",
		 "lua/cairn/aws/kms.lua: AWS::KMS::Key: name.max must be an integer length"},
		{"return { { type = 'AWS::S3::Bucket', properties = { A = 'String' } } }",
		 "type AWS::S3::Bucket is already defined in lua/cairn/aws/"},
		{"local aws = require 'cairn.aws'\nlocal r = aws.kms.ListKeys{}\nreturn {}",
		 "lua/cairn/aws/kms.lua: cannot load the provider: lua/cairn/aws/kms.lua:2: "
		 "aws.kms.ListKeys called while cairn loads the type registry"},
		{"return 5", "lua/cairn/aws/kms.lua: a provider module must return a list of type "
			     "tables, not a number"},
		{"return {", "lua/cairn/aws/kms.lua: cannot load the provider: "
			     "lua/cairn/aws/kms.lua:1: "},
		{"local x = require 'socket'\nreturn {}", "module 'socket' not found"},
		{"local P = require 'cairn.provider'\nreturn { { type = 'AWS::KMS::Key', "
		 "properties = { A = P.required('String') } } }",
		 "P.required expects a table schema"},
	};
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(cases); i++) {
		int rc = load_with("kms.lua", cases[i].text);
		CHECK_INT(rc, CAIRN_EINVALID);
		CHECK_CONTAINS(cairn_error_last(), cases[i].msg);
	}
}

TEST(a_well_formed_override_is_used)
{
	CHECK_INT(load_with("kms.lua",
			    "local P = require 'cairn.provider'\n"
			    "local T = { type = 'AWS::KMS::Key', properties = {\n"
			    "  A = P.required { { B = 'Integer!' }, set = true },\n"
			    "  M = { ['*'] = 'String' } },\n"
			    "  attributes = { 'Arn', 'L' }, list_attributes = { 'L' } }\n"
			    "function T.create() end\n"
			    "return { T }\n"),
		  0);
}

int main(void)
{
	unsetenv("CAIRN_HOME");
	RUN(registry_has_kms_and_s3);
	RUN(malformed_type_tables_name_module_and_field);
	RUN(a_well_formed_override_is_used);
	return test_done();
}
