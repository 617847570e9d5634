/*
 * hashmap.c - see hashmap.h. One open-addressing table serves both maps.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

enum { SLOT_EMPTY = 0, SLOT_USED = 1, SLOT_DELETED = 2 };

#define MIN_CAP 16

/* Finalizer of murmur3: spreads sequential ISSIs over the table. */
static uint32_t hash_u32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bU;
	x ^= x >> 13;
	x *= 0xc2b2ae35U;
	x ^= x >> 16;
	return x;
}

/* FNV-1a over the key; loose keys skip spaces and fold case. */
static uint32_t hash_str(const char *s, bool loose)
{
	uint32_t h = 2166136261U;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (loose) {
			if (c == ' ')
				continue;
			c = (unsigned char)tolower(c);
		}
		h = (h ^ c) * 16777619U;
	}
	return h;
}

bool hf_str_loose_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
}

static uint32_t hash_key(const struct hf_map *m, uintptr_t key)
{
	switch (m->kind) {
	case HF_MAP_U32:
		return hash_u32((uint32_t)key);
	case HF_MAP_STR:
		return hash_str((const char *)key, false);
	default:
		return hash_str((const char *)key, true);
	}
}

static bool key_eq(const struct hf_map *m, uintptr_t a, uintptr_t b)
{
	switch (m->kind) {
	case HF_MAP_U32:
		return a == b;
	case HF_MAP_STR:
		return strcmp((const char *)a, (const char *)b) == 0;
	default:
		return hf_str_loose_eq((const char *)a, (const char *)b);
	}
}

/* ---------------------------------------------------------------- the table */

static void map_init(struct hf_map *m, enum hf_map_kind kind)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
}

static void map_finish(struct hf_map *m)
{
	free(m->slots);
	map_init(m, m->kind);
}

static void map_clear(struct hf_map *m)
{
	if (m->slots)
		memset(m->slots, 0, m->cap * sizeof *m->slots);
	m->used = m->filled = 0;
}

/* Rehashes into a table big enough for one more entry (dropping tombstones). */
static int map_grow(struct hf_map *m)
{
	struct hf_map n;
	size_t cap = m->cap ? m->cap : MIN_CAP;

	while ((m->used + 1) * 10 >= cap * 7)
		cap *= 2;
	map_init(&n, m->kind);
	n.cap = cap;
	n.slots = calloc(cap, sizeof *n.slots);
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].state != SLOT_USED)
			continue;
		size_t j = hash_key(m, m->slots[i].key) & (cap - 1);

		while (n.slots[j].state == SLOT_USED)
			j = (j + 1) & (cap - 1);
		n.slots[j] = m->slots[i];
		n.used++;
	}
	n.filled = n.used;
	map_finish(m);
	*m = n;
	return 0;
}

/* Slot holding key, or -1. */
static long map_find(const struct hf_map *m, uintptr_t key)
{
	if (!m->cap)
		return -1;
	size_t mask = m->cap - 1;

	for (size_t j = hash_key(m, key) & mask, n = 0; n < m->cap; j = (j + 1) & mask, n++) {
		const struct hf_map_slot *sl = &m->slots[j];

		if (sl->state == SLOT_EMPTY)
			return -1;
		if (sl->state == SLOT_USED && key_eq(m, sl->key, key))
			return (long)j;
	}
	return -1;
}

static int map_put(struct hf_map *m, uintptr_t key, uint32_t val)
{
	long at = map_find(m, key);

	if (at >= 0) {
		m->slots[at].key = key; /* a string map now borrows the newer pointer */
		m->slots[at].val = val;
		return 0;
	}
	if ((m->filled + 1) * 10 >= m->cap * 7) {
		int rc = map_grow(m);

		if (rc)
			return rc;
	}
	size_t mask = m->cap - 1;
	size_t j = hash_key(m, key) & mask;

	while (m->slots[j].state == SLOT_USED)
		j = (j + 1) & mask;
	if (m->slots[j].state == SLOT_EMPTY)
		m->filled++;
	m->slots[j] = (struct hf_map_slot){ .key = key, .val = val, .state = SLOT_USED };
	m->used++;
	return 0;
}

static bool map_get(const struct hf_map *m, uintptr_t key, uint32_t *val)
{
	long at = map_find(m, key);

	if (at < 0)
		return false;
	*val = m->slots[at].val;
	return true;
}

static bool map_del(struct hf_map *m, uintptr_t key)
{
	long at = map_find(m, key);

	if (at < 0)
		return false;
	m->slots[at].state = SLOT_DELETED;
	m->used--;
	return true;
}

/* ---------------------------------------------------------------- typed faces */

void hf_u32map_init(struct hf_u32map *m) { map_init(&m->m, HF_MAP_U32); }
void hf_u32map_finish(struct hf_u32map *m) { map_finish(&m->m); }
void hf_u32map_clear(struct hf_u32map *m) { map_clear(&m->m); }
int hf_u32map_put(struct hf_u32map *m, uint32_t key, uint32_t val) { return map_put(&m->m, key, val); }
bool hf_u32map_get(const struct hf_u32map *m, uint32_t key, uint32_t *val) { return map_get(&m->m, key, val); }
bool hf_u32map_del(struct hf_u32map *m, uint32_t key) { return map_del(&m->m, key); }

void hf_strmap_init(struct hf_strmap *m, bool loose)
{
	map_init(&m->m, loose ? HF_MAP_STR_LOOSE : HF_MAP_STR);
}

void hf_strmap_finish(struct hf_strmap *m) { map_finish(&m->m); }
void hf_strmap_clear(struct hf_strmap *m) { map_clear(&m->m); }

int hf_strmap_put(struct hf_strmap *m, const char *key, uint32_t val)
{
	return map_put(&m->m, (uintptr_t)key, val);
}

bool hf_strmap_get(const struct hf_strmap *m, const char *key, uint32_t *val)
{
	return map_get(&m->m, (uintptr_t)key, val);
}

bool hf_strmap_del(struct hf_strmap *m, const char *key)
{
	return map_del(&m->m, (uintptr_t)key);
}
