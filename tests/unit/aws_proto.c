/*
 * aws_proto.c: the wire protocols against the compiled-in models:
 * serialisation of each protocol (form fields, JSON bodies, REST
 * bindings, XML payloads, checksums), decoding of results (one-element
 * lists stay lists, flattened lists, EC2 item wrappers, maps, typed
 * scalars, timestamps), decoding of every protocol's errors, parameter
 * validation, and timestamps.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/model.h"
#include "aws/proto.h"
#include "test.h"

static cairn_model *load(const char *svc)
{
	cairn_model *m = NULL;
	if (cairn_model_load(svc, &m) < 0)
		fprintf(stderr, "load %s: %s\n", svc, cairn_error_last());
	return m;
}

/* Builds op with params given as JSON text into r. */
static int build(cairn_model *m, const char *op, const char *params, cairn_awsreq *r)
{
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	const json_t *def = cairn_model_op(m, op);
	int rc;
	cairn_awsreq_init(r);
	if (!def)
		return -1;
	rc = cairn_proto_validate(m, def, p);
	if (rc == 0)
		rc = cairn_proto_build(m, op, def, p, r);
	json_decref(p);
	return rc;
}

/* Parses a response body into a result (or error). */
static int parse(cairn_model *m, const char *op, long status, const char *body,
                 const cairn_kvlist *headers, json_t **out, cairn_proto_err *err)
{
	cairn_proto_resp r;
	r.status = status;
	r.flags = 0;
	r.headers = headers;
	r.body = body;
	r.len = strlen(body);
	return cairn_proto_parse(m, cairn_model_op(m, op), &r, out, err);
}

static const char *path_str(json_t *root, const char *path)
{
	/* "a.b[0].c" */
	json_t *v = root;
	char buf[256], *p, *save;
	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p && v; p = strtok_r(NULL, ".", &save)) {
		char *br = strchr(p, '[');
		if (br) {
			*br = '\0';
			if (*p)
				v = json_object_get(v, p);
			while (br && v) {
				v = json_array_get(v, (size_t)atoi(br + 1));
				br = strchr(br + 1, '[');
			}
		} else {
			v = json_object_get(v, p);
		}
	}
	return json_string_value(v);
}

TEST(query_lists_and_maps)
{
	cairn_model *m = load("iam");
	cairn_awsreq r;
	CHECK(build(m, "CreateRole",
	            "{\"RoleName\":\"r\",\"AssumeRolePolicyDocument\":\"{}\",\"Tags\":[{\"Key\":"
	            "\"a b\",\"Value\":\"1\"}],\"MaxSessionDuration\":3600}",
	            &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.path, "/");
	CHECK_STR(cairn_awsreq_header(&r, "Content-Type"),
	          "application/x-www-form-urlencoded; charset=utf-8");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "Action=CreateRole&Version=2010-05-08");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "Tags.member.1.Key=a%20b");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "Tags.member.1.Value=1");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "MaxSessionDuration=3600");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "AssumeRolePolicyDocument=%7B%7D");
	cairn_awsreq_dispose(&r);
	/* an empty list is sent as an empty value in Query */
	CHECK(build(m, "UntagRole", "{\"RoleName\":\"r\",\"TagKeys\":[]}", &r) == 0);
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "&TagKeys=");
	CHECK(strstr(cairn_buf_cstr(&r.body), "TagKeys.member") == NULL);
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
}

TEST(ec2_names_and_flat_lists)
{
	cairn_model *m = load("ec2");
	cairn_awsreq r;
	CHECK(build(m, "DescribeVpcs",
	            "{\"Filters\":[{\"Name\":\"tag:x\",\"Values\":[\"a\",\"b\"]}],\"VpcIds\":["
	            "\"vpc-1\"],\"DryRun\":false}",
	            &r) == 0);
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "Action=DescribeVpcs&Version=2016-11-15");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "Filter.1.Name=tag%3Ax");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "Filter.1.Value.1=a&Filter.1.Value.2=b");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "VpcId.1=vpc-1");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "DryRun=false");
	cairn_awsreq_dispose(&r);
	CHECK(build(m, "CreateTags",
	            "{\"Resources\":[\"vpc-1\"],\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}",
	            &r) == 0);
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "ResourceId.1=vpc-1");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "Tag.1.Key=k&Tag.1.Value=v");
	cairn_awsreq_dispose(&r);
	/* an empty list is left out in EC2 */
	CHECK(build(m, "DescribeVpcs", "{\"VpcIds\":[]}", &r) == 0);
	CHECK(strstr(cairn_buf_cstr(&r.body), "VpcId") == NULL);
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
}

