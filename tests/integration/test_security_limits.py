"""Resource limits: what one client (or a crowd) can make netbootd hold.

- TFTP: a client that opens transfers and never ACKs costs at most its timeout: DATA 1 is
  sent 1 + retries times, then the transfer is gone and its slot free again;
  max_transfers_per_client and max_transfers turn further requests away with ERROR 0
  ("Server busy") at once.
- HTTP: max_connections idle connections make the next one a 503; a connection trickling
  its request head is closed after the idle timeout (15 s), whatever it sends.
- access = http: 1,100 DISCOVERs from distinct MACs towards an authorization server that
  never answers: at most 1,024 questions are in flight (the rest fail closed at once), the
  event loop keeps serving, memory stays bounded, and once [http] timeout has passed a
  well-behaved answer grants again.
Inside network namespaces this test creates (root only; exit 77 otherwise)."""

import socket
import struct
import threading
import time
import unittest

import dhcp_client as dc
import netns
import security_helpers as sh
from daemon import Netbootd

TFTP_CONFIG = """[bootp]
pool_start = {pool_start}
lease_file = {lease_file}

[tftp]
root = {tftp_root}
timeout = 1
retries = 2
max_transfers = 6
max_transfers_per_client = 3

[httpd]
enable = yes
port = 8080
max_connections = 4
; the probes hold no lease: the limits, not check_ip (its default is yes, as pybootd's), are tested here
check_ip = no
"""

AUTH_PORT = 8098
ACL_CONFIG = """[bootp]
access = http
pool_start = {pool_start}
pool_count = 100
lease_file = {lease_file}
boot_file = pxelinux.0

[http]
location = http://127.0.0.1:%d
pxe = /boot
timeout = 2

[tftp]
root = {tftp_root}
""" % AUTH_PORT

FILE = bytes(range(256)) * 8  # 2 KiB: 4 full blocks and an empty last one


def rrq_socket(ns, source_ip, server):
    sock = netns.udp_socket(ns, bind=(source_ip, 0))
    sock.sendto(sh.tftp_rrq_packet(b"f.bin"), server)
    return sock


def receive_all(sock, quiet: float, bound: float):
    """(arrival time, packet) until `quiet` seconds of silence or `bound` seconds in all."""
    out = []
    end = time.monotonic() + bound
    while time.monotonic() < end:
        sock.settimeout(min(quiet, max(0.01, end - time.monotonic())))
        try:
            packet, _ = sock.recvfrom(65536)
        except socket.timeout:
            break
        out.append((time.monotonic(), packet))
    return out


def opcode(packet):
    return struct.unpack("!H", packet[:2])[0]


class TftpLimitsTest(unittest.TestCase):
    def test_never_acking_clients_cost_their_timeout_and_the_caps_hold(self):
        with netns.NetnsPair() as pair:
            d = Netbootd(TFTP_CONFIG, pair=pair)
            (d.tftp_root / "f.bin").write_bytes(FILE)
            with d:
                a, b, c = pair.host(201), pair.host(202), pair.host(203)
                for ip in (a, b, c):
                    pair.run(["ip", "-n", pair.client_ns, "addr", "add", f"{ip}/{pair.prefix_len}",
                              "dev", pair.client_if], timeout=5)
                server = (pair.server_ip, 69)
                started = time.monotonic()
                silent = [rrq_socket(pair.client_ns, a, server) for _ in range(3)]
                time.sleep(0.2)
                # Per client: a's fourth transfer is turned away at once.
                extra = rrq_socket(pair.client_ns, a, server)
                reply = receive_all(extra, quiet=0.5, bound=1)
                self.assertTrue(reply and opcode(reply[0][1]) == sh.ERROR, reply)
                self.assertIn(b"busy", reply[0][1].lower())
                # In all: b takes the last three slots, c finds none.
                silent += [rrq_socket(pair.client_ns, b, server) for _ in range(3)]
                time.sleep(0.2)
                other = rrq_socket(pair.client_ns, c, server)
                reply = receive_all(other, quiet=0.5, bound=1)
                self.assertTrue(reply and opcode(reply[0][1]) == sh.ERROR, reply)
                # A silent client costs at most its timeout: DATA 1, then `retries` resends one
                # timeout apart, then nothing.
                arrivals = receive_all(silent[0], quiet=2.0, bound=8)
                datas = [(t, p) for t, p in arrivals if opcode(p) == sh.DATA]
                self.assertEqual(len(datas), 3, [(round(t - started, 2), p[:4]) for t, p in arrivals])
                self.assertLess(datas[-1][0] - started, 1 * 2 + 1.0)
                for s in silent + [extra, other]:
                    s.close()
                # Every slot is free again: a's transfer now completes.
                self.assertLess(time.monotonic() - started, 8)
                got = sh.tftp_get(pair.client_ns, server, b"f.bin")
                self.assertTrue(got.complete, got)
                self.assertEqual(bytes(got.data), FILE)
                self.assertTrue(d.running(), d.log_tail())

    def test_http_connection_cap_and_slow_request_heads(self):
        with netns.NetnsPair() as pair:
            d = Netbootd(TFTP_CONFIG, pair=pair)
            (d.tftp_root / "f.bin").write_bytes(FILE)
            with d:
                pair.set_client_address(f"{pair.host(201)}/{pair.prefix_len}")
                http = (pair.server_ip, 8080)
                idle = []
                for _ in range(4):
                    s = netns.socket_in_ns(pair.client_ns, socket.AF_INET, socket.SOCK_STREAM)
                    s.connect(http)
                    idle.append(s)
                time.sleep(0.3)
                full = sh.http_get_raw(pair.client_ns, http, b"/f.bin")
                self.assertEqual(sh.http_status(full), 503, full[:100])
                idle.pop().close()
                time.sleep(0.3)
                ok = sh.http_get_raw(pair.client_ns, http, b"/f.bin")
                self.assertEqual(sh.http_status(ok), 200, ok[:100])
                self.assertTrue(ok.endswith(FILE))
                # A slowloris: one header byte a second. The head must be whole within the
                # idle timeout (15 s), however it trickles.
                slow = idle[0]
                started = time.monotonic()
                closed_at = None
                head = b"GET /f.bin HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100
                for i in range(len(head)):
                    try:
                        slow.sendall(head[i:i + 1])
                        slow.settimeout(1.0)
                        if slow.recv(1024) == b"":
                            closed_at = time.monotonic()
                            break
                    except socket.timeout:
                        continue
                    except OSError:
                        closed_at = time.monotonic()
                        break
                    if time.monotonic() - started > 20:
                        break
                self.assertIsNotNone(closed_at, "a trickling request head kept its connection for 20 s")
                self.assertLess(closed_at - started, 17)
                for s in idle:
                    s.close()
                self.assertTrue(d.running(), d.log_tail())


