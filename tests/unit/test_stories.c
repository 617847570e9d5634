/*
 * test_stories.c - the escalation rules as stories from PRODUCT.md, each a
 * table of steps on simulated time (no sleeps).
 *
 * How to read a story: time runs from 0 in seconds; AT(t) moves the clock to t
 * and fires every deadline due. Units are the test force below, placed in
 * metres north/east of the beat centre. Steps either do something (a status
 * by meaning, a position, a LIP reason, a command) or check something about
 * an incident as last published (EXPECT_*), the number of open incidents, or
 * the SDS a radio got. To add a story, copy one and change the steps.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "clock.h"
#include "engine.h"

/* ---------------------------------------------------------------- the force */

static struct hf_roster_entry roster[] = {
	{ "pcso-1", 2001001, "PCSO 1", HF_ROLE_PCSO, "Safer Neighbourhood", "central", 1 },
	{ "pcso-2", 2001002, "PCSO 2", HF_ROLE_PCSO, "Safer Transport", "transport", 0 },
	{ "pc-1", 2002001, "PC 1", HF_ROLE_CONSTABLE, "Response", "central", 0 },
	{ "pc-2", 2002002, "PC 2", HF_ROLE_CONSTABLE, "Response", "central", 0 },
	{ "pc-3", 2002003, "PC 3", HF_ROLE_CONSTABLE, "Response", "central", 0 },
	{ "pc-4", 2002004, "PC 4", HF_ROLE_CONSTABLE, "Response", "central", 0 },
	{ "pc-5", 2002005, "PC 5", HF_ROLE_CONSTABLE, "Response", "central", 0 },
	{ "pc-6", 2002006, "PC 6", HF_ROLE_CONSTABLE, "Response", "central", 0 },
	{ "ps-1", 2003001, "PS 1", HF_ROLE_SUPERVISOR, "Response", "central", 0 },
};

static const char *const meanings[] = {
	"available", "on_patrol", "at_scene", "off_duty", "confrontation_likely",
	"constable_required", "detention_started", "detention_ended", "multi_party_dispute",
	"risk_of_harm", "serious_crime_link", "terrorism_suspected", "welfare_ok", "check_in",
	"power_required:arrest", "power_required:stop_and_search", "power_required:section_43",
};
static struct hf_status_entry status_map[HF_ARRAY_SIZE(meanings)];

static struct hf_area_config areas[] = {
	{ "central", "Central ward", "desk-central", "Safer Neighbourhood" },
	{ "transport", "Transport corridor", "desk-transport", "Safer Transport" },
};

#define CENTRE_LAT 51.5
#define CENTRE_LON -0.1
#define T0_MONO (1000 * HF_NS_PER_S)
#define T0_UNIX INT64_C(1795000000000)

/* ---------------------------------------------------------------- steps */

enum op {
	OP_END,
	OP_AT,         /* x: seconds since start */
	OP_STATUS,     /* a: unit, b: meaning ("emergency" = status 0) */
	OP_POS,        /* a: unit, x: metres north, y: metres east */
	OP_LIP,        /* a: unit, n: LIP reason (at its last position) */
	OP_CALL,       /* a: unit: an emergency call (priority 15) */
	OP_RADIO,      /* n: ISSI not on the roster presses emergency at x north */
	OP_CMD,        /* n: command kind, a: incident, b: callsign, c: note; expects OK */
	OP_REFUSE,     /* as OP_CMD, but expects reply code m */
	OP_KEYED,      /* as OP_CMD with idempotency key c (note "keyed") */
	OP_POWERS,     /* a: a power the force designates */
	OP_E_STATE,    /* a: incident, n: state */
	OP_E_SEV,      /* a: incident, n: severity */
	OP_E_LEVEL,    /* a: incident, n: escalation level, m: repeats */
	OP_E_SUPER,    /* a: incident, b: supervisor unit id, "" = none */
	OP_E_ASKED,    /* a: incident, n: how many asked, b: nearest ("" = don't care) */
	OP_E_NOT_ASKED,/* a: incident, b: a unit never in the asked list */
	OP_E_STALE,    /* a: incident, n: index in asked, m: 1 stale / 0 fresh */
	OP_E_COUNT,    /* a: incident, n: trigger count */
	OP_E_RULE,     /* a: incident, b: rule name, n: constable_required */
	OP_E_DET,      /* a: incident, n: detention stage */
	OP_E_WELFARE,  /* a: incident, n: welfare stage */
	OP_E_HEALTH,   /* a: incident, n: radio health bits */
	OP_E_CHANGE,   /* a: incident, b: text last_change contains */
	OP_OPEN,       /* n: incidents open */
	OP_TOTAL,      /* n: incidents ever raised */
	OP_SDS,        /* a: unit, b: text the last SDS to it contains ("" = none sent) */
	OP_PUBS,       /* n: incident publications since the last OP_PUBS */
	OP_PLACES,     /* the test places (PLACES_GEOJSON) are loaded */
	OP_E_AREA,     /* a: incident, b: area id, c: flagged place name ("" = none) */
	OP_NOTICES,    /* n: notices since the last OP_NOTICES, b: text the last contains */
};

struct step {
	enum op op;
	const char *a, *b, *c;
	double x, y;
	int n, m;
};

