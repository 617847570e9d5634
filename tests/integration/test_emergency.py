"""End to end: a PCSO's emergency over a real TCP PEI link reaches a subscriber
written in Python, naming the 3 nearest available constables; dispatchers act on
it with the real handoffctl."""
import json
import subprocess
import time
import unittest

import harness
from harness import pb, rec_lip, rec_status, STATUS_AVAILABLE, STATUS_ON_PATROL, STATUS_OFF_DUTY

BASE_LAT, BASE_LON = 51.5, -0.1
M_PER_DEG_LAT = 111195.0


def north(metres):
    return BASE_LAT + metres / M_PER_DEG_LAT


class EmergencyEndToEnd(harness.GatewayTest):

    def put_on_duty(self):
        # Constables at known distances due north of the PCSO; one off duty.
        for issi, status, metres in [(2002001, STATUS_AVAILABLE, 900), (2002002, STATUS_ON_PATROL, 300),
                                     (2002003, STATUS_AVAILABLE, 2500), (2002004, STATUS_AVAILABLE, 600),
                                     (2002005, STATUS_OFF_DUTY, 100), (2001001, STATUS_ON_PATROL, 0)]:
            self.peer.send(rec_status(issi, status) + rec_lip(issi, north(metres), BASE_LON))
        # The PCSO's position has arrived once its unit update is published.
        got = self.sub.wait_for(lambda t, p: t == "unit.pcso-1" and p.unit.HasField("position"), 10)
        self.assertIsNotNone(got)

    def ctl(self, *args):
        return subprocess.run([harness.HANDOFFCTL, "-c", self.config, "--actor", "desk-central"] + list(args),
                              capture_output=True, text=True, timeout=20)

    def test_emergency_alerts_the_desk_with_the_three_nearest_constables(self):
        """Status 0 from a PCSO -> alert.central.critical naming PC 2, PC 4, PC 1 with distances."""
        P = pb()
        self.put_on_duty()
        self.peer.send(rec_status(2001001, 0))
        topic, pub = self.wait_incident()
        inc = pub.incident
        self.assertEqual(topic, "alert.central.critical")
        self.assertEqual(inc.state, P.INCIDENT_STATE_RAISED)
        self.assertEqual(inc.severity, P.SEVERITY_CRITICAL)
        self.assertEqual(inc.trigger.kind, P.TRIGGER_KIND_EMERGENCY_STATUS)
        self.assertTrue(inc.trigger.HasField("status") and inc.trigger.status == 0)
        self.assertEqual(inc.subject.callsign, "PCSO 1")
        self.assertEqual(inc.subject.issi, 2001001)
        self.assertEqual(inc.subject.role, P.ROLE_PCSO)
        self.assertEqual(inc.desk, "desk-central")
        self.assertAlmostEqual(inc.position.lat, BASE_LAT, places=4)
        self.assertGreater(inc.position.fix_unix_ms, 0)
        self.assertEqual([c.unit.callsign for c in inc.asked], ["PC 2", "PC 4", "PC 1"])
        for c, metres in zip(inc.asked, (300, 600, 900)):
            self.assertAlmostEqual(c.distance_m, metres, delta=3)
            self.assertFalse(c.stale)
        self.assertEqual(inc.trigger_count, 1)
        self.assertGreater(pub.seq, 0)

    def test_repeat_press_joins_the_open_incident(self):
        """A second press publishes the same incident with trigger_count 2."""
        self.put_on_duty()
        self.peer.send(rec_status(2001001, 0))
        _, first = self.wait_incident()
        # The second press, as a radio sends it: status 0 and a reason-2 LIP report.
        moved = BASE_LAT + 0.001
        self.peer.send(rec_status(2001001, 0) + rec_lip(2001001, moved, BASE_LON, reason=2))
        _, second = self.wait_incident(lambda i: i.trigger_count == 2)
        _, located = self.wait_incident(lambda i: abs(i.position.lat - moved) < 1e-5)
        self.assertEqual(located.incident.trigger_count, 2, "the LIP report is the same press")
        self.assertEqual(first.incident.id, second.incident.id)
        self.assertEqual(second.incident.id, located.incident.id)
        self.assertLess(first.seq, second.seq)
        self.assertLess(second.seq, located.seq)
        snap = self.gw.snapshot()
        self.assertEqual(len(snap.incidents), 1)

    def test_unknown_issi_emergency_still_alerts(self):
        """An ISSI not on the roster gets an alert naming the ISSI."""
        self.peer.send(rec_lip(7654321, BASE_LAT, BASE_LON, reason=2))
        topic, pub = self.wait_incident()
        self.assertEqual(topic, "alert.central.critical")
        self.assertEqual(pub.incident.subject.issi, 7654321)
        self.assertEqual(pub.incident.subject.callsign, "ISSI 7654321")
        self.assertEqual(pub.incident.trigger.kind, pb().TRIGGER_KIND_EMERGENCY_LIP)

    def test_dispatcher_acks_and_resolves_with_handoffctl(self):
        """handoffctl ack/resolve change the incident; subscribers see each step."""
        P = pb()
        self.put_on_duty()
        self.peer.send(rec_status(2001001, 0))
        _, pub = self.wait_incident()
        iid = pub.incident.id
        r = self.ctl("ack", iid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("acknowledged", r.stdout)
        _, acked = self.wait_incident(lambda i: i.state == P.INCIDENT_STATE_ACKNOWLEDGED)
        self.assertEqual(acked.incident.acknowledged_by, "desk-central")
        r = self.ctl("ack", iid)
        self.assertEqual(r.returncode, 1)
        self.assertIn("refused", r.stderr)
        r = self.ctl("resolve", iid, "PC 2 on scene, words of advice")
        self.assertEqual(r.returncode, 0, r.stderr)
        _, closed = self.wait_incident(lambda i: i.state == P.INCIDENT_STATE_RESOLVED)
        self.assertEqual(closed.incident.outcome, "PC 2 on scene, words of advice")
        self.assertEqual(len(self.gw.snapshot().incidents), 0)
        r = self.ctl("ack", "INC-0042")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no incident INC-0042", r.stderr)

    def test_late_watch_sees_the_open_incident(self):
        """handoffctl watch --json started after the alert still shows it (snapshot first)."""
        self.put_on_duty()
        self.peer.send(rec_status(2001001, 0))
        _, pub = self.wait_incident()
        w = subprocess.Popen([harness.HANDOFFCTL, "-c", self.config, "watch", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = json.loads(w.stdout.readline())
            self.assertEqual([i["id"] for i in first["incidents"]], [pub.incident.id])
            self.assertEqual(first["incidents"][0]["subject"]["callsign"], "PCSO 1")
            self.assertIn("seq", first)
            # A new press now arrives as a live Publication, in proto3 JSON.
            self.peer.send(rec_status(2001001, 0))
            deadline = time.time() + 10
            while time.time() < deadline:
                obj = json.loads(w.stdout.readline())
                if "incident" in obj:
                    self.assertEqual(obj["incident"]["triggerCount"], 2)
                    self.assertEqual(obj["incident"]["severity"], "SEVERITY_CRITICAL")
                    self.assertIsInstance(obj["seq"], str, "uint64 is a string in proto3 JSON")
                    break
            else:
                self.fail("no live incident in watch --json")
        finally:
            w.terminate()
            w.wait(5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