TEST(json_target_and_body)
{
	cairn_model *m = load("kms");
	cairn_awsreq r;
	json_t *body;
	CHECK(build(m, "CreateKey",
	            "{\"Description\":\"d\",\"Tags\":[{\"TagKey\":\"a\",\"TagValue\":\"b\"}],"
	            "\"BypassPolicyLockoutSafetyCheck\":true}",
	            &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(cairn_awsreq_header(&r, "X-Amz-Target"), "TrentService.CreateKey");
	CHECK_STR(cairn_awsreq_header(&r, "Content-Type"), "application/x-amz-json-1.1");
	body = json_loads(cairn_buf_cstr(&r.body), 0, NULL);
	CHECK(body != NULL);
	CHECK_STR(json_string_value(json_object_get(body, "Description")), "d");
	CHECK(json_is_true(json_object_get(body, "BypassPolicyLockoutSafetyCheck")));
	CHECK_INT(json_array_size(json_object_get(body, "Tags")), 1);
	json_decref(body);
	cairn_awsreq_dispose(&r);
	/* no parameters: an empty object */
	CHECK(build(m, "ListKeys", NULL, &r) == 0);
	CHECK_STR(cairn_buf_cstr(&r.body), "{}");
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);

	m = load("dynamodb");
	CHECK(build(m, "ListTables", "{\"Limit\":5}", &r) == 0);
	CHECK_STR(cairn_awsreq_header(&r, "Content-Type"), "application/x-amz-json-1.0");
	CHECK_STR(cairn_awsreq_header(&r, "X-Amz-Target"), "DynamoDB_20120810.ListTables");
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
}

TEST(rest_xml_bindings_and_payloads)
{
	cairn_model *m = load("s3");
	cairn_awsreq r;
	char *url;

	CHECK(build(m, "PutBucketVersioning",
	            "{\"Bucket\":\"b\",\"VersioningConfiguration\":{\"Status\":\"Enabled\"}}",
	            &r) == 0);
	CHECK_STR(r.method, "PUT");
	CHECK_STR(r.path, "/b");
	CHECK_INT(r.query.n, 1);
	CHECK_STR(r.query.v[0].key, "versioning");
	CHECK(r.query.v[0].value == NULL);
	CHECK_STR(cairn_buf_cstr(&r.body),
	          "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	          "<Status>Enabled</Status></VersioningConfiguration>");
	cairn_awsreq_dispose(&r);

	/* a required checksum: Content-MD5 over the XML body */
	CHECK(
	    build(
	        m, "PutBucketTagging",
	        "{\"Bucket\":\"b\",\"Tagging\":{\"TagSet\":[{\"Key\":\"k&\",\"Value\":\"<v>\"}]}}",
	        &r) == 0);
	CHECK_STR(cairn_buf_cstr(&r.body),
	          "<Tagging "
	          "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet><Tag><Key>k&amp;</Key>"
	          "<Value>&lt;v&gt;</Value></Tag></TagSet></Tagging>");
	CHECK(cairn_awsreq_header(&r, "Content-MD5") != NULL);
	cairn_awsreq_dispose(&r);

	/* flattened list in a payload: lifecycle Rules */
	CHECK(build(m, "PutBucketLifecycleConfiguration",
	            "{\"Bucket\":\"b\",\"LifecycleConfiguration\":{\"Rules\":[{\"ID\":\"r1\","
	            "\"Status\":\"Enabled\","
	            "\"Filter\":{\"Prefix\":\"\"},\"Expiration\":{\"Days\":30}}]}}",
	            &r) == 0);
	CHECK_CONTAINS(
	    cairn_buf_cstr(&r.body),
	    "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>");
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "<Expiration><Days>30</Days></Expiration>");
	CHECK(strstr(cairn_buf_cstr(&r.body), "<Rules>") == NULL);
	CHECK(cairn_awsreq_header(&r, "Content-MD5") != NULL);
	cairn_awsreq_dispose(&r);

	/* greedy key label keeps slashes, encodes the rest; headers; streaming body */
	CHECK(build(m, "PutObject",
	            "{\"Bucket\":\"b\",\"Key\":\"a "
	            "dir/x+y=z.txt\",\"Body\":\"hello\",\"ContentType\":\"text/plain\","
	            "\"Metadata\":{\"who\":\"me\"},\"ServerSideEncryption\":\"aws:kms\"}",
	            &r) == 0);
	CHECK_STR(r.path, "/b/a%20dir/x%2By%3Dz.txt");
	CHECK_STR(cairn_buf_cstr(&r.body), "hello");
	CHECK_STR(cairn_awsreq_header(&r, "Content-Type"), "text/plain");
	CHECK_STR(cairn_awsreq_header(&r, "x-amz-meta-who"), "me");
	CHECK_STR(cairn_awsreq_header(&r, "x-amz-server-side-encryption"), "aws:kms");
	cairn_awsreq_dispose(&r);

	/* static query with a value, plus query members */
	CHECK(build(m, "ListObjectsV2", "{\"Bucket\":\"b\",\"Prefix\":\"p/\",\"MaxKeys\":10}",
	            &r) == 0);
	r.scheme = cairn_xstrdup("https");
	r.host = cairn_xstrdup("s3.us-east-1.amazonaws.com");
	url = cairn_awsreq_url(&r);
	CHECK_CONTAINS(url, "/b?list-type=2");
	CHECK_CONTAINS(url, "prefix=p%2F");
	CHECK_CONTAINS(url, "max-keys=10");
	free(url);
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
}

TEST(rest_json_bindings)
{
	cairn_model *m = load("lambda");
	cairn_awsreq r;
	json_t *body;
	CHECK(build(m, "GetFunction",
	            "{\"FunctionName\":\"arn:aws:lambda:us-east-1:123456789012:function:f\","
	            "\"Qualifier\":\"1\"}",
	            &r) == 0);
	CHECK_STR(r.method, "GET");
	CHECK_STR(
	    r.path,
	    "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af");
	CHECK_STR(cairn_kvlist_get(&r.query, "Qualifier", 0), "1");
	CHECK_INT(r.body.len, 0);
	cairn_awsreq_dispose(&r);
	CHECK(build(m, "CreateFunction",
	            "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::1:role/"
	            "r\",\"Code\":{\"ZipFile\":\"UEsFBg==\"},"
	            "\"Runtime\":\"python3.11\",\"Handler\":\"h\",\"Timeout\":3}",
	            &r) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.path, "/2015-03-31/functions");
	CHECK_STR(cairn_awsreq_header(&r, "Content-Type"), "application/json");
	body = json_loads(cairn_buf_cstr(&r.body), 0, NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(body, "Code"), "ZipFile")),
	          "UEsFBg==");
	CHECK_INT(json_integer_value(json_object_get(body, "Timeout")), 3);
	json_decref(body);
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
}

