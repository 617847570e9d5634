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
/* True for a missing value: "key:" with nothing after it, ~ or null (a
 * quoted "" is an empty string, not null). NULL counts as missing. */
bool hf_yaml_is_null(struct fy_node *n);
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
 * The checks every loader of outside YAML runs, reporting through its own
 * problem list. `what` names the text in messages ("the config", "GeoJSON",
 * "a scenario"), `value` a value of it ("a config value").
 */
struct hf_yaml_checks {
	void (*report)(void *ctx, int line, int col, const char *msg);
	void *ctx;
	const char *what;
	const char *value;
	const char *buf; /* the text */
	size_t len;
	bool refuse_aliases; /* hf_yaml_check_scalars reports an alias */
};

/*
 * YAML is Unicode text: checks that buf is valid UTF-8 (no overlong forms,
 * surrogates or values past U+10FFFF) without control characters other than
 * tab, LF and CR (C1 controls included: U+009B is a terminal escape). Reports
 * the first offence with its line and column and returns false. Besides
 * clearer messages, this keeps libfyaml 0.7.12 from looping forever on a
 * directive with invalid UTF-8 (upstream issue #101) and from echoing raw
 * control bytes into messages.
 */
bool hf_yaml_check_text(const struct hf_yaml_checks *k);

/*
 * Checks every scalar of the tree before anything reads its text, refusing
 * two shapes that libfyaml 0.7.12 mishandles when it formats the text:
 *  - more than HF_YAML_SCALAR_LINES lines: time quadratic in the line breaks
 *    (a 400 kB value of blank lines takes minutes) and, for block scalars,
 *    stack that grows per line; no value needs more than a few lines;
 *  - a single-quoted scalar with two '' escapes in a row: its atom iterator
 *    leaks its chunk array (upstream issue #233), on every reload.
 * The depth is bounded by libfyaml's nesting limit. Returns the number of
 * problems reported.
 */
#define HF_YAML_SCALAR_LINES 16
size_t hf_yaml_check_scalars(const struct hf_yaml_checks *k, struct fy_node *n);

/* Reports the syntax errors libfyaml collected in fyd as "PREFIX: message"
 * (control characters blanked: libfyaml may quote the input), or one
 * "PREFIX" if it gave none. */
void hf_yaml_syntax_errors(const struct hf_yaml_checks *k, struct fy_diag *fyd,
			   const char *prefix);

/*
 * Where a node starts, 1-based (0, 0: unknown). Scalars know their own token.
 * A mapping or a sequence starts where its first key or item does (for a
 * block sequence item "- id: x" that is the "id"). A node without a token of
 * its own (an empty value, {} or []) is placed at the key it is the value of
 * (climbing, never sideways to an item). Both walks are bounded.
 */
void hf_yaml_node_pos(struct fy_node *n, int *line, int *col);

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
