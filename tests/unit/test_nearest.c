/*
 * test_nearest.c - choosing the nearest available constables.
 */
#include <math.h>

#include <criterion/criterion.h>

#include "fixtures.h"
#include "geo.h"
#include "geoindex.h"
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

/* Moving a unit updates the index: it is found at the new place and no longer
 * at the old one; a unit without a fix is not in the index at all. */
Test(nearest, a_moved_unit_is_found_at_its_new_place_only)
{
	struct hf_candidate out[HF_ASKED_MAX];
	struct hf_nearest_query q = query(5, 200);
	struct hf_unit *pc1 = hf_registry_find_issi(&reg, 2002001);
	struct hf_radio_event ev = fx_fix_ev(2002001, 53.4808, -2.2426); /* Manchester */

	cr_assert_not(hf_geoindex_where(reg.geo, pc1->index, NULL, NULL));
	place(2002001, 50, 0);
	cr_assert(hf_geoindex_where(reg.geo, pc1->index, NULL, NULL));
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 1);
	cr_assert_eq(out[0].unit, pc1->index);

	hf_registry_apply_event(pc1, &ev, &now);
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 0);
	q.lat = 53.4808;
	q.lon = -2.2426;
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 1);
	cr_assert_eq(out[0].unit, pc1->index);
	cr_assert_float_eq(out[0].distance_m, 0, 1e-9);
}

/* An index that ran out of memory is not trusted: the scan answers instead, so
 * a unit missing from the index is still found. */
Test(nearest, a_failed_index_falls_back_to_the_scan)
{
	struct hf_candidate out[HF_ASKED_MAX];
	struct hf_nearest_query q = query(5, 1000);
	struct hf_unit *pc2 = hf_registry_find_issi(&reg, 2002002);

	place(2002001, 100, 0);
	place(2002002, 200, 0);
	hf_geoindex_remove(reg.geo, pc2->index); /* as if its move had failed */
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 1);
	reg.geo->failed = true;
	cr_assert_eq(hf_nearest(&reg, &q, &now, out), 2);
	cr_assert_eq(out[1].unit, pc2->index);
}

/* ---------------------------------------------------------------- property */

/* splitmix64: a seeded, deterministic generator for the property test. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static double rng_range(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(s);
}

/* A place of the kind that breaks grids: anywhere on the globe, in a city, in
 * one tight cluster (with exact repeats), at or near a pole, on or near the
 * +-180 meridian, or (rarely) not on the globe at all. */
static void random_place(uint64_t *s, double *lat, double *lon)
{
	unsigned kind = (unsigned)(rng_next(s) % 100);

	if (kind < 20) {
		*lat = asin(rng_range(s, -1, 1)) * 180 / M_PI;
		*lon = rng_range(s, -180, 180);
	} else if (kind < 45) {
		*lat = rng_range(s, 51.3, 51.7);
		*lon = rng_range(s, -0.4, 0.2);
	} else if (kind < 60) {
		static const double spots[][2] = { { 51.5072, -0.1276 }, { 51.5, -0.1 } };
		unsigned spot = (unsigned)(rng_next(s) % 2);

		*lat = spots[spot][0];
		*lon = spots[spot][1];
		if (rng_next(s) % 3) { /* else exactly on the spot: equal distances */
			*lat += rng_range(s, -3e-4, 3e-4);
			*lon += rng_range(s, -3e-4, 3e-4);
		}
	} else if (kind < 75) {
		double pole = rng_next(s) % 2 ? 90 : -90;

		*lat = rng_next(s) % 8 ? pole - copysign(rng_range(s, 0, 0.2), pole) : pole;
		*lon = rng_range(s, -180, 180);
	} else if (kind < 95) {
		*lat = rng_range(s, -70, 70);
		*lon = rng_next(s) % 8 ? rng_range(s, 179.8, 180) : 180;
		if (rng_next(s) % 2)
			*lon = -*lon;
	} else if (kind < 97) {
		*lat = rng_range(s, 90.001, 95);
		*lon = rng_range(s, -180, 180);
	} else {
		*lat = rng_range(s, -60, 60);
		*lon = rng_range(s, 180.001, 200);
	}
}

