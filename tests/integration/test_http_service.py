#!/usr/bin/env python3
"""The HTTP file service of the real daemon, driven by curl on 127.0.0.1.

Starts `$NETBOOTD -H -t -c <ini>` with [tftp] and [httpd] on free high ports, then checks:
full download byte-identical, HEAD, byte ranges (first, middle, suffix, open-ended,
unsatisfiable), traversal and symlink escapes, directories, check_ip refusing a client
without a lease, and 200 concurrent downloads of a 16 MiB file all byte-identical.
Exit 77 (skipped) when curl is missing.
"""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CURL = shutil.which("curl")
FAILURES = []
PASSED = 0


def check(condition, what):
    global PASSED
    if condition:
        PASSED += 1
    else:
        FAILURES.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, deadline_s=10.0):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Daemon:
    def __init__(self, workdir, root, check_ip=False, name="netbootd"):
        self.http_port = free_port(socket.SOCK_STREAM)
        tftp_port = free_port(socket.SOCK_DGRAM)
        self.ini = os.path.join(workdir, f"{name}.ini")
        with open(self.ini, "w") as f:
            f.write(
                "[logger]\ntype = stderr\nlevel = info\n\n"
                f"[tftp]\naddress = 127.0.0.1\nport = {tftp_port}\nroot = {root}\n\n"
                f"[httpd]\nenable = yes\naddress = 127.0.0.1\nport = {self.http_port}\n"
                f"root = {root}\ncheck_ip = {'yes' if check_ip else 'no'}\n"
            )
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([os.environ["NETBOOTD"], "-H", "-t", "-c", self.ini],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.http_port}"

    def ready(self):
        return wait_for_port(self.http_port, self.proc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()


def curl(*args, timeout=30):
    """Runs curl; returns (http status, stdout bytes, headers text)."""
    cmd = [CURL, "-sS", "--max-time", "20", "--path-as-is", "-w", "\n%{http_code}", *args]
    out = subprocess.run(cmd, capture_output=True, timeout=timeout).stdout
    body, _, code = out.rpartition(b"\n")
    return int(code or b"0"), body


def main():
    if CURL is None:
        print("curl not installed: skipped", file=sys.stderr)
        return 77
    if not os.environ.get("NETBOOTD"):
        print("NETBOOTD not set (run through ctest)", file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="netboot-http-it-")
    daemons = []
    try:
        root = os.path.join(work, "root")
        os.makedirs(os.path.join(root, "boot"))
        os.makedirs(os.path.join(work, "outside"))
        big = os.urandom(16 << 20)
        big_sha = hashlib.sha256(big).hexdigest()
        with open(os.path.join(root, "boot", "rootfs.img"), "wb") as f:
            f.write(big)
        with open(os.path.join(root, "boot.ipxe"), "w") as f:
            f.write("#!ipxe\nkernel boot/vmlinuz\nboot\n")
        with open(os.path.join(work, "outside", "secret"), "w") as f:
            f.write("SECRET")
        os.symlink(os.path.join(work, "outside", "secret"), os.path.join(root, "escape"))
        os.symlink("../outside", os.path.join(root, "outdir"))

        d = Daemon(work, root)
        daemons.append(d)
        if not d.ready():
            print("the daemon does not serve HTTP on its port; its output:\n" + d.log_text(), file=sys.stderr)
            return 1

        # Full download, byte-identical.
        code, body = curl(f"{d.base}/boot/rootfs.img")
        check(code == 200 and hashlib.sha256(body).hexdigest() == big_sha, "full download byte-identical")
        code, body = curl(f"{d.base}/boot.ipxe")
        check(code == 200 and body == b"#!ipxe\nkernel boot/vmlinuz\nboot\n", "small text file")

        # HEAD: headers only.
        code, head = curl("-I", f"{d.base}/boot/rootfs.img")
        text = head.decode(errors="replace").lower()
        check(code == 200, "HEAD status 200")
        check(f"content-length: {16 << 20}" in text, "HEAD Content-Length")
        check("last-modified:" in text and "accept-ranges: bytes" in text, "HEAD Last-Modified, Accept-Ranges")
        code, head = curl("-I", f"{d.base}/boot.ipxe")
        check("content-type: text/plain" in head.decode().lower(), "Content-Type text/plain for .ipxe")

        # Ranges.
        size = len(big)
        for spec, first, last in [("0-99", 0, 99), ("4194304-4198399", 4194304, 4198399),
                                  ("-1000", size - 1000, size - 1), ("16777000-", 16777000, size - 1)]:
            code, body = curl("-r", spec, f"{d.base}/boot/rootfs.img")
            check(code == 206 and body == big[first:last + 1], f"range {spec}")
        code, _ = curl("-r", f"{size}-", f"{d.base}/boot/rootfs.img")
        check(code == 416, "unsatisfiable range gives 416")

        # Traversal and escapes; none may return the secret.
        for target, want in [("/../outside/secret", 403), ("/%2e%2e/outside/secret", 403),
                             ("/boot/..%2f..%2foutside%2fsecret", 403), ("/boot/%2E%2E/%2E%2E/outside/secret", 403),
                             ("/escape", 403), ("/outdir/secret", 403), ("/boot%00.ipxe", 403),
                             ("/..%5coutside%5csecret", 403), ("/boot", 404), ("/", 404), ("/missing", 404)]:
            code, body = curl(f"{d.base}{target}")
            check(code == want and b"SECRET" not in body, f"{target} gives {want} (got {code})")

        # 200 concurrent downloads of 16 MiB, each hashed as it streams; from 8 loopback
        # addresses, 25 each: one address may hold at most max_connections_per_client (32).
        url = f"{d.base}/boot/rootfs.img"
        start = time.monotonic()
        procs = [subprocess.Popen(["bash", "-c", f"set -o pipefail; '{CURL}' -sS --fail --max-time 170 "
                                   f"--interface 127.0.0.{1 + i % 8} '{url}' | sha256sum"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(200)]
        ok = 0
        for p in procs:
            try:
                out, err = p.communicate(timeout=max(1.0, 180 - (time.monotonic() - start)))
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                continue
            if p.returncode == 0 and out.split()[0].decode() == big_sha:
                ok += 1
        elapsed = time.monotonic() - start
        print(f"200 concurrent downloads of 16 MiB: {ok} byte-identical in {elapsed:.1f} s", file=sys.stderr)
        check(ok == 200, f"200 concurrent downloads byte-identical ({ok}/200)")

        # One log line per download: client, path, status, bytes, seconds, rate.
        log = d.log_text()
        check(f'127.0.0.1 GET "/boot/rootfs.img" 200 bytes={size} seconds=' in log and "MB/s" in log,
              "download log line")
        check('refused path "/escape"' in log, "escape logged")

        # check_ip = yes: this client holds no lease.
        guarded = Daemon(work, root, check_ip=True, name="checkip")
        daemons.append(guarded)
        check(guarded.ready(), "check_ip daemon serves")
        code, body = curl(f"{guarded.base}/boot.ipxe")
        check(code == 401 and b"#!ipxe" not in body, "check_ip refuses a client without a lease")
    finally:
        for daemon in daemons:
            daemon.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"{PASSED} passed, {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
