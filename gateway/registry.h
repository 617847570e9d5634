/*
 * registry.h - every unit the gateway knows: the roster, plus radios heard on
 * air that are not on it. Keeps each unit's latest status and position.
 *
 * Units are identified by a stable index (never reused or moved while the
 * registry lives, across roster reloads too), so incidents can refer to them.
 * Unit memory is allocated in chunks: a struct hf_unit pointer stays valid until
 * hf_registry_finish().
 */
#ifndef HF_REGISTRY_H
#define HF_REGISTRY_H

#include "config.h"
#include "hashmap.h"
#include "radio_event.h"

#define HF_UNIT_NONE UINT32_MAX

struct hf_geoindex;

struct hf_unit {
	char id[HF_ID_MAX];       /* roster id; "" for an ISSI not on the roster */
	char callsign[HF_ID_MAX]; /* roster callsign; "ISSI <n>" when not on the roster */
	const char *team;         /* interned; never NULL ("" if none) */
	const char *area;         /* interned area id; never NULL */
	uint32_t issi;            /* 0 if none */
	uint32_t index;           /* this unit's index in the registry */
	enum hf_role role;        /* HF_ROLE_UNKNOWN when not on the roster */
	bool on_roster;
	bool has_status;
	bool has_fix;
	uint16_t status;          /* last pre-coded status heard */
	struct hf_fix fix;        /* last position */
	char fix_source[HF_ID_MAX];
	int64_t fix_mono_ns;      /* monotonic time the fix was taken (estimated) */
	int64_t last_heard_mono_ns;
	int64_t last_heard_unix_ms;
	/* The registry's spatial index (NULL: none), kept current by
	 * hf_registry_apply_event: it holds exactly the units with a fix. */
	struct hf_geoindex *geo;
};

struct hf_registry {
	struct hf_unit **chunks;
	size_t n_chunks;
	uint32_t n;                     /* units, indices 0..n-1 */
	struct hf_u32map by_issi;
	struct hf_strmap by_id;
	struct hf_strmap by_callsign;   /* loose: case and spaces ignored */
	char **strings;                 /* interned strings (team and area names) */
	size_t n_strings;
	struct hf_geoindex *geo;        /* units with a fix by position (gateway/geoindex.h) */
};

/* Returns 0 or -ENOMEM (then without a spatial index: hf_nearest scans; still
 * to be finished). */
int hf_registry_init(struct hf_registry *r);
void hf_registry_finish(struct hf_registry *r);

/*
 * Makes the registry match cfg's roster: units already known (by id, or an
 * off-roster unit by ISSI) keep their status and position; new entries are
 * added; units no longer on the roster stay known by ISSI but lose their role
 * (so they are never asked to take a hand-off). Returns 0 or -ENOMEM (the
 * registry is then still consistent, possibly partly updated).
 */
int hf_registry_apply_roster(struct hf_registry *r, const struct hf_config *cfg);

static inline struct hf_unit *hf_registry_at(const struct hf_registry *r, uint32_t index)
{
	return &r->chunks[index >> 10][index & 1023];
}

struct hf_unit *hf_registry_find_issi(const struct hf_registry *r, uint32_t issi);
struct hf_unit *hf_registry_find_id(const struct hf_registry *r, const char *id);
/* Case and spaces ignored: "pc1234" finds "PC 1234". */
struct hf_unit *hf_registry_find_callsign(const struct hf_registry *r, const char *callsign);

/*
 * The unit an event comes from: by ev->unit_id if set, else by ev->issi. A sender
 * not yet known is added as an off-roster unit in default_area (an event with
 * neither id nor ISSI gets one "unidentified" unit per source). Returns NULL only
 * on allocation failure.
 */
struct hf_unit *hf_registry_resolve(struct hf_registry *r, const struct hf_radio_event *ev,
				    const char *default_area);

/*
 * Records what ev says about u: status, position (with the fix time estimated
 * on the monotonic clock) and when it was last heard, and moves u in the
 * spatial index. Returns true if the unit's status or position changed.
 */
bool hf_registry_apply_event(struct hf_unit *u, const struct hf_radio_event *ev,
			     const struct hf_now *now);

/* Age of u's fix at now, in ns (INT64_MAX if it has none). */
int64_t hf_unit_fix_age_ns(const struct hf_unit *u, const struct hf_now *now);

#endif
