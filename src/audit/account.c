/*
 * account.c: the account-level facts of `cairn audit` (audit.h,
 * cairn_audit_account): what the live-only CIS AWS Foundations policies
 * read from the live document's "account_data" section
 * (docs/internals/policy-engine.md lists every field and its source).
 *
 * How it works: a collector holds a queue of AWS calls, each bound to a
 * region (the home region's client is the one given; the others are made
 * on first use) and to a completion that stores what came back under its
 * field of account_data. Completions may queue more calls: the next page
 * of a listing (NextToken, nextToken, Marker), the per-region reads once
 * DescribeRegions has answered, a trail's status and event selectors and
 * its bucket once DescribeTrails has listed it, and GetCredentialReport,
 * retried every second while IAM is still generating the report. At most
 * `parallelism` calls are in flight; the loop polls every client until the
 * queue is empty and nothing is in flight.
 *
 * Failure is per field: a field any of whose reads failed is removed at
 * the end (a policy must not judge a half-read field: an analyzer list
 * missing one region would fail that region) and the first failure is
 * recorded as a problem naming the operation, the region and the AWS
 * error. Buckets fail one by one. A missing password policy (IAM
 * NoSuchEntity) is not a failure: the field is null, as documented.
 *
 * Owns: the collector, its clients and queue, for the length of one call.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cairn/audit.h"
#include "cairn/log.h"

#define DEFAULT_PARALLELISM 32
#define DEFAULT_REPORT_WAIT 60

typedef struct collector collector;
typedef struct acall acall;

/* A completion: result is a new reference (or NULL), err owned by the
 * callee; both are released by the caller of the completion. */
typedef void (*acall_fn)(collector *c, acall *a, json_t *result, const cairn_aws_error *err);

/* One AWS call to make. */
struct acall {
	collector *c;        /* back pointer for the AWS completion */
	char *region;        /* where; NULL: the home region */
	const char *service; /* "iam" (static) */
	const char *op;      /* "ListAnalyzers" (static) */
	json_t *params;      /* owned */
	acall_fn done;       /* what to do with the answer */
	const char *field;   /* the account_data field it feeds (static) */
	char *key;           /* a region, bucket name or trail ARN the completion needs */
	json_t *target;      /* owned reference to where the answer goes (a trail's entry) */
	double not_before;   /* monotonic time before which it must not be sent */
	int tries;           /* how many times it was sent (credential report polling) */
	acall *next;         /* queue link */
};

typedef struct client {
	char *region;   /* its region */
	cairn_aws *aws; /* owned, except the home one */
} client;

struct collector {
	cairn_aws *home;                      /* the client given (borrowed) */
	const cairn_audit_account_options *o; /* the options */
	const char *partition;                /* "aws" */
	client *clients;                      /* per region, [0] the home one */
	size_t nclients;
	acall *head, *tail;    /* the queue */
	int inflight;          /* calls sent and not finished */
	int max;               /* inflight at most */
	json_t *data;          /* account_data being filled */
	json_t *failed;        /* field -> the first problem message */
	json_t *problems;      /* [{field, message}] */
	json_t *trails_seen;   /* TrailARN -> true */
	json_t *buckets_asked; /* bucket name -> true */
	json_t *recorders;     /* region -> {"list": [...], "status": [...]} */
	json_t *bucket_parts;  /* bucket -> {"Versioning", "Logging"} so far */
	int fatal;             /* a client could not be made */
};

/* ---- the queue ------------------------------------------------------- */

static acall *enqueue(collector *c, const char *region, const char *service, const char *op,
                      json_t *params, acall_fn done, const char *field, const char *key)
{
	acall *a = cairn_xcalloc(1, sizeof(*a));
	a->c = c;
	a->region = region ? cairn_xstrdup(region) : NULL;
	a->service = service;
	a->op = op;
	a->params = params ? params : json_object();
	a->done = done;
	a->field = field;
	a->key = key ? cairn_xstrdup(key) : NULL;
	if (c->tail)
		c->tail->next = a;
	else
		c->head = a;
	c->tail = a;
	return a;
}

static void acall_free(acall *a)
{
	free(a->region);
	json_decref(a->params);
	free(a->key);
	json_decref(a->target);
	free(a);
}

