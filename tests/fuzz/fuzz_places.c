/*
 * fuzz_places.c - libFuzzer target for the GeoJSON places loader.
 *
 * Each input is loaded with hf_places_load_string() (pure over its buffer)
 * and whatever comes back is freed, so ASan and UBSan catch memory errors and
 * leaks on every path, GEOS's included. Beyond "no crash", it checks what the
 * gateway relies on: a file that loads has no problems recorded, every place
 * is well formed and found by its kind and id, and the lookups agree with one
 * another; a file that fails has at least one problem and no places, and no
 * message carries a raw control byte to the operator's terminal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "places.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* True if s (size bytes) is NUL-terminated and holds no control byte. */
static bool printable(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The invariants of one loaded place. */
static void check_place(const struct hf_places *p, const struct hf_place *pl)
{
	const struct hf_place *hits[4];
	size_t n;

	check(pl->kind == HF_PLACE_AREA || pl->kind == HF_PLACE_FLAGGED);
	check(printable(pl->id, sizeof(pl->id)) && pl->id[0]);
	check(printable(pl->name, sizeof(pl->name)) && pl->name[0]);
	check(printable(pl->note, sizeof(pl->note)));
	check(hf_places_find(p, pl->kind, pl->id) == pl);
	check(pl->line >= 1);
	if (pl->kind == HF_PLACE_AREA)
		check(pl->severity == 0 && !pl->note[0] && !pl->circle);
	else
		check(pl->severity >= 2 && pl->severity <= 4);
	if (!pl->circle)
		return;
	check(pl->radius_m > 0 && pl->radius_m <= HF_PLACE_RADIUS_MAX_M);
	/* a circle contains its centre, and so the lookups find it there */
	n = hf_places_at(p, pl->lat, pl->lon, hits, HF_ARRAY_SIZE(hits));
	check(n >= 1);
	for (size_t i = 0; i < n && i < HF_ARRAY_SIZE(hits); i++)
		check(hits[i] != NULL);
}

/* hf_places_area_at() is the first area of what hf_places_at() returns. */
static void check_lookup(const struct hf_places *p, double lat, double lon)
{
	const struct hf_place *hits[64], *area = NULL;
	size_t n = hf_places_at(p, lat, lon, hits, HF_ARRAY_SIZE(hits));

	for (size_t i = 0; i < n && i < HF_ARRAY_SIZE(hits) && !area; i++)
		if (hits[i]->kind == HF_PLACE_AREA)
			area = hits[i];
	if (n <= HF_ARRAY_SIZE(hits))
		check(hf_places_area_at(p, lat, lon) == area);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hf_places *p = NULL;
	struct hf_diag d;
	int rc;

	hf_diag_init(&d);
	rc = hf_places_load_string("fuzz/places.geojson", (const char *)data, size, &p, &d);
	if (rc == 0) {
		check(p != NULL && d.n == 0);
		for (size_t i = 0; i < hf_places_count(p); i++)
			check_place(p, hf_places_get(p, i));
		check(hf_places_get(p, hf_places_count(p)) == NULL);
		/* points the seeds' shapes use, inside, outside and on edges */
		for (int lat = -2; lat <= 12; lat++)
			for (int lon = -2; lon <= 12; lon++)
				check_lookup(p, lat * 0.5, lon * 0.5);
		check_lookup(p, 51.5138, -0.0984);
	} else {
		check(p == NULL);
		check(rc == -EINVAL || rc == -ENOMEM);
		check(d.n >= 1);
	}
	for (size_t i = 0; i < d.n; i++) {
		check(printable(d.entries[i].msg, sizeof(d.entries[i].msg)));
		check(d.entries[i].msg[0]);
		check(d.entries[i].line >= 0 && d.entries[i].col >= 0);
	}
	hf_places_destroy(p);
	hf_diag_finish(&d);
	return 0;
}
