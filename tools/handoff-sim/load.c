/*
 * load.c - handoff-sim's load mode: position reports at a set rate, spread
 * over N units, to the gateway over PEI/TCP (the gateway's tetra-pei adapter
 * connects to our PEI server, as in the city) or to its ingest endpoint
 * (ZeroMQ PUSH, one handoff.v1.RadioEvent per message).
 *
 * Rate control: a libuv timer every TICK_MS sends what is due since the start
 * (rate x elapsed - sent), at most a tenth of a second's worth per turn, so
 * rates from 100/s to over 1M/s work and a gateway or link that cannot keep up
 * shows as a lower achieved rate, never as memory growing without bound: PEI
 * records of one turn go out in one write, and a turn is skipped while more
 * than PEI_PENDING_MAX bytes wait in the kernel's direction; a full ZeroMQ
 * queue (SNDHWM) ends the turn. Load mode runs in real time (no --speed).
 *
 * Units: ISSIs SIM_ISSI_LOAD + k, each at a random point of the patrol
 * circle, walking a small circle of CIRCLE_M metres around it.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>
#include <zmq.h>

#include "curve.h"
#include "geo.h"
#include "handoff/v1/radio.pb-c.h"
#include "sim.h"

#define TICK_MS 2
#define PEI_PENDING_MAX (16u << 20)
#define REC_MAX 96            /* one LIP record's text */
#define CIRCLE_M 30.0
#define SNDHWM 100000

struct load {
	const struct sim_load_opts *o;
	uv_loop_t *loop;
	uv_timer_t tick;
	uv_signal_t sigint, sigterm;
	struct sim_server *server;   /* PEI */
	void *zctx, *push;           /* ingest */
	double *lat, *lon;           /* each unit's centre */
	double dlat, dlon;           /* CIRCLE_M in degrees here */
	uint64_t sent, skipped_turns, full_turns;
	uint64_t start_ms, last_report_ms, sent_at_report;
	bool started;
	char *buf;                   /* a turn's PEI records */
	size_t cap;
	uint8_t pb[256];
};

static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Where the n-th record puts unit k, and its heading. */
static void position(const struct load *l, uint64_t n, uint32_t k, double *lat, double *lon,
		     double *heading)
{
	double a = (double)(n / l->o->units) * 0.05 + k;

	*lat = l->lat[k] + l->dlat * cos(a);
	*lon = l->lon[k] + l->dlon * sin(a);
	*heading = fmod(a * 180 / M_PI + 90, 360);
}

/* Queues up to n PEI records; returns how many. */
static uint64_t send_pei(struct load *l, uint64_t n)
{
	size_t len = 0;
	uint64_t i;

	if (sim_server_clients(l->server) < 1 || sim_server_pending(l->server) > PEI_PENDING_MAX) {
		l->skipped_turns++;
		return 0;
	}
	if (n * REC_MAX > l->cap) {
		size_t cap = n * REC_MAX;
		char *p = realloc(l->buf, cap);

		if (!p)
			return 0;
		l->buf = p;
		l->cap = cap;
	}
	for (i = 0; i < n; i++) {
		uint64_t seq = l->sent + i;
		uint32_t k = (uint32_t)(seq % l->o->units);
		double lat, lon, hd;

		position(l, seq, k, &lat, &lon, &hd);
		len += sim_pei_lip_at(l->buf + len, l->cap - len, SIM_ISSI_LOAD + k, lat, lon, 5.0,
				      hd, 129);
	}
	sim_server_broadcast(l->server, l->buf, len);
	return n;
}

/* Sends up to n RadioEvents; returns how many ZeroMQ took. */
static uint64_t send_ingest(struct load *l, uint64_t n)
{
	Handoff__V1__RadioEvent ev;
	uint64_t now = unix_ms(), i;

	handoff__v1__radio_event__init(&ev);
	ev.kind = HANDOFF__V1__EVENT_KIND__EVENT_KIND_LOCATION;
	ev.source = "handoff-sim";
	ev.received_unix_ms = (int64_t)now;
	ev._lat_case = HANDOFF__V1__RADIO_EVENT___LAT_LAT;
	ev._lon_case = HANDOFF__V1__RADIO_EVENT___LON_LON;
	ev._velocity_kmh_case = HANDOFF__V1__RADIO_EVENT___VELOCITY_KMH_VELOCITY_KMH;
	ev.velocity_kmh = 5.0;
	ev._direction_deg_case = HANDOFF__V1__RADIO_EVENT___DIRECTION_DEG_DIRECTION_DEG;
	for (i = 0; i < n; i++) {
		uint64_t seq = l->sent + i;
		uint32_t k = (uint32_t)(seq % l->o->units);
		size_t len;

		ev.issi = SIM_ISSI_LOAD + k;
		position(l, seq, k, &ev.lat, &ev.lon, &ev.direction_deg);
		len = handoff__v1__radio_event__pack(&ev, l->pb);
		if (zmq_send(l->push, l->pb, len, ZMQ_DONTWAIT) < 0) {
			l->full_turns++;
			break;
		}
	}
	return i;
}

