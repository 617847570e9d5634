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
