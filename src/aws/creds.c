/*
 * creds.c: the credential provider chain (see creds.h for the order and
 * the rules).
 *
 * resolve() walks the chain once and records which source answered
 * (method, detail, and what is needed to ask it again); refresh() asks
 * that source again. Each source function returns 1 with credentials
 * when it answered, 0 when it is not configured (with a line for the
 * "tried" list), or a negative code when it is configured but failed.
 * Role assumption asks STS through the client's callback; the source
 * credentials of a role come from the same chain applied to the source
 * profile (or credential_source), with loops detected.
 *
 * The metadata sources speak plain HTTP to link-local addresses (or to
 * loopback, for tests) through http.c's blocking call. credential_process
 * runs the command with /bin/sh -c, reads its standard output (never
 * echoed anywhere) and lets its standard error through to the user.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/config.h"
#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/http.h"
#include "aws/proto.h"
#include "cairn/log.h"

#define ADVISORY_REFRESH  (15 * 60)
#define MANDATORY_REFRESH (10 * 60)
#define MAX_CHAIN         10

typedef enum src {
	SRC_NONE,
	SRC_ENV,
	SRC_ASSUME,
	SRC_WEBID,
	SRC_SHARED,
	SRC_PROCESS,
	SRC_CONFIG,
	SRC_CONTAINER,
	SRC_IMDS
} srckind;

static const char *method_names[] = {"none",
                                     "env",
                                     "assume-role",
                                     "assume-role-with-web-identity",
                                     "shared-credentials-file",
                                     "custom-process",
                                     "config-file",
                                     "container-role",
                                     "iam-role"};

struct cairn_credchain {
	cairn_credchain_options o; /* options (cfg borrowed) */
	char *profile;             /* the profile name (owned copy) */
	cairn_creds cur;           /* the credentials in use */
	int have;                  /* cur is valid */
	srckind source;            /* who answered */
	char *detail;              /* a description of where they came from */
	int failed;                /* resolution failed: the error is remembered */
	char *failure;             /* that error */
	int fetches;               /* fetches so far */
};

void cairn_creds_dispose(cairn_creds *c)
{
	if (!c)
		return;
	if (c->secret_access_key)
		memset(c->secret_access_key, 0, strlen(c->secret_access_key));
	if (c->session_token)
		memset(c->session_token, 0, strlen(c->session_token));
	free(c->access_key_id);
	free(c->secret_access_key);
	free(c->session_token);
	memset(c, 0, sizeof(*c));
}

static double wall(void)
{
	return (double)time(NULL);
}

static double now(const cairn_credchain *c)
{
	return c->o.clock ? c->o.clock() : wall();
}

static const char *getenv_nz(const char *k)
{
	const char *v = getenv(k);
	return v && *v ? v : NULL;
}

static const char *pget(const cairn_credchain *c, const char *profile, const char *k)
{
	const char *v = c->o.cfg ? cairn_awscfg_get(c->o.cfg, profile, k) : NULL;
	return v && *v ? v : NULL;
}

static const char *cfg_path(const cairn_credchain *c, const char *which)
{
	const char *p = c->o.cfg ? json_string_value(json_object_get(c->o.cfg, which)) : NULL;
	return p ? p : strcmp(which, "config_path") == 0 ? "~/.aws/config" : "~/.aws/credentials";
}

static void set_creds(cairn_creds *out, const char *akid, const char *secret, const char *token,
                      double exp)
{
	memset(out, 0, sizeof(*out));
	out->access_key_id = cairn_xstrdup(akid);
	out->secret_access_key = cairn_xstrdup(secret);
	out->session_token = token && *token ? cairn_xstrdup(token) : NULL;
	out->expiration = exp;
}

/* Credentials from a JSON object with the given key names. */
static int creds_from_json(const json_t *o, const char *kid, const char *ksec, const char *ktok,
                           const char *kexp, cairn_creds *out)
{
	const char *a = json_string_value(json_object_get(o, kid));
	const char *s = json_string_value(json_object_get(o, ksec));
	const char *t = json_string_value(json_object_get(o, ktok));
	const char *e = kexp ? json_string_value(json_object_get(o, kexp)) : NULL;
	double exp = 0;
	if (!a || !*a || !s || !*s)
		return -1;
	if (e && cairn_ts_parse(e, &exp) < 0)
		return -1;
	set_creds(out, a, s, t, exp);
	return 0;
}

/* ---- the sources ------------------------------------------------------ */

