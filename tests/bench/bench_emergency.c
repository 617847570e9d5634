/*
 * bench_emergency.c - benchmark (run on demand, prints figures, asserts
 * nothing): emergency latency, from the moment the radio side writes a status
 * 0 record to the moment a ZeroMQ subscriber has the alert, with background
 * position traffic on the same PEI link; beside ZeroMQ's own one-way PUB ->
 * SUB latency measured in the same run the same way. Driven by bench_all.py.
 *
 *   bench_emergency zmq-bare SAMPLES
 *       baseline: 100-byte messages PUB -> SUB over loopback TCP.
 *   bench_emergency pei PORT PUBLISH_EP COMMAND_EP SAMPLES RATE...
 *       serves the gateway's tetra-pei connection on 127.0.0.1:PORT; for each
 *       RATE (background LIP positions per second, 0 for none) writes SAMPLES
 *       emergencies, each from a new ISSI (so each opens an incident), and
 *       times each until its incident arrives on `alert.`.
 *
 * Open loop: an emergency goes every 2-4 ms whether or not the last alert has
 * come (a slow gateway cannot slow the sampling down); a receiver thread
 * stamps each alert. An emergency counts as lost if its alert has not come 5 s
 * after it was written. The background writer shares the link: records go out
 * whole under the link's lock, so an emergency written while the link is full
 * waits behind the positions before it, as on a real radio link; its time is
 * taken before it waits. The background writer's achieved rate is reported
 * beside the one asked (a link that takes less shows as a lower rate).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "bench_common.h"
#include "handoff/v1/bus.pb-c.h"

#define LOST_NS 5000000000ull   /* no alert 5 s after the record: lost */
#define LATE_NS 10000000ull     /* the bound under overload: 10 ms */
#define TICK_NS 1000000ull      /* background writer's period */
#define BG_UNITS 10000u
#define BG_RING (4 * BG_UNITS)  /* background records, cycled */
#define WARMUP_NS 1000000000ull

/* Stamps arrivals: t1[i] for sample i. */
struct receiver {
	void *sub;
	bool publications;       /* Publications (gateway) or 8-byte indexes (bare) */
	const char *cpu;         /* bench_pin role of the thread, or NULL */
	uint32_t issi_base;
	size_t n;
	uint64_t *t1;
	atomic_bool stop;
	pthread_t thread;
};

static void *receive(void *arg)
{
	struct receiver *r = arg;
	zmq_pollitem_t it = { .socket = r->sub, .events = ZMQ_POLLIN };

	if (r->cpu)
		bench_pin(r->cpu);
	while (!atomic_load(&r->stop)) {
		zmq_msg_t topic, body;
		uint64_t now, idx = UINT64_MAX;

		if (zmq_poll(&it, 1, 50) != 1)
			continue;
		zmq_msg_init(&topic);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&topic, r->sub, 0) < 0 || zmq_msg_recv(&body, r->sub, 0) < 0)
			goto next;
		now = bench_now_ns();
		if (r->publications) {
			Handoff__V1__Publication *p = handoff__v1__publication__unpack(
				NULL, zmq_msg_size(&body), zmq_msg_data(&body));

			if (p && p->body_case == HANDOFF__V1__PUBLICATION__BODY_INCIDENT &&
			    p->incident->subject)
				idx = (uint64_t)p->incident->subject->issi - r->issi_base;
			if (p)
				handoff__v1__publication__free_unpacked(p, NULL);
		} else if (zmq_msg_size(&body) >= sizeof idx) {
			memcpy(&idx, zmq_msg_data(&body), sizeof idx);
		}
		if (idx < r->n && r->t1[idx] == 0)
			r->t1[idx] = now;
next:
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
	return NULL;
}

