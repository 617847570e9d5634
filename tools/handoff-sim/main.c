/*
 * main.c - handoff-sim: a city of simulated PCSOs and constables on patrol in
 * their beats, served as TETRA PEI over TCP, for demos and tests; scenarios
 * played from files, in real or accelerated time; and a load mode (load.c).
 *
 * Time: the simulation has its own clock, `speed` times real time. Patrol
 * movement, report intervals, the demo emergency and scenario steps all run
 * on it; one libuv timer ticks every TICK_MS of real time and advances it.
 * Scenario time t=0 is the moment the first gateway connects.
 *
 * Every unit reports its status when a gateway connects and a LIP position
 * every sim.report_interval_ms (+- sim.report_jitter_ms). Without a scenario
 * the demo plays: sim.emergency.unit presses the emergency button
 * sim.emergency.after_s after t=0 (status 0, then a LIP report with reason
 * 2), and again repeat_after_s later. The records of one tick are written
 * to the gateways in one write.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "adapter.h"
#include "geo.h"
#include "lip.h"
#include "sim.h"

#define REASON_PERIODIC 129 /* maximum reporting interval exceeded */
#define REASON_EMERGENCY 2  /* emergency condition detected */
#define TICK_MS 50

struct sim {
	uv_loop_t *loop;
	const struct hf_config *cfg;
	struct sim_city city;
	struct sim_server *server;
	struct sim_scenario *scenario;
	size_t next_step;
	uv_timer_t tick;
	uv_signal_t sigint, sigterm;
	double speed;
	double now_s;          /* simulated seconds since start */
	double t0_s;           /* simulated time of the first connection; <0: not yet */
	uint64_t last_ms;      /* uv_now at the last tick */
	int presses;
	double next_press_s;
	bool no_emergency;
	double duration_s;
	uint64_t records;
	char *out;             /* this tick's records, written at its end */
	size_t out_len, out_cap;
};

/* Queues a record for every gateway; written by flush() at the tick's end. */
static void emit(struct sim *s, const char *rec, size_t len)
{
	if (!len)
		return;
	if (s->out_len + len > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : 4096;
		char *p;

		while (cap < s->out_len + len)
			cap *= 2;
		if (!(p = realloc(s->out, cap)))
			return;
		s->out = p;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, rec, len);
	s->out_len += len;
	s->records++;
}

static void flush(struct sim *s)
{
	if (s->out_len)
		sim_server_broadcast(s->server, s->out, s->out_len);
	s->out_len = 0;
}

/* "10:02:05" on the scenario's clock, else "t+125s". */
static void clock_label(const struct sim *s, double t, char *buf, size_t size)
{
	if (s->scenario && s->scenario->start_s >= 0)
		sim_clock_format(s->scenario->start_s + t, buf, size);
	else
		snprintf(buf, size, "t+%.0fs", t);
}

static void send_status(struct sim *s, const struct sim_unit *u, uint16_t code)
{
	char rec[128];

	emit(s, rec, sim_pei_status(rec, sizeof rec, u->issi, code));
}

static void send_lip(struct sim *s, const struct sim_unit *u, uint8_t reason)
{
	char rec[128];

	emit(s, rec, sim_pei_lip(rec, sizeof rec, u, reason));
}

static void press_emergency(struct sim *s, struct sim_unit *u)
{
	send_status(s, u, 0);
	send_lip(s, u, REASON_EMERGENCY);
}

/* The demo: the configured unit presses the button, and once more later. */
static void demo_emergency(struct sim *s)
{
	const struct hf_sim_config *sc = &s->cfg->sim;
	struct sim_unit *u = sim_city_find(&s->city, sc->emergency_unit);

	if (!u || s->presses >= 2)
		return;
	s->presses++;
	printf("sim: %s (ISSI %u) presses the EMERGENCY button at %.5f,%.5f%s\n", u->callsign,
	       (unsigned)u->issi, u->lat, u->lon, s->presses > 1 ? " (again)" : "");
	press_emergency(s, u);
	if (s->presses == 1 && sc->emergency_repeat_ms)
		s->next_press_s = s->now_s + sc->emergency_repeat_ms / 1000.0;
	else
		s->presses = 2;
}

