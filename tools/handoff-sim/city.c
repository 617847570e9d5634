/*
 * city.c - the simulated city: beats, and units walking (or driving) patrol
 * loops inside them. Pure model: no I/O, deterministic for a seed.
 *
 * Beats are the areas of the config's places file that reach into the patrol
 * circle, else sim.beats equal sectors of it. A unit's route is a loop of
 * SIM_WAYPOINTS points in its beat whose every leg was checked, every few
 * metres, to stay in the beat (an area may be concave); a sector is convex,
 * so its legs always do.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "lip.h"
#include "sim.h"

#define TRIES 20000          /* random points tried per waypoint */
#define LEG_STEP_M 5.0       /* a leg is checked every this many metres */
#define MARGIN_M 5.0         /* waypoints keep this far from a sector's edges */
#define AREA_PROBES 2000     /* points tried to see if an area reaches the circle */

/* xorshift64*: small, fast, reproducible. */
double sim_city_random(struct sim_city *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (double)((c->rng * 0x2545F4914F6CDD1DULL) >> 11) / (double)(1ULL << 53);
}

static double bearing(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dl = (lon2 - lon1) * M_PI / 180;
	double y = sin(dl) * cos(p2);
	double x = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);

	return fmod(atan2(y, x) * 180 / M_PI + 360.0, 360.0);
}

/* ----------------------------------------------------------------------------
 * Beats
 * ------------------------------------------------------------------------- */

/* Whether the point is in the beat, keeping margin_m from a sector's edges and
 * the circle (margin 0: the exact test, with half a metre of tolerance). */
static bool contains(const struct sim_city *c, const struct sim_beat *b, double lat, double lon,
		     double margin_m)
{
	double d = hf_geo_distance_m(c->center_lat, c->center_lon, lat, lon);
	double tol = margin_m > 0 ? -margin_m : 0.5;

	if (d > c->radius_m + tol)
		return false;
	if (b->area) {
		const struct hf_place *in[64];
		size_t n = hf_places_at(c->cfg->places, lat, lon, in, HF_ARRAY_SIZE(in));

		for (size_t i = 0; i < n && i < HF_ARRAY_SIZE(in); i++)
			if (in[i] == b->area)
				return true;
		return false;
	}
	if (b->to_deg - b->from_deg >= 360.0)
		return true;
	if (margin_m <= 0 && d < 1.0)
		return true; /* the apex belongs to every sector */
	if (margin_m > 0 && d < 4 * margin_m)
		return false;
	{
		double a = bearing(c->center_lat, c->center_lon, lat, lon);
		double slack = (margin_m > 0 ? -margin_m : tol) / d * 180.0 / M_PI;

		if (a < b->from_deg - slack)
			a += 360.0;
		return a >= b->from_deg - slack && a <= b->to_deg + slack;
	}
}

bool sim_beat_contains(const struct sim_city *c, const struct sim_beat *b, double lat, double lon)
{
	return contains(c, b, lat, lon, 0);
}

/* A random point of the circle (within the beat's bearings for a sector). */
static void random_in_circle(struct sim_city *c, const struct sim_beat *b, double *lat,
			     double *lon)
{
	double from = b->area ? 0 : b->from_deg, to = b->area ? 360 : b->to_deg;

	hf_geo_destination(c->center_lat, c->center_lon, from + (to - from) * sim_city_random(c),
			   c->radius_m * sqrt(sim_city_random(c)), lat, lon);
}

/* Every LEG_STEP_M along the great circle from 1 to 2 is in the beat. */
static bool leg_inside(const struct sim_city *c, const struct sim_beat *b, double lat1,
		       double lon1, double lat2, double lon2)
{
	double d = hf_geo_distance_m(lat1, lon1, lat2, lon2);
	double brg = bearing(lat1, lon1, lat2, lon2);
	int steps = (int)ceil(d / LEG_STEP_M);

	if (!b->area)
		return true; /* a sector of at most 360/2 degrees, or the circle, is convex */
	for (int k = 1; k < steps; k++) {
		double lat, lon;

		hf_geo_destination(lat1, lon1, brg, d * k / steps, &lat, &lon);
		if (!contains(c, b, lat, lon, 0))
			return false;
	}
	return true;
}

