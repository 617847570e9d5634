/*
 * test_pbjson.c - the proto3 JSON mapping of protobuf-c messages: the handoff
 * wire messages, and a hand-made proto2-style descriptor for the types and
 * labels the wire contract does not use (bytes, float, bool, sint32, sfixed64,
 * repeated scalars, optional with has_, required).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../../tools/handoffctl/pbjson.h"
#include "handoff/v1/bus.pb-c.h"
#include "handoff/v1/incident.pb-c.h"
#include "handoff/v1/radio.pb-c.h"

/* ---------------------------------------------------------------- helpers */

/* What hf_pbjson_print writes for msg, as a string the caller frees. */
static char *print_to_string(const ProtobufCMessage *msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_not_null(fp);
	cr_assert_eq(hf_pbjson_print(fp, msg), 0);
	cr_assert_eq(fclose(fp), 0);
	return buf;
}

/* Checks that msg prints exactly as expected (which includes the newline). */
static void expect_json(const ProtobufCMessage *msg, const char *expected)
{
	char *got = print_to_string(msg);

	cr_expect_str_eq(got, expected);
	free(got);
}

/* A status event as a PEI adapter reports it, without a status value. */
static Handoff__V1__RadioEvent status_event(void)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;

	ev.kind = HANDOFF__V1__EVENT_KIND__EVENT_KIND_STATUS;
	ev.issi = 2001234;
	ev.source = "pei-1";
	ev.received_unix_ms = 1700000000123;
	return ev;
}

/* ---------------------------------------------------------------- a hand-made descriptor */

/* A proto2-style message written out by hand, as protoc-c would generate it:
 *   message Sample {
 *     bytes blob = 1;               // proto3 implicit presence
 *     repeated bytes blobs = 2;
 *     optional int32 count = 3;     // proto2: has_count
 *     required fixed64 id = 4;
 *     float ratio = 5;
 *     bool flag = 6;
 *     repeated sint32 nums = 7;
 *     repeated handoff.v1.EventKind kinds = 8;
 *     optional string note = 9 [default = "n/a"];
 *     sfixed64 delta = 10;
 *     repeated bool flags = 11;
 *   }
 */
struct sample {
	ProtobufCMessage base;
	ProtobufCBinaryData blob;
	size_t n_blobs;
	ProtobufCBinaryData *blobs;
	protobuf_c_boolean has_count;
	int32_t count;
	uint64_t id;
	float ratio;
	protobuf_c_boolean flag;
	size_t n_nums;
	int32_t *nums;
	size_t n_kinds;
	Handoff__V1__EventKind *kinds;
	char *note;
	int64_t delta;
	size_t n_flags;
	protobuf_c_boolean *flags;
};

static const char sample_note_default[] = "n/a";

#define SAMPLE_FIELD(field, number, lab, typ, quantifier, desc, def) { \
	.name = #field, \
	.id = number, \
	.label = PROTOBUF_C_LABEL_##lab, \
	.type = PROTOBUF_C_TYPE_##typ, \
	.quantifier_offset = quantifier, \
	.offset = offsetof(struct sample, field), \
	.descriptor = desc, \
	.default_value = def, \
}

static const ProtobufCFieldDescriptor sample_fields[] = {
	SAMPLE_FIELD(blob, 1, NONE, BYTES, 0, NULL, NULL),
	SAMPLE_FIELD(blobs, 2, REPEATED, BYTES, offsetof(struct sample, n_blobs), NULL, NULL),
	SAMPLE_FIELD(count, 3, OPTIONAL, INT32, offsetof(struct sample, has_count), NULL, NULL),
	SAMPLE_FIELD(id, 4, REQUIRED, FIXED64, 0, NULL, NULL),
	SAMPLE_FIELD(ratio, 5, NONE, FLOAT, 0, NULL, NULL),
	SAMPLE_FIELD(flag, 6, NONE, BOOL, 0, NULL, NULL),
	SAMPLE_FIELD(nums, 7, REPEATED, SINT32, offsetof(struct sample, n_nums), NULL, NULL),
	SAMPLE_FIELD(kinds, 8, REPEATED, ENUM, offsetof(struct sample, n_kinds),
		     &handoff__v1__event_kind__descriptor, NULL),
	SAMPLE_FIELD(note, 9, OPTIONAL, STRING, 0, NULL, sample_note_default),
	SAMPLE_FIELD(delta, 10, NONE, SFIXED64, 0, NULL, NULL),
	SAMPLE_FIELD(flags, 11, REPEATED, BOOL, offsetof(struct sample, n_flags), NULL, NULL),
};