/* A state meaning the unit reports again on every reconnect. */
static bool is_state(const char *meaning)
{
	static const char *const states[] = { "available", "on_patrol", "at_scene", "off_duty" };

	for (size_t i = 0; i < HF_ARRAY_SIZE(states); i++)
		if (strcmp(meaning, states[i]) == 0)
			return true;
	return false;
}

static void run_step(struct sim *s, const struct sim_step *st)
{
	struct sim_unit *u = st->unit[0] ? &s->city.units[st->unit_index] : NULL;
	const char *meaning;
	char when[32];

	clock_label(s, st->at_s, when, sizeof when);
	if (st->say[0])
		printf("sim: [%s] %s\n", when, st->say);
	switch (st->action) {
	case SIM_SAY:
		break;
	case SIM_STATUS:
		meaning = hf_config_status_meaning(s->cfg, st->status);
		printf("sim: [%s] %s (ISSI %u) sends status %u (%s)\n", when, u->callsign,
		       (unsigned)u->issi, (unsigned)st->status,
		       st->status == 0 ? "emergency" : meaning ? meaning : "not in the status_map");
		send_status(s, u, st->status);
		if (meaning && is_state(meaning))
			u->status = st->status;
		break;
	case SIM_EMERGENCY:
		printf("sim: [%s] %s (ISSI %u) presses the EMERGENCY button at %.5f,%.5f\n", when,
		       u->callsign, (unsigned)u->issi, u->lat, u->lon);
		press_emergency(s, u);
		break;
	case SIM_MOVE_TO:
		if (st->to_unit[0]) {
			const struct sim_unit *to = &s->city.units[st->to_index];

			u->target_lat = to->lat;
			u->target_lon = to->lon;
		} else {
			u->target_lat = st->lat;
			u->target_lon = st->lon;
		}
		u->has_target = true;
		u->arrived = false;
		printf("sim: [%s] %s heads to %.5f,%.5f%s%s (%.0f m at %.1f m/s)\n", when,
		       u->callsign, u->target_lat, u->target_lon, st->to_unit[0] ? ", where " : "",
		       st->to_unit[0] ? s->city.units[st->to_index].callsign : "",
		       hf_geo_distance_m(u->lat, u->lon, u->target_lat, u->target_lon),
		       u->speed_mps);
		break;
	case SIM_LIP_REASON:
		printf("sim: [%s] %s (ISSI %u) sends a LIP report with reason %u\n", when,
		       u->callsign, (unsigned)u->issi, (unsigned)st->lip_reason);
		send_lip(s, u, st->lip_reason);
		break;
	case SIM_STOP_REPORTING:
		printf("sim: [%s] %s goes silent (no more reports)\n", when, u->callsign);
		u->silent = true;
		break;
	case SIM_RESUME_REPORTING:
		printf("sim: [%s] %s reports again\n", when, u->callsign);
		u->silent = false;
		u->next_report_s = s->now_s;
		break;
	}
}

/* The next report time: one interval on, +- the jitter (at most half of it). */
static void schedule_report(struct sim *s, struct sim_unit *u)
{
	double every = s->cfg->sim.report_interval_ms / 1000.0;
	double jitter = s->cfg->sim.report_jitter_ms / 1000.0;

	if (jitter > every / 2)
		jitter = every / 2;
	u->next_report_s += every + jitter * (2 * sim_city_random(&s->city) - 1);
	if (u->next_report_s < s->now_s)
		u->next_report_s = s->now_s + every; /* fell behind: at high speed */
}