#define AT(t)                 { OP_AT, .x = (t) }
#define STATUS(u, meaning)    { OP_STATUS, (u), (meaning) }
#define POS(u, north, east)   { OP_POS, (u), .x = (north), .y = (east) }
#define LIP(u, reason)        { OP_LIP, (u), .n = (reason) }
#define CALL(u)               { OP_CALL, (u) }
#define RADIO_EMERGENCY(issi, north) { OP_RADIO, .n = (issi), .x = (north) }
#define CMD(k, inc, cs, note) { OP_CMD, (inc), (cs), (note), .n = (k) }
#define REFUSE(k, inc, cs, code) { OP_REFUSE, (inc), (cs), "", .n = (k), .m = (code) }
#define KEYED(k, inc, cs, key) { OP_KEYED, (inc), (cs), (key), .n = (k) }
#define DESIGNATE(power)      { OP_POWERS, (power) }
#define STATE(inc, st)        { OP_E_STATE, (inc), .n = (st) }
#define SEVERITY(inc, sev)    { OP_E_SEV, (inc), .n = (sev) }
#define LEVEL(inc, lvl, rep)  { OP_E_LEVEL, (inc), .n = (lvl), .m = (rep) }
#define SUPERVISOR(inc, u)    { OP_E_SUPER, (inc), (u) }
#define ASKED(inc, k, first)  { OP_E_ASKED, (inc), (first), .n = (k) }
#define NOT_ASKED(inc, u)     { OP_E_NOT_ASKED, (inc), (u) }
#define STALE(inc, i, yes)    { OP_E_STALE, (inc), .n = (i), .m = (yes) }
#define COUNT(inc, k)         { OP_E_COUNT, (inc), .n = (k) }
#define RULE(inc, name, req)  { OP_E_RULE, (inc), (name), .n = (req) }
#define DETENTION(inc, stage) { OP_E_DET, (inc), .n = (stage) }
#define WELFARE(inc, stage)   { OP_E_WELFARE, (inc), .n = (stage) }
#define HEALTH(inc, bits)     { OP_E_HEALTH, (inc), .n = (bits) }
#define CHANGE(inc, text)     { OP_E_CHANGE, (inc), (text) }
#define OPEN(k)               { OP_OPEN, .n = (k) }
#define TOTAL(k)              { OP_TOTAL, .n = (k) }
#define SDS(u, text)          { OP_SDS, (u), (text) }
#define PUBS(k)               { OP_PUBS, .n = (k) }
#define WITH_PLACES           { OP_PLACES }
#define AREA(inc, area, place) { OP_E_AREA, (inc), (area), (place) }
#define NOTICES(k, text)      { OP_NOTICES, .b = (text), .n = (k) }

/* The transport corridor: 2-3 km north of the beat centre; a flagged
 * address (critical, 100 m circle) 500 m east of it. */
static const char PLACES_GEOJSON[] =
	"{\"type\": \"FeatureCollection\", \"features\": ["
	"{\"type\": \"Feature\", \"properties\": {\"kind\": \"area\", \"id\": \"transport\"},"
	" \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[-0.12, 51.51799],"
	" [-0.08, 51.51799], [-0.08, 51.52698], [-0.12, 51.52698], [-0.12, 51.51799]]]}},"
	"{\"type\": \"Feature\", \"properties\": {\"kind\": \"flagged\", \"id\": \"addr-9\","
	" \"name\": \"9 Mill Lane\", \"severity\": \"critical\", \"radius_m\": 100,"
	" \"note\": \"known violence\"},"
	" \"geometry\": {\"type\": \"Point\", \"coordinates\": [-0.092777, 51.5]}}]}";

/* ---------------------------------------------------------------- the runner */

#define MAX_INC 16

static struct hf_config cfg;
static struct hf_engine eng;
static struct hf_manual_clock mc;
static struct hf_incident last[MAX_INC + 1]; /* by number: as last published */
static size_t pubs;
static char sds_to[HF_ID_MAX], sds_text[256];
static size_t notices;
static char notice_text[256];

static void record_notice(void *ctx, const struct hf_engine *e, const struct hf_notice *n,
			  const struct hf_now *now)
{
	notices++;
	hf_strlcpy(notice_text, n->text, sizeof notice_text);
}

static void record_incident(void *ctx, const struct hf_engine *e, const struct hf_incident *inc,
			    const struct hf_now *now)
{
	cr_assert_leq(inc->number, MAX_INC);
	last[inc->number] = *inc;
	pubs++;
}

static void record_sds(void *ctx, const struct hf_engine *e, const struct hf_unit *to,
		       const char *via, const char *text, const struct hf_now *now)
{
	hf_strlcpy(sds_to, to->id, sizeof sds_to);
	hf_strlcpy(sds_text, text, sizeof sds_text);
}

static void setup(void)
{
	struct hf_engine_output out = { .incident = record_incident, .sds = record_sds,
					.notice = record_notice };

	hf_config_defaults(&cfg);
	for (size_t i = 0; i < HF_ARRAY_SIZE(meanings); i++) {
		status_map[i].code = (uint16_t)(32768 + i);
		hf_strlcpy(status_map[i].meaning, meanings[i], sizeof status_map[i].meaning);
	}
	cfg.roster = roster;
	cfg.n_roster = HF_ARRAY_SIZE(roster);
	cfg.status_map = status_map;
	cfg.n_status = HF_ARRAY_SIZE(status_map);
	cfg.areas = areas;
	cfg.n_areas = HF_ARRAY_SIZE(areas);
	strcpy(cfg.default_area, "central");
	memset(last, 0, sizeof last);
	pubs = notices = 0;
	sds_to[0] = sds_text[0] = notice_text[0] = '\0';
	hf_manual_clock_init(&mc, T0_MONO, T0_UNIX);
	cr_assert_eq(hf_engine_init(&eng, &cfg, &out), 0);
}

