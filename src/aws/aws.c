/*
 * aws.c: the AWS client (see include/cairn/aws.h): configuration, the
 * request pipeline and the retry loop, over the curl multi scheduler.
 *
 * The pipeline of one operation:
 *   submit: look up the service model (loaded once per client) and the
 *     operation, validate the parameters, serialise them with the
 *     service's protocol, point the request at the service's endpoint
 *     (and an S3 bucket into the host name when virtual-hosted style
 *     applies). The operation is queued as due now.
 *   attempt: take the current credentials (the chain resolves or
 *     refreshes them), copy the request, sign it, start the transfer.
 *   response: decode it; on an error decide with the standard retry
 *     mode whether and when to try again (the operation waits in the
 *     queue until then), otherwise the operation is finished.
 *   poll: drive the transfers, start attempts that are due, then run the
 *     completion functions of finished operations, outside any curl
 *     callback.
 *
 * Every attempt logs one debug line: service.operation, HTTP status or
 * transport error, attempt n/max, latency, and the retry decision. No
 * header, body, key or token is ever logged. Error messages name the
 * operation, the service, the AWS error code and the request id.
 *
 * Ownership: the client owns its models, endpoints, credential chain,
 * HTTP scheduler and every queued operation; completion functions
 * receive results and errors they must release.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/config.h"
#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/http.h"
#include "aws/model.h"
#include "aws/proto.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "cairn/aws.h"
#include "cairn/log.h"

typedef struct svc {
	cairn_model *m;    /* the service model */
	cairn_endpoint ep; /* its endpoint */
} svc;

typedef enum opstate { OP_WAITING, OP_INFLIGHT, OP_FINISHED } opstate;

typedef struct op {
	cairn_aws *aws;         /* the client */
	svc *s;                 /* the service */
	const json_t *def;      /* the operation in the model */
	char *operation;        /* its name */
	cairn_awsreq base;      /* the serialised, unsigned request */
	cairn_awsreq sent;      /* the signed copy of the attempt in flight */
	opstate state;          /* where it is */
	int attempt;            /* attempts started */
	int last_cost;          /* tokens the last retry took */
	double due;             /* when the next attempt may start (cairn_now) */
	json_t *result;         /* on success */
	cairn_aws_error *err;   /* on failure */
	cairn_aws_done_fn done; /* completion */
	void *ud;               /* its argument */
	int cancelled;          /* dropped by cairn_aws_cancel: no completion */
	struct op *next, *prev; /* the client's list of operations */
} op;

struct cairn_aws {
	char *region;           /* resolved region */
	const char *partition;  /* "aws", ... (static) */
	const char *url_suffix; /* "amazonaws.com", ... (static) */
	char *profile;          /* profile in use */
	int explicit_profile;   /* --profile given */
	double timeout;         /* per attempt, seconds */
	char *s3_style;         /* "auto", "path", "virtual" */
	json_t *cfg;            /* the shared config files */
	svc **svcs;             /* loaded services */
	size_t nsvcs;           /* how many */
	cairn_http *http;       /* the transfers */
	cairn_credchain *creds; /* the credential chain */
	cairn_retry retry;      /* retry settings and token bucket */
	op *ops;                /* every live operation (head) */
	op *tail;               /* and the tail, so completions run in order */
	int npending;           /* live operations not cancelled */
	char *account_id;       /* cached GetCallerIdentity */
	char *ca_bundle;        /* AWS_CA_BUNDLE / profile ca_bundle, or NULL */
};

/* ---- errors ------------------------------------------------------------ */

void cairn_aws_error_free(cairn_aws_error *e)
{
	if (!e)
		return;
	free(e->service);
	free(e->operation);
	free(e->code);
	free(e->message);
	free(e->request_id);
	free(e->endpoint);
	free(e);
}

