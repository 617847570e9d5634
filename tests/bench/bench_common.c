/*
 * bench_common.c - see bench_common.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "bench_common.h"
#include "handoff/v1/bus.pb-c.h"
#include "handoff/v1/command.pb-c.h"
#include "lip.h"

#define CENTRE_LAT 51.5072
#define CENTRE_LON -0.1276

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
			       .tv_nsec = (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void bench_pin(const char *role)
{
	const char *cpu = getenv(role);
	cpu_set_t set;

	if (!cpu || !*cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(atoi(cpu), &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
		fprintf(stderr, "bench_pin: cannot pin to CPU %s (%s)\n", cpu, role);
}

void bench_result(const char *key, double value)
{
	printf("RESULT %s %.6g\n", key, value);
	fflush(stdout);
}

int bench_pei_listen(struct bench_pei *p, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	socklen_t len = sizeof sa;
	int one = 1;

	memset(p, 0, sizeof *p);
	p->fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->listen_fd < 0)
		return -1;
	setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(p->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(p->listen_fd, 4) != 0 ||
	    getsockname(p->listen_fd, (struct sockaddr *)&sa, &len) != 0) {
		fprintf(stderr, "bench_pei_listen: port %d: %s\n", port, strerror(errno));
		close(p->listen_fd);
		return -1;
	}
	p->port = ntohs(sa.sin_port);
	return 0;
}

int bench_write_all(int fd, const void *buf, size_t len)
{
	const char *b = buf;

	while (len > 0) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };

				poll(&pf, 1, 100);
				continue;
			}
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int bench_pei_write(struct bench_pei *p, const void *buf, size_t len)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	rc = bench_write_all(p->fd, buf, len);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* Answers the gateway's AT commands: an AT+CMGS runs to its Ctrl-Z and gets a
 * +CMGS reference, any other command ends at CR or LF and gets OK. */
static void *pei_reader(void *arg)
{
	struct bench_pei *p = arg;
	char buf[4096];
	size_t have = 0;

	for (;;) {
		ssize_t n = recv(p->fd, buf + have, sizeof buf - have, 0);
		size_t start = 0;

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return NULL;
		}
		have += (size_t)n;
		for (;;) {
			char *b = buf + start, *end;
			size_t left = have - start;
			const char *reply = "\r\nOK\r\n";

			while (left && (*b == '\r' || *b == '\n')) {
				b++;
				left--;
				start++;
			}
			if (left >= 8 && strncasecmp(b, "AT+CMGS=", 8) == 0) {
				end = memchr(b, 0x1a, left);
				reply = "\r\n+CMGS: 0,4,0\r\n\r\nOK\r\n";
			} else {
				end = memchr(b, '\r', left);
				if (!end)
					end = memchr(b, '\n', left);
			}
			if (!end)
				break;
			start += (size_t)(end - b) + 1;
			bench_pei_write(p, reply, strlen(reply));
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof buf)
			have = 0;  /* a command too long to be one: drop it */
	}
}

int bench_pei_accept(struct bench_pei *p, int timeout_ms)
{
	struct pollfd pf = { .fd = p->listen_fd, .events = POLLIN };
	int one = 1;

	if (poll(&pf, 1, timeout_ms) != 1) {
		fprintf(stderr, "bench_pei_accept: no gateway connected to port %d within %d ms\n",
			p->port, timeout_ms);
		return -1;
	}
	p->fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (p->fd < 0) {
		fprintf(stderr, "bench_pei_accept: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (pthread_create(&p->reader, NULL, pei_reader, p) != 0)
		return -1;
	p->reading = true;
	return 0;
}

void bench_pei_close(struct bench_pei *p)
{
	if (p->fd >= 0)
		shutdown(p->fd, SHUT_RDWR);
	if (p->reading)
		pthread_join(p->reader, NULL);
	if (p->fd >= 0)
		close(p->fd);
	close(p->listen_fd);
	pthread_mutex_destroy(&p->lock);
}

/* One LIP record for issi into out (exactly what fits, no NUL); returns its
 * length or 0. */
static size_t lip_record(char *out, size_t size, uint32_t issi, double lat, double lon)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t pdu[11];
	char tmp[96];
	int n;

	if (hf_lip_encode_short(lat, lon, 5.0, 90.0, 1, 0, 129, pdu) != 0)
		return 0;
	n = snprintf(tmp, sizeof tmp, "+CTSDSR: 12,%u,0,9999,0,84\r\n", (unsigned)issi);
	for (size_t i = 0; i < sizeof pdu; i++) {
		tmp[n++] = hex[pdu[i] >> 4];
		tmp[n++] = hex[pdu[i] & 15];
	}
	tmp[n++] = '\r';
	tmp[n++] = '\n';
	if ((size_t)n > size)
		return 0;
	memcpy(out, tmp, (size_t)n);
	return (size_t)n;
}

char *bench_lip_records(uint32_t base, uint32_t units, size_t n, size_t *reclen)
{
	char one[96];
	size_t len = lip_record(one, sizeof one, base, CENTRE_LAT, CENTRE_LON);
	char *buf = len ? malloc(n * len) : NULL;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)(i % units);
		size_t round = i / units;
		/* units on a 1000 x 1000 grid of ~20 m cells, each round 1 m further */
		double lat = CENTRE_LAT + (k / 1000) * 0.00018 + round * 0.00001;
		double lon = CENTRE_LON + (k % 1000) * 0.00029;

		if (lip_record(buf + i * len, len, base + k, lat, lon) != len) {
			fprintf(stderr, "bench_lip_records: ISSI %u does not make a %zu-byte record\n",
				base + k, len);
			free(buf);
			return NULL;
		}
	}
	*reclen = len;
	return buf;
}

