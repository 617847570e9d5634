/*
 * places.c - areas and flagged locations from a GeoJSON file (see places.h).
 *
 * The file is parsed with libfyaml, like the config (gateway/config.c), so
 * each node keeps its line and column, and the tree is walked by hand: a
 * FeatureCollection of Features, each with properties and a geometry.
 * Every problem goes into the struct hf_diag at the node it is about and the
 * walk goes on, so one run reports them all. A node's position is where its
 * text starts: a scalar's first character (its opening quote included), a
 * flow collection's opening bracket, a block collection's first key or item.
 *
 * Polygons become GEOS geometries checked with GEOSisValid_r and prepared for
 * point queries; circles stay centre and radius and are tested with the
 * great-circle distance. Every place also has a latitude/longitude bounding
 * box, so a lookup rejects most places with four comparisons.
 *
 * libfyaml 0.7.12 mishandles some inputs (see config.c); the same two guards
 * are applied here before any scalar is read: the text must be UTF-8 without
 * control characters, and no scalar may span many lines or hold consecutive
 * '' escapes. Aliases are never resolved.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <libfyaml.h>

#include "geo.h"
#include "hashmap.h"
#include "places.h"
#include "yaml.h"

#define POS_DEPTH 64          /* bound on the walks that find a node's position */
#define BRACKET_SCAN 4096     /* bytes looked back for a collection's opening bracket */
#define DIAG_KEPT 999         /* hf_diag keeps this many problems, then "too many" */

/* One place with what the lookups need beside the public view. */
struct entry {
	struct hf_place pub;
	GEOSGeometry *geom;               /* polygon or multipolygon; NULL for a circle */
	const GEOSPreparedGeometry *prep; /* prepared geom */
	double min_lat, max_lat, min_lon, max_lon;
};

struct hf_places {
	GEOSContextHandle_t geos;
	struct entry *v;
	size_t n;
	struct hf_strmap ids[2];          /* by kind - 1: id -> index in v */
	char geos_error[128];             /* GEOS's last error message */
};

/* ----------------------------------------------------------------------------
 * Reading context, positions and messages
 * ------------------------------------------------------------------------- */

struct pos {
	int line; /* 1-based, 0 = unknown */
	int col;
};

/* Ids seen so far, per feature, for duplicate messages (failed features too). */
struct seen {
	char id[HF_ID_MAX];
	int line;
};

struct ctx {
	struct hf_diag *diag;
	struct hf_places *p;
	const char *buf;          /* the text and its length */
	size_t len;
	size_t errors;
	bool nomem;
	size_t vertices;          /* positions read so far */
	bool too_many;            /* HF_PLACES_VERTICES_MAX reached: stop reading rings */
	struct seen *seen;        /* one per feature */
	struct hf_strmap seen_ids[2]; /* by kind - 1: id -> index in seen */
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

/* Byte offset and position of a scalar's first character (a quoted scalar's
 * token starts after its quote, an alias's after its '*'). */
static bool scalar_start(struct fy_node *n, size_t *off, struct pos *at)
{
	struct fy_token *t = fy_node_get_scalar_token(n);
	const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
	enum fy_node_style st;
	int q;

	if (!m)
		return false;
	st = fy_node_get_style(n);
	q = (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED || st == FYNS_ALIAS) &&
	    m->column > 0 && m->input_pos > 0;
	*off = m->input_pos - (size_t)q;
	*at = (struct pos){ m->line + 1, m->column + 1 - q };
	return true;
}

/*
 * Moves *off and *at from a collection's first child back to the bracket
 * that opens it, if only white space lies between (a flow collection). A
 * block collection, or a bracket further than BRACKET_SCAN bytes away, keeps
 * the child's position. Columns count characters, as libfyaml's do.
 */
static void back_to_bracket(const struct ctx *c, char open, size_t *off, struct pos *at)
{
	size_t i = *off, s;
	int lines = 0, col = 1;

	if (!c->buf || i > c->len)
		return;
	while (i > 0 && *off - i < BRACKET_SCAN) {
		char ch = c->buf[i - 1];

		if (ch == '\r' && (i >= c->len || c->buf[i] != '\n'))
			return; /* a lone CR breaks lines too: not worth counting */
		if (ch == '\n')
			lines++;
		else if (ch != ' ' && ch != '\t' && ch != '\r')
			break;
		i--;
	}
	if (i == 0 || c->buf[i - 1] != open)
		return;
	i--;
	if (lines == 0) {
		if (at->col - (int)(*off - i) >= 1) {
			at->col -= (int)(*off - i);
			*off = i;
		}
		return;
	}
	for (s = i; s > 0 && c->buf[s - 1] != '\n'; s--)
		if (i - s >= BRACKET_SCAN || c->buf[s - 1] == '\r')
			return;
	for (size_t k = s; k < i; k++)
		if (((unsigned char)c->buf[k] & 0xc0) != 0x80)
			col++;
	if (at->line - lines < 1)
		return;
	at->line -= lines;
	at->col = col;
	*off = i;
}

/* Where a node's text starts (see the top of the file); false if it has no
 * text of its own (an empty value, {} or []). */
static bool node_start(const struct ctx *c, struct fy_node *n, int depth, size_t *off,
		       struct pos *at)
{
	struct fy_node_pair *pair;
	struct fy_node *first = NULL;
	void *it = NULL;
	char open;

