/*
 * aws_creds.c: the credential chain with real files in a scratch
 * directory, a fake STS (recording what it was asked) and an injected
 * clock: each source, the precedence between them, role chains and their
 * errors, refresh before expiry, and the "nothing found" message listing
 * every source tried. No secret may appear in any message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "aws/config.h"
#include "aws/creds.h"
#include "test.h"

static char dir[256];
static double fake_now = 1700000000.0;
static int sts_calls;
static json_t *sts_last;     /* the last params */
static char sts_src_key[64]; /* the access key STS was signed with ("" unsigned) */
static double sts_expiry = 1700003600.0;

static double clockfn(void)
{
	return fake_now;
}

static int fake_sts(void *ud, const char *op, const json_t *params, const cairn_creds *c,
                    json_t **out)
{
	char exp[32];
	(void)ud;
	sts_calls++;
	json_decref(sts_last);
	sts_last = json_deep_copy(params);
	json_object_set_new(sts_last, "_op", json_string(op));
	snprintf(sts_src_key, sizeof(sts_src_key), "%s", c ? c->access_key_id : "");
	if (strstr(json_string_value(json_object_get(params, "RoleArn")), "denied"))
		return cairn_error_setc(CAIRN_EAWS, "%s (sts): AccessDenied: not allowed", op);
	snprintf(exp, sizeof(exp), "%.0f", sts_expiry);
	*out = json_pack("{s:{s:s, s:s, s:s, s:s}}", "Credentials", "AccessKeyId", "ASIAROLE",
	                 "SecretAccessKey", "rolesecret", "SessionToken", "roletoken", "Expiration",
	                 exp);
	return 0;
}

