/*
 * backoff.c - see backoff.h.
 */
#include <stdlib.h>

#include "backoff.h"

void hf_backoff_init(struct hf_backoff *b, uint32_t min_ms, uint32_t max_ms)
{
	b->min_ms = min_ms ? min_ms : 250;
	b->max_ms = max_ms < b->min_ms ? b->min_ms : max_ms;
	b->next_ms = b->min_ms;
}

void hf_backoff_reset(struct hf_backoff *b)
{
	b->next_ms = b->min_ms;
}

uint32_t hf_backoff_next(struct hf_backoff *b)
{
	uint32_t d = b->next_ms;
	uint32_t jittered = d - d / 5 + (uint32_t)(rand() % (int)(d * 2 / 5 + 1));

	b->next_ms = d > b->max_ms / 2 ? b->max_ms : d * 2;
	return jittered;
}
