/*
 * main.c - handoffd: the gateway daemon. Everything else is in the library.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>
#include <zmq.h>

#include "adapter.h"
#include "gateway.h"
#include "log.h"
#include "notify.h"
#include "places.h"

#define DEFAULT_CONFIG "/etc/handoff/handoff.yaml"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: handoffd [-c FILE] [--check] [-l LEVEL]\n"
		"\n"
		"The handoff gateway: takes status and location reports from PCSOs' and\n"
		"constables' radios, raises hand-off alerts to dispatchers and the nearest\n"
		"constables, and publishes them over ZeroMQ; escalates alerts nobody\n"
		"acknowledges, runs the detention and welfare clocks, and tells the PCSO's\n"
		"radio by SDS who is coming.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG ")\n"
		"      --check           validate the configuration, print every problem as\n"
		"                        FILE:LINE:COL: message, and exit (1 if any)\n"
		"  -l, --log-level LEVEL err, warn, notice, info or debug (overrides the\n"
		"                        config's gateway.log_level)\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n"
		"\n"
		"Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads the configuration\n"
		"(a configuration with problems is refused and the running one kept).\n"
		"\n"
		"Under systemd (Type=notify) it reports readiness, reloads, stopping and a\n"
		"status line through NOTIFY_SOCKET and pings the watchdog (WatchdogSec=);\n"
		"logs go to stderr, with syslog priorities for journald (JOURNAL_STREAM).\n"
		"\n"
		"Adapters:\n");
	for (size_t i = 0; hf_adapter_types[i]; i++)
		fprintf(fp, "  %-12s %s\n", hf_adapter_types[i]->type,
			hf_adapter_types[i]->summary);
}

/* The status line systemd shows (`systemctl status handoffd`), e.g.
 * "16 units, 1 open incident, 1 of 1 links up, journal ok". */
static void summarise(void *ctx, char *buf, size_t size)
{
	static uint64_t seen_reloads, seen_errors;
	static bool refused;
	const struct hf_gateway *gw = ctx;
	size_t open = hf_incidents_open_count(&gw->engine.incidents);
	size_t up = 0;

	if (gw->stopping) {
		snprintf(buf, size, "Stopping");
		return;
	}
	/* The last reload decides: refused until one applies. */
	if (gw->stats.reload_errors != seen_errors)
		refused = true;
	if (gw->stats.reloads != seen_reloads)
		refused = false;
	seen_errors = gw->stats.reload_errors;
	seen_reloads = gw->stats.reloads;
	for (size_t i = 0; i < gw->n_adapters; i++)
		up += gw->adapters[i]->up;
	snprintf(buf, size, "%u unit%s, %zu open incident%s, %zu of %zu link%s up, "
		 "journal %s%s", (unsigned)gw->engine.reg.n, gw->engine.reg.n == 1 ? "" : "s",
		 open, open == 1 ? "" : "s", up, gw->n_adapters, gw->n_adapters == 1 ? "" : "s",
		 !gw->journal ? "closed" : hf_journal_failing(gw->journal, NULL) ? "FAILING" : "ok",
		 refused ? "; last reload refused (see the log)" : "");
}

/* Loads path, printing every problem; NULL if there were any. */
static struct hf_config *load(const char *path)
{
	struct hf_config *cfg = NULL;
	struct hf_diag diag;

	hf_diag_init(&diag);
	if (hf_config_load(path, hf_adapter_type_names(), &cfg, &diag) != 0) {
		hf_diag_print(&diag, stderr);
		if (diag.n == 0)
			fprintf(stderr, "%s: cannot load configuration\n", path);
		cfg = NULL;
	}
	hf_diag_finish(&diag);
	return cfg;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	bool check = false;
	bool level_set = false;
	enum hf_log_level level = HF_LOG_INFO;
	struct hf_gateway gw;
	struct hf_config *cfg;
	uv_loop_t loop;
	void *zctx;
	int c, rc;

	hf_log_init("handoffd");
	while ((c = getopt_long(argc, argv, "c:l:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'l':
			if (!hf_log_level_parse(optarg, &level)) {
				fprintf(stderr, "handoffd: unknown log level \"%s\"\n", optarg);
				return 2;
			}
			level_set = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("handoffd %s\n", HF_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "handoffd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	cfg = load(path);
	if (!cfg)
		return 1;
	if (check) {
		printf("%s: OK (%zu units on the roster, %zu areas, %zu status codes, "
		       "%zu adapters, %zu places)\n",
		       path, cfg->n_roster, cfg->n_areas, cfg->n_status, cfg->n_adapters,
		       cfg->places ? hf_places_count(cfg->places) : (size_t)0);
		hf_config_destroy(cfg);
		return 0;
	}
	hf_log_set_level(level_set ? level : cfg->gateway.log_level);

	uv_loop_init(&loop);
	zctx = zmq_ctx_new();
	/* Two I/O threads: each client connection is served by one, so one
	 * client's flood (decrypting and framing it) leaves the other thread
	 * free for everyone else's traffic. */
	if (zctx)
		zmq_ctx_set(zctx, ZMQ_IO_THREADS, 2);
	rc = hf_gateway_init(&gw, &loop, zctx, &hf_clock_system, cfg);
	if (rc) {
		hf_err("cannot start: %s", uv_strerror(rc));
		hf_gateway_stop(&gw);
	} else {
		hf_notice("handoffd %s running with %s", HF_VERSION, path);
		/* Bound, journal recovered, adapters started: ready. */
		if (hf_notify_start(&loop, summarise, &gw) != 0)
			hf_warn("systemd notification: cannot start its timer");
		hf_notify_ready();
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	/* The watchdog timer does not hold the loop: close it and let it finish. */
	hf_notify_close();
	uv_run(&loop, UV_RUN_DEFAULT);
	hf_gateway_finish(&gw);
	if (uv_loop_close(&loop) != 0) {
		hf_err("internal error: handles left open at exit");
		uv_print_all_handles(&loop, stderr);
		rc = rc ? rc : -EBUSY;
	}
	zmq_ctx_term(zctx);
	if (!rc)
		hf_notice("stopped cleanly");
	return rc ? 1 : 0;
}
