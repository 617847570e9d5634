/*
 * main.c - handoff-sim: a city of simulated PCSOs and constables on patrol,
 * served as TETRA PEI over TCP, for demos and tests.
 *
 * Every unit reports its status when a gateway connects and a LIP position
 * every sim.report_interval_ms. The demo scenario: sim.emergency.unit presses
 * the emergency button sim.emergency.after_s after the first gateway connects
 * (status 0, then a LIP report with reason 2), and again repeat_after_s later.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "adapter.h"
#include "lip.h"
#include "sim.h"

#define REASON_PERIODIC 129 /* maximum reporting interval exceeded */

struct sim {
	uv_loop_t *loop;
	const struct hf_config *cfg;
	struct sim_city city;
	struct sim_server *server;
	uv_timer_t tick;
	uv_timer_t emergency;
	uv_signal_t sigint, sigterm;
	int presses;
	bool started;
	bool no_emergency;
	double duration_s;
	uint64_t elapsed_ms;
	uint64_t records;
};

static void send_all(struct sim *s, const char *rec, size_t len)
{
	sim_server_broadcast(s->server, rec, len);
	s->records++;
}

static void on_tick(uv_timer_t *t)
{
	struct sim *s = t->data;
	uint32_t every = s->cfg->sim.report_interval_ms;
	char rec[256];

	sim_city_step(&s->city, every / 1000.0);
	s->elapsed_ms += every;
	for (size_t i = 0; i < s->city.n; i++) {
		size_t n = sim_pei_lip(rec, sizeof rec, &s->city.units[i], REASON_PERIODIC);

		send_all(s, rec, n);
	}
	if (s->duration_s > 0 && s->elapsed_ms >= s->duration_s * 1000) {
		printf("sim: %.0f s elapsed, stopping (%llu records sent)\n", s->duration_s,
		       (unsigned long long)s->records);
		uv_stop(s->loop);
	}
}

static void press_emergency(uv_timer_t *t)
{
	struct sim *s = t->data;
	const struct hf_sim_config *sc = &s->cfg->sim;
	struct sim_unit *u = sim_city_find(&s->city, sc->emergency_unit);
	char rec[256];
	size_t n;

	if (!u)
		return;
	s->presses++;
	printf("sim: %s (ISSI %u) presses the EMERGENCY button at %.5f,%.5f%s\n",
	       u->roster->callsign, (unsigned)u->roster->issi, u->lat, u->lon,
	       s->presses > 1 ? " (again)" : "");
	fflush(stdout);
	n = sim_pei_status(rec, sizeof rec, u->roster->issi, 0);
	send_all(s, rec, n);
	n = sim_pei_lip(rec, sizeof rec, u, 2 /* emergency condition detected */);
	send_all(s, rec, n);
	if (s->presses == 1 && sc->emergency_repeat_ms)
		uv_timer_start(&s->emergency, press_emergency, sc->emergency_repeat_ms, 0);
}

/* A gateway connected: tell it where everyone is and what they are doing. */
static void on_connect(void *ctx, int clients)
{
	struct sim *s = ctx;
	char rec[256];
	size_t n;

	printf("sim: gateway connected (%d connected)\n", clients);
	fflush(stdout);
	for (size_t i = 0; i < s->city.n; i++) {
		const struct sim_unit *u = &s->city.units[i];

		if (u->status >= 0) {
			n = sim_pei_status(rec, sizeof rec, u->roster->issi, (uint16_t)u->status);
			sim_server_send_last(s->server, rec, n);
		}
		n = sim_pei_lip(rec, sizeof rec, u, REASON_PERIODIC);
		sim_server_send_last(s->server, rec, n);
	}
	if (!s->started && !s->no_emergency && s->cfg->sim.emergency_unit[0]) {
		s->started = true;
		uv_timer_start(&s->emergency, press_emergency, s->cfg->sim.emergency_after_ms, 0);
		printf("sim: %s will press the emergency button in %.1f s\n",
		       s->cfg->sim.emergency_unit, s->cfg->sim.emergency_after_ms / 1000.0);
		fflush(stdout);
	}
}

static void on_stop(uv_signal_t *h, int sig)
{
	uv_stop(h->loop);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: handoff-sim -c FILE [--listen HOST:PORT] [--seed N] [--duration S]\n"
		"                   [--no-emergency]\n"
		"\n"
		"Simulates the config's roster on patrol in the demo area and serves it as\n"
		"TETRA PEI over TCP (handoffd's tetra-pei adapter connects to it).\n"
		"\n"
		"  -c, --config FILE    the gateway's config (roster, status map, sim: section)\n"
		"  -L, --listen ADDR    serve PEI here (default: sim.listen)\n"
		"  -s, --seed N         patrol routes seed (default 1)\n"
		"  -d, --duration S     stop after S seconds of simulated time (default: run)\n"
		"      --no-emergency   do not play the emergency scenario\n"
		"  -h, --help           this help\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'L' },
		{ "seed", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "no-emergency", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *listen = NULL;
	uint64_t seed = 1;
	struct sim s = { .duration_s = 0 };
	struct hf_config *cfg = NULL;
	struct hf_diag diag;
	uv_loop_t loop;
	int opt, err = 0;

	while ((opt = getopt_long(argc, argv, "c:L:s:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'L': listen = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'd': s.duration_s = atof(optarg); break;
		case 'E': s.no_emergency = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	hf_diag_init(&diag);
	if (hf_config_load(path, hf_adapter_type_names(), &cfg, &diag) != 0) {
		hf_diag_print(&diag, stderr);
		hf_diag_finish(&diag);
		return 1;
	}
	hf_diag_finish(&diag);
	if (!listen)
		listen = cfg->sim.listen;

	uv_loop_init(&loop);
	s.loop = &loop;
	s.cfg = cfg;
	if (sim_city_init(&s.city, cfg, seed) != 0) {
		fprintf(stderr, "sim: out of memory\n");
		return 1;
	}
	s.server = sim_server_create(&loop, listen, on_connect, &s, &err);
	if (!s.server) {
		fprintf(stderr, "sim: cannot serve PEI on %s: %s\n", listen, uv_strerror(err));
		uv_walk(&loop, close_walk, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		sim_city_finish(&s.city);
		hf_config_destroy(cfg);
		return 1;
	}
	uv_timer_init(&loop, &s.tick);
	uv_timer_init(&loop, &s.emergency);
	s.tick.data = s.emergency.data = &s;
	uv_timer_start(&s.tick, on_tick, cfg->sim.report_interval_ms, cfg->sim.report_interval_ms);
	uv_signal_init(&loop, &s.sigint);
	uv_signal_init(&loop, &s.sigterm);
	uv_signal_start(&s.sigint, on_stop, SIGINT);
	uv_signal_start(&s.sigterm, on_stop, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	printf("sim: %zu units on patrol within %.0f m of %.5f,%.5f; serving PEI on %s\n",
	       s.city.n, cfg->sim.radius_m, cfg->sim.center_lat, cfg->sim.center_lon, listen);
	fflush(stdout);

	uv_run(&loop, UV_RUN_DEFAULT);

	sim_server_close(s.server);
	uv_walk(&loop, close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	sim_city_finish(&s.city);
	hf_config_destroy(cfg);
	return 0;
}
