/*
 * format.c - readable one-line renderings of what the gateway publishes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "incidents_view.h"

const char *ctl_clock(int64_t unix_ms, char *buf, size_t size)
{
	time_t secs = (time_t)(unix_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%02d:%02d:%02dZ", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

static const char *state_name(Handoff__V1__IncidentState s)
{
	switch (s) {
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RAISED: return "RAISED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ACKNOWLEDGED: return "ACKNOWLEDGED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ASSIGNED: return "ASSIGNED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ACCEPTED: return "ACCEPTED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ON_SCENE: return "ON-SCENE";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RESOLVED: return "RESOLVED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_CANCELLED: return "CANCELLED";
	default: return "?";
	}
}


static void print_trigger(FILE *fp, const Handoff__V1__Trigger *t)
{
	if (!t) {
		fputs("?", fp);
		return;
	}
	switch (t->kind) {
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_STATUS:
		fputs("EMERGENCY button (status 0)", fp);
		break;
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_LIP:
		fputs("EMERGENCY (LIP reason 2)", fp);
		break;
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_CALL:
		fputs("EMERGENCY call", fp);
		break;
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_PANIC:
		fputs("PANIC button", fp);
		break;
	default:
		fputs(t->meaning, fp);
	}
}

static void print_distance(FILE *fp, double m)
{
	if (m < 1000)
		fprintf(fp, "%.0f m", m);
	else
		fprintf(fp, "%.1f km", m / 1000);
}

static void print_unit(FILE *fp, const Handoff__V1__UnitRef *u)
{
	if (!u) {
		fputs("?", fp);
		return;
	}
	if (u->unit_id[0])
		fprintf(fp, "%s (%s, ISSI %" PRIu32 ")", u->callsign, u->unit_id, u->issi);
	else
		fprintf(fp, "%s (not on the roster)", u->callsign);
}

/* Now, UTC milliseconds: countdowns are shown from the moment of printing. */
static int64_t now_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctl_print_incident(FILE *fp, const Handoff__V1__Incident *inc, int64_t at_unix_ms,
			const char *tag)
{
	int64_t now = now_unix_ms();
	char t[16];

	fprintf(fp, "%s %-6s %s %s %s area %s (%s): ", ctl_clock(at_unix_ms, t, sizeof t), tag,
		inc->id, ctl_severity_name(inc->severity), state_name(inc->state), inc->area,
		inc->desk);
	print_trigger(fp, inc->trigger);
	fputs(" from ", fp);
	print_unit(fp, inc->subject);
	if (inc->trigger_count > 1)
		fprintf(fp, " x%" PRIu32, inc->trigger_count);
	if (inc->position)
		fprintf(fp, " at %.5f,%.5f (fix %" PRId64 " s old)", inc->position->lat,
			inc->position->lon, inc->fix_age_ms / 1000);
	else
		fputs(" position unknown", fp);
	if (inc->n_asked) {
		fputs("; asked:", fp);
		for (size_t i = 0; i < inc->n_asked; i++) {
			const Handoff__V1__Candidate *c = inc->asked[i];

			fprintf(fp, "%s %s ", i ? "," : "", c->unit ? c->unit->callsign : "?");
			print_distance(fp, c->distance_m);
			if (c->stale)
				fputs(" (stale fix)", fp);
		}
	} else {
		fputs("; no available constable in range", fp);
	}
	if (inc->escalation_level || inc->repeats)
		fprintf(fp, "; tier %" PRIu32 "%s", inc->escalation_level,
			inc->repeats ? " (repeated)" : "");
	if (inc->supervisor)
		fprintf(fp, "; supervisor %s", inc->supervisor->callsign);
	if (inc->next_escalation_unix_ms) {
		int64_t left = inc->next_escalation_unix_ms - now;

		if (left > 0)
			fprintf(fp, "; escalates in %" PRId64 " s", (left + 999) / 1000);
		else
			fputs("; escalation due now", fp);
	}
	if (inc->detention) {
		static const char *const stage[] = { "", "running", "supervisor warned",
						     "LIMIT REACHED", "ended" };
		uint32_t st = inc->detention->stage < 5 ? inc->detention->stage : 0;

		fprintf(fp, "; detention %s", stage[st]);
		if (st == 1 || st == 2)
			fprintf(fp, ", limit in %" PRId64 " min",
				(inc->detention->limit_unix_ms - now + 59999) / 60000);
	}
	if (inc->welfare_stage)
		fprintf(fp, "; welfare %s", inc->welfare_stage >= 2 ? "RED" : "AMBER");
	for (size_t i = 0; i < inc->n_radio_health; i++)
		fprintf(fp, "%s%s", i ? ", " : "; radio: ", inc->radio_health[i]);
	if (inc->place[0])
		fprintf(fp, "; in flagged place %s", inc->place);
	if (inc->acknowledged_by[0])
		fprintf(fp, "; acknowledged by %s", inc->acknowledged_by);
	if (inc->assigned)
		fprintf(fp, "; assigned %s", inc->assigned->callsign);
	if (inc->closed_by[0])
		fprintf(fp, "; closed by %s%s%s", inc->closed_by, inc->outcome[0] ? ": " : "",
			inc->outcome);
	if (inc->last_change[0])
		fprintf(fp, " -- %s", inc->last_change);
	fputc('\n', fp);
}

void ctl_print_notice(FILE *fp, const Handoff__V1__Notice *n, int64_t at_unix_ms)
{
	char t[16];

	fprintf(fp, "%s NOTICE %s %s area %s: %s\n", ctl_clock(at_unix_ms, t, sizeof t),
		ctl_severity_name(n->severity), n->kind, n->area, n->text);
}

void ctl_print_link(FILE *fp, const Handoff__V1__LinkState *l, int64_t at_unix_ms)
{
	char t[16];

	if (l->up)
		fprintf(fp, "%s LINK   %s (%s, %s) up\n", ctl_clock(at_unix_ms, t, sizeof t),
			l->adapter, l->kind, l->peer);
	else
		fprintf(fp, "%s LINK   %s (%s, %s) DOWN: %s (attempt %" PRIu32 ")\n",
			ctl_clock(at_unix_ms, t, sizeof t), l->adapter, l->kind, l->peer,
			l->reason, l->attempt);
}

void ctl_print_unit(FILE *fp, const Handoff__V1__UnitState *u, int64_t at_unix_ms)
{
	char t[16];

	fprintf(fp, "%s UNIT   ", ctl_clock(at_unix_ms, t, sizeof t));
	print_unit(fp, u->unit);
	if (u->status_meaning[0])
		fprintf(fp, " %s", u->status_meaning);
	else if (u->_status_case)
		fprintf(fp, " status %" PRIu32, u->status);
	if (u->position)
		fprintf(fp, " at %.5f,%.5f", u->position->lat, u->position->lon);
	fputc('\n', fp);
}
