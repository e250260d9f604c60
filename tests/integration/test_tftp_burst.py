"""A burst of 300 concurrent downloads by real clients (curl, atftp, tftp-hpa in turn)
against the real daemon on 127.0.0.1: every one completes, byte-identical, and the daemon
logs one line per transfer. Exits 77 when a client tool is missing."""

from __future__ import annotations

import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import netns
from daemon import Netbootd
from test_tftp_clients import TOOLS, fetch_command, free_port, sha256, tftp_config, write_random

CLIENTS = 300


class Burst(unittest.TestCase):
    def test_300_concurrent_clients_all_complete(self):
        port = free_port()
        # All clients share 127.0.0.1: lift the per-client cap for this test.
        config = tftp_config(port, extra_tftp="max_transfers_per_client = 1000\nmax_transfers = 4096")
        with Netbootd(config, args=["-t"]) as daemon:
            expected = write_random(daemon.tftp_root / "initrd.img", 256 * 1024 + 17, 3)
            out = Path(tempfile.mkdtemp(prefix="burst-", dir=daemon.tmp))
            processes = []
            for i in range(CLIENTS):
                tool = TOOLS[i % len(TOOLS)]
                local = out / f"{i:03d}-{tool}"
                cmd = fetch_command(tool, port, "initrd.img", local, options=(i % 2 == 0))
                processes.append((tool, local, subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)))
            deadline = time.monotonic() + 180
            failures = []
            for tool, local, process in processes:
                try:
                    process.wait(timeout=max(1.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    failures.append(f"{local.name}: timed out")
                    continue
                if process.returncode != 0:
                    failures.append(f"{local.name}: exit {process.returncode} {process.stderr.read().decode()[:200]}")
                elif sha256(local) != expected:
                    failures.append(f"{local.name}: content differs")
            for _, _, process in processes:
                process.stderr.close()
            self.assertEqual(failures, [], daemon.log_tail())
            netns.wait_for(lambda: daemon.log().count("initrd.img completed") >= CLIENTS, timeout=10,
                           what="one log line per transfer")


if __name__ == "__main__":
    netns.require_commands(*TOOLS)
    netns.main()
