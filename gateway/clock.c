/*
 * clock.c - see clock.h.
 */
#include <time.h>

#include "clock.h"

static void system_read(const struct hf_clock *clock, struct hf_now *now)
{
	struct timespec ts;

	(void)clock;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now->mono_ns = (int64_t)ts.tv_sec * HF_NS_PER_S + ts.tv_nsec;
	clock_gettime(CLOCK_REALTIME, &ts);
	now->unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct hf_clock hf_clock_system = { .read = system_read };

static void manual_read(const struct hf_clock *clock, struct hf_now *now)
{
	const struct hf_manual_clock *mc = clock->ctx;

	*now = mc->now;
}

void hf_manual_clock_init(struct hf_manual_clock *mc, int64_t mono_ns, int64_t unix_ms)
{
	mc->clock.read = manual_read;
	mc->clock.ctx = mc;
	mc->now.mono_ns = mono_ns;
	mc->now.unix_ms = unix_ms;
}

void hf_manual_clock_advance(struct hf_manual_clock *mc, int64_t delta_ns)
{
	mc->now.mono_ns += delta_ns;
	mc->now.unix_ms += delta_ns / HF_NS_PER_MS;
}
