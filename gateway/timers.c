/*
 * timers.c - see timers.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timers.h"

void hf_timers_init(struct hf_timers *t)
{
	memset(t, 0, sizeof *t);
}

void hf_timers_finish(struct hf_timers *t)
{
	free(t->heap);
	memset(t, 0, sizeof *t);
}

/* Earlier due first; equal dues keep a stable-enough order by kind and ref. */
static bool before(const struct hf_deadline *a, const struct hf_deadline *b)
{
	if (a->due != b->due)
		return a->due < b->due;
	if (a->kind != b->kind)
		return a->kind < b->kind;
	return a->ref < b->ref;
}

int hf_timers_push(struct hf_timers *t, struct hf_deadline d)
{
	size_t i;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct hf_deadline *h = realloc(t->heap, cap * sizeof *h);

		if (!h)
			return -ENOMEM;
		t->heap = h;
		t->cap = cap;
	}
	i = t->n++;
	while (i > 0 && before(&d, &t->heap[(i - 1) / 2])) {
		t->heap[i] = t->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	t->heap[i] = d;
	return 0;
}

const struct hf_deadline *hf_timers_peek(const struct hf_timers *t)
{
	return t->n ? &t->heap[0] : NULL;
}

void hf_timers_pop(struct hf_timers *t)
{
	struct hf_deadline last;
	size_t i = 0;

	if (!t->n)
		return;
	last = t->heap[--t->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= t->n)
			break;
		if (c + 1 < t->n && before(&t->heap[c + 1], &t->heap[c]))
			c++;
		if (!before(&t->heap[c], &last))
			break;
		t->heap[i] = t->heap[c];
		i = c;
	}
	if (t->n)
		t->heap[i] = last;
}
