/*
 * config.c - loading and validating the gateway's YAML configuration.
 *
 * The schema is data. Each mapping in the file (the top level, gateway:,
 * endpoints:, one adapter, one area, one roster entry, rules:, sim:) has a
 * table of fields: key, type, where the value goes in the struct, whether it
 * is required, its default and an optional validator (the Redis config.c
 * way). One generic reader walks a mapping with its table, so unknown keys,
 * wrong types, missing required keys, out-of-range numbers and duplicates
 * inside a sequence are found and worded the same way everywhere. The few
 * shapes that are not "a mapping of scalars" (status_map, sim.center,
 * rules.available_statuses) have small readers of their own.
 *
 * Nothing stops at the first problem: each one goes into struct hf_diag with
 * its 1-based line and column, and the load fails if there was any. Fields
 * are read in table order, not file order, so a field may depend on one read
 * before it (roster areas on areas:, a gpsd adapter's unit on roster:,
 * sim.listen on adapters:); the messages
 * are sorted by position at the end.
 *
 * libfyaml 0.7.12 (Debian 12) hangs, takes quadratic time or leaks on some
 * inputs, so the text is checked before it gets there (hf_yaml_check_text: UTF-8,
 * no control characters) and the tree before any scalar is formatted
 * (hf_yaml_check_scalars). Aliases are refused rather than resolved, so a "billion
 * laughs" file costs nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

#include "config.h"
#include "curve.h"
#include "places.h"
#include "yaml.h"

#define DIAG_MAX 1000            /* problems kept per diag, the last says "too many" */
#define FILE_MAX (16 << 20)      /* a config file larger than this is refused */
#define MAXF 16                  /* fields per table */
#define STATUS_USER_MIN 32768
#define STATUS_USER_MAX 65535
#define ISSI_MAX 16777215        /* 24-bit TETRA individual subscriber identity */
#define INGEST "ingest"          /* the adapter the gateway makes from endpoints.ingest */

/* ----------------------------------------------------------------------------
 * Diagnostics
 * ------------------------------------------------------------------------- */

void hf_diag_init(struct hf_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void hf_diag_finish(struct hf_diag *d)
{
	if (!d)
		return;
	free(d->entries);
	free(d->other_file);
	memset(d, 0, sizeof(*d));
}

/* Appends one problem. Past DIAG_MAX - 1 problems one final entry says there
 * were too many and everything after it is dropped, so a hostile file cannot
 * make the list grow without bound. Out of memory drops the entry. */
void hf_diag_add(struct hf_diag *d, int line, int col, const char *fmt, ...)
{
	struct hf_diag_entry *e;
	va_list ap;

	if (!d || d->n >= DIAG_MAX)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct hf_diag_entry *p = realloc(d->entries, cap * sizeof(*p));

		if (!p)
			return;
		d->entries = p;
		d->cap = cap;
	}
	e = &d->entries[d->n++];
	e->line = line;
	e->col = col;
	e->file = NULL;
	if (d->n == DIAG_MAX) {
		snprintf(e->msg, sizeof(e->msg), "too many problems; only the first %d are shown",
			 DIAG_MAX - 1);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

const char *hf_diag_file(const struct hf_diag *d, size_t i)
{
	return d->entries[i].file ? d->entries[i].file : d->file;
}

void hf_diag_print(const struct hf_diag *d, FILE *fp)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(fp, "%s:%d:%d: %s\n", hf_diag_file(d, i), d->entries[i].line,
			d->entries[i].col, d->entries[i].msg);
}

/* Sorts entries [from, to) by line then column, keeping the order of equal
 * positions (insertion sort: the lists are short and it is stable). */
void hf_diag_sort(struct hf_diag *d, size_t from, size_t to)
{
	for (size_t i = from + 1; i < to; i++) {
		struct hf_diag_entry e = d->entries[i];
		size_t j = i;

		while (j > from && (d->entries[j - 1].line > e.line ||
				    (d->entries[j - 1].line == e.line &&
				     d->entries[j - 1].col > e.col))) {
			d->entries[j] = d->entries[j - 1];
			j--;
		}
		d->entries[j] = e;
	}
}

/* Appends every problem of `from` (another file) to d, naming that file. */
static void diag_append(struct hf_diag *d, const struct hf_diag *from)
{
	if (!d || !from->n)
		return;
	free(d->other_file);
	d->other_file = strdup(from->file);
	for (size_t i = 0; i < from->n; i++) {
		size_t before = d->n;

		hf_diag_add(d, from->entries[i].line, from->entries[i].col, "%s",
			    from->entries[i].msg);
		if (d->n > before)
			d->entries[d->n - 1].file = d->other_file;
	}
}

/* ----------------------------------------------------------------------------
 * Reading context, positions and message helpers
 * ------------------------------------------------------------------------- */

struct ctx {
	struct hf_diag *diag;
	const char *const *types; /* known adapter types, NULL = any */
	struct hf_config *cfg;
	char dir[HF_PATH_MAX];    /* the config file's directory, "" if none */
	size_t errors;
	bool nomem;
	const char *variant;      /* type of the adapter being read, NULL if unknown */
	const char *buf;          /* the YAML text and its length */
	size_t len;
};

struct pos {
	int line; /* 1-based, 0 = unknown */
	int col;
};

static void problem(struct ctx *c, struct pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records one problem at a position and counts it. */
static void problem(struct ctx *c, struct pos at, const char *fmt, ...)
{
	char msg[sizeof(((struct hf_diag_entry *)0)->msg)];
	va_list ap;

	c->errors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hf_diag_add(c->diag, at.line, at.col, "%s", msg);
}

/* Records running out of memory, once: the load then fails with -ENOMEM. */
static void out_of_memory(struct ctx *c)
{
	if (!c->nomem)
		problem(c, (struct pos){ 0, 0 }, "out of memory");
	c->nomem = true;
}

/* Where a node starts, 1-based (hf_yaml_node_pos). */
static struct pos pos_of(struct fy_node *n)
{
	struct pos p;

	hf_yaml_node_pos(n, &p.line, &p.col);
	return p;
}

/* A quoted, escaped, shortened copy of text for a message. */
static struct hf_quoted quote0(const char *s)
{
	return hf_yaml_quote(s, strlen(s));
}

/* True for a missing value: "key:" with nothing after it, ~ or null. A
 * quoted "" is an empty string, not null. */
static bool is_null(struct fy_node *n)
{
	return hf_yaml_is_null(n);
}

/* What a node is, for "got ..." in messages. */
static struct hf_quoted describe(struct fy_node *n)
{
	struct hf_quoted q;
	const char *s;
	size_t len;

	if (is_null(n))
		return (struct hf_quoted){ "nothing" };
	switch (fy_node_get_type(n)) {
	case FYNT_MAPPING:
		return (struct hf_quoted){ "a mapping" };
	case FYNT_SEQUENCE:
		return (struct hf_quoted){ "a sequence" };
	default:
		break;
	}
	s = hf_yaml_text(n, &len);
	if (fy_node_is_alias(n)) {
		snprintf(q.s, sizeof(q.s), "an alias *%.*s (aliases are not supported)",
			 (int)(len > 20 ? 20 : len), s);
		return q;
	}
	q = hf_yaml_quote(s, len);
	if ((fy_node_get_style(n) == FYNS_SINGLE_QUOTED ||
	     fy_node_get_style(n) == FYNS_DOUBLE_QUOTED) && strlen(q.s) < sizeof(q.s) - 12)
		strcat(q.s, " (quoted)");
	return q;
}

/* Parses the text of a plain scalar as an integer: [+-] then decimal digits
 * or 0x and hex digits. Returns 0 and sets *mag and *neg; -1 if it is not an
 * integer; -2 if it is one but too large for 64 bits. */
static int scalar_int(struct fy_node *n, unsigned long long *mag, bool *neg)
{
	const char *s;
	size_t len, i = 0;
	unsigned base = 10;
	bool overflow = false;

	*mag = 0;
	*neg = false;
	if (!hf_yaml_is_plain(n))
		return -1;
	s = hf_yaml_text(n, &len);
	if (i < len && (s[i] == '+' || s[i] == '-'))
		*neg = s[i++] == '-';
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return -1;
		if (*mag > (ULLONG_MAX - d) / base)
			overflow = true;
		else
			*mag = *mag * base + d;
	}
	return overflow ? -2 : 0;
}

/* ----------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------- */

enum ftype {
	F_STR,    /* string into char[size] */
	F_INT,    /* integer into uint32_t, min..max */
	F_NUM,    /* number into double, min..max */
	F_SECS,   /* number of seconds into uint32_t milliseconds, min..max seconds */
	F_MINS,   /* number of minutes into uint32_t milliseconds, min..max minutes */
	F_ENUM,   /* one of words[] into an enum */
	F_MAP,    /* nested mapping read with sub; same base (offsets are absolute) */
	F_SEQ,    /* sequence of mappings read with sub into a calloc'd array */
	F_CUSTOM, /* parse() reads it */
};

struct word {
	const char *name;
	int value;
};

/* What read_map() learnt about one mapping, kept per sequence item so the
 * sequence can then check uniqueness and point at the right lines. */
struct item_src {
	struct fy_node *map;
	struct fy_node *key[MAXF];
	struct fy_node *val[MAXF];
	uint32_t present; /* bit i: the key of field i was written (with a value) */
	uint32_t bad;     /* bit i: field i is missing, empty or invalid */
};

struct table;

struct field {
	const char *key;
	enum ftype type;
	size_t off;          /* where the value goes, from the base being filled */
	size_t size;         /* F_STR: buffer size; F_SEQ: item size */
	size_t count_off;    /* F_SEQ: where the item count goes */
	bool required;
	bool nonempty;       /* F_STR: "" is an error; F_SEQ: [] is an error */
	const char *only_for; /* key exists only for these adapter types (space-separated) */
	const char *def_s;   /* F_STR default */
	double def_n;        /* F_INT, F_NUM, F_SECS, F_ENUM default */
	double min, max;     /* F_INT, F_NUM, F_SECS range */
	bool min_excl;       /* F_NUM: must be greater than min */
	const struct word *words; /* F_ENUM, NULL-terminated */
	const struct table *sub;  /* F_MAP, F_SEQ */
	const char *dup;     /* unique within its sequence; names it in messages */
	bool fold;           /* uniqueness ignores case and spaces */
	/* Default that depends on what was read before; at = the mapping. */
	void (*def_fn)(struct ctx *c, void *base, struct pos at);
	/* Extra validation after the type check; reports and returns false. */
	bool (*check)(struct ctx *c, const struct field *f, struct fy_node *v, void *base);
	/* F_CUSTOM reader; reports and returns false. */
	bool (*parse)(struct ctx *c, const struct field *f, struct fy_node *v, void *base);
};

struct table {
	const char *noun;  /* "roster entry is missing required key ..." */
	const char *where; /* "unknown key ... in roster entry" */
	const char *owner; /* duplicates: "first used by unit ..." */
	const struct field *fields;
	size_t n;
	int id_field;      /* field naming an item in messages, -1 if none */
	/* Checks across keys once the mapping has been read. */
	void (*check)(struct ctx *c, void *base, const struct item_src *src);
};

static void *at_off(void *base, size_t off)
{
	return (char *)base + off;
}

/* True if the field exists for the adapter being read: no only_for, or the
 * variant is one of its space-separated words. */
static bool applies(const struct ctx *c, const struct field *f)
{
	size_t n;

	if (!f->only_for)
		return true;
	if (!c->variant)
		return false;
	n = strlen(c->variant);
	for (const char *w = f->only_for; *w;) {
		size_t wl = strcspn(w, " ");

		if (wl == n && memcmp(w, c->variant, n) == 0)
			return true;
		w += wl;
		while (*w == ' ')
			w++;
	}
	return false;
}

/* Sets the static defaults of every field of t (and its nested mappings). */
static void apply_defaults(const struct table *t, void *base)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct field *f = &t->fields[i];
		void *p = at_off(base, f->off);

		switch (f->type) {
		case F_STR:
			if (f->def_s)
				hf_strlcpy(p, f->def_s, f->size);
			break;
		case F_INT:
			*(uint32_t *)p = (uint32_t)f->def_n;
			break;
		case F_NUM:
			*(double *)p = f->def_n;
			break;
		case F_SECS:
			*(uint32_t *)p = (uint32_t)(f->def_n * 1000.0 + 0.5);
			break;
		case F_MINS:
			*(uint32_t *)p = (uint32_t)(f->def_n * 60000.0 + 0.5);
			break;
		case F_ENUM:
			*(int *)p = (int)f->def_n;
			break;
		case F_MAP:
			apply_defaults(f->sub, base);
			break;
		case F_SEQ:
		case F_CUSTOM:
			break;
		}
	}
}

