"""[tftp] root as a URL: files streamed from `python3 -m http.server` on 127.0.0.1 through
the real daemon, with tsize from Content-Length, 404 -> TFTP "File not found", and the
pybootd README's filter serving a local file while the root is remote.
Exits 77 when a client tool is missing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import netns
from daemon import Netbootd
from test_tftp_clients import fetch, free_port, rrq_oack, sha256, tftp_config, write_random

# The daemon's libcurl must talk to 127.0.0.1 directly, whatever proxy the environment names.
for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(variable, None)


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RemoteRoot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = Path(tempfile.mkdtemp(prefix="netbootd-web-"))
        cls.kernel = write_random(cls.web / "debian" / "linux", 3 * 1024 * 1024 + 5, 4)
        cls.initrd = write_random(cls.web / "debian" / "initrd.gz", 700_000, 5)
        http_port = free_tcp_port()
        cls.http = subprocess.Popen([sys.executable, "-m", "http.server", str(http_port), "--bind", "127.0.0.1",
                                     "--directory", str(cls.web)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)

        def http_up():
            try:
                with socket.create_connection(("127.0.0.1", http_port), timeout=0.5):
                    return True
            except OSError:
                return False
        netns.wait_for(http_up, timeout=10, what="python3 -m http.server")
        cls.port = free_port()
        config = tftp_config(cls.port, root=f"http://127.0.0.1:{http_port}/debian",
                             filters="pxelinux.cfg/* = etc/pxe.cfg")
        cls.daemon = Netbootd(config, args=["-t"])
        # Relative filter targets are looked up beside the configuration file first.
        (cls.daemon.tmp / "etc").mkdir()
        (cls.daemon.tmp / "etc" / "pxe.cfg").write_text("DEFAULT linux\n")
        cls.out = Path(tempfile.mkdtemp(prefix="out-", dir=cls.daemon.tmp))
        cls.daemon.start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.http.terminate()
        cls.http.wait(timeout=5)

    def test_tsize_comes_from_content_length(self):
        opcode, fields = rrq_oack(self.port, "linux", {"tsize": "0"})
        self.assertEqual(opcode, 6)
        self.assertEqual(fields, {"tsize": str(3 * 1024 * 1024 + 5)})

    def test_clients_download_remote_files_byte_identical(self):
        for tool, name, expected in (("curl", "linux", self.kernel), ("atftp", "linux", self.kernel),
                                     ("tftp", "initrd.gz", self.initrd)):
            with self.subTest(tool=tool):
                local = self.out / f"{tool}-{name}"
                r = fetch(tool, self.port, name, local)
                self.assertEqual(r.returncode, 0, r.stderr + self.daemon.log_tail())
                self.assertEqual(sha256(local), expected)

    def test_404_is_file_not_found(self):
        opcode, fields = rrq_oack(self.port, "no-such-file", {})
        self.assertEqual(opcode, 5)
        self.assertEqual(fields["code"], 1)
        r = fetch("curl", self.port, "no-such-file", self.out / "missing", timeout=20)
        self.assertEqual(r.returncode, 68)

    def test_readme_filter_serves_a_local_file_with_a_remote_root(self):
        local = self.out / "pxe.cfg"
        r = fetch("curl", self.port, "pxelinux.cfg/01-00-11-22-33-44-55", local)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(local.read_text(), "DEFAULT linux\n")


if __name__ == "__main__":
    netns.require_commands("tftp", "atftp", "curl")
    netns.main()
