/*
 * export.c - `handoffctl export INCIDENT` (an incident's timeline from the
 * journal database, as tamper-evident JSON) and `handoffctl verify FILE`.
 *
 * export opens <gateway.state_dir>/journal.db (or --journal PATH) read-only, so
 * it works beside a running gateway (WAL: readers never block the writer) and
 * without one; it checks the database's own hash chain before writing anything.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ctl.h"
#include "evidence.h"

/* Prints export's usage to fp. */
static void export_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: handoffctl [-c FILE] export [--journal PATH] [-o FILE] INCIDENT\n"
		"Writes INCIDENT's whole timeline from the gateway's journal as one JSON\n"
		"document (handoff.timeline.v1), each entry hash-chained to the one before.\n"
		"The journal is <gateway.state_dir>/" HF_JOURNAL_FILE " of the config (-c FILE;\n"
		"without it the default state_dir, \"state\"), or --journal PATH. It is opened\n"
		"read-only and its chain checked first: a tampered journal is refused.\n"
		"  --journal PATH      the journal database to read\n"
		"  -o, --output FILE   write to FILE instead of stdout\n");
}

/* Reads the incident's timeline rows (ordered by n) into doc. Returns 0, or 1
 * after printing why (naming path and the entry). */
static int read_rows(sqlite3 *db, const char *path, struct hf_evidence *doc)
{
	static const char sql[] =
		"SELECT n, unix_ms, source, actor, what, seq, state, prev_hash, hash "
		"FROM timeline WHERE incident = ? ORDER BY n";
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "handoffctl export: %s is not a handoff journal: %s\n", path,
			sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_bind_text(st, 1, doc->incident, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hf_evidence_entry e = { 0 };
		const char *prev = (const char *)sqlite3_column_text(st, 7);
		const char *hash = (const char *)sqlite3_column_text(st, 8);
		sqlite3_int64 seq = sqlite3_column_int64(st, 5);

		e.n = sqlite3_column_int64(st, 0);
		e.unix_ms = sqlite3_column_int64(st, 1);
		e.source = (char *)sqlite3_column_text(st, 2);
		e.actor = (char *)sqlite3_column_text(st, 3);
		e.what = (char *)sqlite3_column_text(st, 4);
		e.state = (uint8_t *)sqlite3_column_blob(st, 6);
		e.state_len = (size_t)sqlite3_column_bytes(st, 6);
		if (!e.source || !e.actor || !e.what || !prev || !hash || seq < 0 ||
		    strlen(prev) != HF_HASH_HEX - 1 || strlen(hash) != HF_HASH_HEX - 1) {
			fprintf(stderr,
				"handoffctl export: %s: %s entry %" PRId64
				": a column is NULL, seq is negative, or a hash is not 64 digits\n",
				path, doc->incident, e.n);
			sqlite3_finalize(st);
			return 1;
		}
		e.seq = (uint64_t)seq;
		memcpy(e.prev_hash, prev, HF_HASH_HEX);
		memcpy(e.hash, hash, HF_HASH_HEX);
		if (hf_evidence_add(doc, &e) != 0) {
			fprintf(stderr, "handoffctl export: out of memory\n");
			sqlite3_finalize(st);
			return 1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "handoffctl export: reading %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	return 0;
}

/* Opens the journal at path read-only and loads the incident's timeline and
 * the gateway id into doc (doc->incident already set). 0, or 1 after saying why. */
static int load(const char *path, struct hf_evidence *doc)
{
	sqlite3 *db = NULL;
	struct stat sb;
	char *schema = NULL, *end;
	long version;
	int rc;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "handoffctl export: no journal at %s: %s (-c FILE names the "
				"gateway's config, --journal PATH the database)\n",
			path, strerror(errno));
		return 1;
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "handoffctl export: cannot open %s: %s\n", path,
			db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_busy_timeout(db, 5000);
	/* One read transaction: meta and the timeline from the same snapshot. */
	rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = hf_journal_meta_get(db, "schema", &schema);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "handoffctl export: %s is not a handoff journal: %s\n", path,
			sqlite3_errmsg(db));
		goto fail;
	}
	if (schema == NULL) {
		fprintf(stderr, "handoffctl export: %s is not a handoff journal: no schema in meta\n",
			path);
		goto fail;
	}
	errno = 0;
	version = strtol(schema, &end, 10);
	if (errno || end == schema || *end || version < 1) {
		fprintf(stderr, "handoffctl export: %s: meta schema \"%s\" is not a version number\n",
			path, schema);
		goto fail;
	}
	if (version > HF_JOURNAL_SCHEMA) {
		fprintf(stderr,
			"handoffctl export: %s has journal schema %ld, newer than this handoffctl "
			"reads (%d): use the handoffctl of the gateway that wrote it\n",
			path, version, HF_JOURNAL_SCHEMA);
		goto fail;
	}
	if (hf_journal_meta_get(db, "gateway", &doc->gateway) != SQLITE_OK || doc->gateway == NULL) {
		fprintf(stderr, "handoffctl export: %s is not a handoff journal: no gateway in meta\n",
			path);
		goto fail;
	}
	if (read_rows(db, path, doc))
		goto fail;
	free(schema);
	sqlite3_close(db); /* ends the read transaction */
	return 0;
