/*
 * journal.h - the durable journal: an SQLite database (WAL) in the state
 * directory that records every incident's timeline for court, and what the
 * gateway needs to come back after any stop (open incidents, units' last
 * state, command replies by idempotency key, the sequence counter).
 *
 * File: <state_dir>/journal.db. Schema version 1 (meta 'schema' = '1'):
 *
 *   meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)
 *     'schema'        '1'; a newer value is refused at start, never rewritten
 *     'gateway'       gateway.id of the config that created it
 *     'epoch'         decimal uint64: handoff.v1 Publication.epoch (kept across
 *                     restarts: seq continues)
 *     'seq_reserved'  decimal uint64: no publication ever used a seq above it
 *
 *   timeline(id INTEGER PRIMARY KEY AUTOINCREMENT,
 *            incident TEXT NOT NULL,   -- "INC-0001"
 *            n INTEGER NOT NULL,       -- 1, 2, ... within the incident
 *            unix_ms INTEGER NOT NULL, -- UTC time of the change
 *            source TEXT NOT NULL,     -- adapter ("pei-1"), "command", "timer", "gateway"
 *            actor TEXT NOT NULL,      -- the radio's unit callsign, the dispatcher, "gateway"
 *            what TEXT NOT NULL,       -- what changed, for people
 *            seq INTEGER NOT NULL,     -- Publication.seq it went out as (0: not published)
 *            state BLOB NOT NULL,      -- the incident after the change: packed handoff.v1.Incident
 *            prev_hash TEXT NOT NULL,  -- hash of entry n-1; 64 '0' for n = 1
 *            hash TEXT NOT NULL,       -- see below
 *            UNIQUE(incident, n))
 *
 *   incidents(number INTEGER PRIMARY KEY, id TEXT NOT NULL, open INTEGER NOT NULL,
 *             updated_unix_ms INTEGER NOT NULL, state BLOB NOT NULL)  -- packed Incident
 *   units(key TEXT PRIMARY KEY, updated_unix_ms INTEGER NOT NULL, state BLOB NOT NULL)
 *             -- packed handoff.v1.UnitState; key: unit id, or "issi-<n>" off the roster;
 *             -- written every second for the units that changed
 *   commands(key TEXT PRIMARY KEY, unix_ms INTEGER NOT NULL, code INTEGER NOT NULL,
 *            message TEXT NOT NULL, incident INTEGER NOT NULL)  -- idempotency keys
 *
 * The hash chain (tamper evidence): hash is the lowercase hex SHA-256 of the
 * UTF-8 bytes
 *     prev_hash "\n" incident "\n" n "\n" unix_ms "\n" source "\n" actor "\n"
 *     what "\n" seq "\n" hex(state)
 * with integers in decimal and hex(state) lowercase. Any edit, removal or
 * reordering of a timeline entry breaks the chain from that entry on.
 */
#ifndef HF_JOURNAL_H
#define HF_JOURNAL_H

#include <uv.h>

#include "hf.h"

#define HF_JOURNAL_SCHEMA 1
#define HF_JOURNAL_FILE "journal.db"
#define HF_HASH_HEX 65 /* 64 hex digits + NUL */

/* The zero hash that starts every incident's chain. */
extern const char hf_journal_zero_hash[HF_HASH_HEX];

/* Computes an entry's hash (see above) into out. state: len bytes. */
void hf_journal_entry_hash(const char *prev_hash, const char *incident, int64_t n,
			   int64_t unix_ms, const char *source, const char *actor, const char *what,
			   uint64_t seq, const uint8_t *state, size_t len, char out[HF_HASH_HEX]);

struct hf_journal;
struct sqlite3;

/* The value of meta key in a journal database (a new string in *out, NULL if
 * absent). An SQLite result code: SQLITE_OK (0) or an error. Used by the
 * gateway and by `handoffctl export`. */
int hf_journal_meta_get(struct sqlite3 *db, const char *key, char **out);

/* The journal started or stopped failing (why: the error, "" when writing again). */
struct hf_journal_status_cb {
	void (*status)(void *ctx, bool failing, const char *why);
	void *ctx;
};

