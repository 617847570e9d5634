/*
 * test_engine.c - the rules on simulated time: what a PCSO's emergency raises,
 * who is asked, how repeats join, and what commands do.
 */
#include <criterion/criterion.h>

#include "clock.h"
#include "engine.h"
#include "fixtures.h"
#include "geo.h"

#define MAX_SEEN 64

static struct hf_config cfg;
static struct hf_engine eng;
static struct hf_manual_clock mc;
static struct hf_incident seen[MAX_SEEN]; /* every incident publication, in order */
static size_t n_seen;
static size_t n_units;

static void record_incident(void *ctx, const struct hf_engine *e, const struct hf_incident *inc,
			    const struct hf_now *now)
{
	cr_assert_lt(n_seen, MAX_SEEN);
	seen[n_seen++] = *inc;
}

static void record_unit(void *ctx, const struct hf_engine *e, const struct hf_unit *u,
			const struct hf_now *now)
{
	n_units++;
}

static void setup(void)
{
	struct hf_engine_output out = { .incident = record_incident, .unit = record_unit };

	fx_config(&cfg);
	n_seen = n_units = 0;
	hf_manual_clock_init(&mc, 1000 * HF_NS_PER_S, 1795000000000);
	cr_assert_eq(hf_engine_init(&eng, &cfg, &out), 0);
}

static void teardown(void)
{
	hf_engine_finish(&eng);
}

TestSuite(engine, .init = setup, .fini = teardown);

static void feed(struct hf_radio_event ev)
{
	struct hf_now now = hf_clock_now(&mc.clock);

	cr_assert_eq(hf_engine_on_event(&eng, &ev, &now), 0);
}

static void advance_s(double s)
{
	hf_manual_clock_advance(&mc, (int64_t)(s * HF_NS_PER_S));
}

/* Puts a unit metres_north of the PCSO's beat (51.5, -0.1) with a status. */
static void on_duty(uint32_t issi, uint16_t status, double metres_north)
{
	struct hf_radio_event fix = fx_fix_ev(issi, 0, 0);

	hf_geo_destination(51.5, -0.1, 0, metres_north, &fix.fix.lat, &fix.fix.lon);
	feed(fx_status_ev(issi, status));
	feed(fix);
}

static const char *asked_id(const struct hf_incident *inc, size_t i)
{
	return hf_registry_at(&eng.reg, inc->asked[i].unit)->id;
}

static struct hf_command_result command_note(enum hf_command_kind kind, const char *id,
					     const char *callsign, const char *actor,
					     const char *note)
{
	struct hf_command cmd = { .kind = kind, .incident_id = id, .callsign = callsign,
				  .note = note, .actor = actor };
	struct hf_command_result res;
	struct hf_now now = hf_clock_now(&mc.clock);

	hf_engine_command(&eng, &cmd, &now, &res);
	return res;
}

static struct hf_command_result command(enum hf_command_kind kind, const char *id,
					const char *callsign, const char *actor)
{
	return command_note(kind, id, callsign, actor, "");
}

/* The walking skeleton's story: a PCSO presses the emergency button (status 0)
 * and the area's desk gets a critical alert naming the 3 nearest available
 * constables, nearest first, with their distances. */
