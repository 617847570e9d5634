/*
 * evidence.c - the timeline export document and its verification (evidence.h).
 *
 * Rendering and verification share one renderer: verify parses the file,
 * checks every entry's hash, number and link, re-derives the human-readable
 * parts, then renders the document again from the fields it has just verified
 * and compares the two byte for byte, so an edit that no field check sees
 * (whitespace, an added key, a changed key order) still fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "evidence.h"
#include "handoff/v1/incident.pb-c.h"
#include "pbjson.h"

/* Entries: one line each, ", " and ": " separators; doubles as pbjson prints them. */
#define ENTRY_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
/* How the entry's `incident` object is compared with the one decoded from state. */
#define COMPARE_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
/* Lines of the document before the first entry's line. */
#define HEADER_LINES 7

/* Formats the first problem into err (if there is room) and returns -EBADMSG. */
static int fail(char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* ---------------------------------------------------------------- the document */

void hf_evidence_init(struct hf_evidence *doc)
{
	memset(doc, 0, sizeof(*doc));
}

void hf_evidence_finish(struct hf_evidence *doc)
{
	for (size_t i = 0; i < doc->n_entries; i++) {
		free(doc->entries[i].source);
		free(doc->entries[i].actor);
		free(doc->entries[i].what);
		free(doc->entries[i].state);
	}
	free(doc->entries);
	free(doc->gateway);
	free(doc->incident);
	memset(doc, 0, sizeof(*doc));
}

int hf_evidence_add(struct hf_evidence *doc, const struct hf_evidence_entry *e)
{
	struct hf_evidence_entry *c;

	if (doc->n_entries == doc->cap) {
		size_t cap = doc->cap ? doc->cap * 2 : 16;
		struct hf_evidence_entry *p = realloc(doc->entries, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		doc->entries = p;
		doc->cap = cap;
	}
	c = &doc->entries[doc->n_entries];
	*c = *e;
	c->source = strdup(e->source);
	c->actor = strdup(e->actor);
	c->what = strdup(e->what);
	c->state = malloc(e->state_len ? e->state_len : 1);
	if (c->source == NULL || c->actor == NULL || c->what == NULL || c->state == NULL) {
		free(c->source);
		free(c->actor);
		free(c->what);
		free(c->state);
		return -ENOMEM;
	}
	if (e->state_len)
		memcpy(c->state, e->state, e->state_len);
	doc->n_entries++;
	return 0;
}

int hf_evidence_incident_id(const char *id, char *out, size_t size)
{
	const char *p = id;
	int n;

	/* A bare number is shorthand for INC-<number>, as in the gateway. */
	while (*p >= '0' && *p <= '9')
		p++;
	if (*id && !*p && p - id < 10)
		n = snprintf(out, size, "INC-%04lu", strtoul(id, NULL, 10));
	else
		n = snprintf(out, size, "%s", id);
	return *id && n >= 0 && (size_t)n < size ? 0 : -EINVAL;
}

void hf_evidence_time(int64_t unix_ms, char *out, size_t size)
{
	int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
	time_t t;
	struct tm tm;

	if (ms < 0) { /* floor, so times before 1970 still read forwards */
		ms += 1000;
		secs--;
	}
	t = (time_t)secs;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, size, "%" PRId64, unix_ms);
		return;
	}
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
}

/* Lowercase hex of a SHA-256 digest into out. */
static void digest_hex(const unsigned char *d, char out[HF_HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < crypto_hash_sha256_BYTES; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * crypto_hash_sha256_BYTES] = '\0';
}

void hf_evidence_seal(const char *head, const char *gateway, const char *incident,
		      int64_t exported_unix_ms, char out[HF_HASH_HEX])
{
	crypto_hash_sha256_state st;
	unsigned char d[crypto_hash_sha256_BYTES];
	char num[24];

	snprintf(num, sizeof num, "%" PRId64, exported_unix_ms);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)head, strlen(head));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)gateway, strlen(gateway));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)incident, strlen(incident));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)num, strlen(num));
	crypto_hash_sha256_final(&st, d);
	digest_hex(d, out);
}

/* ---------------------------------------------------------------- the chain */

/* Checks entry i of doc: its own hash, its number after entry i-1's, and its
 * link to entry i-1 (the zero hash for the first). 0 or -EBADMSG with err. */
