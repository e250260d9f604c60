"""Run the real netbootd (path from $NETBOOTD) for integration tests.

    with NetnsPair() as pair, Netbootd(CONFIG, ns=pair.server_ns, workdir=pair.tmpdir) as d:
        ...                           # d.start() already waited for the "ready" log line
        d.wait_for_log(r"ACK .* 198\.18", timeout=3)
    # leaving the block calls d.stop(): SIGTERM, and it must exit within 2 s

The configuration text may use {placeholders}, filled from format_args plus: tmp (the
working directory), tftp_root (tmp/tftpboot), lease_file (tmp/leases.db); and with a pair:
server_ip, netmask, prefix_len, network, broadcast, pool_start (host 100), server_if.
Logging goes to stderr and is captured in <tmp>/netbootd.log (the config should keep
[logger] type = stderr, the default, for the wait-for-log helpers to work).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence, Union

import netns


def netbootd_path() -> str:
    """The binary under test: $NETBOOTD (set by ctest), else <source>/build/netbootd.
    Skips the test (exit 77) when neither exists."""
    candidates = []
    if os.environ.get("NETBOOTD"):
        candidates.append(os.environ["NETBOOTD"])
    source = os.environ.get("NETBOOT_SOURCE_DIR") or str(Path(__file__).resolve().parents[2])
    candidates.append(os.path.join(source, "build", "netbootd"))
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    netns.skip(f"netbootd binary not found (set NETBOOTD; tried {', '.join(candidates)})")


class DaemonError(AssertionError):
    pass


class Netbootd:
    """One netbootd process. ns: namespace to run in (None = host, for loopback tests).
    config: INI text ({placeholders} formatted, see module doc) or None with config_path.
    args: extra command-line arguments (e.g. ["-d"], ["-p"])."""

    READY = r"ready"

    def __init__(self, config: Optional[str] = None, *, ns: Optional[str] = None,
                 pair: Optional["netns.NetnsPair"] = None, workdir: Optional[Union[str, Path]] = None,
                 args: Sequence[str] = (), config_path: Optional[Union[str, Path]] = None,
                 binary: Optional[str] = None, format_args: Optional[dict] = None,
                 ready_timeout: float = 10.0, template: bool = True):
        self.binary = binary or netbootd_path()
        self.pair = pair
        self.ns = ns if ns is not None else (pair.server_ns if pair else None)
        self._own_tmp = workdir is None and pair is None
        base = Path(workdir) if workdir else (pair.tmpdir if pair else None)
        self.tmp = Path(tempfile.mkdtemp(prefix="netbootd-", dir=base))
        self.args = list(args)
        self.ready_timeout = ready_timeout
        self.log_path = self.tmp / "netbootd.log"
        self.tftp_root = self.tmp / "tftpboot"
        self.tftp_root.mkdir(exist_ok=True)
        self.lease_file = self.tmp / "leases.db"
        self.template = template
        self.process: Optional[netns.Process] = None
        self.starts = 0
        self.stop_duration: Optional[float] = None  # seconds from SIGTERM to exit, last stop()
        if config_path is not None:
            self.config_path = Path(config_path)
        else:
            if config is None:
                raise ValueError("give config text or config_path")
            self.config_path = self.tmp / "netbootd.ini"
            self.write_config(config, **(format_args or {}))

    # -- configuration ---------------------------------------------------------------------
    def placeholders(self) -> dict:
        values = {"tmp": str(self.tmp), "tftp_root": str(self.tftp_root),
                  "lease_file": str(self.lease_file)}
        if self.pair is not None:
            values.update(server_ip=self.pair.server_ip, netmask=self.pair.netmask,
                          prefix_len=self.pair.prefix_len, network=str(self.pair.network.network_address),
                          broadcast=self.pair.broadcast, pool_start=self.pair.host(100),
                          server_if=self.pair.server_if)
        return values

    def write_config(self, text: str, **format_args) -> Path:
        values = self.placeholders()
        values.update(format_args)
        self.config_path.write_text(text.format(**values) if self.template else text)
        return self.config_path

    def command(self) -> List[str]:
        return [self.binary, "-c", str(self.config_path)] + self.args

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, wait_ready: bool = True) -> "Netbootd":
        """Start the daemon; with wait_ready, wait (bounded) for the "ready" log line written
        after this start. Raises DaemonError with the log tail if it exits or never gets ready."""
        if self.running():
            raise DaemonError("netbootd already running")
        with open(self.log_path, "ab") as f:
            f.write(f"==== start #{self.starts + 1}: {' '.join(self.command())}\n".encode())
        since_marker = netns.file_size(self.log_path)
        spawner = self.pair.spawn if self.pair is not None else netns.spawn
        self.process = spawner(self.command(), ns=self.ns, log=self.log_path)
        self.starts += 1
        self._start_offset = since_marker
        if wait_ready:
            try:
                netns.wait_for_log(self.log_path, self.READY, timeout=self.ready_timeout,
                                   since=since_marker, alive=self.running)
            except TimeoutError as e:
                code = self.process.returncode
                self.kill9()
                raise DaemonError(f"netbootd did not get ready (exit code {code}): {e}") from None
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.alive()

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    @property
    def returncode(self) -> Optional[int]:
        return self.process.returncode if self.process else None

    def stop(self, timeout: float = 2.0, expect_code: Optional[int] = 0) -> int:
        """SIGTERM and assert exit within timeout seconds (issue 2: shut down within a
        second) with expect_code (None = any). Kills -9 and raises DaemonError otherwise."""
        if self.process is None:
            raise DaemonError("netbootd not started")
        if not self.running():
            code = self.process.returncode
        else:
            self.process.signal(signal.SIGTERM)
            started = time.monotonic()
            try:
                code = self.process.wait(timeout=timeout)
            except TimeoutError:
                self.kill9()
                raise DaemonError(f"netbootd did not exit within {timeout}s of SIGTERM; "
                                  f"log tail:\n{self.log_tail()}") from None
            self.stop_duration = time.monotonic() - started
        self.process.kill(grace=0.1)  # reap leftovers of the process group, forget it
        if expect_code is not None and code != expect_code:
            raise DaemonError(f"netbootd exited with {code}, expected {expect_code}; "
                              f"log tail:\n{self.log_tail()}")
        return code

    def kill9(self) -> None:
        """SIGKILL, no chance to clean up (durability tests); waits until it is gone."""
        if self.process is None:
            return
        if self.running():
            self.process.signal(signal.SIGKILL)
            try:
                self.process.wait(timeout=5)
            except TimeoutError:
                pass
        self.process.kill(grace=0.1)

    def restart(self, kill: bool = False) -> "Netbootd":
        """Stop (SIGTERM, or SIGKILL with kill=True) and start again with the same config,
        lease file and log."""
        if kill:
            self.kill9()
        elif self.running():
            self.stop()
        return self.start()

    # -- logs --------------------------------------------------------------------------------
    def log(self, all_starts: bool = False) -> str:
        """Log text of the current start (or of all starts)."""
        return netns.read_text(self.log_path, 0 if all_starts else getattr(self, "_start_offset", 0))

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log(all_starts=True).splitlines()[-lines:])

    def log_offset(self) -> int:
        """Current log size: pass as since= to wait_for_log for lines written from now on."""
        return netns.file_size(self.log_path)

    def wait_for_log(self, regex: str, timeout: float = 5.0, since: Optional[int] = None):
        """Wait for a log line of the current start (or after byte offset since)."""
        return netns.wait_for_log(self.log_path, regex, timeout=timeout,
                                  since=getattr(self, "_start_offset", 0) if since is None else since)

    # -- context manager ---------------------------------------------------------------------
    def __enter__(self) -> "Netbootd":
        if not self.running():
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.running():
                if exc_type is None:
                    self.stop()
                else:
                    self.kill9()
        finally:
            if exc_type is not None:
                print(f"---- netbootd log ({self.log_path}) ----\n{self.log_tail()}", flush=True)
            if self._own_tmp and os.environ.get("NETBOOT_KEEP_TMP") != "1":
                shutil.rmtree(self.tmp, ignore_errors=True)


def check_config(config: str, *, ns: Optional[str] = None, timeout: float = 10.0,
                 args: Sequence[str] = ()) -> subprocess.CompletedProcess:
    """netbootd --check-config on config text (in a temp dir); returns CompletedProcess."""
    tmp = Path(tempfile.mkdtemp(prefix="netbootd-check-"))
    try:
        path = tmp / "netbootd.ini"
        path.write_text(config)
        return netns.run([netbootd_path(), "-c", str(path), "--check-config", *args], ns=ns,
                         timeout=timeout, check=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