char *cairn_aws_error_format(const cairn_aws_error *e)
{
	cairn_buf b = CAIRN_BUF_INIT;
	int bracket = 0;

	cairn_buf_printf(&b, "%s (%s): %s", e->operation ? e->operation : "?",
	                 e->service ? e->service : "?", e->code ? e->code : "Error");
	if (e->message && *e->message)
		cairn_buf_printf(&b, ": %s", e->message);
	if (e->status) {
		cairn_buf_printf(&b, " [HTTP %ld", e->status);
		bracket = 1;
	}
	if (e->request_id) {
		cairn_buf_printf(&b, "%srequest %s", bracket ? ", " : " [", e->request_id);
		bracket = 1;
	}
	if (e->attempts > 1) {
		cairn_buf_printf(&b, "%safter %d attempts", bracket ? ", " : " [", e->attempts);
		bracket = 1;
	}
	if (bracket)
		cairn_buf_putc(&b, ']');
	if (e->code && strcmp(e->code, "SignatureDoesNotMatch") == 0)
		cairn_buf_puts(&b, " (check the secret access key of the credentials in use: "
		                   "'cairn whoami' shows their source)");
	else if (e->code && (strcmp(e->code, "ExpiredToken") == 0 ||
	                     strcmp(e->code, "ExpiredTokenException") == 0))
		cairn_buf_puts(&b, " (the session token has expired: refresh the credentials)");
	else if (e->code && (strcmp(e->code, "InvalidClientTokenId") == 0 ||
	                     strcmp(e->code, "UnrecognizedClientException") == 0))
		cairn_buf_puts(&b, " (the access key id is not known to AWS: check the credentials "
		                   "in use with 'cairn whoami')");
	return cairn_buf_detach(&b);
}

static cairn_aws_error *new_error(const op *o, const char *code, const char *message, long status,
                                  const char *request_id)
{
	cairn_aws_error *e = cairn_xcalloc(1, sizeof(*e));
	e->service = cairn_xstrdup(o->s->m->name);
	e->operation = cairn_xstrdup(o->operation);
	e->code = code ? cairn_xstrdup(code) : NULL;
	e->message = message ? cairn_xstrdup(message) : NULL;
	e->request_id = request_id ? cairn_xstrdup(request_id) : NULL;
	e->status = status;
	e->attempts = o->attempt;
	return e;
}

/* ---- configuration ----------------------------------------------------- */

static const char *getenv_nz(const char *k)
{
	const char *v = getenv(k);
	return v && *v ? v : NULL;
}

static int valid_region(const char *r)
{
	if (!*r || strlen(r) > 64)
		return 0;
	for (; *r; r++)
		if (!(islower((unsigned char)*r) || isdigit((unsigned char)*r) || *r == '-'))
			return 0;
	return 1;
}

static int sts_for_creds(void *ud, const char *operation, const json_t *params,
                         const cairn_creds *creds, json_t **out);

