/*
 * wire.c - see wire.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "geo.h"
#include "wire.h"

/* protobuf-c strings are `char *`; ours are borrowed and never written. */
#define STR(s) ((char *)(s))

static void unit_ref(Handoff__V1__UnitRef *r, const struct hf_unit *u)
{
	handoff__v1__unit_ref__init(r);
	r->unit_id = STR(u->id);
	r->issi = u->issi;
	r->callsign = STR(u->callsign);
	r->role = (Handoff__V1__Role)u->role;
	r->team = STR(u->team);
	r->area = STR(u->area);
}

static void position(Handoff__V1__Position *p, const struct hf_fix *f, const char *source)
{
	handoff__v1__position__init(p);
	p->lat = f->lat;
	p->lon = f->lon;
	p->fix_unix_ms = f->has_fix_time ? f->fix_unix_ms : 0;
	p->error_m = f->has_error ? f->error_m : 0;
	if (f->has_velocity) {
		p->_velocity_kmh_case = HANDOFF__V1__POSITION___VELOCITY_KMH_VELOCITY_KMH;
		p->velocity_kmh = f->velocity_kmh;
	}
	if (f->has_direction) {
		p->_direction_deg_case = HANDOFF__V1__POSITION___DIRECTION_DEG_DIRECTION_DEG;
		p->direction_deg = f->direction_deg;
	}
	p->source = STR(source);
}

void hf_wire_incident(struct hf_wire_incident *w, const struct hf_engine *e,
		      const struct hf_incident *inc, const struct hf_now *now)
{
	Handoff__V1__Incident *m = &w->msg;
	const struct hf_trigger *t = &inc->trigger;

	handoff__v1__incident__init(m);
	m->id = STR(inc->id);
	m->state = (Handoff__V1__IncidentState)inc->state;
	m->severity = (Handoff__V1__Severity)inc->severity;

	handoff__v1__trigger__init(&w->trigger);
	w->trigger.kind = (Handoff__V1__TriggerKind)t->kind;
	w->trigger.meaning = STR(t->meaning);
	if (t->has_status) {
		w->trigger._status_case = HANDOFF__V1__TRIGGER___STATUS_STATUS;
		w->trigger.status = t->status;
	}
	if (t->has_reason) {
		w->trigger._reason_case = HANDOFF__V1__TRIGGER___REASON_REASON;
		w->trigger.reason = t->reason;
	}
	w->trigger.source = STR(t->source);
	m->trigger = &w->trigger;

	m->escalation_level = inc->escalation_level;
	unit_ref(&w->subject, hf_registry_at(&e->reg, inc->subject));
	m->subject = &w->subject;
	if (inc->has_position) {
		position(&w->position, &inc->position, inc->position_source);
		m->position = &w->position;
		m->fix_age_ms = (now->mono_ns - inc->fix_mono_ns) / HF_NS_PER_MS;
	}
	for (size_t i = 0; i < inc->n_asked; i++) {
		const struct hf_candidate *c = &inc->asked[i];
		const struct hf_unit *cu = hf_registry_at(&e->reg, c->unit);

		handoff__v1__candidate__init(&w->cand[i]);
		unit_ref(&w->cand_unit[i], cu);
		position(&w->cand_pos[i], &cu->fix, cu->fix_source);
		w->cand[i].unit = &w->cand_unit[i];
		w->cand[i].position = &w->cand_pos[i];
		w->cand[i].distance_m = round(c->distance_m * 10.0) / 10.0;
		w->cand[i].stale = c->stale;
		w->candp[i] = &w->cand[i];
	}
	m->n_asked = inc->n_asked;
	m->asked = w->candp;
	m->area = STR(inc->area);
	m->desk = STR(inc->desk);
	m->trigger_count = inc->trigger_count;
	m->raised_unix_ms = inc->raised_unix_ms;
	m->updated_unix_ms = inc->updated_unix_ms;
	m->acknowledged_by = STR(inc->acknowledged_by);
	if (inc->assigned != HF_UNIT_NONE) {
		unit_ref(&w->assigned, hf_registry_at(&e->reg, inc->assigned));
		m->assigned = &w->assigned;
	}
	m->outcome = STR(inc->outcome);
	m->closed_by = STR(inc->closed_by);
	m->rule = STR(inc->rule);
	m->repeats = inc->repeats;
	m->constable_required = inc->constable_required;
	if (inc->supervisor != HF_UNIT_NONE) {
		unit_ref(&w->supervisor, hf_registry_at(&e->reg, inc->supervisor));
		m->supervisor = &w->supervisor;
	}
	m->next_escalation_unix_ms = inc->next_unix_ms;
	m->n_radio_health = 0;
	if (inc->radio_health & HF_HEALTH_SERVICE_LOSS)
		w->health[m->n_radio_health++] = "service_loss";
	if (inc->radio_health & HF_HEALTH_LOW_BATTERY)
		w->health[m->n_radio_health++] = "low_battery";
	if (inc->radio_health & HF_HEALTH_LOST_LOCATION)
		w->health[m->n_radio_health++] = "lost_location";
	m->radio_health = w->health;
	m->team = STR(inc->team);
	m->place = STR(inc->place);
	if (inc->detention != HF_DET_NONE) {
		const struct hf_config *cfg = e->cfg;

		handoff__v1__detention_clock__init(&w->detention);
		w->detention.stage = (Handoff__V1__DetentionStage)inc->detention;
		w->detention.started_unix_ms = inc->detention_start_unix_ms;
		w->detention.warn_unix_ms = inc->detention_start_unix_ms + cfg->rules.detention.warn_ms;
		w->detention.limit_unix_ms =
			inc->detention_start_unix_ms + cfg->rules.detention.limit_ms;
		m->detention = &w->detention;
	}
	m->welfare_stage = inc->welfare_stage;
	m->last_change = STR(inc->last_change);
}

