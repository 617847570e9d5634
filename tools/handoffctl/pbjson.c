/*
 * pbjson.c - the proto3 JSON mapping of any protobuf-c message, walked from its
 * ProtobufCMessageDescriptor (see pbjson.h for the mapping rules).
 *
 * Nothing here knows a handoff message: every field is found through its
 * ProtobufCFieldDescriptor (label, type, offset, quantifier_offset, flags), so a
 * new field in the .proto files shows up in handoffctl's output without a change.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson.h"

/* Compact, in insertion (field-number) order, doubles with 15 significant digits
 * so that 51.3251 prints as 51.3251 and not 51.325099999999999. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

static json_t *message_json(const ProtobufCMessage *msg);

/* ---------------------------------------------------------------- names */

void hf_pbjson_field_name(const char *proto_name, char *out, size_t size)
{
	bool upper = false;
	size_t n = 0;

	if (size == 0)
		return;
	for (const char *p = proto_name; *p != '\0' && n + 1 < size; p++) {
		if (*p == '_') {
			upper = true;
			continue;
		}
		/* ASCII only, so the result never depends on the locale. */
		if (upper && *p >= 'a' && *p <= 'z')
			out[n++] = (char)(*p - 'a' + 'A');
		else
			out[n++] = *p;
		upper = false;
	}
	out[n] = '\0';
}

/* ---------------------------------------------------------------- scalars */

/* The address of the member at offset bytes into msg. */
static const void *member_at(const ProtobufCMessage *msg, unsigned offset)
{
	return (const char *)msg + offset;
}

/* A 64-bit integer as a decimal JSON string (proto3 JSON: JavaScript numbers
 * cannot hold every 64-bit value). */
static json_t *int64_json(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

/* As int64_json, for the unsigned 64-bit types. */
static json_t *uint64_json(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

/* A double as a JSON number, or the strings "NaN", "Infinity", "-Infinity"
 * that proto3 JSON uses for the values JSON has no number for. */
static json_t *double_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

/* A float as a JSON number: widened to the shortest decimal that reads back as
 * the same float, so 0.1f prints as 0.1 rather than 0.100000001490116. */
static json_t *float_json(float v)
{
	char buf[32];

	if (isnan(v) || isinf(v))
		return double_json(v);
	for (int prec = FLT_DIG; prec <= FLT_DECIMAL_DIG; prec++) {
		double d;

		snprintf(buf, sizeof(buf), "%.*g", prec, (double)v);
		d = strtod(buf, NULL);
		if ((float)d == v)
			return json_real(d);
	}
	return json_real(v);
}

/* An enum value by its name in the .proto ("EVENT_KIND_STATUS"), or its number
 * when the descriptor does not know it (a newer peer's value). */
static json_t *enum_json(const ProtobufCEnumDescriptor *ed, int32_t v)
{
	const ProtobufCEnumValue *ev = NULL;

	if (ed != NULL)
		ev = protobuf_c_enum_descriptor_get_value(ed, v);
	if (ev != NULL)
		return json_string(ev->name);
	return json_integer(v);
}

/* The length (1 to 4) of the well-formed UTF-8 sequence at s, or 0 when the
 * bytes there are not one (stray continuation, overlong form, surrogate, above
 * U+10FFFF, or cut short by the terminating NUL). */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return n;
}

/* A string as a JSON string. protobuf-c does not check that strings it unpacks
 * are UTF-8 (and jansson refuses those that are not), so each byte that is not
 * part of a well-formed sequence becomes U+FFFD: a bad SDS text is shown, not
 * fatal. NULL is shown as "". */
static json_t *string_json(const char *s)
{
	const unsigned char *p;
	json_t *j;
	char *fixed;
	size_t n = 0;

	if (s == NULL)
		return json_string("");
	for (p = (const unsigned char *)s; *p != '\0'; ) {
		size_t len = utf8_len(p);

		if (len == 0)
			break;
		p += len;
	}
	if (*p == '\0')
		return json_string(s);

	fixed = malloc(strlen(s) * 3 + 1);
	if (fixed == NULL)
		return NULL;
	for (p = (const unsigned char *)s; *p != '\0'; ) {
		size_t len = utf8_len(p);

		if (len == 0) {
			memcpy(fixed + n, "\xef\xbf\xbd", 3);
			n += 3;
			p++;
		} else {
			memcpy(fixed + n, p, len);
			n += len;
			p += len;
		}
	}
	fixed[n] = '\0';
	j = json_string(fixed);
	free(fixed);
	return j;
}

/* Bytes as standard base64 with '=' padding (RFC 4648 section 4). */
static json_t *bytes_json(const ProtobufCBinaryData *bin)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *in = bin->data;
	size_t out_len, i, n = 0;
	json_t *j;
	char *out;

	if (bin->len == 0 || in == NULL)
		return json_string("");
	if (bin->len > (SIZE_MAX - 1) / 4 * 3 - 2)
		return NULL;
	out_len = (bin->len + 2) / 3 * 4;
	out = malloc(out_len + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < bin->len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[n++] = alphabet[v >> 18 & 0x3f];
		out[n++] = alphabet[v >> 12 & 0x3f];
		out[n++] = alphabet[v >> 6 & 0x3f];
		out[n++] = alphabet[v & 0x3f];
	}
	if (i < bin->len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < bin->len)
			v |= (uint32_t)in[i + 1] << 8;
		out[n++] = alphabet[v >> 18 & 0x3f];
		out[n++] = alphabet[v >> 12 & 0x3f];
		out[n++] = i + 1 < bin->len ? alphabet[v >> 6 & 0x3f] : '=';
		out[n++] = '=';
	}
	j = json_stringn(out, n);
	free(out);
	return j;
}