	if (!n || depth > POS_DEPTH)
		return false;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		return scalar_start(n, off, at);
	case FYNT_MAPPING:
		pair = fy_node_mapping_iterate(n, &it);
		first = pair ? fy_node_pair_key(pair) : NULL;
		open = '{';
		break;
	case FYNT_SEQUENCE:
		first = fy_node_sequence_iterate(n, &it);
		open = '[';
		break;
	default:
		return false;
	}
	if (!node_start(c, first, depth + 1, off, at))
		return false;
	back_to_bracket(c, open, off, at);
	return true;
}

/* Position of a node: its own start, else the key it is the value of (in a
 * sequence, climbing to the key of the sequence), else 1:1. */
static struct pos pos_of(const struct ctx *c, struct fy_node *n)
{
	struct pos at;
	size_t off;

	for (int depth = 0; n && depth <= POS_DEPTH; depth++) {
		struct fy_node *p = fy_node_get_parent(n);
		struct fy_node_pair *pair;
		void *it = NULL;

		if (node_start(c, n, 0, &off, &at))
			return at;
		if (p && fy_node_get_type(p) == FYNT_MAPPING) {
			while ((pair = fy_node_mapping_iterate(p, &it))) {
				struct fy_node *k = fy_node_pair_key(pair);

				if (fy_node_pair_value(pair) == n && k && k != n &&
				    node_start(c, k, 0, &off, &at))
					return at;
			}
		}
		n = p;
	}
	return (struct pos){ 1, 1 };
}

/* A quoted, escaped, shortened copy of text for a message. */
/* True if the plain scalar n is one of words (NULL-terminated). */
static bool plain_is(struct fy_node *n, const char *const *words)
{
	const char *s;
	size_t len;

	if (!hf_yaml_is_plain(n))
		return false;
	s = hf_yaml_text(n, &len);
	for (; *words; words++)
		if (len == strlen(*words) && memcmp(s, *words, len) == 0)
			return true;
	return false;
}

/* True for a missing value: JSON null, or YAML's empty value, ~ and Null. */
static bool is_null(struct fy_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };

	return !n || plain_is(n, nulls);
}

/* True for a string: a quoted scalar, or a plain one that JSON would not
 * read as null, a boolean or a number (so YAML authors may leave words bare). */
static bool is_string(struct fy_node *n)
{
	static const char *const literals[] = { "true", "false", "True", "False", "TRUE",
						"FALSE", NULL };
	double x;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR || fy_node_is_alias(n))
		return false;
	if (fy_node_get_style(n) != FYNS_PLAIN)
		return true;
	return !is_null(n) && !plain_is(n, literals) && hf_yaml_scalar_number(n, &x) != 0;
}

/* What a node is, for "got ..." in messages, in JSON's words. */
static struct hf_quoted describe(struct fy_node *n)
{
	struct hf_quoted q;
	const char *s;
	size_t len;
	double x;

	if (is_null(n))
		return (struct hf_quoted){ "null" };
	switch (fy_node_get_type(n)) {
	case FYNT_MAPPING:
		return (struct hf_quoted){ "an object" };
	case FYNT_SEQUENCE:
		return (struct hf_quoted){ "an array" };
	default:
		break;
	}
	s = hf_yaml_text(n, &len);
	if (fy_node_is_alias(n)) {
		snprintf(q.s, sizeof(q.s), "an alias *%.*s (aliases are not supported)",
			 (int)(len > 20 ? 20 : len), s);
		return q;
	}
	/* a number as it is written; anything else quoted and escaped (a plain
	 * scalar may span lines) */
	if (hf_yaml_scalar_number(n, &x) == 0)
		snprintf(q.s, sizeof(q.s), "%.*s", (int)(len > 40 ? 40 : len), s);
	else
		q = hf_yaml_quote(s, len);
	return q;
}

/* True if n is a string equal to word. */
static bool is_word(struct fy_node *n, const char *word)
{
	const char *s;
	size_t len;

	if (!is_string(n))
		return false;
	s = hf_yaml_text(n, &len);
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Finds member name of the mapping map: true if the key is there, with its
 * key node in *key and its value (NULL for an empty value) in *val. */
static bool member(struct fy_node *map, const char *name, struct fy_node **key,
		   struct fy_node **val)
{
	struct fy_node_pair *pair;
	size_t nlen = strlen(name);
	void *it = NULL;

	*key = *val = NULL;
	if (!map || fy_node_get_type(map) != FYNT_MAPPING)
		return false;
	while ((pair = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(pair);
		const char *s;
		size_t len;

		if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k))
			continue;
		s = hf_yaml_text(k, &len);
		if (len == nlen && memcmp(s, name, len) == 0) {
			*key = k;
			*val = fy_node_pair_value(pair);
			return true;
		}
	}
	return false;
}

/* Decodes the UTF-8 character at p[i] (len bytes in all) into *cp; returns its
 * length, or 0 if it is invalid (truncated, overlong, a surrogate or past
 * U+10FFFF). */