void hf_wire_notice(struct hf_wire_notice *w, const struct hf_engine *e,
		    const struct hf_notice *n)
{
	Handoff__V1__Notice *m = &w->msg;

	handoff__v1__notice__init(m);
	m->kind = STR(n->kind);
	m->severity = (Handoff__V1__Severity)n->severity;
	if (n->unit != HF_UNIT_NONE) {
		unit_ref(&w->unit, hf_registry_at(&e->reg, n->unit));
		m->unit = &w->unit;
	}
	m->area = STR(n->area ? n->area : "");
	m->place = STR(n->place ? n->place : "");
	m->text = STR(n->text ? n->text : "");
}

void hf_wire_notice_topic(const struct hf_notice *n, char *buf, size_t size)
{
	snprintf(buf, size, "notice.%s.%s", n->area && n->area[0] ? n->area : "all",
		 hf_severity_name(n->severity));
}

void hf_wire_unit(struct hf_wire_unit *w, const struct hf_engine *e, const struct hf_unit *u)
{
	Handoff__V1__UnitState *m = &w->msg;

	handoff__v1__unit_state__init(m);
	unit_ref(&w->ref, u);
	m->unit = &w->ref;
	if (u->has_status) {
		m->_status_case = HANDOFF__V1__UNIT_STATE___STATUS_STATUS;
		m->status = u->status;
	}
	m->status_meaning = STR(hf_engine_status_meaning(e, u));
	if (u->has_fix) {
		position(&w->position, &u->fix, u->fix_source);
		m->position = &w->position;
	}
	m->last_heard_unix_ms = u->last_heard_unix_ms;
}

void hf_wire_link(struct hf_wire_link *w, const struct hf_adapter *a)
{
	Handoff__V1__LinkState *m = &w->msg;

	handoff__v1__link_state__init(m);
	if (a->ops->peer)
		a->ops->peer(a, w->peer, sizeof w->peer);
	else
		hf_strlcpy(w->peer, a->cfg.name, sizeof w->peer);
	m->adapter = STR(a->cfg.name);
	m->kind = STR(a->ops->type);
	m->peer = w->peer;
	m->up = a->up;
	m->reason = STR(a->reason);
	m->attempt = a->attempt;
	m->since_unix_ms = a->since_unix_ms;
}

