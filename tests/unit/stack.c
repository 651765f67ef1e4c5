/* Unit tests for the stack (src/template/{stack,params,check,eval,graph,
 * document}.c): parameters and their constraints, conditions, every
 * intrinsic evaluated, unknown values, Fn::Cidr, Fn::ImportValue, the
 * dependency order and cycles, the stack document. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/stack.h"
#include "test.h"

static char tmpdir[64];

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

#define CHECK_JSON(v, expected) do {                                 \
		char *s_ = dump(v);                                  \
		CHECK_STR(s_, expected);                             \
		free(s_);                                            \
	} while (0)

/* Writes text to NAME.yaml in the scratch directory and loads it. */
static cairn_stack *load_as(const char *name, const char *text, const cairn_stack_options *o,
			    cairn_diags *d)
{
	char *path = cairn_xasprintf("%s/%s.yaml", tmpdir, name);
	FILE *f = fopen(path, "w");
	cairn_stack *s = NULL;
	fputs(text, f);
	fclose(f);
	cairn_stack_load(&s, path, o, d);
	free(path);
	return s;
}

static cairn_stack *load(const char *text, const cairn_stack_options *o, cairn_diags *d)
{
	return load_as("t", text, o, d);
}

/* All messages, one per line, as "LINE:COL: message". */
static char *messages(const cairn_diags *d)
{
	cairn_buf b = CAIRN_BUF_INIT;
	size_t i;
	for (i = 0; i < d->n; i++)
		cairn_buf_printf(&b, "%d:%d: %s\n", d->v[i].line, d->v[i].col, d->v[i].message);
	return cairn_buf_detach(&b);
}

#define CHECK_ERRORS(d, expected) do {                               \
		char *m_ = messages(d);                              \
		CHECK_STR(m_, expected);                             \
		free(m_);                                            \
	} while (0)

/* Evaluates the property P of resource R. */
static json_t *prop(const cairn_stack *s, const char *r, const char *p,
		    const cairn_eval_env *env)
{
	json_t *props = NULL, *v;
	const cairn_resource *res = cairn_stack_find(s, r);
	if (!res || cairn_stack_eval_properties(s, res, env, &props) < 0) {
		fprintf(stderr, "eval: %s\n", cairn_error_last());
		return json_null();
	}
	v = json_incref(json_object_get(props, p));
	json_decref(props);
	return v ? v : json_null();
}

#define CHECK_PROP(s, r, p, env, expected) do {                      \
		json_t *v_ = prop(s, r, p, env);                     \
		CHECK_JSON(v_, expected);                            \
		json_decref(v_);                                     \
	} while (0)

static const cairn_stack_options known = {NULL, NULL, "eu-west-1", "123456789012", NULL, NULL,
					  NULL, NULL, 0};

