/*
 * test_places.c - areas and flagged locations from GeoJSON (gateway/places.c).
 *
 * Lookups run on small hand-drawn files (a unit square at 0,0 and friends);
 * bad files list every problem they must produce as LINE:COL plus part of
 * the message, and nothing else may be reported.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "config.h"
#include "geo.h"
#include "places.h"

#define SHIPPED HF_SOURCE_ROOT "/config/places.geojson"
#define SHIPPED_CONFIG HF_SOURCE_ROOT "/config/handoff.yaml"
#define MAX_EXPECT 12

/* The first line of every test file: features then start on line 2. */
#define FC "{\"type\": \"FeatureCollection\", \"features\": [\n"
#define END "\n]}\n"
/* A valid geometry, for features whose problem is elsewhere. */
#define SQUARE "{\"type\": \"Polygon\", \"coordinates\": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}"

/* All problems as printed, for failure messages. */
static char *dump(const struct hf_diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	hf_diag_print(d, fp);
	fclose(fp);
	return buf;
}

/* Loads text that must be valid. */
static struct hf_places *load_ok(const char *text)
{
	struct hf_places *p = NULL;
	struct hf_diag d;
	char *all;
	int rc;

	hf_diag_init(&d);
	rc = hf_places_load_string("test.geojson", text, strlen(text), &p, &d);
	all = dump(&d);
	cr_assert_eq(rc, 0, "rc %d:\n%s", rc, all);
	cr_assert_eq(d.n, 0, "%s", all);
	cr_assert_not_null(p);
	free(all);
	hf_diag_finish(&d);
	return p;
}

/* Ids of every place at a point, in order, joined by spaces ("" for none). */
static void ids_at(const struct hf_places *p, double lat, double lon, char *buf, size_t size)
{
	const struct hf_place *hits[8];
	size_t n = hf_places_at(p, lat, lon, hits, 8);

	buf[0] = '\0';
	cr_assert_leq(n, 8);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, hits[i]->id, size - strlen(buf) - 1);
	}
}

/* One point and the places that must contain it. */
struct point_case {
	double lat, lon;
	const char *ids; /* space-separated, in file order; "" for none */
	const char *why;
};

static void check_points(const struct hf_places *p, const struct point_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char got[256];

		ids_at(p, cases[i].lat, cases[i].lon, got, sizeof(got));
		cr_expect_str_eq(got, cases[i].ids, "%s (%g, %g): got \"%s\", want \"%s\"",
				 cases[i].why, cases[i].lat, cases[i].lon, got, cases[i].ids);
	}
}

/* --------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------ */

/* A square with a square hole, a MultiPolygon of two squares, and a flagged
 * polygon overlapping the first. Coordinates are [lon, lat]. */
static const char shapes[] =
	FC
	"{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"holed\"},\n"
	" \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [\n"
	"  [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],\n"
	"  [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]]}},\n"
	"{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"twins\"},\n"
	" \"geometry\": {\"type\": \"MultiPolygon\", \"coordinates\": [\n"
	"  [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]],\n"
	"  [[[20, 10], [21, 10], [21, 11], [20, 11], [20, 10]]]]}},\n"
	"{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"corner\",\n"
	"  \"severity\": \"critical\", \"note\": \"Known address\"},\n"
	" \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [\n"
	"  [[3, 3], [5, 3], [5, 5], [3, 5], [3, 3]]]}}"
	END;

/* A point is in a polygon's interior and not outside it; a point in a hole is
 * not in the polygon, a point in a MultiPolygon's second part is. */
Test(places, finds_points_inside_polygons_and_not_in_holes_or_outside)
{
	static const struct point_case cases[] = {
		{ 0.5, 0.5, "holed", "inside, off the hole" },
		{ 3.5, 0.5, "holed", "inside, the other side of the hole" },
		{ 1.5, 1.5, "", "in the hole" },
		{ -0.5, 0.5, "", "west of the square" },
		{ 0.5, 4.5, "", "north of the square (lat 4.5)" },
		{ 10.5, 10.5, "twins", "in the MultiPolygon's first part" },
		{ 10.5, 20.5, "twins", "in the MultiPolygon's second part" },
		{ 10.5, 15.5, "", "between the MultiPolygon's parts" },
		{ 4.5, 4.5, "corner", "only in the flagged square" },
	};
	struct hf_places *p = load_ok(shapes);

	check_points(p, cases, HF_ARRAY_SIZE(cases));
	hf_places_destroy(p);
}

