"""TFTP with real clients against the real daemon on 127.0.0.1 (high port, no root needed).

tftp-hpa's `tftp`, `atftp` (blksize, tsize, windowsize) and `curl tftp://` download a small
file and a file larger than 65535 blocks of 512 bytes (block numbers must roll over),
byte-identical; a missing file is an error, not a hang; an escape attempt is refused.
Loopback loses nothing: every download must complete without a single retransmission (the
daemon's transfer line says how many), so a block numbered wrong on the wire fails the test
even though the timeout would repair it. Exits 77 (skipped) when a client tool is missing.

The helpers here (free_port, tftp_config, fetch, rrq_oack) are imported by the other
test_tftp_*.py scripts."""

from __future__ import annotations

import hashlib
import os
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import netns
from daemon import Netbootd

TOOLS = ("tftp", "atftp", "curl")
BIG_SIZE = 65535 * 512 + 1000  # > 65535 blocks of 512 bytes: the block number wraps


def free_port() -> int:
    """A UDP port free on 127.0.0.1 right now (ephemeral range, high)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tftp_config(port: int, root: str = "{tftp_root}", extra_tftp: str = "", filters: str = "") -> str:
    """INI text with the documented pybootd keys, for Netbootd (which formats {placeholders}:
    `root` may be one; braces in extra_tftp and filters are escaped)."""
    def escape(text: str) -> str:
        return text.replace("{", "{{").replace("}", "}}")
    extra_tftp, filters = escape(extra_tftp), escape(filters)
    text = f"""[logger]
type = stderr
level = info

[tftp]
address = 127.0.0.1
port = {port}
root = {root}
timeout = 1
blocksize = 1468
{extra_tftp}
"""
    if filters:
        text += f"\n[filters]\n{filters}\n"
    return text


def write_random(path: Path, size: int, seed: int) -> str:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            n = min(remaining, 1 << 20)
            f.write(rng.randbytes(n))
            remaining -= n
    return sha256(path)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_command(tool: str, port: int, remote: str, local: Path, options: bool = True, window: int = 8,
                  blksize: int = 1468) -> list:
    if tool == "tftp":
        return ["tftp", "-m", "binary", "127.0.0.1", str(port), "-c", "get", remote, str(local)]
    if tool == "atftp":
        cmd = ["atftp", "--get", "-r", remote, "-l", str(local), "--tftp-timeout", "1"]
        if options:
            cmd += ["--option", f"blksize {blksize}", "--option", "tsize 0", "--option", f"windowsize {window}"]
        return cmd + ["127.0.0.1", str(port)]
    if tool == "curl":
        cmd = ["curl", "-sS", "--max-time", "120", "-o", str(local)]
        if options:
            cmd += ["--tftp-blksize", "1468"]
        return cmd + [f"tftp://127.0.0.1:{port}/{remote}"]
    raise ValueError(tool)


def fetch(tool: str, port: int, remote: str, local: Path, timeout: float = 120, options: bool = True,
          window: int = 8, blksize: int = 1468):
    """Runs one client; returns the CompletedProcess (bounded by timeout)."""
    if local.exists():
        local.unlink()
    return subprocess.run(fetch_command(tool, port, remote, local, options, window, blksize), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def rrq_oack(port: int, name: str, options: dict, timeout: float = 5.0):
    """Sends an RRQ with options and returns (opcode, fields) of the first answer; then
    aborts with ERROR 8 as UEFI does after a tsize probe."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        body = name.encode() + b"\0octet\0" + b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in options.items())
        s.sendto(b"\0\1" + body, ("127.0.0.1", port))
        data, peer = s.recvfrom(65536)
        opcode = struct.unpack("!H", data[:2])[0]
        if opcode == 6:
            parts = data[2:].split(b"\0")[:-1]
            fields = {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2)}
            s.sendto(b"\0\5\0\x08probe only\0", peer)
            return opcode, fields
        if opcode == 5:
            return opcode, {"code": struct.unpack("!H", data[2:4])[0], "message": data[4:].split(b"\0")[0].decode()}
        s.sendto(b"\0\5\0\0abort\0", peer)
        return opcode, {}


class RealClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.daemon = Netbootd(tftp_config(cls.port), args=["-t"])
        root = cls.daemon.tftp_root
        cls.small = write_random(root / "small.bin", 5000, 1)
        cls.big = write_random(root / "images" / "big.bin", BIG_SIZE, 2)
        (cls.daemon.tmp / "secret").write_text("secret")
        cls.out = Path(tempfile.mkdtemp(prefix="tftp-out-", dir=cls.daemon.tmp))
        cls.daemon.start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def download_ok(self, tool: str, remote: str, expected: str, options: bool = True, window: int = 8,
                    blksize: int = 1468):
        local = self.out / f"{tool}-{window}-{remote.replace('/', '_')}"
        mark = self.daemon.log_offset()
        r = fetch(tool, self.port, remote, local, options=options, window=window, blksize=blksize)
        self.assertEqual(r.returncode, 0, f"{tool} failed: {r.stdout} {r.stderr}\n{self.daemon.log_tail()}")
        self.assertEqual(sha256(local), expected, f"{tool}: content differs")
        # A lossless link: any retransmission is a bug that a timeout papered over.
        m = self.daemon.wait_for_log(rf"{re.escape(remote)} completed: .*, (\d+) retransmissions", timeout=5,
                                     since=mark)
        self.assertEqual(int(m.group(1)), 0, f"{tool}: {m.group(0)}")

    def test_tftp_hpa_small_and_big(self):
        self.download_ok("tftp", "small.bin", self.small)
        self.download_ok("tftp", "images/big.bin", self.big)

    def test_atftp_small_and_big_with_options(self):
        self.download_ok("atftp", "small.bin", self.small)
        self.download_ok("atftp", "images/big.bin", self.big)

    def test_atftp_windows_served_from_the_read_ahead(self):
        # 16 and 64 blocks of 1468 bytes: windows of 16 KiB or more are read ahead in one
        # pread (tftp/read_ahead_source), across the block-number wrap of big.bin.
        for window in (16, 64):
            with self.subTest(window=window):
                mark = self.daemon.log_offset()
                self.download_ok("atftp", "images/big.bin", self.big, window=window)
                self.daemon.wait_for_log(rf"images/big.bin completed: .* blksize 1468, windowsize {window}\b",
                                         timeout=5, since=mark)
                self.download_ok("atftp", "small.bin", self.small, window=window)

    def test_atftp_windows_of_512_across_the_wrap(self):
        # 65,537 blocks of 512 bytes in windows that straddle the wrap (65521..65536): built
        # ahead (16 blocks), and read ahead in one pread first (32 blocks = 16 KiB).
        for window in (16, 32):
            with self.subTest(window=window):
                self.download_ok("atftp", "images/big.bin", self.big, window=window, blksize=512)

    def test_atftp_big_lock_step_512(self):
        self.download_ok("atftp", "images/big.bin", self.big, options=False)

    def test_curl_small_and_big(self):
        self.download_ok("curl", "small.bin", self.small)
        self.download_ok("curl", "images/big.bin", self.big, options=False)

    def test_missing_file_is_an_error_not_a_hang(self):
        for tool in TOOLS:
            with self.subTest(tool=tool):
                local = self.out / f"missing-{tool}"
                r = fetch(tool, self.port, "no/such/file.bin", local, timeout=20)
                text = (r.stdout + r.stderr).lower()
                if tool == "curl":
                    self.assertEqual(r.returncode, 68, text)  # CURLE_TFTP_NOTFOUND
                else:
                    # tftp-hpa exits 0 after printing "Error code 1: File not found".
                    self.assertIn("not found", text, f"{tool}: exit {r.returncode}")
                self.assertFalse(local.exists() and local.stat().st_size > 0)

    def test_escape_is_refused(self):
        opcode, fields = rrq_oack(self.port, "../secret", {})
        self.assertEqual(opcode, 5)
        self.assertEqual(fields["code"], 2)

    def test_tsize_probe_then_error_8_is_quiet(self):
        opcode, fields = rrq_oack(self.port, "small.bin", {"tsize": "0", "blksize": "1468"})
        self.assertEqual(opcode, 6)
        self.assertEqual(fields, {"tsize": "5000", "blksize": "1468"})
        self.daemon.wait_for_log(r"small\.bin aborted by client", timeout=5)

    def test_every_transfer_logs_one_line(self):
        self.download_ok("curl", "small.bin", self.small)
        self.daemon.wait_for_log(r"127\.0\.0\.1:\d+ small\.bin completed: 5000 bytes in [\d.]+ s "
                                 r"\([\d.]+ MB/s\), \d+ retransmissions", timeout=5)


class Uploads(unittest.TestCase):
    """[tftp] writable = yes: tftp-hpa and atftp put files beneath the root, never over one."""

    def test_put_with_real_clients(self):
        port = free_port()
        with Netbootd(tftp_config(port, extra_tftp="writable = yes"), args=["-t"]) as daemon:
            (daemon.tftp_root / "incoming").mkdir()
            (daemon.tftp_root / "existing").write_text("keep me")
            source = daemon.tmp / "upload.bin"
            expected = write_random(source, 200_000, 6)
            for tool, cmd in (("tftp", ["tftp", "-m", "binary", "127.0.0.1", str(port), "-c", "put", str(source),
                                        "incoming/tftp.bin"]),
                              ("atftp", ["atftp", "--put", "-l", str(source), "-r", "incoming/atftp.bin",
                                         "--option", "blksize 1468", "127.0.0.1", str(port)])):
                with self.subTest(tool=tool):
                    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
                    self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                    self.assertEqual(sha256(daemon.tftp_root / "incoming" / f"{tool}.bin"), expected)
            r = subprocess.run(["atftp", "--put", "-l", str(source), "-r", "existing", "127.0.0.1", str(port)],
                               capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual((daemon.tftp_root / "existing").read_text(), "keep me")


if __name__ == "__main__":
    netns.require_commands(*TOOLS)
    netns.main()
