/*
 * test_lip.c - the LIP short-report codec (adapters/pei/lip.c) against
 * shared/domain.md section 4: field layout, scales, code tables, boundaries
 * and the encode/decode round trip.
 *
 * Hand-made vectors below were built bit by bit from the domain.md table with
 * an independent encoder, not with lip.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lip.h"

#define LON_STEP (180.0 / 16777216.0)
#define LAT_STEP (90.0 / 8388608.0)

/* Parses an upper- or lower-case hex string into bytes; returns the count. */
static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < max; hex += 2) {
		unsigned v;

		cr_assert_eq(sscanf(hex, "%2x", &v), 1, "bad test vector %s", hex);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* Decodes a whole-SDS hex vector (PI byte first) as a short report of 76 bits. */
static int decode_sds_hex(const char *hex, struct hf_lip_report *rep, const char **why)
{
	uint8_t buf[32];
	size_t n = unhex(hex, buf, sizeof(buf));

	cr_assert_eq(buf[0], HF_SDS_PI_LIP, "vector %s does not start with the LIP PI", hex);
	return hf_lip_decode(buf + 1, (n - 1) * 8 > HF_LIP_SHORT_BITS ? HF_LIP_SHORT_BITS
								: (n - 1) * 8,
			     rep, why);
}

/* ------------------------------------------------------------------------- */
/* The captures in domain.md                                                 */
/* ------------------------------------------------------------------------- */

Test(lip_captures, the_worked_capture_decodes_to_its_published_position)
{
	/* domain.md's worked capture: 51.3251 N 12.0181 E, error and velocity
	 * unknown, reason 129; every raw field checked exactly. */
	struct hf_lip_report rep;
	const char *why = NULL;

	cr_assert_eq(decode_sds_hex("0A0088BD4247F737FFE810", &rep, &why), 0, "%s", why);
	cr_assert_eq(rep.pdu_type, HF_LIP_SHORT_REPORT);
	cr_assert_eq(rep.time_elapsed, 0);
	cr_assert_eq(rep.lon_raw, 1120168);
	cr_assert_eq(rep.lat_raw, 4783846);
	cr_assert_float_eq(rep.lat, 51.3251, 1e-4);
	cr_assert_float_eq(rep.lon, 12.0181, 1e-4);
	cr_assert_eq(rep.position_error, 7);
	cr_assert_eq(rep.velocity_code, 127);
	cr_assert_eq(rep.direction_code, 15);
	cr_assert_eq(rep.additional_type, 0);
	cr_assert_eq(rep.additional, 129);
}

Test(lip_captures, the_worked_capture_becomes_a_location_event_with_only_known_parts)
{
	/* The event of the worked capture: coordinates rounded to 1e-6, no error
	 * (code 7) and no velocity (code 127), age class 5 s, reason 129. */
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };

	cr_assert_eq(decode_sds_hex("0A0088BD4247F737FFE810", &rep, NULL), 0);
	hf_lip_to_event(&rep, &ev);
	cr_assert_eq(ev.kind, HF_EVENT_LOCATION);
	cr_assert(ev.has_fix);
	cr_assert_float_eq(ev.fix.lat, 51.325099, 1e-9);
	cr_assert_float_eq(ev.fix.lon, 12.018099, 1e-9);
	cr_assert_not(ev.fix.has_error);
	cr_assert_not(ev.fix.has_velocity);
	cr_assert(ev.fix.has_direction);
	cr_assert_float_eq(ev.fix.direction_deg, 337.5, 1e-9);
	cr_assert(ev.fix.has_age_max);
	cr_assert_eq(ev.fix.age_max_s, 5);
	cr_assert_not(ev.fix.has_altitude);
	cr_assert_not(ev.fix.has_fix_time);
	cr_assert(ev.has_reason);
	cr_assert_eq(ev.reason, 129);
	cr_assert_not(hf_radio_event_is_emergency(&ev));
}

Test(lip_captures, the_motorola_capture_decodes_with_its_four_padding_bits_ignored)
{
	/* The 84-bit capture sent as 22 digits: the trailing nibble is not part
	 * of the report; time elapsed 1 (<5 min) gives a 300 s age bound. */
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };
	uint8_t buf[11];

	unhex("0A112853A9FF4D4FFFE810", buf, sizeof(buf));
	cr_assert_eq(hf_lip_decode(buf + 1, 80, &rep, NULL), 0);
	cr_assert_eq(rep.time_elapsed, 1);
	cr_assert_eq(rep.lon_raw, 2427509);
	cr_assert_eq(rep.lat_raw, 4188585);
	cr_assert_float_eq(rep.lat, 44.938642, 1e-6);
	cr_assert_float_eq(rep.lon, 26.044346, 1e-6);
	cr_assert_eq(rep.additional, 129);
	hf_lip_to_event(&rep, &ev);
	cr_assert_eq(ev.fix.age_max_s, 300);
}

Test(lip_captures, encoding_the_worked_capture_reproduces_its_bytes)
{
	/* Encoding the decoded fields gives back the captured 11 bytes exactly. */
	uint8_t want[11], out[11];
	struct hf_lip_report rep;

	unhex("0A0088BD4247F737FFE810", want, sizeof(want));
	cr_assert_eq(hf_lip_decode(want + 1, 76, &rep, NULL), 0);
	cr_assert_eq(hf_lip_encode_short(rep.lat, rep.lon, -1.0, 337.5, 7, 0, 129, out), 0);
	cr_assert_arr_eq(out, want, sizeof(want));
}

/* ------------------------------------------------------------------------- */
/* Boundaries and hemispheres                                                */
/* ------------------------------------------------------------------------- */

