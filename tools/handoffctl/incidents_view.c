/*
 * incidents_view.c - the console's pure model: the open-incident table, its
 * order, the column and pane layout, and the text of rows and details.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "incidents_view.h"

/* ---------------------------------------------------------------- table */

void ctl_incidents_init(struct ctl_incidents *t)
{
	*t = (struct ctl_incidents){ 0 };
}

void ctl_incidents_clear(struct ctl_incidents *t)
{
	for (size_t i = 0; i < t->n; i++)
		handoff__v1__incident__free_unpacked(t->v[i], NULL);
	t->n = 0;
}

void ctl_incidents_finish(struct ctl_incidents *t)
{
	ctl_incidents_clear(t);
	free(t->v);
	ctl_incidents_init(t);
}

bool ctl_incident_is_open(const Handoff__V1__Incident *inc)
{
	return inc->state != HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RESOLVED &&
	       inc->state != HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_CANCELLED;
}

int ctl_incident_cmp(const Handoff__V1__Incident *a, const Handoff__V1__Incident *b)
{
	if (a->severity != b->severity)
		return (int)b->severity - (int)a->severity;
	if (a->raised_unix_ms != b->raised_unix_ms)
		return a->raised_unix_ms < b->raised_unix_ms ? -1 : 1;
	return strcmp(a->id, b->id);
}

long ctl_incidents_find(const struct ctl_incidents *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i]->id, id) == 0)
			return (long)i;
	return -1;
}

/* A deep copy of inc through its wire form (the copy owns every string). */
static Handoff__V1__Incident *copy_incident(const Handoff__V1__Incident *inc)
{
	size_t len = handoff__v1__incident__get_packed_size(inc);
	uint8_t *buf = malloc(len ? len : 1);
	Handoff__V1__Incident *copy;

	if (!buf)
		return NULL;
	handoff__v1__incident__pack(inc, buf);
	copy = handoff__v1__incident__unpack(NULL, len, buf);
	free(buf);
	return copy;
}

/* Removes entry i, keeping the order of the rest. */
static void remove_at(struct ctl_incidents *t, size_t i)
{
	handoff__v1__incident__free_unpacked(t->v[i], NULL);
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
	t->n--;
}

int ctl_incidents_put(struct ctl_incidents *t, const Handoff__V1__Incident *inc)
{
	long old = ctl_incidents_find(t, inc->id);
	Handoff__V1__Incident *copy;
	size_t at;

	if (!ctl_incident_is_open(inc)) {
		if (old >= 0)
			remove_at(t, (size_t)old);
		return 0;
	}
	if (old < 0 && t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		Handoff__V1__Incident **grown = realloc(t->v, cap * sizeof *grown);

		if (!grown)
			return -ENOMEM;
		t->v = grown;
		t->cap = cap;
	}
	copy = copy_incident(inc);
	if (!copy)
		return -ENOMEM;
	if (old >= 0)
		remove_at(t, (size_t)old);
	for (at = 0; at < t->n && ctl_incident_cmp(t->v[at], copy) < 0; at++)
		;
	memmove(&t->v[at + 1], &t->v[at], (t->n - at) * sizeof *t->v);
	t->v[at] = copy;
	t->n++;
	return 0;
}

const char *ctl_default_assignee(const Handoff__V1__Incident *inc)
{
	for (size_t i = 0; i < inc->n_asked; i++)
		if (!inc->asked[i]->stale && inc->asked[i]->unit)
			return inc->asked[i]->unit->callsign;
	for (size_t i = 0; i < inc->n_asked; i++)
		if (inc->asked[i]->unit)
			return inc->asked[i]->unit->callsign;
	return "";
}

/* ---------------------------------------------------------------- names */

const char *ctl_severity_short(Handoff__V1__Severity s)
{
	switch (s) {
	case HANDOFF__V1__SEVERITY__SEVERITY_INFO: return "INFO";
	case HANDOFF__V1__SEVERITY__SEVERITY_WARNING: return "WARN";
	case HANDOFF__V1__SEVERITY__SEVERITY_HIGH: return "HIGH";
	case HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL: return "CRIT";
	default: return "?";
	}
}

