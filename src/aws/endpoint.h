/*
 * endpoint.h: private to src/aws: regions, partitions and the endpoint of
 * each service.
 *
 * The default endpoint of a service is https://PREFIX.REGION.DNS_SUFFIX
 * (PREFIX is the model's endpointPrefix: "kms", "api.sagemaker"), with
 * the exceptions the SDKs make: IAM has one global endpoint per partition
 * (signed for us-east-1, cn-north-1 or us-gov-west-1), STS is regional.
 * Partitions: aws (amazonaws.com), aws-cn (amazonaws.com.cn) and
 * aws-us-gov (amazonaws.com), chosen by the region's name.
 *
 * Overrides, in the SDKs' order of precedence:
 *   1. AWS_ENDPOINT_URL_<SERVICE>   (<SERVICE> from the model's service id:
 *                                    "CloudWatch Logs" -> CLOUDWATCH_LOGS)
 *   2. the profile's services section: services = NAME, then
 *      [services NAME] / cloudwatch_logs = / endpoint_url = URL
 *   3. AWS_ENDPOINT_URL
 *   4. the profile's endpoint_url
 * all ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true or the
 * profile sets ignore_configured_endpoint_urls = true.
 *
 * Plain http is accepted only for loopback hosts (127.0.0.0/8, ::1,
 * localhost); every other endpoint must be https.
 */
#ifndef CAIRN_AWS_ENDPOINT_H
#define CAIRN_AWS_ENDPOINT_H

#include <jansson.h>

#include "aws/model.h"

typedef struct cairn_endpoint {
	char *scheme;         /* "https" or "http" */
	char *host;           /* "kms.us-east-1.amazonaws.com", "127.0.0.1:5000" */
	char *base_path;      /* a custom endpoint's path ("" or "/prefix") */
	char *signing_region; /* the region to sign for */
	int custom;           /* 1 when it came from an override */
	char *source;         /* where it came from: "AWS_ENDPOINT_URL_KMS", "default", ... */
} cairn_endpoint;

/* The partition of a region and its DNS suffix (static strings). */
const char *cairn_region_partition(const char *region, const char **dns_suffix);

/* Resolves the endpoint of m in region. cfg/profile are the loaded
 * shared config (may be NULL). Fails with CAIRN_EINVALID for a bad or
 * non-loopback http override, naming where it came from. */
int cairn_endpoint_resolve(const cairn_model *m, const char *region, const json_t *cfg,
                           const char *profile, cairn_endpoint *out);
void cairn_endpoint_dispose(cairn_endpoint *e);

/* Splits URL into scheme, host[:port] (default ports dropped) and path,
 * and checks the http-only-to-loopback rule. what names the setting for
 * messages. */
int cairn_endpoint_parse_url(const char *url, const char *what, cairn_endpoint *out);

/* 1 when host (with or without a port, IPv6 in brackets) is loopback. */
int cairn_host_is_loopback(const char *host);

/* 1 when a bucket name can be a DNS label of a virtual-hosted URL (and
 * has no dots, which would break TLS wildcard certificates). */
int cairn_s3_bucket_dns_ok(const char *bucket);

#endif
