/*
 * yaml.c - see yaml.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yaml.h"

/* Quotes len bytes of s as "...", escaping quotes, backslashes and control
 * bytes, and cutting after about 50 bytes (on a UTF-8 boundary) with "...",
 * so one message always fits and never writes raw control bytes to a
 * terminal. */
struct hf_quoted hf_yaml_quote(const char *s, size_t len)
{
	struct hf_quoted q;
	size_t o = 0;

	q.s[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (o > 52) {
			while (o > 1 && ((unsigned char)q.s[o - 1] & 0xc0) == 0x80)
				o--;
			if (o > 1 && ((unsigned char)q.s[o - 1] & 0xc0) == 0xc0)
				o--;
			memcpy(q.s + o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\') {
			q.s[o++] = '\\';
			q.s[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			static const char hex[] = "0123456789abcdef";

			q.s[o++] = '\\';
			q.s[o++] = 'x';
			q.s[o++] = hex[ch >> 4];
			q.s[o++] = hex[ch & 15];
		} else {
			q.s[o++] = (char)ch;
		}
	}
	q.s[o++] = '"';
	q.s[o] = '\0';
	return q;
}

/* A scalar's text and length ("" for anything else). Not NUL-terminated. */
const char *hf_yaml_text(struct fy_node *n, size_t *len)
{
	const char *s = NULL;

	*len = 0;
	if (n && fy_node_get_type(n) == FYNT_SCALAR)
		s = fy_node_get_scalar(n, len);
	if (!s) {
		*len = 0;
		return "";
	}
	return s;
}

/* True for a plain (unquoted, non-block) scalar that is not an alias. */
bool hf_yaml_is_plain(struct fy_node *n)
{
	return n && fy_node_get_type(n) == FYNT_SCALAR && !fy_node_is_alias(n) &&
	       fy_node_get_style(n) == FYNS_PLAIN;
}

/* Parses the text of a plain scalar as a finite decimal number (integers
 * too; no hex, inf or nan). Returns 0 or -1. */
int hf_yaml_scalar_number(struct fy_node *n, double *out)
{
	char buf[64], *end;
	const char *s;
	size_t len;
	bool digit = false;

	if (!hf_yaml_is_plain(n))
		return -1;
	s = hf_yaml_text(n, &len);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i]))
			digit = true;
		else if (!strchr("+-.eE", s[i]) || s[i] == '\0')
			return -1;
	}
	if (!digit)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(*out))
		return -1;
	return 0;
}

/* Discards libfyaml's own printing: its errors are collected instead. */
void hf_yaml_quiet(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
}

