/*
 * nearest.h - choosing which constables to ask: the K nearest eligible units by
 * great-circle distance from a point, within a radius.
 *
 * hf_nearest() searches the registry's spatial index (gateway/geoindex.h) ring
 * by ring around the point; hf_nearest_scan() looks at every unit and is the
 * reference both must agree with (tests) and the baseline (benchmarks).
 */
#ifndef HF_NEAREST_H
#define HF_NEAREST_H

#include "registry.h"

#define HF_ASKED_MAX 16

struct hf_candidate {
	uint32_t unit;     /* registry index */
	double distance_m; /* great-circle distance from the query point */
	bool stale;        /* the unit's fix is older than the query's stale limit */
};

struct hf_nearest_query {
	double lat, lon;         /* from here */
	size_t k;                /* at most this many (<= HF_ASKED_MAX) */
	double radius_m;         /* only units within this distance */
	int64_t stale_after_ns;  /* fixes older than this are flagged stale (still ranked) */
	uint32_t exclude;        /* a unit never returned (the subject), or HF_UNIT_NONE */
	/* Which units qualify (role, status, ...); units without a fix never do. */
	bool (*eligible)(const struct hf_unit *u, void *ctx);
	void *ctx;
};

/* Fills out[0..k-1] nearest first (ties: lower index first) and returns how many.
 * Uses the registry's spatial index; scans when it has none (or it failed). */
size_t hf_nearest(const struct hf_registry *r, const struct hf_nearest_query *q,
		  const struct hf_now *now, struct hf_candidate *out);

/* The same result as hf_nearest(), by looking at every unit (O(n)). */
size_t hf_nearest_scan(const struct hf_registry *r, const struct hf_nearest_query *q,
		       const struct hf_now *now, struct hf_candidate *out);

#endif
