/*
 * hashmap.h - small open-addressing hash maps to uint32_t values (indices).
 *
 * hf_u32map: uint32_t key (e.g. ISSI) -> uint32_t value.
 * hf_strmap: string key -> uint32_t value. Keys are BORROWED: the caller keeps
 * each key's memory alive and unchanged while it is in the map.
 * Linear probing, power-of-two tables kept at most 70% full, tombstones on
 * delete. Caller-allocated; init/finish.
 */
#ifndef HF_HASHMAP_H
#define HF_HASHMAP_H

#include "hf.h"

/* The table both maps share: keys are stored as uintptr_t (a uint32_t, or a
 * borrowed string pointer), and `kind` says how to hash and compare them. */
enum hf_map_kind { HF_MAP_U32, HF_MAP_STR, HF_MAP_STR_LOOSE };

/* One slot: key, value and state side by side, so a lookup touches one
 * cache line, not three (a million-unit ISSI map is far bigger than the
 * caches, and it is looked up for every radio report). */
struct hf_map_slot {
	uintptr_t key;
	uint32_t val;
	uint8_t state; /* 0 empty, 1 used, 2 deleted */
};

struct hf_map {
	struct hf_map_slot *slots;
	size_t cap;
	size_t used;    /* live entries */
	size_t filled;  /* live + deleted */
	enum hf_map_kind kind;
};

struct hf_u32map {
	struct hf_map m;
};

void hf_u32map_init(struct hf_u32map *m);
void hf_u32map_finish(struct hf_u32map *m);
/* Sets key to val (replacing). Returns 0 or -ENOMEM. */
int hf_u32map_put(struct hf_u32map *m, uint32_t key, uint32_t val);
/* Finds key; returns true and sets *val if present. */
bool hf_u32map_get(const struct hf_u32map *m, uint32_t key, uint32_t *val);
/* Removes key; returns true if it was present. */
bool hf_u32map_del(struct hf_u32map *m, uint32_t key);
void hf_u32map_clear(struct hf_u32map *m);

/* Loose maps compare keys ignoring ASCII case and spaces ("PC 1234" == "pc1234"). */
struct hf_strmap {
	struct hf_map m;
};

void hf_strmap_init(struct hf_strmap *m, bool loose);
void hf_strmap_finish(struct hf_strmap *m);
int hf_strmap_put(struct hf_strmap *m, const char *key, uint32_t val);
bool hf_strmap_get(const struct hf_strmap *m, const char *key, uint32_t *val);
bool hf_strmap_del(struct hf_strmap *m, const char *key);
void hf_strmap_clear(struct hf_strmap *m);

/* True if a and b are equal ignoring ASCII case and spaces. */
bool hf_str_loose_eq(const char *a, const char *b);

#endif
