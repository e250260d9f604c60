#!/usr/bin/env python3
"""Relayed DHCP with many subnets (issue 18): perfdhcp acting as a relay agent, DORA rate of

- netbootd with one relayed subnet (10.0.0.0/16, one giaddr),
- netbootd with 1,000 relayed /24 subnets (10.0.0.0/24 .. 10.3.231.0/24, giaddr .1 of each,
  picked at random per exchange),
- Kea (kea-dhcp4, memfile, persist true) with the same 1,000 subnets, and with the one subnet,

alternately in each repetition, each run on a fresh server and lease file. Targets: netbootd's
rate with 1,000 subnets >= 0.9 x its single-subnet rate, and >= Kea's with the same subnets.
Replaces the "Relayed DHCP, 1,000 subnets" section of bench/RESULTS.md.

    bench/relay_bench.py --netbootd build/netbootd [--rate 12000] [--seconds 8] [--reps 3]
    bench/relay_bench.py --netbootd build/netbootd --smoke --json out.json   # correctness only

Topology (network namespaces created here, tests/support/netns.py; nothing else is reached):
a veth pair, the server at S.1, perfdhcp at S.2 (`perfdhcp -4 -l S.2 -J giaddrs S.1`: unicast
from port 67 with giaddr taken from the -J file, Kea 2.2's relay mode; the REQUEST reuses the
OFFER's giaddr). The server routes 10.0.0.0/8 to S.2; the client namespace rewrites the destination
of datagrams to 10.0.0.0/8:67 into S.2 (stateless, no conntrack), where perfdhcp's socket is bound (a real relay owns its giaddrs; one
perfdhcp socket cannot). The rule is in place in every run, single subnet included, so each
server's replies take the same path. The server is pinned to CPU 0, perfdhcp to CPU 1.

The figure is ACKs received per second (perfdhcp's REQUEST-ACK "received packets" / seconds)
at a fixed offered rate, and the server's CPU time (utime + stime, every thread, /proc) per
completed exchange. Root only; perfdhcp and kea-dhcp4 from scripts/deps.sh bench, nft from
scripts/deps.sh e2e.
"""
from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import re
import shutil
import socket
import statistics
import sys
import textwrap
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SOURCE / "tests" / "support"))
import dhcp_client as dc  # noqa: E402
import netns  # noqa: E402

SECTION = "## Relayed DHCP, 1,000 subnets (relay_bench.py)"
RELAYED = ipaddress.IPv4Network("10.0.0.0/8")
HZ = os.sysconf("SC_CLK_TCK")
KINDS = ("netbootd-1", "netbootd-many", "kea-many", "kea-1")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def subnet_networks(count: int) -> list:
    """count consecutive /24s from 10.0.0.0."""
    return [ipaddress.IPv4Network((int(RELAYED.network_address) + i * 256, 24)) for i in range(count)]


def layout(kind: str, subnets: int) -> list:
    """[(network, first, last, giaddr)] of the relayed subnets of a run."""
    if kind.endswith("-1"):
        net = ipaddress.IPv4Network("10.0.0.0/16")
        return [(net, net.network_address + 256, net.network_address + 256 + 59999, net.network_address + 1)]
    return [(n, n.network_address + 10, n.network_address + 250, n.network_address + 1)
            for n in subnet_networks(subnets)]


def netbootd_ini(pair: netns.NetnsPair, subnets: list, lease_file: Path) -> str:
    text = textwrap.dedent(f"""\
        [logger]
        type = stderr
        level = warning
        [bootp]
        allow_simple_dhcp = yes
        pool_start = {pair.host(100)}
        pool_count = 50
        lease_time = 86400
        lease_file = {lease_file}
        """)
    for i, (net, first, last, _) in enumerate(subnets):
        text += f"[subnet r{i:04d}]\nnetwork = {net}\npool = {first}-{last}\n"
    return text