/* The client for region (NULL: home), made on first use. */
static cairn_aws *client_for(collector *c, const char *region)
{
	cairn_aws_options ao;
	size_t i;
	if (!region)
		return c->home;
	for (i = 0; i < c->nclients; i++)
		if (strcmp(c->clients[i].region, region) == 0)
			return c->clients[i].aws;
	c->clients = cairn_xrealloc(c->clients, (c->nclients + 1) * sizeof(*c->clients));
	memset(&ao, 0, sizeof(ao));
	ao.region = region;
	ao.profile = c->o ? c->o->profile : NULL;
	c->clients[c->nclients].region = cairn_xstrdup(region);
	if (cairn_aws_new(&c->clients[c->nclients].aws, &ao) < 0) {
		free(c->clients[c->nclients].region);
		c->fatal = 1;
		return NULL;
	}
	return c->clients[c->nclients++].aws;
}

/* ---- problems ---------------------------------------------------------- */

static void problem(collector *c, const char *field, const acall *a, const cairn_aws_error *err,
                    const char *what)
{
	char *msg, *e = err ? cairn_aws_error_format(err) : NULL;
	if (json_object_get(c->failed, field))
		goto done;
	if (e)
		msg = cairn_xasprintf("%s%s%s%s", e, a->region ? " (region " : "",
		                      a->region ? a->region : "", a->region ? ")" : "");
	else
		msg = cairn_xasprintf("%s (%s)%s%s: %s", a->op, a->service,
		                      a->region ? " in region " : "", a->region ? a->region : "",
		                      what ? what : "failed");
	json_object_set_new(c->failed, field, json_string(msg));
	json_array_append_new(c->problems, json_pack("{s:s, s:s}", "field", field, "message", msg));
	cairn_log(CAIRN_LOG_INFO, "audit: account_data.%s not collected: %s", field, msg);
	free(msg);
done:
	free(e);
}

static json_t *without_metadata(json_t *result)
{
	json_t *copy = json_deep_copy(result);
	json_object_del(copy, "ResponseMetadata");
	return copy;
}

/* Appends the array at key of result to data[field] (created). */
static void append_list(collector *c, const char *field, const json_t *result, const char *key)
{
	json_t *list = json_object_get(c->data, field);
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(c->data, field, list);
	}
	json_array_extend(list, json_object_get(result, key) ? json_object_get(result, key)
	                                                     : json_array());
}

/* Queues the next page when the result has one; 1 when it did. */
static int next_page(collector *c, acall *a, const json_t *result, const char *out_key,
                     const char *in_key)
{
	const json_t *tok = json_object_get(result, out_key);
	json_t *params;
	acall *n;
	if (!json_is_string(tok) || !json_string_length(tok))
		return 0;
	if (strcmp(out_key, "Marker") == 0 && !json_is_true(json_object_get(result, "IsTruncated")))
		return 0;
	params = json_deep_copy(a->params);
	json_object_set(params, in_key, (json_t *)tok);
	n = enqueue(c, a->region, a->service, a->op, params, a->done, a->field, a->key);
	n->target = json_incref(a->target);
	return 1;
}

/* ---- IAM --------------------------------------------------------------- */

static void done_summary(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	if (err)
		return problem(c, "summary", a, err, NULL);
	json_object_set(c->data, "summary",
	                json_object_get(res, "SummaryMap") ? json_object_get(res, "SummaryMap")
	                                                   : json_object());
}

static void done_password(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	if (err && err->code && strcmp(err->code, "NoSuchEntity") == 0) {
		json_object_set_new(c->data, "password_policy", json_null());
		return;
	}
	if (err)
		return problem(c, "password_policy", a, err, NULL);
	json_object_set(c->data, "password_policy", json_object_get(res, "PasswordPolicy"));
}

static void done_mfa(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	if (err)
		return problem(c, "virtual_mfa_devices", a, err, NULL);
	append_list(c, "virtual_mfa_devices", res, "VirtualMFADevices");
	next_page(c, a, res, "Marker", "Marker");
}