static void on_tick(uv_timer_t *t)
{
	struct sim *s = t->data;
	uint64_t now = uv_now(s->loop);
	double dt = (double)(now - s->last_ms) / 1000.0 * s->speed;

	s->last_ms = now;
	s->now_s += dt;
	sim_city_step(&s->city, dt);
	for (size_t i = 0; i < s->city.n; i++) {
		struct sim_unit *u = &s->city.units[i];

		if (u->silent || s->now_s < u->next_report_s)
			continue;
		send_lip(s, u, REASON_PERIODIC);
		schedule_report(s, u);
	}
	if (s->t0_s >= 0 && s->scenario) {
		while (s->next_step < s->scenario->n_steps &&
		       s->now_s - s->t0_s >= s->scenario->steps[s->next_step].at_s)
			run_step(s, &s->scenario->steps[s->next_step++]);
		if (s->next_step == s->scenario->n_steps) {
			printf("sim: scenario \"%s\" done (%zu steps)\n", s->scenario->name,
			       s->scenario->n_steps);
			s->next_step++;
		}
	} else if (s->t0_s >= 0 && !s->no_emergency && s->presses < 2 &&
		   s->now_s >= s->next_press_s) {
		demo_emergency(s);
	}
	flush(s);
	fflush(stdout);
	if (s->duration_s > 0 && s->now_s >= s->duration_s) {
		printf("sim: %.0f s of simulated time elapsed, stopping (%llu records sent)\n",
		       s->duration_s, (unsigned long long)s->records);
		fflush(stdout);
		uv_stop(s->loop);
	}
}

/* A gateway connected: tell it where everyone is and what they are doing. */
static void on_connect(void *ctx, int clients)
{
	struct sim *s = ctx;
	char *buf;
	size_t cap = (s->city.n + 1) * 128, len = 0;

	printf("sim: gateway connected (%d connected)\n", clients);
	if ((buf = malloc(cap))) {
		for (size_t i = 0; i < s->city.n; i++) {
			const struct sim_unit *u = &s->city.units[i];

			if (u->status >= 0)
				len += sim_pei_status(buf + len, cap - len, u->issi,
						      (uint16_t)u->status);
			if (!u->silent)
				len += sim_pei_lip(buf + len, cap - len, u, REASON_PERIODIC);
		}
		sim_server_send_last(s->server, buf, len);
		free(buf);
	}
	if (s->t0_s < 0) {
		s->t0_s = s->now_s;
		if (s->scenario) {
			printf("sim: playing scenario \"%s\" (%zu steps) at %gx real time\n",
			       s->scenario->name, s->scenario->n_steps, s->speed);
		} else if (!s->no_emergency && s->cfg->sim.emergency_unit[0]) {
			s->next_press_s = s->now_s + s->cfg->sim.emergency_after_ms / 1000.0;
			printf("sim: %s will press the emergency button in %.1f s\n",
			       s->cfg->sim.emergency_unit,
			       s->cfg->sim.emergency_after_ms / 1000.0 / s->speed);
		}
	}
	fflush(stdout);
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
		"Usage: handoff-sim -c FILE [--scenario FILE] [--speed X] [--listen HOST:PORT]\n"
		"                   [--seed N] [--duration S] [--no-emergency]\n"
		"       handoff-sim -c FILE --load RATE [--via pei|ingest] [--units N]\n"
		"                   [--duration S] [--cert FILE --server-key FILE]\n"
		"       handoff-sim [-c FILE] --print-roster N M\n"
		"\n"
		"Simulates the config's roster, and sim.pcsos + sim.constables generated units,\n"
		"on patrol in their beats (the places file's areas, else sim.beats sectors of\n"
		"sim.radius_m around sim.center), served as TETRA PEI over TCP (handoffd's\n"
		"tetra-pei adapter connects to it). Without --scenario it plays the demo\n"
		"emergency of sim.emergency.\n"
		"\n"
		"  -c, --config FILE    the gateway's config (roster, status map, sim: section)\n"
		"  -L, --listen ADDR    serve PEI here (default: sim.listen)\n"
		"  -s, --seed N         patrol routes seed (default 1)\n"
		"  -d, --duration S     stop after S seconds of simulated time (default: run)\n"
		"      --no-emergency   do not play the demo emergency\n"
		"  -S, --scenario FILE  play a scenario (YAML, see the README) from the moment\n"
		"                       the first gateway connects, instead of the demo\n"
		"  -x, --speed X        simulated time runs X times real time (default 1):\n"
		"                       movement, report intervals and scenario times; the\n"
		"                       gateway's own timers (escalation, detention, welfare)\n"
		"                       stay real time\n"
		"      --print-roster N M\n"
		"                       print roster entries for N generated PCSOs and M\n"
		"                       constables (to paste into the config's roster:)\n"
		"\n"
		"Load mode: position reports at RATE records per second, to measure the gateway.\n"
		"  -l, --load RATE      records per second (e.g. 1000, 1e6)\n"
		"      --via pei|ingest PEI over TCP on --listen (default), or one protobuf\n"
		"                       RadioEvent per ZeroMQ PUSH message to endpoints.ingest\n"
		"  -u, --units N        spread over N units, ISSIs from %d (default 1000)\n"
		"  -e, --endpoint EP    ingest endpoint (default: endpoints.ingest)\n"
		"      --cert FILE      ingest with CURVE: this client's key pair (.key_secret)\n"
		"      --server-key FILE  and the gateway's public certificate\n"
		"  -h, --help           this help\n",
		SIM_ISSI_LOAD);
}

