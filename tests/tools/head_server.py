#!/usr/bin/env python3
"""A remote [tftp] root for option 13 tests: answers HEAD (and GET) per file name, with
honest, slow and hostile behaviours. Python 3 standard library only; prints
"listening on HOST:PORT" once ready and "answered NAME" after each answer.

    /<prefix>/pxelinux.0   200, Content-Length 70000
    /<prefix>/slow.0       200, Content-Length 5000, after --slow seconds
    /<prefix>/nolength.0   200 without Content-Length (the connection closes)
    /<prefix>/garbage.0    200, Content-Length: lots
    /<prefix>/huge.0       200, Content-Length 10^12 (option 13 saturates at 65535 blocks)
    /<prefix>/missing.0    404
    /<prefix>/redirect.0   302 to file:///etc/passwd (must not be followed)
    /<prefix>/trickle.0    the status line, then one header byte every 0.2 s, never ending
"""

from __future__ import annotations

import argparse
import socketserver
import sys
import time


def answer(name: str, slow: float) -> bytes | None:
    if name == "pxelinux.0":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 70000\r\nConnection: close\r\n\r\n"
    if name == "slow.0":
        time.sleep(slow)
        return b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n"
    if name == "nolength.0":
        return b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n"
    if name == "garbage.0":
        return b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\nConnection: close\r\n\r\n"
    if name == "huge.0":
        return b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\nConnection: close\r\n\r\n"
    if name == "redirect.0":
        return b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    if name == "trickle.0":
        return None
    return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").split()
        while self.rfile.readline(4096) not in (b"\r\n", b"\n", b""):
            pass
        if len(line) < 2:
            return
        name = line[1].rsplit("/", 1)[-1]
        sys.stdout.write(f"{line[0]} {line[1]}\n")
        sys.stdout.flush()
        reply = answer(name, self.server.slow)
        if reply is None:  # trickle: bounded by the test's life and 300 bytes
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(300):
                self.wfile.write(b"X")
                self.wfile.flush()
                time.sleep(0.2)
            return
        self.wfile.write(reply)
        sys.stdout.write(f"answered {name}\n")
        sys.stdout.flush()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slow", type=float, default=3.0)
    args = parser.parse_args()
    with Server((args.host, args.port), Handler) as server:
        server.slow = args.slow
        print(f"listening on {args.host}:{args.port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
