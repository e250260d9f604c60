#!/usr/bin/env python3
"""The status service's cost, two figures:

1. DHCP rate with [status] off and on: perfdhcp (DORA, fresh MACs) at a fixed offered rate
   for a few seconds against a fresh netbootd each run, off and on alternately; during the
   "on" runs /metrics and /api/v1/machines (what the page polls) are fetched every second.
   Target: the median completed rate on >= 0.97 x off.
2. The page and the API with 10,000 leases: perfdhcp fills the lease store (and the machines
   table, bounded at 4096) with 10,000 clients, then each of /, /metrics, /api/v1/leases,
   /api/v1/machines and /api/v1/transfers is fetched 20 times (a new connection each).
   Target: every answer in under 200 ms.

Everything runs in network namespaces created here (a veth pair), as root, with perfdhcp
(Debian kea-admin, scripts/deps.sh bench). Prints a Markdown section for bench/RESULTS.md
and writes the runs as JSON (--json).

    python3 bench/status_bench.py --netbootd build-bench/netbootd --json /tmp/status.json
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import textwrap
import threading
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SOURCE / "tests" / "support"))
sys.path.insert(0, str(SOURCE / "bench"))
import netns  # noqa: E402
import status_client as st  # noqa: E402
from daemon import Netbootd  # noqa: E402
import results_file  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")
STATUS_PORT = 9167


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def config(status: bool) -> str:
    return textwrap.dedent(f"""\
        [logger]
        level = warning
        [bootp]
        interface = {{server_if}}
        allow_simple_dhcp = yes
        pool_start = {{pool_start}}
        pool_count = 60000
        lease_time = 86400
        lease_file = {{lease_file}}
        boot_file = pxelinux.0
        [tftp]
        root = {{tftp_root}}
        [status]
        enable = {"yes" if status else "no"}
        port = {STATUS_PORT}
        """)


def start(pair, status: bool) -> Netbootd:
    """At level warning there is no "ready" line: ready once port 67 (and the status port) listen."""
    daemon = Netbootd(config(status), pair=pair)
    (daemon.tftp_root / "pxelinux.0").write_bytes(b"x")
    daemon.start(wait_ready=False)

    def listening() -> bool:
        out = netns.run(["ss", "-ulnt"], ns=pair.server_ns, timeout=10).stdout
        return ":67 " in out and (not status or f":{STATUS_PORT} " in out)
    netns.wait_for(listening, timeout=10, interval=0.1)
    return daemon


def perfdhcp(pair, rate: int, seconds: float, clients: int, base: int, exchanges: int = 0) -> dict:
    mac = "0c:{:02x}:{:02x}:00:00:00".format(base >> 8 & 0xFF, base & 0xFF)
    cmd = ["perfdhcp", "-4", "-l", pair.client_if, "-B", "-r", str(rate), "-R", str(clients), "-b", f"mac={mac}",
           "-W", "500000", "-d", "1"]
    cmd += ["-n", str(exchanges)] if exchanges else ["-p", str(int(seconds))]
    r = netns.run(cmd, ns=pair.client_ns, timeout=seconds + 60, check=False)
    out = r.stdout + r.stderr
    sections = dict(re.findall(r"\*\*\*Statistics for: (\S+)\*\*\*(.*?)(?=\*\*\*|\Z)", out, re.S))
    if "REQUEST-ACK" not in sections:
        raise RuntimeError(f"perfdhcp output not understood: {out[-1500:]}")
    sent = int(re.search(r"sent packets:\s*(\d+)", sections["DISCOVER-OFFER"]).group(1))
    acks = int(re.search(r"received packets:\s*(\d+)", sections["REQUEST-ACK"]).group(1))
    return {"sent": sent, "completed": acks}


PAGE_SHOWN = 200  # what the page asks for: the newest 200 machines (status_page.cpp)


class Poller:
    """What an open page and a scraper do: /api/v1/machines (as the page asks for it) and
    /metrics once a second."""

    def __init__(self, pair):
        self.pair = pair
        self.stop = threading.Event()
        self.fetches = 0
        self.offset = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.wait(1.0):
            for path in (f"/api/v1/machines?limit={PAGE_SHOWN}&offset={self.offset}", "/metrics"):
                status, _, body = st.http_get(self.pair.server_ns, STATUS_PORT, path, timeout=5)
                if status == 200:
                    self.fetches += 1
                    if path.startswith("/api/"):
                        self.offset = max(0, json.loads(body)["count"] - PAGE_SHOWN)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)


def rate_runs(pair, args) -> list:
    pair.set_client_address(f"{pair.host(2)}/{pair.prefix_len}")
    runs = []
    base = 1
    for rep in range(args.reps):
        for status in (False, True):
            daemon = start(pair, status)
            try:
                cpu0 = cpu_seconds(daemon.pid)
                if status:
                    with Poller(pair) as poller:
                        result = perfdhcp(pair, args.rate, args.seconds, 50000, base)
                    result["fetches"] = poller.fetches
                else:
                    result = perfdhcp(pair, args.rate, args.seconds, 50000, base)
                result["cpu_us"] = (cpu_seconds(daemon.pid) - cpu0) * 1e6 / max(result["completed"], 1)
            finally:
                daemon.stop(expect_code=None)
            base += 1
            result.update(status=status, rep=rep, rate=result["completed"] / args.seconds)
            print(json.dumps(result), file=sys.stderr)
            runs.append(result)
    return runs


def answer_times(pair, args) -> dict:
    daemon = start(pair, True)
    try:
        base = 200
        while st.get_json(pair.server_ns, STATUS_PORT, "/api/v1/leases")["count"] < args.leases:
            perfdhcp(pair, 4000, 0, args.leases, base, exchanges=args.leases)
            base += 1
        leases = st.get_json(pair.server_ns, STATUS_PORT, "/api/v1/leases")["count"]
        machines = st.get_json(pair.server_ns, STATUS_PORT, "/api/v1/machines")["count"]
        times = {}
        page_query = f"?limit={PAGE_SHOWN}&offset={max(0, machines - PAGE_SHOWN)}"
        # The defaults, the page's question and the largest limits (the first fetch of each
        # builds the document; later ones may reuse it, so the max is the cold figure).
        for path in ("/", "/metrics", "/api/v1/leases", "/api/v1/leases?limit=10000", "/api/v1/machines",
                     "/api/v1/machines" + page_query, "/api/v1/machines?limit=4096", "/api/v1/transfers"):
            samples = []
            size = 0
            for _ in range(20):
                started = time.monotonic()
                status, _, body = st.http_get(pair.server_ns, STATUS_PORT, path, timeout=10)
                samples.append((time.monotonic() - started) * 1000)
                assert status == 200, (path, status)
                size = len(body)
            times[path] = {"median_ms": statistics.median(samples), "max_ms": max(samples), "bytes": size}
        return {"leases": leases, "machines": machines, "times": times}
    finally:
        daemon.stop(expect_code=None)


def report(runs: list, answers: dict, args) -> str:
    off = statistics.median(r["rate"] for r in runs if not r["status"])
    on = statistics.median(r["rate"] for r in runs if r["status"])
    cpu_off = statistics.median(r["cpu_us"] for r in runs if not r["status"])
    cpu_on = statistics.median(r["cpu_us"] for r in runs if r["status"])
    ratio = on / off if off else 0

    def rates(status: bool) -> str:
        return ", ".join(format(r["rate"], ",.0f") for r in runs if r["status"] == status)
    lines = [
        "## Status service cost (status_bench.py)",
        "",
        f"`python3 bench/status_bench.py --netbootd {args.netbootd}` ({time.strftime('%Y-%m-%d', time.gmtime())}): perfdhcp DORA "
        f"at {args.rate}/s offered for {args.seconds} s, fresh daemon and lease file per run, [status] off and on "
        f"alternately, {args.reps} runs each; during the \"on\" runs /api/v1/machines and /metrics are fetched every "
        "second (an open page and a scraper). Then 10,000 clients fill the lease store and each path is fetched 20 "
        "times, a new connection each.",
        "",
        "| [status] | completed (/s, median) | CPU µs / exchange | runs (completed/s) |",
        "|---|---|---|---|",
        f"| off | {off:,.0f} | {cpu_off:.1f} | {rates(False)} |",
        f"| on, polled | {on:,.0f} | {cpu_on:.1f} | {rates(True)} |",
        "",
        f"- DHCP rate on / off: {ratio:.3f} (target >= 0.97): **{'met' if ratio >= 0.97 else 'missed'}**",
        "",
        f"With {answers['leases']:,} leases ({answers['machines']:,} machines in the table, its bound is 4096; "
        "the list endpoints answer 1,000 leases / 500 machines unless `?limit=` asks for up to 10,000 / 4,096; "
        "the page asks for the newest 200 machines):",
        "",
        "| path | median (ms) | max (ms) | bytes |",
        "|---|---|---|---|",
    ]
    worst = 0.0
    for path, t in answers["times"].items():
        worst = max(worst, t["max_ms"])
        lines.append(f"| `{path}` | {t['median_ms']:.1f} | {t['max_ms']:.1f} | {t['bytes']:,} |")
    lines += ["", f"- Slowest answer {worst:.1f} ms (target < 200 ms): **{'met' if worst < 200 else 'missed'}**", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netbootd", default=str(SOURCE / "build" / "netbootd"))
    ap.add_argument("--rate", type=int, default=8000)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--leases", type=int, default=10000)
    ap.add_argument("--json")
    ap.add_argument("--results", default=str(SOURCE / "bench" / "RESULTS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    os.environ["NETBOOTD"] = str(Path(args.netbootd).resolve())
    netns.require_netns()
    with netns.NetnsPair(subnet="10.219.0.0/16") as pair:
        runs = rate_runs(pair, args)
        answers = answer_times(pair, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "answers": answers}, indent=1))
    text = report(runs, answers, args)
    print(text)
    if not args.no_write:
        results_file.write_section(Path(args.results), text)  # only this bench's section
    return 0


if __name__ == "__main__":
    sys.exit(main())
