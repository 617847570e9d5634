/*
 * nearest.c - see nearest.h.
 *
 * Both keep the k smallest (distance, index) pairs: the scan by meeting units
 * in index order, the index search (which meets them in cell order) by
 * comparing indices on equal distances, so they agree to the unit and order.
 * The scan is the original code, kept as it was: it is the tests' oracle.
 */
#include "geo.h"
#include "geoindex.h"
#include "nearest.h"

/* A top-k selection in progress. */
struct topk {
	const struct hf_registry *r;
	const struct hf_nearest_query *q;
	const struct hf_now *now;
	struct hf_candidate *out;
	size_t k, n;
};

/* Offers unit i: kept if it qualifies and ranks among the k best so far. */
static void offer(struct topk *t, uint32_t i)
{
	const struct hf_unit *u = hf_registry_at(t->r, i);
	const struct hf_nearest_query *q = t->q;
	struct hf_candidate *out = t->out;

	if (i == q->exclude || !u->has_fix)
		return;
	if (q->eligible && !q->eligible(u, q->ctx))
		return;
	double d = hf_geo_distance_m(q->lat, q->lon, u->fix.lat, u->fix.lon);

	if (!(d <= q->radius_m))
		return;
	if (t->n == t->k && (d > out[t->n - 1].distance_m ||
			     (d == out[t->n - 1].distance_m && i > out[t->n - 1].unit)))
		return;
	/* Insertion into the sorted top-k, ordered by (distance, index). */
	size_t pos = t->n < t->k ? t->n++ : t->k - 1;

	while (pos > 0 && (out[pos - 1].distance_m > d ||
			   (out[pos - 1].distance_m == d && out[pos - 1].unit > i))) {
		out[pos] = out[pos - 1];
		pos--;
	}
	out[pos].unit = i;
	out[pos].distance_m = d;
	out[pos].stale = hf_unit_fix_age_ns(u, t->now) > q->stale_after_ns;
}

/* The index's visitor: offers the unit, returns how far the search must go. */
static double visit(void *ctx, uint32_t i)
{
	struct topk *t = ctx;

	offer(t, i);
	if (t->n == t->k && t->out[t->n - 1].distance_m < t->q->radius_m)
		return t->out[t->n - 1].distance_m;
	return t->q->radius_m;
}

size_t hf_nearest(const struct hf_registry *r, const struct hf_nearest_query *q,
		  const struct hf_now *now, struct hf_candidate *out)
{
	struct topk t = { r, q, now, out, q->k < HF_ASKED_MAX ? q->k : HF_ASKED_MAX, 0 };

	if (!r->geo || r->geo->failed || !hf_geo_valid(q->lat, q->lon))
		return hf_nearest_scan(r, q, now, out);
	if (t.k == 0)
		return 0;
	hf_geoindex_search(r->geo, q->lat, q->lon, q->radius_m, visit, &t);
	return t.n;
}

size_t hf_nearest_scan(const struct hf_registry *r, const struct hf_nearest_query *q,
		       const struct hf_now *now, struct hf_candidate *out)
{
	size_t k = q->k < HF_ASKED_MAX ? q->k : HF_ASKED_MAX;
	size_t n = 0;

	if (k == 0)
		return 0;
	for (uint32_t i = 0; i < r->n; i++) {
		const struct hf_unit *u = hf_registry_at(r, i);

		if (i == q->exclude || !u->has_fix)
			continue;
		if (q->eligible && !q->eligible(u, q->ctx))
			continue;
		double d = hf_geo_distance_m(q->lat, q->lon, u->fix.lat, u->fix.lon);

		if (!(d <= q->radius_m))
			continue;
		if (n == k && d >= out[n - 1].distance_m)
			continue;
		/* Insertion into the sorted top-k; equal distances keep scan order. */
		size_t pos = n < k ? n++ : k - 1;

		while (pos > 0 && out[pos - 1].distance_m > d) {
			out[pos] = out[pos - 1];
			pos--;
		}
		out[pos].unit = i;
		out[pos].distance_m = d;
		out[pos].stale = hf_unit_fix_age_ns(u, now) > q->stale_after_ns;
	}
	return n;
}
