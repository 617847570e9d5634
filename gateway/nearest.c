/*
 * nearest.c - see nearest.h.
 */
#include "geo.h"
#include "nearest.h"

size_t hf_nearest(const struct hf_registry *r, const struct hf_nearest_query *q,
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
