"""Issue 23, the second hostile review: [filters] that reached the configuration folder,
remote roots that followed redirects anywhere and downloaded without limit, a trickling
remote that outlived its client, and an authorization server flooded with questions by one
MAC. Hostile Python HTTP servers run in the server namespace of a pair this test creates
(root only; exit 77 otherwise); every server thread and socket is bounded in time."""

import threading
import time
import unittest

import dhcp_client as dc
import netns
import security_helpers as sh
from daemon import Netbootd

PORT = 8123        # the remote root / authorization server, in the server namespace
OTHER_PORT = 8124  # an "internal" service a redirect points at
UUID = "4c414230-1234-4567-89ab-cdef00770001"

REMOTE_CONFIG = """[bootp]
pool_start = {pool_start}
lease_file = {lease_file}

[tftp]
root = http://127.0.0.1:%d/files
timeout = 1
retries = 2
{extra}
""" % PORT


class HostileServer(sh.RawHttpServer):
    """A raw HTTP server on 127.0.0.1:port in the server namespace; `handler(conn, path)`
    answers each request (in its own thread). Records the paths asked and when each
    connection ended."""

    def __init__(self, pair, port, handler):
        self.handler = handler
        self.paths = []
        self.closed = []  # monotonic times at which a connection was seen closed by the peer
        self.lock = threading.Lock()
        super().__init__(pair, port, backlog=256)

    def serve(self, conn):
        try:
            conn.settimeout(30)
            request = sh.read_request_head(conn)
            if request is None:
                return
            path = request.split(b"\r\n", 1)[0].split(b" ")[1].decode(errors="replace")
            with self.lock:
                self.paths.append(path)
            self.handler(self, conn, path)
        except OSError:
            with self.lock:
                self.closed.append(time.monotonic())
        finally:
            conn.close()

    def count(self, prefix):
        with self.lock:
            return len([p for p in self.paths if p.startswith(prefix)])


def stream(server, conn, total, rate=None, limit=60):
    """Sends a 200 with `total` bytes of body, at `rate` bytes/s when given; stops when the
    peer goes away (recorded in server.closed) or after `limit` seconds."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % total)
    block = bytes(range(256)) * 256
    sent, end = 0, time.monotonic() + limit
    while sent < total and time.monotonic() < end and not server.stop.is_set():
        if rate is None:
            conn.sendall(block)
            sent += len(block)
        else:
            conn.sendall(b"a" * rate)
            sent += rate
            time.sleep(1)


class ConfinementTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_a_filter_starting_with_a_variable_never_serves_the_configuration_folder(self):
        # Item 1: "* = {filename}" used to look beside netbootd.ini first.
        config = """[bootp]
pool_start = {pool_start}
lease_file = {lease_file}

[http]
location = http://user:SECRET-TOKEN@127.0.0.1:9/

[tftp]
root = {tftp_root}