/* Reads the whole file (at most max bytes; larger: -EFBIG) into a new buffer. */
int hf_file_read(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -errno;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *p;

			if (cap >= max) {
				err = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
out:
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

bool hf_yaml_find_explicit_key(const char *buf, size_t len, int *line, int *col)
{
	int ln = 1;

	for (size_t i = 0; i < len;) {
		size_t start = i;

		/* indentation, then any "- " sequence entries */
		for (;;) {
			while (i < len && buf[i] == ' ')
				i++;
			if (i + 1 < len && buf[i] == '-' && (buf[i + 1] == ' ' || buf[i + 1] == '\t')) {
				i += 2;
				continue;
			}
			break;
		}
		if (i < len && buf[i] == '?' &&
		    (i + 1 == len || strchr(" \t\r\n", buf[i + 1]))) {
			*line = ln;
			*col = (int)(i - start) + 1;
			return true;
		}
		while (i < len && buf[i] != '\n' && buf[i] != '\r')
			i++;
		if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
			i++;
		i++;
		ln++;
	}
	return false;
}

int hf_yaml_parse(struct hf_yaml_doc *y, const char *buf, size_t len)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	struct fy_document *extra;

	memset(y, 0, sizeof *y);
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = hf_yaml_quiet;
	dcfg.colorize = false;
	y->diag = fy_diag_create(&dcfg);
	if (!y->diag)
		return -ENOMEM;
	fy_diag_set_collect_errors(y->diag, true);
	memset(&pcfg, 0, sizeof pcfg);
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE;
	pcfg.diag = y->diag;
	y->parser = fy_parser_create(&pcfg);
	if (!y->parser || fy_parser_set_string(y->parser, len ? buf : "", len) != 0)
		return -ENOMEM;
	y->doc = fy_parse_load_document(y->parser);
	if (y->doc && !fy_diag_got_error(y->diag)) {
		extra = fy_parse_load_document(y->parser);
		if (extra) {
			const struct fy_mark *m = fy_document_state_start_mark(
				fy_document_get_document_state(extra));

			y->extra = true;
			y->extra_line = m ? m->line + 1 : 0;
			y->extra_col = m ? m->column + 1 : 0;
			fy_parse_document_destroy(y->parser, extra);
		}
	}
	return 0;
}

void hf_yaml_parse_finish(struct hf_yaml_doc *y)
{
	if (y->doc)
		fy_parse_document_destroy(y->parser, y->doc);
	if (y->parser)
		fy_parser_destroy(y->parser);
	if (y->diag)
		fy_diag_destroy(y->diag);
	memset(y, 0, sizeof *y);
}

/* ------------------------------------------------------------------------
 * The shared checks (see yaml.h)
 * --------------------------------------------------------------------- */

#define POS_DEPTH 256 /* bound on the walks that find a node's position */

static void reportf(const struct hf_yaml_checks *k, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reportf(const struct hf_yaml_checks *k, int line, int col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	k->report(k->ctx, line, col, msg);
}

bool hf_yaml_check_text(const struct hf_yaml_checks *k)
{
	const unsigned char *p = (const unsigned char *)k->buf;
	int line = 1, col = 1;
	size_t i = 0;

	while (i < k->len) {
		unsigned ch = p[i];
		size_t n = ch < 0x80 ? 1 : ch >= 0xc2 && ch <= 0xdf ? 2 :
			   ch >= 0xe0 && ch <= 0xef ? 3 : ch >= 0xf0 && ch <= 0xf4 ? 4 : 0;
		uint32_t cp = n == 1 ? ch : n == 2 ? ch & 0x1f : n == 3 ? ch & 0x0f : ch & 0x07;

		for (size_t j = 1; j < n; j++) {
			if (i + j >= k->len || (p[i + j] & 0xc0) != 0x80) {
				n = 0;
				break;
			}
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if (n == 0 || (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
			reportf(k, line, col, "invalid UTF-8 (byte 0x%02x); %s must be UTF-8 text",
				ch, k->what);
			return false;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    (cp >= 0x7f && cp <= 0x9f)) {
			reportf(k, line, col, "control character U+%04X is not allowed in %s",
				(unsigned)cp, k->what);
			return false;
		}
		if (cp == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	return true;
}

size_t hf_yaml_check_scalars(const struct hf_yaml_checks *k, struct fy_node *n)
{
	struct fy_node_pair *pair;
	struct fy_node *child;
	struct fy_token *t;
	void *it = NULL;
	size_t found = 0;
	int line, col;

	if (!n)
		return 0;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		if (k->refuse_aliases && fy_node_is_alias(n)) {
			hf_yaml_node_pos(n, &line, &col);
			reportf(k, line, col, "aliases are not supported in %s", k->what);
			return 1;
		}
		t = fy_node_get_scalar_token(n);
		if (t && fy_token_start_mark(t) && fy_token_end_mark(t)) {
			int lines = fy_token_end_mark(t)->line - fy_token_start_mark(t)->line + 1;
			size_t from = fy_token_start_mark(t)->input_pos;
			size_t to = fy_token_end_mark(t)->input_pos;

			hf_yaml_node_pos(n, &line, &col);
			if (lines > HF_YAML_SCALAR_LINES) {
				reportf(k, line, col, "this value spans %d lines; %s may span at "
					"most %d", lines, k->value, HF_YAML_SCALAR_LINES);
				found++;
			} else if (fy_node_get_style(n) == FYNS_SINGLE_QUOTED && from <= to &&
				   to <= k->len && memmem(k->buf + from, to - from, "''''", 4)) {
				reportf(k, line, col, "consecutive '' escapes in a single-quoted "
					"value are not supported (a libfyaml 0.7.12 bug); use "
					"double quotes");
				found++;
			}
		}
		break;
	case FYNT_MAPPING:
		while ((pair = fy_node_mapping_iterate(n, &it))) {
			found += hf_yaml_check_scalars(k, fy_node_pair_key(pair));
			found += hf_yaml_check_scalars(k, fy_node_pair_value(pair));
		}
		break;
	case FYNT_SEQUENCE:
		while ((child = fy_node_sequence_iterate(n, &it)))
			found += hf_yaml_check_scalars(k, child);
		break;
	}
	return found;
}

void hf_yaml_syntax_errors(const struct hf_yaml_checks *k, struct fy_diag *fyd,
			   const char *prefix)
{
	struct fy_diag_error *e;
	void *it = NULL;
	size_t n = 0;

	while ((e = fy_diag_errors_iterate(fyd, &it))) {
		char msg[160];
		size_t i;

		if (e->type < FYET_ERROR)
			continue;
		for (i = 0; e->msg && e->msg[i] && i < sizeof(msg) - 1; i++)
			msg[i] = (unsigned char)e->msg[i] < 0x20 ? ' ' : e->msg[i];
		msg[i] = '\0';
		reportf(k, e->line > 0 ? e->line : 0, e->column > 0 ? e->column : 0, "%s: %s",
			prefix, i ? msg : "syntax error");
		n++;
	}
	if (n == 0)
		reportf(k, 0, 0, "%s", prefix);
}

static void pos_around(struct fy_node *n, int depth, int *line, int *col);

static void pos_walk(struct fy_node *n, int depth, int *line, int *col)
{
	struct fy_node_pair *pair;
	struct fy_node *child;
	struct fy_token *t;
	void *it = NULL;

	*line = *col = 0;
	if (!n || depth > POS_DEPTH)
		return;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		t = fy_node_get_scalar_token(n);
		if (t && fy_token_start_mark(t)) {
			const struct fy_mark *m = fy_token_start_mark(t);
			enum fy_node_style st = fy_node_get_style(n);
			/* the token of a quoted scalar or an alias starts after
			 * its quote or '*' */
			int q = (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED ||
				 st == FYNS_ALIAS) && m->column > 0;

			*line = m->line + 1;
			*col = m->column + 1 - q;
			return;
		}
		break;
	case FYNT_MAPPING:
		pair = fy_node_mapping_iterate(n, &it);
		if (pair && fy_node_pair_key(pair)) {
			pos_walk(fy_node_pair_key(pair), depth + 1, line, col);
			return;
		}
		break;
	case FYNT_SEQUENCE:
		child = fy_node_sequence_iterate(n, &it);
		if (child) {
			pos_walk(child, depth + 1, line, col);
			return;
		}
		break;
	}
	pos_around(n, depth + 1, line, col);
}

static void pos_around(struct fy_node *n, int depth, int *line, int *col)
{
	struct fy_node *p = fy_node_get_parent(n);
	struct fy_node_pair *pair;
	void *it = NULL;

	*line = *col = 1;
	if (!p || depth > POS_DEPTH)
		return;
	if (fy_node_get_type(p) == FYNT_MAPPING) {
		while ((pair = fy_node_mapping_iterate(p, &it))) {
			struct fy_node *k = fy_node_pair_key(pair);

			if (fy_node_pair_value(pair) == n && k && k != n) {
				pos_walk(k, depth + 1, line, col);
				return;
			}
		}
	}
	pos_around(p, depth + 1, line, col);
}

void hf_yaml_node_pos(struct fy_node *n, int *line, int *col)
{
	pos_walk(n, 0, line, col);
}

bool hf_yaml_is_null(struct fy_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	const char *s;
	size_t len;

	if (!n)
		return true;
	if (!hf_yaml_is_plain(n))
		return false;
	s = hf_yaml_text(n, &len);
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		if (len == strlen(nulls[i]) && memcmp(s, nulls[i], len) == 0)
			return true;
	return false;
}
