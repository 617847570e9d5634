/*
 * fuzz_config.c - libFuzzer target for the YAML config loader.
 *
 * Each input is loaded as a config file with hf_config_load_string() (no
 * temporary file: the loader is pure over its buffer) and whatever comes
 * back is freed, so ASan and UBSan catch memory errors and leaks on every
 * path. Beyond "no crash", it checks the promises the rest of the gateway
 * relies on: a config that loads has no problems recorded and its cross
 * references hold (every unit's area exists, status codes are in the user
 * range, ...); a config that fails has at least one problem and no config,
 * and no message carries a raw control byte to the operator's terminal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* The invariants of a config that loaded. */
static void check_config(const struct hf_config *cfg)
{
	check(cfg->n_areas >= 1);
	check(hf_config_area(cfg, cfg->default_area) != NULL);
	check(cfg->rules.n_available >= 1 && cfg->rules.n_available <= HF_AVAILABLE_MAX);
	check(cfg->rules.emergency.constables >= 1 && cfg->rules.emergency.constables <= 16);
	check(cfg->rules.emergency.radius_m > 0);
	check(cfg->gateway.heartbeat_ms >= 100 && cfg->gateway.heartbeat_ms <= 60000);
	check(terminated(cfg->gateway.state_dir, sizeof(cfg->gateway.state_dir)));
	for (size_t i = 0; i < cfg->n_adapters; i++) {
		const struct hf_adapter_config *a = &cfg->adapters[i];

		check(terminated(a->name, sizeof(a->name)) && a->name[0]);
		check(a->reconnect_min_ms <= a->reconnect_max_ms);
		check(a->line >= 1);
	}
	for (size_t i = 0; i < cfg->n_areas; i++)
		check(cfg->areas[i].id[0] && cfg->areas[i].desk[0]);
	for (size_t i = 0; i < cfg->n_roster; i++) {
		const struct hf_roster_entry *r = &cfg->roster[i];

		check(r->issi >= 1 && r->issi <= 16777215);
		check(r->role != HF_ROLE_UNKNOWN);
		check(hf_config_area(cfg, r->area) != NULL);
		for (size_t j = 0; j < i; j++)
			check(r->issi != cfg->roster[j].issi &&
			      strcmp(r->id, cfg->roster[j].id) != 0);
	}
	for (size_t i = 0; i < cfg->n_status; i++) {
		check(cfg->status_map[i].code >= 32768);
		check(hf_config_status_meaning(cfg, cfg->status_map[i].code) != NULL);
	}
	check(strcmp(hf_config_status_meaning(cfg, 0), "emergency") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "tetra-pei", NULL };
	struct hf_config *cfg = NULL;
	struct hf_diag d;
	int rc;

	hf_diag_init(&d);
	rc = hf_config_load_string("fuzz/handoff.yaml", (const char *)data, size, types,
				   &cfg, &d);
	if (rc == 0) {
		check(cfg != NULL && d.n == 0);
		check_config(cfg);
	} else {
		check(cfg == NULL);
		check(rc == -EINVAL || rc == -ENOMEM);
		check(d.n >= 1);
	}
	for (size_t i = 0; i < d.n; i++) {
		const char *m = d.entries[i].msg;

		check(terminated(m, sizeof(d.entries[i].msg)) && m[0]);
		for (; *m; m++)
			check((unsigned char)*m >= 0x20 && *m != 0x7f);
		check(d.entries[i].line >= 0 && d.entries[i].col >= 0);
	}
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
	return 0;
}
