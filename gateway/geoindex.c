/*
 * geoindex.c - see geoindex.h.
 *
 * The search's lower bounds, for a query point q at latitude phi:
 *  - a point in a row whose band is delta of latitude away is at least
 *    delta * R away (a great circle never changes latitude faster);
 *  - a point whose longitude differs from q's by at least dlam is at least
 *    R * asin(sin(min(dlam, 90 deg)) * cos(phi)) away: that is the distance
 *    from q to the great circle of the meridian (for dlam < 90 deg the nearest
 *    point is on the meridian's half), and it grows with dlam, up to the
 *    distance to the nearer pole at 90 deg and beyond.
 * So the cells within angle b of q lie in the rows meeting [phi - b, phi + b]
 * and, in each row, the columns meeting [lam - w, lam + w] with
 * sin(w) = sin(b) / cos(phi) (every column once sin(b) >= cos(phi): a pole is
 * within reach). Longitudes are taken modulo the row's columns, so the
 * +-180 meridian is no edge. Every bound gets EPS of slack against rounding.
 *
 * Within a ring, a cell is skipped when the larger of its two bounds exceeds
 * the search's bound, and a unit when its chord to q does; the units left are
 * offered nearest first (a heap), so the caller's bound (its K-th best) falls
 * as early as it can and most units are never offered at all.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "geoindex.h"

#define NONE UINT32_MAX
#define EPS 1e-7         /* radians (~64 cm) of slack on every bound (rounding) */
#define CHORD_SLACK 1e-6 /* float unit vectors err by ~1e-7 (unit sphere) */
#define LINEAR_PASSES 8  /* rings one cell apart, then growing by half */
#define PENDING_MAX 512  /* units held back per ring to be offered nearest first */

static double rad(double deg)
{
	return deg * (M_PI / 180.0);
}

/* The row holding latitude phi (radians), clamped to the grid. */
static uint32_t row_of(const struct hf_geoindex *g, double phi)
{
	double r = floor((phi + M_PI / 2) / g->cell_rad);

	if (!(r >= 0))
		return 0;
	if (r >= g->n_rows - 1)
		return g->n_rows - 1;
	return (uint32_t)r;
}

/* The column of longitude lam (radians) in a row of c columns, not wrapped. */
static long col_unwrapped(double lam, uint32_t c)
{
	return (long)floor((lam + M_PI) * c / (2 * M_PI));
}

/* The column index (0..c-1) of unwrapped column x. */
static uint32_t col_wrap(long x, uint32_t c)
{
	long m = x % (long)c;

	return (uint32_t)(m < 0 ? m + (long)c : m);
}

static uint32_t cell_key(uint32_t row, uint32_t col)
{
	return row << 16 | col;
}

struct hf_geoindex *hf_geoindex_create(double cell_m)
{
	struct hf_geoindex *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	if (!(cell_m >= HF_GEOINDEX_CELL_MIN_M))
		cell_m = HF_GEOINDEX_CELL_MIN_M;
	g->cell_rad = cell_m / HF_EARTH_RADIUS_M;
	g->n_rows = (uint32_t)ceil(M_PI / g->cell_rad);
	hf_u32map_init(&g->by_key);
	g->n_cols = malloc(g->n_rows * sizeof *g->n_cols);
	g->cells = calloc(16, sizeof *g->cells);
	if (!g->n_cols || !g->cells) {
		hf_geoindex_destroy(g);
		return NULL;
	}
	for (uint32_t r = 0; r < g->n_rows; r++) {
		double lo = -M_PI / 2 + r * g->cell_rad;
		double hi = fmin(M_PI / 2, lo + g->cell_rad);
		double pole = fmax(fabs(lo), fabs(hi));
		double c = floor(2 * M_PI * cos(pole) / g->cell_rad);

		g->n_cols[r] = c < 1 ? 1 : c > 65536 ? 65536 : (uint32_t)c;
	}
	g->cap_cells = 16;
	g->n_cells = 1;
	g->cells[0].row = g->cells[0].col = NONE;
	return g;
}

void hf_geoindex_destroy(struct hf_geoindex *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->n_cells; i++)
		free(g->cells[i].e);
	free(g->cells);
	free(g->places);
	free(g->n_cols);
	hf_u32map_finish(&g->by_key);
	free(g);
}

/* Makes places[unit] exist (new ones not indexed). 0 or -ENOMEM. */
static int reserve_place(struct hf_geoindex *g, uint32_t unit)
{
	if (unit < g->n_places)
		return 0;
	if (unit == NONE)
		return -EINVAL;
	size_t n = g->n_places ? g->n_places : 64;

	while (n <= unit)
		n *= 2;
	if (n > NONE)
		n = NONE;
	struct hf_geoplace *p = realloc(g->places, n * sizeof *p);

	if (!p)
		return -ENOMEM;
	for (size_t i = g->n_places; i < n; i++)
		p[i].cell = NONE;
	g->places = p;
	g->n_places = (uint32_t)n;
	return 0;
}

