/*
 * test_pei.c - the PEI parser (adapters/pei/pei.c): +CTSDSR headers, SDS
 * user data, and the byte stream that pairs them, against shared/domain.md
 * sections 1-4.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lip.h"
#include "pei.h"
#include "pei_tx.h"

/* The two records of domain.md section 1 plus its worked LIP capture. */
#define STATUS_HDR "+CTSDSR: 13,1234567,0,2345678,0,16"
#define STATUS_DATA "8004"
#define LIP_HDR "+CTSDSR: 12,2269001,0,9999,0,84"
#define LIP_DATA "0A112853A9FF4D4FFFE810"
#define WORKED_DATA "0A0088BD4247F737FFE810"

/* ------------------------------------------------------------------------- */
/* A sink that records what the stream delivers                              */
/* ------------------------------------------------------------------------- */

#define REC_MAX 16

struct rejected {
	uint64_t line_no;
	const char *why;
	char line[HF_PEI_LINE_MAX + 1];
	size_t len;
};

struct response {
	enum hf_pei_response_kind kind;
	int error;
	char text[HF_PEI_LINE_MAX + 1];
};

struct recorder {
	struct hf_radio_event events[REC_MAX];
	size_t n_events;
	struct rejected rejects[REC_MAX];
	size_t n_rejects;
	struct response responses[REC_MAX];
	size_t n_responses;
	char order[REC_MAX * 3 + 1]; /* 'e' event, 'j' reject, 'r' response, in order */
	size_t n_order;
};

static void rec_event(void *ctx, const struct hf_radio_event *ev)
{
	struct recorder *r = ctx;

	cr_assert_lt(r->n_events, REC_MAX, "too many events");
	r->events[r->n_events++] = *ev;
	r->order[r->n_order++] = 'e';
}

static void rec_reject(void *ctx, uint64_t line_no, const char *why, const char *line,
		       size_t len)
{
	struct recorder *r = ctx;
	struct rejected *j;

	cr_assert_lt(r->n_rejects, REC_MAX, "too many rejects");
	cr_assert_not_null(why);
	cr_assert_not_null(line);
	cr_assert_leq(len, HF_PEI_LINE_MAX);
	j = &r->rejects[r->n_rejects++];
	j->line_no = line_no;
	j->why = why;
	j->len = len;
	memcpy(j->line, line, len);
	j->line[len] = '\0';
	r->order[r->n_order++] = 'j';
}

static void rec_response(void *ctx, const struct hf_pei_response *resp)
{
	struct recorder *r = ctx;
	struct response *o;

	cr_assert_lt(r->n_responses, REC_MAX, "too many responses");
	cr_assert_leq(resp->len, HF_PEI_LINE_MAX);
	o = &r->responses[r->n_responses++];
	o->kind = resp->kind;
	o->error = resp->error;
	memcpy(o->text, resp->text, resp->len);
	o->text[resp->len] = '\0';
	r->order[r->n_order++] = 'r';
}

/* The stream and its recorder under test (one per test process). */
static struct recorder rec;
static struct hf_pei_stream stream;

static void stream_setup(void)
{
	struct hf_pei_sink sink = { .event = rec_event, .reject = rec_reject,
				    .response = rec_response, .ctx = &rec };

	memset(&rec, 0, sizeof(rec));
	hf_pei_stream_init(&stream, &sink);
}

static void feed(const char *text)
{
	hf_pei_stream_feed(&stream, text, strlen(text));
}

static void assert_status_event(const struct hf_radio_event *ev, uint32_t issi,
				uint16_t status)
{
	cr_assert_eq(ev->kind, HF_EVENT_STATUS);
	cr_assert_eq(ev->issi, issi);
	cr_assert(ev->has_status);
	cr_assert_eq(ev->status, status);
	cr_assert_not(ev->has_fix);
	cr_assert_not(ev->has_reason);
}

/* ------------------------------------------------------------------------- */
/* +CTSDSR header                                                            */
/* ------------------------------------------------------------------------- */

struct header_case {
	const char *line;
	uint8_t ai;
	uint32_t calling;
	uint8_t calling_type;
	uint32_t called;
	uint8_t called_type;
	uint16_t bits;
};