[filters]
boot.bin = {{bootfile}}
* = {{filename}}
"""
        with netns.NetnsPair() as pair:
            d = Netbootd(config, pair=pair)
            (d.tftp_root / "pxelinux.0").write_bytes(b"P" * 700)
            with d:
                pair.set_client_address(f"{pair.host(200)}/{pair.prefix_len}")
                tftp = (pair.server_ip, 69)
                positive = sh.tftp_get(pair.client_ns, tftp, b"pxelinux.0")
                self.assertTrue(positive.complete, positive)
                for name in (b"netbootd.ini", b"leases.db", b"netbootd.log"):
                    got = sh.tftp_get(pair.client_ns, tftp, name)
                    self.assertFalse(got.complete, f"{name!r} served from the configuration folder: {got}")
                    self.assertEqual(got.error[0], 1, got)  # File not found: only the root was looked at
                    self.assertNotIn(b"SECRET-TOKEN", bytes(got.raw))
                    self.assertNotIn(b"SQLite", bytes(got.raw))


class RemoteRootTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def start(self, pair, handler, extra=""):
        server = HostileServer(pair, PORT, handler)
        self.addCleanup(server.close)
        d = Netbootd(REMOTE_CONFIG, pair=pair, format_args={"extra": extra})
        d.start()
        self.addCleanup(d.stop)
        pair.set_client_address(f"{pair.host(200)}/{pair.prefix_len}")
        return server, d

    def test_redirects_are_not_followed_unless_same_host_is_allowed(self):
        # Item 3: a 302 to an internal URL was fetched and served. Item 4: a 3xx without
        # Location was served as the file.
        internal_hits = []

        def handler(server, conn, path):
            if path == "/files/elsewhere":
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/internal\r\nContent-Length: 0\r\n\r\n"
                             % OTHER_PORT)
            elif path == "/files/nolocation":
                conn.sendall(b"HTTP/1.1 302 Found\r\nContent-Length: 9\r\n\r\nNOT-A-FILE")
            elif path == "/files/nocontent":
                conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            elif path == "/files/samehost":
                conn.sendall(b"HTTP/1.1 301 Moved\r\nLocation: /files/real\r\nContent-Length: 0\r\n\r\n")
            elif path == "/files/real":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"R" * 1000)
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

        def internal(server, conn, path):
            internal_hits.append(path)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINTERNAL")

        for extra in ("", "remote_redirects = same_host"):
            with self.subTest(extra=extra), netns.NetnsPair() as pair:
                inside = HostileServer(pair, OTHER_PORT, internal)
                self.addCleanup(inside.close)
                server, d = self.start(pair, handler, extra)
                tftp = (pair.server_ip, 69)
                got = sh.tftp_get(pair.client_ns, tftp, b"elsewhere", timeout=4)
                self.assertFalse(got.complete, got)
                self.assertNotIn(b"INTERNAL", bytes(got.raw))
                self.assertEqual(internal_hits, [], "the redirect to another host was followed")
                d.wait_for_log(r"redirect to http://127\.0\.0\.1:%d/internal not followed" % OTHER_PORT, timeout=3)
                for name in (b"nolocation", b"nocontent"):
                    got = sh.tftp_get(pair.client_ns, tftp, name, timeout=4)
                    self.assertFalse(got.complete, f"{name!r}: {got}")
                    self.assertIsNotNone(got.error, got)
                    self.assertNotIn(b"NOT-A-FILE", bytes(got.raw))
                d.wait_for_log(r"HTTP 302 without Location", timeout=3)
                d.wait_for_log(r"nocontent.*HTTP 204", timeout=3)
                got = sh.tftp_get(pair.client_ns, tftp, b"samehost", timeout=4)
                if extra:
                    self.assertTrue(got.complete, got)
                    self.assertEqual(bytes(got.data), b"R" * 1000)
                    # The URL actually fetched is in the log.
                    d.wait_for_log(r"remote GET http://127\.0\.0\.1:%d/files/real: HTTP 200, 1000 bytes "
                                   r"\(redirected from http://127\.0\.0\.1:%d/files/samehost\)" % (PORT, PORT), timeout=3)
                else:
                    self.assertFalse(got.complete, got)
                    self.assertEqual(server.count("/files/real"), 0)

    def test_one_download_per_file_a_memory_cap_and_memory_given_back(self):
        # Item 5: 192 never-acknowledged RRQs for one 200 MB file reached 1.8 GB of RSS.
        def handler(server, conn, path):
            stream(server, conn, 200_000_000, limit=20)

        with netns.NetnsPair() as pair:
            server, d = self.start(pair, handler, "remote_memory_mb = 16")
            rss_before = sh.rss_kib(d.pid)
            socks = []
            try:
                for _ in range(60):  # never acknowledged: each waits in its own session
                    s = netns.udp_socket(pair.client_ns)
                    s.sendto(sh.tftp_rrq_packet(b"big.img"), (pair.server_ip, 69))
                    socks.append(s)
                netns.wait_for(lambda: server.count("/files/big.img") >= 1, timeout=5)
                # A second file while the first holds the budget: refused, with a reason.
                other = sh.tftp_get(pair.client_ns, (pair.server_ip, 69), b"other.img", timeout=3, max_bytes=516)
                self.assertIsNotNone(other.error, other)
                self.assertIn("busy", other.error[1].lower(), other)
                d.wait_for_log(r"other\.img refused: remote memory limit reached", timeout=3)
                peak = sh.rss_kib(d.pid) - rss_before
                self.assertEqual(server.count("/files/big.img"), 1, "one shared download for one file")
                self.assertLess(peak, sh.memory_bound(d.pid, 48 * 1024), f"RSS grew by {peak} kB")
            finally:
                for s in socks:
                    s.close()
            # The transfers time out (1 s x 3); the download stops and its memory goes back.
            d.wait_for_log(r"big\.img timed out", timeout=10)
            netns.wait_for(lambda: server.closed, timeout=10)
            netns.wait_for(lambda: sh.rss_kib(d.pid) - rss_before < sh.memory_bound(d.pid, 8 * 1024), timeout=10)
            # After that (the download is stopped on the helper thread), the budget is free again.
            netns.wait_for(lambda: sh.tftp_get(pair.client_ns, (pair.server_ip, 69), b"small.img", timeout=2,
                                               max_bytes=4 * 516).error is None, timeout=10)

    def test_a_trickling_remote_does_not_outlive_its_client(self):
        # Item 6: 4 bytes/s kept the transfer and its connection alive long after the client left.
        def handler(server, conn, path):
            stream(server, conn, 100_000, rate=4, limit=40)

        with netns.NetnsPair() as pair:
            server, d = self.start(pair, handler)
            s = netns.udp_socket(pair.client_ns)
            started = time.monotonic()
            s.sendto(sh.tftp_rrq_packet(b"slow.img"), (pair.server_ip, 69))
            s.close()  # the client is gone
            # timeout 1 s x (retries 2 + 1): the transfer ends, and the remote connection with it.
            d.wait_for_log(r"slow\.img.*(refused|timed out)", timeout=8)
            netns.wait_for(lambda: server.closed, timeout=5)
            self.assertLess(server.closed[0] - started, 7.0)
            # A client that stays is bounded by the minimum rate (remote_min_rate over 10 s).
            got = sh.tftp_get(pair.client_ns, (pair.server_ip, 69), b"slow2.img", timeout=20)
            self.assertFalse(got.complete, got)
            d.wait_for_log(r"slow2\.img.*(Operation too slow|Timeout was reached|timed out|refused)", timeout=25)


class AuthorizationFloodTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_one_question_per_mac_and_phase_in_flight(self):
        # Item 7: 40 datagrams made 40 connections to a slow server. Item 11: a huge header.
        config = """[bootp]
