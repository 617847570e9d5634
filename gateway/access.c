/*
 * access.c - see access.h.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"

const char *hf_client_role_name(enum hf_client_role role)
{
	switch (role) {
	case HF_CLIENT_DISPATCHER: return "dispatcher";
	case HF_CLIENT_SUPERVISOR: return "supervisor";
	case HF_CLIENT_CONSTABLE: return "constable";
	case HF_CLIENT_CAD: return "cad";
	case HF_CLIENT_ADAPTER: return "adapter";
	case HF_CLIENT_ADMIN: return "admin";
	case HF_CLIENT_LOCAL: return "local";
	}
	return "unknown";
}

bool hf_access_domain(enum hf_client_role role, const char *domain)
{
	if (role == HF_CLIENT_LOCAL)
		return true;
	if (strcmp(domain, HF_DOMAIN_INGEST) == 0)
		return role == HF_CLIENT_ADAPTER;
	if (strcmp(domain, HF_DOMAIN_PUBLISH) == 0 || strcmp(domain, HF_DOMAIN_COMMAND) == 0)
		return role != HF_CLIENT_ADAPTER;
	return false;
}

/* Bit per role (1 << role) for each request kind. */
#define R(role) (1u << HF_CLIENT_##role)
#define DESK (R(DISPATCHER) | R(SUPERVISOR) | R(LOCAL))

static unsigned allowed(int kind)
{
	switch (kind) {
	case HF_REQ_SNAPSHOT:
		return DESK | R(CONSTABLE) | R(CAD) | R(ADMIN);
	case HF_REQ_STATS:
		return DESK | R(CAD) | R(ADMIN);
	case HF_CMD_ACK:
	case HF_CMD_ASSIGN:
	case HF_CMD_CHECK_IN:
		return DESK | R(CAD);
	case HF_CMD_ACCEPT:
	case HF_CMD_ARRIVE:
		return DESK | R(CAD) | R(CONSTABLE);
	case HF_CMD_RESOLVE:
	case HF_CMD_CANCEL:
		return DESK;
	default:
		return 0;
	}
}

const char *hf_access_request(enum hf_client_role role, int kind)
{
	if (allowed(kind) & (1u << role))
		return NULL;
	switch (kind) {
	case HF_CMD_RESOLVE:
	case HF_CMD_CANCEL:
		return "only a dispatcher or a supervisor resolves or cancels an incident";
	case HF_CMD_ACK:
	case HF_CMD_ASSIGN:
	case HF_CMD_CHECK_IN:
		return "only a dispatcher, a supervisor or a CAD system acknowledges, assigns or "
		       "records a check-in";
	case HF_CMD_ACCEPT:
	case HF_CMD_ARRIVE:
		return "this role does not accept or arrive on incidents";
	case HF_REQ_SNAPSHOT:
	case HF_REQ_STATS:
		return "this role does not read the gateway's state";
	default:
		return "unknown request kind";
	}
}

const struct hf_client_key *hf_access_find_key(const struct hf_config *cfg, const char *z85)
{
	for (size_t i = 0; z85 && i < cfg->security.n_clients; i++)
		if (strcmp(cfg->security.clients[i].key, z85) == 0)
			return &cfg->security.clients[i];
	return NULL;
}

const struct hf_client_key *hf_access_find_name(const struct hf_config *cfg, const char *name)
{
	for (size_t i = 0; name && i < cfg->security.n_clients; i++)
		if (strcmp(cfg->security.clients[i].name, name) == 0)
			return &cfg->security.clients[i];
	return NULL;
}

bool hf_bucket_take(struct hf_bucket *b, double rate, double burst, int64_t now_ns)
{
	if (rate <= 0)
		return true;
	if (b->at_ns == 0) {
		b->tokens = burst;
	} else if (now_ns > b->at_ns) {
		b->tokens += (double)(now_ns - b->at_ns) * rate / 1e9;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->at_ns = now_ns > 0 ? now_ns : 1;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

void hf_limiter_init(struct hf_limiter *l)
{
	memset(l, 0, sizeof *l);
	hf_strmap_init(&l->index, false);
}

void hf_limiter_finish(struct hf_limiter *l)
{
	hf_strmap_finish(&l->index);
	free(l->slots);
	memset(l, 0, sizeof *l);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Forgets the identities not seen for the longest (the older half). */
static void forget_oldest(struct hf_limiter *l)
{
	int64_t *ages = malloc(l->n * sizeof *ages);
	int64_t cut = INT64_MAX; /* out of memory: forget all, they start full */
	size_t kept = 0;

	if (ages) {
		for (size_t i = 0; i < l->n; i++)
			ages[i] = l->slots[i].bucket.at_ns;
		qsort(ages, l->n, sizeof *ages, cmp_i64);
		cut = ages[l->n / 2];
		free(ages);
	}
	hf_strmap_clear(&l->index);
	for (size_t i = 0; i < l->n; i++) {
		if (l->slots[i].bucket.at_ns < cut)
			continue;
		l->slots[kept] = l->slots[i];
		hf_strmap_put(&l->index, l->slots[kept].name, (uint32_t)kept);
		kept++;
	}
	if (kept >= HF_LIMITER_MAX) { /* all seen at the same instant */
		hf_strmap_clear(&l->index);
		kept = 0;
	}
	l->n = kept;
}

bool hf_limiter_take(struct hf_limiter *l, const char *who, double rate, double burst,
		     int64_t now_ns)
{
	uint32_t slot;

	if (rate <= 0)
		return true;
	if (!hf_strmap_get(&l->index, who, &slot)) {
		if (!l->slots) {
			l->slots = calloc(HF_LIMITER_MAX, sizeof *l->slots);
			if (!l->slots)
				return true;
		}
		if (l->n == HF_LIMITER_MAX)
			forget_oldest(l);
		slot = (uint32_t)l->n;
		memset(&l->slots[slot], 0, sizeof l->slots[slot]);
		hf_strlcpy(l->slots[slot].name, who, sizeof l->slots[slot].name);
		if (hf_strmap_put(&l->index, l->slots[slot].name, slot) != 0)
			return true;
		l->n++;
	}
	return hf_bucket_take(&l->slots[slot].bucket, rate, burst, now_ns);
}
