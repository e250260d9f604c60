"""Smoke run of bench/relay_bench.py (issue 18): netbootd with one relayed subnet and with 20,
perfdhcp acting as a relay with one giaddr per subnet, a few hundred exchanges each, so that the
benchmark does not rot between its runs. Checks correctness only: every run completes its
exchanges through the relay path (giaddr list, replies rewritten back to perfdhcp). About 15 s.

Needs root (namespaces), perfdhcp (kea-admin: scripts/deps.sh test) and nft (scripts/deps.sh e2e); skips
(77) without them."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import daemon
import netns

SOURCE = Path(os.environ.get("NETBOOT_SOURCE_DIR", Path(__file__).resolve().parents[2]))


class RelayBenchSmokeTest(unittest.TestCase):
    def test_relayed_exchanges_complete_with_one_and_with_many_subnets(self):
        tmp = tempfile.mkdtemp(prefix=f"nbd-{os.getpid()}-relaybench-")
        try:
            out = Path(tmp) / "runs.json"
            proc = subprocess.run([sys.executable, str(SOURCE / "bench" / "relay_bench.py"), "--smoke",
                                   "--netbootd", daemon.netbootd_path(), "--json", str(out)],
                                  capture_output=True, text=True, timeout=120)
            output = (proc.stdout + proc.stderr)[-3000:]
            self.assertEqual(proc.returncode, 0, output)
            result = json.loads(out.read_text())
            self.assertEqual(result["failures"], [], output)
            kinds = {r["kind"]: r for r in result["runs"]}
            self.assertEqual(set(kinds), {"netbootd-1", "netbootd-many"}, output)
            self.assertEqual(kinds["netbootd-many"]["subnets"], 20)
            for row in kinds.values():
                self.assertGreater(row["acks"], 0, row)
                self.assertLessEqual(row["loss"], 0.05, row)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    netns.require_netns()
    netns.require_commands("perfdhcp", "nft", "taskset")
    netns.main()