/* The keys of t that apply here, for "known: ..." in messages. */
static void known_keys(const struct ctx *c, const struct table *t, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->n && o < size; i++) {
		if (!applies(c, &t->fields[i]))
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", t->fields[i].key);
	}
}

/* ----------------------------------------------------------------------------
 * Scalar readers: type and range checks with uniform messages
 * ------------------------------------------------------------------------- */

static bool read_str(struct ctx *c, const struct field *f, struct fy_node *v, char *dst,
		     size_t size)
{
	const char *s;
	size_t len;

	if (fy_node_get_type(v) != FYNT_SCALAR || fy_node_is_alias(v)) {
		problem(c, pos_of(v), "\"%s\" must be a string, got %s", f->key, describe(v).s);
		return false;
	}
	s = hf_yaml_text(v, &len);
	if (memchr(s, '\0', len)) {
		problem(c, pos_of(v), "\"%s\" must not contain NUL characters", f->key);
		return false;
	}
	if (len >= size) {
		problem(c, pos_of(v), "\"%s\" is too long (%zu bytes, at most %zu), got %s",
			f->key, len, size - 1, hf_yaml_quote(s, len).s);
		return false;
	}
	if (f->nonempty && len == 0) {
		problem(c, pos_of(v), "\"%s\" must not be empty", f->key);
		return false;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* Reads an integer field; range errors quote the text as written. */
static bool read_int(struct ctx *c, const struct field *f, struct fy_node *v, uint32_t *dst)
{
	unsigned long long mag;
	bool neg;
	int rc = scalar_int(v, &mag, &neg);
	const char *s;
	size_t len;

	if (rc == -1) {
		problem(c, pos_of(v), "\"%s\" must be an integer, got %s", f->key, describe(v).s);
		return false;
	}
	s = hf_yaml_text(v, &len);
	if (rc == -2 || (neg && mag > 0) || (double)mag < f->min || (double)mag > f->max) {
		problem(c, pos_of(v), "\"%s\" must be between %.0f and %.0f, got %.*s", f->key,
			f->min, f->max, (int)(len > 40 ? 40 : len), s);
		return false;
	}
	*dst = (uint32_t)mag;
	return true;
}

/* Reads a number and checks it against the field's range. */
static bool read_number(struct ctx *c, const struct field *f, struct fy_node *v, double *dst)
{
	double x;

	if (hf_yaml_scalar_number(v, &x) < 0) {
		problem(c, pos_of(v), "\"%s\" must be a number, got %s", f->key, describe(v).s);
		return false;
	}
	if (f->min_excl && !(x > f->min)) {
		problem(c, pos_of(v), "\"%s\" must be greater than %g, got %g", f->key, f->min, x);
		return false;
	}
	if (x < f->min || x > f->max) {
		problem(c, pos_of(v), "\"%s\" must be between %g and %g, got %g", f->key, f->min,
			f->max, x);
		return false;
	}
	*dst = x;
	return true;
}

/* Reads one word of f->words, listing them all when the value is not one. */
static bool read_enum(struct ctx *c, const struct field *f, struct fy_node *v, int *dst)
{
	char known[160];
	size_t len, o = 0;
	const char *s;

	if (fy_node_get_type(v) == FYNT_SCALAR && !fy_node_is_alias(v)) {
		s = hf_yaml_text(v, &len);
		for (const struct word *w = f->words; w->name; w++) {
			if (strlen(w->name) == len && memcmp(w->name, s, len) == 0) {
				*dst = w->value;
				return true;
			}
		}
	}
	known[0] = '\0';
	for (const struct word *w = f->words; w->name && o < sizeof(known); w++)
		o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", o ? ", " : "", w->name);
	problem(c, pos_of(v), "unknown %s %s (known: %s)", f->key, describe(v).s, known);
	return false;
}

/* ----------------------------------------------------------------------------
 * Mappings and sequences
 * ------------------------------------------------------------------------- */

static bool read_seq(struct ctx *c, const struct field *f, struct fy_node *v, void *base);
static void read_map(struct ctx *c, const struct table *t, struct fy_node *map,
		     struct pos at, void *base, struct item_src *src);

/* Reads one present, non-null value of field f into base. */
static bool read_value(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	void *p = at_off(base, f->off);
	double x;
	bool ok = false;

	switch (f->type) {
	case F_STR:
		ok = read_str(c, f, v, p, f->size);
		break;
	case F_INT:
		ok = read_int(c, f, v, p);
		break;
	case F_NUM:
		ok = read_number(c, f, v, p);
		break;
	case F_SECS:
	case F_MINS:
		ok = read_number(c, f, v, &x);
		if (ok)
			*(uint32_t *)p = (uint32_t)(x * (f->type == F_SECS ? 1000.0 : 60000.0) + 0.5);
		break;
	case F_ENUM:
		ok = read_enum(c, f, v, p);
		break;
	case F_MAP:
		if (fy_node_get_type(v) != FYNT_MAPPING) {
			problem(c, pos_of(v), "\"%s\" must be a mapping, got %s", f->key,
				describe(v).s);
			break;
		}
		read_map(c, f->sub, v, pos_of(v), base, NULL);
		ok = true;
		break;
	case F_SEQ:
		ok = read_seq(c, f, v, base);
		break;
	case F_CUSTOM:
		ok = f->parse(c, f, v, base);
		break;
	}
	if (ok && f->check)
		ok = f->check(c, f, v, base);
	return ok;
}

static int find_field(const struct table *t, const char *s, size_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->fields[i].key) == len && memcmp(t->fields[i].key, s, len) == 0)
			return (int)i;
	return -1;
}

/*
 * Reads a mapping (NULL: absent, so all defaults) into base with table t.
 * Fields are read in table order: present ones are type-checked and
 * validated, absent ones are reported if required or get their default.
 * Then every key not in the table is reported with the list of known keys.
 * at is where the mapping is, for "missing required key". If src is not
 * NULL it receives what was found, for checks across sequence items.
 */
static void read_map(struct ctx *c, const struct table *t, struct fy_node *map,
		     struct pos at, void *base, struct item_src *src)
{
	struct item_src local;
	struct fy_node_pair *pair;
	void *it = NULL;

	if (!src)
		src = &local;
	memset(src, 0, sizeof(*src));
	src->map = map;
	if (map)
		at = pos_of(map);

	/* Pass 1: find the value of each known key. */
	while (map && (pair = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(pair);
		const char *s;
		size_t len;
		int i;

		if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k))
			continue;
		s = hf_yaml_text(k, &len);
		i = find_field(t, s, len);
		if (i < 0)
			continue;
		src->key[i] = k;
		src->val[i] = fy_node_pair_value(pair);
		src->present |= 1u << i;
	}

	/* Pass 2: read or default each field, in table order. */
	for (size_t i = 0; i < t->n; i++) {
		const struct field *f = &t->fields[i];
		uint32_t bit = 1u << i;

		if (!applies(c, f))
			continue;
		if ((src->present & bit) && is_null(src->val[i])) {
			src->present &= ~bit;
			if (f->required) {
				problem(c, pos_of(src->key[i]), "\"%s\" has no value", f->key);
				src->bad |= bit;
				continue;
			}
		}
		if (src->present & bit) {
			if (!read_value(c, f, src->val[i], base))
				src->bad |= bit;
		} else if (f->required) {
			problem(c, at, "%s is missing required key \"%s\"", t->noun, f->key);
			src->bad |= bit;
		} else if (f->type == F_MAP) {
			read_map(c, f->sub, NULL, at, base, NULL);
		} else if (f->def_fn) {
			f->def_fn(c, base, at);
		}
	}

	/* Pass 3: keys that are not in the table, or not for this variant. */
	it = NULL;
	while (map && (pair = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(pair);
		char known[200];
		const char *s;
		size_t len;
		int i;

		if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k)) {
			problem(c, k ? pos_of(k) : at, "keys %s must be plain words, got %s",
				t->where, describe(k).s);
			continue;
		}
		s = hf_yaml_text(k, &len);
		i = find_field(t, s, len);
		if (i < 0) {
			known_keys(c, t, known, sizeof(known));
			problem(c, pos_of(k), "unknown key %s %s (known: %s)", hf_yaml_quote(s, len).s,
				t->where, known);
		} else if (c->variant && !applies(c, &t->fields[i])) {
			problem(c, pos_of(k), "key \"%s\" does not apply to %s type %s",
				t->fields[i].key, t->noun, quote0(c->variant).s);
		}
	}

	if (t->check)
		t->check(c, base, src);
}

/* Uniqueness within a sequence: items sorted by one field's value. */
struct dup_sort {
	const struct field *f;
	const char *items;
	size_t item_size;
};

static const void *item_value(const struct dup_sort *d, size_t i)
{
	return d->items + i * d->item_size + d->f->off;
}

/* Compares two strings ignoring case and white space. */
static int fold_cmp(const char *a, const char *b)
{
	for (;;) {
		while (isspace((unsigned char)*a))
			a++;
		while (isspace((unsigned char)*b))
			b++;
		if (!*a || !*b || tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return tolower((unsigned char)*a) - tolower((unsigned char)*b);
		a++;
		b++;
	}
}

/* Orders items i and j by the field's value (ignoring case and spaces if
 * the field says so); 0 means a duplicate. */
static int value_cmp(const struct dup_sort *d, size_t i, size_t j)
{
	if (d->f->type == F_INT) {
		uint32_t x = *(const uint32_t *)item_value(d, i);
		uint32_t y = *(const uint32_t *)item_value(d, j);

		return (x > y) - (x < y);
	}
	if (d->f->fold)
		return fold_cmp(item_value(d, i), item_value(d, j));
	return strcmp(item_value(d, i), item_value(d, j));
}

static int dup_cmp(const void *a, const void *b, void *arg)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int r = value_cmp(arg, i, j);

	return r ? r : (i > j) - (i < j);
}

/* Position of field fi of one item: its value, or the item if not written. */
static struct pos item_field_pos(const struct item_src *s, size_t fi)
{
	if (s->present & (1u << fi))
		return pos_of(s->val[fi] ? s->val[fi] : s->key[fi]);
	return pos_of(s->map);
}

