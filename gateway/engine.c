/*
 * engine.c - see engine.h.
 *
 * Layout: unit rule state; raising and routing incidents; escalation tiers;
 * the rules (emergency, hand-off, detention, welfare, radio health, on scene);
 * events; deadlines; commands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "geo.h"
#include "log.h"

/* What a queued deadline does (struct hf_deadline.kind). */
enum {
	T_ESCALATE = 1,  /* ref: incident number; gen: esc_gen */
	T_DET_WARN = 2,  /* ref: incident number; gen: det_gen */
	T_DET_LIMIT = 3, /* ref: incident number; gen: det_gen */
	T_WELFARE = 4,   /* ref: unit index; gen: welfare_gen */
};

#define MS_NS(ms) ((int64_t)(ms) * HF_NS_PER_MS)

/* The status meanings that hand a situation to a constable. */
static const char *const handoff_meanings[] = {
	"confrontation_likely", "constable_required", "multi_party_dispute",
	"risk_of_harm", "serious_crime_link", "terrorism_suspected",
};
#define POWER_PREFIX "power_required:"

static void emit_incident(struct hf_engine *e, struct hf_incident *inc,
			  const struct hf_now *now);

/* ---------------------------------------------------------------- unit rules */

/* The rule state of unit index i, growing the array as the registry grows.
 * NULL only on allocation failure. */
static struct hf_unit_rules *urules(struct hf_engine *e, uint32_t i)
{
	if (i >= e->ur_cap) {
		size_t cap = e->ur_cap ? e->ur_cap : 256;

		while (cap <= i)
			cap *= 2;
		struct hf_unit_rules *ur = realloc(e->ur, cap * sizeof *ur);

		if (!ur)
			return NULL;
		memset(ur + e->ur_cap, 0, (cap - e->ur_cap) * sizeof *ur);
		e->ur = ur;
		e->ur_cap = cap;
	}
	return &e->ur[i];
}

/* Copies roster flags (lone_patrol) into the per-unit rule state and lists
 * the supervisors (so choosing one never scans every unit). */
static int apply_roster_flags(struct hf_engine *e)
{
	uint32_t *sup = calloc(e->cfg->n_roster + 1, sizeof *sup);

	if (!sup)
		return -ENOMEM;
	free(e->supervisors);
	e->supervisors = sup;
	e->n_supervisors = 0;
	for (uint32_t i = 0; i < e->reg.n; i++) {
		struct hf_unit_rules *ur = urules(e, i);

		if (!ur)
			return -ENOMEM;
		ur->lone = false;
		ur->place = NULL; /* the places may have been reloaded */
	}
	for (size_t i = 0; i < e->cfg->n_roster; i++) {
		struct hf_unit *u = hf_registry_find_id(&e->reg, e->cfg->roster[i].id);

		if (!u)
			continue;
		e->ur[u->index].lone = e->cfg->roster[i].lone_patrol != 0;
		if (u->role == HF_ROLE_SUPERVISOR)
			e->supervisors[e->n_supervisors++] = u->index;
	}
	return 0;
}

/* The open incident of `rule` about u, or NULL; free for units with none. */
static struct hf_incident *open_of(const struct hf_engine *e, const struct hf_unit *u,
				   enum hf_rule_kind rule)
{
	uint32_t n = e->ur[u->index].open_rule[rule];

	return n ? hf_incidents_number(&e->incidents, n) : NULL;
}

int hf_engine_init(struct hf_engine *e, const struct hf_config *cfg,
		   const struct hf_engine_output *out)
{
	int rc;

	memset(e, 0, sizeof *e);
	e->cfg = cfg;
	if (out)
		e->out = *out;
	hf_incidents_init(&e->incidents);
	hf_timers_init(&e->timers);
	hf_strmap_init(&e->idem_keys, false);
	e->idem = calloc(HF_IDEM_MAX, sizeof *e->idem);
	rc = e->idem ? hf_registry_init(&e->reg) : -ENOMEM;
	if (!rc)
		rc = hf_registry_apply_roster(&e->reg, cfg);
	if (!rc)
		rc = apply_roster_flags(e);
	if (rc)
		hf_engine_finish(e);
	return rc;
}

void hf_engine_finish(struct hf_engine *e)
{
	hf_registry_finish(&e->reg);
	hf_incidents_finish(&e->incidents);
	hf_timers_finish(&e->timers);
	hf_strmap_finish(&e->idem_keys);
	free(e->idem);
	free(e->ur);
	free(e->supervisors);
	e->supervisors = NULL;
	e->idem = NULL;
	e->ur = NULL;
	e->ur_cap = 0;
}

int hf_engine_reconfigure(struct hf_engine *e, const struct hf_config *cfg)
{
	int rc;

	e->cfg = cfg;
	rc = hf_registry_apply_roster(&e->reg, cfg);
	if (!rc)
		rc = apply_roster_flags(e);
	return rc;
}

const char *hf_engine_status_meaning(const struct hf_engine *e, const struct hf_unit *u)
{
	const char *m;

	if (!u->has_status)
		return "";
	m = hf_config_status_meaning(e->cfg, u->status);
	return m ? m : "";
}

bool hf_engine_unit_available(const struct hf_engine *e, const struct hf_unit *u)
{
	if (!u->on_roster || u->role != HF_ROLE_CONSTABLE || !u->has_status)
		return false;
	return hf_config_is_available(e->cfg, hf_engine_status_meaning(e, u));
}

static bool eligible_constable(const struct hf_unit *u, void *ctx)
{
	return hf_engine_unit_available(ctx, u);
}

/* Queues a deadline; on allocation failure logs loudly (the deadline is lost,
 * the incident stays open and visible). */
static void schedule(struct hf_engine *e, int64_t due, uint32_t kind, uint32_t ref,
		     uint32_t gen)
{
	if (hf_timers_push(&e->timers, (struct hf_deadline){ due, kind, ref, gen }))
		hf_err("out of memory queueing a deadline (kind %u, ref %u)", (unsigned)kind,
		       (unsigned)ref);
}

/* Records a change for people to read, printf-style. */
static void change(struct hf_incident *inc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void change(struct hf_incident *inc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inc->last_change, sizeof inc->last_change, fmt, ap);
	va_end(ap);
}

static const struct hf_escalation_config *esc_of(const struct hf_engine *e,
						   const struct hf_incident *inc)
{
	switch (inc->rule_kind) {
	case HF_RULE_HANDOFF: return &e->cfg->rules.handoff;
	case HF_RULE_DETENTION: return &e->cfg->rules.detention.esc;
	case HF_RULE_WELFARE: return &e->cfg->rules.welfare.esc;
	case HF_RULE_EMERGENCY: break;
	}
	return &e->cfg->rules.emergency;
}

/* ---------------------------------------------------------------- raising */

/* Copies the subject's last fix into the incident. */
static void take_position(struct hf_incident *inc, const struct hf_unit *subject)
{
	if (!subject->has_fix)
		return;
	inc->has_position = true;
	inc->position = subject->fix;
	inc->fix_mono_ns = subject->fix_mono_ns;
	hf_strlcpy(inc->position_source, subject->fix_source, sizeof inc->position_source);
}

