/*
 * creds.h: private to src/aws: the credential provider chain, in the
 * AWS CLI's order:
 *
 *   env                           AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *                                 AWS_SESSION_TOKEN (skipped when --profile
 *                                 names a profile explicitly, as the CLI does)
 *   assume-role                   profile role_arn + source_profile or
 *                                 credential_source (STS AssumeRole)
 *   assume-role-with-web-identity AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN,
 *                                 or profile web_identity_token_file + role_arn
 *   shared-credentials-file       ~/.aws/credentials keys of the profile
 *   custom-process                profile credential_process
 *   config-file                   ~/.aws/config keys of the profile
 *   container-role                AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
 *   iam-role                      EC2 instance metadata (IMDSv2)
 *
 * The first source that is configured decides: if it then fails (a bad
 * token file, an AssumeRole that is denied) the chain stops with that
 * error rather than falling through to a different identity. Temporary
 * credentials are refreshed from the same source 15 minutes before they
 * expire (and must be by 10 minutes before). Secrets are never copied
 * into messages.
 */
#ifndef CAIRN_AWS_CREDS_H
#define CAIRN_AWS_CREDS_H

#include <jansson.h>

#include "cairn/common.h"

typedef struct cairn_creds {
	char *access_key_id;     /* AKIA... / ASIA... */
	char *secret_access_key; /* secret: never logged */
	char *session_token;     /* secret: never logged; NULL for long-term keys */
	double expiration;       /* epoch seconds; 0 when they do not expire */
} cairn_creds;

void cairn_creds_dispose(cairn_creds *c);

/* How the chain calls STS (AssumeRole, AssumeRoleWithWebIdentity): the
 * client supplies this. creds NULL means an unsigned request. On failure
 * returns negative with cairn_error_last() holding the formatted error. */
typedef int (*cairn_sts_fn)(void *ud, const char *operation, const json_t *params,
                            const cairn_creds *creds, json_t **out);

typedef struct cairn_credchain cairn_credchain;

typedef struct cairn_credchain_options {
	const json_t *cfg;     /* the shared config (config.h), borrowed */
	const char *profile;   /* the profile in use */
	int explicit_profile;  /* --profile given: the env source is skipped */
	cairn_sts_fn sts;      /* STS caller */
	void *sts_ud;          /* its argument */
	double (*clock)(void); /* wall-clock seconds; NULL: time() (tests inject) */
} cairn_credchain_options;

int cairn_credchain_new(cairn_credchain **out, const cairn_credchain_options *opts);
void cairn_credchain_free(cairn_credchain *c);

/* The current credentials, resolving them on first use and refreshing
 * temporary ones before they expire. The pointer stays valid until the
 * next call. A failure is remembered (the chain is not retried). */
int cairn_credchain_get(cairn_credchain *c, const cairn_creds **out);

/* Which source gave the credentials ("env", "assume-role", ...) and a
 * description ("profile dev, role arn:aws:iam::...:role/x"), or NULL
 * before they were resolved. Borrowed. */
const char *cairn_credchain_method(const cairn_credchain *c);
const char *cairn_credchain_detail(const cairn_credchain *c);

/* How many times credentials were fetched (first resolution and refreshes). */
int cairn_credchain_fetches(const cairn_credchain *c);

#endif
