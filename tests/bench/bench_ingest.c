/*
 * bench_ingest.c - benchmark (run on demand, prints figures, asserts nothing):
 * how many records per second get into the gateway, beside the bare
 * transports measured in the same run. Driven by bench_all.py, which starts
 * handoffd; each mode prints what it did and "RESULT key value" lines.
 *
 *   bench_ingest tcp-bare RECORDS
 *       baseline: a libuv TCP reader that only splits lines, fed the same PEI
 *       records by a writer thread at full speed (records = line pairs).
 *   bench_ingest zmq-bare MESSAGES
 *       baseline: ZeroMQ PUSH -> PULL of 100-byte messages over loopback TCP.
 *   bench_ingest pei PORT COMMAND_EP UNITS RECORDS
 *       serves the gateway's tetra-pei connection on 127.0.0.1:PORT, writes
 *       RECORDS LIP positions of UNITS units as fast as the link takes them,
 *       and polls the gateway's `events` counter (stats request on
 *       COMMAND_EP) until it has taken them all: the whole gateway's rate.
 *   bench_ingest ingest INGEST_EP COMMAND_EP UNITS RECORDS
 *       the same over the ZeroMQ ingest endpoint (PUSH of RadioEvents).
 *   bench_ingest memory PORT COMMAND_EP PID STAGE...
 *       resident memory of handoffd (PID) per tracked unit: RSS with no units,
 *       then after STAGE distinct units have each sent one position.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>
#include <zmq.h>

#include "bench_common.h"
#include "handoff/v1/radio.pb-c.h"

#define CHUNK (1u << 20)      /* bytes per write */
#define QUIET_MS 3000          /* counters still this long: the gateway is done */
#define RING_RECORDS 200000u   /* distinct records in a bare-TCP writer's buffer */

/* ---- baseline: a libuv reader that only splits lines ---------------------- */

struct bare_tcp {
	uv_loop_t loop;
	uv_tcp_t server, conn;
	int port;
	const char *buf;       /* the records the writer sends, cycled */
	size_t buf_len, total; /* bytes in buf, bytes to send */
	uint64_t lines, t0, t1;
	char rbuf[256 * 1024];
};

static void *bare_writer(void *arg)
{
	struct bare_tcp *b = arg;
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t sent = 0;

	bench_pin("HF_BENCH_CPU_PEER");
	uv_ip4_addr("127.0.0.1", b->port, &sa);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror("bench_ingest: tcp-bare: connect");
		exit(1);
	}
	b->t0 = bench_now_ns();
	while (sent < b->total) {
		size_t off = sent % b->buf_len, n = b->buf_len - off;

		if (n > CHUNK)
			n = CHUNK;
		if (n > b->total - sent)
			n = b->total - sent;
		if (bench_write_all(fd, b->buf + off, n) != 0) {
			perror("bench_ingest: tcp-bare: write");
			exit(1);
		}
		sent += n;
	}
	close(fd);
	return NULL;
}

static void bare_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct bare_tcp *b = h->data;

	*buf = uv_buf_init(b->rbuf, sizeof b->rbuf);
}

/* Splits what came into lines, as a PEI parser's first step would. */
static void bare_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct bare_tcp *b = s->data;

	if (n < 0) {
		b->t1 = bench_now_ns();
		uv_close((uv_handle_t *)s, NULL);
		uv_close((uv_handle_t *)&b->server, NULL);
		return;
	}
	for (const char *p = buf->base, *end = buf->base + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		b->lines++;
		p = nl + 1;
	}
}

static void bare_accept(uv_stream_t *server, int status)
{
	struct bare_tcp *b = server->data;

	uv_tcp_init(&b->loop, &b->conn);
	b->conn.data = b;
	if (status == 0 && uv_accept(server, (uv_stream_t *)&b->conn) == 0)
		uv_read_start((uv_stream_t *)&b->conn, bare_alloc, bare_read);
}

