/*
 * journal.c - see journal.h.
 *
 * Layout: records and the backlog; opening (integrity, schema, migrations);
 * writing; durability (fdatasync on the threadpool); checkpoints; recovery.
 *
 * Threads: everything runs on the loop thread except the two threadpool jobs,
 * which only call fdatasync() on the WAL and run a PASSIVE checkpoint on a
 * connection of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "hashmap.h"
#include "journal.h"
#include "log.h"

#define BACKLOG_MAX 1000000     /* records kept while the disk refuses them */
#define RETRY_MS 1000           /* retry of a failing journal */
#define CHECKPOINT_MS 10000

/* ---------------------------------------------------------------- migrations */

/* Schema version N is reached by running migrations[N - 1]. Never edit a
 * released entry: add the next one. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE timeline(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" incident TEXT NOT NULL, n INTEGER NOT NULL, unix_ms INTEGER NOT NULL,"
	" source TEXT NOT NULL, actor TEXT NOT NULL, what TEXT NOT NULL,"
	" seq INTEGER NOT NULL, state BLOB NOT NULL, prev_hash TEXT NOT NULL,"
	" hash TEXT NOT NULL, UNIQUE(incident, n));"
	"CREATE TABLE incidents(number INTEGER PRIMARY KEY, id TEXT NOT NULL,"
	" open INTEGER NOT NULL, updated_unix_ms INTEGER NOT NULL, state BLOB NOT NULL);"
	"CREATE TABLE units(key TEXT PRIMARY KEY, updated_unix_ms INTEGER NOT NULL,"
	" state BLOB NOT NULL);"
	"CREATE TABLE commands(id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE,"
	" unix_ms INTEGER NOT NULL, actor TEXT NOT NULL, kind INTEGER NOT NULL,"
	" incident_id TEXT NOT NULL, code INTEGER NOT NULL, message TEXT NOT NULL,"
	" incident INTEGER NOT NULL);",
};

_Static_assert(HF_ARRAY_SIZE(migrations) == HF_JOURNAL_SCHEMA, "one migration per version");

/* ---------------------------------------------------------------- records */

enum rec_kind { R_TIMELINE, R_COMMAND, R_META };

/* One write, kept (copied) while the disk refuses it. */
struct rec {
	enum rec_kind kind;
	struct rec *next;
	int64_t unix_ms;
	int64_t n;          /* timeline: entry number; command: kind; incident number */
	uint64_t seq;       /* timeline: seq; meta: value */
	uint32_t number;    /* timeline: incident number; command: incident number */
	int code;           /* command reply code; timeline: open */
	char *a, *b, *c, *d; /* timeline: id, source, actor, what; command: key, actor,
			      * incident_id, message; meta: key */
	uint8_t *blob;
	size_t len;
	char prev[HF_HASH_HEX], hash[HF_HASH_HEX];
};

/* The chain head of one incident. */
struct chain {
	char id[32];
	int64_t n;
	char hash[HF_HASH_HEX];
};

struct sync_req {
	uv_work_t work;
	struct hf_journal *j;
	int fd;
	int status;
	void (*cb)(void *arg, int status);
	void *arg;
};

struct hf_journal {
	uv_loop_t *loop;
	sqlite3 *db;
	char path[HF_PATH_MAX];
	char wal_path[HF_PATH_MAX + 8];
	int wal_fd;
	sqlite3_stmt *ins_timeline, *up_incident, *up_unit, *ins_command, *up_meta;
	struct chain *chains;
	size_t n_chains, cap_chains;
	struct hf_strmap chain_by_id;
	struct rec *backlog, *backlog_tail; /* in order; written before anything new */
	size_t n_backlog;
	bool failing;
	char error[200];
	struct hf_journal_status_cb status_cb;
	uv_timer_t retry, checkpoint;
	bool checkpoint_running;
	int open_handles;
	int jobs;            /* threadpool jobs in flight */
	bool closing;
	void (*closed)(void *arg);
	void *closed_arg;
	struct hf_journal_stats stats;
};

static void rec_free(struct rec *r)
{
	if (!r)
		return;
	free(r->a);
	free(r->b);
	free(r->c);
	free(r->d);
	free(r->blob);
	free(r);
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

/* ---------------------------------------------------------------- opening */

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK && err)
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