/* Asks the k nearest available constables within radius of the incident.
 * Returns true if the list changed. */
static bool ask_constables(struct hf_engine *e, struct hf_incident *inc, uint32_t k,
			   double radius_m, const struct hf_now *now)
{
	struct hf_candidate found[HF_ASKED_MAX];
	struct hf_nearest_query q = {
		.lat = inc->position.lat,
		.lon = inc->position.lon,
		.k = k,
		.radius_m = radius_m,
		.stale_after_ns = (int64_t)e->cfg->rules.stale_fix_s * HF_NS_PER_S,
		.exclude = inc->subject,
		.eligible = eligible_constable,
		.ctx = e,
	};
	size_t n;

	if (!inc->has_position || k == 0)
		return false;
	n = hf_nearest(&e->reg, &q, now, found);
	if (n == inc->n_asked && memcmp(found, inc->asked, n * sizeof *found) == 0)
		return false;
	memcpy(inc->asked, found, n * sizeof *found);
	inc->n_asked = n;
	return true;
}

/* The supervisor to tell: on the roster, same area first, nearest with a fix
 * first, else the first listed. HF_UNIT_NONE if the force has none. */
static uint32_t pick_supervisor(const struct hf_engine *e, const struct hf_incident *inc)
{
	uint32_t best = HF_UNIT_NONE;
	int best_rank = 4;
	double best_d = 0;

	for (size_t j = 0; j < e->n_supervisors; j++) {
		uint32_t i = e->supervisors[j];
		const struct hf_unit *u = hf_registry_at(&e->reg, i);
		int rank;
		double d = 0;

		if (!u->on_roster || u->role != HF_ROLE_SUPERVISOR)
			continue;
		rank = (strcmp(u->area, inc->area) == 0 ? 0 : 2) + (u->has_fix ? 0 : 1);
		if (u->has_fix && inc->has_position)
			d = hf_geo_distance_m(inc->position.lat, inc->position.lon, u->fix.lat,
					      u->fix.lon);
		if (rank < best_rank || (rank == best_rank && d < best_d)) {
			best = i;
			best_rank = rank;
			best_d = d;
		}
	}
	return best;
}

/* Applies one tier: who is asked and whether a supervisor is told. */
static void apply_tier(struct hf_engine *e, struct hf_incident *inc, uint32_t constables,
		       double radius_m, bool supervisor, const struct hf_now *now)
{
	ask_constables(e, inc, constables, radius_m, now);
	if (supervisor && inc->supervisor == HF_UNIT_NONE)
		inc->supervisor = pick_supervisor(e, inc);
}

/* Arms the escalation deadline for the tier after the current one (or the
 * next repeat of the last), or clears it when there is none. */
static void arm_escalation(struct hf_engine *e, struct hf_incident *inc,
			   const struct hf_now *now)
{
	const struct hf_escalation_config *esc = esc_of(e, inc);
	uint32_t after_ms = 0;

	inc->esc_gen++;
	inc->next_mono_ns = inc->next_unix_ms = 0;
	if (inc->escalation_level < esc->n_tiers)
		after_ms = esc->tiers[inc->escalation_level].after_ms;
	else if (esc->n_tiers > 0 && inc->repeats < esc->max_repeats)
		after_ms = esc->tiers[esc->n_tiers - 1].after_ms;
	if (!after_ms)
		return;
	inc->next_mono_ns = now->mono_ns + MS_NS(after_ms);
	inc->next_unix_ms = now->unix_ms + after_ms;
	schedule(e, inc->next_mono_ns, T_ESCALATE, inc->number, inc->esc_gen);
}

/* Moves an unacknowledged incident one tier up (or repeats the last tier). */
static void escalate(struct hf_engine *e, struct hf_incident *inc, const char *why,
		     const struct hf_now *now)
{
	const struct hf_escalation_config *esc = esc_of(e, inc);
	const struct hf_tier_config *t;
	char sup[64] = "";

	if (esc->n_tiers == 0) {
		change(inc, "%s (no escalation tiers configured)", why);
		return;
	}
	if (inc->escalation_level < esc->n_tiers) {
		t = &esc->tiers[inc->escalation_level++];
	} else {
		t = &esc->tiers[esc->n_tiers - 1];
		inc->repeats++;
	}
	e->stats.escalations++;
	apply_tier(e, inc, t->constables, t->radius_m, t->supervisor, now);
	if (t->supervisor && inc->supervisor != HF_UNIT_NONE)
		snprintf(sup, sizeof sup, ", supervisor %s told",
			 hf_registry_at(&e->reg, inc->supervisor)->callsign);
	change(inc, "%s: tier %u%s (%zu constable%s within %.0f m%s)", why,
	       (unsigned)inc->escalation_level,
	       inc->repeats ? " repeated" : "", inc->n_asked, inc->n_asked == 1 ? "" : "s",
	       t->radius_m, sup);
	hf_warn("%s: ESCALATED %s", inc->id, inc->last_change);
	arm_escalation(e, inc, now);
}

/* The area of a position: the first `places:` area containing it, if any
 * (and listed in `areas:`), else the unit's roster area, else the default. */
static const struct hf_area_config *area_at(const struct hf_engine *e, const struct hf_unit *u,
					    bool has_pos, double lat, double lon)
{
	const struct hf_area_config *area = NULL;

	if (e->cfg->places && has_pos) {
		const struct hf_place *pl = hf_places_area_at(e->cfg->places, lat, lon);

		if (pl)
			area = hf_config_area(e->cfg, pl->id);
	}
	return area ? area : hf_config_area(e->cfg, u->area);
}

/* The most severe flagged place containing a position, or NULL. */
static const struct hf_place *flagged_at(const struct hf_engine *e, double lat, double lon)
{
	const struct hf_place *in[16], *worst = NULL;
	size_t n;

	if (!e->cfg->places)
		return NULL;
	n = hf_places_at(e->cfg->places, lat, lon, in, HF_ARRAY_SIZE(in));
	for (size_t i = 0; i < n && i < HF_ARRAY_SIZE(in); i++)
		if (in[i]->kind == HF_PLACE_FLAGGED && (!worst || in[i]->severity > worst->severity))
			worst = in[i];
	return worst;
}

/* Area routing by the incident's position (see area_at); a flagged place
 * there raises the starting severity. */
static void route(struct hf_engine *e, struct hf_incident *inc, const struct hf_unit *u)
{
	const struct hf_area_config *area = area_at(e, u, inc->has_position, inc->position.lat,
						    inc->position.lon);
	const struct hf_place *pl = inc->has_position
		? flagged_at(e, inc->position.lat, inc->position.lon) : NULL;

	if (pl) {
		hf_strlcpy(inc->place, pl->name, sizeof inc->place);
		if (pl->severity > (int)inc->severity)
			inc->severity = pl->severity;
	}

	if (!area)
		area = hf_config_area(e->cfg, e->cfg->default_area);
	hf_strlcpy(inc->area, area ? area->id : u->area, sizeof inc->area);
	hf_strlcpy(inc->desk, area ? area->desk : "", sizeof inc->desk);
	hf_strlcpy(inc->team, area ? area->team : "", sizeof inc->team);
}