static int run_tcp_bare(uint64_t records)
{
	struct bare_tcp *b = calloc(1, sizeof *b);
	struct sockaddr_in sa;
	struct sockaddr_storage ss;
	int len = sizeof ss;
	size_t reclen;
	pthread_t w;
	double secs;

	bench_pin("HF_BENCH_CPU_GW");  /* the reader plays the gateway */
	b->buf = bench_lip_records(BENCH_ISSI_LOAD, 100000, RING_RECORDS, &reclen);
	if (!b->buf)
		return 1;
	b->buf_len = RING_RECORDS * reclen;
	b->total = records * reclen;
	uv_loop_init(&b->loop);
	uv_tcp_init(&b->loop, &b->server);
	b->server.data = b;
	uv_ip4_addr("127.0.0.1", 0, &sa);
	if (uv_tcp_bind(&b->server, (struct sockaddr *)&sa, 0) != 0 ||
	    uv_listen((uv_stream_t *)&b->server, 1, bare_accept) != 0 ||
	    uv_tcp_getsockname(&b->server, (struct sockaddr *)&ss, &len) != 0) {
		fprintf(stderr, "bench_ingest: tcp-bare: cannot listen\n");
		return 1;
	}
	b->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	pthread_create(&w, NULL, bare_writer, b);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	pthread_join(w, NULL);
	secs = (b->t1 - b->t0) / 1e9;
	printf("tcp-bare: %llu lines (%llu PEI records of %zu bytes) in %.3f s: %.0f records/s, "
	       "%.0f MB/s\n", (unsigned long long)b->lines, (unsigned long long)b->lines / 2, reclen,
	       secs, b->lines / 2 / secs, b->total / secs / 1e6);
	bench_result("tcp_bare_records_per_s", b->lines / 2 / secs);
	uv_loop_close(&b->loop);
	free((void *)b->buf);
	free(b);
	return 0;
}

/* ---- baseline: ZeroMQ PUSH -> PULL --------------------------------------- */

struct bare_zmq {
	char endpoint[64];
	uint64_t n;
};

static void *zmq_pusher(void *arg)
{
	struct bare_zmq *z = arg;
	void *ctx, *push;
	char msg[100];
	int linger = -1;

	bench_pin("HF_BENCH_CPU_PEER");
	ctx = zmq_ctx_new();  /* its I/O thread on the peer's CPU too */
	push = zmq_socket(ctx, ZMQ_PUSH);
	memset(msg, 'x', sizeof msg);
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
	zmq_connect(push, z->endpoint);
	for (uint64_t i = 0; i < z->n; i++)
		zmq_send(push, msg, sizeof msg, 0);
	zmq_close(push);
	zmq_ctx_term(ctx);
	return NULL;
}

static int run_zmq_bare(uint64_t n)
{
	struct bare_zmq z = { .n = n };
	void *ctx, *pull;
	size_t len = sizeof z.endpoint;
	char msg[256];
	uint64_t t0 = 0, t1;
	pthread_t w;

	bench_pin("HF_BENCH_CPU_GW");  /* PULL plays the gateway's ingest */
	ctx = zmq_ctx_new();
	pull = zmq_socket(ctx, ZMQ_PULL);
	if (zmq_bind(pull, "tcp://127.0.0.1:*") != 0) {
		fprintf(stderr, "bench_ingest: zmq-bare: bind: %s\n", zmq_strerror(zmq_errno()));
		return 1;
	}
	zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, z.endpoint, &len);
	pthread_create(&w, NULL, zmq_pusher, &z);
	for (uint64_t i = 0; i < n; i++) {
		zmq_recv(pull, msg, sizeof msg, 0);
		if (i == 0)
			t0 = bench_now_ns();
	}
	t1 = bench_now_ns();
	pthread_join(w, NULL);
	printf("zmq-bare: %llu messages of 100 bytes PUSH -> PULL in %.3f s: %.0f msgs/s\n",
	       (unsigned long long)n, (t1 - t0) / 1e9, (n - 1) / ((t1 - t0) / 1e9));
	bench_result("zmq_bare_msgs_per_s", (n - 1) / ((t1 - t0) / 1e9));
	zmq_close(pull);
	zmq_ctx_term(ctx);
	return 0;
}

/* ---- the whole gateway ---------------------------------------------------- */

/* Prints and reports a gateway run: taken events between `before` and
 * `after` over [t0, t1]. */
static void report_gateway(const char *via, const char *key, uint64_t records,
			   const struct bench_counters *before, const struct bench_counters *after,
			   uint64_t t0, uint64_t t1)
{
	uint64_t taken = after->events - before->events, shed = after->shed - before->shed;
	double secs = (t1 - t0) / 1e9;

	printf("%s: %llu records sent, gateway took %llu (shed %llu%s%s) in %.3f s: %.0f "
	       "records/s taken\n", via, (unsigned long long)records, (unsigned long long)taken,
	       (unsigned long long)shed, after->shed_names[0] ? ": " : "", after->shed_names, secs,
	       taken / secs);
	bench_result(key, taken / secs);
	bench_result("shed", (double)shed);
	bench_result("lost", (double)(records - taken - shed));
}

