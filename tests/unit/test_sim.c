/*
 * test_sim.c - handoff-sim's pure parts: the city (beats, routes, generated
 * units, speeds) and the scenario parser (a good file, and each kind of
 * problem at its line and column).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "geo.h"
#include "sim.h"

static const char *const no_types[] = { "tetra-pei", NULL };

/* A config from text (no places file: sector beats). */
static struct hf_config *config(const char *text)
{
	struct hf_config *cfg = NULL;
	struct hf_diag d;

	hf_diag_init(&d);
	if (hf_config_load_string("test.yaml", text, strlen(text), no_types, &cfg, &d) != 0) {
		hf_diag_print(&d, stderr);
		cr_assert_fail("config does not load");
	}
	hf_diag_finish(&d);
	return cfg;
}

static const char *small_city =
	"areas:\n  - {id: central}\n  - {id: transport}\n"
	"roster:\n"
	"  - {id: pcso-1, issi: 3100001, callsign: PCSO 1, role: pcso, area: central}\n"
	"  - {id: pc-1, issi: 2002001, callsign: PC 1, role: constable}\n"
	"  - {id: ps-1, issi: 2003001, callsign: PS 1, role: supervisor}\n"
	"status_map:\n  32768: available\n  32769: on_patrol\n  32771: off_duty\n"
	"  32774: detention_started\n"
	"sim:\n  radius_m: 1000\n  beats: 3\n  pcsos: 20\n  constables: 30\n";

/* ------------------------------------------------------------------------
 * City
 * ---------------------------------------------------------------------- */

/* Without areas, the circle is cut into sim.beats sectors; every unit, rostered
 * or generated, stays inside its own sector for two simulated hours. */
Test(city, keeps_every_unit_inside_its_sector_beat)
{
	struct hf_config *cfg = config(small_city);
	struct sim_city c;

	cr_assert_eq(sim_city_init(&c, cfg, 7), 0);
	cr_assert_eq(c.n_beats, 3);
	cr_assert_str_eq(c.beats[1].id, "sector-2");
	cr_assert_eq(c.n, 3 + 20 + 30);
	for (int t = 0; t < 7200; t++) {
		for (size_t i = 0; i < c.n; i++) {
			const struct sim_unit *u = &c.units[i];

			cr_assert(sim_beat_contains(&c, &c.beats[u->beat], u->lat, u->lon),
				  "%s left %s at t=%d: %.6f,%.6f", u->id, c.beats[u->beat].id, t,
				  u->lat, u->lon);
		}
		sim_city_step(&c, 1.0);
	}
	/* and the beats are used: units are spread over all three */
	size_t per[3] = { 0 };

	for (size_t i = 0; i < c.n; i++)
		per[c.units[i].beat]++;
	cr_assert(per[0] && per[1] && per[2]);
	sim_city_finish(&c);
	hf_config_destroy(cfg);
}

/* With the shipped places file, the areas are the beats: each roster unit
 * patrols its own area (the transport corridor is concave) and stays in it. */
Test(city, patrols_the_places_areas_of_the_shipped_config)
{
	struct hf_config *cfg = NULL;
	struct hf_diag d;
	struct sim_city c;

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load(HF_SOURCE_ROOT "/config/handoff.yaml", hf_adapter_type_names(),
				    &cfg, &d), 0);
	hf_diag_finish(&d);
	cr_assert_eq(sim_city_init(&c, cfg, 1), 0);
	cr_assert_eq(c.n_beats, 2);
	for (size_t i = 0; i < c.n; i++)
		cr_assert_str_eq(c.beats[c.units[i].beat].id, cfg->roster[i].area, "%s",
				 c.units[i].id);
	for (int t = 0; t < 3600; t++) {
		for (size_t i = 0; i < c.n; i++) {
			const struct sim_unit *u = &c.units[i];

			cr_assert(sim_beat_contains(&c, &c.beats[u->beat], u->lat, u->lon),
				  "%s left %s at t=%d: %.6f,%.6f", u->id, c.beats[u->beat].id, t,
				  u->lat, u->lon);
		}
		sim_city_step(&c, 1.0);
	}
	sim_city_finish(&c);
	hf_config_destroy(cfg);
}

