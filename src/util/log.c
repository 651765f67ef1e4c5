/*
 * log.c: leveled logging to stderr (see log.h). Lines look like
 * "cairn: debug: ..." so they never mix with a command's stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/log.h"

static cairn_log_level current = CAIRN_LOG_WARN;
static const char *names[] = {"error", "warn", "info", "debug", "trace"};

int cairn_log_parse_level(const char *name)
{
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	if (strcmp(name, "warning") == 0)
		return CAIRN_LOG_WARN;
	return -1;
}

void cairn_log_set_level(cairn_log_level level)
{
	current = level;
}

cairn_log_level cairn_log_get_level(void)
{
	return current;
}

int cairn_log_enabled(cairn_log_level level)
{
	return level <= current;
}

void cairn_log(cairn_log_level level, const char *fmt, ...)
{
	va_list ap;
	if (level > current)
		return;
	fprintf(stderr, "cairn: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
