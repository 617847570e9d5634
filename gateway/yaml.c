/*
 * yaml.c - see yaml.h.
 */
#include <ctype.h>
#include <errno.h>
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
