"""bench/netboot_load, the benchmarks' TFTP client, against the real daemon on 127.0.0.1:
byte-exact transfers report ok, and one differing byte anywhere (first block, a middle
block, the short last one) or a file of another length fails the transfer with exit 1 and
the block named, at the block and window sizes the bench uses. The bench (and its smoke
test) trust netboot_load's "ok"; this shows that "ok" can be false.

Needs bench/netboot_load next to the tested netbootd (skips otherwise)."""

from __future__ import annotations

import json
import os
import subprocess
import unittest
from pathlib import Path

import daemon
import netns
from daemon import Netbootd
from test_tftp_clients import free_port, write_random

SIZE = 200 * 1024 + 333  # not a multiple of any block size used


class LoadToolChecksEveryByte(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.load = Path(daemon.netbootd_path()).parent / "bench" / "netboot_load"
        if not os.access(cls.load, os.X_OK):
            netns.skip(f"{cls.load} is not built")

    def fetch(self, port: int, name: str, expect: Path, blksize: int, window: int) -> tuple[int, dict]:
        r = subprocess.run([str(self.load), "tftp", "--server", f"127.0.0.1:{port}", "--file", name, "--expect",
                            str(expect), "--blksize", str(blksize), "--windowsize", str(window), "--time-limit", "20"],
                           capture_output=True, text=True, timeout=40)
        return r.returncode, json.loads(r.stdout.strip().splitlines()[-1])

    def test_one_differing_byte_or_length_fails_the_transfer(self):
        port = free_port()
        config = ("[logger]\ntype = stderr\nlevel = info\n\n[tftp]\naddress = 127.0.0.1\n"
                  f"port = {port}\nroot = {{tftp_root}}\ntimeout = 1\nmax_windowsize = 64\n")
        with Netbootd(config, args=["-t"]) as d:
            served = d.tftp_root / "served.bin"
            write_random(served, SIZE, 11)
            data = served.read_bytes()
            same = d.tmp / "same.bin"
            same.write_bytes(data)
            longer = d.tmp / "longer.bin"
            longer.write_bytes(data + b"x")
            for blksize, window in ((1468, 1), (65464, 1), (1468, 16), (1468, 64)):
                with self.subTest(blksize=blksize, window=window):
                    rc, result = self.fetch(port, "served.bin", same, blksize, window)
                    self.assertEqual((rc, result["ok"], result["bytes"]), (0, 1, SIZE), result)
                    # What the bench asks for is what it gets (loopback's MTU allows 65464).
                    self.assertEqual((result["blksize"], result["windowsize"]), (blksize, window), result)
                    last_block = SIZE // blksize + 1
                    for offset in (0, blksize * (last_block // 2) + 7, SIZE - 1):
                        changed = bytearray(data)
                        changed[offset] ^= 0x01
                        expect = d.tmp / "changed.bin"
                        expect.write_bytes(bytes(changed))
                        rc, result = self.fetch(port, "served.bin", expect, blksize, window)
                        self.assertEqual((rc, result["ok"]), (1, 0), (offset, result))
                        self.assertIn(f"block {offset // blksize + 1} differs from the file", result["error"])
                    rc, result = self.fetch(port, "served.bin", longer, blksize, window)
                    self.assertEqual((rc, result["ok"]), (1, 0), result)
                    self.assertIn("short transfer", result["error"])


if __name__ == "__main__":
    netns.main()
