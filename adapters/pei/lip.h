/*
 * lip.h - ETSI TS 100 392-18-1 Location Information Protocol (LIP) codec.
 *
 * Pure functions over bytes: no I/O, no globals, no allocation. The payload
 * given here is the SDS type-4 user data *after* the protocol identifier byte
 * (PI 0x0A); lengths are in bits. See ../shared/domain.md section 4.
 */
#ifndef HF_LIP_H
#define HF_LIP_H

#include <stddef.h>
#include <stdint.h>

#include "radio_event.h"

#define HF_SDS_PI_LIP 0x0A
#define HF_LIP_SHORT_BITS 76 /* a short report, after the PI */

enum hf_lip_pdu {
	HF_LIP_SHORT_REPORT = 0, /* PDU type 00 */
	HF_LIP_EXTENDED = 1,     /* PDU type 01: long report and other extensions */
};

/* A decoded location report (short form in this first cut). */
struct hf_lip_report {
	enum hf_lip_pdu pdu_type;
	uint8_t time_elapsed;    /* 0 <5 s, 1 <5 min, 2 <30 min, 3 unknown */
	int32_t lon_raw;         /* 25-bit two's complement, sign-extended */
	int32_t lat_raw;         /* 24-bit two's complement, sign-extended */
	double lon;              /* degrees = lon_raw * 180 / 2^24 */
	double lat;              /* degrees = lat_raw * 90 / 2^23 */
	uint8_t position_error;  /* code 0..7 */
	uint8_t velocity_code;   /* 0..127 (127 unknown) */
	uint8_t direction_code;  /* 0..15, n * 22.5 degrees */
	uint8_t additional_type; /* 0 reason for sending, 1 user defined */
	uint8_t additional;      /* reason for sending or user data */
};

/*
 * Decodes a LIP PDU of nbits bits at data (after the PI byte). Bits beyond nbits
 * are ignored. Returns 0 and fills *out, or -EINVAL if the PDU is too short or
 * malformed, or -ENOTSUP for a PDU type/extension not decoded (yet); *why (if not
 * NULL) then points to a static human-readable reason.
 */
int hf_lip_decode(const uint8_t *data, size_t nbits, struct hf_lip_report *out,
		  const char **why);

/* Speed in km/h for a LIP horizontal-velocity code; negative for 127 (unknown). */
double hf_lip_velocity_kmh(uint8_t code);
/* Smallest velocity code whose speed is >= kmh (for encoders). */
uint8_t hf_lip_velocity_code(double kmh);
/* Upper bound in metres of a position-error code; 0 for 6 (>200 km) and 7 (unknown). */
uint32_t hf_lip_error_m(uint8_t code);
/* Upper bound in seconds of a time-elapsed code; 0 for 3 (unknown). */
uint32_t hf_lip_age_max_s(uint8_t code);

/* Fills the position and reason parts of a normalized event from a report
 * (kind LOCATION; has_fix; has_reason when additional_type is 0). */
void hf_lip_to_event(const struct hf_lip_report *rep, struct hf_radio_event *ev);

/*
 * Encodes a short location report, PI byte included, into out[11] (84 bits; the
 * last 4 bits are zero). lat/lon are rounded to the nearest raw step; direction
 * is in degrees (negative: 0), kmh < 0 encodes "unknown" (127). Returns 0 or
 * -EINVAL for coordinates out of range. Used by handoff-sim and tests.
 */
int hf_lip_encode_short(double lat, double lon, double kmh, double direction_deg,
			uint8_t position_error, uint8_t time_elapsed, uint8_t reason,
			uint8_t out[11]);

#endif
