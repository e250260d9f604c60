"""bench/RESULTS.md is shared: run_bench.py (`make bench`) owns its preamble and numbered
sections, status_bench.py, proxy_bench.py and pg_bench.py one section each. Each rewrites only
what it owns, so `make bench` keeps the other benches' figures (it used to rewrite the file
whole and drop them). No root, no network: run_bench.py --report-only on the stored runs
(bench/RESULTS.json) into a copy, and bench/results_file.py directly."""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE = Path(os.environ.get("NETBOOT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SOURCE / "bench"))
import results_file  # noqa: E402

STATUS = "## Status service cost (status_bench.py)"
PROXY = "## proxyDHCP (proxy_bench.py)"
PG = "## Leases in PostgreSQL (pg_bench.py)"

OLD = f"""# netbootd benchmarks (issue 8)

OLD-PREAMBLE

## 1. DHCP lease rate (perfdhcp, DORA, veth pair)

OLD-RUN-BENCH-FIGURES

{STATUS}

STATUS-FIGURES

{PROXY}

PROXY-FIGURES

## Kernel + initrd over HTTP against TFTP (boot_http_vs_tftp.py)

BOOT-FIGURES

## Raw runs

OLD-RAW

{PG}

PG-FIGURES
"""


class BenchResultsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="nbd-bench-results-"))
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", str(self.tmp)], check=False))
        self.results = self.tmp / "RESULTS.md"
        self.results.write_text(OLD)

    def headings(self):
        return [line for line in self.results.read_text().splitlines() if line.startswith("## ")]

    def test_make_bench_keeps_the_other_benches_sections(self):
        runs = SOURCE / "bench" / "RESULTS.json"
        r = subprocess.run([sys.executable, str(SOURCE / "bench" / "run_bench.py"), "--report-only", str(runs),
                            "--results", str(self.results)], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = self.results.read_text()
        for gone in ("OLD-PREAMBLE", "OLD-RUN-BENCH-FIGURES", "OLD-RAW"):
            self.assertNotIn(gone, text)  # run_bench's own parts are rewritten
        for kept in ("STATUS-FIGURES", "PROXY-FIGURES", "PG-FIGURES", "BOOT-FIGURES"):
            self.assertEqual(text.count(kept), 1, kept)
        headings = self.headings()
        for heading in (STATUS, PROXY, PG, "## 1. DHCP lease rate (perfdhcp, DORA, veth pair)", "## Raw runs"):
            self.assertEqual(headings.count(heading), 1, headings)
        self.assertTrue(text.startswith("# netbootd benchmarks"), text[:200])

    def test_a_bench_replaces_its_own_section_in_place(self):
        results_file.write_section(self.results, f"{STATUS}\n\nNEW-STATUS\n")
        text = self.results.read_text()
        self.assertNotIn("STATUS-FIGURES", text)
        self.assertIn("NEW-STATUS", text)
        for kept in ("OLD-PREAMBLE", "OLD-RUN-BENCH-FIGURES", "PROXY-FIGURES", "OLD-RAW", "PG-FIGURES"):
            self.assertIn(kept, text)
        self.assertEqual(self.headings().index(STATUS), 1)  # where it was
        results_file.write_section(self.results, f"{STATUS}\n\nNEW-STATUS\n")
        self.assertEqual(self.results.read_text(), text, "writing the same section twice changes nothing")
        results_file.write_section(self.results, "## Something new (new_bench.py)\n\nNEW\n")
        self.assertEqual(self.headings()[-1], "## Something new (new_bench.py)")
        missing = self.tmp / "none.md"
        results_file.write_section(missing, f"{PG}\n\nONLY\n")
        self.assertEqual(missing.read_text(), f"{PG}\n\nONLY\n")

    def test_each_bench_writes_a_section_named_after_itself(self):
        # The convention run_bench.py relies on to know which sections are not its own.
        for script, heading in (("status_bench.py", STATUS), ("proxy_bench.py", PROXY), ("pg_bench.py", PG)):
            source = (SOURCE / "bench" / script).read_text()
            self.assertIn(heading, source, script)
            self.assertIn("results_file.write_section", source, script)
            self.assertRegex(heading, results_file._OWNED_ELSEWHERE)


if __name__ == "__main__":
    unittest.main()
