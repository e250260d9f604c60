"""The real netbootd binary: command line, --check-config, configuration errors, start and stop.

Runs on the host (no network traffic) except the pybootd README sample, which needs an
interface on 192.168.1.0/24: that one runs inside a network namespace created here
(root only; skipped otherwise)."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import netns
from daemon import Netbootd, check_config, netbootd_path

SOURCE = Path(os.environ.get("NETBOOT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
README_SAMPLE = SOURCE / "tests/data/configs/pybootd-readme-sample.ini"


def run(args, timeout=10):
    return subprocess.run([netbootd_path(), *args], capture_output=True, text=True, timeout=timeout)


class CommandLine(unittest.TestCase):
    def test_help_lists_pybootd_options(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        for option in ["-c,--config", "-p,--pxe", "-t,--tftp", "-H,--http", "-d,--debug", "--check-config", "--version"]:
            self.assertIn(option, r.stdout)

    def test_version(self):
        r = run(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^netbootd \d+\.\d+\.\d+")

    def test_usage_error_is_one_line_and_exit_2(self):
        r = run(["--no-such-option"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("--no-such-option", r.stderr)

    def test_missing_config_file(self):
        r = run(["-c", "/nonexistent/netbootd.ini"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(),
                         "netbootd: /nonexistent/netbootd.ini: cannot read configuration file: No such file or directory")


class CheckConfig(unittest.TestCase):
    def test_shipped_sample_is_valid_and_printed(self):
        r = run(["-c", str(SOURCE / "etc/netbootd.ini"), "--check-config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration OK", r.stderr)
        for expected in ["[bootp]", "pool_start = 127.0.0.100", "detected: interface lo", "[tftp]", "[httpd]"]:
            self.assertIn(expected, r.stdout)

    def test_errors_exit_2_with_file_line_key_and_reason(self):
        cases = {
            "[bootp]\npool_start = 127.0.0.300\n": r":2: \[bootp\] pool_start: '127.0.0.300' is not an IPv4 address",
            "[bootp]\npool_start = 127.0.0.100\nallow_simple_dhcp = perhaps\n":
                r":3: \[bootp\] allow_simple_dhcp: 'perhaps' is not a boolean",
            "[bootp]\npool_start = 127.0.0.100\naccess = uuid\n":
                r":3: \[bootp\] access: access = uuid needs a \[uuid\] section",
            # 203.0.113.0/24 (TEST-NET-3) is on no interface of a test machine.
            "[bootp]\npool_start = 203.0.113.10\n[tftp]\nroot = .\n":
                r":2: \[bootp\] pool_start: Unable to detect network configuration",
        }
        for text, pattern in cases.items():
            with self.subTest(pattern=pattern):
                r = check_config(text)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertRegex(r.stderr, r"netbootd: \S+netbootd\.ini" + pattern)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_unknown_keys_are_warnings_not_errors(self):
        r = check_config("[bootp]\npool_start = 127.0.0.100\nflavour = vanilla\n[extra]\nx = 1\n[tftp]\nroot = .\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"warning: \S+:3: \[bootp\] flavour: unknown key")
        self.assertRegex(r.stderr, r"warning: \S+:4: \[extra\]: unknown section")

    def test_pybootd_readme_sample_loads_unchanged(self):
        netns.require_netns()
        with netns.NetnsPair(subnet="192.168.1.0/24") as pair:
            r = netns.run([netbootd_path(), "-c", str(README_SAMPLE), "--check-config"], ns=pair.server_ns,
                          timeout=10, check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("pool_start = 192.168.1.100", r.stdout)
            self.assertIn(f"detected: interface {pair.server_if} server 192.168.1.1", r.stdout)
            self.assertIn("root = http://http.us.debian.org/debian/dists/squeeze/main/installer-amd64/current/images/netboot",
                          r.stdout)


    def test_a_configuration_with_every_documented_key_loads(self):
        netns.require_netns()
        with netns.NetnsPair(subnet="192.168.1.0/24") as pair, tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "images").mkdir()
            # The boot files it names, as --check-config looks for them (issue 22).
            for name in ("pxelinux.0", "ipxe.efi", "undionly.kpxe", "boot.ipxe", "menu.ipxe"):
                (Path(tmp) / "images" / name).write_bytes(b"x")
            (Path(tmp) / "www").mkdir()
            text = (SOURCE / "tests/data/configs/every-key.ini").read_text().replace("interface = eth0",
                                                                                    f"interface = {pair.server_if}")
            path = Path(tmp) / "every-key.ini"
            path.write_text(text)
            r = netns.run([netbootd_path(), "-c", str(path), "--check-config"], ns=pair.server_ns, timeout=10,
                          check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("warning", r.stderr)
            for expected in ["access = mac", "port = 6767", "lease_time = 3600", "00007 = ipxe.efi",
                             "ipxe.default = menu.ipxe", "00-1E-4F-C4-95-F0 = 192.168.1.50", "AA-BB-CD-00-00-00/24 = yes",
                             "location = http://127.0.0.1:13400", "max_windowsize = 16", "max_timeout = 5", "max_transfer_memory = 64", "startup = [dir/{filename}.cfg]",
                             "check_ip = yes", "gateway = 192.168.1.254", "max_connections_per_client = 3", "min_send_rate = 0"]:
                self.assertIn(expected, r.stdout)


class Lifecycle(unittest.TestCase):
    def test_sigterm_stops_within_a_second(self):
        # Only TFTP, on an unprivileged port of loopback: no root needed, no traffic.
        config = "[tftp]\naddress = 127.0.0.1\nport = 0\nroot = {tftp_root}\n"
        with Netbootd(config, args=["-t"]) as daemon:
            started = time.monotonic()
            daemon.process.send_signal(signal.SIGTERM) if hasattr(daemon.process, "send_signal") else \
                os.kill(daemon.pid, signal.SIGTERM)
            code = daemon.process.wait(timeout=2)
            self.assertEqual(code, 0)
            self.assertLess(time.monotonic() - started, 1.0)
            self.assertRegex(daemon.log(), r"shutting down")

    def test_start_failure_is_one_clear_line(self):
        # The same port twice: the second daemon cannot bind and says so in one line.
        with tempfile.TemporaryDirectory() as tmp:
            import socket
            holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            holder.bind(("127.0.0.1", 0))
            port = holder.getsockname()[1]
            try:
                path = Path(tmp) / "netbootd.ini"
                path.write_text(f"[tftp]\naddress = 127.0.0.1\nport = {port}\nroot = {tmp}\n")
                r = run(["-t", "-c", str(path)])
            finally:
                holder.close()
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertRegex(r.stderr, rf"cannot start: cannot bind UDP 127\.0\.0\.1:{port}: Address already in use")
            self.assertNotIn("Traceback", r.stderr)
            self.assertNotIn("terminate called", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