static void done_support(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	static const char *const parts[][2] = {
	    {"PolicyRoles", "Roles"}, {"PolicyUsers", "Users"}, {"PolicyGroups", "Groups"}};
	json_t *entry = a->target, *ents = json_object_get(entry, "Entities");
	size_t i;
	long long n;
	if (err && err->code && strcmp(err->code, "NoSuchEntity") == 0)
		return; /* no such policy in this partition: nothing holds it */
	if (err)
		return problem(c, "policies", a, err, NULL);
	for (i = 0; i < CAIRN_ARRAY_SIZE(parts); i++)
		json_array_extend(json_object_get(ents, parts[i][1]),
		                  json_object_get(res, parts[i][0])
		                      ? json_object_get(res, parts[i][0])
		                      : json_array());
	n = (long long)(json_array_size(json_object_get(ents, "Roles")) +
	                json_array_size(json_object_get(ents, "Users")) +
	                json_array_size(json_object_get(ents, "Groups")));
	json_object_set_new(entry, "AttachmentCount", json_integer(n));
	next_page(c, a, res, "Marker", "Marker");
}

/* base64 (the blob form of the AWS client) into a new string. */
static char *b64decode(const char *s, size_t *len)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), o = 0;
	char *out = cairn_xmalloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;
	for (; *s; s++) {
		const char *p;
		if (*s == '=' || isspace((unsigned char)*s))
			continue;
		p = strchr(tbl, *s);
		if (!p) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* One CSV line's fields (AWS's credential report quotes nothing, but a
 * quoted field is read as CSV says). */
static json_t *csv_fields(const char **pp)
{
	json_t *out = json_array();
	const char *p = *pp;
	cairn_buf f = CAIRN_BUF_INIT;
	for (;;) {
		cairn_buf_clear(&f);
		if (*p == '"') {
			p++;
			while (*p && !(*p == '"' && p[1] != '"')) {
				if (*p == '"')
					p++;
				cairn_buf_putc(&f, *p++);
			}
			if (*p == '"')
				p++;
		}
		while (*p && *p != ',' && *p != '\n' && *p != '\r')
			cairn_buf_putc(&f, *p++);
		json_array_append_new(out, json_string(cairn_buf_cstr(&f)));
		if (*p != ',')
			break;
		p++;
	}
	while (*p == '\r' || *p == '\n')
		p++;
	*pp = p;
	cairn_buf_dispose(&f);
	return out;
}

/* The report's CSV as a list of rows keyed by the header's column names. */
static json_t *credential_rows(const char *csv)
{
	const char *p = csv;
	json_t *rows = json_array(), *head = csv_fields(&p);
	while (*p) {
		json_t *vals = csv_fields(&p), *row = json_object();
		size_t i;
		for (i = 0; i < json_array_size(head) && i < json_array_size(vals); i++)
			json_object_set(row, json_string_value(json_array_get(head, i)),
			                json_array_get(vals, i));
		json_array_append_new(rows, row);
		json_decref(vals);
	}
	json_decref(head);
	return rows;
}

static void done_report(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	const char *content;
	char *csv;
	size_t len;
	int wait = c->o && c->o->report_wait > 0 ? c->o->report_wait : DEFAULT_REPORT_WAIT;
	if (err && err->code &&
	    (strcmp(err->code, "ReportInProgress") == 0 ||
	     strcmp(err->code, "ReportNotPresent") == 0 ||
	     strcmp(err->code, "ReportExpired") == 0) &&
	    a->tries < wait) {
		/* IAM is still writing it: ask again in a second */
		acall *n = enqueue(c, a->region, a->service, a->op, json_deep_copy(a->params),
		                   a->done, a->field, a->key);
		n->tries = a->tries;
		n->not_before = cairn_now() + 1.0;
		return;
	}
	if (err)
		return problem(c, "credential_report", a, err, NULL);
	content = json_string_value(json_object_get(res, "Content"));
	csv = content ? b64decode(content, &len) : NULL;
	if (!csv)
		return problem(c, "credential_report", a, NULL,
		               "the report's Content is not base64 text");
	json_object_set_new(c->data, "credential_report", credential_rows(csv));
	free(csv);
}

static void done_generate(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	const char *state = json_string_value(json_object_get(res, "State"));
	acall *n;
	if (err)
		return problem(c, "credential_report", a, err, NULL);
	n = enqueue(c, NULL, "iam", "GetCredentialReport", NULL, done_report, "credential_report",
	            NULL);
	if (state && strcmp(state, "COMPLETE") != 0)
		n->not_before = cairn_now() + 0.5;
}

/* ---- S3 buckets ---------------------------------------------------------- */

/* Stores one part of a bucket's entry; the entry goes into s3_buckets
 * when both parts are in. */
