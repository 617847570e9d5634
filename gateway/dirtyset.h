/*
 * dirtyset.h - a set of registry indices kept in the order they were first
 * added: adding is O(1) (one mark byte per index), and the oldest are taken
 * from the front. The gateway keeps two: units whose state the journal has
 * not written yet, and units whose latest state subscribers have not had
 * (unit updates are conflated per unit: however often a unit moves, it is
 * published once per round).
 */
#ifndef HF_DIRTYSET_H
#define HF_DIRTYSET_H

#include "hf.h"

struct hf_dirtyset {
	uint32_t *list;  /* in the order added */
	size_t n, cap;
	uint8_t *mark;   /* by index: 1 while in list */
	size_t cap_mark;
};

/* Adds i unless it is already in; 0 or -ENOMEM (then it is not added). */
int hf_dirtyset_add(struct hf_dirtyset *d, uint32_t i);
/* Removes the first n entries. */
void hf_dirtyset_drop_front(struct hf_dirtyset *d, size_t n);
void hf_dirtyset_finish(struct hf_dirtyset *d);

#endif