const char *ctl_severity_name(Handoff__V1__Severity s)
{
	switch (s) {
	case HANDOFF__V1__SEVERITY__SEVERITY_INFO: return "INFO";
	case HANDOFF__V1__SEVERITY__SEVERITY_WARNING: return "WARNING";
	case HANDOFF__V1__SEVERITY__SEVERITY_HIGH: return "HIGH";
	case HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL: return "CRITICAL";
	default: return "?";
	}
}

const char *ctl_state_short(Handoff__V1__IncidentState s)
{
	switch (s) {
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RAISED: return "RAISED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ACKNOWLEDGED: return "ACKED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ASSIGNED: return "ASSIGNED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ACCEPTED: return "ACCEPTED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_ON_SCENE: return "ON-SCENE";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RESOLVED: return "RESOLVED";
	case HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_CANCELLED: return "CANCELLED";
	default: return "?";
	}
}

static const char *trigger_text(const Handoff__V1__Trigger *t)
{
	if (!t)
		return "?";
	switch (t->kind) {
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_STATUS: return "EMERGENCY button";
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_LIP: return "EMERGENCY (LIP)";
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_CALL: return "EMERGENCY call";
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_PANIC: return "PANIC button";
	case HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_WELFARE: return "welfare check missed";
	default: return t->meaning[0] ? t->meaning : "?";
	}
}

/* ---------------------------------------------------------------- text */