static size_t utf8_next(const unsigned char *p, size_t len, size_t i, uint32_t *cp)
{
	unsigned ch = p[i];
	size_t n = ch < 0x80 ? 1 : ch >= 0xc2 && ch <= 0xdf ? 2 :
		   ch >= 0xe0 && ch <= 0xef ? 3 : ch >= 0xf0 && ch <= 0xf4 ? 4 : 0;

	*cp = n == 1 ? ch : n == 2 ? ch & 0x1f : n == 3 ? ch & 0x0f : ch & 0x07;
	for (size_t k = 1; k < n; k++) {
		if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i + k] & 0x3f);
	}
	if ((n == 3 && (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))) ||
	    (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)))
		return 0;
	return n;
}

/* True for a C0 or C1 control character other than tab, LF and CR. */
static bool is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
	       (cp >= 0x7f && cp <= 0x9f);
}

/* ----------------------------------------------------------------------------
 * Properties
 * ------------------------------------------------------------------------- */

/* Reads the string property key (value v) into dst (size bytes with the NUL).
 * Escapes may not make control characters or invalid UTF-8: dispatchers read
 * these on terminals. */
static bool read_string(struct ctx *c, const char *key, struct fy_node *v, char *dst,
			size_t size)
{
	const char *s;
	size_t len;

	if (!is_string(v)) {
		problem(c, pos_of(c, v), "\"%s\" must be a string, got %s", key, describe(v).s);
		return false;
	}
	s = hf_yaml_text(v, &len);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_next((const unsigned char *)s, len, i, &cp);

		if (n == 0 || is_control(cp) || cp == '\t' || cp == '\n' || cp == '\r') {
			problem(c, pos_of(c, v), "\"%s\" must be one line of UTF-8 text "
				"without control characters", key);
			return false;
		}
		i += n;
	}
	if (len >= size) {
		problem(c, pos_of(c, v), "\"%s\" is too long (%zu bytes, at most %zu)", key, len,
			size - 1);
		return false;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* Reads properties.id: not empty, letters, digits, '_' and '-'. */
static bool read_id(struct ctx *c, struct fy_node *v, char *dst)
{
	if (!read_string(c, "id", v, dst, HF_ID_MAX))
		return false;
	if (!dst[0]) {
		problem(c, pos_of(c, v), "\"id\" must not be empty");
		return false;
	}
	for (const char *s = dst; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') {
			problem(c, pos_of(c, v), "\"id\" may only contain letters, digits, '_' "
				"and '-', got %s", hf_yaml_quote(dst, strlen(dst)).s);
			dst[0] = '\0';
			return false;
		}
	}
	return true;
}

/* Reads one of words[] (value i + first) into *out. */
static bool read_choice(struct ctx *c, const char *key, struct fy_node *v,
			const char *const *words, int first, const char *known, int *out)
{
	char s[HF_NAME_MAX];

	if (!read_string(c, key, v, s, sizeof(s)))
		return false;
	for (int i = 0; words[i]; i++) {
		if (strcmp(s, words[i]) == 0) {
			*out = first + i;
			return true;
		}
	}
	problem(c, pos_of(c, v), "unknown %s %s (known: %s)", key, hf_yaml_quote(s, strlen(s)).s, known);
	return false;
}

/* What read_properties() found that the geometry depends on. */
struct props {
	struct fy_node *radius_key; /* radius_m, if given */
	bool radius_ok;
};

/* Records the id of a place and reports a duplicate of its kind. */
static void note_id(struct ctx *c, size_t fi, struct entry *e, struct fy_node *v)
{
	struct hf_strmap *m = &c->seen_ids[e->pub.kind - 1];
	uint32_t first;

	if (hf_strmap_get(m, e->pub.id, &first)) {
		problem(c, pos_of(c, v), "duplicate %s id %s (first at line %d)",
			e->pub.kind == HF_PLACE_AREA ? "area" : "flagged",
			hf_yaml_quote(e->pub.id, strlen(e->pub.id)).s, c->seen[first].line);
		return;
	}
	memcpy(c->seen[fi].id, e->pub.id, sizeof(c->seen[fi].id));
	c->seen[fi].line = e->pub.line;
	if (hf_strmap_put(m, c->seen[fi].id, (uint32_t)fi) < 0)
		out_of_memory(c);
}

/*
 * Reads a feature's properties (the mapping v of key k): kind, id, name, and
 * for flagged places severity and note; radius_m is left in pr for the
 * geometry. Keys that do not apply to the kind are refused; unknown ones
 * are ignored.
 */
static void read_properties(struct ctx *c, size_t fi, struct entry *e, struct fy_node *k,
			    struct fy_node *v, struct props *pr)
{
	static const char *const kinds[] = { "area", "flagged", NULL };
	static const char *const sevs[] = { "warning", "high", "critical", NULL };
	struct fy_node *key, *val, *id_val = NULL;
	bool has;
	int kind = 0;

	if (!member(v, "kind", &key, &val))
		problem(c, pos_of(c, k), "\"properties\" has no \"kind\" (\"area\" or "
			"\"flagged\")");
	else if (read_choice(c, "kind", val, kinds, HF_PLACE_AREA, "area, flagged", &kind))
		e->pub.kind = (enum hf_place_kind)kind;

	if (!member(v, "id", &key, &id_val))
		problem(c, pos_of(c, k), "\"properties\" has no \"id\"");
	else if (read_id(c, id_val, e->pub.id) && e->pub.kind)
		note_id(c, fi, e, id_val);