/* A place is closed: a point exactly on an outer edge, on a vertex or on a
 * hole's edge is inside; a hair beyond the edge is not. */
Test(places, counts_a_point_exactly_on_a_boundary_as_inside)
{
	static const struct point_case cases[] = {
		{ 2.0, 0.0, "holed", "on the west edge (lon 0)" },
		{ 0.0, 2.0, "holed", "on the south edge (lat 0)" },
		{ 0.0, 0.0, "holed", "on the south-west vertex" },
		{ 1.5, 1.0, "holed", "on the hole's west edge" },
		{ 2.0, 2.0, "holed", "on the hole's north-east vertex" },
		{ 2.0, -1e-9, "", "just west of the west edge" },
		{ 3.0, 4.0, "holed corner", "on the edge both share (lon 4 and lon 3..5)" },
		{ 11.0, 20.0, "twins", "on the second part's north-west vertex" },
	};
	struct hf_places *p = load_ok(shapes);

	check_points(p, cases, HF_ARRAY_SIZE(cases));
	hf_places_destroy(p);
}

/* Overlapping places are all returned, in file order; the count includes
 * those beyond max, of which none is written. */
Test(places, returns_every_overlapping_place_and_counts_past_max)
{
	struct hf_places *p = load_ok(shapes);
	const struct hf_place *hits[2] = { NULL, NULL };

	cr_assert_eq(hf_places_at(p, 3.5, 3.5, hits, 2), 2);
	cr_assert_str_eq(hits[0]->id, "holed");
	cr_assert_eq(hits[0]->kind, HF_PLACE_AREA);
	cr_assert_str_eq(hits[1]->id, "corner");
	cr_assert_eq(hits[1]->kind, HF_PLACE_FLAGGED);
	hits[0] = NULL;
	cr_assert_eq(hf_places_at(p, 3.5, 3.5, hits, 0), 2);
	cr_assert_null(hits[0]);
	cr_assert_eq(hf_places_at(p, 3.5, 3.5, NULL, 0), 2);
	cr_assert_eq(hf_places_at(p, 3.5, 3.5, hits, 1), 2);
	cr_assert_str_eq(hits[0]->id, "holed");
	hf_places_destroy(p);
}

/* hf_places_area_at() answers the first area containing the point and never
 * a flagged place. */
Test(places, area_at_answers_the_first_area_in_file_order_and_ignores_flagged)
{
	static const char overlap[] =
		FC
		"{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"f\"},\n"
		" \"geometry\": " SQUARE "},\n"
		"{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"narrow\"},\n"
		" \"geometry\": {\"type\": \"Polygon\", \"coordinates\": "
		"[[[0, 0], [0.5, 0], [0.5, 1], [0, 1], [0, 0]]]}},\n"
		"{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"wide\"},\n"
		" \"geometry\": {\"type\": \"Polygon\", \"coordinates\": "
		"[[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}}"
		END;
	struct hf_places *p = load_ok(overlap);

	cr_assert_str_eq(hf_places_area_at(p, 0.5, 0.25)->id, "narrow");
	cr_assert_str_eq(hf_places_area_at(p, 0.5, 0.75)->id, "wide");
	cr_assert_str_eq(hf_places_area_at(p, 0.5, 0.5)->id, "narrow", "shared edge");
	cr_assert_null(hf_places_area_at(p, 3, 3));
	cr_assert_null(hf_places_area_at(NULL, 0.5, 0.5));
	hf_places_destroy(p);
}

/* A circle holds the points within radius_m of its centre (great-circle),
 * a point at exactly the radius included, in every direction, and not a
 * point half a metre further. */