static void teardown(void)
{
	hf_engine_finish(&eng);
	hf_places_destroy(cfg.places);
}

TestSuite(story, .init = setup, .fini = teardown);

static struct hf_unit *unit(const char *id)
{
	struct hf_unit *u = hf_registry_find_id(&eng.reg, id);

	cr_assert(u, "no unit %s in the test force", id);
	return u;
}

static void feed(struct hf_radio_event ev)
{
	struct hf_now now = hf_clock_now(&mc.clock);

	strcpy(ev.source, "pei-test");
	cr_assert_eq(hf_engine_on_event(&eng, &ev, &now), 0);
}

static uint16_t code_of(const char *meaning)
{
	int c = hf_config_status_code(&cfg, meaning);

	cr_assert_geq(c, 0, "no status code means %s", meaning);
	return (uint16_t)c;
}

static void place(struct hf_radio_event *ev, double north, double east)
{
	ev->has_fix = true;
	ev->fix.lat = CENTRE_LAT + north / 111195.0;
	ev->fix.lon = CENTRE_LON + east / (111195.0 * cos(CENTRE_LAT * M_PI / 180));
}

static const struct hf_incident *incident(const char *id)
{
	unsigned n = 0;

	cr_assert(sscanf(id, "INC-%u", &n) == 1 && n >= 1 && n <= MAX_INC, "bad id %s", id);
	cr_assert_str_eq(last[n].id, id, "%s was never published", id);
	return &last[n];
}

static const char *unit_id(uint32_t index)
{
	return index == HF_UNIT_NONE ? "" : hf_registry_at(&eng.reg, index)->id;
}

static void command(const struct step *s, const char *key, int want)
{
	struct hf_command cmd = { .kind = (enum hf_command_kind)s->n, .incident_id = s->a,
				  .callsign = s->b, .note = key ? "keyed" : s->c,
				  .actor = "desk-central", .idempotency_key = key };
	struct hf_command_result res;
	struct hf_now now = hf_clock_now(&mc.clock);

	hf_engine_command(&eng, &cmd, &now, &res);
	cr_assert_eq((int)res.code, want, "command %d on %s: want reply %d, got %d: %s", s->n, s->a,
		     want, res.code, res.message);
}

