/*
 * bench_common.h - parts shared by the gateway benchmarks (bench_ingest,
 * bench_emergency): a clock, a PEI server the gateway connects to, PEI record
 * buffers, the gateway's stats counters, a process's resident memory, and the
 * "RESULT key value" lines that tests/bench/bench_all.py collects.
 */
#ifndef HF_BENCH_COMMON_H
#define HF_BENCH_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the benchmark's synthetic units live: 7-digit ISSIs, so every record
 * of a kind has the same length (bench_records). */
#define BENCH_ISSI_EMERGENCY 3000000u  /* one per latency sample */
#define BENCH_ISSI_LOAD 4000000u       /* background / throughput positions */
#define BENCH_ISSI_MEMORY 5000000u     /* up to 1,000,000 distinct units */

/* Monotonic nanoseconds. */
uint64_t bench_now_ns(void);

/* Sleeps ns nanoseconds. */
void bench_sleep_ns(uint64_t ns);

/*
 * Pins the calling thread (and the threads it starts afterwards) to the CPU
 * named by environment variable `role`: HF_BENCH_CPU_GW for the side that
 * plays the gateway in a baseline (reader, PULL, PUB), HF_BENCH_CPU_PEER for
 * the radio side, generators and subscribers. Unset: no pinning.
 */
void bench_pin(const char *role);

/* Prints "RESULT key value" (the driver's machine-readable output). */
void bench_result(const char *key, double value);

/*
 * The radio side of a TETRA PEI link over TCP: the gateway's tetra-pei adapter
 * connects to it. A reader thread answers the gateway's AT commands (OK; a
 * +CMGS reference for an SDS). Writers share the socket under `lock`, so one
 * record is never split by another writer's.
 */
struct bench_pei {
	int listen_fd;
	int fd;
	int port;
	pthread_t reader;
	bool reading;
	pthread_mutex_t lock;
};

/* Listens on 127.0.0.1:port (0: any free port; bench_pei.port says which). */
int bench_pei_listen(struct bench_pei *p, int port);

/* Waits up to timeout_ms for the gateway to connect; starts the reader. */
int bench_pei_accept(struct bench_pei *p, int timeout_ms);

/* Writes all of buf (blocking), under the lock. Returns 0 or -1. */
int bench_pei_write(struct bench_pei *p, const void *buf, size_t len);

/* Writes all of buf without taking the lock (the caller holds it). */
int bench_write_all(int fd, const void *buf, size_t len);

void bench_pei_close(struct bench_pei *p);

/*
 * n LIP short position records, unit k = base + (k % units), each record
 * exactly *reclen bytes (7-digit ISSIs), positions around central London,
 * varying with k / units so repeats of a unit move. Returns a malloc'ed buffer
 * of n * *reclen bytes, or NULL.
 */
char *bench_lip_records(uint32_t base, uint32_t units, size_t n, size_t *reclen);

/* A status record (status 0 is the emergency) into buf; returns its length. */
size_t bench_status_record(char *buf, size_t size, uint32_t issi, unsigned status);

/* The gateway's counters that a benchmark looks at. */
struct bench_counters {
	uint64_t events;     /* radio events taken in */
	uint64_t shed;       /* sum of every counter with "shed" as a word of its name */
	uint64_t published;
	uint64_t units;      /* units the gateway tracks (units_tracked; 0 if not reported) */
	char shed_names[256]; /* "name=value ..." of those counters */
};

/* A stats request on the gateway's command endpoint (DEALER, zctx). */
int bench_stats(void *zctx, const char *endpoint, struct bench_counters *c);

/*
 * Waits until the gateway has taken `target` events or shed them (events +
 * shed >= target), or until its counters have not moved for quiet_ms. Returns
 * the monotonic time of the last poll that saw the counters move (or reach
 * the target) and fills *c with the counters then.
 */
uint64_t bench_wait_events(void *zctx, const char *endpoint, uint64_t target, int quiet_ms,
			   struct bench_counters *c);

/* VmRSS of a process in bytes, or 0. */
uint64_t bench_rss(int pid);

/* Sorts xs (n values) and returns the p-th percentile (0..100). */
double bench_pct(uint64_t *xs, size_t n, double p);

#endif
