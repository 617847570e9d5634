/*
 * sim.h - handoff-sim's parts: a city of units walking patrol routes inside
 * their beats (city.c, a pure model), scenario scripts (scenario.c, a pure
 * parser), a PEI server that broadcasts records to every connected gateway
 * (pei_server.c) and the load generator (load.c).
 */
#ifndef HF_SIM_H
#define HF_SIM_H

#include <stdbool.h>
#include <stdio.h>

#include <uv.h>

#include "config.h"
#include "places.h"

#define SIM_WAYPOINTS 5

/* Generated units' ISSIs (README "handoff-sim"): PCSOs count up from here,
 * constables from SIM_ISSI_CONSTABLES (or after the last PCSO), skipping any
 * ISSI on the roster. Load mode's units count up from SIM_ISSI_LOAD. */
#define SIM_ISSI_PCSOS 3100001
#define SIM_ISSI_CONSTABLES 3200001
#define SIM_ISSI_LOAD 4000001

/* Walking and driving speeds, metres per second. */
#define SIM_WALK_MIN 1.2
#define SIM_WALK_MAX 1.8
#define SIM_CAR_MIN 8.0
#define SIM_CAR_MAX 13.0

/*
 * A beat: an area of the places file (area != NULL) or a sector of the patrol
 * circle (bearings from_deg up to to_deg from the centre). Either way only
 * the part within the circle (sim.radius_m of sim.center) is patrolled.
 */
struct sim_beat {
	char id[HF_ID_MAX];            /* the area id, or "sector-N" */
	const struct hf_place *area;   /* borrowed from the config's places */
	double from_deg, to_deg;
};

struct sim_unit {
	char id[HF_ID_MAX];
	char callsign[HF_ID_MAX];
	uint32_t issi;
	enum hf_role role;
	bool generated;        /* not on the roster */
	bool car;              /* drives (8-13 m/s) rather than walks */
	size_t beat;           /* index in sim_city.beats */
	double lat, lon;
	double speed_mps;      /* when moving */
	double heading_deg;
	double route_lat[SIM_WAYPOINTS];
	double route_lon[SIM_WAYPOINTS];
	int next_wp;
	int status;            /* user status code it reports (-1: none mapped) */
	/* set by scenarios */
	bool has_target;       /* walking to target (move_to), then stays there */
	bool arrived;          /* reached its target: stands still */
	double target_lat, target_lon;
	bool silent;           /* stop_reporting: sends nothing until resumed */
	double next_report_s;  /* sim time of its next LIP report */
};

struct sim_city {
	const struct hf_config *cfg;  /* borrowed */
	double center_lat, center_lon, radius_m;
	struct sim_beat *beats;
	size_t n_beats;
	struct sim_unit *units;
	size_t n;
	uint64_t rng;
};

/*
 * Builds the city of cfg (borrowed until finish): its beats, every roster
 * unit and cfg->sim.pcsos + cfg->sim.constables generated ones, each on a
 * loop of waypoints inside its beat, with first reports spread over one
 * report interval. Deterministic for a seed. Returns 0 or -ENOMEM.
 */
int sim_city_init(struct sim_city *c, const struct hf_config *cfg, uint64_t seed);
void sim_city_finish(struct sim_city *c);
/* Moves every unit dt_s seconds along its route (or to its target). */
void sim_city_step(struct sim_city *c, double dt_s);
struct sim_unit *sim_city_find(struct sim_city *c, const char *id);
/* True when (lat, lon) is in beat b and within the patrol circle (with half
 * a metre of tolerance for rounding). */
bool sim_beat_contains(const struct sim_city *c, const struct sim_beat *b, double lat, double lon);
/* A deterministic pseudo-random number in [0, 1). */
double sim_city_random(struct sim_city *c);
/* The speed a unit reports now, km/h (0 when standing at its target). */
double sim_unit_kmh(const struct sim_unit *u);
/* Writes the generated units as roster entries (YAML) to fp. */
void sim_city_print_roster(const struct sim_city *c, FILE *fp);

/* PEI record text for a unit: a status SDS or a LIP short report. Returns the
 * length written into buf (NUL-terminated), 0 if it does not fit. */
size_t sim_pei_status(char *buf, size_t size, uint32_t issi, uint16_t status);
size_t sim_pei_lip(char *buf, size_t size, const struct sim_unit *u, uint8_t reason);
/* A LIP short report at a position (for load mode). */
size_t sim_pei_lip_at(char *buf, size_t size, uint32_t issi, double lat, double lon, double kmh,
		      double heading_deg, uint8_t reason);

/* ---------------------------------------------------------------------------
 * Scenarios (scenario.c): a YAML script of timed steps, see README.
 */