int hf_journal_meta_get(struct sqlite3 *db, const char *key, char **out)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		*out = strdup(v ? (const char *)v : "");
		rc = *out ? SQLITE_OK : SQLITE_NOMEM;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The value of a meta key into buf ("" if absent). SQLITE_OK or an error. */
static int meta_get(sqlite3 *db, const char *key, char *buf, size_t size)
{
	char *v;
	int rc = hf_journal_meta_get(db, key, &v);

	snprintf(buf, size, "%s", v ? v : "");
	free(v);
	return rc;
}

static int meta_put(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "INSERT INTO meta(key, value) VALUES(?, ?) "
				    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
				    -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Checks the file is an intact handoff journal no newer than this program,
 * and brings an older (or new, empty) one up to HF_JOURNAL_SCHEMA. */
static int check_and_migrate(struct hf_journal *j, const char *gateway_id, char *err,
			     size_t errlen)
{
	char buf[64];
	long version = 0;
	int rc;
	sqlite3_stmt *st;
	bool has_meta = false, empty = true;

	rc = sqlite3_prepare_v2(j->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1,
				&st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s is not a readable SQLite database (%s); refusing to "
			 "start rather than overwrite it", j->path, sqlite3_errmsg(j->db));
		return -EINVAL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		empty = false;
		if (strcmp((const char *)sqlite3_column_text(st, 0), "meta") == 0)
			has_meta = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s is not a readable SQLite database (%s); refusing to "
			 "start rather than overwrite it", j->path, sqlite3_errstr(rc));
		return -EINVAL;
	}
	if (!empty && !has_meta) {
		snprintf(err, errlen, "%s is an SQLite database but not a handoff journal (no meta "
			 "table); refusing to start rather than overwrite it", j->path);
		return -EINVAL;
	}
	if (has_meta) {
		sqlite3_stmt *qc;

		if (sqlite3_prepare_v2(j->db, "PRAGMA quick_check", -1, &qc, NULL) == SQLITE_OK) {
			rc = sqlite3_step(qc);
			if (rc != SQLITE_ROW ||
			    strcmp((const char *)sqlite3_column_text(qc, 0), "ok") != 0) {
				snprintf(err, errlen, "%s is corrupt (integrity check: %s); refusing to "
					 "start: restore it from a backup or move it aside",
					 j->path, rc == SQLITE_ROW
						  ? (const char *)sqlite3_column_text(qc, 0)
						  : sqlite3_errstr(rc));
				sqlite3_finalize(qc);
				return -EINVAL;
			}
			sqlite3_finalize(qc);
		}
		if (meta_get(j->db, "schema", buf, sizeof buf) != SQLITE_OK) {
			snprintf(err, errlen, "%s: cannot read its schema version: %s", j->path,
				 sqlite3_errmsg(j->db));
			return -EIO;
		}
		version = strtol(buf, NULL, 10);
		if (version > HF_JOURNAL_SCHEMA) {
			snprintf(err, errlen, "%s was written by a newer handoffd (journal schema %ld; "
				 "this one knows up to %d); refusing to start rather than lose data",
				 j->path, version, HF_JOURNAL_SCHEMA);
			return -EPROTONOSUPPORT;
		}
		if (version < 1) {
			snprintf(err, errlen, "%s has no valid schema version (\"%s\"); refusing to "
				 "start", j->path, buf);
			return -EINVAL;
		}
	}
	for (long v = version; v < HF_JOURNAL_SCHEMA; v++) {
		char verr[200] = "";

		snprintf(buf, sizeof buf, "%ld", v + 1);
		if (exec(j->db, "BEGIN IMMEDIATE", verr, sizeof verr) != SQLITE_OK ||
		    exec(j->db, migrations[v], verr, sizeof verr) != SQLITE_OK ||
		    meta_put(j->db, "schema", buf) != SQLITE_OK ||
		    (v == 0 && meta_put(j->db, "gateway", gateway_id) != SQLITE_OK) ||
		    exec(j->db, "COMMIT", verr, sizeof verr) != SQLITE_OK) {
			exec(j->db, "ROLLBACK", NULL, 0);
			snprintf(err, errlen, "%s: migration to schema %ld failed: %s", j->path, v + 1,
				 verr[0] ? verr : sqlite3_errmsg(j->db));
			return -EIO;
		}
		hf_notice("journal %s: schema %ld", j->path, v + 1);
	}
	return 0;
}