/* Connects a SUB to endpoint for prefix and starts its receiver. */
static int receiver_start(struct receiver *r, void *zctx, const char *endpoint,
			  const char *prefix, size_t n)
{
	int hwm = 0;

	r->sub = zmq_socket(zctx, ZMQ_SUB);
	r->n = n;
	r->t1 = calloc(n, sizeof *r->t1);
	atomic_init(&r->stop, false);
	zmq_setsockopt(r->sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
	zmq_setsockopt(r->sub, ZMQ_SUBSCRIBE, prefix, strlen(prefix));
	if (!r->t1 || zmq_connect(r->sub, endpoint) != 0) {
		fprintf(stderr, "bench_emergency: cannot subscribe to %s\n", endpoint);
		return -1;
	}
	bench_sleep_ns(500000000);  /* the subscription reaches the publisher */
	return pthread_create(&r->thread, NULL, receive, r);
}

static void receiver_stop(struct receiver *r)
{
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	zmq_close(r->sub);
	free(r->t1);
}

/* A pause of 2-4 ms between samples (xorshift, so runs are alike). */
static void pace(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	bench_sleep_ns(2000000 + x % 2000000);
}

/* Waits until every sample has arrived or is lost; prints and reports
 * p50/p99/max (microseconds), lost and late (> 10 ms) counts under key. */
static void summarise(const char *label, const char *key, const uint64_t *t0,
		      const uint64_t *t1, size_t n)
{
	uint64_t *lat = malloc(n * sizeof *lat);
	size_t got = 0, lost = 0, late = 0;
	char k[96];
	double p50, p99, max;

	for (uint64_t deadline = t0[n - 1] + LOST_NS; bench_now_ns() < deadline;) {
		size_t done = 0;

		for (size_t i = 0; i < n; i++)
			done += t1[i] != 0;
		if (done == n)
			break;
		bench_sleep_ns(10000000);
	}
	for (size_t i = 0; i < n; i++) {
		if (t1[i] == 0 || t1[i] - t0[i] > LOST_NS) {
			lost++;
			continue;
		}
		late += t1[i] - t0[i] > LATE_NS;
		lat[got++] = t1[i] - t0[i];
	}
	p50 = bench_pct(lat, got, 50) / 1e3;
	p99 = bench_pct(lat, got, 99) / 1e3;
	max = got ? lat[got - 1] / 1e3 : 0;
	printf("%s: %zu samples: p50 %.0f us, p99 %.0f us, max %.0f us; %zu later than 10 ms, "
	       "%zu lost (no alert within 5 s)\n", label, n, p50, p99, max, late, lost);
	snprintf(k, sizeof k, "%s_p50_us", key);
	bench_result(k, p50);
	snprintf(k, sizeof k, "%s_p99_us", key);
	bench_result(k, p99);
	snprintf(k, sizeof k, "%s_max_us", key);
	bench_result(k, max);
	snprintf(k, sizeof k, "%s_late", key);
	bench_result(k, (double)late);
	snprintf(k, sizeof k, "%s_lost", key);
	bench_result(k, (double)lost);
	free(lat);
}

static int run_zmq_bare(size_t n)
{
	void *zctx, *pub, *sctx;
	struct receiver r = { .publications = false, .cpu = "HF_BENCH_CPU_PEER" };
	uint64_t *t0 = calloc(n, sizeof *t0);
	char endpoint[64], payload[100] = { 0 };
	size_t len = sizeof endpoint;

	/* the subscriber's context (and I/O thread) on the peer's CPU, the
	 * publisher's on the gateway's, as in the gateway's measurement */
	bench_pin("HF_BENCH_CPU_PEER");
	sctx = zmq_ctx_new();
	zmq_close(zmq_socket(sctx, ZMQ_SUB));  /* the first socket starts the I/O thread */
	bench_pin("HF_BENCH_CPU_GW");
	zctx = zmq_ctx_new();
	pub = zmq_socket(zctx, ZMQ_PUB);
	if (!t0 || zmq_bind(pub, "tcp://127.0.0.1:*") != 0)
		return 1;
	zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, endpoint, &len);
	if (receiver_start(&r, sctx, endpoint, "alert.", n) != 0)
		return 1;
	for (uint64_t i = 0; i < n; i++) {
		memcpy(payload, &i, sizeof i);
		t0[i] = bench_now_ns();
		zmq_send(pub, "alert.central.critical", 22, ZMQ_SNDMORE);
		zmq_send(pub, payload, sizeof payload, 0);
		pace();
	}
	summarise("zmq-bare PUB -> SUB, 100 bytes", "zmq_bare", t0, r.t1, n);
	receiver_stop(&r);
	zmq_close(pub);
	zmq_ctx_term(zctx);
	zmq_ctx_term(sctx);
	free(t0);
	return 0;
}

/* Background positions at `rate` per second on the shared link. */
struct background {
	struct bench_pei *pei;
	double rate;
	const char *ring;
	size_t reclen;
	uint64_t sent, dropped;  /* records written; records due but not written in time */
	uint64_t t_start, t_end;
	atomic_bool stop;
	pthread_t thread;
};

/* Every tick, writes whatever is due since the start, whole records under the
 * link's lock. Owed records beyond 10 ticks' worth are dropped (counted): a
 * link that does not take them lowers the achieved rate, not the pacing. */