access = http
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = on
lease_file = {lease_file}
boot_file = pxelinux.0

[http]
location = http://127.0.0.1:%d
pxe = /boot
dhcp = /linux
timeout = 4
always_check = on

[tftp]
root = {tftp_root}
""" % PORT
        def handler(server, conn, path):
            if "02-00-5E-DD-00-02" in path:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Huge: " + b"h" * 200_000 + b"\r\nContent-Length: 0\r\n\r\n")
                return
            time.sleep(3)
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

        with netns.NetnsPair() as pair:
            server = HostileServer(pair, PORT, handler)
            self.addCleanup(server.close)
            with Netbootd(config, pair=pair) as d, dc.DhcpClient(pair.client_ns, pair.client_if) as c:
                mac = "02:00:5e:dd:00:01"
                for i in range(40):
                    options = dc.pxe_options(arch=0, uuid=UUID) if i % 2 == 0 else {}
                    c.send(dc.make_discover(mac, dc.new_xid(), options))
                d.wait_for_log(r"GET http://127\.0\.0\.1:%d/(boot|linux)\?mac=02-00-5E-DD-00-01.*denied" % PORT, timeout=8)
                d.wait_for_log(r"GET http://127\.0\.0\.1:%d/(boot|linux)\?mac=02-00-5E-DD-00-01.*denied.*\n(.*\n)*"
                               r".*GET http://127\.0\.0\.1:%d/(boot|linux)\?mac=02-00-5E-DD-00-01.*denied" % (PORT, PORT),
                               timeout=8)
                asked = server.count("/boot?mac=02-00-5E-DD-00-01") + server.count("/linux?mac=02-00-5E-DD-00-01")
                self.assertLessEqual(asked, 2, server.paths)
                self.assertGreaterEqual(asked, 1, server.paths)
                # Item 11: a 200 KB header is reported as what it is.
                c.send(dc.make_discover("02:00:5e:dd:00:02", dc.new_xid(), dc.pxe_options(arch=0, uuid=UUID)))
                d.wait_for_log(r"02-00-5E-DD-00-02.*response header too large", timeout=8)
                self.assertNotRegex(d.log(), r"02-00-5E-DD-00-02.*Out of memory")


REVIEW_CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 50
lease_file = {lease_file}

[bootfile]
00000 = {bootfile}

[tftp]
root = http://{credentials}127.0.0.1:%d/files
timeout = 1
retries = 2
{extra}
""" % PORT