TEST(every_intrinsic_evaluates)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	static const char *const azs[] = {"eu-west-1a", "eu-west-1b", "eu-west-1c"};
	cairn_stack_options o = known;
	cairn_stack *s;
	o.azs = azs;
	o.nazs = 3;
	s = load("Parameters:\n"
		 "  Env: {Type: String, Default: prod}\n"
		 "  Ports: {Type: List<Number>, Default: '80,443'}\n"
		 "  Names: {Type: CommaDelimitedList, Default: 'a,b,c'}\n"
		 "  Size: {Type: Number, Default: 5}\n"
		 "Mappings:\n"
		 "  M: {prod: {Count: 3, List: [x, y]}}\n"
		 "Conditions:\n"
		 "  IsProd: !Equals [!Ref Env, prod]\n"
		 "  IsDev: !Not [!Condition IsProd]\n"
		 "  Both: !And [!Condition IsProd, !Equals [5, !Ref Size]]\n"
		 "  Either: !Or [!Condition IsDev, !Equals [a, b]]\n"
		 "Resources:\n"
		 "  R:\n"
		 "    Type: AWS::S3::Bucket\n"
		 "    Properties:\n"
		 "      Tags:\n"
		 "        - {Key: a, Value: !Ref Env}\n"
		 "        - {Key: b, Value: !Sub '${AWS::Region}-${Env}-${!Literal}-${AWS::AccountId}'}\n"
		 "        - {Key: c, Value: !Sub ['${X}-${Y}', {X: !Ref Env, Y: 7}]}\n"
		 "        - {Key: d, Value: !Join ['-', [!Ref Env, 2, !Select [1, !Ref Names]]]}\n"
		 "        - {Key: e, Value: !Select [1, !Split [',', 'p,q,r']]}\n"
		 "        - {Key: f, Value: !If [IsProd, yes-prod, no-prod]}\n"
		 "        - {Key: g, Value: !FindInMap [M, !Ref Env, Count]}\n"
		 "        - {Key: h, Value: !Base64 'hello world'}\n"
		 "        - {Key: i, Value: !Join [',', !GetAZs '']}\n"
		 "        - {Key: j, Value: !Join [',', !Cidr ['10.0.0.0/16', 3, 8]]}\n"
		 "        - {Key: k, Value: !Sub '${AWS::Partition}.${AWS::URLSuffix}.${AWS::StackName}'}\n"
		 "        - {Key: l, Value: !If [Both, both, not-both]}\n"
		 "        - {Key: m, Value: !If [Either, either, neither]}\n"
		 "        - !If [IsDev, {Key: n, Value: x}, !Ref AWS::NoValue]\n"
		 "        - {Key: o, Value: !Join [',', !Ref Ports]}\n"
		 "        - {Key: p, Value: !Select [0, !FindInMap [M, prod, List]]}\n"
		 "        - {Key: q, Value: !Join ['', [!Ref Size]]}\n",
		 &o, &d);
	CHECK(s != NULL);
	CHECK_ERRORS(&d, "");
	if (!s)
		goto out;
	CHECK_PROP(s, "R", "Tags", NULL,
		   "[{\"Key\":\"a\",\"Value\":\"prod\"},"
		   "{\"Key\":\"b\",\"Value\":\"eu-west-1-prod-${Literal}-123456789012\"},"
		   "{\"Key\":\"c\",\"Value\":\"prod-7\"},"
		   "{\"Key\":\"d\",\"Value\":\"prod-2-b\"},"
		   "{\"Key\":\"e\",\"Value\":\"q\"},"
		   "{\"Key\":\"f\",\"Value\":\"yes-prod\"},"
		   "{\"Key\":\"g\",\"Value\":3},"
		   "{\"Key\":\"h\",\"Value\":\"aGVsbG8gd29ybGQ=\"},"
		   "{\"Key\":\"i\",\"Value\":\"eu-west-1a,eu-west-1b,eu-west-1c\"},"
		   "{\"Key\":\"j\",\"Value\":\"10.0.0.0/24,10.0.1.0/24,10.0.2.0/24\"},"
		   "{\"Key\":\"k\",\"Value\":\"aws.amazonaws.com.t\"},"
		   "{\"Key\":\"l\",\"Value\":\"both\"},"
		   "{\"Key\":\"m\",\"Value\":\"neither\"},"
		   "{\"Key\":\"o\",\"Value\":\"80,443\"},"
		   "{\"Key\":\"p\",\"Value\":\"x\"},"
		   "{\"Key\":\"q\",\"Value\":\"5\"}]");
	CHECK_JSON(cairn_stack_params(s), "{\"Env\":\"prod\",\"Names\":[\"a\",\"b\",\"c\"],"
					  "\"Ports\":[80,443],\"Size\":5}");
out:
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
}

TEST(cidr_matches_cloudformation)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *s = load(
		"Resources:\n"
		"  R:\n"
		"    Type: AWS::S3::Bucket\n"
		"    Properties:\n"
		"      Tags:\n"
		"        - {Key: a, Value: !Join [' ', !Cidr ['192.168.0.0/24', 6, 5]]}\n"
		"        - {Key: b, Value: !Join [' ', !Cidr ['10.0.0.0/16', 2, 12]]}\n"
		"        - {Key: c, Value: !Join [' ', !Cidr ['10.1.2.3/16', '2', '8']]}\n"
		"        - {Key: d, Value: !Join [' ', !Cidr ['2001:db8::/56', 3, 64]]}\n"
		"        - {Key: e, Value: !Select [255, !Cidr ['10.0.0.0/8', 256, 16]]}\n",
		NULL, &d);
	CHECK(s != NULL);
	CHECK_ERRORS(&d, "");
	if (!s)
		goto out;
	CHECK_PROP(s, "R", "Tags", NULL,
		   "[{\"Key\":\"a\",\"Value\":\"192.168.0.0/27 192.168.0.32/27 192.168.0.64/27 "
		   "192.168.0.96/27 192.168.0.128/27 192.168.0.160/27\"},"
		   "{\"Key\":\"b\",\"Value\":\"10.0.0.0/20 10.0.16.0/20\"},"
		   "{\"Key\":\"c\",\"Value\":\"10.1.0.0/24 10.1.1.0/24\"},"
		   "{\"Key\":\"d\",\"Value\":\"2001:db8::/64 2001:db8:0:1::/64 2001:db8:0:2::/64\"},"
		   "{\"Key\":\"e\",\"Value\":\"10.255.0.0/16\"}]");
