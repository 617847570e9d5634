/*
 * lip.c - ETSI TS 100 392-18-1 Location Information Protocol (LIP) codec.
 *
 * Decodes the short location report (PDU type 00) bit by bit, as laid out in
 * shared/domain.md section 4, and encodes it again for the simulator and the
 * tests. The long report (PDU type 01, extension 0011) is decoded too: time
 * type, every location shape (lat/lon always; altitude, uncertainty and
 * position error where the shape has them), velocity types 0-7, ack request
 * and reason. The other extensions (requests, acks, triggers...) are
 * recognised and refused with -ENOTSUP naming them.
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

/* Long report (after PDU type 01). */
#define EXTENSION_BITS 4
#define TIME_TYPE_BITS 2
#define DAY_BITS 5
#define HOUR_BITS 5
#define MINUTE_BITS 6
#define SECOND_BITS 6
#define SHAPE_BITS 4
#define UNCERTAINTY_BITS 6
#define ALT_TYPE_BITS 1
#define ALT_BITS 11
#define VEL_TYPE_BITS 3
#define DIRECTION_EXT_BITS 8
#define ACK_BITS 1
#define POS_ERROR_UNKNOWN 7
#define TIME_ELAPSED_UNKNOWN 3

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

/* Altitude of an 11-bit code (see lip.h); NAN for 0 and codes above 2047. */
double hf_lip_altitude_m(uint16_t code)
{
	if (code == 0 || code > 2047)
		return NAN;
	if (code <= 1201)
		return (double)code - 201.0;
	if (code <= 1926)
		return 1000.0 + 2.0 * ((double)code - 1201.0);
	return 2450.0 + 75.0 * ((double)code - 1926.0);
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

/* Why each PDU type extension other than the long report is refused. */
static const char *const ext_why[16] = {
	"LIP extension 0000 reserved",
	"LIP immediate location request (a command to radios, not a report)",
	"LIP extension 0010 reserved",
	NULL, /* long location report */
	"LIP location report acknowledgement (a command to radios, not a report)",
	"LIP basic location parameters (a command to radios, not a report)",
	"LIP add/modify trigger (a command to radios, not a report)",
	"LIP remove trigger (a command to radios, not a report)",
	"LIP report trigger (a command to radios, not a report)",
	"LIP report basic location parameters (a command to radios, not a report)",
	"LIP location reporting enable/disable (a command to radios, not a report)",
	"LIP temporary control (a command to radios, not a report)",
	"LIP backlog (a command to radios, not a report)",
	"LIP extension 1101 reserved",
	"LIP extension 1110 reserved",
	"LIP extension 1111 reserved",
};

/* Bits of location data after the 4-bit shape, by shape (domain.md). */
static const uint8_t shape_bits[16] = { 0, 49, 55, 72, 61, 67, 84, 70, 87, 100, 52 };
/* Bits of velocity data after the 3-bit velocity type, by type. */
static const uint8_t velocity_bits[8] = { 0, 7, 10, 15, 21, 15, 21, 32 };

/*
 * Shape data: every shape except "none" starts with longitude (25) and
 * latitude (24). Then, as far as it is decoded here:
 *   circle (2):  horizontal position uncertainty (6);
 *   point+altitude (4): altitude (1 type + 11);
 *   circle+altitude (5), circle+altitude+uncertainty (7): uncertainty (6),
 *     altitude (12) [7 then adds 3 bits of altitude accuracy, skipped];
 *   point+position error (10): position error (3, the short-report table).
 * Ellipses (3, 6, 8) and the arc (9) are decoded for lat/lon only: the order of
 * their altitude among the axis, angle and confidence fields is not
 * confirmed, so no altitude is reported for them. The rest of each shape is
 * skipped by its width.
 */
static void decode_shape(struct bitreader *br, size_t end, struct hf_lip_report *out)
{
	uint8_t shape = out->shape;

	out->lon_raw = sign_extend(br_get(br, LON_BITS), LON_BITS);
	out->lat_raw = sign_extend(br_get(br, LAT_BITS), LAT_BITS);
	out->lon = out->lon_raw * 180.0 / LON_SCALE;
	out->lat = out->lat_raw * 90.0 / LAT_SCALE;
	if (shape == HF_LIP_SHAPE_CIRCLE || shape == HF_LIP_SHAPE_CIRCLE_ALT ||
	    shape == HF_LIP_SHAPE_CIRCLE_ALT_UNC) {
		out->has_uncertainty = true;
		out->uncertainty_code = (uint8_t)br_get(br, UNCERTAINTY_BITS);
	}
	if (shape == HF_LIP_SHAPE_POINT_ALT || shape == HF_LIP_SHAPE_CIRCLE_ALT ||
	    shape == HF_LIP_SHAPE_CIRCLE_ALT_UNC) {
		out->altitude_type = (uint8_t)br_get(br, ALT_TYPE_BITS);
		out->altitude_code = (uint16_t)br_get(br, ALT_BITS);
		out->altitude_m = hf_lip_altitude_m(out->altitude_code);
		out->has_altitude = !isnan(out->altitude_m);
	}
	if (shape == HF_LIP_SHAPE_POINT_ERROR)
		out->position_error = (uint8_t)br_get(br, POS_ERROR_BITS);
	br->pos = end;
}

/*
 * Velocity data by type: 1 horizontal velocity (7); 2 + uncertainty (3);
 * 3 horizontal (7) + vertical velocity (8); 4 horizontal (7) + uncertainty (3)
 * + vertical (8) + uncertainty (3); 5 horizontal (7) + extended direction (8);
 * 6 horizontal (7) + uncertainty (3) + extended direction (8) + uncertainty
 * (3); 7 horizontal (7) + uncertainty (3) + vertical (8) + uncertainty (3) +
 * extended direction (8) + uncertainty (3). Horizontal velocity uses the
 * short report's code table; extended direction is n * 360/256 degrees.
 * Vertical velocity and the uncertainties are skipped.
 */
static void decode_velocity(struct bitreader *br, size_t end, struct hf_lip_report *out)
{
	static const uint8_t dir_offset[8] = { 0, 0, 0, 0, 0, 7, 10, 21 };
	size_t start = br->pos;
	uint8_t t = out->velocity_type;

	if (t != 0)
		out->velocity_code = (uint8_t)br_get(br, VELOCITY_BITS);
	if (dir_offset[t] != 0) {
		br->pos = start + dir_offset[t];
		out->has_direction_ext = true;
		out->direction_ext = (uint8_t)br_get(br, DIRECTION_EXT_BITS);
	}
	br->pos = end;
}

/* Decodes what follows PDU type 01: the extension, and a long report. */
static int decode_extended(struct bitreader *br, struct hf_lip_report *out, const char **why)
{
	size_t need;

	out->pdu_type = HF_LIP_EXTENDED;
	out->time_elapsed = TIME_ELAPSED_UNKNOWN;
	out->position_error = POS_ERROR_UNKNOWN;
	out->velocity_code = VELOCITY_UNKNOWN;
	if (!br_has(br, EXTENSION_BITS))
		return fail(why, "LIP PDU too short", -EINVAL);
	out->extension = (uint8_t)br_get(br, EXTENSION_BITS);
	if (out->extension != HF_LIP_EXT_LONG_REPORT)
		return fail(why, ext_why[out->extension], -ENOTSUP);

	if (!br_has(br, TIME_TYPE_BITS))
		return fail(why, "LIP long report cut off", -EINVAL);
	out->time_type = (uint8_t)br_get(br, TIME_TYPE_BITS);
	switch (out->time_type) {
	case HF_LIP_TIME_NONE:
		break;
	case HF_LIP_TIME_ELAPSED:
		if (!br_has(br, TIME_ELAPSED_BITS))
			return fail(why, "LIP long report cut off", -EINVAL);
		out->time_elapsed = (uint8_t)br_get(br, TIME_ELAPSED_BITS);
		break;
	case HF_LIP_TIME_OF_POSITION:
		if (!br_has(br, DAY_BITS + HOUR_BITS + MINUTE_BITS + SECOND_BITS))
			return fail(why, "LIP long report cut off", -EINVAL);
		out->day = (uint8_t)br_get(br, DAY_BITS);
		out->hour = (uint8_t)br_get(br, HOUR_BITS);
		out->minute = (uint8_t)br_get(br, MINUTE_BITS);
		out->second = (uint8_t)br_get(br, SECOND_BITS);
		break;
	default:
		return fail(why, "LIP long report time type reserved", -EINVAL);
	}

	if (!br_has(br, SHAPE_BITS))
		return fail(why, "LIP long report cut off", -EINVAL);
	out->shape = (uint8_t)br_get(br, SHAPE_BITS);
	if (out->shape > HF_LIP_SHAPE_POINT_ERROR)
		return fail(why, "LIP long report location shape reserved", -EINVAL);
	need = shape_bits[out->shape];
	if (!br_has(br, need + VEL_TYPE_BITS))
		return fail(why, "LIP long report cut off", -EINVAL);
	if (out->shape != HF_LIP_SHAPE_NONE)
		decode_shape(br, br->pos + need, out);

	out->velocity_type = (uint8_t)br_get(br, VEL_TYPE_BITS);
	need = velocity_bits[out->velocity_type];
	if (!br_has(br, need + ACK_BITS + ADD_TYPE_BITS + ADDITIONAL_BITS))
		return fail(why, "LIP long report cut off", -EINVAL);
	decode_velocity(br, br->pos + need, out);

	out->ack_request = (uint8_t)br_get(br, ACK_BITS);
	out->additional_type = (uint8_t)br_get(br, ADD_TYPE_BITS);
	out->additional = (uint8_t)br_get(br, ADDITIONAL_BITS);
	if (out->shape == HF_LIP_SHAPE_NONE)
		return fail(why, "LIP long report without a location shape", -ENOTSUP);
	return 0;
}

/*
 * Decodes the PDU type and, for a short report, all its fields. *out is reset
 * first, so on -ENOTSUP it still says which PDU type was seen. Bits after the
 * 76 of a short report (padding, or extra digits the radio sent) are ignored.
 * PDU type 01 goes to decode_extended; types 10 and 11 are reserved by the
 * standard and are -EINVAL.
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
	if (type == HF_LIP_EXTENDED)
		return decode_extended(&br, out, why);
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
 * A direction is always present in a short report; in a long one only with
 * velocity types 5-7 (8-bit direction), and a long report adds its altitude.
 * A long report's time elapsed is 3 unless its time type is "elapsed", so
 * has_age_max follows; a time of position is not turned into fix_unix_ms
 * here (no clock: see hf_lip_fix_time_ms). has_reason is set only for
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

	if (rep->pdu_type == HF_LIP_SHORT_REPORT) {
		fix->has_direction = true;
		fix->direction_deg = (rep->direction_code & 0x0F) * DIRECTION_STEP_DEG;
	} else {
		fix->has_direction = rep->has_direction_ext;
		fix->direction_deg = rep->direction_ext * 360.0 / 256.0;
		fix->has_altitude = rep->has_altitude;
		fix->altitude_m = rep->has_altitude ? rep->altitude_m : 0.0;
	}

	fix->age_max_s = hf_lip_age_max_s(rep->time_elapsed);
	fix->has_age_max = fix->age_max_s > 0;

	ev->has_reason = rep->additional_type == 0;
	ev->reason = ev->has_reason ? rep->additional : 0;
}

/* ------------------------------------------------------------------------- */
/* Time of position                                                          */
/* ------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Year and month of a day count since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : mdays[m - 1];
}

#define MS_PER_DAY INT64_C(86400000)
#define SKEW_MS INT64_C(60000)

int hf_lip_fix_time_ms(const struct hf_lip_report *rep, int64_t ref_unix_ms, int64_t *out)
{
	int64_t limit = ref_unix_ms + SKEW_MS, y, days;
	unsigned m;

	if (rep->pdu_type != HF_LIP_EXTENDED || rep->time_type != HF_LIP_TIME_OF_POSITION ||
	    rep->day < 1 || rep->hour > 23 || rep->minute > 59 || rep->second > 59)
		return -EINVAL;
	days = ref_unix_ms >= 0 ? ref_unix_ms / MS_PER_DAY : -((-ref_unix_ms - 1) / MS_PER_DAY) - 1;
	civil_from_days(days, &y, &m);
	for (int back = 0; back <= 2; back++) {
		int64_t t;

		if (rep->day <= days_in_month(y, m)) {
			t = days_from_civil(y, m, rep->day) * MS_PER_DAY +
			    ((int64_t)rep->hour * 3600 + rep->minute * 60 + rep->second) * 1000;
			if (t <= limit) {
				*out = t;
				return 0;
			}
		}
		if (--m == 0) {
			m = 12;
			y--;
		}
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------------- */
/* Encoding                                                                  */
/* ------------------------------------------------------------------------- */

/* Raw LIP coordinates for degrees already checked to be in range: rounded to
 * the nearest step; +180 longitude wraps to -180, and +90 latitude stops one
 * step short (neither fits the two's-complement range). */
static void raw_coords(double lat, double lon, long *lat_raw, long *lon_raw)
{
	*lon_raw = lround(lon * LON_SCALE / 180.0);
	if (*lon_raw >= -LON_RAW_MIN)
		*lon_raw = LON_RAW_MIN; /* +180 == -180 */
	*lat_raw = lround(lat * LAT_SCALE / 90.0);
	if (*lat_raw > LAT_RAW_MAX)
		*lat_raw = LAT_RAW_MAX;
	if (*lat_raw < LAT_RAW_MIN)
		*lat_raw = LAT_RAW_MIN;
}

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

	raw_coords(lat, lon, &lat_raw, &lon_raw);

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

/*
 * Encodes a long report (see lip.h): PI, PDU type 01, extension 0011, time
 * type 1 + time elapsed, shape point (1) or circle (2, uncertainty code 0),
 * longitude, latitude, velocity type 5 (7-bit speed, 8-bit direction) or 0
 * when kmh < 0 or NaN, ack request 0, additional type 0, reason. Coordinates
 * as hf_lip_encode_short. Returns the length in bits including the PI.
 */
int hf_lip_encode_long(double lat, double lon, double kmh, double direction_deg,
		       bool with_circle, uint8_t time_elapsed, uint8_t reason,
		       uint8_t out[20])
{
	uint8_t buf[20] = { HF_SDS_PI_LIP };
	struct bitwriter bw = { .data = buf, .nbytes = sizeof(buf), .pos = 8 };
	long lat_raw, lon_raw;
	unsigned dir = 0;
	bool moving = !isnan(kmh) && kmh >= 0.0;

	if (isnan(lat) || isnan(lon) || lat < -90.0 || lat > 90.0 || lon < -180.0 ||
	    lon > 180.0 || time_elapsed > 3)
		return -EINVAL;
	raw_coords(lat, lon, &lat_raw, &lon_raw);
	if (isfinite(direction_deg) && direction_deg > 0.0)
		dir = (unsigned)lround(fmod(direction_deg, 360.0) * 256.0 / 360.0) % 256;

	bw_put(&bw, HF_LIP_EXTENDED, PDU_TYPE_BITS);
	bw_put(&bw, HF_LIP_EXT_LONG_REPORT, EXTENSION_BITS);
	bw_put(&bw, HF_LIP_TIME_ELAPSED, TIME_TYPE_BITS);
	bw_put(&bw, time_elapsed, TIME_ELAPSED_BITS);
	bw_put(&bw, with_circle ? HF_LIP_SHAPE_CIRCLE : HF_LIP_SHAPE_POINT, SHAPE_BITS);
	bw_put(&bw, (uint32_t)lon_raw, LON_BITS);
	bw_put(&bw, (uint32_t)lat_raw, LAT_BITS);
	if (with_circle)
		bw_put(&bw, 0, UNCERTAINTY_BITS);
	bw_put(&bw, moving ? 5 : 0, VEL_TYPE_BITS);
	if (moving) {
		bw_put(&bw, hf_lip_velocity_code(kmh), VELOCITY_BITS);
		bw_put(&bw, dir, DIRECTION_EXT_BITS);
	}
	bw_put(&bw, 0, ACK_BITS);
	bw_put(&bw, 0, ADD_TYPE_BITS);
	bw_put(&bw, reason, ADDITIONAL_BITS);
	memcpy(out, buf, sizeof(buf));
	return (int)bw.pos;
}