/* Field indices sorted by name: blob blobs count delta flag flags id kinds note nums ratio. */
static const unsigned sample_fields_by_name[] = { 0, 1, 2, 9, 5, 10, 3, 7, 8, 6, 4 };

static const ProtobufCIntRange sample_ranges[] = { { 1, 0 }, { 0, 11 } };

static const ProtobufCMessageDescriptor sample_descriptor = {
	.magic = PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
	.name = "test.Sample",
	.short_name = "Sample",
	.c_name = "Sample",
	.package_name = "test",
	.sizeof_message = sizeof(struct sample),
	.n_fields = sizeof(sample_fields) / sizeof(sample_fields[0]),
	.fields = sample_fields,
	.fields_sorted_by_name = sample_fields_by_name,
	.n_field_ranges = 1,
	.field_ranges = sample_ranges,
};

/* A Sample with every field unset (note at its default pointer, as protoc-c's
 * __INIT would leave it). */
static struct sample sample_new(void)
{
	struct sample s = {
		.base = PROTOBUF_C_MESSAGE_INIT(&sample_descriptor),
		.note = (char *)sample_note_default,
	};

	return s;
}

/* ---------------------------------------------------------------- field names */

/* Arrays, not pointers: Criterion copies parameters into a worker process,
 * where pointers into this one are not valid. */
struct name_case {
	char proto[32];
	char json[32];
};

ParameterizedTestParameters(pbjson, field_names_are_lower_camel_case)
{
	static struct name_case cases[] = {
		{ "issi", "issi" },
		{ "velocity_kmh", "velocityKmh" },
		{ "direction_deg", "directionDeg" },
		{ "fix_unix_ms", "fixUnixMs" },
		{ "fix_age_max_s", "fixAgeMaxS" },
		{ "error_m", "errorM" },
		{ "received_unix_ms", "receivedUnixMs" },
		{ "a__b_", "aB" },
		{ "v1_x", "v1X" },
	};

	return cr_make_param_array(struct name_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Each '_' is dropped and the letter after it upper-cased, as protoc's json_name. */
ParameterizedTest(struct name_case *c, pbjson, field_names_are_lower_camel_case)
{
	char out[64];

	hf_pbjson_field_name(c->proto, out, sizeof(out));
	cr_expect_str_eq(out, c->json, "%s", c->proto);
}

/* A name longer than the buffer is cut short but still NUL-terminated, and a
 * zero-sized buffer is left alone. */
Test(pbjson, a_field_name_is_truncated_to_the_buffer_and_terminated)
{
	char out[6] = "xxxxx";

	hf_pbjson_field_name("velocity_kmh", out, sizeof(out));
	cr_expect_str_eq(out, "veloc");
	hf_pbjson_field_name("velocity_kmh", out, 0);
	cr_expect_str_eq(out, "veloc");
}

/* ---------------------------------------------------------------- presence and defaults */

/* Status 0 (the ETSI emergency status) set through its oneof is printed, with
 * every other key in field-number order and the int64 as a string. */
Test(pbjson, status_0_set_through_its_oneof_is_printed)
{
	Handoff__V1__RadioEvent ev = status_event();

	ev._status_case = HANDOFF__V1__RADIO_EVENT___STATUS_STATUS;
	ev.status = 0;
	expect_json(&ev.base,
		    "{\"kind\":\"EVENT_KIND_STATUS\",\"issi\":2001234,\"source\":\"pei-1\","
		    "\"receivedUnixMs\":\"1700000000123\",\"status\":0}\n");
}

/* With its oneof case unset there is no status key, even if the value slot
 * holds a number. */
Test(pbjson, status_with_its_oneof_unset_is_absent)
{
	Handoff__V1__RadioEvent ev = status_event();

	ev.status = 7;
	expect_json(&ev.base,
		    "{\"kind\":\"EVENT_KIND_STATUS\",\"issi\":2001234,\"source\":\"pei-1\","
		    "\"receivedUnixMs\":\"1700000000123\"}\n");
}

/* A message with nothing set prints as {} followed by a newline. */
Test(pbjson, an_empty_message_prints_as_empty_braces)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;

	expect_json(&ev.base, "{}\n");
}

/* proto3 fields explicitly set to their defaults (0, "", enum 0) are omitted. */
Test(pbjson, proto3_fields_holding_defaults_are_omitted)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;
	Handoff__V1__Position pos = HANDOFF__V1__POSITION__INIT;

	ev.kind = HANDOFF__V1__EVENT_KIND__EVENT_KIND_UNSPECIFIED;
	ev.issi = 0;
	ev.unit_id = "";
	ev.source = NULL;
	ev.received_unix_ms = 0;
	ev.text = "";
	expect_json(&ev.base, "{}\n");
	pos.lat = 0.0;
	pos.lon = -0.0;
	expect_json(&pos.base, "{}\n");
}

