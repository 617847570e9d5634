"""The gpsd adapter against a real gpsd (gpsfake from gpsd-tools): a known track
moves roster unit pc-1; gpsd killed, the link goes down and handoffd stays up;
gpsd back on the same port, the link comes up and positions flow again."""
import datetime
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness

CAPTURE = os.path.join(harness.SRC, "tests", "captures", "gpsd-walk.nmea")
GPSFAKE = shutil.which("gpsfake") or "/usr/bin/gpsfake"


def nmea_checksum(body):
    c = 0
    for ch in body:
        c ^= ord(ch)
    return "%02X" % c


def nmea_degrees(value, hemi):
    """ddmm.mmmm / dddmm.mmmm and N/S/E/W to signed degrees."""
    dot = value.index(".")
    deg = float(value[:dot - 2]) + float(value[dot - 2:]) / 60.0
    return -deg if hemi in "SW" else deg


def load_track():
    """The capture's lines and its fixes [(lat, lon)], one per RMC."""
    with open(CAPTURE) as f:
        lines = [l.rstrip("\r\n") for l in f]
    fixes = []
    for l in lines:
        if l.startswith("$GPRMC"):
            f = l.split("*")[0].split(",")
            fixes.append((nmea_degrees(f[3], f[4]), nmea_degrees(f[5], f[6])))
    return lines, fixes


FIX_INTERVAL_S = 0.2  # gpsfake -c 0.1 and two sentences per fix