static void do_step(const struct step *s)
{
	struct hf_radio_event ev = { .issi = 0 };
	const struct hf_incident *inc = NULL;

	if ((s->op >= OP_E_STATE && s->op <= OP_E_CHANGE) || s->op == OP_E_AREA)
		inc = incident(s->a);
	switch (s->op) {
	case OP_END:
		break;
	case OP_AT: {
		int64_t want = T0_MONO + (int64_t)(s->x * HF_NS_PER_S);
		struct hf_now now;

		cr_assert_geq(want, mc.now.mono_ns, "AT(%g) goes back in time", s->x);
		hf_manual_clock_advance(&mc, want - mc.now.mono_ns);
		now = hf_clock_now(&mc.clock);
		hf_engine_tick(&eng, &now);
		break;
	}
	case OP_STATUS:
		ev.kind = HF_EVENT_STATUS;
		ev.issi = unit(s->a)->issi;
		ev.has_status = true;
		ev.status = strcmp(s->b, "emergency") == 0 ? 0 : code_of(s->b);
		feed(ev);
		break;
	case OP_POS:
		ev.kind = HF_EVENT_LOCATION;
		ev.issi = unit(s->a)->issi;
		place(&ev, s->x, s->y);
		feed(ev);
		break;
	case OP_LIP: {
		const struct hf_unit *u = unit(s->a);

		ev.kind = HF_EVENT_LOCATION;
		ev.issi = u->issi;
		ev.has_fix = true;
		ev.fix = u->fix;
		ev.has_reason = true;
		ev.reason = (uint8_t)s->n;
		feed(ev);
		break;
	}
	case OP_CALL:
		ev.kind = HF_EVENT_EMERGENCY_CALL;
		ev.issi = unit(s->a)->issi;
		ev.has_call_priority = true;
		ev.call_priority = 15;
		feed(ev);
		break;
	case OP_RADIO:
		ev.kind = HF_EVENT_LOCATION;
		ev.issi = (uint32_t)s->n;
		place(&ev, s->x, 0);
		ev.has_reason = true;
		ev.reason = HF_LIP_REASON_EMERGENCY;
		feed(ev);
		break;
	case OP_CMD:
		command(s, NULL, HF_REPLY_OK);
		break;
	case OP_REFUSE:
		command(s, NULL, s->m);
		break;
	case OP_KEYED:
		command(s, s->c, HF_REPLY_OK);
		break;
	case OP_POWERS:
		hf_strlcpy(cfg.rules.powers[cfg.rules.n_powers++], s->a, HF_NAME_MAX);
		break;
	case OP_E_STATE:
		cr_assert_eq((int)inc->state, s->n, "%s: state %s, want %s", s->a,
			     hf_incident_state_name(inc->state),
			     hf_incident_state_name((enum hf_incident_state)s->n));
		break;
	case OP_E_SEV:
		cr_assert_eq((int)inc->severity, s->n, "%s: severity %s, want %s", s->a,
			     hf_severity_name(inc->severity),
			     hf_severity_name((enum hf_severity)s->n));
		break;
	case OP_E_LEVEL:
		cr_assert_eq(inc->escalation_level, (uint32_t)s->n, "%s: level %u, want %d", s->a,
			     (unsigned)inc->escalation_level, s->n);
		cr_assert_eq(inc->repeats, (uint32_t)s->m, "%s: repeats %u, want %d", s->a,
			     (unsigned)inc->repeats, s->m);
		break;
	case OP_E_SUPER:
		cr_assert_str_eq(unit_id(inc->supervisor), s->b, "%s: supervisor", s->a);
		break;
	case OP_E_ASKED:
		cr_assert_eq(inc->n_asked, (size_t)s->n, "%s: %zu asked, want %d", s->a,
			     inc->n_asked, s->n);
		if (s->b && s->b[0])
			cr_assert_str_eq(unit_id(inc->asked[0].unit), s->b, "%s: nearest", s->a);
		break;
	case OP_E_NOT_ASKED:
		for (size_t i = 0; i < inc->n_asked; i++)
			cr_assert_str_neq(unit_id(inc->asked[i].unit), s->b, "%s asked %s", s->a,
					  s->b);
		break;
	case OP_E_STALE:
		cr_assert_lt((size_t)s->n, inc->n_asked);
		cr_assert_eq(inc->asked[s->n].stale, s->m != 0, "%s: asked[%d] stale", s->a, s->n);
		break;
	case OP_E_COUNT:
		cr_assert_eq(inc->trigger_count, (uint32_t)s->n, "%s: count %u, want %d", s->a,
			     (unsigned)inc->trigger_count, s->n);
		break;
	case OP_E_RULE:
		cr_assert_str_eq(inc->rule, s->b);
		cr_assert_eq(inc->constable_required, s->n != 0, "%s: constable_required", s->a);
		break;
	case OP_E_DET:
		cr_assert_eq((int)inc->detention, s->n, "%s: detention stage %d, want %d", s->a,
			     inc->detention, s->n);
		break;
	case OP_E_WELFARE:
		cr_assert_eq(inc->welfare_stage, (uint32_t)s->n, "%s: welfare stage", s->a);
		break;
	case OP_E_HEALTH:
		cr_assert_eq(inc->radio_health, (uint32_t)s->n, "%s: radio health", s->a);
		break;
	case OP_E_CHANGE:
		cr_assert(strstr(inc->last_change, s->b), "%s: last change \"%s\" lacks \"%s\"",
			  s->a, inc->last_change, s->b);
		break;
	case OP_OPEN:
		cr_assert_eq(hf_incidents_open_count(&eng.incidents), (size_t)s->n,
			     "%zu open, want %d", hf_incidents_open_count(&eng.incidents), s->n);
		break;
	case OP_TOTAL:
		cr_assert_eq(eng.incidents.n, (size_t)s->n, "%zu raised, want %d",
			     eng.incidents.n, s->n);
		break;
	case OP_SDS:
		if (!s->b[0]) {
			cr_assert_str_eq(sds_to, "", "an SDS went to %s: %s", sds_to, sds_text);
			break;
		}
		cr_assert_str_eq(sds_to, s->a, "SDS to %s, want %s", sds_to, s->a);
		cr_assert(strstr(sds_text, s->b), "SDS \"%s\" lacks \"%s\"", sds_text, s->b);
		break;
	case OP_PUBS:
		cr_assert_eq(pubs, (size_t)s->n, "%zu publications, want %d", pubs, s->n);
		pubs = 0;
		break;
	case OP_PLACES:
		cr_assert_eq(hf_places_load_string("test.geojson", PLACES_GEOJSON,
						   strlen(PLACES_GEOJSON), &cfg.places, NULL), 0);
		break;
	case OP_E_AREA:
		cr_assert_str_eq(inc->area, s->b, "%s: area", s->a);
		cr_assert_str_eq(inc->place, s->c, "%s: flagged place", s->a);
		break;
	case OP_NOTICES:
		cr_assert_eq(notices, (size_t)s->n, "%zu notices, want %d", notices, s->n);
		if (s->n)
			cr_assert(strstr(notice_text, s->b), "notice \"%s\" lacks \"%s\"",
				  notice_text, s->b);
		notices = 0;
		break;
	}
}

static void run(const struct step *steps)
{
	for (const struct step *s = steps; s->op != OP_END; s++)
		do_step(s);
}

/* One Test per story; the steps end with an implicit END. */
#define STORY(name, ...)                                                  \
	Test(story, name)                                                 \
	{                                                                 \
		static const struct step steps[] = { __VA_ARGS__, { OP_END } }; \
		run(steps);                                               \
	}

/* The beat: PCSO 1 at the centre; constables around, all available. */
#define BEAT                                                               \
	POS("pcso-1", 0, 0), STATUS("pcso-1", "on_patrol"),                 \
	POS("pc-1", 300, 0), STATUS("pc-1", "available"),                   \
	POS("pc-2", 900, 0), STATUS("pc-2", "on_patrol"),                   \
	POS("pc-3", 1500, 0), STATUS("pc-3", "available"),                  \
	POS("pc-4", 2500, 0), STATUS("pc-4", "available"),                  \
	POS("pc-5", 4000, 0), STATUS("pc-5", "available"),                  \
	POS("pc-6", 7000, 0), STATUS("pc-6", "available"),                  \
	POS("ps-1", 0, 800), STATUS("ps-1", "on_patrol")

