#!/usr/bin/env python3
"""A small authorization server for netbootd's [bootp] access = http (and pybootd's).

netbootd asks   GET <location><path>?mac=AA-BB-CC-DD-EE-FF[&uuid=...][&ip=a.b.c.d]
with path = [http] pxe for PXE requests and [http] dhcp for plain DHCP ones. This server
answers 200 to clients it knows (a MAC or a UUID given with --allow), 401 to the others, and
404 to paths other than --pxe-path / --dhcp-path (default /boot and /linux, as pybootd's test
server). A 200 body carries "client: <hostname>" and "file: <name>" lines when given.

    auth_server.py --port 18080 --allow 52:54:00:12:34:56 --allow 4c414230-1234-4567-89ab-cdef00770001 \\
        --client 52:54:00:12:34:56=node7 --file 52:54:00:12:34:56=custom.efi \\
        --sleep 52:54:00:00:00:01=5 --status 52:54:00:00:00:02=503 --requests requests.jsonl

--sleep KEY=SECONDS delays the answer for that client (slow-server tests; the server is
threaded, so other clients are answered at once). --status KEY=CODE forces a status.
--requests FILE appends one JSON line per request (path, mac, uuid, ip, status, time).
Python 3 standard library only; prints "listening on HOST:PORT" once ready.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Optional
from urllib.parse import parse_qs, urlsplit


def norm(key: str) -> str:
    """MACs and UUIDs compare upper-case, MACs with '-' (the query's spelling)."""
    key = key.strip().upper()
    if len(key) == 17 and key[2] in ":-":
        key = key.replace(":", "-")
    return key


def pairs(values, convert=str) -> Dict[str, object]:
    out: Dict[str, object] = {}
    for item in values or []:
        key, _, value = item.partition("=")
        out[norm(key)] = convert(value)
    return out


def make_handler(args: argparse.Namespace):
    allowed = {norm(a) for a in args.allow or []}
    clients = pairs(args.client)
    files = pairs(args.file)
    sleeps = pairs(args.sleep, float)
    statuses = pairs(args.status, int)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *a) -> None:  # one line per request on stderr
            sys.stderr.write("auth: " + (fmt % a) + "\n")

        def record(self, entry: dict) -> None:
            if args.requests:
                with lock, open(args.requests, "a") as f:
                    f.write(json.dumps(entry) + "\n")

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            mac = norm(query.get("mac", ""))
            uuid = norm(query.get("uuid", "")) if query.get("uuid") else ""
            entry = {"path": parts.path, "mac": query.get("mac"), "uuid": query.get("uuid"),
                     "ip": query.get("ip"), "time": time.time(), "query": parts.query}
            delay = sleeps.get(mac, sleeps.get(uuid, 0.0))
            if delay:
                # Said before the wait, so that a test knows the request is in flight.
                sys.stderr.write(f"auth: asked {parts.path} mac={query.get('mac')}\n")
                sys.stderr.flush()
                time.sleep(min(float(delay), 60.0))
            body = b""
            if parts.path not in (args.pxe_path, args.dhcp_path):
                status = 404
            elif mac in statuses or uuid in statuses:
                status = int(statuses.get(mac, statuses.get(uuid)))
            elif mac in allowed or (uuid and uuid in allowed):
                status = 200
                lines = []
                for table in (clients, files):
                    value = table.get(mac, table.get(uuid))
                    if value is not None:
                        lines.append(("client" if table is clients else "file") + f": {value}")
                body = ("\n".join(lines) + "\n").encode() if lines else b"granted\n"
            else:
                status = 401
            entry["status"] = status
            self.record(entry)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nothing to do

    return Handler


def main(argv: Optional[list] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--pxe-path", default="/boot")
    p.add_argument("--dhcp-path", default="/linux")
    p.add_argument("--allow", action="append", help="MAC or UUID to grant (repeatable)")
    p.add_argument("--client", action="append", help="KEY=hostname for the 200 body")
    p.add_argument("--file", action="append", help="KEY=boot file for the 200 body")
    p.add_argument("--sleep", action="append", help="KEY=seconds to wait before answering")
    p.add_argument("--status", action="append", help="KEY=HTTP status to answer instead")
    p.add_argument("--requests", help="append one JSON line per request to this file")
    args = p.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args))
    server.daemon_threads = True
    print(f"listening on {args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