static void report(struct load *l, uint64_t now)
{
	double secs = (now - l->last_report_ms) / 1000.0;

	printf("load: %llu records sent, %.0f/s in the last %.1f s\n",
	       (unsigned long long)l->sent, (l->sent - l->sent_at_report) / secs, secs);
	fflush(stdout);
	l->last_report_ms = now;
	l->sent_at_report = l->sent;
}

static void on_tick(uv_timer_t *t)
{
	struct load *l = t->data;
	uint64_t now = uv_now(l->loop);
	double elapsed, due;
	uint64_t n;

	if (!l->started) {
		if (l->o->via == SIM_VIA_PEI && sim_server_clients(l->server) < 1)
			return;
		l->started = true;
		l->start_ms = l->last_report_ms = now;
		printf("load: sending %g records/s over %s to %u units\n", l->o->rate,
		       l->o->via == SIM_VIA_PEI ? "PEI" : "ingest", (unsigned)l->o->units);
		fflush(stdout);
	}
	elapsed = (now - l->start_ms) / 1000.0;
	if (l->o->duration_s > 0 && elapsed > l->o->duration_s)
		elapsed = l->o->duration_s;
	due = floor(l->o->rate * elapsed) - (double)l->sent;
	if (due > l->o->rate / 10 + 1)
		due = l->o->rate / 10 + 1;
	if (due >= 1) {
		n = (uint64_t)due;
		l->sent += l->o->via == SIM_VIA_PEI ? send_pei(l, n) : send_ingest(l, n);
	}
	if (now - l->last_report_ms >= 1000)
		report(l, now);
	if (l->o->duration_s > 0 && (now - l->start_ms) / 1000.0 >= l->o->duration_s)
		uv_stop(l->loop);
}

static void on_stop(uv_signal_t *h, int sig)
{
	uv_stop(h->loop);
}