/* Reports item `again` as a duplicate of item `first` in field fi. */
static void report_dup(struct ctx *c, const struct table *t, size_t fi,
		       const struct dup_sort *d, const struct item_src *src,
		       size_t first, size_t again)
{
	const struct field *f = &t->fields[fi];
	char value[80], by[120] = "", hint[128] = "";
	int first_line = item_field_pos(&src[first], fi).line;

	if (f->type == F_INT)
		snprintf(value, sizeof(value), "%u", *(const uint32_t *)item_value(d, again));
	else
		snprintf(value, sizeof(value), "%s", quote0(item_value(d, again)).s);
	if (t->id_field >= 0 && (size_t)t->id_field != fi) {
		const struct field *idf = &t->fields[t->id_field];

		snprintf(by, sizeof(by), "used by %s %s ", t->owner,
			 quote0((const char *)d->items + first * d->item_size + idf->off).s);
	}
	if (f->type == F_STR && strcmp(item_value(d, first), item_value(d, again)) != 0)
		snprintf(hint, sizeof(hint), "; same as %s ignoring case and spaces",
			 quote0(item_value(d, first)).s);
	else if (!(src[again].present & (1u << fi)))
		snprintf(hint, sizeof(hint), "; set \"%s\" to tell them apart", f->key);
	problem(c, item_field_pos(&src[again], fi), "duplicate %s %s (first %sat line %d)%s",
		f->dup, value, by, first_line, hint);
}

/* Reports every repeated value of field fi among the items, each against
 * its first use. Sorting keeps it O(n log n) for large rosters. */
static void check_unique(struct ctx *c, const struct table *t, size_t fi, const void *items,
			 size_t item_size, const struct item_src *src, size_t n)
{
	const struct field *f = &t->fields[fi];
	struct dup_sort d = { f, items, item_size };
	size_t *idx, m = 0, run = 0;

	if (n < 2)
		return;
	idx = malloc(n * sizeof(*idx));
	if (!idx) {
		out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!src[i].map || (src[i].bad & (1u << fi)))
			continue;
		if (f->type == F_STR && *(const char *)item_value(&d, i) == '\0')
			continue;
		idx[m++] = i;
	}
	qsort_r(idx, m, sizeof(*idx), dup_cmp, &d);
	for (size_t k = 1; k < m; k++) {
		if (value_cmp(&d, idx[run], idx[k]) == 0)
			report_dup(c, t, fi, &d, src, idx[run], idx[k]);
		else
			run = k;
	}
	free(idx);
}

/*
 * Reads a sequence of mappings into a new array (stored in base at once, so
 * hf_config_destroy frees it whatever happens next). Each item starts from
 * the table's defaults. Items that are not mappings are reported and left
 * as defaults. Then fields marked dup are checked for uniqueness.
 */
static bool read_seq(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const struct table *t = f->sub;
	struct item_src *src;
	struct fy_node *item;
	void *items = NULL, *it = NULL;
	size_t n, i = 0;

	if (fy_node_get_type(v) != FYNT_SEQUENCE) {
		problem(c, pos_of(v), "\"%s\" must be a sequence, got %s", f->key, describe(v).s);
		return false;
	}
	n = (size_t)fy_node_sequence_item_count(v);
	if (n == 0) {
		if (f->nonempty) {
			problem(c, pos_of(v), "\"%s\" must list at least one %s", f->key, t->noun);
			return false;
		}
		return true;
	}
	items = calloc(n, f->size);
	src = calloc(n, sizeof(*src));
	if (!items || !src) {
		free(items);
		free(src);
		out_of_memory(c);
		return false;
	}
	memcpy(at_off(base, f->off), &items, sizeof(items));
	memcpy(at_off(base, f->count_off), &n, sizeof(n));

	while ((item = fy_node_sequence_iterate(v, &it)) && i < n) {
		void *one = (char *)items + i * f->size;

		apply_defaults(t, one);
		c->variant = NULL;
		if (fy_node_get_type(item) != FYNT_MAPPING) {
			problem(c, pos_of(item), "each %s must be a mapping, got %s", t->noun,
				describe(item).s);
		} else {
			read_map(c, t, item, pos_of(item), one, &src[i]);
		}
		c->variant = NULL;
		i++;
	}
	for (size_t fi = 0; fi < t->n; fi++)
		if (t->fields[fi].dup)
			check_unique(c, t, fi, items, f->size, src, n);
	free(src);
	return true;
}

/* ----------------------------------------------------------------------------
 * Validators (field.check): run after the type check, report, return false
 * ------------------------------------------------------------------------- */

static bool all_chars(const char *s, const char *extra, bool upper)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    (upper && ch >= 'A' && ch <= 'Z') || strchr(extra, ch))
			continue;
		return false;
	}
	return true;
}

/* Unit ids, adapter names, the gateway id, desks: [A-Za-z0-9_.-]+. */
static bool check_name(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);

	if (*s && all_chars(s, "_.-", true))
		return true;
	problem(c, pos_of(v), "\"%s\" may only contain letters, digits, '_', '.' and '-', got %s",
		f->key, quote0(s).s);
	return false;
}

/* Area ids appear in ZeroMQ topics (alert.<area>.<severity>): [a-z0-9_-]+. */
static bool check_topic_word(struct ctx *c, const struct field *f, struct fy_node *v,
			     void *base)
{
	const char *s = at_off(base, f->off);

	if (*s && all_chars(s, "_-", false))
		return true;
	problem(c, pos_of(v),
		"\"%s\" may only contain lowercase letters, digits, '_' and '-' "
		"(it is used in ZeroMQ topics), got %s", f->key, quote0(s).s);
	return false;
}

bool hf_endpoint_is_local(const char *ep)
{
	static const char *const local_hosts[] = { "127.", "localhost:", "[::1]:", "lo:" };
	const char *host;

	if (strncmp(ep, "ipc://", 6) == 0 || strncmp(ep, "inproc://", 9) == 0)
		return true;
	if (strncmp(ep, "tcp://", 6) != 0)
		return false;
	host = ep + 6;
	for (size_t i = 0; i < HF_ARRAY_SIZE(local_hosts); i++)
		if (strncmp(host, local_hosts[i], strlen(local_hosts[i])) == 0)
			return true;
	return false;
}

static bool endpoint_ok(const char *s)
{
	static const char *const schemes[] = { "tcp://", "ipc://", "inproc://" };

	for (size_t i = 0; i < HF_ARRAY_SIZE(schemes); i++)
		if (strncmp(s, schemes[i], strlen(schemes[i])) == 0 &&
		    s[strlen(schemes[i])] != '\0')
			return true;
	return false;
}

/* A ZeroMQ endpoint with a transport the gateway binds: tcp, ipc, inproc.
 * Without CURVE keys it must be local (hf_endpoint_is_local) unless
 * security.insecure says otherwise (security: is read before endpoints:). */
static bool check_endpoint(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);

	if (!endpoint_ok(s)) {
		problem(c, pos_of(v), "\"%s\" must be a ZeroMQ endpoint starting with tcp://, "
			"ipc:// or inproc://, got %s", f->key, quote0(s).s);
		return false;
	}
	if (!c->cfg->security.server_cert[0] && !c->cfg->security.insecure &&
	    !hf_endpoint_is_local(s)) {
		problem(c, pos_of(v), "\"%s\" binds %s, which is not loopback, without CURVE "
			"keys: anyone who can reach it could read alerts and send commands. Set "
			"security.server_cert and security.clients (see handoffctl keygen), or "
			"security.insecure: true to allow it on a trusted network", f->key,
			quote0(s).s);
		return false;
	}
	return true;
}

/* The ingest endpoint may be "" (off). */
static bool check_endpoint_or_off(struct ctx *c, const struct field *f, struct fy_node *v,
				  void *base)
{
	const char *s = at_off(base, f->off);

	if (*s == '\0')
		return true;
	return check_endpoint(c, f, v, base);
}

/* "host:port" with port 1..65535; an IPv6 host goes in brackets. */
static bool hostport_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	const char *p;
	unsigned long port = 0;

	if (!colon || colon == s || !colon[1])
		return false;
	for (p = colon + 1; *p; p++) {
		if (!isdigit((unsigned char)*p) || port > 65535)
			return false;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535)
		return false;
	if (s[0] == '[')
		return colon[-1] == ']' && colon - s > 2;
	for (p = s; p < colon; p++)
		if (*p == ':' || isspace((unsigned char)*p) || *p == '/')
			return false;
	return true;
}

/* Reports a value that is not "host:port". */
static bool check_hostport(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);

	if (hostport_ok(s))
		return true;
	problem(c, pos_of(v), "\"%s\" must be host:port with a port from 1 to 65535, got %s",
		f->key, quote0(s).s);
	return false;
}

/* True if the first n bytes of s are lowercase letters or digits. */
static bool all_chars_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* A host name or address for a TCP connection: no spaces, '/' or "host:port"
 * (the port has its own key); an IPv6 address is written bare. */
static bool check_host(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);
	bool ok = *s != '\0';

	for (const char *p = s; *p && ok; p++)
		if (isspace((unsigned char)*p) || *p == '/' || *p == '[' || *p == ']')
			ok = false;
	if (ok && strchr(s, ':') && strchr(s, ':') == strrchr(s, ':'))
		ok = false; /* one colon: "host:port"; IPv6 has at least two */
	if (ok)
		return true;
	problem(c, pos_of(v), "\"%s\" must be a host name or address without a port (set "
		"\"port\"), got %s", f->key, quote0(s).s);
	return false;
}

/* A device. gpsd: as gpsd names it, an absolute path or a source URL such
 * as tcp://host:port; no spaces or quotes (it goes into gpsd's JSON ?WATCH
 * command). tetra-pei: the serial port the gateway opens itself, an
 * absolute path without spaces. */
static bool check_device(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);
	const char *url = strstr(s, "://");
	bool ok;

	if (c->variant && strcmp(c->variant, "tetra-pei") == 0) {
		ok = s[0] == '/' && s[1] != '\0';
		for (const char *p = s; *p && ok; p++)
			if (isspace((unsigned char)*p))
				ok = false;
		if (ok)
			return true;
		problem(c, pos_of(v), "\"%s\" must be the absolute path of a serial port "
			"without spaces (e.g. /dev/ttyUSB0), got %s", f->key, quote0(s).s);
		return false;
	}
	ok = s[0] == '/' || (url && url > s && url[3] && all_chars_n(s, (size_t)(url - s)));

	for (const char *p = s; *p && ok; p++)
		if (isspace((unsigned char)*p) || *p == '"' || *p == '\\')
			ok = false;
	if (ok)
		return true;
	problem(c, pos_of(v), "\"%s\" must be an absolute device path or a gpsd source "
		"URL without spaces or quotes, as gpsd lists it (e.g. /dev/ttyUSB0, "
		"tcp://host:port), got %s", f->key, quote0(s).s);
	return false;
}

/* Serial rates termios names (B50 .. B4000000 on Linux). */
static const uint32_t serial_rates[] = {
	50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
	57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000,
	2000000, 2500000, 3000000, 3500000, 4000000,
};

/* A serial rate termios has a constant for; the message lists the usual ones. */
static bool check_baud(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	uint32_t b = *(const uint32_t *)at_off(base, f->off);

	for (size_t i = 0; i < HF_ARRAY_SIZE(serial_rates); i++)
		if (serial_rates[i] == b)
			return true;
	problem(c, pos_of(v), "\"%s\" must be a serial rate (e.g. 9600, 19200, 38400, 57600, "
		"115200; 50 to 4000000 as termios names them), got %u", f->key, b);
	return false;
}

/* Must be a known adapter type; then the type-specific keys of this entry
 * are judged against it (ctx.variant). "ingest" is not one: the gateway
 * makes that adapter from endpoints.ingest. */