int cairn_aws_new(cairn_aws **out, const cairn_aws_options *opts)
{
	cairn_aws *a = cairn_xcalloc(1, sizeof(*a));
	cairn_aws_options none;
	const char *v, *pname;
	int rc, max_attempts;
	cairn_credchain_options co;

	*out = NULL;
	if (!opts) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	rc = cairn_awscfg_load(NULL, NULL, &a->cfg);
	if (rc < 0)
		goto fail;

	pname = opts->profile && *opts->profile ? opts->profile : NULL;
	a->explicit_profile = pname != NULL;
	if (!pname)
		pname = getenv_nz("AWS_PROFILE");
	if (!pname)
		pname = getenv_nz("AWS_DEFAULT_PROFILE");
	if (!pname)
		pname = "default";
	a->profile = cairn_xstrdup(pname);
	if (strcmp(pname, "default") != 0 && !cairn_awscfg_profile(a->cfg, pname)) {
		rc = cairn_error_setc(
		    CAIRN_EINVALID, "AWS profile '%s' (from %s) is not in %s or %s", pname,
		    a->explicit_profile ? "--profile" : "AWS_PROFILE",
		    json_string_value(json_object_get(a->cfg, "config_path")),
		    json_string_value(json_object_get(a->cfg, "credentials_path")));
		goto fail;
	}

	v = opts->region && *opts->region ? opts->region : getenv_nz("AWS_REGION");
	if (!v)
		v = getenv_nz("AWS_DEFAULT_REGION");
	if (!v)
		v = cairn_awscfg_get(a->cfg, a->profile, "region");
	if (!v || !*v) {
		rc = cairn_error_setc(CAIRN_EINVALID,
		                      "no AWS region: pass --region, set AWS_REGION, or set "
		                      "'region' in profile '%s' of %s",
		                      a->profile,
		                      json_string_value(json_object_get(a->cfg, "config_path")));
		goto fail;
	}
	if (!valid_region(v)) {
		rc = cairn_error_setc(CAIRN_EINVALID,
		                      "'%s' is not an AWS region name (e.g. us-east-1)", v);
		goto fail;
	}
	a->region = cairn_xstrdup(v);
	a->partition = cairn_region_partition(a->region, &a->url_suffix);

	max_attempts = opts->max_attempts;
	if (max_attempts <= 0) {
		const char *src = "AWS_MAX_ATTEMPTS";
		v = getenv_nz("AWS_MAX_ATTEMPTS");
		if (!v) {
			v = cairn_awscfg_get(a->cfg, a->profile, "max_attempts");
			src = "max_attempts in the profile";
		}
		if (v) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 100) {
				rc = cairn_error_setc(
				    CAIRN_EINVALID,
				    "%s = '%s': expected a whole number from 1 to 100", src, v);
				goto fail;
			}
			max_attempts = (int)n;
		} else {
			max_attempts = 3;
		}
	}
	v = getenv_nz("AWS_RETRY_MODE");
	if (!v)
		v = cairn_awscfg_get(a->cfg, a->profile, "retry_mode");
	if (v && strcmp(v, "standard") != 0)
		cairn_log(CAIRN_LOG_DEBUG,
		          "aws: retry_mode '%s' requested; cairn always uses standard mode", v);
	cairn_retry_init(&a->retry, max_attempts);
	a->timeout = opts->timeout > 0 ? opts->timeout : 60.0;
	v = getenv_nz("CAIRN_AWS_TIMEOUT");
	if (opts->timeout <= 0 && v) {
		char *end;
		double t = strtod(v, &end);
		if (*end || !(t > 0) || t > 3600) {
			rc = cairn_error_setc(
			    CAIRN_EINVALID,
			    "CAIRN_AWS_TIMEOUT = '%s': expected seconds (0 < t <= 3600)", v);
			goto fail;
		}
		a->timeout = t;
	}
	{
		const json_t *s3 = json_object_get(cairn_awscfg_profile(a->cfg, a->profile), "s3");
		const char *style = json_string_value(json_object_get(s3, "addressing_style"));
		a->s3_style = cairn_xstrdup(style ? style : "auto");
	}
	cairn_http_new(&a->http);
	v = getenv_nz("AWS_CA_BUNDLE");
	if (!v)
		v = cairn_awscfg_get(a->cfg, a->profile, "ca_bundle");
	if (v && *v) {
		char *path = cairn_expand_home(v);
		FILE *f = fopen(path, "r");
		if (!f) {
			rc = cairn_error_setc(CAIRN_EINVALID,
			                      "CA bundle %s (AWS_CA_BUNDLE or the profile's "
			                      "ca_bundle) cannot be read",
			                      path);
			free(path);
			goto fail;
		}
		fclose(f);
		a->ca_bundle = path;
		cairn_http_set_ca_bundle(a->http, path);
	}
	memset(&co, 0, sizeof(co));
	co.cfg = a->cfg;
	co.profile = a->profile;
	co.explicit_profile = a->explicit_profile;
	co.sts = sts_for_creds;
	co.sts_ud = a;
	cairn_credchain_new(&a->creds, &co);
	if (opts->require_credentials) {
		const cairn_creds *c;
		rc = cairn_credchain_get(a->creds, &c);
		if (rc < 0)
			goto fail;
	}
	*out = a;
	return 0;
fail:
	cairn_aws_free(a);
	return rc;
}

static void op_free(op *o)
{
	cairn_awsreq_dispose(&o->base);
	cairn_awsreq_dispose(&o->sent);
	json_decref(o->result);
	cairn_aws_error_free(o->err);
	free(o->operation);
	free(o);
}

void cairn_aws_free(cairn_aws *a)
{
	size_t i;
	op *o, *n;
	if (!a)
		return;
	cairn_http_free(a->http);
	for (o = a->ops; o; o = n) {
		n = o->next;
		op_free(o);
	}
	for (i = 0; i < a->nsvcs; i++) {
		cairn_model_free(a->svcs[i]->m);
		cairn_endpoint_dispose(&a->svcs[i]->ep);
		free(a->svcs[i]);
	}
	free(a->svcs);
	cairn_credchain_free(a->creds);
	json_decref(a->cfg);
	free(a->region);
	free(a->profile);
	free(a->s3_style);
	free(a->account_id);
	free(a->ca_bundle);
	free(a);
}

const char *cairn_aws_region(const cairn_aws *a)
{
	return a->region;
}

const char *cairn_aws_partition(const cairn_aws *a)
{
	return a->partition;
}

const char *cairn_aws_url_suffix(const cairn_aws *a)
{
	return a->url_suffix;
}