static void bucket_part(collector *c, const char *bucket, const char *part, json_t *v)
{
	json_t *e = json_object_get(c->bucket_parts, bucket);
	if (!e) {
		e = json_object();
		json_object_set_new(c->bucket_parts, bucket, e);
	}
	json_object_set_new(e, part, v);
	if (json_object_get(e, "Versioning") && json_object_get(e, "Logging")) {
		json_t *all = json_object_get(c->data, "s3_buckets");
		if (!all) {
			all = json_object();
			json_object_set_new(c->data, "s3_buckets", all);
		}
		json_object_set(all, bucket, e);
	}
}

static void bucket_failed(collector *c, acall *a, const cairn_aws_error *err)
{
	char *field = cairn_xasprintf("s3_buckets.%s", a->key);
	char *msg, *e = err ? cairn_aws_error_format(err) : NULL;
	if (!json_object_get(c->failed, field)) {
		msg = cairn_xasprintf("%s (s3) of bucket %s: %s", a->op, a->key, e ? e : "failed");
		json_object_set_new(c->failed, field, json_string(msg));
		json_array_append_new(c->problems,
		                      json_pack("{s:s, s:s}", "field", field, "message", msg));
		free(msg);
	}
	free(e);
	free(field);
	json_object_set_new(c->bucket_parts, a->key, json_pack("{s:b}", "failed", 1));
}

static void done_versioning(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *v;
	if (json_object_get(json_object_get(c->bucket_parts, a->key), "failed"))
		return;
	if (err)
		return bucket_failed(c, a, err);
	v = json_object();
	if (json_object_get(res, "Status"))
		json_object_set(v, "Status", json_object_get(res, "Status"));
	if (json_object_get(res, "MFADelete"))
		json_object_set(v, "MFADelete", json_object_get(res, "MFADelete"));
	bucket_part(c, a->key, "Versioning", v);
}

static void done_logging(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *le;
	if (json_object_get(json_object_get(c->bucket_parts, a->key), "failed"))
		return;
	if (err)
		return bucket_failed(c, a, err);
	le = json_object_get(res, "LoggingEnabled");
	bucket_part(c, a->key, "Logging", le ? json_deep_copy(le) : json_null());
}

static void ask_bucket(collector *c, const char *region, const char *bucket)
{
	if (!bucket || !*bucket || json_object_get(c->buckets_asked, bucket))
		return;
	json_object_set_new(c->buckets_asked, bucket, json_true());
	enqueue(c, region, "s3", "GetBucketVersioning", json_pack("{s:s}", "Bucket", bucket),
	        done_versioning, "s3_buckets", bucket);
	enqueue(c, region, "s3", "GetBucketLogging", json_pack("{s:s}", "Bucket", bucket),
	        done_logging, "s3_buckets", bucket);
}

/* ---- per region ---------------------------------------------------------- */

/* region -> value in data[field] (an object made on first use). */
static json_t *per_region(collector *c, const char *field)
{
	json_t *o = json_object_get(c->data, field);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(c->data, field, o);
	}
	return o;
}

static void done_analyzers(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *by, *list;
	if (err)
		return problem(c, "analyzers", a, err, NULL);
	by = per_region(c, "analyzers");
	list = json_object_get(by, a->key);
	if (!list) {
		list = json_array();
		json_object_set_new(by, a->key, list);
	}
	json_array_extend(list, json_object_get(res, "analyzers")
	                            ? json_object_get(res, "analyzers")
	                            : json_array());
	next_page(c, a, res, "nextToken", "nextToken");
}

static void done_ebs(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *v;
	if (err)
		return problem(c, "ebs_encryption_by_default", a, err, NULL);
	v = json_object_get(res, "EbsEncryptionByDefault");
	json_object_set_new(per_region(c, "ebs_encryption_by_default"), a->key,
	                    json_boolean(json_is_true(v)));
}

static json_t *recorder_slot(collector *c, const char *region)
{
	json_t *slot = json_object_get(c->recorders, region);
	if (!slot) {
		slot = json_object();
		json_object_set_new(c->recorders, region, slot);
	}
	return slot;
}

static void done_recorders(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *v;
	if (err)
		return problem(c, "config_recorders", a, err, NULL);
	v = json_object_get(res, "ConfigurationRecorders");
	json_object_set(recorder_slot(c, a->key), "list", v ? v : json_array());
}

static void done_recorder_status(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *v;
	if (err)
		return problem(c, "config_recorders", a, err, NULL);
	v = json_object_get(res, "ConfigurationRecordersStatus");
	json_object_set(recorder_slot(c, a->key), "status", v ? v : json_array());
}