/* The index of the cell at (row, col), created empty if new; NONE on ENOMEM. */
static uint32_t cell_at(struct hf_geoindex *g, uint32_t row, uint32_t col)
{
	uint32_t key = cell_key(row, col), i;

	if (hf_u32map_get(&g->by_key, key, &i))
		return i;
	if (g->n_cells == g->cap_cells) {
		struct hf_geocell *cells = realloc(g->cells, 2 * g->cap_cells * sizeof *cells);

		if (!cells)
			return NONE;
		g->cells = cells;
		g->cap_cells *= 2;
	}
	i = g->n_cells;
	if (hf_u32map_put(&g->by_key, key, i))
		return NONE;
	memset(&g->cells[i], 0, sizeof g->cells[i]);
	g->cells[i].row = row;
	g->cells[i].col = col;
	g->n_cells++;
	return i;
}

/* Room for one more entry in cell c. 0 or -ENOMEM. */
static int reserve_entry(struct hf_geocell *c)
{
	if (c->n < c->cap)
		return 0;
	uint32_t cap = c->cap ? 2 * c->cap : 8;
	struct hf_geoentry *e = realloc(c->e, cap * sizeof *e);

	if (!e)
		return -ENOMEM;
	c->e = e;
	c->cap = cap;
	return 0;
}

void hf_geoindex_remove(struct hf_geoindex *g, uint32_t unit)
{
	if (unit >= g->n_places || g->places[unit].cell == NONE)
		return;
	struct hf_geoplace *p = &g->places[unit];
	struct hf_geocell *c = &g->cells[p->cell];

	c->n--;
	if (p->slot != c->n) {
		c->e[p->slot] = c->e[c->n];
		g->places[c->e[p->slot].unit].slot = p->slot;
	}
	p->cell = NONE;
	g->size--;
}

int hf_geoindex_set(struct hf_geoindex *g, uint32_t unit, double lat, double lon)
{
	uint32_t cell = 0;
	struct hf_geoentry e = { .unit = unit };
	int rc = reserve_place(g, unit);

	if (!rc && hf_geo_valid(lat, lon)) {
		double phi = rad(lat), lam = rad(lon);
		uint32_t row = row_of(g, phi);
		uint32_t col = col_wrap(col_unwrapped(lam, g->n_cols[row]), g->n_cols[row]);
		uint32_t at = g->places[unit].cell;

		/* Most moves stay in the cell: no need to look it up. */
		if (at != NONE && g->cells[at].row == row && g->cells[at].col == col)
			cell = at;
		else if ((cell = cell_at(g, row, col)) == NONE)
			rc = -ENOMEM;
		e.x = (float)(cos(phi) * cos(lam));
		e.y = (float)(cos(phi) * sin(lam));
		e.z = (float)sin(phi);
	}
	if (!rc && g->places[unit].cell == cell) {
		g->cells[cell].e[g->places[unit].slot] = e; /* same cell: update in place */
		return 0;
	}
	if (!rc)
		rc = reserve_entry(&g->cells[cell]);
	hf_geoindex_remove(g, unit);
	if (rc) {
		g->failed = true;
		return rc;
	}
	struct hf_geocell *c = &g->cells[cell];

	g->places[unit].cell = cell;
	g->places[unit].slot = c->n;
	c->e[c->n++] = e;
	g->size++;
	return 0;
}

bool hf_geoindex_where(const struct hf_geoindex *g, uint32_t unit, uint32_t *row,
		       uint32_t *col)
{
	if (unit >= g->n_places || g->places[unit].cell == NONE)
		return false;
	if (row)
		*row = g->cells[g->places[unit].cell].row;
	if (col)
		*col = g->cells[g->places[unit].cell].col;
	return true;
}

size_t hf_geoindex_memory(const struct hf_geoindex *g)
{
	size_t bytes = sizeof *g + g->n_rows * sizeof *g->n_cols +
		       g->by_key.m.cap * sizeof *g->by_key.m.slots +
		       g->cap_cells * sizeof *g->cells + g->n_places * sizeof *g->places;

	for (uint32_t i = 0; i < g->n_cells; i++)
		bytes += g->cells[i].cap * sizeof *g->cells[i].e;
	return bytes;
}

/* ---------------------------------------------------------------- search */

/* A unit waiting to be offered, with its squared chord to the point. */
struct pending {
	double d2;
	uint32_t unit;
};

