"""`meson install` lays everything out: binaries, the production config (never
overwriting an edited one), the systemd unit and sysusers entry, man pages that
match each program's --help, the .proto contract and the docs; the installed
handoffd runs --help and --check on the installed config, and the installed
unit passes systemd-analyze verify."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

MESON = shutil.which("meson")


def run(*argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120, **kw)


@unittest.skipUnless(MESON, "meson not on PATH")
class Install(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dest = tempfile.mkdtemp(prefix="hf-install-")
        opts = json.loads(run(MESON, "introspect", "--buildoptions", harness.BUILD).stdout)
        cls.opt = {o["name"]: o["value"] for o in opts}
        r = run(MESON, "install", "-C", harness.BUILD, "--destdir", cls.dest, "--no-rebuild")
        assert r.returncode == 0, r.stdout
        cls.install_log = r.stdout

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)

    def path(self, opt, *rest):
        """The installed path of <option>/rest (as the system will see it)."""
        return os.path.join(self.opt["prefix"], self.opt[opt], *rest) if opt else \
            os.path.join(self.opt["prefix"], *rest)

    def staged(self, p):
        """Where p is under --destdir."""
        return os.path.join(self.dest, p.lstrip("/"))

    def assertInstalled(self, p):
        self.assertTrue(os.path.isfile(self.staged(p)), "%s not installed; install log:\n%s"
                        % (p, self.install_log))

    def test_layout(self):
        self.assertInstalled(self.path("sbindir", "handoffd"))
        for prog in ("handoffctl", "handoff-sim"):
            self.assertInstalled(self.path("bindir", prog))
        self.assertInstalled(self.path("sysconfdir", "handoff", "handoff.yaml"))
        unitdir = self.opt["systemdsystemunitdir"] or self.path(None, "lib", "systemd", "system")
        self.assertInstalled(os.path.join(unitdir, "handoffd.service"))
        self.assertInstalled(self.path(None, "lib", "sysusers.d", "handoff.conf"))
        for page in ("man8/handoffd.8", "man1/handoffctl.1", "man1/handoff-sim.1",
                     "man5/handoff.yaml.5"):
            self.assertInstalled(self.path("mandir", page))
        protos = sorted(f for f in os.listdir(os.path.join(harness.SRC, "proto", "handoff", "v1"))
                        if f.endswith(".proto"))
        self.assertTrue(protos)
        installed = sorted(os.listdir(self.staged(self.path("datadir", "handoff", "proto",
                                                            "handoff", "v1"))))
        self.assertEqual(installed, protos, "exactly the .proto files, nothing else")
        docdir = self.path("datadir", "doc", "handoff")
        for f in ("README.md", "examples/handoff.yaml", "examples/places.geojson",
                  "examples/handoff.prod.yaml"):
            self.assertInstalled(os.path.join(docdir, f))

    def test_installed_handoffd_runs_help_and_checks_the_installed_config(self):
        handoffd = self.staged(self.path("sbindir", "handoffd"))
        r = run(handoffd, "--help")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("Usage: handoffd", r.stdout)
        config = self.staged(self.path("sysconfdir", "handoff", "handoff.yaml"))
        r = run(handoffd, "-c", config, "--check")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn(": OK (", r.stdout)
        with open(config) as f:
            self.assertIn("state_dir: /var/lib/handoff", f.read())
        # The unit's reload path: the config parses the same way there.
        r = run(self.staged(self.path("bindir", "handoffctl")), "--help")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_an_edited_config_is_not_overwritten(self):
        config = self.staged(self.path("sysconfdir", "handoff", "handoff.yaml"))
        with open(config, "a") as f:
            f.write("# edited by the force\n")
        r = run(MESON, "install", "-C", harness.BUILD, "--destdir", self.dest, "--no-rebuild")
        self.assertEqual(r.returncode, 0, r.stdout)
        with open(config) as f:
            self.assertTrue(f.read().endswith("# edited by the force\n"))

    def unit_text(self):
        unitdir = self.opt["systemdsystemunitdir"] or self.path(None, "lib", "systemd", "system")
        with open(self.staged(os.path.join(unitdir, "handoffd.service"))) as f:
            return f.read()

    def test_unit_runs_the_installed_paths_as_a_notify_service(self):
        unit = self.unit_text()
        self.assertNotIn("@", unit.replace("@system-service", "").replace("@privileged", ""),
                         "an unsubstituted @VAR@")
        self.assertIn("ExecStart=%s -c %s\n" % (self.path("sbindir", "handoffd"),
                                                self.path("sysconfdir", "handoff", "handoff.yaml")),
                      unit)
        for line in ("Type=notify", "NotifyAccess=main", "WatchdogSec=10",
                     "ExecReload=/bin/kill -HUP $MAINPID", "StateDirectory=handoff",
                     "User=handoff", "ProtectSystem=strict", "NoNewPrivileges=yes",
                     "CapabilityBoundingSet=\n", "UMask=0077"):
            self.assertIn(line, unit)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "no systemd-analyze")
    def test_unit_passes_systemd_analyze_verify(self):
        # verify checks that ExecStart's program exists and that the
        # Documentation= man pages open: point both into the staged tree.
        tmp = tempfile.mkdtemp(prefix="hf-unit-")
        self.addCleanup(shutil.rmtree, tmp, True)
        unit = self.unit_text().replace(self.path("sbindir", "handoffd"),
                                        self.staged(self.path("sbindir", "handoffd")))
        path = os.path.join(tmp, "handoffd.service")
        with open(path, "w") as f:
            f.write(unit)
        env = dict(os.environ, MANPATH=self.staged(self.path("mandir")))
        r = run("systemd-analyze", "verify", path, env=env)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout.strip(), "", r.stdout)


def long_options(help_text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text))


def rendered(page):
    """The man page as plain text, and groff's warnings (formatted as man(1)
    would; the text without hyphenation and on long lines, to search in)."""
    def groff(*extra):
        return subprocess.run(["groff", "-man", "-Tutf8", "-ww", *extra, page],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60)
    warnings = groff().stderr
    text = re.sub(r".\x08", "", groff("-rHY=0", "-rLL=1000n").stdout)  # overstrike
    text = text.replace("\u2010", "-").replace("\u2212", "-")
    return text, warnings


@unittest.skipUnless(shutil.which("groff"), "no groff")
class ManPages(unittest.TestCase):
    """Each page formats without a warning and names every option of its
    program's --help (and handoffctl's every command)."""

    def check(self, prog, page, argv=("--help",)):
        r = run(prog, *argv)
        self.assertEqual(r.returncode, 0, r.stdout)
        text, warnings = rendered(os.path.join(harness.SRC, "doc", page))
        self.assertEqual(warnings, "", "groff warnings in " + page)
        missing = sorted(o for o in long_options(r.stdout) if o not in text)
        self.assertEqual(missing, [], "%s lacks options of %s --help" % (page, prog))
        return r.stdout, text

    def test_handoffd(self):
        help_text, text = self.check(harness.HANDOFFD, "handoffd.8")
        for adapter in re.findall(r"^  (\S+) +", help_text.split("Adapters:")[1], re.M):
            self.assertIn(adapter, text)

    def test_handoffctl(self):
        help_text, text = self.check(harness.HANDOFFCTL, "handoffctl.1")
        commands = re.findall(r"^  ([a-z][a-z-]+) ", help_text.split("Options:")[0], re.M)
        self.assertIn("watch", commands)
        for c in commands + ["keygen"]:
            self.assertRegex(text, r"\n {7}%s\b" % re.escape(c), "command %s" % c)  # a .TP tag
        for sub in ("watch", "snapshot", "decode", "export", "verify"):
            r = run(harness.HANDOFFCTL, sub, "--help")
            missing = sorted(o for o in long_options(r.stdout) if o not in text)
            self.assertEqual(missing, [], "handoffctl.1 lacks options of %s --help" % sub)

    def test_handoff_sim(self):
        self.check(harness.HANDOFF_SIM, "handoff-sim.1")

    def test_handoff_yaml(self):
        text, warnings = rendered(os.path.join(harness.SRC, "doc", "handoff.yaml.5"))
        self.assertEqual(warnings, "")
        with open(os.path.join(harness.SRC, "config", "handoff.yaml")) as f:
            sections = re.findall(r"^([a-z_]+):", f.read(), re.M)
        self.assertIn("gateway", sections)
        for s in sections:
            self.assertIn(s, text, "section %s: not in handoff.yaml(5)" % s)


if __name__ == "__main__":
    unittest.main(verbosity=2)
