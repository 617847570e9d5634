"""The tetra-pei adapter's command exchange, liveness checks and serial links,
against a radio played in Python (harness.RadioPeer over TCP, harness.PtyRadio
on a real pseudo-terminal)."""
import os
import tempfile
import time
import unittest

import harness
from harness import rec_status

INIT = ["AT+CTSP=1,2,20", "AT+CTSP=1,3,10", "AT+CTSP=1,3,130", "AT+CTSDS=12,0"]


class RadioTest(unittest.TestCase):
    """A gateway whose pei-1 adapter talks to self.radio (made by make_radio)."""

    def make_radio(self):
        raise NotImplementedError

    def pei_link(self):
        raise NotImplementedError

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hf-it-")
        self.radio = self.make_radio()
        self.config, self.ep = harness.write_config(self.tmp, 0, pei_link=self.pei_link())
        self.gw = harness.Gateway(self.config, self.ep, os.path.join(self.tmp, "handoffd.log"))
        self.addCleanup(self._teardown)
        if isinstance(self.radio, harness.RadioPeer):
            self.radio.accept()  # at once: the gateway connects and sends as it starts
        self.gw.wait_ready()
        self.sub = harness.Subscriber(self.ep["publish"])
        self.assertTrue(self.sub.wait_connected(), "no heartbeat from the gateway")

    def _teardown(self):
        if hasattr(self, "sub"):
            self.sub.close()
        self.radio.close()
        code = self.gw.stop()
        self.assertEqual(code, 0, "handoffd did not exit cleanly:\n" + self.gw.logtext()[-5000:])

    def wait_link(self, up, timeout_s=10):
        """The next published link state `up`; for up, also one that came before
        the subscription (the radio may be there before the subscriber)."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            got = self.sub.wait_for(lambda t, p: p.WhichOneof("body") == "link" and p.link.up == up, 0.3)
            if got:
                return got[1].link
            if up:
                snap = self.gw.snapshot()
                links = [l for l in snap.links if l.adapter == "pei-1" and l.up] if snap else []
                if links:
                    return links[0]
        self.fail("no link %s; log:\n%s" % ("up" if up else "down", self.gw.logtext()[-3000:]))

    def wait_init(self, radio=None):
        radio = radio or self.radio
        self.assertIsNotNone(radio.wait_command(lambda c: c == INIT[-1]),
                             "initialisation incomplete; log:\n" + self.gw.logtext()[-3000:])
        self.assertEqual(radio.responder.commands[:len(INIT)], INIT)

    def wait_status(self, unit, status):
        got = self.sub.wait_for(lambda t, p: t == "unit." + unit and p.unit.HasField("status") and
                                p.unit.status == status, 10)
        self.assertIsNotNone(got, "status not published; log:\n" + self.gw.logtext()[-3000:])


class SerialLink(RadioTest):
    """device: a pty whose master side the test plays."""

    def make_radio(self):
        self.dev_dir = tempfile.mkdtemp(prefix="hf-tty-")
        return harness.PtyRadio(os.path.join(self.dev_dir, "radio"))

    def pei_link(self):
        return "device: %s\n    baud: 38400" % self.radio.device

    def test_a_serial_radio_is_initialised_and_its_status_is_published(self):
        link = self.wait_link(True)
        self.assertEqual(link.peer, self.radio.device)
        self.wait_init()
        self.radio.send(rec_status(2002001, harness.STATUS_AVAILABLE))
        self.wait_status("pc-1", harness.STATUS_AVAILABLE)

    def test_a_vanished_device_is_link_down_then_reopened_when_it_returns(self):
        self.wait_link(True)
        self.wait_init()
        self.radio.vanish()
        link = self.wait_link(False)
        self.assertTrue(link.reason.startswith("device lost"), link.reason)
        # Gone for a while: reopening fails and is retried with backoff.
        again = self.sub.wait_for(lambda t, p: p.WhichOneof("body") == "link" and not p.link.up and
                                  p.link.attempt >= 2, 10)
        self.assertIsNotNone(again, "no retry; log:\n" + self.gw.logtext()[-3000:])
        self.assertIn("cannot open device", again[1].link.reason)
        self.radio.come_back()
        self.wait_link(True)
        self.wait_init()
        self.radio.send(rec_status(2002002, harness.STATUS_ON_PATROL))
        self.wait_status("pc-2", harness.STATUS_ON_PATROL)
        self.assertIsNone(self.gw.proc.poll())


class TcpCommands(RadioTest):
    """connect: a harness.RadioPeer that refuses the LIP registration."""

    def pei_link(self):
        return "connect: 127.0.0.1:%d\n    liveness_ms: 500\n    command_timeout_ms: 1000" % self.radio.port

    def make_radio(self):
        radio = harness.RadioPeer()
        radio.responder.answers["AT+CTSP=1,3,10"] = "+CME ERROR: 35"
        return radio

    def test_an_init_error_is_logged_naming_the_command_and_init_goes_on(self):
        self.wait_link(True)
        self.wait_init()
        log = self.gw.logtext()
        self.assertIn("AT+CTSP=1,3,10 answered +CME ERROR: 35; initialisation continues", log)

    def test_a_silent_radio_is_link_down_after_an_unanswered_at(self):
        self.wait_link(True)
        self.wait_init()
        self.radio.responder.silent = True
        link = self.wait_link(False)
        self.assertEqual(link.reason, "no answer to AT within 1000 ms")
        self.assertIsNotNone(self.radio.wait_command(lambda c: c == "AT", 1))

    def test_a_radio_that_answers_at_stays_up(self):
        self.wait_link(True)
        self.wait_init()
        self.assertIsNotNone(self.radio.wait_command(lambda c: c == "AT", 5), "no liveness AT")
        down = self.sub.wait_for(lambda t, p: p.WhichOneof("body") == "link" and not p.link.up, 2.5)
        self.assertIsNone(down, "link went down although the radio answered")
        self.assertGreaterEqual(self.radio.responder.commands.count("AT"), 2)


class AtResponderHelper(unittest.TestCase):
    """The reusable radio helper itself (no gateway): it splits commands as the
    adapter writes them, answers AT+CMGS like a radio, and decodes the SDS."""

    def test_commands_are_split_answered_and_cmgs_decoded(self):
        out = []
        r = harness.AtResponder(out.append)
        # Exactly what the adapter writes (see test_tetra_pei.c), in awkward pieces.
        for piece in (b"AT+CTSP=1,2,20\r", b"\nAT\r\nAT+CMGS=2001007,", b"64\r820005014361", b"66E9\x1a"):
            r.feed(piece)
        self.assertEqual(r.commands[:2], ["AT+CTSP=1,2,20", "AT"])
        (sds,) = r.sds()
        self.assertEqual((sds.issi, sds.bits, sds.ref, sds.text), (2001007, 64, 5, "Caf\u00e9"))
        self.assertEqual(out, [b"\r\nOK\r\n", b"\r\nOK\r\n", b"\r\n+CMGS: 0,4,5\r\n\r\nOK\r\n"])
        r.answers["AT+X"] = "ERROR"
        r.silent = False
        r.feed(b"AT+X\r\n")
        self.assertEqual(out[-1], b"\r\nERROR\r\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
