/*
 * test_registry.c - the registry of units: roster, units heard on air, lookups,
 * and what survives a roster reload.
 */
#include <criterion/criterion.h>

#include "fixtures.h"
#include "registry.h"

static struct hf_config cfg;
static struct hf_registry reg;
static struct hf_now now = { .mono_ns = 1000 * HF_NS_PER_S, .unix_ms = 1795000000000 };

static void setup(void)
{
	fx_config(&cfg);
	cr_assert_eq(hf_registry_init(&reg), 0);
	cr_assert_eq(hf_registry_apply_roster(&reg, &cfg), 0);
}

static void teardown(void)
{
	hf_registry_finish(&reg);
}

TestSuite(registry, .init = setup, .fini = teardown);

/* Every roster unit is found by ISSI, by id and by callsign. */
Test(registry, finds_roster_units_by_issi_id_and_callsign)
{
	struct hf_unit *u = hf_registry_find_issi(&reg, 2002003);

	cr_assert_not_null(u);
	cr_assert_str_eq(u->id, "pc-3");
	cr_assert_eq(u->role, HF_ROLE_CONSTABLE);
	cr_assert_str_eq(u->area, "central");
	cr_assert_eq(hf_registry_find_id(&reg, "pc-3"), u);
	cr_assert_eq(hf_registry_find_callsign(&reg, "PC 3"), u);
	cr_assert_eq(reg.n, HF_ARRAY_SIZE(fx_roster));
}

/* Callsigns match ignoring case and spaces, as a dispatcher types them. */
Test(registry, callsign_lookup_ignores_case_and_spaces)
{
	cr_assert_str_eq(hf_registry_find_callsign(&reg, "pcso1")->id, "pcso-1");
	cr_assert_str_eq(hf_registry_find_callsign(&reg, " Pc  4 ")->id, "pc-4");
	cr_assert_null(hf_registry_find_callsign(&reg, "PC 44"));
}

/* An ISSI not on the roster becomes an off-roster unit named by its ISSI, in
 * the default area, and the same ISSI resolves to the same unit again. */
Test(registry, unknown_issi_becomes_an_off_roster_unit)
{
	struct hf_radio_event ev = fx_status_ev(7654321, 0);
	struct hf_unit *u = hf_registry_resolve(&reg, &ev, "central");

	cr_assert_not_null(u);
	cr_assert_not(u->on_roster);
	cr_assert_eq(u->role, HF_ROLE_UNKNOWN);
	cr_assert_str_eq(u->callsign, "ISSI 7654321");
	cr_assert_str_eq(u->area, "central");
	cr_assert_eq(hf_registry_resolve(&reg, &ev, "central"), u);
	cr_assert_eq(reg.n, HF_ARRAY_SIZE(fx_roster) + 1);
}

/* An event with neither ISSI nor unit id is kept as one "unidentified" unit
 * per source rather than dropped. */
Test(registry, event_without_identity_gets_an_unidentified_unit)
{
	struct hf_radio_event ev = fx_status_ev(0, 0);
	struct hf_unit *u = hf_registry_resolve(&reg, &ev, "central");

	cr_assert_not_null(u);
	cr_assert_str_eq(u->callsign, "unidentified via test");
	cr_assert_eq(hf_registry_resolve(&reg, &ev, "central"), u);
}

/* An event naming a roster unit by id (a gpsd fix: no ISSI) resolves to that
 * roster unit and moves it; no off-roster unit is made. */
Test(registry, event_with_unit_id_moves_that_roster_unit)
{
	struct hf_radio_event ev = fx_fix_ev(0, 51.52, -0.09);
	struct hf_unit *u;

	strcpy(ev.unit_id, "pc-2");
	u = hf_registry_resolve(&reg, &ev, "central");
	cr_assert_not_null(u);
	cr_assert_eq(u, hf_registry_find_id(&reg, "pc-2"));
	cr_assert(u->on_roster);
	cr_assert_eq(u->issi, 2002002);
	cr_assert(hf_registry_apply_event(u, &ev, &now));
	cr_assert(u->has_fix);
	cr_assert_float_eq(u->fix.lat, 51.52, 1e-9);
	cr_assert_float_eq(u->fix.lon, -0.09, 1e-9);
	cr_assert_eq(reg.n, HF_ARRAY_SIZE(fx_roster), "no unit was added");
}

