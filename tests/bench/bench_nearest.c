/*
 * bench_nearest.c - benchmark (run on demand, prints figures, asserts nothing):
 * the K nearest available constables with the spatial index (hf_nearest)
 * beside the full scan (hf_nearest_scan) in the same run, on the same
 * registry and query points; plus the cost of a position update and the
 * index's memory per unit.
 *
 *     meson test -C build --benchmark --verbose nearest
 *     build/tests/bench/bench_nearest [UNITS...]      (default: 100000 1000000)
 *
 * The city: a 30 x 30 km square around central London; 60% of units around 40
 * hotspots (normal, sigma 200-1500 m), the rest spread evenly. Roles: 30%
 * PCSOs, 60% constables (one in three available: 20% of all units), 10%
 * supervisors. Queries: at random PCSOs' positions (the PCSO excluded), k = 5,
 * R = 5 km.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo.h"
#include "geoindex.h"
#include "nearest.h"

#define ST_AVAILABLE 32768
#define ST_BUSY 32770
#define CENTRE_LAT 51.5072
#define CENTRE_LON -0.1276
#define HALF_SIDE_M 15000.0
#define HOTSPOTS 40
#define K 5
#define RADIUS_M 5000.0

static uint64_t rng_state = 20261123;

/* splitmix64: deterministic, so every run measures the same city. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static double rng_normal(void)
{
	double u = rng_unit(), v = rng_unit();

	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HF_NS_PER_S + ts.tv_nsec;
}

/* The point east_m, north_m from the city centre (flat-earth, fine at 15 km). */
static void offset(double east_m, double north_m, double *lat, double *lon)
{
	*lat = CENTRE_LAT + north_m / 111195.0;
	*lon = CENTRE_LON + east_m / (111195.0 * cos(CENTRE_LAT * M_PI / 180));
}

static double hot_e[HOTSPOTS], hot_n[HOTSPOTS], hot_sigma[HOTSPOTS];

/* A position in the city: in a hotspot or anywhere, clamped to the square. */
static void city_place(double *lat, double *lon)
{
	double e, n;

	if (rng_unit() < 0.6) {
		int h = (int)(rng_next() % HOTSPOTS);

		e = hot_e[h] + rng_normal() * hot_sigma[h];
		n = hot_n[h] + rng_normal() * hot_sigma[h];
	} else {
		e = (rng_unit() * 2 - 1) * HALF_SIDE_M;
		n = (rng_unit() * 2 - 1) * HALF_SIDE_M;
	}
	e = fmax(-HALF_SIDE_M, fmin(HALF_SIDE_M, e));
	n = fmax(-HALF_SIDE_M, fmin(HALF_SIDE_M, n));
	offset(e, n, lat, lon);
}

/* The engine's test, without the status-map lookup: an available constable. */
static bool available_constable(const struct hf_unit *u, void *ctx)
{
	return u->on_roster && u->role == HF_ROLE_CONSTABLE && u->has_status &&
	       u->status == ST_AVAILABLE;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Prints one row: p50, p99, max in microseconds over n samples (sorts them). */
static void row(const char *name, int64_t *ns, size_t n)
{
	qsort(ns, n, sizeof *ns, cmp_i64);
	printf("| %-38s | %9.2f | %9.2f | %9.2f | %7zu |\n", name, ns[n / 2] / 1e3,
	       ns[n * 99 / 100] / 1e3, ns[n - 1] / 1e3, n);
}

/* Builds the city of n units in r (roster, statuses, fixes). 0 or -errno. */
static int build(struct hf_registry *r, uint32_t n, const struct hf_now *now)
{
	struct hf_config *cfg = calloc(1, sizeof *cfg);
	struct hf_roster_entry *roster = calloc(n, sizeof *roster);
	int rc = -1;

	if (!cfg || !roster)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		struct hf_roster_entry *e = &roster[i];
		double x = rng_unit();

		snprintf(e->id, sizeof e->id, "u-%u", (unsigned)i);
		snprintf(e->callsign, sizeof e->callsign, "U %u", (unsigned)i);
		e->issi = 1000000 + i;
		e->role = x < 0.3 ? HF_ROLE_PCSO : x < 0.9 ? HF_ROLE_CONSTABLE : HF_ROLE_SUPERVISOR;
		strcpy(e->team, "Response");
		strcpy(e->area, "central");
	}
	cfg->roster = roster;
	cfg->n_roster = n;
	rc = hf_registry_init(r);
	if (!rc)
		rc = hf_registry_apply_roster(r, cfg);
	for (uint32_t i = 0; i < n && !rc; i++) {
		struct hf_unit *u = hf_registry_at(r, i);
		struct hf_radio_event ev = { .kind = HF_EVENT_LOCATION, .issi = u->issi };

		ev.has_status = true;
		ev.status = rng_next() % 3 == 0 ? ST_AVAILABLE : ST_BUSY;
		ev.has_fix = true;
		city_place(&ev.fix.lat, &ev.fix.lon);
		strcpy(ev.source, "bench");
		hf_registry_apply_event(u, &ev, now);
	}
out:
	free(roster);
	free(cfg);
	return rc;
}