static void mute_welfare(struct hf_engine *e, struct hf_unit *u, const char *by,
			 const struct hf_now *now);

/* Opens an incident about u for rule, applies tier 0 and arms escalation.
 * NULL on allocation failure. */
static struct hf_incident *raise_incident(struct hf_engine *e, struct hf_unit *u,
					  enum hf_rule_kind rule, const char *rule_name,
					  int severity, const struct hf_trigger *trig,
					  const struct hf_now *now)
{
	struct hf_incident *inc = hf_incidents_open(&e->incidents, now);
	const struct hf_escalation_config *esc;
	struct hf_unit_rules *ur = urules(e, u->index);

	if (!inc || !ur)
		return NULL;
	e->stats.incidents++;
	inc->rule_kind = rule;
	hf_strlcpy(inc->rule, rule_name, sizeof inc->rule);
	inc->severity = severity;
	inc->subject = u->index;
	inc->trigger = *trig;
	inc->trigger_count = 1;
	inc->last_trigger_mono_ns = now->mono_ns;
	ur->open_subject++;
	ur->open_rule[rule] = inc->number;
	take_position(inc, u);
	route(e, inc, u);
	esc = esc_of(e, inc);
	if (rule != HF_RULE_WELFARE) /* amber welfare: the desk only */
		apply_tier(e, inc, esc->constables, esc->radius_m, esc->supervisor, now);
	change(inc, "raised");
	arm_escalation(e, inc, now);
	return inc;
}

static void describe_trigger(struct hf_trigger *t, const struct hf_radio_event *ev,
			     const char *meaning)
{
	memset(t, 0, sizeof *t);
	if (ev->kind == HF_EVENT_PANIC)
		t->kind = HF_TRIG_PANIC;
	else if (ev->kind == HF_EVENT_EMERGENCY_CALL)
		t->kind = HF_TRIG_EMERGENCY_CALL;
	else if (ev->has_status && ev->status == HF_STATUS_EMERGENCY)
		t->kind = HF_TRIG_EMERGENCY_STATUS;
	else if (ev->has_status)
		t->kind = HF_TRIG_STATUS;
	else
		t->kind = HF_TRIG_EMERGENCY_LIP;
	hf_strlcpy(t->meaning, meaning, sizeof t->meaning);
	t->has_status = ev->has_status;
	t->status = ev->status;
	t->has_reason = ev->has_reason;
	t->reason = ev->reason;
	hf_strlcpy(t->source, ev->source, sizeof t->source);
}

/* Marks an incident closed and keeps the per-unit counts right. */
static void close_incident(struct hf_engine *e, struct hf_incident *inc,
			   enum hf_incident_state st, const char *by, const char *outcome)
{
	if (!hf_incident_is_open(inc))
		return;
	inc->state = st;
	inc->esc_gen++;
	inc->det_gen++;
	inc->next_mono_ns = inc->next_unix_ms = 0;
	if (inc->detention == HF_DET_RUNNING || inc->detention == HF_DET_WARNED)
		inc->detention = HF_DET_ENDED;
	hf_strlcpy(inc->closed_by, by, sizeof inc->closed_by);
	hf_strlcpy(inc->outcome, outcome, sizeof inc->outcome);
	e->ur[inc->subject].open_subject--;
	if (e->ur[inc->subject].open_rule[inc->rule_kind] == inc->number)
		e->ur[inc->subject].open_rule[inc->rule_kind] = 0;
	if (inc->assigned != HF_UNIT_NONE)
		e->ur[inc->assigned].open_assigned--;
}

/* Assigns constable u (or another unit) to inc, keeping counts right. */
static void set_assigned(struct hf_engine *e, struct hf_incident *inc, const struct hf_unit *u)
{
	if (inc->assigned == u->index)
		return;
	if (inc->assigned != HF_UNIT_NONE)
		e->ur[inc->assigned].open_assigned--;
	inc->assigned = u->index;
	e->ur[u->index].open_assigned++;
}

/* ---------------------------------------------------------------- the rules */

/* The emergency rule: raise, or join the open emergency of this unit. */
static int rule_emergency(struct hf_engine *e, struct hf_unit *u,
			  const struct hf_radio_event *ev, const struct hf_now *now)
{
	struct hf_incident *inc = open_of(e, u, HF_RULE_EMERGENCY);
	struct hf_trigger trig;

	e->stats.emergencies++;
	if (inc) {
		bool same_press = ev->kind == HF_EVENT_LOCATION && !ev->has_status &&
				  now->mono_ns - inc->last_trigger_mono_ns <
					  HF_EMERGENCY_SAME_PRESS_S * HF_NS_PER_S;

		if (!same_press)
			inc->trigger_count++;
		inc->last_trigger_mono_ns = now->mono_ns;
		take_position(inc, u);
		if (inc->n_asked == 0)
			ask_constables(e, inc, e->cfg->rules.emergency.constables,
				       e->cfg->rules.emergency.radius_m, now);
		change(inc, same_press ? "position of the emergency" : "emergency repeated (x%u)",
		       (unsigned)inc->trigger_count);
		hf_notice("%s: emergency %s by %s (x%u)", inc->id,
			  same_press ? "position" : "repeated", u->callsign,
			  (unsigned)inc->trigger_count);
		emit_incident(e, inc, now);
		return 0;
	}
	describe_trigger(&trig, ev, "emergency");
	inc = raise_incident(e, u, HF_RULE_EMERGENCY, "emergency", HF_SEV_CRITICAL, &trig, now);
	if (!inc)
		return -ENOMEM;
	hf_notice("%s: EMERGENCY from %s (ISSI %u) in %s, %zu constable(s) asked", inc->id,
		  u->callsign, (unsigned)u->issi, inc->area, inc->n_asked);
	emit_incident(e, inc, now);
	mute_welfare(e, u, inc->id, now);
	return 0;
}

/* True if meaning hands the situation to a constable; *critical if it starts
 * critical (terrorism). */
static bool is_handoff(const struct hf_engine *e, const char *meaning, bool *critical)
{
	*critical = false;
	if (strncmp(meaning, POWER_PREFIX, strlen(POWER_PREFIX)) == 0) {
		const char *power = meaning + strlen(POWER_PREFIX);

		*critical = hf_power_is_terrorism(power);
		return !hf_config_power_designated(e->cfg, power);
	}
	for (size_t i = 0; i < HF_ARRAY_SIZE(handoff_meanings); i++) {
		if (strcmp(meaning, handoff_meanings[i]) == 0) {
			*critical = strcmp(meaning, "terrorism_suspected") == 0;
			return true;
		}
	}
	return false;
}

/* A status that needs a constable (hand-off) or starts a detention: raise, or
 * join the subject's open incident of that rule (severity only ever rises). */