class ReviewOfTheFixesTest(unittest.TestCase):
    """The hostile review of the remote root's fixes (issue 23): option 13's HEAD followed
    redirects anywhere, credentials reached the log, same-host redirects left the root's
    path, remote failures answered "Access violation", lying Content-Lengths were served."""

    def setUp(self):
        netns.require_netns()

    def start(self, pair, handler, bootfile="pxelinux.0", credentials="", extra=""):
        server = HostileServer(pair, PORT, handler)
        self.addCleanup(server.close)
        d = Netbootd(REVIEW_CONFIG, pair=pair, args=["-d"],
                     format_args={"extra": extra, "bootfile": bootfile, "credentials": credentials})
        d.start()
        # Each test stops the daemon inside its pair (whose teardown would kill it); after a
        # failure, the cleanup does.
        self.addCleanup(lambda: d.running() and d.stop())
        pair.set_client_address(f"{pair.host(200)}/{pair.prefix_len}")
        return server, d

    def test_option_13_head_follows_no_redirect_to_another_host(self):
        internal_hits = []

        def handler(server, conn, path):
            conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/internal/secret\r\n"
                         b"Content-Length: 0\r\n\r\n" % OTHER_PORT)

        def internal(server, conn, path):
            internal_hits.append(path)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4242420\r\n\r\n")

        for extra in ("", "remote_redirects = same_host"):
            with self.subTest(extra=extra), netns.NetnsPair() as pair:
                inside = HostileServer(pair, OTHER_PORT, internal)
                self.addCleanup(inside.close)
                server, d = self.start(pair, handler, extra=extra)
                with dc.DhcpClient.for_pair(pair) as c:
                    for i in range(2):  # the second reply would carry a cached size
                        offer = c.discover(options=dc.pxe_options(arch=0), mac="02:00:00:00:44:%02x" % i, timeout=4)
                        self.assertIsNotNone(offer)
                        self.assertIsNone(offer.options.get(13), "option 13 from a redirect to another host")
                        d.wait_for_log(r"HEAD http://127\.0\.0\.1:%d/files/pxelinux\.0: HTTP 302 redirect to "
                                       r"http://127\.0\.0\.1:%d/internal/secret not followed" % (PORT, OTHER_PORT),
                                       timeout=3)
                self.assertEqual(internal_hits, [], "the HEAD followed a redirect to another host")
                d.stop()

    def test_credentials_of_the_root_never_reach_the_log_and_same_host_redirects_keep_them(self):
        authorized = []

        def handler(server, conn, path):
            if path == "/files/moved":
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/files/real\r\n"
                             b"Content-Length: 0\r\n\r\n" % PORT)
            elif path == "/files/elsewhere":
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/x\r\nContent-Length: 0\r\n\r\n"
                             % OTHER_PORT)
            elif path in ("/files/real", "/files/pxelinux.0"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

        with netns.NetnsPair() as pair:
            server, d = self.start(pair, handler, credentials="admin:S3CRET@", extra="remote_redirects = same_host")
            tftp = (pair.server_ip, 69)
            with dc.DhcpClient.for_pair(pair) as c:
                c.discover(options=dc.pxe_options(arch=0), mac="02:00:00:00:79:01", timeout=3)
            d.wait_for_log(r"HEAD http://admin:\*\*\*@127\.0\.0\.1:%d/files/pxelinux\.0" % PORT, timeout=3)
            got = sh.tftp_get(pair.client_ns, tftp, b"real", timeout=4)
            self.assertTrue(got.complete, got)
            # A same-host redirect of a root with credentials is followed (and keeps them).
            got = sh.tftp_get(pair.client_ns, tftp, b"moved", timeout=4)
            self.assertTrue(got.complete, got)
            self.assertEqual(bytes(got.data), b"0123456789")
            d.wait_for_log(r"remote GET http://admin:\*\*\*@127\.0\.0\.1:%d/files/real: HTTP 200, 10 bytes "
                           r"\(redirected from http://admin:\*\*\*@127\.0\.0\.1:%d/files/moved\)" % (PORT, PORT), timeout=3)
            for name in (b"nope", b"elsewhere"):
                got = sh.tftp_get(pair.client_ns, tftp, name, timeout=4)
                self.assertFalse(got.complete, got)
            d.wait_for_log(r"elsewhere.*not followed", timeout=3)
            d.wait_for_log(r"nope", timeout=3)
            self.assertIn("root http://admin:***@127.0.0.1:%d/files" % PORT, d.log())
            self.assertNotIn("S3CRET", d.log())
            d.stop()

    def test_same_host_redirects_stay_beneath_the_roots_path(self):
        def handler(server, conn, path):
            if path == "/files/relative":
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: ../outside\r\nContent-Length: 0\r\n\r\n")
            elif path == "/files/inside":
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: sub/real\r\nContent-Length: 0\r\n\r\n")
            elif path == "/files/sub/real":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nINSIDE")
            elif path == "/outside":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nOUTSIDE")
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

        with netns.NetnsPair() as pair:
            server, d = self.start(pair, handler, extra="remote_redirects = same_host")
            tftp = (pair.server_ip, 69)
            got = sh.tftp_get(pair.client_ns, tftp, b"relative", timeout=4)
            self.assertFalse(got.complete, got)
            self.assertNotIn(b"OUTSIDE", bytes(got.raw))
            self.assertEqual(server.count("/outside"), 0)
            d.wait_for_log(r"redirect to http://127\.0\.0\.1:%d/outside not followed \(outside the root's path\)" % PORT,
                           timeout=3)
            got = sh.tftp_get(pair.client_ns, tftp, b"inside", timeout=4)
            self.assertTrue(got.complete, got)
            self.assertEqual(bytes(got.data), b"INSIDE")
            d.stop()

    def test_remote_failures_answer_error_0_and_lying_lengths_are_no_file(self):
        def handler(server, conn, path):
            if path == "/files/broken":
                conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            elif path == "/files/vanish":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"V" * 5000)
            elif path == "/files/garblen":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\nGARBAGEGARBA")
            elif path == "/files/twolen":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 2000\r\n\r\n" + b"T" * 2000)
            elif path == "/files/samelen":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nSAME")
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

        with netns.NetnsPair() as pair:
            server, d = self.start(pair, handler)
            tftp = (pair.server_ip, 69)
            for name in (b"broken", b"vanish"):
                got = sh.tftp_get(pair.client_ns, tftp, name, timeout=4)
                self.assertFalse(got.complete, f"{name!r}: {got}")
                self.assertIsNotNone(got.error, f"{name!r}: {got}")
                self.assertEqual(got.error[0], 0, f"{name!r}: {got}")  # not 2, "Access violation"
            d.wait_for_log(r"broken.*HTTP 503", timeout=3)
            for name, reason in ((b"garblen", r"malformed Content-Length '12abc'"),
                                 (b"twolen", r"conflicting Content-Length headers \(10 and 2000\)")):
                got = sh.tftp_get(pair.client_ns, tftp, name, timeout=4)
                self.assertFalse(got.complete, f"{name!r}: {got}")
                self.assertEqual(bytes(got.data), b"", f"{name!r}: {got}")
                self.assertEqual(got.error[0], 0, f"{name!r}: {got}")
                d.wait_for_log(name.decode() + ".*" + reason, timeout=3)
            got = sh.tftp_get(pair.client_ns, tftp, b"samelen", timeout=4)
            self.assertTrue(got.complete, got)
            self.assertEqual(bytes(got.data), b"SAME")
            d.stop()


    def test_a_slow_reader_does_not_stall_the_others_sharing_its_download(self):
        # One client acknowledging a block every 0.8 s held the shared download at its own
        # pace: a second client reading the same 12 MiB file stalled and timed out.
        size = 12 * 1024 * 1024

        def handler(server, conn, path):
            stream(server, conn, size, limit=60)

        with netns.NetnsPair() as pair:
            server, d = self.start(pair, handler)
            tftp = (pair.server_ip, 69)
            stop = threading.Event()
            slow_result = []

            def slow():
                s = netns.udp_socket(pair.client_ns)
                s.settimeout(5)
                s.sendto(sh.tftp_rrq_packet(b"initrd"), tftp)
                end = time.monotonic() + 40
                try:
                    while not stop.is_set() and time.monotonic() < end:
                        packet, peer = s.recvfrom(2000)
                        if packet[:2] != b"\0\3":
                            slow_result.append(packet)
                            return
                        stop.wait(0.8)
                        s.sendto(b"\0\4" + packet[2:4], peer)
                except OSError:
                    pass
                finally:
                    s.close()

            thread = threading.Thread(target=slow, daemon=True)
            thread.start()
            self.addCleanup(stop.set)
            netns.wait_for(lambda: server.count("/files/initrd") >= 1, timeout=5)
            got = sh.tftp_get(pair.client_ns, tftp, b"initrd", timeout=4, options={"blksize": "1428"},
                              max_bytes=1 << 25)
            stop.set()
            thread.join(10)
            self.assertTrue(got.complete, got)
            self.assertEqual(len(got.data), size)
            d.stop()


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