Test(lip_bounds, the_most_negative_raw_values_are_minus_180_and_minus_90)
{
	/* Raw lon -2^24 and lat -2^23 (sign bit only) sign-extend to -180 and -90;
	 * the other fields of the vector: elapsed 3, error 0, speed 0, reason 2. */
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };

	cr_assert_eq(decode_sds_hex("0A38000004000000000020", &rep, NULL), 0);
	cr_assert_eq(rep.lon_raw, -16777216);
	cr_assert_eq(rep.lat_raw, -8388608);
	cr_assert_eq(rep.lon, -180.0);
	cr_assert_eq(rep.lat, -90.0);
	cr_assert_eq(rep.time_elapsed, 3);
	cr_assert_eq(rep.position_error, 0);
	cr_assert_eq(rep.velocity_code, 0);
	cr_assert_eq(rep.direction_code, 0);
	cr_assert_eq(rep.additional, HF_LIP_REASON_EMERGENCY);

	hf_lip_to_event(&rep, &ev);
	cr_assert_not(ev.fix.has_age_max, "time elapsed 3 is unknown");
	cr_assert(ev.fix.has_error);
	cr_assert_eq(ev.fix.error_m, 2);
	cr_assert(ev.fix.has_velocity);
	cr_assert_eq(ev.fix.velocity_kmh, 0.0);
	cr_assert(hf_radio_event_is_emergency(&ev), "LIP reason 2 is an emergency");
}

Test(lip_bounds, the_largest_raw_values_stop_one_step_short_of_180_and_90)
{
	/* Raw lon 2^24-1 and lat 2^23-1; elapsed 2, error 5, speed 126,
	 * direction 15, user-defined data 255 (so no reason). */
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };

	cr_assert_eq(decode_sds_hex("0A27FFFFFBFFFFFDFDFFF0", &rep, NULL), 0);
	cr_assert_eq(rep.lon_raw, 16777215);
	cr_assert_eq(rep.lat_raw, 8388607);
	cr_assert_float_eq(rep.lon, 180.0 - LON_STEP, 1e-12);
	cr_assert_float_eq(rep.lat, 90.0 - LAT_STEP, 1e-12);
	cr_assert_eq(rep.time_elapsed, 2);
	cr_assert_eq(rep.position_error, 5);
	cr_assert_eq(rep.velocity_code, 126);
	cr_assert_eq(rep.direction_code, 15);
	cr_assert_eq(rep.additional_type, 1);
	cr_assert_eq(rep.additional, 255);

	hf_lip_to_event(&rep, &ev);
	cr_assert_eq(ev.fix.age_max_s, 1800);
	cr_assert_eq(ev.fix.error_m, 200000);
	cr_assert_float_eq(ev.fix.velocity_kmh, 16.0 * pow(1.038, 113), 1e-9);
	cr_assert_not(ev.has_reason, "user-defined data is not a reason");
	cr_assert_eq(ev.reason, 0);
}

