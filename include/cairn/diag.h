/*
 * diag.h: diagnostics about user input, printed as FILE:LINE:COL: message.
 *
 * Validation collects every error it finds rather than stopping at the
 * first, so the user fixes a template in one pass. A diagnostic with line
 * 0 has no position and prints as FILE: message.
 */
#ifndef CAIRN_DIAG_H
#define CAIRN_DIAG_H

#include <stdio.h>

#include "cairn/common.h"

typedef enum cairn_severity {
	CAIRN_DIAG_ERROR = 0,
	CAIRN_DIAG_WARNING = 1
} cairn_severity;

typedef struct cairn_diag {
	char *file;       /* path as the user gave it */
	int line, col;    /* 1-based; 0 when unknown */
	cairn_severity severity;
	char *message;    /* without the position prefix */
} cairn_diag;

typedef struct cairn_diags {
	cairn_diag *v;    /* the diagnostics, in the order added (or sorted) */
	size_t n, cap;
	size_t nerrors;   /* how many have severity ERROR */
} cairn_diags;

#define CAIRN_DIAGS_INIT {NULL, 0, 0, 0}

void cairn_diags_add(cairn_diags *d, cairn_severity sev, const char *file,
		     int line, int col, const char *fmt, ...) CAIRN_PRINTF(6, 7);
/* Sorts by file, line, column (stable for equal positions). */
void cairn_diags_sort(cairn_diags *d);
/* Prints each as "FILE:LINE:COL: message" ("warning: " before warnings). */
void cairn_diags_print(const cairn_diags *d, FILE *out);
void cairn_diags_dispose(cairn_diags *d);

#endif