static int check_entry(const struct hf_evidence *doc, size_t i, char *err, size_t errsize)
{
	const struct hf_evidence_entry *e = &doc->entries[i];
	int64_t prev_n = i ? doc->entries[i - 1].n : 0;
	char h[HF_HASH_HEX];

	hf_journal_entry_hash(e->prev_hash, doc->incident, e->n, e->unix_ms, e->source, e->actor,
			      e->what, e->seq, e->state, e->state_len, h);
	/* The entry's own content first: an edited n is an edit, not a removal. */
	if (strcmp(h, e->hash) != 0)
		return fail(err, errsize, "entry %" PRId64 ": hash does not match its contents (edited?)",
			    e->n);
	if (e->n != prev_n + 1) {
		if (i == 0)
			return fail(err, errsize,
				    "the first entry is entry %" PRId64 ", not entry 1 (removed?)", e->n);
		if (e->n == prev_n)
			return fail(err, errsize,
				    "entry numbers go %" PRId64 ", %" PRId64 ": entry %" PRId64
				    " appears twice (inserted?)",
				    prev_n, e->n, e->n);
		if (e->n < prev_n)
			return fail(err, errsize,
				    "entry numbers go %" PRId64 ", %" PRId64 ": entry %" PRId64
				    " is out of order (reordered?)",
				    prev_n, e->n, e->n);
		for (size_t j = i + 1; j < doc->n_entries; j++)
			if (doc->entries[j].n == prev_n + 1)
				return fail(err, errsize,
					    "entry numbers go %" PRId64 ", %" PRId64 ": entry %" PRId64
					    " comes later (reordered?)",
					    prev_n, e->n, prev_n + 1);
		if (e->n == prev_n + 2)
			return fail(err, errsize,
				    "entry numbers go %" PRId64 ", %" PRId64 ": entry %" PRId64 " removed",
				    prev_n, e->n, prev_n + 1);
		return fail(err, errsize,
			    "entry numbers go %" PRId64 ", %" PRId64 ": entries %" PRId64 " to %" PRId64
			    " removed",
			    prev_n, e->n, prev_n + 1, e->n - 1);
	}
	if (i == 0 && strcmp(e->prev_hash, hf_journal_zero_hash) != 0)
		return fail(err, errsize, "entry 1: prevHash is not the zero hash (entries before it?)");
	if (i > 0 && strcmp(e->prev_hash, doc->entries[i - 1].hash) != 0)
		return fail(err, errsize,
			    "entry %" PRId64 ": prevHash is not entry %" PRId64
			    "'s hash (removed or reordered?)",
			    e->n, prev_n);
	return 0;
}

