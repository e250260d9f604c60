"""A new user's first hour (issue 22): safe roots, strict checks, errors that say what to
do, the install as a service, and the documentation that must agree with the code.

The typo'd-section test runs the real daemon in a network namespace created here and
fails if any file outside the intended root can be fetched over TFTP. Tests that need
root (namespaces, another account through setpriv) skip when not root; the others run
on the host without network traffic."""

import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import textwrap
import unittest
from pathlib import Path

import netns
import security_helpers as sh
from daemon import netbootd_path

SOURCE = Path(os.environ.get("NETBOOT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MARKER = f"NETBOOTD-FIRST-HOUR-{secrets.token_hex(8)}".encode()


def run(args, timeout=10, **kw):
    return subprocess.run([netbootd_path(), *args], capture_output=True, text=True, timeout=timeout, **kw)


def is_root():
    return os.geteuid() == 0


def readme_examples():
    """The configuration examples of README.md (```ini blocks) and the files shown beside
    them (```text blocks), in order: read from the README so that they cannot drift."""
    text = (SOURCE / "README.md").read_text()
    blocks = re.findall(r"^([ \t]*)```(ini|text)\n(.*?)^\1```", text, flags=re.M | re.S)
    return [(kind, textwrap.dedent(body)) for _, kind, body in blocks]


class TypoedSectionNeverServesOutsideTheRoot(unittest.TestCase):
    """[tftpp] once left TFTP on the working directory ("/" under systemd): etc/shadow was
    served. Each configuration here either stops at start or serves only its root; then
    every name outside the root is asked for, and any byte of it coming back fails."""

    def setUp(self):
        netns.require_netns()
        self.pair = netns.NetnsPair().open()
        self.addCleanup(self.pair.close)
        self.work = self.pair.tmpdir / "work"
        self.root = self.work / "root"
        self.root.mkdir(parents=True)
        (self.root / "inside.txt").write_bytes(b"inside the root\n")
        # What a working-directory root would expose: a secret in the working directory.
        (self.work / "secret.txt").write_bytes(MARKER + b" in the working directory\n")
        (self.work / "etc").mkdir()
        (self.work / "etc" / "shadow").write_bytes(MARKER + b" shadow\n")
        self.pair.set_client_address(f"{self.pair.host(200)}/{self.pair.prefix_len}")

    def start(self, config_text, cwd):
        path = self.pair.tmpdir / f"netbootd-{secrets.token_hex(4)}.ini"
        path.write_text(config_text.format(pool_start=self.pair.host(100), lease_file=self.pair.tmpdir / f"{path.stem}.db",
                                           root=self.root))
        log = self.pair.tmpdir / (path.stem + ".log")
        process = self.pair.spawn(["env", "-C", str(cwd), netbootd_path(), "-c", str(path)], ns=self.pair.server_ns,
                                  log=log)
        self.addCleanup(lambda: process.alive() and process.kill())
        # Either it stops (exit 2, configuration error) or it gets ready: wait for one of them.
        netns.wait_for(lambda: not process.alive() or "ready" in netns.read_text(log), timeout=10)
        return process, log

    def assert_nothing_outside(self, process, log):
        names = [b"etc/shadow", b"/etc/shadow", b"etc/passwd", b"/etc/passwd", b"secret.txt", b"../secret.txt",
                 b"../etc/shadow", b"proc/self/environ"]
        for name in names:
            result = sh.tftp_get(self.pair.client_ns, (self.pair.server_ip, 69), name, timeout=1.0)
            self.assertNotIn(MARKER, bytes(result.raw), f"{name!r} leaked from outside the root")
            self.assertFalse(result.complete, f"{name!r} was served from outside the root: {bytes(result.data)[:80]!r}"
                             f"\n{netns.read_text(log)}")

    def test_misspelt_section_stops_at_start_and_serves_nothing(self):
        config = "[bootp]\npool_start = {pool_start}\nlease_file = {lease_file}\n\n[tftpp]\nroot = {root}\n"
        for cwd in (Path("/"), self.work):
            with self.subTest(cwd=str(cwd)):
                process, log = self.start(config, cwd)
                self.assert_nothing_outside(process, log)
                self.assertFalse(process.alive(), "netbootd started with a misspelt [tftp] section")
                self.assertEqual(process.returncode, 2)
                self.assertRegex(netns.read_text(log), r"\.ini:5: \[tftpp\]: unknown section: did you mean \[tftp\]\?")

    def test_no_root_at_all_never_serves_the_working_directory(self):
        config = "[bootp]\npool_start = {pool_start}\nlease_file = {lease_file}\n"
        for cwd in (Path("/"), self.work):
            with self.subTest(cwd=str(cwd)):
                process, log = self.start(config, cwd)
                self.assert_nothing_outside(process, log)
                if not process.alive():  # /srv/tftp missing on this host: a clear stop
                    self.assertEqual(process.returncode, 2)
                    self.assertIn("[tftp] root: not set, and the default /srv/tftp does not exist", netns.read_text(log))
                else:  # /srv/tftp exists on this host: served, and nothing outside it
                    self.assertIn("/srv/tftp", netns.read_text(log))
                    process.kill()  # frees the ports for the next subtest

    def test_slash_root_needs_the_opt_in(self):
        process, log = self.start("[bootp]\npool_start = {pool_start}\nlease_file = {lease_file}\n[tftp]\nroot = /\n",
                                  self.work)
        self.assert_nothing_outside(process, log)
        self.assertEqual(process.returncode, 2)
        self.assertIn("[tftp] root: '/' is the whole filesystem", netns.read_text(log))

    def test_positive_control_the_right_section_serves_its_root(self):
        # Proves the fetches above can succeed: the same client reads a file inside the root.
        process, log = self.start("[bootp]\npool_start = {pool_start}\nlease_file = {lease_file}\n\n[tftp]\nroot = {root}\n",
                                  self.work)
        self.assertTrue(process.alive(), netns.read_text(log))
        ok = sh.tftp_get(self.pair.client_ns, (self.pair.server_ip, 69), b"inside.txt")
        self.assertTrue(ok.complete, ok)
        self.assertEqual(bytes(ok.data), b"inside the root\n")
        self.assert_nothing_outside(process, log)


class StrictCheckConfig(unittest.TestCase):
    def write(self, tmp, text):
        (Path(tmp) / "root").mkdir(exist_ok=True)
        (Path(tmp) / "root" / "pxelinux.0").write_bytes(b"x")
        path = Path(tmp) / "netbootd.ini"
        path.write_text(text.format(tmp=tmp))
        return path

    BASE = ("[bootp]\npool_start = 127.0.0.100\nport = 6767\nlease_file = {tmp}/leases.db\n"
            "[bootfile]\ndefault = pxelinux.0\n[tftp]\nport = 6969\nroot = {tmp}/root\n")

    def test_strict_turns_warnings_into_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write(tmp, self.BASE + "vendor_notes = x\n")
            loose = run(["-c", str(path), "--check-config"])
            self.assertEqual(loose.returncode, 0, loose.stderr)
            self.assertRegex(loose.stderr, r"warning: \S+:10: \[tftp\] vendor_notes: unknown key, ignored")
            strict = run(["-c", str(path), "--check-config", "--strict"])
            self.assertEqual(strict.returncode, 2, strict.stderr)
            self.assertRegex(strict.stderr, r"error: \S+:10: \[tftp\] vendor_notes: unknown key")
            self.assertIn("1 warning refused by --strict", strict.stderr)
            self.assertNotIn("configuration OK", strict.stderr)
            clean = self.write(tmp, self.BASE)
            self.assertEqual(run(["-c", str(clean), "--check-config", "--strict"]).returncode, 0)

    def test_missing_boot_file_and_uncovered_architectures_are_reported(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write(tmp, self.BASE.replace("default = pxelinux.0", "00000 = pxelinux.0\n00007 = ipxe.efi"))
            r = run(["-c", str(path), "--check-config"])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stderr, r"warning: \S+:7: \[bootfile\] 00007: ipxe\.efi does not exist beneath the TFTP root")
            self.assertRegex(r.stderr, r"no boot file for architecture 00006 \(x86 UEFI\), 00010 \(ARM32 UEFI\), "
                                       r"00011 \(ARM64 UEFI\): such PXE clients are ignored")
            self.assertEqual(run(["-c", str(path), "--check-config", "--strict"]).returncode, 2)

    def test_near_miss_is_an_error_even_without_strict(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write(tmp, self.BASE + "[filter]\nx = y\n")
            r = run(["-c", str(path), "--check-config"])
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, r"\S+:10: \[filter\]: unknown section: did you mean \[filters\]\?")

    # Review of issue 22.
    def test_empty_paths_stop_at_start_with_their_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            for extra, expected in (("[httpd]\nenable = yes\nport = 8080\nroot =\n", r":13: \[httpd\] root: empty root"),
                                    ("[httpd]\nenable = yes\nport = 8080\nroot = ; /srv/http\n",
                                     r":13: \[httpd\] root: empty root")):
                path = self.write(tmp, self.BASE + extra)
                r = run(["-c", str(path), "--check-config"])
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertRegex(r.stderr, expected)
                self.assertNotIn("configuration OK", r.stderr)
            path = self.write(tmp, self.BASE.replace("lease_file = {tmp}/leases.db", "lease_file ="))
            r = run(["-c", str(path), "--check-config"])
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, r":4: \[bootp\] lease_file: empty lease_file")

    def test_symlink_out_of_the_root_is_reported_as_tftp_refuses_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write(tmp, self.BASE)
            outside = Path(tmp) / "PXELINUX" / "pxelinux.0"
            outside.parent.mkdir()
            outside.write_bytes(b"x")
            (Path(tmp) / "root" / "pxelinux.0").unlink()
            (Path(tmp) / "root" / "pxelinux.0").symlink_to(outside)  # ln -s /usr/lib/PXELINUX/pxelinux.0 root/
            r = run(["-c", str(path), "--check-config", "--strict"])
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, r":6: \[bootfile\] default: pxelinux\.0 is a symbolic link leading out of the "
                                       r"TFTP root")
            self.assertIn("bind-mount", r.stderr)

    def test_warnings_before_an_error_are_printed(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.write(tmp, self.BASE.replace("root = {tmp}/root", "tftp_root = /srv/boot\nroot = {tmp}/missing"))
            r = run(["-c", str(path), "--check-config"])
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, r"netbootd: warning: \S+:9: \[tftp\] tftp_root: unknown key, ignored\n"
                                       r"netbootd: \S+:10: \[tftp\] root: ")