static int rule_constable(struct hf_engine *e, struct hf_unit *u, enum hf_rule_kind rule,
			  const char *meaning, int severity, const struct hf_radio_event *ev,
			  const struct hf_now *now)
{
	struct hf_incident *inc = open_of(e, u, rule);
	struct hf_trigger trig;

	if (inc) {
		inc->trigger_count++;
		inc->last_trigger_mono_ns = now->mono_ns;
		if (severity > (int)inc->severity)
			inc->severity = severity;
		change(inc, "%s repeated (x%u)", meaning, (unsigned)inc->trigger_count);
		emit_incident(e, inc, now);
		return 0;
	}
	describe_trigger(&trig, ev, meaning);
	inc = raise_incident(e, u, rule, rule == HF_RULE_DETENTION ? "detention" : "handoff",
			     severity, &trig, now);
	if (!inc)
		return -ENOMEM;
	inc->constable_required = true;
	if (rule == HF_RULE_DETENTION) {
		uint32_t warn_ms = e->cfg->rules.detention.warn_ms;
		uint32_t limit_ms = e->cfg->rules.detention.limit_ms;

		inc->detention = HF_DET_RUNNING;
		inc->detention_start_mono_ns = now->mono_ns;
		inc->detention_start_unix_ms = now->unix_ms;
		schedule(e, now->mono_ns + MS_NS(warn_ms), T_DET_WARN, inc->number, inc->det_gen);
		schedule(e, now->mono_ns + MS_NS(limit_ms), T_DET_LIMIT, inc->number, inc->det_gen);
	}
	hf_notice("%s: %s from %s in %s, %zu constable(s) asked", inc->id, meaning,
		  u->callsign, inc->area, inc->n_asked);
	emit_incident(e, inc, now);
	return 0;
}

/* The detention clock stops (detention_ended, or a constable on scene). */
static void stop_detention(struct hf_engine *e, struct hf_incident *inc, const char *why,
			   const struct hf_now *now)
{
	if (inc->detention != HF_DET_RUNNING && inc->detention != HF_DET_WARNED &&
	    inc->detention != HF_DET_LIMIT)
		return;
	inc->detention = HF_DET_ENDED;
	inc->det_gen++;
	change(inc, "detention ended after %lld min: %s",
	       (long long)((now->mono_ns - inc->detention_start_mono_ns) / (60 * HF_NS_PER_S)),
	       why);
}

/* (Re)starts u's welfare clock: amber after amber_ms of silence. */
static void welfare_arm(struct hf_engine *e, struct hf_unit *u, const struct hf_now *now)
{
	struct hf_unit_rules *ur = &e->ur[u->index];

	ur->welfare_gen++;
	if (!ur->welfare_on || !e->cfg->rules.welfare.amber_ms)
		return;
	schedule(e, now->mono_ns + MS_NS(e->cfg->rules.welfare.amber_ms), T_WELFARE, u->index,
		 ur->welfare_gen);
}

/* A check-in or status report from u: resolves its welfare alert, restarts
 * the clock. */
static void welfare_check_in(struct hf_engine *e, struct hf_unit *u, const char *how,
			     const struct hf_now *now)
{
	struct hf_incident *inc = open_of(e, u, HF_RULE_WELFARE);

	if (inc) {
		char outcome[HF_NOTE_MAX];

		snprintf(outcome, sizeof outcome, "%s checked in (%s)", u->callsign, how);
		close_incident(e, inc, HF_INC_RESOLVED, "gateway", outcome);
		change(inc, "%s", outcome);
		hf_notice("%s: %s", inc->id, outcome);
		emit_incident(e, inc, now);
	}
	welfare_arm(e, u, now);
}

/* An emergency mutes the unit's welfare alert: an open one is closed as
 * superseded (the emergency carries the unit now). */
static void mute_welfare(struct hf_engine *e, struct hf_unit *u, const char *by,
			 const struct hf_now *now)
{
	struct hf_incident *inc = open_of(e, u, HF_RULE_WELFARE);
	char outcome[HF_NOTE_MAX];

	if (!inc)
		return;
	snprintf(outcome, sizeof outcome, "muted: emergency %s open", by);
	close_incident(e, inc, HF_INC_CANCELLED, "gateway", outcome);
	change(inc, "%s", outcome);
	emit_incident(e, inc, now);
}

/* Welfare deadline for unit ui: amber, then red. */
static void welfare_due(struct hf_engine *e, uint32_t ui, const struct hf_now *now)
{
	struct hf_unit *u = hf_registry_at(&e->reg, ui);
	struct hf_unit_rules *ur = &e->ur[ui];
	struct hf_incident *inc;
	struct hf_trigger trig = { .kind = HF_TRIG_WELFARE };

	if (!ur->welfare_on)
		return;
	if (open_of(e, u, HF_RULE_EMERGENCY)) {
		welfare_arm(e, u, now); /* muted while an emergency is open */
		return;
	}
	inc = open_of(e, u, HF_RULE_WELFARE);
	if (!inc) {
		hf_strlcpy(trig.meaning, "welfare_check_missed", sizeof trig.meaning);
		inc = raise_incident(e, u, HF_RULE_WELFARE, "welfare", HF_SEV_WARNING, &trig, now);
		if (!inc) {
			hf_err("out of memory raising a welfare alert for %s", u->callsign);
			return;
		}
		inc->welfare_stage = 1;
		change(inc, "AMBER: no check-in from %s for %u min", u->callsign,
		       (unsigned)(e->cfg->rules.welfare.amber_ms / 60000));
		hf_warn("%s: welfare %s", inc->id, inc->last_change);
		ur->welfare_gen++;
		schedule(e, now->mono_ns + MS_NS(e->cfg->rules.welfare.red_ms), T_WELFARE, ui,
			 ur->welfare_gen);
		emit_incident(e, inc, now);
		return;
	}
	if (inc->welfare_stage >= 2)
		return;
	const struct hf_escalation_config *esc = &e->cfg->rules.welfare.esc;

	inc->welfare_stage = 2;
	if (inc->severity < HF_SEV_HIGH)
		inc->severity = HF_SEV_HIGH;
	apply_tier(e, inc, esc->constables, esc->radius_m, esc->supervisor, now);
	change(inc, "RED: no check-in from %s for %u min; %zu constable(s) asked", u->callsign,
	       (unsigned)((e->cfg->rules.welfare.amber_ms + e->cfg->rules.welfare.red_ms) / 60000),
	       inc->n_asked);
	hf_warn("%s: welfare %s", inc->id, inc->last_change);
	if (inc->state == HF_INC_RAISED)
		arm_escalation(e, inc, now);
	emit_incident(e, inc, now);
}