void hf_wire_incident_topic(const struct hf_incident *inc, char *buf, size_t size)
{
	snprintf(buf, size, "alert.%s.%s", inc->area, hf_severity_name(inc->severity));
}

void hf_wire_unit_topic(const struct hf_unit *u, char *buf, size_t size)
{
	if (u->on_roster || (u->id[0] && u->id[0] != '?'))
		snprintf(buf, size, "unit.%s", u->id);
	else
		snprintf(buf, size, "unit.issi-%u", (unsigned)u->issi);
}

void hf_wire_event_to_pb(const struct hf_radio_event *ev, Handoff__V1__RadioEvent *pb)
{
	const struct hf_fix *f = &ev->fix;

	handoff__v1__radio_event__init(pb);
	pb->kind = (Handoff__V1__EventKind)ev->kind;
	pb->issi = ev->issi;
	pb->unit_id = STR(ev->unit_id);
	pb->source = STR(ev->source);
	pb->received_unix_ms = ev->received_unix_ms;
	if (ev->has_status) {
		pb->_status_case = HANDOFF__V1__RADIO_EVENT___STATUS_STATUS;
		pb->status = ev->status;
	}
	if (ev->has_fix) {
		pb->_lat_case = HANDOFF__V1__RADIO_EVENT___LAT_LAT;
		pb->lat = f->lat;
		pb->_lon_case = HANDOFF__V1__RADIO_EVENT___LON_LON;
		pb->lon = f->lon;
		if (f->has_error) {
			pb->_error_m_case = HANDOFF__V1__RADIO_EVENT___ERROR_M_ERROR_M;
			pb->error_m = f->error_m;
		}
		if (f->has_velocity) {
			pb->_velocity_kmh_case = HANDOFF__V1__RADIO_EVENT___VELOCITY_KMH_VELOCITY_KMH;
			pb->velocity_kmh = f->velocity_kmh;
		}
		if (f->has_direction) {
			pb->_direction_deg_case =
				HANDOFF__V1__RADIO_EVENT___DIRECTION_DEG_DIRECTION_DEG;
			pb->direction_deg = f->direction_deg;
		}
		if (f->has_altitude) {
			pb->_altitude_m_case = HANDOFF__V1__RADIO_EVENT___ALTITUDE_M_ALTITUDE_M;
			pb->altitude_m = f->altitude_m;
		}
		if (f->has_fix_time) {
			pb->_fix_unix_ms_case = HANDOFF__V1__RADIO_EVENT___FIX_UNIX_MS_FIX_UNIX_MS;
			pb->fix_unix_ms = f->fix_unix_ms;
		}
		if (f->has_age_max) {
			pb->_fix_age_max_s_case =
				HANDOFF__V1__RADIO_EVENT___FIX_AGE_MAX_S_FIX_AGE_MAX_S;
			pb->fix_age_max_s = f->age_max_s;
		}
	}
	if (ev->has_reason) {
		pb->_reason_case = HANDOFF__V1__RADIO_EVENT___REASON_REASON;
		pb->reason = ev->reason;
	}
	if (ev->has_call_priority) {
		pb->_call_priority_case = HANDOFF__V1__RADIO_EVENT___CALL_PRIORITY_CALL_PRIORITY;
		pb->call_priority = ev->call_priority;
	}
	pb->text = STR(ev->text);
}

#define FAIL(msg) \
	do { \
		*why = (msg); \
		return -EINVAL; \
	} while (0)