class PendingAuthorizationTest(unittest.TestCase):
    def test_pending_authorizations_are_capped_and_expire(self):
        with netns.NetnsPair() as pair:
            # An authorization server that accepts connections and never answers.
            held = []
            stop = threading.Event()
            mode = {"answer": False}

            def setup(sock):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", AUTH_PORT))
                sock.listen(4096)
            listener = netns.socket_in_ns(pair.server_ns, socket.AF_INET, socket.SOCK_STREAM, 0, setup)
            listener.settimeout(0.1)

            def serve():
                while not stop.is_set():
                    try:
                        conn, _ = listener.accept()
                    except socket.timeout:
                        continue
                    if mode["answer"]:
                        conn.settimeout(2)
                        try:
                            conn.recv(65536)
                            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        except OSError:
                            pass
                        conn.close()
                    else:
                        held.append(conn)
            t = threading.Thread(target=serve, daemon=True)
            t.start()
            try:
                d = Netbootd(ACL_CONFIG, pair=pair)
                (d.tftp_root / "f.bin").write_bytes(FILE)
                with d, dc.DhcpClient(pair.client_ns, pair.client_if) as c:
                    rss_before = sh.rss_kib(d.pid)
                    options = dc.pxe_options(arch=0, uuid="4c414230-1234-4567-89ab-cdef00770001")
                    for i in range(1100):
                        c.send(dc.make_discover(f"02:00:5f:{i // 65536:02x}:{(i // 256) % 256:02x}:{i % 256:02x}",
                                                dc.new_xid(), options))
                    # The loop still serves while the questions hang.
                    pair.set_client_address(f"{pair.host(250)}/{pair.prefix_len}")
                    started = time.monotonic()
                    got = sh.tftp_get(pair.client_ns, (pair.server_ip, 69), b"f.bin", timeout=1.0)
                    self.assertTrue(got.complete, got)
                    self.assertLess(time.monotonic() - started, 1.5)
                    d.wait_for_log(r"1024 questions already in flight", timeout=5)
                    self.assertLessEqual(len(held), 1024 + 16)
                    self.assertLess(sh.rss_kib(d.pid) - rss_before, sh.memory_bound(d.pid, 32 * 1024))
                    # After [http] timeout (2 s), every question has failed closed: none answered.
                    self.assertEqual(c.receive_all(2.5), [])
                    mode["answer"] = True
                    offer = c.discover(options=options, mac="02:00:5f:ff:00:01", timeout=3)
                    self.assertIsNotNone(offer, d.log_tail())
                    self.assertTrue(d.running())
            finally:
                stop.set()
                t.join(timeout=5)
                for conn in held:
                    conn.close()
                listener.close()


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