/* One search in progress. */
struct walk {
	const struct hf_geoindex *g;
	double phi, lam, cos_phi;
	double qx, qy, qz;
	double bound_m;
	double bound_rad; /* bound_m as an angle */
	double chord2;    /* squared chord of bound_m (+ slack); < 0 visits nothing */
	double (*visit)(void *ctx, uint32_t unit);
	void *ctx;
	struct pending pending[PENDING_MAX]; /* a min-heap once flushing */
	size_t n_pending;
};

/* The cells within angle b of the point: rows r0..r1, longitudes lam +- dlam. */
struct ring {
	double b;
	uint32_t r0, r1;
	double dlam; /* >= M_PI: every column */
};

/* A row's columns lo..hi (not wrapped), or all of them. */
struct span {
	long lo, hi;
	bool full;
};

/* Takes bound_m as the search's bound, with its angle and squared chord. */
static void set_bound(struct walk *w, double bound_m)
{
	double a = bound_m / HF_EARTH_RADIUS_M;

	w->bound_m = bound_m;
	w->bound_rad = a;
	if (!(a >= 0)) {
		w->chord2 = -1;
	} else if (a >= M_PI) {
		w->chord2 = INFINITY;
	} else {
		double c = 2 * sin(a / 2) + CHORD_SLACK;

		w->chord2 = c * c;
	}
}

/* Offers unit to the visitor and takes the bound it returns. */
static void offer(struct walk *w, uint32_t unit)
{
	double b = w->visit(w->ctx, unit);

	if (b != w->bound_m)
		set_bound(w, b);
}

/* Moves pending[i] down the min-heap of n entries to its place. */
static void sift_down(struct pending *h, size_t n, size_t i)
{
	struct pending x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].d2 < h[c].d2)
			c++;
		if (!(h[c].d2 < x.d2))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/* Offers the pending units nearest first while they may be within the bound
 * (which the offers lower); the rest cannot be and are dropped. */
static void flush(struct walk *w)
{
	struct pending *h = w->pending;
	size_t n = w->n_pending;

	for (size_t i = n / 2; i-- > 0;)
		sift_down(h, n, i);
	while (n > 0 && h[0].d2 <= w->chord2) {
		uint32_t unit = h[0].unit;

		h[0] = h[--n];
		sift_down(h, n, 0);
		offer(w, unit);
	}
	w->n_pending = 0;
}

/* Offers the cell's units: all of them at once when !filter, else those that
 * may be within the bound, held back to be offered nearest first by flush()
 * (so that the bound falls as early as it can). */
static void visit_cell(struct walk *w, const struct hf_geocell *c, bool filter)
{
	for (uint32_t i = 0; i < c->n; i++) {
		const struct hf_geoentry *e = &c->e[i];

		if (!filter) {
			offer(w, e->unit);
			continue;
		}
		double dx = e->x - w->qx, dy = e->y - w->qy, dz = e->z - w->qz;
		double d2 = dx * dx + dy * dy + dz * dz;

		if (!(d2 <= w->chord2))
			continue;
		if (w->n_pending == PENDING_MAX)
			flush(w);
		w->pending[w->n_pending].d2 = d2;
		w->pending[w->n_pending++].unit = e->unit;
	}
}

/* False if no point of the cell at row, column x (of c) can be within the
 * bound: the larger of the two lower bounds (see the top) exceeds it. */
static bool may_hold(const struct walk *w, uint32_t row, long x, uint32_t c)
{
	double lo = -M_PI / 2 + row * w->g->cell_rad, hi = lo + w->g->cell_rad;
	double gap = fmax(0, fmax(lo - w->phi, w->phi - hi));
	double half = M_PI / c; /* half the column's width */
	double centre = -M_PI + (2 * (double)x + 1) * half;
	double dlam = fabs(remainder(centre - w->lam, 2 * M_PI)) - half;

	if (dlam > 0)
		gap = fmax(gap, asin(fmin(1.0, sin(fmin(dlam, M_PI / 2)) * w->cos_phi)));
	return gap - EPS <= w->bound_rad;
}

/* Half-width in longitude of the cells within angle b (see the top). */
static double half_width(double b, double cos_phi)
{
	b += EPS;
	if (b >= M_PI / 2)
		return M_PI;
	double s = sin(b);

	if (s >= cos_phi)
		return M_PI;
	return asin(s / cos_phi) + EPS;
}

/* The ring of cells within angle b of the point. */
static struct ring ring_at(const struct walk *w, double b)
{
	return (struct ring){
		.b = b,
		.r0 = row_of(w->g, w->phi - b - EPS),
		.r1 = row_of(w->g, w->phi + b + EPS),
		.dlam = half_width(b, w->cos_phi),
	};
}