enum { RAISED = HF_INC_RAISED, ACKED = HF_INC_ACKNOWLEDGED, ASSIGNED = HF_INC_ASSIGNED,
       ACCEPTED = HF_INC_ACCEPTED, ON_SCENE = HF_INC_ON_SCENE, RESOLVED = HF_INC_RESOLVED,
       CANCELLED = HF_INC_CANCELLED };
enum { WARNING = HF_SEV_WARNING, HIGH = HF_SEV_HIGH, CRITICAL = HF_SEV_CRITICAL };
enum { ACK = HF_CMD_ACK, ASSIGN = HF_CMD_ASSIGN, ACCEPT = HF_CMD_ACCEPT, ARRIVE = HF_CMD_ARRIVE,
       RESOLVE = HF_CMD_RESOLVE, CANCEL = HF_CMD_CANCEL, CHECK_IN = HF_CMD_CHECK_IN };

/* ---------------------------------------------------------------- emergency */

/* A PCSO's emergency button alerts the area's desk at once, critical, naming
 * the 3 nearest available constables (tier 0 of rules.emergency), nearest
 * first; the supervisor is not yet involved. */
STORY(emergency_alerts_the_desk_and_the_three_nearest_constables,
      BEAT, AT(1), STATUS("pcso-1", "emergency"),
      STATE("INC-0001", RAISED), SEVERITY("INC-0001", CRITICAL),
      RULE("INC-0001", "emergency", 0), ASKED("INC-0001", 3, "pc-1"),
      LEVEL("INC-0001", 0, 0), SUPERVISOR("INC-0001", ""))

/* Nobody acknowledges: at the first tier's timeout (60 s) the supervisor is
 * told and five constables within 10 km are asked; not a second earlier. */
STORY(unacknowledged_emergency_reaches_the_supervisor_at_the_tier_timeout,
      BEAT, AT(0), STATUS("pcso-1", "emergency"),
      AT(59.9), LEVEL("INC-0001", 0, 0), SUPERVISOR("INC-0001", ""),
      AT(60), LEVEL("INC-0001", 1, 0), SUPERVISOR("INC-0001", "ps-1"),
      ASKED("INC-0001", 5, "pc-1"), CHANGE("INC-0001", "not acknowledged"))

/* The second tier follows 120 s after the first: eight constables, 20 km
 * (the force has six, all within reach). */
STORY(an_emergency_climbs_every_tier_while_nobody_answers,
      BEAT, AT(0), STATUS("pcso-1", "emergency"),
      AT(60), LEVEL("INC-0001", 1, 0), ASKED("INC-0001", 5, "pc-1"),
      AT(179), LEVEL("INC-0001", 1, 0),
      AT(180), LEVEL("INC-0001", 2, 0), ASKED("INC-0001", 6, "pc-1"))

/* An acknowledgement stops the tiers: nothing escalates at 60 s or after. */
STORY(an_acknowledgement_stops_the_escalation,
      BEAT, AT(0), STATUS("pcso-1", "emergency"),
      AT(30), CMD(ACK, "INC-0001", "", ""), STATE("INC-0001", ACKED),
      AT(100), LEVEL("INC-0001", 0, 0), SUPERVISOR("INC-0001", ""), STATE("INC-0001", ACKED))

/* An acknowledgement that sits 120 s (ack_timeout_s) without an assignment
 * re-escalates: back to raised, next tier, supervisor told. */
STORY(an_acknowledgement_left_without_assignment_re_escalates,
      BEAT, AT(0), STATUS("pcso-1", "emergency"),
      AT(10), CMD(ACK, "INC-0001", "", ""),
      AT(129), STATE("INC-0001", ACKED),
      AT(130), STATE("INC-0001", RAISED), LEVEL("INC-0001", 1, 0),
      SUPERVISOR("INC-0001", "ps-1"), CHANGE("INC-0001", "nobody assigned"))

/* An assignment ends escalation for good. */
STORY(an_assignment_stops_every_escalation,
      BEAT, AT(0), STATUS("pcso-1", "emergency"),
      AT(5), CMD(ASSIGN, "INC-0001", "PC 1", ""), STATE("INC-0001", ASSIGNED),
      AT(3600), LEVEL("INC-0001", 0, 0), STATE("INC-0001", ASSIGNED))

/* Past the last tier the last tier repeats, every 120 s, at most
 * max_repeats (3) times: bounded, then quiet. */
STORY(escalation_repeats_are_bounded,
      BEAT, AT(0), STATUS("pcso-1", "emergency"),
      AT(180), LEVEL("INC-0001", 2, 0),
      AT(300), LEVEL("INC-0001", 2, 1),
      AT(540), LEVEL("INC-0001", 2, 3), PUBS(6),
      AT(10000), LEVEL("INC-0001", 2, 3), PUBS(0))

/* Ten presses make one incident counting ten, each published. */
STORY(ten_presses_make_one_incident_counting_ten,
      BEAT, PUBS(0), STATUS("pcso-1", "emergency"), STATUS("pcso-1", "emergency"),
      STATUS("pcso-1", "emergency"), STATUS("pcso-1", "emergency"),
      STATUS("pcso-1", "emergency"), STATUS("pcso-1", "emergency"),
      STATUS("pcso-1", "emergency"), STATUS("pcso-1", "emergency"),
      STATUS("pcso-1", "emergency"), STATUS("pcso-1", "emergency"),
      TOTAL(1), COUNT("INC-0001", 10), PUBS(10))