static void done_trail_status(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	if (err)
		return problem(c, "trails", a, err, NULL);
	json_object_set_new(a->target, "Status", without_metadata(res));
}

static void done_selectors(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	if (err)
		return problem(c, "trails", a, err, NULL);
	if (json_object_get(res, "EventSelectors"))
		json_object_set(a->target, "EventSelectors",
		                json_object_get(res, "EventSelectors"));
	if (json_object_get(res, "AdvancedEventSelectors"))
		json_object_set(a->target, "AdvancedEventSelectors",
		                json_object_get(res, "AdvancedEventSelectors"));
}

static void done_trails(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *list, *t;
	size_t i;
	if (err)
		return problem(c, "trails", a, err, NULL);
	list = json_object_get(c->data, "trails");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(c->data, "trails", list);
	}
	json_array_foreach(json_object_get(res, "trailList"), i, t) {
		const char *arn = json_string_value(json_object_get(t, "TrailARN"));
		const char *home = json_string_value(json_object_get(t, "HomeRegion"));
		json_t *entry;
		acall *n;
		if (!arn || json_object_get(c->trails_seen, arn))
			continue; /* a multi-region trail, seen from its home region */
		json_object_set_new(c->trails_seen, arn, json_true());
		entry = json_deep_copy(t);
		json_array_append_new(list, entry);
		if (!home)
			home = a->key;
		n = enqueue(c, home, "cloudtrail", "GetTrailStatus",
		            json_pack("{s:s}", "Name", arn), done_trail_status, "trails", home);
		n->target = json_incref(entry);
		n = enqueue(c, home, "cloudtrail", "GetEventSelectors",
		            json_pack("{s:s}", "TrailName", arn), done_selectors, "trails", home);
		n->target = json_incref(entry);
		ask_bucket(c, home, json_string_value(json_object_get(t, "S3BucketName")));
	}
}

static void ask_region(collector *c, const char *region)
{
	json_t *list = json_object_get(c->data, "regions");
	json_array_append_new(list, json_string(region));
	enqueue(c, region, "accessanalyzer", "ListAnalyzers", NULL, done_analyzers, "analyzers",
	        region);
	enqueue(c, region, "ec2", "GetEbsEncryptionByDefault", NULL, done_ebs,
	        "ebs_encryption_by_default", region);
	enqueue(c, region, "config", "DescribeConfigurationRecorders", NULL, done_recorders,
	        "config_recorders", region);
	enqueue(c, region, "config", "DescribeConfigurationRecorderStatus", NULL,
	        done_recorder_status, "config_recorders", region);
	enqueue(c, region, "cloudtrail", "DescribeTrails",
	        json_pack("{s:b}", "includeShadowTrails", 0), done_trails, "trails", region);
}

/* The partition of a region, as the AWS client derives it ("cn-" and
 * "us-gov-" prefixes). An account lives in one partition: regions of the
 * others are not its regions even when an endpoint lists them. */