static bool check_adapter_type(struct ctx *c, const struct field *f, struct fy_node *v,
			       void *base)
{
	const char *s = at_off(base, f->off);
	char known[160];
	size_t o = 0;

	if (strcmp(s, INGEST) == 0) {
		problem(c, pos_of(v), "the ingest adapter is not declared in adapters: "
			"set endpoints.ingest instead");
		return false;
	}
	if (!c->types) {
		c->variant = s;
		return true;
	}
	for (const char *const *t = c->types; *t; t++) {
		if (strcmp(*t, s) == 0) {
			c->variant = s;
			return true;
		}
	}
	known[0] = '\0';
	for (const char *const *t = c->types; *t && o < sizeof(known); t++)
		o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", o ? ", " : "", *t);
	problem(c, pos_of(v), "unknown adapter type %s (known: %s)", quote0(s).s,
		o ? known : "none");
	return false;
}

/* Makes a relative path absolute against the config file's directory. */
static bool resolve_path(struct ctx *c, char *path, size_t size, const char *key,
			 struct pos at)
{
	char tmp[HF_PATH_MAX];
	size_t dl = strlen(c->dir);
	int n;

	if (path[0] == '/' || dl == 0)
		return true;
	n = snprintf(tmp, sizeof(tmp), "%s%s%s", c->dir, c->dir[dl - 1] == '/' ? "" : "/", path);
	if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof(tmp)) {
		problem(c, at, "\"%s\" is too long once resolved against %s", key,
			quote0(c->dir).s);
		return false;
	}
	memcpy(path, tmp, (size_t)n + 1);
	return true;
}

/* Resolves a relative state_dir against the config file's directory. */
static bool check_state_dir(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	return resolve_path(c, at_off(base, f->off), f->size, f->key, pos_of(v));
}

/* A file path ("" = none), resolved against the config file's directory. */
static bool check_path(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	char *path = at_off(base, f->off);

	return !path[0] || resolve_path(c, path, f->size, f->key, pos_of(v));
}

static bool check_area_ref(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);

	if (hf_config_area(c->cfg, s))
		return true;
	problem(c, pos_of(v), "area %s is not declared in areas", quote0(s).s);
	return false;
}

/* A CURVE public key: 40 characters of Z85. */
static bool check_curve_key(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);

	if (hf_z85_key_valid(s))
		return true;
	problem(c, pos_of(v), "\"%s\" must be a CURVE public key: 40 characters of Z85 text "
		"(the public-key line of NAME.key from handoffctl keygen), got %s", f->key,
		quote0(s).s);
	return false;
}

/* Names a roster id ("" = none). */
static bool check_roster_ref(struct ctx *c, const struct field *f, struct fy_node *v,
			     void *base)
{
	const char *s = at_off(base, f->off);

	if (*s == '\0')
		return true;
	for (size_t i = 0; i < c->cfg->n_roster; i++)
		if (strcmp(c->cfg->roster[i].id, s) == 0)
			return true;
	problem(c, pos_of(v), "\"%s\" names unit %s, which is not on the roster", f->key,
		quote0(s).s);
	return false;
}

/* A callsign needs more than spaces (they are ignored when comparing). */
static bool check_callsign(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	const char *s = at_off(base, f->off);

	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return true;
	problem(c, pos_of(v), "\"%s\" must not be blank", f->key);
	return false;
}

static const char *const known_meanings[] = {
	"confrontation_likely", "constable_required", "detention_started",
	"detention_ended", "multi_party_dispute", "risk_of_harm", "serious_crime_link",
	"terrorism_suspected", "available", "on_patrol", "at_scene", "off_duty",
	"welfare_ok", "check_in", "emergency",
};

#define POWER_PREFIX "power_required:"

/* A status meaning: one of known_meanings or power_required:<power> with
 * <power> in [a-z0-9_]+. Reports at v and returns false otherwise. */
static bool meaning_ok(struct ctx *c, struct fy_node *v, const char *s)
{
	size_t pl = strlen(POWER_PREFIX);

	for (size_t i = 0; i < HF_ARRAY_SIZE(known_meanings); i++)
		if (strcmp(s, known_meanings[i]) == 0)
			return true;
	if (strncmp(s, POWER_PREFIX, pl) == 0) {
		if (s[pl] && all_chars(s + pl, "_", false))
			return true;
		problem(c, pos_of(v), "the power in %s must be lowercase letters, digits and '_'",
			quote0(s).s);
		return false;
	}
	problem(c, pos_of(v), "unknown status meaning %s", quote0(s).s);
	return false;
}

/* Reads a meaning string (status_map value, available_statuses item). */
static bool read_meaning(struct ctx *c, const char *what, struct fy_node *v, char *dst)
{
	struct field f = { .key = what, .nonempty = true };

	if (!read_str(c, &f, v, dst, HF_NAME_MAX))
		return false;
	return meaning_ok(c, v, dst);
}

/* ----------------------------------------------------------------------------
 * Defaults that depend on other keys (field.def_fn)
 * ------------------------------------------------------------------------- */

/* The default state_dir, resolved like a written one. */
static void def_state_dir(struct ctx *c, void *base, struct pos at)
{
	struct hf_config *cfg = base;

	resolve_path(c, cfg->gateway.state_dir, sizeof(cfg->gateway.state_dir), "state_dir", at);
}

/* An adapter is named after its type unless it says otherwise. */
static void def_adapter_name(struct ctx *c, void *base, struct pos at)
{
	struct hf_adapter_config *a = base;

	hf_strlcpy(a->name, a->type, sizeof(a->name));
}

/* An area's name defaults to its id. */
static void def_area_name(struct ctx *c, void *base, struct pos at)
{
	struct hf_area_config *a = base;

	hf_strlcpy(a->name, a->id, sizeof(a->name));
}

/* An area's desk defaults to "desk-<id>", if that fits. */
static void def_area_desk(struct ctx *c, void *base, struct pos at)
{
	struct hf_area_config *a = base;
	char desk[sizeof(a->id) + 8];

	snprintf(desk, sizeof(desk), "desk-%s", a->id);
	if (!hf_strlcpy(a->desk, desk, sizeof(a->desk)))
		problem(c, at, "the default desk %s is longer than %zu bytes; set \"desk\"",
			quote0(desk).s, sizeof(a->desk) - 1);
}

/* No areas: one area "default" with its default name and desk. */
static void def_areas(struct ctx *c, void *base, struct pos at)
{
	struct hf_config *cfg = base;

	cfg->areas = calloc(1, sizeof(*cfg->areas));
	if (!cfg->areas) {
		out_of_memory(c);
		return;
	}
	cfg->n_areas = 1;
	hf_strlcpy(cfg->areas[0].id, "default", sizeof(cfg->areas[0].id));
	def_area_name(c, &cfg->areas[0], at);
	def_area_desk(c, &cfg->areas[0], at);
}

/* default_area defaults to the first area. */
static void def_default_area(struct ctx *c, void *base, struct pos at)
{
	struct hf_config *cfg = base;

	if (cfg->n_areas > 0)
		hf_strlcpy(cfg->default_area, cfg->areas[0].id, sizeof(cfg->default_area));
}

/* A unit without an area belongs to default_area. */
static void def_roster_area(struct ctx *c, void *base, struct pos at)
{
	struct hf_roster_entry *r = base;

	hf_strlcpy(r->area, c->cfg->default_area, sizeof(r->area));
}

/* The simulator serves PEI where the first tetra-pei adapter connects. */
static void def_sim_listen(struct ctx *c, void *base, struct pos at)
{
	struct hf_config *cfg = base;
	const struct hf_adapter_config *a = hf_config_adapter_of_type(cfg, "tetra-pei");

	if (a && a->connect[0])
		hf_strlcpy(cfg->sim.listen, a->connect, sizeof(cfg->sim.listen));
}

/* The demo emergency is pressed by the first PCSO on the roster. */
static void def_sim_unit(struct ctx *c, void *base, struct pos at)
{
	struct hf_config *cfg = base;

	for (size_t i = 0; i < cfg->n_roster; i++) {
		if (cfg->roster[i].role == HF_ROLE_PCSO) {
			hf_strlcpy(cfg->sim.emergency_unit, cfg->roster[i].id,
				   sizeof(cfg->sim.emergency_unit));
			return;
		}
	}
}

/* ----------------------------------------------------------------------------
 * Readers for the shapes that are not a mapping of scalars (F_CUSTOM)
 * ------------------------------------------------------------------------- */

/* status_map: {code: meaning}. Codes are integers (decimal or 0x hex) in the
 * user range, unique by value (32768 and 0x8000 are the same code). */
static bool parse_status_map(struct ctx *c, const struct field *f, struct fy_node *v,
			     void *base)
{
	struct hf_config *cfg = base;
	struct fy_node **first; /* by code - STATUS_USER_MIN: the key that used it */
	struct fy_node_pair *pair;
	void *it = NULL;
	size_t n;
	bool ok = true;

	if (fy_node_get_type(v) != FYNT_MAPPING) {
		problem(c, pos_of(v), "\"%s\" must be a mapping of status code to meaning, got %s",
			f->key, describe(v).s);
		return false;
	}
	n = (size_t)fy_node_mapping_item_count(v);
	if (n == 0)
		return true;
	cfg->status_map = calloc(n, sizeof(*cfg->status_map));
	first = calloc(STATUS_USER_MAX - STATUS_USER_MIN + 1, sizeof(*first));
	if (!cfg->status_map || !first) {
		free(first);
		out_of_memory(c);
		return false;
	}
	while ((pair = fy_node_mapping_iterate(v, &it)) && cfg->n_status < n) {
		struct fy_node *k = fy_node_pair_key(pair), *m = fy_node_pair_value(pair);
		struct hf_status_entry *e = &cfg->status_map[cfg->n_status];
		unsigned long long code;
		bool neg;
		const char *s;
		size_t len;
		int rc = scalar_int(k, &code, &neg);

		s = hf_yaml_text(k, &len);
		if (rc == -1) {
			problem(c, k ? pos_of(k) : pos_of(v),
				"status code must be an integer, got %s", describe(k).s);
			ok = false;
			continue;
		}
		if (rc == -2 || (neg && code) || code < STATUS_USER_MIN || code > STATUS_USER_MAX) {
			problem(c, pos_of(k), "status code %.*s is outside the user range %d-%d",
				(int)(len > 40 ? 40 : len), s, STATUS_USER_MIN, STATUS_USER_MAX);
			ok = false;
			continue;
		}
		if (first[code - STATUS_USER_MIN]) {
			problem(c, pos_of(k), "duplicate status code %llu (first at line %d)", code,
				pos_of(first[code - STATUS_USER_MIN]).line);
			ok = false;
			continue;
		}
		first[code - STATUS_USER_MIN] = k;
		if (is_null(m)) {
			problem(c, pos_of(k), "status code %llu has no meaning", code);
			ok = false;
			continue;
		}
		if (!read_meaning(c, "meaning", m, e->meaning)) {
			ok = false;
			continue;
		}
		e->code = (uint16_t)code;
		cfg->n_status++;
	}
	free(first);
	return ok;
}

