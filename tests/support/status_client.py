"""Reading netbootd's [status] service from a test: plain HTTP/1.1 GETs on a TCP socket
inside a namespace (the service listens on 127.0.0.1 there), and the Prometheus text parsed
into {(name, frozenset(labels)): value}."""

import json
import re
import socket
from typing import Dict, FrozenSet, Optional, Tuple

import netns

Sample = Tuple[str, FrozenSet[Tuple[str, str]]]

_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def http_get(ns: Optional[str], port: int, path: str, *, host: str = "127.0.0.1", timeout: float = 5.0,
             method: str = "GET", host_header: Optional[str] = None) -> Tuple[int, Dict[str, str], bytes]:
    """One request with Connection: close; returns (status, headers, body). Bounded in time.
    Host: `host_header`, by default host:port as a browser sends it."""
    def setup(sock: socket.socket) -> None:
        sock.settimeout(timeout)
        sock.connect((host, port))
    sock = netns.socket_in_ns(ns, socket.AF_INET, socket.SOCK_STREAM, setup=setup)
    try:
        field = host_header if host_header is not None else f"{host}:{port}"
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {field}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while len(data) < 64 << 20:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def get_json(ns: Optional[str], port: int, path: str) -> dict:
    status, headers, body = http_get(ns, port, path)
    assert status == 200, (path, status, body[:200])
    assert headers.get("content-type", "").startswith("application/json"), headers
    return json.loads(body)


def parse_metrics(text: str) -> Dict[Sample, float]:
    samples: Dict[Sample, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        assert match, f"not a sample line: {line!r}"
        labels = frozenset(_LABEL.findall(match.group(2) or ""))
        samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def scrape(ns: Optional[str], port: int) -> Tuple[str, Dict[Sample, float]]:
    status, headers, body = http_get(ns, port, "/metrics")
    assert status == 200, (status, body[:200])
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    text = body.decode()
    return text, parse_metrics(text)


def value(samples: Dict[Sample, float], name: str, **labels: str) -> float:
    """The sample's value; 0 when absent (a labelled counter appears with its first count)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
