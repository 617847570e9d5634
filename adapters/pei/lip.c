/*
 * lip.c - ETSI TS 100 392-18-1 Location Information Protocol (LIP) codec.
 *
 * Decodes the short location report (PDU type 00) bit by bit, as laid out in
 * shared/domain.md section 4, and encodes it again for the simulator and the
 * tests. The long report (PDU type 01 with its extensions) is recognised and
 * refused with -ENOTSUP until it is decoded (issue #3).
 *
 * Pure: no I/O, no globals, no allocation.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "lip.h"

/* Field widths of a short report, in the order they are sent (76 bits). */
#define PDU_TYPE_BITS 2
#define TIME_ELAPSED_BITS 2
#define LON_BITS 25
#define LAT_BITS 24
#define POS_ERROR_BITS 3
#define VELOCITY_BITS 7
#define DIRECTION_BITS 4
#define ADD_TYPE_BITS 1
#define ADDITIONAL_BITS 8

#define VELOCITY_UNKNOWN 127
#define VELOCITY_LINEAR_MAX 28 /* codes 0..28 are km/h as is */
#define DIRECTION_STEP_DEG 22.5

/* Raw steps per full scale: lon = raw * 180 / 2^24, lat = raw * 90 / 2^23. */
#define LON_SCALE 16777216.0 /* 2^24 */
#define LAT_SCALE 8388608.0  /* 2^23 */
#define LON_RAW_MIN (-16777216L)
#define LAT_RAW_MIN (-8388608L)
#define LAT_RAW_MAX 8388607L

/* ------------------------------------------------------------------------- */
/* Bit reader and writer, most significant bit first                        */
/* ------------------------------------------------------------------------- */

struct bitreader {
	const uint8_t *data;
	size_t nbits; /* bits that may be read; bits beyond are never touched */
	size_t pos;
};

/* True if n more bits can be read. */
static bool br_has(const struct bitreader *br, size_t n)
{
	return br->pos <= br->nbits && br->nbits - br->pos >= n;
}

/* Reads n (<= 32) bits as an unsigned number. The caller checks br_has first;
 * reading past nbits is a bug and returns 0 without moving. */
static uint32_t br_get(struct bitreader *br, unsigned n)
{
	uint32_t v = 0;

	if (n > 32 || !br_has(br, n))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		size_t bit = br->pos + i;
		unsigned b = (br->data[bit / 8] >> (7 - bit % 8)) & 1u;

		v = (v << 1) | b;
	}
	br->pos += n;
	return v;
}

/* Interprets the low n bits of v as two's complement. */
static int32_t sign_extend(uint32_t v, unsigned n)
{
	uint32_t sign = UINT32_C(1) << (n - 1);

	v &= (sign << 1) - 1;
	return (int32_t)(v ^ sign) - (int32_t)sign;
}

struct bitwriter {
	uint8_t *data;
	size_t nbytes;
	size_t pos; /* in bits */
};

/* Appends the low n bits of v; bits past the buffer are dropped (the callers
 * size their buffers, so that never happens). The buffer must start zeroed. */
static void bw_put(struct bitwriter *bw, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t bit = bw->pos + i;
		unsigned b = (v >> (n - 1 - i)) & 1u;

		if (bit / 8 < bw->nbytes && b)
			bw->data[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	}
	bw->pos += n;
}

/* ------------------------------------------------------------------------- */
/* Field tables                                                              */
/* ------------------------------------------------------------------------- */

/*
 * Speed of a horizontal-velocity code: 0..28 are km/h as is, 29..126 follow
 * 16 * 1.038^(K-13) km/h (29 -> 29.06, 126 -> about 1083), 127 means unknown
 * and gives -1. Codes above 127 cannot be sent (7 bits) and also give -1.
 */
double hf_lip_velocity_kmh(uint8_t code)
{
	if (code >= VELOCITY_UNKNOWN)
		return -1.0;
	if (code <= VELOCITY_LINEAR_MAX)
		return (double)code;
	return 16.0 * pow(1.038, (double)code - 13.0);
}

/*
 * The smallest code whose speed (hf_lip_velocity_kmh) is >= kmh, so that a
 * decoded speed encodes back to the same code exactly. Speeds above the top of
 * the scale saturate at 126; a negative or NaN speed means unknown (127).
 */
