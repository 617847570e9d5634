/*
 * config.h - the gateway's YAML configuration (config/handoff.yaml documents it).
 *
 * Loading is all-or-nothing: hf_config_load() either returns a complete,
 * validated config or collects every problem it found as FILE:LINE:COL messages
 * in a struct hf_diag and returns -EINVAL. A running gateway keeps its old config
 * when a reload fails, so a bad edit never takes anything away.
 */
#ifndef HF_CONFIG_H
#define HF_CONFIG_H

#include <stdio.h>

#include "hf.h"

#define HF_PATH_MAX 512
#define HF_AVAILABLE_MAX 8 /* status meanings that count as "available" */
#define HF_TIERS_MAX 6     /* escalation tiers after the first, per rule */
#define HF_POWERS_MAX 32   /* powers a force designates to its PCSOs */

/* One entry of `adapters:`. Which keys apply depends on `type`. */
struct hf_adapter_config {
	char name[HF_ID_MAX];      /* unique instance name, e.g. "pei-1" (default: type) */
	char type[HF_ID_MAX];      /* "tetra-pei", ... (must be a known adapter type) */
	char connect[HF_ADDR_MAX]; /* tetra-pei over TCP: "host:port" ("" with device) */
	char bind[HF_ADDR_MAX];    /* ingest: ZeroMQ endpoint to bind (from endpoints.ingest) */
	char curve_secret[41];     /* ingest: the gateway's CURVE secret key ("" = no CURVE) */
	uint32_t max_msg_bytes;    /* ingest: larger messages are refused (security.limits) */
	uint32_t reconnect_min_ms; /* first reconnect delay (default 250) */
	uint32_t reconnect_max_ms; /* backoff ceiling (default 10000) */
	char host[HF_ADDR_MAX];    /* gpsd: host name or address (default 127.0.0.1) */
	uint32_t port;             /* gpsd: TCP port (default 2947) */
	char device[HF_PATH_MAX];  /* gpsd: the device path gpsd reads (WATCH_DEVICE);
				    * tetra-pei: the serial port ("" with connect) */
	uint32_t baud;             /* tetra-pei serial: a termios rate (default 9600) */
	uint32_t liveness_ms;      /* tetra-pei: AT after this much silence (default 30000, 0 off) */
	uint32_t command_timeout_ms; /* tetra-pei: answer wait per command (default 5000) */
	char unit[HF_ID_MAX];      /* gpsd: roster id of the unit carrying that receiver */
	int line;                  /* where it was declared (1-based), for messages */
};

/* One entry of `areas:`: a beat, ward or corridor with its dispatcher desk. */
struct hf_area_config {
	char id[HF_ID_MAX];    /* used in topics: alert.<id>.<severity> */
	char name[HF_NAME_MAX];
	char desk[HF_ID_MAX];  /* dispatcher desk that takes its alerts */
	char team[HF_NAME_MAX];
};

/* One entry of `roster:`. */
struct hf_roster_entry {
	char id[HF_ID_MAX];       /* unique unit id, e.g. "pcso-7" */
	uint32_t issi;            /* unique, 1..16777215 */
	char callsign[HF_ID_MAX]; /* unique (ignoring case and spaces), e.g. "PCSO 7" */
	enum hf_role role;
	char team[HF_NAME_MAX];
	char area[HF_ID_MAX];     /* must name an entry of `areas:` */
	int lone_patrol;          /* 1: patrols alone, so the welfare check applies */
};

/* One entry of `status_map:`: a user-range status code and what it means. */
struct hf_status_entry {
	uint16_t code;              /* 32768..65535 */
	char meaning[HF_NAME_MAX];  /* e.g. "available", "power_required:stop_and_search" */
};

