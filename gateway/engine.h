/*
 * engine.h - the rules: radio events, commands and time in; incidents, unit
 * updates, SDS to radios and notices out.
 *
 * The engine owns the registry and the incidents. It does no I/O and reads no
 * clock: every call is given the time (struct hf_now), and what it decides goes
 * out through struct hf_engine_output, so rules run the same in the daemon and
 * in tests on simulated time. Deadlines (escalation tiers, the detention
 * clock, welfare checks) are kept inside; the caller asks when the next one is
 * due (hf_engine_next_deadline) and calls hf_engine_tick then.
 *
 * The rules (config/handoff.yaml documents their settings):
 *  - emergency: status 0 (or a code mapped to "emergency"), LIP reason 2, an
 *    emergency call or a panic raises a CRITICAL incident about the sender.
 *    A repeat joins it (trigger_count); the status 0 + LIP reason-2 pair of
 *    one press counts once. An unknown ISSI still alerts. Nothing filters,
 *    samples or rate-limits this path. It mutes the sender's welfare alert.
 *  - hand-off: confrontation_likely, constable_required, multi_party_dispute,
 *    risk_of_harm, serious_crime_link, terrorism_suspected, and
 *    power_required:<p> for a power the force has not designated to its PCSOs
 *    (Terrorism Act powers never are) raise an incident that needs a constable:
 *    it cannot be resolved until one is assigned. terrorism_suspected and
 *    Terrorism Act powers start CRITICAL.
 *  - detention: detention_started asks for a constable at once, warns a
 *    supervisor at warn_after_min and goes CRITICAL at limit_min; the clock
 *    stops at detention_ended or when a constable is on scene.
 *  - welfare: a lone-patrol PCSO heard on air with no status report or
 *    check-in for amber_after_min raises an amber (warning) incident, red
 *    (high, constables and a supervisor asked) red_after_min later; a check-in
 *    resolves it. Automatic position reports do not count as a check-in: a
 *    radio keeps reporting positions from a PCSO who cannot press a button.
 *  - radio health: LIP service loss (10), low battery (12) and lost location
 *    (21) from the subject of an open incident raise its severity one step
 *    (once per kind) and say so.
 *  - escalation: each rule's tiers (see struct hf_escalation_config): an
 *    unacknowledged incident moves to the next tier (more constables, wider
 *    radius, a supervisor); after the last tier it repeats at most
 *    max_repeats times; an acknowledgement left ack_timeout_s without an
 *    assignment re-escalates.
 *  - on scene: the assigned constable's fix within on_scene_radius_m of the
 *    incident's position, an at_scene status from them, or `arrive`.
 *  - places (config `places:`): an incident is routed to the desk of the
 *    area containing the subject's position (else the unit's roster area); an
 *    incident inside a flagged place starts at least at its severity; a PCSO
 *    entering a flagged place is a `place_entered` notice to the desk.
 */
#ifndef HF_ENGINE_H
#define HF_ENGINE_H

#include "config.h"
#include "incident.h"
#include "registry.h"
#include "places.h"
#include "timers.h"

struct hf_engine;

/* A LIP emergency report this soon after the last trigger is the same press. */
#define HF_EMERGENCY_SAME_PRESS_S 10
/* Idempotency keys remembered (the oldest is forgotten first). */
#define HF_IDEM_MAX 4096
#define HF_IDEM_KEY_MAX 64

/* Something dispatchers should see that is not an incident. */
struct hf_notice {
	const char *kind;     /* "place_entered", "sds_failed", ... */
	int severity;         /* enum hf_severity */
	uint32_t unit;        /* registry index, or HF_UNIT_NONE */
	const char *area;     /* area id it is routed by */
	const char *place;    /* flagged place, "" if none */
	const char *text;     /* for people */
};

/* Where the engine's decisions go (the bus in the daemon; a recorder in tests).
 * Pointers are borrowed for the duration of the call. Any slot may be NULL. */
struct hf_engine_output {
	/* An incident was raised or changed: publish the alert. */
	void (*incident)(void *ctx, const struct hf_engine *e, const struct hf_incident *inc,
			 const struct hf_now *now);
	/* A unit's status or position changed. */
	void (*unit)(void *ctx, const struct hf_engine *e, const struct hf_unit *u,
		     const struct hf_now *now);
	/* Send a text SDS to unit `to` through the adapter named `via` (the one
	 * that heard the incident's trigger). */
	void (*sds)(void *ctx, const struct hf_engine *e, const struct hf_unit *to,
		    const char *via, const char *text, const struct hf_now *now);
	/* Tell dispatchers something (not an incident). */
	void (*notice)(void *ctx, const struct hf_engine *e, const struct hf_notice *n,
		       const struct hf_now *now);
	void *ctx;
};

struct hf_engine_stats {
	uint64_t events;          /* radio events processed */
	uint64_t emergencies;     /* emergency events (raised or joined) */
	uint64_t incidents;       /* incidents raised */
	uint64_t escalations;     /* tiers reached, repeats and re-escalations */
	uint64_t commands;        /* commands applied */
	uint64_t commands_failed; /* commands refused */
	uint64_t commands_replayed; /* commands answered from their idempotency key */
};

/* Rule state the engine keeps per registry unit (indexed like the registry). */
struct hf_unit_rules {
	bool lone;                /* roster lone_patrol */
	bool welfare_on;          /* heard on air, on duty: the welfare clock runs */
	uint32_t welfare_gen;     /* bumped to drop queued welfare deadlines */
	uint32_t open_subject;    /* open incidents about this unit */
	/* By hf_rule_kind: the number of the open incident of that rule about
	 * this unit (at most one: a repeat joins it), 0 = none. */
	uint32_t open_rule[5];
	uint32_t open_assigned;   /* open incidents this unit is assigned to */
	const struct hf_place *place; /* flagged place the unit is in (PCSOs), or NULL */
};

