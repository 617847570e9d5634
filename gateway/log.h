/*
 * log.h - logging to stderr, in a form that suits both a terminal and journald.
 *
 * When stderr is journald's stream (JOURNAL_STREAM names it, as systemd sets it
 * for StandardError=journal) each line starts with "<N>", the syslog priority
 * (HF_LOG_ERR..HF_LOG_DEBUG are LOG_ERR..LOG_DEBUG, 3..7), and has no timestamp
 * or name, since journald records its own; otherwise (a terminal, a file) each
 * line starts with the UTC time, the program name and the level name.
 */
#ifndef HF_LOG_H
#define HF_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "hf.h"

/* Sets the program name shown in lines and detects journald (from
 * JOURNAL_STREAM and stderr). Call once, with stderr already in place. */
void hf_log_init(const char *ident);
void hf_log_set_level(enum hf_log_level level);
bool hf_log_enabled(enum hf_log_level level);
/* Whether to log the count-th occurrence of a repeated event (1-based): the
 * first ten, then one in a thousand, so a flood cannot flood the log. */
static inline bool hf_log_sample(uint64_t count)
{
	return count <= 10 || count % 1000 == 0;
}
/* Parses err|warn|notice|info|debug; returns false if unknown. */
bool hf_log_level_parse(const char *s, enum hf_log_level *out);

void hf_log(enum hf_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define hf_err(...) hf_log(HF_LOG_ERR, __VA_ARGS__)
#define hf_warn(...) hf_log(HF_LOG_WARN, __VA_ARGS__)
#define hf_notice(...) hf_log(HF_LOG_NOTICE, __VA_ARGS__)
#define hf_info(...) hf_log(HF_LOG_INFO, __VA_ARGS__)
#define hf_debug(...) \
	do { \
		if (hf_log_enabled(HF_LOG_DEBUG)) \
			hf_log(HF_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