uint8_t hf_lip_velocity_code(double kmh)
{
	if (isnan(kmh) || kmh < 0.0)
		return VELOCITY_UNKNOWN;
	for (uint8_t code = 0; code < VELOCITY_UNKNOWN; code++)
		if (hf_lip_velocity_kmh(code) >= kmh)
			return code;
	return VELOCITY_UNKNOWN - 1;
}

/*
 * Upper bound in metres of a position-error code: 2 m .. 200 km for 0..5.
 * 6 (more than 200 km) has no upper bound and 7 is unknown: both give 0, as
 * does anything out of range.
 */
uint32_t hf_lip_error_m(uint8_t code)
{
	static const uint32_t bound_m[] = { 2, 20, 200, 2000, 20000, 200000 };

	if (code < HF_ARRAY_SIZE(bound_m))
		return bound_m[code];
	return 0;
}

/* Upper bound in seconds of a time-elapsed code: 5 s, 5 min, 30 min; 3
 * (unknown) and anything out of range give 0. */
uint32_t hf_lip_age_max_s(uint8_t code)
{
	static const uint32_t bound_s[] = { 5, 300, 1800 };

	if (code < HF_ARRAY_SIZE(bound_s))
		return bound_s[code];
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Decoding                                                                  */
/* ------------------------------------------------------------------------- */

static int fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/*
 * Decodes the PDU type and, for a short report, all its fields. *out is reset
 * first, so on -ENOTSUP it still says which PDU type was seen. Bits after the
 * 76 of a short report (padding, or extra digits the radio sent) are ignored.
 * PDU type 01 (long report and the other extensions) is -ENOTSUP for now;
 * types 10 and 11 are reserved by the standard and are -EINVAL.
 */
int hf_lip_decode(const uint8_t *data, size_t nbits, struct hf_lip_report *out,
		  const char **why)
{
	struct bitreader br = { .data = data, .nbits = data ? nbits : 0 };
	uint32_t type;

	memset(out, 0, sizeof(*out));
	if (!br_has(&br, PDU_TYPE_BITS))
		return fail(why, "LIP PDU too short", -EINVAL);
	type = br_get(&br, PDU_TYPE_BITS);
	if (type == HF_LIP_EXTENDED) {
		out->pdu_type = HF_LIP_EXTENDED;
		return fail(why, "LIP long report not decoded yet", -ENOTSUP);
	}
	if (type != HF_LIP_SHORT_REPORT)
		return fail(why, "LIP PDU type reserved", -EINVAL);
	if (!br_has(&br, HF_LIP_SHORT_BITS - PDU_TYPE_BITS))
		return fail(why, "LIP short report shorter than 76 bits", -EINVAL);

	out->pdu_type = HF_LIP_SHORT_REPORT;
	out->time_elapsed = (uint8_t)br_get(&br, TIME_ELAPSED_BITS);
	out->lon_raw = sign_extend(br_get(&br, LON_BITS), LON_BITS);
	out->lat_raw = sign_extend(br_get(&br, LAT_BITS), LAT_BITS);
	out->position_error = (uint8_t)br_get(&br, POS_ERROR_BITS);
	out->velocity_code = (uint8_t)br_get(&br, VELOCITY_BITS);
	out->direction_code = (uint8_t)br_get(&br, DIRECTION_BITS);
	out->additional_type = (uint8_t)br_get(&br, ADD_TYPE_BITS);
	out->additional = (uint8_t)br_get(&br, ADDITIONAL_BITS);
	out->lon = out->lon_raw * 180.0 / LON_SCALE;
	out->lat = out->lat_raw * 90.0 / LAT_SCALE;
	return 0;
}

/* Rounds degrees to 1e-6 (about 0.1 m; LIP's own step is about 1 m). */
static double round_micro(double deg)
{
	return round(deg * 1e6) / 1e6;
}

/*
 * Fills kind, has_fix, the fix and the reason of ev from a short report; the
 * rest of ev (issi, source, times, status, text) is left alone. Optional fix
 * parts get their has_ flag only when the report knows them: velocity 127,
 * position error 6 (no bound) and 7, and time elapsed 3 leave theirs false.
 * A direction is always present in a short report. has_reason is set only for
 * additional data type 0 (reason for sending); user-defined data is dropped.
 */
void hf_lip_to_event(const struct hf_lip_report *rep, struct hf_radio_event *ev)
{
	struct hf_fix *fix = &ev->fix;

	ev->kind = HF_EVENT_LOCATION;
	ev->has_fix = true;
	memset(fix, 0, sizeof(*fix));
	fix->lat = round_micro(rep->lat);
	fix->lon = round_micro(rep->lon);

	fix->error_m = hf_lip_error_m(rep->position_error);
	fix->has_error = fix->error_m > 0;

	fix->has_velocity = rep->velocity_code < VELOCITY_UNKNOWN;
	if (fix->has_velocity)
		fix->velocity_kmh = hf_lip_velocity_kmh(rep->velocity_code);

	fix->has_direction = true;
	fix->direction_deg = (rep->direction_code & 0x0F) * DIRECTION_STEP_DEG;

	fix->age_max_s = hf_lip_age_max_s(rep->time_elapsed);
	fix->has_age_max = fix->age_max_s > 0;

	ev->has_reason = rep->additional_type == 0;
	ev->reason = ev->has_reason ? rep->additional : 0;
}

/* ------------------------------------------------------------------------- */
/* Encoding                                                                  */
/* ------------------------------------------------------------------------- */

/*
 * Encodes a short report, PI byte first, into out[11]; the 4 bits after the
 * 84 are zero. Coordinates round to the nearest raw step. Longitude +180 is
 * the same meridian as -180 and wraps to it (the raw range stops one step
 * short of +180); latitude +90 is not representable either and saturates at
 * the top step (89.99998927, about 1 m short). NaN or out-of-range
 * coordinates, position error > 7 and time elapsed > 3 give -EINVAL and leave
 * out untouched. Direction: negative, NaN or infinite encodes 0, else the nearest
 * 22.5-degree step modulo 360. Speed: see hf_lip_velocity_code.
 */
int hf_lip_encode_short(double lat, double lon, double kmh, double direction_deg,
			uint8_t position_error, uint8_t time_elapsed, uint8_t reason,
			uint8_t out[11])
{
	struct bitwriter bw;
	uint8_t buf[11] = { HF_SDS_PI_LIP };
	long lat_raw, lon_raw;
	unsigned dir = 0;

	if (isnan(lat) || isnan(lon) || lat < -90.0 || lat > 90.0 || lon < -180.0 ||
	    lon > 180.0 || position_error > 7 || time_elapsed > 3)
		return -EINVAL;

	lon_raw = lround(lon * LON_SCALE / 180.0);
	if (lon_raw >= -LON_RAW_MIN)
		lon_raw = LON_RAW_MIN; /* +180 == -180 */
	lat_raw = lround(lat * LAT_SCALE / 90.0);
	if (lat_raw > LAT_RAW_MAX)
		lat_raw = LAT_RAW_MAX;
	if (lat_raw < LAT_RAW_MIN)
		lat_raw = LAT_RAW_MIN;

	if (isfinite(direction_deg) && direction_deg > 0.0)
		dir = (unsigned)lround(fmod(direction_deg, 360.0) / DIRECTION_STEP_DEG) % 16;

	bw = (struct bitwriter){ .data = buf, .nbytes = sizeof(buf), .pos = 8 };
	bw_put(&bw, HF_LIP_SHORT_REPORT, PDU_TYPE_BITS);
	bw_put(&bw, time_elapsed, TIME_ELAPSED_BITS);
	bw_put(&bw, (uint32_t)lon_raw, LON_BITS);
	bw_put(&bw, (uint32_t)lat_raw, LAT_BITS);
	bw_put(&bw, position_error, POS_ERROR_BITS);
	bw_put(&bw, hf_lip_velocity_code(kmh), VELOCITY_BITS);
	bw_put(&bw, dir, DIRECTION_BITS);
	bw_put(&bw, 0, ADD_TYPE_BITS); /* reason for sending */
	bw_put(&bw, reason, ADDITIONAL_BITS);
	memcpy(out, buf, sizeof(buf));
	return 0;
}
