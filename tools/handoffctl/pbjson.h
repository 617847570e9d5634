/*
 * pbjson.h - the proto3 JSON mapping of any protobuf-c message, produced
 * generically from its descriptor (never by hand per message).
 *
 * Mapping (https://protobuf.dev/programming-guides/proto3/#json):
 *  - keys are lowerCamelCase field names; fields appear in field-number order;
 *  - proto3 fields with the default value (0, "", false, empty repeated, unset
 *    message) are omitted; members of a oneof are emitted whenever set, even if
 *    0 (this is how presence fields such as `status` are carried);
 *  - 64-bit integers are decimal strings; 32-bit integers are numbers;
 *  - float/double are numbers ("NaN", "Infinity", "-Infinity" as strings);
 *  - enums are their value names; an unknown value is its number;
 *  - bytes are standard base64 with padding; messages are nested objects;
 *  - proto2 fields: optional ones appear when their has_ flag is set (strings
 *    and messages: when set and not the default pointer), required ones always;
 *  - strings that are not valid UTF-8 (protobuf-c does not check on unpack)
 *    have each bad byte replaced by U+FFFD; unknown fields are dropped.
 * Not mapped specially: map fields (protobuf-c sees repeated *Entry messages)
 * and the well-known types (Timestamp, Duration, wrappers, Any, Struct).
 */
#ifndef HF_PBJSON_H
#define HF_PBJSON_H

#include <stdio.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for msg (borrowed; new reference returned), or NULL when
 * msg is NULL, its descriptor is not a message descriptor, or memory runs out. */
json_t *hf_pbjson_from_message(const ProtobufCMessage *msg);

/* Dumps msg (borrowed) as one compact JSON line (with '\n') to fp, keys in
 * field-number order. Doubles are printed with up to 15 significant digits.
 * Does not flush fp. Returns 0, -EINVAL (msg NULL or not a message), -ENOMEM
 * or -EIO. */
int hf_pbjson_print(FILE *fp, const ProtobufCMessage *msg);

/* The lowerCamelCase JSON name of a proto field name ("velocity_kmh" ->
 * "velocityKmh"), as protoc computes json_name: each '_' is dropped and the
 * letter after it upper-cased. Written into out (size bytes, NUL-terminated,
 * truncated if too small; nothing is written when size is 0). */
void hf_pbjson_field_name(const char *proto_name, char *out, size_t size);

#endif
