/*
 * fuzz_ingest.c - libFuzzer target for what the ingest endpoint does with each
 * ZeroMQ frame: unpack a handoff.v1.RadioEvent (protobuf-c) and validate it
 * into a normalized radio event (gateway/wire.c).
 *
 * Beyond "no crash": an accepted event keeps the gateway's promises (24-bit
 * ISSI, NUL-terminated strings, coordinates in range, a STATUS event has a
 * status, a LOCATION event a fix), and it survives a round trip through the
 * wire format unchanged.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_event(const struct hf_radio_event *ev)
{
	check(ev->issi <= 0xFFFFFF);
	check(memchr(ev->unit_id, '\0', sizeof ev->unit_id) != NULL);
	check(memchr(ev->source, '\0', sizeof ev->source) != NULL);
	check(memchr(ev->text, '\0', sizeof ev->text) != NULL);
	check(ev->kind >= HF_EVENT_STATUS && ev->kind <= HF_EVENT_CHECK_IN);
	check(ev->kind != HF_EVENT_STATUS || ev->has_status);
	check(ev->kind != HF_EVENT_LOCATION || ev->has_fix);
	if (ev->has_fix)
		check(hf_geo_valid(ev->fix.lat, ev->fix.lon));
	if (ev->has_call_priority)
		check(ev->call_priority <= 15);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Handoff__V1__RadioEvent *pb = handoff__v1__radio_event__unpack(NULL, size, data);
	Handoff__V1__RadioEvent out, *again;
	struct hf_radio_event ev, ev2;
	const char *why = NULL;
	uint8_t *buf;
	size_t len;

	if (!pb)
		return 0;
	if (hf_wire_event_from_pb(pb, &ev, &why) != 0) {
		check(why != NULL && why[0] != '\0');
		handoff__v1__radio_event__free_unpacked(pb, NULL);
		return 0;
	}
	handoff__v1__radio_event__free_unpacked(pb, NULL);
	check_event(&ev);

	/* Round trip: what the gateway would publish or replay is the same event. */
	hf_wire_event_to_pb(&ev, &out);
	len = protobuf_c_message_get_packed_size(&out.base);
	buf = malloc(len ? len : 1);
	check(buf != NULL);
	protobuf_c_message_pack(&out.base, buf);
	again = handoff__v1__radio_event__unpack(NULL, len, buf);
	check(again != NULL);
	check(hf_wire_event_from_pb(again, &ev2, &why) == 0);
	check(ev2.kind == ev.kind && ev2.issi == ev.issi && ev2.has_status == ev.has_status &&
	      ev2.status == ev.status && ev2.has_fix == ev.has_fix &&
	      ev2.has_reason == ev.has_reason && ev2.reason == ev.reason &&
	      strcmp(ev2.unit_id, ev.unit_id) == 0 && strcmp(ev2.text, ev.text) == 0);
	if (ev.has_fix)
		check(ev2.fix.lat == ev.fix.lat && ev2.fix.lon == ev.fix.lon);
	handoff__v1__radio_event__free_unpacked(again, NULL);
	free(buf);
	return 0;
}
