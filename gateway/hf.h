/*
 * hf.h - small definitions shared by every part of handoff.
 *
 * Conventions (see README "Design notes"):
 *  - functions return 0 or a negative errno (libuv codes pass through);
 *    predicates return bool;
 *  - `struct hf_<noun>`; `init`/`finish` for caller-allocated structs,
 *    `create`/`destroy` for heap ones; every destroy accepts NULL;
 *  - pointer arguments are borrowed unless the comment says "takes".
 */
#ifndef HF_HF_H
#define HF_HF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HF_ID_MAX 32    /* unit ids, callsigns, area ids, adapter names (incl. NUL) */
#define HF_NAME_MAX 64  /* human-readable names (teams, area names, status meanings) */
#define HF_ADDR_MAX 128 /* endpoints and host:port strings */

#define HF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HF_NS_PER_MS INT64_C(1000000)
#define HF_NS_PER_S INT64_C(1000000000)

/* Log levels are syslog priorities, so journald shows them right. */
enum hf_log_level {
	HF_LOG_ERR = 3,
	HF_LOG_WARN = 4,
	HF_LOG_NOTICE = 5,
	HF_LOG_INFO = 6,
	HF_LOG_DEBUG = 7,
};

/* A unit's role on the roster. Values match handoff.v1.Role. */
enum hf_role {
	HF_ROLE_UNKNOWN = 0, /* not on the roster */
	HF_ROLE_PCSO = 1,
	HF_ROLE_CONSTABLE = 2,
	HF_ROLE_SUPERVISOR = 3,
};

/*
 * One reading of the clock: monotonic nanoseconds for every timer, deadline and
 * age inside the process; wall-clock UTC milliseconds only for what is recorded
 * or shown. Taken once per event so one decision sees one time.
 */
struct hf_now {
	int64_t mono_ns;
	int64_t unix_ms;
};

/* Copies src into dst (size bytes), always NUL-terminating; returns false if truncated. */
bool hf_strlcpy(char *dst, const char *src, size_t size);

/* Parses "role" words: pcso, constable, supervisor. Returns HF_ROLE_UNKNOWN if none match. */
enum hf_role hf_role_parse(const char *s);

/* Who sent a message on one of the gateway's ZeroMQ sockets. */
struct hf_peer {
	const char *user_id; /* the identity the ZAP handler gave its key; NULL without CURVE */
	const char *address; /* its IP address ("" if unknown) */
};
const char *hf_role_name(enum hf_role role);

#endif