Test(engine, emergency_status_alerts_the_three_nearest_available_constables)
{
	on_duty(2002001, ST_AVAILABLE, 900);
	on_duty(2002002, ST_ON_PATROL, 300);
	on_duty(2002003, ST_AVAILABLE, 2500);
	on_duty(2002004, ST_AVAILABLE, 600);
	on_duty(2001001, ST_ON_PATROL, 0);
	n_seen = 0;

	feed(fx_status_ev(2001001, 0));

	cr_assert_eq(n_seen, 1);
	const struct hf_incident *inc = &seen[0];

	cr_assert_str_eq(inc->id, "INC-0001");
	cr_assert_eq(inc->state, HF_INC_RAISED);
	cr_assert_eq(inc->severity, HF_SEV_CRITICAL);
	cr_assert_eq(inc->trigger.kind, HF_TRIG_EMERGENCY_STATUS);
	cr_assert_str_eq(hf_registry_at(&eng.reg, inc->subject)->id, "pcso-1");
	cr_assert_str_eq(inc->area, "central");
	cr_assert_str_eq(inc->desk, "desk-central");
	cr_assert(inc->has_position);
	cr_assert_eq(inc->n_asked, 3);
	cr_assert_str_eq(asked_id(inc, 0), "pc-2");
	cr_assert_str_eq(asked_id(inc, 1), "pc-4");
	cr_assert_str_eq(asked_id(inc, 2), "pc-1");
	cr_assert_float_eq(inc->asked[0].distance_m, 300, 1);
}

/* A LIP report with reason 2 is an emergency too, and its own position is used. */
Test(engine, lip_emergency_reason_raises_with_the_reported_position)
{
	on_duty(2002001, ST_AVAILABLE, 500);
	feed(fx_lip_emergency_ev(2001001, 51.5, -0.1));

	cr_assert_eq(seen[n_seen - 1].trigger.kind, HF_TRIG_EMERGENCY_LIP);
	cr_assert_float_eq(seen[n_seen - 1].position.lat, 51.5, 1e-9);
	cr_assert_eq(seen[n_seen - 1].n_asked, 1);
}

/* Ten presses make one incident counting ten: repeats join, nothing is
 * filtered (each press is published). */
Test(engine, repeated_presses_join_one_incident)
{
	on_duty(2001001, ST_ON_PATROL, 0);
	n_seen = 0;
	for (int i = 0; i < 10; i++) {
		feed(fx_status_ev(2001001, 0));
		advance_s(1);
	}
	cr_assert_eq(n_seen, 10, "every press is published");
	cr_assert_eq(eng.incidents.n, 1);
	cr_assert_eq(seen[9].trigger_count, 10);
	cr_assert_str_eq(seen[9].id, "INC-0001");
}

/* One press sends status 0 and a LIP reason-2 report: counted once, and the
 * report's position is taken; a reason-2 report later is a new press. */
Test(engine, status_and_lip_of_one_press_count_once)
{
	feed(fx_status_ev(2001001, 0));
	advance_s(1);
	feed(fx_lip_emergency_ev(2001001, 51.5, -0.1));
	cr_assert_eq(seen[n_seen - 1].trigger_count, 1);
	cr_assert(seen[n_seen - 1].has_position);
	advance_s(HF_EMERGENCY_SAME_PRESS_S + 1);
	feed(fx_lip_emergency_ev(2001001, 51.5, -0.1));
	cr_assert_eq(seen[n_seen - 1].trigger_count, 2);
}

/* Moves of the subject update the incident but are not re-published (the unit
 * topic carries them); the first fix is. */
Test(engine, subject_moves_update_the_incident_quietly)
{
	feed(fx_fix_ev(2001001, 51.5, -0.1));
	feed(fx_status_ev(2001001, 0));
	size_t before = n_seen;

	feed(fx_fix_ev(2001001, 51.501, -0.1));
	cr_assert_eq(n_seen, before);
	cr_assert_float_eq(hf_incidents_find(&eng.incidents, "1")->position.lat, 51.501, 1e-9);
}

/* An emergency from an ISSI not on the roster still alerts, naming the ISSI. */
Test(engine, unknown_issi_emergency_still_alerts)
{
	feed(fx_status_ev(7777777, 0));

	cr_assert_eq(n_seen, 1);
	const struct hf_unit *u = hf_registry_at(&eng.reg, seen[0].subject);

	cr_assert_eq(u->issi, 7777777);
	cr_assert_str_eq(u->callsign, "ISSI 7777777");
	cr_assert_str_eq(seen[0].area, "central", "routed to the default area");
	cr_assert_not(seen[0].has_position);
}