/* rate 0: as fast as the link takes them; else paced at rate records/s. */
static int run_pei(int port, const char *command, uint32_t units, uint64_t records,
		   double rate)
{
	void *zctx = zmq_ctx_new();
	struct bench_counters before, after;
	struct bench_pei p;
	size_t reclen;
	char *buf = bench_lip_records(BENCH_ISSI_LOAD, units, records, &reclen);
	uint64_t t0, t1;

	if (!buf || bench_pei_listen(&p, port) != 0 || bench_pei_accept(&p, 10000) != 0)
		return 1;
	bench_sleep_ns(300000000);  /* the gateway's registrations (AT+CTSP) are answered */
	if (bench_stats(zctx, command, &before) != 0)
		return 1;
	t0 = bench_now_ns();
	/* paced: small writes, so the link sees a steady stream, not bursts */
	size_t chunk = rate > 0 ? 64 * 1024 : CHUNK;

	for (size_t off = 0, total = records * reclen; off < total; off += chunk) {
		size_t n = total - off < chunk ? total - off : chunk;

		if (rate > 0) { /* the first byte of this chunk is due at (off/reclen)/rate */
			uint64_t due = t0 + (uint64_t)((double)(off / reclen) / rate * 1e9);
			uint64_t now = bench_now_ns();

			if (due > now)
				bench_sleep_ns(due - now);
		}
		if (bench_pei_write(&p, buf + off, n) != 0) {
			perror("bench_ingest: pei: write");
			return 1;
		}
	}
	printf("pei: %llu records (%zu bytes each, %u units) written in %.3f s\n",
	       (unsigned long long)records, reclen, (unsigned)units, (bench_now_ns() - t0) / 1e9);
	t1 = bench_wait_events(zctx, command, before.events + before.shed + records, QUIET_MS,
			       &after);
	report_gateway("pei", "pei_records_per_s", records, &before, &after, t0, t1);
	bench_pei_close(&p);
	free(buf);
	zmq_ctx_term(zctx);
	return 0;
}

static int run_ingest(const char *ingest, const char *command, uint32_t units, uint64_t records)
{
	void *zctx = zmq_ctx_new(), *push = zmq_socket(zctx, ZMQ_PUSH);
	struct bench_counters before, after;
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;
	uint8_t (*msgs)[128] = malloc((size_t)units * sizeof *msgs);
	size_t *lens = malloc((size_t)units * sizeof *lens);
	int hwm = 100000, linger = 10000;
	uint64_t t0, t1;

	if (!msgs || !lens)
		return 1;
	/* one packed RadioEvent per unit, sent in turn */
	ev.kind = HANDOFF__V1__EVENT_KIND__EVENT_KIND_LOCATION;
	ev.source = "bench";
	ev._lat_case = HANDOFF__V1__RADIO_EVENT___LAT_LAT;
	ev._lon_case = HANDOFF__V1__RADIO_EVENT___LON_LON;
	ev._velocity_kmh_case = HANDOFF__V1__RADIO_EVENT___VELOCITY_KMH_VELOCITY_KMH;
	ev.velocity_kmh = 5;
	for (uint32_t k = 0; k < units; k++) {
		ev.issi = BENCH_ISSI_LOAD + k;
		ev.lat = 51.5072 + (k / 1000) * 0.00018;
		ev.lon = -0.1276 + (k % 1000) * 0.00029;
		if (handoff__v1__radio_event__get_packed_size(&ev) > sizeof msgs[0])
			return 1;
		lens[k] = handoff__v1__radio_event__pack(&ev, msgs[k]);
	}
	zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
	if (zmq_connect(push, ingest) != 0 || bench_stats(zctx, command, &before) != 0) {
		fprintf(stderr, "bench_ingest: ingest: cannot reach %s / %s\n", ingest, command);
		return 1;
	}
	bench_sleep_ns(200000000);  /* the PUSH connection is up */
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < records; i++) {
		uint32_t k = (uint32_t)(i % units);

		if (zmq_send(push, msgs[k], lens[k], 0) < 0) {
			fprintf(stderr, "bench_ingest: ingest: send: %s\n", zmq_strerror(zmq_errno()));
			return 1;
		}
	}
	printf("ingest: %llu RadioEvents (%zu bytes, %u units) queued in %.3f s\n",
	       (unsigned long long)records, lens[0], (unsigned)units, (bench_now_ns() - t0) / 1e9);
	t1 = bench_wait_events(zctx, command, before.events + before.shed + records, QUIET_MS,
			       &after);
	report_gateway("ingest", "ingest_records_per_s", records, &before, &after, t0, t1);
	zmq_close(push);
	zmq_ctx_term(zctx);
	free(msgs);
	free(lens);
	return 0;
}

