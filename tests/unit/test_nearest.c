/*
 * test_nearest.c - choosing the nearest available constables.
 */
#include <criterion/criterion.h>

#include "fixtures.h"
#include "geo.h"
#include "nearest.h"

static struct hf_config cfg;
static struct hf_registry reg;
static struct hf_now now = { .mono_ns = 5000 * HF_NS_PER_S, .unix_ms = 1795000000000 };

/* The PCSO is at the origin; constables are due north at these distances. */
static const double origin_lat = 51.5, origin_lon = -0.1;

static void place(uint32_t issi, double metres_north, int64_t age_s)
{
	struct hf_unit *u = hf_registry_find_issi(&reg, issi);
	struct hf_radio_event ev = fx_fix_ev(issi, 0, 0);
	struct hf_now then = now;

	hf_geo_destination(origin_lat, origin_lon, 0, metres_north, &ev.fix.lat, &ev.fix.lon);
	then.mono_ns -= age_s * HF_NS_PER_S;
	then.unix_ms -= age_s * 1000;
	hf_registry_apply_event(u, &ev, &then);
}

static bool constables_only(const struct hf_unit *u, void *ctx)
{
	return u->role == HF_ROLE_CONSTABLE;
}

static struct hf_nearest_query query(size_t k, double radius_m)
{
	return (struct hf_nearest_query){
		.lat = origin_lat,
		.lon = origin_lon,
		.k = k,
		.radius_m = radius_m,
		.stale_after_ns = 300 * HF_NS_PER_S,
		.exclude = HF_UNIT_NONE,
		.eligible = constables_only,
	};
}

static void setup(void)
{
	fx_config(&cfg);
	hf_registry_init(&reg);
	hf_registry_apply_roster(&reg, &cfg);
}

static void teardown(void)
{
	hf_registry_finish(&reg);
}

TestSuite(nearest, .init = setup, .fini = teardown);

/* The K nearest come back nearest first with their great-circle distances. */
Test(nearest, returns_k_nearest_in_order)
{
	struct hf_candidate out[HF_ASKED_MAX];
	struct hf_nearest_query q = query(3, 10000);
	size_t n;

	place(2002001, 900, 0);
	place(2002002, 300, 0);
	place(2002003, 2500, 0);
	place(2002004, 600, 0);
	place(2002005, 1200, 0);
	n = hf_nearest(&reg, &q, &now, out);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(hf_registry_at(&reg, out[0].unit)->id, "pc-2");
	cr_assert_str_eq(hf_registry_at(&reg, out[1].unit)->id, "pc-4");
	cr_assert_str_eq(hf_registry_at(&reg, out[2].unit)->id, "pc-1");
	cr_assert_float_eq(out[0].distance_m, 300, 0.5);
	cr_assert_float_eq(out[2].distance_m, 900, 0.5);
}

/* Nobody beyond the radius is asked, and fewer than K is fine. */
Test(nearest, respects_the_radius)
{
	struct hf_candidate out[HF_ASKED_MAX];
	struct hf_nearest_query q = query(3, 1000);

	place(2002001, 900, 0);
	place(2002002, 1001, 0);
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 1);
	cr_assert_str_eq(hf_registry_at(&reg, out[0].unit)->id, "pc-1");
}

/* A stale fix is still ranked by distance, and flagged. */
Test(nearest, stale_fix_is_ranked_and_flagged)
{
	struct hf_candidate out[HF_ASKED_MAX];
	struct hf_nearest_query q = query(2, 10000);

	place(2002001, 200, 600); /* ten minutes old */
	place(2002002, 400, 10);
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 2);
	cr_assert_str_eq(hf_registry_at(&reg, out[0].unit)->id, "pc-1");
	cr_assert(out[0].stale);
	cr_assert_not(out[1].stale);
}

/* Units that are not eligible, without a fix, or excluded are never returned. */
Test(nearest, skips_ineligible_fixless_and_excluded_units)
{
	struct hf_candidate out[HF_ASKED_MAX];
	struct hf_nearest_query q = query(5, 10000);

	place(2001002, 10, 0);  /* a PCSO: not a constable */
	place(2003001, 20, 0);  /* a supervisor */
	place(2002001, 30, 0);
	place(2002002, 40, 0);
	q.exclude = hf_registry_find_issi(&reg, 2002001)->index;
	/* pc-3..pc-5 have no fix */
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 1);
	cr_assert_str_eq(hf_registry_at(&reg, out[0].unit)->id, "pc-2");
}

/* The selection agrees with a plain sort over many random units. */
Test(nearest, agrees_with_a_full_sort)
{
	struct hf_candidate out[HF_ASKED_MAX];
	struct hf_nearest_query q = query(5, 1e9);
	double best[5] = { 1e18, 1e18, 1e18, 1e18, 1e18 };
	unsigned seed = 42;

	q.eligible = NULL;
	for (uint32_t i = 0; i < 2000; i++) {
		struct hf_radio_event ev = fx_fix_ev(4000000 + i, 0, 0);
		struct hf_unit *u = hf_registry_resolve(&reg, &ev, "central");
		double d;

		ev.fix.lat = origin_lat + ((double)(rand_r(&seed) % 20000) - 10000) / 1e5;
		ev.fix.lon = origin_lon + ((double)(rand_r(&seed) % 20000) - 10000) / 1e5;
		hf_registry_apply_event(u, &ev, &now);
		d = hf_geo_distance_m(origin_lat, origin_lon, ev.fix.lat, ev.fix.lon);
		for (int k = 0; k < 5; k++) {
			if (d < best[k]) {
				for (int j = 4; j > k; j--)
					best[j] = best[j - 1];
				best[k] = d;
				break;
			}
		}
	}
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 5);
	for (int k = 0; k < 5; k++)
		cr_assert_float_eq(out[k].distance_m, best[k], 1e-6);
}