struct hf_journal_stats {
	uint64_t written;       /* records written */
	uint64_t failed_writes; /* transactions the disk refused (then retried) */
	uint64_t dropped;       /* records lost (backlog full, out of memory) */
};

/*
 * Opens <dir>/journal.db (creating dir and the database), refusing a file
 * that is not a handoff journal, is corrupt (quick_check), or has a newer
 * schema; migrates an older one. On error returns a negative errno and a
 * sentence saying why in err; nothing is left open.
 */
int hf_journal_open(const char *dir, const char *gateway_id, uv_loop_t *loop,
		    const struct hf_journal_status_cb *status_cb, struct hf_journal **out,
		    char *err, size_t errlen);

/* Flushes what it can, closes its timers and waits for threadpool jobs, then
 * frees j and calls done(arg) (from a libuv callback). */
void hf_journal_close(struct hf_journal *j, void (*done)(void *arg), void *arg);

/*
 * Writes (or, while the disk refuses, keeps in order in memory and retries
 * every second) a timeline entry and the incident's current state. Hashes
 * chain per incident. Strings and state are copied. The write is in the WAL
 * when this returns (safe from a crash of the process), unless failing.
 */
void hf_journal_incident(struct hf_journal *j, const char *id, uint32_t number, bool open,
			 int64_t unix_ms, const char *source, const char *actor, const char *what,
			 uint64_t seq, const uint8_t *state, size_t len);
/* A command and its reply (key "" = none). */
void hf_journal_command(struct hf_journal *j, const char *key, int64_t unix_ms,
			const char *actor, int kind, const char *incident_id, int code,
			const char *message, uint32_t incident);
/* One unit's latest state, handed over by hf_journal_units' get(). */
struct hf_journal_unit {
	const char *key;      /* unit id, or "issi-<n>" off the roster */
	const uint8_t *state; /* packed handoff.v1.UnitState */
	size_t len;
	int64_t unix_ms;
};
/*
 * Writes n unit states in one transaction, asking get(ctx, i, &u) for each
 * (0: write u, whose pointers stay valid until the next call; else skip).
 * The caller keeps which units changed and calls this now and then (units
 * move constantly: their states are conflated, not queued). 0, or -EIO with
 * nothing written (the journal is failing: call again later).
 */
int hf_journal_units(struct hf_journal *j, size_t n,
		     int (*get)(void *ctx, size_t i, struct hf_journal_unit *u), void *ctx);
/* meta 'seq_reserved' / any numeric meta key. -EIO while failing (kept). */
int hf_journal_reserve_seq(struct hf_journal *j, uint64_t upto);
int hf_journal_set_meta(struct hf_journal *j, const char *key, uint64_t value);

/* Calls cb(arg, 0) once everything written so far is on disk (fdatasync of
 * the WAL, on the threadpool), or cb(arg, -errno) (at once while failing). */
void hf_journal_sync(struct hf_journal *j, void (*cb)(void *arg, int status), void *arg);

/* What recovery hands back, in order: incidents (packed Incident, open or
 * not, by number), unit states (packed UnitState), keyed command replies
 * (oldest first). Pointers are valid during the call. */
struct hf_journal_recovery {
	void (*incident)(void *ctx, const void *state, size_t len, bool open);
	void (*unit)(void *ctx, const void *state, size_t len);
	void (*command)(void *ctx, const char *key, int code, const char *message,
			uint32_t incident);
	void *ctx;
};

/* Reads everything back; *epoch (0: none yet) and *seq_reserved (no seq above
 * it was ever used). 0 or -EIO. */
int hf_journal_recover(struct hf_journal *j, const struct hf_journal_recovery *sink,
		       uint64_t *epoch, uint64_t *seq_reserved);

/*
 * Retention: moves closed incidents last changed before before_unix_ms (their
 * timeline and state) to <dir>/archive.db, at most `max` per call, and
 * returns how many moved (or -errno). archive.db has the same timeline and
 * incidents tables, so `handoffctl export --journal archive.db` reads it.
 */
int hf_journal_archive(struct hf_journal *j, int64_t before_unix_ms, int max);

/* True while writes fail; *why says why. */
bool hf_journal_failing(const struct hf_journal *j, const char **why);

#endif