/* Areas of the places file that reach into the circle are the beats; without
 * any, sim.beats sectors. */
static int make_beats(struct sim_city *c)
{
	const struct hf_places *p = c->cfg->places;
	size_t n_places = p ? hf_places_count(p) : 0;
	uint32_t sectors = c->cfg->sim.beats ? c->cfg->sim.beats : 1;

	c->beats = calloc(n_places + sectors, sizeof *c->beats);
	if (!c->beats)
		return -ENOMEM;
	for (size_t i = 0; i < n_places; i++) {
		const struct hf_place *pl = hf_places_get(p, i);
		struct sim_beat *b = &c->beats[c->n_beats];

		if (pl->kind != HF_PLACE_AREA)
			continue;
		b->area = pl;
		b->to_deg = 360;
		for (int k = 0; k < AREA_PROBES; k++) {
			double lat, lon;

			random_in_circle(c, b, &lat, &lon);
			if (contains(c, b, lat, lon, 0)) {
				hf_strlcpy(b->id, pl->id, sizeof b->id);
				c->n_beats++;
				break;
			}
		}
	}
	if (c->n_beats)
		return 0;
	memset(c->beats, 0, sizeof *c->beats);
	for (uint32_t i = 0; i < sectors; i++) {
		struct sim_beat *b = &c->beats[i];

		snprintf(b->id, sizeof b->id, "sector-%u", i + 1);
		b->from_deg = 360.0 * i / sectors;
		b->to_deg = 360.0 * (i + 1) / sectors;
	}
	c->n_beats = sectors;
	return 0;
}

/* ----------------------------------------------------------------------------
 * Units
 * ------------------------------------------------------------------------- */

/* A waypoint loop in the unit's beat. A beat too thin to find points in
 * after TRIES (cannot happen for sectors) leaves the unit at the last point
 * found, or at the centre. */
static void make_route(struct sim_city *c, struct sim_unit *u)
{
	const struct sim_beat *b = &c->beats[u->beat];
	double margin = b->area ? 0 : MARGIN_M;

	for (int w = 0; w < SIM_WAYPOINTS; w++) {
		double plat = w ? u->route_lat[w - 1] : c->center_lat;
		double plon = w ? u->route_lon[w - 1] : c->center_lon;
		bool ok = false;

		for (int t = 0; t < TRIES && !ok; t++) {
			double lat, lon;

			random_in_circle(c, b, &lat, &lon);
			if (!contains(c, b, lat, lon, margin))
				continue;
			if (w && !leg_inside(c, b, plat, plon, lat, lon))
				continue;
			if (w == SIM_WAYPOINTS - 1 &&
			    !leg_inside(c, b, lat, lon, u->route_lat[0], u->route_lon[0]))
				continue;
			u->route_lat[w] = lat;
			u->route_lon[w] = lon;
			ok = true;
		}
		if (!ok) {
			u->route_lat[w] = plat;
			u->route_lon[w] = plon;
		}
	}
	u->lat = u->route_lat[0];
	u->lon = u->route_lon[0];
	u->next_wp = 1;
}

static double uniform(struct sim_city *c, double lo, double hi)
{
	return lo + (hi - lo) * sim_city_random(c);
}

/* Status meaning at the start: PCSOs on patrol; constables mostly available
 * or on patrol, one in five off duty; supervisors available. */
static int initial_status(const struct hf_config *cfg, enum hf_role role, size_t i)
{
	const char *meaning = "on_patrol";

	if (role == HF_ROLE_CONSTABLE)
		meaning = i % 5 == 4 ? "off_duty" : (i % 2 ? "available" : "on_patrol");
	else if (role == HF_ROLE_SUPERVISOR)
		meaning = "available";
	return hf_config_status_code(cfg, meaning);
}

