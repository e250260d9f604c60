#!/usr/bin/env python3
"""Leases in PostgreSQL: DORA rates of netbootd on PostgreSQL, Kea with its PostgreSQL lease
backend (same PostgreSQL server, same run), netbootd on SQLite, and two netbootd sharing one
database. Appends (or replaces) the "Leases in PostgreSQL" section of bench/RESULTS.md.

    bench/pg_bench.py --netbootd build/netbootd [--seconds 10] [--rate 4000] [--reps 3]

Everything runs in network namespaces this script creates (tests/support: netns.py,
shared_link.py) against a throw-away PostgreSQL (tests/support/postgres.py: unix socket
only, fsync and synchronous_commit on, PostgreSQL's defaults). perfdhcp offers `--rate`
DORAs per second for `--seconds` from `--clients` distinct MACs; the figure is ACKs received
per second (perfdhcp's REQUEST-ACK "received packets" / seconds): what the server sustained,
whatever it dropped. Each run gets a fresh database or lease file. Servers log at warning
level only. Root only; needs perfdhcp and kea-dhcp4 (scripts/deps.sh bench) and PostgreSQL
(scripts/deps.sh test).

CPU accounting, per run, over the window perfdhcp runs in (measured, not inferred): CPU seconds
of each DHCP server process (/proc/PID/stat, all threads), of PostgreSQL (the postmaster, its
live children and the children that exited meanwhile: cutime/cstime), of perfdhcp (the bench's
reaped children), the machine's idle share (/proc/stat: idle + iowait over all CPUs) and what
the rest of the machine used (busy minus those: other developers' work, kernel threads); CPU
microseconds per ACK for the server(s) and for PostgreSQL. Where requests are lost: OFFERs
perfdhcp did not get (the server never saw or answered the DISCOVER), ACKs it did not get,
the REQUEST-ACK delay (commit latency shows there), and UDP receive buffer overflows in the
server namespaces (the daemon's loop did not read fast enough) and in the client namespace
(perfdhcp's own socket: replies it did not read in time count as lost too).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SOURCE / "tests" / "support"))
sys.path.insert(0, str(SOURCE / "bench"))
import results_file  # noqa: E402
import dhcp_client as dc  # noqa: E402
import netns  # noqa: E402
from postgres import Postgres  # noqa: E402
from shared_link import SharedLink  # noqa: E402

SECTION = "## Leases in PostgreSQL (pg_bench.py)"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, reaped_children: bool = False) -> float:
    """CPU seconds (user + system, all threads) of a live process; with reaped_children, plus
    those of its children it has waited for. 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17.
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def children_of(parent: int) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    return found


def postgres_cpu(postmaster: int) -> float:
    """Every PostgreSQL process: the postmaster with its exited children, and its live ones."""
    return process_cpu(postmaster, reaped_children=True) + sum(process_cpu(c) for c in children_of(postmaster))


