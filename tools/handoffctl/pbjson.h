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
 *  - bytes are standard base64 with padding; messages are nested objects.
 */
#ifndef HF_PBJSON_H
#define HF_PBJSON_H

#include <stdio.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for msg (new reference), or NULL on allocation failure. */
json_t *hf_pbjson_from_message(const ProtobufCMessage *msg);

/* Dumps msg as one compact JSON line (with '\n') to fp. Doubles are printed with
 * up to 15 significant digits. Returns 0 or -ENOMEM / -EIO. */
int hf_pbjson_print(FILE *fp, const ProtobufCMessage *msg);

/* The lowerCamelCase JSON name of a proto field name ("velocity_kmh" ->
 * "velocityKmh"), written into out (size bytes, NUL-terminated). */
void hf_pbjson_field_name(const char *proto_name, char *out, size_t size);

#endif