static int prepare_all(struct hf_journal *j)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} s[] = {
		{ &j->ins_timeline, "INSERT INTO timeline(incident, n, unix_ms, source, actor, "
				    "what, seq, state, prev_hash, hash) "
				    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" },
		{ &j->up_incident, "INSERT INTO incidents(number, id, open, updated_unix_ms, state) "
				   "VALUES(?, ?, ?, ?, ?) ON CONFLICT(number) DO UPDATE SET "
				   "open = excluded.open, updated_unix_ms = excluded.updated_unix_ms, "
				   "state = excluded.state" },
		{ &j->up_unit, "INSERT INTO units(key, updated_unix_ms, state) VALUES(?, ?, ?) "
			       "ON CONFLICT(key) DO UPDATE SET updated_unix_ms = "
			       "excluded.updated_unix_ms, state = excluded.state" },
		{ &j->ins_command, "INSERT OR REPLACE INTO commands(key, unix_ms, actor, kind, "
				   "incident_id, code, message, incident) "
				   "VALUES(?, ?, ?, ?, ?, ?, ?, ?)" },
		{ &j->up_meta, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO "
			       "UPDATE SET value = excluded.value" },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(s); i++)
		if (sqlite3_prepare_v3(j->db, s[i].sql, -1, SQLITE_PREPARE_PERSISTENT, s[i].st,
				       NULL) != SQLITE_OK)
			return -EIO;
	return 0;
}

static void finalize_all(struct hf_journal *j)
{
	sqlite3_finalize(j->ins_timeline);
	sqlite3_finalize(j->up_incident);
	sqlite3_finalize(j->up_unit);
	sqlite3_finalize(j->ins_command);
	sqlite3_finalize(j->up_meta);
}

static void on_retry(uv_timer_t *t);
static void on_checkpoint_timer(uv_timer_t *t);

/* Loads every incident's chain head (last n and hash). */
static int load_chains(struct hf_journal *j);

int hf_journal_open(const char *dir, const char *gateway_id, uv_loop_t *loop,
		    const struct hf_journal_status_cb *status_cb, struct hf_journal **out,
		    char *err, size_t errlen)
{
	struct hf_journal *j;
	int rc;

	*out = NULL;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot create the state directory %s: %s", dir,
			 strerror(errno));
		return rc;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		rc = -errno;
		snprintf(err, errlen, "the state directory %s is not writable (%s): the journal "
			 "cannot be kept there", dir, strerror(errno));
		return rc;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	j->loop = loop;
	j->wal_fd = -1;
	if (status_cb)
		j->status_cb = *status_cb;
	hf_strmap_init(&j->chain_by_id, false);
	snprintf(j->path, sizeof j->path, "%s/%s", dir, HF_JOURNAL_FILE);
	snprintf(j->wal_path, sizeof j->wal_path, "%s-wal", j->path);
	rc = sqlite3_open_v2(j->path, &j->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open the journal %s: %s", j->path,
			 j->db ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc));
		rc = -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(j->db, 1);
	sqlite3_busy_timeout(j->db, 2000);
	rc = check_and_migrate(j, gateway_id, err, errlen);
	if (rc)
		goto fail;
	/* WAL: readers (handoffctl export) never block the gateway. NORMAL: a
	 * commit is in the WAL (safe from a crash of the process) without an
	 * fsync; hf_journal_sync() makes it safe from power loss. Checkpoints run
	 * on the threadpool, never in the loop. */
	if (exec(j->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
		 "PRAGMA wal_autocheckpoint=0; PRAGMA foreign_keys=OFF", err, errlen) != SQLITE_OK ||
	    prepare_all(j) || load_chains(j)) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", j->path, sqlite3_errmsg(j->db));
		rc = -EIO;
		goto fail;
	}
	j->wal_fd = open(j->wal_path, O_RDONLY | O_CLOEXEC);
	uv_timer_init(loop, &j->retry);
	uv_timer_init(loop, &j->checkpoint);
	j->retry.data = j->checkpoint.data = j;
	j->open_handles = 2;
	uv_timer_start(&j->checkpoint, on_checkpoint_timer, CHECKPOINT_MS, CHECKPOINT_MS);
	*out = j;
	return 0;