int hf_evidence_check_chain(const struct hf_evidence *doc, char *err, size_t errsize)
{
	if (doc->n_entries == 0)
		return fail(err, errsize, "no entries");
	for (size_t i = 0; i < doc->n_entries; i++) {
		int rc = check_entry(doc, i, err, errsize);

		if (rc)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- rendering */

/* Lowercase hex of len bytes (malloc'd), or NULL. */
static char *hex_of(const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *s = malloc(2 * len + 1);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = hex[p[i] >> 4];
		s[2 * i + 1] = hex[p[i] & 15];
	}
	s[2 * len] = '\0';
	return s;
}

/* The proto3 JSON of the packed handoff.v1.Incident in e's state, or NULL
 * when it is not one (or memory ran out). */
static json_t *state_json(const struct hf_evidence_entry *e)
{
	Handoff__V1__Incident *inc = handoff__v1__incident__unpack(NULL, e->state_len, e->state);
	json_t *j;

	if (inc == NULL)
		return NULL;
	j = hf_pbjson_from_message(&inc->base);
	handoff__v1__incident__free_unpacked(inc, NULL);
	return j;
}

/* Sets obj[key] = value (taken); the first key that failed goes to *bad. A
 * NULL value is a string jansson refused (not UTF-8) or no memory. */
static void put(json_t *obj, const char *key, json_t *value, const char **bad)
{
	if (value == NULL || json_object_set_new(obj, key, value) < 0) {
		if (*bad == NULL)
			*bad = key;
	}
}

/* Entry e as one line of JSON (malloc'd) into *line. 0, or -EINVAL with err. */
static int render_entry(const struct hf_evidence_entry *e, char **line, char *err,
			size_t errsize)
{
	json_t *obj = json_object(), *inc;
	const char *bad = NULL;
	char time[40], *hex;

	if (obj == NULL)
		return -ENOMEM;
	if (e->seq > (uint64_t)INT64_MAX) {
		json_decref(obj);
		fail(err, errsize, "entry %" PRId64 ": seq %" PRIu64 " is out of range", e->n, e->seq);
		return -EINVAL;
	}
	inc = state_json(e);
	if (inc == NULL) {
		json_decref(obj);
		fail(err, errsize, "entry %" PRId64 ": state is not a packed handoff.v1.Incident", e->n);
		return -EINVAL;
	}
	hf_evidence_time(e->unix_ms, time, sizeof time);
	hex = hex_of(e->state, e->state_len);
	put(obj, "n", json_integer(e->n), &bad);
	put(obj, "time", json_string(time), &bad);
	put(obj, "unixMs", json_integer(e->unix_ms), &bad);
	put(obj, "source", json_string(e->source), &bad);
	put(obj, "actor", json_string(e->actor), &bad);
	put(obj, "what", json_string(e->what), &bad);
	put(obj, "seq", json_integer((json_int_t)e->seq), &bad);
	put(obj, "incident", inc, &bad);
	put(obj, "state", hex ? json_string(hex) : NULL, &bad);
	put(obj, "prevHash", json_string(e->prev_hash), &bad);
	put(obj, "hash", json_string(e->hash), &bad);
	free(hex);
	if (bad != NULL) {
		json_decref(obj);
		fail(err, errsize, "entry %" PRId64 ": %s is not valid UTF-8 (or out of memory)", e->n,
		     bad);
		return -EINVAL;
	}
	*line = json_dumps(obj, ENTRY_FLAGS);
	json_decref(obj);
	return *line ? 0 : -ENOMEM;
}

/* s as a JSON string literal (malloc'd), or NULL when s is not UTF-8. */
static char *quoted(const char *s)
{
	json_t *j = json_string(s);
	char *q;

	if (j == NULL)
		return NULL;
	q = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	return q;
}

int hf_evidence_render(const struct hf_evidence *doc, char **text, size_t *len, char *err,
		       size_t errsize)
{
	const struct hf_evidence_entry *last;
	char *gateway = NULL, *incident = NULL, *buf = NULL, seal[HF_HASH_HEX], time[40];
	size_t size = 0;
	FILE *fp;
	int rc = 0;

	if (doc->n_entries == 0) {
		fail(err, errsize, "no entries");
		return -EINVAL;
	}
	last = &doc->entries[doc->n_entries - 1];
	gateway = quoted(doc->gateway);
	incident = quoted(doc->incident);
	if (gateway == NULL || incident == NULL) {
		free(gateway);
		free(incident);
		fail(err, errsize, "the gateway or incident id is not valid UTF-8");
		return -EINVAL;
	}
	fp = open_memstream(&buf, &size);
	if (fp == NULL) {
		free(gateway);
		free(incident);
		return -ENOMEM;
	}
	hf_evidence_time(doc->exported_unix_ms, time, sizeof time);
	hf_evidence_seal(last->hash, doc->gateway, doc->incident, doc->exported_unix_ms, seal);
	fprintf(fp,
		"{\n"
		"  \"format\": \"" HF_EVIDENCE_FORMAT "\",\n"
		"  \"gateway\": %s,\n"
		"  \"incident\": %s,\n"
		"  \"exportedUnixMs\": %" PRId64 ",\n"
		"  \"exported\": \"%s\",\n"
		"  \"entries\": [\n",
		gateway, incident, doc->exported_unix_ms, time);
	for (size_t i = 0; i < doc->n_entries && rc == 0; i++) {
		char *line = NULL;

		rc = render_entry(&doc->entries[i], &line, err, errsize);
		if (rc == 0)
			fprintf(fp, "    %s%s\n", line, i + 1 < doc->n_entries ? "," : "");
		free(line);
	}
	fprintf(fp,
		"  ],\n"
		"  \"head\": \"%s\",\n"
		"  \"seal\": \"%s\"\n"
		"}\n",
		last->hash, seal);
	free(gateway);
	free(incident);
	if (fclose(fp) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc) {
		free(buf);
		return rc;
	}
	*text = buf;
	*len = size;
	return 0;
}

/* ---------------------------------------------------------------- verification */

/* Whether s is 64 lowercase hex digits. */
static bool is_hash(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == HF_HASH_HEX - 1;
}

/* The value of one lowercase hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* obj[key] as a string, or NULL with err naming where ("entry 3", key). */
static const char *get_string(json_t *obj, const char *where, const char *key, char *err,
			      size_t errsize)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v)) {
		fail(err, errsize, "%s: \"%s\" is missing or not a string", where, key);
		return NULL;
	}
	return json_string_value(v);
}

/* obj[key] as an integer into *out, or -EBADMSG with err naming where. */
static int get_int(json_t *obj, const char *where, const char *key, int64_t *out, char *err,
		   size_t errsize)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return fail(err, errsize, "%s: \"%s\" is missing or not an integer", where, key);
	*out = json_integer_value(v);
	return 0;
}