/* The columns of a row of c columns meeting the point's longitude +- dlam. */
static struct span span_of(const struct walk *w, double dlam, uint32_t c)
{
	struct span s = { 0, (long)c - 1, true };

	if (dlam >= M_PI)
		return s;
	s.lo = col_unwrapped(w->lam - dlam, c);
	s.hi = col_unwrapped(w->lam + dlam, c);
	s.full = s.hi - s.lo + 1 >= (long)c;
	if (s.full) {
		s.lo = 0;
		s.hi = (long)c - 1;
	}
	return s;
}

/* Visits the cells of row in columns lo..hi (not wrapped); returns how many. */
static size_t visit_cols(struct walk *w, uint32_t row, long lo, long hi, bool probe)
{
	uint32_t c = w->g->n_cols[row], i;

	if (hi < lo)
		return 0;
	if (probe)
		for (long x = lo; x <= hi; x++)
			if (hf_u32map_get(&w->g->by_key, cell_key(row, col_wrap(x, c)), &i) &&
			    may_hold(w, row, x, c))
				visit_cell(w, &w->g->cells[i], true);
	return (size_t)(hi - lo + 1);
}

/* The cells within cur but not within prev (NULL: none before): visits them
 * if probe, and returns how many grid cells that is. */
static size_t visit_ring(struct walk *w, const struct ring *prev, const struct ring *cur,
			 bool probe)
{
	size_t n = 0;

	for (uint32_t r = cur->r0; r <= cur->r1; r++) {
		uint32_t c = w->g->n_cols[r];
		struct span s = span_of(w, cur->dlam, c);

		n++;
		if (!prev || r < prev->r0 || r > prev->r1) {
			n += visit_cols(w, r, s.lo, s.hi, probe);
			continue;
		}
		struct span p = span_of(w, prev->dlam, c);

		if (p.full)
			continue;
		if (s.full) {
			n += visit_cols(w, r, p.hi + 1, p.lo + (long)c - 1, probe);
			continue;
		}
		n += visit_cols(w, r, s.lo < p.lo ? s.lo : p.lo, p.lo - 1, probe);
		n += visit_cols(w, r, p.hi + 1, s.hi > p.hi ? s.hi : p.hi, probe);
	}
	return n;
}

/* True if the cell is within ring (already visited). */
static bool in_ring(const struct walk *w, const struct ring *ring, const struct hf_geocell *cell)
{
	if (cell->row < ring->r0 || cell->row > ring->r1)
		return false;
	uint32_t c = w->g->n_cols[cell->row];
	struct span s = span_of(w, ring->dlam, c);

	return s.full || (long)col_wrap((long)cell->col - s.lo, c) <= s.hi - s.lo;
}

void hf_geoindex_search(const struct hf_geoindex *g, double lat, double lon, double bound_m,
			double (*visit)(void *ctx, uint32_t unit), void *ctx)
{
	struct walk w = { .g = g, .visit = visit, .ctx = ctx };
	struct ring prev, cur;
	size_t work = 0, budget = g->n_cells + 64;

	set_bound(&w, bound_m);
	if (w.chord2 < 0)
		return;
	visit_cell(&w, &g->cells[0], false);
	if (!hf_geo_valid(lat, lon)) {
		for (uint32_t i = 1; i < g->n_cells; i++)
			visit_cell(&w, &g->cells[i], false);
		return;
	}
	w.phi = rad(lat);
	w.lam = rad(lon);
	w.cos_phi = cos(w.phi);
	w.qx = w.cos_phi * cos(w.lam);
	w.qy = w.cos_phi * sin(w.lam);
	w.qz = sin(w.phi);

	cur = ring_at(&w, 0);
	work = visit_ring(&w, NULL, &cur, true);
	flush(&w);
	for (unsigned j = 1;; j++) {
		/* Every cell that can hold a point within cur.b has been visited. */
		if (cur.b >= w.bound_m / HF_EARTH_RADIUS_M || cur.b >= M_PI)
			return;
		prev = cur;
		cur = ring_at(&w, j <= LINEAR_PASSES ? j * g->cell_rad : prev.b * 1.5);
		size_t n = visit_ring(&w, &prev, &cur, false);

		if (work + n > budget)
			break;
		visit_ring(&w, &prev, &cur, true);
		flush(&w);
		work += n;
	}
	/* Wider rings would probe more grid cells than there are cells with
	 * units: offer every occupied cell not yet visited instead. */
	for (uint32_t i = 1; i < g->n_cells; i++)
		if (!in_ring(&w, &prev, &g->cells[i]) &&
		    may_hold(&w, g->cells[i].row, g->cells[i].col, g->n_cols[g->cells[i].row]))
			visit_cell(&w, &g->cells[i], true);
	flush(&w);
}