/* rules.available_statuses: 1..HF_AVAILABLE_MAX status meanings. */
static bool parse_available(struct ctx *c, const struct field *f, struct fy_node *v,
			    void *base)
{
	struct hf_config *cfg = base;
	struct fy_node *item;
	void *it = NULL;
	bool ok = true;

	if (fy_node_get_type(v) != FYNT_SEQUENCE) {
		problem(c, pos_of(v), "\"%s\" must be a sequence of status meanings, got %s",
			f->key, describe(v).s);
		return false;
	}
	cfg->rules.n_available = 0;
	while ((item = fy_node_sequence_iterate(v, &it))) {
		if (cfg->rules.n_available == HF_AVAILABLE_MAX) {
			problem(c, pos_of(item), "\"%s\" lists more than %d meanings", f->key,
				HF_AVAILABLE_MAX);
			return false;
		}
		if (read_meaning(c, f->key, item, cfg->rules.available[cfg->rules.n_available]))
			cfg->rules.n_available++;
		else
			ok = false;
	}
	if (ok && cfg->rules.n_available == 0) {
		problem(c, pos_of(v), "\"%s\" must list at least one status meaning", f->key);
		return false;
	}
	return ok;
}

/* sim.center: [lat, lon] in degrees. */
static bool parse_center(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	static const struct field parts[2] = {
		{ .key = "center latitude", .min = -90, .max = 90 },
		{ .key = "center longitude", .min = -180, .max = 180 },
	};
	struct hf_config *cfg = base;
	double *dst[2] = { &cfg->sim.center_lat, &cfg->sim.center_lon };
	struct fy_node *item;
	void *it = NULL;
	bool ok = true;

	if (fy_node_get_type(v) != FYNT_SEQUENCE) {
		problem(c, pos_of(v), "\"%s\" must be [latitude, longitude], got %s", f->key,
			describe(v).s);
		return false;
	}
	if (fy_node_sequence_item_count(v) != 2) {
		problem(c, pos_of(v), "\"%s\" must be [latitude, longitude], got %d numbers",
			f->key, fy_node_sequence_item_count(v));
		return false;
	}
	for (int i = 0; i < 2 && (item = fy_node_sequence_iterate(v, &it)); i++)
		ok = read_number(c, &parts[i], item, dst[i]) && ok;
	return ok;
}

/* A rule's `tiers:` (F_CUSTOM at f->off = its struct hf_escalation_config):
 * a sequence of at most HF_TIERS_MAX mappings read with tier_table. */
static const struct table tier_table;

static bool parse_tiers(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	struct hf_escalation_config *esc = at_off(base, f->off);
	struct fy_node *item;
	void *it = NULL;
	bool ok = true;

	if (fy_node_get_type(v) != FYNT_SEQUENCE) {
		problem(c, pos_of(v), "\"%s\" must be a sequence of tiers, got %s", f->key,
			describe(v).s);
		return false;
	}
	esc->n_tiers = 0;
	while ((item = fy_node_sequence_iterate(v, &it))) {
		struct hf_tier_config *t = &esc->tiers[esc->n_tiers];
		struct item_src src;

		if (esc->n_tiers == HF_TIERS_MAX) {
			problem(c, pos_of(item), "\"%s\" lists more than %d tiers", f->key,
				HF_TIERS_MAX);
			return false;
		}
		if (fy_node_get_type(item) != FYNT_MAPPING) {
			problem(c, pos_of(item), "each tier must be a mapping (after_s:, "
				"constables:, ...), got %s", describe(item).s);
			ok = false;
			continue;
		}
		memset(t, 0, sizeof *t);
		apply_defaults(&tier_table, t);
		read_map(c, &tier_table, item, pos_of(item), t, &src);
		ok = ok && !src.bad;
		esc->n_tiers++;
	}
	return ok;
}

/* Powers the Terrorism Act 2000 confers (ss. 43, 43A, 47A stop and search,
 * s. 44 (repealed), Schedule 7 port examination, s. 41 arrest): never
 * designable to a PCSO. Matched as a prefix of the power's name. */
static const char *const terrorism_powers[] = {
	"terrorism", "tact", "section_41", "section_43", "section_44", "section_47a", "schedule_7",
};

bool hf_power_is_terrorism(const char *power)
{
	for (size_t i = 0; i < HF_ARRAY_SIZE(terrorism_powers); i++)
		if (strncmp(power, terrorism_powers[i], strlen(terrorism_powers[i])) == 0)
			return true;
	return false;
}

/* rules.designated_powers: power names (lowercase, digits, '_'), never a
 * Terrorism Act power. */
static bool parse_powers(struct ctx *c, const struct field *f, struct fy_node *v, void *base)
{
	struct hf_config *cfg = base;
	struct fy_node *item;
	void *it = NULL;
	bool ok = true;

	if (fy_node_get_type(v) != FYNT_SEQUENCE) {
		problem(c, pos_of(v), "\"%s\" must be a sequence of power names, got %s", f->key,
			describe(v).s);
		return false;
	}
	cfg->rules.n_powers = 0;
	while ((item = fy_node_sequence_iterate(v, &it))) {
		char *dst = cfg->rules.powers[cfg->rules.n_powers];
		static const struct field power = { .key = "power", .size = HF_NAME_MAX };

		if (cfg->rules.n_powers == HF_POWERS_MAX) {
			problem(c, pos_of(item), "\"%s\" lists more than %d powers", f->key,
				HF_POWERS_MAX);
			return false;
		}
		if (!read_str(c, &power, item, dst, HF_NAME_MAX)) {
			ok = false;
			continue;
		}
		if (!dst[0] || !all_chars(dst, "_", false)) {
			problem(c, pos_of(item), "power %s must be lowercase letters, digits and '_'",
				quote0(dst).s);
			ok = false;
			continue;
		}
		if (hf_power_is_terrorism(dst)) {
			problem(c, pos_of(item), "power %s is a Terrorism Act 2000 power, which can "
				"never be designated to PCSOs", quote0(dst).s);
			ok = false;
			continue;
		}
		cfg->rules.n_powers++;
	}
	return ok;
}

/* ----------------------------------------------------------------------------
 * Checks across keys of one mapping (table.check)
 * ------------------------------------------------------------------------- */

/* publish, command and ingest must be three different endpoints. */
static void check_endpoints(struct ctx *c, void *base, const struct item_src *src)
{
	struct hf_config *cfg = base;
	const char *names[3] = { "publish", "command", "ingest" };
	const char *vals[3] = { cfg->endpoints.publish, cfg->endpoints.command,
				cfg->endpoints.ingest };

	for (int j = 1; j < 3; j++) {
		for (int i = 0; i < j; i++) {
			struct fy_node *at;

			if (!vals[j][0] || strcmp(vals[i], vals[j]) != 0 ||
			    (src->bad & ((1u << i) | (1u << j))))
				continue;
			at = (src->present & (1u << j)) ? src->val[j] : src->val[i];
			problem(c, at ? pos_of(at) : pos_of(src->map),
				"endpoints \"%s\" and \"%s\" are both %s; each needs its own",
				names[i], names[j], quote0(vals[j]).s);
		}
	}
}

/* server_cert and clients come together: keys without a list of who may
 * connect (or the reverse) would be a half-configured door. */
static void check_security(struct ctx *c, void *base, const struct item_src *src)
{
	struct hf_config *cfg = base;
	enum { SERVER_CERT = 0, CLIENTS = 1 }; /* field indexes in security_fields */
	bool cert = cfg->security.server_cert[0], clients = cfg->security.clients_path[0];

	if (cert && !clients)
		problem(c, pos_of(src->val[SERVER_CERT]), "\"server_cert\" needs \"clients\" too: "
			"the keys file saying whose keys may connect, with which role");
	if (clients && !cert)
		problem(c, pos_of(src->val[CLIENTS]), "\"clients\" needs \"server_cert\" too: "
			"the gateway's own key pair (handoffctl keygen server)");
}

/* A constable's key names their roster unit, so they accept only their own
 * assignments; only a constable's key names one. */
static void check_client(struct ctx *c, void *base, const struct item_src *src)
{
	struct hf_client_key *k = base;
	enum { NAME = 0, ROLE = 1, UNIT = 3 }; /* field indexes in client_fields */

	k->line = pos_of(src->map).line;
	if (src->bad & (1u << ROLE))
		return;
	if (k->role == HF_CLIENT_CONSTABLE && !(src->present & (1u << UNIT)))
		problem(c, pos_of(src->map), "a constable's key needs \"unit\": their roster id, "
			"so that they accept and arrive only on their own assignments");
	if (k->role != HF_CLIENT_CONSTABLE && (src->present & (1u << UNIT)))
		problem(c, pos_of(src->val[UNIT]), "\"unit\" applies only to a constable's key");
}

/* The keys a tetra-pei needs: exactly one of connect (TCP) and device
 * (serial); baud only with device. gpsd needs device. */
static void check_link_keys(struct ctx *c, struct hf_adapter_config *a,
			    const struct item_src *src)
{
	enum { CONNECT = 2, DEVICE = 7, BAUD = 9 }; /* field indexes in adapter_fields */
	uint32_t written = src->present | src->bad;
	bool conn = written & (1u << CONNECT), dev = written & (1u << DEVICE);

	if (strcmp(c->variant, "gpsd") == 0) {
		if (!dev)
			problem(c, pos_of(src->map), "adapter is missing required key \"device\"");
		return;
	}
	if (strcmp(c->variant, "tetra-pei") != 0)
		return;
	if (!conn && !dev)
		problem(c, pos_of(src->map), "a tetra-pei adapter needs \"connect\" (host:port, "
			"over TCP) or \"device\" (a serial port)");
	if (conn && dev)
		problem(c, pos_of(src->key[DEVICE]), "\"connect\" and \"device\" are "
			"alternatives: set one (connect is at line %d)",
			pos_of(src->key[CONNECT]).line);
	if ((written & (1u << BAUD)) && !dev)
		problem(c, pos_of(src->key[BAUD]), "\"baud\" applies only to a serial port "
			"(\"device\")");
	if (conn && !dev)
		a->device[0] = '\0';
}

/* reconnect_max_ms >= reconnect_min_ms; the name "ingest" is the ingest
 * endpoint's while it is on; the link keys of its type (check_link_keys);
 * remembers the entry's line. */
static void check_adapter(struct ctx *c, void *base, const struct item_src *src)
{
	struct hf_adapter_config *a = base;
	enum { NAME = 1, RMIN = 3, RMAX = 4 }; /* field indexes in adapter_fields */

	if (c->variant)
		check_link_keys(c, a, src);

	a->line = pos_of(src->map).line;
	if (strcmp(a->name, INGEST) == 0 && c->cfg->endpoints.ingest[0] &&
	    !(src->bad & (1u << NAME)) && (src->present & (1u << NAME)))
		problem(c, pos_of(src->val[NAME]), "adapter name \"%s\" is taken by the ingest "
			"endpoint (endpoints.ingest)", INGEST);
	if (a->reconnect_max_ms < a->reconnect_min_ms &&
	    !(src->bad & ((1u << RMIN) | (1u << RMAX)))) {
		struct fy_node *at = (src->present & (1u << RMAX)) ? src->val[RMAX] :
								     src->val[RMIN];

		problem(c, at ? pos_of(at) : pos_of(src->map),
			"\"reconnect_max_ms\" (%u) must not be less than \"reconnect_min_ms\" (%u)",
			a->reconnect_max_ms, a->reconnect_min_ms);
	}
}

/* ----------------------------------------------------------------------------
 * The schema
 * ------------------------------------------------------------------------- */

#define AT(type, m) .off = offsetof(type, m), .size = sizeof(((type *)0)->m)
#define CFG(m) AT(struct hf_config, m)

static const struct word log_levels[] = {
	{ "err", HF_LOG_ERR }, { "warn", HF_LOG_WARN }, { "notice", HF_LOG_NOTICE },
	{ "info", HF_LOG_INFO }, { "debug", HF_LOG_DEBUG }, { NULL, 0 },
};