/* A hash member (64 lowercase hex digits) into out, or -EBADMSG. */
static int get_hash(json_t *obj, const char *where, const char *key, char out[HF_HASH_HEX],
		    char *err, size_t errsize)
{
	const char *s = get_string(obj, where, key, err, errsize);

	if (s == NULL)
		return -EBADMSG;
	if (!is_hash(s))
		return fail(err, errsize, "%s: \"%s\" is not 64 lowercase hex digits", where, key);
	memcpy(out, s, HF_HASH_HEX);
	return 0;
}

/* Reads entries[i] of the file into doc (appended). -EBADMSG with err naming it. */
static int read_entry(json_t *obj, size_t i, struct hf_evidence *doc, char *err, size_t errsize)
{
	struct hf_evidence_entry e = { 0 };
	char where[48];
	const char *hex;
	int64_t seq = 0;
	size_t hl;
	int rc;

	snprintf(where, sizeof where, "entries[%zu]", i);
	if (!json_is_object(obj))
		return fail(err, errsize, "%s is not an object", where);
	if (get_int(obj, where, "n", &e.n, err, errsize))
		return -EBADMSG;
	snprintf(where, sizeof where, "entry %" PRId64, e.n);
	if (get_int(obj, where, "unixMs", &e.unix_ms, err, errsize) ||
	    get_int(obj, where, "seq", &seq, err, errsize) ||
	    !(e.source = (char *)get_string(obj, where, "source", err, errsize)) ||
	    !(e.actor = (char *)get_string(obj, where, "actor", err, errsize)) ||
	    !(e.what = (char *)get_string(obj, where, "what", err, errsize)) ||
	    !get_string(obj, where, "time", err, errsize) ||
	    !(hex = get_string(obj, where, "state", err, errsize)) ||
	    get_hash(obj, where, "prevHash", e.prev_hash, err, errsize) ||
	    get_hash(obj, where, "hash", e.hash, err, errsize))
		return -EBADMSG;
	if (seq < 0)
		return fail(err, errsize, "%s: \"seq\" is negative", where);
	e.seq = (uint64_t)seq;
	if (!json_is_object(json_object_get(obj, "incident")))
		return fail(err, errsize, "%s: \"incident\" is missing or not an object", where);
	hl = strlen(hex);
	if (hl % 2)
		return fail(err, errsize, "%s: \"state\" has an odd number of hex digits", where);
	e.state_len = hl / 2;
	e.state = malloc(e.state_len ? e.state_len : 1);
	if (e.state == NULL)
		return fail(err, errsize, "out of memory");
	for (size_t k = 0; k < e.state_len; k++) {
		int hi = hexval(hex[2 * k]), lo = hexval(hex[2 * k + 1]);

		if (hi < 0 || lo < 0) {
			free(e.state);
			return fail(err, errsize, "%s: \"state\" is not lowercase hex (at digit %zu)",
				    where, 2 * k + (hi < 0 ? 0 : 1));
		}
		e.state[k] = (uint8_t)(hi << 4 | lo);
	}
	rc = hf_evidence_add(doc, &e);
	free(e.state);
	return rc ? fail(err, errsize, "out of memory") : 0;
}

/* Checks that entry i's human-readable parts (time, incident) are what its
 * hashed fields say. 0 or -EBADMSG with err. */
static int check_derived(const struct hf_evidence_entry *e, json_t *obj, char *err,
			 size_t errsize)
{
	char time[40], *want, *got;
	json_t *inc;
	bool same;

	hf_evidence_time(e->unix_ms, time, sizeof time);
	if (strcmp(time, json_string_value(json_object_get(obj, "time"))) != 0)
		return fail(err, errsize, "time of entry %" PRId64 " differs from its unixMs (%s)", e->n,
			    time);
	inc = state_json(e);
	if (inc == NULL)
		return fail(err, errsize, "entry %" PRId64 ": state is not a packed handoff.v1.Incident",
			    e->n);
	want = json_dumps(inc, COMPARE_FLAGS);
	got = json_dumps(json_object_get(obj, "incident"), COMPARE_FLAGS);
	json_decref(inc);
	same = want && got && strcmp(want, got) == 0;
	free(want);
	free(got);
	if (!same)
		return fail(err, errsize,
			    "the human-readable incident of entry %" PRId64 " differs from its hashed state",
			    e->n);
	return 0;
}

/* Compares the file with its re-rendering; names the first differing byte's
 * line and column (and entry, if on an entry's line). */