/* LIP radio-health reasons from the subject of open incidents. */
static void radio_health(struct hf_engine *e, struct hf_unit *u, uint8_t reason,
			 const struct hf_now *now)
{
	uint32_t bit;
	const char *what;

	switch (reason) {
	case HF_LIP_REASON_SERVICE_LOSS:
		bit = HF_HEALTH_SERVICE_LOSS, what = "radio service lost";
		break;
	case HF_LIP_REASON_LOW_BATTERY:
		bit = HF_HEALTH_LOW_BATTERY, what = "radio battery low";
		break;
	case HF_LIP_REASON_LOST_LOCATION:
		bit = HF_HEALTH_LOST_LOCATION, what = "radio cannot determine its location";
		break;
	default:
		return;
	}
	for (enum hf_rule_kind rule = HF_RULE_EMERGENCY; rule <= HF_RULE_WELFARE; rule++) {
		struct hf_incident *inc = open_of(e, u, rule);

		if (!inc || (inc->radio_health & bit))
			continue;
		inc->radio_health |= bit;
		if (inc->severity < HF_SEV_CRITICAL)
			inc->severity++;
		change(inc, "%s: severity raised to %s", what, hf_severity_name(inc->severity));
		hf_warn("%s: %s (%s)", inc->id, inc->last_change, u->callsign);
		emit_incident(e, inc, now);
	}
}

/* Marks inc on scene by unit u (how: "position, 23 m", "status", ...). */
static void on_scene(struct hf_engine *e, struct hf_incident *inc, const struct hf_unit *u,
		     const char *how, const struct hf_now *now)
{
	set_assigned(e, inc, u);
	inc->state = HF_INC_ON_SCENE;
	inc->esc_gen++;
	inc->next_mono_ns = inc->next_unix_ms = 0;
	change(inc, "%s on scene (%s)", u->callsign, how);
	if (inc->rule_kind == HF_RULE_DETENTION)
		stop_detention(e, inc, "constable on scene", now);
	hf_notice("%s: %s", inc->id, inc->last_change);
}

/* A new position or status of an assigned constable: on scene? */
static void follow_assigned(struct hf_engine *e, struct hf_unit *u, bool at_scene_status,
			    const struct hf_now *now)
{
	for (size_t i = e->incidents.n; i-- > 0 && e->ur[u->index].open_assigned;) {
		struct hf_incident *inc = e->incidents.items[i];
		char how[48];

		if (inc->assigned != u->index || !hf_incident_is_open(inc) ||
		    inc->state == HF_INC_ON_SCENE)
			continue;
		if (at_scene_status) {
			on_scene(e, inc, u, "at_scene status", now);
		} else {
			double d;

			if (!inc->has_position || !u->has_fix)
				continue;
			d = hf_geo_distance_m(inc->position.lat, inc->position.lon, u->fix.lat,
					      u->fix.lon);
			if (d > e->cfg->rules.on_scene_radius_m)
				continue;
			snprintf(how, sizeof how, "position, %.0f m away", d);
			on_scene(e, inc, u, how, now);
		}
		emit_incident(e, inc, now);
	}
}

/* A new position of the subject of open incidents updates them. */
static void follow_subject(struct hf_engine *e, const struct hf_unit *u,
			   const struct hf_now *now)
{
	for (enum hf_rule_kind rule = HF_RULE_EMERGENCY; rule <= HF_RULE_WELFARE; rule++) {
		struct hf_incident *inc = open_of(e, u, rule);
		bool first_fix, asked;

		if (!inc)
			continue;
		first_fix = !inc->has_position;
		take_position(inc, u);
		asked = false;
		if (inc->n_asked == 0 && inc->state == HF_INC_RAISED &&
		    inc->rule_kind != HF_RULE_WELFARE) {
			const struct hf_escalation_config *esc = esc_of(e, inc);
			const struct hf_tier_config *t = inc->escalation_level
				? &esc->tiers[inc->escalation_level - 1] : NULL;

			asked = ask_constables(e, inc, t ? t->constables : esc->constables,
					       t ? t->radius_m : esc->radius_m, now);
		}
		/* The unit topic carries every move; the alert only what matters. */
		if (first_fix || asked) {
			change(inc, first_fix ? "first position of %s" : "constables asked near %s",
			       u->callsign);
			emit_incident(e, inc, now);
		}
	}
}

/* A PCSO's new fix: entering a flagged place is a notice to the desk. */
static void watch_places(struct hf_engine *e, struct hf_unit *u, const struct hf_now *now)
{
	struct hf_unit_rules *ur = &e->ur[u->index];
	const struct hf_place *pl = flagged_at(e, u->fix.lat, u->fix.lon);
	const struct hf_area_config *area;
	char text[HF_NAME_MAX * 2 + HF_ID_MAX + 160];

	if (pl == ur->place)
		return;
	ur->place = pl;
	if (!pl || !e->out.notice)
		return;
	area = area_at(e, u, true, u->fix.lat, u->fix.lon);
	snprintf(text, sizeof text, "%s entered flagged place %s%s%s", u->callsign, pl->name,
		 pl->note[0] ? ": " : "", pl->note);
	hf_notice("%s", text);
	e->out.notice(e->out.ctx, e, &(struct hf_notice){ .kind = "place_entered",
		      .severity = pl->severity, .unit = u->index,
		      .area = area ? area->id : u->area, .place = pl->id, .text = text }, now);
}

/* What a status meaning does beyond being recorded. */
static int on_status(struct hf_engine *e, struct hf_unit *u, const struct hf_radio_event *ev,
		     const struct hf_now *now)
{
	const char *meaning = hf_config_status_meaning(e->cfg, ev->status);
	bool critical;

	if (!meaning)
		return 0;
	if (strcmp(meaning, "detention_started") == 0)
		return rule_constable(e, u, HF_RULE_DETENTION, meaning,
				      e->cfg->rules.detention.esc.severity, ev, now);
	if (strcmp(meaning, "detention_ended") == 0) {
		struct hf_incident *inc = open_of(e, u, HF_RULE_DETENTION);

		if (inc && inc->detention != HF_DET_ENDED) {
			stop_detention(e, inc, "detention_ended status", now);
			emit_incident(e, inc, now);
		}
		return 0;
	}
	if (strcmp(meaning, "at_scene") == 0 && e->ur[u->index].open_assigned)
		follow_assigned(e, u, true, now);
	if (is_handoff(e, meaning, &critical))
		return rule_constable(e, u, HF_RULE_HANDOFF, meaning,
				      critical ? HF_SEV_CRITICAL : e->cfg->rules.handoff.severity,
				      ev, now);
	if (strncmp(meaning, POWER_PREFIX, strlen(POWER_PREFIX)) == 0)
		hf_info("%s: %s is designated to PCSOs: no hand-off", u->callsign, meaning);
	return 0;
}

/* ---------------------------------------------------------------- events */

/* Updates the welfare clock for what u just sent. */
static void welfare_on_event(struct hf_engine *e, struct hf_unit *u,
			     const struct hf_radio_event *ev, const struct hf_now *now)
{
	struct hf_unit_rules *ur = &e->ur[u->index];
	const char *meaning = ev->has_status ? hf_config_status_meaning(e->cfg, ev->status) : NULL;
	bool report = ev->kind == HF_EVENT_CHECK_IN || ev->kind == HF_EVENT_TEXT ||
		      (ev->has_status && ev->kind == HF_EVENT_STATUS);

	if (!ur->lone || u->role != HF_ROLE_PCSO)
		return;
	if (meaning && strcmp(meaning, "off_duty") == 0) {
		ur->welfare_on = false;
		ur->welfare_gen++;
		return;
	}
	if (!ur->welfare_on) {
		ur->welfare_on = true; /* heard on duty: the clock starts */
		welfare_arm(e, u, now);
		return;
	}
	if (report && !hf_radio_event_is_emergency(ev))
		welfare_check_in(e, u, ev->kind == HF_EVENT_CHECK_IN ? "check-in"
				 : meaning ? meaning : "status report", now);
}

