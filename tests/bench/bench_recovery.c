/*
 * bench_recovery.c - how long a restart takes to bring back N open incidents
 * (target: 10,000 in under a second), beside a bare read of the same rows
 * measured in the same run.
 *
 * It raises N emergencies through the real engine, journals them the way
 * handoffd does (packed Incident per change), closes the journal, then times
 * (a) opening the journal (integrity check included) and recovering every
 * incident into a fresh engine with its deadlines, and (b) a plain
 * "SELECT state FROM incidents" over the same file.
 *
 *   meson test -C build --benchmark --verbose recovery
 *   build/tests/bench/bench_recovery [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "engine.h"
#include "journal.h"
#include "log.h"
#include "wire.h"

struct run {
	struct hf_journal *j;
	size_t recovered;
	struct hf_engine *e;
	struct hf_now now;
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HF_NS_PER_S + ts.tv_nsec;
}

static void journal_incident(void *ctx, const struct hf_engine *e, const struct hf_incident *inc,
			     const struct hf_now *now)
{
	struct run *r = ctx;
	struct hf_wire_incident w;
	uint8_t buf[4096];
	size_t len;

	hf_wire_incident(&w, e, inc, now);
	len = handoff__v1__incident__get_packed_size(&w.msg);
	if (len > sizeof buf)
		return;
	handoff__v1__incident__pack(&w.msg, buf);
	hf_journal_incident(r->j, inc->id, inc->number, true, now->unix_ms, "bench", "bench",
			    inc->last_change, inc->number, buf, len);
}

static void recover_incident(void *ctx, const void *state, size_t len, bool open)
{
	struct run *r = ctx;
	Handoff__V1__Incident *m = handoff__v1__incident__unpack(NULL, len, state);

	if (m && hf_wire_restore_incident(r->e, m, &r->now) == 0)
		r->recovered++;
	if (m)
		handoff__v1__incident__free_unpacked(m, NULL);
}

static void on_closed(void *arg)
{
	*(bool *)arg = true;
}

static void close_journal(uv_loop_t *loop, struct hf_journal *j)
{
	bool closed = false;

	hf_journal_close(j, on_closed, &closed);
	while (!closed)
		uv_run(loop, UV_RUN_ONCE);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	char dir[] = "/tmp/hf-bench-recovery-XXXXXX", err[300], path[128];
	struct hf_config cfg;
	struct hf_engine eng, fresh;
	struct hf_manual_clock mc;
	struct run r = { 0 };
	uv_loop_t loop;
	uint64_t epoch, reserved;
	int64_t t0, t_write, t_recover, t_read;
	size_t rows = 0;
	sqlite3 *db;
	sqlite3_stmt *st;

	hf_log_set_level(HF_LOG_ERR);
	if (!mkdtemp(dir) || uv_loop_init(&loop))
		return 1;
	hf_config_defaults(&cfg);
	strcpy(cfg.default_area, "default");
	cfg.rules.welfare.amber_ms = 0;
	hf_manual_clock_init(&mc, HF_NS_PER_S, INT64_C(1795000000000));
	r.now = hf_clock_now(&mc.clock);
	struct hf_engine_output out = { .incident = journal_incident, .ctx = &r };

	if (hf_engine_init(&eng, &cfg, &out) ||
	    hf_journal_open(dir, "bench", &loop, NULL, &r.j, err, sizeof err)) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	t0 = mono_ns();
	for (size_t i = 0; i < n; i++) {
		struct hf_radio_event ev = { .kind = HF_EVENT_LOCATION, .issi = (uint32_t)(100000 + i),
					     .has_fix = true, .has_reason = true,
					     .reason = HF_LIP_REASON_EMERGENCY };

		ev.fix.lat = 51.4 + (double)(i % 1000) / 5000;
		ev.fix.lon = -0.2 + (double)(i / 1000) / 500;
		strcpy(ev.source, "bench");
		hf_engine_on_event(&eng, &ev, &r.now);
	}
	t_write = mono_ns() - t0;
	close_journal(&loop, r.j);
	hf_engine_finish(&eng);

	/* (a) what a restart does */
	hf_manual_clock_advance(&mc, 30 * HF_NS_PER_S);
	r.now = hf_clock_now(&mc.clock);
	t0 = mono_ns();
	if (hf_engine_init(&fresh, &cfg, NULL) ||
	    hf_journal_open(dir, "bench", &loop, NULL, &r.j, err, sizeof err)) {
		fprintf(stderr, "reopen: %s\n", err);
		return 1;
	}
	r.e = &fresh;
	struct hf_journal_recovery sink = { .incident = recover_incident, .ctx = &r };

	hf_journal_recover(r.j, &sink, &epoch, &reserved);
	t_recover = mono_ns() - t0;
	close_journal(&loop, r.j);

	/* (b) baseline: the same rows read bare */
	snprintf(path, sizeof path, "%s/%s", dir, HF_JOURNAL_FILE);
	t0 = mono_ns();
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT state FROM incidents", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			rows += (size_t)sqlite3_column_bytes(st, 0) > 0;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	t_read = mono_ns() - t0;

	printf("recovery benchmark: %zu open incidents journaled, then a restart\n", n);
	printf("| %-58s | %9s |\n", "path", "ms");
	printf("|%s|%s|\n", "------------------------------------------------------------",
	       "-----------");
	printf("| %-58s | %9.1f |\n", "baseline: SELECT state FROM incidents (bare read)",
	       (double)t_read / 1e6);
	printf("| %-58s | %9.1f |\n", "restart: open + integrity check + recover into the engine",
	       (double)t_recover / 1e6);
	printf("raising an emergency and journaling it (before it is published): %.1f us each\n",
	       (double)t_write / 1e3 / (double)n);
	printf("(%zu rows read, %zu incidents recovered, %zu open, next deadline due %s)\n", rows,
	       r.recovered, hf_incidents_open_count(&fresh.incidents),
	       hf_engine_next_deadline(&fresh) <= r.now.mono_ns ? "now (passed while down)"
								: "later");
	hf_engine_finish(&fresh);
	uv_loop_close(&loop);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	return r.recovered == n ? 0 : 1;
}
