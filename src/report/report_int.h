/*
 * report_int.h: private to src/report: the report structure and the
 * helpers the model (report.c), the renderers (render.c) and the committer
 * (gitcommit.c) share.
 */
#ifndef CAIRN_REPORT_INT_H
#define CAIRN_REPORT_INT_H

#include "cairn/report.h"

struct cairn_report {
	cairn_report_kind kind;
	char *stack;                   /* validated plain file name */
	char *version;                 /* cairn version that made the report */
	char *generated_at;            /* RFC 3339, or NULL (never in committed files) */
	char *template_path;           /* as given, or NULL */
	char template_sha256[65];      /* hex, "" when unset */
	long long state_serial;        /* < 0: none */
	char *state_lineage;           /* or NULL */
	char **regions;                /* audit: the regions whose account settings were read,
					* sorted, or NULL when not recorded */
	size_t nregions;
	cairn_report_policy **policies;/* audit: policy files evaluated */
	size_t npolicies, cappolicies;
	char policies_sha256[65];      /* digest of policies (finish), "" when none */
	cairn_report_drift **drift;    /* one per resource */
	size_t ndrift, capdrift;
	int has_drift;                 /* audit: the drift section is included */
	cairn_report_control **controls;
	size_t ncontrols, capcontrols;
	cairn_report_waiver **waivers;
	size_t nwaivers, capwaivers;
	char **secrets;                /* literals to redact (NoEcho values) */
	size_t nsecrets, capsecrets;
	int redacted;                  /* 1: an internal copy already redacted (never set on a
					* report a caller builds) */
};

/* A redactor holding the report's secrets (caller frees). */
cairn_redactor *cairn__report_redactor(const cairn_report *r);

/* A redacted, finished copy of r: what every renderer draws from, so
 * nothing unredacted can reach an output. When r is itself such a copy,
 * *out is r (nothing to free); otherwise the caller frees *out. Use
 * cairn__report_release to free it either way. */
int cairn__report_redacted(cairn_report *r, cairn_report **out);
void cairn__report_release(cairn_report *r, cairn_report *copy);

/* The JSON form of r as it is, without redaction: only for a report that
 * came from cairn__report_redacted. */
json_t *cairn__report_to_json_raw(const cairn_report *r);

/* The drift part of r's JSON (summary and resources), appended to obj. */
void cairn__report_drift_json(const cairn_report *r, json_t *obj);

#endif
