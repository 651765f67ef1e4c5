/*
 * drift.h: drift detection: what changed in AWS since cairn last applied a
 * stack (DESIGN.md §7; docs/commands/drift.md).
 *
 * Drift reads every resource the state records through its provider (the
 * engine's refresh, in parallel) and compares the live configuration with
 * the properties the last apply set, which are exactly the properties the
 * template set then, resolved. The comparison is the plan's own
 * (cairn_diff_properties, plan.h): only what was applied is compared,
 * policy documents semantically, tags as sets without aws: and cairn:
 * keys, "5" == 5, so a clean apply never shows drift and plan and drift
 * never disagree about what "equal" means. Each resource becomes one
 * entry of a report (report.h):
 *
 *   IN_SYNC      every applied property is what AWS reports;
 *   MODIFIED     one difference per property path: expected (applied),
 *                actual (live); a property recorded as showing a NoEcho
 *                value is shown as "(sensitive)" on both sides;
 *   DELETED      the provider's read found nothing;
 *   NOT_CHECKED  with why: the type has no read, a create was
 *                interrupted (pending), or the read failed (the AWS
 *                operation and error code).
 *
 * Nothing is written to the state: a drift run leaves its serial alone, so
 * two runs over an unchanged account give byte-identical reports.
 */
#ifndef CAIRN_DRIFT_H
#define CAIRN_DRIFT_H

#include <jansson.h>

#include "cairn/common.h"
#include "cairn/engine.h"
#include "cairn/report.h"
#include "cairn/stack.h"
#include "cairn/state.h"

/* What a drift run found besides the report entries. */
typedef struct cairn_drift_result {
	size_t read_errors; /* resources whose read failed (NOT_CHECKED, reason says why) */
	size_t drifted;     /* MODIFIED + DELETED entries added */
	json_t *live;       /* the refresh result (engine.h form), a new reference owned
	                     * here: what `cairn audit` builds its live document from */
} cairn_drift_result;

#define CAIRN_DRIFT_RESULT_INIT                                                                    \
	{                                                                                          \
		0, 0, NULL                                                                         \
	}

/* Compares the state st with a refresh result (cairn_engine_refresh's
 * form, see engine.h) and adds one drift entry per resource of st to r,
 * located at the resource's logical id in s's template when the template
 * still has it. Also registers with r, as secrets, the values of NoEcho
 * parameters of s and the values of every property the state marks
 * sensitive. refresh may lack entries (a resource not read): those are
 * NOT_CHECKED. res (may be NULL) gets the counts; its live is not set. */
int cairn_drift_compare(const cairn_stack *s, const cairn_state *st, const json_t *refresh,
                        cairn_report *r, cairn_drift_result *res);

/* Reads every created resource of st through e (pending creates are not
 * read: finding them is apply's job) and compares, as above. res->live
 * gets the refresh result. Fails only when the reads could not run at
 * all; a resource whose read failed is a NOT_CHECKED entry, counted in
 * res->read_errors. */
int cairn_drift_run(cairn_engine *e, const cairn_stack *s, const cairn_state *st, cairn_report *r,
                    cairn_drift_result *res);

void cairn_drift_result_dispose(cairn_drift_result *res);

#endif