int hf_engine_on_event(struct hf_engine *e, const struct hf_radio_event *ev,
		       const struct hf_now *now)
{
	struct hf_unit *u = hf_registry_resolve(&e->reg, ev, e->cfg->default_area);
	const char *meaning;
	bool emergency = hf_radio_event_is_emergency(ev);
	bool changed;
	int rc = 0;

	e->stats.events++;
	if (!u || !urules(e, u->index)) {
		hf_err("out of memory tracking ISSI %u%s", (unsigned)ev->issi,
		       emergency ? ": EMERGENCY NOT RAISED" : "");
		return -ENOMEM;
	}
	meaning = ev->has_status ? hf_config_status_meaning(e->cfg, ev->status) : NULL;
	if (meaning && strcmp(meaning, "emergency") == 0)
		emergency = true;
	e->cur_source = ev->source[0] ? ev->source : "radio";
	e->cur_actor = u->callsign;
	changed = hf_registry_apply_event(u, ev, now);
	if (emergency)
		return rule_emergency(e, u, ev, now);
	welfare_on_event(e, u, ev, now);
	if (ev->has_reason)
		radio_health(e, u, ev->reason, now);
	if (ev->has_status && ev->kind == HF_EVENT_STATUS)
		rc = on_status(e, u, ev, now);
	if (changed && ev->has_fix) {
		if (e->cfg->places && u->role == HF_ROLE_PCSO)
			watch_places(e, u, now);
		if (e->ur[u->index].open_subject)
			follow_subject(e, u, now);
		if (e->ur[u->index].open_assigned)
			follow_assigned(e, u, false, now);
	}
	if (changed && e->out.unit)
		e->out.unit(e->out.ctx, e, u, now);
	return rc;
}

/* ---------------------------------------------------------------- deadlines */

int64_t hf_engine_next_deadline(const struct hf_engine *e)
{
	const struct hf_deadline *d = hf_timers_peek(&e->timers);

	return d ? d->due : INT64_MAX;
}

/* The detention clock of inc reached its warning or its limit. */
static void detention_due(struct hf_engine *e, struct hf_incident *inc, bool limit,
			  const struct hf_now *now)
{
	uint32_t warn_min = e->cfg->rules.detention.warn_ms / 60000;
	uint32_t limit_min = e->cfg->rules.detention.limit_ms / 60000;
	const struct hf_unit *u = hf_registry_at(&e->reg, inc->subject);

	if (inc->detention != HF_DET_RUNNING && inc->detention != HF_DET_WARNED)
		return;
	if (inc->supervisor == HF_UNIT_NONE)
		inc->supervisor = pick_supervisor(e, inc);
	if (limit) {
		inc->detention = HF_DET_LIMIT;
		inc->severity = HF_SEV_CRITICAL;
		change(inc, "DETENTION LIMIT: %s has held a person %u min with no constable on "
		       "scene", u->callsign, (unsigned)limit_min);
	} else {
		inc->detention = HF_DET_WARNED;
		change(inc, "detention warning: %u min of %u used; supervisor told",
		       (unsigned)warn_min, (unsigned)limit_min);
	}
	hf_warn("%s: %s", inc->id, inc->last_change);
	emit_incident(e, inc, now);
}

/*
 * One due deadline, if it is still current. What it changes is stamped with
 * the time it was due, and the next deadline is counted from then, so a late
 * tick (a busy loop, a restart) neither shifts the ladder nor skips a tier:
 * the deadlines that fell due meanwhile fire in order within the same tick.
 */
static void fire(struct hf_engine *e, const struct hf_deadline *d, const struct hf_now *late)
{
	struct hf_now due = {
		.mono_ns = d->due,
		.unix_ms = late->unix_ms - (late->mono_ns - d->due) / HF_NS_PER_MS,
	};
	const struct hf_now *now = &due;
	struct hf_incident *inc;

	if (d->kind == T_WELFARE) {
		if (d->ref < e->reg.n && e->ur[d->ref].welfare_gen == d->gen)
			welfare_due(e, d->ref, now);
		return;
	}
	inc = hf_incidents_number(&e->incidents, d->ref);
	if (!inc || !hf_incident_is_open(inc))
		return;
	if (d->kind == T_ESCALATE && inc->esc_gen == d->gen) {
		if (inc->state == HF_INC_RAISED) {
			escalate(e, inc, "not acknowledged", now);
		} else if (inc->state == HF_INC_ACKNOWLEDGED) {
			const struct hf_escalation_config *esc = esc_of(e, inc);

			if (inc->repeats >= esc->max_repeats)
				return;
			inc->state = HF_INC_RAISED;
			escalate(e, inc, "acknowledged but nobody assigned", now);
		} else {
			return;
		}
		emit_incident(e, inc, now);
	} else if ((d->kind == T_DET_WARN || d->kind == T_DET_LIMIT) && inc->det_gen == d->gen) {
		detention_due(e, inc, d->kind == T_DET_LIMIT, now);
	}
}

void hf_engine_tick(struct hf_engine *e, const struct hf_now *now)
{
	const struct hf_deadline *top;

	e->cur_source = "timer";
	e->cur_actor = "gateway";
	while ((top = hf_timers_peek(&e->timers)) && top->due <= now->mono_ns) {
		struct hf_deadline d = *top;

		hf_timers_pop(&e->timers);
		fire(e, &d, now);
	}
}

/* ---------------------------------------------------------------- output */

static void emit_incident(struct hf_engine *e, struct hf_incident *inc,
			  const struct hf_now *now)
{
	inc->updated_unix_ms = now->unix_ms;
	hf_strlcpy(inc->change_source, e->cur_source ? e->cur_source : "gateway",
		   sizeof inc->change_source);
	hf_strlcpy(inc->change_actor, e->cur_actor ? e->cur_actor : "gateway",
		   sizeof inc->change_actor);
	if (e->out.incident)
		e->out.incident(e->out.ctx, e, inc, now);
}

/* Tells the subject's radio, through the adapter that heard the trigger. */
static void tell_radio(struct hf_engine *e, const struct hf_incident *inc, const char *text,
		       const struct hf_now *now)
{
	const struct hf_unit *u = hf_registry_at(&e->reg, inc->subject);

	if (!e->cfg->rules.confirm_sds || !e->out.sds || !u->issi || !inc->trigger.source[0])
		return;
	e->out.sds(e->out.ctx, e, u, inc->trigger.source, text, now);
}

/* ---------------------------------------------------------------- commands */

static void refuse(struct hf_command_result *res, enum hf_reply_code code, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

/* Fills res with a refusal and its message. */
static void refuse(struct hf_command_result *res, enum hf_reply_code code, const char *fmt,
		   ...)
{
	va_list ap;

	res->code = code;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof res->message, fmt, ap);
	va_end(ap);
}

