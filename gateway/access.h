/*
 * access.h - who may do what: roles, the endpoints each may connect to, the
 * commands each may send, and per-identity rate limits. Pure (no sockets,
 * time passed in), so the policy is tested as a table.
 *
 * Roles come from the keys file (security.clients). The policy:
 *
 *   endpoint / request   dispatcher supervisor constable  cad  adapter admin  local
 *   publish (subscribe)      y          y          y       y      -      y      y
 *   ingest                   -          -          -       -      y      -      y
 *   snapshot, stats          y          y        snapshot  y      -      y      y
 *   ack, assign, check-in    y          y          -       y      -      -      y
 *   accept, arrive           y          y         own      y      -      -      y
 *   resolve, cancel          y          y          -       -      -      -      y
 *
 * "own": a constable's key names their unit; they accept and arrive only on
 * an incident assigned to them (the engine checks, hf_command.own_unit).
 * "local" is every client when the gateway has no keys (loopback only).
 */
#ifndef HF_ACCESS_H
#define HF_ACCESS_H

#include "config.h"
#include "engine.h"
#include "hashmap.h"

/* The ZAP domains the gateway sets on its sockets. */
#define HF_DOMAIN_PUBLISH "publish"
#define HF_DOMAIN_COMMAND "command"
#define HF_DOMAIN_INGEST "ingest"

/* What a request asks for, beyond hf_command_kind. */
enum hf_request_kind {
	HF_REQ_SNAPSHOT = 100,
	HF_REQ_STATS = 101,
};

const char *hf_client_role_name(enum hf_client_role role);

/* True if role may connect to the endpoint of ZAP domain (HF_DOMAIN_*). */
bool hf_access_domain(enum hf_client_role role, const char *domain);

/* NULL if role may send request kind (an hf_command_kind or an
 * hf_request_kind); otherwise why not, for the reply. */
const char *hf_access_request(enum hf_client_role role, int kind);

/* The keys-file entry with this public key (Z85) or name, or NULL. */
const struct hf_client_key *hf_access_find_key(const struct hf_config *cfg, const char *z85);
const struct hf_client_key *hf_access_find_name(const struct hf_config *cfg, const char *name);

/* A token bucket: rate tokens a second, at most burst saved up. */
struct hf_bucket {
	double tokens;
	int64_t at_ns; /* monotonic time of the last refill; 0 = new (full) */
};

/* Takes one token if there is one. rate 0 means no limit (always true). */
bool hf_bucket_take(struct hf_bucket *b, double rate, double burst, int64_t now_ns);

/* Buckets by identity. At most HF_LIMITER_MAX identities are tracked; past
 * that, the ones not seen for the longest are forgotten (they start full). */
#define HF_LIMITER_MAX 4096

struct hf_limiter {
	struct hf_strmap index; /* name -> slot */
	struct hf_limiter_slot {
		char name[96];
		struct hf_bucket bucket;
	} *slots;
	size_t n;
};

void hf_limiter_init(struct hf_limiter *l);
void hf_limiter_finish(struct hf_limiter *l);
/* hf_bucket_take on who's bucket. Out of memory: allowed (never fail closed
 * on our own shortage). */
bool hf_limiter_take(struct hf_limiter *l, const char *who, double rate, double burst,
		     int64_t now_ns);

#endif