/* Off-duty and at-scene constables, PCSOs and supervisors are never asked. */
Test(engine, only_available_constables_are_asked)
{
	on_duty(2002001, ST_OFF_DUTY, 100);
	on_duty(2002002, ST_AT_SCENE, 150);
	on_duty(2001002, ST_AVAILABLE, 50);  /* another PCSO */
	on_duty(2003001, ST_AVAILABLE, 60);  /* the supervisor */
	on_duty(2002003, ST_AVAILABLE, 4000);
	on_duty(2001001, ST_ON_PATROL, 0);
	feed(fx_status_ev(2001001, 0));

	const struct hf_incident *inc = &seen[n_seen - 1];

	cr_assert_eq(inc->n_asked, 1);
	cr_assert_str_eq(asked_id(inc, 0), "pc-3");
}

/* A constable who never reported a status is not assumed available. */
Test(engine, constable_without_status_is_not_asked)
{
	struct hf_radio_event fix = fx_fix_ev(2002001, 51.5001, -0.1);

	feed(fix);
	on_duty(2001001, ST_ON_PATROL, 0);
	feed(fx_status_ev(2001001, 0));
	cr_assert_eq(seen[n_seen - 1].n_asked, 0);
}

/* Nobody farther than rules.emergency.radius_m is asked. */
Test(engine, constables_beyond_the_radius_are_not_asked)
{
	cfg.rules.emergency.radius_m = 1000;
	on_duty(2002001, ST_AVAILABLE, 1500);
	on_duty(2001001, ST_ON_PATROL, 0);
	feed(fx_status_ev(2001001, 0));
	cr_assert_eq(seen[n_seen - 1].n_asked, 0);
}

/* An emergency before any fix asks nobody; the first fix that follows fills
 * in the position and asks the nearest constables then. */
Test(engine, first_fix_after_an_emergency_asks_constables)
{
	on_duty(2002001, ST_AVAILABLE, 400);
	feed(fx_status_ev(2001001, 0));
	cr_assert_eq(seen[n_seen - 1].n_asked, 0);
	feed(fx_fix_ev(2001001, 51.5, -0.1));
	cr_assert(seen[n_seen - 1].has_position);
	cr_assert_eq(seen[n_seen - 1].n_asked, 1);
	cr_assert_str_eq(asked_id(&seen[n_seen - 1], 0), "pc-1");
}

/* Ack then resolve closes the incident; a new press then opens a new one. */
Test(engine, ack_and_resolve_close_and_a_new_press_opens_anew)
{
	struct hf_command_result r;

	feed(fx_status_ev(2001001, 0));
	r = command(HF_CMD_ACK, "INC-0001", "", "desk-central");
	cr_assert_eq(r.code, HF_REPLY_OK, "%s", r.message);
	cr_assert_eq(seen[n_seen - 1].state, HF_INC_ACKNOWLEDGED);
	cr_assert_str_eq(seen[n_seen - 1].acknowledged_by, "desk-central");
	r = command(HF_CMD_RESOLVE, "1", "", "desk-central");
	cr_assert_eq(r.code, HF_REPLY_OK, "%s", r.message);
	cr_assert_eq(seen[n_seen - 1].state, HF_INC_RESOLVED);

	feed(fx_status_ev(2001001, 0));
	cr_assert_str_eq(seen[n_seen - 1].id, "INC-0002");
	cr_assert_eq(seen[n_seen - 1].trigger_count, 1);
}

/* Refusals are clear and change nothing: unknown incident, a second ack, an
 * ack of a closed incident, assigning a PCSO, an unknown callsign, a cancel
 * without a reason. */
