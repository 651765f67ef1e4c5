/*
 * proto.c: response decoding for the five AWS wire protocols, parameter
 * validation and timestamps (see proto.h; the request side is in
 * proto_build.c).
 *
 * Decoding walks the output shape, not the document: for XML protocols
 * each member is looked up by its wire name among the element's children
 * (a flattened list collects every child of that name, a wrapped list
 * takes every child of its wrapper, EC2's <item> and Query's <member>
 * alike), so a list with one element is still a list and members the
 * model does not know are ignored. JSON responses are renamed from wire
 * names to member names the same way. Timestamps become RFC 3339 strings.
 *
 * Errors: JSON protocols take the code from X-Amzn-ErrorType or the
 * body's __type/code (after any '#'), XML protocols from the first <Code>
 * element; when the body has none (HEAD requests) the code is the HTTP
 * status as text and the message its reason phrase, as botocore does.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/proto.h"
#include "aws/sigv4.h"
#include "aws/xml.h"

void cairn_proto_err_dispose(cairn_proto_err *e)
{
	if (!e)
		return;
	free(e->code);
	free(e->message);
	free(e->request_id);
	memset(e, 0, sizeof(*e));
}

/* ---- timestamps ---------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0, i;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

static int parse_rfc822(const char *s, double *out)
{
	/* "Tue, 02 Jan 2024 03:04:05 GMT" */
	struct tm tm;
	char mon[4];
	int i;
	const char *comma = strchr(s, ',');
	memset(&tm, 0, sizeof(tm));
	if (!comma)
		return -1;
	if (sscanf(comma + 1, " %d %3s %d %d:%d:%d", &tm.tm_mday, mon, &tm.tm_year, &tm.tm_hour,
	           &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	for (i = 0; i < 12; i++)
		if (strcasecmp(mon, months[i]) == 0)
			break;
	if (i == 12)
		return -1;
	tm.tm_mon = i;
	tm.tm_year -= 1900;
	*out = (double)timegm(&tm);
	return 0;
}

int cairn_ts_parse(const char *s, double *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	double frac = 0;
	const char *p;
	char *end;

	while (*s == ' ')
		s++;
	if (!*s)
		return -1;
	/* epoch seconds: digits, an optional sign and fraction */
	{
		const char *q = s + (*s == '-');
		if (strspn(q, "0123456789.") == strlen(q) && isdigit((unsigned char)*q)) {
			double v = strtod(s, &end);
			if (*end == '\0') {
				*out = v;
				return 0;
			}
		}
	}
	if (isalpha((unsigned char)*s))
		return parse_rfc822(s, out);
	if (strlen(s) < 10 || digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 ||
	    s[7] != '-' || digits(s + 8, 2, &d) < 0)
		return -1;
	p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(p, 2, &h) < 0 || p[2] != ':' || digits(p + 3, 2, &mi) < 0)
			return -1;
		p += 5;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec) < 0)
				return -1;
			p += 3;
		}
		if (*p == '.' || *p == ',') {
			double scale = 0.1;
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p)) {
				frac += (*p - '0') * scale;
				scale /= 10;
				p++;
			}
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60)
		return -1;
	*out = (double)timegm(&tm) + frac;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om = 0, sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(p, 2, &oh) < 0)
			return -1;
		p += 2;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p)) {
			if (digits(p, 2, &om) < 0)
				return -1;
			p += 2;
		}
		*out -= sign * (oh * 3600 + om * 60);
	}
	return *p == '\0' ? 0 : -1;
}

void cairn_ts_iso8601(double t, char out[32])
{
	time_t whole = (time_t)floor(t);
	long ms = lround((t - (double)whole) * 1000.0);
	struct tm tm;
	if (ms >= 1000) {
		whole++;
		ms -= 1000;
	}
	gmtime_r(&whole, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms) {
		size_t n = strlen(out);
		out[n] = '.';
		out[n + 1] = (char)('0' + ms / 100);
		out[n + 2] = (char)('0' + ms / 10 % 10);
		out[n + 3] = (char)('0' + ms % 10);
		out[n + 4] = '\0';
	}
	strcat(out, "Z");
}

void cairn_ts_rfc822(double t, char out[32])
{
	time_t whole = (time_t)floor(t);
	struct tm tm;
	gmtime_r(&whole, &tm);
	memcpy(out, wdays[tm.tm_wday % 7], 3);
	strftime(out + 3, 29, ", %d ", &tm);
	strcat(out, months[tm.tm_mon % 12]);
	strftime(out + strlen(out), 32 - strlen(out), " %Y %H:%M:%S GMT", &tm);
}

const char *cairn_http_reason(long status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Request Entity Too Large";
	case 416:
		return "Requested Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "";
	}
}

/* ---- validation ---------------------------------------------------- */

static const char *kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static const char *at(const cairn_buf *path)
{
	return path->len ? path->ptr : "parameters";
}

static void path_trunc(cairn_buf *path, size_t mark)
{
	path->len = mark;
	if (path->ptr)
		path->ptr[mark] = '\0';
}

