/*
 * hashmap.c - see hashmap.h.
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

/* ---------------------------------------------------------------- u32 map */

void hf_u32map_init(struct hf_u32map *m)
{
	memset(m, 0, sizeof *m);
}

void hf_u32map_finish(struct hf_u32map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->state);
	memset(m, 0, sizeof *m);
}

void hf_u32map_clear(struct hf_u32map *m)
{
	if (m->state)
		memset(m->state, 0, m->cap);
	m->used = m->filled = 0;
}

static int u32map_grow(struct hf_u32map *m)
{
	struct hf_u32map n;
	size_t cap = m->cap ? m->cap : MIN_CAP;

	while ((m->used + 1) * 10 >= cap * 7)
		cap *= 2;
	n.cap = cap;
	n.used = n.filled = 0;
	n.keys = malloc(cap * sizeof *n.keys);
	n.vals = malloc(cap * sizeof *n.vals);
	n.state = calloc(cap, 1);
	if (!n.keys || !n.vals || !n.state) {
		free(n.keys);
		free(n.vals);
		free(n.state);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->state[i] != SLOT_USED)
			continue;
		size_t j = hash_u32(m->keys[i]) & (cap - 1);

		while (n.state[j] == SLOT_USED)
			j = (j + 1) & (cap - 1);
		n.state[j] = SLOT_USED;
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		n.used++;
	}
	n.filled = n.used;
	hf_u32map_finish(m);
	*m = n;
	return 0;
}

/* Slot holding key, or -1. */
static long u32map_find(const struct hf_u32map *m, uint32_t key)
{
	if (!m->cap)
		return -1;
	size_t mask = m->cap - 1;

	for (size_t j = hash_u32(key) & mask, n = 0; n < m->cap; j = (j + 1) & mask, n++) {
		if (m->state[j] == SLOT_EMPTY)
			return -1;
		if (m->state[j] == SLOT_USED && m->keys[j] == key)
			return (long)j;
	}
	return -1;
}

int hf_u32map_put(struct hf_u32map *m, uint32_t key, uint32_t val)
{
	long at = u32map_find(m, key);

	if (at >= 0) {
		m->vals[at] = val;
		return 0;
	}
	if ((m->filled + 1) * 10 >= m->cap * 7) {
		int rc = u32map_grow(m);

		if (rc)
			return rc;
	}
	size_t mask = m->cap - 1;
	size_t j = hash_u32(key) & mask;

	while (m->state[j] == SLOT_USED)
		j = (j + 1) & mask;
	if (m->state[j] == SLOT_EMPTY)
		m->filled++;
	m->state[j] = SLOT_USED;
	m->keys[j] = key;
	m->vals[j] = val;
	m->used++;
	return 0;
}

bool hf_u32map_get(const struct hf_u32map *m, uint32_t key, uint32_t *val)
{
	long at = u32map_find(m, key);

	if (at < 0)
		return false;
	*val = m->vals[at];
	return true;
}

bool hf_u32map_del(struct hf_u32map *m, uint32_t key)
{
	long at = u32map_find(m, key);

	if (at < 0)
		return false;
	m->state[at] = SLOT_DELETED;
	m->used--;
	return true;
}

/* ---------------------------------------------------------------- string map */

void hf_strmap_init(struct hf_strmap *m, bool loose)
{
	memset(m, 0, sizeof *m);
	m->loose = loose;
}

void hf_strmap_finish(struct hf_strmap *m)
{
	bool loose = m->loose;

	free(m->keys);
	free(m->vals);
	free(m->state);
	memset(m, 0, sizeof *m);
	m->loose = loose;
}

void hf_strmap_clear(struct hf_strmap *m)
{
	if (m->state)
		memset(m->state, 0, m->cap);
	m->used = m->filled = 0;
}

static bool key_eq(const struct hf_strmap *m, const char *a, const char *b)
{
	return m->loose ? hf_str_loose_eq(a, b) : strcmp(a, b) == 0;
}

static int strmap_grow(struct hf_strmap *m)
{
	struct hf_strmap n;
	size_t cap = m->cap ? m->cap : MIN_CAP;

	while ((m->used + 1) * 10 >= cap * 7)
		cap *= 2;
	n.loose = m->loose;
	n.cap = cap;
	n.used = 0;
	n.keys = malloc(cap * sizeof *n.keys);
	n.vals = malloc(cap * sizeof *n.vals);
	n.state = calloc(cap, 1);
	if (!n.keys || !n.vals || !n.state) {
		free(n.keys);
		free(n.vals);
		free(n.state);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->state[i] != SLOT_USED)
			continue;
		size_t j = hash_str(m->keys[i], m->loose) & (cap - 1);

		while (n.state[j] == SLOT_USED)
			j = (j + 1) & (cap - 1);
		n.state[j] = SLOT_USED;
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		n.used++;
	}
	n.filled = n.used;
	hf_strmap_finish(m);
	*m = n;
	return 0;
}

static long strmap_find(const struct hf_strmap *m, const char *key)
{
	if (!m->cap)
		return -1;
	size_t mask = m->cap - 1;

	for (size_t j = hash_str(key, m->loose) & mask, n = 0; n < m->cap;
	     j = (j + 1) & mask, n++) {
		if (m->state[j] == SLOT_EMPTY)
			return -1;
		if (m->state[j] == SLOT_USED && key_eq(m, m->keys[j], key))
			return (long)j;
	}
	return -1;
}

int hf_strmap_put(struct hf_strmap *m, const char *key, uint32_t val)
{
	long at = strmap_find(m, key);

	if (at >= 0) {
		m->keys[at] = key;
		m->vals[at] = val;
		return 0;
	}
	if ((m->filled + 1) * 10 >= m->cap * 7) {
		int rc = strmap_grow(m);

		if (rc)
			return rc;
	}
	size_t mask = m->cap - 1;
	size_t j = hash_str(key, m->loose) & mask;

	while (m->state[j] == SLOT_USED)
		j = (j + 1) & mask;
	if (m->state[j] == SLOT_EMPTY)
		m->filled++;
	m->state[j] = SLOT_USED;
	m->keys[j] = key;
	m->vals[j] = val;
	m->used++;
	return 0;
}

bool hf_strmap_get(const struct hf_strmap *m, const char *key, uint32_t *val)
{
	long at = strmap_find(m, key);

	if (at < 0)
		return false;
	*val = m->vals[at];
	return true;
}

bool hf_strmap_del(struct hf_strmap *m, const char *key)
{
	long at = strmap_find(m, key);

	if (at < 0)
		return false;
	m->state[at] = SLOT_DELETED;
	m->used--;
	return true;
}