#define MEMORY_RATE 400000.0 /* records/s while filling the gateway with units */

static int run_memory(int port, const char *command, int pid, int nstages, char **stages)
{
	void *zctx = zmq_ctx_new();
	struct bench_counters c;
	struct bench_pei p;
	uint64_t rss0, done = 0;

	if (bench_pei_listen(&p, port) != 0 || bench_pei_accept(&p, 10000) != 0)
		return 1;
	bench_sleep_ns(300000000);
	if (bench_stats(zctx, command, &c) != 0)
		return 1;
	rss0 = bench_rss(pid);
	printf("memory: handoffd RSS with no units: %.1f MB\n", rss0 / 1e6);
	bench_result("rss_0_bytes", (double)rss0);
	for (int i = 0; i < nstages; i++) {
		uint64_t units = strtoull(stages[i], NULL, 10), rss, target = c.events + c.shed;
		size_t reclen;
		char *buf, key[64];

		if (units <= done || units > 1000000)
			continue;
		buf = bench_lip_records(BENCH_ISSI_MEMORY, 1000000, units, &reclen);
		if (!buf)
			return 1;
		/* records for units [done, units): this stage's new units, one each,
		 * paced at MEMORY_RATE so the gateway takes them all (a flood would
		 * be shed, and a shed report makes no unit) */
		uint64_t t0 = bench_now_ns();

		for (uint64_t u = done; u < units; u += 1024) {
			uint64_t k = units - u < 1024 ? units - u : 1024;
			uint64_t due = t0 + (uint64_t)((double)(u - done) / MEMORY_RATE * 1e9);
			uint64_t now = bench_now_ns();

			if (due > now)
				bench_sleep_ns(due - now);
			if (bench_pei_write(&p, buf + u * reclen, k * reclen) != 0)
				return 1;
		}
		target += units - done;
		bench_wait_events(zctx, command, target, QUIET_MS, &c);
		bench_sleep_ns(500000000);  /* what the gateway does after taking them */
		rss = bench_rss(pid);
		bench_stats(zctx, command, &c);
		/* per unit the gateway tracks (a report shed under load made none) */
		uint64_t tracked = c.units ? c.units : units;

		printf("memory: %llu units written, %llu tracked: RSS %.1f MB, %.1f bytes per "
		       "tracked unit above the empty gateway (events %llu, shed %llu)\n",
		       (unsigned long long)units, (unsigned long long)tracked, rss / 1e6,
		       (double)(rss - rss0) / tracked, (unsigned long long)c.events,
		       (unsigned long long)c.shed);
		snprintf(key, sizeof key, "bytes_per_unit_%llu", (unsigned long long)units);
		bench_result(key, (double)(rss - rss0) / tracked);
		free(buf);
		done = units;
	}
	bench_pei_close(&p);
	zmq_ctx_term(zctx);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_ingest tcp-bare RECORDS\n"
		"       bench_ingest zmq-bare MESSAGES\n"
		"       bench_ingest pei PORT COMMAND_EP UNITS RECORDS [RATE]\n"
		"       bench_ingest ingest INGEST_EP COMMAND_EP UNITS RECORDS\n"
		"       bench_ingest memory PORT COMMAND_EP PID STAGE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (argc == 3 && strcmp(argv[1], "tcp-bare") == 0)
		return run_tcp_bare(strtoull(argv[2], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "zmq-bare") == 0)
		return run_zmq_bare(strtoull(argv[2], NULL, 10));
	if (strcmp(argv[1], "pei") == 0 || strcmp(argv[1], "ingest") == 0 ||
	    strcmp(argv[1], "memory") == 0)
		bench_pin("HF_BENCH_CPU_PEER");  /* all of it plays the radio side */
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "pei") == 0)
		return run_pei(atoi(argv[2]), argv[3], (uint32_t)strtoul(argv[4], NULL, 10),
			       strtoull(argv[5], NULL, 10), argc == 7 ? atof(argv[6]) : 0);
	if (argc == 6 && strcmp(argv[1], "ingest") == 0)
		return run_ingest(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 10),
				  strtoull(argv[5], NULL, 10));
	if (argc >= 6 && strcmp(argv[1], "memory") == 0)
		return run_memory(atoi(argv[2]), argv[3], atoi(argv[4]), argc - 5, argv + 5);
	return usage();
}
