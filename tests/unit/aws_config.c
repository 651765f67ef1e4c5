/*
 * aws_config.c: the shared config/credentials parser, regions,
 * partitions, endpoints and their overrides, and the loopback rule.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/config.h"
#include "aws/endpoint.h"
#include "aws/model.h"
#include "test.h"

static const char *cfgtext = "# comment\n"
                             "[default]\n"
                             "region = eu-west-1\n"
                             "s3 =\n"
                             "    addressing_style = path\n"
                             "services = local\n"
                             "\n"
                             "[profile dev]\n"
                             "role_arn = arn:aws:iam::123456789012:role/dev\n"
                             "source_profile = default\n"
                             "; another comment\n"
                             "[services local]\n"
                             "kms =\n"
                             "  endpoint_url = http://127.0.0.1:4566\n"
                             "cloudwatch_logs =\n"
                             "  endpoint_url = https://logs.example.com/prefix/\n"
                             "[plugins]\n"
                             "x = y\n";

TEST(parses_sections_nesting_and_comments)
{
	json_t *cfg = json_object();
	CHECK(cairn_awscfg_parse(cfgtext, "config", 0, cfg) == 0);
	CHECK_STR(cairn_awscfg_get(cfg, "default", "region"), "eu-west-1");
	CHECK_STR(
	    json_string_value(json_object_get(
	        json_object_get(cairn_awscfg_profile(cfg, "default"), "s3"), "addressing_style")),
	    "path");
	CHECK_STR(cairn_awscfg_get(cfg, "dev", "source_profile"), "default");
	CHECK(json_object_get(json_object_get(cfg, "services"), "local") != NULL);
	CHECK(cairn_awscfg_profile(cfg, "plugins") == NULL);
	json_decref(cfg);
}

TEST(credentials_file_names_sections_plainly)
{
	json_t *cfg = json_object();
	CHECK(cairn_awscfg_parse("[ci]\naws_access_key_id = AKID\naws_secret_access_key = a;b#c\n",
	                         "credentials", 1, cfg) == 0);
	/* inline ';' and '#' are part of the value, as in the CLI */
	CHECK_STR(cairn_awscfg_get(cfg, "ci", "aws_secret_access_key"), "a;b#c");
	json_decref(cfg);
}

TEST(bad_files_name_the_line_not_the_value)
{
	json_t *cfg = json_object();
	CHECK(cairn_awscfg_parse("[default\nx = 1\n", "f", 0, cfg) == CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "f:1: a section header needs a closing ']'");
	CHECK(cairn_awscfg_parse("key = secretvalue\n", "f", 0, cfg) == CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "f:1:");
	CHECK(strstr(cairn_error_last(), "secretvalue") == NULL);
	CHECK(cairn_awscfg_parse("[default]\njunk\n", "f", 0, cfg) == CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "f:2: expected 'key = value'");
	json_decref(cfg);
}

TEST(partitions)
{
	const char *dns;
	CHECK_STR(cairn_region_partition("us-east-1", &dns), "aws");
	CHECK_STR(dns, "amazonaws.com");
	CHECK_STR(cairn_region_partition("cn-north-1", &dns), "aws-cn");
	CHECK_STR(dns, "amazonaws.com.cn");
	CHECK_STR(cairn_region_partition("us-gov-west-1", &dns), "aws-us-gov");
	CHECK_STR(dns, "amazonaws.com");
}

static void ep(const char *svc, const char *region, json_t *cfg, const char *profile,
               const char *host, const char *signing)
{
	cairn_model *m = NULL;
	cairn_endpoint e;
	CHECK(cairn_model_load(svc, &m) == 0);
	if (!m)
		return;
	CHECK(cairn_endpoint_resolve(m, region, cfg, profile, &e) == 0);
	CHECK_STR(e.host, host);
	CHECK_STR(e.signing_region, signing);
	cairn_endpoint_dispose(&e);
	cairn_model_free(m);
}

TEST(default_endpoints)
{
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_KMS");
	ep("kms", "eu-west-1", NULL, "default", "kms.eu-west-1.amazonaws.com", "eu-west-1");
	ep("sagemaker", "us-west-2", NULL, "default", "api.sagemaker.us-west-2.amazonaws.com",
	   "us-west-2");
	ep("sts", "eu-central-1", NULL, "default", "sts.eu-central-1.amazonaws.com",
	   "eu-central-1");
	ep("s3", "us-east-1", NULL, "default", "s3.us-east-1.amazonaws.com", "us-east-1");
	ep("iam", "eu-west-1", NULL, "default", "iam.amazonaws.com", "us-east-1");
	ep("iam", "cn-northwest-1", NULL, "default", "iam.cn-north-1.amazonaws.com.cn",
	   "cn-north-1");
	ep("iam", "us-gov-east-1", NULL, "default", "iam.us-gov.amazonaws.com", "us-gov-west-1");
	ep("kms", "cn-north-1", NULL, "default", "kms.cn-north-1.amazonaws.com.cn", "cn-north-1");
	ep("ec2", "us-gov-west-1", NULL, "default", "ec2.us-gov-west-1.amazonaws.com",
	   "us-gov-west-1");
	ep("ecr", "us-east-1", NULL, "default", "api.ecr.us-east-1.amazonaws.com", "us-east-1");
}