static int validate(const cairn_model *m, const cairn_shref *s, const json_t *v, cairn_buf *path,
                    int depth);

static int validate_struct(const cairn_model *m, const cairn_shref *s, const json_t *v,
                           cairn_buf *path, int depth)
{
	const json_t *members = json_object_get(s->shape, "members");
	const json_t *req = json_object_get(s->shape, "required");
	const char *k;
	json_t *x;
	size_t i, mark = path->len;

	if (!json_is_object(v) && !(json_is_array(v) && json_array_size(v) == 0))
		return cairn_error_setc(CAIRN_EINVALID,
		                        "%s: expected an object (structure %s), got %s", at(path),
		                        s->name, kind_name(v));
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
		{
			const json_t *mref = json_object_get(members, k);
			cairn_shref ms;
			int rc;
			if (!mref) {
				cairn_buf names = CAIRN_BUF_INIT;
				const char *mk;
				json_t *mv;
				json_object_foreach((json_t *)members, mk, mv)
				{
					if (names.len)
						cairn_buf_puts(&names, ", ");
					cairn_buf_puts(&names, mk);
				}
				if (path->len)
					cairn_buf_putc(path, '.');
				cairn_buf_puts(path, k);
				rc = cairn_error_setc(CAIRN_EINVALID,
				                      "%s: unknown parameter (valid: %s)", at(path),
				                      names.len ? names.ptr : "none");
				cairn_buf_dispose(&names);
				return rc;
			}
			if (json_is_null(x))
				continue;
			if (cairn_model_ref(m, mref, &ms) < 0)
				return cairn_error_set(
				    "service model %s: shape of member %s missing", m->name, k);
			if (path->len)
				cairn_buf_putc(path, '.');
			cairn_buf_puts(path, k);
			rc = validate(m, &ms, x, path, depth + 1);
			if (rc < 0)
				return rc;
			path_trunc(path, mark);
		}
	}
	for (i = 0; i < json_array_size(req); i++) {
		const char *name = json_string_value(json_array_get(req, i));
		const json_t *got = json_is_object(v) ? json_object_get(v, name) : NULL;
		if (!got || json_is_null(got)) {
			if (path->len)
				cairn_buf_putc(path, '.');
			cairn_buf_puts(path, name);
			return cairn_error_setc(CAIRN_EINVALID, "%s: missing required parameter",
			                        at(path));
		}
	}
	return 0;
}

static int validate(const cairn_model *m, const cairn_shref *s, const json_t *v, cairn_buf *path,
                    int depth)
{
	const char *t = cairn_shref_type(s);
	size_t mark = path->len;

	if (depth > 64)
		return cairn_error_setc(CAIRN_EINVALID, "%s: nested too deeply", at(path));
	if (strcmp(t, "structure") == 0)
		return validate_struct(m, s, v, path, depth);
	if (strcmp(t, "list") == 0) {
		cairn_shref item;
		size_t i;
		if (json_is_object(v) && json_object_size(v) == 0)
			return 0; /* an empty Lua table */
		if (!json_is_array(v))
			return cairn_error_setc(CAIRN_EINVALID, "%s: expected a list, got %s",
			                        at(path), kind_name(v));
		if (cairn_model_ref(m, json_object_get(s->shape, "member"), &item) < 0)
			return cairn_error_set("service model %s: list %s has no member", m->name,
			                       s->name);
		for (i = 0; i < json_array_size(v); i++) {
			int rc;
			cairn_buf_printf(path, "[%zu]", i);
			rc = validate(m, &item, json_array_get(v, i), path, depth + 1);
			if (rc < 0)
				return rc;
			path_trunc(path, mark);
		}
		return 0;
	}
	if (strcmp(t, "map") == 0) {
		cairn_shref val;
		const char *k;
		json_t *x;
		if (json_is_array(v) && json_array_size(v) == 0)
			return 0;
		if (!json_is_object(v))
			return cairn_error_setc(CAIRN_EINVALID,
			                        "%s: expected a map (object), got %s", at(path),
			                        kind_name(v));
		if (cairn_model_ref(m, json_object_get(s->shape, "value"), &val) < 0)
			return cairn_error_set("service model %s: map %s has no value", m->name,
			                       s->name);
		json_object_foreach((json_t *)v, k, x)
		{
			int rc;
			cairn_buf_printf(path, "[\"%s\"]", k);
			rc = validate(m, &val, x, path, depth + 1);
			if (rc < 0)
				return rc;
			path_trunc(path, mark);
		}
		return 0;
	}
	if (strcmp(t, "string") == 0) {
		if (!json_is_string(v))
			return cairn_error_setc(CAIRN_EINVALID, "%s: expected a string, got %s",
			                        at(path), kind_name(v));
		return 0;
	}
	if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
		if (json_is_integer(v))
			return 0;
		if (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v))
			return 0;
		return cairn_error_setc(CAIRN_EINVALID, "%s: expected an integer, got %s", at(path),
		                        kind_name(v));
	}
	if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
		if (!json_is_number(v))
			return cairn_error_setc(CAIRN_EINVALID, "%s: expected a number, got %s",
			                        at(path), kind_name(v));
		return 0;
	}
	if (strcmp(t, "boolean") == 0) {
		if (!json_is_boolean(v))
			return cairn_error_setc(CAIRN_EINVALID, "%s: expected a boolean, got %s",
			                        at(path), kind_name(v));
		return 0;
	}
	if (strcmp(t, "timestamp") == 0) {
		double d;
		if (json_is_number(v))
			return 0;
		if (json_is_string(v) && cairn_ts_parse(json_string_value(v), &d) == 0)
			return 0;
		return cairn_error_setc(
		    CAIRN_EINVALID,
		    "%s: expected a timestamp (RFC 3339 string or epoch seconds), got %s", at(path),
		    json_is_string(v) ? json_string_value(v) : kind_name(v));
	}
	if (strcmp(t, "blob") == 0) {
		if (!json_is_string(v))
			return cairn_error_setc(CAIRN_EINVALID,
			                        "%s: expected a string (base64 for a blob), got %s",
			                        at(path), kind_name(v));
		if (!cairn_shref_bool(s, "streaming")) {
			cairn_buf tmp = CAIRN_BUF_INIT;
			int bad =
			    cairn_base64_decode(&tmp, json_string_value(v), json_string_length(v));
			cairn_buf_dispose(&tmp);
			if (bad < 0)
				return cairn_error_setc(CAIRN_EINVALID,
				                        "%s: a blob must be base64 text", at(path));
		}
		return 0;
	}
	return 0; /* documents and anything else: accepted as given */
}