/* `sim:`, read only by handoff-sim (the daemon validates it and ignores it). */
struct hf_sim_config {
	char listen[HF_ADDR_MAX];   /* PEI server address; default: first tetra-pei connect */
	double center_lat, center_lon;
	double radius_m;            /* patrol routes stay within this of the centre */
	uint32_t report_interval_ms;/* each unit's LIP report interval */
	uint32_t report_jitter_ms;  /* each interval varies by up to +- this */
	uint32_t pcsos;             /* generated PCSOs beyond the roster */
	uint32_t constables;        /* generated constables beyond the roster */
	uint32_t beats;             /* sectors when the places file has no areas */
	char emergency_unit[HF_ID_MAX]; /* unit id that presses the button ("" = none) */
	uint32_t emergency_after_ms;    /* first press, after start */
	uint32_t emergency_repeat_ms;   /* second press, after the first (0 = none) */
};

/* One escalation tier after the first: what happens when the incident has
 * sat unacknowledged for after_ms since the previous tier. */
struct hf_tier_config {
	uint32_t after_ms;   /* since the previous tier */
	uint32_t constables; /* how many nearest available constables to ask (1-16) */
	double radius_m;     /* within this distance of the subject's last fix */
	int supervisor;      /* 1: a supervisor is told too */
};

/*
 * How a rule's incidents escalate. Tier 0 is what happens when the incident is
 * raised: the area's desk, `constables` nearest within `radius_m`, and a
 * supervisor if `supervisor`. Each later tier fires when the incident is still
 * unacknowledged `after_ms` after the previous one. After the last tier the
 * last tier repeats (same interval) at most max_repeats times. An incident
 * acknowledged but not assigned for ack_timeout_ms re-escalates to the next
 * tier (0 = never); that counts against max_repeats too.
 */
struct hf_escalation_config {
	uint32_t constables;
	double radius_m;
	int supervisor;
	int severity; /* enum hf_severity the incident starts at */
	struct hf_tier_config tiers[HF_TIERS_MAX];
	size_t n_tiers;
	uint32_t ack_timeout_ms;
	uint32_t max_repeats;
};

struct hf_places;

/* Who may connect, from the keys file (`security.clients`). */
enum hf_client_role {
	HF_CLIENT_DISPATCHER,
	HF_CLIENT_SUPERVISOR,
	HF_CLIENT_CONSTABLE,
	HF_CLIENT_CAD,
	HF_CLIENT_ADAPTER,
	HF_CLIENT_ADMIN,
	HF_CLIENT_LOCAL, /* no keys configured: a loopback peer, allowed everything */
};

/* One entry of the keys file's `clients:`. */
struct hf_client_key {
	char name[HF_ID_MAX];            /* the identity recorded as the actor */
	enum hf_client_role role;
	char key[41];                    /* CURVE public key, Z85 */
	char unit[HF_ID_MAX];            /* constable: their roster id ("" = none) */
	int line;
};

struct hf_config {
	char path[HF_PATH_MAX];
	/* GeoJSON areas and flagged places (`places:`, resolved against the
	 * config's directory; "" = none) and what was loaded from it (owned;
	 * NULL when none, and always NULL from hf_config_load_string). */
	char places_path[HF_PATH_MAX];
	struct hf_places *places;

	struct {
		char id[HF_ID_MAX];           /* gateway instance name (default "handoff") */
		char state_dir[HF_PATH_MAX];  /* default "state", relative to the config file */
		uint32_t heartbeat_ms;        /* heartbeat when idle (default 1000) */
		/* Unit updates are conflated per unit and published every this
		 * many ms (0 = every change at once). Default 500. */
		uint32_t unit_publish_ms;
		/* Closed incidents older than this move from the journal to
		 * <state_dir>/archive.db (0 = keep them in the journal). Default 90. */
		double retain_days;
		enum hf_log_level log_level;  /* default info */
	} gateway;