class ShippedExamplesPassStrict(unittest.TestCase):
    """`--check-config --strict` on etc/netbootd.ini and on every README example. Both name
    boot files a user puts in place (README step 2): they are created here, empty; the
    files themselves are used unchanged except, for the README, the host-specific paths."""

    def setUp(self):
        if not is_root():
            self.skipTest("needs root: ports 67 and 69 are checked as bindable")

    def test_sample_configuration(self):
        sample = SOURCE / "etc" / "netbootd.ini"
        text = sample.read_text()
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "netbootd.ini"
            shutil.copy(sample, copy)  # unchanged: its ./tftpboot is then beside the copy
            boot = Path(tmp) / "tftpboot"
            boot.mkdir()
            names = set(re.findall(r"^[\w.]+\s*=\s*(?![\d.]+\s*$)(\S+\.(?:0|efi|ipxe))\s*$", text, flags=re.M))
            self.assertTrue({"pxelinux.0", "ipxe.efi", "boot.ipxe"} <= names, names)
            for name in names:
                (boot / name).write_bytes(b"x")
            r = run(["-c", str(copy), "--check-config", "--strict"])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("warning", r.stderr)
        # In place, the only findings are the boot files the checkout does not ship.
        r = run(["-c", str(sample), "--check-config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        findings = [line for line in r.stderr.splitlines() if "warning" in line]
        self.assertTrue(all("does not exist beneath the TFTP root" in f for f in findings), findings)

    def test_every_readme_example(self):
        netns.require_netns()
        examples = readme_examples()
        configs = [body for kind, body in examples if kind == "ini" and "[bootp]" in body]
        self.assertGreaterEqual(len(configs), 1, "no ```ini example with [bootp] in README.md")
        menus = [body for kind, body in examples if kind == "text" and "DEFAULT" in body]
        self.assertTrue(menus, "README shows no pxelinux.cfg/default")
        for config in configs:
            with self.subTest(example=config[:60]):
                self.check_readme_example(config, menus[0])

    def check_readme_example(self, config, menu):
        pool = re.search(r"^pool_start\s*=\s*(\S+)", config, flags=re.M)
        # A proxyDHCP example has no pool: any subnet serves.
        subnet = ".".join(pool.group(1).split(".")[:3]) + ".0/24" if pool else None
        with netns.NetnsPair(subnet=subnet) as pair:
            root = pair.tmpdir / "srv-tftp"
            root.mkdir()
            for name in re.findall(r"^[\w.]+\s*=\s*(\S+\.(?:0|efi|ipxe|kpxe))\s*$", config, flags=re.M):
                (root / name).parent.mkdir(parents=True, exist_ok=True)  # a subnet's rack13/ipxe.efi
                (root / name).write_bytes(b"x")
            # The filter's target, with the menu the README shows.
            for target in re.findall(r"^\S+\s*=\s*(pxelinux\.cfg/\w+)\s*$", config, flags=re.M):
                (root / target).parent.mkdir(parents=True, exist_ok=True)
                (root / target).write_text(menu)
            # Host-specific: the interface, the boot file folder and the state folder.
            text = re.sub(r"^interface\s*=.*$", f"interface = {pair.server_if}", config, flags=re.M)
            text = text.replace("/srv/tftp", str(root)).replace("/var/lib/netbootd", str(pair.tmpdir / "state"))
            path = pair.tmpdir / "netbootd.ini"
            path.write_text(text)
            r = netns.run([netbootd_path(), "-c", str(path), "--check-config", "--strict"], ns=pair.server_ns,
                          timeout=10, check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("warning", r.stderr)
            if "[filters]" in config:
                self.assertIn("pxelinux.cfg/* = pxelinux.cfg/default", r.stdout)


class ErrorsSayWhatToDo(unittest.TestCase):
    def test_address_in_use_names_the_port_and_ss_and_no_statistics_follow(self):
        holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        holder.bind(("0.0.0.0", 0))
        port = holder.getsockname()[1]
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "netbootd.ini"
                path.write_text(f"[bootp]\npool_start = 127.0.0.100\nport = {port}\nlease_file = {tmp}/leases.db\n")
                r = run(["-p", "-c", str(path)])
        finally:
            holder.close()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"cannot bind UDP 0.0.0.0:{port}: Address already in use: another server holds port {port}; "
                      f"`ss -lunp 'sport = :{port}'` shows which process", r.stderr)
        self.assertNotIn("stopped:", r.stderr)
        self.assertNotIn("received", r.stderr)

    def test_missing_interface_is_named_with_the_list(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "netbootd.ini"
            path.write_text(f"[bootp]\npool_start = 127.0.0.100\ninterface = nbd-nowhere9\nlease_file = {tmp}/l.db\n")
            r = run(["-p", "-c", str(path), "--check-config"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertRegex(r.stderr, r":3: \[bootp\] interface: no interface nbd-nowhere9 \(interfaces: [^)]*\blo\b")
        self.assertNotIn("pool_start", r.stderr)


class AsAnotherAccount(unittest.TestCase):
    """EACCES, as a user meets it: netbootd run as nobody (setpriv) in a namespace created
    here (ip_unprivileged_port_start is 1024 there whatever the host says). The binary is
    copied beside the configuration so that nothing depends on the checkout's permissions."""

    def setUp(self):
        netns.require_netns()
        netns.require_commands("setpriv")
        self.pair = netns.NetnsPair().open()
        self.addCleanup(self.pair.close)
        self.dir = self.pair.tmpdir / "public"
        self.dir.mkdir()
        os.chmod(self.pair.tmpdir, 0o755)
        os.chmod(self.dir, 0o755)
        self.binary = self.dir / "netbootd"
        shutil.copy(netbootd_path(), self.binary)
        os.chmod(self.binary, 0o755)
        self.state = self.dir / "state"  # root's, 0755: nobody cannot write there
        self.state.mkdir()
        os.chmod(self.state, 0o755)
        self.root = self.dir / "root"
        self.root.mkdir()
        (self.root / "pxelinux.0").write_bytes(b"x")
        os.chmod(self.root, 0o755)

    def run_as_nobody(self, config, *args):
        path = self.dir / "netbootd.ini"
        path.write_text(config.format(pool_start=self.pair.host(100), state=self.state, root=self.root))
        os.chmod(path, 0o644)
        return netns.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                          str(self.binary), "-c", str(path), *args], ns=self.pair.server_ns, timeout=10, check=False)

    def test_lease_file_permission_denied_names_the_owner(self):
        r = self.run_as_nobody("[bootp]\npool_start = {pool_start}\nport = 6767\nlease_file = {state}/leases.db\n", "-p")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"lease file {self.state}/leases.db: permission denied: the folder {self.state} is owned by user "
                      f"root (mode 0755) and netbootd runs as user nobody (uid 65534)", r.stderr)
        self.assertNotIn("disk I/O error", r.stderr)
        self.assertNotIn("stopped:", r.stderr)

    def test_privileged_port_says_root_or_capability(self):
        r = self.run_as_nobody("[tftp]\naddress = {pool_start}\nroot = {root}\n".replace("{pool_start}", self.pair.server_ip),
                               "-t")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"cannot bind UDP {self.pair.server_ip}:69: Permission denied: port 69 is below 1024 and needs "
                      "root or CAP_NET_BIND_SERVICE", r.stderr)

    def test_check_config_reports_lease_folder_and_ports_with_the_fix(self):
        r = self.run_as_nobody("[bootp]\npool_start = {pool_start}\nlease_file = {state}/leases.db\n"
                               "[bootfile]\ndefault = pxelinux.0\n[tftp]\nroot = {root}\n", "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"[bootp] lease_file: the folder {self.state} (owner root, mode 0755) is not writable by user "
                      f"nobody (uid 65534), which netbootd runs as: chown nobody {self.state}", r.stderr)
        self.assertIn("[bootp] port 67: a port below 1024 needs root or CAP_NET_BIND_SERVICE", r.stderr)
        self.assertIn("[tftp] port 69:", r.stderr)
        self.assertIn("AmbientCapabilities=CAP_NET_BIND_SERVICE", r.stderr)
        # Root passes the same checks.
        path = self.dir / "netbootd.ini"
        ok = netns.run([str(self.binary), "-c", str(path), "--check-config", "--strict"], ns=self.pair.server_ns,
                       timeout=10, check=False)
        self.assertEqual(ok.returncode, 0, ok.stderr)


class InstallAsAService(unittest.TestCase):
    def test_install_layout_and_systemd_analyze_verify(self):
        build = Path(netbootd_path()).resolve().parent
        if not (build / "cmake_install.cmake").exists():
            self.skipTest(f"{build} is not a CMake build folder")
        with tempfile.TemporaryDirectory() as stage:
            env = dict(os.environ, DESTDIR=stage)
            # As `make install` does: stripped, not the build's tens of MB of debug information.
            r = subprocess.run(["cmake", "--install", str(build), "--strip"], capture_output=True, text=True,
                               timeout=120, env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("cmake --install $(BUILD) --strip", (SOURCE / "Makefile").read_text())
            units = list(Path(stage).rglob("netbootd.service"))
            self.assertEqual(len(units), 1, units)
            unit = units[0].read_text()
            self.assertRegex(str(units[0].relative_to(stage)), r"lib/systemd/system/netbootd\.service$")
            exec_start = re.search(r"^ExecStart=(\S+) -c (\S+)$", unit, flags=re.M)
            binary, config = exec_start.group(1), exec_start.group(2)
            self.assertTrue(os.access(stage + binary, os.X_OK), f"ExecStart {binary} not installed")
            self.assertIn(f"ExecStartPre={binary} -c {config} --check-config", unit)
            if shutil.which("readelf"):
                sections = subprocess.run(["readelf", "-S", stage + binary], capture_output=True, text=True,
                                          timeout=30).stdout
                self.assertIn(".text", sections)
                self.assertNotIn(".debug_info", sections)
            self.assertEqual(Path(config).name, "netbootd.ini")
            self.assertEqual((Path(stage + config + ".example")).read_text(), (SOURCE / "etc/netbootd.ini").read_text())
            docs = re.findall(r"^Documentation=file://(\S+)$", unit, flags=re.M)
            self.assertTrue(docs)
            for doc in docs:
                self.assertTrue(Path(stage + doc).is_file(), f"Documentation= {doc} not installed")
            doc_dir = Path(stage + docs[0]).parent.parent  # .../doc/netbootd/docs/security.md
            for name in ("README.md", "docs/configuration.md", "docs/security.md"):
                self.assertTrue((doc_dir / name).is_file(), name)
            # Every relative link of the installed README leads to an installed file.
            links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", (doc_dir / "README.md").read_text())
            self.assertIn("docs/design.md", links)
            for link in links:
                self.assertTrue((doc_dir / link).is_file(), f"README links {link}, which is not installed")
            # --help points at exactly these paths.
            help_text = run(["--help"]).stdout
            self.assertIn(str(Path(config).parent / "netbootd.ini.example"), help_text)
            self.assertIn(str(Path(docs[0]).parent.parent / "README.md"), help_text)
            self.assertIn(str(Path(docs[0]).parent / "configuration.md"), help_text)
            self.verify(stage, units[0], binary)

    def verify(self, stage, unit, binary):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze missing (scripts/deps.sh test installs systemd)")
        # The staged unit, with its commands pointing at the staged binary (verify checks that
        # they exist and are executable); everything else as installed.
        checked = Path(stage) / "verify" / "netbootd.service"
        checked.parent.mkdir()
        checked.write_text(unit.read_text().replace(binary, stage + binary))
        # systemctl reload is SIGHUP to the daemon (app/reload); verify checks that /bin/kill exists.
        self.assertRegex(checked.read_text(), r"(?m)^ExecReload=/bin/kill -HUP \$MAINPID$")
        r = subprocess.run([analyze, "verify", str(checked)], capture_output=True, text=True, timeout=60)
        out = r.stdout + r.stderr
        if r.returncode != 0 and "netbootd.service" not in out:
            self.skipTest(f"systemd-analyze cannot run in this container: {out.strip()[:300]}")
        self.assertEqual(r.returncode, 0, out)
        self.assertNotIn("netbootd.service:", out, out)
        # A control: the same unit with a command that does not exist fails the check.
        broken = checked.read_text().replace(stage + binary, stage + binary + "-missing")
        checked.write_text(broken)
        r = subprocess.run([analyze, "verify", str(checked)], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)


class Documentation(unittest.TestCase):
    def test_help_ends_with_the_documentation_and_the_sample(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("--strict", r.stdout)
        last = r.stdout.strip().splitlines()[-2:]
        self.assertRegex(last[0], r"^Documentation: /\S+/README\.md and /\S+/configuration\.md")
        self.assertRegex(last[1], r"^Sample configuration: /\S+/netbootd/netbootd\.ini\.example$")

    def doc_defaults(self):
        """{(section, key): default} for the defaults docs/configuration.md writes as one literal."""
        defaults = {}
        section = None
        for line in (SOURCE / "docs/configuration.md").read_text().splitlines():
            m = re.match(r"^## \[(\w+)\]", line)
            if m:
                section = m.group(1)
                continue
            m = re.match(r"^\| `(\w+)`(?: \(or `\w+`\))? \| `([^`]*)` \|", line)
            if m and section:
                defaults[(section, m.group(1))] = m.group(2)
        return defaults

    def test_sample_values_agree_with_the_documented_defaults(self):
        defaults = self.doc_defaults()
        self.assertIn(("httpd", "port"), defaults)
        self.assertIn(("tftp", "root"), defaults)
        section, comment, compared = None, [], 0
        for line in (SOURCE / "etc/netbootd.ini").read_text().splitlines():
            m = re.match(r"^\[(\w+)\]", line)
            if m:
                section, comment = {"bootpd": "bootp", "tftpd": "tftp"}.get(m.group(1), m.group(1)), []
                continue
            if line.startswith(";") or not line.strip():
                comment.append(line)
                if not line.strip():
                    comment = []
                continue
            key, _, value = (part.strip() for part in line.partition("="))
            documented = defaults.get((section, key))
            if documented is not None:
                compared += 1
                if value != documented:
                    # A deliberate sample value says so, and names the default.
                    self.assertTrue(any("default" in c for c in comment),
                                    f"etc/netbootd.ini [{section}] {key} = {value}, documented default {documented}, "
                                    f"and its comment does not say so")
            comment = []
        self.assertGreaterEqual(compared, 15)

    def test_readme_section_table_lists_every_section(self):
        sections = set(re.findall(r"^## \[(\w+)\]", (SOURCE / "docs/configuration.md").read_text(), flags=re.M))
        self.assertIn("netbootd", sections)
        readme = (SOURCE / "README.md").read_text()
        table = re.findall(r"^\| ((?:`\[\w+\]`[ ,/]*)+) \|", readme, flags=re.M)
        listed = set(re.findall(r"\[(\w+)\]", " ".join(table)))
        self.assertEqual(sections - listed, set(), "sections missing from README's table")

    def test_readme_example_logs_to_stderr_sets_default_and_servername(self):
        configs = [body for kind, body in readme_examples() if kind == "ini" and "[bootp]" in body]
        self.assertTrue(configs)
        for config in configs:
            self.assertRegex(config, r"(?m)^type = stderr$")
            self.assertRegex(config, r"(?m)^default = \S+$")
            self.assertRegex(config, r"(?m)^servername = \S+$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