int cairn_proto_validate(const cairn_model *m, const json_t *op, const json_t *params)
{
	cairn_shref in;
	cairn_buf path = CAIRN_BUF_INIT;
	int rc;

	if (cairn_model_io(m, op, "input", &in) < 0) {
		if (params && json_is_object(params) && json_object_size(params))
			return cairn_error_setc(CAIRN_EINVALID,
			                        "this operation takes no parameters");
		return 0;
	}
	if (!params || json_is_null(params)) {
		json_t *empty = json_object();
		rc = validate(m, &in, empty, &path, 0);
		json_decref(empty);
	} else {
		rc = validate(m, &in, params, &path, 0);
	}
	cairn_buf_dispose(&path);
	return rc;
}

/* ---- XML -> json ----------------------------------------------------- */

static json_t *xml_value(const cairn_model *m, const cairn_shref *s, const cairn_xml_node *n,
                         int depth);

/* The name a member has in XML (botocore's _member_key_name). */
static const char *xml_member_name(const cairn_model *m, const cairn_shref *ms, const char *key)
{
	if (strcmp(cairn_shref_type(ms), "list") == 0 && cairn_shref_bool(ms, "flattened")) {
		cairn_shref item;
		if (cairn_model_ref(m, json_object_get(ms->shape, "member"), &item) == 0) {
			const char *n =
			    json_string_value(json_object_get(item.ref, "locationName"));
			if (n)
				return n;
		}
	}
	{
		const char *n = cairn_shref_str(ms, "locationName");
		return n ? n : key;
	}
}

static json_t *scalar_from_text(const cairn_shref *s, const char *text)
{
	const char *t = cairn_shref_type(s);
	if (strcmp(t, "boolean") == 0)
		return json_boolean(strcmp(text, "true") == 0);
	if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0)
		return json_integer((json_int_t)strtoll(text, NULL, 10));
	if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0)
		return json_real(strtod(text, NULL));
	if (strcmp(t, "timestamp") == 0) {
		double d;
		char buf[32];
		if (cairn_ts_parse(text, &d) == 0) {
			cairn_ts_iso8601(d, buf);
			return json_string(buf);
		}
		return json_string(text);
	}
	return json_string(text);
}

static json_t *xml_struct(const cairn_model *m, const cairn_shref *s, const cairn_xml_node *n,
                          int depth)
{
	json_t *obj = json_object();
	const json_t *members = json_object_get(s->shape, "members");
	const char *k;
	json_t *mref;

	json_object_foreach((json_t *)members, k, mref)
	{
		cairn_shref ms;
		const char *loc, *xname, *t;
		if (cairn_model_ref(m, mref, &ms) < 0)
			continue;
		loc = json_string_value(json_object_get(mref, "location"));
		if (loc)
			continue; /* header, headers, statusCode, uri: not in the body */
		xname = xml_member_name(m, &ms, k);
		if (cairn_shref_bool(&ms, "xmlAttribute")) {
			const char *a = cairn_xml_attr(n, xname);
			if (a)
				json_object_set_new(obj, k, scalar_from_text(&ms, a));
			continue;
		}
		t = cairn_shref_type(&ms);
		if ((strcmp(t, "list") == 0 || strcmp(t, "map") == 0) &&
		    cairn_shref_bool(&ms, "flattened")) {
			json_t *coll = NULL;
			size_t i;
			cairn_shref item;
			int islist = t[0] == 'l';
			if (islist &&
			    cairn_model_ref(m, json_object_get(ms.shape, "member"), &item) < 0)
				continue;
			for (i = 0; i < n->nkids; i++) {
				if (strcmp(n->kids[i]->name, xname) != 0)
					continue;
				if (!coll)
					coll = islist ? json_array() : json_object();
				if (islist) {
					json_array_append_new(
					    coll, xml_value(m, &item, n->kids[i], depth + 1));
				} else {
					json_t *one = xml_value(m, &ms, n->kids[i], depth + 1);
					json_object_update(coll, one);
					json_decref(one);
				}
			}
			if (coll)
				json_object_set_new(obj, k, coll);
			continue;
		}
		{
			const cairn_xml_node *c = cairn_xml_child(n, xname);
			if (c)
				json_object_set_new(obj, k, xml_value(m, &ms, c, depth + 1));
		}
	}
	return obj;
}

