/*
 * sim.h - handoff-sim's parts: a city of units walking patrol routes (city.c,
 * a pure model) and a PEI server that broadcasts records to every connected
 * gateway (pei_server.c).
 */
#ifndef HF_SIM_H
#define HF_SIM_H

#include <uv.h>

#include "config.h"

#define SIM_WAYPOINTS 5

struct sim_unit {
	const struct hf_roster_entry *roster;
	double lat, lon;
	double speed_kmh;
	double heading_deg;
	double route_lat[SIM_WAYPOINTS];
	double route_lon[SIM_WAYPOINTS];
	int next_wp;
	int status;            /* user status code it reports (-1: none mapped) */
};

struct sim_city {
	struct sim_unit *units;
	size_t n;
	uint64_t rng;
};

/* Places every roster unit on a random patrol loop within cfg->sim.radius_m of
 * the centre (deterministic for a seed). Returns 0 or -ENOMEM. */
int sim_city_init(struct sim_city *c, const struct hf_config *cfg, uint64_t seed);
void sim_city_finish(struct sim_city *c);
/* Moves every unit dt_s seconds along its route. */
void sim_city_step(struct sim_city *c, double dt_s);
struct sim_unit *sim_city_find(struct sim_city *c, const char *id);

/* PEI record text for a unit: a status SDS or a LIP short report. Returns the
 * length written into buf (NUL-terminated). */
size_t sim_pei_status(char *buf, size_t size, uint32_t issi, uint16_t status);
size_t sim_pei_lip(char *buf, size_t size, const struct sim_unit *u, uint8_t reason);

struct sim_server;
/* Listens on "host:port". on_connect (may be NULL) is called for each new
 * client, after which records broadcast reach it. */
struct sim_server *sim_server_create(uv_loop_t *loop, const char *listen,
				     void (*on_connect)(void *ctx, int clients), void *ctx,
				     int *err);
/* Sends text to every connected client (copied). Returns the client count. */
int sim_server_broadcast(struct sim_server *s, const char *text, size_t len);
/* Sends text to the newest client only (for the initial state on connect). */
void sim_server_send_last(struct sim_server *s, const char *text, size_t len);
void sim_server_close(struct sim_server *s);

#endif