/* One size: builds the city, times the queries both ways, the updates, and
 * prints the table. */
static int bench(uint32_t n_units)
{
	struct hf_registry reg;
	struct hf_now now = { .mono_ns = 1000 * HF_NS_PER_S, .unix_ms = 1795000000000 };
	size_t n_index = 20000, n_scan = n_units > 200000 ? 200 : 2000, n_upd = 1000000;
	int64_t *t_index = calloc(n_index, sizeof *t_index);
	int64_t *t_scan = calloc(n_scan, sizeof *t_scan);
	uint32_t *pcsos = calloc(n_units, sizeof *pcsos);
	size_t n_pcsos = 0, mismatches = 0, found = 0;
	int64_t t0 = mono_ns();

	if (!t_index || !t_scan || !pcsos || build(&reg, n_units, &now)) {
		fprintf(stderr, "bench_nearest: out of memory\n");
		exit(1);
	}
	printf("\n%u units (%u indexed), built in %.2f s\n", (unsigned)reg.n,
	       (unsigned)reg.geo->size, (mono_ns() - t0) / 1e9);
	for (uint32_t i = 0; i < reg.n; i++)
		if (hf_registry_at(&reg, i)->role == HF_ROLE_PCSO)
			pcsos[n_pcsos++] = i;

	for (size_t i = 0; i < n_index; i++) {
		const struct hf_unit *p = hf_registry_at(&reg, pcsos[rng_next() % n_pcsos]);
		struct hf_candidate a[HF_ASKED_MAX], b[HF_ASKED_MAX];
		struct hf_nearest_query q = {
			.lat = p->fix.lat, .lon = p->fix.lon, .k = K, .radius_m = RADIUS_M,
			.stale_after_ns = 300 * HF_NS_PER_S, .exclude = p->index,
			.eligible = available_constable,
		};
		int64_t s = mono_ns();
		size_t na = hf_nearest(&reg, &q, &now, a);

		t_index[i] = mono_ns() - s;
		found += na;
		if (i < n_scan) {
			s = mono_ns();
			size_t nb = hf_nearest_scan(&reg, &q, &now, b);

			t_scan[i] = mono_ns() - s;
			if (na != nb)
				mismatches++;
			for (size_t j = 0; j < na && j < nb; j++)
				if (a[j].unit != b[j].unit)
					mismatches++;
		}
	}

	/* Position updates: each a step of 1-60 m (walking to driving between
	 * reports) of a random unit, through the registry without the index
	 * (the baseline), with it, and into the index alone. */
	uint32_t *who = malloc(n_upd * sizeof *who);
	double *lat = malloc(n_upd * sizeof *lat), *lon = malloc(n_upd * sizeof *lon);
	double upd_ns[2];
	size_t moved_cell = 0;

	for (size_t i = 0; i < n_upd; i++) {
		const struct hf_unit *u = hf_registry_at(&reg, who[i] = rng_next() % reg.n);

		hf_geo_destination(u->fix.lat, u->fix.lon, rng_unit() * 360, 1 + rng_unit() * 59,
				   &lat[i], &lon[i]);
	}
	for (int with_index = 0; with_index < 2; with_index++) {
		for (uint32_t i = 0; i < reg.n; i++)
			hf_registry_at(&reg, i)->geo = with_index ? reg.geo : NULL;
		now.mono_ns += HF_NS_PER_S;
		now.unix_ms += 1000;
		t0 = mono_ns();
		for (size_t i = 0; i < n_upd; i++) {
			struct hf_radio_event ev = { .kind = HF_EVENT_LOCATION };
			struct hf_unit *u = hf_registry_at(&reg, who[i]);

			ev.has_fix = true;
			ev.fix.lat = lat[i] + with_index * 1e-5; /* a 1 m step back */
			ev.fix.lon = lon[i];
			hf_registry_apply_event(u, &ev, &now);
		}
		upd_ns[with_index] = (double)(mono_ns() - t0) / n_upd;
	}
	for (size_t i = 0; i < n_upd; i++) { /* not timed: how many changed cell */
		uint32_t r0, c0, r1, c1;

		hf_geoindex_where(reg.geo, who[i], &r0, &c0);
		hf_geoindex_set(reg.geo, who[i], lat[i], lon[i]);
		hf_geoindex_where(reg.geo, who[i], &r1, &c1);
		moved_cell += r0 != r1 || c0 != c1;
	}
	t0 = mono_ns();
	for (size_t i = 0; i < n_upd; i++) /* every other one 555 m north: a new cell */
		hf_geoindex_set(reg.geo, who[i], lat[i] + (i & 1) * 0.005, lon[i]);
	double set_ns = (double)(mono_ns() - t0) / n_upd;

	printf("queries: k=%d, R=%.0f m, at random PCSOs; %.2f constables found per query; "
	       "index vs scan mismatches: %zu\n\n", K, RADIUS_M, (double)found / n_index,
	       mismatches);
	printf("| %-38s | %9s | %9s | %9s | %7s |\n", "per query (us)", "p50", "p99", "max",
	       "samples");
	printf("|%s|%s|%s|%s|%s|\n", "----------------------------------------", "-----------",
	       "-----------", "-----------", "---------");
	row("baseline: full scan (hf_nearest_scan)", t_scan, n_scan);
	row("spatial index (hf_nearest)", t_index, n_index);
	printf("\nposition update, hf_registry_apply_event: %.0f ns/call without the index "
	       "(baseline), %.0f ns/call keeping it (steps of 1-60 m: %.1f%% change cell)\n",
	       upd_ns[0], upd_ns[1], 100.0 * moved_cell / n_upd);
	printf("index move alone (hf_geoindex_set, every other one to a new cell): %.0f ns/call\n", set_ns);
	printf("index memory: %.1f bytes per indexed unit (%zu bytes, %u cells)\n",
	       (double)hf_geoindex_memory(reg.geo) / reg.geo->size, hf_geoindex_memory(reg.geo),
	       (unsigned)reg.geo->n_cells);
	free(who);
	free(lat);
	free(lon);
	free(t_index);
	free(t_scan);
	free(pcsos);
	hf_registry_finish(&reg);
	return 0;
}

/* Usage: bench_nearest [UNITS...]. */
int main(int argc, char **argv)
{
	for (int h = 0; h < HOTSPOTS; h++) {
		hot_e[h] = (rng_unit() * 2 - 1) * HALF_SIDE_M * 0.8;
		hot_n[h] = (rng_unit() * 2 - 1) * HALF_SIDE_M * 0.8;
		hot_sigma[h] = 200 + rng_unit() * 1300;
	}
	printf("nearest: K nearest available constables, spatial index vs full scan "
	       "(cell %.0f m)\n", HF_GEOINDEX_CELL_M);
	if (argc < 2)
		return bench(100000) || bench(1000000);
	for (int i = 1; i < argc; i++)
		if (bench((uint32_t)strtoul(argv[i], NULL, 10)))
			return 1;
	return 0;
}