size_t bench_status_record(char *buf, size_t size, uint32_t issi, unsigned status)
{
	int n = snprintf(buf, size, "+CTSDSR: 13,%u,0,9999,0,16\r\n%04X\r\n", (unsigned)issi,
			 status);

	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* A counter of reports the gateway dropped under load: "shed" as a word of
 * its name ("positions_shed", "shed_total"), not inside one ("published"). */
static bool is_shed_counter(const char *name)
{
	for (const char *p = name; (p = strstr(p, "shed")); p += 4)
		if ((p == name || p[-1] == '_') && (p[4] == '\0' || p[4] == '_'))
			return true;
	return false;
}

int bench_stats(void *zctx, const char *endpoint, struct bench_counters *c)
{
	Handoff__V1__Request req = HANDOFF__V1__REQUEST__INIT;
	Handoff__V1__StatsRequest sr = HANDOFF__V1__STATS_REQUEST__INIT;
	Handoff__V1__Reply *reply;
	void *s = zmq_socket(zctx, ZMQ_DEALER);
	int linger = 0, rc = -1;
	uint8_t buf[256];
	zmq_msg_t msg;
	size_t len;

	if (!s)
		return -1;
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	req.request_id = "bench";
	req.body_case = HANDOFF__V1__REQUEST__BODY_STATS;
	req.stats = &sr;
	len = handoff__v1__request__pack(&req, buf);
	zmq_msg_init(&msg);
	if (zmq_connect(s, endpoint) != 0 || zmq_send(s, buf, len, 0) < 0)
		goto out;
	{
		zmq_pollitem_t it = { .socket = s, .events = ZMQ_POLLIN };

		if (zmq_poll(&it, 1, 10000) != 1 || zmq_msg_recv(&msg, s, 0) < 0)
			goto out;
	}
	reply = handoff__v1__reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
	if (!reply || !reply->stats)
		goto free_reply;
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < reply->stats->n_counters; i++) {
		const Handoff__V1__Counter *k = reply->stats->counters[i];
		size_t used = strlen(c->shed_names);

		if (strcmp(k->name, "events") == 0)
			c->events = k->value;
		else if (strcmp(k->name, "published") == 0)
			c->published = k->value;
		else if (strcmp(k->name, "units_tracked") == 0)
			c->units = k->value;
		if (is_shed_counter(k->name)) {
			c->shed += k->value;
			snprintf(c->shed_names + used, sizeof c->shed_names - used, "%s%s=%llu",
				 used ? " " : "", k->name, (unsigned long long)k->value);
		}
	}
	rc = 0;
free_reply:
	if (reply)
		handoff__v1__reply__free_unpacked(reply, NULL);
out:
	zmq_msg_close(&msg);
	zmq_close(s);
	if (rc)
		fprintf(stderr, "bench_stats: no stats answer from %s\n", endpoint);
	return rc;
}

uint64_t bench_wait_events(void *zctx, const char *endpoint, uint64_t target, int quiet_ms,
			   struct bench_counters *c)
{
	uint64_t last = 0, moved = bench_now_ns();

	memset(c, 0, sizeof *c);
	for (;;) {
		struct bench_counters now;
		uint64_t t;

		if (bench_stats(zctx, endpoint, &now) != 0)
			return moved;
		t = bench_now_ns();
		if (now.events + now.shed != last) {
			last = now.events + now.shed;
			moved = t;
		}
		*c = now;
		if (last >= target || (t - moved) / 1000000 >= (uint64_t)quiet_ms)
			return moved;
		bench_sleep_ns(5000000);
	}
}

uint64_t bench_rss(int pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "bench_rss: %s: %s\n", path, strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double bench_pct(uint64_t *xs, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(xs, n, sizeof *xs, cmp_u64);
	i = (size_t)(n * p / 100);
	return (double)xs[i < n ? i : n - 1];
}
