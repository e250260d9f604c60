#!/usr/bin/env python3
"""netbootd side by side with dnsmasq, tftpd-hpa, Kea and nginx (issue 8).

Runs every scenario with netbootd and its peers alternately, several times, and writes
bench/RESULTS.md (medians, ratios, targets) plus a JSON of every run. Everything happens in
network namespaces this script creates (their own loopback, or a veth pair between a server
and a client namespace): no traffic reaches the host's networks. Every daemon is started
here with its own configuration, ports and state in a temporary directory, and killed at
exit whatever happens (tests/support/netns.py teardown: atexit, signals, PDEATHSIG).

    bench/run_bench.py --netbootd build/netbootd --load build/bench/netboot_load
    bench/run_bench.py ... --only tftp,http --reps 2          # a subset
    bench/run_bench.py ... --smoke --json out.json            # tiny sizes, netbootd only

Run as root (namespaces). Python 3 standard library only.
"""
from __future__ import annotations

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

SOURCE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SOURCE / "tests" / "support"))
sys.path.insert(0, str(SOURCE / "bench"))
import dhcp_client as dc  # noqa: E402
import netns  # noqa: E402
import results_file  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
TFTP_PORT = 69
HTTP_PORT = 8080


class BenchError(RuntimeError):
    pass


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(values: List[float]) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# --------------------------------------------------------------------------------------------
# /proc: CPU time and memory of a daemon and its descendants
# --------------------------------------------------------------------------------------------

def _stat_fields(pid: int) -> Optional[List[str]]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread, plus the reaped children's (tftpd-hpa forks per client)."""
    f = _stat_fields(pid)
    if not f:
        return 0.0
    return sum(int(x) for x in f[11:15]) / HZ


def descendants(pid: int) -> List[int]:
    parent: Dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            f = _stat_fields(int(entry))
            if f:
                parent[int(entry)] = int(f[1])
    out, frontier = [pid], [pid]
    while frontier:
        frontier = [p for p, pp in parent.items() if pp in frontier]
        out += frontier
    return out


def rss_kib(pids: List[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            pass
    return total


class RssSampler:
    """Peak of the summed RSS of a process tree, sampled every `interval` s in a thread."""

    def __init__(self, pid: int, interval: float = 0.2, tree: bool = False):
        self.pid, self.interval, self.tree = pid, interval, tree
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = descendants(self.pid) if self.tree else [self.pid]
            self.peak = max(self.peak, rss_kib(pids))
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# --------------------------------------------------------------------------------------------
# The servers
# --------------------------------------------------------------------------------------------

CPUACCT = Path("/sys/fs/cgroup/cpuacct")
_cgroups: List[Path] = []


def _remove_cgroups() -> None:
    for cg in list(_cgroups):
        for _ in range(20):  # bounded: the killed processes leave the group within moments
            try:
                cg.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.05)
        _cgroups.remove(cg)


atexit.register(_remove_cgroups)


# With two CPUs or more, every server runs on CPU 0 and every client (netboot_load,
# perfdhcp, wrk) on CPU 1: each server gets the same one CPU, and a lock-step round trip
# always crosses CPUs, as between two machines (left to the scheduler, the placement flips
# between runs and a wake-up on the same CPU costs a fraction of a cross-CPU one).
PINNING = {"on": False}


def pinned(role: str) -> List[str]:
    if not PINNING["on"]:
        return []
    return ["taskset", "-c", "0" if role == "server" else "1"]


class Daemon:
    """One server process in a namespace, killed (process group) on stop or at exit. When the
    cgroup v1 cpuacct controller is there, the daemon runs in its own group so that its CPU
    time includes every thread and every child (tftpd-hpa's per-client processes, nginx's
    worker), even children nobody waits for."""

    counter = 0

    def __init__(self, name: str, pair: netns.NetnsPair, argv: List[str], env: Optional[dict] = None):
        self.name = name
        self.pair = pair
        self.log_path = pair.path(f"{name}.log")
        self.argv = argv
        self.env = env
        self.proc: Optional[netns.Process] = None
        self.launched = 0.0
        self.cgroup: Optional[Path] = None

    def start(self) -> "Daemon":
        # `ip netns exec` mounts its own /sys: join the cgroup before entering the namespace.
        argv = ["ip", "netns", "exec", self.pair.server_ns] + pinned("server") + self.argv
        if CPUACCT.is_dir():
            Daemon.counter += 1
            cg = CPUACCT / f"nbb-{os.getpid()}-{Daemon.counter}"
            try:
                cg.mkdir()
                _cgroups.append(cg)
                self.cgroup = cg
                argv = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(cg)] + argv
            except OSError:
                self.cgroup = None
        self.launched = time.monotonic()
        self.proc = self.pair.spawn(argv, log=self.log_path, env=self.env)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        if self.cgroup is not None:
            try:
                return int((self.cgroup / "cpuacct.usage").read_text()) / 1e9
            except (OSError, ValueError):
                pass
        return cpu_seconds(self.pid)

    def check_alive(self) -> None:
        if self.proc is None or not self.proc.alive():
            raise BenchError(f"{self.name} exited: {netns.read_text(self.log_path)[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill(grace=2.0)
            self.proc = None
        if self.cgroup is not None:
            # Whatever the daemon forked (and did not die with its group) goes too.
            try:
                for pid in (self.cgroup / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), 9)
                    except OSError:
                        pass
            except OSError:
                pass
            _remove_cgroups()
            self.cgroup = None


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