static const struct word roles[] = {
	{ "pcso", HF_ROLE_PCSO }, { "constable", HF_ROLE_CONSTABLE },
	{ "supervisor", HF_ROLE_SUPERVISOR }, { NULL, 0 },
};

static const struct word booleans[] = {
	{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 }, { NULL, 0 },
};

static const struct word severities[] = {
	{ "warning", 2 }, { "high", 3 }, { "critical", 4 }, { NULL, 0 },
};

static const struct field gateway_fields[] = {
	{ .key = "id", .type = F_STR, CFG(gateway.id), .def_s = "handoff", .check = check_name },
	{ .key = "state_dir", .type = F_STR, CFG(gateway.state_dir), .nonempty = true,
	  .def_s = "state", .def_fn = def_state_dir, .check = check_state_dir },
	{ .key = "heartbeat_ms", .type = F_INT, CFG(gateway.heartbeat_ms), .def_n = 1000,
	  .min = 100, .max = 60000 },
	{ .key = "unit_publish_ms", .type = F_INT, CFG(gateway.unit_publish_ms), .def_n = 500,
	  .min = 0, .max = 60000 },
	{ .key = "retain_days", .type = F_NUM, CFG(gateway.retain_days), .def_n = 90,
	  .min = 0, .max = 36500 },
	{ .key = "log_level", .type = F_ENUM, CFG(gateway.log_level), .def_n = HF_LOG_INFO,
	  .words = log_levels },
};

static const struct word client_roles[] = {
	{ "dispatcher", HF_CLIENT_DISPATCHER }, { "supervisor", HF_CLIENT_SUPERVISOR },
	{ "constable", HF_CLIENT_CONSTABLE }, { "cad", HF_CLIENT_CAD },
	{ "adapter", HF_CLIENT_ADAPTER }, { "admin", HF_CLIENT_ADMIN }, { NULL, 0 },
};

static const struct field limits_fields[] = {
	{ .key = "max_command_bytes", .type = F_INT, CFG(security.limits.max_command_bytes),
	  .def_n = 16384, .min = 256, .max = 1048576 },
	{ .key = "max_ingest_bytes", .type = F_INT, CFG(security.limits.max_ingest_bytes),
	  .def_n = 65536, .min = 256, .max = 1048576 },
	{ .key = "commands_per_s", .type = F_NUM, CFG(security.limits.commands_per_s),
	  .def_n = 20, .min = 0, .max = 1e9 },
	{ .key = "commands_burst", .type = F_NUM, CFG(security.limits.commands_burst),
	  .def_n = 40, .min = 1, .max = 1e9 },
	{ .key = "ingest_per_s", .type = F_NUM, CFG(security.limits.ingest_per_s),
	  .def_n = 5000, .min = 0, .max = 1e9 },
	{ .key = "ingest_burst", .type = F_NUM, CFG(security.limits.ingest_burst),
	  .def_n = 10000, .min = 1, .max = 1e9 },
};

static const struct table limits_table = {
	.noun = "security.limits", .where = "in security.limits", .id_field = -1,
	.fields = limits_fields, .n = HF_ARRAY_SIZE(limits_fields),
};

/* Field order matters to check_security: SERVER_CERT, CLIENTS. */
static const struct field security_fields[] = {
	{ .key = "server_cert", .type = F_STR, CFG(security.server_cert), .def_s = "",
	  .check = check_path },
	{ .key = "clients", .type = F_STR, CFG(security.clients_path), .def_s = "",
	  .check = check_path },
	{ .key = "insecure", .type = F_ENUM, CFG(security.insecure), .def_n = 0,
	  .words = booleans },
	{ .key = "limits", .type = F_MAP, .sub = &limits_table },
};

static const struct field client_fields[] = {
	{ .key = "name", .type = F_STR, AT(struct hf_client_key, name), .required = true,
	  .check = check_name, .dup = "client name" },
	{ .key = "role", .type = F_ENUM, AT(struct hf_client_key, role), .required = true,
	  .words = client_roles },
	{ .key = "key", .type = F_STR, AT(struct hf_client_key, key), .required = true,
	  .check = check_curve_key, .dup = "public key" },
	{ .key = "unit", .type = F_STR, AT(struct hf_client_key, unit), .def_s = "",
	  .check = check_roster_ref },
};

/* Field order matters to check_endpoints: publish, command, ingest. */
static const struct field endpoint_fields[] = {
	{ .key = "publish", .type = F_STR, CFG(endpoints.publish),
	  .def_s = "tcp://127.0.0.1:7701", .check = check_endpoint },
	{ .key = "command", .type = F_STR, CFG(endpoints.command),
	  .def_s = "tcp://127.0.0.1:7702", .check = check_endpoint },
	{ .key = "ingest", .type = F_STR, CFG(endpoints.ingest),
	  .def_s = "tcp://127.0.0.1:7703", .check = check_endpoint_or_off },
};

/* Field order matters to check_adapter (MIN, MAX), check_link_keys
 * (CONNECT, DEVICE, BAUD) and def_adapter_name. */
static const struct field adapter_fields[] = {
	{ .key = "type", .type = F_STR, AT(struct hf_adapter_config, type), .required = true,
	  .nonempty = true, .check = check_adapter_type },
	{ .key = "name", .type = F_STR, AT(struct hf_adapter_config, name),
	  .def_fn = def_adapter_name, .check = check_name, .dup = "adapter name" },
	{ .key = "connect", .type = F_STR, AT(struct hf_adapter_config, connect),
	  .only_for = "tetra-pei", .nonempty = true, .check = check_hostport },
	{ .key = "reconnect_min_ms", .type = F_INT, AT(struct hf_adapter_config, reconnect_min_ms),
	  .def_n = 250, .min = 10, .max = 60000 },
	{ .key = "reconnect_max_ms", .type = F_INT, AT(struct hf_adapter_config, reconnect_max_ms),
	  .def_n = 10000, .min = 10, .max = 300000 },
	{ .key = "host", .type = F_STR, AT(struct hf_adapter_config, host), .only_for = "gpsd",
	  .nonempty = true, .def_s = "127.0.0.1", .check = check_host },
	{ .key = "port", .type = F_INT, AT(struct hf_adapter_config, port), .only_for = "gpsd",
	  .def_n = 2947, .min = 1, .max = 65535 },
	{ .key = "device", .type = F_STR, AT(struct hf_adapter_config, device),
	  .only_for = "gpsd tetra-pei", .nonempty = true, .check = check_device },
	{ .key = "unit", .type = F_STR, AT(struct hf_adapter_config, unit), .only_for = "gpsd",
	  .required = true, .nonempty = true, .check = check_roster_ref },
	{ .key = "baud", .type = F_INT, AT(struct hf_adapter_config, baud),
	  .only_for = "tetra-pei", .def_n = 9600, .min = 1, .max = 4000000,
	  .check = check_baud },
	{ .key = "liveness_ms", .type = F_INT, AT(struct hf_adapter_config, liveness_ms),
	  .only_for = "tetra-pei", .def_n = 30000, .min = 0, .max = 3600000 },
	{ .key = "command_timeout_ms", .type = F_INT,
	  AT(struct hf_adapter_config, command_timeout_ms), .only_for = "tetra-pei",
	  .def_n = 5000, .min = 50, .max = 600000 },
};

static const struct field area_fields[] = {
	{ .key = "id", .type = F_STR, AT(struct hf_area_config, id), .required = true,
	  .check = check_topic_word, .dup = "area id" },
	{ .key = "name", .type = F_STR, AT(struct hf_area_config, name), .nonempty = true,
	  .def_fn = def_area_name },
	{ .key = "desk", .type = F_STR, AT(struct hf_area_config, desk), .def_fn = def_area_desk,
	  .check = check_name },
	{ .key = "team", .type = F_STR, AT(struct hf_area_config, team), .def_s = "" },
};

static const struct field roster_fields[] = {
	{ .key = "id", .type = F_STR, AT(struct hf_roster_entry, id), .required = true,
	  .check = check_name, .dup = "unit id" },
	{ .key = "issi", .type = F_INT, AT(struct hf_roster_entry, issi), .required = true,
	  .min = 1, .max = ISSI_MAX, .dup = "ISSI" },
	{ .key = "callsign", .type = F_STR, AT(struct hf_roster_entry, callsign), .required = true,
	  .nonempty = true, .check = check_callsign, .dup = "callsign", .fold = true },
	{ .key = "role", .type = F_ENUM, AT(struct hf_roster_entry, role), .required = true,
	  .words = roles },
	{ .key = "team", .type = F_STR, AT(struct hf_roster_entry, team), .def_s = "" },
	{ .key = "area", .type = F_STR, AT(struct hf_roster_entry, area), .def_fn = def_roster_area,
	  .check = check_area_ref },
	{ .key = "lone_patrol", .type = F_ENUM, AT(struct hf_roster_entry, lone_patrol),
	  .def_n = 0, .words = booleans },
};

static const struct field tier_fields[] = {
	{ .key = "after_s", .type = F_SECS, AT(struct hf_tier_config, after_ms), .required = true,
	  .min = 1, .max = 86400 },
	{ .key = "constables", .type = F_INT, AT(struct hf_tier_config, constables), .def_n = 3,
	  .min = 0, .max = 16 },
	{ .key = "radius_m", .type = F_NUM, AT(struct hf_tier_config, radius_m), .def_n = 5000,
	  .min = 0, .min_excl = true, .max = HUGE_VAL },
	{ .key = "supervisor", .type = F_ENUM, AT(struct hf_tier_config, supervisor), .def_n = 1,
	  .words = booleans },
};

static const struct table tier_table = {
	.noun = "tier", .where = "in tier", .id_field = -1,
	.fields = tier_fields, .n = HF_ARRAY_SIZE(tier_fields),
};

/* The keys every rule's escalation has (struct hf_escalation_config at m),
 * with that rule's defaults for tier 0. */
#define ESCALATION_FIELDS(m, k, r, sup)                                                   \
	{ .key = "constables", .type = F_INT, CFG(m.constables), .def_n = k, .min = 0,      \
	  .max = 16 },                                                                       \
	{ .key = "radius_m", .type = F_NUM, CFG(m.radius_m), .def_n = r, .min = 0,          \
	  .min_excl = true, .max = HUGE_VAL },                                               \
	{ .key = "supervisor", .type = F_ENUM, CFG(m.supervisor), .def_n = sup,             \
	  .words = booleans },                                                               \
	{ .key = "tiers", .type = F_CUSTOM, .off = offsetof(struct hf_config, m),           \
	  .parse = parse_tiers },                                                            \
	{ .key = "ack_timeout_s", .type = F_SECS, CFG(m.ack_timeout_ms), .def_n = 300,      \
	  .min = 0, .max = 86400 },                                                          \
	{ .key = "max_repeats", .type = F_INT, CFG(m.max_repeats), .def_n = 3, .min = 0,    \
	  .max = 100 }

static const struct field rules_emergency_fields[] = {
	ESCALATION_FIELDS(rules.emergency, 3, 5000, 0),
};

static const struct field rules_handoff_fields[] = {
	{ .key = "severity", .type = F_ENUM, CFG(rules.handoff.severity), .def_n = 3,
	  .words = severities },
	ESCALATION_FIELDS(rules.handoff, 2, 3000, 0),
};