Test(engine, invalid_commands_are_refused_with_a_reason)
{
	struct hf_command_result r;
	size_t before;

	on_duty(2002001, ST_AVAILABLE, 100);
	feed(fx_status_ev(2001001, 0));
	before = n_seen;

	r = command(HF_CMD_ACK, "INC-0099", "", "d");
	cr_assert_eq(r.code, HF_REPLY_NOT_FOUND);
	cr_assert_str_eq(r.message, "no incident INC-0099");
	cr_assert_eq(command(HF_CMD_ACK, "INC-0001", "", "d").code, HF_REPLY_OK);
	r = command(HF_CMD_ACK, "INC-0001", "", "d");
	cr_assert_eq(r.code, HF_REPLY_INVALID_TRANSITION);
	cr_assert(strstr(r.message, "acknowledged"), "%s", r.message);
	r = command(HF_CMD_ASSIGN, "INC-0001", "PCSO 2", "d");
	cr_assert_eq(r.code, HF_REPLY_INVALID_TRANSITION);
	r = command(HF_CMD_ASSIGN, "INC-0001", "PC 77", "d");
	cr_assert_eq(r.code, HF_REPLY_NOT_FOUND);
	r = command(HF_CMD_ASSIGN, "", "PC 1", "d");
	cr_assert_eq(r.code, HF_REPLY_BAD_REQUEST);
	cr_assert_eq(n_seen, before + 1, "only the successful ack was published");
	r = command(HF_CMD_CANCEL, "INC-0001", "", "d");
	cr_assert_eq(r.code, HF_REPLY_BAD_REQUEST);
	cr_assert_str_eq(r.message, "cancel needs a reason");
	cr_assert_eq(command_note(HF_CMD_CANCEL, "INC-0001", "", "d", "false alarm").code,
		     HF_REPLY_OK);
	r = command(HF_CMD_ACK, "INC-0001", "", "d");
	cr_assert_eq(r.code, HF_REPLY_INVALID_TRANSITION);
	cr_assert_str_eq(r.message, "INC-0001 is already cancelled");
}

/* Assign, accept by the assigned constable only, arrive. */
Test(engine, assign_accept_arrive)
{
	on_duty(2002001, ST_AVAILABLE, 100);
	on_duty(2002002, ST_AVAILABLE, 200);
	feed(fx_status_ev(2001001, 0));
	cr_assert_eq(command(HF_CMD_ASSIGN, "1", "pc 1", "desk").code, HF_REPLY_OK);
	cr_assert_eq(seen[n_seen - 1].state, HF_INC_ASSIGNED);
	cr_assert_eq(command(HF_CMD_ACCEPT, "1", "PC 2", "pc-2").code,
		     HF_REPLY_INVALID_TRANSITION);
	cr_assert_eq(command(HF_CMD_ACCEPT, "1", "PC 1", "pc-1").code, HF_REPLY_OK);
	cr_assert_eq(command(HF_CMD_ARRIVE, "1", "PC 1", "pc-1").code, HF_REPLY_OK);
	cr_assert_eq(seen[n_seen - 1].state, HF_INC_ON_SCENE);
}

/* Position reports publish unit updates; an unchanged status does not. */
Test(engine, unit_updates_only_on_change)
{
	feed(fx_status_ev(2002001, ST_AVAILABLE));
	feed(fx_status_ev(2002001, ST_AVAILABLE));
	cr_assert_eq(n_units, 1);
	feed(fx_fix_ev(2002001, 51.5, -0.1));
	cr_assert_eq(n_units, 2);
}

/* A roster reload keeps open incidents and their subject. */
Test(engine, reload_keeps_open_incidents)
{
	struct hf_config cfg2;

	feed(fx_status_ev(2001001, 0));
	cfg2 = cfg;
	cfg2.n_roster = 3; /* pcso-1, pcso-2, pc-1 */
	cr_assert_eq(hf_engine_reconfigure(&eng, &cfg2), 0);
	cr_assert_eq(hf_incidents_open_count(&eng.incidents), 1);
	feed(fx_status_ev(2001001, 0));
	cr_assert_eq(seen[n_seen - 1].trigger_count, 2);
	hf_engine_reconfigure(&eng, &cfg);
}
