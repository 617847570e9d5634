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
 *             -- packed handoff.v1.UnitState; key: unit id, or "issi-<n>" off the roster
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

#endif