	if (member(v, "name", &key, &val) && read_string(c, "name", val, e->pub.name,
							 sizeof(e->pub.name)) && !e->pub.name[0])
		problem(c, pos_of(c, val), "\"name\" must not be empty (leave it out to use "
			"the id)");
	if (!e->pub.name[0])
		hf_strlcpy(e->pub.name, e->pub.id, sizeof(e->pub.name));

	if (e->pub.kind == HF_PLACE_FLAGGED)
		e->pub.severity = 3; /* HF_SEV_HIGH */
	has = member(v, "severity", &key, &val);
	if (has && e->pub.kind == HF_PLACE_AREA)
		problem(c, pos_of(c, key), "\"severity\" applies only to flagged places");
	else if (has && read_choice(c, "severity", val, sevs, 2, "warning, high, critical",
				    &kind))
		e->pub.severity = kind;
	has = member(v, "note", &key, &val);
	if (has && e->pub.kind == HF_PLACE_AREA)
		problem(c, pos_of(c, key), "\"note\" applies only to flagged places");
	else if (has)
		read_string(c, "note", val, e->pub.note, sizeof(e->pub.note));

	if (member(v, "radius_m", &pr->radius_key, &val)) {
		double r = 0;

		if (hf_yaml_scalar_number(val, &r) != 0)
			problem(c, pos_of(c, val), "\"radius_m\" must be a number, got %s",
				describe(val).s);
		else if (!(r > 0 && r <= HF_PLACE_RADIUS_MAX_M))
			problem(c, pos_of(c, val), "\"radius_m\" must be greater than 0 and at "
				"most %.0f, got %g", HF_PLACE_RADIUS_MAX_M, r);
		else
			pr->radius_ok = true;
		if (pr->radius_ok)
			e->pub.radius_m = r;
	}
}

/* ----------------------------------------------------------------------------
 * Geometry
 * ------------------------------------------------------------------------- */

/* Copies GEOS's error messages for the next problem (no control bytes). */
static void geos_error(const char *msg, void *user)
{
	struct hf_places *p = user;
	size_t i;

	for (i = 0; msg && msg[i] && i < sizeof(p->geos_error) - 1; i++)
		p->geos_error[i] = (unsigned char)msg[i] < 0x20 ? ' ' : msg[i];
	p->geos_error[i] = '\0';
}

/* Reads one coordinate of a position: a number within -limit..limit. */
static bool read_coord(struct ctx *c, struct fy_node *n, const char *what, double limit,
		       double *out)
{
	const char *s;
	size_t len;

	if (hf_yaml_scalar_number(n, out) != 0) {
		problem(c, pos_of(c, n), "coordinates must be numbers, got %s%s",
			is_string(n) && !hf_yaml_is_plain(n) ? "the string " : "", describe(n).s);
		return false;
	}
	if (*out < -limit || *out > limit) {
		s = hf_yaml_text(n, &len);
		problem(c, pos_of(c, n), "%s must be between %g and %g, got %.*s", what, -limit,
			limit, (int)(len > 40 ? 40 : len), s);
		return false;
	}
	return true;
}

/* Reads a position [longitude, latitude] (a third number, the altitude, is
 * checked and ignored). */
static bool read_position(struct ctx *c, struct fy_node *n, double *lon, double *lat)
{
	struct fy_node *item;
	void *it = NULL;
	double alt;
	bool ok;
	int count;

	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE) {
		problem(c, pos_of(c, n), "a position must be [longitude, latitude], got %s",
			describe(n).s);
		return false;
	}
	count = fy_node_sequence_item_count(n);
	if (count < 2 || count > 3) {
		problem(c, pos_of(c, n), "a position must be [longitude, latitude] or "
			"[longitude, latitude, altitude], got an array of %d", count);
		return false;
	}
	ok = read_coord(c, fy_node_sequence_iterate(n, &it), "longitude", 180.0, lon);
	ok = read_coord(c, fy_node_sequence_iterate(n, &it), "latitude", 90.0, lat) && ok;
	if (count == 3 && (item = fy_node_sequence_iterate(n, &it)) &&
	    hf_yaml_scalar_number(item, &alt) != 0) {
		problem(c, pos_of(c, item), "coordinates must be numbers, got %s",
			describe(item).s);
		ok = false;
	}
	return ok;
}

/* Counts positions against HF_PLACES_VERTICES_MAX; false (reported once) past it. */
static bool take_vertices(struct ctx *c, struct fy_node *n, size_t count)
{
	if (c->too_many)
		return false;
	if (count > HF_PLACES_VERTICES_MAX - c->vertices) {
		problem(c, pos_of(c, n), "too many positions: a places file may hold at most "
			"%d in all", HF_PLACES_VERTICES_MAX);
		c->too_many = true;
		return false;
	}
	c->vertices += count;
	return true;
}

/* Reads a linear ring: at least 4 positions, the last repeating the first.
 * Returns a new GEOS ring, or NULL with the problems recorded. */