int hf_wire_event_from_pb(const Handoff__V1__RadioEvent *pb, struct hf_radio_event *ev,
			  const char **why)
{
	bool has_lat = pb->_lat_case == HANDOFF__V1__RADIO_EVENT___LAT_LAT;
	bool has_lon = pb->_lon_case == HANDOFF__V1__RADIO_EVENT___LON_LON;

	memset(ev, 0, sizeof *ev);
	if (pb->kind < HANDOFF__V1__EVENT_KIND__EVENT_KIND_STATUS ||
	    pb->kind > HANDOFF__V1__EVENT_KIND__EVENT_KIND_CHECK_IN)
		FAIL("unknown or missing event kind");
	ev->kind = (enum hf_event_kind)pb->kind;
	if (pb->issi > 0xFFFFFF)
		FAIL("issi is larger than 24 bits");
	ev->issi = pb->issi;
	if (!hf_strlcpy(ev->unit_id, pb->unit_id ? pb->unit_id : "", sizeof ev->unit_id))
		FAIL("unit_id is too long");
	if (!hf_strlcpy(ev->source, pb->source ? pb->source : "", sizeof ev->source))
		FAIL("source is too long");
	if (!hf_strlcpy(ev->text, pb->text ? pb->text : "", sizeof ev->text))
		FAIL("text is too long");
	ev->received_unix_ms = pb->received_unix_ms;
	if (pb->_status_case == HANDOFF__V1__RADIO_EVENT___STATUS_STATUS) {
		if (pb->status > 0xFFFF)
			FAIL("status is larger than 16 bits");
		ev->has_status = true;
		ev->status = (uint16_t)pb->status;
	}
	if (has_lat != has_lon)
		FAIL("lat and lon must come together");
	if (has_lat) {
		if (!hf_geo_valid(pb->lat, pb->lon))
			FAIL("lat/lon out of range");
		ev->has_fix = true;
		ev->fix.lat = pb->lat;
		ev->fix.lon = pb->lon;
		if (pb->_error_m_case == HANDOFF__V1__RADIO_EVENT___ERROR_M_ERROR_M) {
			ev->fix.has_error = true;
			ev->fix.error_m = pb->error_m;
		}
		if (pb->_velocity_kmh_case == HANDOFF__V1__RADIO_EVENT___VELOCITY_KMH_VELOCITY_KMH) {
			if (!(pb->velocity_kmh >= 0 && pb->velocity_kmh < 10000))
				FAIL("velocity_kmh out of range");
			ev->fix.has_velocity = true;
			ev->fix.velocity_kmh = pb->velocity_kmh;
		}
		if (pb->_direction_deg_case ==
		    HANDOFF__V1__RADIO_EVENT___DIRECTION_DEG_DIRECTION_DEG) {
			if (!(pb->direction_deg >= 0 && pb->direction_deg < 360))
				FAIL("direction_deg out of range");
			ev->fix.has_direction = true;
			ev->fix.direction_deg = pb->direction_deg;
		}
		if (pb->_altitude_m_case == HANDOFF__V1__RADIO_EVENT___ALTITUDE_M_ALTITUDE_M) {
			if (!isfinite(pb->altitude_m))
				FAIL("altitude_m is not a number");
			ev->fix.has_altitude = true;
			ev->fix.altitude_m = pb->altitude_m;
		}
		if (pb->_fix_unix_ms_case == HANDOFF__V1__RADIO_EVENT___FIX_UNIX_MS_FIX_UNIX_MS) {
			ev->fix.has_fix_time = true;
			ev->fix.fix_unix_ms = pb->fix_unix_ms;
		}
		if (pb->_fix_age_max_s_case ==
		    HANDOFF__V1__RADIO_EVENT___FIX_AGE_MAX_S_FIX_AGE_MAX_S) {
			ev->fix.has_age_max = true;
			ev->fix.age_max_s = pb->fix_age_max_s;
		}
	}
	if (pb->_reason_case == HANDOFF__V1__RADIO_EVENT___REASON_REASON) {
		if (pb->reason > 0xFF)
			FAIL("reason is larger than 8 bits");
		ev->has_reason = true;
		ev->reason = (uint8_t)pb->reason;
	}
	if (pb->_call_priority_case == HANDOFF__V1__RADIO_EVENT___CALL_PRIORITY_CALL_PRIORITY) {
		if (pb->call_priority > 15)
			FAIL("call_priority is larger than 15");
		ev->has_call_priority = true;
		ev->call_priority = (uint8_t)pb->call_priority;
	}
	if (ev->kind == HF_EVENT_STATUS && !ev->has_status)
		FAIL("a STATUS event needs status");
	if (ev->kind == HF_EVENT_LOCATION && !ev->has_fix)
		FAIL("a LOCATION event needs lat and lon");
	return 0;
}

