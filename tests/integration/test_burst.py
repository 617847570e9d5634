"""ZMQ_FD is edge-triggered: a burst of thousands of messages that arrives all
at once must be processed completely without any further traffic to wake the
loop. Both the ingest PULL and the command ROUTER are checked."""
import time
import unittest

import zmq

import harness
from harness import pb

N_INGEST = 5000
N_REQUESTS = 2000


class Burst(harness.GatewayTest):

    def test_ingest_burst_is_processed_without_more_traffic(self):
        """5000 emergencies pushed at once -> 5000 incident alerts, then silence."""
        P = pb()
        push = zmq.Context.instance().socket(zmq.PUSH)
        push.setsockopt(zmq.LINGER, 5000)
        push.setsockopt(zmq.SNDHWM, 0)
        # Serialize first, then send back to back: the burst lands while the
        # gateway is not yet reading.
        frames = [P.RadioEvent(kind=P.EVENT_KIND_PANIC, issi=5000000 + i, source="app").SerializeToString()
                  for i in range(N_INGEST)]
        push.connect(self.ep["ingest"])
        for f in frames:
            push.send(f)
        ids = set()
        deadline = time.time() + 60
        while len(ids) < N_INGEST and time.time() < deadline:
            got = self.sub.recv(5)
            if got is None:
                break
            topic, p = got
            if p.WhichOneof("body") == "incident":
                ids.add(p.incident.subject.issi)
        push.close()
        self.assertEqual(len(ids), N_INGEST,
                         "only %d of %d alerts: the loop stalled waiting for traffic" % (len(ids), N_INGEST))
        self.assertEqual(len(self.gw.snapshot().incidents), N_INGEST)

    def test_command_burst_gets_every_reply(self):
        """2000 pipelined requests on one DEALER -> 2000 replies."""
        P = pb()
        d = zmq.Context.instance().socket(zmq.DEALER)
        d.setsockopt(zmq.LINGER, 0)
        d.setsockopt(zmq.RCVHWM, 0)
        d.setsockopt(zmq.SNDHWM, 0)
        d.connect(self.ep["command"])
        for i in range(N_REQUESTS):
            req = P.Request(request_id=str(i), command=P.Command(kind=P.COMMAND_KIND_ACK, incident_id="INC-9999"))
            d.send(req.SerializeToString())
        seen = set()
        while len(seen) < N_REQUESTS and d.poll(5000):
            r = P.Reply()
            r.ParseFromString(d.recv())
            self.assertEqual(r.code, P.REPLY_CODE_NOT_FOUND)
            seen.add(r.request_id)
        d.close()
        self.assertEqual(len(seen), N_REQUESTS, "only %d replies" % len(seen))

    def test_malformed_ingest_is_counted_and_never_fatal(self):
        """Garbage, a multi-frame message and an invalid event are rejected; a good one after them alerts."""
        P = pb()
        push = zmq.Context.instance().socket(zmq.PUSH)
        push.setsockopt(zmq.LINGER, 2000)
        push.connect(self.ep["ingest"])
        push.send(b"\xff\xff\xff not protobuf")
        push.send_multipart([b"a", b"b"])
        push.send(P.RadioEvent(kind=P.EVENT_KIND_LOCATION, issi=1, lat=95.0, lon=0.0).SerializeToString())
        push.send(P.RadioEvent(kind=P.EVENT_KIND_STATUS, issi=16777216, status=0).SerializeToString())
        push.send(P.RadioEvent(kind=P.EVENT_KIND_STATUS, issi=2001001, status=0).SerializeToString())
        _, pub = self.wait_incident()
        push.close()
        self.assertEqual(pub.incident.subject.callsign, "PCSO 1")
        log = self.gw.logtext()
        self.assertIn("undecodable frame", log)
        self.assertIn("expected one frame", log)
        self.assertIn("lat/lon out of range", log)
        self.assertIn("issi is larger than 24 bits", log)
        self.assertIsNone(self.gw.proc.poll())


class Conflation(harness.GatewayTest):
    """Unit updates are conflated per unit (gateway.unit_publish_ms), alerts
    never: 2,000 position reports from 10 radios reach subscribers as a few
    messages per unit, each unit's last one carrying its last position."""

    unit_publish_ms = 200

    def test_positions_are_conflated_per_unit_and_alerts_are_not(self):
        P = pb()
        issis = [2002001 + i for i in range(4)] + [2001001]
        last = {}
        burst = []
        for k in range(400):
            for issi in issis:
                lat, lon = 51.50 + k * 1e-4, -0.10 + (issi % 10) * 1e-3
                burst.append(harness.rec_lip(issi, lat, lon))
                last[issi] = (lat, lon)
        self.peer.send("".join(burst))
        self.peer.send(harness.rec_status(2001002, 0))     # an emergency amid the burst
        # Collect until every unit's last position and the alert have come
        # (heartbeats never let the bus fall quiet), at most 15 s.
        got, final, alerts = [], {}, []
        deadline = time.time() + 15
        while time.time() < deadline:
            one = self.sub.recv(0.2)
            if one:
                got.append(one)
                t, p = one
                if t.startswith("unit."):
                    final[p.unit.unit.issi] = (p.unit.position.lat, p.unit.position.lon)
                elif p.WhichOneof("body") == "incident":
                    alerts.append(p.incident)
            done = all(issi in final and abs(final[issi][0] - last[issi][0]) < 1e-4
                       for issi in issis)
            if done and alerts:
                break
        units = [p.unit for t, p in got if t.startswith("unit.")]
        self.assertEqual([a.subject.issi for a in alerts][:1], [2001002], "the alert was held back")
        self.assertGreaterEqual(len(units), len(issis))
        self.assertLess(len(units), 200, "%d unit messages for 2,000 reports: not conflated" % len(units))
        for issi in issis:
            self.assertAlmostEqual(final[issi][0], last[issi][0], places=4)
            self.assertAlmostEqual(final[issi][1], last[issi][1], places=3)
        seqs = [p.seq for _, p in got]
        self.assertEqual(seqs, sorted(seqs))
        self.assertGreaterEqual(self.gw.stats()["unit_publications_conflated"], len(issis))


if __name__ == "__main__":
    unittest.main(verbosity=2)
