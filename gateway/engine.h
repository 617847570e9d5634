/*
 * engine.h - the rules: radio events in, incidents and unit updates out.
 *
 * The engine owns the registry and the incidents. It does no I/O and reads no
 * clock: every call is given the time (struct hf_now), and what it decides goes
 * out through struct hf_engine_output, so rules run the same in the daemon and
 * in tests on simulated time.
 *
 * Rules in this version:
 *  - emergency: status 0, LIP reason 2, an emergency call or a panic raises a
 *    CRITICAL incident about the sender, routed to the sender's area, asking the
 *    K nearest available constables within R of the sender's last fix. A repeat
 *    while it is open joins it (trigger_count), never opens a second one, and is
 *    published. A radio sends status 0 and a LIP report with reason 2 for one
 *    press: a reason-2 report within HF_EMERGENCY_SAME_PRESS_S of the last
 *    trigger is that press's position, not a new press. An unknown ISSI still
 *    alerts. Nothing filters, samples or rate-limits this path.
 *  - a position from the subject of an open incident updates the incident (the
 *    snapshot is always current); it is published when it matters: the first
 *    fix, or when it lets the nearest constables be asked.
 */
#ifndef HF_ENGINE_H
#define HF_ENGINE_H

#include "config.h"
#include "incident.h"
#include "registry.h"

struct hf_engine;

/* A LIP emergency report this soon after the last trigger is the same press. */
#define HF_EMERGENCY_SAME_PRESS_S 10

/* Where the engine's decisions go (the bus in the daemon; a recorder in tests).
 * Pointers are borrowed for the duration of the call. Any slot may be NULL. */
struct hf_engine_output {
	/* An incident was raised or changed: publish the alert. */
	void (*incident)(void *ctx, const struct hf_engine *e, const struct hf_incident *inc,
			 const struct hf_now *now);
	/* A unit's status or position changed. */
	void (*unit)(void *ctx, const struct hf_engine *e, const struct hf_unit *u,
		     const struct hf_now *now);
	void *ctx;
};

struct hf_engine_stats {
	uint64_t events;          /* radio events processed */
	uint64_t emergencies;     /* emergency events (raised or joined) */
	uint64_t incidents;       /* incidents raised */
	uint64_t commands;        /* commands applied */
	uint64_t commands_failed; /* commands refused */
};

struct hf_engine {
	const struct hf_config *cfg; /* borrowed; replaced by hf_engine_reconfigure */
	struct hf_registry reg;
	struct hf_incidents incidents;
	struct hf_engine_output out;
	struct hf_engine_stats stats;
};

/* cfg is borrowed and must outlive the engine (or the next reconfigure). */
int hf_engine_init(struct hf_engine *e, const struct hf_config *cfg,
		   const struct hf_engine_output *out);
void hf_engine_finish(struct hf_engine *e);

/* Switches to a new config (roster, status map, rules); nothing tracked is lost.
 * On error the engine keeps working with what it could apply. */
int hf_engine_reconfigure(struct hf_engine *e, const struct hf_config *cfg);

/* Processes one normalized radio event. Returns 0, or -ENOMEM (the event's
 * emergency, if any, may not have been raised: the caller must log loudly). */
int hf_engine_on_event(struct hf_engine *e, const struct hf_radio_event *ev,
		       const struct hf_now *now);

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
};

struct hf_command {
	enum hf_command_kind kind;
	const char *incident_id; /* "" if none */
	const char *callsign;    /* "" if none */
	const char *note;        /* "" if none */
	const char *actor;       /* who is acting; "" = "unknown" */
};

struct hf_command_result {
	enum hf_reply_code code;
	char message[256];               /* always set */
	const struct hf_incident *incident; /* the incident acted on, if found */
};

/* Applies a command; never crashes on a bad one: an invalid transition or an
 * unknown incident is a refusal with a clear message. */
void hf_engine_command(struct hf_engine *e, const struct hf_command *cmd,
		       const struct hf_now *now, struct hf_command_result *res);

/* True if a constable is available to be asked: role constable, on the roster,
 * and a status whose meaning is in rules.available_statuses. */
bool hf_engine_unit_available(const struct hf_engine *e, const struct hf_unit *u);

/* Meaning of the unit's last status ("" if none or unmapped). */
const char *hf_engine_status_meaning(const struct hf_engine *e, const struct hf_unit *u);

#endif