const char *cairn_aws_profile(const cairn_aws *a)
{
	return a->profile;
}

static int get_svc(cairn_aws *a, const char *name, svc **out)
{
	size_t i;
	svc *s;
	int rc;
	for (i = 0; i < a->nsvcs; i++)
		if (strcmp(a->svcs[i]->m->name, name) == 0) {
			*out = a->svcs[i];
			return 0;
		}
	s = cairn_xcalloc(1, sizeof(*s));
	rc = cairn_model_load(name, &s->m);
	if (rc < 0) {
		free(s);
		return rc;
	}
	rc = cairn_endpoint_resolve(s->m, a->region, a->cfg, a->profile, &s->ep);
	if (rc < 0) {
		cairn_model_free(s->m);
		free(s);
		return rc;
	}
	cairn_log(CAIRN_LOG_DEBUG, "aws: %s endpoint %s://%s%s (%s)", name, s->ep.scheme,
	          s->ep.host, s->ep.base_path, s->ep.source);
	a->svcs = cairn_xrealloc(a->svcs, (a->nsvcs + 1) * sizeof(*a->svcs));
	a->svcs[a->nsvcs++] = s;
	*out = s;
	return 0;
}

/* ---- building a request ---------------------------------------------- */

static void place(cairn_aws *a, svc *s, const json_t *params, cairn_awsreq *req)
{
	req->scheme = cairn_xstrdup(s->ep.scheme);
	req->host = cairn_xstrdup(s->ep.host);
	req->base_path = cairn_xstrdup(s->ep.base_path);
	if (s->m->protocol == CAIRN_PROTO_REST_XML && strcmp(s->m->name, "s3") == 0) {
		const char *bucket = json_string_value(json_object_get(params, "Bucket"));
		int virt;
		if (!bucket)
			return;
		if (strcmp(a->s3_style, "path") == 0)
			virt = 0;
		else if (strcmp(a->s3_style, "virtual") == 0)
			virt = 1;
		else
			virt = !s->ep.custom && cairn_s3_bucket_dns_ok(bucket);
		if (virt) {
			size_t bl = strlen(bucket);
			if (strncmp(req->path, "/", 1) == 0 &&
			    strncmp(req->path + 1, bucket, bl) == 0 &&
			    (req->path[1 + bl] == '/' || req->path[1 + bl] == '\0')) {
				char *host = cairn_xasprintf("%s.%s", bucket, req->host);
				char *path =
				    cairn_xstrdup(req->path[1 + bl] ? req->path + 1 + bl : "/");
				free(req->host);
				free(req->path);
				req->host = host;
				req->path = path;
			}
		}
	}
}

static int build(cairn_aws *a, const char *service, const char *operation, const json_t *params,
                 svc **s_out, const json_t **def_out, cairn_awsreq *req)
{
	svc *s;
	const json_t *def;
	int rc = get_svc(a, service, &s);
	if (rc < 0)
		return rc;
	def = cairn_model_op(s->m, operation);
	if (!def)
		return cairn_error_setc(CAIRN_ENOTFOUND,
		                        "%s has no operation '%s' compiled in (add \"%s %s\" to "
		                        "data/models/operations.txt "
		                        "and run tools/gen-models.py if AWS has it)",
		                        service, operation, service, operation);
	rc = cairn_proto_validate(s->m, def, params);
	if (rc < 0) {
		char *m = cairn_xstrdup(cairn_error_last());
		rc = cairn_error_setc(CAIRN_EINVALID, "%s (%s): invalid parameters: %s", operation,
		                      service, m);
		free(m);
		return rc;
	}
	cairn_awsreq_init(req);
	rc = cairn_proto_build(s->m, operation, def, params, req);
	if (rc < 0) {
		char *m = cairn_xstrdup(cairn_error_last());
		cairn_awsreq_dispose(req);
		rc = cairn_error_setc(CAIRN_EINVALID, "%s (%s): invalid parameters: %s", operation,
		                      service, m);
		free(m);
		return rc;
	}
	place(a, s, params, req);
	*s_out = s;
	*def_out = def;
	return 0;
}