/* A set message field is printed even when it is empty, as {}. */
Test(pbjson, a_present_empty_submessage_prints_as_empty_object)
{
	Handoff__V1__Publication pub = HANDOFF__V1__PUBLICATION__INIT;
	Handoff__V1__Incident inc = HANDOFF__V1__INCIDENT__INIT;

	pub.body_case = HANDOFF__V1__PUBLICATION__BODY_INCIDENT;
	pub.incident = &inc;
	expect_json(&pub.base, "{\"incident\":{}}\n");
}

/* ---------------------------------------------------------------- values */

/* A location event: oneof doubles under camelCase keys, 51.3251 printed as
 * written, a oneof double 0 printed, the oneof int64 as a string, and text
 * (field 17, stored before the oneofs in the C struct) last. */
Test(pbjson, location_fields_print_under_camel_case_keys)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;

	ev.kind = HANDOFF__V1__EVENT_KIND__EVENT_KIND_LOCATION;
	ev.issi = 2001234;
	ev.text = "on foot";
	ev._lat_case = HANDOFF__V1__RADIO_EVENT___LAT_LAT;
	ev.lat = 51.3251;
	ev._lon_case = HANDOFF__V1__RADIO_EVENT___LON_LON;
	ev.lon = -0.5583;
	ev._error_m_case = HANDOFF__V1__RADIO_EVENT___ERROR_M_ERROR_M;
	ev.error_m = 10;
	ev._velocity_kmh_case = HANDOFF__V1__RADIO_EVENT___VELOCITY_KMH_VELOCITY_KMH;
	ev.velocity_kmh = 0.0;
	ev._direction_deg_case = HANDOFF__V1__RADIO_EVENT___DIRECTION_DEG_DIRECTION_DEG;
	ev.direction_deg = 270.5;
	ev._fix_unix_ms_case = HANDOFF__V1__RADIO_EVENT___FIX_UNIX_MS_FIX_UNIX_MS;
	ev.fix_unix_ms = -1;
	ev._reason_case = HANDOFF__V1__RADIO_EVENT___REASON_REASON;
	ev.reason = 2;
	expect_json(&ev.base,
		    "{\"kind\":\"EVENT_KIND_LOCATION\",\"issi\":2001234,\"lat\":51.3251,"
		    "\"lon\":-0.5583,\"errorM\":10,\"velocityKmh\":0.0,\"directionDeg\":270.5,"
		    "\"fixUnixMs\":\"-1\",\"reason\":2,\"text\":\"on foot\"}\n");
}

/* NaN and the infinities, which JSON has no number for, print as strings. */
Test(pbjson, nan_and_infinities_print_as_strings)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;

	ev._lat_case = HANDOFF__V1__RADIO_EVENT___LAT_LAT;
	ev.lat = NAN;
	ev._lon_case = HANDOFF__V1__RADIO_EVENT___LON_LON;
	ev.lon = INFINITY;
	ev._altitude_m_case = HANDOFF__V1__RADIO_EVENT___ALTITUDE_M_ALTITUDE_M;
	ev.altitude_m = -INFINITY;
	expect_json(&ev.base,
		    "{\"lat\":\"NaN\",\"lon\":\"Infinity\",\"altitudeM\":\"-Infinity\"}\n");
}

