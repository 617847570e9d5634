/*
 * fuzz_pei.c - libFuzzer target for the PEI stream parser.
 *
 * The input is the byte stream (so seeds are plain PEI text); a hash of it
 * seeds the chunk sizes. It is fed twice: in pseudo-random chunks (0..64 bytes, empty feeds
 * included) and in one piece, each followed by hf_pei_stream_end. Beyond "no
 * crash, no sanitizer report", it checks that:
 *  - every callback argument is sane (reason set, line within bounds, event
 *    fields within their ranges);
 *  - the counters add up (each event or reject accounts for a line);
 *  - chunking changes nothing: both runs see the same callbacks in the same
 *    order and end with the same counters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pei.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	struct hf_pei_stream s;
	uint64_t digest;
	uint64_t n_events, n_rejects;
};

static void mix(struct run *r, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		r->digest ^= b[i];
		r->digest *= UINT64_C(0x100000001b3); /* FNV-1a */
	}
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void on_event(void *ctx, const struct hf_radio_event *ev)
{
	struct run *r = ctx;
	uint8_t kind = (uint8_t)ev->kind;

	r->n_events++;
	check(ev->issi <= 0xFFFFFF);
	check(ev->kind == HF_EVENT_STATUS || ev->kind == HF_EVENT_LOCATION ||
	      ev->kind == HF_EVENT_TEXT || ev->kind == HF_EVENT_EMERGENCY_CALL);
	if (ev->kind == HF_EVENT_TEXT) {
		size_t n = strnlen(ev->text, HF_TEXT_MAX);

		check(n < HF_TEXT_MAX && !ev->has_fix && !ev->has_status);
		/* whole UTF-8 characters only: no dangling lead byte at the end */
		check(n == 0 || ((uint8_t)ev->text[n - 1] & 0xC0) != 0xC0);
		mix(r, ev->text, n);
	} else if (ev->kind == HF_EVENT_EMERGENCY_CALL) {
		check(ev->has_call_priority && ev->call_priority == 15 && ev->issi > 0);
		check(!ev->has_fix && !ev->has_status);
	} else if (ev->kind == HF_EVENT_STATUS) {
		check(ev->has_status && !ev->has_fix);
		mix(r, &ev->status, sizeof(ev->status));
	} else {
		check(ev->has_fix && !ev->has_status);
		check(ev->fix.lat >= -90.0 && ev->fix.lat <= 90.0);
		check(ev->fix.lon >= -180.0 && ev->fix.lon < 180.0);
		check(!ev->fix.has_velocity ||
		      (ev->fix.velocity_kmh >= 0.0 && ev->fix.velocity_kmh < 1100.0));
		check(ev->fix.direction_deg >= 0.0 && ev->fix.direction_deg < 360.0);
		check(ev->fix.has_error == (ev->fix.error_m > 0));
		check(ev->fix.has_age_max == (ev->fix.age_max_s > 0));
		mix(r, &ev->fix.lat, sizeof(ev->fix.lat));
		mix(r, &ev->fix.lon, sizeof(ev->fix.lon));
		mix(r, &ev->reason, sizeof(ev->reason));
	}
	mix(r, &kind, 1);
	mix(r, &ev->issi, sizeof(ev->issi));
}

static void on_reject(void *ctx, uint64_t line_no, const char *why, const char *line,
		      size_t len)
{
	struct run *r = ctx;

	r->n_rejects++;
	check(why != NULL && why[0] != '\0');
	check(line != NULL && len <= HF_PEI_LINE_MAX);
	check(line_no >= 1 && line_no <= r->s.stats.lines);
	mix(r, &line_no, sizeof(line_no));
	mix(r, why, strlen(why));
	mix(r, &len, sizeof(len));
	mix(r, line, len); /* also makes the sanitizer read every byte */
}

static void run_init(struct run *r)
{
	struct hf_pei_sink sink = { .event = on_event, .reject = on_reject, .ctx = r };

	memset(r, 0, sizeof(*r));
	r->digest = UINT64_C(0xcbf29ce484222325);
	hf_pei_stream_init(&r->s, &sink);
}

static void run_check(const struct run *r)
{
	const struct hf_pei_stats *st = &r->s.stats;

	check(st->events == r->n_events && st->rejected == r->n_rejects);
	check(st->overlong <= st->rejected);
	check(st->events + st->rejected + st->ignored <= st->lines);
	check(!r->s.have_header && r->s.len == 0 && !r->s.overflow);
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Static rather than on the stack: each holds a 1 KiB line buffer. */
static struct run chunked, whole;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 0x9E3779B9u;
	size_t off = 0;

	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (seed == 0)
		seed = 1; /* xorshift's one fixed point */

	run_init(&chunked);
	while (off < size) {
		size_t n = xorshift(&seed) % 65;

		if (n > size - off)
			n = size - off;
		hf_pei_stream_feed(&chunked.s, data + off, n);
		off += n;
	}
	hf_pei_stream_end(&chunked.s);
	run_check(&chunked);

	run_init(&whole);
	hf_pei_stream_feed(&whole.s, data, size);
	hf_pei_stream_end(&whole.s);
	run_check(&whole);

	check(chunked.digest == whole.digest);
	check(memcmp(&chunked.s.stats, &whole.s.stats, sizeof(whole.s.stats)) == 0);
	return 0;
}
