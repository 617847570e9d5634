/*
 * registry.c - see registry.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoindex.h"
#include "registry.h"

#define CHUNK_SHIFT 10
#define CHUNK_UNITS (1u << CHUNK_SHIFT)

int hf_registry_init(struct hf_registry *r)
{
	memset(r, 0, sizeof *r);
	hf_u32map_init(&r->by_issi);
	hf_strmap_init(&r->by_id, false);
	hf_strmap_init(&r->by_callsign, true);
	r->geo = hf_geoindex_create(HF_GEOINDEX_CELL_M);
	return r->geo ? 0 : -ENOMEM;
}

void hf_registry_finish(struct hf_registry *r)
{
	for (size_t i = 0; i < r->n_chunks; i++)
		free(r->chunks[i]);
	free(r->chunks);
	for (size_t i = 0; i < r->n_strings; i++)
		free(r->strings[i]);
	free(r->strings);
	hf_u32map_finish(&r->by_issi);
	hf_strmap_finish(&r->by_id);
	hf_strmap_finish(&r->by_callsign);
	hf_geoindex_destroy(r->geo);
	memset(r, 0, sizeof *r);
}

/* Returns a registry-owned copy of s, shared by every equal string. Team and
 * area names are few, so a linear search is fine. */
static const char *intern(struct hf_registry *r, const char *s)
{
	char **grown;
	char *copy;

	for (size_t i = 0; i < r->n_strings; i++)
		if (strcmp(r->strings[i], s) == 0)
			return r->strings[i];
	copy = strdup(s);
	grown = realloc(r->strings, (r->n_strings + 1) * sizeof *grown);
	if (!copy || !grown) {
		free(copy);
		if (grown)
			r->strings = grown;
		return NULL;
	}
	r->strings = grown;
	r->strings[r->n_strings++] = copy;
	return copy;
}

/* Appends a blank unit; NULL on allocation failure. */
static struct hf_unit *add_unit(struct hf_registry *r)
{
	uint32_t idx = r->n;

	if (idx == HF_UNIT_NONE)
		return NULL;
	if ((idx >> CHUNK_SHIFT) >= r->n_chunks) {
		struct hf_unit **chunks = realloc(r->chunks, (r->n_chunks + 1) * sizeof *chunks);

		if (!chunks)
			return NULL;
		r->chunks = chunks;
		r->chunks[r->n_chunks] = calloc(CHUNK_UNITS, sizeof(struct hf_unit));
		if (!r->chunks[r->n_chunks])
			return NULL;
		r->n_chunks++;
	}
	struct hf_unit *u = hf_registry_at(r, idx);

	memset(u, 0, sizeof *u);
	u->index = idx;
	u->team = "";
	u->area = "";
	u->geo = r->geo;
	r->n++;
	return u;
}

struct hf_unit *hf_registry_find_issi(const struct hf_registry *r, uint32_t issi)
{
	uint32_t idx;

	return issi && hf_u32map_get(&r->by_issi, issi, &idx) ? hf_registry_at(r, idx) : NULL;
}

struct hf_unit *hf_registry_find_id(const struct hf_registry *r, const char *id)
{
	uint32_t idx;

	return *id && hf_strmap_get(&r->by_id, id, &idx) ? hf_registry_at(r, idx) : NULL;
}

struct hf_unit *hf_registry_find_callsign(const struct hf_registry *r, const char *callsign)
{
	uint32_t idx;

	return hf_strmap_get(&r->by_callsign, callsign, &idx) ? hf_registry_at(r, idx) : NULL;
}

/* Rebuilds the three lookup maps from the units. Roster units own their ISSI;
 * off-roster units keep theirs only if no roster unit claims it. */
static int rebuild_maps(struct hf_registry *r)
{
	int rc = 0;

	hf_u32map_clear(&r->by_issi);
	hf_strmap_clear(&r->by_id);
	hf_strmap_clear(&r->by_callsign);
	for (uint32_t i = 0; i < r->n && !rc; i++) {
		struct hf_unit *u = hf_registry_at(r, i);

		if (u->on_roster) {
			if (u->issi)
				rc = hf_u32map_put(&r->by_issi, u->issi, i);
			if (!rc)
				rc = hf_strmap_put(&r->by_callsign, u->callsign, i);
		}
		if (!rc && u->id[0])
			rc = hf_strmap_put(&r->by_id, u->id, i);
	}
	for (uint32_t i = 0; i < r->n && !rc; i++) {
		struct hf_unit *u = hf_registry_at(r, i);
		uint32_t owner;

		if (!u->on_roster && u->issi && !hf_u32map_get(&r->by_issi, u->issi, &owner))
			rc = hf_u32map_put(&r->by_issi, u->issi, i);
	}
	return rc;
}