/* An enum number the descriptor does not know (a newer peer's) prints as the
 * number. */
Test(pbjson, an_unknown_enum_value_prints_as_its_number)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;

	ev.kind = (Handoff__V1__EventKind)42;
	expect_json(&ev.base, "{\"kind\":42}\n");
}

/* uint64 values print as decimal strings, including the largest. */
Test(pbjson, uint64_values_print_as_decimal_strings)
{
	Handoff__V1__Publication pub = HANDOFF__V1__PUBLICATION__INIT;

	pub.seq = UINT64_MAX;
	pub.epoch = 7;
	expect_json(&pub.base, "{\"seq\":\"18446744073709551615\",\"epoch\":\"7\"}\n");
}

/* Bytes that are not valid UTF-8 in a string (a Latin-1 SDS, a surrogate) each
 * become U+FFFD, so the line is still valid JSON; valid UTF-8 is kept. */
Test(pbjson, invalid_utf8_in_a_string_becomes_replacement_characters)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;

	ev.text = "caf\xe9 \xed\xa0\x80 \xc3\xa9";
	expect_json(&ev.base,
		    "{\"text\":\"caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9\"}\n");
}

/* ---------------------------------------------------------------- nesting */

/* A Publication carrying an Incident prints nested objects and the repeated
 * Candidates as an array, each level in field-number order whatever order the
 * fields were filled in. */
