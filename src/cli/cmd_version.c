/*
 * cmd_version.c: `cairn version`: the version and the libraries linked.
 */
#include <stdio.h>

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <lua.h>
#include <openssl/opensslv.h>
#include <yaml.h>

#include "cairn/common.h"
#include "cli.h"

int cli_cmd_version(int argc, char **argv)
{
	cli_parser p;
	const char *v;
	int major, minor, rev;
	static const cli_opt opts[] = {{NULL, 0, 0, NULL}};

	cli_init(&p, argc, argv, "cairn version", opts);
	for (;;) {
		int id = cli_next(&p, &v);
		if (id == CLI_END)
			break;
		if (id == CLI_ERR)
			return 1;
		return cli_fail("version", "unexpected argument '%s'", v);
	}
	git_libgit2_version(&major, &minor, &rev);
	printf("cairn %s\n", CAIRN_VERSION);
	printf("  %s, libcurl %s, libyaml %s, jansson %s, libgit2 %d.%d.%d, %s\n",
	       LUA_RELEASE, curl_version_info(CURLVERSION_NOW)->version,
	       yaml_get_version_string(), JANSSON_VERSION, major, minor, rev,
	       OPENSSL_VERSION_TEXT);
	return 0;
}