/* One press sends status 0 and a LIP report with reason 2: that is one
 * trigger, and an emergency call after it joins the same incident. */
STORY(status_and_lip_of_one_press_count_once,
      BEAT, STATUS("pcso-1", "emergency"), LIP("pcso-1", HF_LIP_REASON_EMERGENCY),
      COUNT("INC-0001", 1), CALL("pcso-1"), COUNT("INC-0001", 2), TOTAL(1))

/* A radio not on the roster still raises an emergency, and still gets the
 * nearest constables. */
STORY(an_unknown_issi_emergency_still_alerts,
      BEAT, RADIO_EMERGENCY(2999999, 0), TOTAL(1), SEVERITY("INC-0001", CRITICAL),
      ASKED("INC-0001", 3, "pc-1"))

/* A constable who is off duty is never asked, however near. */
STORY(an_off_duty_constable_is_never_asked,
      BEAT, POS("pc-1", 10, 0), STATUS("pc-1", "off_duty"),
      STATUS("pcso-1", "emergency"), ASKED("INC-0001", 3, "pc-2"), NOT_ASKED("INC-0001", "pc-1"),
      AT(60), NOT_ASKED("INC-0001", "pc-1"))

/* A constable whose last fix is older than stale_fix_s (300 s) is still
 * ranked by distance, and flagged stale. */
STORY(a_stale_constable_fix_is_ranked_and_flagged,
      BEAT, AT(400), POS("pc-2", 900, 0), POS("pc-3", 1500, 0), POS("pcso-1", 0, 0),
      STATUS("pcso-1", "emergency"), ASKED("INC-0001", 3, "pc-1"),
      STALE("INC-0001", 0, 1), STALE("INC-0001", 1, 0))

/* Constables beyond tier 0's radius (5 km) are asked only by a wider tier. */
STORY(a_constable_beyond_the_radius_is_asked_only_by_a_wider_tier,
      POS("pcso-1", 0, 0), POS("pc-6", 7000, 0), STATUS("pc-6", "available"),
      STATUS("pcso-1", "emergency"), ASKED("INC-0001", 0, ""),
      AT(60), ASKED("INC-0001", 1, "pc-6"))

/* ---------------------------------------------------------------- hand-offs */

/* "Confrontation likely" hands the situation to a constable: a high-severity
 * hand-off that cannot be resolved before one is assigned. */
STORY(confrontation_likely_hands_off_to_a_constable,
      BEAT, STATUS("pcso-1", "confrontation_likely"),
      RULE("INC-0001", "handoff", 1), SEVERITY("INC-0001", HIGH), ASKED("INC-0001", 2, "pc-1"),
      REFUSE(RESOLVE, "INC-0001", "", HF_REPLY_INVALID_TRANSITION),
      CMD(ASSIGN, "INC-0001", "PC 1", ""), CMD(RESOLVE, "INC-0001", "", "words of advice"),
      STATE("INC-0001", RESOLVED))

/* A terrorism status never leaves the PCSO as lead: critical at once, a PCSO
 * cannot be assigned, and it cannot be resolved before a constable is. */
STORY(a_terrorism_status_never_leaves_the_pcso_as_lead,
      BEAT, STATUS("pcso-1", "terrorism_suspected"),
      SEVERITY("INC-0001", CRITICAL), RULE("INC-0001", "handoff", 1),
      REFUSE(ASSIGN, "INC-0001", "PCSO 2", HF_REPLY_INVALID_TRANSITION),
      REFUSE(RESOLVE, "INC-0001", "", HF_REPLY_INVALID_TRANSITION),
      CMD(ASSIGN, "INC-0001", "PC 2", ""), CMD(RESOLVE, "INC-0001", "", "handed to CT"),
      STATE("INC-0001", RESOLVED))

/* A power the force has not designated to its PCSOs always goes to a
 * constable. */
STORY(a_power_not_designated_hands_off,
      BEAT, DESIGNATE("stop_and_search"), STATUS("pcso-1", "power_required:arrest"),
      TOTAL(1), RULE("INC-0001", "handoff", 1), SEVERITY("INC-0001", HIGH))

/* A power the force designates stays with the PCSO: no incident. */
STORY(a_designated_power_stays_with_the_pcso,
      BEAT, DESIGNATE("stop_and_search"), STATUS("pcso-1", "power_required:stop_and_search"),
      TOTAL(0))

/* Terrorism Act powers can never be designated: even if a force's list
 * named one, it hands off, critical. */
STORY(a_terrorism_act_power_always_hands_off,
      BEAT, DESIGNATE("section_43"), STATUS("pcso-1", "power_required:section_43"),
      TOTAL(1), SEVERITY("INC-0001", CRITICAL))

/* Repeated hand-off statuses join the open hand-off, counted, and its
 * severity only rises. */
STORY(repeated_hand_off_statuses_join_and_severity_only_rises,
      BEAT, STATUS("pcso-1", "risk_of_harm"), STATUS("pcso-1", "terrorism_suspected"),
      STATUS("pcso-1", "confrontation_likely"),
      TOTAL(1), COUNT("INC-0001", 3), SEVERITY("INC-0001", CRITICAL))

/* ---------------------------------------------------------------- detention */

/* detention_started asks for a constable at once, warns the supervisor at
 * 20 minutes and goes critical at 30 with no constable on scene. */