fail:
	free(schema);
	sqlite3_close(db);
	return 1;
}

/* Writes len bytes of text to stdout, or to path (not "-") through a
 * temporary file renamed into place, so a file named FILE is always a whole
 * export. 0, or 1 after saying why. */
static int write_out(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	FILE *fp;
	int bad;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "handoffctl export: writing stdout: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.part", path) >= sizeof tmp ||
	    (fp = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "handoffctl export: cannot write %s: %s\n", path,
			strlen(path) + 6 > sizeof tmp ? "name too long" : strerror(errno));
		return 1;
	}
	bad = fwrite(text, 1, len, fp) != len;
	bad |= fclose(fp) != 0;
	if (bad || rename(tmp, path) != 0) {
		fprintf(stderr, "handoffctl export: writing %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

int ctl_export(const struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "journal", required_argument, NULL, 'J' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *journal = NULL, *out = NULL;
	char path[HF_PATH_MAX + sizeof(HF_JOURNAL_FILE) + 1], id[64], err[512], *text = NULL;
	struct hf_evidence doc;
	struct timespec ts;
	size_t len;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'J':
			journal = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		export_usage(stderr);
		return 2;
	}
	if (hf_evidence_incident_id(argv[optind], id, sizeof id) != 0) {
		fprintf(stderr, "handoffctl export: \"%s\" is not an incident id (INC-0007 or 7)\n",
			argv[optind]);
		return 2;
	}
	if (journal)
		snprintf(path, sizeof path, "%s", journal);
	else
		snprintf(path, sizeof path, "%s/" HF_JOURNAL_FILE, ctl->cfg->gateway.state_dir);

	hf_evidence_init(&doc);
	doc.incident = strdup(id);
	if (doc.incident == NULL || load(path, &doc)) {
		hf_evidence_finish(&doc);
		return 1;
	}
	if (doc.n_entries == 0) {
		fprintf(stderr, "handoffctl export: %s is not in the journal %s\n", id, path);
		hf_evidence_finish(&doc);
		return 1;
	}
	if (hf_evidence_check_chain(&doc, err, sizeof err) != 0) {
		fprintf(stderr,
			"handoffctl export: refused: the journal %s was altered: %s %s; nothing "
			"exported\n",
			path, id, err);
		hf_evidence_finish(&doc);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	doc.exported_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	rc = hf_evidence_render(&doc, &text, &len, err, sizeof err);
	if (rc) {
		fprintf(stderr, "handoffctl export: %s: %s %s\n", path, id,
			rc == -ENOMEM ? "out of memory" : err);
		hf_evidence_finish(&doc);
		return 1;
	}
	rc = write_out(out, text, len);
	if (rc == 0 && out && strcmp(out, "-"))
		fprintf(stderr, "%s: %zu entries of %s exported, head %s\n", out, doc.n_entries, id,
			doc.entries[doc.n_entries - 1].hash);
	free(text);
	hf_evidence_finish(&doc);
	return rc;
}

/* The whole of fp into a malloc'd buffer (*len bytes, NUL-terminated), or NULL. */
static char *slurp(FILE *fp, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap), *p;

	while (buf && (got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			p = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap *= 2);
			if (p == NULL) {
				free(buf);
				return NULL;
			}
			buf = p;
		}
	}
	if (buf == NULL || ferror(fp)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int ctl_verify(const struct ctl *ctl, int argc, char **argv)
{
	const char *path;
	struct hf_evidence doc;
	char err[512], *text;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: handoffctl verify FILE   (FILE \"-\": stdin)\n"
		       "Checks an export of `handoffctl export`: every entry's hash and link, the\n"
		       "entry numbers, the readable time and incident against the hashed fields,\n"
		       "head and seal, and the exact bytes. Exit 0 verified, 1 not (the first\n"
		       "problem and its entry on stderr).\n");
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "Usage: handoffctl verify FILE   (FILE \"-\": stdin)\n");
		return 2;
	}
	path = argv[1];
	fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (fp == NULL) {
		fprintf(stderr, "handoffctl verify: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	text = slurp(fp, &len);
	if (fp != stdin)
		fclose(fp);
	if (text == NULL) {
		fprintf(stderr, "handoffctl verify: cannot read %s\n", path);
		return 1;
	}
	rc = hf_evidence_verify(text, len, &doc, err, sizeof err);
	free(text);
	if (rc) {
		fprintf(stderr, "%s: NOT VERIFIED: %s\n", path, err);
		return 1;
	}
	printf("%s: %zu entr%s of %s verified, head %s\n", path, doc.n_entries,
	       doc.n_entries == 1 ? "y" : "ies", doc.incident, doc.entries[doc.n_entries - 1].hash);
	hf_evidence_finish(&doc);
	return 0;
}
