/*
 * cmd_whoami.c: `cairn whoami`: who AWS thinks cairn is.
 *
 * Resolves the credentials exactly as every other command does (the
 * credential chain of src/aws/creds.c), calls STS GetCallerIdentity and
 * prints the account, the ARN, the user id, the region and partition,
 * and which source gave the credentials. --json prints the same as one
 * JSON object. No secret is printed: only the access key id's last four
 * characters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cairn/aws.h"
#include "cli.h"

enum { O_JSON = 1 };

int cli_cmd_whoami(int argc, char **argv)
{
	static const cli_opt opts[] = {{"json", 0, O_JSON, "print the identity as JSON"},
	                               {NULL, 0, 0, NULL}};
	cli_parser p;
	const char *v, *method = NULL, *d = NULL;
	char *detail = NULL;
	int json = 0, rc;
	cairn_aws *aws = NULL;
	cairn_aws_options o;
	json_t *r = NULL;
	cairn_aws_error *err = NULL;

	cli_init(&p, argc, argv, "cairn whoami [--json] [--profile NAME] [--region REGION]", opts);
	for (;;) {
		int id = cli_next(&p, &v);
		if (id == CLI_END)
			break;
		if (id == CLI_ERR)
			return 1;
		if (id == O_JSON)
			json = 1;
		else
			return cli_fail("whoami", "unexpected argument '%s'", v);
	}
	memset(&o, 0, sizeof(o));
	o.region = cli_g.region;
	o.profile = cli_g.profile;
	if (cairn_aws_new(&aws, &o) < 0)
		return cli_fail("whoami", "%s", cairn_error_last());
	if (cairn_aws_credentials_source(aws, &method, &d) < 0) {
		rc = cli_fail("whoami", "%s", cairn_error_last());
		cairn_aws_free(aws);
		return rc;
	}
	/* the next call may refresh the credentials, and with them this text */
	detail = cairn_xstrdup(d);
	if (cairn_aws_call(aws, "sts", "GetCallerIdentity", NULL, &r, &err) < 0) {
		rc = cli_fail("whoami", "%s\n(credentials from %s: %s)", cairn_error_last(), method,
		              detail);
		cairn_aws_error_free(err);
		cairn_aws_free(aws);
		free(detail);
		return rc;
	}
	if (json) {
		json_t *out = json_pack("{s:s?, s:s?, s:s?, s:s, s:s, s:s, s:{s:s, s:s}}",
		                        "Account", json_string_value(json_object_get(r, "Account")),
		                        "Arn", json_string_value(json_object_get(r, "Arn")),
		                        "UserId", json_string_value(json_object_get(r, "UserId")),
		                        "Region", cairn_aws_region(aws), "Partition",
		                        cairn_aws_partition(aws), "Profile", cairn_aws_profile(aws),
		                        "Credentials", "Source", method, "Detail", detail);
		char *s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(out);
	} else {
		printf("Account:     %s\n", json_string_value(json_object_get(r, "Account")));
		printf("ARN:         %s\n", json_string_value(json_object_get(r, "Arn")));
		printf("User id:     %s\n", json_string_value(json_object_get(r, "UserId")));
		printf("Region:      %s (partition %s)\n", cairn_aws_region(aws),
		       cairn_aws_partition(aws));
		printf("Profile:     %s\n", cairn_aws_profile(aws));
		printf("Credentials: %s (%s)\n", method, detail);
	}
	json_decref(r);
	cairn_aws_free(aws);
	free(detail);
	return 0;
}