Test(lip_bounds, southern_and_western_hand_made_vectors_decode_to_negative_degrees)
{
	/* Sydney (S, E) and Rio de Janeiro (S, W), encoded by hand: negative
	 * latitude and longitude come out negative, within one raw step. */
	static const struct {
		const char *hex;
		int32_t lon_raw, lat_raw;
		double lat, lon;
	} cases[] = {
		{ "0A16B86D067EA5F9508020", 14093728, -3156801, -33.8688, 151.2093 },
		{ "0A1E14C9D6FB5F19508020", -4024006, -2135069, -22.9068, -43.1729 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_lip_report rep;
		struct hf_radio_event ev = { 0 };

		cr_assert_eq(decode_sds_hex(cases[i].hex, &rep, NULL), 0, "%s", cases[i].hex);
		cr_assert_eq(rep.lon_raw, cases[i].lon_raw, "%s", cases[i].hex);
		cr_assert_eq(rep.lat_raw, cases[i].lat_raw, "%s", cases[i].hex);
		cr_assert_float_eq(rep.lat, cases[i].lat, LAT_STEP, "%s", cases[i].hex);
		cr_assert_float_eq(rep.lon, cases[i].lon, LON_STEP, "%s", cases[i].hex);
		cr_assert_eq(rep.time_elapsed, 1);
		cr_assert_eq(rep.position_error, 1);
		cr_assert_eq(rep.velocity_code, 40);
		cr_assert_eq(rep.direction_code, 4);
		cr_assert_eq(rep.additional, 2);
		hf_lip_to_event(&rep, &ev);
		cr_assert_float_eq(ev.fix.direction_deg, 90.0, 1e-9);
		cr_assert_eq(ev.fix.error_m, 20);
		cr_assert_float_eq(ev.fix.velocity_kmh, 16.0 * pow(1.038, 27), 1e-9);
	}
}

Test(lip_bounds, the_encoder_maps_the_poles_and_the_antimeridian_onto_the_raw_range)
{
	/* -90/-180 are the minimum raw values; +90 saturates at the top step
	 * (not representable); +180 is the same meridian as -180 and wraps. */
	static const struct {
		double lat, lon;
		int32_t lat_raw, lon_raw;
	} cases[] = {
		{ -90.0, -180.0, -8388608, -16777216 },
		{ 90.0, 180.0, 8388607, -16777216 },
		{ 90.0 - LAT_STEP, 180.0 - LON_STEP, 8388607, 16777215 },
		{ 0.0, 0.0, 0, 0 },
		{ -LAT_STEP, -LON_STEP, -1, -1 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		uint8_t out[11];
		struct hf_lip_report rep;

		cr_assert_eq(hf_lip_encode_short(cases[i].lat, cases[i].lon, 0, 0, 0, 0, 0, out),
			     0, "case %zu", i);
		cr_assert_eq(hf_lip_decode(out + 1, 76, &rep, NULL), 0, "case %zu", i);
		cr_assert_eq(rep.lat_raw, cases[i].lat_raw, "case %zu", i);
		cr_assert_eq(rep.lon_raw, cases[i].lon_raw, "case %zu", i);
	}
}

Test(lip_bounds, the_encoder_refuses_out_of_range_input_and_leaves_the_buffer_alone)
{
	/* Coordinates beyond +-90/+-180, NaN, position error > 7 and time
	 * elapsed > 3 are -EINVAL and do not write the output. */
	static const struct {
		double lat, lon;
		uint8_t err, te;
	} cases[] = {
		{ 90.000001, 0, 0, 0 }, { -90.000001, 0, 0, 0 }, { 0, 180.000001, 0, 0 },
		{ 0, -180.000001, 0, 0 }, { NAN, 0, 0, 0 }, { 0, NAN, 0, 0 },
		{ 0, 0, 8, 0 }, { 0, 0, 0, 4 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		uint8_t out[11], before[11];

		memset(out, 0x5A, sizeof(out));
		memcpy(before, out, sizeof(out));
		cr_assert_eq(hf_lip_encode_short(cases[i].lat, cases[i].lon, 0, 0, cases[i].err,
						 cases[i].te, 0, out),
			     -EINVAL, "case %zu", i);
		cr_assert_arr_eq(out, before, sizeof(out), "case %zu", i);
	}
}

/* ------------------------------------------------------------------------- */
/* Code tables                                                               */
/* ------------------------------------------------------------------------- */

Test(lip_codes, velocity_codes_follow_the_linear_then_exponential_table)
{
	/* 0..28 km/h as is; 29..126 are 16 * 1.038^(K-13); 127 unknown (-1). */
	static const struct {
		uint8_t code;
		double kmh;
	} cases[] = {
		{ 0, 0.0 },
		{ 1, 1.0 },
		{ 13, 13.0 },
		{ 28, 28.0 },
		{ 29, 29.058797521986 },
		{ 40, 43.797419946642 },
		{ 126, 1082.482613458591 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++)
		cr_assert_float_eq(hf_lip_velocity_kmh(cases[i].code), cases[i].kmh, 1e-9,
				   "code %u", cases[i].code);
	for (unsigned k = 29; k <= 126; k++)
		cr_assert_float_eq(hf_lip_velocity_kmh((uint8_t)k), 16.0 * pow(1.038, k - 13.0),
				   1e-9, "code %u", k);
	cr_assert_lt(hf_lip_velocity_kmh(127), 0.0);
	cr_assert_lt(hf_lip_velocity_kmh(200), 0.0);
}

Test(lip_codes, every_velocity_code_encodes_back_to_itself)
{
	/* hf_lip_velocity_code is the exact inverse on the table's own speeds,
	 * and speeds are strictly increasing with the code. */
	for (unsigned k = 0; k <= 126; k++) {
		double kmh = hf_lip_velocity_kmh((uint8_t)k);

		cr_assert_eq(hf_lip_velocity_code(kmh), k, "code %u", k);
		if (k > 0)
			cr_assert_gt(hf_lip_velocity_kmh((uint8_t)k),
				     hf_lip_velocity_kmh((uint8_t)(k - 1)), "code %u", k);
	}
}

Test(lip_codes, a_speed_encodes_to_the_smallest_code_at_or_above_it)
{
	/* In-between speeds round up; negative or NaN is unknown (127); beyond
	 * the top of the scale saturates at 126. */
	static const struct {
		double kmh;
		uint8_t code;
	} cases[] = {
		{ 0.0, 0 }, { 0.5, 1 }, { 27.5, 28 }, { 28.0, 28 }, { 28.01, 29 },
		{ 29.06, 30 }, { 1082.0, 126 }, { 5000.0, 126 }, { -1.0, 127 }, { NAN, 127 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++)
		cr_assert_eq(hf_lip_velocity_code(cases[i].kmh), cases[i].code, "%g km/h",
			     cases[i].kmh);
}

Test(lip_codes, position_error_codes_give_upper_bounds_and_0_when_unbounded)
{
	/* 2 m .. 200 km for codes 0..5; 6 (>200 km) and 7 (unknown) give 0. */
	static const uint32_t want[] = { 2, 20, 200, 2000, 20000, 200000, 0, 0, 0 };

	for (uint8_t c = 0; c < HF_ARRAY_SIZE(want); c++)
		cr_assert_eq(hf_lip_error_m(c), want[c], "code %u", c);
}

Test(lip_codes, time_elapsed_codes_give_5_s_5_min_30_min_and_0_when_unknown)
{
	/* 0 -> 5 s, 1 -> 300 s, 2 -> 1800 s, 3 (unknown) -> 0. */
	static const uint32_t want[] = { 5, 300, 1800, 0, 0 };

	for (uint8_t c = 0; c < HF_ARRAY_SIZE(want); c++)
		cr_assert_eq(hf_lip_age_max_s(c), want[c], "code %u", c);
}

Test(lip_codes, every_direction_code_is_a_multiple_of_22_5_degrees)
{
	/* Direction n encodes and decodes as n * 22.5 degrees; in-between angles
	 * take the nearest step, 359 wraps to 0, negative means 0. */
	static const struct {
		double deg;
		uint8_t code;
	} odd[] = {
		{ 11.0, 0 }, { 12.0, 1 }, { 359.0, 0 }, { 360.0, 0 }, { 405.0, 2 },
		{ -45.0, 0 }, { NAN, 0 }, { INFINITY, 0 },
	};
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };
	uint8_t out[11];

	for (unsigned n = 0; n < 16; n++) {
		cr_assert_eq(hf_lip_encode_short(0, 0, 10, n * 22.5, 0, 0, 0, out), 0);
		cr_assert_eq(hf_lip_decode(out + 1, 76, &rep, NULL), 0);
		cr_assert_eq(rep.direction_code, n);
		hf_lip_to_event(&rep, &ev);
		cr_assert(ev.fix.has_direction);
		cr_assert_eq(ev.fix.direction_deg, n * 22.5, "code %u", n);
	}
	for (size_t i = 0; i < HF_ARRAY_SIZE(odd); i++) {
		cr_assert_eq(hf_lip_encode_short(0, 0, 10, odd[i].deg, 0, 0, 0, out), 0);
		cr_assert_eq(hf_lip_decode(out + 1, 76, &rep, NULL), 0);
		cr_assert_eq(rep.direction_code, odd[i].code, "%g degrees", odd[i].deg);
	}
}

Test(lip_codes, position_error_6_and_7_leave_the_event_without_an_error)
{
	/* has_error only for codes 0..5; time elapsed 3 gives no age bound. */
	for (uint8_t code = 0; code < 8; code++) {
		uint8_t out[11];
		struct hf_lip_report rep;
		struct hf_radio_event ev = { 0 };

		cr_assert_eq(hf_lip_encode_short(10, 10, 5, 0, code, 3, 0, out), 0);
		cr_assert_eq(hf_lip_decode(out + 1, 76, &rep, NULL), 0);
		hf_lip_to_event(&rep, &ev);
		cr_assert_eq(ev.fix.has_error, code < 6, "code %u", code);
		cr_assert_eq(ev.fix.error_m, hf_lip_error_m(code), "code %u", code);
		cr_assert_not(ev.fix.has_age_max);
	}
}

/* ------------------------------------------------------------------------- */
/* Round trip                                                                */
/* ------------------------------------------------------------------------- */

Test(lip_roundtrip, encoded_reports_decode_to_the_same_values_within_one_step)
{
	/* encode -> decode returns each input: coordinates within half a raw
	 * step, speed as its code's speed, the rest exactly. */
	static const struct {
		double lat, lon, kmh, dir;
		uint8_t err, te, reason;
	} cases[] = {
		{ 51.5007, -0.1246, 4.0, 90.0, 1, 0, 0 },
		{ -33.8688, 151.2093, 50.0, 180.0, 2, 1, 2 },
		{ -22.9068, -43.1729, 120.0, 337.5, 3, 2, 12 },
		{ 64.1466, -21.9426, -1.0, 0.0, 7, 3, 129 },
		{ -0.000001, -0.000001, 0.0, 22.5, 6, 0, 255 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		uint8_t out[11], again[11];
		struct hf_lip_report rep;
		struct hf_radio_event ev = { 0 };

		cr_assert_eq(hf_lip_encode_short(cases[i].lat, cases[i].lon, cases[i].kmh,
						 cases[i].dir, cases[i].err, cases[i].te,
						 cases[i].reason, out),
			     0, "case %zu", i);
		cr_assert_eq(out[0], HF_SDS_PI_LIP);
		cr_assert_eq(out[10] & 0x0F, 0, "the 4 bits after the 84 are zero");
		cr_assert_eq(hf_lip_decode(out + 1, 76, &rep, NULL), 0, "case %zu", i);
		cr_assert_float_eq(rep.lat, cases[i].lat, LAT_STEP / 2, "case %zu", i);
		cr_assert_float_eq(rep.lon, cases[i].lon, LON_STEP / 2, "case %zu", i);
		cr_assert_eq(rep.velocity_code, hf_lip_velocity_code(cases[i].kmh), "case %zu", i);
		cr_assert_float_eq(rep.direction_code * 22.5, cases[i].dir, 1e-9, "case %zu", i);
		cr_assert_eq(rep.position_error, cases[i].err, "case %zu", i);
		cr_assert_eq(rep.time_elapsed, cases[i].te, "case %zu", i);
		cr_assert_eq(rep.additional_type, 0);
		cr_assert_eq(rep.additional, cases[i].reason, "case %zu", i);

		/* and decode -> encode is the identity on the bytes */
		hf_lip_to_event(&rep, &ev);
		cr_assert_eq(hf_lip_encode_short(rep.lat, rep.lon,
						 ev.fix.has_velocity ? ev.fix.velocity_kmh : -1.0,
						 ev.fix.direction_deg, rep.position_error,
						 rep.time_elapsed, rep.additional, again),
			     0);
		cr_assert_arr_eq(again, out, sizeof(out), "case %zu", i);
	}
}

Test(lip_roundtrip, the_event_rounds_coordinates_to_a_millionth_of_a_degree)
{
	/* ev.fix.lat/lon are the report's degrees rounded to 1e-6. */
	uint8_t out[11];
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };

	cr_assert_eq(hf_lip_encode_short(-33.8688, 151.2093, 0, 0, 0, 0, 0, out), 0);
	cr_assert_eq(hf_lip_decode(out + 1, 76, &rep, NULL), 0);
	hf_lip_to_event(&rep, &ev);
	cr_assert_float_eq(ev.fix.lat, -33.8688, 1e-12); /* raw: -33.868800401... */
	cr_assert_float_eq(ev.fix.lon, 151.209297, 1e-12); /* raw: 151.209297180... */
	cr_assert_eq(ev.fix.lat, round(rep.lat * 1e6) / 1e6);
}

Test(lip_roundtrip, the_event_keeps_what_the_report_does_not_describe)
{
	/* hf_lip_to_event leaves issi, source, times and status alone. */
	struct hf_lip_report rep;
	struct hf_radio_event ev = { .issi = 4242, .received_unix_ms = 77 };

	hf_strlcpy(ev.source, "pei0", sizeof(ev.source));
	cr_assert_eq(decode_sds_hex("0A0088BD4247F737FFE810", &rep, NULL), 0);
	hf_lip_to_event(&rep, &ev);
	cr_assert_eq(ev.issi, 4242);
	cr_assert_eq(ev.received_unix_ms, 77);
	cr_assert_str_eq(ev.source, "pei0");
	cr_assert_not(ev.has_status);
}

/* ------------------------------------------------------------------------- */
/* PDU types and lengths                                                     */
/* ------------------------------------------------------------------------- */

Test(lip_pdu, an_extended_pdu_cut_before_its_extension_is_invalid)
{
	/* PDU type 01 with fewer than 4 extension bits after it: -EINVAL, and
	 * the report says which PDU type it saw. */
	uint8_t buf[1] = { 0x4C };
	struct hf_lip_report rep;
	const char *why = NULL;

	cr_assert_eq(hf_lip_decode(buf, 2, &rep, &why), -EINVAL);
	cr_assert_str_eq(why, "LIP PDU too short");
	cr_assert_eq(rep.pdu_type, HF_LIP_EXTENDED);
	cr_assert_eq(hf_lip_decode(buf, 5, &rep, NULL), -EINVAL);
}

Test(lip_pdu, reserved_pdu_types_are_invalid)
{
	/* PDU types 10 and 11 are reserved: -EINVAL with a reason. */
	static const uint8_t first[] = { 0x80, 0xC0 };

	for (size_t i = 0; i < HF_ARRAY_SIZE(first); i++) {
		uint8_t buf[10] = { first[i] };
		struct hf_lip_report rep;
		const char *why = NULL;

		cr_assert_eq(hf_lip_decode(buf, 76, &rep, &why), -EINVAL);
		cr_assert_str_eq(why, "LIP PDU type reserved");
	}
}

Test(lip_pdu, a_short_report_under_76_bits_is_invalid)
{
	/* 0, 1 and 75 bits are too short; the reason is set; no crash with NULL
	 * why. */
	uint8_t buf[10] = { 0 };
	struct hf_lip_report rep;
	const char *why = NULL;

	cr_assert_eq(hf_lip_decode(buf, 0, &rep, &why), -EINVAL);
	cr_assert_str_eq(why, "LIP PDU too short");
	cr_assert_eq(hf_lip_decode(buf, 1, &rep, &why), -EINVAL);
	cr_assert_eq(hf_lip_decode(buf, 75, &rep, &why), -EINVAL);
	cr_assert_str_eq(why, "LIP short report shorter than 76 bits");
	cr_assert_eq(hf_lip_decode(buf, 75, &rep, NULL), -EINVAL);
	cr_assert_eq(hf_lip_decode(NULL, 0, &rep, NULL), -EINVAL);
}

Test(lip_pdu, bits_beyond_nbits_are_never_read)
{
	/* 76 bits fit in exactly 10 bytes: a heap buffer of that size decodes
	 * (the sanitizer build catches any read past it), and garbage after bit
	 * 76 of a longer buffer changes nothing. */
	uint8_t full[11], *exact = malloc(10);
	struct hf_lip_report a, b;

	cr_assert_not_null(exact);
	unhex("0A0088BD4247F737FFE810", full, sizeof(full));
	memcpy(exact, full + 1, 10);
	cr_assert_eq(hf_lip_decode(exact, 76, &a, NULL), 0);
	exact[9] |= 0x0F; /* the 4 bits after the report */
	cr_assert_eq(hf_lip_decode(exact, 80, &b, NULL), 0);
	cr_assert_eq(a.lon_raw, b.lon_raw);
	cr_assert_eq(a.lat_raw, b.lat_raw);
	cr_assert_eq(a.position_error, b.position_error);
	cr_assert_eq(a.velocity_code, b.velocity_code);
	cr_assert_eq(a.direction_code, b.direction_code);
	cr_assert_eq(a.additional_type, b.additional_type);
	cr_assert_eq(a.additional, b.additional);
	free(exact);
}

/* ------------------------------------------------------------------------- */
/* Long location report                                                      */
/* ------------------------------------------------------------------------- */

/* An independent MSB-first bit packer for hand-made vectors: a list of
 * (value, width) fields, terminated by width 0. */
struct field {
	uint32_t v;
	unsigned w;
};

static size_t pack(const struct field *f, uint8_t *out, size_t max)
{
	size_t pos = 0;

	memset(out, 0, max);
	for (; f->w; f++)
		for (unsigned i = 0; i < f->w; i++, pos++) {
			cr_assert_lt(pos / 8, max);
			if ((f->v >> (f->w - 1 - i)) & 1u)
				out[pos / 8] |= (uint8_t)(0x80u >> (pos % 8));
		}
	return pos;
}

#define WORKED_LON 1120168u /* domain.md worked capture, 51.3251 N 12.0181 E */
#define WORKED_LAT 4783846u
#define HEAD_ELAPSED(t) { 1, 2 }, { 3, 4 }, { 1, 2 }, { (t), 2 }
#define TAIL { 1, 1 }, { 0, 1 }, { 129, 8 }, { 0, 0 } /* ack, reason 129 */

Test(lip_long, every_location_shape_decodes_lat_lon_and_its_extras_with_its_width)
{
	/* Shapes 1-10 with the worked capture's position: lat/lon, then the
	 * shape's own fields (all-ones filler where not decoded, so a wrong
	 * width shifts the reason), velocity type 0, ack 1, reason 129. */
	static const struct {
		uint8_t shape;
		struct field extra[6];
		bool has_unc, has_alt;
		uint8_t unc, pos_err;
		double alt_m;
	} cases[] = {
		{ 1, { { 0, 0 } }, false, false, 0, 7, 0 },
		{ 2, { { 0x15, 6 }, { 0, 0 } }, true, false, 0x15, 7, 0 },
		{ 3, { { 0x7FFFFF, 23 }, { 0, 0 } }, false, false, 0, 7, 0 },
		{ 4, { { 1, 1 }, { 1201, 11 }, { 0, 0 } }, false, true, 0, 7, 1000 },
		{ 5, { { 0x15, 6 }, { 0, 1 }, { 1202, 11 }, { 0, 0 } }, true, true, 0x15, 7, 1002 },
		{ 6, { { 0x7FFFFF, 23 }, { 0xFFF, 12 }, { 0, 0 } }, false, false, 0, 7, 0 },
		{ 7, { { 0x15, 6 }, { 1, 1 }, { 1927, 11 }, { 7, 3 }, { 0, 0 } }, true, true, 0x15,
		  7, 2525 },
		{ 8, { { 0x7FFFFF, 23 }, { 0xFFF, 12 }, { 7, 3 }, { 0, 0 } }, false, false, 0, 7,
		  0 },
		{ 9, { { 0xFFFF, 16 }, { 0xFFFF, 16 }, { 0xFFFF, 16 }, { 7, 3 }, { 0, 0 } }, false,
		  false, 0, 7, 0 },
		{ 10, { { 3, 3 }, { 0, 0 } }, false, false, 0, 3, 0 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct field f[20] = { HEAD_ELAPSED(1), { cases[i].shape, 4 }, { WORKED_LON, 25 },
				       { WORKED_LAT, 24 } };
		size_t n = 7;
		struct hf_lip_report rep;
		const char *why = NULL;
		uint8_t buf[32];
		size_t nbits;

		for (size_t j = 0; cases[i].extra[j].w; j++)
			f[n++] = cases[i].extra[j];
		f[n++] = (struct field){ 0, 3 }; /* velocity type 0 */
		memcpy(&f[n], (struct field[]){ TAIL }, 4 * sizeof(struct field));
		nbits = pack(f, buf, sizeof(buf));
		cr_assert_eq(hf_lip_decode(buf, nbits, &rep, &why), 0, "shape %u: %s",
			     cases[i].shape, why);
		cr_assert_eq(rep.pdu_type, HF_LIP_EXTENDED);
		cr_assert_eq(rep.extension, HF_LIP_EXT_LONG_REPORT);
		cr_assert_eq(rep.shape, cases[i].shape);
		cr_assert_eq(rep.lon_raw, (int32_t)WORKED_LON, "shape %u", cases[i].shape);
		cr_assert_eq(rep.lat_raw, (int32_t)WORKED_LAT, "shape %u", cases[i].shape);
		cr_assert_float_eq(rep.lat, 51.3251, 1e-4);
		cr_assert_float_eq(rep.lon, 12.0181, 1e-4);
		cr_assert_eq(rep.has_uncertainty, cases[i].has_unc, "shape %u", cases[i].shape);
		cr_assert_eq(rep.uncertainty_code, cases[i].unc, "shape %u", cases[i].shape);
		cr_assert_eq(rep.has_altitude, cases[i].has_alt, "shape %u", cases[i].shape);
		if (cases[i].has_alt)
			cr_assert_float_eq(rep.altitude_m, cases[i].alt_m, 1e-9);
		cr_assert_eq(rep.position_error, cases[i].pos_err, "shape %u", cases[i].shape);
		cr_assert_eq(rep.velocity_type, 0);
		cr_assert_eq(rep.velocity_code, 127);
		cr_assert_eq(rep.ack_request, 1, "shape %u", cases[i].shape);
		cr_assert_eq(rep.additional_type, 0);
		cr_assert_eq(rep.additional, 129, "shape %u", cases[i].shape);
		cr_assert_eq(rep.time_elapsed, 1);
	}
}

Test(lip_long, every_velocity_type_has_its_width_and_direction_where_it_has_one)
{
	/* Velocity types 0-7 after a point: horizontal velocity code 29 first,
	 * the 8-bit direction 64 (90 degrees) in types 5-7, all-ones filler in
	 * the uncertainty and vertical fields; the reason after them is 129. */
	static const struct {
		uint8_t type;
		struct field v[7];
		bool dir;
	} cases[] = {
		{ 0, { { 0, 0 } }, false },
		{ 1, { { 29, 7 }, { 0, 0 } }, false },
		{ 2, { { 29, 7 }, { 7, 3 }, { 0, 0 } }, false },
		{ 3, { { 29, 7 }, { 0xFF, 8 }, { 0, 0 } }, false },
		{ 4, { { 29, 7 }, { 7, 3 }, { 0xFF, 8 }, { 7, 3 }, { 0, 0 } }, false },
		{ 5, { { 29, 7 }, { 64, 8 }, { 0, 0 } }, true },
		{ 6, { { 29, 7 }, { 7, 3 }, { 64, 8 }, { 7, 3 }, { 0, 0 } }, true },
		{ 7, { { 29, 7 }, { 7, 3 }, { 0xFF, 8 }, { 7, 3 }, { 64, 8 }, { 7, 3 }, { 0, 0 } },
		  true },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct field f[24] = { HEAD_ELAPSED(0), { 1, 4 }, { WORKED_LON, 25 },
				       { WORKED_LAT, 24 }, { cases[i].type, 3 } };
		size_t n = 8;
		struct hf_lip_report rep;
		struct hf_radio_event ev = { 0 };
		uint8_t buf[32];
		size_t nbits;

		for (size_t j = 0; cases[i].v[j].w; j++)
			f[n++] = cases[i].v[j];
		memcpy(&f[n], (struct field[]){ TAIL }, 4 * sizeof(struct field));
		nbits = pack(f, buf, sizeof(buf));
		cr_assert_eq(hf_lip_decode(buf, nbits, &rep, NULL), 0, "type %u", cases[i].type);
		cr_assert_eq(rep.velocity_type, cases[i].type);
		cr_assert_eq(rep.velocity_code, cases[i].type ? 29 : 127, "type %u",
			     cases[i].type);
		cr_assert_eq(rep.has_direction_ext, cases[i].dir, "type %u", cases[i].type);
		cr_assert_eq(rep.additional, 129, "type %u", cases[i].type);
		hf_lip_to_event(&rep, &ev);
		cr_assert_eq(ev.fix.has_velocity, cases[i].type != 0);
		cr_assert_eq(ev.fix.has_direction, cases[i].dir);
		if (cases[i].dir)
			cr_assert_float_eq(ev.fix.direction_deg, 90.0, 1e-9);
		if (cases[i].type)
			cr_assert_float_eq(ev.fix.velocity_kmh, 16.0 * pow(1.038, 16.0), 1e-9);
	}
}

Test(lip_long, the_time_types_give_elapsed_class_or_time_of_position)
{
	/* Time type 0: nothing (time_elapsed 3); 1: the 2-bit class; 2: day 21,
	 * 13:45:30; 3 is reserved (-EINVAL). */
	struct field none[] = { { 1, 2 }, { 3, 4 }, { 0, 2 }, { 1, 4 }, { 0, 25 }, { 0, 24 },
				{ 0, 3 }, TAIL };
	struct field elapsed[] = { HEAD_ELAPSED(2), { 1, 4 }, { 0, 25 }, { 0, 24 }, { 0, 3 },
				   TAIL };
	struct field tpos[] = { { 1, 2 }, { 3, 4 }, { 2, 2 }, { 21, 5 }, { 13, 5 }, { 45, 6 },
				{ 30, 6 }, { 1, 4 }, { 0, 25 }, { 0, 24 }, { 0, 3 }, TAIL };
	struct field reserved[] = { { 1, 2 }, { 3, 4 }, { 3, 2 }, { 1, 4 }, { 0, 25 },
				    { 0, 24 }, { 0, 3 }, TAIL };
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };
	const char *why = NULL;
	uint8_t buf[32];

	cr_assert_eq(hf_lip_decode(buf, pack(none, buf, sizeof(buf)), &rep, NULL), 0);
	cr_assert_eq(rep.time_type, HF_LIP_TIME_NONE);
	cr_assert_eq(rep.time_elapsed, 3);
	hf_lip_to_event(&rep, &ev);
	cr_assert_not(ev.fix.has_age_max);

	cr_assert_eq(hf_lip_decode(buf, pack(elapsed, buf, sizeof(buf)), &rep, NULL), 0);
	cr_assert_eq(rep.time_type, HF_LIP_TIME_ELAPSED);
	cr_assert_eq(rep.time_elapsed, 2);
	hf_lip_to_event(&rep, &ev);
	cr_assert(ev.fix.has_age_max);
	cr_assert_eq(ev.fix.age_max_s, 1800);

	cr_assert_eq(hf_lip_decode(buf, pack(tpos, buf, sizeof(buf)), &rep, NULL), 0);
	cr_assert_eq(rep.time_type, HF_LIP_TIME_OF_POSITION);
	cr_assert_eq(rep.day, 21);
	cr_assert_eq(rep.hour, 13);
	cr_assert_eq(rep.minute, 45);
	cr_assert_eq(rep.second, 30);
	cr_assert_eq(rep.additional, 129);
	hf_lip_to_event(&rep, &ev);
	cr_assert_not(ev.fix.has_age_max);
	cr_assert_not(ev.fix.has_fix_time, "no clock in the decoder");

	cr_assert_eq(hf_lip_decode(buf, pack(reserved, buf, sizeof(buf)), &rep, &why), -EINVAL);
	cr_assert_str_eq(why, "LIP long report time type reserved");
}

Test(lip_long, a_long_report_event_carries_altitude_error_and_reason)
{
	/* Point+altitude (code 1201: 1000 m) gives has_altitude; point+position
	 * error 2 gives error_m 200; reason 2 is an emergency. */
	struct field alt[] = { HEAD_ELAPSED(0), { 4, 4 }, { WORKED_LON, 25 }, { WORKED_LAT, 24 },
			       { 0, 1 }, { 1201, 11 }, { 0, 3 }, { 0, 1 }, { 0, 1 }, { 2, 8 },
			       { 0, 0 } };
	struct field err[] = { HEAD_ELAPSED(0), { 10, 4 }, { WORKED_LON, 25 }, { WORKED_LAT, 24 },
			       { 2, 3 }, { 0, 3 }, TAIL };
	struct hf_lip_report rep;
	struct hf_radio_event ev = { 0 };
	uint8_t buf[32];

	cr_assert_eq(hf_lip_decode(buf, pack(alt, buf, sizeof(buf)), &rep, NULL), 0);
	hf_lip_to_event(&rep, &ev);
	cr_assert_eq(ev.kind, HF_EVENT_LOCATION);
	cr_assert(ev.has_fix);
	cr_assert_float_eq(ev.fix.lat, 51.325099, 1e-9);
	cr_assert_float_eq(ev.fix.lon, 12.018099, 1e-9);
	cr_assert(ev.fix.has_altitude);
	cr_assert_float_eq(ev.fix.altitude_m, 1000.0, 1e-9);
	cr_assert_not(ev.fix.has_error);
	cr_assert_not(ev.fix.has_velocity);
	cr_assert_not(ev.fix.has_direction);
	cr_assert(ev.fix.has_age_max);
	cr_assert_eq(ev.fix.age_max_s, 5);
	cr_assert(ev.has_reason);
	cr_assert_eq(ev.reason, HF_LIP_REASON_EMERGENCY);
	cr_assert(hf_radio_event_is_emergency(&ev));

	cr_assert_eq(hf_lip_decode(buf, pack(err, buf, sizeof(buf)), &rep, NULL), 0);
	hf_lip_to_event(&rep, &ev);
	cr_assert(ev.fix.has_error);
	cr_assert_eq(ev.fix.error_m, 200);
	cr_assert_not(ev.fix.has_altitude);
	cr_assert_eq(ev.reason, 129);
}

Test(lip_long, other_extensions_are_refused_by_name_as_not_reports)
{
	/* Every PDU type extension but 0011 is -ENOTSUP naming it. */
	static const struct {
		uint8_t ext;
		const char *why;
	} cases[] = {
		{ 0, "LIP extension 0000 reserved" },
		{ 1, "LIP immediate location request (a command to radios, not a report)" },
		{ 2, "LIP extension 0010 reserved" },
		{ 4, "LIP location report acknowledgement (a command to radios, not a report)" },
		{ 5, "LIP basic location parameters (a command to radios, not a report)" },
		{ 6, "LIP add/modify trigger (a command to radios, not a report)" },
		{ 7, "LIP remove trigger (a command to radios, not a report)" },
		{ 8, "LIP report trigger (a command to radios, not a report)" },
		{ 9, "LIP report basic location parameters (a command to radios, not a report)" },
		{ 10, "LIP location reporting enable/disable (a command to radios, not a report)" },
		{ 11, "LIP temporary control (a command to radios, not a report)" },
		{ 12, "LIP backlog (a command to radios, not a report)" },
		{ 13, "LIP extension 1101 reserved" },
		{ 15, "LIP extension 1111 reserved" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		uint8_t buf[2] = { (uint8_t)(0x40 | cases[i].ext << 2), 0xFF };
		struct hf_lip_report rep;
		const char *why = NULL;

		cr_assert_eq(hf_lip_decode(buf, 6, &rep, &why), -ENOTSUP, "ext %u", cases[i].ext);
		cr_assert_str_eq(why, cases[i].why);
		cr_assert_eq(rep.extension, cases[i].ext);
		cr_assert_eq(hf_lip_decode(buf, 16, &rep, NULL), -ENOTSUP);
	}
}

Test(lip_long, a_long_report_cut_anywhere_is_invalid_and_shapes_are_checked)
{
	/* Every prefix of a valid circle+altitude+velocity-7 report is -EINVAL
	 * (never a crash, never a half-filled success); shape 11 is reserved;
	 * shape 0 (no position) is -ENOTSUP. */
	struct field full[] = { HEAD_ELAPSED(0), { 7, 4 }, { WORKED_LON, 25 }, { WORKED_LAT, 24 },
				{ 1, 6 }, { 0, 1 }, { 300, 11 }, { 0, 3 }, { 7, 3 }, { 29, 7 },
				{ 0, 3 }, { 0, 8 }, { 0, 3 }, { 64, 8 }, { 0, 3 }, TAIL };
	struct field shape11[] = { HEAD_ELAPSED(0), { 11, 4 }, { 0, 25 }, { 0, 24 }, { 0, 3 },
				   TAIL };
	struct field shape0[] = { HEAD_ELAPSED(0), { 0, 4 }, { 0, 3 }, TAIL };
	struct hf_lip_report rep;
	const char *why = NULL;
	uint8_t buf[32];
	size_t nbits = pack(full, buf, sizeof(buf));

	cr_assert_eq(hf_lip_decode(buf, nbits, &rep, NULL), 0);
	cr_assert_float_eq(rep.altitude_m, 99.0, 1e-9);
	for (size_t cut = 0; cut < nbits; cut++) {
		cr_assert_eq(hf_lip_decode(buf, cut, &rep, &why), -EINVAL, "cut at %zu", cut);
		cr_assert_not_null(why);
	}
	cr_assert_eq(hf_lip_decode(buf, pack(shape11, buf, sizeof(buf)), &rep, &why), -EINVAL);
	cr_assert_str_eq(why, "LIP long report location shape reserved");
	cr_assert_eq(hf_lip_decode(buf, pack(shape0, buf, sizeof(buf)), &rep, &why), -ENOTSUP);
	cr_assert_str_eq(why, "LIP long report without a location shape");
	cr_assert_eq(rep.additional, 129);
}

Test(lip_long, altitude_codes_map_to_metres_per_the_three_ranges)
{
	/* 1-1201: code-201; 1202-1926: 1000+2(code-1201); 1927-2047:
	 * 2450+75(code-1926); 0 and above 2047 are NAN. */
	static const struct {
		uint16_t code;
		double m;
	} cases[] = {
		{ 1, -200 }, { 201, 0 }, { 1201, 1000 }, { 1202, 1002 }, { 1926, 2450 },
		{ 1927, 2525 }, { 2047, 11525 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++)
		cr_assert_float_eq(hf_lip_altitude_m(cases[i].code), cases[i].m, 1e-9, "%u",
				   cases[i].code);
	cr_assert(isnan(hf_lip_altitude_m(0)));
	cr_assert(isnan(hf_lip_altitude_m(2048)));
}

Test(lip_long, a_time_of_position_becomes_the_latest_matching_instant_before_the_reference)
{
	/* Reference 2026-11-22 08:00:00 UTC: day 22 07:59 is that morning;
	 * 08:00:30 is within the 1-minute skew; 09:00 is a month back; day 31
	 * skips November; 2025-03-05 with day 30 skips February to January;
	 * 2024-02-29 exists (leap year); bad fields are -EINVAL. */
	static const struct {
		int64_t ref;
		uint8_t day, hour, minute, second;
		int rc;
		int64_t want;
	} cases[] = {
		{ 1795334400000, 22, 7, 59, 0, 0, 1795334340000 },
		{ 1795334400000, 22, 8, 0, 30, 0, 1795334430000 },
		{ 1795334400000, 22, 9, 0, 0, 0, 1792659600000 },
		{ 1795334400000, 31, 12, 0, 0, 0, 1793448000000 },
		{ 1741132800000, 30, 0, 0, 0, 0, 1738195200000 },
		{ 1709251200000, 29, 23, 59, 59, 0, 1709251199000 },
		{ 1795334400000, 0, 0, 0, 0, -EINVAL, 0 },
		{ 1795334400000, 1, 24, 0, 0, -EINVAL, 0 },
		{ 1795334400000, 1, 0, 60, 0, -EINVAL, 0 },
		{ 1795334400000, 1, 0, 0, 60, -EINVAL, 0 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_lip_report rep = { .pdu_type = HF_LIP_EXTENDED,
					     .time_type = HF_LIP_TIME_OF_POSITION,
					     .day = cases[i].day,
					     .hour = cases[i].hour,
					     .minute = cases[i].minute,
					     .second = cases[i].second };
		int64_t t = -1;

		cr_assert_eq(hf_lip_fix_time_ms(&rep, cases[i].ref, &t), cases[i].rc, "case %zu", i);
		if (cases[i].rc == 0)
			cr_assert_eq(t, cases[i].want, "case %zu: %lld", i, (long long)t);
	}
	{
		struct hf_lip_report rep = { .pdu_type = HF_LIP_EXTENDED,
					     .time_type = HF_LIP_TIME_ELAPSED, .day = 1 };
		int64_t t;

		cr_assert_eq(hf_lip_fix_time_ms(&rep, 1795334400000, &t), -EINVAL);
	}
}

Test(lip_long, encoded_long_reports_decode_back_to_their_values)
{
	/* Point and circle, with and without velocity: position within a raw
	 * step, speed code exact, direction within 360/256, reason kept. */
	static const struct {
		double lat, lon, kmh, dir;
		bool circle;
	} cases[] = {
		{ 51.3251, 12.0181, 50.0, 90.0, false },
		{ -33.8688, 151.2093, -1.0, 0.0, true },
		{ 0.0, -179.9, 0.0, 359.0, true },
		{ 89.99, 0.0, 1000.0, 180.0, false },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		uint8_t out[20];
		struct hf_lip_report rep;
		struct hf_radio_event ev = { 0 };
		int bits = hf_lip_encode_long(cases[i].lat, cases[i].lon, cases[i].kmh,
					      cases[i].dir, cases[i].circle, 1, 130, out);

		cr_assert_gt(bits, 8, "case %zu", i);
		cr_assert_eq(out[0], HF_SDS_PI_LIP);
		cr_assert_eq(hf_lip_decode(out + 1, (size_t)bits - 8, &rep, NULL), 0, "case %zu", i);
		cr_assert_eq(rep.shape, cases[i].circle ? HF_LIP_SHAPE_CIRCLE : HF_LIP_SHAPE_POINT);
		cr_assert_float_eq(rep.lat, cases[i].lat, LAT_STEP);
		cr_assert_float_eq(rep.lon, cases[i].lon, LON_STEP);
		cr_assert_eq(rep.time_elapsed, 1);
		cr_assert_eq(rep.additional, 130);
		hf_lip_to_event(&rep, &ev);
		cr_assert_eq(ev.fix.has_velocity, cases[i].kmh >= 0);
		if (cases[i].kmh >= 0) {
			cr_assert_eq(rep.velocity_code, hf_lip_velocity_code(cases[i].kmh));
			cr_assert(ev.fix.has_direction);
			cr_assert_float_eq(ev.fix.direction_deg, cases[i].dir, 360.0 / 256.0);
		}
	}
	{
		uint8_t out[20];

		cr_assert_eq(hf_lip_encode_long(91.0, 0, 0, 0, false, 0, 0, out), -EINVAL);
		cr_assert_eq(hf_lip_encode_long(0, 0, 0, 0, false, 4, 0, out), -EINVAL);
	}
}