TEST(endpoint_overrides_in_sdk_order)
{
	json_t *cfg = json_object();
	CHECK(cairn_awscfg_parse(cfgtext, "config", 0, cfg) == 0);
	CHECK(cairn_awscfg_parse("[default]\nendpoint_url = https://all.example.com\n", "config", 0,
	                         cfg) == 0);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_KMS");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	/* 4: the profile's endpoint_url */
	ep("sts", "us-east-1", cfg, "default", "all.example.com", "us-east-1");
	/* 2: the services section beats 3 and 4 */
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000", 1);
	ep("kms", "us-east-1", cfg, "default", "127.0.0.1:4566", "us-east-1");
	ep("logs", "us-east-1", cfg, "default", "logs.example.com", "us-east-1");
	/* 3: the global variable beats the profile */
	ep("sts", "us-east-1", cfg, "default", "127.0.0.1:9000", "us-east-1");
	/* 1: the service's variable beats everything */
	setenv("AWS_ENDPOINT_URL_KMS", "http://localhost:1234/", 1);
	ep("kms", "us-east-1", cfg, "default", "localhost:1234", "us-east-1");
	/* ignored when asked */
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	ep("kms", "us-east-1", cfg, "default", "kms.us-east-1.amazonaws.com", "us-east-1");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	unsetenv("AWS_ENDPOINT_URL_KMS");
	unsetenv("AWS_ENDPOINT_URL");
	{
		cairn_model *m = NULL;
		cairn_endpoint e;
		cairn_model_load("logs", &m);
		CHECK(cairn_endpoint_resolve(m, "us-east-1", cfg, "default", &e) == 0);
		CHECK_STR(e.base_path, "/prefix");
		CHECK_STR(e.source, "[services local] cloudwatch_logs endpoint_url");
		cairn_endpoint_dispose(&e);
		cairn_model_free(m);
	}
	json_decref(cfg);
}

TEST(plain_http_only_to_loopback)
{
	cairn_endpoint e;
	CHECK(cairn_endpoint_parse_url("http://127.0.0.1:5000", "X", &e) == 0);
	cairn_endpoint_dispose(&e);
	CHECK(cairn_endpoint_parse_url("http://[::1]:5000/", "X", &e) == 0);
	cairn_endpoint_dispose(&e);
	CHECK(cairn_endpoint_parse_url("http://localhost", "X", &e) == 0);
	cairn_endpoint_dispose(&e);
	CHECK(cairn_endpoint_parse_url("https://example.com:443/", "X", &e) == 0);
	CHECK_STR(e.host, "example.com");
	cairn_endpoint_dispose(&e);
	CHECK(cairn_endpoint_parse_url("http://10.0.0.1:5000", "AWS_ENDPOINT_URL", &e) ==
	      CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "AWS_ENDPOINT_URL: 'http://10.0.0.1:5000': plain http "
	                                   "is only allowed to a loopback address");
	CHECK(cairn_endpoint_parse_url("http://127.0.0.1.evil.com", "X", &e) == CAIRN_EINVALID);
	CHECK(cairn_endpoint_parse_url("ftp://x", "X", &e) == CAIRN_EINVALID);
	CHECK(cairn_endpoint_parse_url("example.com", "X", &e) == CAIRN_EINVALID);
	CHECK(cairn_host_is_loopback("127.1.2.3:80"));
	CHECK(cairn_host_is_loopback("bucket.localhost:5000"));
	CHECK(!cairn_host_is_loopback("localhost.evil.com"));
	CHECK(!cairn_host_is_loopback("evillocalhost"));
	CHECK(!cairn_host_is_loopback("128.0.0.1"));
}

TEST(service_names_for_overrides)
{
	cairn_model *m = NULL;
	CHECK(cairn_model_load("logs", &m) == 0);
	CHECK_STR(m->env_name, "CLOUDWATCH_LOGS");
	CHECK_STR(m->config_name, "cloudwatch_logs");
	cairn_model_free(m);
	CHECK(cairn_model_load("secretsmanager", &m) == 0);
	CHECK_STR(m->env_name, "SECRETS_MANAGER");
	cairn_model_free(m);
	CHECK(cairn_model_load("accessanalyzer", &m) == 0);
	CHECK_STR(m->env_name, "ACCESSANALYZER");
	cairn_model_free(m);
	CHECK(cairn_model_load("nosuch", &m) == CAIRN_ENOTFOUND);
	CHECK_CONTAINS(cairn_error_last(), "unknown AWS service 'nosuch'");
	CHECK_CONTAINS(cairn_error_last(), "kms");
}

TEST(s3_bucket_dns_names)
{
	CHECK(cairn_s3_bucket_dns_ok("my-bucket-1"));
	CHECK(!cairn_s3_bucket_dns_ok("my.bucket"));
	CHECK(!cairn_s3_bucket_dns_ok("My-Bucket"));
	CHECK(!cairn_s3_bucket_dns_ok("ab"));
	CHECK(!cairn_s3_bucket_dns_ok("-ab"));
}

int main(void)
{
	RUN(parses_sections_nesting_and_comments);
	RUN(credentials_file_names_sections_plainly);
	RUN(bad_files_name_the_line_not_the_value);
	RUN(partitions);
	RUN(default_endpoints);
	RUN(endpoint_overrides_in_sdk_order);
	RUN(plain_http_only_to_loopback);
	RUN(service_names_for_overrides);
	RUN(s3_bucket_dns_names);
	return test_done();
}