TEST(validation_names_the_path)
{
	cairn_model *m = load("kms");
	cairn_awsreq r;
	CHECK(build(m, "CreateKey", "{\"Tags\":[{\"TagKey\":\"a\",\"TagValue\":5}]}", &r) ==
	      CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "Tags[0].TagValue: expected a string, got an integer");
	CHECK(build(m, "CreateKey", "{\"Descripton\":\"x\"}", &r) == CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "Descripton: unknown parameter (valid: ");
	CHECK_CONTAINS(cairn_error_last(), "Description");
	CHECK(build(m, "DescribeKey", "{}", &r) == CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "KeyId: missing required parameter");
	/* an empty Lua table is accepted for a list */
	CHECK(build(m, "CreateKey", "{\"Tags\":{}}", &r) == 0);
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
}

TEST(xml_results_keep_lists)
{
	cairn_model *m = load("ec2");
	json_t *out = NULL;
	cairn_proto_err e;
	const char *body =
	    "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
	    "<requestId>r-1</requestId><vpcSet><item><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/16</"
	    "cidrBlock>"
	    "<isDefault>false</isDefault><tagSet><item><key>Name</key><value>n</value></item></"
	    "tagSet>"
	    "</item></vpcSet></DescribeVpcsResponse>";
	CHECK_INT(parse(m, "DescribeVpcs", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK(json_is_array(json_object_get(out, "Vpcs")));
	CHECK_INT(json_array_size(json_object_get(out, "Vpcs")), 1);
	CHECK_STR(path_str(out, "Vpcs[0].VpcId"), "vpc-1");
	CHECK(json_is_false(
	    json_object_get(json_array_get(json_object_get(out, "Vpcs"), 0), "IsDefault")));
	CHECK(json_is_array(
	    json_object_get(json_array_get(json_object_get(out, "Vpcs"), 0), "Tags")));
	CHECK_STR(path_str(out, "Vpcs[0].Tags[0].Value"), "n");
	CHECK_STR(path_str(out, "ResponseMetadata.RequestId"), "r-1");
	json_decref(out);
	cairn_model_free(m);

	m = load("iam");
	body =
	    "<ListUsersResponse><ListUsersResult><IsTruncated>false</IsTruncated><Users><member>"
	    "<UserName>u</UserName><CreateDate>2024-01-02T03:04:05Z</CreateDate></member></Users>"
	    "</ListUsersResult><ResponseMetadata><RequestId>q-1</RequestId></ResponseMetadata></"
	    "ListUsersResponse>";
	CHECK_INT(parse(m, "ListUsers", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK_INT(json_array_size(json_object_get(out, "Users")), 1);
	CHECK_STR(path_str(out, "Users[0].UserName"), "u");
	CHECK_STR(path_str(out, "Users[0].CreateDate"), "2024-01-02T03:04:05Z");
	CHECK(json_is_false(json_object_get(out, "IsTruncated")));
	CHECK_STR(path_str(out, "ResponseMetadata.RequestId"), "q-1");
	json_decref(out);
	/* an empty list wrapper is an empty list */
	body = "<ListUsersResponse><ListUsersResult><IsTruncated>false</IsTruncated><Users/></"
	       "ListUsersResult></ListUsersResponse>";
	CHECK_INT(parse(m, "ListUsers", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK(json_is_array(json_object_get(out, "Users")));
	CHECK_INT(json_array_size(json_object_get(out, "Users")), 0);
	json_decref(out);
	/* a map (GetAccountSummary: SummaryMap of entry/key/value) */
	body = "<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap>"
	       "<entry><key>Users</key><value>3</value></entry><entry><key>Roles</key><value>7</"
	       "value></entry>"
	       "</SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>";
	CHECK_INT(parse(m, "GetAccountSummary", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(out, "SummaryMap"), "Roles")),
	          7);
	json_decref(out);
	cairn_model_free(m);
}

TEST(s3_results)
{
	cairn_model *m = load("s3");
	json_t *out = NULL;
	cairn_proto_err e;
	cairn_kvlist h = {NULL, 0, 0};
	const char *body;

	/* flattened Contents with one element */
	body =
	    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
	    "<KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>5</"
	    "Size>"
	    "<LastModified>2024-01-02T03:04:05.000Z</LastModified></Contents></ListBucketResult>";
	CHECK_INT(parse(m, "ListObjectsV2", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK(json_is_array(json_object_get(out, "Contents")));
	CHECK_STR(path_str(out, "Contents[0].Key"), "k");
	CHECK_INT(json_integer_value(
	              json_object_get(json_array_get(json_object_get(out, "Contents"), 0), "Size")),
	          5);
	CHECK_STR(path_str(out, "Contents[0].LastModified"), "2024-01-02T03:04:05Z");
	json_decref(out);

	/* the bare LocationConstraint root */
	body = "<LocationConstraint "
	       "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>";
	CHECK_INT(parse(m, "GetBucketLocation", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK_STR(path_str(out, "LocationConstraint"), "eu-west-1");
	json_decref(out);

	/* a string payload (the policy document), and a header member */
	cairn_kvlist_add(&h, "x-amz-request-id", "s3-req");
	CHECK_INT(parse(m, "GetBucketPolicy", 200, "{\"Version\":\"2012-10-17\"}", &h, &out, &e),
	          CAIRN_PROTO_RESULT);
	CHECK_STR(path_str(out, "Policy"), "{\"Version\":\"2012-10-17\"}");
	CHECK_STR(path_str(out, "ResponseMetadata.RequestId"), "s3-req");
	json_decref(out);
	cairn_kvlist_dispose(&h);

	cairn_kvlist_add(&h, "x-amz-bucket-region", "us-west-2");
	CHECK_INT(parse(m, "HeadBucket", 200, "", &h, &out, &e), CAIRN_PROTO_RESULT);
	CHECK_STR(path_str(out, "BucketRegion"), "us-west-2");
	json_decref(out);
	cairn_kvlist_dispose(&h);

	/* tagging: TagSet of Tag */
	body = "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>";
	CHECK_INT(parse(m, "GetBucketTagging", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK_INT(json_array_size(json_object_get(out, "TagSet")), 1);
	json_decref(out);

	/* lifecycle rules are flattened <Rule> elements */
	body = "<LifecycleConfiguration><Rule><ID>a</ID><Status>Enabled</Status></Rule></"
	       "LifecycleConfiguration>";
	CHECK_INT(parse(m, "GetBucketLifecycleConfiguration", 200, body, NULL, &out, &e),
	          CAIRN_PROTO_RESULT);
	CHECK_STR(path_str(out, "Rules[0].ID"), "a");
	json_decref(out);
	cairn_model_free(m);
}

TEST(errors_of_every_protocol)
{
	cairn_model *m;
	json_t *out = NULL;
	cairn_proto_err e;
	cairn_kvlist h = {NULL, 0, 0};

	m = load("iam");
	CHECK_INT(parse(m, "GetRole", 404,
	                "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</"
	                "Code><Message>no role</Message>"
	                "</Error><RequestId>rq</RequestId></ErrorResponse>",
	                NULL, &out, &e),
	          CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "NoSuchEntity");
	CHECK_STR(e.message, "no role");
	CHECK_STR(e.request_id, "rq");
	cairn_proto_err_dispose(&e);
	cairn_model_free(m);

	m = load("ec2");
	CHECK_INT(parse(m, "DescribeVpcs", 400,
	                "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>gone</"
	                "Message></Error>"
	                "</Errors><RequestID>ec</RequestID></Response>",
	                NULL, &out, &e),
	          CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "InvalidVpcID.NotFound");
	CHECK_STR(e.request_id, "ec");
	cairn_proto_err_dispose(&e);
	cairn_model_free(m);

	m = load("kms");
	cairn_kvlist_add(&h, "x-amzn-RequestId", "k1");
	CHECK_INT(parse(m, "DescribeKey", 400,
	                "{\"__type\":\"com.amazonaws.kms#NotFoundException\",\"message\":\"nope\"}",
	                &h, &out, &e),
	          CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "NotFoundException");
	CHECK_STR(e.message, "nope");
	CHECK_STR(e.request_id, "k1");
	cairn_proto_err_dispose(&e);
	/* an XML body from a front end still yields its code */
	CHECK_INT(
	    parse(m, "CreateKey", 403,
	          "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>AccessDenied</Code>"
	          "<Message>not kms:CreateKey</Message></Error></Errors></ErrorResponse>",
	          &h, &out, &e),
	    CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "AccessDenied");
	cairn_proto_err_dispose(&e);
	cairn_kvlist_dispose(&h);
	cairn_model_free(m);

	m = load("lambda");
	cairn_kvlist_add(&h, "X-Amzn-ErrorType",
	                 "ResourceNotFoundException:http://internal.amazon.com/");
	CHECK_INT(
	    parse(m, "GetFunction", 404, "{\"Message\":\"Function not found\"}", &h, &out, &e),
	    CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "ResourceNotFoundException");
	CHECK_STR(e.message, "Function not found");
	cairn_proto_err_dispose(&e);
	cairn_kvlist_dispose(&h);
	cairn_model_free(m);

	m = load("s3");
	/* HEAD has no body: the code is the status */
	CHECK_INT(parse(m, "HeadBucket", 404, "", NULL, &out, &e), CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "404");
	CHECK_STR(e.message, "Not Found");
	cairn_proto_err_dispose(&e);
	CHECK_INT(parse(m, "GetBucketPolicy", 404,
	                "<Error><Code>NoSuchBucketPolicy</Code><Message>none</"
	                "Message><RequestId>s</RequestId></Error>",
	                NULL, &out, &e),
	          CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "NoSuchBucketPolicy");
	cairn_proto_err_dispose(&e);
	/* a 200 whose body is an error */
	CHECK_INT(parse(m, "CopyObject", 200,
	                "<Error><Code>InternalError</Code><Message>try again</Message></Error>",
	                NULL, &out, &e),
	          CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "InternalError");
	cairn_proto_err_dispose(&e);
	/* a bucket in another region: the message says which */
	cairn_kvlist_add(&h, "x-amz-bucket-region", "eu-west-1");
	CHECK_INT(
	    parse(
	        m, "GetBucketVersioning", 301,
	        "<Error><Code>PermanentRedirect</Code><Message>Use the endpoint.</Message></Error>",
	        &h, &out, &e),
	    CAIRN_PROTO_ERROR);
	CHECK_STR(
	    e.message,
	    "Use the endpoint. (the bucket is in region eu-west-1, not the one this run uses)");
	cairn_proto_err_dispose(&e);
	CHECK_INT(parse(m, "HeadBucket", 301, "", &h, &out, &e), CAIRN_PROTO_ERROR);
	CHECK_STR(e.code, "301");
	CHECK_CONTAINS(e.message, "the bucket is in region eu-west-1");
	cairn_proto_err_dispose(&e);
	cairn_kvlist_dispose(&h);
	/* a 200 that is not XML is a decoding failure, not a result */
	CHECK(parse(m, "ListBuckets", 200, "<oops", NULL, &out, &e) < 0);
	CHECK_CONTAINS(cairn_error_last(), "not XML");
	cairn_model_free(m);
}

TEST(json_results_rename_and_convert)
{
	cairn_model *m = load("kms");
	json_t *out = NULL;
	cairn_proto_err e;
	CHECK_INT(parse(m, "DescribeKey", 200,
	                "{\"KeyMetadata\":{\"KeyId\":\"k\",\"CreationDate\":1.7e9,\"Enabled\":true,"
	                "\"EncryptionAlgorithms\":[\"SYMMETRIC_DEFAULT\"],\"Unmodelled\":1}}",
	                NULL, &out, &e),
	          CAIRN_PROTO_RESULT);
	CHECK_STR(path_str(out, "KeyMetadata.CreationDate"), "2023-11-14T22:13:20Z");
	CHECK(json_is_true(json_object_get(json_object_get(out, "KeyMetadata"), "Enabled")));
	CHECK(json_object_get(json_object_get(out, "KeyMetadata"), "Unmodelled") == NULL);
	CHECK_INT(json_array_size(
	              json_object_get(json_object_get(out, "KeyMetadata"), "EncryptionAlgorithms")),
	          1);
	json_decref(out);
	cairn_model_free(m);
}

TEST(botocore_customisations)
{
	cairn_model *m = load("iam");
	json_t *out = NULL;
	cairn_proto_err e;
	cairn_awsreq r;
	cairn_proto_resp pr;
	const char *body = "<GetRolePolicyResponse><GetRolePolicyResult><RoleName>r</"
	                   "RoleName><PolicyName>p</PolicyName>"
	                   "<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</"
	                   "PolicyDocument></GetRolePolicyResult>"
	                   "</GetRolePolicyResponse>";
	/* IAM policy documents come back decoded */
	CHECK_INT(parse(m, "GetRolePolicy", 200, body, NULL, &out, &e), CAIRN_PROTO_RESULT);
	CHECK_STR(
	    json_string_value(json_object_get(json_object_get(out, "PolicyDocument"), "Version")),
	    "2012-10-17");
	json_decref(out);
	cairn_model_free(m);

	m = load("s3");
	/* listings ask for URL-encoded keys and decode them */
	CHECK(build(m, "ListObjectsV2", "{\"Bucket\":\"b\"}", &r) == 0);
	CHECK_STR(cairn_kvlist_get(&r.query, "encoding-type", 0), "url");
	CHECK(r.flags & CAIRN_PROTO_S3_URL_KEYS);
	memset(&pr, 0, sizeof(pr));
	pr.status = 200;
	pr.flags = r.flags;
	pr.body = "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%20b%2Bc</"
	          "Key></Contents>"
	          "</ListBucketResult>";
	pr.len = strlen(pr.body);
	CHECK_INT(cairn_proto_parse(m, cairn_model_op(m, "ListObjectsV2"), &pr, &out, &e),
	          CAIRN_PROTO_RESULT);
	CHECK_STR(path_str(out, "Contents[0].Key"), "a b+c");
	json_decref(out);
	cairn_awsreq_dispose(&r);
	/* the caller's own encoding choice is left alone */
	CHECK(build(m, "ListObjectsV2", "{\"Bucket\":\"b\",\"EncodingType\":\"url\"}", &r) == 0);
	CHECK(!(r.flags & CAIRN_PROTO_S3_URL_KEYS));
	cairn_awsreq_dispose(&r);
	/* the copy source is URL-encoded, keeping '/' and the version suffix */
	CHECK(build(m, "CopyObject",
	            "{\"Bucket\":\"b\",\"Key\":\"k\",\"CopySource\":\"src/a b.txt?versionId=v1\"}",
	            &r) == 0);
	CHECK_STR(cairn_awsreq_header(&r, "x-amz-copy-source"), "src/a%20b.txt?versionId=v1");
	cairn_awsreq_dispose(&r);
	/* us-east-1's empty location is null */
	CHECK_INT(parse(m, "GetBucketLocation", 200, "<LocationConstraint/>", NULL, &out, &e),
	          CAIRN_PROTO_RESULT);
	CHECK(json_is_null(json_object_get(out, "LocationConstraint")));
	json_decref(out);
	cairn_model_free(m);

	m = load("ec2");
	/* an idempotency token is generated when left out */
	CHECK(build(m, "CreateRouteTable", "{\"VpcId\":\"v\"}", &r) == 0);
	CHECK_CONTAINS(cairn_buf_cstr(&r.body), "ClientToken=");
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
}

TEST(timestamps)
{
	double t;
	char b[32];
	CHECK(cairn_ts_parse("2024-01-02T03:04:05Z", &t) == 0);
	CHECK(t == 1704164645.0);
	CHECK(cairn_ts_parse("2024-01-02T05:04:05+02:00", &t) == 0);
	CHECK(t == 1704164645.0);
	CHECK(cairn_ts_parse("2024-01-02T03:04:05.250Z", &t) == 0);
	cairn_ts_iso8601(t, b);
	CHECK_STR(b, "2024-01-02T03:04:05.250Z");
	CHECK(cairn_ts_parse("Tue, 02 Jan 2024 03:04:05 GMT", &t) == 0);
	CHECK(t == 1704164645.0);
	cairn_ts_rfc822(t, b);
	CHECK_STR(b, "Tue, 02 Jan 2024 03:04:05 GMT");
	CHECK(cairn_ts_parse("1704164645", &t) == 0);
	CHECK(t == 1704164645.0);
	CHECK(cairn_ts_parse("yesterday", &t) < 0);
	CHECK(cairn_ts_parse("2024-13-02T03:04:05Z", &t) < 0);
}

int main(void)
{
	RUN(query_lists_and_maps);
	RUN(ec2_names_and_flat_lists);
	RUN(json_target_and_body);
	RUN(rest_xml_bindings_and_payloads);
	RUN(rest_json_bindings);
	RUN(validation_names_the_path);
	RUN(xml_results_keep_lists);
	RUN(s3_results);
	RUN(errors_of_every_protocol);
	RUN(json_results_rename_and_convert);
	RUN(botocore_customisations);
	RUN(timestamps);
	return test_done();
}
