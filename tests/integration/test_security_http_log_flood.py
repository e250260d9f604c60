"""The HTTP service's log stays within its budget under a flood of refused and failing
requests, as DHCP's and TFTP's do (test_security_log_flood): on 127.0.0.1, with keep-alive
connections pipelining requests,

  - 1,000 GETs of files that do not exist (404),
  - 500 GETs of a symbolic link out of the root (403 and a "refused path" warning),
  - 200 malformed request heads (400),
  - 60 downloads the client resets after the response head ("client gone"),
  - 300 connections beyond max_connections (503 "busy"),

each of which would be one line. The service keeps at most 20 of a kind per 10 s
(core/log_limiter; kinds "error", "refused", "failed", "busy"), a good download is still
logged, and once the interval has passed the next error line says how many were not
logged. No root needed. About 15 s."""

import re
import socket
import struct
import time
import unittest

import netns
import security_helpers as sh
from daemon import Netbootd


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = """[logger]
type = stderr
level = info

[tftp]
address = 127.0.0.1
port = {tftp_port}
root = {tftp_root}

[httpd]
enable = yes
address = 127.0.0.1
port = {http_port}
root = {tftp_root}
max_connections = 8
"""

BURST = 20       # core/log_limiter.hpp kLogBurst
INTERVAL = 10.0  # kLogInterval, seconds


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


class HttpLogFloodTest(unittest.TestCase):
    def pipelined(self, port: int, targets: list, per_connection: int = 100) -> list:
        """GETs of every target, pipelined per_connection at a time; returns the statuses."""
        statuses = []
        for start in range(0, len(targets), per_connection):
            batch = targets[start:start + per_connection]
            with connect(port) as s:
                s.sendall(b"".join(f"GET {t} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for t in batch))
                data = sh.read_until(s, lambda d: d.count(b"HTTP/1.1 ") >= len(batch))
            statuses += [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3})", data)]
        return statuses

    def test_refused_and_failing_requests_cost_a_bounded_number_of_log_lines(self):
        http_port, tftp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
        d = Netbootd(CONFIG, args=["-t", "-H"], format_args={"http_port": http_port, "tftp_port": tftp_port})
        (d.tmp / "outside").write_text("secret")
        (d.tftp_root / "escape").symlink_to(d.tmp / "outside")
        (d.tftp_root / "big.bin").write_bytes(b"\x5a" * (8 << 20))
        (d.tftp_root / "ok.txt").write_text("fine\n")
        with d:
            before = d.log_offset()
            started = time.monotonic()

            statuses = self.pipelined(http_port, [f"/missing-{i}" for i in range(1000)])
            self.assertEqual(statuses.count(404), 1000)
            statuses = self.pipelined(http_port, ["/escape"] * 500)
            self.assertEqual(statuses.count(403), 500)
            bad = 0
            for _ in range(200):
                with connect(http_port) as s:
                    s.sendall(b"GET /x HTTP/1.1\r\nNot a header\r\n\r\n")
                    bad += sh.read_until(s, lambda d: b"\r\n\r\n" in d).startswith(b"HTTP/1.1 400")
            self.assertEqual(bad, 200)
            for _ in range(60):
                with connect(http_port) as s:
                    s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                    head = sh.read_until(s, lambda d: b"\r\n\r\n" in d)
                    self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:100])
                    # Close with a reset while the body is still coming: the send fails.
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            idle = [connect(http_port) for _ in range(8)]
            try:
                # The service has accepted all eight (its "connections open" count is what refuses).
                busy = 0
                for _ in range(300):
                    with connect(http_port) as s:
                        busy += sh.read_until(s, lambda d: b"\r\n\r\n" in d).startswith(b"HTTP/1.1 503")
                self.assertGreater(busy, 250)
            finally:
                for s in idle:
                    s.close()
            # A good download is served and logged as ever (once the service has seen the
            # idle connections close: until then it may still answer 503).
            netns.wait_for(lambda: self.pipelined(http_port, ["/ok.txt"]) == [200], timeout=5,
                           what="a 200 for /ok.txt after the flood")
            d.wait_for_log(r'"/ok\.txt" 200 bytes=5', timeout=5, since=before)

            text = netns.read_text(d.log_path, before)
            windows = int((time.monotonic() - started) // INTERVAL) + 1
            counts = {
                "error": len(re.findall(r'" [45]\d\d bytes=', text)),
                "refused": len(re.findall(r"refused path", text)),
                "failed": len(re.findall(r'note=".*client gone', text)),
                "busy": len(re.findall(r"answered 503", text)),
            }
            for kind, count in counts.items():
                self.assertGreater(count, 0, f"no {kind} line at all: the flood missed its target\n{d.log_tail()}")
                self.assertLessEqual(count, BURST * windows, f"{count} {kind} lines in {windows} interval(s)")
            # After the interval, the next error line reports what was left out.
            time.sleep(max(0.0, started + INTERVAL + 0.5 - time.monotonic()))
            mark = d.log_offset()
            self.assertEqual(self.pipelined(http_port, ["/missing-again"]), [404])
            d.wait_for_log(r'"/missing-again" 404 .*\(\d+ similar lines not logged\)', timeout=5, since=mark)


if __name__ == "__main__":
    netns.main()
