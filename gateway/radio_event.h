/*
 * radio_event.h - the normalized radio event.
 *
 * Every adapter turns what it hears into these; the registry and rules see
 * nothing else. It mirrors handoff.v1.RadioEvent (proto/handoff/v1/radio.proto);
 * gateway/wire.c converts between the two. Plain data: no pointers, so events can
 * be copied and queued freely.
 */
#ifndef HF_RADIO_EVENT_H
#define HF_RADIO_EVENT_H

#include "hf.h"

#define HF_TEXT_MAX 256

/* Values match handoff.v1.EventKind. */
enum hf_event_kind {
	HF_EVENT_NONE = 0,
	HF_EVENT_STATUS = 1,         /* pre-coded status: has_status */
	HF_EVENT_LOCATION = 2,       /* position report: has_fix */
	HF_EVENT_EMERGENCY_CALL = 3, /* +CTICN with call priority 15 */
	HF_EVENT_PANIC = 4,          /* panic button outside the radio */
	HF_EVENT_TEXT = 5,           /* free-text SDS: text */
	HF_EVENT_CHECK_IN = 6,       /* lone-worker check-in */
};

/* ETSI pre-coded status 0 is the emergency status (EN 300 392-2). */
#define HF_STATUS_EMERGENCY 0
/* LIP reasons for sending (TS 100 392-18-1) that rules act on. */
#define HF_LIP_REASON_EMERGENCY 2
#define HF_LIP_REASON_SERVICE_LOSS 10
#define HF_LIP_REASON_LOW_BATTERY 12
#define HF_LIP_REASON_LOST_LOCATION 21
/* Emergency call priority in +CTICN. */
#define HF_CALL_PRIORITY_EMERGENCY 15

/* A position fix. Optional parts have a has_ flag. */
struct hf_fix {
	double lat; /* degrees north */
	double lon; /* degrees east */
	bool has_error;
	bool has_velocity;
	bool has_direction;
	bool has_altitude;
	bool has_fix_time;
	bool has_age_max;
	uint32_t error_m;     /* horizontal error upper bound, metres */
	double velocity_kmh;  /* speed over ground */
	double direction_deg; /* direction of travel from true north */
	double altitude_m;
	int64_t fix_unix_ms;   /* when the fix was taken, if the source says */
	uint32_t age_max_s;    /* LIP "time elapsed" class upper bound, seconds */
};

struct hf_radio_event {
	enum hf_event_kind kind;
	uint32_t issi;              /* sender's ISSI (24 bit); 0 if the source names unit_id */
	char unit_id[HF_ID_MAX];    /* sender's roster id, if the source knows it */
	char source[HF_ID_MAX];     /* adapter instance name */
	int64_t received_unix_ms;   /* when it reached the gateway (0: stamp on arrival) */

	bool has_status;
	bool has_fix;
	bool has_reason;
	bool has_call_priority;
	uint16_t status;            /* 16-bit pre-coded status */
	uint8_t reason;             /* LIP reason for sending */
	uint8_t call_priority;      /* 0..15 */
	struct hf_fix fix;
	char text[HF_TEXT_MAX];     /* text SDS, NUL-terminated, UTF-8 */
};

/* True if this event is an emergency by itself: status 0, LIP reason 2, an
 * emergency-priority call, or a panic. Rules never filter or rate-limit these. */
bool hf_radio_event_is_emergency(const struct hf_radio_event *ev);

#endif
