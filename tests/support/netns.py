"""Network-namespace test harness for netbootd integration tests (Python 3 stdlib only).

A NetnsPair is two network namespaces joined by a veth pair:

    server namespace  <veth>  client namespace
    <server_ip>/24            (no address)

Both namespaces and both veth ends are named "nbd-<pid>-<n>..." so that concurrent test
processes never collide and leftovers of crashed runs can be recognised by a PID that no
longer exists.  The addresses come from 198.18.0.0/15 (RFC 2544 benchmark range) and exist
only inside the namespaces: no traffic ever reaches the host's networks.

Teardown is guaranteed: the context manager's __exit__, an atexit hook and SIGTERM/SIGINT
handlers all run the same idempotent cleanup (processes first, then links, then namespaces).
Processes spawned by the harness also get PR_SET_PDEATHSIG=SIGKILL so that they die with the
test even when it is SIGKILLed (ctest timeout); the namespaces such a run leaves behind are
removed by the next run (cleanup_stale()).

Every wait is bounded: run() requires a timeout, wait_for()/wait_for_log() raise TimeoutError.
"""

from __future__ import annotations

import atexit
import ctypes
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence, TypeVar, Union

T = TypeVar("T")
Cmd = Union[str, Sequence[str]]

PREFIX = "nbd-"
NETNS_DIR = Path("/run/netns")
SKIP_EXIT_CODE = 77  # ctest SKIP_RETURN_CODE (tests/CMakeLists.txt)
_IFNAMSIZ = 15  # Linux interface names: 15 characters + NUL
_STALE_RE = re.compile(r"^nbd-(\d+)-")

_PR_SET_PDEATHSIG = 1
_CLONE_NEWNET = 0x40000000


# --------------------------------------------------------------------------------------------
# Skipping (exit code 77) and preconditions
# --------------------------------------------------------------------------------------------

# Set while main() runs the tests: a skip from inside a test must be unittest's own, since
# unittest turns the SystemExit of sys.exit(77) into an error (the whole script then failed).
_running_tests = False


def skip(reason: str) -> "NoReturn":  # type: ignore[name-defined]
    """Skip the whole test script: ctest reports it as skipped (SKIP_RETURN_CODE 77). Called
    inside a test run by main(), it skips that test (or class); main() exits 77 when every test
    was skipped."""
    print(f"SKIP: {reason}", file=sys.stderr, flush=True)
    if _running_tests:
        raise unittest.SkipTest(reason)
    sys.exit(SKIP_EXIT_CODE)


def require_root() -> None:
    if os.geteuid() != 0:
        skip("needs root to create network namespaces (run as root, e.g. sudo ctest -L integration)")