Test(places, circle_holds_points_up_to_exactly_its_radius)
{
	static const double bearings[] = { 0, 45, 90, 135, 180, 225, 270, 315 };
	const double clat = 51.5127, clon = -0.0943;

	for (size_t i = 0; i < HF_ARRAY_SIZE(bearings); i++) {
		struct hf_places *p;
		char text[512];
		double lat, lon, r, olat, olon;

		hf_geo_destination(clat, clon, bearings[i], 60.0, &lat, &lon);
		r = hf_geo_distance_m(lat, lon, clat, clon);
		/* %.17g round-trips, so the file's radius is exactly the distance */
		snprintf(text, sizeof(text), FC
			 "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", "
			 "\"id\": \"pub\", \"radius_m\": %.17g},\n"
			 " \"geometry\": {\"type\": \"Point\", \"coordinates\": [%.17g, %.17g]}}"
			 END, r, clon, clat);
		p = load_ok(text);
		cr_assert(hf_places_get(p, 0)->circle);
		cr_assert_eq(hf_places_get(p, 0)->radius_m, r);
		cr_expect_eq(hf_places_at(p, lat, lon, NULL, 0), 1, "bearing %g: at the radius",
			     bearings[i]);
		cr_expect_eq(hf_places_at(p, clat, clon, NULL, 0), 1, "at the centre");
		hf_geo_destination(clat, clon, bearings[i], r + 0.5, &olat, &olon);
		cr_expect_eq(hf_places_at(p, olat, olon, NULL, 0), 0,
			     "bearing %g: 0.5 m outside", bearings[i]);
		hf_geo_destination(clat, clon, bearings[i], r - 0.5, &olat, &olon);
		cr_expect_eq(hf_places_at(p, olat, olon, NULL, 0), 1,
			     "bearing %g: 0.5 m inside", bearings[i]);
		hf_places_destroy(p);
	}
}

/* A point that is not a position (NaN, out of range) is in no place. */
Test(places, finds_nothing_at_an_invalid_point)
{
	struct hf_places *p = load_ok(shapes);

	cr_assert_eq(hf_places_at(p, NAN, 0.5, NULL, 0), 0);
	cr_assert_eq(hf_places_at(p, 0.5, NAN, NULL, 0), 0);
	cr_assert_eq(hf_places_at(p, 91, 0.5, NULL, 0), 0);
	cr_assert_eq(hf_places_at(p, 0.5, 181, NULL, 0), 0);
	cr_assert_eq(hf_places_at(NULL, 0.5, 0.5, NULL, 0), 0);
	hf_places_destroy(p);
}

/* Places are kept in file order with their line, found by kind and id (the
 * same id may name an area and a flagged place), and the defaults apply:
 * name = id, severity high, no note. */
Test(places, keeps_places_in_order_with_defaults_and_finds_them_by_kind_and_id)
{
	static const char text[] =
		FC
		"{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"x\", "
		"\"name\": \"Ward X\"},\n"
		" \"geometry\": " SQUARE "},\n"
		"{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"x\", "
		"\"osm_id\": 42, \"tags\": {\"amenity\": \"pub\"}},\n"
		" \"geometry\": " SQUARE "}"
		END;
	struct hf_places *p = load_ok(text);
	const struct hf_place *a, *f;

	cr_assert_eq(hf_places_count(p), 2);
	a = hf_places_get(p, 0);
	f = hf_places_get(p, 1);
	cr_assert_null(hf_places_get(p, 2));
	cr_assert_eq(a->kind, HF_PLACE_AREA);
	cr_assert_str_eq(a->name, "Ward X");
	cr_assert_eq(a->line, 2);
	cr_assert_eq(a->severity, 0);
	cr_assert_eq(f->kind, HF_PLACE_FLAGGED);
	cr_assert_str_eq(f->name, "x");
	cr_assert_eq(f->severity, 3);
	cr_assert_str_eq(f->note, "");
	cr_assert_not(f->circle);
	cr_assert_eq(f->line, 4);
	cr_assert_eq(hf_places_find(p, HF_PLACE_AREA, "x"), a);
	cr_assert_eq(hf_places_find(p, HF_PLACE_FLAGGED, "x"), f);
	cr_assert_null(hf_places_find(p, HF_PLACE_AREA, "y"));
	cr_assert_null(hf_places_find(p, 0, "x"));
	hf_places_destroy(p);
}

/* An empty FeatureCollection is a valid file with no places. */
Test(places, loads_an_empty_feature_collection)
{
	struct hf_places *p = load_ok("{\"type\": \"FeatureCollection\", \"features\": []}");

	cr_assert_eq(hf_places_count(p), 0);
	cr_assert_null(hf_places_area_at(p, 0, 0));
	hf_places_destroy(p);
}

