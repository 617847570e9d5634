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

/* PDU type extensions (4 bits after PDU type 01). Only the long report is a
 * location report; the others are recognised and refused with -ENOTSUP. */
enum hf_lip_extension {
	HF_LIP_EXT_IMMEDIATE_REQUEST = 1,
	HF_LIP_EXT_LONG_REPORT = 3,
	HF_LIP_EXT_REPORT_ACK = 4,
	HF_LIP_EXT_BASIC_PARAMETERS = 5,
	HF_LIP_EXT_ADD_TRIGGER = 6,
	HF_LIP_EXT_REMOVE_TRIGGER = 7,
	HF_LIP_EXT_REPORT_TRIGGER = 8,
	HF_LIP_EXT_REPORT_BASIC_PARAMETERS = 9,
	HF_LIP_EXT_REPORTING_ENABLE = 10,
	HF_LIP_EXT_TEMPORARY_CONTROL = 11,
	HF_LIP_EXT_BACKLOG = 12,
};

/* Long report time types. */
enum hf_lip_time_type {
	HF_LIP_TIME_NONE = 0,
	HF_LIP_TIME_ELAPSED = 1,
	HF_LIP_TIME_OF_POSITION = 2,
};

/* Long report location shapes. */
enum hf_lip_shape {
	HF_LIP_SHAPE_NONE = 0,
	HF_LIP_SHAPE_POINT = 1,
	HF_LIP_SHAPE_CIRCLE = 2,
	HF_LIP_SHAPE_ELLIPSE = 3,
	HF_LIP_SHAPE_POINT_ALT = 4,
	HF_LIP_SHAPE_CIRCLE_ALT = 5,
	HF_LIP_SHAPE_ELLIPSE_ALT = 6,
	HF_LIP_SHAPE_CIRCLE_ALT_UNC = 7,
	HF_LIP_SHAPE_ELLIPSE_ALT_UNC = 8,
	HF_LIP_SHAPE_ARC = 9,
	HF_LIP_SHAPE_POINT_ERROR = 10,
};

/*
 * A decoded location report. Short and long reports share the fields up to
 * "additional"; for a long report, fields it does not carry hold their
 * "unknown" codes (time_elapsed 3, position_error 7, velocity_code 127), so
 * code reading only those fields keeps working.
 */
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

	/* Long report only (pdu_type HF_LIP_EXTENDED, extension 3). */
	uint8_t extension;       /* PDU type extension, 0..15 */
	uint8_t time_type;       /* enum hf_lip_time_type (3 is reserved) */
	uint8_t day, hour, minute, second; /* time of position (UTC, day of month) */
	uint8_t shape;           /* enum hf_lip_shape */
	bool has_altitude;
	uint8_t altitude_type;   /* 0 above WGS84 ellipsoid, 1 above mean sea level */
	uint16_t altitude_code;  /* 11 bits; 0 reserved */
	double altitude_m;       /* from altitude_code (hf_lip_altitude_m) */
	bool has_uncertainty;
	uint8_t uncertainty_code;/* 6-bit horizontal position uncertainty, raw */
	uint8_t velocity_type;   /* 0..7 */
	bool has_direction_ext;
	uint8_t direction_ext;   /* 8 bits: n * 360 / 256 degrees */
	uint8_t ack_request;     /* 1: the radio asks for an acknowledgement */
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
/* Altitude in metres of an 11-bit LIP altitude code: 1-1201 -> code-201,
 * 1202-1926 -> 1000+2*(code-1201), 1927-2047 -> 2450+75*(code-1926); 0
 * (reserved) and codes above 2047 give NAN. */
double hf_lip_altitude_m(uint16_t code);
/* Upper bound in seconds of a time-elapsed code; 0 for 3 (unknown). */
uint32_t hf_lip_age_max_s(uint8_t code);

/* Fills the position and reason parts of a normalized event from a report
 * (kind LOCATION; has_fix; has_reason when additional_type is 0). For a long
 * report: has_age_max only for time type "elapsed"; a time of position gives
 * no fix time (it has no month or year: see hf_lip_fix_time_ms); altitude and
 * the 8-bit direction where the report has them. */
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

/*
 * Unix time in ms of a long report's time of position (day of month, hour,
 * minute, second, UTC), taken as the latest such instant not after ref_unix_ms
 * + 1 minute of clock skew, looking back at most 2 months. Returns 0 and sets
 * *out, or -EINVAL if the report has no time of position or its fields are
 * out of range (day 0, hour > 23, ...) or no month in the window has that day.
 */
int hf_lip_fix_time_ms(const struct hf_lip_report *rep, int64_t ref_unix_ms, int64_t *out);

/*
 * Encodes a long location report (PDU type 01, extension 0011), PI byte
 * included, into out (at least 20 bytes): time type "elapsed" with
 * time_elapsed, shape circle (uncertainty code 0) if with_circle else point,
 * velocity type 5 (horizontal velocity + 8-bit direction) if kmh >= 0 else 0,
 * no ack request, reason for sending. Returns the length in bits (PI
 * included), or -EINVAL as hf_lip_encode_short. For tests and the simulator.
 */
int hf_lip_encode_long(double lat, double lon, double kmh, double direction_deg,
		       bool with_circle, uint8_t time_elapsed, uint8_t reason,
		       uint8_t out[20]);

#endif
