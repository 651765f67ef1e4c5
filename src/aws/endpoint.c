/*
 * endpoint.c: region -> partition, service -> endpoint, and endpoint
 * overrides from the environment and the shared config (see endpoint.h).
 *
 * The partition table is the three partitions cairn supports; a region
 * is matched by prefix the way botocore's partitions.json regexes do
 * ("cn-" -> aws-cn, "us-gov-" -> aws-us-gov, everything else aws).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/config.h"
#include "aws/endpoint.h"

const char *cairn_region_partition(const char *region, const char **dns_suffix)
{
	if (region && strncmp(region, "cn-", 3) == 0) {
		if (dns_suffix)
			*dns_suffix = "amazonaws.com.cn";
		return "aws-cn";
	}
	if (region && strncmp(region, "us-gov-", 7) == 0) {
		if (dns_suffix)
			*dns_suffix = "amazonaws.com";
		return "aws-us-gov";
	}
	if (dns_suffix)
		*dns_suffix = "amazonaws.com";
	return "aws";
}

int cairn_host_is_loopback(const char *host)
{
	char h[256];
	size_t n;
	const char *colon;

	if (!host)
		return 0;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (!close)
			return 0;
		n = (size_t)(close - host - 1);
		if (n >= sizeof(h))
			return 0;
		memcpy(h, host + 1, n);
		h[n] = '\0';
		return strcmp(h, "::1") == 0 || strcasecmp(h, "0:0:0:0:0:0:0:1") == 0;
	}
	colon = strchr(host, ':');
	n = colon ? (size_t)(colon - host) : strlen(host);
	if (n >= sizeof(h))
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	/* localhost and its subdomains (S3 virtual-hosted style on a local
	 * endpoint): libcurl resolves them to loopback itself (RFC 6761) */
	if (strcasecmp(h, "localhost") == 0 ||
	    (n > 10 && strcasecmp(h + n - 10, ".localhost") == 0))
		return 1;
	if (strncmp(h, "127.", 4) == 0) {
		/* 127.a.b.c, all digits */
		int dots = 0;
		const char *p;
		for (p = h; *p; p++) {
			if (*p == '.')
				dots++;
			else if (!isdigit((unsigned char)*p))
				return 0;
		}
		return dots == 3;
	}
	return 0;
}