/* PCSOs walk (1.2-1.8 m/s), supervisors drive, constables walk or (every
 * third) drive at 8-13 m/s; a step of dt moves a unit at most speed x dt and,
 * away from its waypoints, exactly that. */
Test(city, walks_pcsos_and_drives_some_constables)
{
	struct hf_config *cfg = config(small_city);
	struct sim_city c;
	size_t cars = 0, walkers = 0, exact = 0;

	cr_assert_eq(sim_city_init(&c, cfg, 3), 0);
	for (size_t i = 0; i < c.n; i++) {
		const struct sim_unit *u = &c.units[i];

		if (u->car) {
			cr_assert(u->role != HF_ROLE_PCSO);
			cr_assert(u->speed_mps >= SIM_CAR_MIN && u->speed_mps <= SIM_CAR_MAX);
			cars++;
		} else {
			cr_assert(u->role != HF_ROLE_SUPERVISOR);
			cr_assert(u->speed_mps >= SIM_WALK_MIN && u->speed_mps <= SIM_WALK_MAX);
			walkers++;
		}
	}
	cr_assert_geq(cars, 10);  /* ps-1 and a third of 31 constables */
	cr_assert_geq(walkers, 40);
	for (int t = 0; t < 600; t++) {
		for (size_t i = 0; i < c.n; i++) {
			struct sim_unit *u = &c.units[i];
			double lat = u->lat, lon = u->lon;
			int wp = u->next_wp;
			double d;

			sim_city_step(&(struct sim_city){ .units = u, .n = 1 }, 0.5);
			d = hf_geo_distance_m(lat, lon, u->lat, u->lon);
			cr_assert_leq(d, u->speed_mps * 0.5 + 1e-6, "%s moved %.3f m", u->id, d);
			if (wp == u->next_wp) {
				cr_assert_float_eq(d, u->speed_mps * 0.5, 1e-3, "%s", u->id);
				exact++;
			}
		}
	}
	cr_assert_gt(exact, 0);
	sim_city_finish(&c);
	hf_config_destroy(cfg);
}

/* Generated units get ids sim-pcso-N / sim-pc-N and ISSIs from 3100001
 * (PCSOs) and 3200001 (constables), skipping one the roster holds; they
 * start on patrol / available like rostered ones. */
Test(city, generates_units_with_issis_clear_of_the_roster)
{
	struct hf_config *cfg = config(small_city);
	struct sim_city c;
	const struct sim_unit *u;

	cr_assert_eq(sim_city_init(&c, cfg, 1), 0);
	u = sim_city_find(&c, "sim-pcso-1");
	cr_assert_not_null(u);
	cr_assert_eq(u->issi, 3100002); /* 3100001 is pcso-1's */
	cr_assert(u->generated);
	cr_assert_eq(u->status, 32769);
	u = sim_city_find(&c, "sim-pcso-20");
	cr_assert_eq(u->issi, 3100021);
	u = sim_city_find(&c, "sim-pc-1");
	cr_assert_eq(u->issi, 3200001);
	cr_assert_eq(u->role, HF_ROLE_CONSTABLE);
	cr_assert_eq(sim_city_find(&c, "sim-pc-30")->issi, 3200030);
	for (size_t i = 0; i < c.n; i++)
		for (size_t j = i + 1; j < c.n; j++)
			cr_assert_neq(c.units[i].issi, c.units[j].issi);
	sim_city_finish(&c);
	hf_config_destroy(cfg);
}

