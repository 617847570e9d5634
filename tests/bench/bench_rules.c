/*
 * bench_rules.c - what the rules cost per radio event, beside the bare
 * registry update (hf_registry_apply_event) measured in the same run.
 *
 * A force of N units (1 in 5 a lone-patrol PCSO, the rest constables, spread
 * over 30 x 30 km) with 1,000 open incidents; then, each timed separately:
 * position reports of random units, status reports, emergency presses (a new
 * incident each: routing, the K-nearest query, tier 0), and the deadline
 * ticks that fire every incident's next tier. Prints ns per event; asserts
 * nothing about time (machines are shared and noisy).
 *
 *   meson test -C build --benchmark --verbose rules
 *   build/tests/bench/bench_rules [UNITS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "log.h"

#define EVENTS 200000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next_u32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static double uniform(double lo, double hi)
{
	return lo + (hi - lo) * (next_u32() / 4294967296.0);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HF_NS_PER_S + ts.tv_nsec;
}

static struct hf_radio_event position(uint32_t issi)
{
	struct hf_radio_event ev = { .kind = HF_EVENT_LOCATION, .issi = issi, .has_fix = true };

	ev.fix.lat = 51.5 + uniform(-0.135, 0.135);
	ev.fix.lon = -0.1 + uniform(-0.215, 0.215);
	strcpy(ev.source, "bench");
	return ev;
}

static struct hf_radio_event status(uint32_t issi, uint16_t code)
{
	struct hf_radio_event ev = { .kind = HF_EVENT_STATUS, .issi = issi, .has_status = true,
				     .status = code };

	strcpy(ev.source, "bench");
	return ev;
}

static void row(const char *what, int64_t ns, size_t n, double baseline)
{
	double per = (double)ns / (double)n;

	if (baseline > 0)
		printf("| %-44s | %9.0f | %6.1fx |\n", what, per, per / baseline);
	else
		printf("| %-44s | %9.0f |   1.0x |\n", what, per);
}

int main(int argc, char **argv)
{
	size_t n_units = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	struct hf_config cfg;
	struct hf_engine eng;
	struct hf_manual_clock mc;
	struct hf_roster_entry *roster = calloc(n_units, sizeof *roster);
	static struct hf_status_entry smap[] = {
		{ 32768, "available" }, { 32769, "on_patrol" }, { 32770, "off_duty" },
		{ 32771, "welfare_ok" },
	};
	static struct hf_area_config area = { "central", "Central", "desk-central", "" };
	struct hf_radio_event *evs = malloc(EVENTS * sizeof *evs);
	struct hf_registry bare;
	struct hf_now now;
	int64_t t0, t_bare, t_pos, t_status, t_emerg, t_tick;
	size_t presses, fired;

	if (!roster || !evs || n_units < 100)
		return 1;
	hf_log_set_level(HF_LOG_ERR);
	hf_config_defaults(&cfg);
	for (size_t i = 0; i < n_units; i++) {
		struct hf_roster_entry *r = &roster[i];

		snprintf(r->id, sizeof r->id, "u-%zu", i);
		snprintf(r->callsign, sizeof r->callsign, "U %zu", i);
		r->issi = (uint32_t)(1000000 + i);
		r->role = i % 5 == 0 ? HF_ROLE_PCSO : HF_ROLE_CONSTABLE;
		r->lone_patrol = r->role == HF_ROLE_PCSO;
		strcpy(r->area, "central");
	}
	cfg.roster = roster;
	cfg.n_roster = n_units;
	cfg.status_map = smap;
	cfg.n_status = HF_ARRAY_SIZE(smap);
	cfg.areas = &area;
	cfg.n_areas = 1;
	strcpy(cfg.default_area, "central");
	hf_manual_clock_init(&mc, HF_NS_PER_S, INT64_C(1795000000000));
	now = hf_clock_now(&mc.clock);
	if (hf_engine_init(&eng, &cfg, NULL) || hf_registry_init(&bare) ||
	    hf_registry_apply_roster(&bare, &cfg))
		return 1;
	for (size_t i = 0; i < n_units; i++) {
		struct hf_radio_event s = status((uint32_t)(1000000 + i), i % 3 ? 32768 : 32769);
		struct hf_radio_event p = position((uint32_t)(1000000 + i));

		hf_engine_on_event(&eng, &s, &now);
		hf_engine_on_event(&eng, &p, &now);
	}
	/* 1,000 open hand-off-like emergencies, from the PCSOs. */
	for (size_t i = 0; i < 1000 && i * 5 < n_units; i++) {
		struct hf_radio_event e = status((uint32_t)(1000000 + i * 5), 0);

		hf_engine_on_event(&eng, &e, &now);
	}
	for (size_t i = 0; i < EVENTS; i++)
		evs[i] = position((uint32_t)(1000000 + next_u32() % n_units));

	t0 = mono_ns();
	for (size_t i = 0; i < EVENTS; i++) {
		struct hf_unit *u = hf_registry_resolve(&bare, &evs[i], "central");

		hf_registry_apply_event(u, &evs[i], &now);
	}
	t_bare = mono_ns() - t0;

	t0 = mono_ns();
	for (size_t i = 0; i < EVENTS; i++)
		hf_engine_on_event(&eng, &evs[i], &now);
	t_pos = mono_ns() - t0;

	for (size_t i = 0; i < EVENTS; i++)
		evs[i] = status((uint32_t)(1000000 + next_u32() % n_units),
				(uint16_t)(32768 + next_u32() % 4));
	t0 = mono_ns();
	for (size_t i = 0; i < EVENTS; i++)
		hf_engine_on_event(&eng, &evs[i], &now);
	t_status = mono_ns() - t0;

	/* Emergencies from PCSOs with no open incident: each raises one. */
	presses = 0;
	t0 = mono_ns();
	for (size_t i = 1000; i < n_units / 5 && presses < 5000; i++, presses++) {
		struct hf_radio_event e = status((uint32_t)(1000000 + i * 5), 0);

		hf_engine_on_event(&eng, &e, &now);
	}
	t_emerg = mono_ns() - t0;

	/* Every open incident's tier 1 is due in 60 s: one tick fires them all. */
	fired = eng.stats.escalations;
	hf_manual_clock_advance(&mc, 61 * HF_NS_PER_S);
	now = hf_clock_now(&mc.clock);
	t0 = mono_ns();
	hf_engine_tick(&eng, &now);
	t_tick = mono_ns() - t0;
	fired = eng.stats.escalations - fired;

	printf("rules benchmark: %zu units, %zu open incidents before the presses\n", n_units,
	       (size_t)1000);
	printf("| %-44s | %9s | %7s |\n", "per event", "ns", "vs base");
	printf("|%s|%s|%s|\n", "----------------------------------------------", "-----------",
	       "---------");
	row("baseline: registry update only (position)", t_bare, EVENTS, 0);
	row("engine: position report", t_pos, EVENTS, (double)t_bare / EVENTS);
	row("engine: status report (welfare, meanings)", t_status, EVENTS, (double)t_bare / EVENTS);
	if (presses)
		row("engine: emergency raising an incident", t_emerg, presses,
		    (double)t_bare / EVENTS);
	if (fired)
		row("engine: tier escalation fired by a tick", t_tick, fired,
		    (double)t_bare / EVENTS);
	printf("(%zu emergencies raised, %zu escalations in one tick)\n", presses, fired);
	hf_registry_finish(&bare);
	hf_engine_finish(&eng);
	free(evs);
	free(roster);
	return 0;
}