static const char *partition_of(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void done_regions(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *r;
	const char **names;
	size_t i, n = 0;
	if (err) {
		/* without the regions, nothing regional can be judged */
		static const char *const regional[] = {"regions", "analyzers",
		                                       "ebs_encryption_by_default",
		                                       "config_recorders", "trails"};
		for (i = 0; i < CAIRN_ARRAY_SIZE(regional); i++)
			problem(c, regional[i], a, err, NULL);
		return;
	}
	names = cairn_xcalloc(json_array_size(json_object_get(res, "Regions")) + 1, sizeof(*names));
	json_array_foreach(json_object_get(res, "Regions"), i, r) {
		const char *name = json_string_value(json_object_get(r, "RegionName"));
		const char *opt = json_string_value(json_object_get(r, "OptInStatus"));
		if (name && !(opt && strcmp(opt, "not-opted-in") == 0) &&
		    strcmp(partition_of(name), c->partition) == 0)
			names[n++] = name;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		ask_region(c, names[i]);
	free(names);
}

/* ---- the home region's EC2 reads ----------------------------------------- */

static void done_flow_logs(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	if (err)
		return problem(c, "flow_logs", a, err, NULL);
	append_list(c, "flow_logs", res, "FlowLogs");
	next_page(c, a, res, "NextToken", "NextToken");
}

static void done_default_groups(collector *c, acall *a, json_t *res, const cairn_aws_error *err)
{
	json_t *list, *g;
	size_t i;
	if (err)
		return problem(c, "default_security_groups", a, err, NULL);
	list = json_object_get(c->data, "default_security_groups");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(c->data, "default_security_groups", list);
	}
	json_array_foreach(json_object_get(res, "SecurityGroups"), i, g) {
		json_t *e = json_object();
		static const char *const keep[] = {"GroupId", "GroupName", "VpcId", "IpPermissions",
		                                   "IpPermissionsEgress"};
		size_t k;
		for (k = 0; k < CAIRN_ARRAY_SIZE(keep); k++)
			if (json_object_get(g, keep[k]))
				json_object_set(e, keep[k], json_object_get(g, keep[k]));
		if (!json_object_get(e, "IpPermissions"))
			json_object_set_new(e, "IpPermissions", json_array());
		if (!json_object_get(e, "IpPermissionsEgress"))
			json_object_set_new(e, "IpPermissionsEgress", json_array());
		json_array_append_new(list, e);
	}
	next_page(c, a, res, "NextToken", "NextToken");
}

/* ---- the loop ------------------------------------------------------------ */

static void aws_done(void *ud, json_t *result, cairn_aws_error *err)
{
	acall *a = ud;
	collector *c = a->c;
	c->inflight--;
	a->done(c, a, result, err);
	json_decref(result);
	cairn_aws_error_free(err);
	acall_free(a);
}

/* Sends what may be sent; returns the earliest not_before of what must
 * wait (0 when nothing waits). Calls that cannot even be sent (no client,
 * an operation the models lack) complete at once, after the queue walk,
 * since their completions may queue more. */
static double send_ready(collector *c)
{
	acall **pp = &c->head, *a, *ready = NULL, **rtail = &ready;
	double now = cairn_now(), wait = 0;
	int room = c->max - c->inflight;
	c->tail = NULL;
	while ((a = *pp) != NULL) {
		if (room <= 0 || a->not_before > now) {
			if (a->not_before > now && (wait == 0 || a->not_before < wait))
				wait = a->not_before;
			c->tail = a;
			pp = &a->next;
			continue;
		}
		*pp = a->next;
		a->next = NULL;
		*rtail = a;
		rtail = &a->next;
		room--;
	}
	while ((a = ready) != NULL) {
		cairn_aws *aws;
		ready = a->next;
		a->next = NULL;
		aws = client_for(c, a->region);
		a->tries++;
		if (!aws || cairn_aws_submit(aws, a->service, a->op, a->params, aws_done, a) < 0) {
			cairn_aws_error e;
			memset(&e, 0, sizeof(e));
			e.service = (char *)a->service;
			e.operation = (char *)a->op;
			e.code = (char *)"ClientError";
			e.message = (char *)cairn_error_last();
			a->done(c, a, NULL, &e);
			acall_free(a);
			continue;
		}
		c->inflight++;
	}
	return wait;
}

static void run(collector *c)
{
	while (c->head || c->inflight) {
		double wait = send_ready(c);
		size_t i;
		int before = c->inflight;
		if (c->inflight == 0) {
			if (wait > 0) {
				double d = wait - cairn_now();
				if (d > 0)
					usleep((useconds_t)(d * 1e6));
			}
			continue;
		}
		cairn_aws_poll(c->home, 0);
		for (i = 0; i < c->nclients; i++)
			cairn_aws_poll(c->clients[i].aws, 0);
		if (c->inflight == before)
			cairn_aws_poll(c->home, 5);
	}
}

/* ---- finishing ----------------------------------------------------------- */

static void finish(collector *c)
{
	const char *k;
	json_t *v, *by = json_object();
	void *tmp;

	/* config recorders with their status, per region */
	json_object_foreach(c->recorders, k, v) {
		json_t *list = json_array(), *r;
		size_t i, j;
		json_array_foreach(json_object_get(v, "list"), i, r) {
			json_t *e = json_deep_copy(r), *s;
			const char *name = json_string_value(json_object_get(r, "name"));
			json_array_foreach(json_object_get(v, "status"), j, s) {
				const char *sn = json_string_value(json_object_get(s, "name"));
				if (name && sn && strcmp(name, sn) == 0)
					json_object_set(e, "status", s);
			}
			json_array_append_new(list, e);
		}
		json_object_set_new(by, k, list);
	}
	json_object_set_new(c->data, "config_recorders", by);
	/* what failed is not half-told */
	json_object_foreach_safe(c->failed, tmp, k, v) {
		if (strncmp(k, "s3_buckets.", 11) != 0)
			json_object_del(c->data, k);
	}
	/* a bucket that could not be read is absent on its own */
	if (!json_object_get(c->data, "s3_buckets"))
		json_object_set_new(c->data, "s3_buckets", json_object());
}

int cairn_audit_account(cairn_aws *aws, const cairn_audit_account_options *o, json_t **out,
                        json_t **problems)
{
	collector c;
	char now[21];
	json_t *support;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.home = aws;
	c.o = o;
	c.partition = cairn_aws_partition(aws);
	c.max = o && o->parallelism > 0 ? o->parallelism : DEFAULT_PARALLELISM;
	c.data = json_object();
	c.failed = json_object();
	c.problems = json_array();
	c.trails_seen = json_object();
	c.buckets_asked = json_object();
	c.recorders = json_object();
	c.bucket_parts = json_object();
	/* the home region's client answers for its region */
	c.clients = cairn_xcalloc(1, sizeof(*c.clients));
	c.clients[0].region = cairn_xstrdup(cairn_aws_region(aws));
	c.clients[0].aws = aws;
	c.nclients = 1;

	cairn_utc_now(now);
	json_object_set_new(c.data, "collected_at", json_string(now));
	json_object_set_new(c.data, "regions", json_array());

	enqueue(&c, NULL, "iam", "GetAccountSummary", NULL, done_summary, "summary", NULL);
	enqueue(&c, NULL, "iam", "GetAccountPasswordPolicy", NULL, done_password, "password_policy",
	        NULL);
	enqueue(&c, NULL, "iam", "ListVirtualMFADevices", NULL, done_mfa, "virtual_mfa_devices",
	        NULL);
	enqueue(&c, NULL, "iam", "GenerateCredentialReport", NULL, done_generate,
	        "credential_report", NULL);
	{
		char *arn = cairn_xasprintf("arn:%s:iam::aws:policy/AWSSupportAccess", c.partition);
		acall *a;
		support = json_pack("{s:s, s:s, s:i, s:{s:[], s:[], s:[]}}", "Arn", arn,
		                    "PolicyName", "AWSSupportAccess", "AttachmentCount", 0,
		                    "Entities", "Roles", "Users", "Groups");
		json_object_set_new(c.data, "policies", json_pack("[O]", support));
		a = enqueue(&c, NULL, "iam", "ListEntitiesForPolicy",
		            json_pack("{s:s}", "PolicyArn", arn), done_support, "policies", NULL);
		a->target = support; /* the entry, also held by data.policies */
		free(arn);
	}
	enqueue(&c, NULL, "ec2", "DescribeFlowLogs", NULL, done_flow_logs, "flow_logs", NULL);
	enqueue(
	    &c, NULL, "ec2", "DescribeSecurityGroups",
	    json_pack("{s:[{s:s, s:[s]}]}", "Filters", "Name", "group-name", "Values", "default"),
	    done_default_groups, "default_security_groups", NULL);
	for (i = 0; o && o->buckets && o->buckets[i]; i++)
		ask_bucket(&c, NULL, o->buckets[i]);
	if (o && o->regions) {
		for (i = 0; o->regions[i]; i++)
			ask_region(&c, o->regions[i]);
	} else {
		enqueue(&c, NULL, "ec2", "DescribeRegions", NULL, done_regions, "regions", NULL);
	}
	run(&c);
	finish(&c);

	for (i = 1; i < c.nclients; i++)
		cairn_aws_free(c.clients[i].aws);
	for (i = 0; i < c.nclients; i++)
		free(c.clients[i].region);
	free(c.clients);
	json_decref(c.failed);
	json_decref(c.trails_seen);
	json_decref(c.buckets_asked);
	json_decref(c.recorders);
	json_decref(c.bucket_parts);
	if (c.fatal) {
		json_decref(c.data);
		json_decref(c.problems);
		*out = NULL;
		if (problems)
			*problems = NULL;
		return cairn_error_setc(CAIRN_EAWS,
		                        "cannot make an AWS client for every region: %s",
		                        cairn_error_last());
	}
	*out = c.data;
	if (problems)
		*problems = c.problems;
	else
		json_decref(c.problems);
	return 0;
}