STORY(a_detention_warns_at_20_minutes_and_goes_critical_at_30,
      BEAT, STATUS("pcso-1", "detention_started"),
      RULE("INC-0001", "detention", 1), SEVERITY("INC-0001", HIGH),
      ASKED("INC-0001", 2, "pc-1"), DETENTION("INC-0001", HF_DET_RUNNING),
      CMD(ASSIGN, "INC-0001", "PC 4", ""),
      AT(1199), DETENTION("INC-0001", HF_DET_RUNNING), SUPERVISOR("INC-0001", ""),
      AT(1200), DETENTION("INC-0001", HF_DET_WARNED), SUPERVISOR("INC-0001", "ps-1"),
      SEVERITY("INC-0001", HIGH),
      AT(1800), DETENTION("INC-0001", HF_DET_LIMIT), SEVERITY("INC-0001", CRITICAL),
      CHANGE("INC-0001", "DETENTION LIMIT"))

/* detention_ended stops the clock: no warning, no limit. */
STORY(detention_ended_stops_the_clock,
      BEAT, STATUS("pcso-1", "detention_started"), CMD(ASSIGN, "INC-0001", "PC 1", ""),
      AT(600), STATUS("pcso-1", "detention_ended"), DETENTION("INC-0001", HF_DET_ENDED),
      AT(3600), DETENTION("INC-0001", HF_DET_ENDED), SEVERITY("INC-0001", HIGH))

/* A constable arriving takes over: the detention clock stops. */
STORY(a_constable_on_scene_stops_the_detention_clock,
      BEAT, STATUS("pcso-1", "detention_started"), CMD(ASSIGN, "INC-0001", "PC 1", ""),
      AT(900), POS("pc-1", 20, 0), STATE("INC-0001", ON_SCENE),
      DETENTION("INC-0001", HF_DET_ENDED), AT(1800), SEVERITY("INC-0001", HIGH))

/* ---------------------------------------------------------------- welfare */

/* A lone-patrol PCSO with no check-in for 20 minutes: amber (warning, the
 * desk only); 10 minutes later red (high, constables and supervisor). */
STORY(a_missed_welfare_check_goes_amber_then_red,
      BEAT, AT(1199), TOTAL(0),
      AT(1200), TOTAL(1), RULE("INC-0001", "welfare", 0), WELFARE("INC-0001", 1),
      SEVERITY("INC-0001", WARNING), ASKED("INC-0001", 0, ""),
      AT(1799), WELFARE("INC-0001", 1),
      AT(1800), WELFARE("INC-0001", 2), SEVERITY("INC-0001", HIGH),
      ASKED("INC-0001", 2, "pc-1"), SUPERVISOR("INC-0001", "ps-1"))

/* A check-in status resolves the amber alert and restarts the clock. */
STORY(a_check_in_clears_the_welfare_alert,
      BEAT, AT(1200), WELFARE("INC-0001", 1),
      AT(1300), STATUS("pcso-1", "welfare_ok"), STATE("INC-0001", RESOLVED), OPEN(0),
      AT(1800), TOTAL(1), AT(2500), TOTAL(2), WELFARE("INC-0002", 1))

/* The dispatcher can record a check-in (the PCSO phoned in). */
STORY(a_check_in_command_clears_the_welfare_alert,
      BEAT, AT(1200), CMD(CHECK_IN, "", "PCSO 1", ""), STATE("INC-0001", RESOLVED),
      AT(1800), OPEN(0))

/* Automatic position reports are not a check-in: the radio keeps reporting
 * from a PCSO who cannot press a button. */
STORY(position_reports_do_not_count_as_a_check_in,
      BEAT, AT(600), POS("pcso-1", 10, 0), AT(1100), POS("pcso-1", 20, 0),
      AT(1200), WELFARE("INC-0001", 1))

/* An emergency mutes the unit's welfare alert: the open amber is closed and
 * no new one is raised while the emergency is open. */
STORY(an_emergency_mutes_the_welfare_alert,
      BEAT, AT(1200), WELFARE("INC-0001", 1), STATUS("pcso-1", "emergency"),
      STATE("INC-0001", CANCELLED), CHANGE("INC-0001", "muted"),
      AT(5000), OPEN(1), TOTAL(2))

/* Off duty stops the welfare clock. */
STORY(off_duty_stops_the_welfare_clock,
      BEAT, AT(600), STATUS("pcso-1", "off_duty"), AT(5000), TOTAL(0))

/* ---------------------------------------------------------------- radio health */

/* A low battery during an open hand-off raises its severity once, and says so. */
STORY(a_low_battery_during_an_incident_raises_severity_once,
      BEAT, STATUS("pcso-1", "confrontation_likely"), SEVERITY("INC-0001", HIGH),
      LIP("pcso-1", HF_LIP_REASON_LOW_BATTERY), SEVERITY("INC-0001", CRITICAL),
      HEALTH("INC-0001", HF_HEALTH_LOW_BATTERY), CHANGE("INC-0001", "battery"),
      PUBS(2), LIP("pcso-1", HF_LIP_REASON_LOW_BATTERY), PUBS(0))

/* Service loss and lost location are recorded too; with no open incident a
 * radio-health report raises nothing. */
STORY(radio_health_is_recorded_only_during_an_incident,
      BEAT, LIP("pcso-1", HF_LIP_REASON_SERVICE_LOSS), TOTAL(0),
      STATUS("pcso-1", "risk_of_harm"), LIP("pcso-1", HF_LIP_REASON_SERVICE_LOSS),
      LIP("pcso-1", HF_LIP_REASON_LOST_LOCATION),
      HEALTH("INC-0001", HF_HEALTH_SERVICE_LOSS | HF_HEALTH_LOST_LOCATION),
      SEVERITY("INC-0001", CRITICAL))