static GEOSGeometry *read_ring(struct ctx *c, struct fy_node *n)
{
	GEOSContextHandle_t h = c->p->geos;
	GEOSCoordSequence *seq = NULL;
	GEOSGeometry *ring;
	struct fy_node *item, *last = NULL;
	double first_lon = 0, first_lat = 0, lon = 0, lat = 0;
	void *it = NULL;
	unsigned i = 0;
	bool ok = true;
	int count;

	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE) {
		problem(c, pos_of(c, n), "a linear ring must be an array of positions, got %s",
			describe(n).s);
		return NULL;
	}
	count = fy_node_sequence_item_count(n);
	if (!take_vertices(c, n, (size_t)count))
		return NULL;
	if (count < 4) {
		problem(c, pos_of(c, n), "a linear ring needs at least 4 positions (the last "
			"repeating the first), got %d", count);
		ok = false;
	} else if (!(seq = GEOSCoordSeq_create_r(h, (unsigned)count, 2))) {
		out_of_memory(c);
		return NULL;
	}
	while ((item = fy_node_sequence_iterate(n, &it))) {
		bool pos_ok = read_position(c, item, &lon, &lat);

		if (pos_ok && seq && !GEOSCoordSeq_setXY_r(h, seq, i, lon, lat))
			pos_ok = false;
		if (i == 0) {
			first_lon = lon;
			first_lat = lat;
		}
		ok = ok && pos_ok;
		last = item;
		i++;
	}
	if (ok && (lon != first_lon || lat != first_lat)) {
		problem(c, pos_of(c, last), "the linear ring is not closed: its last position "
			"must repeat its first [%.17g, %.17g]", first_lon, first_lat);
		ok = false;
	}
	if (!ok) {
		if (seq)
			GEOSCoordSeq_destroy_r(h, seq);
		return NULL;
	}
	ring = GEOSGeom_createLinearRing_r(h, seq); /* takes seq */
	if (!ring)
		problem(c, pos_of(c, n), "invalid linear ring: %s", c->p->geos_error);
	return ring;
}

/* Checks a polygon or multipolygon with GEOS; reports GEOS's reason at n. */
static bool valid(struct ctx *c, struct fy_node *n, GEOSGeometry *g, const char *what)
{
	GEOSContextHandle_t h = c->p->geos;
	char v = GEOSisValid_r(h, g), *reason;

	if (v == 1)
		return true;
	if (v == 0 && (reason = GEOSisValidReason_r(h, g))) {
		problem(c, pos_of(c, n), "invalid %s: %s", what, reason);
		GEOSFree_r(h, reason);
	} else {
		problem(c, pos_of(c, n), "invalid %s: %s", what, c->p->geos_error);
	}
	return false;
}

/* Reads a Polygon's coordinates: an array of rings, the outer boundary first,
 * then its holes. Returns a new valid GEOS polygon or NULL. */
static GEOSGeometry *read_polygon(struct ctx *c, struct fy_node *n)
{
	GEOSContextHandle_t h = c->p->geos;
	GEOSGeometry **rings, *poly;
	struct fy_node *item;
	void *it = NULL;
	bool ok = true;
	int count, i = 0;

	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE) {
		problem(c, pos_of(c, n), "a Polygon's coordinates must be an array of linear "
			"rings, got %s", describe(n).s);
		return NULL;
	}
	count = fy_node_sequence_item_count(n);
	if (count < 1) {
		problem(c, pos_of(c, n), "a Polygon needs at least one linear ring (its outer "
			"boundary)");
		return NULL;
	}
	rings = calloc((size_t)count, sizeof(*rings));
	if (!rings) {
		out_of_memory(c);
		return NULL;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) && i < count) {
		rings[i] = read_ring(c, item);
		ok = ok && rings[i];
		i++;
	}
	if (!ok || i != count) {
		for (i = 0; i < count; i++)
			if (rings[i])
				GEOSGeom_destroy_r(h, rings[i]);
		free(rings);
		return NULL;
	}
	poly = GEOSGeom_createPolygon_r(h, rings[0], rings + 1, (unsigned)count - 1);
	free(rings); /* the rings themselves now belong to poly */
	if (!poly) {
		out_of_memory(c);
		return NULL;
	}
	if (!valid(c, n, poly, "polygon")) {
		GEOSGeom_destroy_r(h, poly);
		return NULL;
	}
	return poly;
}

/* Reads a MultiPolygon's coordinates: an array of polygons, each valid, and
 * valid together (no overlap). Returns a new GEOS multipolygon or NULL. */
static GEOSGeometry *read_multipolygon(struct ctx *c, struct fy_node *n)
{
	GEOSContextHandle_t h = c->p->geos;
	GEOSGeometry **parts, *multi;
	struct fy_node *item;
	void *it = NULL;
	bool ok = true;
	int count, i = 0;

	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE) {
		problem(c, pos_of(c, n), "a MultiPolygon's coordinates must be an array of "
			"polygons, got %s", describe(n).s);
		return NULL;
	}
	count = fy_node_sequence_item_count(n);
	if (count < 1) {
		problem(c, pos_of(c, n), "a MultiPolygon needs at least one polygon");
		return NULL;
	}
	parts = calloc((size_t)count, sizeof(*parts));
	if (!parts) {
		out_of_memory(c);
		return NULL;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) && i < count) {
		parts[i] = read_polygon(c, item);
		ok = ok && parts[i];
		i++;
	}
	if (!ok || i != count) {
		for (i = 0; i < count; i++)
			if (parts[i])
				GEOSGeom_destroy_r(h, parts[i]);
		free(parts);
		return NULL;
	}
	multi = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)count);
	free(parts);
	if (!multi) {
		out_of_memory(c);
		return NULL;
	}
	if (!valid(c, n, multi, "MultiPolygon")) {
		GEOSGeom_destroy_r(h, multi);
		return NULL;
	}
	return multi;
}