int hf_registry_apply_roster(struct hf_registry *r, const struct hf_config *cfg)
{
	bool *seen = calloc(r->n + cfg->n_roster + 1, sizeof *seen);
	int rc = 0;

	if (!seen)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_roster && !rc; i++) {
		const struct hf_roster_entry *e = &cfg->roster[i];
		struct hf_unit *u = hf_registry_find_id(r, e->id);

		if (!u) {
			/* Heard on air before the roster listed it: adopt it. */
			u = hf_registry_find_issi(r, e->issi);
			if (u && (u->on_roster || u->id[0]))
				u = NULL;
		}
		if (!u)
			u = add_unit(r);
		if (!u) {
			rc = -ENOMEM;
			break;
		}
		const char *team = intern(r, e->team);
		const char *area = intern(r, e->area);

		if (!team || !area) {
			rc = -ENOMEM;
			break;
		}
		hf_strlcpy(u->id, e->id, sizeof u->id);
		hf_strlcpy(u->callsign, e->callsign, sizeof u->callsign);
		u->team = team;
		u->area = area;
		u->issi = e->issi;
		u->role = e->role;
		u->on_roster = true;
		seen[u->index] = true;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		struct hf_unit *u = hf_registry_at(r, i);

		if (u->on_roster && !seen[i]) {
			u->on_roster = false;
			u->role = HF_ROLE_UNKNOWN;
		}
	}
	free(seen);
	if (!rc)
		rc = rebuild_maps(r);
	return rc;
}

struct hf_unit *hf_registry_resolve(struct hf_registry *r, const struct hf_radio_event *ev,
				    const char *default_area)
{
	struct hf_unit *u = NULL;
	char anon[HF_ID_MAX];
	const char *id = ev->unit_id;

	if (id[0])
		u = hf_registry_find_id(r, id);
	else if (ev->issi)
		u = hf_registry_find_issi(r, ev->issi);
	else {
		snprintf(anon, sizeof anon, "?%.30s", ev->source[0] ? ev->source : "unknown");
		id = anon;
		u = hf_registry_find_id(r, id);
	}
	if (u)
		return u;

	const char *area = intern(r, default_area);

	if (!area || !(u = add_unit(r)))
		return NULL;
	u->area = area;
	u->issi = ev->issi;
	if (id[0]) {
		hf_strlcpy(u->id, id, sizeof u->id);
		if (id == anon)
			snprintf(u->callsign, sizeof u->callsign, "unidentified via %.14s",
				 ev->source[0] ? ev->source : "unknown");
		else
			hf_strlcpy(u->callsign, id, sizeof u->callsign);
		if (hf_strmap_put(&r->by_id, u->id, u->index))
			return NULL;
	} else {
		snprintf(u->callsign, sizeof u->callsign, "ISSI %u", (unsigned)ev->issi);
	}
	if (u->issi && hf_u32map_put(&r->by_issi, u->issi, u->index))
		return NULL;
	return u;
}

bool hf_registry_apply_event(struct hf_unit *u, const struct hf_radio_event *ev,
			     const struct hf_now *now)
{
	bool changed = false;

	u->last_heard_mono_ns = now->mono_ns;
	u->last_heard_unix_ms = now->unix_ms;
	if (ev->has_status && (!u->has_status || u->status != ev->status)) {
		u->has_status = true;
		u->status = ev->status;
		changed = true;
	}
	if (ev->has_fix) {
		int64_t fix_mono = now->mono_ns;

		if (ev->fix.has_fix_time && ev->fix.fix_unix_ms <= now->unix_ms)
			fix_mono -= (now->unix_ms - ev->fix.fix_unix_ms) * HF_NS_PER_MS;
		/* An older fix than the one held (reordered reports) is not applied. */
		if (!u->has_fix || fix_mono >= u->fix_mono_ns) {
			u->fix = ev->fix;
			if (!u->fix.has_fix_time) {
				u->fix.has_fix_time = true;
				u->fix.fix_unix_ms = ev->received_unix_ms ? ev->received_unix_ms
									  : now->unix_ms;
			}
			u->fix_mono_ns = fix_mono;
			u->has_fix = true;
			hf_strlcpy(u->fix_source, ev->source, sizeof u->fix_source);
			/* On ENOMEM the index marks itself failed and hf_nearest scans. */
			if (u->geo)
				hf_geoindex_set(u->geo, u->index, u->fix.lat, u->fix.lon);
			changed = true;
		}
	}
	return changed;
}

int64_t hf_unit_fix_age_ns(const struct hf_unit *u, const struct hf_now *now)
{
	if (!u->has_fix)
		return INT64_MAX;
	return now->mono_ns > u->fix_mono_ns ? now->mono_ns - u->fix_mono_ns : 0;
}
