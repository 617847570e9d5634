"""handoff-sim against the real handoffd: a scenario file played at high speed
raises the incidents it should, and load mode's records all reach the
gateway, over PEI/TCP and over the ingest endpoint (counted as the
gateway's unit.<id> publications; counts only, never timings)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


SCENARIO = """
name: detention then an emergency
start: "10:00"
steps:
  - at: "10:00:30"
    say: PCSO 1 stops a person
  - at: "10:01"
    unit: pcso-1
    status: detention_started
  - at: "10:01:30"
    unit: pcso-2
    move_to: [51.5150, -0.0900]
  - at: "10:02"
    unit: pcso-2
    emergency: true
"""


class SimTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hf-sim-")
        self.procs = []
        self.gw = None
        self.sub = None

    def tearDown(self):
        if self.sub:
            self.sub.close()
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            if p.stdout:
                p.stdout.close()
            self.assertEqual(p.returncode, 0, "handoff-sim did not exit cleanly")
        if self.gw:
            self.assertEqual(self.gw.stop(), 0, "handoffd did not exit cleanly:\n" +
                             self.gw.logtext()[-3000:])
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, sim_yaml=""):
        self.pei_port = harness.free_port()
        sim = "sim:\n  listen: 127.0.0.1:%d\n  report_interval_ms: 1000\n%s" % (self.pei_port, sim_yaml)
        self.config, self.ep = harness.write_config(self.tmp, self.pei_port, sim=sim)
        self.gw = harness.Gateway(self.config, self.ep, os.path.join(self.tmp, "gw.log")).wait_ready()

    def sim(self, *args):
        p = subprocess.Popen([harness.HANDOFF_SIM, "-c", self.config, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        return p

    def test_a_scenario_at_high_speed_raises_its_incidents(self):
        """Detention, then an emergency, from a scenario file at 30x speed."""
        self.start("  pcsos: 3\n  constables: 4\n")
        path = os.path.join(self.tmp, "scenario.yaml")
        with open(path, "w") as f:
            f.write(SCENARIO)
        self.sub = harness.Subscriber(self.ep["publish"], ("alert.", "hb"))
        self.assertTrue(self.sub.wait_connected(), "no heartbeat")
        p = self.sim("--scenario", path, "--speed", "30")
        P = harness.pb()
        got = {}

        def seen(topic, pub):
            if pub.WhichOneof("body") == "incident":
                got.setdefault(pub.incident.rule, pub.incident)
            return {"detention", "emergency"} <= set(got)
        ok = self.sub.wait_for(seen, timeout_s=30)
        self.assertIsNotNone(ok, "incidents seen: %s\n%s" % (sorted(got), self.gw.logtext()[-3000:]))
        det, emg = got["detention"], got["emergency"]
        self.assertEqual(det.subject.callsign, "PCSO 1")
        self.assertEqual(emg.subject.callsign, "PCSO 2")
        self.assertEqual(emg.severity, P.SEVERITY_CRITICAL)
        self.assertGreater(len(emg.asked), 0)  # rostered constables are asked
        p.terminate()
        out, _ = p.communicate(10)
        self.assertIn("sends status 32773 (detention_started)", out)
        self.assertIn("PCSO 2 (ISSI 2001002) presses the EMERGENCY button", out)
        self.assertIn("[10:00:30] PCSO 1 stops a person", out)

    def test_a_scenario_with_an_unknown_unit_is_refused_at_its_line(self):
        self.start()
        path = os.path.join(self.tmp, "bad.yaml")
        with open(path, "w") as f:
            f.write("steps:\n  - at_s: 1\n    unit: pcso-9\n    emergency: true\n")
        r = subprocess.run([harness.HANDOFF_SIM, "-c", self.config, "--scenario", path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn('%s:3:11: no unit "pcso-9"' % path, r.stderr)

    def load(self, via, rate=2000, seconds=2, units=50):
        """Runs load mode to its end; returns (records the sim sent, unit
        publications the gateway made for the load's ISSIs)."""
        self.start()
        self.sub = harness.Subscriber(self.ep["publish"], ("unit.issi-40",))
        self.sub.s.setsockopt_string(harness.zmq.SUBSCRIBE, "hb")
        self.assertTrue(self.sub.wait_connected(), "no heartbeat")
        p = self.sim("--load", str(rate), "--via", via, "--units", str(units), "--duration", str(seconds))
        out, _ = p.communicate(60)
        self.assertEqual(p.returncode, 0, out)
        m = re.search(r"load: done: (\d+) records", out)
        self.assertIsNotNone(m, out)
        sent = int(m.group(1))
        issis = set()
        count = 0
        while count < sent:
            got = self.sub.recv(10)
            if got is None:
                break
            topic, pub = got
            if topic.startswith("unit."):
                count += 1
                issis.add(pub.unit.unit.issi)
        return sent, count, issis, out

    def test_load_over_pei_reaches_the_gateway(self):
        sent, count, issis, out = self.load("pei")
        self.assertGreaterEqual(sent, 3000, out)  # 2000/s for 2 s, unless the machine starved it
        self.assertEqual(count, sent, "gateway published %d of %d:\n%s" % (count, sent, self.gw.logtext()[-2000:]))
        self.assertEqual(issis, set(range(4000001, 4000051)))

    def test_load_over_ingest_reaches_the_gateway(self):
        sent, count, issis, out = self.load("ingest")
        self.assertGreaterEqual(sent, 3000, out)
        self.assertEqual(count, sent, "gateway published %d of %d:\n%s" % (count, sent, self.gw.logtext()[-2000:]))
        self.assertEqual(issis, set(range(4000001, 4000051)))

    def test_print_roster_gives_entries_the_gateway_accepts(self):
        r = subprocess.run([harness.HANDOFF_SIM, "--print-roster", "2", "3"], capture_output=True,
                           text=True, check=True)
        self.assertEqual(len([l for l in r.stdout.splitlines() if l.startswith("  - {")]), 5)
        pei_port = harness.free_port()
        config, _ = harness.write_config(self.tmp, pei_port, extra_roster=r.stdout)
        chk = subprocess.run([harness.HANDOFFD, "-c", config, "--check"], capture_output=True, text=True)
        self.assertEqual(chk.returncode, 0, chk.stdout + chk.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
