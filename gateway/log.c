/*
 * log.c - see log.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* "<N>" under journald is the level itself: the levels are syslog's. */
_Static_assert(HF_LOG_ERR == LOG_ERR && HF_LOG_WARN == LOG_WARNING &&
	       HF_LOG_NOTICE == LOG_NOTICE && HF_LOG_INFO == LOG_INFO &&
	       HF_LOG_DEBUG == LOG_DEBUG, "log levels must be syslog priorities");

static const char *log_ident = "handoff";
static enum hf_log_level log_level = HF_LOG_INFO;
static bool log_journald;

static const char *const level_names[] = {
	[HF_LOG_ERR] = "err",       [HF_LOG_WARN] = "warn",
	[HF_LOG_NOTICE] = "notice", [HF_LOG_INFO] = "info",
	[HF_LOG_DEBUG] = "debug",
};

/* True if stderr is the stream systemd connected to journald: JOURNAL_STREAM
 * ("DEVICE:INODE") names the very file stderr is. Only the variable being set
 * is not enough: a program started from a service (a shell in a terminal
 * emulator started by systemd --user, say) inherits it with stderr elsewhere. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!env || sscanf(env, "%llu:%llu%n", &dev, &ino, &end) != 2 || env[end] != '\0')
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void hf_log_init(const char *ident)
{
	log_ident = ident;
	log_journald = stderr_is_journal();
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