static void write_file(const char *name, const char *text)
{
	char *p = cairn_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

static void clear_env(void)
{
	static const char *vars[] = {"AWS_ACCESS_KEY_ID",
	                             "AWS_SECRET_ACCESS_KEY",
	                             "AWS_SESSION_TOKEN",
	                             "AWS_SECURITY_TOKEN",
	                             "AWS_WEB_IDENTITY_TOKEN_FILE",
	                             "AWS_ROLE_ARN",
	                             "AWS_ROLE_SESSION_NAME",
	                             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	                             "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	                             "AWS_PROFILE"};
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

/* A chain over the files in dir. */
static cairn_credchain *chain(const char *profile, int explicit_profile, json_t **cfg)
{
	cairn_credchain *c;
	cairn_credchain_options o;
	char *cp = cairn_xasprintf("%s/config", dir), *rp = cairn_xasprintf("%s/credentials", dir);
	CHECK(cairn_awscfg_load(cp, rp, cfg) == 0);
	free(cp);
	free(rp);
	memset(&o, 0, sizeof(o));
	o.cfg = *cfg;
	o.profile = profile;
	o.explicit_profile = explicit_profile;
	o.sts = fake_sts;
	o.clock = clockfn;
	cairn_credchain_new(&c, &o);
	return c;
}

static const char *key_of(const char *profile, int explicit_profile, const char **method)
{
	static char key[64];
	json_t *cfg;
	cairn_credchain *c = chain(profile, explicit_profile, &cfg);
	const cairn_creds *cr;
	key[0] = '\0';
	*method = "";
	if (cairn_credchain_get(c, &cr) == 0) {
		snprintf(key, sizeof(key), "%s", cr->access_key_id);
		*method = cairn_credchain_method(c);
	}
	cairn_credchain_free(c);
	json_decref(cfg);
	return key;
}

static const char *files_cfg =
    "[default]\nregion = us-east-1\n"
    "[profile cfgkeys]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = configsecret\n"
    "[profile proc]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
    "\"SecretAccessKey\": \"procsecret\"}'\n"
    "[profile badproc]\ncredential_process = printf 'not json procsecret'\n"
    "[profile failproc]\ncredential_process = exit 3\n"
    "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = "
    "base\nexternal_id = ext-1\n"
    "duration_seconds = 900\nrole_session_name = sess\n"
    "[profile role2]\nrole_arn = arn:aws:iam::123456789012:role/second\nsource_profile = role\n"
    "[profile envrole]\nrole_arn = arn:aws:iam::123456789012:role/e\ncredential_source = "
    "Environment\n"
    "[profile loop1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
    "[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop1\n"
    "[profile nosrc]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = missing\n"
    "[profile denied]\nrole_arn = arn:aws:iam::1:role/denied\nsource_profile = base\n"
    "[profile webid]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = %s/token\n"
    "[profile both]\naws_access_key_id = AKIACONFIGBOTH\naws_secret_access_key = s\n";

static const char *files_creds =
    "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = defaultsecret\n"
    "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n"
    "[both]\naws_access_key_id = AKIACREDSBOTH\naws_secret_access_key = s2\n";

static void setup_files(void)
{
	char *cfg = cairn_xasprintf(files_cfg, dir);
	write_file("config", cfg);
	free(cfg);
	write_file("credentials", files_creds);
	write_file("token", "eyJ.web.token\n");
}

TEST(each_static_source)
{
	const char *m;
	clear_env();
	CHECK_STR(key_of("default", 0, &m), "AKIADEFAULT");
	CHECK_STR(m, "shared-credentials-file");
	CHECK_STR(key_of("cfgkeys", 0, &m), "AKIACONFIG");
	CHECK_STR(m, "config-file");
	CHECK_STR(key_of("proc", 0, &m), "AKIAPROC");
	CHECK_STR(m, "custom-process");
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	CHECK_STR(key_of("default", 0, &m), "AKIAENV");
	CHECK_STR(m, "env");
	clear_env();
}

TEST(precedence)
{
	const char *m;
	clear_env();
	/* the credentials file beats the config file for the same profile */
	CHECK_STR(key_of("both", 0, &m), "AKIACREDSBOTH");
	/* environment beats a profile named by AWS_PROFILE ... */
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	CHECK_STR(key_of("base", 0, &m), "AKIAENV");
	/* ... but not one named by --profile */
	CHECK_STR(key_of("base", 1, &m), "AKIABASE");
	clear_env();
	/* a role profile assumes the role rather than using any keys */
	CHECK_STR(key_of("role", 0, &m), "ASIAROLE");
	CHECK_STR(m, "assume-role");
}

TEST(assume_role_parameters_and_source)
{
	json_t *cfg;
	cairn_credchain *c;
	const cairn_creds *cr;
	clear_env();
	sts_calls = 0;
	c = chain("role", 0, &cfg);
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_INT(sts_calls, 1);
	CHECK_STR(json_string_value(json_object_get(sts_last, "_op")), "AssumeRole");
	CHECK_STR(json_string_value(json_object_get(sts_last, "RoleArn")),
	          "arn:aws:iam::123456789012:role/r");
	CHECK_STR(json_string_value(json_object_get(sts_last, "ExternalId")), "ext-1");
	CHECK_STR(json_string_value(json_object_get(sts_last, "RoleSessionName")), "sess");
	CHECK_INT(json_integer_value(json_object_get(sts_last, "DurationSeconds")), 900);
	CHECK_STR(sts_src_key, "AKIABASE");
	CHECK_STR(cr->session_token, "roletoken");
	CHECK_CONTAINS(cairn_credchain_detail(c),
	               "role arn:aws:iam::123456789012:role/r of profile 'role'");
	cairn_credchain_free(c);
	json_decref(cfg);

	/* a chain of two roles: the second is assumed with the first's keys */
	sts_calls = 0;
	c = chain("role2", 0, &cfg);
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_INT(sts_calls, 2);
	CHECK_STR(json_string_value(json_object_get(sts_last, "RoleArn")),
	          "arn:aws:iam::123456789012:role/second");
	CHECK_STR(sts_src_key, "ASIAROLE");
	cairn_credchain_free(c);
	json_decref(cfg);

	/* credential_source = Environment */
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	c = chain("envrole", 1, &cfg);
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_STR(sts_src_key, "AKIAENV");
	cairn_credchain_free(c);
	json_decref(cfg);
	clear_env();
}

TEST(web_identity_from_profile_and_env)
{
	json_t *cfg;
	cairn_credchain *c;
	const cairn_creds *cr;
	char *tok;
	clear_env();
	c = chain("webid", 0, &cfg);
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_STR(json_string_value(json_object_get(sts_last, "_op")), "AssumeRoleWithWebIdentity");
	CHECK_STR(json_string_value(json_object_get(sts_last, "WebIdentityToken")),
	          "eyJ.web.token");
	CHECK_STR(sts_src_key, ""); /* unsigned */
	CHECK_STR(cairn_credchain_method(c), "assume-role-with-web-identity");
	cairn_credchain_free(c);
	json_decref(cfg);

	tok = cairn_xasprintf("%s/token", dir);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/fromenv", 1);
	setenv("AWS_ROLE_SESSION_NAME", "ci-run", 1);
	c = chain("default", 0, &cfg);
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_STR(json_string_value(json_object_get(sts_last, "RoleArn")),
	          "arn:aws:iam::1:role/fromenv");
	CHECK_STR(json_string_value(json_object_get(sts_last, "RoleSessionName")), "ci-run");
	cairn_credchain_free(c);
	json_decref(cfg);
	free(tok);
	clear_env();
}

static void expect_error(const char *profile, const char *want, const char *secret)
{
	json_t *cfg;
	cairn_credchain *c = chain(profile, 1, &cfg);
	const cairn_creds *cr;
	CHECK(cairn_credchain_get(c, &cr) < 0);
	CHECK_CONTAINS(cairn_error_last(), want);
	if (secret)
		CHECK(strstr(cairn_error_last(), secret) == NULL);
	/* the failure is remembered */
	CHECK(cairn_credchain_get(c, &cr) < 0);
	cairn_credchain_free(c);
	json_decref(cfg);
}

TEST(errors_say_what_to_fix_without_secrets)
{
	clear_env();
	expect_error("loop1", "source_profile loop", NULL);
	expect_error("nosrc", "names source_profile 'missing', which does not exist", NULL);
	expect_error("denied", "AccessDenied", "basesecret");
	expect_error(
	    "badproc",
	    "credential_process of profile 'badproc' printed something that is not credentials",
	    "procsecret");
	expect_error("failproc", "credential_process of profile 'failproc' failed (exit status 3)",
	             NULL);
	setenv("AWS_ACCESS_KEY_ID", "AKIAONLY", 1);
	{
		json_t *cfg;
		cairn_credchain *c = chain("default", 0, &cfg);
		const cairn_creds *cr;
		CHECK(cairn_credchain_get(c, &cr) < 0);
		CHECK_CONTAINS(cairn_error_last(),
		               "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
		cairn_credchain_free(c);
		json_decref(cfg);
	}
	clear_env();
}

TEST(nothing_found_lists_every_source)
{
	json_t *cfg;
	cairn_credchain *c;
	const cairn_creds *cr;
	clear_env();
	c = chain("nothing", 1, &cfg);
	CHECK(cairn_credchain_get(c, &cr) < 0);
	CHECK_CONTAINS(cairn_error_last(), "no AWS credentials found (profile 'nothing')");
	CHECK_CONTAINS(cairn_error_last(), "env: skipped because --profile nothing was given");
	CHECK_CONTAINS(cairn_error_last(), "assume-role:");
	CHECK_CONTAINS(cairn_error_last(), "assume-role-with-web-identity:");
	CHECK_CONTAINS(cairn_error_last(), "shared-credentials-file:");
	CHECK_CONTAINS(cairn_error_last(), "custom-process:");
	CHECK_CONTAINS(cairn_error_last(), "config-file:");
	CHECK_CONTAINS(cairn_error_last(), "container-role:");
	CHECK_CONTAINS(cairn_error_last(), "iam-role: EC2 instance metadata is disabled");
	cairn_credchain_free(c);
	json_decref(cfg);
}

TEST(refreshes_before_expiry)
{
	json_t *cfg;
	cairn_credchain *c;
	const cairn_creds *cr;
	clear_env();
	fake_now = 1700000000.0;
	sts_expiry = fake_now + 3600;
	sts_calls = 0;
	c = chain("role", 0, &cfg);
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_INT(sts_calls, 1);
	fake_now += 30 * 60; /* 30 min left: still good */
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_INT(sts_calls, 1);
	fake_now += 16 * 60; /* 14 min left: inside the 15 min window */
	sts_expiry = fake_now + 3600;
	CHECK(cairn_credchain_get(c, &cr) == 0);
	CHECK_INT(sts_calls, 2);
	CHECK_INT(cairn_credchain_fetches(c), 2);
	CHECK(cr->expiration == sts_expiry);
	cairn_credchain_free(c);
	json_decref(cfg);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/cairn-creds-%d", (int)getpid());
	cairn_mkdir_p(dir, 0700);
	setup_files();
	RUN(each_static_source);
	RUN(precedence);
	RUN(assume_role_parameters_and_source);
	RUN(web_identity_from_profile_and_env);
	RUN(errors_say_what_to_fix_without_secrets);
	RUN(nothing_found_lists_every_source);
	RUN(refreshes_before_expiry);
	json_decref(sts_last);
	{
		char *cmd = cairn_xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		free(cmd);
	}
	return test_done();
}
