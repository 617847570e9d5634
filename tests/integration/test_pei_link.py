"""The PEI link: killed mid-stream, the daemon stays up, publishes link-down,
reconnects when the peer returns, and alerts flow again."""
import time
import unittest

import harness
from harness import pb, rec_lip, rec_status


class PeiLink(harness.GatewayTest):

    def wait_link(self, up, timeout_s=10):
        got = self.sub.wait_for(lambda t, p: p.WhichOneof("body") == "link" and p.link.up == up, timeout_s)
        self.assertIsNotNone(got, "no link %s; log:\n%s" % ("up" if up else "down", self.gw.logtext()[-3000:]))
        return got

    def test_peer_killed_mid_stream_then_back(self):
        # Mid-stream: a header whose data line never comes, then the link drops.
        self.peer.send(rec_status(2002001, 32768) + "+CTSDSR: 13,2001001,0,9999,0,16\r\n")
        port = self.peer.port
        self.peer.close()
        topic, pub = self.wait_link(False)
        self.assertEqual(topic, "link.pei-1")
        self.assertEqual(pub.link.kind, "tetra-pei")
        self.assertEqual(pub.link.peer, "127.0.0.1:%d" % port)
        self.assertTrue(pub.link.reason)
        # The daemon is still up and answering.
        snap = self.gw.snapshot()
        self.assertIsNotNone(snap)
        self.assertEqual([l.up for l in snap.links if l.adapter == "pei-1"], [False])
        self.assertIsNone(self.gw.proc.poll())
        # Let a few reconnect attempts fail, then the peer returns on the same port.
        time.sleep(0.5)
        self.peer = harness.PeiPeer(port)
        self.peer.accept()
        self.wait_link(True)
        self.assertIn(b"AT+CTSP", self.peer.drain(), "registers for reports on connect")
        # And the stream works again: an emergency is alerted.
        self.peer.send(rec_lip(2001001, 51.5, -0.1, reason=2))
        _, pub = self.wait_incident()
        self.assertEqual(pub.incident.subject.callsign, "PCSO 1")
        self.assertEqual(pub.incident.trigger_count, 1, "the half record before the drop raised nothing")

    def test_gateway_starts_while_the_peer_is_down(self):
        """Link down is published from the start and the gateway keeps retrying."""
        self.peer.close()
        self.wait_link(False)
        attempts = self.sub.wait_for(lambda t, p: p.WhichOneof("body") == "link" and p.link.attempt >= 10, 15)
        self.assertIsNotNone(attempts, "a reminder is published every 10 failed attempts")
        self.assertIsNone(self.gw.proc.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