static int compare_bytes(const char *text, size_t len, const char *want, size_t want_len,
			 const struct hf_evidence *doc, char *err, size_t errsize)
{
	size_t i, line = 1, col = 1;
	char what[48] = "";

	for (i = 0; i < len && i < want_len && text[i] == want[i]; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (i == len && i == want_len)
		return 0;
	if (line > HEADER_LINES && line - HEADER_LINES <= doc->n_entries)
		snprintf(what, sizeof what, " (entry %" PRId64 ")",
			 doc->entries[line - HEADER_LINES - 1].n);
	if (i == want_len)
		return fail(err, errsize, "line %zu, column %zu: text after the end of the export", line,
			    col);
	return fail(err, errsize,
		    "line %zu, column %zu%s: the file differs from the export's exact form "
		    "(whitespace, a key or its order edited?)",
		    line, col, what);
}

/* Verification against an already-parsed root (see hf_evidence_verify). */
static int verify_root(const char *text, size_t len, json_t *root, struct hf_evidence *doc,
		       char *err, size_t errsize)
{
	const char *format, *gateway, *incident, *head, *seal, *exported;
	json_t *entries;
	char want_seal[HF_HASH_HEX], time[40], *canon = NULL;
	size_t canon_len = 0;
	int rc;

	if (!json_is_object(root))
		return fail(err, errsize, "not a JSON object");
	if (!(format = get_string(root, "the document", "format", err, errsize)))
		return -EBADMSG;
	if (strcmp(format, HF_EVIDENCE_FORMAT) != 0)
		return fail(err, errsize, "format is \"%s\", not \"" HF_EVIDENCE_FORMAT "\"", format);
	if (!(gateway = get_string(root, "the document", "gateway", err, errsize)) ||
	    !(incident = get_string(root, "the document", "incident", err, errsize)) ||
	    !(exported = get_string(root, "the document", "exported", err, errsize)) ||
	    !(head = get_string(root, "the document", "head", err, errsize)) ||
	    !(seal = get_string(root, "the document", "seal", err, errsize)) ||
	    get_int(root, "the document", "exportedUnixMs", &doc->exported_unix_ms, err, errsize))
		return -EBADMSG;
	doc->gateway = strdup(gateway);
	doc->incident = strdup(incident);
	if (doc->gateway == NULL || doc->incident == NULL)
		return fail(err, errsize, "out of memory");
	entries = json_object_get(root, "entries");
	if (!json_is_array(entries) || json_array_size(entries) == 0)
		return fail(err, errsize, "the document: \"entries\" is missing, not a list, or empty");
	for (size_t i = 0; i < json_array_size(entries); i++)
		if ((rc = read_entry(json_array_get(entries, i), i, doc, err, errsize)))
			return rc;
	for (size_t i = 0; i < doc->n_entries; i++) {
		if ((rc = check_entry(doc, i, err, errsize)) ||
		    (rc = check_derived(&doc->entries[i], json_array_get(entries, i), err, errsize)))
			return rc;
	}
	if (strcmp(head, doc->entries[doc->n_entries - 1].hash) != 0)
		return fail(err, errsize,
			    "head/seal do not match: head is not the hash of the last entry (entry %" PRId64
			    ")",
			    doc->entries[doc->n_entries - 1].n);
	hf_evidence_seal(head, gateway, incident, doc->exported_unix_ms, want_seal);
	if (strcmp(seal, want_seal) != 0)
		return fail(err, errsize,
			    "head/seal do not match: the seal is not the hash of head, gateway, "
			    "incident and exportedUnixMs");
	hf_evidence_time(doc->exported_unix_ms, time, sizeof time);
	if (strcmp(exported, time) != 0)
		return fail(err, errsize, "exported differs from exportedUnixMs (%s)", time);
	rc = hf_evidence_render(doc, &canon, &canon_len, err, errsize);
	if (rc)
		return rc == -ENOMEM ? fail(err, errsize, "out of memory") : -EBADMSG;
	rc = compare_bytes(text, len, canon, canon_len, doc, err, errsize);
	free(canon);
	return rc;
}

int hf_evidence_verify(const char *text, size_t len, struct hf_evidence *doc, char *err,
		       size_t errsize)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	hf_evidence_init(doc);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fail(err, errsize, "line %d, column %d: not JSON: %s", jerr.line, jerr.column,
			    jerr.text);
	rc = verify_root(text, len, root, doc, err, errsize);
	json_decref(root);
	if (rc)
		hf_evidence_finish(doc);
	return rc;
}
