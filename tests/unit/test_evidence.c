/*
 * test_evidence.c - the timeline export document (tools/handoffctl/evidence.c):
 * rendering, the chain check, and verification of a buffer, including that
 * every one-byte edit anywhere in an export fails.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../../tools/handoffctl/evidence.h"
#include "handoff/v1/incident.pb-c.h"

#define N_ENTRIES 5

/* A chained document of N_ENTRIES entries of INC-0001, each state a packed
 * Incident with a few fields set (a double included). */
static void make_doc(struct hf_evidence *doc)
{
	static const char *const what[N_ENTRIES] = { "raised", "repeat x2", "acknowledged",
						     "assigned PC 5002 \xe2\x80\x94 en route",
						     "resolved" };
	char prev[HF_HASH_HEX];

	hf_evidence_init(doc);
	doc->gateway = strdup("city");
	doc->incident = strdup("INC-0001");
	doc->exported_unix_ms = 1795405869958 + 600000;
	memcpy(prev, hf_journal_zero_hash, HF_HASH_HEX);
	for (int i = 0; i < N_ENTRIES; i++) {
		Handoff__V1__Incident inc = HANDOFF__V1__INCIDENT__INIT;
		Handoff__V1__Position pos = HANDOFF__V1__POSITION__INIT;
		struct hf_evidence_entry e = { 0 };
		uint8_t buf[256];

		inc.id = "INC-0001";
		inc.state = (Handoff__V1__IncidentState)(1 + i);
		inc.trigger_count = (uint32_t)i + 1;
		inc.last_change = (char *)what[i];
		pos.lat = 51.50719;
		pos.lon = -0.11195;
		inc.position = &pos;
		e.state_len = handoff__v1__incident__pack(&inc, buf);
		e.state = buf;
		e.n = i + 1;
		e.unix_ms = 1795405869958 + i * 61003;
		e.source = i < 2 ? "pei-1" : "command";
		e.actor = i < 2 ? "PCSO 7" : "desk-central";
		e.what = (char *)what[i];
		e.seq = (uint64_t)(35 + i);
		memcpy(e.prev_hash, prev, HF_HASH_HEX);
		hf_journal_entry_hash(prev, doc->incident, e.n, e.unix_ms, e.source, e.actor, e.what,
				      e.seq, e.state, e.state_len, e.hash);
		memcpy(prev, e.hash, HF_HASH_HEX);
		cr_assert_eq(hf_evidence_add(doc, &e), 0);
	}
}

/* Renders make_doc()'s document into *text. */
static size_t render(char **text)
{
	struct hf_evidence doc;
	char err[256] = "";
	size_t len = 0;

	make_doc(&doc);
	cr_assert_eq(hf_evidence_render(&doc, text, &len, err, sizeof err), 0, "%s", err);
	hf_evidence_finish(&doc);
	return len;
}

/* Verifies len bytes of text; returns the rc and leaves the message in err. */
static int verify(const char *text, size_t len, char *err, size_t errsize)
{
	struct hf_evidence doc;
	int rc = hf_evidence_verify(text, len, &doc, err, errsize);

	if (rc == 0)
		hf_evidence_finish(&doc);
	return rc;
}

/* An untouched export verifies, and gives back the fields it was made from. */
Test(evidence, an_untouched_export_verifies_and_reads_back_its_fields)
{
	struct hf_evidence doc;
	char *text, err[256] = "";
	size_t len = render(&text);

	cr_assert_eq(hf_evidence_verify(text, len, &doc, err, sizeof err), 0, "%s", err);
	cr_assert_eq(doc.n_entries, N_ENTRIES);
	cr_assert_str_eq(doc.gateway, "city");
	cr_assert_str_eq(doc.incident, "INC-0001");
	cr_assert_eq(doc.exported_unix_ms, 1795405869958 + 600000);
	cr_assert_str_eq(doc.entries[3].what, "assigned PC 5002 \xe2\x80\x94 en route");
	cr_assert_eq(doc.entries[4].seq, 39);
	cr_assert_eq(doc.entries[2].unix_ms, 1795405869958 + 2 * 61003);
	cr_assert(strstr(text, "\"time\": \"2026-11-23T03:51:09.958Z\"") != NULL);
	cr_assert(strstr(text, "\"lat\": 51.50719") != NULL, "incident JSON from the state");
	hf_evidence_finish(&doc);
	free(text);
}

/* Every one-byte change anywhere in the file (to two different bytes) fails. */
Test(evidence, every_one_byte_edit_anywhere_fails)
{
	char *text, err[256];
	size_t len = render(&text);

	for (size_t i = 0; i < len; i++) {
		char orig = text[i];
		const char subs[2] = { (char)(orig ^ 1), orig == ' ' ? 'x' : ' ' };

		for (int k = 0; k < 2; k++) {
			text[i] = subs[k];
			cr_assert_neq(verify(text, len, err, sizeof err), 0,
				      "offset %zu: %#x -> %#x verified", i, (unsigned char)orig,
				      (unsigned char)subs[k]);
		}
		text[i] = orig;
	}
	free(text);
}