	/* `security:`: CURVE on every ZeroMQ endpoint when server_cert is set. */
	struct {
		char server_cert[HF_PATH_MAX]; /* the gateway's NAME.key_secret ("" = no CURVE) */
		char clients_path[HF_PATH_MAX]; /* the keys file (required with server_cert) */
		char server_public[41];         /* from server_cert (loaded by hf_config_load) */
		char server_secret[41];
		struct hf_client_key *clients;  /* from the keys file (owned) */
		size_t n_clients;
		int insecure;                   /* 1: a non-loopback bind without CURVE is allowed */
		struct {
			uint32_t max_command_bytes;  /* larger requests are refused (default 16384) */
			uint32_t max_ingest_bytes;   /* larger RadioEvents are refused (default 65536) */
			double commands_per_s;       /* per identity (default 20; 0 = no limit) */
			double commands_burst;       /* default 40 */
			double ingest_per_s;         /* per identity, emergencies exempt (default 5000) */
			double ingest_burst;         /* default 10000 */
		} limits;
	} security;

	struct {
		char publish[HF_ADDR_MAX]; /* ZeroMQ PUB bind (default tcp://127.0.0.1:7701) */
		char command[HF_ADDR_MAX]; /* ZeroMQ ROUTER bind (default tcp://127.0.0.1:7702) */
		char ingest[HF_ADDR_MAX];  /* ZeroMQ PULL bind (default tcp://127.0.0.1:7703; "" = off) */
	} endpoints;

	struct hf_adapter_config *adapters;
	size_t n_adapters;
	struct hf_area_config *areas;
	size_t n_areas;
	char default_area[HF_ID_MAX]; /* area for units not on the roster (default: first area) */
	struct hf_roster_entry *roster;
	size_t n_roster;
	struct hf_status_entry *status_map;
	size_t n_status;

	struct {
		/* Status meanings that make a constable "available" to be asked
		 * (default: available, on_patrol). */
		char available[HF_AVAILABLE_MAX][HF_NAME_MAX];
		size_t n_available;
		uint32_t stale_fix_s; /* a fix older than this is flagged stale (default 300) */
		/* An assigned constable whose fix comes within this of the incident
		 * position is on scene (default 50). */
		double on_scene_radius_m;
		/* 1: the PCSO's radio gets an SDS when a dispatcher acknowledges or
		 * assigns (default 1). */
		int confirm_sds;
		/* Powers the force designates to its PCSOs (power_required:<p> for one
		 * of these is the PCSO's to use: no hand-off). Never a Terrorism Act
		 * power (see hf_power_is_terrorism). */
		char powers[HF_POWERS_MAX][HF_NAME_MAX];
		size_t n_powers;
		/* Status 0, LIP reason 2, emergency call, panic: always critical. */
		struct hf_escalation_config emergency;
		/* Status meanings that hand the situation to a constable
		 * (confrontation_likely, ..., power_required:<not designated>). */
		struct hf_escalation_config handoff;
		/* detention_started: a constable at once, a supervisor warned at
		 * warn_ms, critical at limit_ms (defaults 20 and 30 minutes). */
		struct {
			struct hf_escalation_config esc;
			uint32_t warn_ms;
			uint32_t limit_ms;
		} detention;
		/* Lone-patrol PCSOs: amber after amber_ms without a status report or
		 * check-in, red red_ms after that (defaults 20 and 10 minutes; 0 = off). */
		struct {
			uint32_t amber_ms;
			uint32_t red_ms;
			struct hf_escalation_config esc;
		} welfare;
	} rules;

	struct hf_sim_config sim;
};

/* One problem found in a config file. line and col are 1-based (0 = unknown). */
struct hf_diag_entry {
	int line;
	int col;
	char msg[256];
	const char *file; /* another file it was found in (e.g. places:), or NULL */
};

/* Every problem found while loading one file. */
struct hf_diag {
	char file[HF_PATH_MAX];
	char *other_file;           /* owned: the file of entries whose .file is set */
	struct hf_diag_entry *entries;
	size_t n;
	size_t cap;
};

void hf_diag_init(struct hf_diag *d);
void hf_diag_finish(struct hf_diag *d);
/* Records a problem (printf-style message). d may be NULL (nothing kept).
 * After 999 problems one last entry says so and the rest are dropped. */
