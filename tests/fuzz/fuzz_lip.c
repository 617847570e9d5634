/*
 * fuzz_lip.c - libFuzzer target for the LIP codec.
 *
 * Input: two bytes of big-endian bit count, then the LIP PDU (the bytes after
 * the PI). The count is reduced modulo the bits present, and only the bytes
 * that cover it are handed over, in a buffer of exactly that size, so the
 * sanitizer catches any read past nbits. Beyond "no crash", it checks that a
 * decoded long report has fields within range and a sane event, that a
 * decoded short report has fields within their ranges, that its event is
 * sane, and that encoding it again reproduces the 76 input bits (when the
 * additional data is a reason, which is all the encoder writes).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Bit i (MSB first) of p. */
static unsigned bit(const uint8_t *p, size_t i)
{
	return (p[i / 8] >> (7 - i % 8)) & 1u;
}

static void check_report(const uint8_t *pdu, const struct hf_lip_report *rep)
{
	struct hf_radio_event ev = { 0 };
	struct hf_lip_report again;
	uint8_t out[11];
	double kmh;

	check(rep->pdu_type == HF_LIP_SHORT_REPORT);
	check(rep->time_elapsed <= 3 && rep->position_error <= 7);
	check(rep->velocity_code <= 127 && rep->direction_code <= 15);
	check(rep->additional_type <= 1);
	check(rep->lon_raw >= -16777216 && rep->lon_raw <= 16777215);
	check(rep->lat_raw >= -8388608 && rep->lat_raw <= 8388607);
	check(rep->lon >= -180.0 && rep->lon < 180.0);
	check(rep->lat >= -90.0 && rep->lat < 90.0);

	hf_lip_to_event(rep, &ev);
	check(ev.kind == HF_EVENT_LOCATION && ev.has_fix);
	check(ev.has_reason == (rep->additional_type == 0));
	check(ev.fix.has_velocity == (rep->velocity_code != 127));

	kmh = ev.fix.has_velocity ? ev.fix.velocity_kmh : -1.0;
	check(hf_lip_encode_short(rep->lat, rep->lon, kmh, ev.fix.direction_deg,
				  rep->position_error, rep->time_elapsed, rep->additional,
				  out) == 0);
	check(out[0] == HF_SDS_PI_LIP);
	check(hf_lip_decode(out + 1, HF_LIP_SHORT_BITS, &again, NULL) == 0);
	check(again.lat_raw == rep->lat_raw && again.lon_raw == rep->lon_raw);
	check(again.velocity_code == rep->velocity_code);
	check(again.direction_code == rep->direction_code);
	check(again.position_error == rep->position_error);
	check(again.time_elapsed == rep->time_elapsed);
	check(again.additional == rep->additional);
	if (rep->additional_type == 0)
		for (size_t i = 0; i < HF_LIP_SHORT_BITS; i++)
			check(bit(out + 1, i) == bit(pdu, i));
}

/* A decoded long report: fields in range, and its event sane. */
static void check_long(const struct hf_lip_report *rep)
{
	struct hf_radio_event ev = { 0 };

	check(rep->extension == HF_LIP_EXT_LONG_REPORT);
	check(rep->time_type <= HF_LIP_TIME_OF_POSITION && rep->time_elapsed <= 3);
	check(rep->shape >= HF_LIP_SHAPE_POINT && rep->shape <= HF_LIP_SHAPE_POINT_ERROR);
	check(rep->velocity_type <= 7 && rep->velocity_code <= 127);
	check(rep->has_direction_ext == (rep->velocity_type >= 5));
	check(rep->velocity_type != 0 || rep->velocity_code == 127);
	check(rep->position_error <= 7 && rep->ack_request <= 1 && rep->additional_type <= 1);
	check(rep->lon >= -180.0 && rep->lon < 180.0);
	check(rep->lat >= -90.0 && rep->lat < 90.0);
	check(!rep->has_altitude || (rep->altitude_m >= -200.0 && rep->altitude_m <= 11525.0));

	hf_lip_to_event(rep, &ev);
	check(ev.kind == HF_EVENT_LOCATION && ev.has_fix);
	check(ev.fix.has_direction == rep->has_direction_ext);
	check(ev.fix.direction_deg >= 0.0 && ev.fix.direction_deg < 360.0);
	check(ev.fix.has_altitude == rep->has_altitude && !ev.fix.has_fix_time);
	check(ev.fix.has_age_max == (rep->time_type == HF_LIP_TIME_ELAPSED &&
				     rep->time_elapsed < 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hf_lip_report rep;
	const char *why = NULL;
	size_t avail, nbits, nbytes;
	uint8_t *pdu;
	int rc;

	if (size < 2)
		return 0;
	avail = (size - 2) * 8;
	nbits = ((size_t)data[0] << 8 | data[1]) % (avail + 1);
	nbytes = (nbits + 7) / 8;
	pdu = malloc(nbytes ? nbytes : 1);
	if (!pdu)
		return 0;
	memcpy(pdu, data + 2, nbytes);

	rc = hf_lip_decode(nbytes ? pdu : NULL, nbits, &rep, &why);
	if (rc == 0 && rep.pdu_type == HF_LIP_EXTENDED) {
		check_long(&rep);
	} else if (rc == 0) {
		check(nbits >= HF_LIP_SHORT_BITS);
		check_report(pdu, &rep);
	} else {
		check(rc == -EINVAL || rc == -ENOTSUP);
		check(why != NULL && why[0] != '\0');
		check(rc != -ENOTSUP || rep.pdu_type == HF_LIP_EXTENDED);
	}
	free(pdu);
	return 0;
}
