/*
 * incident.h - incidents: what was raised, about whom, who was asked, and where
 * the incident is in its life (raised -> acknowledged -> assigned -> accepted ->
 * on scene -> resolved | cancelled).
 *
 * Incidents are owned by a struct hf_incidents; pointers stay valid until
 * hf_incidents_finish() (closed incidents are kept).
 */
#ifndef HF_INCIDENT_H
#define HF_INCIDENT_H

#include "hashmap.h"
#include "nearest.h"
#include "radio_event.h"

#define HF_INCIDENT_ID_MAX 16
#define HF_NOTE_MAX 128

/* Values match handoff.v1.IncidentState. */
enum hf_incident_state {
	HF_INC_RAISED = 1,
	HF_INC_ACKNOWLEDGED = 2,
	HF_INC_ASSIGNED = 3,
	HF_INC_ACCEPTED = 4,
	HF_INC_ON_SCENE = 5,
	HF_INC_RESOLVED = 6,
	HF_INC_CANCELLED = 7,
};

/* Values match handoff.v1.Severity. */
enum hf_severity {
	HF_SEV_INFO = 1,
	HF_SEV_WARNING = 2,
	HF_SEV_HIGH = 3,
	HF_SEV_CRITICAL = 4,
};

/* Values match handoff.v1.TriggerKind. */
enum hf_trigger_kind {
	HF_TRIG_EMERGENCY_STATUS = 1,
	HF_TRIG_EMERGENCY_LIP = 2,
	HF_TRIG_EMERGENCY_CALL = 3,
	HF_TRIG_PANIC = 4,
	HF_TRIG_STATUS = 5,
	HF_TRIG_WELFARE = 6,
};

/* Radio health reported by the subject during an incident (bits). */
enum hf_radio_health {
	HF_HEALTH_SERVICE_LOSS = 1 << 0,  /* LIP reason 10 */
	HF_HEALTH_LOW_BATTERY = 1 << 1,   /* LIP reason 12 */
	HF_HEALTH_LOST_LOCATION = 1 << 2, /* LIP reason 21 */
};

/* Which rule opened an incident; repeats of the same rule for the same
 * subject join it. */
enum hf_rule_kind {
	HF_RULE_EMERGENCY = 1,
	HF_RULE_HANDOFF = 2,   /* a status meaning that needs a constable */
	HF_RULE_DETENTION = 3, /* detention_started: the 30-minute clock */
	HF_RULE_WELFARE = 4,   /* a lone PCSO's missed check-in */
};

/* The detention clock of a detention incident. */
enum hf_detention_stage {
	HF_DET_NONE = 0,
	HF_DET_RUNNING = 1,
	HF_DET_WARNED = 2,  /* supervisor warned */
	HF_DET_LIMIT = 3,   /* the limit is reached */
	HF_DET_ENDED = 4,   /* detention_ended, or a constable on scene */
};

struct hf_trigger {
	enum hf_trigger_kind kind;
	char meaning[HF_NAME_MAX]; /* "emergency", "confrontation_likely", ... */
	bool has_status;
	bool has_reason;
	uint16_t status;
	uint8_t reason;
	char source[HF_ID_MAX];    /* adapter that heard it */
};

struct hf_incident {
	char id[HF_INCIDENT_ID_MAX];   /* "INC-0001" */
	uint32_t number;
	enum hf_incident_state state;
	enum hf_severity severity;
	struct hf_trigger trigger;
	char rule[HF_NAME_MAX];        /* name of the rule that opened it */
	enum hf_rule_kind rule_kind;   /* repeats of it from the same subject join */
	uint32_t subject;              /* registry index of the PCSO / unit */
	uint32_t escalation_level;     /* tiers reached after the first (0 = tier 0) */
	uint32_t repeats;              /* escalations past the last tier + re-escalations */
	bool constable_required;       /* cannot be resolved before a constable is assigned */
	uint32_t supervisor;           /* registry index of the supervisor told, or HF_UNIT_NONE */
	int64_t next_mono_ns;          /* next escalation deadline, 0 if none */
	int64_t next_unix_ms;          /* the same in UTC, for display */
	uint32_t esc_gen;              /* bumped to drop queued escalation deadlines */
	uint32_t radio_health;         /* enum hf_radio_health bits heard during it */
	char team[HF_NAME_MAX];        /* team of the area it is routed to */
	char place[HF_NAME_MAX];       /* flagged place it lies in, "" if none */
	enum hf_detention_stage detention;
	int64_t detention_start_mono_ns;
	int64_t detention_start_unix_ms;
	uint32_t det_gen;              /* bumped to drop queued detention deadlines */
	uint32_t welfare_stage;        /* welfare incidents: 1 amber, 2 red */
	char last_change[HF_NOTE_MAX]; /* what the latest publication changed, for people */
	char change_source[HF_ID_MAX]; /* where that change came from: adapter, "command", "timer" */
	char change_actor[HF_ID_MAX];  /* who: the radio's callsign, the dispatcher, "gateway" */
	bool has_position;
	struct hf_fix position;        /* subject's fix when last updated */
	int64_t fix_mono_ns;
	char position_source[HF_ID_MAX];
	struct hf_candidate asked[HF_ASKED_MAX];
	size_t n_asked;
	char area[HF_ID_MAX];
	char desk[HF_ID_MAX];
	uint32_t trigger_count;
	int64_t last_trigger_mono_ns;  /* when the trigger was last heard */
	int64_t raised_unix_ms;
	int64_t updated_unix_ms;
	int64_t raised_mono_ns;
	char acknowledged_by[HF_ID_MAX];
	uint32_t assigned;             /* registry index, or HF_UNIT_NONE */
	char outcome[HF_NOTE_MAX];
	char closed_by[HF_ID_MAX];
};

struct hf_incidents {
	struct hf_incident **items; /* in the order raised */
	size_t n;
	size_t cap;
	uint32_t next_number;
	struct hf_strmap by_id;
};

void hf_incidents_init(struct hf_incidents *s);
void hf_incidents_finish(struct hf_incidents *s);

/* A new incident in state RAISED with the next number and id; all else zero
 * (assigned = HF_UNIT_NONE). NULL on allocation failure. */
struct hf_incident *hf_incidents_open(struct hf_incidents *s, const struct hf_now *now);

/* The incident with this number (1-based), or NULL. */
static inline struct hf_incident *hf_incidents_number(const struct hf_incidents *s, uint32_t n)
{
	return n >= 1 && n <= s->n ? s->items[n - 1] : NULL;
}

/* Recovery: the incident with this number, new in state RAISED (as
 * hf_incidents_open). Numbers missing below it (never in the journal) are
 * filled with closed placeholders so numbers stay positions. NULL if the
 * number is already used, or on allocation failure. */
struct hf_incident *hf_incidents_adopt(struct hf_incidents *s, uint32_t number,
				       const struct hf_now *now);

/* Case-insensitive; "inc-0001", "INC-0001" and "1" all find INC-0001. */
struct hf_incident *hf_incidents_find(const struct hf_incidents *s, const char *id);
/* The open incident that rule opened for subject, or NULL. */
struct hf_incident *hf_incidents_find_open(const struct hf_incidents *s, uint32_t subject,
					   enum hf_rule_kind rule);

bool hf_incident_is_open(const struct hf_incident *inc);
/* Number of incidents neither resolved nor cancelled. */
size_t hf_incidents_open_count(const struct hf_incidents *s);

const char *hf_incident_state_name(enum hf_incident_state st);
/* Lower-case name used in topics: info, warning, high, critical. */
const char *hf_severity_name(enum hf_severity sev);

#endif
