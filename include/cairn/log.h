/*
 * log.h: diagnostic logging to stderr.
 *
 * The level comes from --log-level or CAIRN_LOG (error, warn, info, debug,
 * trace); the default is warn. Debug prints one line per AWS request. No
 * caller may pass a secret (keys, tokens, signatures, credential_process
 * output) to these functions: the AWS client redacts before it logs.
 */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include "cairn/common.h"

typedef enum cairn_log_level {
	CAIRN_LOG_ERROR = 0,
	CAIRN_LOG_WARN = 1,
	CAIRN_LOG_INFO = 2,
	CAIRN_LOG_DEBUG = 3,
	CAIRN_LOG_TRACE = 4
} cairn_log_level;

/* Parses "debug" etc.; returns -1 for an unknown name. */
int cairn_log_parse_level(const char *name);
void cairn_log_set_level(cairn_log_level level);
cairn_log_level cairn_log_get_level(void);
int cairn_log_enabled(cairn_log_level level);
void cairn_log(cairn_log_level level, const char *fmt, ...) CAIRN_PRINTF(2, 3);

#endif