static size_t beat_of_area(const struct sim_city *c, const char *area, size_t fallback)
{
	for (size_t b = 0; b < c->n_beats; b++)
		if (strcmp(c->beats[b].id, area) == 0)
			return b;
	return fallback % c->n_beats;
}

static bool issi_on_roster(const struct hf_config *cfg, uint32_t issi)
{
	for (size_t i = 0; i < cfg->n_roster; i++)
		if (cfg->roster[i].issi == issi)
			return true;
	return false;
}

/* The next free ISSI at or above *next. */
static uint32_t next_issi(const struct hf_config *cfg, uint32_t *next)
{
	while (issi_on_roster(cfg, *next))
		(*next)++;
	return (*next)++;
}

static void place_unit(struct sim_city *c, struct sim_unit *u, size_t nth_of_role)
{
	double interval = c->cfg->sim.report_interval_ms / 1000.0;

	u->car = u->role == HF_ROLE_SUPERVISOR ||
		 (u->role == HF_ROLE_CONSTABLE && nth_of_role % 3 == 2);
	u->speed_mps = u->car ? uniform(c, SIM_CAR_MIN, SIM_CAR_MAX)
			      : uniform(c, SIM_WALK_MIN, SIM_WALK_MAX);
	make_route(c, u);
	u->status = initial_status(c->cfg, u->role, nth_of_role);
	u->next_report_s = interval * sim_city_random(c);
}

int sim_city_init(struct sim_city *c, const struct hf_config *cfg, uint64_t seed)
{
	const struct hf_sim_config *s = &cfg->sim;
	size_t total = cfg->n_roster + s->pcsos + s->constables;
	size_t counts[4] = { 0 };
	uint32_t issi = SIM_ISSI_PCSOS;

	memset(c, 0, sizeof *c);
	c->cfg = cfg;
	c->center_lat = s->center_lat;
	c->center_lon = s->center_lon;
	c->radius_m = s->radius_m > 0 ? s->radius_m : 1200;
	c->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	if (make_beats(c) != 0 || !(c->units = calloc(total + 1, sizeof *c->units))) {
		sim_city_finish(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_roster; i++) {
		const struct hf_roster_entry *e = &cfg->roster[i];
		struct sim_unit *u = &c->units[c->n++];

		hf_strlcpy(u->id, e->id, sizeof u->id);
		hf_strlcpy(u->callsign, e->callsign, sizeof u->callsign);
		u->issi = e->issi;
		u->role = e->role;
		u->beat = beat_of_area(c, e->area, i);
		place_unit(c, u, counts[e->role & 3]++);
	}
	for (uint32_t k = 0; k < s->pcsos + s->constables; k++) {
		bool pcso = k < s->pcsos;
		uint32_t nth = pcso ? k + 1 : k - s->pcsos + 1;
		struct sim_unit *u = &c->units[c->n++];

		if (!pcso && k == s->pcsos && issi < SIM_ISSI_CONSTABLES)
			issi = SIM_ISSI_CONSTABLES;
		snprintf(u->id, sizeof u->id, "sim-%s-%u", pcso ? "pcso" : "pc", nth);
		snprintf(u->callsign, sizeof u->callsign, "SIM %s %u", pcso ? "PCSO" : "PC", nth);
		u->issi = next_issi(cfg, &issi);
		u->role = pcso ? HF_ROLE_PCSO : HF_ROLE_CONSTABLE;
		u->generated = true;
		u->beat = k % c->n_beats;
		place_unit(c, u, pcso ? nth - 1 : counts[HF_ROLE_CONSTABLE & 3]++);
	}
	return 0;
}

void sim_city_finish(struct sim_city *c)
{
	free(c->units);
	free(c->beats);
	memset(c, 0, sizeof *c);
}

/* Moves u up to left metres towards (tlat, tlon); returns what is left over
 * (0 if it did not get there). */
static double walk(struct sim_unit *u, double tlat, double tlon, double left)
{
	double d = hf_geo_distance_m(u->lat, u->lon, tlat, tlon);

	if (d > 0.01)
		u->heading_deg = bearing(u->lat, u->lon, tlat, tlon);
	if (d <= left) {
		u->lat = tlat;
		u->lon = tlon;
		return left - d;
	}
	hf_geo_destination(u->lat, u->lon, u->heading_deg, left, &u->lat, &u->lon);
	return 0;
}

void sim_city_step(struct sim_city *c, double dt_s)
{
	for (size_t i = 0; i < c->n; i++) {
		struct sim_unit *u = &c->units[i];
		double left = u->speed_mps * dt_s;

		if (u->has_target) {
			if (!u->arrived && walk(u, u->target_lat, u->target_lon, left) > 0)
				u->arrived = true;
			continue;
		}
		/* at most one lap per step, so a degenerate route cannot spin */
		for (int n = 0; left > 0 && n < SIM_WAYPOINTS; n++) {
			int w = u->next_wp;

			left = walk(u, u->route_lat[w], u->route_lon[w], left);
			if (left > 0 || (u->lat == u->route_lat[w] && u->lon == u->route_lon[w]))
				u->next_wp = (w + 1) % SIM_WAYPOINTS;
		}
	}
}

struct sim_unit *sim_city_find(struct sim_city *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->units[i].id, id) == 0)
			return &c->units[i];
	return NULL;
}