static const struct field rules_detention_fields[] = {
	{ .key = "warn_after_min", .type = F_MINS, CFG(rules.detention.warn_ms), .def_n = 20,
	  .min = 1, .max = 1440 },
	{ .key = "limit_min", .type = F_MINS, CFG(rules.detention.limit_ms), .def_n = 30,
	  .min = 1, .max = 1440 },
	ESCALATION_FIELDS(rules.detention.esc, 2, 3000, 0),
};

static const struct field rules_welfare_fields[] = {
	{ .key = "amber_after_min", .type = F_MINS, CFG(rules.welfare.amber_ms), .def_n = 20,
	  .min = 0, .max = 1440 },
	{ .key = "red_after_min", .type = F_MINS, CFG(rules.welfare.red_ms), .def_n = 10,
	  .min = 1, .max = 1440 },
	ESCALATION_FIELDS(rules.welfare.esc, 2, 3000, 1),
};

static void check_detention(struct ctx *c, void *base, const struct item_src *src)
{
	struct hf_config *cfg = base;

	if (!src->bad && cfg->rules.detention.warn_ms >= cfg->rules.detention.limit_ms)
		problem(c, src->key[0] ? pos_of(src->key[0]) : (struct pos){ 0, 0 },
			"detention warn_after_min must be less than limit_min");
}

static const struct table rules_emergency_table = {
	.noun = "rules.emergency", .where = "in rules.emergency", .id_field = -1,
	.fields = rules_emergency_fields, .n = HF_ARRAY_SIZE(rules_emergency_fields),
};

static const struct table rules_handoff_table = {
	.noun = "rules.handoff", .where = "in rules.handoff", .id_field = -1,
	.fields = rules_handoff_fields, .n = HF_ARRAY_SIZE(rules_handoff_fields),
};

static const struct table rules_detention_table = {
	.noun = "rules.detention", .where = "in rules.detention", .id_field = -1,
	.fields = rules_detention_fields, .n = HF_ARRAY_SIZE(rules_detention_fields),
	.check = check_detention,
};

static const struct table rules_welfare_table = {
	.noun = "rules.welfare", .where = "in rules.welfare", .id_field = -1,
	.fields = rules_welfare_fields, .n = HF_ARRAY_SIZE(rules_welfare_fields),
};

static const struct field rules_fields[] = {
	{ .key = "available_statuses", .type = F_CUSTOM, .parse = parse_available },
	{ .key = "stale_fix_s", .type = F_INT, CFG(rules.stale_fix_s), .def_n = 300,
	  .min = 1, .max = 86400 },
	{ .key = "on_scene_radius_m", .type = F_NUM, CFG(rules.on_scene_radius_m), .def_n = 50,
	  .min = 0, .min_excl = true, .max = 100000 },
	{ .key = "confirm_sds", .type = F_ENUM, CFG(rules.confirm_sds), .def_n = 1,
	  .words = booleans },
	{ .key = "designated_powers", .type = F_CUSTOM, .parse = parse_powers },
	{ .key = "emergency", .type = F_MAP, .sub = &rules_emergency_table },
	{ .key = "handoff", .type = F_MAP, .sub = &rules_handoff_table },
	{ .key = "detention", .type = F_MAP, .sub = &rules_detention_table },
	{ .key = "welfare", .type = F_MAP, .sub = &rules_welfare_table },
};

static const struct field sim_emergency_fields[] = {
	{ .key = "unit", .type = F_STR, CFG(sim.emergency_unit), .def_s = "",
	  .def_fn = def_sim_unit, .check = check_roster_ref },
	{ .key = "after_s", .type = F_SECS, CFG(sim.emergency_after_ms), .def_n = 8,
	  .min = 0, .max = 86400 },
	{ .key = "repeat_after_s", .type = F_SECS, CFG(sim.emergency_repeat_ms), .def_n = 20,
	  .min = 0, .max = 86400 },
};

static const struct table sim_emergency_table = {
	.noun = "sim.emergency", .where = "in sim.emergency", .id_field = -1,
	.fields = sim_emergency_fields, .n = HF_ARRAY_SIZE(sim_emergency_fields),
};

static const struct field sim_fields[] = {
	{ .key = "listen", .type = F_STR, CFG(sim.listen), .def_s = "127.0.0.1:7710",
	  .def_fn = def_sim_listen, .check = check_hostport },
	{ .key = "center", .type = F_CUSTOM, .parse = parse_center },
	{ .key = "radius_m", .type = F_NUM, CFG(sim.radius_m), .def_n = 1200,
	  .min = 0, .min_excl = true, .max = HUGE_VAL },
	{ .key = "report_interval_ms", .type = F_INT, CFG(sim.report_interval_ms),
	  .def_n = 3000, .min = 100, .max = 600000 },
	{ .key = "report_jitter_ms", .type = F_INT, CFG(sim.report_jitter_ms), .def_n = 0,
	  .min = 0, .max = 600000 },
	{ .key = "pcsos", .type = F_INT, CFG(sim.pcsos), .def_n = 0, .min = 0, .max = 100000 },
	{ .key = "constables", .type = F_INT, CFG(sim.constables), .def_n = 0,
	  .min = 0, .max = 100000 },
	{ .key = "beats", .type = F_INT, CFG(sim.beats), .def_n = 4, .min = 1, .max = 64 },
	{ .key = "emergency", .type = F_MAP, .sub = &sim_emergency_table },
};

static const struct table security_table = {
	.noun = "security", .where = "in security", .id_field = -1,
	.fields = security_fields, .n = HF_ARRAY_SIZE(security_fields),
	.check = check_security,
};

static const struct table client_table = {
	.noun = "client", .where = "in client", .owner = "client", .id_field = 0,
	.fields = client_fields, .n = HF_ARRAY_SIZE(client_fields),
	.check = check_client,
};

static const struct field keys_top_fields[] = {
	{ .key = "clients", .type = F_SEQ, .sub = &client_table,
	  .off = offsetof(struct hf_config, security.clients),
	  .size = sizeof(struct hf_client_key),
	  .count_off = offsetof(struct hf_config, security.n_clients) },
};

static const struct table keys_top_table = {
	.noun = "keys file", .where = "in the keys file", .id_field = -1,
	.fields = keys_top_fields, .n = HF_ARRAY_SIZE(keys_top_fields),
};

static const struct table gateway_table = {
	.noun = "gateway", .where = "in gateway", .id_field = -1,
	.fields = gateway_fields, .n = HF_ARRAY_SIZE(gateway_fields),
};

static const struct table endpoints_table = {
	.noun = "endpoints", .where = "in endpoints", .id_field = -1,
	.fields = endpoint_fields, .n = HF_ARRAY_SIZE(endpoint_fields),
	.check = check_endpoints,
};

static const struct table adapter_table = {
	.noun = "adapter", .where = "in adapter", .owner = "adapter", .id_field = 1,
	.fields = adapter_fields, .n = HF_ARRAY_SIZE(adapter_fields),
	.check = check_adapter,
};

static const struct table area_table = {
	.noun = "area", .where = "in area", .owner = "area", .id_field = 0,
	.fields = area_fields, .n = HF_ARRAY_SIZE(area_fields),
};

static const struct table roster_table = {
	.noun = "roster entry", .where = "in roster entry", .owner = "unit", .id_field = 0,
	.fields = roster_fields, .n = HF_ARRAY_SIZE(roster_fields),
};

static const struct table rules_table = {
	.noun = "rules", .where = "in rules", .id_field = -1,
	.fields = rules_fields, .n = HF_ARRAY_SIZE(rules_fields),
};

static const struct table sim_table = {
	.noun = "sim", .where = "in sim", .id_field = -1,
	.fields = sim_fields, .n = HF_ARRAY_SIZE(sim_fields),
};

/* Top level, in reading order: areas before default_area before roster
 * (which defaults to and checks against them); roster before adapters (a
 * gpsd adapter names a roster unit); adapters and roster before sim (whose
 * defaults come from them). */
static const struct field top_fields[] = {
	{ .key = "security", .type = F_MAP, .sub = &security_table },
	{ .key = "gateway", .type = F_MAP, .sub = &gateway_table },
	{ .key = "endpoints", .type = F_MAP, .sub = &endpoints_table },
	{ .key = "areas", .type = F_SEQ, .sub = &area_table, .nonempty = true,
	  .off = offsetof(struct hf_config, areas), .size = sizeof(struct hf_area_config),
	  .count_off = offsetof(struct hf_config, n_areas), .def_fn = def_areas },
	{ .key = "default_area", .type = F_STR, CFG(default_area), .def_s = "default",
	  .def_fn = def_default_area, .check = check_area_ref },
	{ .key = "roster", .type = F_SEQ, .sub = &roster_table,
	  .off = offsetof(struct hf_config, roster), .size = sizeof(struct hf_roster_entry),
	  .count_off = offsetof(struct hf_config, n_roster) },
	{ .key = "adapters", .type = F_SEQ, .sub = &adapter_table,
	  .off = offsetof(struct hf_config, adapters), .size = sizeof(struct hf_adapter_config),
	  .count_off = offsetof(struct hf_config, n_adapters) },
	{ .key = "status_map", .type = F_CUSTOM, .parse = parse_status_map },
	{ .key = "places", .type = F_STR, CFG(places_path), .def_s = "", .check = check_path },
	{ .key = "rules", .type = F_MAP, .sub = &rules_table },
	{ .key = "sim", .type = F_MAP, .sub = &sim_table },
};

static const struct table top_table = {
	.noun = "the config", .where = "at the top level", .id_field = -1,
	.fields = top_fields, .n = HF_ARRAY_SIZE(top_fields),
};

_Static_assert(HF_ARRAY_SIZE(top_fields) <= MAXF, "too many fields");
_Static_assert(HF_ARRAY_SIZE(roster_fields) <= MAXF, "too many fields");
_Static_assert(HF_ARRAY_SIZE(adapter_fields) <= MAXF, "too many fields");
_Static_assert(HF_ARRAY_SIZE(area_fields) <= MAXF, "too many fields");
_Static_assert(HF_ARRAY_SIZE(gateway_fields) <= MAXF, "too many fields");
_Static_assert(HF_ARRAY_SIZE(sim_fields) <= MAXF, "too many fields");
_Static_assert(HF_ARRAY_SIZE(rules_fields) <= MAXF, "too many fields");
_Static_assert(HF_ARRAY_SIZE(rules_detention_fields) <= MAXF, "too many fields");
_Static_assert(sizeof(enum hf_log_level) == sizeof(int), "F_ENUM stores an int");
_Static_assert(sizeof(enum hf_role) == sizeof(int), "F_ENUM stores an int");

/* ----------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------- */

void hf_config_defaults(struct hf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	apply_defaults(&top_table, cfg);
	hf_strlcpy(cfg->rules.available[0], "available", sizeof(cfg->rules.available[0]));
	hf_strlcpy(cfg->rules.available[1], "on_patrol", sizeof(cfg->rules.available[1]));
	cfg->rules.n_available = 2;
	/* Escalation ladders (F_CUSTOM tiers have no table defaults). An
	 * emergency nobody acknowledges reaches a supervisor and a wider ring
	 * after a minute; the other hand-offs after two to five. */
	cfg->rules.emergency.severity = 4;
	cfg->rules.emergency.ack_timeout_ms = 120000;
	cfg->rules.emergency.tiers[0] = (struct hf_tier_config){ 60000, 5, 10000, 1 };
	cfg->rules.emergency.tiers[1] = (struct hf_tier_config){ 120000, 8, 20000, 1 };
	cfg->rules.emergency.n_tiers = 2;
	cfg->rules.handoff.tiers[0] = (struct hf_tier_config){ 120000, 4, 8000, 1 };
	cfg->rules.handoff.n_tiers = 1;
	cfg->rules.detention.esc.severity = 3;
	cfg->rules.detention.esc.tiers[0] = (struct hf_tier_config){ 300000, 4, 8000, 1 };
	cfg->rules.detention.esc.n_tiers = 1;
	cfg->rules.welfare.esc.severity = 3;
	cfg->rules.welfare.esc.tiers[0] = (struct hf_tier_config){ 300000, 4, 8000, 1 };
	cfg->rules.welfare.esc.n_tiers = 1;
	cfg->sim.center_lat = 51.5138; /* City of London */
	cfg->sim.center_lon = -0.0984;
}

