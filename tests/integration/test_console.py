"""handoffctl watch as the dispatcher console: the real handoffctl in a real
pseudo-terminal (80x24 and 200x60), the screen it draws rendered by pyte (a
VT100 emulator), keys typed into the terminal acting on the real handoffd."""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
import unittest

import pyte

import harness
from harness import pb, rec_lip, rec_status, STATUS_AVAILABLE, STATUS_ON_PATROL

BASE_LAT, BASE_LON = 51.5, -0.1
M_PER_DEG_LAT = 111195.0
ACTOR = "desk-console"
NEAREST = r"PC 2 (299|300|301)m \+2"  # the nearest asked, its distance, and 2 more asked


def north(metres):
    return BASE_LAT + metres / M_PER_DEG_LAT


class Terminal:
    """A program on a pseudo-terminal of cols x rows (its controlling terminal,
    so resizing it sends SIGWINCH and Ctrl-C sends SIGINT), with everything it
    writes fed to a pyte screen."""

    def __init__(self, argv, cols, rows):
        self.master, slave = os.openpty()
        self.slave_path = os.ttyname(slave)
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.cond = threading.Condition()
        self._size(slave, cols, rows)
        env = dict(os.environ, TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8")

        def controlling_tty():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     preexec_fn=controlling_tty, close_fds=True)
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    @staticmethod
    def _size(fd, cols, rows):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read(self):
        while True:
            try:
                r, _, _ = select.select([self.master], [], [], 0.2)
                if not r:
                    if self.proc.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the program is gone
                return
            if not data:
                return
            with self.cond:
                self.raw += data
                self.stream.feed(data)
                self.cond.notify_all()

    def resize(self, cols, rows):
        with self.cond:
            self.screen.resize(rows, cols)
            self._size(self.master, cols, rows)

    def type(self, keys):
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def lines(self):
        with self.cond:
            return list(self.screen.display)

    def text(self):
        return "\n".join(self.lines())

    def wait_for(self, pred, timeout=20):
        """Waits until pred(lines of the screen) holds; the lines, or None."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                lines = list(self.screen.display)
                if pred(lines):
                    return lines
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    return None
                self.cond.wait(min(left, 0.5))

    def row_with(self, *words, timeout=20):
        """The first screen line holding every word (waiting for it), or None."""
        got = self.wait_for(lambda ls: any(all(w in l for w in words) for l in ls), timeout)
        return next((l for l in got if all(w in l for w in words)), None) if got else None

    def wait_exit(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def termios_restored(self):
        """The terminal is back in cooked mode with echo (as the shell left it)."""
        fd = os.open(self.slave_path, os.O_RDWR | os.O_NOCTTY)
        try:
            lflag = termios.tcgetattr(fd)[3]
        finally:
            os.close(fd)
        return bool(lflag & termios.ECHO) and bool(lflag & termios.ICANON)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(2)
        os.close(self.master)


class Console(harness.GatewayTest):

    def put_on_duty(self):
        """PC 2 300 m, PC 4 600 m, PC 1 900 m north of PCSO 1 (all available)."""
        for issi, status, metres in [(2002001, STATUS_AVAILABLE, 900), (2002002, STATUS_ON_PATROL, 300),
                                     (2002004, STATUS_AVAILABLE, 600), (2001001, STATUS_ON_PATROL, 0)]:
            self.peer.send(rec_status(issi, status) + rec_lip(issi, north(metres), BASE_LON))
        got = self.sub.wait_for(lambda t, p: t == "unit.pcso-1" and p.unit.HasField("position"), 10)
        self.assertIsNotNone(got)

    def console(self, cols, rows):
        term = Terminal([harness.HANDOFFCTL, "-c", self.config, "--actor", ACTOR, "watch"], cols, rows)
        self.addCleanup(term.close)
        got = term.wait_for(lambda ls: "live" in ls[0] and "No open incidents" in "\n".join(ls))
        self.assertIsNotNone(got, "the console did not come up:\n" + term.text())
        return term

    def wait_gateway(self, pred, what):
        """Polls the gateway's snapshot until pred(incident list) holds."""
        deadline = time.time() + 20
        while time.time() < deadline:
            snap = self.gw.snapshot(closed=True)
            if snap is not None and pred(list(snap.incidents)):
                return snap
            time.sleep(0.1)
        self.fail("the gateway never showed " + what)

    def raise_emergency(self, term):
        self.put_on_duty()
        self.peer.send(rec_status(2001001, 0))
        row = term.row_with("INC-0001", "PCSO 1")
        self.assertIsNotNone(row, "the incident is not on the screen:\n" + term.text())
        return row

    def quit_and_check_restored(self, term):
        term.type("q")
        self.assertEqual(term.wait_exit(), 0, "handoffctl watch did not exit cleanly:\n" + term.text())
        term.reader.join(5)
        self.assertTrue(term.raw.rstrip().endswith(b"\x1b[?1049l") or b"\x1b[?1049l" in term.raw[-64:],
                        "the alternate screen was not left: %r" % term.raw[-64:])
        self.assertTrue(term.termios_restored(), "the terminal was left in raw mode")

    def test_80x24_shows_the_alert_and_keys_act_on_it(self):
        """At 80x24 the row shows id, severity, state, PCSO, tier and countdown,
        nearest constable; the details list every asked constable; a, s and r
        acknowledge, assign (offering the nearest) and resolve at the gateway;
        a refusal shows in the status line; q restores the terminal."""
        P = pb()
        term = self.console(80, 24)
        row = self.raise_emergency(term)
        for word in ("CRIT", "RAISED", "T0 ", "central"):
            self.assertIn(word, row, "row: %r" % row)
        self.assertRegex(row, NEAREST)
        self.assertRegex(row, r"T0 0[01]:\d\d ", "the countdown to tier 1 (1 min in this config)")
        lines = term.lines()
        self.assertTrue(all(len(l) == 80 for l in lines))
        self.assertTrue(lines[1].startswith("ID"), lines[1])
        detail = term.row_with("Asked (3):")
        self.assertIsNotNone(detail, term.text())
        self.assertRegex(detail, r"PC 2 (299|300|301) m, PC 4 (599|600|601) m, PC 1 (899|900|901) m")
        self.assertIsNotNone(term.row_with("INC-0001 CRITICAL RAISED: EMERGENCY button from PCSO 1"))

        term.type("a")
        snap = self.wait_gateway(lambda incs: incs and incs[0].state == P.INCIDENT_STATE_ACKNOWLEDGED,
                                 "the incident acknowledged")
        self.assertEqual(snap.incidents[0].acknowledged_by, ACTOR)
        self.assertIsNotNone(term.row_with("ack INC-0001: OK"), term.text())
        self.assertIsNotNone(term.row_with("INC-0001", "ACKED"), term.text())

        term.type("a")  # a second acknowledgement is refused, and says why
        self.assertIsNotNone(term.row_with("ack INC-0001 refused:"), term.text())

        term.type("s")
        prompt = term.row_with("Assign INC-0001, to callsign: PC 2")
        self.assertIsNotNone(prompt, "assign does not offer the nearest:\n" + term.text())
        term.type("\r")
        snap = self.wait_gateway(lambda incs: incs and incs[0].HasField("assigned"), "an assignment")
        self.assertEqual(snap.incidents[0].assigned.callsign, "PC 2")
        self.assertIsNotNone(term.row_with("INC-0001", "ASSIGNED", "PC 2"), term.text())

        term.type("r")
        self.assertIsNotNone(term.row_with("Resolve INC-0001, outcome:"), term.text())
        term.type("words of advice\r")
        snap = self.wait_gateway(lambda incs: incs and incs[0].state == P.INCIDENT_STATE_RESOLVED,
                                 "the incident resolved")
        self.assertEqual(snap.incidents[0].outcome, "words of advice")
        self.assertIsNotNone(term.row_with("No open incidents"), term.text())
        self.quit_and_check_restored(term)

    def test_200x60_uses_the_width_and_follows_a_resize(self):
        """A large terminal shows the trigger and last-change columns; shrunk to
        80x24 (SIGWINCH) it drops them and still fits; c asks a reason and
        cancels; SIGTERM restores the terminal."""
        P = pb()
        term = self.console(200, 60)
        row = self.raise_emergency(term)
        heading = term.lines()[1]
        for title in ("TRIGGER", "LAST CHANGE", "ASSIGNED", "NEAREST ASKED"):
            self.assertIn(title, heading)
        self.assertIn("EMERGENCY button", row)
        self.assertRegex(row, NEAREST)

        term.resize(80, 24)
        got = term.wait_for(lambda ls: len(ls) == 24 and ls[1].startswith("ID") and "TRIGGER" not in ls[1])
        self.assertIsNotNone(got, "no redraw at 80x24:\n" + term.text())
        self.assertIsNotNone(term.row_with("INC-0001", "PCSO 1", "CRIT"), term.text())

        term.type("c")
        self.assertIsNotNone(term.row_with("Cancel INC-0001, reason:"), term.text())
        term.type("\r")  # no reason: refused locally, the prompt stays
        self.assertIsNotNone(term.row_with("cancel needs a reason"), term.text())
        term.type("false alarm, button knocked\r")
        snap = self.wait_gateway(lambda incs: incs and incs[0].state == P.INCIDENT_STATE_CANCELLED,
                                 "the incident cancelled")
        self.assertEqual(snap.incidents[0].outcome, "false alarm, button knocked")

        term.proc.send_signal(signal.SIGTERM)
        self.assertEqual(term.wait_exit(), 0)
        term.reader.join(5)
        self.assertIn(b"\x1b[?1049l", term.raw[-64:])
        self.assertTrue(term.termios_restored())

    def test_a_gateway_restart_shows_and_the_console_resyncs(self):
        """The gateway stopped: the header says so and the incident stays on
        screen; restarted (from its journal): live again, the incident still
        there and acknowledgeable."""
        P = pb()
        term = self.console(80, 24)
        self.raise_emergency(term)
        self.assertEqual(self.gw.stop(), 0)
        self.gw = None
        got = term.wait_for(lambda ls: "NO WORD FROM GATEWAY" in ls[0] or "NOT SYNCED" in ls[0], 30)
        self.assertIsNotNone(got, "the header does not say the gateway is gone:\n" + term.text())
        self.assertIsNotNone(term.row_with("INC-0001", "PCSO 1"))
        self.gw = harness.Gateway(self.config, self.ep, os.path.join(self.tmp, "handoffd-2.log")).wait_ready()
        got = term.wait_for(lambda ls: "live" in ls[0] and any("INC-0001" in l and "PCSO 1" in l for l in ls), 30)
        self.assertIsNotNone(got, "no re-sync after the restart:\n" + term.text())
        term.type("a")
        self.wait_gateway(lambda incs: incs and incs[0].state == P.INCIDENT_STATE_ACKNOWLEDGED,
                          "the incident acknowledged after the restart")
        self.quit_and_check_restored(term)

    def test_lines_on_a_terminal_with_dash_dash_lines(self):
        """watch --lines on a terminal prints lines, not a screen."""
        term = Terminal([harness.HANDOFFCTL, "-c", self.config, "watch", "--lines"], 80, 24)
        self.addCleanup(term.close)
        self.assertIsNotNone(term.row_with("-- gateway test, seq"), term.text())
        self.assertNotIn(b"\x1b[?1049h", term.raw)
        term.type("\x03")  # Ctrl-C: SIGINT from the terminal
        self.assertEqual(term.wait_exit(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