/* The same seed gives the same city; another seed another. */
Test(city, is_deterministic_for_a_seed)
{
	struct hf_config *cfg = config(small_city);
	struct sim_city a, b, x;

	cr_assert_eq(sim_city_init(&a, cfg, 42), 0);
	cr_assert_eq(sim_city_init(&b, cfg, 42), 0);
	cr_assert_eq(sim_city_init(&x, cfg, 43), 0);
	sim_city_step(&a, 100);
	sim_city_step(&b, 100);
	sim_city_step(&x, 100);
	cr_assert(a.units[5].lat == b.units[5].lat && a.units[5].lon == b.units[5].lon);
	cr_assert(a.units[5].lat != x.units[5].lat);
	sim_city_finish(&a);
	sim_city_finish(&b);
	sim_city_finish(&x);
	hf_config_destroy(cfg);
}

/* ------------------------------------------------------------------------
 * Scenarios
 * ---------------------------------------------------------------------- */

static struct sim_scenario *parse_ok(const struct hf_config *cfg, const char *text)
{
	struct sim_scenario *s = NULL;
	struct hf_diag d;

	hf_diag_init(&d);
	if (sim_scenario_parse("s.yaml", text, strlen(text), cfg, &s, &d) != 0) {
		hf_diag_print(&d, stderr);
		cr_assert_fail("scenario does not parse");
	}
	cr_assert_eq(d.n, 0);
	hf_diag_finish(&d);
	return s;
}

/* The example, and one of each action, in time order. */
Test(scenario, parses_every_action_in_time_order)
{
	struct hf_config *cfg = config(small_city);
	struct sim_scenario *s = parse_ok(cfg,
		"name: detention, nobody accepts\n"
		"start: \"10:00\"\n"
		"steps:\n"
		"  - at: \"10:02\"\n"
		"    unit: pcso-1\n"
		"    status: detention_started\n"
		"  - at: \"10:03:30\"\n"
		"    unit: pcso-1\n"
		"    move_to: [51.5080, -0.1280]\n"
		"  - at_s: 60\n"
		"    say: one minute in\n"
		"  - at: \"10:05\"\n"
		"    unit: pcso-1\n"
		"    emergency: true\n"
		"  - at_s: 300\n"
		"    unit: pc-1\n"
		"    status: 32770\n"
		"  - {at_s: 300, unit: pcso-1, lip_reason: 12}\n"
		"  - {at_s: 301, unit: pcso-1, stop_reporting: true, say: silent}\n"
		"  - {at_s: 302, unit: pcso-1, resume_reporting: true}\n"
		"  - {at_s: 303, unit: pc-1, move_to: pcso-1}\n");

	cr_assert_str_eq(s->name, "detention, nobody accepts");
	cr_assert_eq(s->start_s, 36000);
	cr_assert_eq(s->n_steps, 9);
	cr_assert_eq(s->steps[0].action, SIM_SAY);
	cr_assert_float_eq(s->steps[0].at_s, 60, 1e-9);
	cr_assert_str_eq(s->steps[0].say, "one minute in");
	cr_assert_eq(s->steps[1].action, SIM_STATUS);
	cr_assert_float_eq(s->steps[1].at_s, 120, 1e-9);
	cr_assert_eq(s->steps[1].status, 32774);
	cr_assert_str_eq(s->steps[1].unit, "pcso-1");
	cr_assert_eq(s->steps[2].action, SIM_MOVE_TO);
	cr_assert_float_eq(s->steps[2].at_s, 210, 1e-9);
	cr_assert_float_eq(s->steps[2].lat, 51.508, 1e-9);
	cr_assert_float_eq(s->steps[2].lon, -0.128, 1e-9);
	/* 300 s: the status (line 15) before the LIP report (line 18) */
	cr_assert_eq(s->steps[3].action, SIM_EMERGENCY);
	cr_assert_eq(s->steps[4].action, SIM_STATUS);
	cr_assert_eq(s->steps[4].status, 32770);
	cr_assert_eq(s->steps[5].action, SIM_LIP_REASON);
	cr_assert_eq(s->steps[5].lip_reason, 12);
	cr_assert_eq(s->steps[6].action, SIM_STOP_REPORTING);
	cr_assert_str_eq(s->steps[6].say, "silent");
	cr_assert_eq(s->steps[7].action, SIM_RESUME_REPORTING);
	cr_assert_eq(s->steps[8].action, SIM_MOVE_TO);
	cr_assert_str_eq(s->steps[8].to_unit, "pcso-1");
	sim_scenario_destroy(s);
	hf_config_destroy(cfg);
}

