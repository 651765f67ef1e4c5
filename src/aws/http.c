/*
 * http.c: the libcurl adapter (see http.h): the only file of cairn that
 * includes curl.
 *
 * One curl multi handle carries every transfer of a cairn_aws; a share
 * handle lets transfers reuse DNS answers and TLS sessions, and the multi
 * handle's connection cache keeps connections open between requests, so
 * a busy apply talks to each endpoint over a few warm connections. Each
 * transfer is one easy handle with a struct xfer in CURLOPT_PRIVATE;
 * the write and header callbacks only append to the xfer's buffers.
 * Finished transfers are collected from curl_multi_info_read into a
 * local list and their done functions run after that loop, so a done
 * function can start new transfers safely (the pattern of curl's
 * 10-at-a-time.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "aws/endpoint.h"
#include "aws/http.h"
#include "cairn/log.h"

/* Responses larger than this are refused (no AWS API cairn calls comes
 * near it; it bounds what a hostile endpoint can make us allocate). */
#define MAX_BODY (256u * 1024u * 1024u)

typedef struct xfer {
	CURL *easy;                   /* the transfer */
	struct curl_slist *hdrs;      /* request headers as curl wants them */
	char *url;                    /* the URL (owned) */
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's message */
	cairn_http_resp resp;         /* what arrived */
	cairn_http_done_fn done;      /* completion */
	void *ud;                     /* its argument */
	double start;                 /* cairn_now() at start */
	int too_big;                  /* the body passed MAX_BODY */
	struct xfer *next, *prev;     /* the in-flight list */
} xfer;

struct cairn_http {
	CURLM *multi;    /* all transfers */
	CURLSH *share;   /* DNS and TLS session cache shared by them */
	xfer *live;      /* transfers in flight */
	int nlive;       /* how many */
	char *ca_bundle; /* CA file instead of the system store, or NULL */
};

static int global_init_done;

static void global_init(void)
{
	if (!global_init_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_init_done = 1;
	}
}

const char *cairn_http_err_name(cairn_http_err e)
{
	switch (e) {
	case CAIRN_HTTP_OK:
		return "ok";
	case CAIRN_HTTP_ECONNECT:
		return "could not connect";
	case CAIRN_HTTP_ETIMEOUT:
		return "timed out";
	case CAIRN_HTTP_EIO:
		return "connection broken";
	case CAIRN_HTTP_ETLS:
		return "TLS failure";
	default:
		return "transfer failed";
	}
}

int cairn_http_new(cairn_http **out)
{
	cairn_http *h = cairn_xcalloc(1, sizeof(*h));
	global_init();
	h->multi = curl_multi_init();
	h->share = curl_share_init();
	if (!h->multi || !h->share)
		cairn_die("out of memory creating a curl multi handle");
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	/* Keep enough idle connections for a wide apply (the default cache
	 * is 4 x the transfers ever added, capped); no limit on parallel ones. */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 1024L);
	*out = h;
	return 0;
}

void cairn_http_resp_dispose(cairn_http_resp *r)
{
	if (!r)
		return;
	free(r->error_text);
	cairn_kvlist_dispose(&r->headers);
	cairn_buf_dispose(&r->body);
	memset(r, 0, sizeof(*r));
}

static void xfer_free(xfer *x)
{
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	free(x->url);
	cairn_http_resp_dispose(&x->resp);
	free(x);
}

