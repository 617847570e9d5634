/*
 * test_geoindex.c - the spatial grid: every unit within the bound is visited,
 * near the poles and across the +-180 meridian too; moves and removals keep
 * every cell's slots right.
 */
#include <math.h>

#include <criterion/criterion.h>

#include "geo.h"
#include "geoindex.h"

#define MAX_UNITS 4096

static struct hf_geoindex *g;
static double lats[MAX_UNITS], lons[MAX_UNITS];
static uint32_t n_units;
static bool seen[MAX_UNITS];
static unsigned n_seen, n_twice;

static void setup(void)
{
	g = hf_geoindex_create(HF_GEOINDEX_CELL_M);
	cr_assert_not_null(g);
	n_units = 0;
}

static void teardown(void)
{
	hf_geoindex_destroy(g);
}

TestSuite(geoindex, .init = setup, .fini = teardown);

static uint32_t add(double lat, double lon)
{
	cr_assert_lt(n_units, MAX_UNITS);
	lats[n_units] = lat;
	lons[n_units] = lon;
	cr_assert_eq(hf_geoindex_set(g, n_units, lat, lon), 0);
	return n_units++;
}

/* A visitor that records each unit and keeps the bound as it is. */
static double record(void *ctx, uint32_t unit)
{
	if (seen[unit])
		n_twice++;
	seen[unit] = true;
	n_seen++;
	return *(double *)ctx;
}

static void search(double lat, double lon, double bound_m)
{
	memset(seen, 0, sizeof seen);
	n_seen = n_twice = 0;
	hf_geoindex_search(g, lat, lon, bound_m, record, &bound_m);
}

/* Around each point (at the poles, beside the +-180 meridian, at ordinary
 * places) units on rings of growing distance every 7 degrees of bearing: the
 * search with a bound visits every unit within it, each once. */
Test(geoindex, visits_every_unit_within_the_bound_at_poles_and_antimeridian)
{
	static const double points[][2] = {
		{ 90, 0 },          { -90, 0 },          { 89.9999, 10 },
		{ 89.99, 179.9999 }, { -89.995, -180 },   { 0, 180 },
		{ 0, -180 },        { 45, 179.999 },     { -60, -179.9995 },
		{ 51.5, -0.1 },     { 0, 0 },            { 89.95, -90 },
	};
	static const double dist[] = { 0, 1, 10, 100, 499, 500, 501, 1000, 2999, 3001, 8000 };
	const double bound = 3000;

	for (size_t p = 0; p < HF_ARRAY_SIZE(points); p++) {
		hf_geoindex_destroy(g);
		setup();
		for (size_t d = 0; d < HF_ARRAY_SIZE(dist); d++) {
			for (int b = 0; b < 360; b += 7) {
				double lat, lon;

				hf_geo_destination(points[p][0], points[p][1], b, dist[d], &lat, &lon);
				add(lat, lon);
			}
		}
		search(points[p][0], points[p][1], bound);
		cr_assert_eq(n_twice, 0, "point %zu: a unit visited twice", p);
		for (uint32_t i = 0; i < n_units; i++) {
			double d = hf_geo_distance_m(points[p][0], points[p][1], lats[i], lons[i]);

			if (d <= bound)
				cr_assert(seen[i], "point %zu (%g, %g): unit at (%.7f, %.7f), %.1f m, missed",
					  p, points[p][0], points[p][1], lats[i], lons[i], d);
		}
	}
}

/* A unit just across the +-180 meridian is a neighbour, not half a world away. */
Test(geoindex, the_antimeridian_is_no_edge)
{
	uint32_t east = add(10, 179.9999);

	search(10, -179.9999, 50);
	cr_assert(seen[east]);
	cr_assert_eq(n_seen, 1);
}

/* Moving a unit to another cell takes it out of the old one; removing a unit
 * keeps the others (whose slots were swapped) found where they are. */
Test(geoindex, moves_and_removals_keep_the_cells_right)
{
	uint32_t a = add(51.5, -0.1), b = add(51.5, -0.1), c = add(51.5, -0.1);
	uint32_t row0, col0, row1, col1;

	cr_assert(hf_geoindex_where(g, a, &row0, &col0));
	cr_assert_eq(hf_geoindex_set(g, a, 53.48, -2.24), 0); /* to Manchester */
	cr_assert(hf_geoindex_where(g, a, &row1, &col1));
	cr_assert(row0 != row1 || col0 != col1);
	search(51.5, -0.1, 100);
	cr_assert(!seen[a] && seen[b] && seen[c]);
	search(53.48, -2.24, 100);
	cr_assert(seen[a] && !seen[b] && !seen[c]);

	hf_geoindex_remove(g, b);
	cr_assert_not(hf_geoindex_where(g, b, NULL, NULL));
	cr_assert_eq(g->size, 2);
	search(51.5, -0.1, 100);
	cr_assert(!seen[b] && seen[c]);
	cr_assert_eq(n_seen, 1);
}

/* Positions that are not on the globe are kept aside and offered to every
 * search; a NaN or negative bound offers nothing. */
Test(geoindex, invalid_positions_are_always_offered_and_bad_bounds_offer_nothing)
{
	uint32_t odd = add(95, 10);
	uint32_t nan_ = add(NAN, 0);
	uint32_t near = add(0, 0);

	search(-40, 120, 10);
	cr_assert(seen[odd] && seen[nan_] && !seen[near]);
	search(0, 0, -1);
	cr_assert_eq(n_seen, 0);
	search(0, 0, NAN);
	cr_assert_eq(n_seen, 0);
}

/* With a bound of the whole Earth every unit is visited once, wherever they are. */
Test(geoindex, an_unbounded_search_visits_every_unit_once)
{
	unsigned seed = 7;

	for (int i = 0; i < 2000; i++) {
		double u = rand_r(&seed) / (double)RAND_MAX, v = rand_r(&seed) / (double)RAND_MAX;

		add(asin(2 * u - 1) * 180 / M_PI, v * 360 - 180);
	}
	search(12, 34, INFINITY);
	cr_assert_eq(n_seen, n_units);
	cr_assert_eq(n_twice, 0);
	search(-89, 34, 1e9);
	cr_assert_eq(n_seen, n_units);
	cr_assert_eq(n_twice, 0);
}