out:
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
}

TEST(cidr_errors_are_reported)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *s = load(
		"Parameters:\n"
		"  Block: {Type: String, Default: 10.0.0.0/24}\n"
		"Resources:\n"
		"  R:\n"
		"    Type: AWS::S3::Bucket\n"
		"    Properties:\n"
		"      Tags:\n"
		"        - {Key: a, Value: !Join [' ', !Cidr [!Ref Block, 9, 5]]}\n"
		"  S:\n"
		"    Type: AWS::S3::Bucket\n"
		"    Properties:\n"
		"      Tags:\n"
		"        - {Key: a, Value: !Join [' ', !Cidr [!Ref Block, 1, 9]]}\n",
		NULL, &d);
	CHECK(s == NULL);
	CHECK_ERRORS(&d, "8:39: R (AWS::S3::Bucket): Fn::Cidr: 10.0.0.0/24 holds only 8 blocks of "
			 "/27, not 9\n"
			 "13:39: S (AWS::S3::Bucket): Fn::Cidr: blocks with 9 host bits (/23) are "
			 "larger than 10.0.0.0/24\n");
	cairn_diags_dispose(&d);
}

/* An env that knows the Key's attributes but not the Bucket's. */
static json_t *env_ref(void *ud, const char *id)
{
	(void)ud;
	return strcmp(id, "Key") == 0 ? json_string("key-1234") : NULL;
}

static json_t *env_getatt(void *ud, const char *id, const char *attr)
{
	(void)ud;
	if (strcmp(id, "Key") == 0)
		return json_sprintf("arn:aws:kms:eu-west-1:123456789012:key/%s",
				    strcmp(attr, "Arn") == 0 ? "key-1234" : "?");
	return NULL;
}

TEST(unknown_values_keep_their_expression)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_eval_env env = {env_ref, env_getatt, NULL, NULL};
	cairn_stack_options o = known;
	cairn_stack *s;
	o.account_id = NULL;
	s = load("Conditions:\n"
		 "  InUsEast: !Equals [!Ref AWS::Region, us-east-1]\n"
		 "  Mine: !Equals [!Ref AWS::AccountId, '123456789012']\n"
		 "Resources:\n"
		 "  Key:\n"
		 "    Type: AWS::KMS::Key\n"
		 "  Bucket:\n"
		 "    Type: AWS::S3::Bucket\n"
		 "    Properties:\n"
		 "      BucketEncryption:\n"
		 "        ServerSideEncryptionConfiguration:\n"
		 "          - ServerSideEncryptionByDefault:\n"
		 "              SSEAlgorithm: aws:kms\n"
		 "              KMSMasterKeyID: !GetAtt Key.Arn\n"
		 "  Other:\n"
		 "    Type: AWS::S3::Bucket\n"
		 "    Condition: Mine\n"
		 "    Properties:\n"
		 "      BucketName: !Ref AWS::AccountId\n"
		 "      Tags:\n"
		 "        - {Key: a, Value: !Ref Bucket}\n"
		 "        - {Key: b, Value: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/${!x}-${Key}'}\n"
		 "        - {Key: c, Value: !Join ['-', [x, !Ref Bucket, !GetAtt Bucket.Arn]]}\n"
		 "        - {Key: d, Value: !Select [0, !GetAZs '']}\n"
		 "        - {Key: e, Value: !If [Mine, a, !Ref AWS::NoValue]}\n"
		 "        - {Key: f, Value: !If [InUsEast, a, b]}\n"
		 "        - {Key: g, Value: !Sub ['${V}', {V: !Ref Bucket}]}\n"
		 "        - {Key: h, Value: !Base64 {Ref: Bucket}}\n",
		 &o, &d);
	CHECK(s != NULL);
	CHECK_ERRORS(&d, "");
	if (!s)
		goto out;
	CHECK_INT(cairn_stack_find(s, "Other")->enabled, -1);
	CHECK_INT(cairn_stack_find(s, "Bucket")->enabled, 1);
	CHECK_PROP(s, "Bucket", "BucketEncryption", &env,
		   "{\"ServerSideEncryptionConfiguration\":[{\"ServerSideEncryptionByDefault\":"
		   "{\"KMSMasterKeyID\":\"arn:aws:kms:eu-west-1:123456789012:key/key-1234\","
		   "\"SSEAlgorithm\":\"aws:kms\"}}]}");
	CHECK_PROP(s, "Bucket", "BucketEncryption", NULL,
		   "{\"ServerSideEncryptionConfiguration\":[{\"ServerSideEncryptionByDefault\":"
		   "{\"KMSMasterKeyID\":{\"Cairn::Unknown\":{\"Fn::GetAtt\":[\"Key\",\"Arn\"]}},"
		   "\"SSEAlgorithm\":\"aws:kms\"}}]}");
	CHECK_PROP(s, "Other", "BucketName", &env,
		   "{\"Cairn::Unknown\":{\"Ref\":\"AWS::AccountId\"}}");
	CHECK_PROP(s, "Other", "Tags", &env,
		   "[{\"Key\":\"a\",\"Value\":{\"Cairn::Unknown\":{\"Ref\":\"Bucket\"}}},"
		   "{\"Key\":\"b\",\"Value\":{\"Cairn::Unknown\":{\"Fn::Sub\":"
		   "\"arn:aws:s3:::${Bucket}/${!x}-key-1234\"}}},"
		   "{\"Key\":\"c\",\"Value\":{\"Cairn::Unknown\":{\"Fn::Join\":[\"-\",[\"x\","
		   "{\"Ref\":\"Bucket\"},{\"Fn::GetAtt\":[\"Bucket\",\"Arn\"]}]]}}},"
		   "{\"Key\":\"d\",\"Value\":{\"Cairn::Unknown\":{\"Fn::Select\":[0,"
		   "{\"Fn::GetAZs\":\"\"}]}}},"
		   "{\"Key\":\"e\",\"Value\":{\"Cairn::Unknown\":{\"Fn::If\":[\"Mine\",\"a\","
		   "{\"Ref\":\"AWS::NoValue\"}]}}},"
		   "{\"Key\":\"f\",\"Value\":\"b\"},"
		   "{\"Key\":\"g\",\"Value\":{\"Cairn::Unknown\":{\"Fn::Sub\":[\"${V}\","
		   "{\"V\":{\"Ref\":\"Bucket\"}}]}}},"
		   "{\"Key\":\"h\",\"Value\":{\"Cairn::Unknown\":{\"Fn::Base64\":"
		   "{\"Ref\":\"Bucket\"}}}}]");
	{
		json_t *v = prop(s, "Other", "Tags", NULL);
		CHECK(cairn_has_unknown(v));
		CHECK(!cairn_is_unknown(v));
		CHECK(cairn_is_unknown(json_object_get(json_array_get(v, 0), "Value")));
		json_decref(v);
	}