/* The three shipped scenarios parse and bind to the shipped config's city. */
Test(scenario, ships_three_scenarios_that_load)
{
	static const char *const files[] = { "detention-nobody-accepts.yaml",
					     "emergency-constable-arrives.yaml",
					     "lone-patrol-silent.yaml" };
	struct hf_config *cfg = NULL;
	struct sim_city c;
	struct hf_diag d;

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load(HF_SOURCE_ROOT "/config/handoff.yaml", hf_adapter_type_names(),
				    &cfg, &d), 0);
	cr_assert_eq(sim_city_init(&c, cfg, 1), 0);
	for (size_t i = 0; i < HF_ARRAY_SIZE(files); i++) {
		char path[512];
		struct sim_scenario *s = NULL;

		snprintf(path, sizeof path, "%s/config/scenarios/%s", HF_SOURCE_ROOT, files[i]);
		cr_assert_eq(sim_scenario_load(path, cfg, &s, &d), 0, "%s", files[i]);
		cr_assert_eq(sim_scenario_bind(s, &c, &d), 0, "%s", files[i]);
		cr_assert_gt(s->n_steps, 2);
		sim_scenario_destroy(s);
	}
	hf_diag_print(&d, stderr);
	cr_assert_eq(d.n, 0);
	hf_diag_finish(&d);
	sim_city_finish(&c);
	hf_config_destroy(cfg);
}

struct bad {
	const char *text;
	const char *want; /* "LINE:COL: part of the message" */
};