/* Deleting any one byte, or inserting a space anywhere, fails. */
Test(evidence, every_one_byte_deletion_or_insertion_fails)
{
	char *text, *edit, err[256];
	size_t len = render(&text);

	edit = malloc(len + 1);
	for (size_t i = 0; i < len; i++) {
		memcpy(edit, text, i);
		memcpy(edit + i, text + i + 1, len - i - 1);
		cr_assert_neq(verify(edit, len - 1, err, sizeof err), 0, "deleting offset %zu verified", i);
	}
	for (size_t i = 0; i <= len; i++) {
		memcpy(edit, text, i);
		edit[i] = ' ';
		memcpy(edit + i + 1, text + i, len - i);
		cr_assert_neq(verify(edit, len + 1, err, sizeof err), 0, "a space at offset %zu verified",
			      i);
	}
	free(edit);
	free(text);
}

/* The chain check names the entry and the kind of damage: an edit, a removal,
 * a reordering, a duplicate, and a first entry that does not start the chain. */
Test(evidence, the_chain_check_names_the_entry_and_the_damage)
{
	struct hf_evidence doc;
	struct hf_evidence_entry tmp;
	char err[256] = "";

	make_doc(&doc);
	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), 0, "%s", err);

	doc.entries[2].unix_ms++;
	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "entry 3: hash does not match its contents (edited?)");
	doc.entries[2].unix_ms--;

	tmp = doc.entries[2]; /* swap 3 and 4 */
	doc.entries[2] = doc.entries[3];
	doc.entries[3] = tmp;
	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "entry numbers go 2, 4: entry 3 comes later (reordered?)");
	doc.entries[3] = doc.entries[2];
	doc.entries[2] = tmp;

	tmp = doc.entries[1]; /* entry 2 twice */
	doc.entries[1] = doc.entries[0];
	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "entry numbers go 1, 1: entry 1 appears twice (inserted?)");
	doc.entries[1] = tmp;

	tmp = doc.entries[1]; /* entry 2 removed (the list is one shorter) */
	memmove(&doc.entries[1], &doc.entries[2], 3 * sizeof tmp);
	doc.n_entries--;
	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "entry numbers go 1, 3: entry 2 removed");
	memmove(&doc.entries[2], &doc.entries[1], 3 * sizeof tmp);
	doc.entries[1] = tmp;
	doc.n_entries++;

	tmp = doc.entries[0]; /* entry 1 removed */
	doc.entries[0] = doc.entries[1];
	doc.entries[1] = tmp;
	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "the first entry is entry 2, not entry 1 (removed?)");
	doc.entries[1] = doc.entries[0];
	doc.entries[0] = tmp;

	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), 0, "%s", err);
	hf_evidence_finish(&doc);
}

/* A link that does not hold (entry 4 re-hashed over a wrong prevHash, as a
 * forger re-hashing one entry would) is named as a broken link. */