/* ---------------------------------------------------------------- recovery */

/* The registry index of a UnitRef (by id, else ISSI; unknown ISSIs are
 * added off the roster), or HF_UNIT_NONE. */
static uint32_t unit_of(struct hf_engine *e, const Handoff__V1__UnitRef *r)
{
	struct hf_radio_event ev = { .kind = HF_EVENT_NONE };
	struct hf_unit *u = NULL;

	if (!r)
		return HF_UNIT_NONE;
	if (r->unit_id && r->unit_id[0])
		u = hf_registry_find_id(&e->reg, r->unit_id);
	if (!u && r->issi) {
		ev.issi = r->issi;
		u = hf_registry_resolve(&e->reg, &ev, e->cfg->default_area);
	}
	return u ? u->index : HF_UNIT_NONE;
}

static void fix_of(struct hf_fix *f, const Handoff__V1__Position *p)
{
	memset(f, 0, sizeof *f);
	f->lat = p->lat;
	f->lon = p->lon;
	if (p->fix_unix_ms) {
		f->has_fix_time = true;
		f->fix_unix_ms = p->fix_unix_ms;
	}
	if (p->error_m) {
		f->has_error = true;
		f->error_m = p->error_m;
	}
	if (p->_velocity_kmh_case) {
		f->has_velocity = true;
		f->velocity_kmh = p->velocity_kmh;
	}
	if (p->_direction_deg_case) {
		f->has_direction = true;
		f->direction_deg = p->direction_deg;
	}
}

static enum hf_rule_kind rule_kind_of(const char *rule)
{
	if (strcmp(rule, "handoff") == 0)
		return HF_RULE_HANDOFF;
	if (strcmp(rule, "detention") == 0)
		return HF_RULE_DETENTION;
	if (strcmp(rule, "welfare") == 0)
		return HF_RULE_WELFARE;
	return HF_RULE_EMERGENCY;
}