def require_commands(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        skip(f"missing command(s): {', '.join(missing)} (install them with scripts/deps.sh test)")


def require_netns() -> None:
    """Root + iproute2: what every namespace-based test needs. Exits 77 otherwise."""
    require_root()
    require_commands("ip")


def main(argv: Optional[list] = None) -> None:
    """unittest.main() replacement: exit 0 when all pass, 77 when every test was skipped,
    1 on any failure or error."""
    global _running_tests
    _running_tests = True
    try:
        program = unittest.main(argv=argv, exit=False, verbosity=2)
    finally:
        _running_tests = False
    result = program.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        sys.exit(SKIP_EXIT_CODE)
    sys.exit(0)


# --------------------------------------------------------------------------------------------
# Bounded waiting
# --------------------------------------------------------------------------------------------

def wait_for(predicate: Callable[[], T], timeout: float, interval: float = 0.05,
             what: str = "condition") -> T:
    """Poll predicate until it returns a truthy value (returned) or raise TimeoutError."""
    if timeout is None or timeout <= 0:
        raise ValueError("wait_for needs a positive timeout")
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


def read_text(path: Union[str, Path], since: int = 0) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def file_size(path: Union[str, Path]) -> int:
    """Current size of a log file: pass it as since= to wait only for lines written later."""
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def wait_for_log(path: Union[str, Path], regex: Union[str, "re.Pattern[str]"], timeout: float,
                 since: int = 0, alive: Optional[Callable[[], bool]] = None) -> "re.Match[str]":
    """Wait until the text of path (from byte offset since) matches regex (re.MULTILINE).
    alive: optional callable; when it returns False the wait stops early (process died)."""
    pattern = re.compile(regex, re.MULTILINE) if isinstance(regex, str) else regex
    deadline = time.monotonic() + timeout
    while True:
        text = read_text(path, since)
        match = pattern.search(text)
        if match:
            return match
        if alive is not None and not alive():
            text = read_text(path, since)
            match = pattern.search(text)
            if match:
                return match
            raise TimeoutError(f"process ended before {path} matched /{pattern.pattern}/; "
                               f"log tail:\n{_tail(text)}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for /{pattern.pattern}/ "
                               f"in {path}; log tail:\n{_tail(text)}")
        time.sleep(0.05)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------------
# Running commands
# --------------------------------------------------------------------------------------------

def _argv(cmd: Cmd, ns: Optional[str]) -> list:
    argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    return argv


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _child_setup() -> None:
    # Runs in the child between fork and exec: die with the test process, even on SIGKILL.
    _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _kill_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group, then SIGKILL after grace seconds. Bounded."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            # The leader is gone; make sure helpers it left in its group go too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            return
        except subprocess.TimeoutExpired:
            continue


def run(cmd: Cmd, *, timeout: float, ns: Optional[str] = None, check: bool = True,
        input: Optional[str] = None, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """Run cmd (argv list, or a shell string) in namespace ns (None = host) and wait at most
    timeout seconds; on timeout the whole process group is killed and TimeoutError raised.
    Returns CompletedProcess with text stdout/stderr; check=True raises on non-zero exit."""
    if timeout is None or timeout <= 0:
        raise ValueError("run() needs a positive timeout")
    argv = _argv(cmd, ns)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env,
                            preexec_fn=_child_setup if _in_main_thread() else None)
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc, grace=0.2)
        out, err = proc.communicate()
        raise TimeoutError(f"command timed out after {timeout}s: {' '.join(argv)}\n"
                           f"stdout: {out}\nstderr: {err}") from None
    except BaseException:
        _kill_group(proc, grace=0.2)
        raise
    result = subprocess.CompletedProcess(argv, proc.returncode, out, err)
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv, out, err)
    return result


def _in_main_thread() -> bool:
    # PR_SET_PDEATHSIG fires when the *thread* that forked exits: only use it from the
    # main thread, which lives as long as the test.
    return threading.current_thread() is threading.main_thread()


