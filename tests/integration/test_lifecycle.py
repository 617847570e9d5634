"""handoffd's life: SIGTERM stops cleanly (every handle closed); SIGHUP reloads,
and a bad config is refused with the running one kept; heartbeats when idle."""
import os
import signal
import time
import unittest

import harness
from harness import pb, rec_status


class Lifecycle(harness.GatewayTest):

    def test_sigterm_stops_cleanly(self):
        self.gw.signal(signal.SIGTERM)
        self.assertEqual(self.gw.proc.wait(10), 0)
        log = self.gw.logtext()
        self.assertIn("stopped cleanly", log)       # uv_loop_close() == 0
        self.assertNotIn("handles left open", log)

    def test_heartbeats_when_idle_with_increasing_seq(self):
        seqs = []
        while len(seqs) < 3:
            got = self.sub.recv(3)
            self.assertIsNotNone(got, "no heartbeat")
            topic, p = got
            if topic == "hb":
                self.assertEqual(p.WhichOneof("body"), "heartbeat")
                seqs.append(p.seq)
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 3)

    def test_bad_reload_keeps_the_running_config(self):
        with open(self.config) as f:
            good = f.read()
        with open(self.config, "w") as f:
            f.write(good.replace("issi: 2002005", "issi: 2002001").replace("heartbeat_ms", "heartbeat_msec"))
        self.gw.signal(signal.SIGHUP)
        deadline = time.time() + 5
        while "reload" not in self.gw.logtext() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        log = self.gw.logtext()
        self.assertIn("refused", log)
        self.assertIn("duplicate ISSI", log)
        self.assertIn("heartbeat_msec", log)
        self.assertIsNone(self.gw.proc.poll())
        # Still the old roster: PC 5 (ISSI 2002005) exists and alerts still work.
        self.peer.send(rec_status(2002005, 0))
        _, pub = self.wait_incident()
        self.assertEqual(pub.incident.subject.callsign, "PC 5")

    def test_good_reload_applies_the_new_roster_and_keeps_incidents(self):
        self.peer.send(rec_status(2001001, 0))
        _, first = self.wait_incident()
        with open(self.config, "a") as f:
            f.write("  - {id: pcso-9, issi: 2001009, callsign: PCSO 9, role: pcso, area: transport}\n")
        self.gw.signal(signal.SIGHUP)
        deadline = time.time() + 5
        while "reloaded" not in self.gw.logtext() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn("reloaded", self.gw.logtext())
        self.peer.send(rec_status(2001009, 0))
        topic, pub = self.wait_incident(lambda i: i.subject.issi == 2001009)
        self.assertEqual(topic, "alert.transport.critical")
        self.assertEqual(pub.incident.subject.callsign, "PCSO 9")
        ids = [i.id for i in self.gw.snapshot().incidents]
        self.assertIn(first.incident.id, ids, "open incidents survive a reload")


if __name__ == "__main__":
    unittest.main(verbosity=2)