static const char *actor_of(const struct hf_command *cmd)
{
	return cmd->actor && cmd->actor[0] ? cmd->actor : "unknown";
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* check-in: a lone worker (by callsign) is safe. */
static void command_check_in(struct hf_engine *e, const struct hf_command *cmd,
			     const struct hf_now *now, struct hf_command_result *res)
{
	struct hf_unit *u;

	if (!cmd->callsign || !cmd->callsign[0]) {
		refuse(res, HF_REPLY_BAD_REQUEST, "check-in needs the callsign of who checks in");
		return;
	}
	u = hf_registry_find_callsign(&e->reg, cmd->callsign);
	if (!u) {
		refuse(res, HF_REPLY_NOT_FOUND, "no unit with callsign %s", cmd->callsign);
		return;
	}
	if (e->ur[u->index].lone && !e->ur[u->index].welfare_on)
		e->ur[u->index].welfare_on = true;
	welfare_check_in(e, u, "check-in by command", now);
	res->code = HF_REPLY_OK;
	snprintf(res->message, sizeof res->message, "%s checked in (recorded by %s)", u->callsign,
		 actor_of(cmd));
}

/* Applies cmd to inc (open, found); fills res. */
static void command_incident(struct hf_engine *e, struct hf_incident *inc,
			     const struct hf_command *cmd, const struct hf_now *now,
			     struct hf_command_result *res)
{
	const char *state = hf_incident_state_name(inc->state);
	const char *who = str_or_empty(cmd->callsign), *note = str_or_empty(cmd->note);
	struct hf_unit *u = NULL;
	char text[160];

	if (cmd->kind == HF_CMD_ASSIGN || cmd->kind == HF_CMD_ACCEPT ||
	    cmd->kind == HF_CMD_ARRIVE) {
		if (!who[0] && cmd->kind == HF_CMD_ASSIGN) {
			refuse(res, HF_REPLY_BAD_REQUEST, "assign needs a callsign");
			return;
		}
		if (who[0] && !(u = hf_registry_find_callsign(&e->reg, who))) {
			refuse(res, HF_REPLY_NOT_FOUND, "no unit with callsign %s", who);
			return;
		}
	}
	if (cmd->own_unit && cmd->own_unit[0] &&
	    (cmd->kind == HF_CMD_ACCEPT || cmd->kind == HF_CMD_ARRIVE)) {
		struct hf_unit *own = hf_registry_find_id(&e->reg, cmd->own_unit);
		const struct hf_unit *assigned = inc->assigned == HF_UNIT_NONE ? NULL :
						 hf_registry_at(&e->reg, inc->assigned);

		if (!own || (u && u != own)) {
			refuse(res, HF_REPLY_FORBIDDEN, "a constable's key acts only for its own "
			       "unit (%s), not %s", own ? own->callsign : cmd->own_unit,
			       u ? u->callsign : "others");
			return;
		}
		if (assigned != own) {
			refuse(res, HF_REPLY_FORBIDDEN, "%s is assigned to %s, not to you (%s)",
			       inc->id, assigned ? assigned->callsign : "nobody", own->callsign);
			return;
		}
		u = own;
	}
	switch (cmd->kind) {
	case HF_CMD_ACK:
		if (inc->state != HF_INC_RAISED) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s is %s: only a raised incident can be acknowledged", inc->id,
			       state);
			return;
		}
		inc->state = HF_INC_ACKNOWLEDGED;
		hf_strlcpy(inc->acknowledged_by, actor_of(cmd), sizeof inc->acknowledged_by);
		inc->esc_gen++;
		inc->next_mono_ns = inc->next_unix_ms = 0;
		if (esc_of(e, inc)->ack_timeout_ms) {
			uint32_t ms = esc_of(e, inc)->ack_timeout_ms;

			inc->next_mono_ns = now->mono_ns + MS_NS(ms);
			inc->next_unix_ms = now->unix_ms + ms;
			schedule(e, inc->next_mono_ns, T_ESCALATE, inc->number, inc->esc_gen);
		}
		change(inc, "acknowledged by %s", actor_of(cmd));
		snprintf(text, sizeof text, "%s: alert received by control (%s)", inc->id,
			 inc->desk[0] ? inc->desk : actor_of(cmd));
		tell_radio(e, inc, text, now);
		break;
	case HF_CMD_ASSIGN:
		if (u->role != HF_ROLE_CONSTABLE && u->role != HF_ROLE_SUPERVISOR) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s is not a constable or supervisor%s", u->callsign,
			       inc->constable_required ? ": this incident needs a constable" : "");
			return;
		}
		if (inc->state == HF_INC_ON_SCENE) {
			refuse(res, HF_REPLY_INVALID_TRANSITION, "%s is %s: already on scene",
			       inc->id, state);
			return;
		}
		if (inc->state == HF_INC_RAISED)
			hf_strlcpy(inc->acknowledged_by, actor_of(cmd),
				   sizeof inc->acknowledged_by);
		inc->state = HF_INC_ASSIGNED;
		set_assigned(e, inc, u);
		inc->esc_gen++;
		inc->next_mono_ns = inc->next_unix_ms = 0;
		if (u->has_fix && inc->has_position)
			snprintf(text, sizeof text, "%s: %s en route, %.0f m away", inc->id,
				 u->callsign, hf_geo_distance_m(inc->position.lat,
								inc->position.lon, u->fix.lat,
								u->fix.lon));
		else
			snprintf(text, sizeof text, "%s: %s en route", inc->id, u->callsign);
		change(inc, "%s assigned by %s", u->callsign, actor_of(cmd));
		tell_radio(e, inc, text, now);
		break;
	case HF_CMD_ACCEPT:
		if (inc->state != HF_INC_ASSIGNED) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s is %s: only an assigned incident can be accepted", inc->id,
			       state);
			return;
		}
		if (u && u->index != inc->assigned) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s is not the constable assigned to %s", u->callsign, inc->id);
			return;
		}
		inc->state = HF_INC_ACCEPTED;
		change(inc, "accepted by %s", hf_registry_at(&e->reg, inc->assigned)->callsign);
		break;
	case HF_CMD_ARRIVE:
		if (inc->state == HF_INC_RAISED || (inc->state == HF_INC_ACKNOWLEDGED && !u)) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s is %s: assign a constable first (or name who arrived)", inc->id,
			       state);
			return;
		}
		if (inc->state == HF_INC_ON_SCENE) {
			refuse(res, HF_REPLY_INVALID_TRANSITION, "%s is already on scene", inc->id);
			return;
		}
		on_scene(e, inc, u ? u : hf_registry_at(&e->reg, inc->assigned), "reported", now);
		break;
	case HF_CMD_RESOLVE:
		if (inc->constable_required && inc->assigned == HF_UNIT_NONE) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s needs a constable: assign one before resolving (or cancel "
			       "with a reason)", inc->id);
			return;
		}
		close_incident(e, inc, HF_INC_RESOLVED, actor_of(cmd), note[0] ? note : "resolved");
		change(inc, "resolved by %s: %s", actor_of(cmd), inc->outcome);
		break;
	case HF_CMD_CANCEL:
		if (!note[0]) {
			refuse(res, HF_REPLY_BAD_REQUEST, "cancel needs a reason");
			return;
		}
		close_incident(e, inc, HF_INC_CANCELLED, actor_of(cmd), note);
		change(inc, "cancelled by %s: %s", actor_of(cmd), note);
		break;
	default:
		refuse(res, HF_REPLY_BAD_REQUEST, "unknown command %d", (int)cmd->kind);
		return;
	}
	res->code = HF_REPLY_OK;
	snprintf(res->message, sizeof res->message, "%s %s by %s", inc->id,
		 hf_incident_state_name(inc->state), actor_of(cmd));
	hf_notice("%s", res->message);
	emit_incident(e, inc, now);
}