void hf_diag_add(struct hf_diag *d, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prints each problem as "FILE:LINE:COL: message\n". */
void hf_diag_print(const struct hf_diag *d, FILE *fp);
/* Sorts entries [from, to) by line then column, stably. */
void hf_diag_sort(struct hf_diag *d, size_t from, size_t to);
/* The file problem i was found in. */
const char *hf_diag_file(const struct hf_diag *d, size_t i);

/*
 * Loads and validates the YAML file at path. On success returns 0 and a new
 * config in *out (free with hf_config_destroy). On failure returns a negative
 * errno (-ENOENT, -EINVAL, ...), *out is NULL and diag holds every problem
 * found (unknown key, wrong type, duplicate ISSI, missing required field, ...).
 * known_adapter_types is a NULL-terminated list of valid `type:` values
 * (NULL: accept any type, for tools that do not link the adapters).
 * diag (may be NULL) must have been initialised; its file is set to path and
 * the problems are appended, sorted by line and column.
 */
int hf_config_load(const char *path, const char *const *known_adapter_types,
		   struct hf_config **out, struct hf_diag *diag);
/*
 * hf_config_load() also loads the `places:` GeoJSON file: its problems are
 * reported at their own FILE:LINE:COL, and an area feature whose id is not
 * an `areas:` id is a problem.
 *
 * Same as hf_config_load() for YAML text already in memory (buf, len bytes,
 * need not be NUL-terminated; borrowed). name is used in messages and, like a
 * file path, to resolve a relative state_dir against its directory. Pure: no
 * I/O, so unit tests and fuzzers call it directly.
 */
int hf_config_load_string(const char *name, const char *buf, size_t len,
			  const char *const *known_adapter_types,
			  struct hf_config **out, struct hf_diag *diag);
/*
 * hf_config_load() also loads, when security.server_cert is set, that
 * certificate and the keys file security.clients (problems at its own
 * FILE:LINE:COL). This reads keys-file text into cfg->security.clients
 * (replacing what was there); pure, for tests and the fuzzer. 0 or -EINVAL.
 */
int hf_config_keys_load_string(struct hf_config *cfg, const char *name, const char *buf,
			       size_t len, struct hf_diag *diag);
/* hf_config_load() for the tools (handoffctl, handoff-sim): everything but
 * the server's certificate and the keys file, which a dispatcher's machine
 * does not have (security.server_cert and clients are still checked as
 * paths; server_public stays ""). */
int hf_config_load_client(const char *path, const char *const *known_adapter_types,
			  struct hf_config **out, struct hf_diag *diag);
/* True for an endpoint only this machine can reach: tcp://127.x, localhost,
 * [::1] or the lo interface, ipc:// and inproc://. */
bool hf_endpoint_is_local(const char *ep);
/* Frees a config from hf_config_load(). NULL is a no-op. */
void hf_config_destroy(struct hf_config *cfg);

/*
 * Fills cfg with the built-in defaults (what every key means when absent).
 * Overwrites everything without freeing. Sequences stay empty (no adapters,
 * areas, roster or status map: nothing to free); default_area is "default",
 * the id of the one area a loaded config gets when it has no `areas:`.
 */
void hf_config_defaults(struct hf_config *cfg);

/* Meaning of a user status code, or NULL if the map has none. Status 0 is
 * always "emergency". */
const char *hf_config_status_meaning(const struct hf_config *cfg, uint16_t code);
/* Code for a meaning (first match in the map), or -1. "emergency" with no
 * user code in the map gives 0, the ETSI emergency status. */
int hf_config_status_code(const struct hf_config *cfg, const char *meaning);
/* True if power (the <p> of power_required:<p>) is one the Terrorism Act 2000
 * confers, which can never be designated to a PCSO. */
bool hf_power_is_terrorism(const char *power);
/* True if the force designates power to its PCSOs (rules.designated_powers). */
bool hf_config_power_designated(const struct hf_config *cfg, const char *power);
/* True if `meaning` is one of rules.available. */
bool hf_config_is_available(const struct hf_config *cfg, const char *meaning);
const struct hf_area_config *hf_config_area(const struct hf_config *cfg, const char *id);
/* First adapter of the given type, or NULL. */
const struct hf_adapter_config *hf_config_adapter_of_type(const struct hf_config *cfg,
							  const char *type);

#endif