/* The bounding box of a circle, a little generous (the exact test follows):
 * its latitude span, and the longitude span at its widest latitude; the
 * whole longitude range near a pole or across the antimeridian. */
static void circle_box(struct entry *e)
{
	double dlat = e->pub.radius_m / HF_EARTH_RADIUS_M * (180.0 / M_PI) * 1.01;
	double widest = fabs(e->pub.lat) + dlat, dlon;

	e->min_lat = e->pub.lat - dlat;
	e->max_lat = e->pub.lat + dlat;
	e->min_lon = -180.0;
	e->max_lon = 180.0;
	if (widest >= 89.0)
		return;
	dlon = dlat / cos(widest * (M_PI / 180.0));
	if (e->pub.lon - dlon >= -180.0 && e->pub.lon + dlon <= 180.0) {
		e->min_lon = e->pub.lon - dlon;
		e->max_lon = e->pub.lon + dlon;
	}
}

/* Reads a feature's geometry (the mapping g) for a place of kind e->pub.kind
 * (0 if the kind was bad: then only the shape is checked). */
static void read_geometry(struct ctx *c, struct entry *e, struct fy_node *g,
			  const struct props *pr)
{
	struct fy_node *tk, *tv, *ck, *cv;
	bool area = e->pub.kind == HF_PLACE_AREA;
	bool point;

	if (!member(g, "type", &tk, &tv)) {
		problem(c, pos_of(c, g), "the geometry has no \"type\"");
		return;
	}
	point = is_word(tv, "Point");
	if (!point && !is_word(tv, "Polygon") && !is_word(tv, "MultiPolygon")) {
		problem(c, pos_of(c, tv), "%s must be a Polygon or MultiPolygon%s, got %s",
			area ? "an area's geometry" : "a place's geometry",
			area ? "" : ", or a Point with radius_m", describe(tv).s);
		return;
	}
	if (point && area)
		problem(c, pos_of(c, tv), "an area must be a Polygon or MultiPolygon, got "
			"\"Point\" (only flagged places may be circles)");
	else if (point && !pr->radius_key)
		problem(c, pos_of(c, tv), "a Point place is a circle: its properties need "
			"\"radius_m\" (metres)");
	else if (!point && pr->radius_key)
		problem(c, pos_of(c, pr->radius_key), "\"radius_m\" applies only to a Point "
			"geometry");
	if (!member(g, "coordinates", &ck, &cv)) {
		problem(c, pos_of(c, g), "the geometry has no \"coordinates\"");
		return;
	}
	if (point) {
		if (take_vertices(c, cv, 1) && read_position(c, cv, &e->pub.lon, &e->pub.lat) &&
		    pr->radius_ok) {
			e->pub.circle = true;
			circle_box(e);
		}
		return;
	}
	e->geom = is_word(tv, "Polygon") ? read_polygon(c, cv) : read_multipolygon(c, cv);
}

/* ----------------------------------------------------------------------------
 * Features and the collection
 * ------------------------------------------------------------------------- */

/* Frees an entry's GEOS objects. */
static void entry_finish(GEOSContextHandle_t h, struct entry *e)
{
	if (e->prep)
		GEOSPreparedGeom_destroy_r(h, e->prep);
	if (e->geom)
		GEOSGeom_destroy_r(h, e->geom);
	e->prep = NULL;
	e->geom = NULL;
}

/* Prepares a polygon place for queries and sets its bounding box. */
static bool prepare(struct ctx *c, struct entry *e)
{
	GEOSContextHandle_t h = c->p->geos;

	if (e->pub.circle)
		return true;
	if (!e->geom || !GEOSGeom_getXMin_r(h, e->geom, &e->min_lon) ||
	    !GEOSGeom_getXMax_r(h, e->geom, &e->max_lon) ||
	    !GEOSGeom_getYMin_r(h, e->geom, &e->min_lat) ||
	    !GEOSGeom_getYMax_r(h, e->geom, &e->max_lat) ||
	    !(e->prep = GEOSPrepare_r(h, e->geom))) {
		out_of_memory(c);
		return false;
	}
	return true;
}

/* Reads feature fi (node f) into the next free entry, which is kept only if
 * the feature had no problem. */
