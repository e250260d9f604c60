"""Misbehaving servers netbootd talks to: the [http] authorization server (access = http) and
an http:// TFTP root. A server that is slow, drips bytes, resets the connection, answers
garbage, sends a huge body or redirects to file:// cannot stall, crash or mislead netbootd:
the access check fails closed (no OFFER) within [http] timeout, bodies are bounded, only
http/https is fetched and no redirect is followed for the check; the remote root never
serves a file:// redirect target and keeps its memory bounded. A positive control (a
well-behaved answer) proves the harness grants when it should. Inside network namespaces
this test creates (root only; exit 77 otherwise)."""

import socket
import struct
import time
import unittest

import dhcp_client as dc
import netns
import security_helpers as sh
from daemon import Netbootd

UUID = "4c414230-1234-4567-89ab-cdef00770001"
PORT = 8099
TIMEOUT = 2  # [http] timeout, seconds

ACL_CONFIG = """[bootp]
access = http
pool_start = {pool_start}
pool_count = 20
lease_file = {lease_file}
boot_file = pxelinux.0

[http]
location = http://127.0.0.1:%d
pxe = /boot
timeout = %d

[tftp]
root = {tftp_root}
""" % (PORT, TIMEOUT)

ROOT_CONFIG = """[bootp]
pool_start = {pool_start}
lease_file = {lease_file}

[tftp]
root = http://127.0.0.1:%d/files
timeout = 1
retries = 2
""" % PORT


