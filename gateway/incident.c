/*
 * incident.c - see incident.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"

void hf_incidents_init(struct hf_incidents *s)
{
	memset(s, 0, sizeof *s);
	s->next_number = 1;
	hf_strmap_init(&s->by_id, true);
}

void hf_incidents_finish(struct hf_incidents *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	hf_strmap_finish(&s->by_id);
	memset(s, 0, sizeof *s);
}

struct hf_incident *hf_incidents_open(struct hf_incidents *s, const struct hf_now *now)
{
	struct hf_incident *inc;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct hf_incident **items = realloc(s->items, cap * sizeof *items);

		if (!items)
			return NULL;
		s->items = items;
		s->cap = cap;
	}
	inc = calloc(1, sizeof *inc);
	if (!inc)
		return NULL;
	inc->number = s->next_number;
	snprintf(inc->id, sizeof inc->id, "INC-%04u", (unsigned)inc->number);
	if (hf_strmap_put(&s->by_id, inc->id, (uint32_t)s->n)) {
		free(inc);
		return NULL;
	}
	s->next_number++;
	inc->state = HF_INC_RAISED;
	inc->assigned = HF_UNIT_NONE;
	inc->supervisor = HF_UNIT_NONE;
	inc->raised_unix_ms = inc->updated_unix_ms = now->unix_ms;
	inc->raised_mono_ns = now->mono_ns;
	s->items[s->n++] = inc;
	return inc;
}

struct hf_incident *hf_incidents_adopt(struct hf_incidents *s, uint32_t number,
				       const struct hf_now *now)
{
	if (number == 0 || number < s->next_number)
		return NULL;
	while (s->next_number < number) {
		struct hf_incident *gap = hf_incidents_open(s, now);

		if (!gap)
			return NULL;
		gap->state = HF_INC_CANCELLED;
		snprintf(gap->outcome, sizeof gap->outcome, "archived (or never journaled)");
	}
	return hf_incidents_open(s, now);
}

struct hf_incident *hf_incidents_find(const struct hf_incidents *s, const char *id)
{
	char buf[HF_INCIDENT_ID_MAX];
	uint32_t idx;
	const char *p = id;

	/* A bare number is shorthand for INC-<number>. */
	while (*p && isdigit((unsigned char)*p))
		p++;
	if (*id && !*p && p - id < 10) {
		snprintf(buf, sizeof buf, "INC-%04lu", strtoul(id, NULL, 10));
		id = buf;
	}
	return hf_strmap_get(&s->by_id, id, &idx) ? s->items[idx] : NULL;
}

bool hf_incident_is_open(const struct hf_incident *inc)
{
	return inc->state != HF_INC_RESOLVED && inc->state != HF_INC_CANCELLED;
}

struct hf_incident *hf_incidents_find_open(const struct hf_incidents *s, uint32_t subject,
					   enum hf_rule_kind rule)
{
	/* Newest first: the open one is near the end. */
	for (size_t i = s->n; i-- > 0;) {
		struct hf_incident *inc = s->items[i];

		if (inc->subject == subject && hf_incident_is_open(inc) &&
		    inc->rule_kind == rule)
			return inc;
	}
	return NULL;
}

size_t hf_incidents_open_count(const struct hf_incidents *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += hf_incident_is_open(s->items[i]);
	return n;
}

const char *hf_incident_state_name(enum hf_incident_state st)
{
	switch (st) {
	case HF_INC_RAISED: return "raised";
	case HF_INC_ACKNOWLEDGED: return "acknowledged";
	case HF_INC_ASSIGNED: return "assigned";
	case HF_INC_ACCEPTED: return "accepted";
	case HF_INC_ON_SCENE: return "on scene";
	case HF_INC_RESOLVED: return "resolved";
	case HF_INC_CANCELLED: return "cancelled";
	}
	return "unknown";
}

const char *hf_severity_name(enum hf_severity sev)
{
	switch (sev) {
	case HF_SEV_INFO: return "info";
	case HF_SEV_WARNING: return "warning";
	case HF_SEV_HIGH: return "high";
	case HF_SEV_CRITICAL: return "critical";
	}
	return "unknown";
}