/* Remembers the reply to an idempotency key (the oldest key is forgotten). */
static void remember(struct hf_engine *e, const char *key, const struct hf_command_result *res);

void hf_engine_remember(struct hf_engine *e, const char *key, int code, const char *message,
			uint32_t incident)
{
	struct hf_command_result res = { .code = (enum hf_reply_code)code,
					 .incident = hf_incidents_number(&e->incidents, incident) };

	if (!key || !key[0] || strlen(key) >= HF_IDEM_KEY_MAX)
		return;
	hf_strlcpy(res.message, message ? message : "", sizeof res.message);
	remember(e, key, &res);
}

/* The monotonic time of a UTC time, as seen from now. */
static int64_t mono_of(const struct hf_now *now, int64_t unix_ms)
{
	return now->mono_ns + (unix_ms - now->unix_ms) * HF_NS_PER_MS;
}

int hf_engine_adopt(struct hf_engine *e, const struct hf_incident *tmpl, const struct hf_now *now)
{
	struct hf_incident *inc = hf_incidents_adopt(&e->incidents, tmpl->number, now);
	char id[HF_INCIDENT_ID_MAX];

	if (!inc)
		return hf_incidents_number(&e->incidents, tmpl->number) ? -EEXIST : -ENOMEM;
	memcpy(id, inc->id, sizeof id);
	*inc = *tmpl;
	memcpy(inc->id, id, sizeof id);
	inc->esc_gen = inc->det_gen = 0;
	inc->raised_mono_ns = mono_of(now, inc->raised_unix_ms);
	inc->last_trigger_mono_ns = mono_of(now, inc->updated_unix_ms);
	inc->next_mono_ns = inc->next_unix_ms ? mono_of(now, inc->next_unix_ms) : 0;
	if (inc->detention != HF_DET_NONE)
		inc->detention_start_mono_ns = mono_of(now, inc->detention_start_unix_ms);
	if (!hf_incident_is_open(inc))
		return 0;
	if (!urules(e, inc->subject) ||
	    (inc->assigned != HF_UNIT_NONE && !urules(e, inc->assigned)))
		return -ENOMEM;
	e->ur[inc->subject].open_subject++;
	e->ur[inc->subject].open_rule[inc->rule_kind] = inc->number;
	if (inc->assigned != HF_UNIT_NONE)
		e->ur[inc->assigned].open_assigned++;
	if (inc->next_mono_ns)
		schedule(e, inc->next_mono_ns, T_ESCALATE, inc->number, inc->esc_gen);
	if (inc->detention == HF_DET_RUNNING)
		schedule(e, inc->detention_start_mono_ns + MS_NS(e->cfg->rules.detention.warn_ms),
			 T_DET_WARN, inc->number, inc->det_gen);
	if (inc->detention == HF_DET_RUNNING || inc->detention == HF_DET_WARNED)
		schedule(e, inc->detention_start_mono_ns + MS_NS(e->cfg->rules.detention.limit_ms),
			 T_DET_LIMIT, inc->number, inc->det_gen);
	if (inc->rule_kind == HF_RULE_WELFARE && inc->welfare_stage == 1) {
		struct hf_unit_rules *ur = &e->ur[inc->subject];

		ur->welfare_on = true;
		ur->welfare_gen++;
		schedule(e, mono_of(now, inc->raised_unix_ms) + MS_NS(e->cfg->rules.welfare.red_ms),
			 T_WELFARE, inc->subject, ur->welfare_gen);
	}
	return 0;
}

static void remember(struct hf_engine *e, const char *key, const struct hf_command_result *res)
{
	struct hf_idem_entry *slot = &e->idem[e->idem_next];

	if (slot->key[0])
		hf_strmap_del(&e->idem_keys, slot->key);
	hf_strlcpy(slot->key, key, sizeof slot->key);
	slot->code = res->code;
	hf_strlcpy(slot->message, res->message, sizeof slot->message);
	slot->incident = res->incident ? res->incident->number : 0;
	if (hf_strmap_put(&e->idem_keys, slot->key, (uint32_t)e->idem_next)) {
		slot->key[0] = '\0';
		return;
	}
	e->idem_next = (e->idem_next + 1) % HF_IDEM_MAX;
}

void hf_engine_command(struct hf_engine *e, const struct hf_command *cmd,
		       const struct hf_now *now, struct hf_command_result *res)
{
	const char *key = str_or_empty(cmd->idempotency_key);
	struct hf_incident *inc;
	uint32_t slot;

	memset(res, 0, sizeof *res);
	e->cur_source = "command";
	e->cur_actor = actor_of(cmd);
	if (strlen(key) >= HF_IDEM_KEY_MAX) {
		refuse(res, HF_REPLY_BAD_REQUEST, "idempotency key longer than %d bytes",
		       HF_IDEM_KEY_MAX - 1);
		e->stats.commands_failed++;
		return;
	}
	if (key[0] && hf_strmap_get(&e->idem_keys, key, &slot)) {
		const struct hf_idem_entry *m = &e->idem[slot];

		res->code = m->code;
		hf_strlcpy(res->message, m->message, sizeof res->message);
		res->incident = hf_incidents_number(&e->incidents, m->incident);
		res->replayed = true;
		e->stats.commands_replayed++;
		return;
	}
	if (cmd->kind == HF_CMD_CHECK_IN) {
		command_check_in(e, cmd, now, res);
	} else if (!cmd->incident_id || !cmd->incident_id[0]) {
		refuse(res, HF_REPLY_BAD_REQUEST, "an incident id is required");
	} else if (!(inc = hf_incidents_find(&e->incidents, cmd->incident_id))) {
		refuse(res, HF_REPLY_NOT_FOUND, "no incident %s", cmd->incident_id);
	} else {
		res->incident = inc;
		if (!hf_incident_is_open(inc))
			refuse(res, HF_REPLY_INVALID_TRANSITION, "%s is already %s", inc->id,
			       hf_incident_state_name(inc->state));
		else
			command_incident(e, inc, cmd, now, res);
	}
	if (res->code == HF_REPLY_OK)
		e->stats.commands++;
	else
		e->stats.commands_failed++;
	if (key[0])
		remember(e, key, res);
}