/* --------------------------------------------------------------------------
 * Problems are found, worded specifically, and placed at the right spot
 * ------------------------------------------------------------------------ */

/* One bad file and the problems it must produce, in any order. */
struct bad_case {
	const char *text;
	const char *expect[MAX_EXPECT]; /* "LINE:COL: substring", NULL-terminated */
};

static bool has_problem(const struct hf_diag *d, int line, int col, const char *part)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->entries[i].line == line && d->entries[i].col == col &&
		    strstr(d->entries[i].msg, part))
			return true;
	return false;
}

/* Loads each case and checks it fails with exactly the expected problems. */
static void check_cases(const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hf_places *p = (void *)1;
		struct hf_diag d;
		size_t want = 0;
		char *all;
		int rc;

		hf_diag_init(&d);
		rc = hf_places_load_string("bad.geojson", cases[i].text, strlen(cases[i].text),
					   &p, &d);
		all = dump(&d);
		cr_assert_eq(rc, -EINVAL, "case %zu: rc %d\n%s", i, rc, all);
		cr_assert_null(p, "case %zu: places were returned on failure", i);
		for (; want < MAX_EXPECT && cases[i].expect[want]; want++) {
			const char *e = cases[i].expect[want];
			int line, col, off = 0;

			cr_assert_eq(sscanf(e, "%d:%d: %n", &line, &col, &off), 2,
				     "bad expectation %s", e);
			cr_expect(has_problem(&d, line, col, e + off),
				  "case %zu: missing \"%s\"; got:\n%s", i, e, all);
		}
		cr_expect_eq(d.n, want, "case %zu: %zu problems, want %zu:\n%s", i, d.n, want,
			     all);
		free(all);
		hf_diag_finish(&d);
	}
}

/* A file that is not JSON, or not a FeatureCollection, is refused at the
 * offending spot. */
Test(places, refuses_a_file_that_is_not_a_feature_collection)
{
	static const struct bad_case cases[] = {
		{ FC "{\"type\": \"Feature\"\n]}",
		  { "3:1: not valid JSON", NULL } },
		{ "", { "1:1: the file is empty", NULL } },
		{ "[1, 2]", { "1:1: expected a GeoJSON FeatureCollection object, got an array",
			      NULL } },
		{ "{\"type\": \"Feature\", \"features\": []}",
		  { "1:10: \"type\" must be \"FeatureCollection\", got \"Feature\"", NULL } },
		{ "{\"type\": \"FeatureCollection\"}",
		  { "1:1: a FeatureCollection needs \"features\"", NULL } },
		{ "{\"type\": \"FeatureCollection\", \"features\": {}}",
		  { "1:31: \"features\" must be an array, got an object", NULL } },
		{ FC "42" END, { "2:1: each feature must be a GeoJSON Feature object, got 42",
				 NULL } },
		{ "{\"type\": \"FeatureCollection\", \"features\": []}\n---\n{}",
		  { "2:1: a second document starts here", NULL } },
		{ "{\"type\": \"FeatureCollection\", \"features\": [], \"x\": \"a\x01\"}",
		  { "1:54: control character U+0001", NULL } },
		{ "? a:\t:\n", /* crashed libfyaml 0.7.12 */
		  { "1:1: explicit mapping keys (\"? \") are not used in a places file", NULL } },
	};

	check_cases(cases, HF_ARRAY_SIZE(cases));
}

/* kind and id are required; kind must be known, id well formed and unique per
 * kind; severity must be known; properties that do not apply are refused. */