class Bench:
    def __init__(self, args: argparse.Namespace, pair: netns.NetnsPair):
        self.args = args
        self.pair = pair
        self.tmp = pair.tmpdir
        assert self.tmp is not None
        # tftpd-hpa and dnsmasq drop privileges: the served folder must be world-readable.
        os.chmod(self.tmp, 0o755)
        self.root = self.tmp / "root"
        self.root.mkdir(mode=0o755)
        self.runs: List[dict] = []
        self.peers = [p for p in args.peers.split(",") if p]

    # -- files ---------------------------------------------------------------------------
    def make_file(self, name: str, size: int) -> Path:
        path = self.root / name
        if not path.exists() or path.stat().st_size != size:
            with open("/dev/urandom", "rb") as src, open(path, "wb") as dst:
                left = size
                while left:
                    chunk = src.read(min(left, 1 << 20))
                    dst.write(chunk)
                    left -= len(chunk)
            path.chmod(0o644)
        # Page cache warm for every server alike.
        with open(path, "rb") as f:
            while f.read(8 << 20):
                pass
        return path

    # -- daemons -------------------------------------------------------------------------
    def netbootd(self, name: str, ini: str, flags: List[str]) -> Daemon:
        # Warnings only, as the peers are configured: per-request lines are not what is measured.
        cfg = write(self.tmp / f"{name}.ini", "[logger]\ntype = stderr\nlevel = warning\n" + ini)
        return Daemon(name, self.pair, [self.args.netbootd, "-c", str(cfg)] + flags)

    def tftp_server(self, kind: str) -> Daemon:
        if kind == "netbootd":
            return self.netbootd("netbootd-tftp", textwrap.dedent(f"""\
                [tftp]
                address = 127.0.0.1
                port = {TFTP_PORT}
                root = {self.root}
                max_windowsize = 64
                max_transfers = 4096
                max_transfers_per_client = 4096
                """), ["-t"])
        if kind == "tftpd-hpa":
            # Standalone listener, chroot into the folder; one forked process per transfer.
            return Daemon("tftpd-hpa", self.pair, ["in.tftpd", "--listen", "--foreground", "--address",
                                                     f"127.0.0.1:{TFTP_PORT}", "--secure", "--user", "tftp",
                                                     str(self.root)])
        if kind == "dnsmasq":
            return Daemon("dnsmasq-tftp", self.pair, [
                "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--enable-tftp",
                f"--tftp-root={self.root}", "--tftp-max=5000", f"--pid-file={self.tmp}/dnsmasq-tftp.pid",
                f"--log-facility={self.tmp}/dnsmasq-tftp.syslog", "--user=root"])
        raise ValueError(kind)

    def tftp_ready(self, d: Daemon) -> None:
        probe = self.make_file("probe.bin", 1000)
        for _ in range(100):  # bounded: 100 x (<= 0.3 s)
            d.check_alive()
            r = self.load(["tftp", "--server", f"127.0.0.1:{TFTP_PORT}", "--file", "probe.bin", "--expect",
                           str(probe), "--blksize", "1468", "--timeout-ms", "100", "--time-limit", "1"],
                          timeout=5, check=False)
            if r and r.get("ok") == 1:
                return
            time.sleep(0.05)
        raise BenchError(f"{d.name} never answered a TFTP request")

    def load(self, argv: List[str], timeout: float, check: bool = True, on_stderr=None) -> Optional[dict]:
        if PINNING["on"] and argv and argv[0] in ("pingpong", "flood"):
            argv = argv + ["--server-cpu", "0", "--client-cpu", "1"]
        cmd = ["ip", "netns", "exec", self.pair.server_ns] + pinned("client") + [self.args.load] + argv
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        err_lines: List[str] = []

        def read_err() -> None:
            assert p.stderr is not None
            for line in p.stderr:
                err_lines.append(line)
                if on_stderr:
                    on_stderr(line)
        t = threading.Thread(target=read_err, daemon=True)
        t.start()
        box: Dict[str, str] = {}

        def read_out() -> None:
            assert p.stdout is not None
            box["out"] = p.stdout.read()
        t_out = threading.Thread(target=read_out, daemon=True)
        t_out.start()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()
            raise BenchError(f"netboot_load {' '.join(argv)}: no result in {timeout} s")
        t_out.join(timeout=5)
        out = box.get("out", "")
        t.join(timeout=2)
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            if check:
                raise BenchError(f"netboot_load {' '.join(argv)}: {out} {''.join(err_lines)}")
            return None
        if check and p.returncode != 0:
            raise BenchError(f"netboot_load {' '.join(argv)} failed: {result}")
        return result

    def record(self, scenario: str, server: str, **values) -> dict:
        row = {"scenario": scenario, "server": server, **values}
        self.runs.append(row)
        log(f"{scenario} {server}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                                 for k, v in values.items()))
        return row

    # ------------------------------------------------------------------------------------
    # Scenario 2: single TFTP transfers and the loopback ceilings
    # ------------------------------------------------------------------------------------
    def scenario_tftp(self) -> None:
        size = self.args.tftp_size
        big = self.make_file("single.bin", size)
        cases = [(1468, 1), (65464, 1), (1468, 16), (1468, 64)]
        servers = ["netbootd"] + [p for p in ("tftpd-hpa", "dnsmasq") if p in self.peers]
        no_window = set()  # peers whose OACK left windowsize out: lock-step only
        for rep in range(self.args.reps):
            for payload in (1472, 65468, 4):
                for mode in ("pingpong", "flood"):
                    if payload == 4 and mode == "pingpong":
                        continue  # 4-byte flood: the cost of receiving an ACK, for the CPU floor
                    r = self.load([mode, "--size", str(payload), "--ms", str(self.args.ceiling_ms)], timeout=30)
                    extra = {"rtt_us": r["rtt_us"]} if mode == "pingpong" else {
                        k: r[k] for k in ("sender_cpu_s_per_gib", "receiver_cpu_us_per_datagram") if k in r}
                    self.record("ceiling", mode, rep=rep, size=payload, mbps=r["mbps"], **extra)
            # Each repetition starts with another server, so that no server always runs first
            # (or last) in the machine's drifts.
            for server in servers[rep % len(servers):] + servers[:rep % len(servers)]:
                d = self.tftp_server(server).start()
                try:
                    self.tftp_ready(d)
                    for blksize, window in cases:
                        if window > 1 and server in no_window:
                            continue
                        # A lock-step transfer of large blocks lasts a fraction of a second, less
                        # than the machine's drifts: up to 5 of them per repetition (within 6 s).
                        repeats = 5 if window == 1 and blksize > 8192 else 1
                        case_started = time.monotonic()
                        for sub in range(repeats):
                            if sub and time.monotonic() - case_started > 6.0:
                                break
                            if not self.single_transfer(d, server, rep, sub, big, blksize, window, no_window):
                                break
                finally:
                    d.stop()

    def single_transfer(self, d: Daemon, server: str, rep: int, sub: int, big: Path, blksize: int, window: int,
                        no_window: set) -> bool:
        # The machine's speed drifts (shared host): the lock-step bound is measured right before
        # each lock-step transfer and the ratio taken per pair.
        bound = None
        if window == 1:
            bound = self.load(["pingpong", "--size", str(blksize + 4), "--ms", str(self.args.ceiling_ms)],
                              timeout=30)["mbps"]
        cpu0 = d.cpu_seconds()
        r = self.load(["tftp", "--server", f"127.0.0.1:{TFTP_PORT}", "--file", big.name, "--expect", str(big),
                       "--blksize", str(blksize), "--windowsize", str(window), "--time-limit", "120"], timeout=150)
        cpu = d.cpu_seconds() - cpu0
        if r["windowsize"] != window:
            no_window.add(server)
            log(f"{server}: no windowsize in the OACK (got {r['windowsize']}): lock-step only")
            return False
        seconds = r["max_s"]
        mbps = r["bytes"] / seconds / 1e6
        self.record("tftp_single", server, rep=rep, sub=sub, blksize=blksize, window=window, mbps=mbps,
                    seconds=seconds, cpu_s=cpu, duplicates=r["duplicates"], ok=r["ok"] == 1,
                    **({"pingpong_mbps": bound, "of_pingpong": mbps / bound} if bound else {}))
        return True

    # ------------------------------------------------------------------------------------
    # Scenario 3: boot storm
    # ------------------------------------------------------------------------------------
    def scenario_storm(self) -> None:
        # The smallest RSS a process can have here: coreutils' sleep (libc only, no work).
        probe = subprocess.Popen(["sleep", "3"])
        try:
            time.sleep(0.3)
            self.record("rss_floor", "sleep", rss_kib=rss_kib([probe.pid]))
        finally:
            probe.kill()
            probe.wait()
        storms = [(self.args.storm_small_clients, self.args.storm_small_size),
                  (self.args.storm_large_clients, self.args.storm_large_size)]
        servers = ["netbootd"] + [p for p in ("dnsmasq", "tftpd-hpa") if p in self.peers]
        for clients, size in storms:
            f = self.make_file(f"storm-{size}.bin", size)
            for rep in range(self.args.storm_reps):
                for server in servers[rep % len(servers):] + servers[:rep % len(servers)]:  # first in turn
                    d = self.tftp_server(server).start()
                    try:
                        self.tftp_ready(d)
                        cpu0 = d.cpu_seconds()
                        with RssSampler(d.pid, tree=server == "tftpd-hpa", interval=0.25) as rss:
                            r = self.load(["tftp", "--server", f"127.0.0.1:{TFTP_PORT}", "--file", f.name,
                                           "--expect", str(f), "--clients", str(clients), "--blksize", "1468",
                                           "--time-limit", str(self.args.storm_time_limit)],
                                          timeout=self.args.storm_time_limit + 30, check=False)
                        # Reaped children's CPU lands in the parent's cutime: give the reaper a moment.
                        time.sleep(0.3)
                        cpu = d.cpu_seconds() - cpu0
                        if r is None:
                            raise BenchError(f"storm {server}: no result")
                        gib = r["bytes"] / 2**30
                        self.record("storm", server, rep=rep, clients=clients, size=size, ok=r["ok"],
                                    failed=r["failed"], mbps=r["bytes"] / r["max_s"] / 1e6 if r["max_s"] else 0.0,
                                    p99_s=r["p99_s"], max_s=r["max_s"], cpu_s=cpu,
                                    cpu_s_per_gib=cpu / gib if gib else None, rss_kib=rss.peak,
                                    client_cpu_s=r.get("client_cpu_s"),
                                    error=r["error"])
                    finally:
                        d.stop()

    # ------------------------------------------------------------------------------------
    # Scenario 4: HTTP
    # ------------------------------------------------------------------------------------
    def http_server(self, kind: str) -> Daemon:
        if kind == "netbootd":
            return self.netbootd("netbootd-http", textwrap.dedent(f"""\
                [tftp]
                address = 127.0.0.1
                port = {TFTP_PORT}
                root = {self.root}
                [httpd]
                enable = yes
                address = 127.0.0.1
                port = {HTTP_PORT}
                root = {self.root}
                ; Every client is 127.0.0.1 here: the per-address cap (default 32) would
                ; refuse all but 32 of them.
                max_connections_per_client = {max(32, self.args.http_clients)}
                """), ["-t", "-H"])
        conf = write(self.tmp / "nginx.conf", textwrap.dedent(f"""\
            daemon off;
            master_process on;
            worker_processes 1;
            pid {self.tmp}/nginx.pid;
            error_log {self.tmp}/nginx-error.log warn;
            events {{ worker_connections 4096; }}
            http {{
                access_log off;
                sendfile on;
                tcp_nopush on;
                client_body_temp_path {self.tmp}/nginx-body;
                proxy_temp_path {self.tmp}/nginx-proxy;
                fastcgi_temp_path {self.tmp}/nginx-fastcgi;
                uwsgi_temp_path {self.tmp}/nginx-uwsgi;
                scgi_temp_path {self.tmp}/nginx-scgi;
                types {{ application/octet-stream bin; }}
                server {{
                    listen 127.0.0.1:{HTTP_PORT};
                    root {self.root};
                }}
            }}
            """))
        return Daemon("nginx", self.pair, ["nginx", "-c", str(conf), "-p", str(self.tmp)])

    def http_ready(self, d: Daemon, name: str, size: int) -> None:
        for _ in range(100):
            d.check_alive()
            r = netns.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                           f"http://127.0.0.1:{HTTP_PORT}/{name}"], ns=self.pair.server_ns, timeout=60,
                          check=False)
            if r.stdout.strip() == f"200 {size}":
                return
            time.sleep(0.05)
        raise BenchError(f"{d.name} never served {name}")

    def scenario_http(self) -> None:
        size = self.args.http_size
        f = self.make_file("http.bin", size)
        servers = ["netbootd"] + (["nginx"] if "nginx" in self.peers else [])
        for rep in range(self.args.reps):
            for server in servers:
                d = self.http_server(server).start()
                try:
                    self.http_ready(d, f.name, size)
                    # Byte-exact check of one download before the load.
                    got = netns.run(f"curl -s http://127.0.0.1:{HTTP_PORT}/{f.name} | cmp - {f}",
                                    ns=self.pair.server_ns, timeout=120, check=False)
                    exact = got.returncode == 0
                    cpu0 = d.cpu_seconds()
                    if shutil.which("wrk"):
                        out = netns.run(pinned("client") + ["wrk", "-t2", f"-c{self.args.http_clients}", f"-d{self.args.http_seconds}s",
                                         "--timeout", "60s", f"http://127.0.0.1:{HTTP_PORT}/{f.name}"],
                                        ns=self.pair.server_ns, timeout=self.args.http_seconds + 60).stdout
                        cpu = d.cpu_seconds() - cpu0
                        m = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", out)
                        if not m:
                            raise BenchError(f"wrk output: {out}")
                        mbps = float(m.group(1)) * {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}[m.group(2)] / 1e6
                        errors = re.search(r"Socket errors: (.*)", out)
                    else:
                        # No wrk (make test): N curl processes at once, each a whole download.
                        t0 = time.monotonic()
                        out = netns.run(f"for i in $(seq {self.args.http_clients}); do curl -s -o /dev/null "
                                        f"-w '%{{size_download}}\\n' http://127.0.0.1:{HTTP_PORT}/{f.name} & done; wait",
                                        ns=self.pair.server_ns, timeout=120).stdout
                        wall = time.monotonic() - t0
                        cpu = d.cpu_seconds() - cpu0
                        sizes = [int(x) for x in out.split()]
                        exact = exact and sizes == [size] * self.args.http_clients
                        mbps = sum(sizes) / wall / 1e6
                        errors = None
                    self.record("http", server, rep=rep, mbps=mbps, cpu_s=cpu, exact=exact,
                                socket_errors=errors.group(1) if errors else "")
                finally:
                    d.stop()

    # ------------------------------------------------------------------------------------
    # Scenario 1: DHCP with perfdhcp over a veth pair
    # ------------------------------------------------------------------------------------
    def dhcp_server(self, kind: str, state: str) -> Daemon:
        pair = self.pair
        first, last = pair.host(256), pair.host(256 + self.args.pool - 1)
        if kind == "netbootd":
            return self.netbootd("netbootd-dhcp", textwrap.dedent(f"""\
                [bootp]
                interface = {pair.server_if}
                allow_simple_dhcp = yes
                pool_start = {first}
                pool_count = {self.args.pool}
                lease_time = 86400
                lease_file = {state}
                boot_file = pxelinux.0
                [tftp]
                root = {self.root}
                """), ["-p"])
        if kind == "kea":
            conf = {"Dhcp4": {
                "interfaces-config": {"interfaces": [pair.server_if], "dhcp-socket-type": "raw"},
                "lease-database": {"type": "memfile", "persist": True, "name": state, "lfc-interval": 0},
                "valid-lifetime": 86400,
                "subnet4": [{"id": 1, "subnet": str(pair.network), "pools": [{"pool": f"{first} - {last}"}]}],
                "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                             "output_options": [{"output": str(self.tmp / 'kea.log')}]}]}}
            cfg = write(self.tmp / "kea.json", json.dumps(conf, indent=1))
            env = dict(os.environ, KEA_PIDFILE_DIR=str(self.tmp), KEA_LOCKFILE_DIR=str(self.tmp))
            return Daemon("kea-dhcp4", pair, ["kea-dhcp4", "-c", str(cfg)], env=env)
        if kind in ("floor", "floor-durable"):
            # Not a server: netboot_load's dhcp-floor answers DISCOVER/REQUEST with a fixed
            # OFFER/ACK (no store, no policy) to measure the CPU floor per exchange; the durable
            # one also appends each lease to `state` and fdatasyncs it before the ACK, grouped
            # in 2 ms windows as netbootd does: the floor of any server with durable leases.
            durable = ["--durable", state, "--window-us", "2000"] if kind == "floor-durable" else []
            return Daemon(kind, pair, [str(Path(self.args.load).resolve()), "dhcp-floor", "--interface",
                                       pair.server_if, "--server-id", pair.host(1), "--pool-start", first,
                                       "--pool-count", str(self.args.pool)] + durable)
        if kind == "dnsmasq":
            return Daemon("dnsmasq-dhcp", pair, [
                "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
                f"--interface={pair.server_if}", "--bind-interfaces",
                f"--dhcp-range={first},{last},{pair.netmask},24h", "--dhcp-lease-max=1000000",
                f"--dhcp-leasefile={state}", "--dhcp-authoritative", "--quiet-dhcp", "--no-ping",
                f"--pid-file={self.tmp}/dnsmasq-dhcp.pid", f"--log-facility={self.tmp}/dnsmasq-dhcp.syslog",
                "--user=root"])
        raise ValueError(kind)

    def first_offer(self, d: Daemon, timeout: float = 10.0) -> float:
        """Seconds from launch to the first OFFER: a DISCOVER every 2 ms until one comes back."""
        sock = netns.udp_socket(self.pair.client_ns, bind=("0.0.0.0", 68), device=self.pair.client_if,
                                broadcast=True)
        try:
            sock.setblocking(False)
            mac = "02:00:5e:10:00:01"
            xid = dc.new_xid()
            packet = dc.make_discover(mac, xid).to_bytes()
            deadline = d.launched + timeout
            while time.monotonic() < deadline:
                try:
                    sock.sendto(packet, ("255.255.255.255", 67))
                except OSError:
                    pass
                end = time.monotonic() + 0.002
                while time.monotonic() < end:
                    try:
                        data = sock.recv(4096)
                    except BlockingIOError:
                        time.sleep(0.0002)
                        continue
                    reply = dc.parse_reply(data)
                    if reply and reply.xid == xid and reply.message_type == dc.OFFER:
                        return time.monotonic() - d.launched
                if d.proc is None or not d.proc.alive():
                    d.check_alive()
            raise BenchError(f"{d.name}: no OFFER within {timeout} s")
        finally:
            sock.close()

    def perfdhcp(self, rate: int, seconds: float, base: int) -> dict:
        mac = "0c:{:02x}:{:02x}:00:00:00".format(base >> 8 & 0xFF, base & 0xFF)
        cmd = ["perfdhcp", "-4", "-l", self.pair.client_if, "-B", "-r", str(rate), "-R", str(self.args.clients),
               "-b", f"mac={mac}", "-p", str(seconds), "-W", "500000", "-d", "1"]
        r = netns.run(pinned("client") + cmd, ns=self.pair.client_ns, timeout=seconds + 30, check=False)
        out = r.stdout + r.stderr
        sections = re.findall(r"\*\*\*Statistics for: (\S+)\*\*\*(.*?)(?=\*\*\*|\Z)", out, re.S)
        stats = {}
        for name, body in sections:
            def num(label: str) -> int:
                m = re.search(label + r":\s*(\d+)", body)
                return int(m.group(1)) if m else 0
            stats[name] = {"sent": num("sent packets"), "received": num("received packets"), "drops": num("drops")}
        if "DISCOVER-OFFER" not in stats or "REQUEST-ACK" not in stats:
            raise BenchError(f"perfdhcp output not understood (rc {r.returncode}): {out[-1500:]}")
        do, ra = stats["DISCOVER-OFFER"], stats["REQUEST-ACK"]
        completed = ra["received"]
        lost = (do["sent"] - completed) / do["sent"] if do["sent"] else 1.0
        return {"rate": completed / seconds, "completed": completed, "sent": do["sent"], "loss": max(lost, 0.0)}

    def prefill(self, kind: str, state: Path, count: int) -> None:
        """`count` bound leases of other clients in the server's own lease file (written while
        it is stopped), so that allocation starts with a full store."""
        first = int.from_bytes(socket.inet_aton(self.pair.host(256)), "big")
        now = int(time.time())
        base = self.args.pool - count  # the top of the pool: new clients must search past nothing
        rows = []
        for i in range(count):
            mac = "0e:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}".format(0x50, i >> 24 & 0xFF, i >> 16 & 0xFF, i >> 8 & 0xFF,
                                                                 i & 0xFF)
            ip = socket.inet_ntoa((first + base + i).to_bytes(4, "big"))
            rows.append((mac, ip))
        if kind == "netbootd":
            # The daemon creates its schema; add rows through SQLite, state 1 = Bound (lease.hpp).
            db = sqlite3.connect(state)
            sample = db.execute("SELECT mac, address, expires FROM leases LIMIT 1").fetchone()
            if sample is None:
                raise BenchError("netbootd lease file has no sample row to copy the format from")
            sep = "-" if "-" in sample[0] else ":"
            exp = (now + 86400) * 10**9
            db.executemany("INSERT INTO leases (mac, address, state, expires, updated, uuid, phase, hostname, "
                           "boot_file) VALUES (?, ?, 1, ?, ?, NULL, 0, '', 'pxelinux.0')",
                           [(m.replace(":", sep).upper() if sample[0].isupper() else m.replace(":", sep), ip, exp,
                             now * 10**9) for m, ip in rows])
            db.commit()
            db.close()
        elif kind == "kea":
            lines = state.read_text().splitlines()
            header = lines[0].split(",")
            with open(state, "a") as f:
                for mac, ip in rows:
                    v = {"address": ip, "hwaddr": mac, "client_id": "", "valid_lifetime": "86400",
                         "expire": str(now + 86400), "subnet_id": "1", "fqdn_fwd": "0", "fqdn_rev": "0",
                         "hostname": "", "state": "0", "user_context": "", "pool_id": "0"}
                    f.write(",".join(v.get(h, "") for h in header) + "\n")
        elif kind == "dnsmasq":
            with open(state, "a") as f:
                for mac, ip in rows:
                    f.write(f"{now + 86400} {mac} {ip} * *\n")

    def scenario_dhcp(self) -> None:
        if not shutil.which("perfdhcp"):
            raise BenchError("perfdhcp (kea-admin) is missing: scripts/deps.sh bench")
        # perfdhcp needs an address on its interface (the client side has none by default).
        self.pair.set_client_address(f"{self.pair.host(2)}/{self.pair.prefix_len}")
        servers = ["netbootd"] + [p for p in ("kea", "dnsmasq") if p in self.peers]
        state_name = {"netbootd": "leases.db", "kea": "kea-leases4.csv", "dnsmasq": "dnsmasq.leases",
                      "floor": "floor.none", "floor-durable": "floor.leases"}
        base = 0
        # 1. Ramp: x1.5 while loss stays <= 1%, each step on a fresh server with an empty store
        #    (one store would hold ~110,000 leases after a dozen steps: a full pool, not speed).
        best: Dict[str, int] = {}
        for server in servers:
            def step(rate: int) -> float:
                nonlocal base
                state = self.tmp / f"ramp-{rate}-{state_name[server]}"
                if state.exists():
                    state.unlink()
                d = self.dhcp_server(server, str(state)).start()
                try:
                    self.first_offer(d)
                    base += 1
                    cpu0 = d.cpu_seconds()
                    r = self.perfdhcp(rate, self.args.ramp_seconds, base)
                    cpu = d.cpu_seconds() - cpu0
                finally:
                    d.stop()
                self.record("dhcp_ramp", server, target_rate=rate, **r, cpu_us_per_exchange=(
                    cpu / r["completed"] * 1e6 if r["completed"] else None))
                return r["loss"]

            rate, best[server] = self.args.dhcp_start_rate, 0
            for _ in range(self.args.ramp_steps):
                if step(rate) > 0.01:
                    if best[server] or rate <= self.args.dhcp_start_rate // 8:
                        break
                    rate //= 2  # too fast from the start (dnsmasq): step down instead
                    continue
                best[server] = rate
                rate = rate * 3 // 2
            # Then halve the gap between the last lossless step and the first lossy one a few
            # times: x1.5 steps alone would rate two servers alike that differ by 40%.
            low, high = best[server], rate
            for _ in range(self.args.ramp_refine if low and high > low else 0):
                mid = (low + high) // 2
                if mid <= low:
                    break
                if step(mid) > 0.01:
                    high = mid
                else:
                    low = best[server] = mid
            if best[server] == 0:
                best[server] = max(self.args.dhcp_start_rate // 16, 1)
        # 2. Sustained at the best rate of each, alternately, fresh store each time; then with
        #    `prefill` leases of other clients already in the store.
        # The floors run at netbootd's rate, empty store only: CPU per exchange of a responder
        # that does nothing but read and answer (what no DHCP server can go below), and of one
        # that also commits each lease durably before its ACK (what no server meeting the
        # issue's durability rule can go below).
        # netbootd and Kea run at the same rate, the lower of their two best ones, so that their
        # CPU per exchange is compared under the same load (wake-ups per message fall as the
        # rate grows); dnsmasq at its own.
        common = min(best["netbootd"], best["kea"]) if "kea" in best else best["netbootd"]
        sustain = {**best, "netbootd": common, "floor": common, "floor-durable": common}
        if "kea" in best:
            sustain["kea"] = common
        for label, prefill in (("dhcp", 0), ("dhcp_full", self.args.prefill)):
            if prefill and not self.args.prefill:
                continue
            for rep in range(self.args.reps):
                for server in servers + ([] if prefill else ["floor", "floor-durable"]):
                    state = self.tmp / f"{label}-{rep}-{state_name[server]}"
                    if state.exists():
                        state.unlink()
                    if prefill:
                        # Let the server create its file with one lease, then add the rest.
                        d = self.dhcp_server(server, str(state)).start()
                        try:
                            self.first_offer(d)
                            base += 1
                            self.perfdhcp(10, 1, base)
                        finally:
                            d.stop()
                        self.prefill(server, state, prefill)
                    d = self.dhcp_server(server, str(state)).start()
                    try:
                        try:
                            ready = self.first_offer(d, timeout=30)
                        except BenchError as e:
                            # dnsmasq with 50,000 leases: reported as such, the others go on.
                            self.record(label, server, rep=rep, target_rate=sustain[server], rate=0.0, completed=0,
                                        sent=0, loss=1.0, cpu_s=d.cpu_seconds(), cpu_us_per_exchange=None,
                                        ready_s=None, prefill=prefill, error=str(e)[:200])
                            continue
                        base += 1
                        cpu0 = d.cpu_seconds()
                        r = self.perfdhcp(sustain[server], self.args.dhcp_seconds, base)
                        cpu = d.cpu_seconds() - cpu0
                        if server == "floor-durable":  # one 16-byte record per ACK, written before it
                            r["durable_bytes"] = state.stat().st_size if state.exists() else 0
                        self.record(label, server, rep=rep, target_rate=sustain[server], **r, cpu_s=cpu,
                                    cpu_us_per_exchange=cpu / r["completed"] * 1e6 if r["completed"] else None,
                                    ready_s=ready, prefill=prefill)
                    finally:
                        d.stop()

    # ------------------------------------------------------------------------------------
    # Scenario 5: memory and start-up
    # ------------------------------------------------------------------------------------
    def scenario_memory(self) -> None:
        f = self.make_file("hold.bin", 256 * 1024)
        servers = ["netbootd"] + [p for p in ("dnsmasq", "tftpd-hpa") if p in self.peers]
        for rep in range(self.args.reps):
            for server in servers:
                d = self.tftp_server(server).start()
                try:
                    self.tftp_ready(d)
                    time.sleep(0.2)
                    idle = rss_kib(descendants(d.pid))
                    sampled: Dict[str, int] = {}

                    def on_stderr(line: str, d=d, sampled=sampled) -> None:
                        if line.startswith("holding"):
                            time.sleep(0.3)
                            sampled["rss"] = rss_kib(descendants(d.pid))
                            sampled["holding"] = int(line.split()[1])
                    r = self.load(["tftp", "--server", f"127.0.0.1:{TFTP_PORT}", "--file", f.name, "--expect", str(f),
                                   "--clients", str(self.args.hold_clients), "--blksize", "1468", "--hold-ms", "1500",
                                   "--time-limit", "60"], timeout=90, check=False, on_stderr=on_stderr)
                    loaded = sampled.get("rss", 0)
                    self.record("memory_tftp", server, rep=rep, idle_kib=idle, loaded_kib=loaded,
                                holding=sampled.get("holding", 0), ok=r["ok"] if r else 0,
                                per_transfer_kib=(loaded - idle) / max(sampled.get("holding", 0), 1))
                finally:
                    d.stop()
            # Start-up and idle RSS of the DHCP servers (netbootd with DHCP + TFTP).
            for server in ["netbootd"] + [p for p in ("dnsmasq", "kea") if p in self.peers]:
                state = self.tmp / f"startup-{rep}-{server}.leases"
                d = self.dhcp_server(server, str(state)).start()
                try:
                    ready = self.first_offer(d)
                    time.sleep(0.3)
                    self.record("startup", server, rep=rep, ready_ms=ready * 1000, idle_kib=rss_kib(descendants(d.pid)))
                finally:
                    d.stop()


# --------------------------------------------------------------------------------------------
# RESULTS.md
# --------------------------------------------------------------------------------------------

def fmt(v, digits=3) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def med(runs: List[dict], scenario: str, server: str, key: str, **where) -> Optional[float]:
    return median([r[key] for r in runs if r["scenario"] == scenario and r["server"] == server and r.get(key) is not None
                   and all(r.get(k) == v for k, v in where.items())])


def verdict(ok: Optional[bool]) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def ratio(a, b) -> Optional[float]:
    return a / b if a is not None and b else None


def bounded(ok: Optional[bool], impossible: Optional[bool], why: str, label: str = "physical limit") -> str:
    """A verdict that says when the target lies beyond a bound measured in the same run."""
    if ok is None or ok:
        return verdict(ok)
    return f"**missed: {label}** ({why})" if impossible else verdict(ok)


def report(runs: List[dict], args: argparse.Namespace, started: float, command: str, date: Optional[str] = None) -> str:
    out: List[str] = []
    now = datetime.datetime.fromisoformat(date) if date else datetime.datetime.now().astimezone()
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    load = os.getloadavg()

    def versions() -> str:
        parts = []
        for cmd in (["dnsmasq", "--version"], ["kea-dhcp4", "-v"], ["in.tftpd", "-V"], ["nginx", "-v"],
                    ["perfdhcp", "-v"], ["wrk", "-v"]):
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=5)
                text = (r.stdout + r.stderr).strip().splitlines()
                parts.append(f"{cmd[0]}: {text[0] if text else '?'}")
            except (OSError, subprocess.TimeoutExpired):
                parts.append(f"{cmd[0]}: missing")
        return "; ".join(parts)

    out.append("# netbootd benchmarks (issue 8)\n")
    out.append(f"Generated by `scripts/bench.sh` (`make bench`) on {now:%Y-%m-%d %H:%M %Z}, "
               f"in {time.time() - started:.0f} s.\n")
    out.append(f"- Machine: {platform.node()}, {cpu}, {os.cpu_count()} CPUs, {int(mem) // 1024} MiB RAM, "
               f"Linux {platform.release()}; load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
               "(shared machine: other builds run concurrently).")
    out.append(f"- Peers: {versions()}")
    out.append(f"- Command: `{command}`")
    out.append(f"- Every figure is the **median** of {args.reps} runs ({args.storm_reps} for the storms), netbootd "
               "and its peers run alternately in each repetition; ratios are netbootd / peer. Every transfer is "
               "checked byte for byte against the file (netboot_load memcmp's each block).")
    if getattr(args, "pinned", False):
        out.append("- Placement: every server (and the ceilings' sending side) on CPU 0, every client (netboot_load, "
                   "perfdhcp, wrk, the ceilings' replying side) on CPU 1 (`taskset`): each server gets the same one "
                   "CPU, and a lock-step round trip always crosses CPUs, as between two machines.")
    out.append("- All traffic stays inside network namespaces created by bench/run_bench.py: TFTP and HTTP on the "
               "loopback of a private namespace, DHCP over a veth pair between a server and a client namespace.\n")

    # Scenario 1
    if any(r["scenario"] == "dhcp" for r in runs):
        out.append("## 1. DHCP lease rate (perfdhcp, DORA, veth pair)\n")
        out.append(f"perfdhcp from the client namespace: `perfdhcp -4 -l <veth> -B -r <rate> -R {args.clients} "
                   f"-b mac=<fresh base per run> -p {args.dhcp_seconds}`; the rate is first ramped (x1.5 from "
                   f"{args.dhcp_start_rate}/s, {args.ramp_seconds} s steps, at most {args.ramp_steps}, each on a fresh "
                   "server with an empty store) until more than "
                   f"1% of the exchanges are lost, then the gap to the last lossless step is halved "
                   f"{getattr(args, 'ramp_refine', 0)} times: a server's best rate is the highest offered rate it served "
                   "with at most 1% lost (\"≥\": it never lost more, the ramp ended first). Then netbootd and Kea run "
                   "alternately at the lower of their two best rates, so that their CPU is compared under the same load, "
                   "dnsmasq at its own. CPU time is the server's utime+stime (all threads) "
                   "from /proc over the run, divided by completed exchanges. netbootd: SQLite lease file, fsync'd "
                   "(group commit) before each ACK; Kea: memfile, persist on (no fsync); dnsmasq: lease file. "
                   "Logging at warning level for all three (Kea severity WARN, dnsmasq --quiet-dhcp). `floor` is not a "
                   "server: `netboot_load dhcp-floor` answers each DISCOVER and REQUEST with a fixed OFFER/ACK (one "
                   "blocking read, one send, no store, no policy) at netbootd's rate; its CPU per exchange is the "
                   "kernel's share (wake-up, receive, send over the veth pair), which every DHCP server pays. "
                   "`floor-durable` is the same responder held to the issue's durability rule: each ACK waits until a "
                   "16-byte record of its lease is appended to a file on the same disk as netbootd's lease file and "
                   "`fdatasync`'d, one write and one fdatasync per 2 ms window (netbootd's group-commit window); its CPU "
                   "per exchange is what no server with durable leases can go below on this machine.\n")
        def ramp_best(server: str) -> Optional[int]:
            ramp = [r for r in runs if r["scenario"] == "dhcp_ramp" and r["server"] == server]
            good = [r["target_rate"] for r in ramp if r["loss"] <= 0.01]
            return max(good) if good else None

        def ramp_label(server: str) -> str:
            ramp = [r for r in runs if r["scenario"] == "dhcp_ramp" and r["server"] == server]
            best_rate = ramp_best(server)
            if best_rate is None:
                return "n/a"
            return f"≥ {best_rate}" if not any(r["loss"] > 0.01 for r in ramp) else str(best_rate)

        out.append("| store | server | ramp: best rate (/s) | run at (/s) | completed (/s) | loss | CPU µs / exchange |")
        out.append("|---|---|---|---|---|---|---|")
        for label, title in (("dhcp", "empty"), ("dhcp_full", f"{args.prefill:,} leases held")):
            for server in ("netbootd", "kea", "dnsmasq", "floor", "floor-durable"):
                rate = med(runs, label, server, "rate")
                if rate is None:
                    continue
                offered = max([r["target_rate"] for r in runs if r["scenario"] == label and r["server"] == server])
                out.append(f"| {title} | {server} | {ramp_label(server)} | {offered} | {fmt(rate)} | "
                           f"{med(runs, label, server, 'loss') * 100:.1f}% | "
                           f"{fmt(med(runs, label, server, 'cpu_us_per_exchange'))} |")
        for r in runs:
            if r["scenario"] in ("dhcp", "dhcp_full") and r.get("error"):
                out.append(f"\n{r['server']} ({r['scenario']}, run {r['rep']}): {r['error']} "
                           f"(it used {r['cpu_s']:.1f} s of CPU meanwhile)")
        nb = med(runs, "dhcp", "netbootd", "rate")
        nbc, keac = (med(runs, "dhcp", s, "cpu_us_per_exchange") for s in ("netbootd", "kea"))
        full = med(runs, "dhcp_full", "netbootd", "rate")
        out.append("")
        # The sustained rate as the issue defines it: the highest offered rate served with at
        # most 1% lost. (Completions per second at one offered rate differ only by perfdhcp's
        # own jitter, a few of 64,000 sent.) The sustained runs must confirm it: <= 1% lost.
        bnb, bkea, bdm = (ramp_best(s) for s in ("netbootd", "kea", "dnsmasq"))
        confirmed = (med(runs, "dhcp", "netbootd", "loss") or 0) <= 0.01
        out.append(f"- Sustained rate (best ramp rate, <= 1% lost) netbootd / Kea: {fmt(ratio(bnb, bkea))} (target >= 1; "
                   f"{bnb} vs {bkea}/s, netbootd's sustained runs lose {(med(runs, 'dhcp', 'netbootd', 'loss') or 0) * 100:.2f}%): "
                   f"{verdict(None if bkea is None or bnb is None else bnb >= bkea and confirmed)}")
        out.append(f"- Sustained rate netbootd / dnsmasq: {fmt(ratio(bnb, bdm))} (target >= 10): "
                   f"{verdict(None if bdm is None or bnb is None else bnb >= 10 * bdm and confirmed)}")
        floor = med(runs, "dhcp", "floor", "cpu_us_per_exchange")
        durable = med(runs, "dhcp", "floor-durable", "cpu_us_per_exchange")
        cpu_ok = None if keac is None or nbc is None else nbc <= keac / 3
        out.append(f"- CPU per exchange netbootd / Kea: {fmt(ratio(nbc, keac))} (target <= 0.33): "
                   + bounded(cpu_ok, durable is not None and keac is not None and durable > keac / 3,
                             f"a third of Kea's figure is {fmt(keac / 3 if keac else None)} µs; the floor responder, "
                             f"which only reads each message and sends a fixed answer, uses {fmt(floor)} µs per exchange "
                             f"({fmt(ratio(floor, keac))} of Kea), and {fmt(durable)} µs ({fmt(ratio(durable, keac))} of "
                             "Kea) once its leases are fsync'd before the ACK as the target requires: the fsync costs "
                             "what Kea's figure does not contain"))
        if floor is not None and durable is not None and nbc is not None:
            out.append(f"- netbootd spends {fmt(nbc - durable)} µs per exchange above the durable floor ({fmt(nbc / durable)} "
                       f"of it: parsing, the policy pipeline, SQLite); the fsync'd commit costs {fmt(durable - floor)} µs "
                       f"per exchange at this rate; Kea spends {fmt(keac - floor if keac is not None else None)} µs "
                       "above the bare floor without an fsync.")
        out.append(f"- netbootd with {args.prefill:,} leases held / empty: {fmt(ratio(full, nb))} (allocation must not "
                   f"slow down as the pool fills): {verdict(None if full is None else full >= 0.9 * nb)}\n")

    # Scenario 2
    if any(r["scenario"] == "tftp_single" for r in runs):
        out.append(f"## 2. TFTP single transfer ({args.tftp_size // 2**20} MiB, loopback)\n")
        out.append("`netboot_load tftp --blksize B --windowsize W` (one client; RRQ with tsize, blksize, windowsize). "
                   "Ceilings in the same run: `netboot_load pingpong --size S` (a datagram of S bytes, a 4-byte reply, "
                   "repeat: the lock-step bound) and `netboot_load flood --size S` (sendmmsg batches of 64 back to back, "
                   "the receiver's recvmmsg count). Payload rate = (S-4) bytes per datagram. MB = 10^6 bytes.\n")
        pp = {s: med(runs, "ceiling", "pingpong", "mbps", size=s) for s in (1472, 65468)}
        fl = {s: med(runs, "ceiling", "flood", "mbps", size=s) for s in (1472, 65468)}
        rtt = med(runs, "ceiling", "pingpong", "rtt_us", size=1472)
        send_gib = med(runs, "ceiling", "flood", "sender_cpu_s_per_gib", size=1472)
        ack_us = med(runs, "ceiling", "flood", "receiver_cpu_us_per_datagram", size=4)
        out.append(f"Ceilings: ping-pong {fmt(pp[1472])} MB/s at 1472 bytes (RTT {fmt(rtt)} µs), {fmt(pp[65468])} MB/s "
                   f"at 65468; flood {fmt(fl[1472])} MB/s at 1472, {fmt(fl[65468])} MB/s at 65468. The two sides of each "
                   "ceiling are two processes, as a server and its client are. CPU costs from the floods: sending "
                   f"1472-byte datagrams costs the sender {fmt(send_gib)} s per GiB of payload, receiving a 4-byte "
                   f"datagram (an ACK) costs {fmt(ack_us)} µs, both batched 64 per system call. Lock-step ratios below "
                   "are taken per run against a ping-pong measured just before that transfer (the machine's speed "
                   "drifts), then the median.\n")
        out.append("| blksize | windowsize | netbootd MB/s | tftpd-hpa MB/s | dnsmasq MB/s | netbootd / faster peer | netbootd / ceiling | server CPU s per 256 MiB: netbootd / tftpd-hpa / dnsmasq |")
        out.append("|---|---|---|---|---|---|---|---|")
        lock_peer = {}
        for blk, win in ((1468, 1), (65464, 1), (1468, 16), (1468, 64)):
            nb = med(runs, "tftp_single", "netbootd", "mbps", blksize=blk, window=win)
            hpa = med(runs, "tftp_single", "tftpd-hpa", "mbps", blksize=blk, window=win)
            dm = med(runs, "tftp_single", "dnsmasq", "mbps", blksize=blk, window=win)
            peer = max([v for v in (hpa, dm) if v is not None], default=None)
            if win == 1:
                lock_peer[blk] = peer
            ceiling = (pp if win == 1 else fl)[1472 if blk == 1468 else 65468]
            per_run = med(runs, "tftp_single", "netbootd", "of_pingpong", blksize=blk, window=win)
            out.append(f"| {blk} | {win} | {fmt(nb)} | {fmt(hpa) if win == 1 else (fmt(hpa) if hpa else 'no windowsize')} | "
                       f"{fmt(dm) if win == 1 else (fmt(dm) if dm else 'no windowsize')} | {fmt(ratio(nb, peer))} | "
                       f"{fmt(per_run if per_run is not None else ratio(nb, ceiling))} ({'ping-pong' if win == 1 else 'flood'}) | "
                       + " / ".join(fmt(med(runs, "tftp_single", s, "cpu_s", blksize=blk, window=win))
                                    for s in ("netbootd", "tftpd-hpa", "dnsmasq")) + " |")
        out.append("")
        for blk in (1468, 65464):
            nb = med(runs, "tftp_single", "netbootd", "mbps", blksize=blk, window=1)
            of_pp = med(runs, "tftp_single", "netbootd", "of_pingpong", blksize=blk, window=1)
            if of_pp is None:
                of_pp = ratio(nb, pp[1472 if blk == 1468 else 65468])
            peers_pp = {s: med(runs, "tftp_single", s, "of_pingpong", blksize=blk, window=1) for s in ("tftpd-hpa", "dnsmasq")}
            # vs the faster peer: the ratio of the servers' median rates (they alternate in every
            # repetition, each repetition led by another one). The ratio of their medians against
            # the ping-pong measured before each transfer is shown too, but not judged: it adds
            # the ping-pong's own noise. Every server is bound by that ping-pong; when the faster
            # peer and netbootd both sit at it, closer together than the bound's own spread
            # between its measurements in this run, neither can be shown faster: that is the
            # limit reported.
            peer_pp = max([v for v in peers_pp.values() if v is not None], default=None)
            vs_peer = ratio(nb, lock_peer.get(blk))
            bounds = [r["pingpong_mbps"] for r in runs if r["scenario"] == "tftp_single" and r.get("pingpong_mbps")
                      and r["blksize"] == blk] + [r["mbps"] for r in runs if r["scenario"] == "ceiling"
                                                  and r["server"] == "pingpong" and r["size"] == blk + 4]
            spread = statistics.pstdev(bounds) / statistics.mean(bounds) if len(bounds) > 1 else None
            at_bound = (vs_peer is not None and spread is not None and of_pp is not None and peer_pp is not None
                        and of_pp >= 0.9 and peer_pp >= 0.9 and 1 - vs_peer <= spread)
            out.append(f"- Lock-step blksize {blk}: {fmt(of_pp)} of the ping-pong ceiling (target >= 0.9; tftpd-hpa "
                       f"{fmt(peers_pp['tftpd-hpa'])}, dnsmasq {fmt(peers_pp['dnsmasq'])}): "
                       f"{verdict(None if of_pp is None else of_pp >= 0.9)}; vs the faster peer {fmt(vs_peer)} "
                       f"(target >= 1; against the ping-pong before each transfer {fmt(ratio(of_pp, peer_pp))}): "
                       + bounded(None if vs_peer is None else vs_peer >= 1, at_bound,
                                 f"both at the ping-pong bound, {fmt(of_pp)} and {fmt(peer_pp)} of it, "
                                 f"{fmt((1 - vs_peer) * 100 if vs_peer else None)}% apart: less than the bound's own "
                                 f"spread between its {len(bounds)} measurements in this run "
                                 f"({fmt(spread * 100 if spread else None)}%, coefficient of variation), so no server "
                                 "can be shown faster than one at the bound",
                                 label="physical limit, within the bound's noise"))
        w64 = med(runs, "tftp_single", "netbootd", "mbps", blksize=1468, window=64)
        peer = lock_peer.get(1468)
        out.append(f"- windowsize 64 at 1468: {fmt(ratio(w64, peer))}x the faster peer's lock-step (target >= 8): "
                   + bounded(None if peer is None or w64 is None else w64 >= 8 * peer,
                             peer is not None and fl[1472] is not None and 8 * peer > fl[1472],
                             f"8x is {fmt(8 * peer if peer else None)} MB/s, above the flood ceiling of {fmt(fl[1472])} MB/s: "
                             "datagrams sent back to back with nothing else to do")
                   + f"; {fmt(ratio(w64, fl[1472]))} of "
                   f"the flood ceiling (target >= 0.5): {verdict(None if w64 is None or fl[1472] is None else w64 >= 0.5 * fl[1472])}\n")

    # Scenario 3
    if any(r["scenario"] == "storm" for r in runs):
        out.append("## 3. Boot storm (blksize 1468, lock-step, loopback)\n")
        out.append("`netboot_load tftp --clients N --blksize 1468` (N clients in one process, each its own socket, "
                   "all RRQs at once). Aggregate = bytes / time to the last completion; CPU = server utime+stime "
                   "(+ reaped children for tftpd-hpa) over the storm; RSS = peak, summed over tftpd-hpa's per-client "
                   "processes (shared pages counted once per process, as `ps` shows them).\n")
        out.append("| storm | server | completed | aggregate MB/s | p99 s | CPU s / GiB | peak RSS MiB | load tool CPU / wall |")
        out.append("|---|---|---|---|---|---|---|---|")
        sizes = sorted({(r["clients"], r["size"]) for r in runs if r["scenario"] == "storm"})
        checks = []
        for clients, size in sizes:
            vals = {}
            for server in ("netbootd", "dnsmasq", "tftpd-hpa"):
                rows = [r for r in runs if r["scenario"] == "storm" and r["server"] == server and r["clients"] == clients]
                if not rows:
                    continue
                w = dict(clients=clients)
                v = {k: med(runs, "storm", server, k, **w) for k in ("mbps", "p99_s", "cpu_s_per_gib", "rss_kib")}
                v["client_busy"] = median([r["client_cpu_s"] / r["max_s"] for r in rows if r.get("client_cpu_s") and r["max_s"]])
                vals[server] = v
                okc = min(r["ok"] for r in rows)
                out.append(f"| {clients} x {size // 2**20} MiB | {server} | {okc}/{clients} (worst run) | {fmt(v['mbps'])} | "
                           f"{fmt(v['p99_s'])} | {fmt(v['cpu_s_per_gib'])} | {fmt(v['rss_kib'] / 1024 if v['rss_kib'] else None)} | "
                           f"{fmt(v['client_busy'])} |")
            nb = vals.get("netbootd")
            peers = [vals[p] for p in ("dnsmasq", "tftpd-hpa") if p in vals]
            if nb and peers:
                best_rate = max(p["mbps"] for p in peers)
                best_p99 = min(p["p99_s"] for p in peers)
                best_cpu = min(p["cpu_s_per_gib"] for p in peers)
                best_rss = min(p["rss_kib"] for p in peers)
                # Bounds measured in the same run (scenario 2's ceilings, the sleep probe).
                flood = med(runs, "ceiling", "flood", "mbps", size=1472)
                send_gib = med(runs, "ceiling", "flood", "sender_cpu_s_per_gib", size=1472)
                ack_us = med(runs, "ceiling", "flood", "receiver_cpu_us_per_datagram", size=4)
                cpu_floor = send_gib + ack_us * 1e-6 * 2**30 / 1468 if send_gib is not None and ack_us is not None else None
                # The most a server can move: the flood ceiling, and the CPUs it has (one when
                # pinned) divided by the CPU floor per byte.
                server_cpus = 1 if getattr(args, "pinned", False) else (os.cpu_count() or 1)
                cpu_bound = server_cpus * 2**30 / cpu_floor / 1e6 if cpu_floor else None
                rate_bound = min([b for b in (flood, cpu_bound) if b is not None], default=None)
                p99_floor = 0.99 * clients * size / 1e6 / rate_bound if rate_bound else None
                rss_floor = med(runs, "rss_floor", "sleep", "rss_kib")
                checks.append(
                    f"- {clients} x {size // 2**20} MiB: throughput {fmt(ratio(nb['mbps'], best_rate))}x the faster peer "
                    "(target >= 2): "
                    + bounded(nb["mbps"] >= 2 * best_rate, rate_bound is not None and 2 * best_rate > rate_bound,
                              f"2x is {fmt(2 * best_rate)} MB/s; no server can exceed {fmt(rate_bound)} MB/s here: the "
                              f"flood ceiling is {fmt(flood)} MB/s, and {server_cpus} CPU at the CPU floor below moves "
                              f"{fmt(cpu_bound)} MB/s")
                    + f"; p99 {fmt(ratio(nb['p99_s'], best_p99))} of the best (target <= 0.5): "
                    + bounded(nb["p99_s"] <= 0.5 * best_p99, p99_floor is not None and 0.5 * best_p99 < p99_floor,
                              f"half is {fmt(0.5 * best_p99)} s; 99% of the bytes take {fmt(p99_floor)} s at "
                              f"{fmt(rate_bound)} MB/s")
                    + f"; CPU/GiB {fmt(ratio(nb['cpu_s_per_gib'], best_cpu))} of the best (target <= 0.5): "
                    + bounded(nb["cpu_s_per_gib"] <= 0.5 * best_cpu, cpu_floor is not None and 0.5 * best_cpu < cpu_floor,
                              f"half is {fmt(0.5 * best_cpu)} s/GiB; sending the blocks and receiving the ACKs alone, "
                              f"batched, with no file read, costs {fmt(cpu_floor)} s/GiB")
                    + f"; memory {fmt(ratio(nb['rss_kib'], best_rss))} of the smallest (target <= 0.05): "
                    + bounded(nb["rss_kib"] <= best_rss / 20, rss_floor is not None and best_rss / 20 < rss_floor,
                              f"1/20 is {fmt(best_rss / 20)} KiB; `sleep`, which only links libc, has {fmt(rss_floor)} KiB"))
        out.append("")
        out += checks
        out.append("")

    # Scenario 4
    if any(r["scenario"] == "http" for r in runs):
        out.append(f"## 4. HTTP ({args.http_clients} concurrent downloads of a {args.http_size // 2**20} MiB file)\n")
        out.append(f"`wrk -t2 -c{args.http_clients} -d{args.http_seconds}s --timeout 60s http://127.0.0.1:{HTTP_PORT}/http.bin` "
                   "(Transfer/sec), after one byte-exact `curl | cmp`. nginx: 1 worker, sendfile on, tcp_nopush on, "
                   "access log off.\n")
        out.append("| server | MB/s | CPU s over the run | byte-exact |")
        out.append("|---|---|---|---|")
        for server in ("netbootd", "nginx"):
            v = med(runs, "http", server, "mbps")
            if v is None:
                continue
            exact = all(r["exact"] for r in runs if r["scenario"] == "http" and r["server"] == server)
            out.append(f"| {server} | {fmt(v)} | {fmt(med(runs, 'http', server, 'cpu_s'))} | {exact} |")
        nb, ng = med(runs, "http", "netbootd", "mbps"), med(runs, "http", "nginx", "mbps")
        out.append(f"\n- netbootd / nginx: {fmt(ratio(nb, ng))} (target >= 0.9): {verdict(None if ng is None else nb >= 0.9 * ng)}\n")

    # Scenario 5
    if any(r["scenario"] in ("memory_tftp", "startup") for r in runs):
        out.append("## 5. Memory and start-up\n")
        out.append(f"Idle RSS with DHCP running (netbootd `-p` with its lease file; dnsmasq DHCP; Kea memfile); "
                   f"RSS with {args.hold_clients} concurrent TFTP transfers held open (`netboot_load tftp --clients "
                   f"{args.hold_clients} --hold-ms 1500`: every client stops after block 1 until all are open, the RSS "
                   "is sampled, then they complete); start-up = launch to the first OFFER (a DISCOVER every 2 ms from "
                   "the client namespace).\n")
        out.append("| server | idle RSS KiB (DHCP) | launch to first OFFER ms | TFTP idle RSS KiB | RSS at N transfers KiB | transfers open | KiB per transfer |")
        out.append("|---|---|---|---|---|---|---|")
        for server in ("netbootd", "dnsmasq", "kea", "tftpd-hpa"):
            a = med(runs, "startup", server, "idle_kib")
            b = med(runs, "startup", server, "ready_ms")
            c = med(runs, "memory_tftp", server, "idle_kib")
            d = med(runs, "memory_tftp", server, "loaded_kib")
            h = med(runs, "memory_tftp", server, "holding")
            e = med(runs, "memory_tftp", server, "per_transfer_kib")
            if all(v is None for v in (a, b, c, d)):
                continue
            out.append(f"| {server} | {fmt(a)} | {fmt(b)} | {fmt(c)} | {fmt(d)} | {fmt(h)} | {fmt(e)} |")
        nbi, dmi = med(runs, "startup", "netbootd", "idle_kib"), med(runs, "startup", "dnsmasq", "idle_kib")
        per = med(runs, "memory_tftp", "netbootd", "per_transfer_kib")
        ready = med(runs, "startup", "netbootd", "ready_ms")
        out.append("")
        out.append(f"- Idle RSS netbootd / dnsmasq: {fmt(ratio(nbi, dmi))} (target <= 2): {verdict(None if dmi is None else nbi <= 2 * dmi)}")
        out.append(f"- Per concurrent transfer: {fmt(per)} KiB (target <= 64): {verdict(None if per is None else per <= 64)}")
        out.append(f"- Launch to first OFFER: {fmt(ready)} ms (target <= 100): {verdict(None if ready is None else ready <= 100)}\n")

    out.append("## Reading these figures\n")
    out.append("- The machine has 2 cores shared with other engineers' builds (see the load average). Each server has "
               "CPU 0 and its clients CPU 1, so a storm is bound by whichever side is slower: the `load tool CPU / wall` "
               "column shows how busy the client was. Server CPU time (from the daemon's own cpuacct cgroup: every "
               "thread and child) is the less noisy comparison. A lock-step round trip crosses CPUs: on this virtual "
               "machine a cross-CPU wake-up costs tens of µs, which is why lock-step rates are far below the same "
               "transfers with both sides on one CPU, and why every server's lock-step figure sits near the ping-pong "
               "bound.")
    out.append("- RSS counts the pages of shared libraries a process touched (`/proc/<pid>/statm`); RSS per transfer is "
               "(RSS with N transfers open - idle RSS) / N, user space only (socket buffers are kernel memory).\n")
    out.append("## What was profiled and changed (2026-11-25)\n")
    out.append("Measured with `perf record -g`, `strace -c` and A/B runs of two builds alternately (figures from those "
               "runs, not from the tables above).\n")
    out.append("- TFTP: Asio's `async_wait` re-armed each session socket with `epoll_ctl` once per block; sessions now "
               "receive with `async_receive_from` (one `recvfrom` per ACK, no `epoll_ctl`): 6% less server CPU per GiB "
               "in a 200 x 4 MiB storm. DATA to on-link clients carry DF, which skips the kernel's shared IP ID "
               "generator (5% of the storm's samples). The next window is read ahead (one `pread` of up to 64 KiB) while "
               "the client acknowledges: lock-step at blksize 65464 went from 0.65 to 0.87-0.96 of the ping-pong bound, "
               "windowsize 64 from ~500 to ~620 MB/s. Then the whole next window is built as datagrams ahead "
               "(`ReadTransfer::prepare_next_window`) and swapped in on its ACK, so no copy is left on the round trip "
               "either: in 15 alternating pairs, lock-step 65464 went from 0.964 to 1.013 of the ping-pong bound "
               "(medians), windowsize 64 from 650 to 752 MB/s. Lock-step 1468-byte blocks are built ahead too (as tftpd-hpa "
               "reads its next block ahead): 1.007 of the previous build and 1.04 of dnsmasq in 15 rotating triples on a "
               "16 MiB file, within the noise; it costs one block of memory per transfer.")
    out.append("- Storms: 90% of the server's CPU is in the kernel (UDP send, delivery and wake-up of the client, "
               "receive, page-cache copy), the same work dnsmasq does; the CPU floor above (bare sends and ACK "
               "receives) is 1.6 s/GiB. netbootd stays 5-10% behind dnsmasq's CPU per GiB, and its clients use "
               "~8% more CPU (the load tool is the storm's bottleneck: it is at 100% of its CPU). Differences seen "
               "in the profiles (`perf record -C 0,1`, 100 x 16 MiB): epoll keeps a wait-queue entry on every "
               "session socket, so each datagram sent runs the socket's write-space callback (`sock_wfree` -> "
               "`ep_poll_callback`, ~3% of the server's samples) and each ACK arriving runs the epoll callback in "
               "the client's context, which dnsmasq's `poll()` avoids by registering only while it waits; the kernel "
               "frees the ACKs' buffers on the client's CPU (`skb_defer_free_flush`, 5% of the client's samples) "
               "where with dnsmasq it frees the DATA buffers on the server's; and Asio tries a receive right after "
               "each send, which fails (111 ns per block measured, ~4%). Tried, no measurable change: sending from "
               "a second, never-polled socket on the session's port; Asio without per-socket locks (kept: "
               "`ASIO_CONCURRENCY_HINT_UNSAFE_IO`); io_uring. Not closed.")
    out.append("- DHCP: allocations per exchange cut (a flat `OptionMap` instead of a tree of nodes, the lease queue "
               "reusing its buffers, replies serialized with no allocation into one reused buffer: the encoder's "
               "temporary vectors were 9% of the samples), an OFFER held in memory only (no queue entry, never a "
               "row), one `INSERT OR REPLACE` per lease instead of two deletes and an insert: 31 -> 26.5 µs per "
               "exchange at 12,000/s. The durable floor shows where the rest goes: a responder that does nothing "
               "but answer and `fdatasync` a 16-byte record per lease (2 ms group windows) costs ~26 µs per exchange "
               "on this VM's disk, ~8 µs of it for the fsyncs (each one several virtio exits); netbootd sits within "
               "a few µs of it with SQLite, the policy pipeline and the event loop.")
    out.append("- Idle RSS: libcurl (and its TLS, Kerberos, LDAP, SSH libraries) is loaded with `dlopen` only when a "
               "remote TFTP root or HTTP access check needs it: 12.9 MB -> 7 MB.\n")
    out.append("## Raw runs\n")
    out.append(f"Every run is in `{args.json_name}` next to this file.\n")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netbootd", default=str(SOURCE / "build" / "netbootd"))
    ap.add_argument("--load", default=str(SOURCE / "build" / "bench" / "netboot_load"))
    ap.add_argument("--only", default="dhcp,tftp,storm,http,memory")
    ap.add_argument("--peers", default="kea,dnsmasq,tftpd-hpa,nginx")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--storm-reps", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one run, no peers: correctness only")
    ap.add_argument("--no-pin", action="store_true", help="let the scheduler place servers and clients")
    ap.add_argument("--results", default=str(SOURCE / "bench" / "RESULTS.md"))
    ap.add_argument("--json", default=None, help="raw runs (default: next to --results)")
    # Sizes (issue 8).
    ap.add_argument("--clients", type=int, default=50000)
    ap.add_argument("--pool", type=int, default=120000)
    ap.add_argument("--prefill", type=int, default=50000)
    ap.add_argument("--dhcp-start-rate", type=int, default=500)
    ap.add_argument("--ramp-steps", type=int, default=12)
    ap.add_argument("--ramp-refine", type=int, default=3, help="bisection steps after the x1.5 ramp")
    ap.add_argument("--ramp-seconds", type=int, default=2)
    ap.add_argument("--dhcp-seconds", type=int, default=5)
    ap.add_argument("--tftp-size", type=int, default=256 << 20)
    ap.add_argument("--ceiling-ms", type=int, default=1000)
    ap.add_argument("--storm-small-clients", type=int, default=500)
    ap.add_argument("--storm-small-size", type=int, default=4 << 20)
    ap.add_argument("--storm-large-clients", type=int, default=100)
    ap.add_argument("--storm-large-size", type=int, default=32 << 20)
    ap.add_argument("--storm-time-limit", type=int, default=150)
    ap.add_argument("--http-size", type=int, default=256 << 20)
    ap.add_argument("--http-clients", type=int, default=100)
    ap.add_argument("--http-seconds", type=int, default=5)
    ap.add_argument("--hold-clients", type=int, default=1000)
    ap.add_argument("--report-only", metavar="JSON", help="rewrite --results from the runs of an earlier JSON")
    args = ap.parse_args()
    if args.report_only:
        saved = json.loads(Path(args.report_only).read_text())
        old = argparse.Namespace(**saved["args"])
        text = report(saved["runs"], old, time.time() - saved.get("elapsed", 0), saved.get("command", "?"),
                      saved.get("date"))
        if saved["failures"]:
            text += "\n## Failures\n\n" + "\n".join(f"- {f}" for f in saved["failures"]) + "\n"
        results_file.write_run_bench(Path(args.results), text)
        return 0
    if args.smoke:
        args.peers = ""
        args.reps = args.storm_reps = 1
        args.clients, args.pool, args.prefill = 200, 1000, 300
        args.dhcp_start_rate, args.ramp_steps, args.ramp_seconds, args.dhcp_seconds = 50, 1, 1, 1
        args.ramp_refine = 0
        args.tftp_size, args.ceiling_ms = 3 << 20, 100
        args.storm_small_clients, args.storm_small_size = 20, 256 << 10
        args.storm_large_clients, args.storm_large_size = 4, 2 << 20
        args.storm_time_limit = 30
        args.http_size, args.http_clients, args.http_seconds = 4 << 20, 4, 1
        args.hold_clients = 50
    args.json_name = Path(args.json).name if args.json else Path(args.results).with_suffix(".json").name
    json_path = Path(args.json) if args.json else Path(args.results).with_suffix(".json")
    for tool in (args.netbootd, args.load):
        if not os.access(tool, os.X_OK):
            print(f"missing {tool}: build it first (cmake --build build --target netbootd netboot_load)", file=sys.stderr)
            return 2
    args.netbootd, args.load = os.path.abspath(args.netbootd), os.path.abspath(args.load)
    PINNING["on"] = not args.no_pin and (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    args.pinned = PINNING["on"]
    netns.require_netns()
    # 1,000 concurrent transfers need 1,000+ sockets, in every server alike (inherited).
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    started = time.time()
    command = " ".join(["bench/run_bench.py"] + sys.argv[1:])
    wanted = [s for s in args.only.split(",") if s]
    failures: List[str] = []
    # /15: room for a 120,000-address pool (RFC 2544 range, inside the namespaces only).
    with netns.NetnsPair(subnet="198.18.0.0/15") as pair:
        bench = Bench(args, pair)
        for name in ("dhcp", "tftp", "storm", "http", "memory"):
            if name not in wanted:
                continue
            log(f"scenario {name}")
            t0 = time.time()
            try:
                getattr(bench, f"scenario_{name}")()
            except BenchError as e:
                failures.append(f"{name}: {e}")
                log(f"scenario {name} FAILED: {e}")
            log(f"scenario {name} took {time.time() - t0:.0f} s")
        runs = bench.runs
    json_path.write_text(json.dumps({"args": {k: v for k, v in vars(args).items()}, "runs": runs,
                                     "failures": failures, "elapsed": time.time() - started, "command": command,
                                     "date": datetime.datetime.now().astimezone().isoformat(timespec="minutes")},
                                    indent=1))
    if not args.smoke:
        text = report(runs, args, started, command)
        if failures:
            text += "\n## Failures\n\n" + "\n".join(f"- {f}" for f in failures) + "\n"
        results_file.write_run_bench(Path(args.results), text)  # keeps the other benches' sections
        log(f"wrote {args.results}")
    log(f"done in {time.time() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