/* Each kind of problem, at its line and column. */
Test(scenario, reports_each_problem_at_its_line_and_column)
{
	static const struct bad cases[] = {
		{ "steps:\n  - at_s: 1\n    say: x\nsetps: 1\n", "4:1: unknown key \"setps\"" },
		{ "name: x\n", "1:1: a scenario needs steps:" },
		{ "steps: []\n", "1:1: steps must be a list of at least one step" },
		{ "- 1\n", "1:3: a scenario is a mapping" },
		{ "steps:\n  - at: \"10:02\"\n    say: x\n", "2:9: at: is a clock time, so the "
		  "scenario needs start:" },
		{ "start: \"10:00\"\nsteps:\n  - at: \"09:59\"\n    say: x\n",
		  "3:9: at 09:59 is before start" },
		{ "start: \"10:00\"\nsteps:\n  - at: \"10:2\"\n    say: x\n",
		  "3:9: at must be a time" },
		{ "start: \"25:00\"\nsteps:\n  - at_s: 1\n    say: x\n", "1:8: start must be a time" },
		{ "steps:\n  - {at_s: 1, at: \"10:00\", say: x}\n", "2:12: a step has at: or at_s:, "
		  "not both" },
		{ "steps:\n  - say: x\n", "2:5: a step needs at:" },
		{ "steps:\n  - at_s: -1\n    say: x\n", "2:11: at_s must be a number from 0" },
		{ "steps:\n  - at_s: soon\n    say: x\n", "2:11: at_s must be a number, got \"soon\"" },
		{ "steps:\n  - at_s: 1\n", "2:5: a step needs an action" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    say: hi\n", "3:11: unit: without an "
		  "action" },
		{ "steps:\n  - at_s: 1\n    status: available\n", "3:5: status needs unit:" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    status: available\n    emergency: true\n",
		  "5:5: one action per step: status and emergency" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    status: dancing\n",
		  "4:13: status meaning \"dancing\" is not in the config's status_map" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    status: 70000\n",
		  "4:13: status must be a whole number from 0 to 65535" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    emergency: false\n",
		  "4:16: emergency takes only the value true" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    move_to: [91, 0]\n",
		  "4:15: latitude must be a number from -90 to 90" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    move_to: [51.5]\n",
		  "4:15: move_to must be [latitude, longitude] or a unit id" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    lip_reason: 256\n",
		  "4:17: lip_reason must be a whole number from 0 to 255" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    stop_reporting: yes\n",
		  "4:21: stop_reporting takes only the value true" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    dance: true\n",
		  "4:5: unknown step key \"dance\"" },
		{ "steps:\n  - at_s: 1\n    unit: pc-1\n    say: [a]\n", "4:11: say must be a single "
		  "value" },
		{ "steps:\n  - at_s: 1\n    say: &a x\n  - at_s: 2\n    say: *a\n",
		  "5:10: aliases are not supported" },
		{ "steps:\n  - at_s: 1\n? say\n", "3:1: explicit mapping keys (\"? \") are not used" },
		{ "steps:\n  - at_s: [1\n", "invalid YAML" },
		{ "steps:\n  - at_s: 1\n    say: \"a\x01\"\n", "3:12: control character U+0001" },
		{ "steps:\n  - at_s: 1\n    say: x\n---\nsteps: []\n", "4:1: a second YAML document" },
		{ "steps:\n  - 5\n", "2:5: a step must be a mapping" },
	};
	struct hf_config *cfg = config(small_city);

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct sim_scenario *s = (void *)1;
		struct hf_diag d;
		char all[4096] = "";
		bool found = false;

		hf_diag_init(&d);
		cr_assert_neq(sim_scenario_parse("s.yaml", cases[i].text, strlen(cases[i].text),
						 cfg, &s, &d), 0, "case %zu parsed", i);
		cr_assert_null(s);
		for (size_t k = 0; k < d.n; k++) {
			char one[400];

			snprintf(one, sizeof one, "%d:%d: %s", d.entries[k].line, d.entries[k].col,
				 d.entries[k].msg);
			found |= strstr(one, cases[i].want) != NULL;
			strncat(all, one, sizeof all - strlen(all) - 2);
			strcat(all, "\n");
		}
		cr_assert(found, "case %zu: want \"%s\", got:\n%s", i, cases[i].want, all);
		hf_diag_finish(&d);
	}
	hf_config_destroy(cfg);
}

/* A unit the city does not have is a problem at its `unit:` value (or at
 * move_to's); a known one binds to its index. */
Test(scenario, binds_units_and_places_unknown_ones)
{
	struct hf_config *cfg = config(small_city);
	struct sim_scenario *s = parse_ok(cfg, "steps:\n"
					  "  - {at_s: 1, unit: sim-pc-3, status: available}\n"
					  "  - {at_s: 2, unit: pc-9, status: available}\n"
					  "  - {at_s: 3, unit: pc-1, move_to: nobody}\n");
	struct sim_city c;
	struct hf_diag d;

	cr_assert_eq(sim_city_init(&c, cfg, 1), 0);
	hf_diag_init(&d);
	cr_assert_neq(sim_scenario_bind(s, &c, &d), 0);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(d.entries[0].line, 3);
	cr_assert_eq(d.entries[0].col, 21);
	cr_assert(strstr(d.entries[0].msg, "no unit \"pc-9\""));
	cr_assert_eq(d.entries[1].line, 4);
	cr_assert_eq(d.entries[1].col, 36);
	cr_assert_str_eq(c.units[s->steps[0].unit_index].id, "sim-pc-3");
	hf_diag_finish(&d);
	sim_city_finish(&c);
	sim_scenario_destroy(s);
	hf_config_destroy(cfg);
}
