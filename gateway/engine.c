/*
 * engine.c - see engine.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"

#define RULE_EMERGENCY "emergency"

int hf_engine_init(struct hf_engine *e, const struct hf_config *cfg,
		   const struct hf_engine_output *out)
{
	int rc;

	memset(e, 0, sizeof *e);
	e->cfg = cfg;
	if (out)
		e->out = *out;
	hf_incidents_init(&e->incidents);
	rc = hf_registry_init(&e->reg);
	if (!rc)
		rc = hf_registry_apply_roster(&e->reg, cfg);
	if (rc)
		hf_engine_finish(e);
	return rc;
}

void hf_engine_finish(struct hf_engine *e)
{
	hf_registry_finish(&e->reg);
	hf_incidents_finish(&e->incidents);
}

int hf_engine_reconfigure(struct hf_engine *e, const struct hf_config *cfg)
{
	e->cfg = cfg;
	return hf_registry_apply_roster(&e->reg, cfg);
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

static void emit_incident(struct hf_engine *e, struct hf_incident *inc,
			  const struct hf_now *now)
{
	inc->updated_unix_ms = now->unix_ms;
	if (e->out.incident)
		e->out.incident(e->out.ctx, e, inc, now);
}

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

/* Asks the K nearest available constables around the incident's position. */
static void choose_candidates(struct hf_engine *e, struct hf_incident *inc,
			      const struct hf_now *now)
{
	struct hf_nearest_query q = {
		.lat = inc->position.lat,
		.lon = inc->position.lon,
		.k = e->cfg->rules.emergency.constables,
		.radius_m = e->cfg->rules.emergency.radius_m,
		.stale_after_ns = (int64_t)e->cfg->rules.stale_fix_s * HF_NS_PER_S,
		.exclude = inc->subject,
		.eligible = eligible_constable,
		.ctx = e,
	};

	if (!inc->has_position)
		return;
	inc->n_asked = hf_nearest(&e->reg, &q, now, inc->asked);
}

static void describe_trigger(struct hf_trigger *t, const struct hf_radio_event *ev)
{
	if (ev->kind == HF_EVENT_PANIC)
		t->kind = HF_TRIG_PANIC;
	else if (ev->kind == HF_EVENT_EMERGENCY_CALL)
		t->kind = HF_TRIG_EMERGENCY_CALL;
	else if (ev->has_status && ev->status == HF_STATUS_EMERGENCY)
		t->kind = HF_TRIG_EMERGENCY_STATUS;
	else
		t->kind = HF_TRIG_EMERGENCY_LIP;
	hf_strlcpy(t->meaning, RULE_EMERGENCY, sizeof t->meaning);
	t->has_status = ev->has_status;
	t->status = ev->status;
	t->has_reason = ev->has_reason;
	t->reason = ev->reason;
	hf_strlcpy(t->source, ev->source, sizeof t->source);
}

/* The emergency rule: raise, or join the open emergency of this unit. */
static int rule_emergency(struct hf_engine *e, struct hf_unit *u,
			  const struct hf_radio_event *ev, const struct hf_now *now)
{
	struct hf_incident *inc = hf_incidents_find_open(&e->incidents, u->index, RULE_EMERGENCY);
	const struct hf_area_config *area;

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
			choose_candidates(e, inc, now);
		hf_notice("%s: emergency %s by %s (x%u)", inc->id,
			  same_press ? "position" : "repeated", u->callsign,
			  (unsigned)inc->trigger_count);
		emit_incident(e, inc, now);
		return 0;
	}
	inc = hf_incidents_open(&e->incidents, now);
	if (!inc)
		return -ENOMEM;
	e->stats.incidents++;
	hf_strlcpy(inc->rule, RULE_EMERGENCY, sizeof inc->rule);
	inc->severity = HF_SEV_CRITICAL;
	inc->subject = u->index;
	inc->trigger_count = 1;
	inc->last_trigger_mono_ns = now->mono_ns;
	describe_trigger(&inc->trigger, ev);
	area = hf_config_area(e->cfg, u->area);
	if (!area)
		area = hf_config_area(e->cfg, e->cfg->default_area);
	hf_strlcpy(inc->area, area ? area->id : u->area, sizeof inc->area);
	hf_strlcpy(inc->desk, area ? area->desk : "", sizeof inc->desk);
	take_position(inc, u);
	choose_candidates(e, inc, now);
	hf_notice("%s: EMERGENCY from %s (ISSI %u) in %s, %zu constable(s) asked", inc->id,
		  u->callsign, (unsigned)u->issi, inc->area, inc->n_asked);
	emit_incident(e, inc, now);
	return 0;
}