enum { OPT_NO_EMERGENCY = 256, OPT_PRINT_ROSTER, OPT_VIA, OPT_CERT, OPT_SERVER_KEY };

static bool parse_count(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int print_roster(struct hf_config *cfg, uint32_t pcsos, uint32_t constables)
{
	struct sim_city city;

	cfg->sim.pcsos = pcsos;
	cfg->sim.constables = constables;
	if (sim_city_init(&city, cfg, 1) != 0) {
		fprintf(stderr, "handoff-sim: out of memory\n");
		return 1;
	}
	sim_city_print_roster(&city, stdout);
	sim_city_finish(&city);
	return 0;
}

static int load_scenario(struct sim *s, const char *path)
{
	struct hf_diag diag;
	int rc;

	hf_diag_init(&diag);
	rc = sim_scenario_load(path, s->cfg, &s->scenario, &diag);
	if (!rc && (rc = sim_scenario_bind(s->scenario, &s->city, &diag)) != 0)
		hf_strlcpy(diag.file, path, sizeof diag.file);
	hf_diag_print(&diag, stderr);
	hf_diag_finish(&diag);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'L' },
		{ "seed", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "no-emergency", no_argument, NULL, OPT_NO_EMERGENCY },
		{ "scenario", required_argument, NULL, 'S' },
		{ "speed", required_argument, NULL, 'x' },
		{ "print-roster", required_argument, NULL, OPT_PRINT_ROSTER },
		{ "load", required_argument, NULL, 'l' },
		{ "via", required_argument, NULL, OPT_VIA },
		{ "units", required_argument, NULL, 'u' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "server-key", required_argument, NULL, OPT_SERVER_KEY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *listen = NULL, *scenario = NULL;
	struct sim_load_opts lo = { .via = SIM_VIA_PEI, .units = 1000, .seed = 1 };
	uint32_t roster_n = 0, roster_m = 0;
	bool print = false;
	uint64_t seed = 1;
	struct sim s = { .speed = 1, .t0_s = -1 };
	struct hf_config *cfg = NULL;
	struct hf_diag diag;
	uv_loop_t loop;
	int opt, err = 0, rc = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "c:L:s:d:S:x:l:u:e:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'L': listen = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'd':
			s.duration_s = strtod(optarg, &end);
			if (*end || !(s.duration_s >= 0)) {
				fprintf(stderr, "handoff-sim: --duration wants seconds, got \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		case OPT_NO_EMERGENCY: s.no_emergency = true; break;
		case 'S': scenario = optarg; break;
		case 'x':
			s.speed = strtod(optarg, &end);
			if (*end || !(s.speed > 0 && s.speed <= 100000)) {
				fprintf(stderr, "handoff-sim: --speed wants a factor above 0 (at most "
					"100000), got \"%s\"\n", optarg);
				return 2;
			}
			break;
		case OPT_PRINT_ROSTER:
			/* two numbers: N here, M the next argument */
			if (!parse_count(optarg, 100000, &roster_n) || optind >= argc ||
			    !parse_count(argv[optind], 100000, &roster_m)) {
				fprintf(stderr, "handoff-sim: --print-roster wants two counts, N "
					"PCSOs and M constables (at most 100000 each)\n");
				return 2;
			}
			optind++;
			print = true;
			break;
		case 'l':
			lo.rate = strtod(optarg, &end);
			if (*end || !(lo.rate > 0 && lo.rate <= 1e8)) {
				fprintf(stderr, "handoff-sim: --load wants records per second, got "
					"\"%s\"\n", optarg);
				return 2;
			}
			break;
		case OPT_VIA:
			if (strcmp(optarg, "pei") == 0) {
				lo.via = SIM_VIA_PEI;
			} else if (strcmp(optarg, "ingest") == 0) {
				lo.via = SIM_VIA_INGEST;
			} else {
				fprintf(stderr, "handoff-sim: --via is pei or ingest\n");
				return 2;
			}
			break;
		case 'u':
			if (!parse_count(optarg, 1000000, &lo.units) || !lo.units) {
				fprintf(stderr, "handoff-sim: --units wants 1 to 1000000\n");
				return 2;
			}
			break;
		case 'e': lo.endpoint = optarg; break;
		case OPT_CERT: lo.cert_path = optarg; break;
		case OPT_SERVER_KEY: lo.server_key_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || (!path && !print)) {
		usage(stderr);
		return 2;
	}
	hf_diag_init(&diag);
	if (path && hf_config_load_client(path, hf_adapter_type_names(), &cfg, &diag) != 0) {
		hf_diag_print(&diag, stderr);
		hf_diag_finish(&diag);
		return 1;
	}
	hf_diag_finish(&diag);
	if (print && !cfg) {
		static struct hf_config defaults;

		hf_config_defaults(&defaults);
		return print_roster(&defaults, roster_n, roster_m);
	}
	if (print) {
		rc = print_roster(cfg, roster_n, roster_m);
		hf_config_destroy(cfg);
		return rc;
	}
	if (!listen)
		listen = cfg->sim.listen;
	if (lo.rate > 0) {
		lo.duration_s = s.duration_s;
		lo.listen = listen;
		lo.seed = seed;
		if (!lo.endpoint)
			lo.endpoint = cfg->endpoints.ingest;
		rc = sim_load_run(cfg, &lo);
		hf_config_destroy(cfg);
		return rc;
	}

	s.cfg = cfg;
	if (sim_city_init(&s.city, cfg, seed) != 0) {
		fprintf(stderr, "handoff-sim: out of memory\n");
		hf_config_destroy(cfg);
		return 1;
	}
	if (scenario && load_scenario(&s, scenario) != 0) {
		sim_scenario_destroy(s.scenario);
		sim_city_finish(&s.city);
		hf_config_destroy(cfg);
		return 1;
	}
	uv_loop_init(&loop);
	s.loop = &loop;
	s.server = sim_server_create(&loop, listen, on_connect, &s, &err);
	if (!s.server) {
		fprintf(stderr, "handoff-sim: cannot serve PEI on %s: %s\n", listen, uv_strerror(err));
		rc = 1;
		goto out;
	}
	uv_timer_init(&loop, &s.tick);
	s.tick.data = &s;
	s.last_ms = uv_now(&loop);
	uv_timer_start(&s.tick, on_tick, TICK_MS, TICK_MS);
	uv_signal_init(&loop, &s.sigint);
	uv_signal_init(&loop, &s.sigterm);
	uv_signal_start(&s.sigint, on_stop, SIGINT);
	uv_signal_start(&s.sigterm, on_stop, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	printf("sim: %zu units (%u generated) on patrol in %zu beats within %.0f m of "
	       "%.5f,%.5f; serving PEI on %s\n", s.city.n,
	       (unsigned)(cfg->sim.pcsos + cfg->sim.constables), s.city.n_beats,
	       cfg->sim.radius_m, cfg->sim.center_lat, cfg->sim.center_lon, listen);
	fflush(stdout);

	uv_run(&loop, UV_RUN_DEFAULT);

	sim_server_close(s.server);
out:
	uv_walk(&loop, close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(s.out);
	sim_scenario_destroy(s.scenario);
	sim_city_finish(&s.city);
	hf_config_destroy(cfg);
	return rc;
}