fail:
	finalize_all(j);
	sqlite3_close(j->db);
	hf_strmap_finish(&j->chain_by_id);
	free(j);
	return rc;
}

/* ---------------------------------------------------------------- chains */

static struct chain *chain_of(struct hf_journal *j, const char *id)
{
	uint32_t i;

	if (hf_strmap_get(&j->chain_by_id, id, &i))
		return &j->chains[i];
	if (j->n_chains == j->cap_chains) {
		size_t cap = j->cap_chains ? j->cap_chains * 2 : 256;
		struct chain *c = realloc(j->chains, cap * sizeof *c);

		if (!c)
			return NULL;
		/* The map borrows the ids: re-point it after a move. */
		j->chains = c;
		j->cap_chains = cap;
		hf_strmap_clear(&j->chain_by_id);
		for (size_t k = 0; k < j->n_chains; k++)
			hf_strmap_put(&j->chain_by_id, j->chains[k].id, (uint32_t)k);
	}
	struct chain *c = &j->chains[j->n_chains];

	hf_strlcpy(c->id, id, sizeof c->id);
	c->n = 0;
	memcpy(c->hash, hf_journal_zero_hash, HF_HASH_HEX);
	if (hf_strmap_put(&j->chain_by_id, c->id, (uint32_t)j->n_chains))
		return NULL;
	j->n_chains++;
	return c;
}