static void read_feature(struct ctx *c, size_t fi, struct fy_node *f)
{
	struct entry *e = &c->p->v[c->p->n];
	struct fy_node *k, *v, *gk, *gv;
	struct props pr = { 0 };
	struct pos at = pos_of(c, f);
	size_t before = c->errors;

	memset(e, 0, sizeof(*e));
	e->pub.line = at.line;
	if (!f || fy_node_get_type(f) != FYNT_MAPPING) {
		problem(c, at, "each feature must be a GeoJSON Feature object, got %s",
			describe(f).s);
		return;
	}
	if (!member(f, "type", &k, &v))
		problem(c, at, "a feature needs \"type\": \"Feature\"");
	else if (!is_word(v, "Feature"))
		problem(c, pos_of(c, v), "\"type\" must be \"Feature\", got %s", describe(v).s);

	if (!member(f, "properties", &k, &v) || is_null(v))
		problem(c, k ? pos_of(c, k) : at, "a place needs \"properties\" with \"kind\" "
			"and \"id\"");
	else if (fy_node_get_type(v) != FYNT_MAPPING)
		problem(c, pos_of(c, v), "\"properties\" must be an object, got %s",
			describe(v).s);
	else
		read_properties(c, fi, e, k, v, &pr);

	if (!member(f, "geometry", &gk, &gv) || is_null(gv))
		problem(c, gk ? pos_of(c, gk) : at, "a place needs a \"geometry\" (Polygon, "
			"MultiPolygon, or Point with radius_m)");
	else if (fy_node_get_type(gv) != FYNT_MAPPING)
		problem(c, pos_of(c, gv), "\"geometry\" must be an object, got %s",
			describe(gv).s);
	else
		read_geometry(c, e, gv, &pr);

	if (c->errors == before && !c->nomem && prepare(c, e)) {
		c->p->n++;
		return;
	}
	entry_finish(c->p->geos, e);
}

/* Reads the document: one FeatureCollection object. */
static void read_collection(struct ctx *c, struct fy_node *root)
{
	struct fy_node *k, *v, *feats, *f;
	void *it = NULL;
	size_t count, fi = 0;

	if (!root || is_null(root)) {
		problem(c, (struct pos){ 1, 1 }, "the file is empty; expected a GeoJSON "
			"FeatureCollection");
		return;
	}
	if (fy_node_get_type(root) != FYNT_MAPPING) {
		problem(c, pos_of(c, root), "expected a GeoJSON FeatureCollection object, "
			"got %s", describe(root).s);
		return;
	}
	if (!member(root, "type", &k, &v))
		problem(c, pos_of(c, root), "a GeoJSON FeatureCollection needs \"type\": "
			"\"FeatureCollection\"");
	else if (!is_word(v, "FeatureCollection"))
		problem(c, pos_of(c, v), "\"type\" must be \"FeatureCollection\", got %s",
			describe(v).s);
	if (!member(root, "features", &k, &feats)) {
		problem(c, pos_of(c, root), "a FeatureCollection needs \"features\" (an array "
			"of Features)");
		return;
	}
	if (!feats || fy_node_get_type(feats) != FYNT_SEQUENCE) {
		problem(c, pos_of(c, feats ? feats : k), "\"features\" must be an array, got %s",
			describe(feats).s);
		return;
	}
	count = (size_t)fy_node_sequence_item_count(feats);
	if (count > HF_PLACES_MAX) {
		problem(c, pos_of(c, k), "too many features (%zu); a places file may hold at "
			"most %d", count, HF_PLACES_MAX);
		return;
	}
	if (count == 0)
		return;
	c->p->v = calloc(count, sizeof(*c->p->v));
	c->seen = calloc(count, sizeof(*c->seen));
	if (!c->p->v || !c->seen) {
		out_of_memory(c);
		return;
	}
	while ((f = fy_node_sequence_iterate(feats, &it)) && fi < count && !c->nomem)
		read_feature(c, fi++, f);
}

/* ----------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------- */

/* The shared checks (gateway/yaml.h) report here. */
static void report(void *ctx, int line, int col, const char *msg)
{
	problem(ctx, (struct pos){ line, col }, "%s", msg);
}

/* A new, empty set with its own GEOS context; NULL if out of memory. */
static struct hf_places *places_create(void)
{
	struct hf_places *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	hf_strmap_init(&p->ids[0], false);
	hf_strmap_init(&p->ids[1], false);
	p->geos = GEOS_init_r();
	if (!p->geos) {
		free(p);
		return NULL;
	}
	GEOSContext_setErrorMessageHandler_r(p->geos, geos_error, p);
	return p;
}

/* Indexes the loaded places by kind and id for hf_places_find(). */
static int index_ids(struct hf_places *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (hf_strmap_put(&p->ids[p->v[i].pub.kind - 1], p->v[i].pub.id,
				  (uint32_t)i) < 0)
			return -ENOMEM;
	return 0;
}

/*
 * Checks the text, parses it with libfyaml (syntax errors collected, not
 * printed), refuses a second document, checks the scalars, then reads the
 * FeatureCollection.
 */
int hf_places_load_string(const char *name, const char *buf, size_t len,
			  struct hf_places **out, struct hf_diag *diag)
{
	struct ctx c = { .diag = diag, .buf = buf, .len = len };
	struct hf_yaml_doc y = { 0 };
	struct hf_yaml_checks k;
	size_t first = diag ? diag->n : 0;
	int rc = 0, xline, xcol;

	*out = NULL;
	if (diag)
		hf_strlcpy(diag->file, name, sizeof(diag->file));
	hf_strmap_init(&c.seen_ids[0], false);
	hf_strmap_init(&c.seen_ids[1], false);
	c.p = places_create();
	if (!c.p)
		goto nomem;
	if (len > HF_PLACES_FILE_MAX) {
		problem(&c, (struct pos){ 0, 0 }, "larger than %d MiB", HF_PLACES_FILE_MAX >> 20);
		goto done;
	}
	k = (struct hf_yaml_checks){ .report = report, .ctx = &c, .what = "GeoJSON",
				     .value = "a value", .buf = buf, .len = len };
	if (!hf_yaml_check_text(&k))
		goto done;
	if (hf_yaml_find_explicit_key(buf, len, &xline, &xcol)) {
		problem(&c, (struct pos){ xline, xcol }, "explicit mapping keys (\"? \") are not "
			"used in a places file: write key: value");
		goto done;
	}

