/*
 * bench_places.c - the cost of one point lookup among ~200 places.
 *
 * Builds a GeoJSON text of 200 places scattered over the demo area (100
 * circles, 80 ten-sided polygons, 20 larger areas), then times
 * hf_places_at() at 200,000 pseudo-random points inside it. Beside it, as the
 * baseline measured in the same run, the plain cost of 200 great-circle
 * distances per point (what a lookup would cost without bounding boxes).
 * Prints figures; asserts nothing about speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo.h"
#include "places.h"

#define PLACES 200
#define POINTS 200000

static const double clat = 51.5138, clon = -0.0984;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A deterministic pseudo-random number in [0, 1). */
static double rnd(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (double)((*state >> 8) & 0xffffff) / 16777216.0;
}

/* Appends a ten-sided polygon of radius r metres around (lat, lon). */
static size_t polygon(char *buf, double lat, double lon, double r)
{
	size_t n = (size_t)sprintf(buf, "{\"type\": \"Polygon\", \"coordinates\": [[");
	double plat, plon, flat = 0, flon = 0;

	for (int i = 0; i <= 10; i++) {
		hf_geo_destination(lat, lon, 360.0 - i * 36.0, r, &plat, &plon);
		if (i == 0) {
			flat = plat;
			flon = plon;
		}
		if (i == 10) {
			plat = flat;
			plon = flon;
		}
		n += (size_t)sprintf(buf + n, "%s[%.7f, %.7f]", i ? ", " : "", plon, plat);
	}
	return n + (size_t)sprintf(buf + n, "]]}");
}

int main(void)
{
	char *text = malloc(1 << 20);
	size_t len = 0;
	unsigned seed = 7;
	struct hf_places *p = NULL;
	struct hf_diag d;
	double t0, t_lookup, t_base, sink = 0, *pts = malloc(2 * POINTS * sizeof(double));
	size_t hits = 0;

	len += (size_t)sprintf(text, "{\"type\": \"FeatureCollection\", \"features\": [\n");
	for (int i = 0; i < PLACES; i++) {
		double lat, lon;
		const char *kind = i < 20 ? "area" : "flagged";

		hf_geo_destination(clat, clon, rnd(&seed) * 360.0, rnd(&seed) * 1200.0, &lat, &lon);
		len += (size_t)sprintf(text + len, "%s{\"type\": \"Feature\", \"properties\": "
				       "{\"kind\": \"%s\", \"id\": \"p%d\"", i ? ",\n" : "", kind, i);
		if (i >= 20 && i < 120) {
			len += (size_t)sprintf(text + len, ", \"radius_m\": %.1f}, \"geometry\": "
					       "{\"type\": \"Point\", \"coordinates\": [%.7f, %.7f]}}",
					       20 + rnd(&seed) * 80, lon, lat);
			continue;
		}
		len += (size_t)sprintf(text + len, "}, \"geometry\": ");
		len += polygon(text + len, lat, lon, i < 20 ? 300 + rnd(&seed) * 300 :
							   30 + rnd(&seed) * 70);
		len += (size_t)sprintf(text + len, "}");
	}
	len += (size_t)sprintf(text + len, "\n]}\n");

	hf_diag_init(&d);
	if (hf_places_load_string("bench.geojson", text, len, &p, &d) != 0) {
		hf_diag_print(&d, stderr);
		return 1;
	}
	for (int i = 0; i < POINTS; i++)
		hf_geo_destination(clat, clon, rnd(&seed) * 360.0, rnd(&seed) * 1300.0,
				   &pts[2 * i], &pts[2 * i + 1]);

	t0 = now_s();
	for (int i = 0; i < POINTS; i++)
		hits += hf_places_at(p, pts[2 * i], pts[2 * i + 1], NULL, 0);
	t_lookup = now_s() - t0;

	t0 = now_s();
	for (int i = 0; i < POINTS; i++)
		for (int k = 0; k < PLACES; k++)
			sink += hf_geo_distance_m(pts[2 * i], pts[2 * i + 1], clat + k * 1e-5, clon);
	t_base = now_s() - t0;

	printf("places: %zu places, %d lookups, %.2f places per point\n", hf_places_count(p),
	       POINTS, (double)hits / POINTS);
	printf("baseline: %d great-circle distances per point   %8.0f ns/point\n", PLACES,
	       t_base / POINTS * 1e9);
	printf("hf_places_at (bounding boxes, then GEOS/circle) %8.0f ns/point\n",
	       t_lookup / POINTS * 1e9);
	if (sink < 0)
		printf("%g\n", sink);
	hf_places_destroy(p);
	hf_diag_finish(&d);
	free(pts);
	free(text);
	return 0;
}