def kea_json(pair: netns.NetnsPair, subnets: list, lease_file: Path, log_file: Path) -> str:
    conf = {"Dhcp4": {
        "interfaces-config": {"interfaces": [pair.server_if], "dhcp-socket-type": "udp"},
        "lease-database": {"type": "memfile", "persist": True, "name": str(lease_file), "lfc-interval": 0},
        "valid-lifetime": 86400,
        "subnet4": [{"id": i + 1, "subnet": str(net), "pools": [{"pool": f"{first} - {last}"}],
                     "option-data": [{"name": "routers", "data": str(gi)}]}
                    for i, (net, first, last, gi) in enumerate(subnets)],
        "loggers": [{"name": "kea-dhcp4", "severity": "WARN", "output_options": [{"output": str(log_file)}]}]}}
    return json.dumps(conf, indent=1)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def pinned(cpu: int) -> list:
    return ["taskset", "-c", str(cpu)] if (os.cpu_count() or 1) > 1 and shutil.which("taskset") else []


def relayed_probe(pair: netns.NetnsPair, relay_ip: str, giaddr: str, proc: netns.Process, timeout: float) -> float:
    """Ready = a relayed DISCOVER (from relay_ip:67, giaddr) is answered to giaddr:67 (rewritten
    back to relay_ip). Returns the seconds it took."""
    started = time.monotonic()
    sock = netns.udp_socket(pair.client_ns, bind=(relay_ip, 67))
    sock.settimeout(0.1)
    try:
        mac = "0e:00:00:00:00:01"
        while time.monotonic() - started < timeout:
            if not proc.alive():
                raise RuntimeError(f"server exited: {proc.log()[-1500:]}")
            packet = dc.make_discover(mac, dc.new_xid(), giaddr=giaddr, hops=1)
            sock.sendto(packet.to_bytes(), (pair.server_ip, 67))
            try:
                while True:
                    data = sock.recv(4096)
                    reply = dc.parse_reply(data)
                    if reply and reply.xid == packet.xid and reply.message_type == dc.OFFER:
                        return time.monotonic() - started
            except socket.timeout:
                continue
        raise RuntimeError(f"no relayed OFFER within {timeout} s: {proc.log()[-1500:]}")
    finally:
        sock.close()


def perfdhcp(pair: netns.NetnsPair, relay_ip: str, giaddr_file: Path, rate: int, seconds: int, clients: int,
             base: int) -> dict:
    mac = "0c:{:02x}:{:02x}:00:00:00".format(base >> 8 & 0xFF, base & 0xFF)
    cmd = pinned(1) + ["perfdhcp", "-4", "-l", relay_ip, "-J", str(giaddr_file), "-r", str(rate),
                       "-R", str(clients), "-b", f"mac={mac}", "-p", str(seconds), "-W", "500000", "-d", "1",
                       pair.server_ip]
    r = netns.run(cmd, ns=pair.client_ns, timeout=seconds + 60, check=False)
    out = r.stdout + r.stderr
    m = re.search(r"\*\*\*Statistics for: REQUEST-ACK\*\*\*.*?received packets:\s*(\d+)", out, re.S)
    s = re.search(r"\*\*\*Statistics for: DISCOVER-OFFER\*\*\*.*?sent packets:\s*(\d+)", out, re.S)
    if not m or not s:
        raise RuntimeError(f"perfdhcp output not understood (rc {r.returncode}): {out[-1500:]}")
    acks, sent = int(m.group(1)), int(s.group(1))
    return {"acks": acks, "sent": sent, "rate": acks / seconds, "loss": max(0.0, (sent - acks) / sent) if sent else 1.0}


