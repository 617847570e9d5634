"""Evidence: `handoffctl export` and `handoffctl verify` against a journal
database built here independently of the C code, from the spec in
gateway/journal.h (Python's sqlite3 and hashlib, protoc-generated Incident
messages): the export is what the rows say, verifies untouched, and every
kind of tampering with the file -- or with the database -- is caught and
named by entry."""
import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import harness

ZERO = "0" * 64
T0 = 1795405869958  # 2026-11-23T03:51:09.958Z

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE timeline(id INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL,
  n INTEGER NOT NULL, unix_ms INTEGER NOT NULL, source TEXT NOT NULL, actor TEXT NOT NULL,
  what TEXT NOT NULL, seq INTEGER NOT NULL, state BLOB NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL, UNIQUE(incident, n));
CREATE TABLE incidents(number INTEGER PRIMARY KEY, id TEXT NOT NULL, open INTEGER NOT NULL,
  updated_unix_ms INTEGER NOT NULL, state BLOB NOT NULL);
CREATE TABLE units(key TEXT PRIMARY KEY, updated_unix_ms INTEGER NOT NULL, state BLOB NOT NULL);
CREATE TABLE commands(key TEXT PRIMARY KEY, unix_ms INTEGER NOT NULL, code INTEGER NOT NULL,
  message TEXT NOT NULL, incident INTEGER NOT NULL);
