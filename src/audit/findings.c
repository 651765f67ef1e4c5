/*
 * findings.c: the policy engine's results on a live document, turned into
 * the controls, findings, waivers and policy files of an audit report
 * (audit.h, cairn_audit_report).
 *
 * One control per policy that gave any result (a policy with no resource
 * of its types in the stack gave none and is not listed). A result
 * becomes a finding unless it passed: fail -> failed (also when its waiver
 * expired: the report shows the expired waiver), waived -> waived, could
 * not decide -> not decided, and a policy that failed to run -> not
 * decided, quoting its error (the command exits 1 for it). A finding
 * carries the property path without the leading "Properties." and the
 * live value the document holds at that path, the resource's physical
 * id, and the template position the policy engine found.
 *
 * Waivers are read from the template, not from the results, so that the
 * report lists every waiver declared, including those that waive
 * nothing today: each waiver is listed once per policy of the packs run
 * that its Control names (a framework control may name several), under
 * that policy's id, so the report can tie a waived finding to its waiver
 * exactly as the policy engine did (same control and resource, the first
 * waiver written wins, expired when the run's day is past its expiry).
 *
 * Owns nothing beyond the call.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/audit.h"

static const char *jstr(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int selected(const cairn_audit_results *in, const cairn_policy *p)
{
	size_t i;
	if (!in->packs)
		return 1;
	for (i = 0; i < in->npacks; i++)
		if (strcmp(in->packs[i], p->pack) == 0)
			return 1;
	return 0;
}

static cairn_report_severity severity(cairn_policy_severity s)
{
	switch (s) {
	case CAIRN_SEVERITY_CRITICAL:
		return CAIRN_REPORT_SEV_CRITICAL;
	case CAIRN_SEVERITY_HIGH:
		return CAIRN_REPORT_SEV_HIGH;
	case CAIRN_SEVERITY_MEDIUM:
		return CAIRN_REPORT_SEV_MEDIUM;
	case CAIRN_SEVERITY_LOW:
		break;
	}
	return CAIRN_REPORT_SEV_LOW;
}

/* The value at a policy path ("Properties.A.B[0].C") under a resource of
 * the document, or NULL. */
static const json_t *value_at(const json_t *res, const char *path)
{
	const json_t *v = res;
	const char *p = path;
	char key[256];
	while (v && *p) {
		size_t n;
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			char *end;
			unsigned long i = strtoul(p + 1, &end, 10);
			if (*end != ']' || !json_is_array(v))
				return NULL;
			v = json_array_get(v, i);
			p = end + 1;
			continue;
		}
		n = strcspn(p, ".[");
		if (n >= sizeof(key) || !json_is_object(v))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		p += n;
	}
	return v;
}

/* The message, with the reason an account field was not collected when
 * the message names it (new allocation). */
static char *explain(const char *message, const json_t *problems)
{
	const json_t *pr;
	size_t i;
	json_array_foreach(problems, i, pr) {
		const char *field = jstr(json_object_get(pr, "field"));
		const char *msg = jstr(json_object_get(pr, "message"));
		char *needle;
		const char *hit;
		size_t n;
		if (!field || !msg || strncmp(field, "s3_buckets.", 11) == 0)
			continue;
		needle = cairn_xasprintf("account_data.%s", field);
		hit = strstr(message, needle);
		n = strlen(needle);
		free(needle);
		if (hit && !isalnum((unsigned char)hit[n]) && hit[n] != '_')
			return cairn_xasprintf("%s: %s", message, msg);
	}
	return cairn_xstrdup(message);
}


typedef struct slot {
	const cairn_policy *p;   /* a policy with results */
	cairn_report_control *c; /* its control */
} slot;

static cairn_report_control *control_for(cairn_report *r, slot **slots, size_t *n,
                                         const cairn_policy *p)
{
	cairn_report_control *c;
	const char *fw;
	json_t *ids, *id;
	size_t i;
	for (i = 0; i < *n; i++)
		if ((*slots)[i].p == p)
			return (*slots)[i].c;
	c = cairn_report_add_control(r, p->id, p->title, severity(p->severity),
	                             p->remediation && *p->remediation ? p->remediation : NULL);
	json_object_foreach(p->frameworks, fw, ids) {
		json_array_foreach(ids, i, id) {
			if (jstr(id))
				cairn_report_control_framework(c, fw, jstr(id));
		}
	}
	*slots = cairn_xrealloc(*slots, (*n + 1) * sizeof(**slots));
	(*slots)[*n].p = p;
	(*slots)[*n].c = c;
	(*n)++;
	return c;
}