/* Status and position are recorded, and an older fix never replaces a newer. */
Test(registry, records_status_and_newest_fix)
{
	struct hf_unit *u = hf_registry_find_issi(&reg, 2002001);
	struct hf_radio_event st = fx_status_ev(2002001, ST_AVAILABLE);
	struct hf_radio_event fix = fx_fix_ev(2002001, 51.5, -0.1);
	struct hf_radio_event old = fx_fix_ev(2002001, 52.0, -1.0);

	cr_assert(hf_registry_apply_event(u, &st, &now));
	cr_assert(u->has_status);
	cr_assert_eq(u->status, ST_AVAILABLE);
	cr_assert_not(hf_registry_apply_event(u, &st, &now), "same status is no change");
	cr_assert(hf_registry_apply_event(u, &fix, &now));
	old.fix.has_fix_time = true;
	old.fix.fix_unix_ms = now.unix_ms - 60000;
	cr_assert_not(hf_registry_apply_event(u, &old, &now));
	cr_assert_float_eq(u->fix.lat, 51.5, 1e-9);
	cr_assert_eq(hf_unit_fix_age_ns(u, &now), 0);
}

/* A reload keeps what is known about units still on the roster, drops the
 * role of units removed (they are never asked again), and adopts a radio heard
 * before the roster listed it. */
Test(registry, roster_reload_keeps_state_and_adopts_heard_radios)
{
	struct hf_radio_event fix = fx_fix_ev(2002001, 51.5, -0.1);
	struct hf_radio_event heard = fx_fix_ev(2009999, 51.6, -0.2);
	struct hf_unit *pc1 = hf_registry_find_issi(&reg, 2002001);
	struct hf_unit *stranger;
	struct hf_roster_entry roster2[] = {
		{ "pc-1", 2002001, "PC 1", HF_ROLE_CONSTABLE, "Response", "central" },
		{ "pc-9", 2009999, "PC 9", HF_ROLE_CONSTABLE, "Response", "transport" },
	};

	hf_registry_apply_event(pc1, &fix, &now);
	stranger = hf_registry_resolve(&reg, &heard, "central");
	hf_registry_apply_event(stranger, &heard, &now);
	cfg.roster = roster2;
	cfg.n_roster = 2;
	cr_assert_eq(hf_registry_apply_roster(&reg, &cfg), 0);

	cr_assert_eq(hf_registry_find_issi(&reg, 2002001), pc1);
	cr_assert(pc1->has_fix, "position survives the reload");
	cr_assert_eq(hf_registry_find_id(&reg, "pc-9"), stranger);
	cr_assert(stranger->on_roster);
	cr_assert_str_eq(stranger->callsign, "PC 9");
	cr_assert(stranger->has_fix);
	struct hf_unit *gone = hf_registry_find_id(&reg, "pc-2");

	cr_assert_not_null(gone);
	cr_assert_not(gone->on_roster);
	cr_assert_eq(gone->role, HF_ROLE_UNKNOWN);
	cr_assert_null(hf_registry_find_callsign(&reg, "PC 2"));
}

/* The maps behind the lookups: put replaces, delete leaves a tombstone that
 * later probes step over, and growth keeps every key. */
Test(registry, maps_put_get_delete_and_grow)
{
	struct hf_u32map m;
	struct hf_strmap sm;
	uint32_t v;

	hf_u32map_init(&m);
	for (uint32_t k = 1; k <= 1000; k++)
		cr_assert_eq(hf_u32map_put(&m, k, k * 2), 0);
	cr_assert(hf_u32map_del(&m, 500));
	cr_assert_not(hf_u32map_del(&m, 500));
	cr_assert_not(hf_u32map_get(&m, 500, &v));
	for (uint32_t k = 1; k <= 1000; k++)
		if (k != 500)
			cr_assert(hf_u32map_get(&m, k, &v) && v == k * 2, "key %u", k);
	cr_assert_eq(hf_u32map_put(&m, 7, 99), 0);
	cr_assert(hf_u32map_get(&m, 7, &v) && v == 99);
	hf_u32map_finish(&m);

	hf_strmap_init(&sm, true);
	cr_assert_eq(hf_strmap_put(&sm, "PC 1234", 1), 0);
	cr_assert(hf_strmap_get(&sm, "pc1234", &v) && v == 1);
	cr_assert(hf_strmap_del(&sm, "Pc 12 34"));
	cr_assert_not(hf_strmap_get(&sm, "PC 1234", &v));
	hf_strmap_finish(&sm);
}

/* Thousands of units keep stable pointers and lookups (chunked storage). */
Test(registry, many_units_keep_stable_pointers)
{
	struct hf_unit *first;
	struct hf_radio_event ev = fx_status_ev(3000000, 1);

	first = hf_registry_resolve(&reg, &ev, "central");
	for (uint32_t i = 1; i < 5000; i++) {
		ev.issi = 3000000 + i;
		cr_assert_not_null(hf_registry_resolve(&reg, &ev, "central"));
	}
	cr_assert_eq(hf_registry_find_issi(&reg, 3000000), first);
	cr_assert_eq(hf_registry_find_issi(&reg, 3004999)->issi, 3004999);
}