out:
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
}

TEST(novalue_removes_members_and_items)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *s = load("Conditions:\n"
			      "  Never: !Equals [a, b]\n"
			      "Resources:\n"
			      "  B:\n"
			      "    Type: AWS::S3::Bucket\n"
			      "    Properties:\n"
			      "      BucketName: !If [Never, x, !Ref AWS::NoValue]\n"
			      "      VersioningConfiguration: {Status: Enabled}\n"
			      "      Tags:\n"
			      "        - !Ref AWS::NoValue\n"
			      "        - {Key: k, Value: v}\n",
			      NULL, &d);
	json_t *props = NULL;
	CHECK(s != NULL);
	if (!s)
		goto out;
	CHECK_INT(cairn_stack_eval_properties(s, cairn_stack_find(s, "B"), NULL, &props), 0);
	CHECK_JSON(props, "{\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}],"
			  "\"VersioningConfiguration\":{\"Status\":\"Enabled\"}}");
	json_decref(props);
out:
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
}

TEST(eval_errors_name_the_position)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *s = load("Parameters:\n"
			      "  L: {Type: CommaDelimitedList, Default: 'a,b'}\n"
			      "  K: {Type: String, Default: nope}\n"
			      "Mappings:\n"
			      "  M: {a: {b: c}}\n"
			      "Resources:\n"
			      "  B:\n"
			      "    Type: AWS::S3::Bucket\n"
			      "    Properties:\n"
			      "      BucketName: !Select [2, !Ref L]\n"
			      "  C:\n"
			      "    Type: AWS::S3::Bucket\n"
			      "    Properties:\n"
			      "      Tags:\n"
			      "        - Key: a\n"
			      "          Value: !FindInMap [M, !Ref K, b]\n",
			      NULL, &d);
	CHECK(s == NULL);
	CHECK_ERRORS(&d, "10:19: B (AWS::S3::Bucket): Fn::Select: index 2 is out of range for a "
			 "list of 2\n"
			 "16:18: C (AWS::S3::Bucket): Fn::FindInMap: mapping 'M' has no key 'nope'\n");
	cairn_diags_dispose(&d);
}