int cairn_endpoint_parse_url(const char *url, const char *what, cairn_endpoint *out)
{
	const char *p = strstr(url, "://"), *hs, *he;
	char *scheme, *host;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (!p)
		return cairn_error_setc(
		    CAIRN_EINVALID, "%s: '%s' is not a URL (expected https://host[:port][/path])",
		    what, url);
	scheme = cairn_xstrndup(url, (size_t)(p - url));
	{
		char *c;
		for (c = scheme; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		free(scheme);
		return cairn_error_setc(
		    CAIRN_EINVALID,
		    "%s: '%s': the scheme must be https (or http to a loopback address)", what,
		    url);
	}
	hs = p + 3;
	he = hs + strcspn(hs, "/?#");
	hl = (size_t)(he - hs);
	if (!hl || memchr(hs, '@', hl)) {
		free(scheme);
		return cairn_error_setc(CAIRN_EINVALID, "%s: '%s' has no usable host", what, url);
	}
	host = cairn_xstrndup(hs, hl);
	/* drop the scheme's default port, as Host headers do */
	{
		size_t n = strlen(host);
		if (strcmp(scheme, "https") == 0 && n > 4 && strcmp(host + n - 4, ":443") == 0)
			host[n - 4] = '\0';
		else if (strcmp(scheme, "http") == 0 && n > 3 && strcmp(host + n - 3, ":80") == 0)
			host[n - 3] = '\0';
	}
	if (strcmp(scheme, "http") == 0 && !cairn_host_is_loopback(host)) {
		int rc =
		    cairn_error_setc(CAIRN_EINVALID,
		                     "%s: '%s': plain http is only allowed to a loopback address "
		                     "(127.0.0.0/8, ::1, localhost); use https",
		                     what, url);
		free(scheme);
		free(host);
		return rc;
	}
	out->scheme = scheme;
	out->host = host;
	{
		size_t pl = strcspn(he, "?#");
		while (pl && he[pl - 1] == '/')
			pl--;
		out->base_path = cairn_xstrndup(he, pl);
	}
	return 0;
}

static int ignore_overrides(const json_t *cfg, const char *profile)
{
	const char *e = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	const char *p =
	    cfg ? cairn_awscfg_get(cfg, profile, "ignore_configured_endpoint_urls") : NULL;
	if (e && *e)
		return strcasecmp(e, "true") == 0;
	return p && strcasecmp(p, "true") == 0;
}

int cairn_endpoint_resolve(const cairn_model *m, const char *region, const json_t *cfg,
                           const char *profile, cairn_endpoint *out)
{
	const char *dns, *part = cairn_region_partition(region, &dns);
	const char *url = NULL;
	char *what = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ignore_overrides(cfg, profile)) {
		char *env = cairn_xasprintf("AWS_ENDPOINT_URL_%s", m->env_name);
		const char *v = getenv(env);
		if (v && *v) {
			url = v;
			what = env;
			env = NULL;
		}
		free(env);
		if (!url && cfg) {
			const char *svcs = cairn_awscfg_get(cfg, profile, "services");
			const json_t *sec =
			    svcs ? json_object_get(json_object_get(cfg, "services"), svcs) : NULL;
			const char *u = json_string_value(
			    json_object_get(json_object_get(sec, m->config_name), "endpoint_url"));
			if (u && *u) {
				url = u;
				what = cairn_xasprintf("[services %s] %s endpoint_url", svcs,
				                       m->config_name);
			}
		}
		if (!url) {
			v = getenv("AWS_ENDPOINT_URL");
			if (v && *v) {
				url = v;
				what = cairn_xstrdup("AWS_ENDPOINT_URL");
			}
		}
		if (!url && cfg) {
			const char *u = cairn_awscfg_get(cfg, profile, "endpoint_url");
			if (u && *u) {
				url = u;
				what = cairn_xasprintf("profile %s endpoint_url", profile);
			}
		}
	}
	if (url) {
		rc = cairn_endpoint_parse_url(url, what, out);
		if (rc < 0) {
			free(what);
			return rc;
		}
		out->custom = 1;
		out->source = what;
		out->signing_region = cairn_xstrdup(region);
		return 0;
	}
	out->scheme = cairn_xstrdup("https");
	out->base_path = cairn_xstrdup("");
	out->source = cairn_xstrdup("default");
	if (strcmp(m->name, "iam") == 0) {
		if (strcmp(part, "aws-cn") == 0) {
			out->host = cairn_xstrdup("iam.cn-north-1.amazonaws.com.cn");
			out->signing_region = cairn_xstrdup("cn-north-1");
		} else if (strcmp(part, "aws-us-gov") == 0) {
			out->host = cairn_xstrdup("iam.us-gov.amazonaws.com");
			out->signing_region = cairn_xstrdup("us-gov-west-1");
		} else {
			out->host = cairn_xstrdup("iam.amazonaws.com");
			out->signing_region = cairn_xstrdup("us-east-1");
		}
		return 0;
	}
	out->host = cairn_xasprintf("%s.%s.%s", m->endpoint_prefix, region, dns);
	out->signing_region = cairn_xstrdup(region);
	return 0;
}

void cairn_endpoint_dispose(cairn_endpoint *e)
{
	if (!e)
		return;
	free(e->scheme);
	free(e->host);
	free(e->base_path);
	free(e->signing_region);
	free(e->source);
	memset(e, 0, sizeof(*e));
}

int cairn_s3_bucket_dns_ok(const char *b)
{
	size_t n = strlen(b), i;
	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = b[i];
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-'))
			return 0;
	}
	return b[0] != '-' && b[n - 1] != '-';
}
