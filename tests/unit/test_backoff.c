/*
 * test_backoff.c - reconnect delays.
 */
#include <criterion/criterion.h>

#include "backoff.h"

/* Delays double from min to max, each within +-20%, and reset goes back to min. */
Test(backoff, doubles_to_the_ceiling_with_jitter_and_resets)
{
	struct hf_backoff b;
	const uint32_t expect[] = { 100, 200, 400, 800, 1000, 1000 };

	hf_backoff_init(&b, 100, 1000);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
			uint32_t d = hf_backoff_next(&b);

			cr_assert(d >= expect[i] * 4 / 5 && d <= expect[i] * 6 / 5,
				  "delay %zu: %u not within 20%% of %u", i, d, expect[i]);
		}
		hf_backoff_reset(&b);
	}
}

/* A zero minimum means 250 ms; a maximum below the minimum is raised to it. */
Test(backoff, sane_defaults)
{
	struct hf_backoff b;

	hf_backoff_init(&b, 0, 10);
	cr_assert_eq(b.min_ms, 250);
	cr_assert_eq(b.max_ms, 250);
	for (int i = 0; i < 5; i++)
		cr_assert_leq(hf_backoff_next(&b), 300);
}