def one_run(kind: str, args, base: int) -> dict:
    subnets = layout(kind, args.subnets)
    with netns.NetnsPair() as pair:
        relay_ip = pair.host(2)
        pair.set_client_address(f"{relay_ip}/{pair.prefix_len}")
        netns.run(["ip", "route", "add", str(RELAYED), "via", relay_ip], ns=pair.server_ns, timeout=10)
        # Stateless (no conntrack): every reply's flow (server:67 -> giaddr:67) would be NATed onto
        # the same tuple (server:67 -> relay:67), and conntrack remaps the clashing ones elsewhere.
        nat = (f"table ip nbd {{\n chain pre {{\n  type filter hook prerouting priority -300; policy accept;\n"
               f"  ip daddr {RELAYED} udp dport 67 notrack ip daddr set {relay_ip}\n }}\n}}\n")
        netns.run(["nft", "-f", "-"], ns=pair.client_ns, input=nat, timeout=10)
        giaddrs = pair.path("giaddrs.txt")
        giaddrs.write_text("".join(f"{gi}\n" for _, _, _, gi in subnets))
        lease_file = pair.path("leases")
        if kind.startswith("kea"):
            cfg = pair.path("kea.json")
            cfg.write_text(kea_json(pair, subnets, lease_file, pair.path("kea.log")))
            env = dict(os.environ, KEA_PIDFILE_DIR=str(pair.tmpdir), KEA_LOCKFILE_DIR=str(pair.tmpdir))
            proc = pair.spawn(pinned(0) + ["kea-dhcp4", "-c", str(cfg)], ns=pair.server_ns,
                              log=pair.path("server.log"), env=env)
        else:
            ini = pair.path("netbootd.ini")
            ini.write_text(netbootd_ini(pair, subnets, lease_file))
            proc = pair.spawn(pinned(0) + [args.netbootd, "-c", str(ini), "-p"], ns=pair.server_ns,
                              log=pair.path("server.log"))
        try:
            ready = relayed_probe(pair, relay_ip, str(subnets[-1][3]), proc, timeout=30)
            cpu0 = cpu_seconds(proc.pid)
            result = perfdhcp(pair, relay_ip, giaddrs, args.rate, args.seconds, args.clients, base)
            cpu = cpu_seconds(proc.pid) - cpu0
            result.update(kind=kind, subnets=len(subnets), ready_s=ready,
                          cpu_us=(cpu * 1e6 / result["acks"]) if result["acks"] else None)
            if not proc.alive():
                raise RuntimeError(f"{kind} exited during the run: {proc.log()[-1500:]}")
        finally:
            proc.kill(grace=2.0)
    return result