static void sign(const svc *s, cairn_awsreq *req, const cairn_creds *c)
{
	cairn_sigv4_params p;
	int s3 = strcmp(s->m->name, "s3") == 0;
	memset(&p, 0, sizeof(p));
	p.access_key_id = c->access_key_id;
	p.secret_access_key = c->secret_access_key;
	p.session_token = c->session_token;
	p.region = s->ep.signing_region;
	p.service = s->m->signing_name;
	p.when = time(NULL);
	p.s3 = s3;
	p.content_sha256_header = s3;
	cairn_sigv4_sign(req, &p, NULL);
}

/* ---- the operation queue ------------------------------------------------ */

static void link_op(cairn_aws *a, op *o)
{
	o->prev = a->tail;
	o->next = NULL;
	if (a->tail)
		a->tail->next = o;
	else
		a->ops = o;
	a->tail = o;
	a->npending++;
}

static void unlink_op(cairn_aws *a, op *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		a->ops = o->next;
	if (o->next)
		o->next->prev = o->prev;
	else
		a->tail = o->prev;
	if (!o->cancelled)
		a->npending--;
}

static void finish_op(op *o, json_t *result, cairn_aws_error *err)
{
	o->state = OP_FINISHED;
	o->result = result;
	o->err = err;
}

static void on_http(void *ud, cairn_http_resp *resp);

static const char *transport_code(cairn_http_err e)
{
	switch (e) {
	case CAIRN_HTTP_ETIMEOUT:
		return "Timeout";
	case CAIRN_HTTP_ETLS:
		return "TLSError";
	case CAIRN_HTTP_EOTHER:
		return "TransportError";
	default:
		return "ConnectionError";
	}
}

static void start_attempt(cairn_aws *a, op *o)
{
	const cairn_creds *c;
	int rc;

	o->attempt++;
	rc = cairn_credchain_get(a->creds, &c);
	if (rc < 0) {
		finish_op(o, NULL, new_error(o, "NoCredentials", cairn_error_last(), 0, NULL));
		return;
	}
	cairn_awsreq_dispose(&o->sent);
	cairn_awsreq_copy(&o->sent, &o->base);
	sign(o->s, &o->sent, c);
	rc = cairn_http_start(a->http, &o->sent, a->timeout, on_http, o);
	if (rc < 0) {
		finish_op(o, NULL, new_error(o, "InvalidEndpoint", cairn_error_last(), 0, NULL));
		return;
	}
	o->state = OP_INFLIGHT;
}

static void start_due(cairn_aws *a)
{
	op *o;
	double t = -1;
	for (o = a->ops; o; o = o->next) {
		if (o->state != OP_WAITING || o->cancelled)
			continue;
		if (t < 0)
			t = cairn_now();
		if (o->due <= t)
			start_attempt(a, o);
	}
}

/* 0 none, 1 transient, 2 throttle: is code a retryable error of the op? */
static int modeled_retry(const op *o, const char *code)
{
	const json_t *errs = json_object_get(o->def, "errors");
	size_t i;
	if (!code)
		return 0;
	for (i = 0; i < json_array_size(errs); i++) {
		cairn_shref es;
		const char *name;
		const json_t *rt;
		if (cairn_model_ref(o->s->m, json_array_get(errs, i), &es) < 0)
			continue;
		name =
		    json_string_value(json_object_get(json_object_get(es.shape, "error"), "code"));
		if (!name)
			name = es.name;
		rt = json_object_get(es.shape, "retryable");
		if (rt && strcmp(name, code) == 0)
			return json_is_true(json_object_get(rt, "throttling")) ? 2 : 1;
	}
	return 0;
}

static double retry_after(const cairn_kvlist *h)
{
	const char *v = cairn_kvlist_get(h, "x-amz-retry-after", 1);
	char *end;
	if (v) {
		double ms = strtod(v, &end);
		if (end != v && *end == '\0' && ms >= 0)
			return ms / 1000.0;
	}
	v = cairn_kvlist_get(h, "Retry-After", 1);
	if (v) {
		double s = strtod(v, &end);
		if (end != v && *end == '\0' && s >= 0)
			return s;
	}
	return -1;
}

