/*
 * geoindex.h - a uniform latitude/longitude grid over the sphere, for finding
 * the units near a point among many that move all the time.
 *
 * Rows are cell_m of latitude tall; each row has as many columns as fit its
 * circumference at the poleward edge, so cells are roughly square everywhere
 * and a polar row is a single cell. Each cell holds an unordered array of
 * entries (unit index + unit vector as floats, for a cheap distance
 * pre-filter); each unit knows its (cell, slot), so moving a unit is O(1)
 * (swap-remove, append). Cells are found through a hash table keyed by
 * (row, column); emptied cells keep their memory for the next unit.
 *
 * Coordinates that are not a valid position (NaN, |lat| > 90, |lon| > 180)
 * are kept in a catch-all cell that every search visits.
 */
#ifndef HF_GEOINDEX_H
#define HF_GEOINDEX_H

#include "hashmap.h"

/* The registry's cell size: about 500 m of latitude. */
#define HF_GEOINDEX_CELL_M 500.0
/* The smallest cell size the (row, column) key can address. */
#define HF_GEOINDEX_CELL_MIN_M 320.0

struct hf_geoentry {
	uint32_t unit;
	float x, y, z; /* unit vector of the position (pre-filter only) */
};

struct hf_geocell {
	struct hf_geoentry *e;
	uint32_t n, cap;
	uint32_t row, col; /* where it is (the catch-all cell: UINT32_MAX) */
};

struct hf_geoplace {
	uint32_t cell; /* index into cells[], or UINT32_MAX when not indexed */
	uint32_t slot;
};

struct hf_geoindex {
	double cell_rad;          /* row height, radians of latitude */
	uint32_t n_rows;
	uint32_t *n_cols;         /* columns of each row (1..65536) */
	struct hf_u32map by_key;  /* row << 16 | col -> index into cells[] */
	struct hf_geocell *cells; /* cells[0] is the catch-all */
	uint32_t n_cells, cap_cells;
	struct hf_geoplace *places; /* by unit index */
	uint32_t n_places;
	uint32_t size;            /* units indexed */
	bool failed;              /* an update ran out of memory: do not trust searches */
};

/* A heap index with cells of about cell_m metres (clamped to at least
 * HF_GEOINDEX_CELL_MIN_M). NULL on allocation failure. */
struct hf_geoindex *hf_geoindex_create(double cell_m);
/* Frees g and everything in it; accepts NULL. */
void hf_geoindex_destroy(struct hf_geoindex *g);

/*
 * Puts unit at (lat, lon) in degrees: inserts it, or moves it if it is already
 * indexed. Returns 0 or -ENOMEM; on failure the unit is no longer indexed and
 * g->failed is set for good, so searches can no longer be trusted.
 */
int hf_geoindex_set(struct hf_geoindex *g, uint32_t unit, double lat, double lon);
/* Takes unit out of the index (nothing if it is not in it). */
void hf_geoindex_remove(struct hf_geoindex *g, uint32_t unit);
/* True if unit is indexed; then *row and *col say its cell (UINT32_MAX for the
 * catch-all). Either pointer may be NULL. */
bool hf_geoindex_where(const struct hf_geoindex *g, uint32_t unit, uint32_t *row,
		       uint32_t *col);

/*
 * Visits the units near (lat, lon), in rings of cells of growing distance.
 * visit(ctx, unit) is called for every indexed unit within bound_m (great
 * circle) of the point, where bound_m starts as the argument and then is what
 * the last visit returned (it must never grow); units farther away may be
 * visited too. Stops when no unvisited cell can hold a point within the bound.
 * A NaN or negative bound visits nothing; an invalid (lat, lon) visits all.
 */
void hf_geoindex_search(const struct hf_geoindex *g, double lat, double lon, double bound_m,
			double (*visit)(void *ctx, uint32_t unit), void *ctx);

/* Bytes of memory the index holds (tables and cell arrays). */
size_t hf_geoindex_memory(const struct hf_geoindex *g);

#endif
