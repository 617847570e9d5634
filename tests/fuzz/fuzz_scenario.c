/*
 * fuzz_scenario.c - libFuzzer target for handoff-sim's scenario parser.
 *
 * Each input is parsed as a scenario file with sim_scenario_parse() (pure over
 * its buffer) against a small config's status map, and whatever comes back
 * is freed, so ASan and UBSan catch memory errors and leaks on every path.
 * Beyond "no crash": a scenario that parses has no problems recorded, steps
 * in time order within range, a unit on every step but a narration, and a
 * code for every status; one that fails has at least one problem and no
 * scenario, and no message carries a raw control byte to the terminal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static const char force[] =
	"status_map:\n  32768: available\n  32769: on_patrol\n  32770: at_scene\n"
	"  32774: detention_started\n  32780: welfare_ok\n";

static struct hf_config *config(void)
{
	static struct hf_config *cfg;
	static const char *const types[] = { "tetra-pei", NULL };

	if (!cfg && hf_config_load_string("force.yaml", force, sizeof force - 1, types, &cfg,
					  NULL) != 0)
		abort();
	return cfg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_scenario *s = NULL;
	struct hf_diag d;
	int rc;

	hf_diag_init(&d);
	rc = sim_scenario_parse("fuzz.yaml", (const char *)data, size, config(), &s, &d);
	if (rc == 0) {
		check(s != NULL && d.n == 0 && s->n_steps >= 1);
		for (size_t i = 0; i < s->n_steps; i++) {
			const struct sim_step *st = &s->steps[i];

			check(st->at_s >= 0 && st->at_s <= SIM_SCENARIO_AT_MAX);
			check(i == 0 || s->steps[i - 1].at_s <= st->at_s);
			check(st->action >= SIM_SAY && st->action <= SIM_RESUME_REPORTING);
			check((st->action == SIM_SAY) == (st->unit[0] == '\0'));
			check(memchr(st->unit, '\0', sizeof st->unit) != NULL);
			check(memchr(st->say, '\0', sizeof st->say) != NULL);
			if (st->action == SIM_MOVE_TO && !st->to_unit[0])
				check(hf_geo_valid(st->lat, st->lon));
		}
	} else {
		check(s == NULL && d.n >= 1);
		for (size_t i = 0; i < d.n; i++)
			for (const char *p = d.entries[i].msg; *p; p++)
				check((unsigned char)*p >= 0x20);
	}
	sim_scenario_destroy(s);
	hf_diag_finish(&d);
	return 0;
}