static void on_http(void *ud, cairn_http_resp *resp)
{
	op *o = ud;
	cairn_aws *a = o->aws;
	json_t *result = NULL;
	cairn_proto_err perr;
	const char *code = NULL;
	char *message = NULL;
	long status = 0;
	int transport = 0, rc;
	cairn_retry_kind kind;
	double delay = 0;
	int cost = 0;
	const char *why = NULL;

	memset(&perr, 0, sizeof(perr));
	if (o->cancelled) {
		cairn_http_resp_dispose(resp);
		free(resp);
		unlink_op(a, o);
		op_free(o);
		return;
	}
	if (resp->error != CAIRN_HTTP_OK) {
		transport = resp->error != CAIRN_HTTP_ETLS && resp->error != CAIRN_HTTP_EOTHER;
		code = transport_code(resp->error);
		message = cairn_xasprintf(
		    "%s %s://%s (%s)",
		    resp->error == CAIRN_HTTP_ETIMEOUT   ? "no answer in time from"
		    : resp->error == CAIRN_HTTP_ECONNECT ? "could not connect to"
		    : resp->error == CAIRN_HTTP_EIO      ? "connection lost to"
		                                         : "request failed to",
		    o->sent.scheme, o->sent.host,
		    resp->error_text ? resp->error_text : cairn_http_err_name(resp->error));
	} else {
		cairn_proto_resp pr;
		status = resp->status;
		pr.status = resp->status;
		pr.flags = o->base.flags;
		pr.headers = &resp->headers;
		pr.body = cairn_buf_cstr(&resp->body);
		pr.len = resp->body.len;
		rc = cairn_proto_parse(o->s->m, o->def, &pr, &result, &perr);
		if (rc == CAIRN_PROTO_ERROR) {
			code = perr.code;
			message = perr.message ? cairn_xstrdup(perr.message) : NULL;
		} else if (rc < 0) {
			code = "ResponseParserError";
			message = cairn_xasprintf("cannot decode the HTTP %ld response: %s", status,
			                          cairn_error_last());
		}
	}

	if (!code) {
		/* success */
		json_t *md = json_object_get(result, "ResponseMetadata");
		if (md)
			json_object_set_new(md, "RetryAttempts", json_integer(o->attempt - 1));
		cairn_retry_success(&a->retry, o->last_cost);
		cairn_log(CAIRN_LOG_DEBUG, "aws: %s.%s HTTP %ld attempt %d/%d %.1f ms",
		          o->s->m->name, o->operation, status, o->attempt, a->retry.max_attempts,
		          resp->elapsed * 1000.0);
		finish_op(o, result, NULL);
		goto out;
	}

	kind = cairn_retry_classify(transport, status, code, o->s->m->name, modeled_retry(o, code));
	if (cairn_retry_decide(&a->retry, o->attempt, kind,
	                       resp->error == CAIRN_HTTP_OK ? retry_after(&resp->headers) : -1,
	                       &delay, &cost, &why)) {
		cairn_log(CAIRN_LOG_DEBUG,
		          "aws: %s.%s %s%ld attempt %d/%d %.1f ms: %s, retrying in %.2f s",
		          o->s->m->name, o->operation, status ? "HTTP " : "", status ? status : 0L,
		          o->attempt, a->retry.max_attempts, resp->elapsed * 1000.0, code, delay);
		o->last_cost = cost;
		o->due = cairn_now() + delay;
		o->state = OP_WAITING;
		json_decref(result);
		goto out;
	}
	cairn_log(CAIRN_LOG_DEBUG, "aws: %s.%s %s%ld attempt %d/%d %.1f ms: %s (%s)", o->s->m->name,
	          o->operation, status ? "HTTP " : "", status ? status : 0L, o->attempt,
	          a->retry.max_attempts, resp->elapsed * 1000.0, code, why);
	{
		cairn_aws_error *e = new_error(o, code, message, status, perr.request_id);
		if (transport || resp->error != CAIRN_HTTP_OK)
			e->endpoint = cairn_xasprintf("%s://%s", o->sent.scheme, o->sent.host);
		finish_op(o, NULL, e);
	}
	json_decref(result);
out:
	free(message);
	cairn_proto_err_dispose(&perr);
	cairn_http_resp_dispose(resp);
	free(resp);
}

int cairn_aws_submit(cairn_aws *a, const char *service, const char *operation, const json_t *params,
                     cairn_aws_done_fn done, void *ud)
{
	op *o;
	svc *s;
	const json_t *def;
	cairn_awsreq req;
	int rc = build(a, service, operation, params, &s, &def, &req);
	if (rc < 0)
		return rc;
	o = cairn_xcalloc(1, sizeof(*o));
	o->aws = a;
	o->s = s;
	o->def = def;
	o->operation = cairn_xstrdup(operation);
	o->base = req;
	o->done = done;
	o->ud = ud;
	o->state = OP_WAITING;
	o->due = 0;
	link_op(a, o);
	start_attempt(a, o);
	return 0;
}