Test(evidence, a_rehashed_entry_with_a_wrong_link_is_named)
{
	struct hf_evidence doc;
	struct hf_evidence_entry *e;
	char err[256] = "";

	make_doc(&doc);
	e = &doc.entries[3];
	e->prev_hash[0] = e->prev_hash[0] == 'a' ? 'b' : 'a';
	hf_journal_entry_hash(e->prev_hash, doc.incident, e->n, e->unix_ms, e->source, e->actor,
			      e->what, e->seq, e->state, e->state_len, e->hash);
	cr_assert_eq(hf_evidence_check_chain(&doc, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "entry 4: prevHash is not entry 3's hash (removed or reordered?)");
	hf_evidence_finish(&doc);
}

/* verify reports where a layout edit is: line, column and entry. */
Test(evidence, verify_names_the_line_column_and_entry_of_a_layout_edit)
{
	char *text, *p, err[256] = "";
	size_t len = render(&text);

	p = strstr(text, "\"seq\": 37");
	cr_assert(p != NULL);
	p[6] = '\t'; /* the space after the colon of entry 3's seq */
	cr_assert_eq(verify(text, len, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "line 10, column ") != NULL, "%s", err);
	cr_assert(strstr(err, "(entry 3): the file differs") != NULL, "%s", err);
	free(text);
}

/* A readable part edited to something still well-formed is named as such. */
Test(evidence, verify_names_an_edited_readable_part)
{
	char *text, *p, err[256] = "";
	size_t len = render(&text);

	p = strstr(text, "\"lat\": 51.50719");
	p = strstr(p + 1, "\"lat\": 51.50719"); /* entry 2's */
	p[strlen("\"lat\": 51.5071")] = '8';
	cr_assert_eq(verify(text, len, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "the human-readable incident of entry 2 differs from its hashed state");
	free(text);
	len = render(&text);
	p = strstr(text, "03:52:10.961Z");
	p[3] = '3';
	cr_assert_eq(verify(text, len, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "time of entry 2 differs from its unixMs") == err, "%s", err);
	free(text);
}

/* The seal is sha256(head "\n" gateway "\n" incident "\n" exportedUnixMs), as
 * Python's hashlib computes it. */
Test(evidence, the_seal_matches_an_independent_implementation)
{
	char head[HF_HASH_HEX], seal[HF_HASH_HEX];

	for (int i = 0; i < 64; i++)
		head[i] = i % 2 ? 'b' : 'a';
	head[64] = '\0';
	hf_evidence_seal(head, "city", "INC-0001", 1795405869958, seal);
	cr_assert_str_eq(seal, "2075f8afb4db5439c48941e092af806f13e6869a2cbf1b47c9d3e44cd77db2dc");
}

/* Times are UTC with milliseconds, also before 1970. */
Test(evidence, times_are_utc_iso_8601_with_milliseconds)
{
	char t[40];

	hf_evidence_time(1795405869958, t, sizeof t);
	cr_assert_str_eq(t, "2026-11-23T03:51:09.958Z");
	hf_evidence_time(0, t, sizeof t);
	cr_assert_str_eq(t, "1970-01-01T00:00:00.000Z");
	hf_evidence_time(-1, t, sizeof t);
	cr_assert_str_eq(t, "1969-12-31T23:59:59.999Z");
}

/* "7" is INC-0007; an id is kept; an empty one is refused. */
Test(evidence, incident_ids_accept_a_bare_number)
{
	char id[32];

	cr_assert_eq(hf_evidence_incident_id("7", id, sizeof id), 0);
	cr_assert_str_eq(id, "INC-0007");
	cr_assert_eq(hf_evidence_incident_id("INC-0012", id, sizeof id), 0);
	cr_assert_str_eq(id, "INC-0012");
	cr_assert_eq(hf_evidence_incident_id("12345", id, sizeof id), 0);
	cr_assert_str_eq(id, "INC-12345");
	cr_assert_eq(hf_evidence_incident_id("", id, sizeof id), -EINVAL);
}

/* Rows that cannot be shown faithfully are refused by name, not exported
 * altered: text that is not UTF-8, a state that is not an Incident. */
Test(evidence, render_refuses_rows_it_cannot_show_faithfully)
{
	static uint8_t junk[] = { 0xff, 0xff, 0xff };
	struct hf_evidence doc;
	char *text = NULL, err[256] = "";
	size_t len;

	make_doc(&doc);
	doc.entries[1].actor[0] = (char)0xc3; /* a lone lead byte */
	cr_assert_eq(hf_evidence_render(&doc, &text, &len, err, sizeof err), -EINVAL);
	cr_assert(strstr(err, "entry 2: actor is not valid UTF-8") == err, "%s", err);
	hf_evidence_finish(&doc);

	make_doc(&doc);
	free(doc.entries[2].state);
	doc.entries[2].state = malloc(sizeof junk);
	memcpy(doc.entries[2].state, junk, sizeof junk);
	doc.entries[2].state_len = sizeof junk;
	cr_assert_eq(hf_evidence_render(&doc, &text, &len, err, sizeof err), -EINVAL);
	cr_assert_str_eq(err, "entry 3: state is not a packed handoff.v1.Incident");
	hf_evidence_finish(&doc);
}

/* Not JSON, another format, or no entries: refused with where. */
Test(evidence, verify_refuses_what_is_not_an_export)
{
	char err[256] = "";

	cr_assert_eq(verify("hello", 5, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "line 1, column ") == err, "%s", err);
	cr_assert_eq(verify("{\"format\": \"x\"}", 15, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "format is \"x\", not \"handoff.timeline.v1\"");
}

/* head and seal are checked by name: a head that is not the last entry's
 * hash, and a gateway edited under an intact head (only the seal covers it). */
Test(evidence, verify_names_a_wrong_head_or_seal)
{
	char *text, *p, err[256] = "";
	size_t len = render(&text);

	p = strstr(text, "\"head\": \"") + strlen("\"head\": \"");
	*p = *p == '0' ? '1' : '0';
	cr_assert_eq(verify(text, len, err, sizeof err), -EBADMSG);
	cr_assert_str_eq(err, "head/seal do not match: head is not the hash of the last entry (entry 5)");
	free(text);
	len = render(&text);
	p = strstr(text, "\"gateway\": \"city\"");
	p[strlen("\"gateway\": \"cit")] = 'Y';
	cr_assert_eq(verify(text, len, err, sizeof err), -EBADMSG);
	cr_assert(strstr(err, "head/seal do not match: the seal is not") == err, "%s", err);
	free(text);
}