enum sim_action {
	SIM_SAY = 1,           /* only print the narration */
	SIM_STATUS,            /* send a status code */
	SIM_EMERGENCY,         /* status 0 + LIP reason 2 */
	SIM_MOVE_TO,           /* walk (or drive) to a point or another unit, stay there */
	SIM_LIP_REASON,        /* a LIP report with this reason now */
	SIM_STOP_REPORTING,    /* radio silence */
	SIM_RESUME_REPORTING,
};

struct sim_step {
	double at_s;                   /* seconds after t=0 */
	enum sim_action action;
	char unit[HF_ID_MAX];          /* "" for a SIM_SAY step */
	int unit_line, unit_col;       /* where `unit:` is, for sim_scenario_bind */
	size_t unit_index;             /* set by sim_scenario_bind */
	uint16_t status;               /* SIM_STATUS */
	char meaning[HF_NAME_MAX];     /* SIM_STATUS given as a meaning, else "" */
	uint8_t lip_reason;            /* SIM_LIP_REASON */
	double lat, lon;               /* SIM_MOVE_TO to a point */
	char to_unit[HF_ID_MAX];       /* SIM_MOVE_TO to a unit ("" for a point) */
	int to_line, to_col;
	size_t to_index;
	char say[256];                 /* narration ("" for none) */
	int line;                      /* the step's line in the file */
};

struct sim_scenario {
	char name[128];
	int start_s;                   /* clock at t=0, seconds after midnight UTC; -1: none */
	struct sim_step *steps;        /* in time order (stable) */
	size_t n_steps;
};

#define SIM_SCENARIO_FILE_MAX (1 << 20)
#define SIM_SCENARIO_STEPS_MAX 10000
#define SIM_SCENARIO_AT_MAX (7 * 86400.0)

/*
 * Parses a scenario from len bytes of buf (borrowed; need not be
 * NUL-terminated); name is used in messages. Status meanings are resolved
 * through cfg's status_map (cfg may be NULL: then only numeric codes and
 * "emergency" are accepted). Pure: no I/O. Returns 0 and a new scenario in
 * *out (free with sim_scenario_destroy), or -EINVAL (-ENOMEM) with every
 * problem in diag (initialised by the caller; may be NULL) as LINE:COL.
 */
int sim_scenario_parse(const char *name, const char *buf, size_t len,
		       const struct hf_config *cfg, struct sim_scenario **out, struct hf_diag *diag);
/* Reads the file (at most SIM_SCENARIO_FILE_MAX bytes) and parses it. */
int sim_scenario_load(const char *path, const struct hf_config *cfg, struct sim_scenario **out,
		      struct hf_diag *diag);
/* Resolves each step's unit ids against the city; unknown ones are problems
 * at their positions. Returns 0 or -EINVAL. */
int sim_scenario_bind(struct sim_scenario *s, const struct sim_city *c, struct hf_diag *diag);
void sim_scenario_destroy(struct sim_scenario *s);
/* "10:02:05" for a number of seconds after midnight. */
void sim_clock_format(double s, char *buf, size_t size);

/* ---------------------------------------------------------------------------
 * PEI server (pei_server.c)
 */
struct sim_server;
/* Listens on "host:port". on_connect (may be NULL) is called for each new
 * client, after which records broadcast reach it. */
struct sim_server *sim_server_create(uv_loop_t *loop, const char *listen,
				     void (*on_connect)(void *ctx, int clients), void *ctx,
				     int *err);
/* Sends text to every connected client (copied). Returns the client count. */
int sim_server_broadcast(struct sim_server *s, const char *text, size_t len);
/* Sends text to the newest client only (for the initial state on connect). */
void sim_server_send_last(struct sim_server *s, const char *text, size_t len);
/* Bytes written to clients but not yet taken by the kernel (all clients). */
size_t sim_server_pending(const struct sim_server *s);
int sim_server_clients(const struct sim_server *s);
void sim_server_close(struct sim_server *s);

/* ---------------------------------------------------------------------------
 * Load mode (load.c)
 */
enum sim_via { SIM_VIA_PEI, SIM_VIA_INGEST };

struct sim_load_opts {
	double rate;            /* records per second */
	enum sim_via via;
	uint32_t units;         /* spread over this many units */
	double duration_s;      /* 0: until stopped */
	const char *listen;     /* PEI: serve here */
	const char *endpoint;   /* ingest: connect here */
	const char *cert_path;  /* ingest with CURVE: our key pair, or NULL */
	const char *server_key_path; /* and the gateway's public certificate */
	uint64_t seed;
};

/* Runs load mode to the end (duration, or SIGINT/SIGTERM). Returns the exit
 * code (0, or 1 after printing why). */
int sim_load_run(const struct hf_config *cfg, const struct sim_load_opts *o);

#endif
