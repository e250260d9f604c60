#!/usr/bin/env python3
"""An authorization server written for pybootd 1.8 (as its tests/httpd.py reads requests):
it decodes the query with parse_qs and compares the values exactly as pybootd 1.8 sends
them, the MAC "AA:BB:CC:DD:EE:FF" upper-case with colons and the UUID lower-case in option
97's byte order. Known clients get 200 with a "Client:" line, the others 401. Each request's
raw path goes to stdout. Python 3 standard library only.

    pybootd18_auth_server.py --port 13400 --allow-mac 00:AA:55:12:34:56 \\
        --allow-uuid 3042414c-3412-6745-89ab-cdef00770001
"""

import argparse
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--allow-mac", action="append", default=[])
    parser.add_argument("--allow-uuid", action="append", default=[])
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def do_GET(self):
            sys.stdout.write(f"GET {self.path}\n")
            sys.stdout.flush()
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            mac = query.get("mac", [""])[0]
            uuid = query.get("uuid", [""])[0]
            if parts.path in ("/boot", "/linux") and mac in args.allow_mac and uuid in args.allow_uuid:
                body = b"\n\nClient: tester-1\n"
                self.send_response(200, "Ok")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_error(401, "Not authorized")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