"""


def chain_hash(prev, incident, n, unix_ms, source, actor, what, seq, state):
    """journal.h's canonical form, written from the spec."""
    text = "\n".join([prev, incident, str(n), str(unix_ms), source, actor, what, str(seq), state.hex()])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def iso(unix_ms):
    t = datetime.datetime.fromtimestamp(unix_ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (unix_ms % 1000)


def incident_states(pb):
    """Five states of INC-0001: raised, repeated, acknowledged, assigned, resolved."""
    inc = pb.Incident(id="INC-0001", state=pb.INCIDENT_STATE_RAISED, severity=pb.SEVERITY_CRITICAL,
                      area="central", desk="desk-central", trigger_count=1, raised_unix_ms=T0,
                      updated_unix_ms=T0, rule="emergency", last_change="raised")
    inc.trigger.kind = pb.TRIGGER_KIND_EMERGENCY_STATUS
    inc.trigger.meaning = "emergency"
    inc.trigger.status = 0
    inc.trigger.source = "pei-1"
    inc.subject.unit_id = "pcso-7"
    inc.subject.issi = 2001007
    inc.subject.callsign = "PCSO 7"
    inc.position.lat = 51.50719
    inc.position.lon = -0.11195
    inc.position.fix_unix_ms = T0 - 1000
    for cs, d in (("PC 5002", 173.4), ("PC 4410", 552.25), ("PC 1234", 632.0)):
        c = inc.asked.add()
        c.unit.callsign = cs
        c.distance_m = d
    states = [inc.SerializeToString()]
    inc.trigger_count = 2
    inc.last_change = "repeat x2"
    states.append(inc.SerializeToString())
    inc.state = pb.INCIDENT_STATE_ACKNOWLEDGED
    inc.acknowledged_by = "desk-central"
    states.append(inc.SerializeToString())
    inc.state = pb.INCIDENT_STATE_ASSIGNED
    inc.assigned.callsign = "PC 5002"
    inc.last_change = "assigned PC 5002 \u2014 en route"
    states.append(inc.SerializeToString())
    inc.state = pb.INCIDENT_STATE_RESOLVED
    inc.outcome = "words of advice given"
    states.append(inc.SerializeToString())
    return states


class Evidence(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pb = harness.pb()
        cls.states = incident_states(cls.pb)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hf-evidence-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.state_dir = os.path.join(self.tmp, "state")
        os.mkdir(self.state_dir)
        self.db = os.path.join(self.state_dir, "journal.db")
        self.rows = self.make_journal(self.db)

    def make_journal(self, path, schema="1"):
        """A journal as journal.h describes it: INC-0001 with 5 entries, and
        INC-0002 (1 entry) interleaved, so export must pick by incident."""
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)
        con.execute("INSERT INTO meta VALUES ('schema', ?), ('gateway', 'city-of-london'), "
                    "('epoch', '7'), ('seq_reserved', '1000')", (schema,))
        steps = [("pei-1", "PCSO 7", "raised: EMERGENCY button (status 0)", 35),
                 ("pei-1", "PCSO 7", "repeat x2", 36),
                 ("command", "desk-central", "acknowledged", 40),
                 ("command", "desk-central", "assigned PC 5002 \u2014 en route", 41),
                 ("command", "PC 5002", "resolved: words of advice given", 0)]
        rows = []
        prev = ZERO
        for i, (source, actor, what, seq) in enumerate(steps):
            n = i + 1
            t = T0 + i * 61003
            h = chain_hash(prev, "INC-0001", n, t, source, actor, what, seq, self.states[i])
            rows.append(dict(n=n, unixMs=t, source=source, actor=actor, what=what, seq=seq,
                             state=self.states[i], prevHash=prev, hash=h))
            con.execute("INSERT INTO timeline(incident, n, unix_ms, source, actor, what, seq, state,"
                        " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        ("INC-0001", n, t, source, actor, what, seq, self.states[i], prev, h))
            prev = h
            if i == 1:
                other = self.pb.Incident(id="INC-0002").SerializeToString()
                con.execute("INSERT INTO timeline(incident, n, unix_ms, source, actor, what, seq,"
                            " state, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            ("INC-0002", 1, t + 5, "timer", "gateway", "raised", 37, other, ZERO,
                             chain_hash(ZERO, "INC-0002", 1, t + 5, "timer", "gateway", "raised",
                                        37, other)))
        con.commit()
        con.close()
        return rows

    def ctl(self, *args, stdin=None):
        return subprocess.run([harness.HANDOFFCTL] + list(args), capture_output=True, text=True,
                              input=stdin, timeout=30)

    def export(self, incident="INC-0001"):
        r = self.ctl("export", "--journal", self.db, incident)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def verify(self, text):
        path = os.path.join(self.tmp, "export.json")
        with open(path, "w") as f:
            f.write(text)
        return self.ctl("verify", path)

    # -- the export --------------------------------------------------------

    def test_export_holds_every_row_as_the_spec_says_and_verifies(self):
        """Every entry is its row; hashes, head and seal are what an independent
        implementation computes; the untouched export verifies (exit 0)."""
        text = self.export("1")
        doc = json.loads(text)
        self.assertEqual(doc["format"], "handoff.timeline.v1")
        self.assertEqual(doc["gateway"], "city-of-london")
        self.assertEqual(doc["incident"], "INC-0001")
        self.assertEqual(doc["exported"], iso(doc["exportedUnixMs"]))
        self.assertEqual(len(doc["entries"]), 5)
        for e, row in zip(doc["entries"], self.rows):
            for k in ("n", "unixMs", "source", "actor", "what", "seq", "prevHash", "hash"):
                self.assertEqual(e[k], row[k], k)
            self.assertEqual(e["state"], row["state"].hex())
            self.assertEqual(e["time"], iso(row["unixMs"]))
            self.assertEqual(list(e.keys()), ["n", "time", "unixMs", "source", "actor", "what", "seq",
                                              "incident", "state", "prevHash", "hash"])
        self.assertEqual(doc["entries"][0]["time"], "2026-11-23T03:51:09.958Z")
        inc = doc["entries"][3]["incident"]  # proto3 JSON names and values
        self.assertEqual(inc["id"], "INC-0001")
        self.assertEqual(inc["state"], "INCIDENT_STATE_ASSIGNED")
        self.assertEqual(inc["raisedUnixMs"], str(T0))
        self.assertEqual(inc["trigger"]["status"], 0)
        self.assertEqual(inc["asked"][0]["distanceM"], 173.4)
        self.assertEqual(inc["lastChange"], "assigned PC 5002 \u2014 en route")
        self.assertEqual(doc["head"], self.rows[-1]["hash"])
        seal = "\n".join([doc["head"], "city-of-london", "INC-0001", str(doc["exportedUnixMs"])])
        self.assertEqual(doc["seal"], hashlib.sha256(seal.encode()).hexdigest())

        r = self.verify(text)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"5 entries of INC-0001 verified, head %s" % doc["head"])
        r = self.ctl("verify", "-", stdin=text)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_export_takes_the_journal_from_the_configs_state_dir_and_writes_a_file(self):
        """-c FILE: <gateway.state_dir>/journal.db; -o FILE writes the export there."""
        path, _ = harness.write_config(self.tmp, harness.free_port())
        with open(path) as f:
            text = f.read().replace("gateway:\n  id: test\n",
                                    "gateway:\n  id: test\n  state_dir: %s\n" % self.state_dir, 1)
        with open(path, "w") as f:
            f.write(text)
        out = os.path.join(self.tmp, "inc1.json")
        r = self.ctl("-c", path, "export", "-o", out, "INC-0001")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        r = self.ctl("verify", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertEqual(len(json.load(f)["entries"]), 5)

    def test_export_reads_beside_a_writer_holding_the_database(self):
        """WAL: with another connection in the middle of a write, export reads
        the committed rows and succeeds (read-only, never blocks the gateway)."""
        con = sqlite3.connect(self.db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO timeline(incident, n, unix_ms, source, actor, what, seq, state,"
                    " prev_hash, hash) VALUES ('INC-0001', 6, 1, 'x', 'x', 'uncommitted', 0, x'',"
                    " ?, ?)", (ZERO, ZERO))
        try:
            text = self.export()
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertEqual(len(json.loads(text)["entries"]), 5)

    def test_export_refuses_a_journal_whose_rows_were_edited_or_removed(self):
        """A row edited (its hash no longer matches) or removed (a gap) in the
        database: export exits 1 naming the entry and writes nothing."""
        con = sqlite3.connect(self.db)
        con.execute("UPDATE timeline SET what = 'nothing happened' WHERE incident = 'INC-0001' AND n = 3")
        con.commit()
        r = self.ctl("export", "--journal", self.db, "INC-0001")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("entry 3: hash does not match its contents", r.stderr)
        self.assertIn("refused", r.stderr)

        self.make_fresh()
        con = sqlite3.connect(self.db)
        con.execute("DELETE FROM timeline WHERE incident = 'INC-0001' AND n = 2")
        con.commit()
        r = self.ctl("export", "--journal", self.db, "INC-0001")
        self.assertEqual(r.returncode, 1)
        self.assertIn("entry numbers go 1, 3: entry 2 removed", r.stderr)

    def make_fresh(self):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                os.unlink(self.db + suffix)
        self.make_journal(self.db)

    def test_export_errors_say_what_is_wrong(self):
        """Unknown incident, missing database, not a journal, a newer schema:
        exit 1 with a clear message naming the path or the incident."""
        r = self.ctl("export", "--journal", self.db, "9")
        self.assertEqual(r.returncode, 1)
        self.assertIn("INC-0009 is not in the journal %s" % self.db, r.stderr)

        missing = os.path.join(self.tmp, "nope", "journal.db")
        r = self.ctl("export", "--journal", missing, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no journal at %s" % missing, r.stderr)

        other = os.path.join(self.tmp, "other.db")
        sqlite3.connect(other).executescript("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        r = self.ctl("export", "--journal", other, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s is not a handoff journal" % other, r.stderr)

        text = os.path.join(self.tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("hello\n" * 200)
        r = self.ctl("export", "--journal", text, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s is not a handoff journal" % text, r.stderr)

        newer = os.path.join(self.tmp, "newer.db")
        self.make_journal(newer, schema="2")
        r = self.ctl("export", "--journal", newer, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("journal schema 2, newer than this handoffctl reads (1)", r.stderr)

    # -- verify: the tamper table -------------------------------------------

    def test_every_kind_of_tampering_fails_and_names_the_entry(self):
        """Each edit of the export -- a field of an entry, its readable parts,
        removal, reordering, insertion, head, seal, layout -- exits 1 and says
        which entry (or which part) is wrong."""
        text = self.export()
        lines = text.split("\n")
        first = next(i for i, l in enumerate(lines) if l.startswith('    {"n": 1,'))

        def entry_line(n):
            return first + n - 1

        def edit_entry(n, old, new, count=1):
            def f(t):
                ls = t.split("\n")
                i = entry_line(n)
                self.assertIn(old, ls[i])
                ls[i] = ls[i].replace(old, new, count)
                return "\n".join(ls)
            return f

        def edit_top(old, new):
            def f(t):
                self.assertIn(old, t)
                return t.replace(old, new, 1)
            return f

        def delete(n):
            def f(t):
                ls = t.split("\n")
                del ls[entry_line(n)]
                return "\n".join(ls)
            return f

        def swap(a, b):
            def f(t):
                ls = t.split("\n")
                ia, ib = entry_line(a), entry_line(b)
                ls[ia], ls[ib] = ls[ib], ls[ia]
                return "\n".join(ls)
            return f

        def insert_copy(n):
            def f(t):
                ls = t.split("\n")
                ls.insert(entry_line(n) + 1, ls[entry_line(n)])
                return "\n".join(ls)
            return f

        head = self.rows[-1]["hash"]
        ms3 = str(self.rows[3]["unixMs"])
        table = [
            ("what of entry 3", edit_entry(3, '"what": "acknowledged"', '"what": "acknowledgEd"'),
             r"entry 3: hash does not match its contents \(edited\?\)"),
            ("actor of entry 2", edit_entry(2, '"actor": "PCSO 7"', '"actor": "PCSO 1"'),
             r"entry 2: hash does not match"),
            ("a digit of unixMs of entry 4", edit_entry(4, '"unixMs": ' + ms3,
                                                        '"unixMs": ' + ms3[:-1] + "9"),
             r"entry 4: hash does not match"),
            ("seq of entry 1", edit_entry(1, '"seq": 35', '"seq": 34'), r"entry 1: hash does not match"),
            ("state of entry 5", edit_entry(5, '"state": "0a', '"state": "0b'), r"entry 5: hash does not match"),
            ("hash of entry 2", edit_entry(2, '"hash": "' + self.rows[1]["hash"][:3],
                                           '"hash": "' + self.rows[1]["hash"][:2] + "x"),
             r"entry 2: \"hash\" is not 64 lowercase hex digits"),
            ("readable incident of entry 2", edit_entry(2, '"callsign": "PCSO 7"', '"callsign": "PCSO 8"'),
             r"the human-readable incident of entry 2 differs from its hashed state"),
            ("readable incident of entry 4 (a number)", edit_entry(4, '"distanceM": 173.4', '"distanceM": 173.5'),
             r"the human-readable incident of entry 4 differs"),
            ("time of entry 5", edit_entry(5, '"time": "2026-11-23T03:55', '"time": "2026-11-23T03:56'),
             r"time of entry 5 differs from its unixMs"),
            ("entry 3 deleted", delete(3), r"entry numbers go 2, 4: entry 3 removed"),
            ("entries 3 and 4 swapped", swap(3, 4), r"entry numbers go 2, 4: entry 3 comes later \(reordered\?\)"),
            ("entry 2 copied after itself", insert_copy(2), r"entry numbers go 2, 2: entry 2 appears twice"),
            ("head", edit_top('"head": "' + head[:1], '"head": "' + ("1" if head[0] != "1" else "2")),
             r"head/seal do not match: head is not the hash of the last entry \(entry 5\)"),
            ("seal", edit_top('"seal": "', '"seal": "0' if '"seal": "0' not in text else '"seal": "1'),
             r"head/seal do not match|seal"),
            ("gateway", edit_top('"gateway": "city-of-london"', '"gateway": "city-of-londom"'),
             r"head/seal do not match: the seal"),
            ("incident id", edit_top('"incident": "INC-0001"', '"incident": "INC-0002"'),
             r"entry 1: hash does not match"),
            ("exported time", edit_top('"exported": "', '"exported": "1'), r"exported differs from exportedUnixMs"),
            ("a space added in entry 4", edit_entry(4, '"seq": 41', '"seq":  41'),
             r"line %d, column \d+ \(entry 4\): the file differs" % (entry_line(4) + 1)),
            ("an unknown key", edit_top('  "head"', '  "note": "x",\n  "head"'), r"line \d+, column 4: the file differs"),
            ("a trailing newline removed", lambda t: t[:-1], r"the file differs|line"),
            ("last entry removed", delete(5), r"not JSON|head/seal"),
        ]
        for name, f, expect in table:
            with self.subTest(name):
                tampered = f(text)
                self.assertNotEqual(tampered, text)
                r = self.verify(tampered)
                self.assertEqual(r.returncode, 1, "%s: verified: %s" % (name, r.stdout))
                self.assertRegex(r.stderr, expect)
                self.assertEqual(r.stdout, "")

    def test_one_character_edits_anywhere_fail(self):
        """A sweep: changing a single character at spread-out positions all over
        the file (keys, values, punctuation, whitespace) never verifies."""
        text = self.export()
        for i in range(0, len(text), max(1, len(text) // 150)):
            c = text[i]
            new = "0" if c != "0" else "1"
            tampered = text[:i] + new + text[i + 1:]
            r = self.ctl("verify", "-", stdin=tampered)
            self.assertEqual(r.returncode, 1, "edit at offset %d (%r -> %r) verified" % (i, c, new))


if __name__ == "__main__":
    unittest.main(verbosity=2)