/* A new position of the subject of open incidents updates them. */
static void follow_subject(struct hf_engine *e, const struct hf_unit *u,
			   const struct hf_now *now)
{
	for (size_t i = e->incidents.n; i-- > 0;) {
		struct hf_incident *inc = e->incidents.items[i];

		bool first_fix;
		size_t asked;

		if (inc->subject != u->index || !hf_incident_is_open(inc))
			continue;
		first_fix = !inc->has_position;
		asked = inc->n_asked;
		take_position(inc, u);
		if (inc->n_asked == 0 && inc->state == HF_INC_RAISED)
			choose_candidates(e, inc, now);
		/* The unit topic carries every move; the alert only what matters. */
		if (first_fix || inc->n_asked != asked)
			emit_incident(e, inc, now);
	}
}

int hf_engine_on_event(struct hf_engine *e, const struct hf_radio_event *ev,
		       const struct hf_now *now)
{
	struct hf_unit *u = hf_registry_resolve(&e->reg, ev, e->cfg->default_area);
	bool emergency = hf_radio_event_is_emergency(ev);
	bool changed;

	e->stats.events++;
	if (!u) {
		hf_err("out of memory tracking ISSI %u%s", (unsigned)ev->issi,
		       emergency ? ": EMERGENCY NOT RAISED" : "");
		return -ENOMEM;
	}
	changed = hf_registry_apply_event(u, ev, now);
	if (emergency)
		return rule_emergency(e, u, ev, now);
	if (changed && ev->has_fix)
		follow_subject(e, u, now);
	if (changed && e->out.unit)
		e->out.unit(e->out.ctx, e, u, now);
	return 0;
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

void hf_engine_command(struct hf_engine *e, const struct hf_command *cmd,
		       const struct hf_now *now, struct hf_command_result *res)
{
	struct hf_incident *inc;
	struct hf_unit *u = NULL;
	const char *state;

	memset(res, 0, sizeof *res);
	e->stats.commands_failed++; /* undone below on success */
	if (cmd->kind == HF_CMD_CHECK_IN) {
		refuse(res, HF_REPLY_UNSUPPORTED, "check-in is not supported by this version");
		return;
	}
	if (!cmd->incident_id || !cmd->incident_id[0]) {
		refuse(res, HF_REPLY_BAD_REQUEST, "an incident id is required");
		return;
	}
	inc = hf_incidents_find(&e->incidents, cmd->incident_id);
	if (!inc) {
		refuse(res, HF_REPLY_NOT_FOUND, "no incident %s", cmd->incident_id);
		return;
	}
	res->incident = inc;
	state = hf_incident_state_name(inc->state);
	if (!hf_incident_is_open(inc)) {
		refuse(res, HF_REPLY_INVALID_TRANSITION, "%s is already %s", inc->id, state);
		return;
	}
	if (cmd->kind == HF_CMD_ASSIGN || cmd->kind == HF_CMD_ACCEPT ||
	    cmd->kind == HF_CMD_ARRIVE) {
		const char *who = cmd->callsign ? cmd->callsign : "";

		if (!who[0] && cmd->kind == HF_CMD_ASSIGN) {
			refuse(res, HF_REPLY_BAD_REQUEST, "assign needs a callsign");
			return;
		}
		if (who[0] && !(u = hf_registry_find_callsign(&e->reg, who))) {
			refuse(res, HF_REPLY_NOT_FOUND, "no unit with callsign %s", who);
			return;
		}
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
		break;
	case HF_CMD_ASSIGN:
		if (u->role != HF_ROLE_CONSTABLE && u->role != HF_ROLE_SUPERVISOR) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s is not a constable or supervisor", u->callsign);
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
		inc->assigned = u->index;
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
		break;
	case HF_CMD_ARRIVE:
		if (inc->state == HF_INC_RAISED) {
			refuse(res, HF_REPLY_INVALID_TRANSITION,
			       "%s is %s: acknowledge or assign it first", inc->id, state);
			return;
		}
		inc->state = HF_INC_ON_SCENE;
		if (u)
			inc->assigned = u->index;
		break;
	case HF_CMD_RESOLVE:
	case HF_CMD_CANCEL:
		inc->state = cmd->kind == HF_CMD_RESOLVE ? HF_INC_RESOLVED : HF_INC_CANCELLED;
		hf_strlcpy(inc->outcome, cmd->note ? cmd->note : "", sizeof inc->outcome);
		hf_strlcpy(inc->closed_by, actor_of(cmd), sizeof inc->closed_by);
		break;
	default:
		refuse(res, HF_REPLY_BAD_REQUEST, "unknown command");
		return;
	}
	e->stats.commands_failed--;
	e->stats.commands++;
	res->code = HF_REPLY_OK;
	snprintf(res->message, sizeof res->message, "%s %s by %s", inc->id,
		 hf_incident_state_name(inc->state), actor_of(cmd));
	hf_notice("%s", res->message);
	emit_incident(e, inc, now);
}