static void *background(void *arg)
{
	struct background *b = arg;
	uint64_t next = bench_now_ns(), pos = 0, max_owed = (uint64_t)(b->rate / 100) + 1;

	b->t_start = next;
	while (!atomic_load(&b->stop)) {
		uint64_t now = bench_now_ns();
		uint64_t due = (uint64_t)(b->rate * (now - b->t_start) / 1e9);
		uint64_t owed = due - b->sent - b->dropped;

		if (owed > max_owed) {
			b->dropped += owed - max_owed;
			owed = max_owed;
		}
		pthread_mutex_lock(&b->pei->lock);
		while (owed > 0) {
			uint64_t k = owed < BG_RING - pos ? owed : BG_RING - pos;

			if (bench_write_all(b->pei->fd, b->ring + pos * b->reclen, k * b->reclen))
				break;
			b->sent += k;
			owed -= k;
			pos = (pos + k) % BG_RING;
		}
		pthread_mutex_unlock(&b->pei->lock);
		next += TICK_NS;
		if (next > now)
			bench_sleep_ns(next - now);
		else
			next = now;
	}
	b->t_end = bench_now_ns();
	return NULL;
}

/* Waits until the gateway's counters stop moving (it has caught up). */
static void settle(void *zctx, const char *command, struct bench_counters *c)
{
	bench_wait_events(zctx, command, UINT64_MAX, 500, c);
}

static int run_pei(int port, const char *publish, const char *command, size_t n, int nrates,
		   char **rates)
{
	void *zctx = zmq_ctx_new();
	struct receiver r = { .publications = true, .issi_base = BENCH_ISSI_EMERGENCY };
	uint64_t *t0 = calloc(n * (size_t)nrates, sizeof *t0);
	struct bench_pei pei;
	size_t reclen;
	char *ring = bench_lip_records(BENCH_ISSI_LOAD, BG_UNITS, BG_RING, &reclen);

	if (!t0 || !ring || bench_pei_listen(&pei, port) != 0 || bench_pei_accept(&pei, 10000) != 0)
		return 1;
	if (receiver_start(&r, zctx, publish, "alert.", n * (size_t)nrates) != 0)
		return 1;
	for (int level = 0; level < nrates; level++) {
		struct background bg = { .pei = &pei, .rate = atof(rates[level]), .ring = ring,
					 .reclen = reclen };
		struct bench_counters before, after;
		uint64_t *lt0 = t0 + (size_t)level * n, *lt1 = r.t1 + (size_t)level * n;
		char label[96], key[32];

		atomic_init(&bg.stop, false);
		settle(zctx, command, &before);
		if (bg.rate > 0) {
			pthread_create(&bg.thread, NULL, background, &bg);
			bench_sleep_ns(WARMUP_NS);
		}
		for (size_t i = 0; i < n; i++) {
			char rec[64];
			uint32_t issi = BENCH_ISSI_EMERGENCY + (uint32_t)(level * n + i);
			size_t len = bench_status_record(rec, sizeof rec, issi, 0);

			lt0[i] = bench_now_ns();
			if (bench_pei_write(&pei, rec, len) != 0) {
				perror("bench_emergency: write");
				return 1;
			}
			pace();
		}
		snprintf(label, sizeof label, "gateway PEI emergency -> alert, background %s/s",
			 rates[level]);
		snprintf(key, sizeof key, "lat_%d", level);
		summarise(label, key, lt0, lt1, n);
		if (bg.rate > 0) {
			double secs;

			atomic_store(&bg.stop, true);
			pthread_join(bg.thread, NULL);
			secs = (bg.t_end - bg.t_start) / 1e9;
			printf("  background: asked %.0f/s, written %.0f/s (%llu records; %llu due "
			       "but not taken by the link in time)\n", bg.rate, bg.sent / secs,
			       (unsigned long long)bg.sent, (unsigned long long)bg.dropped);
			snprintf(key, sizeof key, "lat_%d_bg_per_s", level);
			bench_result(key, bg.sent / secs);
		}
		settle(zctx, command, &after);
		printf("  gateway: %llu events taken, %llu shed%s%s\n",
		       (unsigned long long)(after.events - before.events),
		       (unsigned long long)(after.shed - before.shed),
		       after.shed_names[0] ? ": " : "", after.shed_names);
		snprintf(key, sizeof key, "lat_%d_shed", level);
		bench_result(key, (double)(after.shed - before.shed));
	}
	receiver_stop(&r);
	bench_pei_close(&pei);
	zmq_ctx_term(zctx);
	free(ring);
	free(t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "zmq-bare") == 0)
		return run_zmq_bare(strtoul(argv[2], NULL, 10));
	if (argc >= 7 && strcmp(argv[1], "pei") == 0) {
		bench_pin("HF_BENCH_CPU_PEER");  /* all of it plays the radio side */
		return run_pei(atoi(argv[2]), argv[3], argv[4], strtoul(argv[5], NULL, 10),
			       argc - 6, argv + 6);
	}
	fprintf(stderr, "usage: bench_emergency zmq-bare SAMPLES\n"
		"       bench_emergency pei PORT PUBLISH_EP COMMAND_EP SAMPLES RATE...\n");
	return 2;
}