/* Eligibility for the property test: two thirds of the units qualify. */
static bool two_in_three(const struct hf_unit *u, void *ctx)
{
	return u->issi % 3 != 0;
}

/* The index agrees with the full scan on thousands of random units (some not
 * eligible, some without a fix, some moving between queries, clusters in one
 * cell, near the poles and across the +-180 meridian, a few off the globe),
 * for radii from metres to the whole Earth and k from 1 to 16: the same units,
 * in the same order, with the same distances and stale flags. */
Test(nearest, index_and_scan_agree_on_random_worlds)
{
	struct hf_candidate a[HF_ASKED_MAX], b[HF_ASKED_MAX];
	static const double radii[] = { 30, 300, 1000, 5000, 50000, 2e6, 1e9, INFINITY };
	uint64_t s = 20261123;
	const uint32_t n_units = 6000;
	uint32_t first = reg.n;
	size_t n_found = 0;

	for (uint32_t i = 0; i < n_units; i++) {
		struct hf_radio_event ev = fx_fix_ev(5000000 + i, 0, 0);
		struct hf_unit *u = hf_registry_resolve(&reg, &ev, "central");
		struct hf_now then = now;

		cr_assert_not_null(u);
		if (rng_next(&s) % 10 == 0)
			continue; /* heard, but never a fix */
		random_place(&s, &ev.fix.lat, &ev.fix.lon);
		then.mono_ns -= (int64_t)(rng_next(&s) % 600) * HF_NS_PER_S;
		hf_registry_apply_event(u, &ev, &then);
	}
	for (int round = 0; round < 1500; round++) {
		struct hf_nearest_query q = {
			.k = 1 + rng_next(&s) % HF_ASKED_MAX,
			.radius_m = radii[rng_next(&s) % HF_ARRAY_SIZE(radii)],
			.stale_after_ns = 300 * HF_NS_PER_S,
			.exclude = HF_UNIT_NONE,
			.eligible = two_in_three,
		};

		/* Some units move: a step, or somewhere else entirely. */
		for (int m = 0; m < 20; m++) {
			struct hf_unit *u = hf_registry_at(&reg, first + rng_next(&s) % n_units);
			struct hf_radio_event ev = fx_fix_ev(u->issi, 0, 0);

			if (u->has_fix && rng_next(&s) % 2) {
				ev.fix.lat = fmin(90, fmax(-90, u->fix.lat + rng_range(&s, -0.01, 0.01)));
				ev.fix.lon = u->fix.lon + rng_range(&s, -0.01, 0.01);
			} else {
				random_place(&s, &ev.fix.lat, &ev.fix.lon);
			}
			hf_registry_apply_event(u, &ev, &now);
		}
		if (rng_next(&s) % 4 == 0) { /* on top of a unit */
			const struct hf_unit *u = hf_registry_at(&reg, first + rng_next(&s) % n_units);

			q.lat = u->has_fix ? u->fix.lat : 0;
			q.lon = u->has_fix ? u->fix.lon : 0;
			if (rng_next(&s) % 2)
				q.exclude = u->index;
		} else {
			random_place(&s, &q.lat, &q.lon);
		}
		if (rng_next(&s) % 10 == 0)
			q.eligible = NULL;

		size_t n = hf_nearest(&reg, &q, &now, a);

		cr_assert_eq(n, hf_nearest_scan(&reg, &q, &now, b),
			     "round %d: query (%.7f, %.7f) k %zu r %g", round, q.lat, q.lon, q.k,
			     q.radius_m);
		for (size_t i = 0; i < n; i++) {
			cr_assert_eq(a[i].unit, b[i].unit, "round %d, rank %zu: unit %u, scan %u",
				     round, i, a[i].unit, b[i].unit);
			cr_assert_eq(a[i].distance_m, b[i].distance_m);
			cr_assert_eq(a[i].stale, b[i].stale);
		}
		n_found += n;
	}
	cr_assert_gt(n_found, 1500 * 3); /* the worlds were not empty */
}