def restamp(lines, start):
    """The capture with fix i taken at start + i * FIX_INTERVAL_S: times that
    advance as fast as gpsfake plays them, so a replay started later never
    carries fixes older than those the gateway holds (it drops those).
    Checksums redone."""
    out = []
    i = -1
    for l in lines:
        if not l.startswith("$"):
            out.append(l)
            continue
        f = l[1:].split("*")[0].split(",")
        if f[0] == "GPRMC":
            i += 1
        t = start + datetime.timedelta(seconds=max(i, 0) * FIX_INTERVAL_S)
        f[1] = t.strftime("%H%M%S.") + "%02d" % (t.microsecond // 10000)
        if f[0] == "GPRMC":
            f[9] = t.strftime("%d%m%y")
        body = ",".join(f)
        out.append("$%s*%s" % (body, nmea_checksum(body)))
    return "\r\n".join(out) + "\r\n"


class GpsFake:
    """gpsfake replaying the track forever on a fixed port, in its own process
    group (gpsfake runs gpsd as a child) so both can be killed together."""

    def __init__(self, tmp, port, lines):
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.log_path = os.path.join(tmp, "gpsfake-%d.log" % int(time.time() * 1000))
        nmea = os.path.join(tmp, "walk-%d.nmea" % int(time.time() * 1000))
        with open(nmea, "w", newline="") as f:
            f.write(restamp(lines, now - datetime.timedelta(seconds=60)))
        self.port = port
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([GPSFAKE, "-n", "-q", "-P", str(port), "-c", "0.1", nmea],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def device(self, timeout=15):
        """Asks gpsd (raw JSON protocol) for the pty gpsfake feeds it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("gpsfake exited with %s:\n%s" % (self.proc.returncode, self.logtext()))
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=1)
            except OSError:
                time.sleep(0.1)
                continue
            try:
                s.sendall(b'?WATCH={"enable":true,"json":true};\n')
                buf = b""
                end = min(deadline, time.time() + 2)
                while time.time() < end:
                    try:
                        b = s.recv(4096)
                    except socket.timeout:
                        continue
                    if not b:
                        break
                    buf += b
                    for line in buf.split(b"\n"):
                        for key in (b'"class":"DEVICE","path":"',):
                            at = line.find(key)
                            if at >= 0:
                                rest = line[at + len(key):]
                                return rest[:rest.index(b'"')].decode()
            finally:
                s.close()
            time.sleep(0.1)
        raise AssertionError("gpsd listed no device:\n" + self.logtext())

    def logtext(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, grace=2):
        """SIGTERM to the group, SIGKILL after a grace period (gpsfake has
        been seen to ignore SIGTERM); waits until gpsd's port is free."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # gpsd too, even if gpsfake is gone
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.1)
            except OSError:
                return


class Gpsd(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hf-gpsd-")
        self.lines, self.track = load_track()
        self.assertGreaterEqual(len(self.track), 10)
        self.assertTrue(all(b[0] > a[0] for a, b in zip(self.track, self.track[1:])), "the track moves north")
        self.port = harness.free_port()
        self.fake = None
        self.gw = None
        self.addCleanup(self._teardown)
        self.fake = GpsFake(self.tmp, self.port, self.lines)
        self.device = self.fake.device()
        adapters = """  - type: gpsd
    name: gps-1
    host: 127.0.0.1
    port: %d
    device: %s
    unit: pc-1
    reconnect_min_ms: 50
    reconnect_max_ms: 400
""" % (self.port, self.device)
        self.config, self.ep = harness.write_config(self.tmp, harness.free_port(), extra_adapters=adapters)
        self.gw = harness.Gateway(self.config, self.ep, os.path.join(self.tmp, "handoffd.log"))
        self.gw.wait_ready()
        self.sub = harness.Subscriber(self.ep["publish"], prefixes=("unit.pc-1", "link.gps-1", "hb"))
        self.assertTrue(self.sub.wait_connected(), "no heartbeat from the gateway")

    def _teardown(self):
        if hasattr(self, "sub"):
            self.sub.close()
        if self.fake:
            self.fake.stop()
        if self.gw:
            code = self.gw.stop()
            self.assertEqual(code, 0, "handoffd did not exit cleanly:\n" + self.gw.logtext()[-5000:])

    def log(self):
        return "handoffd log:\n%s\ngpsfake log:\n%s" % (self.gw.logtext()[-4000:],
                                                         self.fake.logtext()[-1000:] if self.fake else "")

    def wait_link(self, up, timeout_s=15):
        got = self.sub.wait_for(lambda t, p: t == "link.gps-1" and p.WhichOneof("body") == "link" and
                                p.link.up == up, timeout_s)
        self.assertIsNotNone(got, "no link %s; %s" % ("up" if up else "down", self.log()))
        return got[1].link

    def positions(self, n, timeout_s=15):
        """The next n positions published for pc-1 (each on the track)."""
        got = []
        deadline = time.time() + timeout_s
        while len(got) < n and time.time() < deadline:
            r = self.sub.wait_for(lambda t, p: t == "unit.pc-1" and p.WhichOneof("body") == "unit" and
                                  p.unit.HasField("position"), max(0.1, deadline - time.time()))
            if r:
                pos = r[1].unit.position
                # the roster unit itself moved, not a new off-roster one
                self.assertEqual((r[1].unit.unit.issi, r[1].unit.unit.callsign), (2002001, "PC 1"))
                self.assertEqual(pos.source, "gps-1")
                self.assertTrue(any(abs(pos.lat - la) < 1e-6 and abs(pos.lon - lo) < 1e-6 for la, lo in self.track),
                                "position %.7f,%.7f is not on the track" % (pos.lat, pos.lon))
                got.append(pos)
        self.assertEqual(len(got), n, "only %d of %d positions for pc-1; %s" % (len(got), n, self.log()))
        return got

    def assert_moves_north(self, got):
        lats = [p.lat for p in got]
        self.assertEqual(lats, sorted(lats), "positions go north: %s" % lats)
        self.assertGreater(lats[-1], lats[0])

    def test_track_moves_the_unit_and_survives_gpsd_restart(self):
        got = self.positions(4)
        self.assert_moves_north(got)
        p = got[-1]
        self.assertAlmostEqual(p.velocity_kmh, 36.0 * 1.852, delta=0.1)  # 36 knots in the RMC
        self.assertAlmostEqual(p.direction_deg, 0.0, delta=0.01)
        self.assertGreater(p.error_m, 0)
        self.assertLess(abs(p.fix_unix_ms / 1000.0 - time.time()), 120, "fix time from the NMEA time")
        snap = self.gw.snapshot(units=True)
        self.assertIsNotNone(snap)
        link = [l for l in snap.links if l.adapter == "gps-1"]
        self.assertEqual(len(link), 1)
        self.assertTrue(link[0].up)
        self.assertEqual(link[0].kind, "gpsd")
        self.assertEqual(link[0].peer, "127.0.0.1:%d %s" % (self.port, self.device))
        unit = [u for u in snap.units if u.unit.unit_id == "pc-1"]
        self.assertEqual(len(unit), 1)
        self.assertTrue(unit[0].HasField("position"))

        # gpsd goes away: link down with a reason, the gateway stays up.
        self.fake.stop()
        self.fake = None
        link = self.wait_link(False)
        self.assertTrue(link.reason)
        self.assertEqual(link.kind, "gpsd")
        time.sleep(0.5)  # a few failed reconnects
        self.assertIsNone(self.gw.proc.poll())
        self.assertIsNotNone(self.gw.snapshot())

        # gpsd back on the same port. A new pty may get a new name: if so,
        # point the adapter at it with a reload (SIGHUP).
        self.fake = GpsFake(self.tmp, self.port, self.lines)
        device = self.fake.device()
        if device != self.device:
            with open(self.config) as f:
                text = f.read()
            with open(self.config, "w") as f:
                f.write(text.replace("device: %s\n" % self.device, "device: %s\n" % device))
            self.device = device
            self.gw.signal(signal.SIGHUP)
        self.wait_link(True)
        self.assert_moves_north(self.positions(3))
        self.assertIsNone(self.gw.proc.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
