/*
 * dirtyset.c - see dirtyset.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dirtyset.h"

int hf_dirtyset_add(struct hf_dirtyset *d, uint32_t i)
{
	if (i >= d->cap_mark) {
		size_t cap = d->cap_mark ? d->cap_mark : 1024;
		uint8_t *m;

		while (cap <= i)
			cap *= 2;
		if (!(m = realloc(d->mark, cap)))
			return -ENOMEM;
		memset(m + d->cap_mark, 0, cap - d->cap_mark);
		d->mark = m;
		d->cap_mark = cap;
	}
	if (d->mark[i])
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		uint32_t *l = realloc(d->list, cap * sizeof *l);

		if (!l)
			return -ENOMEM;
		d->list = l;
		d->cap = cap;
	}
	d->mark[i] = 1;
	d->list[d->n++] = i;
	return 0;
}

void hf_dirtyset_drop_front(struct hf_dirtyset *d, size_t n)
{
	if (n > d->n)
		n = d->n;
	if (n == 0)
		return; /* also: list may still be NULL */
	for (size_t k = 0; k < n; k++)
		d->mark[d->list[k]] = 0;
	memmove(d->list, d->list + n, (d->n - n) * sizeof *d->list);
	d->n -= n;
}

void hf_dirtyset_finish(struct hf_dirtyset *d)
{
	free(d->list);
	free(d->mark);
	memset(d, 0, sizeof *d);
}