TEST(parameters_bind_and_check_constraints)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	json_t *params = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s,s], s:s}", "Name", "ab",
				   "Port", "70000", "Env", "qa", "Secret", "hunter2", "Count",
				   "x", "Zones", "a", "b", "Extra", "1");
	cairn_stack_options o = {NULL, params, NULL, NULL, NULL, NULL, NULL, NULL, 0};
	cairn_stack *s = load(
		"Parameters:\n"
		"  Name: {Type: String, MinLength: 3, MaxLength: 5, AllowedPattern: '[a-z]+\\d'}\n"
		"  Port: {Type: Number, MinValue: 1, MaxValue: 65535}\n"
		"  Env: {Type: String, AllowedValues: [dev, prod], ConstraintDescription: dev or prod}\n"
		"  Secret: {Type: String, NoEcho: true, MinLength: 12}\n"
		"  Count: {Type: Number}\n"
		"  Zones: {Type: 'List<AWS::EC2::AvailabilityZone::Name>', AllowedValues: [a]}\n"
		"  Missing: {Type: String}\n"
		"  Bad: {Type: AWS::SSM::Parameter::Value<String>, Default: x}\n"
		"  Weird: {Type: String, Default: x, Colour: red}\n"
		"Resources:\n"
		"  B: {Type: AWS::S3::Bucket}\n",
		&o, &d);
	char *m;
	CHECK(s == NULL);
	m = messages(&d);
	CHECK_STR(m,
		  "0:0: --param Extra: the template has no parameter 'Extra'\n"
		  "2:3: parameter 'Name': 'ab' (from --param) does not match the AllowedPattern "
		  "[a-z]+\\d\n"
		  "2:3: parameter 'Name': 'ab' (from --param) is shorter than MinLength 3\n"
		  "3:3: parameter 'Port': '70000' (from --param) is greater than MaxValue 65535\n"
		  "4:3: parameter 'Env': 'qa' (from --param) is not one of the AllowedValues: dev, "
		  "prod (dev or prod)\n"
		  "5:3: parameter 'Secret' (NoEcho): the value (from --param) is shorter than "
		  "MinLength 12\n"
		  "6:3: parameter 'Count': 'x' (from --param) is not a number\n"
		  "7:3: parameter 'Zones': 'b' (from --param) is not one of the AllowedValues: a\n"
		  "8:3: parameter 'Missing' has no value: pass --param Missing=VALUE (or --params "
		  "FILE), or give it a Default\n"
		  "9:9: parameter 'Bad': type AWS::SSM::Parameter::Value<String> is not supported: "
		  "cairn does not read SSM parameters; use Type String and pass the value with "
		  "--param\n"
		  "10:37: parameter 'Weird': unknown key 'Colour' (Type, Default, Description, "
		  "AllowedValues, AllowedPattern, ConstraintDescription, MinLength, MaxLength, "
		  "MinValue, MaxValue, NoEcho)\n");
	CHECK(strstr(m, "hunter2") == NULL);
	free(m);
	json_decref(params);
	cairn_diags_dispose(&d);
}

