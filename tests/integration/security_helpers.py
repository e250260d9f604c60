"""Helpers shared by the test_security_*.py scripts (not a test itself: no test_ prefix).

A minimal TFTP reader (RFC 1350 + RFC 2347 options) and a raw HTTP GET, both bounded in
time and size, so the tests see every byte the server sends, and /proc readers for the
daemon's ids and memory.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import netns

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6


class TftpResult:
    """What a TFTP read produced: every DATA payload (in arrival order), the error if any."""

    def __init__(self) -> None:
        self.data = bytearray()      # the file as assembled
        self.raw = bytearray()       # every byte of every datagram received (for leak checks)
        self.error: Optional[Tuple[int, str]] = None
        self.oack: Optional[Dict[str, str]] = None
        self.complete = False

    def __repr__(self) -> str:
        return (f"TftpResult(complete={self.complete}, bytes={len(self.data)}, error={self.error}, "
                f"oack={self.oack})")


def tftp_rrq_packet(name: bytes, mode: bytes = b"octet", options: Optional[Dict[str, str]] = None) -> bytes:
    packet = struct.pack("!H", RRQ) + name + b"\0" + mode + b"\0"
    for k, v in (options or {}).items():
        packet += k.encode() + b"\0" + v.encode() + b"\0"
    return packet


def tftp_get(ns: Optional[str], server: Tuple[str, int], name: bytes, *, timeout: float = 3.0,
             options: Optional[Dict[str, str]] = None, max_bytes: int = 1 << 22,
             on_block=None) -> TftpResult:
    """Reads `name` (raw bytes: NUL, backslashes... are sent as given). Bounded by `timeout`
    of silence and by max_bytes. on_block(block_number) is called before each ACK (races)."""
    result = TftpResult()
    sock = netns.udp_socket(ns)
    try:
        sock.settimeout(timeout)
        sock.sendto(tftp_rrq_packet(name, options=options), server)
        expected = 1
        peer = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(result.raw) < max_bytes:
            try:
                packet, addr = sock.recvfrom(65536)
            except socket.timeout:
                return result
            if peer is None:
                peer = addr
            elif addr != peer:
                continue
            result.raw += packet
            if len(packet) < 4:
                return result
            op = struct.unpack("!H", packet[:2])[0]
            if op == ERROR:
                code = struct.unpack("!H", packet[2:4])[0]
                result.error = (code, packet[4:].split(b"\0")[0].decode(errors="replace"))
                return result
            if op == OACK:
                fields = packet[2:].split(b"\0")
                result.oack = {fields[i].decode(errors="replace").lower(): fields[i + 1].decode(errors="replace")
                               for i in range(0, len(fields) - 1, 2)}
                sock.sendto(struct.pack("!HH", ACK, 0), peer)
                continue
            if op != DATA:
                return result
            block = struct.unpack("!H", packet[2:4])[0]
            blksize = int((result.oack or {}).get("blksize", "512"))
            if block == expected:
                if on_block is not None:
                    on_block(block)
                result.data += packet[4:]
                expected = (expected + 1) & 0xFFFF
            sock.sendto(struct.pack("!HH", ACK, block), peer)
            if block == (expected - 1) & 0xFFFF and len(packet) - 4 < blksize:
                result.complete = True
                return result
        return result
    finally:
        sock.close()


def http_get_raw(ns: Optional[str], server: Tuple[str, int], target: bytes, *, timeout: float = 3.0,
                 max_bytes: int = 1 << 22, extra: bytes = b"") -> bytes:
    """Sends `GET <target> HTTP/1.1` (target as raw bytes) and returns everything the server
    sends until it closes (Connection: close), times out, or max_bytes."""
    sock = netns.socket_in_ns(ns, socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(server)
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n")
        return read_until(sock, lambda data: False, max_bytes)
    finally:
        sock.close()


def read_until(sock: socket.socket, done, limit: int = 1 << 22) -> bytes:
    """Reads until done(data) or EOF, bounded in bytes and by the socket timeout."""
    data = b""
    while not done(data) and len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def read_request_head(conn: socket.socket, limit: int = 65536) -> Optional[bytes]:
    """A request's head as a server reads it: up to the blank line (at most `limit` bytes);
    None when the peer closes first."""
    request = b""
    while b"\r\n\r\n" not in request and len(request) < limit:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        request += chunk
    return request


class RawHttpServer:
    """A raw TCP server on 127.0.0.1:port in the server namespace of `pair`; each connection is
    handed to `serve(conn)` (the subclass's answer) in a thread of its own. Set the subclass's
    own attributes before calling this constructor: the accept loop starts at once."""

    def __init__(self, pair, port: int, backlog: int = 64):
        self.stop = threading.Event()

        def setup(sock):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen(backlog)
        self.listener = netns.socket_in_ns(pair.server_ns, socket.AF_INET, socket.SOCK_STREAM, 0, setup)
        self.listener.settimeout(0.2)
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _accept_loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket):
        raise NotImplementedError


def http_status(response: bytes) -> int:
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else 0


def proc_status(pid: int) -> Dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def thread_statuses(pid: int) -> List[Dict[str, str]]:
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            out.append(proc_status_path(Path(f"/proc/{pid}/task/{tid}/status")))
        except FileNotFoundError:
            pass  # a thread that just ended
    return out


def proc_status_path(path: Path) -> Dict[str, str]:
    fields = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def rss_kib(pid: int) -> int:
    return int(proc_status(pid)["VmRSS"].split()[0])


def sanitized(pid: int) -> bool:
    """True when the daemon runs under AddressSanitizer (make sanitize): its quarantine keeps
    freed memory mapped, so VmRSS grows by design; LeakSanitizer checks leaks at exit instead
    (a leak makes netbootd exit non-zero, which Netbootd.stop() reports)."""
    try:
        return "libasan" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def memory_bound(pid: int, kib: int) -> int:
    """A VmRSS growth bound: `kib`, or four times it under AddressSanitizer (shadow memory
    and quarantine multiply every allocation)."""
    return kib * 4 if sanitized(pid) else kib