/* Frees the arrays and the config; NULL is a no-op. */
void hf_config_destroy(struct hf_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->adapters);
	free(cfg->areas);
	free(cfg->roster);
	free(cfg->status_map);
	free(cfg->security.clients);
	hf_places_destroy(cfg->places);
	free(cfg);
}

/* The directory part of a path ("" if none, "/" for the root). */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	dir[0] = '\0';
	if (!slash)
		return;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		n = size - 1;
	memcpy(dir, path, n);
	dir[n] = '\0';
}

/* Reads the document: it must be one mapping of the top-level sections. */
static void read_top(struct ctx *c, struct fy_node *root, const struct table *top)
{
	const char *keys = top == &top_table ? "gateway:, endpoints:, adapters:, areas:, "
					       "roster:, status_map:, ..." : "clients:";

	if (!root || is_null(root)) {
		problem(c, (struct pos){ 1, 1 }, "the file is empty; expected a mapping with %s",
			keys);
		return;
	}
	if (fy_node_get_type(root) != FYNT_MAPPING) {
		problem(c, pos_of(root), "the top level must be a mapping (%s), got %s", keys,
			describe(root).s);
		return;
	}
	read_map(c, top, root, pos_of(root), c->cfg, NULL);
}

/* The shared checks (gateway/yaml.h) report here. */
static void report(void *ctx, int line, int col, const char *msg)
{
	problem(ctx, (struct pos){ line, col }, "%s", msg);
}

static struct hf_yaml_checks checks_of(struct ctx *c, const char *buf, size_t len)
{
	return (struct hf_yaml_checks){ .report = report, .ctx = c, .what = "the config",
					.value = "a config value", .buf = buf, .len = len };
}

/*
 * Checks the text, parses it with libfyaml (its syntax errors collected, not
 * printed), refuses a second document, checks the scalars, then reads the
 * tree with the top table into c->cfg. Problems go to c.
 */
static void read_doc(struct ctx *c, const char *buf, size_t len, const struct table *top)
{
	struct hf_yaml_doc y = { 0 };
	int xline, xcol;

	struct hf_yaml_checks k = checks_of(c, buf, len);

	if (!hf_yaml_check_text(&k))
		return;
	if (hf_yaml_find_explicit_key(buf, len, &xline, &xcol)) {
		problem(c, (struct pos){ xline, xcol }, "explicit mapping keys (\"? \") are not "
			"used in a handoff config: write key: value");
		return;
	}
	if (hf_yaml_parse(&y, buf, len)) {
		out_of_memory(c);
		goto done;
	}
	if (y.extra)
		problem(c, (struct pos){ y.extra_line, y.extra_col }, "a second YAML document starts here; the config must be one document");
	if (fy_diag_got_error(y.diag)) {
		hf_yaml_syntax_errors(&k, y.diag, "invalid YAML");
	} else if (hf_yaml_check_scalars(&k, y.doc ? fy_document_root(y.doc) : NULL) == 0) {
		read_top(c, y.doc ? fy_document_root(y.doc) : NULL, top);
	}
done:
	hf_yaml_parse_finish(&y);
}

/* Sorts what this load added to diag and turns the counts into a result. */
static int finish_doc(struct ctx *c, size_t first)
{
	if (c->diag)
		hf_diag_sort(c->diag, first, c->diag->n < DIAG_MAX ? c->diag->n : DIAG_MAX - 1);
	return c->nomem ? -ENOMEM : c->errors ? -EINVAL : 0;
}

int hf_config_load_string(const char *name, const char *buf, size_t len,
			  const char *const *known_adapter_types,
			  struct hf_config **out, struct hf_diag *diag)
{
	struct ctx c = { .diag = diag, .types = known_adapter_types, .buf = buf, .len = len };
	size_t first = diag ? diag->n : 0;
	int rc;

	*out = NULL;
	if (diag)
		hf_strlcpy(diag->file, name, sizeof(diag->file));
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (!c.cfg) {
		hf_diag_add(diag, 0, 0, "out of memory");
		return -ENOMEM;
	}
	hf_config_defaults(c.cfg);
	if (!hf_strlcpy(c.cfg->path, name, sizeof(c.cfg->path)))
		problem(&c, (struct pos){ 0, 0 }, "the config path is longer than %d bytes",
			HF_PATH_MAX - 1);
	dir_of(name, c.dir, sizeof(c.dir));
	read_doc(&c, buf, len, &top_table);
	rc = finish_doc(&c, first);
	if (rc) {
		hf_config_destroy(c.cfg);
		return rc;
	}
	*out = c.cfg;
	return 0;
}

int hf_config_keys_load_string(struct hf_config *cfg, const char *name, const char *buf,
			       size_t len, struct hf_diag *diag)
{
	struct ctx c = { .diag = diag, .cfg = cfg, .buf = buf, .len = len };
	size_t first = diag ? diag->n : 0;
	int rc;

	if (diag)
		hf_strlcpy(diag->file, name, sizeof(diag->file));
	free(cfg->security.clients);
	cfg->security.clients = NULL;
	cfg->security.n_clients = 0;
	read_doc(&c, buf, len, &keys_top_table);
	rc = finish_doc(&c, first);
	if (rc) {
		free(cfg->security.clients);
		cfg->security.clients = NULL;
		cfg->security.n_clients = 0;
	}
	return rc;
}

/* Loads the keys file and the server's certificate named by security:.
 * Problems go to diag under each file's name. */
static int load_security(struct hf_config *cfg, struct hf_diag *diag)
{
	struct hf_curve_cert cert;
	struct hf_diag kd;
	char err[HF_PATH_MAX + 256];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (hf_curve_cert_load(cfg->security.server_cert, true, &cert, err, sizeof err) != 0) {
		hf_diag_add(diag, 0, 0, "security.server_cert: %s", err);
		return -EINVAL;
	}
	hf_strlcpy(cfg->security.server_public, cert.public_key,
		   sizeof cfg->security.server_public);
	hf_strlcpy(cfg->security.server_secret, cert.secret_key,
		   sizeof cfg->security.server_secret);
	hf_diag_init(&kd);
	rc = hf_file_read(cfg->security.clients_path, FILE_MAX, &buf, &len);
	if (rc < 0) {
		hf_strlcpy(kd.file, cfg->security.clients_path, sizeof kd.file);
		hf_diag_add(&kd, 0, 0, "cannot read the keys file: %s", strerror(-rc));
	} else {
		rc = hf_config_keys_load_string(cfg, cfg->security.clients_path, buf, len, &kd);
		free(buf);
	}
	if (diag)
		diag_append(diag, &kd);
	hf_diag_finish(&kd);
	return rc;
}

/* Loads cfg->places_path into cfg->places; every area feature must name an
 * `areas:` id. Problems go to diag under the places file's name. */
static int load_places(struct hf_config *cfg, struct hf_diag *diag)
{
	struct hf_diag pd;
	int rc;

	hf_diag_init(&pd);
	rc = hf_places_load(cfg->places_path, &cfg->places, &pd);
	for (size_t i = 0; !rc && i < hf_places_count(cfg->places); i++) {
		const struct hf_place *pl = hf_places_get(cfg->places, i);

		if (pl->kind == HF_PLACE_AREA && !hf_config_area(cfg, pl->id)) {
			hf_diag_add(&pd, pl->line, 1, "area \"%s\" is not an id of the config's "
				    "areas: (add it there with its desk and team)", pl->id);
			rc = -EINVAL;
		}
	}
	if (rc && !pd.n)
		hf_diag_add(&pd, 0, 0, "cannot load places: %s", strerror(-rc));
	if (diag)
		diag_append(diag, &pd);
	hf_diag_finish(&pd);
	return rc;
}

/* Reads the file, then loads its text (and its places: file); a file that
 * cannot be read is one problem at line 0, column 0. */
static int load_file(const char *path, const char *const *known_adapter_types, bool secrets,
		     struct hf_config **out, struct hf_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = hf_file_read(path, FILE_MAX, &buf, &len);
	if (rc < 0) {
		if (diag) {
			hf_strlcpy(diag->file, path, sizeof(diag->file));
			if (rc == -EFBIG)
				hf_diag_add(diag, 0, 0, "cannot read: larger than %d MiB",
					    FILE_MAX >> 20);
			else
				hf_diag_add(diag, 0, 0, "cannot open: %s", strerror(-rc));
		}
		return rc;
	}
	rc = hf_config_load_string(path, buf, len, known_adapter_types, out, diag);
	free(buf);
	if (rc == 0 && (*out)->places_path[0])
		rc = load_places(*out, diag);
	if (rc == 0 && secrets && (*out)->security.server_cert[0])
		rc = load_security(*out, diag);
	if (rc && *out) {
		hf_config_destroy(*out);
		*out = NULL;
	}
	return rc;
}

int hf_config_load(const char *path, const char *const *known_adapter_types,
		   struct hf_config **out, struct hf_diag *diag)
{
	return load_file(path, known_adapter_types, true, out, diag);
}

int hf_config_load_client(const char *path, const char *const *known_adapter_types,
			  struct hf_config **out, struct hf_diag *diag)
{
	return load_file(path, known_adapter_types, false, out, diag);
}

/* ----------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------- */

const char *hf_config_status_meaning(const struct hf_config *cfg, uint16_t code)
{
	if (code == 0)
		return "emergency";
	for (size_t i = 0; cfg && i < cfg->n_status; i++)
		if (cfg->status_map[i].code == code)
			return cfg->status_map[i].meaning;
	return NULL;
}

int hf_config_status_code(const struct hf_config *cfg, const char *meaning)
{
	for (size_t i = 0; cfg && i < cfg->n_status; i++)
		if (strcmp(cfg->status_map[i].meaning, meaning) == 0)
			return cfg->status_map[i].code;
	if (strcmp(meaning, "emergency") == 0)
		return 0;
	return -1;
}

bool hf_config_power_designated(const struct hf_config *cfg, const char *power)
{
	if (hf_power_is_terrorism(power))
		return false;
	for (size_t i = 0; i < cfg->rules.n_powers; i++)
		if (strcmp(cfg->rules.powers[i], power) == 0)
			return true;
	return false;
}

bool hf_config_is_available(const struct hf_config *cfg, const char *meaning)
{
	for (size_t i = 0; i < cfg->rules.n_available; i++)
		if (strcmp(cfg->rules.available[i], meaning) == 0)
			return true;
	return false;
}

const struct hf_area_config *hf_config_area(const struct hf_config *cfg, const char *id)
{
	for (size_t i = 0; id && i < cfg->n_areas; i++)
		if (strcmp(cfg->areas[i].id, id) == 0)
			return &cfg->areas[i];
	return NULL;
}

const struct hf_adapter_config *hf_config_adapter_of_type(const struct hf_config *cfg,
							  const char *type)
{
	for (size_t i = 0; i < cfg->n_adapters; i++)
		if (strcmp(cfg->adapters[i].type, type) == 0)
			return &cfg->adapters[i];
	return NULL;
}
