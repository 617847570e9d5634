/*
 * log.c - see log.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

static const char *log_ident = "handoff";
static enum hf_log_level log_level = HF_LOG_INFO;
static bool log_journald;

static const char *const level_names[] = {
	[HF_LOG_ERR] = "err",       [HF_LOG_WARN] = "warn",
	[HF_LOG_NOTICE] = "notice", [HF_LOG_INFO] = "info",
	[HF_LOG_DEBUG] = "debug",
};

void hf_log_init(const char *ident)
{
	log_ident = ident;
	log_journald = getenv("JOURNAL_STREAM") != NULL;
}

void hf_log_set_level(enum hf_log_level level)
{
	log_level = level;
}

bool hf_log_enabled(enum hf_log_level level)
{
	return level <= log_level;
}

bool hf_log_level_parse(const char *s, enum hf_log_level *out)
{
	for (size_t i = HF_LOG_ERR; i < HF_ARRAY_SIZE(level_names); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum hf_log_level)i;
			return true;
		}
	}
	return false;
}

/* Formats the whole line first and writes it with one call, so lines from
 * several processes sharing a terminal or pipe do not interleave mid-line. */
void hf_log(enum hf_log_level level, const char *fmt, ...)
{
	char line[1024];
	int n;
	va_list ap;

	if (!hf_log_enabled(level))
		return;
	if (log_journald) {
		n = snprintf(line, sizeof line, "<%d>", (int)level);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof line,
			     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_ident,
			     level_names[level]);
	}
	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stderr);
}