double sim_unit_kmh(const struct sim_unit *u)
{
	return u->arrived ? 0 : u->speed_mps * 3.6;
}

void sim_city_print_roster(const struct sim_city *c, FILE *fp)
{
	static const char *const roles[] = { [HF_ROLE_PCSO] = "pcso",
					     [HF_ROLE_CONSTABLE] = "constable",
					     [HF_ROLE_SUPERVISOR] = "supervisor" };

	fprintf(fp, "  # generated by handoff-sim --print-roster\n");
	for (size_t i = 0; i < c->n; i++) {
		const struct sim_unit *u = &c->units[i];
		const struct sim_beat *b = &c->beats[u->beat];

		if (!u->generated)
			continue;
		fprintf(fp, "  - { id: %s, issi: %u, callsign: %s, role: %s", u->id,
			(unsigned)u->issi, u->callsign, roles[u->role]);
		if (b->area)
			fprintf(fp, ", area: %s", b->id);
		fprintf(fp, " }\n");
	}
}

/* ----------------------------------------------------------------------------
 * PEI records
 * ------------------------------------------------------------------------- */

/* The control room's group, as the called identity of every report. */
#define CALLED_ID 9999

size_t sim_pei_status(char *buf, size_t size, uint32_t issi, uint16_t status)
{
	int n = snprintf(buf, size, "+CTSDSR: 13,%u,0,%u,0,16\r\n%04X\r\n", (unsigned)issi,
			 CALLED_ID, (unsigned)status);

	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

size_t sim_pei_lip_at(char *buf, size_t size, uint32_t issi, double lat, double lon, double kmh,
		      double heading_deg, uint8_t reason)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t pdu[11];
	int n;

	if (hf_lip_encode_short(lat, lon, kmh, heading_deg, 1 /* <20 m */, 0 /* <5 s */, reason,
				pdu) != 0)
		return 0;
	n = snprintf(buf, size, "+CTSDSR: 12,%u,0,%u,0,84\r\n", (unsigned)issi, CALLED_ID);
	if (n < 0 || (size_t)n + 2 * sizeof pdu + 3 > size)
		return 0;
	for (size_t i = 0; i < sizeof pdu; i++) {
		buf[n++] = hex[pdu[i] >> 4];
		buf[n++] = hex[pdu[i] & 15];
	}
	memcpy(buf + n, "\r\n", 3);
	return (size_t)n + 2;
}

size_t sim_pei_lip(char *buf, size_t size, const struct sim_unit *u, uint8_t reason)
{
	return sim_pei_lip_at(buf, size, u->issi, u->lat, u->lon, sim_unit_kmh(u), u->heading_deg,
			      reason);
}