/* Runs completion functions of finished operations (in submission order). */
static int deliver(cairn_aws *a)
{
	op *o = a->ops, *n;
	int ran = 0;
	while (o) {
		n = o->next;
		if (o->state == OP_FINISHED && !o->cancelled) {
			json_t *res = o->result;
			cairn_aws_error *err = o->err;
			cairn_aws_done_fn fn = o->done;
			void *ud = o->ud;
			o->result = NULL;
			o->err = NULL;
			unlink_op(a, o);
			op_free(o);
			fn(ud, res, err);
			ran++;
			/* the callback may have submitted or cancelled others:
			 * start over from the head */
			o = a->ops;
			continue;
		} else if (o->state != OP_INFLIGHT && o->cancelled) {
			unlink_op(a, o);
			op_free(o);
		}
		o = n;
	}
	return ran;
}

static int next_wait_ms(cairn_aws *a, int timeout_ms)
{
	op *o;
	double t = cairn_now(), soonest = -1;
	for (o = a->ops; o; o = o->next) {
		if (o->cancelled)
			continue;
		if (o->state == OP_FINISHED)
			return 0;
		if (o->state == OP_WAITING && (soonest < 0 || o->due < soonest))
			soonest = o->due;
	}
	if (soonest >= 0) {
		double ms = (soonest - t) * 1000.0;
		if (ms <= 0)
			return 0;
		if (ms < timeout_ms)
			return (int)ceil(ms);
	}
	return timeout_ms;
}

int cairn_aws_poll(cairn_aws *a, int timeout_ms)
{
	start_due(a);
	cairn_http_poll(a->http, next_wait_ms(a, timeout_ms < 0 ? 0 : timeout_ms));
	start_due(a);
	deliver(a);
	return a->npending;
}

int cairn_aws_pending(const cairn_aws *a)
{
	return a->npending;
}

void cairn_aws_cancel(cairn_aws *a, void *ud)
{
	op *o, *n;
	for (o = a->ops; o; o = n) {
		n = o->next;
		if (o->ud != ud || o->cancelled)
			continue;
		o->cancelled = 1;
		a->npending--;
		if (o->state != OP_INFLIGHT) {
			o->cancelled = 1;
			if (o->prev)
				o->prev->next = o->next;
			else
				a->ops = o->next;
			if (o->next)
				o->next->prev = o->prev;
			else
				a->tail = o->prev;
			op_free(o);
		}
	}
}

/* ---- synchronous calls --------------------------------------------------- */

typedef struct sync_slot {
	int done;             /* completed */
	json_t *result;       /* on success */
	cairn_aws_error *err; /* on failure */
} sync_slot;

static void sync_done(void *ud, json_t *result, cairn_aws_error *err)
{
	sync_slot *s = ud;
	s->done = 1;
	s->result = result;
	s->err = err;
}

int cairn_aws_call(cairn_aws *a, const char *service, const char *operation, const json_t *params,
                   json_t **out, cairn_aws_error **err)
{
	sync_slot s;
	int rc;

	memset(&s, 0, sizeof(s));
	*out = NULL;
	if (err)
		*err = NULL;
	rc = cairn_aws_submit(a, service, operation, params, sync_done, &s);
	if (rc < 0)
		return rc;
	while (!s.done)
		cairn_aws_poll(a, 1000);
	if (s.err) {
		char *m = cairn_aws_error_format(s.err);
		cairn_error_setc(CAIRN_EAWS, "%s", m);
		free(m);
		if (err)
			*err = s.err;
		else
			cairn_aws_error_free(s.err);
		return CAIRN_EAWS;
	}
	*out = s.result;
	return 0;
}

int cairn_aws_account_id(cairn_aws *a, const char **out)
{
	json_t *r;
	int rc;
	*out = NULL;
	if (!a->account_id) {
		rc = cairn_aws_call(a, "sts", "GetCallerIdentity", NULL, &r, NULL);
		if (rc < 0)
			return rc;
		if (!json_string_value(json_object_get(r, "Account"))) {
			json_decref(r);
			return cairn_error_setc(CAIRN_EAWS,
			                        "GetCallerIdentity (sts) returned no account id");
		}
		a->account_id = cairn_xstrdup(json_string_value(json_object_get(r, "Account")));
		json_decref(r);
	}
	*out = a->account_id;
	return 0;
}

