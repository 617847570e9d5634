/*
 * timers.h - the engine's deadlines: a binary min-heap of (due, kind, ref, gen).
 *
 * Nothing is ever removed from the middle: whoever owns a deadline keeps a
 * generation number and bumps it to cancel; a popped entry whose gen no longer
 * matches its owner's is stale and skipped. Pure data; no clock, no I/O.
 */
#ifndef HF_TIMERS_H
#define HF_TIMERS_H

#include "hf.h"

struct hf_deadline {
	int64_t due;   /* monotonic ns */
	uint32_t kind; /* what fires (the owner's enum) */
	uint32_t ref;  /* which object (incident number, unit index, ...) */
	uint32_t gen;  /* the owner's generation when it was queued */
};

struct hf_timers {
	struct hf_deadline *heap;
	size_t n;
	size_t cap;
};

void hf_timers_init(struct hf_timers *t);
void hf_timers_finish(struct hf_timers *t);
/* Queues a deadline. Returns 0 or -ENOMEM. */
int hf_timers_push(struct hf_timers *t, struct hf_deadline d);
/* The earliest deadline, or NULL if none (borrowed until the next change). */
const struct hf_deadline *hf_timers_peek(const struct hf_timers *t);
/* Removes the earliest deadline (no-op when empty). */
void hf_timers_pop(struct hf_timers *t);

#endif