TEST(noecho_values_are_masked_in_the_document)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	json_t *params = json_pack("{s:s}", "Secret", "hunter2hunter2");
	cairn_stack_options o = {"my-stack", params, "us-east-1", NULL, NULL, NULL, NULL, NULL, 0};
	cairn_stack *s = load("Parameters:\n"
			      "  Secret: {Type: String, NoEcho: true}\n"
			      "  Env: {Type: String, Default: dev}\n"
			      "Conditions:\n"
			      "  Never: !Equals [a, b]\n"
			      "Resources:\n"
			      "  Key:\n"
			      "    Type: AWS::KMS::Key\n"
			      "    Metadata: {Cairn: {Waivers: [{Control: C1, Reason: r, Approver: a, "
			      "Expires: '2030-01-01'}]}}\n"
			      "    Properties: {Description: !Sub '${Env} key'}\n"
			      "  Gone:\n"
			      "    Type: AWS::S3::Bucket\n"
			      "    Condition: Never\n"
			      "  Bucket:\n"
			      "    Type: AWS::S3::Bucket\n"
			      "    DependsOn: Key\n"
			      "Outputs:\n"
			      "  KeyId: {Value: !Ref Key, Export: {Name: !Sub '${AWS::StackName}-key'}}\n"
			      "  Never: {Value: x, Condition: Never}\n",
			      &o, &d);
	json_t *doc = NULL;
	CHECK(s != NULL);
	if (!s)
		goto out;
	CHECK_STR(cairn_stack_name(s), "my-stack");
	CHECK(cairn_stack_param_noecho(s, "Secret"));
	CHECK(!cairn_stack_param_noecho(s, "Env"));
	CHECK_INT(cairn_stack_document(s, NULL, &doc), 0);
	CHECK_JSON(doc,
		   "{\"account\":null,\"file\":\"/tmp/cairn-unit-stack/t.yaml\","
		   "\"outputs\":{\"KeyId\":{\"Export\":\"my-stack-key\",\"Value\":"
		   "{\"Cairn::Unknown\":{\"Ref\":\"Key\"}}}},"
		   "\"parameters\":{\"Env\":\"dev\",\"Secret\":\"****\"},"
		   "\"partition\":\"aws\",\"region\":\"us-east-1\","
		   "\"resources\":{\"Bucket\":{\"DependsOn\":[\"Key\"],\"Properties\":{},"
		   "\"Type\":\"AWS::S3::Bucket\"},"
		   "\"Key\":{\"DependsOn\":[],\"Metadata\":{\"Cairn\":{\"Waivers\":[{\"Approver\":"
		   "\"a\",\"Control\":\"C1\",\"Expires\":\"2030-01-01\",\"Reason\":\"r\"}]}},"
		   "\"Properties\":{\"Description\":\"dev key\"},\"Type\":\"AWS::KMS::Key\"}},"
		   "\"stack\":\"my-stack\"}");
	{
		char *text = dump(doc);
		CHECK(strstr(text, "hunter2") == NULL);
		free(text);
	}
	json_decref(doc);
out:
	cairn_stack_free(s);
	json_decref(params);
	cairn_diags_dispose(&d);
}

TEST(order_is_topological_with_ties_in_template_order)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *s = load("Resources:\n"
			      "  E: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref D}}\n"
			      "  A: {Type: AWS::S3::Bucket}\n"
			      "  D: {Type: AWS::S3::Bucket, DependsOn: [C, A]}\n"
			      "  C: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub '${B.Arn}'}}\n"
			      "  B: {Type: AWS::KMS::Key}\n"
			      "  F: {Type: AWS::KMS::Key}\n",
			      NULL, &d);
	size_t i;
	cairn_buf b = CAIRN_BUF_INIT;
	CHECK(s != NULL);
	if (!s)
		goto out;
	for (i = 0; i < cairn_stack_count(s); i++)
		cairn_buf_printf(&b, "%s ", cairn_stack_at(s, i)->logical_id);
	CHECK_STR(cairn_buf_cstr(&b), "A B C D E F ");
	CHECK_INT(cairn_stack_find(s, "D")->ndepends, 2);
	CHECK_STR(cairn_stack_find(s, "D")->depends[0], "A");
	CHECK_STR(cairn_stack_find(s, "D")->depends[1], "C");
	CHECK_INT(cairn_stack_find(s, "E")->line, 2);
	cairn_buf_dispose(&b);
out:
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
}

TEST(cycles_are_reported_once_each)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *s = load("Resources:\n"
			      "  X: {Type: AWS::S3::Bucket}\n"
			      "  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref B}}\n"
			      "  B: {Type: AWS::S3::Bucket, Properties: {BucketName: !GetAtt C.Arn}}\n"
			      "  C: {Type: AWS::S3::Bucket, DependsOn: [A, X]}\n"
			      "  S: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref S}}\n",
			      NULL, &d);
	CHECK(s == NULL);
	CHECK_ERRORS(&d, "3:3: dependency cycle: A -> B -> C -> A (each resource depends on the "
			 "next through Ref, Fn::GetAtt, Fn::Sub or DependsOn)\n"
			 "6:3: dependency cycle: S -> S (each resource depends on the next through "
			 "Ref, Fn::GetAtt, Fn::Sub or DependsOn)\n");
	cairn_diags_dispose(&d);
}

TEST(condition_cycles_are_reported)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack *s = load("Conditions:\n"
			      "  A: !Not [!Condition B]\n"
			      "  B: !And [!Condition C, !Equals [x, x]]\n"
			      "  C: !Condition A\n"
			      "Resources:\n"
			      "  X: {Type: AWS::S3::Bucket, Condition: A}\n",
			      NULL, &d);
	CHECK(s == NULL);
	CHECK_ERRORS(&d, "2:3: condition cycle: A -> B -> C -> A\n");
	cairn_diags_dispose(&d);
}