/* The JSON value of one element of type f->type stored at p (the field itself,
 * or one slot of a repeated field's array), or NULL on failure. A NULL message
 * pointer (only possible inside a malformed repeated array) shows as {}. */
static json_t *value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
	const ProtobufCMessage *sub;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return int64_json(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return uint64_json(*(const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return float_json(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return double_json(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		return enum_json(f->descriptor, *(const int32_t *)p);
	case PROTOBUF_C_TYPE_STRING:
		return string_json(*(const char *const *)p);
	case PROTOBUF_C_TYPE_BYTES:
		return bytes_json(p);
	case PROTOBUF_C_TYPE_MESSAGE:
		sub = *(const ProtobufCMessage *const *)p;
		return sub != NULL ? message_json(sub) : json_object();
	}
	return NULL;
}

/* ---------------------------------------------------------------- fields */

/* The size of one slot in a repeated field's array (protobuf-c stores enums
 * and bools as 4-byte ints, strings and messages as pointers). */
static size_t slot_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int32_t);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return sizeof(int64_t);
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

/* Whether a proto3 implicit-presence field holds its type's default (0, 0.0,
 * false, enum 0, "" or NULL, empty bytes, NULL message) and so is omitted.
 * -0.0 counts as 0.0, as it does when protobuf-c packs the message. */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	const char *s;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return *(const uint32_t *)p == 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return *(const uint64_t *)p == 0;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_STRING:
		s = *(const char *const *)p;
		return s == NULL || *s == '\0';
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(const void *const *)p == NULL;
	}
	return true;
}

/* Whether field f of msg appears in the JSON: a oneof member when its case
 * names it (even if its value is 0 or ""), a proto2 optional field when its
 * has_ flag is set (strings and messages: when the pointer is set and, for
 * strings, is not the descriptor's default, as protobuf-c decides when
 * packing), a required field always, a repeated field when it has elements,
 * and a proto3 field when it is not its default. A NULL string or message
 * pointer never appears, whatever the label. */
static bool is_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const void *p = member_at(msg, f->offset);
	bool pointer = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)member_at(msg, f->quantifier_offset) > 0 &&
		       *(const void *const *)p != NULL;
	if (pointer && *(const void *const *)p == NULL)
		return false;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)member_at(msg, f->quantifier_offset) == f->id;
	switch (f->label) {
	case PROTOBUF_C_LABEL_REQUIRED:
		return true;
	case PROTOBUF_C_LABEL_OPTIONAL:
		if (f->type == PROTOBUF_C_TYPE_STRING)
			return *(const void *const *)p != f->default_value;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE)
			return true;
		return *(const protobuf_c_boolean *)member_at(msg, f->quantifier_offset);
	case PROTOBUF_C_LABEL_NONE:
	case PROTOBUF_C_LABEL_REPEATED:
		break;
	}
	return !is_default(f, p);
}

/* A repeated field of msg as a JSON array of its elements, or NULL on failure. */
static json_t *repeated_json(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	size_t n = *(const size_t *)member_at(msg, f->quantifier_offset);
	const char *slots = *(const char *const *)member_at(msg, f->offset);
	size_t size = slot_size(f->type);
	json_t *arr = json_array();

	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(arr, value_json(f, slots + i * size)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Sets obj[lowerCamelCase(proto_name)] = value, taking value even on failure.
 * Returns 0 or -ENOMEM. */
static int set_field(json_t *obj, const char *proto_name, json_t *value)
{
	size_t size = strlen(proto_name) + 1;
	char *key;
	int rc;

	if (value == NULL)
		return -ENOMEM;
	key = malloc(size);
	if (key == NULL) {
		json_decref(value);
		return -ENOMEM;
	}
	hf_pbjson_field_name(proto_name, key, size);
	rc = json_object_set_new(obj, key, value);
	free(key);
	return rc < 0 ? -ENOMEM : 0;
}

/* msg as a JSON object, its present fields in descriptor (field-number) order,
 * or NULL on failure or when msg's descriptor is not a message descriptor. */
static json_t *message_json(const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *desc = msg->descriptor;
	json_t *obj;

	if (desc == NULL || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return NULL;
	obj = json_object();
	if (obj == NULL)
		return NULL;
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		json_t *value;

		if (!is_present(msg, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			value = repeated_json(msg, f);
		else
			value = value_json(f, member_at(msg, f->offset));
		if (set_field(obj, f->name, value) < 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* ---------------------------------------------------------------- entry points */

json_t *hf_pbjson_from_message(const ProtobufCMessage *msg)
{
	if (msg == NULL)
		return NULL;
	return message_json(msg);
}

int hf_pbjson_print(FILE *fp, const ProtobufCMessage *msg)
{
	json_t *obj;
	char *text;
	int rc = 0;

	if (msg == NULL || msg->descriptor == NULL ||
	    msg->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return -EINVAL;
	obj = message_json(msg);
	if (obj == NULL)
		return -ENOMEM;
	text = json_dumps(obj, DUMP_FLAGS);
	json_decref(obj);
	if (text == NULL)
		return -ENOMEM;
	if (fputs(text, fp) == EOF || fputc('\n', fp) == EOF)
		rc = -EIO;
	free(text);
	return rc;
}