static void on_connect(void *ctx, int clients)
{
	printf("load: gateway connected (%d connected)\n", clients);
	fflush(stdout);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* A PUSH socket to the ingest endpoint, with CURVE keys when given. */
static int open_push(struct load *l)
{
	const struct sim_load_opts *o = l->o;
	struct hf_curve_cert cert, server;
	int hwm = SNDHWM, linger = 10000;
	char err[256];

	if (!o->endpoint || !o->endpoint[0]) {
		fprintf(stderr, "handoff-sim: no ingest endpoint (endpoints.ingest is \"\"; "
			"give --endpoint)\n");
		return -1;
	}
	if (!o->cert_path != !o->server_key_path) {
		fprintf(stderr, "handoff-sim: CURVE needs both --cert and --server-key\n");
		return -1;
	}
	if (o->cert_path && (hf_curve_cert_load(o->cert_path, true, &cert, err, sizeof err) ||
			     hf_curve_cert_load(o->server_key_path, false, &server, err,
						sizeof err))) {
		fprintf(stderr, "handoff-sim: %s\n", err);
		return -1;
	}
	if (!(l->zctx = zmq_ctx_new()) || !(l->push = zmq_socket(l->zctx, ZMQ_PUSH))) {
		fprintf(stderr, "handoff-sim: cannot make a ZeroMQ socket: %s\n",
			zmq_strerror(zmq_errno()));
		return -1;
	}
	zmq_setsockopt(l->push, ZMQ_SNDHWM, &hwm, sizeof hwm);
	zmq_setsockopt(l->push, ZMQ_LINGER, &linger, sizeof linger);
	if (o->cert_path &&
	    (zmq_setsockopt(l->push, ZMQ_CURVE_SERVERKEY, server.public_key, HF_Z85_KEY_LEN) ||
	     zmq_setsockopt(l->push, ZMQ_CURVE_PUBLICKEY, cert.public_key, HF_Z85_KEY_LEN) ||
	     zmq_setsockopt(l->push, ZMQ_CURVE_SECRETKEY, cert.secret_key, HF_Z85_KEY_LEN))) {
		fprintf(stderr, "handoff-sim: cannot set CURVE keys: %s\n",
			zmq_strerror(zmq_errno()));
		return -1;
	}
	if (zmq_connect(l->push, o->endpoint) != 0) {
		fprintf(stderr, "handoff-sim: cannot connect to %s: %s\n", o->endpoint,
			zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

int sim_load_run(const struct hf_config *cfg, const struct sim_load_opts *o)
{
	struct load l = { .o = o };
	struct sim_city rng = { .rng = o->seed ? o->seed : 1 };
	double radius = cfg->sim.radius_m, lat0 = cfg->sim.center_lat, lon0 = cfg->sim.center_lon;
	uv_loop_t loop;
	uint64_t end;
	int rc = 0, err = 0;

	l.lat = malloc(o->units * sizeof *l.lat);
	l.lon = malloc(o->units * sizeof *l.lon);
	if (!l.lat || !l.lon) {
		fprintf(stderr, "handoff-sim: out of memory for %u units\n", (unsigned)o->units);
		free(l.lat);
		free(l.lon);
		return 1;
	}
	for (uint32_t k = 0; k < o->units; k++)
		hf_geo_destination(lat0, lon0, 360 * sim_city_random(&rng),
				   (radius - CIRCLE_M) * sqrt(sim_city_random(&rng)), &l.lat[k],
				   &l.lon[k]);
	l.dlat = CIRCLE_M / 111195.0;
	l.dlon = l.dlat / fmax(cos(lat0 * M_PI / 180), 0.01);

	uv_loop_init(&loop);
	l.loop = &loop;
	if (o->via == SIM_VIA_PEI) {
		l.server = sim_server_create(&loop, o->listen, on_connect, &l, &err);
		if (!l.server) {
			fprintf(stderr, "handoff-sim: cannot serve PEI on %s: %s\n", o->listen,
				uv_strerror(err));
			rc = 1;
			goto out;
		}
		printf("load: waiting for a gateway on %s\n", o->listen);
	} else if (open_push(&l) != 0) {
		rc = 1;
		goto out;
	} else {
		printf("load: pushing to %s%s\n", o->endpoint, o->cert_path ? " (CURVE)" : "");
	}
	fflush(stdout);
	uv_timer_init(&loop, &l.tick);
	l.tick.data = &l;
	uv_timer_start(&l.tick, on_tick, TICK_MS, TICK_MS);
	uv_signal_init(&loop, &l.sigint);
	uv_signal_init(&loop, &l.sigterm);
	uv_signal_start(&l.sigint, on_stop, SIGINT);
	uv_signal_start(&l.sigterm, on_stop, SIGTERM);
	signal(SIGPIPE, SIG_IGN);

	uv_run(&loop, UV_RUN_DEFAULT);

	uv_timer_stop(&l.tick);
	end = uv_now(&loop);
	if (l.started) {
		double secs = (end - l.start_ms) / 1000.0;

		printf("load: done: %llu records in %.2f s, %.0f/s (asked %g/s) over %s to %u "
		       "units%s\n", (unsigned long long)l.sent, secs, secs > 0 ? l.sent / secs : 0,
		       o->rate, o->via == SIM_VIA_PEI ? "PEI" : "ingest", (unsigned)o->units,
		       l.skipped_turns || l.full_turns ? "; the receiver fell behind" : "");
	} else {
		printf("load: no gateway connected; nothing sent\n");
	}
	fflush(stdout);
	/* PEI: let what is queued reach the gateway before the server closes */
	while (l.server && sim_server_pending(l.server) > 0 && sim_server_clients(l.server) > 0 &&
	       uv_now(&loop) - end < 10000)
		uv_run(&loop, UV_RUN_ONCE);
	if (l.server)
		sim_server_close(l.server);
out:
	uv_walk(&loop, close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	if (l.push)
		zmq_close(l.push);  /* lingers up to 10 s to deliver what is queued */
	if (l.zctx)
		zmq_ctx_term(l.zctx);
	free(l.buf);
	free(l.lat);
	free(l.lon);
	return rc;
}