static int load_chains(struct hf_journal *j)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(j->db, "SELECT incident, MAX(n), hash FROM timeline "
				    "GROUP BY incident", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct chain *c = chain_of(j, (const char *)sqlite3_column_text(st, 0));

		if (!c)
			break;
		c->n = sqlite3_column_int64(st, 1);
		hf_strlcpy(c->hash, (const char *)sqlite3_column_text(st, 2), sizeof c->hash);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* ---------------------------------------------------------------- writing */

/* Writes one record (inside the caller's transaction). SQLite code. */
static int write_rec(struct hf_journal *j, const struct rec *r)
{
	sqlite3_stmt *st;
	int rc;

	switch (r->kind) {
	case R_TIMELINE:
		st = j->ins_timeline;
		sqlite3_bind_text(st, 1, r->a, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, r->n);
		sqlite3_bind_int64(st, 3, r->unix_ms);
		sqlite3_bind_text(st, 4, r->b, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, r->c, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, r->d, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, (int64_t)r->seq);
		sqlite3_bind_blob(st, 8, r->blob, (int)r->len, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, r->prev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, r->hash, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return rc;
		st = j->up_incident;
		sqlite3_bind_int64(st, 1, r->number);
		sqlite3_bind_text(st, 2, r->a, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, r->code);
		sqlite3_bind_int64(st, 4, r->unix_ms);
		sqlite3_bind_blob(st, 5, r->blob, (int)r->len, SQLITE_STATIC);
		break;
	case R_COMMAND:
		st = j->ins_command;
		if (r->a[0])
			sqlite3_bind_text(st, 1, r->a, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 1);
		sqlite3_bind_int64(st, 2, r->unix_ms);
		sqlite3_bind_text(st, 3, r->b, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, r->n);
		sqlite3_bind_text(st, 5, r->c, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, r->code);
		sqlite3_bind_text(st, 7, r->d, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, r->number);
		break;
	case R_META: {
		char v[32];

		snprintf(v, sizeof v, "%llu", (unsigned long long)r->seq);
		st = j->up_meta;
		sqlite3_bind_text(st, 1, r->a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
		break;
	}
	default:
		return SQLITE_MISUSE;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void set_failing(struct hf_journal *j, bool failing, const char *why)
{
	if (failing == j->failing)
		return;
	j->failing = failing;
	hf_strlcpy(j->error, why ? why : "", sizeof j->error);
	if (failing) {
		hf_err("journal %s: CANNOT WRITE: %s; alerts are still published, %zu record(s) "
		       "kept in memory until it can", j->path, j->error, j->n_backlog);
		uv_timer_start(&j->retry, on_retry, RETRY_MS, RETRY_MS);
	} else {
		hf_notice("journal %s: writing again; the backlog is caught up", j->path);
		uv_timer_stop(&j->retry);
	}
	if (j->status_cb.status)
		j->status_cb.status(j->status_cb.ctx, failing, j->error);
}

/* Ends a write transaction begun with BEGIN IMMEDIATE: commits it if rc (so
 * far) is SQLITE_OK, else rolls it back, counts the failure and marks the
 * journal failing. 0 when committed. */
static int commit_or_fail(struct hf_journal *j, int rc)
{
	char err[200] = "";

	if (rc == SQLITE_OK)
		rc = exec(j->db, "COMMIT", err, sizeof err);
	if (rc == SQLITE_OK)
		return 0;
	snprintf(err, sizeof err, "%s", sqlite3_errmsg(j->db));
	exec(j->db, "ROLLBACK", NULL, 0);
	j->stats.failed_writes++;
	set_failing(j, true, err);
	return -EIO;
}

/* Writes the backlog, oldest first, in one transaction. 0 if it is empty
 * afterwards. */
static int drain_backlog(struct hf_journal *j)
{
	char err[200] = "";
	int rc;

	if (!j->backlog)
		return 0;
	rc = exec(j->db, "BEGIN IMMEDIATE", err, sizeof err);
	for (struct rec *r = j->backlog; rc == SQLITE_OK && r; r = r->next)
		rc = write_rec(j, r);
	if (commit_or_fail(j, rc) != 0)
		return -EIO;
	j->stats.written += j->n_backlog;
	while (j->backlog) {
		struct rec *r = j->backlog;

		j->backlog = r->next;
		rec_free(r);
	}
	j->backlog_tail = NULL;
	j->n_backlog = 0;
	set_failing(j, false, NULL);
	return 0;
}

/* Queues r behind the backlog and writes everything it can now. Takes r. */
static void submit(struct hf_journal *j, struct rec *r)
{
	if (j->n_backlog >= BACKLOG_MAX) {
		j->stats.dropped++;
		if (j->stats.dropped == 1 || j->stats.dropped % 10000 == 0)
			hf_err("journal: backlog full (%d records): %llu record(s) LOST", BACKLOG_MAX,
			       (unsigned long long)j->stats.dropped);
		rec_free(r);
		return;
	}
	if (j->backlog_tail)
		j->backlog_tail->next = r;
	else
		j->backlog = r;
	j->backlog_tail = r;
	j->n_backlog++;
	if (!j->failing)
		drain_backlog(j);
}

static void on_retry(uv_timer_t *t)
{
	struct hf_journal *j = t->data;

	drain_backlog(j);
}

void hf_journal_incident(struct hf_journal *j, const char *id, uint32_t number, bool open,
			 int64_t unix_ms, const char *source, const char *actor, const char *what,
			 uint64_t seq, const uint8_t *state, size_t len)
{
	struct rec *r = calloc(1, sizeof *r);
	struct chain *c = chain_of(j, id);

	if (!r || !c || !(r->blob = malloc(len ? len : 1)) || !(r->a = dup0(id)) ||
	    !(r->b = dup0(source)) || !(r->c = dup0(actor)) || !(r->d = dup0(what))) {
		hf_err("journal: out of memory: a timeline entry of %s is LOST", id);
		j->stats.dropped++;
		rec_free(r);
		return;
	}
	r->kind = R_TIMELINE;
	memcpy(r->blob, state, len);
	r->len = len;
	r->number = number;
	r->code = open;
	r->unix_ms = unix_ms;
	r->seq = seq;
	r->n = ++c->n;
	memcpy(r->prev, c->hash, HF_HASH_HEX);
	hf_journal_entry_hash(r->prev, id, r->n, unix_ms, r->b, r->c, r->d, seq, state, len,
			      r->hash);
	memcpy(c->hash, r->hash, HF_HASH_HEX);
	submit(j, r);
}

void hf_journal_command(struct hf_journal *j, const char *key, int64_t unix_ms,
			const char *actor, int kind, const char *incident_id, int code,
			const char *message, uint32_t incident)
{
	struct rec *r = calloc(1, sizeof *r);

	if (!r || !(r->a = dup0(key)) || !(r->b = dup0(actor)) || !(r->c = dup0(incident_id)) ||
	    !(r->d = dup0(message))) {
		hf_err("journal: out of memory: a command by %s is not journaled", actor);
		j->stats.dropped++;
		rec_free(r);
		return;
	}
	r->kind = R_COMMAND;
	r->unix_ms = unix_ms;
	r->n = kind;
	r->code = code;
	r->number = incident;
	submit(j, r);
}

int hf_journal_reserve_seq(struct hf_journal *j, uint64_t upto)
{
	struct rec *r = calloc(1, sizeof *r);

	if (!r || !(r->a = strdup("seq_reserved"))) {
		rec_free(r);
		return -ENOMEM;
	}
	r->kind = R_META;
	r->seq = upto;
	submit(j, r);
	return j->failing ? -EIO : 0;
}

int hf_journal_set_meta(struct hf_journal *j, const char *key, uint64_t value)
{
	struct rec *r = calloc(1, sizeof *r);

	if (!r || !(r->a = strdup(key))) {
		rec_free(r);
		return -ENOMEM;
	}
	r->kind = R_META;
	r->seq = value;
	submit(j, r);
	return j->failing ? -EIO : 0;
}

/* ---------------------------------------------------------------- units */

int hf_journal_units(struct hf_journal *j, size_t n,
		     int (*get)(void *ctx, size_t i, struct hf_journal_unit *u), void *ctx)
{
	char err[200] = "";
	int rc;

	if (j->failing)
		return -EIO;
	if (!n)
		return 0;
	rc = exec(j->db, "BEGIN IMMEDIATE", err, sizeof err);
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		struct hf_journal_unit u;

		if (get(ctx, i, &u) != 0)
			continue;
		sqlite3_bind_text(j->up_unit, 1, u.key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(j->up_unit, 2, u.unix_ms);
		sqlite3_bind_blob(j->up_unit, 3, u.state, (int)u.len, SQLITE_STATIC);
		rc = sqlite3_step(j->up_unit) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(j->up_unit);
	}
	if (commit_or_fail(j, rc) != 0)
		return -EIO;
	j->stats.written += n;
	return 0;
}

/* ---------------------------------------------------------------- durability */

static void sync_work(uv_work_t *w)
{
	struct sync_req *s = w->data;

	s->status = s->fd >= 0 && fdatasync(s->fd) != 0 ? -errno : 0;
}

static void sync_done(uv_work_t *w, int status)
{
	struct sync_req *s = w->data;
	struct hf_journal *j = s->j;

	j->jobs--;
	if (s->cb)
		s->cb(s->arg, status ? status : s->status);
	free(s);
	if (j->closing)
		hf_journal_close(j, j->closed, j->closed_arg);
}

void hf_journal_sync(struct hf_journal *j, void (*cb)(void *arg, int status), void *arg)
{
	struct sync_req *s;

	if (j->failing) {
		cb(arg, -EIO);
		return;
	}
	if (j->wal_fd < 0)
		j->wal_fd = open(j->wal_path, O_RDONLY | O_CLOEXEC);
	s = calloc(1, sizeof *s);
	if (!s) {
		cb(arg, -ENOMEM);
		return;
	}
	s->work.data = s;
	s->j = j;
	s->fd = j->wal_fd;
	s->cb = cb;
	s->arg = arg;
	if (uv_queue_work(j->loop, &s->work, sync_work, sync_done) != 0) {
		free(s);
		cb(arg, -EIO);
		return;
	}
	j->jobs++;
}

struct checkpoint_req {
	uv_work_t work;
	struct hf_journal *j;
	char path[HF_PATH_MAX];
	int rc;
};

/* A PASSIVE checkpoint on a connection of its own: moves the WAL into the
 * database (fsyncing both) without blocking the loop's writes. */
static void checkpoint_work(uv_work_t *w)
{
	struct checkpoint_req *c = w->data;
	sqlite3 *db = NULL;

	c->rc = sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (c->rc == SQLITE_OK)
		c->rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	sqlite3_close(db);
}

static void checkpoint_done(uv_work_t *w, int status)
{
	struct checkpoint_req *c = w->data;
	struct hf_journal *j = c->j;

	j->jobs--;
	j->checkpoint_running = false;
	if (c->rc != SQLITE_OK && c->rc != SQLITE_BUSY)
		hf_warn("journal checkpoint: %s", sqlite3_errstr(c->rc));
	free(c);
	if (j->closing)
		hf_journal_close(j, j->closed, j->closed_arg);
}

static void on_checkpoint_timer(uv_timer_t *t)
{
	struct hf_journal *j = t->data;
	struct checkpoint_req *c;

	if (j->checkpoint_running || j->failing || !(c = calloc(1, sizeof *c)))
		return;
	c->work.data = c;
	c->j = j;
	hf_strlcpy(c->path, j->path, sizeof c->path);
	if (uv_queue_work(j->loop, &c->work, checkpoint_work, checkpoint_done) != 0) {
		free(c);
		return;
	}
	j->checkpoint_running = true;
	j->jobs++;
}

/* ---------------------------------------------------------------- retention */

int hf_journal_archive(struct hf_journal *j, int64_t before_unix_ms, int max)
{
	char sql[HF_PATH_MAX * 2 + 200], err[200] = "", *quoted;
	const char *dir_end = strrchr(j->path, '/');
	sqlite3_stmt *st;
	int moved = 0, rc;

	if (j->failing || !dir_end)
		return -EIO;
	quoted = sqlite3_mprintf("%.*s/archive.db", (int)(dir_end - j->path), j->path);
	if (!quoted)
		return -ENOMEM;
	snprintf(sql, sizeof sql, "ATTACH DATABASE %s AS archive", "?");
	rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, quoted, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(st);
	}
	sqlite3_free(quoted);
	if (rc != SQLITE_OK) {
		hf_warn("journal: cannot open the archive: %s", sqlite3_errmsg(j->db));
		return -EIO;
	}
	rc = exec(j->db,
		  "CREATE TABLE IF NOT EXISTS archive.meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		  "INSERT OR IGNORE INTO archive.meta VALUES('schema', '1');"
		  "CREATE TABLE IF NOT EXISTS archive.timeline(id INTEGER PRIMARY KEY, incident TEXT "
		  "NOT NULL, n INTEGER NOT NULL, unix_ms INTEGER NOT NULL, source TEXT NOT NULL, actor "
		  "TEXT NOT NULL, what TEXT NOT NULL, seq INTEGER NOT NULL, state BLOB NOT NULL, "
		  "prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE(incident, n));"
		  "CREATE TABLE IF NOT EXISTS archive.incidents(number INTEGER PRIMARY KEY, id TEXT NOT "
		  "NULL, open INTEGER NOT NULL, updated_unix_ms INTEGER NOT NULL, state BLOB NOT NULL);",
		  err, sizeof err);
	if (rc == SQLITE_OK)
		rc = exec(j->db, "BEGIN IMMEDIATE", err, sizeof err);
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof sql, "CREATE TEMP TABLE doomed AS SELECT number, id FROM "
			 "incidents WHERE open = 0 AND updated_unix_ms < %lld ORDER BY number "
			 "LIMIT %d", (long long)before_unix_ms, max);
		rc = exec(j->db, sql, err, sizeof err);
	}
	if (rc == SQLITE_OK)
		rc = exec(j->db,
			  "INSERT OR REPLACE INTO archive.timeline SELECT * FROM timeline WHERE "
			  "incident IN (SELECT id FROM doomed);"
			  "INSERT OR REPLACE INTO archive.incidents SELECT * FROM incidents WHERE "
			  "number IN (SELECT number FROM doomed);"
			  "DELETE FROM timeline WHERE incident IN (SELECT id FROM doomed);"
			  "DELETE FROM incidents WHERE number IN (SELECT number FROM doomed);",
			  err, sizeof err);
	if (rc == SQLITE_OK)
		moved = sqlite3_changes(j->db);
	if (rc == SQLITE_OK)
		rc = exec(j->db, "DROP TABLE doomed; COMMIT", err, sizeof err);
	if (rc != SQLITE_OK) {
		exec(j->db, "ROLLBACK", NULL, 0);
		exec(j->db, "DROP TABLE IF EXISTS temp.doomed", NULL, 0);
		hf_warn("journal: archiving failed: %s", err);
		moved = -EIO;
	}
	exec(j->db, "DETACH DATABASE archive", NULL, 0);
	if (moved > 0)
		hf_notice("journal: %d closed incident(s) archived to archive.db", moved);
	return moved;
}

/* ---------------------------------------------------------------- recovery */

int hf_journal_recover(struct hf_journal *j, const struct hf_journal_recovery *sink,
		       uint64_t *epoch, uint64_t *seq_reserved)
{
	char buf[64];
	sqlite3_stmt *st;
	int rc;

	*epoch = *seq_reserved = 0;
	if (meta_get(j->db, "epoch", buf, sizeof buf) == SQLITE_OK)
		*epoch = strtoull(buf, NULL, 10);
	if (meta_get(j->db, "seq_reserved", buf, sizeof buf) == SQLITE_OK)
		*seq_reserved = strtoull(buf, NULL, 10);
	/* A seq a timeline entry went out as is used, reserved or not. */
	if (sqlite3_prepare_v2(j->db, "SELECT MAX(seq) FROM timeline", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW &&
		    (uint64_t)sqlite3_column_int64(st, 0) > *seq_reserved)
			*seq_reserved = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (sink->incident) {
		rc = sqlite3_prepare_v2(j->db, "SELECT state, open FROM incidents ORDER BY number",
					-1, &st, NULL);
		if (rc != SQLITE_OK)
			return -EIO;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			sink->incident(sink->ctx, sqlite3_column_blob(st, 0),
				       (size_t)sqlite3_column_bytes(st, 0),
				       sqlite3_column_int(st, 1) != 0);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -EIO;
	}
	if (sink->unit) {
		rc = sqlite3_prepare_v2(j->db, "SELECT state FROM units", -1, &st, NULL);
		if (rc != SQLITE_OK)
			return -EIO;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			sink->unit(sink->ctx, sqlite3_column_blob(st, 0),
				   (size_t)sqlite3_column_bytes(st, 0));
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -EIO;
	}
	if (sink->command) {
		/* The newest keyed replies, oldest first, so the newest survive in
		 * the engine's ring. */
		rc = sqlite3_prepare_v2(j->db, "SELECT key, code, message, incident FROM ("
					"SELECT * FROM commands WHERE key IS NOT NULL ORDER BY id "
					"DESC LIMIT 4096) ORDER BY id", -1, &st, NULL);
		if (rc != SQLITE_OK)
			return -EIO;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			sink->command(sink->ctx, (const char *)sqlite3_column_text(st, 0),
				      sqlite3_column_int(st, 1),
				      (const char *)sqlite3_column_text(st, 2),
				      (uint32_t)sqlite3_column_int64(st, 3));
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -EIO;
	}
	return 0;
}

/* ---------------------------------------------------------------- closing */

static void on_timer_closed(uv_handle_t *h)
{
	struct hf_journal *j = h->data;

	j->open_handles--;
	hf_journal_close(j, j->closed, j->closed_arg);
}

void hf_journal_close(struct hf_journal *j, void (*done)(void *arg), void *arg)
{
	if (!j->closing) {
		j->closing = true;
		j->closed = done;
		j->closed_arg = arg;
		drain_backlog(j);
		hf_info("journal: %llu record(s) written, %llu refused write(s) retried, %llu lost",
			(unsigned long long)j->stats.written,
			(unsigned long long)j->stats.failed_writes,
			(unsigned long long)j->stats.dropped);
		if (j->n_backlog)
			hf_err("journal: stopping with %zu record(s) that could not be written: %s",
			       j->n_backlog, j->error);
		uv_close((uv_handle_t *)&j->retry, on_timer_closed);
		uv_close((uv_handle_t *)&j->checkpoint, on_timer_closed);
		return;
	}
	if (j->open_handles > 0 || j->jobs > 0)
		return;
	finalize_all(j);
	if (sqlite3_close(j->db) != SQLITE_OK)
		hf_err("journal: close: %s", sqlite3_errmsg(j->db));
	if (j->wal_fd >= 0)
		close(j->wal_fd);
	while (j->backlog) {
		struct rec *r = j->backlog;

		j->backlog = r->next;
		rec_free(r);
	}
	free(j->chains);
	hf_strmap_finish(&j->chain_by_id);
	done = j->closed;
	arg = j->closed_arg;
	free(j);
	if (done)
		done(arg);
}

bool hf_journal_failing(const struct hf_journal *j, const char **why)
{
	if (why)
		*why = j->error;
	return j->failing;
}
