"""Benchmark smoke test (issue 8): every scenario of bench/run_bench.py at a tiny size against
netbootd alone, checking only correctness (every exchange answered, every transfer byte-exact),
so that `make bench` does not rot between its runs. Bounded to about a minute.

Needs root (namespaces) and bench/netboot_load next to the tested netbootd; perfdhcp (package
kea-admin) for the DHCP scenario, which is left out, not failed, when it is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import daemon
import netns

SOURCE = Path(os.environ.get("NETBOOT_SOURCE_DIR", Path(__file__).resolve().parents[2]))


class BenchSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netbootd = daemon.netbootd_path()
        load = Path(netbootd).parent / "bench" / "netboot_load"
        if not os.access(load, os.X_OK):
            netns.skip(f"{load} is not built")
        scenarios = ["tftp", "storm", "http", "memory"]
        if shutil.which("perfdhcp"):
            scenarios.insert(0, "dhcp")
        cls.scenarios = scenarios
        cls.tmp = tempfile.mkdtemp(prefix="nbd-bench-smoke-")
        out = Path(cls.tmp) / "runs.json"
        started = time.monotonic()
        proc = subprocess.run([sys.executable, str(SOURCE / "bench" / "run_bench.py"), "--smoke",
                               "--netbootd", netbootd, "--load", str(load), "--only", ",".join(scenarios),
                               "--json", str(out)], capture_output=True, text=True, timeout=240)
        cls.elapsed = time.monotonic() - started
        cls.output = proc.stdout + proc.stderr
        cls.returncode = proc.returncode
        cls.result = json.loads(out.read_text()) if out.exists() else {"runs": [], "failures": ["no output"]}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def rows(self, scenario):
        rows = [r for r in self.result["runs"] if r["scenario"] == scenario]
        self.assertTrue(rows, f"no {scenario} run\n{self.output[-3000:]}")
        return rows

    def test_the_run_succeeds_within_its_bound(self):
        self.assertEqual(self.result["failures"], [], self.output[-3000:])
        self.assertEqual(self.returncode, 0, self.output[-3000:])
        self.assertLess(self.elapsed, 120)

    def test_dhcp_exchanges_complete_with_and_without_a_full_store(self):
        if "dhcp" not in self.scenarios:
            self.skipTest("perfdhcp missing")
        for scenario in ("dhcp", "dhcp_full"):
            for row in self.rows(scenario):
                self.assertGreater(row["completed"], 0, row)
                self.assertLessEqual(row["loss"], 0.05, row)
                self.assertIsNotNone(row["ready_s"], row)
        # The floor responder (no store, no policy) completes exchanges too, on the empty run only.
        floor = [r for r in self.rows("dhcp") if r["server"] == "floor"]
        self.assertEqual(len(floor), 1, self.rows("dhcp"))
        self.assertEqual([r for r in self.rows("dhcp_full") if r["server"] == "floor"], [])
        # So does the durable floor, whose every ACK follows its lease record on disk.
        durable = [r for r in self.rows("dhcp") if r["server"] == "floor-durable"]
        self.assertEqual(len(durable), 1, self.rows("dhcp"))
        self.assertGreaterEqual(durable[0]["durable_bytes"], 16 * durable[0]["completed"], durable[0])

    def test_single_transfers_are_byte_exact_at_every_block_and_window_size(self):
        rows = self.rows("tftp_single")
        self.assertEqual({(r["blksize"], r["window"]) for r in rows}, {(1468, 1), (65464, 1), (1468, 16), (1468, 64)})
        for row in rows:
            self.assertTrue(row["ok"], row)
            self.assertGreater(row["mbps"], 0, row)
            if row["window"] == 1:  # lock-step: a ping-pong bound measured right before it
                self.assertGreater(row["pingpong_mbps"], 0, row)
                self.assertAlmostEqual(row["of_pingpong"], row["mbps"] / row["pingpong_mbps"], places=6)
        ceilings = self.rows("ceiling")
        self.assertEqual({(r["server"], r["size"]) for r in ceilings},
                         {("pingpong", 1472), ("pingpong", 65468), ("flood", 1472), ("flood", 65468), ("flood", 4)})
        for row in ceilings:
            if row["server"] == "flood":
                # Both sides' CPU costs feed the storm's CPU floor.
                self.assertGreater(row["receiver_cpu_us_per_datagram"], 0, row)
            if row["size"] > 4:
                self.assertGreater(row["mbps"], 0, row)
            if row["server"] == "flood" and row["size"] > 4:
                self.assertGreater(row["sender_cpu_s_per_gib"], 0, row)

    def test_every_storm_client_gets_the_whole_file(self):
        for row in self.rows("storm"):
            self.assertEqual(row["ok"], row["clients"], row)
            self.assertEqual(row["failed"], 0, row)
            self.assertGreater(row["rss_kib"], 0, row)

    def test_http_downloads_are_byte_exact(self):
        for row in self.rows("http"):
            self.assertTrue(row["exact"], row)
            self.assertGreater(row["mbps"], 0, row)

    def test_memory_is_sampled_with_every_transfer_open(self):
        for row in self.rows("memory_tftp"):
            self.assertEqual(row["holding"], 50, row)
            self.assertEqual(row["ok"], 50, row)
            self.assertGreater(row["loaded_kib"], 0, row)
        for row in self.rows("startup"):
            self.assertGreater(row["ready_ms"], 0, row)


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