static json_t *import_unknown(void *ud, const char *name)
{
	(void)ud;
	(void)name;
	return NULL;
}

TEST(import_value_reads_other_states)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	char *dir = cairn_xasprintf("%s/state", tmpdir), *p;
	cairn_stack_options o = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0};
	cairn_stack *s;
	cairn_eval_env lenient = {NULL, NULL, import_unknown, NULL};
	json_t *v = NULL;
	FILE *f;
	cairn_mkdir_p(dir, 0700);
	p = cairn_xasprintf("%s/network.state.json", dir);
	f = fopen(p, "w");
	fputs("{\"outputs\": {\"VpcId\": {\"value\": \"vpc-123\", \"export\": \"net-vpc\"},"
	      " \"Plain\": {\"value\": \"x\"}}}", f);
	fclose(f);
	free(p);
	o.state_dir = dir;
	s = load("Resources:\n"
		 "  B:\n"
		 "    Type: AWS::S3::Bucket\n"
		 "    Properties:\n"
		 "      Tags:\n"
		 "        - {Key: a, Value: !ImportValue net-vpc}\n"
		 "        - {Key: b, Value: !ImportValue net-subnets}\n",
		 &o, &d);
	CHECK(s != NULL); /* validate: a missing export is only unknown */
	CHECK_ERRORS(&d, "");
	if (!s)
		goto out;
	CHECK_INT(cairn_stack_eval_properties(s, cairn_stack_find(s, "B"), NULL, &v),
		  CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "t.yaml:7:27: B (AWS::S3::Bucket): Fn::ImportValue: no "
					   "stack whose state is in ");
	CHECK_CONTAINS(cairn_error_last(), "exports 'net-subnets'; apply the stack that exports "
					   "it first");
	CHECK_INT(cairn_stack_eval_properties(s, cairn_stack_find(s, "B"), &lenient, &v), 0);
	CHECK_JSON(json_object_get(v, "Tags"),
		   "[{\"Key\":\"a\",\"Value\":\"vpc-123\"},{\"Key\":\"b\",\"Value\":"
		   "{\"Cairn::Unknown\":{\"Fn::ImportValue\":\"net-subnets\"}}}]");
	json_decref(v);
out:
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
	free(dir);
}

TEST(imports_lists_what_the_stack_imports)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	char *dir = cairn_xasprintf("%s/imports", tmpdir), *p;
	cairn_stack_options o = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0};
	cairn_stack *s;
	json_t *imp = NULL;
	FILE *f;
	cairn_mkdir_p(dir, 0700);
	p = cairn_xasprintf("%s/net.state.json", dir);
	f = fopen(p, "w");
	fputs("{\"outputs\": {\"A\": {\"value\": \"a\", \"export\": \"net-a\"},"
	      " \"B\": {\"value\": \"b\", \"export\": \"net-b\"},"
	      " \"C\": {\"value\": \"c\", \"export\": \"net-c\"},"
	      " \"D\": {\"value\": \"d\", \"export\": \"net-d\"}}}", f);
	fclose(f);
	free(p);
	p = cairn_xasprintf("%s/keys.state.json", dir);
	f = fopen(p, "w");
	fputs("{\"outputs\": {\"K\": {\"value\": \"k\", \"export\": \"keys-k\"}}}", f);
	fclose(f);
	free(p);
	o.state_dir = dir;
	s = load("Parameters:\n"
		 "  Net: {Type: String, Default: net}\n"
		 "Conditions:\n"
		 "  IsOn: !Equals [1, 1]\n"
		 "  IsOff: !Equals [1, 2]\n"
		 "Resources:\n"
		 "  B:\n"
		 "    Type: AWS::S3::Bucket\n"
		 "    Properties:\n"
		 "      Tags:\n"
		 "        - {Key: a, Value: !ImportValue {'Fn::Sub': '${Net}-a'}}\n"
		 "        - {Key: b, Value: !If [IsOff, !ImportValue net-b, x]}\n"
		 "        - {Key: c, Value: !If [IsOn, !ImportValue net-c, !ImportValue net-d]}\n"
		 "        - {Key: m, Value: !ImportValue nobody-exports-this}\n"
		 "  Off:\n"
		 "    Type: AWS::S3::Bucket\n"
		 "    Condition: IsOff\n"
		 "    Properties: {Tags: [{Key: d, Value: !ImportValue net-d}]}\n"
		 "Outputs:\n"
		 "  O: {Value: !ImportValue keys-k}\n"
		 "  Q: {Condition: IsOff, Value: !ImportValue net-d}\n",
		 &o, &d);
	CHECK(s != NULL);
	CHECK_ERRORS(&d, "");
	if (!s)
		goto out;
	CHECK_INT(cairn_stack_imports(s, &imp), 0);
	CHECK_JSON(imp, "{\"keys-k\":\"keys\",\"net-a\":\"net\",\"net-c\":\"net\"}");
	json_decref(imp);
