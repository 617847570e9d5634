"""handoffd under a service manager, played by this test: sd_notify messages
arrive on a real AF_UNIX datagram socket named by NOTIFY_SOCKET (READY after
start, WATCHDOG pings from the event loop, RELOADING then READY around SIGHUP,
STOPPING on SIGTERM), and log lines carry syslog priorities when stderr is the
stream JOURNAL_STREAM names."""
import os
import signal
import socket
import tempfile
import time
import unittest

import harness


class Notifications:
    """The service manager's end of NOTIFY_SOCKET: every datagram, parsed into
    a dict of its KEY=VALUE lines, in arrival order."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.got = []

    def next(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        msg = dict(line.split("=", 1) for line in data.decode().split("\n") if line)
        self.got.append(msg)
        return msg

    def wait_for(self, key, value=None, timeout=15):
        """The next message with key (and value if given); every message up to
        it is kept in self.got."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self.next(max(0.05, deadline - time.time()))
            if msg is not None and key in msg and (value is None or msg[key] == value):
                return msg
        raise AssertionError("no %s%s from handoffd; got %r" % (key, "=" + value if value else "",
                                                               self.got))

    def close(self):
        self.sock.close()


class SystemdNotify(unittest.TestCase):

    def start(self, env, journal=False):
        """Starts handoffd with env added (NOTIFY_SOCKET always); journal: its
        stderr (the log file) is named by JOURNAL_STREAM, as systemd does."""
        self.tmp = tempfile.mkdtemp(prefix="hf-sd-")
        self.peer = harness.PeiPeer()
        self.addCleanup(self.peer.close)
        self.config, self.ep = harness.write_config(self.tmp, self.peer.port)
        self.notify = Notifications(os.path.join(self.tmp, "notify.sock"))
        self.addCleanup(self.notify.close)
        log = os.path.join(self.tmp, "handoffd.log")
        env = dict(env, NOTIFY_SOCKET=self.notify.path)
        if journal:
            open(log, "wb").close()  # Gateway reopens it with "wb": same inode
            st = os.stat(log)
            env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        # env(1) execs handoffd in the same process; WATCHDOG_PID stays unset
        # (or as given), so sd_watchdog_enabled() takes WATCHDOG_USEC as ours.
        wrapper = ["env", "-u", "WATCHDOG_PID", "-u", "WATCHDOG_USEC", "-u", "JOURNAL_STREAM"]
        wrapper += ["%s=%s" % kv for kv in env.items()]
        self.gw = harness.Gateway(self.config, self.ep, log, wrapper=wrapper)
        self.addCleanup(self.stop)

    def stop(self):
        code = self.gw.stop()
        self.assertEqual(code, 0, "handoffd did not exit cleanly:\n" + self.gw.logtext()[-3000:])

    def test_ready_watchdog_reload_and_stopping(self):
        self.start({"WATCHDOG_USEC": "2000000"})
        ready = self.notify.wait_for("READY", "1")
        # Ready means serving: the command endpoint answers at once.
        self.assertIsNotNone(self.gw.snapshot(), "READY=1 before the gateway answers")
        self.assertRegex(ready.get("STATUS", ""), r"^7 units, 0 open incidents, \d of 2 links up, "
                                                  r"journal ok$")
        self.assertIn("systemd watchdog: 2000 ms, pinged every 1000 ms", self.gw.logtext())
        for _ in range(3):
            self.notify.wait_for("WATCHDOG", "1")

        # An alert shows in the status line.
        self.peer.accept()
        self.peer.send(harness.rec_status(2001001, 0))
        deadline = time.time() + 15
        while not any("1 open incident," in m.get("STATUS", "") for m in self.notify.got):
            self.notify.next(max(0.05, deadline - time.time()))
            self.assertLess(time.time(), deadline, "status never said 1 open incident: %r"
                            % self.notify.got)

        self.notify.got.clear()
        self.gw.signal(signal.SIGHUP)
        reloading = self.notify.wait_for("RELOADING", "1")
        self.assertGreater(int(reloading["MONOTONIC_USEC"]), 0)
        self.notify.wait_for("READY", "1")
        self.notify.wait_for("WATCHDOG", "1")  # still pinging after the reload

        self.gw.signal(signal.SIGTERM)
        self.notify.wait_for("STOPPING", "1")
        self.assertEqual(self.gw.proc.wait(10), 0)

    def test_a_refused_reload_still_ends_in_ready_and_says_so(self):
        self.start({})
        self.notify.wait_for("READY", "1")
        with open(self.config, "a") as f:
            f.write("no_such_key: 1\n")
        self.gw.signal(signal.SIGHUP)
        self.notify.wait_for("RELOADING", "1")
        ready = self.notify.wait_for("READY", "1")
        self.assertIn("last reload refused", ready.get("STATUS", ""))
        self.assertNotIn("systemd watchdog", self.gw.logtext())  # no WATCHDOG_USEC, no pings
        self.assertFalse(any("WATCHDOG" in m for m in self.notify.got))

    def test_watchdog_meant_for_another_process_is_not_pinged(self):
        # WATCHDOG_PID of another process (systemd sets it to the main PID):
        # the watchdog is not ours, so handoffd must not claim it.
        self.start({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"})
        self.notify.wait_for("READY", "1")
        self.assertNotIn("systemd watchdog", self.gw.logtext())

    def test_log_lines_for_journald(self):
        self.start({}, journal=True)
        self.notify.wait_for("READY", "1")
        lines = self.gw.logtext().splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[3-7]>[^<]", "not a journald line: %r" % line)
        self.assertTrue(any(line.startswith("<5>handoffd ") and "running with" in line
                            for line in lines), lines)
        self.assertTrue(any(line.startswith("<6>") for line in lines), "info lines are <6>")


if __name__ == "__main__":
    unittest.main(verbosity=2)