class BadServer(sh.RawHttpServer):
    """A raw HTTP/1.1 server in the server namespace (127.0.0.1:PORT) whose behaviour is the
    current `mode`; every connection is served by a thread, bounded in time."""

    def __init__(self, pair):
        self.mode = "grant"
        self.requests = []
        super().__init__(pair, PORT)

    def serve(self, conn):
        mode = self.mode  # as it stands when the connection arrives
        try:
            conn.settimeout(5)
            request = sh.read_request_head(conn)
            if request is None:
                return
            self.requests.append(request.split(b"\r\n", 1)[0].decode(errors="replace"))
            send = conn.sendall
            end = time.monotonic() + 20
            if mode == "grant":
                body = b"client: granted-host\nfile: pxelinux.0\n"
                send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            elif mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "reset_mid_body":
                send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 3000)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "garbage":
                send(b"\x00\xffNOT HTTP AT ALL\r\n\r\n" * 50)
            elif mode == "redirect_file":
                send(b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n")
            elif mode == "redirect_grant":
                # Where a follower would find a grant: the check must not follow it.
                send(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/granted\r\nContent-Length: 0\r\n\r\n" % PORT)
                self.mode = "grant"
            elif mode == "huge":
                send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
                block = b"client: x\n" * 6554
                while time.monotonic() < end and not self.stop.is_set():
                    send(block)
            elif mode == "huge_chunked":
                send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                block = b"10000\r\n" + b"f" * 0x10000 + b"\r\n"
                while time.monotonic() < end and not self.stop.is_set():
                    send(block)
            elif mode == "drip":
                send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                while time.monotonic() < end and not self.stop.is_set():
                    send(b"c")
                    time.sleep(0.3)
            elif mode == "silent":
                while time.monotonic() < end and not self.stop.is_set():
                    time.sleep(0.1)
            elif mode == "big_file":
                # The remote root: a 200 MB file, as fast as the socket takes it.
                send(b"HTTP/1.1 200 OK\r\nContent-Length: 200000000\r\n\r\n")
                block = bytes(range(256)) * 256
                sent = 0
                while sent < 200000000 and time.monotonic() < end and not self.stop.is_set():
                    send(block)
                    sent += len(block)
        except OSError:
            pass
        finally:
            conn.close()


class RemoteAuthorizationServerTest(unittest.TestCase):
    def discover(self, c, mac, timeout):
        packet = dc.make_discover(mac, dc.new_xid(), dc.pxe_options(arch=0, uuid=UUID))
        c.drain()
        c.send(packet)
        return c.receive(timeout=timeout, xid=packet.xid)

    def test_every_misbehaviour_fails_closed_within_the_timeout(self):
        with netns.NetnsPair() as pair:
            server = BadServer(pair)
            try:
                with Netbootd(ACL_CONFIG, pair=pair) as d, dc.DhcpClient(pair.client_ns, pair.client_if) as c:
                    # Positive control: a grant gives an OFFER (so silence below means refusal).
                    server.mode = "grant"
                    offer = self.discover(c, "02:00:5e:aa:00:01", timeout=TIMEOUT + 1)
                    self.assertIsNotNone(offer, d.log_tail())
                    for i, mode in enumerate(["reset", "garbage", "redirect_file", "redirect_grant", "huge",
                                              "huge_chunked", "drip", "silent"]):
                        with self.subTest(mode=mode):
                            server.mode = mode
                            mac = f"02:00:5e:bb:00:{i:02x}"
                            started = time.monotonic()
                            rss_before = sh.rss_kib(d.pid)
                            reply = self.discover(c, mac, timeout=TIMEOUT + 1.5)
                            self.assertIsNone(reply, f"{mode}: answered {reply}")
                            self.assertGreaterEqual(time.monotonic() - started, TIMEOUT + 1.5 - 0.1)
                            self.assertTrue(d.running(), d.log_tail())
                            # Bounded body: a 1 GB answer does not reach the daemon's memory.
                            self.assertLess(sh.rss_kib(d.pid) - rss_before, sh.memory_bound(d.pid, 16 * 1024), mode)
                    # The redirect to a grant was not followed: one request for that MAC only.
                    # And after all that, a well-behaved answer still grants.
                    server.mode = "grant"
                    offer = self.discover(c, "02:00:5e:aa:00:02", timeout=TIMEOUT + 1)
                    self.assertIsNotNone(offer, d.log_tail())
                    self.assertFalse([r for r in server.requests if "granted" in r], server.requests)
                    self.assertNotRegex(d.log(), r"(?i)file:///etc/passwd.*(granted|allowed)")
            finally:
                server.close()

    def test_a_dripping_server_does_not_stall_the_event_loop(self):
        # While one client's check is stuck on a dripping server, TFTP answers at once.
        with netns.NetnsPair() as pair:
            server = BadServer(pair)
            try:
                d = Netbootd(ACL_CONFIG, pair=pair)
                (d.tftp_root / "f.bin").write_bytes(b"z" * 3000)
                with d, dc.DhcpClient(pair.client_ns, pair.client_if) as c:
                    server.mode = "drip"
                    c.send(dc.make_discover("02:00:5e:cc:00:01", dc.new_xid(), dc.pxe_options(arch=0, uuid=UUID)))
                    pair.set_client_address(f"{pair.host(200)}/{pair.prefix_len}")
                    started = time.monotonic()
                    got = sh.tftp_get(pair.client_ns, (pair.server_ip, 69), b"f.bin", timeout=1.0)
                    self.assertTrue(got.complete, got)
                    self.assertLess(time.monotonic() - started, 1.0)
            finally:
                server.close()


class RemoteRootServerTest(unittest.TestCase):
    def test_remote_root_misbehaviour_never_leaks_or_grows(self):
        with netns.NetnsPair() as pair:
            server = BadServer(pair)
            self.addCleanup(server.close)
            with Netbootd(ROOT_CONFIG, pair=pair) as d:
                pair.set_client_address(f"{pair.host(200)}/{pair.prefix_len}")
                tftp = (pair.server_ip, 69)
                with open("/etc/passwd", "rb") as f:
                    passwd = f.read(40)
                # A redirect to file:// is not followed: nothing of /etc/passwd comes back.
                server.mode = "redirect_file"
                got = sh.tftp_get(pair.client_ns, tftp, b"pxelinux.0", timeout=3)
                self.assertIsNotNone(got.error, got)
                self.assertNotIn(passwd, bytes(got.raw))
                for mode in ("reset", "garbage", "reset_mid_body"):
                    with self.subTest(mode=mode):
                        server.mode = mode
                        got = sh.tftp_get(pair.client_ns, tftp, b"pxelinux.0", timeout=3)
                        self.assertFalse(got.complete, f"{mode}: {got}")
                        self.assertTrue(d.running(), d.log_tail())
                # A 200 MB remote file and a client that reads 4 blocks then vanishes: the
                # read-ahead is bounded, the daemon's memory does not follow the remote.
                server.mode = "big_file"
                rss_before = sh.rss_kib(d.pid)
                got = sh.tftp_get(pair.client_ns, tftp, b"big.img", timeout=2, max_bytes=4 * 516)
                self.assertEqual(len(got.data), 4 * 512, got)
                time.sleep(2)
                grown = sh.rss_kib(d.pid) - rss_before
                self.assertLess(grown, sh.memory_bound(d.pid, 40 * 1024), f"VmRSS grew by {grown} kB for a 200 MB remote file")
                self.assertTrue(d.running(), d.log_tail())


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