Test(pei_header, every_accepted_form_gives_the_expected_fields)
{
	/* Full 6/7-field forms, blanks, case, empty optional fields, the two
	 * 4-field readings, the 3-field form and TSI identities. */
	static const struct header_case cases[] = {
		/* the domain.md captures */
		{ STATUS_HDR, 13, 1234567, 0, 2345678, 0, 16 },
		{ LIP_HDR, 12, 2269001, 0, 9999, 0, 84 },
		/* 7 fields: e2e 0 */
		{ "+CTSDSR: 12,1234567,0,2345678,0,84,0", 12, 1234567, 0, 2345678, 0, 84 },
		/* 7 fields: e2e empty */
		{ "+CTSDSR: 12,1234567,0,2345678,0,84,", 12, 1234567, 0, 2345678, 0, 84 },
		/* no blank after the colon, blanks around fields, tabs, lower case */
		{ "+CTSDSR:13,1234567,0,2345678,0,16", 13, 1234567, 0, 2345678, 0, 16 },
		{ "+CTSDSR:   13 , 1234567 ,0,\t2345678, 0 ,16  ", 13, 1234567, 0, 2345678, 0, 16 },
		{ "  +ctsdsr : 13,1234567,0,2345678,0,16", 13, 1234567, 0, 2345678, 0, 16 },
		/* empty optional calling id and type */
		{ "+CTSDSR: 13,,,2345678,0,16", 13, 0, 0, 2345678, 0, 16 },
		{ "+CTSDSR: 13,1234567,,2345678,0,16", 13, 1234567, 0, 2345678, 0, 16 },
		/* SSI limits */
		{ "+CTSDSR: 13,16777215,0,1,0,16", 13, 16777215, 0, 1, 0, 16 },
		{ "+CTSDSR: 13,00001234,0,1,0,16", 13, 1234, 0, 1, 0, 16 },
		/* TSI: MCC 0262, MNC 00100, SSI 01234567 -> the last 8 digits */
		{ "+CTSDSR: 13,02620010001234567,1,2345678,0,16", 13, 1234567, 1, 2345678, 0, 16 },
		{ "+CTSDSR: 13,02620010016777215,1,2345678,0,16", 13, 16777215, 1, 2345678, 0, 16 },
		/* extended TSI is read like a TSI; a short TSI is the SSI itself */
		{ "+CTSDSR: 13,02620010001234567,5,2345678,0,16", 13, 1234567, 5, 2345678, 0, 16 },
		{ "+CTSDSR: 13,1234567,1,2345678,0,16", 13, 1234567, 1, 2345678, 0, 16 },
		/* a called TSI */
		{ "+CTSDSR: 13,1234567,0,02620010002345678,1,16", 13, 1234567, 0, 2345678, 1, 16 },
		/* 4 fields: AI, calling, called, length */
		{ "+CTSDSR: 12,1234567,2345678,84", 12, 1234567, 0, 2345678, 0, 84 },
		/* 4 fields with a TSI calling id: type inferred from its 17 digits */
		{ "+CTSDSR: 12,02620010001234567,2345678,84", 12, 1234567, 1, 2345678, 0, 84 },
		/* 4 fields whose third is an identity type: AI, called, type, length */
		{ "+CTSDSR: 12,1234567,0,16", 12, 0, 0, 1234567, 0, 16 },
		/* 3 fields: AI, called, length */
		{ "+CTSDSR: 13,2345678,16", 13, 0, 0, 2345678, 0, 16 },
		/* lengths 0 and 2047 are headers; decoding decides what they mean */
		{ "+CTSDSR: 12,1,0,2,0,0", 12, 1, 0, 2, 0, 0 },
		{ "+CTSDSR: 12,1,0,2,0,2047", 12, 1, 0, 2, 0, 2047 },
		/* a PSTN called party is not an SSI: 0 */
		{ "+CTSDSR: 12,1234567,0,00441234567890,4,84", 12, 1234567, 0, 0, 4, 84 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		const struct header_case *c = &cases[i];
		struct hf_pei_ctsdsr h;
		const char *why = NULL;
		int rc = hf_pei_parse_ctsdsr(c->line, strlen(c->line), &h, &why);

		cr_assert_eq(rc, 0, "%s: %s", c->line, why ? why : "");
		cr_assert_eq(h.ai_service, c->ai, "%s", c->line);
		cr_assert_eq(h.calling_ssi, c->calling, "%s: calling %u", c->line, h.calling_ssi);
		cr_assert_eq(h.calling_type, c->calling_type, "%s", c->line);
		cr_assert_eq(h.called_ssi, c->called, "%s: called %u", c->line, h.called_ssi);
		cr_assert_eq(h.called_type, c->called_type, "%s", c->line);
		cr_assert_eq(h.length_bits, c->bits, "%s", c->line);
	}
}

Test(pei_header, malformed_headers_are_invalid_with_a_reason_and_leave_out_alone)
{
	/* Each bad header is -EINVAL with the listed reason; *out is untouched. */
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ "OK", "not a +CTSDSR header" },
		{ "+CTSDSR 13,1234567,0,2345678,0,16", "not a +CTSDSR header" },
		{ "+CTSDSRX: 13,1234567,0,2345678,0,16", "not a +CTSDSR header" },
		{ "+CTSDSR: 13,1234567,0,2345678,16", "+CTSDSR: expected 3, 4, 6 or 7 fields" },
		{ "+CTSDSR: 13,16", "+CTSDSR: expected 3, 4, 6 or 7 fields" },
		{ "+CTSDSR:", "+CTSDSR: expected 3, 4, 6 or 7 fields" },
		{ "+CTSDSR: 13,1,0,2,0,16,0,9", "+CTSDSR: too many fields" },
		{ "+CTSDSR: ,1234567,0,2345678,0,16", "+CTSDSR: bad AI service" },
		{ "+CTSDSR: x3,1234567,0,2345678,0,16", "+CTSDSR: bad AI service" },
		{ "+CTSDSR: 256,1234567,0,2345678,0,16", "+CTSDSR: bad AI service" },
		{ "+CTSDSR: 13,1234567,0,2345678,0,", "+CTSDSR: bad length" },
		{ "+CTSDSR: 13,1234567,0,2345678,0,1 6", "+CTSDSR: bad length" },
		{ "+CTSDSR: 13,1234567,0,2345678,0,99999999", "+CTSDSR: bad length" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,2048", "+CTSDSR: length above 2047 bits" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,84,1",
		  "end-to-end encrypted SDS cannot be decoded" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,84,2", "+CTSDSR: bad end-to-end encryption flag" },
		{ "+CTSDSR: 13,1234567,6,2345678,0,16", "+CTSDSR: bad identity type" },
		{ "+CTSDSR: 13,1234567,0,2345678,x,16", "+CTSDSR: bad identity type" },
		{ "+CTSDSR: 13,16777216,0,2345678,0,16", "+CTSDSR: SSI above 16777215" },
		{ "+CTSDSR: 13,02620010016777216,1,2345678,0,16", "+CTSDSR: SSI above 16777215" },
		{ "+CTSDSR: 13,12345a7,0,2345678,0,16", "+CTSDSR: identity is not a number" },
		{ "+CTSDSR: 13,-1234567,0,2345678,0,16", "+CTSDSR: identity is not a number" },
		{ "+CTSDSR: 13,1234567890123456789012345,1,2345678,0,16",
		  "+CTSDSR: identity too long" },
		{ "+CTSDSR: 13,00441234567890,4,2345678,0,16",
		  "+CTSDSR: calling id is not an SSI or TSI" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_pei_ctsdsr h, before;
		const char *why = NULL;

		memset(&h, 0xA5, sizeof(h));
		before = h;
		cr_assert_eq(hf_pei_parse_ctsdsr(cases[i].line, strlen(cases[i].line), &h, &why),
			     -EINVAL, "%s", cases[i].line);
		cr_assert_str_eq(why, cases[i].why, "%s", cases[i].line);
		cr_assert_eq(memcmp(&h, &before, sizeof(h)), 0, "%s", cases[i].line);
	}
}

Test(pei_header, the_parser_reads_only_len_bytes_of_the_line)
{
	/* The line need not be NUL-terminated: bytes past len are not part of it. */
	static const char line[] = STATUS_HDR "99,7";
	struct hf_pei_ctsdsr h;

	cr_assert_eq(hf_pei_parse_ctsdsr(line, strlen(STATUS_HDR), &h, NULL), 0);
	cr_assert_eq(h.length_bits, 16);
}

/* ------------------------------------------------------------------------- */
/* SDS user data                                                             */
/* ------------------------------------------------------------------------- */

/* Parses hdr and decodes data; returns the decode result. */
static int decode(const char *hdr, const char *data, struct hf_radio_event *ev,
		  const char **why)
{
	struct hf_pei_ctsdsr h;

	cr_assert_eq(hf_pei_parse_ctsdsr(hdr, strlen(hdr), &h, why), 0, "%s", hdr);
	return hf_pei_decode_sds(&h, data, strlen(data), ev, why);
}

Test(pei_sds, the_domain_status_capture_is_status_0x8004_from_1234567)
{
	/* domain.md: "+CTSDSR: 13,1234567,0,2345678,0,16" / "8004". */
	struct hf_radio_event ev;
	const char *why = NULL;

	cr_assert_eq(decode(STATUS_HDR, STATUS_DATA, &ev, &why), 0, "%s", why);
	assert_status_event(&ev, 1234567, 0x8004);
	cr_assert_not(hf_radio_event_is_emergency(&ev));
	cr_assert_str_eq(ev.source, "", "the source is the caller's to set");
	cr_assert_eq(ev.received_unix_ms, 0);
}

Test(pei_sds, status_0_is_the_emergency_status)
{
	/* Pre-coded status 0 is an emergency by itself. */
	struct hf_radio_event ev;

	cr_assert_eq(decode(STATUS_HDR, "0000", &ev, NULL), 0);
	assert_status_event(&ev, 1234567, HF_STATUS_EMERGENCY);
	cr_assert(hf_radio_event_is_emergency(&ev));
}

Test(pei_sds, status_hex_is_read_in_either_case_and_extra_digits_are_ignored)
{
	/* Upper or lower case hex; digits beyond the 16 bits (even or odd in
	 * number) do not change the status. */
	static const struct {
		const char *data;
		uint16_t status;
	} cases[] = {
		{ "7C0A", 0x7C0A }, { "7c0a", 0x7C0A }, { "fFfF", 0xFFFF }, { "800400", 0x8004 },
		{ "80041", 0x8004 }, { " 8004 ", 0x8004 }, { "8004\t", 0x8004 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_radio_event ev;
		const char *why = NULL;

		cr_assert_eq(decode(STATUS_HDR, cases[i].data, &ev, &why), 0, "%s: %s",
			     cases[i].data, why);
		assert_status_event(&ev, 1234567, cases[i].status);
	}
}

Test(pei_sds, the_domain_lip_capture_is_a_location_from_2269001)
{
	/* domain.md: "+CTSDSR: 12,2269001,0,9999,0,84" and 22 hex digits for 84
	 * bits: the extra digit is ignored; 44.938642 N 26.044346 E. */
	struct hf_radio_event ev;
	const char *why = NULL;

	cr_assert_eq(decode(LIP_HDR, LIP_DATA, &ev, &why), 0, "%s", why);
	cr_assert_eq(ev.kind, HF_EVENT_LOCATION);
	cr_assert_eq(ev.issi, 2269001);
	cr_assert(ev.has_fix);
	cr_assert_float_eq(ev.fix.lat, 44.938642, 1e-9);
	cr_assert_float_eq(ev.fix.lon, 26.044346, 1e-9);
	cr_assert_not(ev.fix.has_error);
	cr_assert_not(ev.fix.has_velocity);
	cr_assert_eq(ev.fix.age_max_s, 300);
	cr_assert(ev.has_reason);
	cr_assert_eq(ev.reason, 129);
	cr_assert_not(ev.has_status);
}

Test(pei_sds, the_worked_lip_capture_decodes_in_any_digit_count_that_covers_84_bits)
{
	/* 21 digits (exactly 84 bits), 22, and lower case all give 51.3251 N
	 * 12.0181 E, unknown error and velocity, reason 129. */
	static const char *const datas[] = {
		"0A0088BD4247F737FFE81", WORKED_DATA, "0a0088bd4247f737ffe810", WORKED_DATA "FF",
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(datas); i++) {
		struct hf_radio_event ev;
		const char *why = NULL;

		cr_assert_eq(decode(LIP_HDR, datas[i], &ev, &why), 0, "%s: %s", datas[i], why);
		cr_assert_float_eq(ev.fix.lat, 51.3251, 1e-4, "%s", datas[i]);
		cr_assert_float_eq(ev.fix.lon, 12.0181, 1e-4, "%s", datas[i]);
		cr_assert_not(ev.fix.has_error);
		cr_assert_not(ev.fix.has_velocity);
		cr_assert_eq(ev.reason, 129);
	}
}

Test(pei_sds, a_lip_emergency_report_is_an_emergency_event)
{
	/* LIP reason 2 (emergency condition detected) makes the event an
	 * emergency; the payload is built with the encoder. */
	uint8_t pdu[11];
	char hex[23];
	struct hf_radio_event ev;

	cr_assert_eq(hf_lip_encode_short(51.5, -0.12, 5, 90, 1, 0, HF_LIP_REASON_EMERGENCY,
					 pdu),
		     0);
	for (size_t i = 0; i < sizeof(pdu); i++)
		snprintf(hex + 2 * i, 3, "%02X", pdu[i]);
	cr_assert_eq(decode(LIP_HDR, hex, &ev, NULL), 0);
	cr_assert_eq(ev.reason, HF_LIP_REASON_EMERGENCY);
	cr_assert(hf_radio_event_is_emergency(&ev));
	cr_assert_float_eq(ev.fix.lat, 51.5, 1e-5);
	cr_assert_float_eq(ev.fix.lon, -0.12, 1e-5);
}

Test(pei_sds, bad_user_data_is_rejected_with_a_clear_reason_and_no_event)
{
	/* Too few digits, non-hex characters (anywhere on the line), a status
	 * that is not 16 bits, a type-4 SDS without a whole PI, a LIP report too
	 * short: -EINVAL with a reason; *ev untouched. */
	static const struct {
		const char *hdr, *data, *why;
	} cases[] = {
		{ STATUS_HDR, "800", "SDS data has fewer hex digits than its length" },
		{ STATUS_HDR, "", "SDS data has fewer hex digits than its length" },
		{ LIP_HDR, "0A112853A9FF4D4FFFE8",
		  "SDS data has fewer hex digits than its length" },
		{ STATUS_HDR, "80G4", "SDS data is not hex" },
		{ STATUS_HDR, "80 04", "SDS data is not hex" },
		{ STATUS_HDR, "8004Z", "SDS data is not hex" },
		{ STATUS_HDR, "0x8004", "SDS data is not hex" },
		{ STATUS_HDR, "OK", "SDS data is not hex" },
		{ "+CTSDSR: 13,1234567,0,2345678,0,8", "80", "status SDS is not 16 bits" },
		{ "+CTSDSR: 13,1234567,0,2345678,0,32", "80040000", "status SDS is not 16 bits" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,4", "0",
		  "SDS type 4 shorter than its protocol identifier" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,80", WORKED_DATA,
		  "LIP short report shorter than 76 bits" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,8", "0A", "LIP PDU too short" },
		{ "+CTSDSR: 5,1234567,0,2345678,0,16", "8004",
		  "+CTSDSR: AI service is not an SDS service" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_radio_event ev = { .issi = 99, .kind = HF_EVENT_TEXT };
		const char *why = NULL;

		cr_assert_eq(decode(cases[i].hdr, cases[i].data, &ev, &why), -EINVAL, "%s / %s",
			     cases[i].hdr, cases[i].data);
		cr_assert_str_eq(why, cases[i].why, "%s / %s", cases[i].hdr, cases[i].data);
		cr_assert_eq(ev.issi, 99);
		cr_assert_eq(ev.kind, HF_EVENT_TEXT);
	}
}

Test(pei_sds, services_and_payloads_not_decoded_yet_are_not_supported)
{
	/* SDS types 1-3, PIs other than LIP and text (the reason names the PI)
	 * and LIP PDUs that are not reports are -ENOTSUP. */
	static const struct {
		const char *hdr, *data, *why;
	} cases[] = {
		{ "+CTSDSR: 9,1234567,0,2345678,0,16", "8004", "SDS type 1 not decoded yet" },
		{ "+CTSDSR: 10,1234567,0,2345678,0,32", "80048004", "SDS type 2 not decoded yet" },
		{ "+CTSDSR: 11,1234567,0,2345678,0,64", "8004800480048004",
		  "SDS type 3 not decoded yet" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,16", "8a01", "SDS PI 0x8A not decoded yet" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,8", "FF", "SDS PI 0xFF not decoded yet" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,24", "0A4400", "LIP immediate location request "
		  "(a command to radios, not a report)" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_radio_event ev;
		const char *why = NULL;

		cr_assert_eq(decode(cases[i].hdr, cases[i].data, &ev, &why), -ENOTSUP, "%s / %s",
			     cases[i].hdr, cases[i].data);
		cr_assert_str_eq(why, cases[i].why, "%s", cases[i].data);
	}
}

Test(pei_sds, a_tsi_calling_id_gives_the_event_its_ssi)
{
	/* The event's issi is the SSI part of a TSI calling id. */
	struct hf_radio_event ev;

	cr_assert_eq(decode("+CTSDSR: 13,02620010001234567,1,2345678,0,16", "8004", &ev, NULL),
		     0);
	assert_status_event(&ev, 1234567, 0x8004);
}

/* ------------------------------------------------------------------------- */
/* Stream: records                                                           */
/* ------------------------------------------------------------------------- */

TestSuite(pei_stream, .init = stream_setup);

Test(pei_stream, a_status_record_becomes_one_event)
{
	/* Header and data line with CRLF: one status event, two lines. */
	feed(STATUS_HDR "\r\n" STATUS_DATA "\r\n");
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.n_rejects, 0);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
	cr_assert_eq(stream.stats.lines, 2);
	cr_assert_eq(stream.stats.events, 1);
	cr_assert_eq(stream.stats.rejected, 0);
	cr_assert_eq(stream.stats.ignored, 0);
}

Test(pei_stream, a_lip_record_becomes_one_location_event)
{
	/* The domain.md LIP record: a location event from 2269001. */
	feed(LIP_HDR "\r\n" LIP_DATA "\r\n");
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.events[0].kind, HF_EVENT_LOCATION);
	cr_assert_eq(rec.events[0].issi, 2269001);
	cr_assert_float_eq(rec.events[0].fix.lat, 44.938642, 1e-9);
}

/* While the owner sheds, a position report is dropped after reading only its
 * reason; an emergency (reason 2) or radio-health one (low battery, 12),
 * statuses and text are still decoded. */
Test(pei_stream, shedding_drops_only_non_emergency_position_reports)
{
	const char *ordinary = "+CTSDSR: 12,2001001,0,9999,0,84\r\n0A0FFEDCBA49F4A10A0810\r\n";
	const char *battery = "+CTSDSR: 12,2001002,0,9999,0,84\r\n0A0FFEDCBA49F4A10A00C0\r\n";
	const char *emergency = "+CTSDSR: 12,2001003,0,9999,0,84\r\n0A0FFEDCBA49F4A10A0020\r\n";

	stream.shed = 1000; /* keep one in 1000 */
	feed(ordinary);
	feed(battery);
	feed(emergency);
	feed(STATUS_HDR "\r\n" STATUS_DATA "\r\n");
	feed(LIP_HDR "\r\n" LIP_DATA "\r\n"); /* reason 129, from domain.md */
	cr_assert_eq(stream.stats.shed, 2);
	cr_assert_eq(rec.n_events, 3);
	cr_assert_eq(rec.events[0].issi, 2001002);
	cr_assert(rec.events[0].has_reason && rec.events[0].reason == 12);
	cr_assert_eq(rec.events[1].issi, 2001003);
	cr_assert(rec.events[1].has_reason && rec.events[1].reason == 2);
	assert_status_event(&rec.events[2], 1234567, 0x8004);
	/* one in two: every second ordinary report is decoded */
	stream.shed = 2;
	stream.shed_turn = 0;
	for (int i = 0; i < 10; i++)
		feed(ordinary);
	cr_assert_eq(stream.stats.shed, 2 + 5);
	cr_assert_eq(rec.n_events, 3 + 5);
	rec.n_events = 3;
	/* not shedding: the same report is decoded */
	stream.shed = 0;
	feed(ordinary);
	cr_assert_eq(rec.n_events, 4);
	cr_assert_eq(rec.events[3].reason, 129);
	cr_assert_eq(stream.stats.shed, 2 + 5);
}

Test(pei_stream, every_end_of_line_convention_gives_the_same_lines)
{
	/* CR, LF, CRLF and LFCR each end one line: two records make four lines
	 * and two events, never an empty line from a two-byte end of line. */
	static const char *const eols[] = { "\r", "\n", "\r\n", "\n\r" };

	for (size_t i = 0; i < HF_ARRAY_SIZE(eols); i++) {
		const char *e = eols[i];

		stream_setup();
		feed(STATUS_HDR);
		feed(e);
		feed(STATUS_DATA);
		feed(e);
		feed(LIP_HDR);
		feed(e);
		feed(LIP_DATA);
		feed(e);
		cr_assert_eq(rec.n_events, 2, "eol %zu", i);
		cr_assert_eq(rec.n_rejects, 0, "eol %zu", i);
		cr_assert_eq(stream.stats.lines, 4, "eol %zu", i);
		assert_status_event(&rec.events[0], 1234567, 0x8004);
		cr_assert_eq(rec.events[1].issi, 2269001);
	}
}

Test(pei_stream, blank_lines_are_counted_but_a_header_waits_past_them)
{
	/* "\r\n" before each result (as radios send) and blank lines between
	 * header and data: lines are numbered as an editor shows them, and the
	 * header still pairs with the next non-blank line. */
	feed("\r\n" STATUS_HDR "\r\n\r\n  \r\n" STATUS_DATA "\r\n\r\nOK\r\n");
	cr_assert_eq(rec.n_events, 1);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
	cr_assert_eq(stream.stats.lines, 7);
	cr_assert_eq(stream.stats.ignored, 1);
}

Test(pei_stream, ok_error_echo_and_other_lines_are_ignored)
{
	/* Command echo, OK, ERROR and other result codes around a record are
	 * ignored and counted; they do not disturb the record. */
	feed("AT+CTSP=1,2,20\r\nOK\r\n+CME ERROR: 3\r\nERROR\r\n+CTICN: 1,0,0,4,1234567,1,1,0,"
	     "15,0\r\n" STATUS_HDR "\r\n" STATUS_DATA "\r\nATZ\r\nOK\r\n");
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.n_rejects, 0);
	cr_assert_eq(stream.stats.ignored, 7);
	cr_assert_eq(stream.stats.lines, 9);
}

Test(pei_stream, command_responses_reach_the_sink_in_stream_order)
{
	/* OK, ERROR, +CME ERROR and +CMGS each reach sink.response once, in
	 * order with the events around them, with the error number where there
	 * is one; echoes and other lines do not. */
	feed("AT+CTSP=1,2,20\r\n\r\nOK\r\n" STATUS_HDR "\r\n" STATUS_DATA "\r\n"
	     "AT+CTSP=1,3,10\r\nERROR\r\n+CME ERROR: 35\r\n+cms error:7\r\n"
	     "+CMGS: 0,4,17\r\n  ok  \r\n");
	cr_assert_eq(rec.n_responses, 6);
	cr_assert_str_eq(rec.order, "rerrrrr");
	cr_assert_eq(rec.responses[0].kind, HF_PEI_RESP_OK);
	cr_assert_eq(rec.responses[0].error, 0);
	cr_assert_eq(rec.responses[1].kind, HF_PEI_RESP_ERROR);
	cr_assert_eq(rec.responses[1].error, -1);
	cr_assert_eq(rec.responses[2].kind, HF_PEI_RESP_ERROR);
	cr_assert_eq(rec.responses[2].error, 35);
	cr_assert_str_eq(rec.responses[2].text, "+CME ERROR: 35");
	cr_assert_eq(rec.responses[3].kind, HF_PEI_RESP_ERROR);
	cr_assert_eq(rec.responses[3].error, 7);
	cr_assert_eq(rec.responses[4].kind, HF_PEI_RESP_CMGS);
	cr_assert_str_eq(rec.responses[4].text, "+CMGS: 0,4,17");
	cr_assert_eq(rec.responses[5].kind, HF_PEI_RESP_OK);
	cr_assert_str_eq(rec.responses[5].text, "ok");
	cr_assert_eq(stream.stats.responses, 6);
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.n_rejects, 0);
}

Test(pei_stream, lines_that_only_look_like_responses_are_not_responses)
{
	/* "OKAY", "ERRORS", "+CMGSX: 1", an echoed "AT" and a data line "0A"
	 * are not command responses. */
	feed("OKAY\r\nERRORS\r\n+CMGSX: 1\r\nAT\r\nO K\r\n");
	cr_assert_eq(rec.n_responses, 0);
	cr_assert_eq(stream.stats.responses, 0);
	cr_assert_eq(stream.stats.ignored, 5);
}

Test(pei_stream, an_ok_while_a_header_waits_ends_the_header_and_is_a_response)
{
	/* OK is never hex data: after a header it means the data was lost; the
	 * header is rejected and the OK still reaches the sink, so a command in
	 * flight is not left waiting. */
	feed(STATUS_HDR "\r\nOK\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_str_eq(rec.rejects[0].why, "header without data");
	cr_assert_eq(rec.n_responses, 1);
	cr_assert_eq(rec.responses[0].kind, HF_PEI_RESP_OK);
	cr_assert_str_eq(rec.order, "jr");
}

Test(pei_stream, a_response_split_across_feeds_is_reported_once)
{
	/* The response is reported when its line ends, however the bytes are
	 * split. */
	feed("O");
	cr_assert_eq(rec.n_responses, 0);
	feed("K\r");
	cr_assert_eq(rec.n_responses, 1);
	feed("\n+CME ERR");
	feed("OR: 4\n");
	cr_assert_eq(rec.n_responses, 2);
	cr_assert_eq(rec.responses[1].error, 4);
}

Test(pei_response, the_parser_classifies_single_lines)
{
	/* hf_pei_parse_response on single lines: kinds, error numbers, a
	 * number too large or missing gives -1, and *out is untouched on false. */
	struct hf_pei_response r = { .kind = 0, .error = 99 };

	cr_assert(hf_pei_parse_response("OK", 2, &r));
	cr_assert_eq(r.kind, HF_PEI_RESP_OK);
	cr_assert(hf_pei_parse_response("+CME ERROR: 999999", 18, &r));
	cr_assert_eq(r.kind, HF_PEI_RESP_ERROR);
	cr_assert_eq(r.error, -1);
	cr_assert(hf_pei_parse_response("+CME ERROR:", 11, &r));
	cr_assert_eq(r.error, -1);
	cr_assert(hf_pei_parse_response("OKAY", 2, &r), "only len bytes are read");
	r.error = 99;
	cr_assert_not(hf_pei_parse_response("+CTSDSR: 13,1,0,2,0,16", 22, &r));
	cr_assert_not(hf_pei_parse_response("", 0, &r));
	cr_assert_not(hf_pei_parse_response(NULL, 0, &r));
	cr_assert_eq(r.error, 99);
	cr_assert(hf_pei_response_is_final(HF_PEI_RESP_OK));
	cr_assert(hf_pei_response_is_final(HF_PEI_RESP_ERROR));
	cr_assert_not(hf_pei_response_is_final(HF_PEI_RESP_CMGS));
}

Test(pei_stream, a_header_followed_by_another_header_is_rejected_for_want_of_data)
{
	/* Header, header, data: the first is rejected ("header without data",
	 * its own line number), the second pairs with the data. */
	feed(LIP_HDR "\r\n" STATUS_HDR "\r\n" STATUS_DATA "\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 1);
	cr_assert_str_eq(rec.rejects[0].why, "header without data");
	cr_assert_str_eq(rec.rejects[0].line, "+CTSDSR: 12,2269001,0,9999,0,84");
	cr_assert_eq(rec.n_events, 1);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
	cr_assert_eq(stream.stats.rejected, 1);
}

Test(pei_stream, a_non_header_line_while_a_header_waits_is_its_data)
{
	/* A line that is not hex after a header is taken as the data line and
	 * rejected as not hex, numbered by the header's line; the next record
	 * is unaffected. */
	feed("ATE0\r\n" STATUS_HDR "\r\nNOT HEX\r\n" STATUS_HDR "\r\n0000\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 2);
	cr_assert_str_eq(rec.rejects[0].why, "SDS data is not hex");
	cr_assert_str_eq(rec.rejects[0].line, "NOT HEX");
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.events[0].status, 0);
	cr_assert_eq(stream.stats.ignored, 1);
}

Test(pei_stream, a_result_code_while_a_header_waits_ends_the_header_and_stands_alone)
{
	/* Hex data never starts with '+': a +CTICN after a header means the
	 * data was lost; the header is rejected and the +CTICN line is handled
	 * on its own (ignored in this cut). */
	feed(STATUS_HDR "\r\n+CTICN: 1,0,0,4,1234567,1,1,0,15,0\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_str_eq(rec.rejects[0].why, "header without data");
	cr_assert_eq(rec.rejects[0].line_no, 1);
	cr_assert_eq(stream.stats.ignored, 1);
	cr_assert_eq(rec.n_events, 0);
}

Test(pei_stream, a_bad_header_is_rejected_on_its_own_line)
{
	/* An unparsable +CTSDSR is rejected with its line number and text; its
	 * would-be data line is then just an ignored line. */
	feed("OK\r\n+CTSDSR: 13,1234567,0,2345678,0,99999\r\n8004\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 2);
	cr_assert_str_eq(rec.rejects[0].why, "+CTSDSR: length above 2047 bits");
	cr_assert_str_eq(rec.rejects[0].line, "+CTSDSR: 13,1234567,0,2345678,0,99999");
	cr_assert_eq(stream.stats.ignored, 2);
}

Test(pei_stream, a_data_error_names_the_header_line_and_shows_the_data)
{
	/* A record whose data does not decode is rejected once, at the line
	 * where the record starts, with the data line as the offending text. */
	feed("\r\n" STATUS_HDR "\r\n80\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 2);
	cr_assert_str_eq(rec.rejects[0].why, "SDS data has fewer hex digits than its length");
	cr_assert_str_eq(rec.rejects[0].line, "80");
	cr_assert_eq(stream.stats.rejected, 1);
	cr_assert_eq(stream.stats.events, 0);
}

Test(pei_stream, an_unsupported_pi_is_rejected_with_its_name)
{
	/* A message with user-data header (PI 0x8A) is not decoded: one reject
	 * naming the PI. */
	feed("+CTSDSR: 12,1234567,0,2345678,0,16\r\n8A01\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_str_eq(rec.rejects[0].why, "SDS PI 0x8A not decoded yet");
	cr_assert_eq(rec.n_events, 0);
}

Test(pei_stream, a_tsi_calling_id_sets_the_event_issi)
{
	/* Through the stream, the event's issi is the SSI of a TSI. */
	feed("+CTSDSR: 13,02620010001234567,1,2345678,0,16\r\n8004\r\n");
	cr_assert_eq(rec.n_events, 1);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
}

Test(pei_stream, short_header_forms_work_through_the_stream)
{
	/* A 4-field header gives the calling id; a 3-field one has none (0). */
	feed("+CTSDSR: 13,1234567,2345678,16\r\n8004\r\n+CTSDSR: 13,2345678,16\r\n0000\r\n");
	cr_assert_eq(rec.n_events, 2);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
	assert_status_event(&rec.events[1], 0, 0);
}

/* ------------------------------------------------------------------------- */
/* Stream: chunking                                                          */
/* ------------------------------------------------------------------------- */

static const char capture[] = "AT+CTSP=1,2,20\r\nOK\r\n"
			      "\r\n" STATUS_HDR "\r\n" STATUS_DATA "\r\n"
			      "\r\n" LIP_HDR "\r\n" LIP_DATA "\r\n"
			      "+CTSDSR: 12,2269001,0,9999,0,84\r\n" WORKED_DATA "\r\n"
			      "+CTSDSR: 13,1234567,0,2345678,0,16\r\n0000\r\n";

/* Checks the four events and the counters of `capture`. */
static void assert_capture_result(const char *how)
{
	cr_assert_eq(rec.n_events, 4, "%s", how);
	cr_assert_eq(rec.n_rejects, 0, "%s", how);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
	cr_assert_eq(rec.events[1].issi, 2269001, "%s", how);
	cr_assert_float_eq(rec.events[1].fix.lon, 26.044346, 1e-9, "%s", how);
	cr_assert_float_eq(rec.events[2].fix.lat, 51.325099, 1e-9, "%s", how);
	assert_status_event(&rec.events[3], 1234567, 0);
	cr_assert_eq(stream.stats.lines, 12, "%s", how);
	cr_assert_eq(stream.stats.ignored, 2, "%s", how);
}

Test(pei_stream, splitting_the_bytes_at_any_offset_changes_nothing)
{
	/* For every split point (including inside CRLF), two feeds give the
	 * same events and counters as one. */
	size_t n = strlen(capture);

	for (size_t k = 0; k <= n; k++) {
		char how[32];

		snprintf(how, sizeof(how), "split at %zu", k);
		stream_setup();
		hf_pei_stream_feed(&stream, capture, k);
		hf_pei_stream_feed(&stream, capture + k, n - k);
		assert_capture_result(how);
	}
}

Test(pei_stream, feeding_one_byte_at_a_time_changes_nothing)
{
	/* Byte-by-byte feeding gives the same result as one feed. */
	for (size_t i = 0; capture[i]; i++)
		hf_pei_stream_feed(&stream, capture + i, 1);
	assert_capture_result("byte by byte");
	hf_pei_stream_feed(&stream, NULL, 0);
	assert_capture_result("empty feed");
}

/* ------------------------------------------------------------------------- */
/* Stream: overlong lines and the end                                        */
/* ------------------------------------------------------------------------- */

Test(pei_stream, an_overlong_line_is_dropped_and_rejected_once_then_records_resume)
{
	/* A line over HF_PEI_LINE_MAX bytes, fed in pieces, is rejected once as
	 * "line too long" (its first HF_PEI_LINE_MAX bytes shown) and counted;
	 * the record after it decodes. */
	char chunk[300];

	memset(chunk, 'A', sizeof(chunk));
	for (int i = 0; i < 10; i++)
		hf_pei_stream_feed(&stream, chunk, sizeof(chunk));
	feed("\r\n" STATUS_HDR "\r\n" STATUS_DATA "\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 1);
	cr_assert_str_eq(rec.rejects[0].why, "line too long");
	cr_assert_eq(rec.rejects[0].len, HF_PEI_LINE_MAX);
	cr_assert_eq(stream.stats.overlong, 1);
	cr_assert_eq(stream.stats.rejected, 1);
	cr_assert_eq(stream.stats.lines, 3);
	cr_assert_eq(rec.n_events, 1);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
}

Test(pei_stream, a_line_of_exactly_the_maximum_length_is_not_overlong)
{
	/* HF_PEI_LINE_MAX bytes is still a line (ignored here); one more is not. */
	char line[HF_PEI_LINE_MAX + 1];

	memset(line, 'B', sizeof(line));
	hf_pei_stream_feed(&stream, line, HF_PEI_LINE_MAX);
	feed("\n");
	cr_assert_eq(stream.stats.overlong, 0);
	cr_assert_eq(stream.stats.ignored, 1);
	hf_pei_stream_feed(&stream, line, HF_PEI_LINE_MAX + 1);
	feed("\n");
	cr_assert_eq(stream.stats.overlong, 1);
	cr_assert_eq(rec.rejects[0].line_no, 2);
}

Test(pei_stream, an_overlong_data_line_rejects_its_record_once)
{
	/* A header whose data line is too long: one reject, at the header. */
	char data[HF_PEI_LINE_MAX + 10];

	memset(data, '0', sizeof(data));
	feed(STATUS_HDR "\r\n");
	hf_pei_stream_feed(&stream, data, sizeof(data));
	feed("\r\n" STATUS_HDR "\r\n" STATUS_DATA "\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 1);
	cr_assert_str_eq(rec.rejects[0].why, "line too long");
	cr_assert_eq(stream.stats.overlong, 1);
	cr_assert_eq(rec.n_events, 1);
}

Test(pei_stream, the_end_rejects_a_waiting_header)
{
	/* EOF after a header: "header without data" at the header's line. */
	feed("OK\r\n" STATUS_HDR "\r\n");
	hf_pei_stream_end(&stream);
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 2);
	cr_assert_str_eq(rec.rejects[0].why, "header without data");
	cr_assert_eq(rec.n_events, 0);
}

Test(pei_stream, the_end_rejects_a_partial_line)
{
	/* A last line without its end of line is counted and rejected. */
	feed(STATUS_HDR "\r\n" STATUS_DATA "\r\nOK\r\nERR");
	hf_pei_stream_end(&stream);
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 4);
	cr_assert_str_eq(rec.rejects[0].why, "partial line at end of stream");
	cr_assert_str_eq(rec.rejects[0].line, "ERR");
	cr_assert_eq(stream.stats.lines, 4);
}

Test(pei_stream, the_end_rejects_a_record_whose_data_was_cut_off_once)
{
	/* Header plus a data line without its end of line: one reject for the
	 * record, even though the digits present would have decoded. */
	feed(STATUS_HDR "\r\n" STATUS_DATA);
	hf_pei_stream_end(&stream);
	cr_assert_eq(rec.n_events, 0);
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 1);
	cr_assert_str_eq(rec.rejects[0].why, "data line cut off at end of stream");
	cr_assert_str_eq(rec.rejects[0].line, STATUS_DATA);
}

Test(pei_stream, the_stream_can_be_fed_afresh_after_the_end)
{
	/* After end, a half-line is gone and a new record decodes; counters and
	 * line numbers carry on. */
	feed(STATUS_HDR "\r\n80");
	hf_pei_stream_end(&stream);
	feed("\n" STATUS_HDR "\n" STATUS_DATA "\r");
	hf_pei_stream_end(&stream);
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.n_events, 1);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
	cr_assert_eq(stream.stats.lines, 5, "the LF after end is a blank line of its own");
}

Test(pei_stream, a_sink_without_callbacks_only_counts)
{
	/* NULL callbacks are skipped; the counters still move. */
	struct hf_pei_sink none = { 0 };

	hf_pei_stream_init(&stream, &none);
	feed(STATUS_HDR "\r\n" STATUS_DATA "\r\n" STATUS_HDR "\r\nxx\r\n" STATUS_HDR);
	hf_pei_stream_end(&stream);
	cr_assert_eq(stream.stats.events, 1);
	cr_assert_eq(stream.stats.rejected, 2);
	hf_pei_stream_init(&stream, NULL);
	feed(STATUS_HDR "\r\n" STATUS_DATA "\r\n");
	cr_assert_eq(stream.stats.events, 1);
}

Test(pei_stream, the_capture_file_decodes_to_the_domain_examples)
{
	/* tests/captures/domain-examples.pei: three events (status, two LIP
	 * reports), no rejects, CRLF throughout. */
	char buf[4096];
	FILE *f = fopen(HF_SOURCE_ROOT "/tests/captures/domain-examples.pei", "rb");
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cr_assert_gt(n, 0);
	hf_pei_stream_feed(&stream, buf, n);
	hf_pei_stream_end(&stream);
	cr_assert_eq(rec.n_rejects, 0, "%s", rec.n_rejects ? rec.rejects[0].why : "");
	cr_assert_eq(rec.n_events, 3);
	assert_status_event(&rec.events[0], 1234567, 0x8004);
	cr_assert_eq(rec.events[1].issi, 2269001);
	cr_assert_float_eq(rec.events[1].fix.lat, 44.938642, 1e-9);
	cr_assert_float_eq(rec.events[2].fix.lat, 51.325099, 1e-9);
	cr_assert_float_eq(rec.events[2].fix.lon, 12.018099, 1e-9);
	cr_assert_eq(rec.events[2].reason, 129);
}

/* ------------------------------------------------------------------------- */
/* Text SDS                                                                  */
/* ------------------------------------------------------------------------- */

Test(pei_text, every_text_pi_gives_a_text_event_in_utf8)
{
	/* PIs 0x02 and 0x09 (coding byte right after the PI) and 0x82 and 0x89
	 * (SDS-TL transfer: message type, reference, then the coding byte);
	 * ISO-8859-1 becomes UTF-8; a timestamp is skipped; only whole bytes of
	 * the length count; extra digits are ignored; NUL bytes are dropped. */
	static const struct {
		const char *hdr, *data, *text;
	} cases[] = {
		{ "+CTSDSR: 12,1234567,0,2345678,0,32", "02014869", "Hi" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,32", "09014869", "Hi" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,48", "82002A014869", "Hi" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,48", "89042A014869", "Hi" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,24", "0201E9", "\xC3\xA9" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,40", "0281AABBCC4869FF", "" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,56", "0281AABBCC4869", "Hi" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,32", "02014869FFFF", "Hi" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,30", "02014869", "H" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,16", "0201", "" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,40", "0201480069", "Hi" },
		{ "+CTSDSR: 12,1234567,0,2345678,0,40", "0201A3B5FF", "\xC2\xA3\xC2\xB5\xC3\xBF" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_radio_event ev;
		const char *why = NULL;

		cr_assert_eq(decode(cases[i].hdr, cases[i].data, &ev, &why), 0, "%s: %s",
			     cases[i].data, why);
		cr_assert_eq(ev.kind, HF_EVENT_TEXT, "%s", cases[i].data);
		cr_assert_eq(ev.issi, 1234567);
		cr_assert_str_eq(ev.text, cases[i].text, "%s", cases[i].data);
		cr_assert_not(ev.has_fix || ev.has_status || ev.has_reason);
	}
}

Test(pei_text, bad_or_unsupported_text_is_refused_with_a_reason)
{
	/* Other coding schemes are -ENOTSUP naming the scheme; cut-off headers
	 * are -EINVAL; SDS-TL reports and acks are HF_PEI_IGNORED. */
	static const struct {
		const char *hdr, *data;
		int rc;
		const char *why;
	} cases[] = {
		{ "+CTSDSR: 12,1,0,2,0,32", "02004869", -ENOTSUP,
		  "SDS text coding scheme 0 (7-bit GSM alphabet) not supported" },
		{ "+CTSDSR: 12,1,0,2,0,32", "09024869", -ENOTSUP,
		  "SDS text coding scheme 2 (ISO-8859-2) not supported" },
		{ "+CTSDSR: 12,1,0,2,0,48", "82002A1A4869", -ENOTSUP,
		  "SDS text coding scheme 26 (UCS-2) not supported" },
		{ "+CTSDSR: 12,1,0,2,0,32", "027F4869", -ENOTSUP,
		  "SDS text coding scheme not supported (only 1, ISO-8859-1)" },
		{ "+CTSDSR: 12,1,0,2,0,24", "82102A", HF_PEI_IGNORED,
		  "SDS-TL report (delivery report, not a text)" },
		{ "+CTSDSR: 12,1,0,2,0,24", "89202A", HF_PEI_IGNORED,
		  "SDS-TL acknowledgement (not a text)" },
		{ "+CTSDSR: 12,1,0,2,0,32", "82302A01", -EINVAL, "SDS-TL message type reserved" },
		{ "+CTSDSR: 12,1,0,2,0,16", "8200", -EINVAL, "SDS-TL text shorter than its header" },
		{ "+CTSDSR: 12,1,0,2,0,24", "82002A", -EINVAL,
		  "SDS text shorter than its coding scheme" },
		{ "+CTSDSR: 12,1,0,2,0,8", "02", -EINVAL, "SDS text shorter than its coding scheme" },
		{ "+CTSDSR: 12,1,0,2,0,24", "0281AA", -EINVAL,
		  "SDS text shorter than its timestamp" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_radio_event ev = { .kind = HF_EVENT_PANIC };
		const char *why = NULL;

		cr_assert_eq(decode(cases[i].hdr, cases[i].data, &ev, &why), cases[i].rc, "%s",
			     cases[i].data);
		cr_assert_str_eq(why, cases[i].why, "%s", cases[i].data);
		cr_assert_eq(ev.kind, HF_EVENT_PANIC, "%s: event touched", cases[i].data);
	}
}

/* Hex of a 0x02 text SDS: PI, coding 1, then n copies of byte c after lead. */
static void long_text_hex(char *out, const char *lead, uint8_t c, size_t n)
{
	strcpy(out, "0201");
	strcat(out, lead);
	for (size_t i = 0; i < n; i++)
		sprintf(out + strlen(out), "%02X", c);
}

Test(pei_text, a_text_too_long_for_the_event_is_cut_at_a_character_boundary)
{
	/* 200 x e-acute is 400 bytes of UTF-8: cut to 127 whole characters
	 * (254 bytes); after a leading 'A' 127 characters fit in 255 bytes. */
	char hex[600], hdr[64];
	struct hf_radio_event ev;
	const char *why = NULL;

	long_text_hex(hex, "", 0xE9, 200);
	snprintf(hdr, sizeof(hdr), "+CTSDSR: 12,1,0,2,0,%zu", strlen(hex) * 4);
	cr_assert_eq(decode(hdr, hex, &ev, &why), 0, "%s", why);
	cr_assert_eq(strlen(ev.text), 254);
	cr_assert_eq((uint8_t)ev.text[252], 0xC3);
	cr_assert_eq((uint8_t)ev.text[253], 0xA9);

	long_text_hex(hex, "41", 0xE9, 200);
	snprintf(hdr, sizeof(hdr), "+CTSDSR: 12,1,0,2,0,%zu", strlen(hex) * 4);
	cr_assert_eq(decode(hdr, hex, &ev, &why), 0, "%s", why);
	cr_assert_eq(strlen(ev.text), 255);
	cr_assert_eq(ev.text[0], 'A');
	cr_assert_eq((uint8_t)ev.text[254], 0xA9);
}

/* ------------------------------------------------------------------------- */
/* +CTICN                                                                    */
/* ------------------------------------------------------------------------- */

Test(pei_cticn, an_emergency_priority_call_is_an_emergency_call_event)
{
	/* Priority 15 (13th field): kind EMERGENCY_CALL, issi from the calling
	 * party (an SSI, the SSI of a TSI, or inferred when the type is empty). */
	static const struct {
		const char *line;
		uint32_t issi;
	} cases[] = {
		{ "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,15", 1234567 },
		{ "+CTICN: 1,0,0,1,02620010001234567,1,1,0,1,1,5,09011638300000001,15", 1234567 },
		{ "  +cticn : 1, 0, 0, 0, 2345678 ,1,1,0,1,1,0,9999, 15 ", 2345678 },
		{ "+CTICN: 1,0,0,,1234567,,,,,,,,15", 1234567 },
		{ "+CTICN:2,0,0,,02620010001234567,1,1,0,1,1,,9999,15", 1234567 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_radio_event ev;
		const char *why = NULL;

		cr_assert_eq(hf_pei_parse_cticn(cases[i].line, strlen(cases[i].line), &ev, &why),
			     0, "%s: %s", cases[i].line, why);
		cr_assert_eq(ev.kind, HF_EVENT_EMERGENCY_CALL, "%s", cases[i].line);
		cr_assert_eq(ev.issi, cases[i].issi, "%s", cases[i].line);
		cr_assert(ev.has_call_priority);
		cr_assert_eq(ev.call_priority, 15);
		cr_assert(hf_radio_event_is_emergency(&ev));
		cr_assert_not(ev.has_fix || ev.has_status);
	}
}

Test(pei_cticn, ordinary_calls_are_ignored_and_bad_lines_refused)
{
	/* Priority below 15 or absent (short forms): HF_PEI_IGNORED; a bad
	 * priority, too many fields, a non-radio or missing calling party of an
	 * emergency call: -EINVAL; each with its reason. */
	static const struct {
		const char *line;
		int rc;
		const char *why;
	} cases[] = {
		{ "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,0", HF_PEI_IGNORED,
		  "+CTICN below emergency priority (an ordinary call)" },
		{ "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,14", HF_PEI_IGNORED,
		  "+CTICN below emergency priority (an ordinary call)" },
		{ "+CTICN: 1,0,0,4,1234567,1,1,0,15,0", HF_PEI_IGNORED,
		  "+CTICN without a priority (an ordinary call)" },
		{ "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,", HF_PEI_IGNORED,
		  "+CTICN without a priority (an ordinary call)" },
		{ "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,16", -EINVAL,
		  "+CTICN: bad priority level" },
		{ "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,x", -EINVAL,
		  "+CTICN: bad priority level" },
		{ "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,15,0", -EINVAL,
		  "+CTICN: too many fields" },
		{ "+CTICN: 1,0,0,4,00441234567,1,1,0,1,1,0,9999,15", -EINVAL,
		  "+CTICN: calling party is not an SSI or TSI" },
		{ "+CTICN: 1,0,0,0,16777216,1,1,0,1,1,0,9999,15", -EINVAL,
		  "+CTICN: calling party is not an SSI or TSI" },
		{ "+CTICN: 1,0,0,9,1234567,1,1,0,1,1,0,9999,15", -EINVAL,
		  "+CTICN: bad calling party identity type" },
		{ "+CTICN: 1,0,0,0,,1,1,0,1,1,0,9999,15", -EINVAL,
		  "+CTICN: emergency call without a calling party" },
		{ "OK", -EINVAL, "not a +CTICN line" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
		struct hf_radio_event ev = { .kind = HF_EVENT_PANIC };
		const char *why = NULL;

		cr_assert_eq(hf_pei_parse_cticn(cases[i].line, strlen(cases[i].line), &ev, &why),
			     cases[i].rc, "%s", cases[i].line);
		cr_assert_str_eq(why, cases[i].why, "%s", cases[i].line);
		cr_assert_eq(ev.kind, HF_EVENT_PANIC, "%s: event touched", cases[i].line);
	}
}

Test(pei_stream, an_emergency_cticn_after_a_waiting_header_rejects_the_header_and_is_an_event)
{
	/* The waiting header is rejected (its data never came); the +CTICN is
	 * not swallowed as data but delivered as an emergency call. */
	feed(STATUS_HDR "\r\n+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,15\r\n");
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_str_eq(rec.rejects[0].why, "header without data");
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.events[0].kind, HF_EVENT_EMERGENCY_CALL);
	cr_assert_eq(rec.events[0].issi, 1234567);
	cr_assert_eq(stream.stats.events, 1);
}

Test(pei_stream, ordinary_calls_and_sds_tl_reports_count_as_ignored)
{
	/* A priority-3 +CTICN and an SDS-TL delivery report are ignored lines,
	 * not rejects; a bad +CTICN is rejected on its own line. */
	feed("+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,3\r\n"
	     "+CTSDSR: 12,1234567,0,2345678,0,24\r\n82102A\r\n"
	     "+CTICN: 1,0,0,0,1234567,1,1,0,1,1,0,9999,99\r\n");
	cr_assert_eq(rec.n_events, 0);
	cr_assert_eq(rec.n_rejects, 1);
	cr_assert_eq(rec.rejects[0].line_no, 4);
	cr_assert_str_eq(rec.rejects[0].why, "+CTICN: bad priority level");
	cr_assert_eq(stream.stats.ignored, 2);
}

Test(pei_stream, a_text_record_is_delivered_as_a_text_event)
{
	/* An SDS-TL text through the stream: one TEXT event with its sender. */
	feed("+CTSDSR: 12,2269001,0,9999,0,64\r\n82002A014F6B2121\r\n");
	cr_assert_eq(rec.n_rejects, 0);
	cr_assert_eq(rec.n_events, 1);
	cr_assert_eq(rec.events[0].kind, HF_EVENT_TEXT);
	cr_assert_eq(rec.events[0].issi, 2269001);
	cr_assert_str_eq(rec.events[0].text, "Ok!!");
}

/* ------------------------------------------------------------------------- */
/* Outgoing: SDS-TL text encoder and AT+CMGS (pei_tx.c)                      */
/* ------------------------------------------------------------------------- */

/* Hex of a PDU of bits bits, as a +CTSDSR data line. */
static void pdu_hex(const uint8_t *pdu, int bits, char *out)
{
	for (int i = 0; i < (bits + 7) / 8; i++)
		sprintf(out + 2 * i, "%02X", pdu[i]);
}

/* Encodes text, feeds it back as a "+CTSDSR: 12,..." record from ISSI 2001007
 * through the stream, and returns the decoded event. */
static struct hf_radio_event round_trip(uint8_t ref, const char *text, int *bits_out)
{
	uint8_t pdu[HF_SDS_PDU_MAX];
	char hex[2 * HF_SDS_PDU_MAX + 1], hdr[80];
	int bits = hf_sds_text_encode(ref, text, pdu, sizeof pdu, NULL);

	cr_assert_gt(bits, 0);
	pdu_hex(pdu, bits, hex);
	snprintf(hdr, sizeof hdr, "+CTSDSR: 12,2001007,0,9999,0,%d\r\n", bits);
	stream_setup();
	feed(hdr);
	feed(hex);
	feed("\r\n");
	cr_assert_eq(rec.n_rejects, 0, "rejected: %s", rec.n_rejects ? rec.rejects[0].why : "");
	cr_assert_eq(rec.n_events, 1);
	if (bits_out)
		*bits_out = bits;
	return rec.events[0];
}

Test(pei_tx, a_text_sds_decodes_back_to_the_same_text)
{
	/* Round trip: the encoder's PDU, as a +CTSDSR type-4 record through the
	 * existing decoder, gives a text event with the same UTF-8 text (ASCII
	 * and Latin-1 letters alike) from the calling ISSI. */
	static const char *const texts[] = {
		"PC 5002 attending, ETA 4 min",
		("Caf\xc3\xa9 na\xc3\xafve \xc2\xa3" "5 \xc3\xb7 2 \xc3\xbf"),
		"",
		"x",
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(texts); i++) {
		int bits;
		struct hf_radio_event ev = round_trip((uint8_t)i, texts[i], &bits);

		cr_assert_eq(ev.kind, HF_EVENT_TEXT);
		cr_assert_eq(ev.issi, 2001007);
		cr_assert_str_eq(ev.text, texts[i]);
	}
}

Test(pei_tx, the_pdu_has_the_sds_tl_text_header_and_latin1_bytes)
{
	/* PI 0x82, message type 0x00 (transfer), the message reference, coding
	 * 0x01 (ISO-8859-1), then one byte per character; length in bits. */
	uint8_t pdu[HF_SDS_PDU_MAX];
	static const uint8_t want[] = { 0x82, 0x00, 0xA5, 0x01, 'O', 'K', 0xE9 };
	int bits = hf_sds_text_encode(0xA5, "OK\xc3\xa9", pdu, sizeof pdu, NULL);

	cr_assert_eq(bits, 8 * (int)sizeof want);
	cr_assert_arr_eq(pdu, want, sizeof want);
}

Test(pei_tx, unmappable_and_malformed_utf8_become_question_marks)
{
	/* A code point above U+00FF (the euro sign, an emoji) is one '?'; a run
	 * of malformed bytes (a lone continuation byte, a truncated sequence, an
	 * overlong encoding, a surrogate) is one '?' per run. */
	uint8_t pdu[HF_SDS_PDU_MAX];
	bool cut = true;
	int bits;

	bits = hf_sds_text_encode(1, "a\xe2\x82\xac" "b\xf0\x9f\x98\x80" "c", pdu, sizeof pdu,
				  &cut);
	cr_assert_eq(bits, 8 * (4 + 5));
	cr_assert_arr_eq(pdu + 4, "a?b?c", 5);
	cr_assert_not(cut);
	bits = hf_sds_text_encode(1, "a\x80\x80" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80" "e", pdu,
				  sizeof pdu, NULL);
	cr_assert_eq(bits, 8 * (4 + 9));
	cr_assert_arr_eq(pdu + 4, "a?b?c?d?e", 9);
}

Test(pei_tx, a_long_text_is_cut_to_2047_bits_on_a_character_boundary)
{
	/* 300 characters, two UTF-8 bytes each: the PDU stops at 255 whole bytes
	 * (2040 bits, the most of 2047 in whole bytes), 251 characters, each
	 * complete; *truncated says so; it still decodes. */
	char text[601];
	uint8_t pdu[HF_SDS_PDU_MAX + 16];
	bool cut = false;
	int bits;

	for (int i = 0; i < 300; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	text[600] = '\0';
	bits = hf_sds_text_encode(7, text, pdu, sizeof pdu, &cut);
	cr_assert_eq(bits, 2040);
	cr_assert_leq(bits, HF_PEI_SDS_BITS_MAX);
	cr_assert(cut);
	for (int i = 4; i < 255; i++)
		cr_assert_eq(pdu[i], 0xE9, "byte %d", i);
	/* Exactly the maximum is not cut. */
	text[2 * HF_SDS_TEXT_CHARS_MAX] = '\0';
	cr_assert_eq(hf_sds_text_encode(7, text, pdu, sizeof pdu, &cut), 2040);
	cr_assert_not(cut);
}

Test(pei_tx, the_encoder_refuses_bad_arguments)
{
	/* NULL text is -EINVAL; a buffer smaller than the header is -ENOBUFS;
	 * a small buffer cuts the text. */
	uint8_t pdu[6];
	bool cut = false;

	cr_assert_eq(hf_sds_text_encode(0, NULL, pdu, sizeof pdu, NULL), -EINVAL);
	cr_assert_eq(hf_sds_text_encode(0, "x", pdu, 3, NULL), -ENOBUFS);
	cr_assert_eq(hf_sds_text_encode(0, "abc", pdu, sizeof pdu, &cut), 48);
	cr_assert(cut);
}

Test(pei_tx, cmgs_is_issi_bits_cr_hex_ctrl_z)
{
	/* AT+CMGS=<called ISSI>,<length in bits><CR><upper-case hex><Ctrl-Z>, and
	 * its length is returned. */
	static const uint8_t pdu[] = { 0x82, 0x00, 0x05, 0x01, 'O', 'K' };
	char out[HF_PEI_CMD_MAX];
	int n = hf_pei_format_cmgs(2001007, pdu, 48, out, sizeof out);

	cr_assert_str_eq(out, "AT+CMGS=2001007,48\r820005014F4B\x1a");
	cr_assert_eq(n, (int)strlen(out));
}

Test(pei_tx, cmgs_refuses_bad_identities_lengths_and_small_buffers)
{
	/* ISSI 0 and above 16777215, 0 or more than 2047 bits: -EINVAL; a buffer
	 * one byte short: -ENOBUFS; the largest command fits HF_PEI_CMD_MAX. */
	uint8_t pdu[HF_SDS_PDU_MAX + 1] = { 0 };
	char out[HF_PEI_CMD_MAX];
	int n;

	cr_assert_eq(hf_pei_format_cmgs(0, pdu, 8, out, sizeof out), -EINVAL);
	cr_assert_eq(hf_pei_format_cmgs(16777216, pdu, 8, out, sizeof out), -EINVAL);
	cr_assert_eq(hf_pei_format_cmgs(1, pdu, 0, out, sizeof out), -EINVAL);
	cr_assert_eq(hf_pei_format_cmgs(1, pdu, 2048, out, sizeof out), -EINVAL);
	cr_assert_eq(hf_pei_format_cmgs(1, NULL, 8, out, sizeof out), -EINVAL);
	n = hf_pei_format_cmgs(16777215, pdu, 2047, out, sizeof out);
	cr_assert_gt(n, 0);
	cr_assert_lt((size_t)n, sizeof out);
	cr_assert_eq(hf_pei_format_cmgs(16777215, pdu, 2047, out, (size_t)n), -ENOBUFS);
	cr_assert_eq(hf_pei_format_cmgs(16777215, pdu, 2047, out, (size_t)n + 1), n);
}