Test(pbjson, a_publication_prints_nested_objects_and_arrays_in_field_order)
{
	Handoff__V1__Publication pub = HANDOFF__V1__PUBLICATION__INIT;
	Handoff__V1__Incident inc = HANDOFF__V1__INCIDENT__INIT;
	Handoff__V1__Trigger trig = HANDOFF__V1__TRIGGER__INIT;
	Handoff__V1__UnitRef subject = HANDOFF__V1__UNIT_REF__INIT;
	Handoff__V1__Position where = HANDOFF__V1__POSITION__INIT;
	Handoff__V1__Candidate c1 = HANDOFF__V1__CANDIDATE__INIT;
	Handoff__V1__Candidate c2 = HANDOFF__V1__CANDIDATE__INIT;
	Handoff__V1__UnitRef u1 = HANDOFF__V1__UNIT_REF__INIT;
	Handoff__V1__UnitRef u2 = HANDOFF__V1__UNIT_REF__INIT;
	Handoff__V1__Position p1 = HANDOFF__V1__POSITION__INIT;
	Handoff__V1__Position p2 = HANDOFF__V1__POSITION__INIT;
	Handoff__V1__Candidate *asked[] = { &c1, &c2 };

	trig.source = "pei-1";
	trig._status_case = HANDOFF__V1__TRIGGER___STATUS_STATUS;
	trig.status = 0;
	trig.meaning = "emergency";
	trig.kind = HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_STATUS;

	subject.area = "central";
	subject.role = HANDOFF__V1__ROLE__ROLE_PCSO;
	subject.callsign = "PCSO 7";
	subject.issi = 2001234;
	subject.unit_id = "pcso-7";

	where.source = "pei-1";
	where.error_m = 10;
	where.fix_unix_ms = 1700000000000;
	where.lon = -0.5583;
	where.lat = 51.3251;

	u1.unit_id = "pc-12";
	u1.callsign = "PC 12";
	u1.role = HANDOFF__V1__ROLE__ROLE_CONSTABLE;
	p1.lat = 51.3262;
	p1.lon = -0.5531;
	c1.position = &p1;
	c1.distance_m = 412.5;
	c1.unit = &u1;

	u2.unit_id = "pc-3";
	u2.role = HANDOFF__V1__ROLE__ROLE_CONSTABLE;
	p2.lat = 51.3301;
	p2._velocity_kmh_case = HANDOFF__V1__POSITION___VELOCITY_KMH_VELOCITY_KMH;
	p2.velocity_kmh = 0.0;
	c2.stale = 1;
	c2.position = &p2;
	c2.distance_m = 1250;
	c2.unit = &u2;

	inc.updated_unix_ms = 1700000000600;
	inc.raised_unix_ms = 1700000000500;
	inc.trigger_count = 1;
	inc.desk = "desk-1";
	inc.area = "central";
	inc.n_asked = 2;
	inc.asked = asked;
	inc.fix_age_ms = 500;
	inc.position = &where;
	inc.subject = &subject;
	inc.trigger = &trig;
	inc.severity = HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL;
	inc.state = HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RAISED;
	inc.id = "INC-0001";

	pub.incident = &inc;
	pub.body_case = HANDOFF__V1__PUBLICATION__BODY_INCIDENT;
	pub.gateway = "gw-central";
	pub.published_unix_ms = 1700000000600;
	pub.epoch = 7;
	pub.seq = 42;

	expect_json(&pub.base,
		"{\"seq\":\"42\",\"epoch\":\"7\",\"publishedUnixMs\":\"1700000000600\","
		"\"gateway\":\"gw-central\",\"incident\":{"
		"\"id\":\"INC-0001\",\"state\":\"INCIDENT_STATE_RAISED\","
		"\"severity\":\"SEVERITY_CRITICAL\","
		"\"trigger\":{\"kind\":\"TRIGGER_KIND_EMERGENCY_STATUS\",\"meaning\":\"emergency\","
		"\"status\":0,\"source\":\"pei-1\"},"
		"\"subject\":{\"unitId\":\"pcso-7\",\"issi\":2001234,\"callsign\":\"PCSO 7\","
		"\"role\":\"ROLE_PCSO\",\"area\":\"central\"},"
		"\"position\":{\"lat\":51.3251,\"lon\":-0.5583,\"fixUnixMs\":\"1700000000000\","
		"\"errorM\":10,\"source\":\"pei-1\"},"
		"\"fixAgeMs\":\"500\","
		"\"asked\":["
		"{\"unit\":{\"unitId\":\"pc-12\",\"callsign\":\"PC 12\",\"role\":\"ROLE_CONSTABLE\"},"
		"\"distanceM\":412.5,\"position\":{\"lat\":51.3262,\"lon\":-0.5531}},"
		"{\"unit\":{\"unitId\":\"pc-3\",\"role\":\"ROLE_CONSTABLE\"},"
		"\"distanceM\":1250.0,\"position\":{\"lat\":51.3301,\"velocityKmh\":0.0},"
		"\"stale\":true}],"
		"\"area\":\"central\",\"desk\":\"desk-1\",\"triggerCount\":1,"
		"\"raisedUnixMs\":\"1700000000500\",\"updatedUnixMs\":\"1700000000600\"}}\n");
}

/* ---------------------------------------------------------------- other types and labels */

/* Bytes print as standard base64 with '=' padding for every length modulo 3,
 * using '+' and '/'; an empty element of a repeated field is "". A required
 * field prints even at 0. */
Test(pbjson, bytes_print_as_padded_standard_base64)
{
	struct sample s = sample_new();
	ProtobufCBinaryData blobs[] = {
		{ 0, NULL },
		{ 1, (uint8_t *)"f" },
		{ 2, (uint8_t *)"fo" },
		{ 3, (uint8_t *)"foo" },
		{ 4, (uint8_t *)"foob" },
		{ 3, (uint8_t *)"\xfb\xff\xfe" },
	};

	cr_assert(protobuf_c_message_check(&s.base));
	s.blob.len = 6;
	s.blob.data = (uint8_t *)"foobar";
	s.n_blobs = sizeof(blobs) / sizeof(blobs[0]);
	s.blobs = blobs;
	expect_json(&s.base,
		    "{\"blob\":\"Zm9vYmFy\",\"blobs\":[\"\",\"Zg==\",\"Zm8=\",\"Zm9v\",\"Zm9vYg==\","
		    "\"+//+\"],\"id\":\"0\"}\n");
}

/* A proto2 optional field prints when its has_ flag is set, even at 0, and not
 * when it is clear whatever the value; an optional string prints unless it is
 * the descriptor's default pointer. */
