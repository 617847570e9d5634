"""The programs as a user meets them: handoffd --check, handoffctl decode, and
the demo (handoff-sim + handoffd + handoffctl watch) end to end."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import harness

BROKEN = """gateway:
  id: test
  heartbeat: 1000
roster:
  - {id: pcso-1, issi: 2001001, callsign: PCSO 1, role: pcso}
  - {id: pc-1, issi: 2001001, callsign: PC 1, role: constable}
  - {id: pc-2, issi: lots, callsign: PC 2, role: constable}
  - {id: pc-3, issi: 2002003, role: constable}
"""


class Tools(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hf-tools-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_check_lists_every_problem_with_line_and_column(self):
        path = os.path.join(self.tmp, "broken.yaml")
        with open(path, "w") as f:
            f.write(BROKEN)
        r = subprocess.run([harness.HANDOFFD, "-c", path, "--check"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        for l in lines:
            self.assertRegex(l, r"^%s:\d+:\d+: " % re.escape(path))
        text = r.stderr
        self.assertRegex(text, r":3:\d+: .*unknown key.*heartbeat")
        self.assertRegex(text, r":6:\d+: .*duplicate ISSI 2001001")
        self.assertRegex(text, r":7:\d+: .*issi.*integer")
        self.assertRegex(text, r":8:\d+: .*callsign")

    def test_check_accepts_the_shipped_config(self):
        r = subprocess.run([harness.HANDOFFD, "-c", os.path.join(harness.SRC, "config", "handoff.yaml"),
                            "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK", r.stdout)

    def test_decode_prints_the_domain_lip_capture(self):
        capture = "+CTSDSR: 12,2269001,0,9999,0,84\r\n0A0088BD4247F737FFE810\r\n"
        r = subprocess.run([harness.HANDOFFCTL, "decode"], input=capture, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        objs = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual(len(objs), 1)
        ev = objs[0]
        self.assertEqual(ev["issi"], 2269001)
        self.assertEqual(ev["kind"], "EVENT_KIND_LOCATION")
        self.assertAlmostEqual(ev["lat"], 51.3251, places=4)
        self.assertAlmostEqual(ev["lon"], 12.0181, places=4)
        self.assertEqual(ev["reason"], 129)
        self.assertNotIn("velocityKmh", ev, "velocity 127 is unknown, so absent")
        self.assertIn("0 records rejected", r.stderr)

    def test_decode_goes_on_after_bad_records(self):
        capture = ("OK\r\n+CTSDSR: 13,1234567,0,2345678,0,16\r\nZZZZ\r\n"
                   "+CTSDSR: 13,1234567,0,2345678,0,16\r\n0000\r\n"
                   "+CTSDSR: 13,1234567,0,2345678,0,16\r\n8004\r\n")
        r = subprocess.run([harness.HANDOFFCTL, "decode"], input=capture, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        objs = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual([o.get("status") for o in objs], [0, 0x8004])
        self.assertIn("1 record rejected", r.stderr)
        # A rejected record is reported at the line where it starts (its header).
        self.assertIn('line 2: SDS data is not hex: "ZZZZ"', r.stderr)

    def test_demo_city_raises_an_alert_in_watch(self):
        """The README's first command in miniature: sim + gateway + watch."""
        pei_port = harness.free_port()
        sim = ("sim:\n  listen: 127.0.0.1:%d\n  report_interval_ms: 300\n"
               "  emergency: {unit: pcso-1, after_s: 1, repeat_after_s: 1}\n") % pei_port
        config, ep = harness.write_config(self.tmp, pei_port, sim=sim)
        procs = []
        gw = None
        try:
            procs.append(subprocess.Popen([harness.HANDOFF_SIM, "-c", config], stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True))
            gw = harness.Gateway(config, ep, os.path.join(self.tmp, "gw.log")).wait_ready()
            w = subprocess.Popen([harness.HANDOFFCTL, "-c", config, "watch"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            procs.append(w)
            deadline = time.time() + 20
            alert = repeat = None
            while time.time() < deadline and not repeat:
                line = w.stdout.readline()
                if " ALERT " in line and "EMERGENCY" in line:
                    alert = line
                if " REPEAT " in line:
                    repeat = line
            self.assertIsNotNone(alert, "no alert in watch; gateway log:\n" + gw.logtext()[-2000:])
            self.assertIn("PCSO 1", alert)
            self.assertIn("asked:", alert)
            self.assertIsNotNone(repeat)
            self.assertIn("x2", repeat)
        finally:
            for p in reversed(procs):
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                for f in (p.stdout, p.stderr):
                    if f:
                        f.close()
                self.assertEqual(p.returncode, 0, "%s did not exit cleanly" % p.args[0])
            if gw:
                self.assertEqual(gw.stop(), 0, "handoffd did not stop cleanly")


if __name__ == "__main__":
    unittest.main(verbosity=2)