static json_t *xml_map_entry(const cairn_model *m, const cairn_shref *s, const cairn_xml_node *e,
                             json_t *into, int depth)
{
	cairn_shref ks, vs;
	const char *kname, *vname;
	const cairn_xml_node *kn, *vn;
	if (cairn_model_ref(m, json_object_get(s->shape, "key"), &ks) < 0 ||
	    cairn_model_ref(m, json_object_get(s->shape, "value"), &vs) < 0)
		return into;
	kname = cairn_shref_str(&ks, "locationName");
	vname = cairn_shref_str(&vs, "locationName");
	kn = cairn_xml_child(e, kname ? kname : "key");
	vn = cairn_xml_child(e, vname ? vname : "value");
	if (kn)
		json_object_set_new(into, cairn_buf_cstr(&kn->text),
		                    vn ? xml_value(m, &vs, vn, depth + 1) : json_null());
	return into;
}

static json_t *xml_value(const cairn_model *m, const cairn_shref *s, const cairn_xml_node *n,
                         int depth)
{
	const char *t = cairn_shref_type(s);
	if (depth > 100)
		return json_null();
	if (strcmp(t, "structure") == 0)
		return xml_struct(m, s, n, depth);
	if (strcmp(t, "list") == 0) {
		json_t *a = json_array();
		cairn_shref item;
		size_t i;
		if (cairn_model_ref(m, json_object_get(s->shape, "member"), &item) < 0)
			return a;
		if (cairn_shref_bool(s, "flattened")) {
			/* a flattened list reached directly: n is one element */
			json_array_append_new(a, xml_value(m, &item, n, depth + 1));
			return a;
		}
		for (i = 0; i < n->nkids; i++)
			json_array_append_new(a, xml_value(m, &item, n->kids[i], depth + 1));
		return a;
	}
	if (strcmp(t, "map") == 0) {
		json_t *o = json_object();
		size_t i;
		if (cairn_shref_bool(s, "flattened"))
			return xml_map_entry(m, s, n, o, depth);
		for (i = 0; i < n->nkids; i++)
			xml_map_entry(m, s, n->kids[i], o, depth);
		return o;
	}
	return scalar_from_text(s, cairn_buf_cstr(&n->text));
}

/* ---- JSON -> json ---------------------------------------------------- */

static json_t *json_value(const cairn_model *m, const cairn_shref *s, const json_t *v, int depth,
                          int body_only);

static json_t *json_struct(const cairn_model *m, const cairn_shref *s, const json_t *v, int depth,
                           int body_only)
{
	json_t *obj = json_object();
	const json_t *members = json_object_get(s->shape, "members");
	const char *k;
	json_t *mref;

	if (!json_is_object(v))
		return obj;
	json_object_foreach((json_t *)members, k, mref)
	{
		cairn_shref ms;
		const char *wire;
		const json_t *x;
		if (cairn_model_ref(m, mref, &ms) < 0)
			continue;
		if (body_only && json_object_get(mref, "location"))
			continue;
		wire = json_string_value(json_object_get(mref, "locationName"));
		x = json_object_get(v, wire ? wire : k);
		if (!x || json_is_null(x))
			continue;
		json_object_set_new(obj, k, json_value(m, &ms, x, depth + 1, 0));
	}
	return obj;
}