Test(places, reports_bad_properties_at_the_property)
{
	static const struct bad_case cases[] = {
		{ FC "{\"type\": \"Feature\", \"properties\": {\"id\": \"a\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:21: \"properties\" has no \"kind\"", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"zone\", \"id\": \"a\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:44: unknown kind \"zone\" (known: area, flagged)", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:21: \"properties\" has no \"id\"", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a b\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:58: \"id\" may only contain letters, digits, '_' and '-', got \"a b\"",
		    NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": 7},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:58: \"id\" must be a string, got 7", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": " SQUARE "},\n"
		  "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\"},\n"
		  " \"geometry\": " SQUARE "},\n"
		  "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "6:58: duplicate area id \"a\" (first at line 2)", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\", "
		  "\"severity\": \"low\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:78: unknown severity \"low\" (known: warning, high, critical)", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\", "
		  "\"severity\": \"high\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:63: \"severity\" applies only to flagged places", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\", "
		  "\"note\": \"bell\\u0007\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:74: \"note\" must be one line of UTF-8 text without control characters",
		    NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\", "
		  "\"note\": \"" "0123456789012345678901234567890123456789012345678901234567890123"
		  "4567890123456789012345678901234567890123456789012345678901234567\"},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:74: \"note\" is too long (128 bytes, at most 127)", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": null,\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:21: a place needs \"properties\" with \"kind\" and \"id\"", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\", "
		  "\"radius_m\": 0},\n"
		  " \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 0]}}" END,
		  { "2:78: \"radius_m\" must be greater than 0 and at most 100000, got 0", NULL } },
	};

	check_cases(cases, HF_ARRAY_SIZE(cases));
}

/* Geometries: the type must suit the kind, coordinates must be numbers in
 * range, rings must have 4 positions and close, and GEOS must find the
 * polygon valid (its reason is quoted). */