	if (hf_yaml_parse(&y, buf, len))
		goto nomem;
	if (y.extra)
		problem(&c, (struct pos){ y.extra_line, y.extra_col }, "a second document starts here; a places file must be one FeatureCollection");
	if (fy_diag_got_error(y.diag))
		hf_yaml_syntax_errors(&k, y.diag, "not valid JSON (or YAML)");
	else if (hf_yaml_check_scalars(&k, y.doc ? fy_document_root(y.doc) : NULL) == 0)
		read_collection(&c, y.doc ? fy_document_root(y.doc) : NULL);
	if (!c.errors && index_ids(c.p) < 0)
		goto nomem;
	goto done;

nomem:
	out_of_memory(&c);
done:
	hf_yaml_parse_finish(&y);
	hf_strmap_finish(&c.seen_ids[0]);
	hf_strmap_finish(&c.seen_ids[1]);
	free(c.seen);
	if (diag)
		hf_diag_sort(diag, first, diag->n < DIAG_KEPT ? diag->n : DIAG_KEPT);
	if (c.nomem)
		rc = -ENOMEM;
	else if (c.errors)
		rc = -EINVAL;
	if (rc) {
		hf_places_destroy(c.p);
		return rc;
	}
	*out = c.p;
	return 0;
}

/* Reads the file, then loads its text; a file that cannot be read is one
 * problem at line 0, column 0. */
int hf_places_load(const char *path, struct hf_places **out, struct hf_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = hf_file_read(path, HF_PLACES_FILE_MAX, &buf, &len);
	if (rc < 0) {
		if (diag) {
			hf_strlcpy(diag->file, path, sizeof(diag->file));
			if (rc == -EFBIG)
				hf_diag_add(diag, 0, 0, "cannot read: larger than %d MiB",
					    HF_PLACES_FILE_MAX >> 20);
			else
				hf_diag_add(diag, 0, 0, "cannot open: %s", strerror(-rc));
		}
		return rc;
	}
	rc = hf_places_load_string(path, buf, len, out, diag);
	free(buf);
	return rc;
}

void hf_places_destroy(struct hf_places *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		entry_finish(p->geos, &p->v[i]);
	free(p->v);
	hf_strmap_finish(&p->ids[0]);
	hf_strmap_finish(&p->ids[1]);
	GEOS_finish_r(p->geos);
	free(p);
}

/* ----------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------- */

size_t hf_places_count(const struct hf_places *p)
{
	return p ? p->n : 0;
}

const struct hf_place *hf_places_get(const struct hf_places *p, size_t i)
{
	return p && i < p->n ? &p->v[i].pub : NULL;
}

const struct hf_place *hf_places_find(const struct hf_places *p, enum hf_place_kind kind,
				      const char *id)
{
	uint32_t i;

	if (!p || !id || (kind != HF_PLACE_AREA && kind != HF_PLACE_FLAGGED))
		return NULL;
	return hf_strmap_get(&p->ids[kind - 1], id, &i) ? &p->v[i].pub : NULL;
}

/* True if entry e contains the point (boundary included). The GEOS point is
 * made on first need into *pt, shared by the calls of one lookup. */
static bool contains(const struct hf_places *p, const struct entry *e, double lat, double lon,
		     GEOSGeometry **pt)
{
	if (lat < e->min_lat || lat > e->max_lat || lon < e->min_lon || lon > e->max_lon)
		return false;
	if (e->pub.circle)
		return hf_geo_distance_m(lat, lon, e->pub.lat, e->pub.lon) <= e->pub.radius_m;
	if (!*pt && !(*pt = GEOSGeom_createPointFromXY_r(p->geos, lon, lat)))
		return false;
	/* for a point, intersects = in the interior or on the boundary */
	return GEOSPreparedIntersects_r(p->geos, e->prep, *pt) == 1;
}

size_t hf_places_at(const struct hf_places *p, double lat, double lon,
		    const struct hf_place **out, size_t max)
{
	GEOSGeometry *pt = NULL;
	size_t found = 0;

	if (!p || !hf_geo_valid(lat, lon))
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		if (!contains(p, &p->v[i], lat, lon, &pt))
			continue;
		if (found < max)
			out[found] = &p->v[i].pub;
		found++;
	}
	if (pt)
		GEOSGeom_destroy_r(p->geos, pt);
	return found;
}

const struct hf_place *hf_places_area_at(const struct hf_places *p, double lat, double lon)
{
	const struct hf_place *hit = NULL;
	GEOSGeometry *pt = NULL;

	if (!p || !hf_geo_valid(lat, lon))
		return NULL;
	for (size_t i = 0; i < p->n && !hit; i++)
		if (p->v[i].pub.kind == HF_PLACE_AREA && contains(p, &p->v[i], lat, lon, &pt))
			hit = &p->v[i].pub;
	if (pt)
		GEOSGeom_destroy_r(p->geos, pt);
	return hit;
}