void cairn_http_free(cairn_http *h)
{
	xfer *x, *n;
	if (!h)
		return;
	for (x = h->live; x; x = n) {
		n = x->next;
		curl_multi_remove_handle(h->multi, x->easy);
		xfer_free(x);
	}
	curl_multi_cleanup(h->multi);
	curl_share_cleanup(h->share);
	free(h->ca_bundle);
	free(h);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	xfer *x = ud;
	size_t len = size * n;
	if (x->resp.body.len + len > MAX_BODY) {
		x->too_big = 1;
		return 0; /* aborts the transfer */
	}
	cairn_buf_put(&x->resp.body, p, len);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	xfer *x = ud;
	size_t len = size * n, klen;
	const char *colon;

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): start over */
		cairn_kvlist_dispose(&x->resp.headers);
		return size * n;
	}
	colon = memchr(p, ':', len);
	if (!colon)
		return size * n;
	klen = (size_t)(colon - p);
	{
		char *k = cairn_xstrndup(p, klen);
		const char *v = colon + 1;
		size_t vl = len - klen - 1;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		cairn_kvlist_addn(&x->resp.headers, k, v, vl);
		free(k);
	}
	return size * n;
}

static int link_local(const char *host)
{
	static const char *ok[] = {"169.254.169.254", "169.254.170.2", "169.254.170.23",
	                           "[fd00:ec2::23]", "[fd00:ec2::254]"};
	size_t i, n = strcspn(host, host[0] == '[' ? "]" : ":");
	if (host[0] == '[')
		n++;
	for (i = 0; i < CAIRN_ARRAY_SIZE(ok); i++)
		if (strlen(ok[i]) == n && strncmp(host, ok[i], n) == 0)
			return 1;
	return 0;
}

static int check_policy(const cairn_awsreq *req, int allow_link_local)
{
	const char *scheme = req->scheme ? req->scheme : "https";
	if (strcmp(scheme, "https") == 0)
		return 0;
	if (strcmp(scheme, "http") == 0 &&
	    (cairn_host_is_loopback(req->host) || (allow_link_local && link_local(req->host))))
		return 0;
	return cairn_error_setc(
	    CAIRN_EINVALID,
	    "refusing %s://%s: plain http is only allowed to a loopback address; use https", scheme,
	    req->host ? req->host : "");
}

void cairn_http_set_ca_bundle(cairn_http *h, const char *path)
{
	free(h->ca_bundle);
	h->ca_bundle = path ? cairn_xstrdup(path) : NULL;
}

/* Sets up x->easy for req. */
static void setup(xfer *x, const cairn_awsreq *req, double timeout, CURLSH *share,
                  const char *ca_bundle)
{
	CURL *e = x->easy;
	size_t i;
	long ms = (long)(timeout * 1000.0);
	const char *m = req->method ? req->method : "GET";
	int has_ct = 0;

	x->url = cairn_awsreq_url(req);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, ca_bundle);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cairn/" CAIRN_VERSION);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 60000L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 60000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	if (share)
		curl_easy_setopt(e, CURLOPT_SHARE, share);

	if (strcmp(m, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(m, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
		if (req->body.len || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
		    strcmp(m, "PATCH") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body.ptr ? req->body.ptr : "");
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
		}
	}
	for (i = 0; i < req->headers.n; i++) {
		const cairn_kv *kv = &req->headers.v[i];
		char *line;
		if (strcasecmp(kv->key, "Content-Type") == 0)
			has_ct = 1;
		if (kv->value && *kv->value)
			line = cairn_xasprintf("%s: %s", kv->key, kv->value);
		else
			line = cairn_xasprintf("%s;",
			                       kv->key); /* curl's way to send an empty header */
		x->hdrs = curl_slist_append(x->hdrs, line);
		free(line);
	}
	/* No 100-continue round trip, and no Content-Type curl would invent
	 * for a body (it would not be signed). */
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	if (!has_ct)
		x->hdrs = curl_slist_append(x->hdrs, "Content-Type:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
}

static void finish(xfer *x, CURLcode rc)
{
	x->resp.elapsed = cairn_now() - x->start;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->resp.status);
		x->resp.error = CAIRN_HTTP_OK;
		return;
	}
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		x->resp.error = CAIRN_HTTP_ECONNECT;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		x->resp.error = CAIRN_HTTP_ETIMEOUT;
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		x->resp.error = CAIRN_HTTP_EIO;
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		x->resp.error = CAIRN_HTTP_ETLS;
		break;
	default:
		x->resp.error = CAIRN_HTTP_EOTHER;
		break;
	}
	if (x->too_big)
		x->resp.error_text = cairn_xstrdup("the response is larger than 256 MiB");
	else
		x->resp.error_text =
		    cairn_xstrdup(x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	/* curl appends the reason with a trailing newline sometimes */
	{
		size_t n = strlen(x->resp.error_text);
		while (n && (x->resp.error_text[n - 1] == '\n' || x->resp.error_text[n - 1] == ' '))
			x->resp.error_text[--n] = '\0';
	}
}