out:
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
	free(dir);
}

TEST(stack_names)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack_options o = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0};
	cairn_stack *s = load_as("model-registry", "Resources: {B: {Type: AWS::S3::Bucket}}\n", &o,
				 &d);
	CHECK(s != NULL);
	if (s)
		CHECK_STR(cairn_stack_name(s), "model-registry");
	cairn_stack_free(s);
	s = load_as("bad_name", "Resources: {B: {Type: AWS::S3::Bucket}}\n", &o, &d);
	CHECK(s == NULL);
	CHECK_ERRORS(&d, "0:0: stack name 'bad_name' (the file's name) is not valid: up to 128 "
			 "letters, digits and hyphens, starting with a letter; pass --stack-name "
			 "NAME\n");
	cairn_diags_dispose(&d);
	o.name = "good-one";
	s = load_as("bad_name", "Resources: {B: {Type: AWS::S3::Bucket}}\n", &o, &d);
	CHECK(s != NULL);
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
}

TEST(partitions_follow_the_region)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_stack_options o = {NULL, NULL, "cn-north-1", NULL, NULL, NULL, NULL, NULL, 0};
	cairn_stack *s = load("Resources:\n"
			      "  B:\n"
			      "    Type: AWS::S3::Bucket\n"
			      "    Properties:\n"
			      "      BucketName: !Sub '${AWS::Partition} ${AWS::URLSuffix}'\n",
			      &o, &d);
	CHECK(s != NULL);
	if (s)
		CHECK_PROP(s, "B", "BucketName", NULL, "\"aws-cn amazonaws.com.cn\"");
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
}

/* A chain of n buckets, each naming the one before. */
static double chain_load_time(int n)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_buf b = CAIRN_BUF_INIT;
	cairn_stack *s;
	double t0;
	int i;
	cairn_buf_puts(&b, "Resources:\n");
	for (i = 0; i < n; i++) {
		cairn_buf_printf(&b, "  B%d:\n    Type: AWS::S3::Bucket\n", i);
		if (i)
			cairn_buf_printf(&b, "    Properties:\n      Tags: [{Key: k, Value: !Ref B%d}]\n",
					 i - 1);
	}
	t0 = cairn_now();
	s = load(cairn_buf_cstr(&b), NULL, &d);
	t0 = cairn_now() - t0;
	CHECK(s != NULL);
	if (s) {
		char last[32];
		snprintf(last, sizeof(last), "B%d", n - 1);
		CHECK_STR(cairn_stack_at(s, 0)->logical_id, "B0");
		CHECK_STR(cairn_stack_at(s, (size_t)n - 1)->logical_id, last);
	}
	cairn_stack_free(s);
	cairn_diags_dispose(&d);
	cairn_buf_dispose(&b);
	return t0;
}

TEST(load_time_is_linear)
{
	/* ten times the resources: about ten times the time (a quadratic
	 * pass would take a hundred); a ratio holds under valgrind too */
	double small = chain_load_time(500), big = chain_load_time(5000);
	CHECK(big < 30 * small + 0.05);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cairn-unit-stack");
	if (system("rm -rf /tmp/cairn-unit-stack") != 0)
		return 2;
	cairn_mkdir_p(tmpdir, 0700);
	RUN(every_intrinsic_evaluates);
	RUN(cidr_matches_cloudformation);
	RUN(cidr_errors_are_reported);
	RUN(unknown_values_keep_their_expression);
	RUN(novalue_removes_members_and_items);
	RUN(eval_errors_name_the_position);
	RUN(parameters_bind_and_check_constraints);
	RUN(noecho_values_are_masked_in_the_document);
	RUN(order_is_topological_with_ties_in_template_order);
	RUN(cycles_are_reported_once_each);
	RUN(condition_cycles_are_reported);
	RUN(import_value_reads_other_states);
	RUN(imports_lists_what_the_stack_imports);
	RUN(stack_names);
	RUN(partitions_follow_the_region);
	RUN(load_time_is_linear);
	if (system("rm -rf /tmp/cairn-unit-stack") != 0)
		return 2;
	return test_done();
}