int hf_wire_restore_incident(struct hf_engine *e, const Handoff__V1__Incident *m,
			     const struct hf_now *now)
{
	struct hf_incident inc;
	unsigned number = 0;

	memset(&inc, 0, sizeof inc);
	if (!m->id || sscanf(m->id, "INC-%u", &number) != 1 || number == 0 || !m->subject)
		return -EINVAL;
	inc.number = number;
	inc.state = (enum hf_incident_state)m->state;
	inc.severity = (enum hf_severity)m->severity;
	if (m->trigger) {
		inc.trigger.kind = (enum hf_trigger_kind)m->trigger->kind;
		hf_strlcpy(inc.trigger.meaning, m->trigger->meaning, sizeof inc.trigger.meaning);
		inc.trigger.has_status = m->trigger->_status_case != 0;
		inc.trigger.status = (uint16_t)m->trigger->status;
		inc.trigger.has_reason = m->trigger->_reason_case != 0;
		inc.trigger.reason = (uint8_t)m->trigger->reason;
		hf_strlcpy(inc.trigger.source, m->trigger->source, sizeof inc.trigger.source);
	}
	hf_strlcpy(inc.rule, m->rule[0] ? m->rule : "emergency", sizeof inc.rule);
	inc.rule_kind = rule_kind_of(inc.rule);
	inc.subject = unit_of(e, m->subject);
	if (inc.subject == HF_UNIT_NONE)
		return -ENOMEM;
	inc.escalation_level = m->escalation_level;
	inc.repeats = m->repeats;
	inc.constable_required = m->constable_required;
	inc.supervisor = unit_of(e, m->supervisor);
	inc.assigned = unit_of(e, m->assigned);
	inc.next_unix_ms = m->next_escalation_unix_ms;
	if (m->position) {
		inc.has_position = true;
		fix_of(&inc.position, m->position);
		hf_strlcpy(inc.position_source, m->position->source, sizeof inc.position_source);
		inc.fix_mono_ns = now->mono_ns -
				  (now->unix_ms - m->updated_unix_ms + m->fix_age_ms) * HF_NS_PER_MS;
	}
	for (size_t i = 0; i < m->n_asked && inc.n_asked < HF_ASKED_MAX; i++) {
		uint32_t u = unit_of(e, m->asked[i]->unit);

		if (u == HF_UNIT_NONE)
			continue;
		inc.asked[inc.n_asked].unit = u;
		inc.asked[inc.n_asked].distance_m = m->asked[i]->distance_m;
		inc.asked[inc.n_asked].stale = m->asked[i]->stale;
		inc.n_asked++;
	}
	hf_strlcpy(inc.area, m->area, sizeof inc.area);
	hf_strlcpy(inc.desk, m->desk, sizeof inc.desk);
	hf_strlcpy(inc.team, m->team, sizeof inc.team);
	hf_strlcpy(inc.place, m->place, sizeof inc.place);
	inc.trigger_count = m->trigger_count;
	inc.raised_unix_ms = m->raised_unix_ms;
	inc.updated_unix_ms = m->updated_unix_ms;
	hf_strlcpy(inc.acknowledged_by, m->acknowledged_by, sizeof inc.acknowledged_by);
	hf_strlcpy(inc.outcome, m->outcome, sizeof inc.outcome);
	hf_strlcpy(inc.closed_by, m->closed_by, sizeof inc.closed_by);
	hf_strlcpy(inc.last_change, m->last_change, sizeof inc.last_change);
	for (size_t i = 0; i < m->n_radio_health; i++) {
		if (strcmp(m->radio_health[i], "service_loss") == 0)
			inc.radio_health |= HF_HEALTH_SERVICE_LOSS;
		else if (strcmp(m->radio_health[i], "low_battery") == 0)
			inc.radio_health |= HF_HEALTH_LOW_BATTERY;
		else if (strcmp(m->radio_health[i], "lost_location") == 0)
			inc.radio_health |= HF_HEALTH_LOST_LOCATION;
	}
	if (m->detention) {
		inc.detention = (enum hf_detention_stage)m->detention->stage;
		inc.detention_start_unix_ms = m->detention->started_unix_ms;
	}
	inc.welfare_stage = m->welfare_stage;
	return hf_engine_adopt(e, &inc, now);
}

int hf_wire_restore_unit(struct hf_engine *e, const Handoff__V1__UnitState *m,
			 const struct hf_now *now)
{
	struct hf_radio_event ev = { .kind = HF_EVENT_STATUS };
	struct hf_unit *u;

	if (!m->unit)
		return -EINVAL;
	ev.issi = m->unit->issi;
	if (m->unit->unit_id && m->unit->unit_id[0] && hf_registry_find_id(&e->reg, m->unit->unit_id))
		hf_strlcpy(ev.unit_id, m->unit->unit_id, sizeof ev.unit_id);
	else if (!ev.issi)
		return -EINVAL;
	if (m->_status_case) {
		ev.has_status = true;
		ev.status = (uint16_t)m->status;
	}
	if (m->position) {
		ev.has_fix = true;
		fix_of(&ev.fix, m->position);
		if (!ev.fix.has_fix_time) {
			ev.fix.has_fix_time = true;
			ev.fix.fix_unix_ms = m->last_heard_unix_ms;
		}
		hf_strlcpy(ev.source, m->position->source, sizeof ev.source);
	}
	u = hf_registry_resolve(&e->reg, &ev, e->cfg->default_area);
	if (!u)
		return -ENOMEM;
	hf_registry_apply_event(u, &ev, now);
	u->last_heard_unix_ms = m->last_heard_unix_ms;
	u->last_heard_mono_ns = now->mono_ns - (now->unix_ms - m->last_heard_unix_ms) * HF_NS_PER_MS;
	return 0;
}
