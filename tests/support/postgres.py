"""A throw-away PostgreSQL server for lease-store tests.

    with Postgres() as pg:                       # initdb + start; skips (77) when not possible
        uri = pg.create_database("leases")       # postgresql:///leases?host=<socket dir>&user=postgres
        pg.sql("leases", "SELECT count(*) FROM netbootd_leases")
        pg.stop(); pg.start()                    # the database down and back (data kept)
    # leaving the block stops the server and removes its folder

The cluster lives in a fresh temporary folder owned by an unprivileged user (nobody): initdb
and postgres refuse to run as root. The server listens on a unix socket in that folder only
(listen_addresses = ''): no TCP port, nothing reachable from outside, and the socket works
from any network namespace. Readiness is the server's own "ready to accept connections" log
line. Needs root (to hand the folder over and switch user) and the Debian postgresql-15
package (scripts/deps.sh test); otherwise the test is skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

import netns

READY = r"database system is ready to accept connections"


def postgres_bindir() -> Optional[str]:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin")
             if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "postgres"), os.X_OK)]
    found.sort(key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    return found[-1] if found else None


def require_postgres() -> str:
    """Skips (exit 77) unless root and the PostgreSQL server binaries are installed."""
    if os.geteuid() != 0:
        netns.skip("needs root to run a throw-away PostgreSQL as user nobody (run as root, e.g. sudo ctest)")
    bindir = postgres_bindir()
    if bindir is None:
        netns.skip("PostgreSQL server not found under /usr/lib/postgresql/*/bin (scripts/deps.sh test installs it)")
    netns.require_commands("setpriv")
    return bindir


class Postgres:
    def __init__(self, user: str = "nobody", settings: Optional[dict] = None):
        self.bindir = require_postgres()
        self.account = pwd.getpwnam(user)
        self.settings = {"listen_addresses": "''", "max_connections": "50", "shared_buffers": "32MB",
                         **(settings or {})}
        self.folder = Path(tempfile.mkdtemp(prefix="netbootd-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.process: Optional[netns.Process] = None
        os.chown(self.folder, self.account.pw_uid, self.account.pw_gid)
        os.chmod(self.folder, 0o700)
        self._as_user([os.path.join(self.bindir, "initdb"), "-D", str(self.data), "-U", "postgres",
                       "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"], timeout=120)

    # The folder is nobody's; every server-side command runs as nobody.
    def _user_argv(self, argv: list) -> list:
        return ["setpriv", f"--reuid={self.account.pw_uid}", f"--regid={self.account.pw_gid}", "--clear-groups",
                "--"] + argv

    def _as_user(self, argv: list, timeout: float) -> None:
        result = subprocess.run(self._user_argv(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=timeout, cwd=self.folder)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout.decode()[-2000:]}")

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def uri(self, database: str = "postgres") -> str:
        return f"postgresql:///{database}?host={self.folder}&user=postgres"

    def start(self, timeout: float = 30.0) -> None:
        if self.process is not None and self.process.alive():
            return
        since = netns.file_size(self.log)
        argv = [os.path.join(self.bindir, "postgres"), "-D", str(self.data), "-k", str(self.folder)]
        for key, value in self.settings.items():
            argv += ["-c", f"{key}={value.strip(chr(39))}"]
        self.process = netns.spawn(self._user_argv(argv), log=self.log)
        netns.wait_for_log(self.log, READY, timeout=timeout, since=since, alive=self.process.alive)

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT: running transactions are rolled back, clients disconnected)."""
        if self.process is None:
            return
        if self.process.alive():
            self.process.signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except TimeoutError:
                self.process.kill()
        self.process.kill()
        self.process = None

    def psql(self, database: str, sql: str, check: bool = True, timeout: float = 30.0) -> str:
        """Runs sql (as the postgres role, over the socket); returns unaligned, tuples-only output."""
        psql = os.path.join(self.bindir, "psql")
        result = subprocess.run([psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", str(self.folder),
                                 "-U", "postgres", "-d", database, "-c", sql],
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"psql {sql!r} failed: {result.stderr.strip()}")
        return result.stdout

    def sql(self, database: str, sql: str) -> str:
        return self.psql(database, sql)

    def create_database(self, name: str) -> str:
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.uri(name)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Postgres":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    # Manual use: start one, print its URI, run until Ctrl-C.
    with Postgres() as pg:
        print(pg.uri(), flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
