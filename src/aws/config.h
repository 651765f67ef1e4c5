/*
 * config.h: private to src/aws: the AWS shared configuration files,
 * ~/.aws/config and ~/.aws/credentials, as the AWS CLI reads them.
 *
 * Both files are INI: "[default]", "[profile NAME]", "[services NAME]",
 * "[sso-session NAME]" in the config file, "[NAME]" in the credentials
 * file; "key = value" lines; '#' and ';' start comment lines; a key with
 * an empty value followed by indented "key = value" lines is a nested
 * section ("s3 =\n  addressing_style = path").
 *
 * The result is one JSON object:
 *   {"profiles": {NAME: {key: "value" | {subkey: "value"}}},
 *    "services": {NAME: {service: {key: "value"}}},
 *    "sso-session": {...},
 *    "credentials_file": {NAME: {...}},   the credentials file's profiles alone
 *    "config_path": PATH, "credentials_path": PATH}
 * where a profile's keys from the credentials file override those from
 * the config file (botocore's full_config).
 */
#ifndef CAIRN_AWS_CONFIG_H
#define CAIRN_AWS_CONFIG_H

#include <jansson.h>

#include "cairn/common.h"

/* Parses one file's text into out (merging). is_credentials selects the
 * credentials file's section naming. path is for messages. */
int cairn_awscfg_parse(const char *text, const char *path, int is_credentials, json_t *out);

/* Loads both files (a missing file is empty). NULL paths mean the
 * defaults: AWS_CONFIG_FILE or ~/.aws/config, AWS_SHARED_CREDENTIALS_FILE
 * or ~/.aws/credentials. On success *out is a new object. */
int cairn_awscfg_load(const char *config_path, const char *credentials_path, json_t **out);

/* The profile's object, or NULL. Borrowed. */
json_t *cairn_awscfg_profile(const json_t *cfg, const char *name);
/* A string value of a profile, or NULL. Borrowed. */
const char *cairn_awscfg_get(const json_t *cfg, const char *profile, const char *key);

/* "~/x" expanded with $HOME. New allocation. */
char *cairn_expand_home(const char *path);

#endif