typedef struct ctx {
	cairn_credchain *c;             /* the chain */
	cairn_buf *tried;               /* "not configured" notes */
	const char *visited[MAX_CHAIN]; /* profiles on the assume-role path */
	int nvisited;
} ctx;

static void note(ctx *x, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static void note(ctx *x, const char *fmt, ...)
{
	va_list ap;
	if (!x->tried)
		return;
	cairn_buf_puts(x->tried, "\n  - ");
	va_start(ap, fmt);
	cairn_buf_vprintf(x->tried, fmt, ap);
	va_end(ap);
}

static int from_env(ctx *x, cairn_creds *out, char **detail)
{
	const char *a = getenv_nz("AWS_ACCESS_KEY_ID"), *s = getenv_nz("AWS_SECRET_ACCESS_KEY");
	const char *t = getenv_nz("AWS_SESSION_TOKEN");
	if (!t)
		t = getenv_nz("AWS_SECURITY_TOKEN");
	if (!a && !s) {
		note(x, "env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
		return 0;
	}
	if (!a || !s)
		return cairn_error_setc(CAIRN_EINVALID,
		                        "%s is set but %s is not: set both (or neither) to use "
		                        "credentials from the environment",
		                        a ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		                        a ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	set_creds(out, a, s, t, 0);
	*detail = cairn_xstrdup("environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY");
	return 1;
}

static int static_keys(ctx *x, const char *profile, int creds_file, cairn_creds *out, char **detail)
{
	cairn_credchain *c = x->c;
	const json_t *p =
	    creds_file ? json_object_get(json_object_get(c->o.cfg, "credentials_file"), profile)
	               : cairn_awscfg_profile(c->o.cfg, profile);
	const char *a = json_string_value(json_object_get(p, "aws_access_key_id"));
	const char *s = json_string_value(json_object_get(p, "aws_secret_access_key"));
	const char *t = json_string_value(json_object_get(p, "aws_session_token"));
	const char *file = cfg_path(c, creds_file ? "credentials_path" : "config_path");
	if (!a && !s) {
		note(x, "%s: no keys for profile '%s' in %s",
		     creds_file ? "shared-credentials-file" : "config-file", profile, file);
		return 0;
	}
	if (!a || !*a || !s || !*s)
		return cairn_error_setc(
		    CAIRN_EINVALID,
		    "%s: profile '%s' sets only one of aws_access_key_id and aws_secret_access_key",
		    file, profile);
	set_creds(out, a, s, t, 0);
	*detail = cairn_xasprintf("profile '%s' in %s", profile, file);
	return 1;
}

static int run_process(ctx *x, const char *profile, const char *cmd, cairn_creds *out)
{
	int pipefd[2], status = 0;
	pid_t pid;
	cairn_buf b = CAIRN_BUF_INIT;
	char chunk[4096];
	ssize_t n;
	json_t *j;
	int rc = 0;

	(void)x;
	if (pipe(pipefd) < 0)
		return cairn_error_set(
		    "credential_process (profile '%s'): cannot create a pipe: %s", profile,
		    strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return cairn_error_set("credential_process (profile '%s'): cannot fork: %s",
		                       profile, strerror(errno));
	}
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (b.len < 1024 * 1024)
			cairn_buf_put(&b, chunk, (size_t)n);
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = cairn_error_setc(CAIRN_EINVALID,
		                      "credential_process of profile '%s' failed (exit status %d); "
		                      "its error output is above",
		                      profile, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	} else {
		j = json_loadb(b.ptr ? b.ptr : "", b.len, 0, NULL);
		if (!json_is_object(j) || json_integer_value(json_object_get(j, "Version")) != 1 ||
		    creds_from_json(j, "AccessKeyId", "SecretAccessKey", "SessionToken",
		                    "Expiration", out) < 0)
			rc = cairn_error_setc(
			    CAIRN_EINVALID,
			    "credential_process of profile '%s' printed something that is not "
			    "credentials (expected JSON {\"Version\": 1, \"AccessKeyId\": ..., "
			    "\"SecretAccessKey\": ..., \"SessionToken\": ..., \"Expiration\": "
			    "...}; "
			    "the output is not shown because it may hold secrets)",
			    profile);
		json_decref(j);
	}
	if (b.ptr)
		memset(b.ptr, 0, b.len);
	cairn_buf_dispose(&b);
	return rc;
}

static int from_process(ctx *x, const char *profile, cairn_creds *out, char **detail)
{
	const char *cmd = pget(x->c, profile, "credential_process");
	int rc;
	if (!cmd) {
		note(x, "custom-process: profile '%s' has no credential_process", profile);
		return 0;
	}
	rc = run_process(x, profile, cmd, out);
	if (rc < 0)
		return rc;
	*detail = cairn_xasprintf("credential_process of profile '%s'", profile);
	return 1;
}

static int read_token_file(const char *path, char **out)
{
	char *p = cairn_expand_home(path), *text = NULL;
	size_t len;
	int rc = cairn_file_read(p, &text, &len);
	if (rc < 0) {
		rc = cairn_error_setc(CAIRN_EINVALID,
		                      "web identity token file %s cannot be read: %s", p,
		                      cairn_error_last());
		free(p);
		return rc;
	}
	free(p);
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	*out = text;
	return 0;
}

static char *session_name(const char *configured)
{
	if (configured && *configured)
		return cairn_xstrdup(configured);
	return cairn_xasprintf("cairn-session-%ld", (long)time(NULL));
}

static int sts_creds(cairn_credchain *c, const char *op, json_t *params, const cairn_creds *src,
                     cairn_creds *out, const char *what)
{
	json_t *res = NULL;
	int rc;
	if (!c->o.sts)
		return cairn_error_set("%s: no STS client is available", what);
	rc = c->o.sts(c->o.sts_ud, op, params, src, &res);
	if (rc < 0) {
		char *m = cairn_xstrdup(cairn_error_last());
		rc = cairn_error_setc(CAIRN_EINVALID, "%s: %s", what, m);
		free(m);
		return rc;
	}
	if (creds_from_json(json_object_get(res, "Credentials"), "AccessKeyId", "SecretAccessKey",
	                    "SessionToken", "Expiration", out) < 0) {
		json_decref(res);
		return cairn_error_set("%s: STS %s returned no usable credentials", what, op);
	}
	json_decref(res);
	return 0;
}

static int web_identity(ctx *x, const char *profile, int use_env, cairn_creds *out, char **detail)
{
	cairn_credchain *c = x->c;
	const char *file = use_env ? getenv_nz("AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
	const char *arn = use_env ? getenv_nz("AWS_ROLE_ARN") : NULL;
	const char *sess = use_env ? getenv_nz("AWS_ROLE_SESSION_NAME") : NULL;
	char *token = NULL, *name, *what;
	json_t *params;
	int rc;

	if (!file)
		file = pget(c, profile, "web_identity_token_file");
	if (!arn)
		arn = pget(c, profile, "role_arn");
	if (!sess)
		sess = pget(c, profile, "role_session_name");
	if (!file) {
		note(x,
		     "assume-role-with-web-identity: neither AWS_WEB_IDENTITY_TOKEN_FILE nor "
		     "profile "
		     "'%s' web_identity_token_file is set",
		     profile);
		return 0;
	}
	if (!arn)
		return cairn_error_setc(CAIRN_EINVALID,
		                        "a web identity token file is configured (%s) but no role: "
		                        "set AWS_ROLE_ARN or role_arn in profile '%s'",
		                        file, profile);
	rc = read_token_file(file, &token);
	if (rc < 0)
		return rc;
	name = session_name(sess);
	params = json_pack("{s:s, s:s, s:s}", "RoleArn", arn, "RoleSessionName", name,
	                   "WebIdentityToken", token);
	what = cairn_xasprintf("assuming role %s with the web identity token in %s", arn, file);
	rc = sts_creds(c, "AssumeRoleWithWebIdentity", params, NULL, out, what);
	memset(token, 0, strlen(token));
	free(token);
	json_decref(params);
	free(name);
	free(what);
	if (rc < 0)
		return rc;
	*detail = cairn_xasprintf("role %s via web identity token file %s", arn, file);
	return 1;
}

static int from_container(ctx *x, cairn_creds *out, char **detail)
{
	const char *rel = getenv_nz("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv_nz("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tokfile = getenv_nz("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = getenv_nz("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char *url, *token = NULL;
	cairn_awsreq req;
	int rc = 0, attempt;
	json_t *j = NULL;

	(void)x;
	if (!rel && !full) {
		note(x, "container-role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are "
		        "not set");
		return 0;
	}
	url = rel ? cairn_xasprintf("http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel)
	          : cairn_xstrdup(full);
	cairn_awsreq_init(&req);
	/* scheme://host[:port]/path?query */
	{
		const char *sep = strstr(url, "://");
		const char *p = sep ? sep + 3 : url;
		const char *slash = p + strcspn(p, "/?#");
		const char *q = strchr(slash, '?');
		if (!sep || slash == p) {
			free(url);
			return cairn_error_setc(CAIRN_EINVALID,
			                        "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL");
		}
		req.scheme = cairn_xstrndup(url, (size_t)(sep - url));
		req.host = cairn_xstrndup(p, (size_t)(slash - p));
		req.path = q ? cairn_xstrndup(slash, (size_t)(q - slash))
		             : cairn_xstrdup(*slash ? slash : "/");
		if (q) {
			const char *s = q + 1;
			while (*s && *s != '#') {
				const char *amp = strchr(s, '&'),
				           *e = amp ? amp : s + strcspn(s, "#");
				const char *eq = memchr(s, '=', (size_t)(e - s));
				cairn_buf k = CAIRN_BUF_INIT, v = CAIRN_BUF_INIT;
				cairn_uri_decode(&k, s, (size_t)((eq ? eq : e) - s), 0);
				if (eq)
					cairn_uri_decode(&v, eq + 1, (size_t)(e - eq - 1), 0);
				cairn_kvlist_add(&req.query, cairn_buf_cstr(&k),
				                 eq ? cairn_buf_cstr(&v) : NULL);
				cairn_buf_dispose(&k);
				cairn_buf_dispose(&v);
				s = amp ? amp + 1 : e;
			}
		}
	}
	/* A full URI must be https, or http to loopback or to the ECS/EKS
	 * agents (the SDKs' rule). */
	if (!rel && strcasecmp(req.scheme, "https") != 0) {
		static const char *agents[] = {"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"};
		size_t i,
		    hl = req.host[0] == '[' ? strcspn(req.host, "]") + 1 : strcspn(req.host, ":");
		int ok = strcasecmp(req.scheme, "http") == 0 && cairn_host_is_loopback(req.host);
		for (i = 0; !ok && i < CAIRN_ARRAY_SIZE(agents); i++)
			ok = strcasecmp(req.scheme, "http") == 0 && strlen(agents[i]) == hl &&
			     strncmp(req.host, agents[i], hl) == 0;
		if (!ok) {
			rc = cairn_error_setc(
			    CAIRN_EINVALID,
			    "AWS_CONTAINER_CREDENTIALS_FULL_URI %s://%s: must be https, or "
			    "http to a loopback address or the container agent",
			    req.scheme, req.host);
			cairn_awsreq_dispose(&req);
			free(url);
			return rc;
		}
	}
	if (tokfile) {
		char *p = cairn_expand_home(tokfile);
		size_t len;
		rc = cairn_file_read(p, &token, &len);
		free(p);
		if (rc < 0) {
			rc = cairn_error_setc(
			    CAIRN_EINVALID,
			    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE cannot be read: %s",
			    cairn_error_last());
			cairn_awsreq_dispose(&req);
			free(url);
			return rc;
		}
		while (len && (token[len - 1] == '\n' || token[len - 1] == '\r'))
			token[--len] = '\0';
	} else if (tok) {
		token = cairn_xstrdup(tok);
	}
	if (token && (strchr(token, '\r') || strchr(token, '\n'))) {
		cairn_awsreq_dispose(&req);
		free(url);
		free(token);
		return cairn_error_setc(CAIRN_EINVALID,
		                        "the container authorization token contains a line break");
	}
	req.method = cairn_xstrdup("GET");
	if (token)
		cairn_awsreq_set_header(&req, "Authorization", token);
	for (attempt = 1; attempt <= 3; attempt++) {
		cairn_http_resp resp;
		cairn_http_perform(&req, 2.0, 1, getenv_nz("AWS_CA_BUNDLE"), &resp);
		if (resp.error == CAIRN_HTTP_OK && resp.status == 200) {
			j = json_loadb(cairn_buf_cstr(&resp.body), resp.body.len, 0, NULL);
			if (resp.body.ptr)
				memset(resp.body.ptr, 0, resp.body.len);
			cairn_http_resp_dispose(&resp);
			break;
		}
		if (resp.error == CAIRN_HTTP_OK) {
			rc = cairn_error_setc(
			    CAIRN_EINVALID,
			    "container credentials endpoint %s://%s answered HTTP %ld", req.scheme,
			    req.host, resp.status);
			cairn_http_resp_dispose(&resp);
			if (resp.status < 500)
				break;
		} else {
			rc = cairn_error_setc(CAIRN_EINVALID,
			                      "container credentials endpoint %s://%s: %s (%s)",
			                      req.scheme, req.host, cairn_http_err_name(resp.error),
			                      resp.error_text ? resp.error_text : "");
			cairn_http_resp_dispose(&resp);
		}
	}
	if (j) {
		rc = creds_from_json(j, "AccessKeyId", "SecretAccessKey", "Token", "Expiration",
		                     out);
		if (rc < 0)
			rc = cairn_error_setc(
			    CAIRN_EINVALID,
			    "container credentials endpoint %s://%s returned no credentials",
			    req.scheme, req.host);
		else
			*detail = cairn_xasprintf("container credentials endpoint %s://%s",
			                          req.scheme, req.host);
		json_decref(j);
	} else if (rc == 0) {
		rc = cairn_error_setc(
		    CAIRN_EINVALID,
		    "container credentials endpoint %s://%s returned no credentials", req.scheme,
		    req.host);
	}
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	cairn_awsreq_dispose(&req);
	free(url);
	return rc < 0 ? rc : 1;
}

/* One IMDS request; returns the body (new allocation) or NULL with
 * status and err set. */
static char *imds_get(const char *scheme, const char *host, const char *method, const char *path,
                      const char *token, double timeout, int attempts, long *status, char **err)
{
	int i;
	*status = 0;
	*err = NULL;
	for (i = 0; i < attempts; i++) {
		cairn_awsreq req;
		cairn_http_resp resp;
		cairn_awsreq_init(&req);
		req.scheme = cairn_xstrdup(scheme);
		req.host = cairn_xstrdup(host);
		req.method = cairn_xstrdup(method);
		req.path = cairn_xstrdup(path);
		if (strcmp(method, "PUT") == 0)
			cairn_awsreq_set_header(&req, "X-aws-ec2-metadata-token-ttl-seconds",
			                        "21600");
		else if (token)
			cairn_awsreq_set_header(&req, "X-aws-ec2-metadata-token", token);
		cairn_http_perform(&req, timeout, 1, NULL, &resp);
		cairn_awsreq_dispose(&req);
		free(*err);
		*err = NULL;
		if (resp.error == CAIRN_HTTP_OK) {
			*status = resp.status;
			if (resp.status == 200) {
				char *body = cairn_buf_detach(&resp.body);
				cairn_http_resp_dispose(&resp);
				return body;
			}
			cairn_http_resp_dispose(&resp);
			if (resp.status < 500)
				return NULL;
			continue;
		}
		*err = cairn_xasprintf("%s", cairn_http_err_name(resp.error));
		cairn_http_resp_dispose(&resp);
	}
	return NULL;
}

static int from_imds(ctx *x, cairn_creds *out, char **detail)
{
	cairn_credchain *c = x->c;
	const char *dis = getenv_nz("AWS_EC2_METADATA_DISABLED");
	const char *ep = getenv_nz("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *v1off = getenv_nz("AWS_EC2_METADATA_V1_DISABLED");
	const char *tmo = getenv_nz("AWS_METADATA_SERVICE_TIMEOUT");
	const char *att = getenv_nz("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	double timeout = tmo ? atof(tmo) : 1.0;
	int attempts = att ? atoi(att) : 1;
	char *scheme, *host, *token, *role, *body, *err, *path;
	long status;
	json_t *j;
	int rc;

	if (dis && strcasecmp(dis, "true") == 0) {
		note(x, "iam-role: EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED)");
		return 0;
	}
	if (!ep)
		ep = pget(c, c->profile, "ec2_metadata_service_endpoint");
	if (!v1off)
		v1off = pget(c, c->profile, "ec2_metadata_v1_disabled");
	if (!ep)
		ep = "http://169.254.169.254";
	if (timeout <= 0)
		timeout = 1.0;
	if (attempts < 1)
		attempts = 1;
	{
		const char *p = strstr(ep, "://");
		const char *h = p ? p + 3 : ep;
		size_t hl = strcspn(h, "/");
		scheme = p ? cairn_xstrndup(ep, (size_t)(p - ep)) : cairn_xstrdup("http");
		host = cairn_xstrndup(h, hl);
	}
	token = imds_get(scheme, host, "PUT", "/latest/api/token", NULL, timeout, attempts, &status,
	                 &err);
	if (!token && err) {
		note(x, "iam-role: no EC2 instance metadata service at %s://%s (%s)", scheme, host,
		     err);
		free(err);
		free(scheme);
		free(host);
		return 0;
	}
	if (!token && !(status == 403 || status == 404 || status == 405)) {
		rc = cairn_error_setc(
		    CAIRN_EINVALID,
		    "EC2 instance metadata %s://%s refused a session token (HTTP %ld)", scheme,
		    host, status);
		free(scheme);
		free(host);
		return rc;
	}
	if (!token && v1off && strcasecmp(v1off, "true") == 0) {
		rc = cairn_error_setc(CAIRN_EINVALID,
		                      "EC2 instance metadata %s://%s gives no IMDSv2 token (HTTP "
		                      "%ld) and IMDSv1 is disabled",
		                      scheme, host, status);
		free(scheme);
		free(host);
		return rc;
	}
	role = imds_get(scheme, host, "GET", "/latest/meta-data/iam/security-credentials/", token,
	                timeout, attempts, &status, &err);
	free(err);
	if (!role || !*role) {
		note(x, "iam-role: the instance at %s://%s has no IAM role (HTTP %ld)", scheme,
		     host, status);
		free(role);
		free(token);
		free(scheme);
		free(host);
		return 0;
	}
	role[strcspn(role, "\r\n")] = '\0';
	path = cairn_xasprintf("/latest/meta-data/iam/security-credentials/%s", role);
	body = imds_get(scheme, host, "GET", path, token, timeout, attempts, &status, &err);
	free(err);
	free(path);
	rc = 0;
	j = body ? json_loads(body, 0, NULL) : NULL;
	if (!j ||
	    creds_from_json(j, "AccessKeyId", "SecretAccessKey", "Token", "Expiration", out) < 0)
		rc = cairn_error_setc(
		    CAIRN_EINVALID,
		    "EC2 instance metadata %s://%s returned no credentials for role %s (HTTP %ld)",
		    scheme, host, role, status);
	else
		*detail = cairn_xasprintf("instance role %s from EC2 instance metadata %s://%s%s",
		                          role, scheme, host, token ? " (IMDSv2)" : " (IMDSv1)");
	json_decref(j);
	if (body) {
		memset(body, 0, strlen(body));
		free(body);
	}
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	free(role);
	free(scheme);
	free(host);
	return rc < 0 ? rc : 1;
}

static int has_role_config(const cairn_credchain *c, const char *profile)
{
	return pget(c, profile, "role_arn") &&
	       (pget(c, profile, "source_profile") || pget(c, profile, "credential_source")) &&
	       !pget(c, profile, "web_identity_token_file");
}

static int assume_role(ctx *x, const char *profile, cairn_creds *out, char **detail);

/* The providers that read a profile (botocore's ProfileProviderBuilder). */
static int profile_chain(ctx *x, const char *profile, int use_env_webid, cairn_creds *out,
                         char **detail, srckind *which)
{
	int rc;
	if ((rc = web_identity(x, profile, use_env_webid, out, detail)) != 0) {
		*which = SRC_WEBID;
		return rc;
	}
	if ((rc = static_keys(x, profile, 1, out, detail)) != 0) {
		*which = SRC_SHARED;
		return rc;
	}
	if ((rc = from_process(x, profile, out, detail)) != 0) {
		*which = SRC_PROCESS;
		return rc;
	}
	if ((rc = static_keys(x, profile, 0, out, detail)) != 0) {
		*which = SRC_CONFIG;
		return rc;
	}
	return 0;
}

static int source_creds(ctx *x, const char *profile, cairn_creds *out, char **detail)
{
	cairn_credchain *c = x->c;
	const char *src_profile = pget(c, profile, "source_profile");
	const char *cred_source = pget(c, profile, "credential_source");
	ctx sub = *x;
	int rc, i;
	srckind which;

	sub.tried = NULL;
	if (src_profile && cred_source)
		return cairn_error_setc(
		    CAIRN_EINVALID,
		    "profile '%s' sets both source_profile and credential_source; keep one",
		    profile);
	if (cred_source) {
		if (strcmp(cred_source, "Environment") == 0)
			rc = from_env(&sub, out, detail);
		else if (strcmp(cred_source, "Ec2InstanceMetadata") == 0)
			rc = from_imds(&sub, out, detail);
		else if (strcmp(cred_source, "EcsContainer") == 0)
			rc = from_container(&sub, out, detail);
		else
			return cairn_error_setc(CAIRN_EINVALID,
			                        "profile '%s': credential_source '%s' is not one "
			                        "of Environment, Ec2InstanceMetadata, EcsContainer",
			                        profile, cred_source);
		if (rc == 0)
			return cairn_error_setc(
			    CAIRN_EINVALID,
			    "profile '%s': credential_source %s gave no credentials", profile,
			    cred_source);
		return rc;
	}
	if (!cairn_awscfg_profile(c->o.cfg, src_profile))
		return cairn_error_setc(
		    CAIRN_EINVALID,
		    "profile '%s' names source_profile '%s', which does not exist in %s or %s",
		    profile, src_profile, cfg_path(c, "config_path"),
		    cfg_path(c, "credentials_path"));
	for (i = 0; i < x->nvisited; i++) {
		if (strcmp(x->visited[i], src_profile) == 0 && strcmp(src_profile, profile) != 0)
			return cairn_error_setc(CAIRN_EINVALID,
			                        "profiles form a source_profile loop through '%s'",
			                        src_profile);
	}
	if (x->nvisited >= MAX_CHAIN)
		return cairn_error_setc(CAIRN_EINVALID, "source_profile chain is too long at '%s'",
		                        src_profile);
	if (strcmp(src_profile, profile) == 0) {
		/* a profile may source its own static keys */
		rc = static_keys(&sub, profile, 1, out, detail);
		if (rc == 0)
			rc = static_keys(&sub, profile, 0, out, detail);
		if (rc == 0)
			return cairn_error_setc(
			    CAIRN_EINVALID,
			    "profile '%s' is its own source_profile but has no keys", profile);
		return rc;
	}
	sub.visited[sub.nvisited++] = src_profile;
	{
		const json_t *p = cairn_awscfg_profile(c->o.cfg, src_profile);
		int has_static = json_object_get(p, "aws_access_key_id") ||
		                 json_object_get(p, "aws_secret_access_key");
		if (has_static || !has_role_config(c, src_profile)) {
			rc = profile_chain(&sub, src_profile, 0, out, detail, &which);
			if (rc == 0)
				return cairn_error_setc(
				    CAIRN_EINVALID,
				    "source_profile '%s' (of profile '%s') has no credentials",
				    src_profile, profile);
			return rc;
		}
	}
	return assume_role(&sub, src_profile, out, detail);
}

static int assume_role(ctx *x, const char *profile, cairn_creds *out, char **detail)
{
	cairn_credchain *c = x->c;
	const char *arn = pget(c, profile, "role_arn");
	const char *ext = pget(c, profile, "external_id");
	const char *dur = pget(c, profile, "duration_seconds");
	const char *mfa = pget(c, profile, "mfa_serial");
	cairn_creds src;
	char *src_detail = NULL, *name, *what;
	json_t *params;
	int rc;

	if (mfa)
		return cairn_error_setc(
		    CAIRN_EINVALID,
		    "profile '%s' needs an MFA code (mfa_serial), which cairn cannot prompt for; "
		    "assume the role first (aws sts assume-role ...) and pass its keys in the "
		    "environment",
		    profile);
	memset(&src, 0, sizeof(src));
	rc = source_creds(x, profile, &src, &src_detail);
	if (rc < 0)
		return rc;
	name = session_name(pget(c, profile, "role_session_name"));
	params = json_pack("{s:s, s:s}", "RoleArn", arn, "RoleSessionName", name);
	if (ext)
		json_object_set_new(params, "ExternalId", json_string(ext));
	if (dur) {
		char *end;
		long d = strtol(dur, &end, 10);
		if (*end || d <= 0) {
			json_decref(params);
			free(name);
			free(src_detail);
			cairn_creds_dispose(&src);
			return cairn_error_setc(
			    CAIRN_EINVALID,
			    "profile '%s': duration_seconds '%s' is not a number of seconds",
			    profile, dur);
		}
		json_object_set_new(params, "DurationSeconds", json_integer(d));
	}
	what = cairn_xasprintf("assuming role %s (profile '%s')", arn, profile);
	rc = sts_creds(c, "AssumeRole", params, &src, out, what);
	free(what);
	json_decref(params);
	free(name);
	cairn_creds_dispose(&src);
	if (rc < 0) {
		free(src_detail);
		return rc;
	}
	*detail =
	    cairn_xasprintf("role %s of profile '%s', assumed with %s", arn, profile, src_detail);
	free(src_detail);
	return 1;
}

/* ---- the chain ---------------------------------------------------------- */

static int resolve(cairn_credchain *c, cairn_creds *out, char **detail, srckind *which,
                   cairn_buf *tried)
{
	ctx x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.tried = tried;
	x.visited[x.nvisited++] = c->profile;
	*which = SRC_NONE;
	if (!c->o.explicit_profile) {
		if ((rc = from_env(&x, out, detail)) != 0) {
			*which = SRC_ENV;
			return rc;
		}
	} else {
		note(&x, "env: skipped because --profile %s was given", c->profile);
	}
	if (has_role_config(c, c->profile)) {
		*which = SRC_ASSUME;
		return assume_role(&x, c->profile, out, detail);
	}
	note(&x,
	     "assume-role: profile '%s' has no role_arn with source_profile or credential_source",
	     c->profile);
	if ((rc = profile_chain(&x, c->profile, !c->o.explicit_profile, out, detail, which)) != 0)
		return rc;
	if ((rc = from_container(&x, out, detail)) != 0) {
		*which = SRC_CONTAINER;
		return rc;
	}
	if ((rc = from_imds(&x, out, detail)) != 0) {
		*which = SRC_IMDS;
		return rc;
	}
	return 0;
}

/* Asks the source that answered before (a refresh). */
static int refetch(cairn_credchain *c, cairn_creds *out, char **detail)
{
	srckind which;
	return resolve(c, out, detail, &which, NULL) > 0 && which == c->source ? 1 : -1;
}

int cairn_credchain_new(cairn_credchain **out, const cairn_credchain_options *opts)
{
	cairn_credchain *c = cairn_xcalloc(1, sizeof(*c));
	c->o = *opts;
	c->profile = cairn_xstrdup(opts->profile ? opts->profile : "default");
	c->o.profile = c->profile;
	*out = c;
	return 0;
}

void cairn_credchain_free(cairn_credchain *c)
{
	if (!c)
		return;
	cairn_creds_dispose(&c->cur);
	free(c->profile);
	free(c->detail);
	free(c->failure);
	free(c);
}

int cairn_credchain_get(cairn_credchain *c, const cairn_creds **out)
{
	*out = NULL;
	if (c->failed)
		return cairn_error_setc(CAIRN_EINVALID, "%s", c->failure);
	if (!c->have) {
		cairn_buf tried = CAIRN_BUF_INIT;
		cairn_creds got;
		char *detail = NULL;
		srckind which;
		int rc;
		memset(&got, 0, sizeof(got));
		rc = resolve(c, &got, &detail, &which, &tried);
		c->fetches++;
		if (rc <= 0) {
			if (rc == 0)
				cairn_error_setc(
				    CAIRN_EINVALID,
				    "no AWS credentials found (profile '%s'); tried, in order:%s\n"
				    "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure "
				    "a profile "
				    "(aws configure), or run where a role is available.",
				    c->profile, cairn_buf_cstr(&tried));
			c->failed = 1;
			c->failure = cairn_xstrdup(cairn_error_last());
			cairn_buf_dispose(&tried);
			free(detail);
			return CAIRN_EINVALID;
		}
		cairn_buf_dispose(&tried);
		c->cur = got;
		c->have = 1;
		c->source = which;
		c->detail = detail;
		cairn_log(CAIRN_LOG_DEBUG, "aws: credentials from %s: %s", method_names[which],
		          detail);
	} else if (c->cur.expiration > 0 && now(c) >= c->cur.expiration - ADVISORY_REFRESH) {
		cairn_creds got;
		char *detail = NULL;
		memset(&got, 0, sizeof(got));
		c->fetches++;
		if (refetch(c, &got, &detail) > 0) {
			cairn_creds_dispose(&c->cur);
			c->cur = got;
			free(c->detail);
			c->detail = detail;
			cairn_log(CAIRN_LOG_DEBUG, "aws: credentials refreshed from %s",
			          method_names[c->source]);
		} else {
			char *why = cairn_xstrdup(cairn_error_last());
			cairn_creds_dispose(&got);
			free(detail);
			if (now(c) >= c->cur.expiration - MANDATORY_REFRESH) {
				int rc = cairn_error_setc(
				    CAIRN_EINVALID,
				    "the credentials from %s expire and could not be refreshed: %s",
				    method_names[c->source], why);
				free(why);
				return rc;
			}
			cairn_log(
			    CAIRN_LOG_WARN,
			    "aws: could not refresh credentials yet (%s); using the current ones",
			    why);
			free(why);
		}
	}
	*out = &c->cur;
	return 0;
}

const char *cairn_credchain_method(const cairn_credchain *c)
{
	return c->have ? method_names[c->source] : NULL;
}

const char *cairn_credchain_detail(const cairn_credchain *c)
{
	return c->have ? c->detail : NULL;
}

int cairn_credchain_fetches(const cairn_credchain *c)
{
	return c->fetches;
}