def report(runs: list, args, command: str) -> str:
    def med(kind: str, key: str = "rate"):
        values = [r[key] for r in runs if r["kind"] == kind and r.get(key) is not None]
        return statistics.median(values) if values else None

    ratio = lambda a, b: (a / b) if a and b else None  # noqa: E731
    fmt = lambda v, d=0: "—" if v is None else f"{v:,.{d}f}"  # noqa: E731
    one, many, kea_many, kea_one = (med(k) for k in KINDS)
    targets = [("netbootd, 1,000 subnets ≥ 0.9× netbootd, one subnet", ratio(many, one), 0.9),
               ("netbootd, 1,000 subnets ≥ Kea, 1,000 subnets", ratio(many, kea_many), 1.0)]
    labels = {"netbootd-1": "netbootd, one subnet", "netbootd-many": f"netbootd, {args.subnets:,} subnets",
              "kea-many": f"Kea, {args.subnets:,} subnets", "kea-1": "Kea, one subnet"}
    lines = [SECTION, "",
             f"Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC on this machine ({os.cpu_count()} CPUs shared with "
             f"other developers' builds: load average {os.getloadavg()[0]:.1f} at the end; figures compare within "
             f"the run only). `{command}`.",
             f"perfdhcp offers {args.rate:,} relayed DORA/s for {args.seconds} s from {args.clients:,} MACs, as a relay "
             f"(`-l <relay address> -J <giaddr list>`: every exchange from port 67 with a giaddr drawn at random from the "
             f"list, the REQUEST with its OFFER's); one subnet = 10.0.0.0/16 (60,000 addresses, one giaddr), "
             f"{args.subnets:,} subnets = 10.0.0.0/24 .. by /24 (241 addresses each, giaddr .1 of each). Both servers "
             f"run with one CPU (taskset CPU 0), perfdhcp on the other. netbootd: SQLite lease file, each lease "
             f"fsync'd (group commit) before its ACK, level warning; Kea 2.2: memfile, persist true (written, no "
             f"fsync), severity WARN. The figure is ACKs per second, median of {args.reps} alternating runs, each on a "
             f"fresh server and lease file; CPU is the server's (every thread) per completed exchange.", "",
             "| server | ACK/s (median) | CPU µs / exchange (median) | runs (ACK/s, loss) |", "| --- | --- | --- | --- |"]
    for kind in KINDS:
        rows = [r for r in runs if r["kind"] == kind]
        if not rows:
            continue
        detail = ", ".join(f"{r['rate']:,.0f} ({r['loss'] * 100:.1f}%)" for r in rows)
        lines.append(f"| {labels[kind]} | {fmt(med(kind))} | {fmt(med(kind, 'cpu_us'), 1)} | {detail} |")
    lines += ["", "| target | ratio | met |", "| --- | --- | --- |"]
    for label, value, goal in targets:
        met = "—" if value is None else ("yes" if value >= goal else "**no**")
        lines.append(f"| {label} | {fmt(value, 2)} | {met} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netbootd", default=str(SOURCE / "build" / "netbootd"))
    parser.add_argument("--subnets", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=12000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--clients", type=int, default=50000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of " + ",".join(KINDS))
    parser.add_argument("--smoke", action="store_true",
                        help="tiny and quick, netbootd only, nothing written but --json: correctness only")
    parser.add_argument("--json", help="write every run here")
    parser.add_argument("--results", default=str(SOURCE / "bench" / "RESULTS.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.subnets, args.rate, args.seconds, args.clients, args.reps = 20, 300, 2, 500, 1
        args.kinds, args.no_write = "netbootd-1,netbootd-many", True
    kinds = [k for k in args.kinds.split(",") if k]
    if any(k not in KINDS for k in kinds) or not 1 <= args.subnets <= 65536:
        parser.error("unknown --kinds entry or --subnets outside 1..65536")
    if any(k.endswith("-many") for k in kinds) and args.clients > 241 * args.subnets:
        parser.error(f"--clients {args.clients} exceeds the {241 * args.subnets} addresses of {args.subnets} subnets")
    if os.geteuid() != 0:
        print("relay_bench.py: run as root (network namespaces)", file=sys.stderr)
        return 2
    needed = ["perfdhcp", "nft"] + (["kea-dhcp4"] if any(k.startswith("kea") for k in kinds) else [])
    for tool in needed:
        if shutil.which(tool) is None:
            print(f"relay_bench.py: {tool} missing: scripts/deps.sh bench e2e", file=sys.stderr)
            return 2
    args.netbootd = str(Path(args.netbootd).resolve())
    command = "bench/relay_bench.py " + " ".join(sys.argv[1:])
    runs, failures = [], []
    base = (os.getpid() & 0xFF) << 4
    for rep in range(args.reps):
        for kind in kinds:
            base += 1
            try:
                r = one_run(kind, args, base)
            except (RuntimeError, TimeoutError) as err:
                failures.append(f"{kind} rep {rep}: {err}")
                log(f"{kind} rep {rep}: FAILED: {err}")
                continue
            runs.append(r)
            log(f"{kind} rep {rep}: {r['rate']:.0f} ACK/s (loss {r['loss'] * 100:.1f}%, "
                f"{r['cpu_us'] or 0:.1f} µs CPU / exchange, ready in {r['ready_s']:.2f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "failures": failures}, indent=1))
    text = report(runs, args, command)
    print(text)
    if failures:
        print("\n".join(["failures:"] + failures), file=sys.stderr)
    if not args.no_write and runs:
        path = Path(args.results)
        old = path.read_text() if path.exists() else ""
        if SECTION in old:
            head, _, tail = old.partition(SECTION)
            rest = tail.split("\n## ", 1)
            old = head + ("## " + rest[1] if len(rest) > 1 else "")
        path.write_text(old.rstrip("\n") + "\n\n" + text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
