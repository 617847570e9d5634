/*
 * clock.h - the injected clock.
 *
 * Everything that decides on time (rules, escalation deadlines, fix ages) reads
 * it through a struct hf_clock, so tests run on simulated time instead of sleeps.
 */
#ifndef HF_CLOCK_H
#define HF_CLOCK_H

#include "hf.h"

struct hf_clock {
	/* Fills *now. Monotonic for timing, wall-clock UTC for records. */
	void (*read)(const struct hf_clock *clock, struct hf_now *now);
	void *ctx;
};

/* The system clock: CLOCK_MONOTONIC and CLOCK_REALTIME. */
extern const struct hf_clock hf_clock_system;

static inline struct hf_now hf_clock_now(const struct hf_clock *clock)
{
	struct hf_now now;

	clock->read(clock, &now);
	return now;
}

/* A clock that moves only when told (for tests and accelerated simulation). */
struct hf_manual_clock {
	struct hf_clock clock; /* hand &mc.clock to whoever needs a clock */
	struct hf_now now;
};

/* Starts at the given times (mono_ns, unix_ms). */
void hf_manual_clock_init(struct hf_manual_clock *mc, int64_t mono_ns, int64_t unix_ms);
/* Moves both readings forward by delta_ns (>= 0). */
void hf_manual_clock_advance(struct hf_manual_clock *mc, int64_t delta_ns);

#endif