int cairn_aws_credentials_source(cairn_aws *a, const char **method, const char **detail)
{
	const cairn_creds *c;
	int rc = cairn_credchain_get(a->creds, &c);
	if (rc < 0)
		return rc;
	if (method)
		*method = cairn_credchain_method(a->creds);
	if (detail)
		*detail = cairn_credchain_detail(a->creds);
	return 0;
}

int cairn_aws_credential_fetches(const cairn_aws *a)
{
	return cairn_credchain_fetches(a->creds);
}

/* STS for the credential chain: a blocking call with explicit (or no)
 * credentials, retried like any other call but outside the queue. */
static int sts_for_creds(void *ud, const char *operation, const json_t *params,
                         const cairn_creds *creds, json_t **out)
{
	cairn_aws *a = ud;
	svc *s;
	const json_t *def;
	cairn_awsreq req;
	int attempt, rc;
	char *failure = NULL;

	*out = NULL;
	rc = build(a, "sts", operation, params, &s, &def, &req);
	if (rc < 0)
		return rc;
	for (attempt = 1;; attempt++) {
		cairn_awsreq sent;
		cairn_http_resp resp;
		cairn_retry_kind kind;
		cairn_proto_err perr;
		json_t *res = NULL;
		double delay;
		int cost;
		const char *why;

		cairn_awsreq_copy(&sent, &req);
		if (creds)
			sign(s, &sent, creds);
		cairn_http_perform(&sent, a->timeout, 0, a->ca_bundle, &resp);
		memset(&perr, 0, sizeof(perr));
		free(failure);
		failure = NULL;
		if (resp.error != CAIRN_HTTP_OK) {
			failure = cairn_xasprintf(
			    "%s (sts): %s: %s://%s: %s", operation, transport_code(resp.error),
			    sent.scheme, sent.host, resp.error_text ? resp.error_text : "");
			kind = resp.error == CAIRN_HTTP_ETLS || resp.error == CAIRN_HTTP_EOTHER
			           ? CAIRN_RETRY_NONE
			           : CAIRN_RETRY_CONNECTION;
		} else {
			cairn_proto_resp pr;
			pr.status = resp.status;
			pr.flags = req.flags;
			pr.headers = &resp.headers;
			pr.body = cairn_buf_cstr(&resp.body);
			pr.len = resp.body.len;
			rc = cairn_proto_parse(s->m, def, &pr, &res, &perr);
			if (rc == CAIRN_PROTO_RESULT) {
				cairn_log(
				    CAIRN_LOG_DEBUG,
				    "aws: sts.%s HTTP %ld attempt %d/%d %.1f ms (credentials)",
				    operation, resp.status, attempt, a->retry.max_attempts,
				    resp.elapsed * 1000.0);
				if (resp.body.ptr)
					memset(resp.body.ptr, 0, resp.body.len);
				cairn_http_resp_dispose(&resp);
				cairn_awsreq_dispose(&sent);
				cairn_awsreq_dispose(&req);
				*out = res;
				return 0;
			}
			{
				cairn_aws_error e;
				memset(&e, 0, sizeof(e));
				e.service = "sts";
				e.operation = (char *)operation;
				e.code =
				    rc == CAIRN_PROTO_ERROR ? perr.code : "ResponseParserError";
				e.message = rc == CAIRN_PROTO_ERROR ? perr.message
				                                    : (char *)cairn_error_last();
				e.request_id = perr.request_id;
				e.status = resp.status;
				e.attempts = attempt;
				failure = cairn_aws_error_format(&e);
			}
			kind = cairn_retry_classify(0, resp.status, perr.code, "sts", 0);
		}
		cairn_log(CAIRN_LOG_DEBUG, "aws: sts.%s %s attempt %d/%d %.1f ms (credentials)",
		          operation,
		          resp.error == CAIRN_HTTP_OK ? "error" : transport_code(resp.error),
		          attempt, a->retry.max_attempts, resp.elapsed * 1000.0);
		cairn_proto_err_dispose(&perr);
		cairn_http_resp_dispose(&resp);
		cairn_awsreq_dispose(&sent);
		if (!cairn_retry_decide(&a->retry, attempt, kind, -1, &delay, &cost, &why))
			break;
		{
			struct timespec ts;
			ts.tv_sec = (time_t)delay;
			ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
	cairn_awsreq_dispose(&req);
	rc = cairn_error_setc(CAIRN_EAWS, "%s", failure ? failure : "STS call failed");
	free(failure);
	return rc;
}