Test(places, reports_bad_geometry_at_the_offending_node)
{
	static const struct bad_case cases[] = {
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"LineString\", \"coordinates\": [[0, 0], [1, 1]]}}" END,
		  { "3:23: an area's geometry must be a Polygon or MultiPolygon, got \"LineString\"",
		    NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\", "
		  "\"radius_m\": 50},\n"
		  " \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 0]}}" END,
		  { "3:23: an area must be a Polygon or MultiPolygon, got \"Point\"", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 0]}}" END,
		  { "3:23: a Point place is a circle: its properties need \"radius_m\"", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\", "
		  "\"radius_m\": 50},\n"
		  " \"geometry\": " SQUARE "}" END,
		  { "2:66: \"radius_m\" applies only to a Point geometry", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"Polygon\", \"coordinates\":\n"
		  "  [[[0, 0], [1, \"0\"], [1, 1], [0, x], [0, 0]]]}}" END,
		  { "4:17: coordinates must be numbers, got the string \"0\"",
		    "4:35: coordinates must be numbers, got \"x\"", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"Polygon\", \"coordinates\":\n"
		  "  [[[0, 0], [180.5, 0], [1, 1], [0, -90.25], [0, 0]]]}}" END,
		  { "4:14: longitude must be between -180 and 180, got 180.5",
		    "4:37: latitude must be between -90 and 90, got -90.25", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"Polygon\", \"coordinates\":\n"
		  "  [[[0, 0], [1, 0], [0, 0]]]}}" END,
		  { "4:4: a linear ring needs at least 4 positions (the last repeating the "
		    "first), got 3", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"Polygon\", \"coordinates\":\n"
		  "  [[[0, 0], [1, 0], [1, 1], [0, 1]]]}}" END,
		  { "4:29: the linear ring is not closed", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"Polygon\", \"coordinates\":\n"
		  "  [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}" END,
		  { "4:3: invalid polygon: Self-intersection[0.5 0.5]", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [\n"
		  "  [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]],\n"
		  "  [[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]}}" END,
		  { "3:49: invalid polygon: Hole lies outside shell", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  " \"geometry\": {\"type\": \"MultiPolygon\", \"coordinates\": [\n"
		  "  [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]],\n"
		  "  [[[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]]]}}" END,
		  { "3:54: invalid MultiPolygon: Self-intersection", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"a\", "
		  "\"radius_m\": 9},\n"
		  " \"geometry\": {\"type\": \"Point\", \"coordinates\": [1]}}" END,
		  { "3:47: a position must be [longitude, latitude]", NULL } },
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"}}" END,
		  { "2:1: a place needs a \"geometry\"", NULL } },
	};

	check_cases(cases, HF_ARRAY_SIZE(cases));
}

/* Every problem in a file is reported, sorted by position, not just the
 * first; and each prints as FILE:LINE:COL: message. */
Test(places, reports_every_problem_in_a_file_as_file_line_col)
{
	static const struct bad_case cases[] = {
		{ FC "{\"type\": \"Feature\", \"properties\": {\"kind\": \"zone\", \"id\": \"a\"},\n"
		  " \"geometry\": " SQUARE "},\n"
		  "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"b\"},\n"
		  " \"geometry\": {\"type\": \"Polygon\", \"coordinates\":\n"
		  "  [[[0, 0], [1, 0], [1, 1], [0, 1]]]}},\n"
		  "{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"b\"},\n"
		  " \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 91]}}" END,
		  { "2:44: unknown kind \"zone\"",
		    "6:29: the linear ring is not closed",
		    "7:61: duplicate flagged id \"b\" (first at line 4)",
		    "8:23: a Point place is a circle",
		    "8:51: latitude must be between -90 and 90, got 91", NULL } },
	};
	struct hf_places *p = NULL;
	struct hf_diag d;
	char *all;

	check_cases(cases, HF_ARRAY_SIZE(cases));
	hf_diag_init(&d);
	cr_assert_eq(hf_places_load_string("dir/bad.geojson", cases[0].text,
					   strlen(cases[0].text), &p, &d), -EINVAL);
	for (size_t i = 1; i < d.n; i++)
		cr_assert(d.entries[i - 1].line < d.entries[i].line ||
			  (d.entries[i - 1].line == d.entries[i].line &&
			   d.entries[i - 1].col <= d.entries[i].col), "not sorted at %zu", i);
	all = dump(&d);
	cr_assert(strstr(all, "dir/bad.geojson:2:44: unknown kind \"zone\""), "%s", all);
	free(all);
	hf_diag_finish(&d);
}

/* Pretty-printed GeoJSON places a ring's problem at the ring's opening
 * bracket, on its own line. */
Test(places, places_a_problem_at_the_bracket_of_a_pretty_printed_ring)
{
	static const struct bad_case cases[] = {
		{ FC
		  "  {\n"
		  "    \"type\": \"Feature\",\n"
		  "    \"properties\": {\"kind\": \"area\", \"id\": \"a\"},\n"
		  "    \"geometry\": {\n"
		  "      \"type\": \"Polygon\",\n"
		  "      \"coordinates\": [\n"
		  "        [\n"
		  "          [0, 0], [1, 0], [0, 0]\n"
		  "        ]\n"
		  "      ]\n"
		  "    }\n"
		  "  }" END,
		  { "8:9: a linear ring needs at least 4 positions", NULL } },
	};

	check_cases(cases, HF_ARRAY_SIZE(cases));
}

/* Inputs are bounded: more than HF_PLACES_MAX features, or more than
 * HF_PLACES_VERTICES_MAX positions in all, is one clear problem. */
Test(places, refuses_too_many_features_or_positions)
{
	static const char feature[] =
		"{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"a\"}, "
		"\"geometry\": null},\n";
	size_t flen = strlen(feature), cap = strlen(FC) + (HF_PLACES_MAX + 1) * flen + 16;
	char *text = malloc(cap > 8 * (size_t)HF_PLACES_VERTICES_MAX ?
			    cap : 8 * (size_t)HF_PLACES_VERTICES_MAX);
	struct hf_places *p = NULL;
	struct hf_diag d;
	size_t len;

	cr_assert_not_null(text);
	len = (size_t)sprintf(text, "%s", FC);
	for (int i = 0; i <= HF_PLACES_MAX; i++, len += flen)
		memcpy(text + len, feature, flen);
	len -= 2; /* the last ",\n" */
	len += (size_t)sprintf(text + len, "%s", END);
	hf_diag_init(&d);
	cr_assert_eq(hf_places_load_string("big.geojson", text, len, &p, &d), -EINVAL);
	cr_assert_eq(d.n, 1);
	cr_assert(has_problem(&d, 1, 31, "too many features (10001)"), "%s", d.entries[0].msg);
	hf_diag_finish(&d);

	/* one ring of HF_PLACES_VERTICES_MAX + 1 positions */
	len = (size_t)sprintf(text, FC "{\"type\": \"Feature\", \"properties\": {\"kind\": "
			      "\"area\", \"id\": \"a\"},\n \"geometry\": {\"type\": \"Polygon\", "
			      "\"coordinates\": [[");
	for (int i = 0; i <= HF_PLACES_VERTICES_MAX; i++)
		len += (size_t)sprintf(text + len, "%s[0,0]", i ? "," : "");
	len += (size_t)sprintf(text + len, "]]}}" END);
	hf_diag_init(&d);
	cr_assert_eq(hf_places_load_string("big.geojson", text, len, &p, &d), -EINVAL);
	cr_assert_eq(d.n, 1);
	cr_assert(has_problem(&d, 3, 50, "too many positions"), "%d:%d: %s",
		  d.entries[0].line, d.entries[0].col, d.entries[0].msg);
	hf_diag_finish(&d);
	free(text);
}

/* A file that cannot be read is one problem at 0:0 and a negative errno. */
Test(places, reports_a_missing_file)
{
	struct hf_places *p = (void *)1;
	struct hf_diag d;

	hf_diag_init(&d);
	cr_assert_eq(hf_places_load("/nonexistent/places.geojson", &p, &d), -ENOENT);
	cr_assert_null(p);
	cr_assert_eq(d.n, 1);
	cr_assert_eq(d.entries[0].line, 0);
	cr_assert(strstr(d.entries[0].msg, "cannot open"));
	hf_diag_finish(&d);
	hf_places_destroy(NULL);
}

/* --------------------------------------------------------------------------
 * The shipped demo file
 * ------------------------------------------------------------------------ */

/* config/places.geojson loads with no problem; its areas are exactly the
 * shipped config's areas; every flagged place lies inside the demo patrol
 * circle and inside an area; the demo emergency's position is in central. */
Test(places, shipped_places_load_and_match_the_shipped_config)
{
	struct hf_places *p = NULL;
	struct hf_config *cfg = NULL;
	struct hf_diag d;
	char *all;
	size_t areas = 0, flagged = 0;
	int rc;

	hf_diag_init(&d);
	rc = hf_places_load(SHIPPED, &p, &d);
	all = dump(&d);
	cr_assert_eq(rc, 0, "%s", all);
	cr_assert_eq(d.n, 0, "%s", all);
	free(all);
	hf_diag_finish(&d);
	hf_diag_init(&d);
	cr_assert_eq(hf_config_load(SHIPPED_CONFIG, NULL, &cfg, &d), 0);
	hf_diag_finish(&d);

	for (size_t i = 0; i < hf_places_count(p); i++) {
		const struct hf_place *pl = hf_places_get(p, i);

		if (pl->kind == HF_PLACE_AREA) {
			areas++;
			cr_expect_not_null(hf_config_area(cfg, pl->id), "area %s not in %s",
					   pl->id, SHIPPED_CONFIG);
			continue;
		}
		flagged++;
		cr_expect_geq(pl->severity, 2);
		cr_expect_neq(pl->note[0], '\0', "%s has no note", pl->id);
		if (pl->circle) {
			cr_expect_lt(hf_geo_distance_m(pl->lat, pl->lon, cfg->sim.center_lat,
						       cfg->sim.center_lon) + pl->radius_m,
				     cfg->sim.radius_m, "%s is outside the patrol circle", pl->id);
			cr_expect_not_null(hf_places_area_at(p, pl->lat, pl->lon), "%s", pl->id);
		}
	}
	cr_assert_eq(areas, cfg->n_areas);
	cr_assert_geq(flagged, 2);
	/* the polygon venue: its centre is in it and in an area, near the centre */
	cr_assert_not_null(hf_places_find(p, HF_PLACE_FLAGGED, "late-venue"));
	cr_assert_eq(hf_places_at(p, 51.5113, -0.0912, NULL, 0), 2);
	cr_assert_lt(hf_geo_distance_m(51.5113, -0.0912, cfg->sim.center_lat,
				       cfg->sim.center_lon), cfg->sim.radius_m);
	/* the demo's emergency (README) and the patrol circle's edge are in central */
	cr_assert_str_eq(hf_places_area_at(p, 51.50719, -0.11195)->id, "central");
	for (int b = 0; b < 360; b += 10) {
		double lat, lon;

		hf_geo_destination(cfg->sim.center_lat, cfg->sim.center_lon, b,
				   cfg->sim.radius_m, &lat, &lon);
		cr_expect_not_null(hf_places_area_at(p, lat, lon), "bearing %d", b);
	}
	/* the corridor is transport (listed first), not central */
	cr_assert_str_eq(hf_places_area_at(p, 51.5150, -0.0834)->id, "transport");
	hf_config_destroy(cfg);
	hf_places_destroy(p);
}
