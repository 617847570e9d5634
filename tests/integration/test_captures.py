"""Golden captures, gpsd-regression style: each tests/captures/<name>.pei is run
through `handoffctl decode`; its stdout must equal <name>.json exactly (one JSON
object per event) and the last stderr line must equal <name>.summary. A new
capture is three new files, not new code. On a mismatch the unified diff is
printed; to write the expected files of a new capture, run
    handoffctl decode < x.pei > x.json 2> x.err; tail -1 x.err > x.summary
and check every value by hand before committing them."""
import difflib
import glob
import os
import subprocess
import unittest

import harness

CAPTURES = os.path.join(harness.SRC, "tests", "captures")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class Captures(unittest.TestCase):

    def test_there_are_captures(self):
        self.assertTrue(glob.glob(os.path.join(CAPTURES, "*.pei")), CAPTURES)

    def test_every_capture_decodes_to_its_expected_events_and_summary(self):
        for pei in sorted(glob.glob(os.path.join(CAPTURES, "*.pei"))):
            name = os.path.basename(pei)[:-4]
            with self.subTest(capture=name):
                with open(pei, "rb") as f:
                    r = subprocess.run([harness.HANDOFFCTL, "decode"], stdin=f,
                                       capture_output=True, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
                out = r.stdout.decode("utf-8")
                err = r.stderr.decode("utf-8", errors="replace").splitlines()
                for suffix, got in ((".json", out), (".summary", (err[-1] + "\n") if err else "")):
                    path = os.path.join(CAPTURES, name + suffix)
                    self.assertTrue(os.path.exists(path), "missing %s; decode gave:\n%s" % (path, got))
                    want = read(path)
                    if got != want:
                        diff = "".join(difflib.unified_diff(
                            want.splitlines(True), got.splitlines(True),
                            fromfile=name + suffix + " (expected)",
                            tofile=name + suffix + " (decode)"))
                        print(diff)
                        self.fail("%s%s differs:\n%s" % (name, suffix, diff))


if __name__ == "__main__":
    unittest.main()