class Process:
    """A background process started by spawn(); killed (whole process group) at teardown."""

    def __init__(self, popen: subprocess.Popen, argv: list, log_path: Optional[Path]):
        self.popen = popen
        self.argv = argv
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    @property
    def returncode(self) -> Optional[int]:
        return self.popen.poll()

    def wait(self, timeout: float) -> int:
        """Wait for exit (bounded); raises TimeoutError."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"process {self.pid} still running after {timeout}s: "
                               f"{' '.join(self.argv)}") from None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.popen.pid, sig)

    def kill(self, grace: float = 1.0) -> None:
        """Terminate the process group (SIGTERM, then SIGKILL after grace)."""
        if self.popen.returncode is None:
            _kill_group(self.popen, grace)
        _registry.forget_process(self)

    def log(self) -> str:
        return read_text(self.log_path) if self.log_path else ""


def spawn(cmd: Cmd, *, ns: Optional[str] = None, log: Optional[Union[str, Path]] = None,
          stdout_to_log: bool = True, env: Optional[dict] = None) -> Process:
    """Start cmd in the background in namespace ns (None = host), in its own process group.
    stderr (and stdout unless stdout_to_log=False) go to file log (default: /dev/null).
    The process is killed at teardown (atexit/signals/NetnsPair exit) if still running."""
    argv = _argv(cmd, ns)
    log_path = Path(log) if log else None
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                 stdout=out if stdout_to_log else subprocess.DEVNULL,
                                 stderr=out, start_new_session=True, env=env,
                                 preexec_fn=_child_setup if _in_main_thread() else None)
    finally:
        if log_path:
            out.close()
    process = Process(popen, argv, log_path)
    _registry.add_process(process)
    return process


# --------------------------------------------------------------------------------------------
# Sockets inside a namespace (setns on a short-lived thread: the socket keeps its namespace)
# --------------------------------------------------------------------------------------------

def socket_in_ns(ns: Optional[str], family: int = socket.AF_INET, type: int = socket.SOCK_DGRAM,
                 proto: int = 0, setup: Optional[Callable[[socket.socket], None]] = None) -> socket.socket:
    """Create a socket that lives in network namespace ns (None = the test's own namespace).
    setup(sock) runs in the namespace too (use it for bind/SO_BINDTODEVICE)."""
    if ns is None:
        sock = socket.socket(family, type, proto)
        if setup:
            setup(sock)
        return sock
    box: dict = {}

    def worker() -> None:
        try:
            fd = os.open(NETNS_DIR / ns, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc().setns(fd, _CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns({ns}): {os.strerror(err)}")
            finally:
                os.close(fd)
            sock = socket.socket(family, type, proto)
            try:
                if setup:
                    setup(sock)
            except BaseException:
                sock.close()
                raise
            box["sock"] = sock
        except BaseException as e:  # handed back to the caller
            box["error"] = e

    thread = threading.Thread(target=worker, name=f"setns-{ns}", daemon=True)
    thread.start()
    thread.join(timeout=10)
    if "error" in box:
        raise box["error"]
    if "sock" not in box:
        raise TimeoutError(f"could not create a socket in namespace {ns}")
    return box["sock"]


def udp_socket(ns: Optional[str], bind: tuple = ("0.0.0.0", 0), device: Optional[str] = None,
               broadcast: bool = False, reuse: bool = True) -> socket.socket:
    """UDP socket in namespace ns, optionally SO_BINDTODEVICE'd and SO_BROADCAST-enabled."""
    def setup(sock: socket.socket) -> None:
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if device:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
        sock.bind(bind)
    return socket_in_ns(ns, socket.AF_INET, socket.SOCK_DGRAM, 0, setup)


# --------------------------------------------------------------------------------------------
# Namespace pair
# --------------------------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_netns() -> list:
    """Names of the named network namespaces (ip netns list)."""
    out = run(["ip", "netns", "list"], timeout=10).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def list_links(ns: Optional[str] = None) -> list:
    """Interface names in namespace ns (None = host)."""
    cmd = ["ip", "-o", "link", "show"]
    if ns:
        cmd = ["ip", "-n", ns, "-o", "link", "show"]
    out = run(cmd, timeout=10).stdout
    names = []
    for line in out.splitlines():
        parts = line.split(":", 2)
        if len(parts) >= 2:
            names.append(parts[1].strip().split("@")[0])
    return names


def _netns_pids(ns: str) -> list:
    try:
        out = run(["ip", "netns", "pids", ns], timeout=10, check=False).stdout
    except TimeoutError:
        return []
    return [int(p) for p in out.split() if p.isdigit()]


def _kill_pids(pids: Iterable[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _delete_netns(ns: str) -> None:
    # Processes keep a namespace alive after "ip netns del": kill what still runs inside
    # (only ever in namespaces named by this harness), delete its links synchronously (netns
    # destruction itself is asynchronous in the kernel), then the namespace.
    for _ in range(3):
        pids = _netns_pids(ns)
        if not pids:
            break
        _kill_pids(pids)
        time.sleep(0.05)
    for link in list_links(ns) if (NETNS_DIR / ns).exists() else []:
        if link != "lo":
            run(["ip", "-n", ns, "link", "del", link], timeout=10, check=False)
    run(["ip", "netns", "del", ns], timeout=10, check=False)


def cleanup_stale() -> list:
    """Remove namespaces and host links named nbd-<pid>-... whose <pid> no longer exists
    (leftovers of a crashed or SIGKILLed earlier run). Returns the names removed."""
    removed = []
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return removed
    for ns in list_netns():
        m = _STALE_RE.match(ns)
        if m and not _pid_alive(int(m.group(1))):
            _delete_netns(ns)
            removed.append(ns)
    for link in list_links(None):
        m = _STALE_RE.match(link)
        if m and not _pid_alive(int(m.group(1))):
            run(["ip", "link", "del", link], timeout=10, check=False)
            removed.append(link)
    for d in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        m = _STALE_RE.match(d.name)
        if m and d.is_dir() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(str(d))
    return removed


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


class _Registry:
    """Everything alive that teardown must remove; shared by atexit and the signal handlers."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.pairs: list = []
        self.processes: list = []
        self.counter = 0
        self.hooks_installed = False

    def next_id(self) -> str:
        with self.lock:
            self.counter += 1
            return _base36(self.counter)

    def add_process(self, p: Process) -> None:
        with self.lock:
            self.processes.append(p)
        self.install_hooks()

    def forget_process(self, p: Process) -> None:
        with self.lock:
            if p in self.processes:
                self.processes.remove(p)

    def add_pair(self, pair: "NetnsPair") -> None:
        with self.lock:
            self.pairs.append(pair)
        self.install_hooks()

    def forget_pair(self, pair: "NetnsPair") -> None:
        with self.lock:
            if pair in self.pairs:
                self.pairs.remove(pair)

    def teardown_all(self) -> None:
        with self.lock:
            processes = list(self.processes)
            pairs = list(self.pairs)
        for p in processes:
            try:
                p.kill(grace=0.5)
            except Exception:
                pass
        for pair in pairs:
            try:
                pair.close()
            except Exception:
                pass

    def install_hooks(self) -> None:
        with self.lock:
            if self.hooks_installed:
                return
            self.hooks_installed = True
        atexit.register(self.teardown_all)
        if not _in_main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            previous = signal.getsignal(sig)

            def handler(signum, frame, previous=previous):
                self.teardown_all()
                if callable(previous) and previous not in (signal.SIG_DFL, signal.SIG_IGN):
                    previous(signum, frame)  # e.g. Python's KeyboardInterrupt for SIGINT
                    return
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

            signal.signal(sig, handler)


_registry = _Registry()


class NetnsPair:
    """Two network namespaces joined by a veth pair. Use as a context manager:

        with NetnsPair() as pair:
            pair.server_ns, pair.client_ns      # namespace names
            pair.server_if, pair.client_if      # veth ends inside them
            pair.server_ip                      # e.g. "198.18.7.1" (/24) on server_if
            pair.run([...], ns=pair.client_ns, timeout=5)
            pair.spawn([...], ns=pair.server_ns, log=pair.path("x.log"))

    subnet: an IPv4 /N network (default: a 198.18.0.0/15 /24 derived from pid and counter);
    the server gets its first host address. client_address: optional "a.b.c.d/len" for the
    client side (default: none, like a machine before DHCP). workdir: pair.tmpdir, a private
    temporary directory removed at teardown (keep_tmp=True or NETBOOT_KEEP_TMP=1 keeps it).
    """

    def __init__(self, subnet: Optional[str] = None, client_address: Optional[str] = None,
                 keep_tmp: Optional[bool] = None, mtu: Optional[int] = None):
        self.pid = os.getpid()
        self.id = _registry.next_id()
        base = f"{PREFIX}{self.pid}-{self.id}"
        self.server_ns = f"{base}-s"
        self.client_ns = f"{base}-c"
        self.server_if = f"{base}s"
        self.client_if = f"{base}c"
        if len(self.server_if) > _IFNAMSIZ:
            raise ValueError(f"interface name {self.server_if} exceeds {_IFNAMSIZ} characters")
        if subnet is None:
            index = (self.pid * 7 + _registry.counter) % 512
            subnet = f"198.{18 + index // 256}.{index % 256}.0/24"
        self.network = ipaddress.IPv4Network(subnet)
        hosts = self.network.hosts()
        self.server_ip = str(next(hosts))
        self.prefix_len = self.network.prefixlen
        self.netmask = str(self.network.netmask)
        self.broadcast = str(self.network.broadcast_address)
        self.client_address = client_address
        self.mtu = mtu
        if keep_tmp is None:
            keep_tmp = os.environ.get("NETBOOT_KEEP_TMP") == "1"
        self.keep_tmp = keep_tmp
        self.tmpdir: Optional[Path] = None
        self.processes: list = []
        self._open = False
        self._closed = False

    # -- addresses --------------------------------------------------------------------------
    def host(self, n: int) -> str:
        """The n-th address of the subnet (host(1) == server_ip, host(100) == a pool start)."""
        return str(self.network.network_address + n)

    @property
    def server_cidr(self) -> str:
        return f"{self.server_ip}/{self.prefix_len}"

    def path(self, name: str) -> Path:
        """A file inside the pair's private temporary directory."""
        assert self.tmpdir is not None, "NetnsPair not open"
        return self.tmpdir / name

    # -- lifecycle --------------------------------------------------------------------------
    def open(self) -> "NetnsPair":
        if self._open:
            return self
        require_netns()
        cleanup_stale()
        _registry.add_pair(self)
        self._open = True
        try:
            self.tmpdir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{self.pid}-{self.id}-"))
            for ns in (self.server_ns, self.client_ns):
                if (NETNS_DIR / ns).exists():  # an earlier process with our PID crashed
                    _delete_netns(ns)
            run(["ip", "netns", "add", self.server_ns], timeout=10)
            run(["ip", "netns", "add", self.client_ns], timeout=10)
            # Create both ends directly inside their namespaces: they never exist on the host.
            cmd = ["ip", "link", "add", self.server_if, "netns", self.server_ns]
            if self.mtu:
                cmd += ["mtu", str(self.mtu)]
            cmd += ["type", "veth", "peer", "name", self.client_if, "netns", self.client_ns]
            run(cmd, timeout=10)
            for ns, ifname in ((self.server_ns, self.server_if), (self.client_ns, self.client_if)):
                run(["ip", "-n", ns, "link", "set", "lo", "up"], timeout=10)
                run(["ip", "-n", ns, "link", "set", ifname, "up"], timeout=10)
            run(["ip", "-n", self.server_ns, "addr", "add", self.server_cidr, "broadcast", "+",
                 "dev", self.server_if], timeout=10)
            if self.client_address:
                self.set_client_address(self.client_address)
            # Interfaces need a moment for the carrier (veth peer) and for the address to
            # leave the tentative state; wait (bounded) until the server address is usable.
            wait_for(lambda: "LOWER_UP" in run(["ip", "-n", self.client_ns, "link", "show",
                                                self.client_if], timeout=5).stdout,
                     timeout=5, what=f"carrier on {self.client_if}")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Kill every process started through this pair, remove links, namespaces, tmpdir.
        Idempotent; safe to call from signal handlers and atexit."""
        if self._closed or not self._open:
            return
        self._closed = True
        for p in list(self.processes):
            try:
                p.kill(grace=0.5)
            except Exception:
                pass
        for ns in (self.client_ns, self.server_ns):
            try:
                _delete_netns(ns)
            except Exception as e:  # keep going: remove as much as possible
                print(f"netns teardown: {ns}: {e}", file=sys.stderr)
        if self.tmpdir and not self.keep_tmp:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        _registry.forget_pair(self)

    def __enter__(self) -> "NetnsPair":
        return self.open()

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    # -- helpers bound to this pair ---------------------------------------------------------
    def run(self, cmd: Cmd, *, timeout: float, ns: Optional[str] = None, check: bool = True,
            input: Optional[str] = None) -> subprocess.CompletedProcess:
        return run(cmd, timeout=timeout, ns=ns, check=check, input=input)

    def spawn(self, cmd: Cmd, *, ns: Optional[str] = None, log: Optional[Union[str, Path]] = None,
              stdout_to_log: bool = True, env: Optional[dict] = None) -> Process:
        process = spawn(cmd, ns=ns, log=log, stdout_to_log=stdout_to_log, env=env)
        self.processes.append(process)
        return process

    def set_client_address(self, cidr: str) -> None:
        """Give the client side an address (e.g. for RENEWING tests that unicast)."""
        run(["ip", "-n", self.client_ns, "addr", "replace", cidr, "broadcast", "+",
             "dev", self.client_if], timeout=10)

    def flush_client_addresses(self) -> None:
        run(["ip", "-n", self.client_ns, "addr", "flush", "dev", self.client_if], timeout=10)

    def add_server_address(self, cidr: str) -> None:
        """A second address/subnet on the server side (multi-subnet tests)."""
        run(["ip", "-n", self.server_ns, "addr", "add", cidr, "broadcast", "+",
             "dev", self.server_if], timeout=10)

    def mac(self, side: str = "client") -> str:
        ns, ifname = ((self.client_ns, self.client_if) if side == "client"
                      else (self.server_ns, self.server_if))
        out = run(["ip", "-n", ns, "-o", "link", "show", ifname], timeout=5).stdout
        m = re.search(r"link/ether ([0-9a-f:]{17})", out)
        if not m:
            raise RuntimeError(f"no MAC on {ifname}: {out}")
        return m.group(1)

    def client_addresses(self) -> list:
        out = run(["ip", "-n", self.client_ns, "-o", "-4", "addr", "show", "dev", self.client_if],
                  timeout=5).stdout
        return re.findall(r"inet (\S+)", out)


class Lan:
    """One Ethernet segment: a bridge in a namespace of its own, and one namespace per member,
    each joined to the bridge by a veth pair (for a second DHCP server on the same link, or
    several clients). Use as a context manager:

        with Lan(["s", "d", "p"]) as lan:
            lan.ns("s"), lan.ifname("s")   # the member's namespace and its interface
            lan.ip("s")                     # its address: "198.18.N.<i+1>" in member order
            lan.mac("p")

    Members get an address when listed in `addressed` (default: every member). Names are
    nbd-<pid>-<id>-<member> (namespaces) and nbd-<pid>-<id><member> (interfaces); the bridge
    namespace is nbd-<pid>-<id>-lan. Teardown removes every namespace and the tmpdir.
    """

    def __init__(self, members: Sequence[str], addressed: Optional[Sequence[str]] = None,
                 subnet: Optional[str] = None):
        self.pid = os.getpid()
        self.id = _registry.next_id()
        self.base = f"{PREFIX}{self.pid}-{self.id}"
        self.members = list(members)
        self.addressed = set(self.members if addressed is None else addressed)
        for m in self.members:
            if len(f"{self.base}{m}") > _IFNAMSIZ:
                raise ValueError(f"interface name {self.base}{m} exceeds {_IFNAMSIZ} characters")
        if subnet is None:
            index = (self.pid * 7 + _registry.counter + 256) % 512
            subnet = f"198.{18 + index // 256}.{index % 256}.0/24"
        self.network = ipaddress.IPv4Network(subnet)
        self.prefix_len = self.network.prefixlen
        self.lan_ns = f"{self.base}-lan"
        self.tmpdir: Optional[Path] = None
        self.processes: list = []
        self._open = False
        self._closed = False

    def ns(self, member: str) -> str:
        return f"{self.base}-{member}"

    def ifname(self, member: str) -> str:
        return f"{self.base}{member}"

    def ip(self, member: str) -> str:
        return str(self.network.network_address + 1 + self.members.index(member))

    def host(self, n: int) -> str:
        return str(self.network.network_address + n)

    def path(self, name: str) -> Path:
        assert self.tmpdir is not None, "Lan not open"
        return self.tmpdir / name

    def mac(self, member: str) -> str:
        out = run(["ip", "-n", self.ns(member), "-o", "link", "show", self.ifname(member)], timeout=5).stdout
        m = re.search(r"link/ether ([0-9a-f:]{17})", out)
        if not m:
            raise RuntimeError(f"no MAC on {self.ifname(member)}: {out}")
        return m.group(1)

    def open(self) -> "Lan":
        if self._open:
            return self
        require_netns()
        cleanup_stale()
        _registry.add_pair(self)
        self._open = True
        try:
            self.tmpdir = Path(tempfile.mkdtemp(prefix=f"{self.base}-"))
            for ns in [self.lan_ns] + [self.ns(m) for m in self.members]:
                if (NETNS_DIR / ns).exists():
                    _delete_netns(ns)
                run(["ip", "netns", "add", ns], timeout=10)
                run(["ip", "-n", ns, "link", "set", "lo", "up"], timeout=10)
            run(["ip", "-n", self.lan_ns, "link", "add", "br0", "type", "bridge", "forward_delay", "0"], timeout=10)
            run(["ip", "-n", self.lan_ns, "link", "set", "br0", "up"], timeout=10)
            for i, m in enumerate(self.members):
                port = f"port{i}"
                run(["ip", "link", "add", self.ifname(m), "netns", self.ns(m), "type", "veth", "peer", "name",
                     port, "netns", self.lan_ns], timeout=10)
                run(["ip", "-n", self.lan_ns, "link", "set", port, "master", "br0"], timeout=10)
                run(["ip", "-n", self.lan_ns, "link", "set", port, "up"], timeout=10)
                run(["ip", "-n", self.ns(m), "link", "set", self.ifname(m), "up"], timeout=10)
                if m in self.addressed:
                    self.set_address(m, f"{self.ip(m)}/{self.prefix_len}")
            for m in self.members:
                wait_for(lambda m=m: "LOWER_UP" in run(["ip", "-n", self.ns(m), "link", "show", self.ifname(m)],
                                                       timeout=5).stdout,
                         timeout=5, what=f"carrier on {self.ifname(m)}")
        except BaseException:
            self.close()
            raise
        return self

    def set_address(self, member: str, cidr: str) -> None:
        run(["ip", "-n", self.ns(member), "addr", "replace", cidr, "broadcast", "+", "dev", self.ifname(member)],
            timeout=10)

    def spawn(self, cmd: Cmd, *, ns: Optional[str] = None, log: Optional[Union[str, Path]] = None,
              stdout_to_log: bool = True, env: Optional[dict] = None) -> Process:
        process = spawn(cmd, ns=ns, log=log, stdout_to_log=stdout_to_log, env=env)
        self.processes.append(process)
        return process

    def close(self) -> None:
        if self._closed or not self._open:
            return
        self._closed = True
        for p in list(self.processes):
            try:
                p.kill(grace=0.5)
            except Exception:
                pass
        for ns in [self.ns(m) for m in self.members] + [self.lan_ns]:
            try:
                _delete_netns(ns)
            except Exception as e:
                print(f"netns teardown: {ns}: {e}", file=sys.stderr)
        if self.tmpdir and os.environ.get("NETBOOT_KEEP_TMP") != "1":
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        _registry.forget_pair(self)

    def __enter__(self) -> "Lan":
        return self.open()

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()
