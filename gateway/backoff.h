/*
 * backoff.h - reconnect delays for adapters: exponential from min to max, each
 * with +-20% jitter so many gateways that lost the same peer do not retry in
 * step. Caller-allocated, no resources.
 */
#ifndef HF_BACKOFF_H
#define HF_BACKOFF_H

#include "hf.h"

struct hf_backoff {
	uint32_t min_ms;
	uint32_t max_ms;
	uint32_t next_ms; /* the next delay before jitter */
};

/* min_ms 0 means 250; a max_ms below min_ms is raised to it. */
void hf_backoff_init(struct hf_backoff *b, uint32_t min_ms, uint32_t max_ms);
/* After a success: the next delay is min_ms again. */
void hf_backoff_reset(struct hf_backoff *b);
/* The delay to wait now (jittered), and doubles the next one up to max_ms. */
uint32_t hf_backoff_next(struct hf_backoff *b);

#endif