Test(pbjson, proto2_optional_fields_follow_their_has_flag)
{
	struct sample s = sample_new();
	char note[] = "n/a";

	s.count = 5;
	s.id = UINT64_MAX;
	expect_json(&s.base, "{\"id\":\"18446744073709551615\"}\n");
	s.has_count = 1;
	s.count = 0;
	s.note = note;
	expect_json(&s.base, "{\"count\":0,\"id\":\"18446744073709551615\",\"note\":\"n/a\"}\n");
}

/* Repeated scalars print as arrays (sint32 as numbers, enums by name or number,
 * bools as true/false); a float prints as its shortest decimal; sfixed64 as a
 * string; a bool as true. */
Test(pbjson, repeated_scalars_and_other_types_print_by_their_mapping)
{
	struct sample s = sample_new();
	int32_t nums[] = { -1, 0, INT32_MIN };
	Handoff__V1__EventKind kinds[] = {
		HANDOFF__V1__EVENT_KIND__EVENT_KIND_STATUS,
		HANDOFF__V1__EVENT_KIND__EVENT_KIND_UNSPECIFIED,
		(Handoff__V1__EventKind)99,
	};
	protobuf_c_boolean flags[] = { 1, 0 };

	s.ratio = 0.1f;
	s.flag = 1;
	s.n_nums = 3;
	s.nums = nums;
	s.n_kinds = 3;
	s.kinds = kinds;
	s.delta = INT64_MIN;
	s.n_flags = 2;
	s.flags = flags;
	expect_json(&s.base,
		    "{\"id\":\"0\",\"ratio\":0.1,\"flag\":true,\"nums\":[-1,0,-2147483648],"
		    "\"kinds\":[\"EVENT_KIND_STATUS\",\"EVENT_KIND_UNSPECIFIED\",99],"
		    "\"delta\":\"-9223372036854775808\",\"flags\":[true,false]}\n");
}

/* ---------------------------------------------------------------- round trip and errors */

/* The printed line parses back (jansson) to the same object that
 * hf_pbjson_from_message builds, and its values read back to the message's. */
Test(pbjson, the_printed_line_parses_back_to_the_message_values)
{
	Handoff__V1__RadioEvent ev = status_event();
	json_t *built, *parsed;
	json_error_t err;
	const char *kind = "", *received = "";
	json_int_t issi = -1, status = -1;
	double lat = 0;
	char *line;

	ev._status_case = HANDOFF__V1__RADIO_EVENT___STATUS_STATUS;
	ev.status = 0;
	ev._lat_case = HANDOFF__V1__RADIO_EVENT___LAT_LAT;
	ev.lat = 51.3251;
	line = print_to_string(&ev.base);
	built = hf_pbjson_from_message(&ev.base);
	parsed = json_loads(line, 0, &err);
	cr_assert_not_null(built);
	cr_assert_not_null(parsed, "%s: %s", line, err.text);
	cr_expect(json_equal(built, parsed));
	cr_assert_eq(json_unpack(parsed, "{s:s, s:I, s:s, s:I, s:f}", "kind", &kind,
				 "issi", &issi, "receivedUnixMs", &received, "status", &status,
				 "lat", &lat), 0);
	cr_expect_str_eq(kind, "EVENT_KIND_STATUS");
	cr_expect_eq(issi, (json_int_t)ev.issi);
	cr_expect_eq(strtoll(received, NULL, 10), ev.received_unix_ms);
	cr_expect_eq(status, 0);
	cr_expect_eq(lat, ev.lat);
	json_decref(parsed);
	json_decref(built);
	free(line);
}

/* A NULL message is refused, and a stream that cannot be written is -EIO. */
Test(pbjson, print_reports_a_null_message_and_a_failed_write)
{
	Handoff__V1__RadioEvent ev = HANDOFF__V1__RADIO_EVENT__INIT;
	FILE *fp = fopen("/dev/null", "r");

	cr_assert_not_null(fp);
	cr_expect_eq(hf_pbjson_print(stdout, NULL), -EINVAL);
	cr_expect_null(hf_pbjson_from_message(NULL));
	cr_expect_eq(hf_pbjson_print(fp, &ev.base), -EIO);
	fclose(fp);
}
