/*
 * places.h - areas and flagged locations from a GeoJSON file.
 *
 * File format: a GeoJSON FeatureCollection (RFC 7946). Coordinates are
 * [longitude, latitude] in degrees (WGS84); a third element (altitude) is
 * allowed and ignored. Each Feature in "features" is one place:
 *
 *   properties.kind      "area" or "flagged" (required)
 *   properties.id        required; letters, digits, '_' and '-', at most 31
 *                        bytes; unique per kind. An area's id names an entry
 *                        of `areas:` in the YAML config (that cross-check is
 *                        the caller's).
 *   properties.name      optional human-readable name, at most 63 bytes
 *                        (default: the id)
 *   geometry             Polygon or MultiPolygon (areas and flagged places),
 *                        or Point with properties.radius_m (flagged circles
 *                        only; radius_m greater than 0, at most 100000)
 *   properties.severity  flagged only: "warning", "high" or "critical"
 *                        (default "high"); an incident raised inside the
 *                        place starts at least at this severity
 *   properties.note      flagged only: optional text shown to dispatchers,
 *                        at most 127 bytes
 *
 * Other members and properties are ignored (GeoJSON files carry many), but
 * radius_m on a polygon and severity or note on an area are refused, since
 * they would silently do nothing. Rings must have at least 4 positions and be
 * closed; polygons must be valid as GEOS sees them (no self-intersection,
 * holes inside their shell, ...). Winding order is not checked (RFC 7946 says
 * parsers should not reject either). Polygons are taken as drawn in the
 * longitude/latitude plane: one crossing the antimeridian must be split, as
 * RFC 7946 asks.
 *
 * The file is parsed with libfyaml (JSON is YAML 1.2), so every problem is
 * reported at the FILE:LINE:COL of the offending node, all of them at once,
 * in a struct hf_diag like the config loader's. Inputs are bounded: at most
 * HF_PLACES_FILE_MAX bytes, HF_PLACES_MAX features and HF_PLACES_VERTICES_MAX
 * positions in all.
 *
 * Containment: a place is closed. A point exactly on a polygon's edge or
 * vertex (a hole's edge included) is inside it, and so is a point exactly
 * radius_m from a circle's centre (great-circle distance, gateway/geo.h).
 * A point on the edge two areas share is in both; hf_places_area_at() then
 * answers the one declared first.
 *
 * Threads: nothing is global; each struct hf_places has its own GEOS context.
 * Queries take a const pointer but GEOS builds each prepared geometry's index
 * on its first query, so one struct hf_places must not be queried from two
 * threads at once (different ones may).
 */
#ifndef HF_PLACES_H
#define HF_PLACES_H

#include "config.h"
#include "hf.h"

#define HF_PLACES_FILE_MAX (16 << 20)   /* bytes in one places file */
#define HF_PLACES_MAX 10000             /* features in one file */
#define HF_PLACES_VERTICES_MAX 500000   /* positions in one file, all rings */
#define HF_PLACE_NOTE_MAX 128           /* note, incl. NUL */
#define HF_PLACE_RADIUS_MAX_M 100000.0  /* largest circle */

struct hf_places; /* opaque, heap */

enum hf_place_kind {
	HF_PLACE_AREA = 1,
	HF_PLACE_FLAGGED = 2,
};

/* One place, read-only. */
struct hf_place {
	enum hf_place_kind kind;
	char id[HF_ID_MAX];
	char name[HF_NAME_MAX];           /* default: the id */
	int severity;                     /* flagged: 2 warning, 3 high, 4 critical
					   * (enum hf_severity); areas: 0 */
	char note[HF_PLACE_NOTE_MAX];     /* flagged: "" if none */
	bool circle;                      /* true: lat, lon, radius_m; false: polygon */
	double lat, lon, radius_m;
	int line;                         /* line of its Feature (1-based) */
};

/*
 * Loads the GeoJSON text in buf (len bytes, need not be NUL-terminated;
 * borrowed). name is used in messages. On success returns 0 and a new set in
 * *out (free with hf_places_destroy); an empty FeatureCollection is valid. On
 * failure returns -EINVAL (or -ENOMEM), *out is NULL and diag holds every
 * problem found, sorted by line and column. diag (may be NULL) must have
 * been initialised; its file is set to name. Pure: no I/O.
 */
int hf_places_load_string(const char *name, const char *buf, size_t len,
			  struct hf_places **out, struct hf_diag *diag);
/* Reads the file at path and loads it as above. A file that cannot be read
 * (or is larger than HF_PLACES_FILE_MAX) is one problem at line 0, column 0
 * and a negative errno (-ENOENT, -EFBIG, ...). */
int hf_places_load(const char *path, struct hf_places **out, struct hf_diag *diag);
/* Frees the set and everything in it. NULL is a no-op. */
void hf_places_destroy(struct hf_places *p);

/* Number of places (areas and flagged), in file order. */
size_t hf_places_count(const struct hf_places *p);
/* The i-th place in file order, or NULL if i >= count. Valid until destroy. */
const struct hf_place *hf_places_get(const struct hf_places *p, size_t i);
/* The place of that kind with that id, or NULL. */
const struct hf_place *hf_places_find(const struct hf_places *p, enum hf_place_kind kind,
				      const char *id);

/*
 * Every place containing the point (lat, lon in degrees), areas and flagged,
 * in file order. Writes at most max pointers to out (out may be NULL when
 * max is 0) and returns how many places contain the point, which may exceed
 * max. An invalid point (NaN, out of range) is in no place.
 */
size_t hf_places_at(const struct hf_places *p, double lat, double lon,
		    const struct hf_place **out, size_t max);
/* The first area (file order) containing the point, or NULL. */
const struct hf_place *hf_places_area_at(const struct hf_places *p, double lat, double lon);

#endif
