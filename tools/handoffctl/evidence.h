/*
 * evidence.h - an incident's timeline as tamper-evident evidence: the export
 * document (format "handoff.timeline.v1") rendered from journal rows, and its
 * verification. Pure: no files, no database, no clock (see export.c for those).
 *
 * The document, byte for byte (one entry per line, keys in this order):
 *
 *   {
 *     "format": "handoff.timeline.v1",
 *     "gateway": "<meta 'gateway'>",
 *     "incident": "INC-0001",
 *     "exportedUnixMs": 1795...,
 *     "exported": "2026-11-23T04:00:00.000Z",
 *     "entries": [
 *       {"n": 1, "time": "...", "unixMs": ..., "source": "...", "actor": "...",
 *        "what": "...", "seq": 35, "incident": {<proto3 JSON of state>},
 *        "state": "<hex>", "prevHash": "...", "hash": "..."},     (one line)
 *       ...
 *     ],
 *     "head": "<hash of the last entry>",
 *     "seal": "<sha256 hex of head \n gateway \n incident \n exportedUnixMs>"
 *   }
 *
 * Each entry's hash is journal.h's chain hash over (prevHash, incident, n,
 * unixMs, source, actor, what, seq, state); `time` and the entry's `incident`
 * object are derived (from unixMs and from decoding state), so verification
 * recomputes them, and finally re-renders the whole document from the
 * verified fields and compares it with the file byte for byte.
 */
#ifndef HF_EVIDENCE_H
#define HF_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

#define HF_EVIDENCE_FORMAT "handoff.timeline.v1"

/* One timeline entry (a journal row). Strings and state are owned by the
 * document (hf_evidence_finish frees them). */
struct hf_evidence_entry {
	int64_t n;
	int64_t unix_ms;
	char *source;
	char *actor;
	char *what;
	uint64_t seq;
	uint8_t *state;
	size_t state_len;
	char prev_hash[HF_HASH_HEX];
	char hash[HF_HASH_HEX];
};

struct hf_evidence {
	char *gateway;            /* meta 'gateway' */
	char *incident;           /* "INC-0001" */
	int64_t exported_unix_ms;
	struct hf_evidence_entry *entries;
	size_t n_entries;
	size_t cap;
};

/* An empty document. */
void hf_evidence_init(struct hf_evidence *doc);
/* Frees everything doc owns and empties it. */
void hf_evidence_finish(struct hf_evidence *doc);

/* Appends a copy of e (its strings and state copied). 0 or -ENOMEM. */
int hf_evidence_add(struct hf_evidence *doc, const struct hf_evidence_entry *e);

/* "INC-0007" for "INC-0007" or "7" into out (size bytes). 0, or -EINVAL when
 * id is empty or does not fit. */
int hf_evidence_incident_id(const char *id, char *out, size_t size);

/* "2026-11-23T03:51:09.958Z" (UTC, milliseconds) into out (at least 32 bytes). */
void hf_evidence_time(int64_t unix_ms, char *out, size_t size);

/* The seal: sha256 hex of head "\n" gateway "\n" incident "\n" exportedUnixMs. */
void hf_evidence_seal(const char *head, const char *gateway, const char *incident,
		      int64_t exported_unix_ms, char out[HF_HASH_HEX]);

/* Checks the chain of doc's entries in order: each hash recomputed from its
 * fields, n running 1..N, each prev_hash the previous entry's hash (the zero
 * hash for entry 1). 0, or -EBADMSG with the first problem ("entry 3: hash does
 * not match its contents (edited?)") in err. */
int hf_evidence_check_chain(const struct hf_evidence *doc, char *err, size_t errsize);

/* The document's text (malloc'd, NUL-terminated, *len bytes) into *text.
 * 0; -EINVAL with err when doc cannot be rendered (no entries, a string that
 * is not UTF-8, a state that is not a packed handoff.v1.Incident), or -ENOMEM. */
int hf_evidence_render(const struct hf_evidence *doc, char **text, size_t *len, char *err,
		       size_t errsize);

/* Verifies an export: len bytes at text. 0 with doc filled (finish it), or
 * -EBADMSG with the first problem in err (doc is left empty). */
int hf_evidence_verify(const char *text, size_t len, struct hf_evidence *doc, char *err,
		       size_t errsize);

#endif