static void add_finding(cairn_report *r, cairn_report_control *c, const cairn_policy_result *x,
                        const cairn_audit_results *in)
{
	const json_t *res =
	    x->resource ? json_object_get(json_object_get(in->document, "resources"), x->resource)
	                : NULL;
	cairn_report_status st;
	cairn_report_finding *f;
	const char *path = x->path && *x->path ? x->path : NULL;
	char *msg;

	switch (x->status) {
	case CAIRN_RESULT_FAIL:
		st = CAIRN_REPORT_FAILED;
		break;
	case CAIRN_RESULT_WAIVED:
		st = CAIRN_REPORT_WAIVED;
		break;
	default:
		st = CAIRN_REPORT_NOT_DECIDED;
		break;
	}
	if (x->status == CAIRN_RESULT_ERROR)
		msg = cairn_xasprintf("the policy could not run: %s",
		                      x->message ? x->message : "(no message)");
	else if (x->status == CAIRN_RESULT_UNDECIDED)
		msg = explain(x->message ? x->message : "could not decide", in->problems);
	else
		msg = cairn_xstrdup(x->message ? x->message : "(no message)");
	f = cairn_report_control_finding(c, st, x->resource, x->type, msg);
	free(msg);
	cairn_report_finding_subject(f, x->subject);
	if (x->line > 0)
		cairn_report_finding_locate(f, cairn_report_template_path(r), x->line, x->col);
	if (res)
		cairn_report_finding_physical_id(f, jstr(json_object_get(res, "PhysicalId")));
	if (path) {
		int in_props = strncmp(path, "Properties.", 11) == 0;
		const json_t *actual = res && in_props ? value_at(res, path) : NULL;
		json_t *masked = NULL;
		if (actual && in->st && x->resource &&
		    cairn_state_path_sensitive(cairn_state_resource(in->st, x->resource), path + 11))
			actual = masked = json_string("(sensitive)");
		cairn_report_finding_values(f, in_props ? path + 11 : path, NULL, actual);
		json_decref(masked);
	}
}

/* One waiver list of the template (a resource's, or the template's own
 * when id is NULL). seen: "control\x1fresource" already listed. */
static void add_waivers(cairn_report *r, const cairn_audit_results *in, const char *id,
                        const json_t *list, json_t *seen)
{
	const json_t *w;
	size_t i, k;
	json_array_foreach(list, i, w) {
		const char *control = jstr(json_object_get(w, "Control"));
		const char *reason = jstr(json_object_get(w, "Reason"));
		const char *approver = jstr(json_object_get(w, "Approver"));
		const char *expires = jstr(json_object_get(w, "Expires"));
		char ptr[320];
		int line = 0, col = 0, expired, any = 0;
		if (!control || !reason || !approver || !expires)
			continue; /* malformed: the policy run reported it */
		expired = strcmp(expires, in->today) < 0;
		if (id)
			snprintf(ptr, sizeof(ptr), "/Resources/%s/Metadata/Cairn/Waivers/%zu", id,
			         i);
		else
			snprintf(ptr, sizeof(ptr), "/Metadata/Cairn/Waivers/%zu", i);
		cairn_template_mark(in->tpl, ptr, &line, &col);
		for (k = 0; k <= cairn_policy_set_count(in->set); k++) {
			const cairn_policy *p = k < cairn_policy_set_count(in->set)
			                            ? cairn_policy_set_at(in->set, k)
			                            : NULL;
			const char *cid;
			char *key;
			cairn_report_waiver *rw;
			if (p && (!selected(in, p) || !cairn_policy_control_matches(control, p)))
				continue;
			if (!p && any)
				break;
			cid = p ? p->id : control; /* names no policy run: listed as written */
			any = 1;
			key = cairn_xasprintf("%s\x1f%s", cid, id ? id : "");
			if (json_object_get(seen, key)) {
				free(key);
				continue;
			}
			json_object_set_new(seen, key, json_true());
			free(key);
			rw =
			    cairn_report_add_waiver(r, cid, id, reason, approver, expires, expired);
			if (line > 0)
				cairn_report_waiver_locate(rw, cairn_report_template_path(r), line,
				                           col);
		}
	}
}

int cairn_audit_report(cairn_report *r, const cairn_audit_results *in)
{
	slot *slots = NULL;
	size_t nslots = 0, i;
	const json_t *root = cairn_template_root(in->tpl), *def;
	json_t *seen = json_object();
	const char *id;

	for (i = 0; i < cairn_policy_set_count(in->set); i++) {
		const cairn_policy *p = cairn_policy_set_at(in->set, i);
		char sha[65];
		int rc;
		if (!selected(in, p))
			continue;
		cairn_sha256_hex(p->source, p->source_len, sha);
		rc = cairn_report_add_policy(r, p->file, sha);
		if (rc < 0) {
			free(slots);
			json_decref(seen);
			return rc;
		}
	}
	for (i = 0; i < in->rep->n; i++) {
		const cairn_policy_result *x = &in->rep->v[i];
		cairn_report_control *c = control_for(r, &slots, &nslots, x->policy);
		if (x->status != CAIRN_RESULT_PASS)
			add_finding(r, c, x, in);
	}
	json_object_foreach((json_t *)json_object_get(root, "Resources"), id, def) {
		const json_t *list = json_object_get(
		    json_object_get(json_object_get(def, "Metadata"), "Cairn"), "Waivers");
		if (json_is_array(list))
			add_waivers(r, in, id, list, seen);
	}
	def =
	    json_object_get(json_object_get(json_object_get(root, "Metadata"), "Cairn"), "Waivers");
	if (json_is_array(def))
		add_waivers(r, in, NULL, def, seen);
	free(slots);
	json_decref(seen);
	return 0;
}
