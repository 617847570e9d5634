"""Escalation through the real daemon on real timers: an emergency nobody
acknowledges reaches the supervisor at the tier's timeout; `handoffctl ack`
stops it; a command replayed with the same idempotency key changes nothing;
check-in and hand-off statuses work end to end. Timings use a 1 s tier so the
test is short; the rules themselves are covered on simulated time in
tests/unit/test_stories.c."""
import os
import subprocess
import time
import unittest

import harness
from harness import pb, rec_lip, rec_status

HANDOFFCTL = os.environ["HANDOFFCTL"]

RULES = """
rules:
  emergency:
    constables: 2
    radius_m: 5000
    tiers:
      - {after_s: 1, constables: 4, radius_m: 20000, supervisor: true}
      - {after_s: 1, constables: 6, radius_m: 50000, supervisor: true}
    max_repeats: 0
    ack_timeout_s: 0
"""


class Escalation(harness.GatewayTest):
    extra_roster = "  - {id: ps-1, issi: 2003001, callsign: PS 1, role: supervisor, area: central}\n"
    extra_config = RULES
    peer_class = harness.RadioPeer  # answers AT commands, records AT+CMGS

    def ctl(self, *args):
        cfg = self.config
        return subprocess.run([HANDOFFCTL, "-c", cfg, "--actor", "desk-central", *args],
                              capture_output=True, text=True, timeout=20)

    def emergency(self):
        self.peer.send(rec_status(2001001, 0))
        _, pub = self.wait_incident(lambda i: i.escalation_level == 0)
        return pub.incident

    def test_unacknowledged_emergency_reaches_the_supervisor_then_ack_stops_it(self):
        inc = self.emergency()
        self.assertFalse(inc.HasField("supervisor"))
        self.assertGreater(inc.next_escalation_unix_ms, 0)
        _, pub = self.wait_incident(lambda i: i.escalation_level == 1, timeout_s=5)
        self.assertEqual(pub.incident.supervisor.callsign, "PS 1")
        self.assertIn("not acknowledged", pub.incident.last_change)
        r = self.ctl("ack", inc.id)
        self.assertEqual(r.returncode, 0, r.stderr)
        _, acked = self.wait_incident(lambda i: i.state == pb().INCIDENT_STATE_ACKNOWLEDGED)
        self.assertEqual(acked.incident.acknowledged_by, "desk-central")
        self.assertEqual(acked.incident.next_escalation_unix_ms, 0)
        # Tier 2 was due 1 s after tier 1: nothing may come now.
        got = self.sub.wait_for(lambda t, p: p.WhichOneof("body") == "incident", timeout_s=2.5)
        self.assertIsNone(got, "escalated after the acknowledgement: %s" % (got,))
        snap = self.gw.snapshot()
        self.assertEqual(snap.incidents[0].escalation_level, 1)

    def test_the_pcsos_radio_hears_the_ack_and_who_is_coming(self):
        self.peer.send(rec_lip(2002001, 51.5010, -0.1000, reason=129))
        self.peer.send(rec_status(2002001, harness.STATUS_AVAILABLE))
        self.peer.send(rec_lip(2001001, 51.5000, -0.1000, reason=129))
        inc = self.emergency()
        self.assertEqual(self.ctl("ack", inc.id).returncode, 0)
        cmd = self.peer.wait_command(lambda c: c.startswith("AT+CMGS=2001001,"), timeout=5)
        self.assertIsNotNone(cmd, "no AT+CMGS to the PCSO; commands: %r" % self.peer.responder.commands)
        self.assertIn("alert received", harness.Sds(cmd).text)
        self.assertEqual(self.ctl("assign", inc.id, "PC 1").returncode, 0)
        cmd = self.peer.wait_command(lambda c: "en route" in (harness.Sds(c).text or "")
                                     if c.startswith("AT+CMGS=") else False, timeout=5)
        self.assertIsNotNone(cmd, "no assignment SDS; got %r" % self.peer.sds())
        self.assertEqual(harness.Sds(cmd).issi, 2001001)
        self.assertIn("PC 1 en route, 111 m", harness.Sds(cmd).text)

    def test_a_replayed_idempotency_key_changes_nothing(self):
        inc = self.emergency()
        first = self.ctl("--key", "desk-central-42", "ack", inc.id)
        self.assertEqual(first.returncode, 0, first.stderr)
        again = self.ctl("--key", "desk-central-42", "ack", inc.id)
        self.assertEqual(again.returncode, 0, "the replay is answered like the first")
        self.assertEqual(again.stdout, first.stdout)
        fresh = self.ctl("ack", inc.id)
        self.assertEqual(fresh.returncode, 1)
        self.assertIn("only a raised incident can be acknowledged", fresh.stderr)
        acks = []
        while True:
            got = self.sub.recv(0.5)
            if got is None:
                break
            if got[1].WhichOneof("body") == "incident" and got[1].incident.acknowledged_by:
                acks.append(got[1].seq)
        self.assertEqual(len(acks), 1, "exactly one acknowledgement was published")

    def test_cancel_needs_a_reason_and_hand_offs_need_a_constable(self):
        inc = self.emergency()
        r = self.ctl("cancel", inc.id)
        self.assertEqual(r.returncode, 2)
        self.assertIn("Usage: handoffctl cancel INCIDENT TEXT", r.stderr)
        self.peer.send(rec_status(2001002, 32772))  # confrontation_likely, see status_map below
        _, pub = self.wait_incident(lambda i: i.rule == "handoff")
        self.assertTrue(pub.incident.constable_required)
        r = self.ctl("resolve", pub.incident.id, "advice given")
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs a constable", r.stderr)
        self.assertEqual(self.ctl("assign", pub.incident.id, "PC 5").returncode, 0)
        self.assertEqual(self.ctl("resolve", pub.incident.id, "advice given").returncode, 0)
        r = self.ctl("check-in", "PCSO 1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PCSO 1 checked in", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