int cairn_http_start(cairn_http *h, const cairn_awsreq *req, double timeout,
                     cairn_http_done_fn done, void *ud)
{
	xfer *x;
	int rc = check_policy(req, 0);
	if (rc < 0)
		return rc;
	x = cairn_xcalloc(1, sizeof(*x));
	x->easy = curl_easy_init();
	if (!x->easy)
		cairn_die("out of memory creating a curl handle");
	x->done = done;
	x->ud = ud;
	setup(x, req, timeout, h->share, h->ca_bundle);
	x->start = cairn_now();
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK) {
		xfer_free(x);
		return cairn_error_set("could not queue an HTTP transfer");
	}
	x->next = h->live;
	if (h->live)
		h->live->prev = x;
	h->live = x;
	h->nlive++;
	return 0;
}

static xfer *collect(cairn_http *h)
{
	CURLMsg *msg;
	int left;
	xfer *done = NULL, *tail = NULL;

	while ((msg = curl_multi_info_read(h->multi, &left))) {
		xfer *x;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		finish(x, msg->data.result);
		curl_multi_remove_handle(h->multi, x->easy);
		if (x->prev)
			x->prev->next = x->next;
		else
			h->live = x->next;
		if (x->next)
			x->next->prev = x->prev;
		h->nlive--;
		x->next = NULL;
		x->prev = tail;
		if (tail)
			tail->next = x;
		else
			done = x;
		tail = x;
	}
	return done;
}

int cairn_http_poll(cairn_http *h, int timeout_ms)
{
	int running = 0;
	xfer *done, *x, *n;

	curl_multi_perform(h->multi, &running);
	done = collect(h);
	if (!done && timeout_ms > 0) {
		curl_multi_poll(h->multi, NULL, 0, timeout_ms, NULL);
		curl_multi_perform(h->multi, &running);
		done = collect(h);
	}
	for (x = done; x; x = n) {
		cairn_http_resp *resp = cairn_xmalloc(sizeof(*resp));
		n = x->next;
		*resp = x->resp;
		memset(&x->resp, 0, sizeof(x->resp));
		{
			cairn_http_done_fn fn = x->done;
			void *ud = x->ud;
			xfer_free(x);
			fn(ud, resp);
		}
	}
	return h->nlive;
}

int cairn_http_inflight(const cairn_http *h)
{
	return h->nlive;
}

void cairn_http_perform(const cairn_awsreq *req, double timeout, int allow_link_local,
                        const char *ca_bundle, cairn_http_resp *resp)
{
	xfer *x;
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	global_init();
	if (check_policy(req, allow_link_local) < 0) {
		resp->error = CAIRN_HTTP_EOTHER;
		resp->error_text = cairn_xstrdup(cairn_error_last());
		return;
	}
	x = cairn_xcalloc(1, sizeof(*x));
	x->easy = curl_easy_init();
	if (!x->easy)
		cairn_die("out of memory creating a curl handle");
	setup(x, req, timeout, NULL, ca_bundle);
	x->start = cairn_now();
	rc = curl_easy_perform(x->easy);
	finish(x, rc);
	*resp = x->resp;
	memset(&x->resp, 0, sizeof(x->resp));
	xfer_free(x);
}
