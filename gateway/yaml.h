/*
 * yaml.h - libfyaml helpers shared by the loaders of outside text (the YAML
 * config and the GeoJSON places file): quoting values for messages, scalar
 * text and numbers, and a bounded file reader. Pure except hf_file_read.
 */
#ifndef HF_YAML_H
#define HF_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

/* A value quoted for a message: at most about 60 bytes, NUL-terminated. */
struct hf_quoted {
	char s[72];
};

/* Quotes len bytes of s as "...", escaping quotes, backslashes and control
 * bytes, cut after about 50 bytes (on a UTF-8 boundary) with "...". */
struct hf_quoted hf_yaml_quote(const char *s, size_t len);
/* A scalar's text and length ("" for anything else); not NUL-terminated. */
const char *hf_yaml_text(struct fy_node *n, size_t *len);
/* True for a plain (unquoted, non-block) scalar that is not an alias. */
bool hf_yaml_is_plain(struct fy_node *n);
/* A plain scalar as a finite decimal number (no hex, inf or nan): 0 or -1. */
int hf_yaml_scalar_number(struct fy_node *n, double *out);
/* A libfyaml diag output callback that prints nothing (errors are collected). */
void hf_yaml_quiet(struct fy_diag *diag, void *user, const char *buf, size_t len);
/*
 * Finds a block-context explicit mapping key: "?" followed by a space, tab or
 * end of line as the first token of a line (after indentation and any "- "
 * sequence entries). Neither the config nor GeoJSON needs them, and libfyaml
 * 0.7.12 crashes in fy_parser_destroy on some (e.g. "? a:\t:"). Returns true
 * and the 1-based line and column of the "?" if buf has one.
 */
bool hf_yaml_find_explicit_key(const char *buf, size_t len, int *line, int *col);

/*
 * One YAML 1.2 document parsed from memory, libfyaml's messages collected in
 * diag (never printed). After hf_yaml_parse() returns 0, syntax errors are in
 * diag (fy_diag_got_error); if the document parsed but another follows,
 * extra is set with the 1-based position where it starts. Free with
 * hf_yaml_parse_finish (also after an error).
 */
struct hf_yaml_doc {
	struct fy_diag *diag;
	struct fy_parser *parser;
	struct fy_document *doc;
	bool extra;
	int extra_line, extra_col;
};

/* Parses len bytes of buf (borrowed until finish). 0, or -ENOMEM. */
int hf_yaml_parse(struct hf_yaml_doc *y, const char *buf, size_t len);
void hf_yaml_parse_finish(struct hf_yaml_doc *y);

/* Reads the whole file at path (at most max bytes; larger: -EFBIG; a directory:
 * -EISDIR) into a new buffer (*bufp, free it). Returns 0 or a negative errno. */
int hf_file_read(const char *path, size_t max, char **bufp, size_t *lenp);

#endif
