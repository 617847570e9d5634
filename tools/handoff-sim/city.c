/*
 * city.c - the simulated city: units walking patrol loops around a centre.
 * Pure model: no I/O, deterministic for a seed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "lip.h"
#include "sim.h"

/* xorshift64*: small, fast, reproducible. */
static double rnd(struct sim_city *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (double)((c->rng * 0x2545F4914F6CDD1DULL) >> 11) / (double)(1ULL << 53);
}

static int initial_status(const struct hf_config *cfg, const struct hf_roster_entry *e,
			  size_t i)
{
	const char *meaning = "on_patrol";

	if (e->role == HF_ROLE_CONSTABLE)
		meaning = i % 5 == 4 ? "off_duty" : (i % 2 ? "available" : "on_patrol");
	else if (e->role == HF_ROLE_SUPERVISOR)
		meaning = "available";
	return hf_config_status_code(cfg, meaning);
}

int sim_city_init(struct sim_city *c, const struct hf_config *cfg, uint64_t seed)
{
	const struct hf_sim_config *s = &cfg->sim;

	memset(c, 0, sizeof *c);
	c->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	c->units = calloc(cfg->n_roster + 1, sizeof *c->units);
	if (!c->units)
		return -ENOMEM;
	c->n = cfg->n_roster;
	for (size_t i = 0; i < c->n; i++) {
		struct sim_unit *u = &c->units[i];

		u->roster = &cfg->roster[i];
		/* Foot patrol for PCSOs; constables on foot or bicycle. */
		u->speed_kmh = u->roster->role == HF_ROLE_PCSO ? 4.5 + rnd(c)
							       : 6.0 + 10.0 * rnd(c);
		for (int w = 0; w < SIM_WAYPOINTS; w++)
			hf_geo_destination(s->center_lat, s->center_lon, 360.0 * rnd(c),
					   s->radius_m * sqrt(rnd(c)), &u->route_lat[w],
					   &u->route_lon[w]);
		u->lat = u->route_lat[0];
		u->lon = u->route_lon[0];
		u->next_wp = 1;
		u->status = initial_status(cfg, u->roster, i);
	}
	return 0;
}

void sim_city_finish(struct sim_city *c)
{
	free(c->units);
	memset(c, 0, sizeof *c);
}

static double bearing(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dl = (lon2 - lon1) * M_PI / 180;
	double y = sin(dl) * cos(p2);
	double x = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);

	return fmod(atan2(y, x) * 180 / M_PI + 360.0, 360.0);
}

void sim_city_step(struct sim_city *c, double dt_s)
{
	for (size_t i = 0; i < c->n; i++) {
		struct sim_unit *u = &c->units[i];
		double left = u->speed_kmh / 3.6 * dt_s;

		while (left > 0) {
			double tlat = u->route_lat[u->next_wp], tlon = u->route_lon[u->next_wp];
			double d = hf_geo_distance_m(u->lat, u->lon, tlat, tlon);

			u->heading_deg = bearing(u->lat, u->lon, tlat, tlon);
			if (d <= left) {
				u->lat = tlat;
				u->lon = tlon;
				u->next_wp = (u->next_wp + 1) % SIM_WAYPOINTS;
				left -= d;
				if (d < 0.01)
					break;
			} else {
				hf_geo_destination(u->lat, u->lon, u->heading_deg, left, &u->lat,
						   &u->lon);
				left = 0;
			}
		}
	}
}

struct sim_unit *sim_city_find(struct sim_city *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->units[i].roster->id, id) == 0)
			return &c->units[i];
	return NULL;
}

/* The control room's group, as the called identity of every report. */
#define CALLED_ID 9999

size_t sim_pei_status(char *buf, size_t size, uint32_t issi, uint16_t status)
{
	int n = snprintf(buf, size, "+CTSDSR: 13,%u,0,%u,0,16\r\n%04X\r\n", (unsigned)issi,
			 CALLED_ID, (unsigned)status);

	return n < 0 ? 0 : (size_t)n;
}

size_t sim_pei_lip(char *buf, size_t size, const struct sim_unit *u, uint8_t reason)
{
	uint8_t pdu[11];
	int n;

	if (hf_lip_encode_short(u->lat, u->lon, u->speed_kmh, u->heading_deg, 1 /* <20 m */,
				0 /* <5 s */, reason, pdu) != 0)
		return 0;
	n = snprintf(buf, size, "+CTSDSR: 12,%u,0,%u,0,84\r\n", (unsigned)u->roster->issi,
		     CALLED_ID);
	for (size_t i = 0; i < sizeof pdu && n > 0 && (size_t)n + 3 < size; i++)
		n += snprintf(buf + n, size - (size_t)n, "%02X", pdu[i]);
	if (n > 0 && (size_t)n + 3 < size)
		n += snprintf(buf + n, size - (size_t)n, "\r\n");
	return n < 0 ? 0 : (size_t)n;
}