static json_t *json_value(const cairn_model *m, const cairn_shref *s, const json_t *v, int depth,
                          int body_only)
{
	const char *t = cairn_shref_type(s);
	if (depth > 100)
		return json_null();
	if (strcmp(t, "structure") == 0)
		return json_struct(m, s, v, depth, body_only);
	if (strcmp(t, "list") == 0) {
		json_t *a = json_array();
		cairn_shref item;
		size_t i;
		if (!json_is_array(v) ||
		    cairn_model_ref(m, json_object_get(s->shape, "member"), &item) < 0)
			return a;
		for (i = 0; i < json_array_size(v); i++)
			json_array_append_new(
			    a, json_value(m, &item, json_array_get(v, i), depth + 1, 0));
		return a;
	}
	if (strcmp(t, "map") == 0) {
		json_t *o = json_object();
		cairn_shref val;
		const char *k;
		json_t *x;
		if (!json_is_object(v) ||
		    cairn_model_ref(m, json_object_get(s->shape, "value"), &val) < 0)
			return o;
		json_object_foreach((json_t *)v, k, x)
		    json_object_set_new(o, k, json_value(m, &val, x, depth + 1, 0));
		return o;
	}
	if (strcmp(t, "timestamp") == 0) {
		double d;
		char buf[32];
		if (json_is_number(v)) {
			cairn_ts_iso8601(json_number_value(v), buf);
			return json_string(buf);
		}
		if (json_is_string(v) && cairn_ts_parse(json_string_value(v), &d) == 0) {
			cairn_ts_iso8601(d, buf);
			return json_string(buf);
		}
		return json_deep_copy(v);
	}
	if ((strcmp(t, "float") == 0 || strcmp(t, "double") == 0) && json_is_integer(v))
		return json_real((double)json_integer_value(v));
	return json_deep_copy(v);
}

/* ---- headers --------------------------------------------------------- */

static const char *header(const cairn_kvlist *h, const char *name)
{
	return h ? cairn_kvlist_get(h, name, 1) : NULL;
}

static char *request_id_from_headers(const cairn_kvlist *h)
{
	const char *v = header(h, "x-amzn-RequestId");
	if (!v)
		v = header(h, "x-amz-request-id");
	return v && *v ? cairn_xstrdup(v) : NULL;
}

/* Members bound to headers and the status code (REST protocols). */
static void rest_header_members(const cairn_model *m, const cairn_shref *out,
                                const cairn_proto_resp *r, json_t *obj)
{
	const json_t *members = json_object_get(out->shape, "members");
	const char *k;
	json_t *mref;

	json_object_foreach((json_t *)members, k, mref)
	{
		const char *loc = json_string_value(json_object_get(mref, "location"));
		const char *name = json_string_value(json_object_get(mref, "locationName"));
		cairn_shref ms;
		if (!loc || cairn_model_ref(m, mref, &ms) < 0)
			continue;
		if (strcmp(loc, "statusCode") == 0) {
			json_object_set_new(obj, k, json_integer(r->status));
		} else if (strcmp(loc, "header") == 0 && name) {
			const char *v = header(r->headers, name);
			const char *t = cairn_shref_type(&ms);
			if (!v)
				continue;
			if (strcmp(t, "list") == 0) {
				json_t *a = json_array();
				const char *p = v;
				while (*p) {
					const char *c = strchr(p, ',');
					size_t n = c ? (size_t)(c - p) : strlen(p);
					while (n && *p == ' ')
						p++, n--;
					while (n && p[n - 1] == ' ')
						n--;
					json_array_append_new(a, json_stringn(p, n));
					if (!c)
						break;
					p = c + 1;
				}
				json_object_set_new(obj, k, a);
			} else if (cairn_shref_bool(&ms, "jsonvalue")) {
				cairn_buf dec = CAIRN_BUF_INIT;
				json_t *j = NULL;
				if (cairn_base64_decode(&dec, v, strlen(v)) == 0)
					j = json_loads(cairn_buf_cstr(&dec), JSON_DECODE_ANY, NULL);
				cairn_buf_dispose(&dec);
				json_object_set_new(obj, k, j ? j : json_string(v));
			} else {
				json_object_set_new(obj, k, scalar_from_text(&ms, v));
			}
		} else if (strcmp(loc, "headers") == 0) {
			json_t *map = json_object();
			size_t i, pl = name ? strlen(name) : 0;
			for (i = 0; r->headers && i < r->headers->n; i++) {
				const cairn_kv *kv = &r->headers->v[i];
				if (strncasecmp(kv->key, name ? name : "", pl) == 0 && kv->key[pl])
					json_object_set_new(map, kv->key + pl,
					                    json_string(kv->value));
			}
			if (json_object_size(map))
				json_object_set_new(obj, k, map);
			else
				json_decref(map);
		}
	}
}

/* ---- errors ------------------------------------------------------------ */

static char *clean_code(const char *c)
{
	const char *hash = strrchr(c, '#');
	const char *colon;
	if (hash)
		c = hash + 1;
	colon = strchr(c, ':');
	return colon ? cairn_xstrndup(c, (size_t)(colon - c)) : cairn_xstrdup(c);
}

static void generic_error(const cairn_proto_resp *r, cairn_proto_err *err)
{
	char code[16];
	if (!err->code) {
		snprintf(code, sizeof(code), "%ld", r->status);
		err->code = cairn_xstrdup(code);
	}
	if (!err->message)
		err->message = cairn_xstrdup(cairn_http_reason(r->status));
}

static void xml_error(const cairn_proto_resp *r, const cairn_xml_node *root, cairn_proto_err *err);