def machine_times() -> tuple:
    """(busy, idle) seconds summed over all CPUs since boot (/proc/stat; idle includes iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, idle / CLOCK_TICKS


def udp_receive_overflows(ns: str) -> int:
    """The namespace's UDP RcvbufErrors: datagrams the kernel dropped because a socket's
    receive buffer was full (its reader did not keep up)."""
    text = netns.run(["cat", "/proc/net/snmp"], ns=ns, timeout=10).stdout
    rows = [line.split()[1:] for line in text.splitlines() if line.startswith("Udp:")]
    return int(dict(zip(rows[0], rows[1]))["RcvbufErrors"]) if len(rows) >= 2 else 0


class CpuWindow:
    """CPU used by the servers, PostgreSQL, perfdhcp and the whole machine between start() and
    stop(). perfdhcp's share is the bench's own reaped children (perfdhcp is the only child
    waited for inside the window)."""

    def __init__(self, servers: list, postmaster: int, server_namespaces: list, client_namespace: str):
        self.servers, self.postmaster, self.namespaces = servers, postmaster, server_namespaces
        self.client_namespace = client_namespace

    def start(self) -> None:
        self.overflows = [udp_receive_overflows(ns) for ns in self.namespaces]
        self.client_overflows = udp_receive_overflows(self.client_namespace)
        self.server_cpu = [process_cpu(p.pid) for p in self.servers]
        self.pg_cpu = postgres_cpu(self.postmaster)
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.machine = machine_times()
        self.wall = time.monotonic()

    def stop(self) -> dict:
        wall = time.monotonic() - self.wall
        busy, idle = machine_times()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        servers = [process_cpu(p.pid) - before for p, before in zip(self.servers, self.server_cpu)]
        pg = postgres_cpu(self.postmaster) - self.pg_cpu
        tool = (children.ru_utime + children.ru_stime) - (self.children.ru_utime + self.children.ru_stime)
        busy, idle = busy - self.machine[0], idle - self.machine[1]
        overflows = sum(udp_receive_overflows(ns) for ns in self.namespaces) - sum(self.overflows)
        client_overflows = udp_receive_overflows(self.client_namespace) - self.client_overflows
        return {"window_s": wall, "server_cpu_s": servers, "pg_cpu_s": pg, "perfdhcp_cpu_s": tool,
                "idle_share": idle / (busy + idle) if busy + idle > 0 else 0.0,
                "idle_cpu_s": idle, "other_cpu_s": max(0.0, busy - sum(servers) - pg - tool),
                "udp_overflows": overflows, "client_udp_overflows": client_overflows}


def perfdhcp(ns: str, ifname: str, rate: int, seconds: int, clients: int, base: int,
             window: CpuWindow) -> dict:
    mac = "0c:{:02x}:{:02x}:00:00:00".format(base >> 8 & 0xFF, base & 0xFF)
    cmd = ["perfdhcp", "-4", "-l", ifname, "-B", "-r", str(rate), "-R", str(clients), "-b", f"mac={mac}",
           "-p", str(seconds), "-W", "500000", "-d", "1"]
    window.start()
    r = netns.run(cmd, ns=ns, timeout=seconds + 60, check=False)
    cpu = window.stop()
    out = r.stdout + r.stderr
    if os.environ.get("PG_BENCH_VERBOSE"):
        log(out)

    def stat(exchange: str, name: str):
        m = re.search(rf"\*\*\*Statistics for: {exchange}\*\*\*.*?{name}:\s*([0-9.]+)", out, re.S)
        return float(m.group(1)) if m else None

    acks, sent = stat("REQUEST-ACK", "received packets"), stat("DISCOVER-OFFER", "sent packets")
    if acks is None or sent is None:
        raise RuntimeError(f"perfdhcp output not understood (rc {r.returncode}): {out[-1500:]}")
    acks, sent = int(acks), int(sent)
    offers, requests = int(stat("DISCOVER-OFFER", "received packets") or 0), int(stat("REQUEST-ACK", "sent packets") or 0)
    per_ack = lambda cpu_s: cpu_s / acks * 1e6 if acks else None  # noqa: E731
    return {"acks": acks, "sent": sent, "rate": acks / seconds, "loss": (sent - acks) / sent if sent else 1.0,
            "offer_loss": (sent - offers) / sent if sent else 1.0,
            "ack_loss": (requests - acks) / requests if requests else None,
            "ack_delay_avg_ms": stat("REQUEST-ACK", "avg delay"), "ack_delay_max_ms": stat("REQUEST-ACK", "max delay"),
            **cpu, "server_us_per_ack": per_ack(sum(cpu["server_cpu_s"])), "pg_us_per_ack": per_ack(cpu["pg_cpu_s"])}


def wait_offer(ns: str, ifname: str, proc: netns.Process, timeout: float = 15.0) -> None:
    """A server is ready once it answers a DISCOVER (sent every 100 ms, bounded)."""
    with dc.DhcpClient(ns, ifname, mac="0e:00:00:00:00:01") as c:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"server exited: {proc.log()[-1500:]}")
            if c.discover(timeout=0.1) is not None:
                return
        raise RuntimeError(f"no OFFER within {timeout} s: {proc.log()[-1500:]}")


def wait_both(link: SharedLink, procs: list, timeout: float = 15.0) -> None:
    seen = set()
    with dc.DhcpClient(link.client_ns, link.client_if, mac="0e:00:00:00:00:02") as c:
        deadline = time.monotonic() + timeout
        while seen != set(link.server_ip) and time.monotonic() < deadline:
            for p in procs:
                if not p.alive():
                    raise RuntimeError(f"server exited: {p.log()[-1500:]}")
            c.drain()
            c.send(dc.make_discover(c.mac, dc.new_xid()))
            for reply in c.receive_all(0.2):
                if reply.message_type == dc.OFFER:
                    seen.add(reply.server_id)
    if seen != set(link.server_ip):
        raise RuntimeError(f"only {seen} answered within {timeout} s")


def netbootd_ini(lease_file: str, interface: str, pool_start: str, pool: int) -> str:
    return textwrap.dedent(f"""\
        [logger]
        type = stderr
        level = warning
        [bootp]
        interface = {interface}
        allow_simple_dhcp = yes
        pool_start = {pool_start}
        pool_count = {pool}
        lease_time = 86400
        lease_file = {lease_file}
        """) + ("[status]\nenable = yes\n" if os.environ.get("PG_BENCH_VERBOSE") else "")


def kea_conf(path: Path, interface: str, subnet: str, first: str, last: str, pg: Postgres, db: str) -> Path:
    conf = {"Dhcp4": {
        "interfaces-config": {"interfaces": [interface], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "postgresql", "name": db, "host": pg.socket_dir, "user": "postgres"},
        "valid-lifetime": 86400,
        "subnet4": [{"id": 1, "subnet": subnet, "pools": [{"pool": f"{first} - {last}"}]}],
        "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                     "output_options": [{"output": str(path.parent / 'kea.log')}]}]}}
    path.write_text(json.dumps(conf, indent=1))
    return path


def run_single(kind: str, pg: Postgres, args, rep: int, base: int) -> dict:
    db = f"b{os.getpid()}_{rep}_{kind.replace('-', '_')}"
    with netns.NetnsPair(subnet="198.18.0.0/16") as pair:
        pair.set_client_address(f"{pair.host(2)}/{pair.prefix_len}")
        first, last = pair.host(256), pair.host(256 + args.pool - 1)
        if kind == "kea-pg":
            pg.create_database(db)
            netns.run(["kea-admin", "db-init", "pgsql", "-u", "postgres", "-p", "unused", "-n", db,
                       "-h", pg.socket_dir], timeout=120)
            cfg = kea_conf(pair.path("kea.json"), pair.server_if, str(pair.network), first, last, pg, db)
            env = dict(os.environ, KEA_PIDFILE_DIR=str(pair.tmpdir), KEA_LOCKFILE_DIR=str(pair.tmpdir))
            proc = pair.spawn(["kea-dhcp4", "-c", str(cfg)], ns=pair.server_ns, log=pair.path("kea.out"), env=env)
        else:
            lease = pg.create_database(db) if kind == "netbootd-pg" else str(pair.path("leases.db"))
            ini = pair.path("netbootd.ini")
            ini.write_text(netbootd_ini(lease, pair.server_if, first, args.pool))
            proc = pair.spawn([args.netbootd, "-c", str(ini), "-p"], ns=pair.server_ns,
                              log=pair.path("netbootd.log"))
        try:
            wait_offer(pair.client_ns, pair.client_if, proc)
            window = CpuWindow([proc], pg.process.pid, [pair.server_ns], pair.client_ns)
            result = perfdhcp(pair.client_ns, pair.client_if, args.rate, args.seconds, args.clients, base, window)
        finally:
            if os.environ.get("PG_BENCH_VERBOSE") and kind != "kea-pg":
                metrics = netns.run(["curl", "-s", "http://127.0.0.1:9167/metrics"], ns=pair.server_ns, timeout=10,
                                    check=False).stdout
                log("\n".join(line for line in metrics.splitlines() if "dhcp" in line and not line.startswith("#")))
            proc.kill(grace=2.0)
            if os.environ.get("PG_BENCH_VERBOSE"):
                log(proc.log()[-3000:])
    return result


def run_pair(pg: Postgres, args, rep: int, base: int) -> dict:
    db = f"b{os.getpid()}_{rep}_two"
    uri = pg.create_database(db)
    with SharedLink(servers=2) as link:
        procs = []
        for i in range(2):
            ini = link.tmpdir / f"netbootd{i}.ini"
            ini.write_text(netbootd_ini(uri, link.server_if[i], link.host(256), args.pool))
            procs.append(link.spawn([args.netbootd, "-c", str(ini), "-p"], ns=link.server_ns[i],
                                    log=link.tmpdir / f"netbootd{i}.log"))
        try:
            # Ready once each has answered a DISCOVER (its OFFER names it as server).
            wait_both(link, procs)
            window = CpuWindow(procs, pg.process.pid, link.server_ns, link.client_ns)
            result = perfdhcp(link.client_ns, link.client_if, args.rate, args.seconds, args.clients, base, window)
            unique = pg.sql(db, "SELECT count(*) = count(DISTINCT address) FROM netbootd_leases "
                                "WHERE address <> '0.0.0.0'").strip()
            result["unique"] = unique == "t"
        finally:
            for p in procs:
                p.kill(grace=2.0)
    return result


KINDS = ("netbootd-pg", "kea-pg", "netbootd-sqlite", "two-netbootd-pg")
LABELS = {"netbootd-pg": "netbootd, PostgreSQL", "kea-pg": "Kea, PostgreSQL", "netbootd-sqlite": "netbootd, SQLite",
          "two-netbootd-pg": "two netbootd, one database"}


def median_run(runs: list, kind: str):
    rows = sorted((r for r in runs if r["kind"] == kind), key=lambda r: r["rate"])
    return rows[(len(rows) - 1) // 2] if rows else None


def cpu_report(runs: list, pg_rate, two, seconds: int, rate: int) -> list:
    """The CPU table (every run) and, when two servers stay under 1.5x one, why in CPU terms."""
    f = lambda v, d=1: "—" if v is None else f"{v:.{d}f}"  # noqa: E731
    lines = ["", "CPU over each run's perfdhcp window (seconds of CPU; 2 CPUs = 2 s per second of window; "
             "\"other\" is the rest of the machine: other developers' builds and tests, kernel threads). "
             "Loss split: OFFERs perfdhcp never got, ACKs missing for the REQUESTs it sent; "
             "UDP overflows are datagrams the kernel dropped on a full socket buffer: the servers' (they did not "
             "read fast enough) / perfdhcp's (its UDP socket: replies it did not read in time).", "",
             "| run | ACK/s | window s | server CPU s | PostgreSQL CPU s | perfdhcp CPU s | other CPU s | idle | "
             "server µs/ACK | PostgreSQL µs/ACK | OFFER loss | ACK loss | ACK delay avg/max ms | UDP overflows server/perfdhcp |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for kind in KINDS:
        for i, r in enumerate(r for r in runs if r["kind"] == kind):
            servers = " + ".join(f(c, 2) for c in r["server_cpu_s"])
            pg = f(r["pg_cpu_s"], 2) if kind != "netbootd-sqlite" else f"({f(r['pg_cpu_s'], 2)})"
            pg_per = f(r["pg_us_per_ack"], 0) if kind != "netbootd-sqlite" else "—"
            ack_loss = "—" if r["ack_loss"] is None else f"{r['ack_loss'] * 100:.1f}%"
            lines.append(f"| {LABELS[kind]} #{i + 1} | {r['rate']:.0f} | {f(r['window_s'])} | {servers} | {pg} | "
                         f"{f(r['perfdhcp_cpu_s'], 2)} | {f(r['other_cpu_s'], 2)} | {r['idle_share'] * 100:.0f}% | "
                         f"{f(r['server_us_per_ack'], 0)} | {pg_per} | {r['offer_loss'] * 100:.1f}% | {ack_loss} | "
                         f"{f(r['ack_delay_avg_ms'], 1)}/{f(r['ack_delay_max_ms'], 0)} | "
                         f"{r['udp_overflows']}/{r['client_udp_overflows']} |")
    one = median_run(runs, "netbootd-pg")
    if two and pg_rate and two < 1.5 * pg_rate and one:
        cores = os.cpu_count() or 1
        idle_cores = one["idle_cpu_s"] / one["window_s"]
        all_in = (sum(one["server_cpu_s"]) + one["pg_cpu_s"] + one["perfdhcp_cpu_s"]) / one["acks"] * 1e6
        server_pg = (sum(one["server_cpu_s"]) + one["pg_cpu_s"]) / one["acks"] * 1e6
        pair = median_run(runs, "two-netbootd-pg")
        sent_rate = one["sent"] / seconds
        lines += ["", f"What perfdhcp offered bounds the ratio too: in the median one-server run it sent "
                  f"{sent_rate:.0f} DISCOVERs/s (of {rate} asked) and one server ACKed {one['rate'] / sent_rate * 100:.0f}% "
                  f"of them, so at this offered rate two servers could show at most {sent_rate / one['rate']:.2f}x."]
        ours = (sum(one["server_cpu_s"]) + one["pg_cpu_s"] + one["perfdhcp_cpu_s"]) / one["window_s"]
        lines += ["", f"Why two servers stay under 1.5x one here, in CPU: during the median one-server run "
                  f"({one['rate']:.0f} ACK/s) the machine was {one['idle_share'] * 100:.0f}% idle, "
                  f"{idle_cores:.2f} of its {cores} CPUs on average, so a second server had at most that to add "
                  f"(beyond what the scheduler took from the other work, which used "
                  f"{one['other_cpu_s'] / one['window_s']:.2f} CPUs meanwhile). One ACK cost {server_pg:.0f} µs of "
                  f"CPU in netbootd and PostgreSQL together, {all_in:.0f} µs with perfdhcp's share: netbootd, "
                  f"PostgreSQL and perfdhcp used {ours:.2f} CPUs, and the idle CPU would carry about "
                  f"{idle_cores / all_in * 1e6:.0f} more ACK/s at that cost."]
        if pair:
            pair_all_in = (sum(pair["server_cpu_s"]) + pair["pg_cpu_s"] + pair["perfdhcp_cpu_s"]) / pair["acks"] * 1e6
            needed = 1.5 * pg_rate * pair_all_in / 1e6
            lines += [f"With two servers one ACK cost {pair_all_in:.0f} µs all in (both servers answer every "
                      f"DISCOVER and see every REQUEST, and each reads the other's rows): 1.5x ({1.5 * pg_rate:.0f} "
                      f"ACK/s) would need {needed:.2f} CPUs for them, against {ours + idle_cores:.2f} that the "
                      f"one-server run used or left idle. In the median two-server run ({pair['rate']:.0f} ACK/s) the "
                      f"machine was {pair['idle_share'] * 100:.0f}% idle; the servers used "
                      f"{sum(pair['server_cpu_s']) / pair['window_s']:.2f} CPUs, PostgreSQL "
                      f"{pair['pg_cpu_s'] / pair['window_s']:.2f}, perfdhcp {pair['perfdhcp_cpu_s'] / pair['window_s']:.2f}, "
                      f"other work {pair['other_cpu_s'] / pair['window_s']:.2f}."]
    return lines


def report(runs: list, args, command: str) -> str:
    def med(kind: str):
        values = [r["rate"] for r in runs if r["kind"] == kind]
        return statistics.median(values) if values else None

    pg_rate, kea, sqlite, two = med("netbootd-pg"), med("kea-pg"), med("netbootd-sqlite"), med("two-netbootd-pg")
    ratio = lambda a, b: (a / b) if a and b else None  # noqa: E731
    fmt = lambda v, d=0: "—" if v is None else f"{v:.{d}f}"  # noqa: E731
    targets = [
        ("netbootd on PostgreSQL ≥ 2× Kea on PostgreSQL", ratio(pg_rate, kea), 2.0),
        ("netbootd on PostgreSQL ≥ 0.5× netbootd on SQLite", ratio(pg_rate, sqlite), 0.5),
        ("two netbootd on one database ≥ 1.5× one", ratio(two, pg_rate), 1.5),
    ]
    lines = [SECTION, "",
             f"Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC on this machine ({os.cpu_count()} CPUs, "
             f"shared with other work: figures are comparable within the run only). `{command}`.",
             f"perfdhcp offers {args.rate} DORA/s for {args.seconds} s from {args.clients} MACs (`-B`, relay "
             f"mode); the figure is ACKs per second, median of {args.reps} alternating runs, each on a fresh "
             "database or lease file. One PostgreSQL 15 server (unix socket, fsync and synchronous_commit on) "
             "serves every PostgreSQL run; Kea 2.2 uses its `postgresql` lease backend on it "
             "(`kea-admin db-init pgsql`). No CPU pinning: the servers, PostgreSQL and perfdhcp share the "
             "2 cores. Load average (1 min) "
             f"{args.load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.", "",
             "| server | ACK/s (median) | runs (ACK/s, loss) |", "| --- | --- | --- |"]
    for kind, label in LABELS.items():
        rows = [r for r in runs if r["kind"] == kind]
        detail = ", ".join(f"{r['rate']:.0f} ({r['loss'] * 100:.1f}%)" for r in rows)
        lines.append(f"| {label} | {fmt(med(kind))} | {detail} |")
    lines += ["", "| target | ratio | met |", "| --- | --- | --- |"]
    for label, value, goal in targets:
        met = "—" if value is None else ("yes" if value >= goal else "**no**")
        lines.append(f"| {label} | {fmt(value, 2)} | {met} |")
    lines += cpu_report(runs, pg_rate, two, args.seconds, args.rate)
    unique = [r.get("unique") for r in runs if r["kind"] == "two-netbootd-pg"]
    if unique:
        lines += ["", f"Two servers: every address unique in the database after each run: {all(unique)}."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netbootd", default=str(SOURCE / "build" / "netbootd"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=50000)
    parser.add_argument("--pool", type=int, default=60000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--results", default=str(SOURCE / "bench" / "RESULTS.md"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="comma-separated runs to make (diagnosis; the results file wants all four)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("pg_bench.py: run as root (network namespaces)", file=sys.stderr)
        return 2
    for tool in ("perfdhcp", "kea-dhcp4", "kea-admin"):
        if shutil.which(tool) is None:
            print(f"pg_bench.py: {tool} missing: scripts/deps.sh bench", file=sys.stderr)
            return 2
    args.netbootd = str(Path(args.netbootd).resolve())
    command = "bench/pg_bench.py " + " ".join(sys.argv[1:])
    runs = []
    base = 0
    args.load_start = os.getloadavg()[0]
    with Postgres(settings={"max_connections": "100"}) as pg:
        for rep in range(args.reps):
            for kind in [k for k in KINDS if k in args.kinds.split(",")]:
                base += 1
                r = run_pair(pg, args, rep, base) if kind == "two-netbootd-pg" else run_single(kind, pg, args, rep, base)
                r["kind"] = kind
                runs.append(r)
                log(f"{kind} rep {rep}: {r['rate']:.0f} ACK/s (loss {r['loss'] * 100:.1f}%), "
                    f"server CPU {'+'.join(f'{c:.2f}' for c in r['server_cpu_s'])} s, PostgreSQL {r['pg_cpu_s']:.2f} s, "
                    f"perfdhcp {r['perfdhcp_cpu_s']:.2f} s, other {r['other_cpu_s']:.2f} s, idle {r['idle_share'] * 100:.0f}% "
                    f"of {r['window_s']:.1f} s; offer loss {r['offer_loss'] * 100:.1f}%, ACK delay "
                    f"{r['ack_delay_avg_ms']}/{r['ack_delay_max_ms']} ms, UDP overflows server {r['udp_overflows']} perfdhcp {r['client_udp_overflows']}")
    text = report(runs, args, command)
    print(text)
    if not args.no_write:
        results_file.write_section(Path(args.results), text)  # only this bench's section, in place
    return 0


if __name__ == "__main__":
    sys.exit(main())