/* Appends a formatted string to buf (of size), truncating. */
static void __attribute__((format(printf, 3, 4))) append(char *buf, size_t size,
							 const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static void distance(char *buf, size_t size, double m, bool compact)
{
	if (m < 1000)
		snprintf(buf, size, compact ? "%.0fm" : "%.0f m", m);
	else
		snprintf(buf, size, compact ? "%.1fkm" : "%.1f km", m / 1000);
}

const char *ctl_duration(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;

	if (ms < 0)
		snprintf(buf, size, "due");
	else if (s < 100 * 60)
		snprintf(buf, size, "%02" PRId64 ":%02" PRId64, s / 60, s % 60);
	else if (s < 100 * 3600)
		snprintf(buf, size, "%" PRId64 "h%02" PRId64, s / 3600, s / 60 % 60);
	else
		snprintf(buf, size, "%" PRId64 "h", s / 3600);
	return buf;
}

/* Seconds left until a deadline, rounded up so a countdown reaches 00:00 when
 * it is due, not a second early. */
static int64_t left_ms(int64_t deadline, int64_t now)
{
	int64_t left = deadline - now;

	return left < 0 ? -1 : (left + 999) / 1000 * 1000;
}

static bool is_utf8_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

void ctl_fit(char *dst, size_t size, const char *src, int width)
{
	size_t o = 0;
	int cols = 0;
	const unsigned char *s = (const unsigned char *)src;
	size_t total = 0;

	/* Characters in src, to know whether it must be cut. */
	for (const unsigned char *p = s; *p; p++)
		total += !is_utf8_cont(*p);
	if (!size)
		return;
	while (*s && cols < width) {
		size_t n = 1;

		if (total > (size_t)width && cols == width - 1) {
			if (o + 1 < size)
				dst[o++] = '~';
			cols++;
			break;
		}
		while (s[n] && is_utf8_cont(s[n]))
			n++;
		if (o + n >= size)
			break;
		if (*s < 0x20 || *s == 0x7f) /* control characters would move the cursor */
			dst[o++] = ' ';
		else
			memcpy(dst + o, s, n), o += n;
		s += n;
		cols++;
	}
	while (cols < width && o + 1 < size) {
		dst[o++] = ' ';
		cols++;
	}
	dst[o] = '\0';
}

/* ---------------------------------------------------------------- columns */

static const struct {
	const char *title;
	int min, max;
	int priority; /* lower enters first */
} columns[CTL_COL_N] = {
	[CTL_COL_ID] = { "ID", 8, 8, 0 },
	[CTL_COL_SEV] = { "SEV", 4, 4, 1 },
	[CTL_COL_STATE] = { "STATE", 8, 8, 2 },
	[CTL_COL_PCSO] = { "PCSO", 8, 14, 3 },
	[CTL_COL_TIER] = { "TIER", 8, 9, 4 },
	[CTL_COL_AGE] = { "AGE", 5, 5, 5 },
	[CTL_COL_NEAREST] = { "NEAREST ASKED", 15, 22, 6 },
	[CTL_COL_PLACE] = { "PLACE", 7, 28, 7 },
	[CTL_COL_ASSIGNED] = { "ASSIGNED", 8, 14, 8 },
	[CTL_COL_TRIGGER] = { "TRIGGER", 10, 20, 9 },
	[CTL_COL_LAST] = { "LAST CHANGE", 16, 400, 10 },
};

const char *ctl_col_title(enum ctl_col c)
{
	return (unsigned)c < CTL_COL_N ? columns[c].title : "";
}

/* The columns by priority. */
static void by_priority(enum ctl_col order[CTL_COL_N])
{
	for (int c = 0; c < CTL_COL_N; c++)
		order[columns[c].priority] = (enum ctl_col)c;
}

void ctl_layout_columns(struct ctl_layout *l, int width)
{
	enum ctl_col order[CTL_COL_N];
	int used = 0, x = 0;

	*l = (struct ctl_layout){ .width = width > 0 ? width : 0 };
	by_priority(order);
	for (int i = 0; i < CTL_COL_N; i++) {
		enum ctl_col c = order[i];
		int need = columns[c].min + (used ? 1 : 0);

		if (used + need <= l->width) {
			l->w[c] = columns[c].min;
			used += need;
		}
	}
	for (int i = 0; i < CTL_COL_N && used < l->width; i++) {
		enum ctl_col c = order[i];
		int grow;

		if (!l->w[c])
			continue;
		grow = columns[c].max - l->w[c];
		if (grow > l->width - used)
			grow = l->width - used;
		l->w[c] += grow;
		used += grow;
	}
	for (int c = 0; c < CTL_COL_N; c++) {
		if (!l->w[c])
			continue;
		l->x[c] = x;
		x += l->w[c] + 1;
	}
}

void ctl_cell(const Handoff__V1__Incident *inc, enum ctl_col c, int64_t now_ms, char *buf,
	      size_t size)
{
	char t[32];

	buf[0] = '\0';
	switch (c) {
	case CTL_COL_ID:
		snprintf(buf, size, "%s", inc->id);
		break;
	case CTL_COL_SEV:
		snprintf(buf, size, "%s", ctl_severity_short(inc->severity));
		break;
	case CTL_COL_STATE:
		snprintf(buf, size, "%s", ctl_state_short(inc->state));
		break;
	case CTL_COL_PCSO:
		snprintf(buf, size, "%s", inc->subject ? inc->subject->callsign : "?");
		if (inc->trigger_count > 1)
			append(buf, size, " x%" PRIu32, inc->trigger_count);
		break;
	case CTL_COL_TRIGGER:
		snprintf(buf, size, "%s", trigger_text(inc->trigger));
		break;
	case CTL_COL_PLACE:
		snprintf(buf, size, "%s", inc->place[0] ? inc->place : inc->area);
		break;
	case CTL_COL_AGE:
		snprintf(buf, size, "%s",
			 ctl_duration(inc->raised_unix_ms ? now_ms - inc->raised_unix_ms : 0, t,
				      sizeof t));
		break;
	case CTL_COL_TIER:
		snprintf(buf, size, "T%" PRIu32 " %s", inc->escalation_level,
			 inc->next_escalation_unix_ms
				 ? ctl_duration(left_ms(inc->next_escalation_unix_ms, now_ms), t,
						sizeof t)
				 : "-");
		break;
	case CTL_COL_NEAREST:
		if (!inc->n_asked || !inc->asked[0]->unit) {
			snprintf(buf, size, "none in range");
			break;
		}
		distance(t, sizeof t, inc->asked[0]->distance_m, true);
		snprintf(buf, size, "%s %s%s", inc->asked[0]->unit->callsign, t,
			 inc->asked[0]->stale ? "?" : "");
		if (inc->n_asked > 1)
			append(buf, size, " +%zu", inc->n_asked - 1);
		break;
	case CTL_COL_ASSIGNED:
		snprintf(buf, size, "%s", inc->assigned ? inc->assigned->callsign : "-");
		break;
	case CTL_COL_LAST:
		snprintf(buf, size, "%s", inc->last_change);
		break;
	default:
		break;
	}
}

void ctl_row(const Handoff__V1__Incident *inc, const struct ctl_layout *l, int64_t now_ms,
	     char *buf, size_t size)
{
	char cell[512], fitted[4 * 400 + 1];
	int col = 0;

	buf[0] = '\0';
	for (int c = 0; c < CTL_COL_N; c++) {
		if (!l->w[c])
			continue;
		if (col)
			append(buf, size, " ");
		if (inc)
			ctl_cell(inc, (enum ctl_col)c, now_ms, cell, sizeof cell);
		else
			snprintf(cell, sizeof cell, "%s", columns[c].title);
		ctl_fit(fitted, sizeof fitted, cell, l->w[c]);
		append(buf, size, "%s", fitted);
		col = l->x[c] + l->w[c];
	}
	/* Pad to the full width (the selected row is drawn in reverse video). */
	ctl_fit(fitted, sizeof fitted, "", l->width - col);
	append(buf, size, "%s", fitted);
}

/* ---------------------------------------------------------------- panes */

void ctl_layout_panes(struct ctl_panes *p, int rows)
{
	int detail = 0, notices = 0;

	*p = (struct ctl_panes){ 0 };
	if (rows < 4) {
		/* Room for nearly nothing: the header and the footer only. */
		p->list_top = rows > 2 ? 2 : rows;
		p->status_row = rows > 1 ? rows - 2 : 0;
		p->footer_row = rows > 0 ? rows - 1 : 0;
		return;
	}
	p->footer_row = rows - 1;
	p->status_row = rows - 2;
	if (rows >= 12) {
		/* A quarter for the details, 6..14 lines with the title; notices 1..3. */
		detail = rows / 4;
		detail = detail < 6 ? 6 : detail > 14 ? 14 : detail;
		notices = rows >= 40 ? 3 : rows >= 30 ? 2 : 1;
	}
	p->list_top = 2;
	p->notice_rows = notices;
	p->notice_top = p->status_row - notices;
	p->detail_rows = detail;
	p->detail_top = p->notice_top - detail;
	p->list_rows = p->detail_top - p->list_top;
	if (p->list_rows < 0)
		p->list_rows = 0;
}

/* ---------------------------------------------------------------- details */

void ctl_wrap(const char *text, int width, char (*lines)[CTL_LINE_MAX], int *n, int max)
{
	const char *s = text;
	bool first = true;

	if (width > 250)
		width = 250;
	while (*n < max && (*s || first)) {
		int indent = first ? 0 : 2;
		int room = width - indent, cols = 0;
		const char *end = s, *brk = NULL;
		char *out = lines[*n];

		if (room < 1)
			room = 1;
		/* Find how far room characters go, and the last space before that. */
		while (*end && cols < room) {
			if (*end == ' ')
				brk = end;
			end++;
			while (*end && is_utf8_cont((unsigned char)*end))
				end++;
			cols++;
		}
		if (*end && *end != ' ' && brk && brk > s)
			end = brk;
		snprintf(out, CTL_LINE_MAX, "%*s%.*s", indent, "", (int)(end - s), s);
		(*n)++;
		s = end;
		while (*s == ' ')
			s++;
		first = false;
	}
}

int ctl_detail(const Handoff__V1__Incident *inc, int64_t now_ms, int width,
	       char (*lines)[CTL_LINE_MAX], int max)
{
	char text[2048], t[32], d[32];
	int n = 0;

	/* What raised it, and who. */
	snprintf(text, sizeof text, "%s %s %s: %s from ", inc->id,
		 ctl_severity_name(inc->severity), ctl_state_short(inc->state),
		 trigger_text(inc->trigger));
	if (inc->subject && inc->subject->unit_id[0])
		append(text, sizeof text, "%s (%s, ISSI %" PRIu32 ")", inc->subject->callsign,
		       inc->subject->unit_id, inc->subject->issi);
	else
		append(text, sizeof text, "%s", inc->subject ? inc->subject->callsign : "?");
	ctl_wrap(text, width, lines, &n, max);

	/* Where. */
	snprintf(text, sizeof text, "Area %s (%s)", inc->area, inc->desk);
	if (inc->place[0])
		append(text, sizeof text, "; in flagged place %s", inc->place);
	if (inc->position)
		append(text, sizeof text, "; at %.5f,%.5f (fix %" PRId64 " s old)",
		       inc->position->lat, inc->position->lon, inc->fix_age_ms / 1000);
	else
		append(text, sizeof text, "; position unknown");
	ctl_wrap(text, width, lines, &n, max);

	/* Who was asked. */
	if (inc->n_asked) {
		snprintf(text, sizeof text, "Asked (%zu):", inc->n_asked);
		for (size_t i = 0; i < inc->n_asked; i++) {
			const Handoff__V1__Candidate *c = inc->asked[i];

			distance(d, sizeof d, c->distance_m, false);
			append(text, sizeof text, "%s %s %s%s", i ? "," : "",
			       c->unit ? c->unit->callsign : "?", d, c->stale ? " (STALE fix)" : "");
		}
	} else {
		snprintf(text, sizeof text, "Asked: no available constable in range");
	}
	ctl_wrap(text, width, lines, &n, max);

	/* Escalation and who has it. */
	snprintf(text, sizeof text, "Tier %" PRIu32 "%s", inc->escalation_level,
		 inc->repeats ? " (repeated)" : "");
	if (inc->next_escalation_unix_ms)
		append(text, sizeof text, ", next tier in %s",
		       ctl_duration(left_ms(inc->next_escalation_unix_ms, now_ms), t, sizeof t));
	else
		append(text, sizeof text, ", no further tier");
	append(text, sizeof text, "; supervisor %s",
	       inc->supervisor ? inc->supervisor->callsign : "not told");
	if (inc->acknowledged_by[0])
		append(text, sizeof text, "; acknowledged by %s", inc->acknowledged_by);
	append(text, sizeof text, "; assigned %s", inc->assigned ? inc->assigned->callsign : "nobody");
	if (inc->constable_required)
		append(text, sizeof text, " (a constable is required)");
	ctl_wrap(text, width, lines, &n, max);

	/* Clocks and radio. */
	text[0] = '\0';
	if (inc->detention) {
		static const char *const stage[] = { "?", "running", "supervisor warned",
						     "LIMIT REACHED", "ended" };
		uint32_t st = inc->detention->stage < 5 ? inc->detention->stage : 0;

		append(text, sizeof text, "Detention %s", stage[st]);
		if (st == 1 || st == 2)
			append(text, sizeof text, ", limit in %s",
			       ctl_duration(left_ms(inc->detention->limit_unix_ms, now_ms), t,
					    sizeof t));
	}
	if (inc->welfare_stage)
		append(text, sizeof text, "%sWelfare %s", text[0] ? "; " : "",
		       inc->welfare_stage >= 2 ? "RED" : "AMBER");
	append(text, sizeof text, "%sTriggers %" PRIu32 "; rule %s; age %s; radio: ",
	       text[0] ? "; " : "", inc->trigger_count, inc->rule[0] ? inc->rule : "?",
	       ctl_duration(inc->raised_unix_ms ? now_ms - inc->raised_unix_ms : 0, t, sizeof t));
	for (size_t i = 0; i < inc->n_radio_health; i++)
		append(text, sizeof text, "%s%s", i ? ", " : "", inc->radio_health[i]);
	if (!inc->n_radio_health)
		append(text, sizeof text, "no problem reported");
	ctl_wrap(text, width, lines, &n, max);

	if (inc->last_change[0]) {
		snprintf(text, sizeof text, "Last: %s", inc->last_change);
		ctl_wrap(text, width, lines, &n, max);
	}
	return n;
}