static void json_error(const cairn_model *m, const cairn_proto_resp *r, cairn_proto_err *err)
{
	json_t *body = r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *code = header(r->headers, "x-amzn-ErrorType");
	const char *qerr = m->query_compatible ? header(r->headers, "x-amzn-query-error") : NULL;
	const char *msg = NULL;

	if (qerr && *qerr) {
		const char *semi = strchr(qerr, ';');
		err->code =
		    semi ? cairn_xstrndup(qerr, (size_t)(semi - qerr)) : cairn_xstrdup(qerr);
	}
	if (!err->code && json_is_object(body)) {
		const char *c = json_string_value(json_object_get(body, "__type"));
		if (!c)
			c = json_string_value(json_object_get(body, "code"));
		if (!c)
			c = json_string_value(json_object_get(body, "Code"));
		if (c && *c && !(code && *code))
			code = c;
	}
	if (!err->code && code && *code)
		err->code = clean_code(code);
	if (json_is_object(body)) {
		msg = json_string_value(json_object_get(body, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(body, "Message"));
		if (!msg)
			msg = json_string_value(json_object_get(body, "errorMessage"));
	}
	if (msg)
		err->message = cairn_xstrdup(msg);
	if (!body && !err->code && r->len) {
		/* Not JSON: a front end (or an emulator) answered in XML. Take
		 * the code and message from it rather than losing them. */
		cairn_xml_node *root = NULL;
		size_t i = 0;
		while (i < r->len && isspace((unsigned char)r->body[i]))
			i++;
		if (i < r->len && r->body[i] == '<' &&
		    cairn_xml_parse(r->body, r->len, &root) == 0) {
			xml_error(r, root, err);
			cairn_xml_free(root);
		}
	}
	json_decref(body);
	generic_error(r, err);
}

static void xml_error(const cairn_proto_resp *r, const cairn_xml_node *root, cairn_proto_err *err)
{
	const cairn_xml_node *c = cairn_xml_find(root, "Code");
	const cairn_xml_node *msg = cairn_xml_find(root, "Message");
	if (!msg)
		msg = cairn_xml_find(root, "message");
	if (c && c->text.len)
		err->code = cairn_xstrdup(c->text.ptr);
	if (msg && msg->text.len)
		err->message = cairn_xstrdup(msg->text.ptr);
	if (!err->request_id) {
		const cairn_xml_node *rid = cairn_xml_find(root, "RequestId");
		if (!rid)
			rid = cairn_xml_find(root, "RequestID");
		if (rid && rid->text.len)
			err->request_id = cairn_xstrdup(rid->text.ptr);
	}
	generic_error(r, err);
}

/* ---- botocore's result customisations ------------------------------------ */

/* IAM: strings of shape policyDocumentType are URL-encoded JSON; give
 * them back decoded and parsed (or unchanged if that fails). */
static void decode_policies(const cairn_model *m, const cairn_shref *s, json_t *v, int depth)
{
	const char *t = cairn_shref_type(s);
	if (depth > 50)
		return;
	if (strcmp(t, "structure") == 0 && json_is_object(v)) {
		const char *k;
		json_t *mref;
		json_object_foreach(json_object_get(s->shape, "members"), k, mref)
		{
			cairn_shref ms;
			json_t *x = json_object_get(v, k);
			if (!x || cairn_model_ref(m, mref, &ms) < 0)
				continue;
			if (strcmp(cairn_shref_type(&ms), "string") == 0 &&
			    strcmp(ms.name, "policyDocumentType") == 0 && json_is_string(x)) {
				cairn_buf b = CAIRN_BUF_INIT;
				json_t *doc;
				cairn_uri_decode(&b, json_string_value(x), json_string_length(x),
				                 0);
				doc = json_loadb(b.ptr ? b.ptr : "", b.len, JSON_DECODE_ANY, NULL);
				if (doc)
					json_object_set_new(v, k, doc);
				cairn_buf_dispose(&b);
			} else {
				decode_policies(m, &ms, x, depth + 1);
			}
		}
	} else if (strcmp(t, "list") == 0 && json_is_array(v)) {
		cairn_shref item;
		size_t i;
		if (cairn_model_ref(m, json_object_get(s->shape, "member"), &item) < 0)
			return;
		for (i = 0; i < json_array_size(v); i++)
			decode_policies(m, &item, json_array_get(v, i), depth + 1);
	}
}

static void unquote_field(json_t *o, const char *k)
{
	json_t *x = json_object_get(o, k);
	cairn_buf b = CAIRN_BUF_INIT;
	if (!json_is_string(x))
		return;
	cairn_uri_decode(&b, json_string_value(x), json_string_length(x), 1);
	json_object_set_new(o, k, json_stringn_nocheck(b.ptr ? b.ptr : "", b.len));
	cairn_buf_dispose(&b);
}

/* S3 listings whose keys were URL-encoded at our request. */
static void decode_list_keys(json_t *res)
{
	static const char *top[] = {"Delimiter",  "Marker",    "NextMarker",   "Prefix",
	                            "StartAfter", "KeyMarker", "NextKeyMarker"};
	static const char *nested[][2] = {{"Contents", "Key"},
	                                  {"CommonPrefixes", "Prefix"},
	                                  {"Versions", "Key"},
	                                  {"DeleteMarkers", "Key"}};
	size_t i, j;
	if (strcmp(json_string_value(json_object_get(res, "EncodingType"))
	               ? json_string_value(json_object_get(res, "EncodingType"))
	               : "",
	           "url") != 0)
		return;
	for (i = 0; i < CAIRN_ARRAY_SIZE(top); i++)
		unquote_field(res, top[i]);
	for (i = 0; i < CAIRN_ARRAY_SIZE(nested); i++) {
		json_t *a = json_object_get(res, nested[i][0]);
		for (j = 0; j < json_array_size(a); j++)
			unquote_field(json_array_get(a, j), nested[i][1]);
	}
}

/* S3 answers a request sent to the wrong region with a redirect or an
 * authorization error and the bucket's region in x-amz-bucket-region;
 * cairn does not follow it (botocore does), so say where the bucket is. */
static void s3_region_hint(const cairn_model *m, const cairn_proto_resp *r, cairn_proto_err *err)
{
	const char *region = header(r->headers, "x-amz-bucket-region");
	char *msg;
	if (strcmp(m->name, "s3") != 0 || !region || !*region || !err->code)
		return;
	if (!(r->status == 301 || r->status == 307 || strcmp(err->code, "PermanentRedirect") == 0 ||
	      strcmp(err->code, "AuthorizationHeaderMalformed") == 0))
		return;
	msg = cairn_xasprintf("%s%sthe bucket is in region %s, not the one this run uses",
	                      err->message ? err->message : "", err->message ? " (" : "", region);
	if (err->message) {
		char *m2 = cairn_xasprintf("%s)", msg);
		free(msg);
		msg = m2;
	}
	free(err->message);
	err->message = msg;
}

/* ---- parse ------------------------------------------------------------- */

static void add_metadata(json_t *res, const char *rid, long status)
{
	json_t *md = json_object();
	if (rid)
		json_object_set_new(md, "RequestId", json_string(rid));
	json_object_set_new(md, "HTTPStatusCode", json_integer(status));
	json_object_set_new(res, "ResponseMetadata", md);
}

static int parse_xml_body(const cairn_proto_resp *r, cairn_xml_node **root)
{
	size_t i;
	*root = NULL;
	for (i = 0; i < r->len; i++)
		if (!isspace((unsigned char)r->body[i]))
			break;
	if (i == r->len)
		return 0;
	return cairn_xml_parse(r->body, r->len, root);
}

static int parse_rest_payload(const cairn_model *m, const cairn_shref *out,
                              const cairn_proto_resp *r, const cairn_xml_node *root,
                              const json_t *jbody, json_t *res)
{
	const char *payload = json_string_value(json_object_get(out->shape, "payload"));
	if (payload) {
		const json_t *mref =
		    json_object_get(json_object_get(out->shape, "members"), payload);
		cairn_shref ps;
		const char *t;
		if (!mref || cairn_model_ref(m, mref, &ps) < 0)
			return 0;
		t = cairn_shref_type(&ps);
		if (strcmp(t, "blob") == 0 || strcmp(t, "string") == 0) {
			if (strcmp(t, "blob") == 0 && !cairn_shref_bool(&ps, "streaming")) {
				cairn_buf b = CAIRN_BUF_INIT;
				cairn_base64_encode(&b, r->body, r->len);
				json_object_set_new(res, payload, json_string(cairn_buf_cstr(&b)));
				cairn_buf_dispose(&b);
			} else {
				json_object_set_new(
				    res, payload,
				    json_stringn_nocheck(r->body ? r->body : "", r->len));
			}
			return 0;
		}
		if (m->protocol == CAIRN_PROTO_REST_XML) {
			if (root)
				json_object_set_new(res, payload, xml_value(m, &ps, root, 0));
		} else if (jbody) {
			json_object_set_new(res, payload, json_value(m, &ps, jbody, 0, 0));
		}
		return 0;
	}
	if (m->protocol == CAIRN_PROTO_REST_XML) {
		if (root) {
			json_t *body = xml_struct(m, out, root, 0);
			json_object_update(res, body);
			json_decref(body);
		}
	} else if (jbody) {
		json_t *body = json_struct(m, out, jbody, 0, 1);
		json_object_update(res, body);
		json_decref(body);
	}
	return 0;
}

int cairn_proto_parse(const cairn_model *m, const json_t *op, const cairn_proto_resp *r,
                      json_t **out, cairn_proto_err *err)
{
	cairn_shref os;
	int has_out = cairn_model_io(m, op, "output", &os) == 0;
	cairn_xml_node *root = NULL;
	json_t *res = NULL;
	char *rid = request_id_from_headers(r->headers);
	int ok = r->status >= 200 && r->status < 300;
	int rc;

	*out = NULL;
	memset(err, 0, sizeof(*err));

	switch (m->protocol) {
	case CAIRN_PROTO_JSON:
	case CAIRN_PROTO_REST_JSON: {
		json_t *body = NULL;
		json_error_t jerr;
		if (!ok) {
			err->request_id = rid;
			json_error(m, r, err);
			return CAIRN_PROTO_ERROR;
		}
		if (ok && !has_out) {
			/* no output: a success's body is not read (botocore does not) */
		} else if (r->len && !(m->protocol == CAIRN_PROTO_REST_JSON && has_out &&
		                json_object_get(os.shape, "payload"))) {
			body = json_loadb(r->body, r->len, JSON_DECODE_ANY, &jerr);
			if (!body) {
				free(rid);
				return cairn_error_set("the response is not JSON (%s at offset %d)",
				                       jerr.text, jerr.position);
			}
		} else if (r->len && m->protocol == CAIRN_PROTO_REST_JSON) {
			/* a payload member: JSON only when it is a structure */
			const json_t *mref = json_object_get(
			    json_object_get(os.shape, "members"),
			    json_string_value(json_object_get(os.shape, "payload")));
			cairn_shref ps;
			if (mref && cairn_model_ref(m, mref, &ps) == 0 &&
			    strcmp(cairn_shref_type(&ps), "structure") == 0)
				body = json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL);
		}
		if (m->protocol == CAIRN_PROTO_JSON) {
			res = has_out ? json_value(m, &os, body, 0, 0) : json_object();
		} else {
			res = json_object();
			if (has_out) {
				rest_header_members(m, &os, r, res);
				parse_rest_payload(m, &os, r, NULL, body, res);
			}
		}
		json_decref(body);
		break;
	}
	case CAIRN_PROTO_QUERY:
	case CAIRN_PROTO_EC2:
	case CAIRN_PROTO_REST_XML: {
		int isstream = 0;
		if (ok && m->protocol == CAIRN_PROTO_REST_XML && has_out) {
			/* a blob/string payload is not XML */
			const char *payload =
			    json_string_value(json_object_get(os.shape, "payload"));
			const json_t *mref =
			    payload ? json_object_get(json_object_get(os.shape, "members"), payload)
			            : NULL;
			cairn_shref ps;
			if (mref && cairn_model_ref(m, mref, &ps) == 0) {
				const char *t = cairn_shref_type(&ps);
				isstream = strcmp(t, "blob") == 0 || strcmp(t, "string") == 0;
			}
		}
		/* A REST-XML operation without output (PutBucketPolicy): a
		 * success's body is not read, as botocore does not read it (S3
		 * sends 204 with none; emulators have been seen to send text). */
		if (ok && m->protocol == CAIRN_PROTO_REST_XML && !has_out)
			isstream = 1;
		if (!isstream) {
			rc = parse_xml_body(r, &root);
			if (rc < 0) {
				if (!ok) {
					err->request_id = rid;
					generic_error(r, err);
					return CAIRN_PROTO_ERROR;
				}
				free(rid);
				return cairn_error_set("the response is not XML (%s)",
				                       cairn_error_last());
			}
		}
		if (!ok || (root && m->protocol == CAIRN_PROTO_REST_XML &&
		            strcmp(root->name, "Error") == 0)) {
			err->request_id = rid;
			if (root)
				xml_error(r, root, err);
			else
				generic_error(r, err);
			if (ok && !err->code)
				err->code = cairn_xstrdup("InternalError");
			s3_region_hint(m, r, err);
			cairn_xml_free(root);
			return CAIRN_PROTO_ERROR;
		}
		res = json_object();
		if (!rid && root) {
			const cairn_xml_node *n = cairn_xml_child(root, "ResponseMetadata");
			n = n ? cairn_xml_child(n, "RequestId")
			      : cairn_xml_child(root, "requestId");
			if (n && n->text.len)
				rid = cairn_xstrdup(n->text.ptr);
		}
		if (has_out) {
			if (m->protocol == CAIRN_PROTO_REST_XML) {
				rest_header_members(m, &os, r, res);
				if (cairn_model_op(m, "GetBucketLocation") == op && root) {
					/* S3 returns the bare <LocationConstraint> element,
					 * empty (null, as boto3 gives it) for us-east-1 */
					json_object_set_new(res, "LocationConstraint",
					                    root->text.len
					                        ? json_string(root->text.ptr)
					                        : json_null());
				} else {
					parse_rest_payload(m, &os, r, root, NULL, res);
				}
				if (r->flags & CAIRN_PROTO_S3_URL_KEYS)
					decode_list_keys(res);
			} else if (root) {
				const char *wrapper = cairn_shref_str(&os, "resultWrapper");
				const cairn_xml_node *n =
				    wrapper ? cairn_xml_child(root, wrapper) : root;
				if (n) {
					json_t *body = xml_struct(m, &os, n, 0);
					json_object_update(res, body);
					json_decref(body);
				}
			}
		}
		cairn_xml_free(root);
		break;
	}
	}
	if (has_out && strcmp(m->name, "iam") == 0)
		decode_policies(m, &os, res, 0);
	add_metadata(res, rid, r->status);
	free(rid);
	*out = res;
	return CAIRN_PROTO_RESULT;
}