/* ---------------------------------------------------------------- on scene */

/* The assigned constable arriving within on_scene_radius_m (50 m) of the
 * PCSO marks the incident on scene; 60 m away does not. */
STORY(a_constable_arriving_within_the_set_distance_is_on_scene,
      BEAT, STATUS("pcso-1", "emergency"), CMD(ASSIGN, "INC-0001", "PC 2", ""),
      CMD(ACCEPT, "INC-0001", "PC 2", ""), POS("pc-2", 60, 0), STATE("INC-0001", ACCEPTED),
      POS("pc-2", 40, 0), STATE("INC-0001", ON_SCENE), CHANGE("INC-0001", "PC 2 on scene"))

/* Only the assigned constable's position counts. */
STORY(an_unassigned_constable_passing_by_is_not_on_scene,
      BEAT, STATUS("pcso-1", "emergency"), CMD(ASSIGN, "INC-0001", "PC 2", ""),
      POS("pc-1", 5, 0), STATE("INC-0001", ASSIGNED))

/* An at_scene status from the assigned constable marks on scene. */
STORY(an_at_scene_status_from_the_assigned_constable_is_on_scene,
      BEAT, STATUS("pcso-1", "emergency"), CMD(ASSIGN, "INC-0001", "PC 3", ""),
      STATUS("pc-3", "at_scene"), STATE("INC-0001", ON_SCENE))

/* ---------------------------------------------------------------- commands */

/* The PCSO's radio hears that the alert was received, then who is coming
 * and how far away they are. */
STORY(the_pcsos_radio_is_told_who_is_coming_and_how_far,
      BEAT, STATUS("pcso-1", "emergency"), SDS("pcso-1", ""),
      CMD(ACK, "INC-0001", "", ""), SDS("pcso-1", "alert received"),
      CMD(ASSIGN, "INC-0001", "PC 2", ""), SDS("pcso-1", "PC 2 en route, 900 m"))

/* A command replayed with the same idempotency key changes nothing and gets
 * the first reply; a new key is a new command. */
STORY(a_replayed_command_changes_nothing,
      BEAT, STATUS("pcso-1", "emergency"), PUBS(1),
      KEYED(ACK, "INC-0001", "", "k-1"), PUBS(1),
      KEYED(ACK, "INC-0001", "", "k-1"), PUBS(0), STATE("INC-0001", ACKED),
      REFUSE(ACK, "INC-0001", "", HF_REPLY_INVALID_TRANSITION))

/* Invalid transitions get clear refusals and change nothing. */
STORY(invalid_transitions_are_refused,
      BEAT, STATUS("pcso-1", "emergency"), PUBS(1),
      REFUSE(ACCEPT, "INC-0001", "PC 1", HF_REPLY_INVALID_TRANSITION),
      REFUSE(ARRIVE, "INC-0001", "", HF_REPLY_INVALID_TRANSITION),
      REFUSE(CANCEL, "INC-0001", "", HF_REPLY_BAD_REQUEST),
      REFUSE(ACK, "INC-0042", "", HF_REPLY_NOT_FOUND),
      REFUSE(CHECK_IN, "", "PC 99", HF_REPLY_NOT_FOUND),
      PUBS(0), STATE("INC-0001", RAISED))

/* Resolving closes the incident and silences its deadlines (the PCSO's own
 * welfare clock, restarted by the emergency, raises its own alert later). */
STORY(a_resolved_incident_never_escalates,
      BEAT, STATUS("pcso-1", "emergency"),
      CMD(RESOLVE, "INC-0001", "", "false alarm: pocket press"), PUBS(2),
      AT(10000), STATE("INC-0001", RESOLVED), LEVEL("INC-0001", 0, 0), RULE("INC-0002", "welfare", 0))

/* ---------------------------------------------------------------- places */

/* An incident goes to the desk of the area the PCSO is in (the transport
 * corridor), not the PCSO's home area. */
STORY(an_incident_is_routed_to_the_area_containing_the_pcso,
      WITH_PLACES, BEAT, POS("pcso-1", 2500, 0), STATUS("pcso-1", "emergency"),
      AREA("INC-0001", "transport", ""), POS("pcso-1", 0, 0), STATUS("pcso-1", "risk_of_harm"),
      AREA("INC-0002", "central", ""))

/* A hand-off inside a flagged place starts at the place's severity. */
STORY(an_incident_in_a_flagged_place_starts_at_its_severity,
      WITH_PLACES, BEAT, POS("pcso-1", 0, 520), STATUS("pcso-1", "confrontation_likely"),
      SEVERITY("INC-0001", CRITICAL), AREA("INC-0001", "central", "9 Mill Lane"))

/* A PCSO entering a flagged place warns the desk once; moving inside it is
 * quiet; leaving and coming back warns again. */
STORY(entering_a_flagged_place_warns_the_dispatcher,
      WITH_PLACES, BEAT, NOTICES(0, ""), POS("pcso-1", 0, 450), NOTICES(1, "9 Mill Lane"),
      POS("pcso-1", 10, 480), NOTICES(0, ""), POS("pcso-1", 0, 0), POS("pcso-1", 0, 500),
      NOTICES(1, "known violence"), TOTAL(0))