/* A remembered command reply, for idempotency keys. */
struct hf_idem_entry {
	char key[HF_IDEM_KEY_MAX];
	int code;
	char message[256];
	uint32_t incident; /* number, 0 if none */
};

struct hf_engine {
	const struct hf_config *cfg; /* borrowed; replaced by hf_engine_reconfigure */
	struct hf_registry reg;
	struct hf_incidents incidents;
	struct hf_engine_output out;
	struct hf_engine_stats stats;
	struct hf_timers timers;
	struct hf_unit_rules *ur;    /* per unit */
	size_t ur_cap;
	uint32_t *supervisors;       /* registry indices of the roster's supervisors */
	size_t n_supervisors;
	struct hf_idem_entry *idem;  /* ring of HF_IDEM_MAX */
	size_t idem_next;
	struct hf_strmap idem_keys;  /* key -> ring slot */
	/* What is being processed, stamped on every change (the journal's source
	 * and actor): set by on_event, command and tick. */
	const char *cur_source;
	const char *cur_actor;
};

/* cfg is borrowed and must outlive the engine (or the next reconfigure). */
int hf_engine_init(struct hf_engine *e, const struct hf_config *cfg,
		   const struct hf_engine_output *out);
void hf_engine_finish(struct hf_engine *e);

/* Switches to a new config (roster, status map, rules); nothing tracked is lost.
 * Deadlines already queued keep their times; new ones use the new settings.
 * On error the engine keeps working with what it could apply. */
int hf_engine_reconfigure(struct hf_engine *e, const struct hf_config *cfg);

/* Processes one normalized radio event. Returns 0, or -ENOMEM (the event's
 * emergency, if any, may not have been raised: the caller must log loudly). */
int hf_engine_on_event(struct hf_engine *e, const struct hf_radio_event *ev,
		       const struct hf_now *now);

/* Fires every deadline due at now (escalations, detention, welfare). */
void hf_engine_tick(struct hf_engine *e, const struct hf_now *now);

/* Monotonic time of the earliest pending deadline, or INT64_MAX if none. It
 * may be stale (cancelled): ticking then is harmless. */
int64_t hf_engine_next_deadline(const struct hf_engine *e);

/* Values match handoff.v1.CommandKind. */
enum hf_command_kind {
	HF_CMD_ACK = 1,
	HF_CMD_ASSIGN = 2,
	HF_CMD_ACCEPT = 3,
	HF_CMD_ARRIVE = 4,
	HF_CMD_RESOLVE = 5,
	HF_CMD_CANCEL = 6,
	HF_CMD_CHECK_IN = 7,
};

/* Values match handoff.v1.ReplyCode. */
enum hf_reply_code {
	HF_REPLY_OK = 1,
	HF_REPLY_BAD_REQUEST = 2,
	HF_REPLY_NOT_FOUND = 3,
	HF_REPLY_INVALID_TRANSITION = 4,
	HF_REPLY_UNSUPPORTED = 5,
	HF_REPLY_INTERNAL = 6,
	HF_REPLY_FORBIDDEN = 7,
	HF_REPLY_RATE_LIMITED = 8,
	HF_REPLY_TOO_LARGE = 9,
};

struct hf_command {
	enum hf_command_kind kind;
	const char *incident_id; /* "" if none */
	const char *callsign;    /* "" if none */
	const char *note;        /* "" if none */
	const char *actor;       /* who is acting; "" = "unknown" */
	const char *idempotency_key; /* "" or NULL: none */
	/* A constable's key: the roster id of their unit. accept and arrive then
	 * act only on an incident assigned to that unit, and only for it
	 * (HF_REPLY_FORBIDDEN otherwise). NULL or "": no such restriction. */
	const char *own_unit;
};

struct hf_command_result {
	enum hf_reply_code code;
	char message[256];               /* always set */
	const struct hf_incident *incident; /* the incident acted on, if found */
	bool replayed;                   /* answered from its idempotency key */
};

/* Applies a command; never crashes on a bad one: an invalid transition or an
 * unknown incident is a refusal with a clear message. A command whose
 * idempotency key was seen before is not applied again: the first reply is
 * returned (with the incident as it is now). */
void hf_engine_command(struct hf_engine *e, const struct hf_command *cmd,
		       const struct hf_now *now, struct hf_command_result *res);

/*
 * Recovery: adopts an incident read back from the journal. tmpl holds every
 * field with units resolved to registry indices and times in UTC (the
 * *_mono_ns fields are ignored: they are derived from the UTC times and now).
 * Open incidents get their deadlines back; one that passed while the gateway
 * was down fires at the next hf_engine_tick. Nothing is published. Returns 0,
 * -EEXIST (number taken) or -ENOMEM.
 */
int hf_engine_adopt(struct hf_engine *e, const struct hf_incident *tmpl, const struct hf_now *now);
/* Recovery: remembers a command reply under its idempotency key. */
void hf_engine_remember(struct hf_engine *e, const char *key, int code, const char *message,
			uint32_t incident);

/* True if a constable is available to be asked: role constable, on the roster,
 * and a status whose meaning is in rules.available_statuses. */
bool hf_engine_unit_available(const struct hf_engine *e, const struct hf_unit *u);

/* Meaning of the unit's last status ("" if none or unmapped). */
const char *hf_engine_status_meaning(const struct hf_engine *e, const struct hf_unit *u);

#endif
