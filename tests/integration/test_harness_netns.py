#!/usr/bin/env python3
"""Self-test of the integration harness (tests/support), without netbootd.

Proves that NetnsPair builds a working, isolated link and always tears it down (also after
an exception and on SIGTERM), that dhcp_client.py builds and parses packets correctly, and
that the crafted client and the real-client wrappers get a lease end to end from a tiny
DHCP responder stub that lives only in this file. Exit 77 (skip) when not root / no `ip`.
"""

import os
import select
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
import unittest

import clients
import dhcp_client as dc
import netns

TEST_UUID = "4c4a4230-3412-6745-89ab-cdef00770001"


class ResponderStub:
    """Minimal DHCP server for the self-test only: OFFER/ACK host(100+i) per new MAC, NAK a
    REQUEST for another address, ACK INFORM without address; records every request."""

    def __init__(self, pair: netns.NetnsPair, boot_file: str = "pxelinux.0",
                 hostname: str = "stub-host"):
        self.pair = pair
        self.boot_file = boot_file
        self.hostname = hostname
        self.requests = []
        self.leases = {}
        self.sock = netns.udp_socket(pair.server_ns, bind=("0.0.0.0", 67), device=pair.server_if,
                                     broadcast=True)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="dhcp-stub", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def _loop(self):
        while not self.stop_event.is_set():
            readable, _, _ = select.select([self.sock], [], [], 0.1)
            if not readable:
                continue
            data, _addr = self.sock.recvfrom(65535)
            request = dc.parse_reply(data)  # same wire format both ways
            if request is None or request.op != dc.BOOTREQUEST:
                continue
            self.requests.append(request)
            reply = self._answer(request)
            if reply is not None:
                self.sock.sendto(reply.to_bytes(), ("255.255.255.255", 68))

    def _answer(self, req):
        mtype = req.message_type
        mac = req.chaddr
        if mac not in self.leases:
            self.leases[mac] = self.pair.host(100 + len(self.leases))
        ip = self.leases[mac]
        options = {dc.OPT_SERVER_ID: dc.ip_bytes(self.pair.server_ip),
                   dc.OPT_SUBNET_MASK: dc.ip_bytes(self.pair.netmask),
                   dc.OPT_ROUTER: dc.ip_bytes(self.pair.server_ip),
                   dc.OPT_DNS: dc.ip_bytes(self.pair.server_ip) + dc.ip_bytes(self.pair.host(2)),
                   dc.OPT_HOSTNAME: self.hostname,
                   dc.OPT_LEASE_TIME: struct.pack("!I", 3600)}
        if dc.OPT_CLIENT_UUID in req.options:
            options[dc.OPT_VENDOR_CLASS] = b"PXEClient"
            options[dc.OPT_CLIENT_UUID] = req.options[dc.OPT_CLIENT_UUID]
        common = dict(op=dc.BOOTREPLY, xid=req.xid, flags=req.flags, chaddr=mac,
                      siaddr=self.pair.server_ip, file=self.boot_file.encode(), sname=b"stub")
        if mtype == dc.DISCOVER:
            return dc.DhcpPacket(yiaddr=ip, options={dc.OPT_MESSAGE_TYPE: bytes([dc.OFFER]), **options},
                                 **common)
        if mtype == dc.REQUEST:
            wanted = req.ip_option(dc.OPT_REQUESTED_IP) or req.ciaddr
            if wanted != ip:
                return dc.DhcpPacket(op=dc.BOOTREPLY, xid=req.xid, flags=req.flags, chaddr=mac,
                                     options={dc.OPT_MESSAGE_TYPE: bytes([dc.NAK]),
                                              dc.OPT_SERVER_ID: dc.ip_bytes(self.pair.server_ip)})
            return dc.DhcpPacket(yiaddr=ip, ciaddr=req.ciaddr,
                                 options={dc.OPT_MESSAGE_TYPE: bytes([dc.ACK]), **options}, **common)
        if mtype == dc.INFORM:
            options.pop(dc.OPT_LEASE_TIME)
            return dc.DhcpPacket(ciaddr=req.ciaddr,
                                 options={dc.OPT_MESSAGE_TYPE: bytes([dc.ACK]), **options}, **common)
        return None  # RELEASE, DECLINE: recorded only

    def wait_request(self, msg_type, timeout=3.0):
        return netns.wait_for(lambda: next((r for r in self.requests if r.message_type == msg_type),
                                           None), timeout=timeout,
                              what=f"{dc.MESSAGE_TYPE_NAMES[msg_type]} at the stub")


def _names_of(pair):
    return [pair.server_ns, pair.client_ns], [pair.server_if, pair.client_if]


def assert_gone(test, pair):
    namespaces, links = _names_of(pair)
    present = netns.list_netns()
    for ns in namespaces:
        test.assertNotIn(ns, present)
        test.assertFalse((netns.NETNS_DIR / ns).exists(), ns)
    host_links = netns.list_links()
    for link in links:
        test.assertNotIn(link, host_links)
    if pair.tmpdir is not None:
        test.assertFalse(pair.tmpdir.exists(), str(pair.tmpdir))


class PacketCodecTest(unittest.TestCase):
    """Pure tests of dhcp_client's packing (no root needed)."""

    def test_discover_layout(self):
        p = dc.make_discover("52:54:00:12:34:56", 0x01020304,
                             options=dc.pxe_options(arch=7, undi=(3, 16), uuid=TEST_UUID))
        raw = p.to_bytes()
        self.assertEqual(raw[0], 1)
        self.assertEqual(raw[4:8], b"\x01\x02\x03\x04")
        self.assertEqual(raw[10:12], b"\x80\x00")  # broadcast flag
        self.assertEqual(raw[28:34], bytes.fromhex("525400123456"))
        self.assertEqual(raw[236:240], dc.MAGIC_COOKIE)
        self.assertEqual(raw[240:243], b"\x35\x01\x01")  # 53 first
        self.assertGreaterEqual(len(raw), 300)
        parsed = dc.parse_reply(raw)
        self.assertEqual(parsed.options[60], b"PXEClient:Arch:00007:UNDI:003016")
        self.assertEqual(parsed.options[93], b"\x00\x07")
        self.assertEqual(parsed.options[94], b"\x01\x03\x10")

    def test_uuid_in_smbios_order(self):
        # firmware-requests.md: the first three fields little-endian.
        opts = dc.pxe_options(uuid="41424330-3412-6745-89ab-cdef00770001")
        self.assertEqual(opts[97].hex(), "00" "30434241" "1234" "4567" "89abcdef00770001")

    def test_long_option_split_and_concatenated(self):
        value = bytes(range(256)) * 2  # 512 bytes -> 255 + 255 + 2 (RFC 3396)
        raw = dc.encode_options({43: value})
        self.assertEqual(raw[0:2], b"\x2b\xff")
        options, order = dc.decode_options(raw)
        self.assertEqual(options[43], value)
        self.assertEqual(order, [43])

    def test_truncated_trailing_option_keeps_earlier_ones(self):
        options, _ = dc.decode_options(b"\x35\x01\x02\x00\x00\x36\x04\x0a\x00")
        self.assertEqual(options, {53: b"\x02"})

    def test_overload_merges_file_and_sname(self):
        p = dc.DhcpPacket(op=dc.BOOTREPLY, raw_options=b"\x35\x01\x05\x34\x01\x03\xff",
                          file=b"\x43\x04boot\xff", sname=b"\x0c\x02hn\xff")
        r = dc.parse_reply(p.to_bytes())
        self.assertEqual(r.options[67], b"boot")
        self.assertEqual(r.options[12], b"hn")
        self.assertEqual(r.file, "")
        self.assertEqual(r.message_type_name, "ACK")

    def test_plain_bootp_has_no_cookie(self):
        r = dc.parse_reply(dc.DhcpPacket(cookie=False).to_bytes())
        self.assertFalse(r.has_cookie)
        self.assertIsNone(r.message_type)
        self.assertEqual(r.size, 300)

    def test_ipxe_options(self):
        opts = dc.ipxe_options()
        self.assertEqual(opts[77], b"iPXE")
        self.assertEqual(len(opts[175]) % 3, 0)


class NetnsHarnessTest(unittest.TestCase):

    def setUp(self):
        if os.geteuid() != 0 or not netns.shutil.which("ip"):
            self.skipTest("needs root to create network namespaces")

    def test_names_are_unique_and_short(self):
        a, b = netns.NetnsPair(), netns.NetnsPair()
        for p in (a, b):
            self.assertTrue(p.server_ns.startswith(f"nbd-{os.getpid()}-"))
            self.assertLessEqual(len(p.server_if), 15)
            self.assertLessEqual(len(p.client_if), 15)
        self.assertNotEqual(a.server_ns, b.server_ns)
        self.assertTrue(a.network.subnet_of(netns.ipaddress.IPv4Network("198.18.0.0/15")))

    def test_link_addresses_and_udp_echo(self):
        with netns.NetnsPair() as pair:
            self.assertIn(pair.server_ns, netns.list_netns())
            self.assertIn(pair.client_ns, netns.list_netns())
            self.assertEqual(netns.list_links(pair.client_ns), ["lo", pair.client_if])
            self.assertEqual(pair.client_addresses(), [])  # client side has no address
            self.assertIn(pair.server_ip, pair.run(["ip", "-4", "addr"], ns=pair.server_ns,
                                                   timeout=5).stdout)
            self.assertNotIn(pair.server_if, netns.list_links())  # never on the host
            # UDP echo server spawned in the server namespace (exercises spawn()).
            echo = textwrap.dedent("""
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", 7777)); print("listening", flush=True)
                s.settimeout(10)
                for _ in range(5):
                    data, addr = s.recvfrom(2048); s.sendto(b"echo:" + data, addr)
                """)
            log = pair.path("echo.log")
            server = pair.spawn([sys.executable, "-c", echo], ns=pair.server_ns, log=log)
            netns.wait_for_log(log, r"listening", timeout=5)
            pair.set_client_address(f"{pair.host(50)}/{pair.prefix_len}")
            sock = netns.udp_socket(pair.client_ns, device=pair.client_if)
            sock.settimeout(2)
            sock.sendto(b"ping", (pair.server_ip, 7777))
            data, addr = sock.recvfrom(2048)
            sock.close()
            self.assertEqual(data, b"echo:ping")
            self.assertEqual(addr, (pair.server_ip, 7777))
            # The subnet exists only in the namespaces: no host interface holds it.
            host_addrs = netns.run(["ip", "-4", "-o", "addr"], timeout=5).stdout
            self.assertNotIn(pair.server_ip + "/", host_addrs)
            self.assertTrue(server.alive())
        assert_gone(self, pair)
        self.assertFalse(server.alive(), "spawned process must be killed at teardown")

    def test_teardown_after_exception(self):
        holder = {}
        with self.assertRaises(RuntimeError):
            with netns.NetnsPair() as pair:
                holder["pair"] = pair
                holder["proc"] = pair.spawn(["sleep", "60"], ns=pair.client_ns)
                raise RuntimeError("test body failed")
        assert_gone(self, holder["pair"])
        self.assertFalse(holder["proc"].alive())

    def test_teardown_on_sigterm_in_child_process(self):
        # A separate test process creates a pair, then is SIGTERMed: its handlers clean up.
        code = textwrap.dedent("""
            import sys, time, netns
            pair = netns.NetnsPair().open()
            pair.spawn(["sleep", "60"], ns=pair.server_ns)
            print(pair.server_ns, pair.client_ns, flush=True)
            time.sleep(30)
            """)
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                                env=dict(os.environ, PYTHONPATH=os.path.dirname(netns.__file__)))
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 10)
            self.assertTrue(ready, "child did not create its pair")
            names = proc.stdout.readline().split()
            self.assertEqual(len(names), 2)
            for ns in names:
                self.assertIn(ns, netns.list_netns())
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
            proc.stdout.close()
        self.assertEqual(proc.returncode, -signal.SIGTERM)
        for ns in names:
            self.assertNotIn(ns, netns.list_netns())

    def test_stale_leftovers_of_dead_pid_are_removed(self):
        # A child that is SIGKILLed cannot clean up; cleanup_stale() (run by every new pair)
        # removes what its dead PID left, and leaves live PIDs' namespaces alone.
        child = subprocess.Popen(["sleep", "30"])
        dead_pid = child.pid
        stale = f"nbd-{dead_pid}-z-s"
        netns.run(["ip", "netns", "add", stale], timeout=10)
        try:
            netns.run(["ip", "-n", stale, "link", "add", f"nbd-{dead_pid}-zs", "type", "veth",
                       "peer", "name", f"nbd-{dead_pid}-zc"], timeout=10)
            child.kill()
            child.wait(timeout=5)
            with netns.NetnsPair() as pair:
                self.assertNotIn(stale, netns.list_netns())
                self.assertIn(pair.server_ns, netns.list_netns())
                live = f"nbd-{os.getpid()}-zz-s"
                netns.run(["ip", "netns", "add", live], timeout=10)
                try:
                    self.assertNotIn(live, netns.cleanup_stale())
                    self.assertIn(live, netns.list_netns())
                finally:
                    netns.run(["ip", "netns", "del", live], timeout=10)
        finally:
            netns.run(["ip", "netns", "del", stale], timeout=10, check=False)

    def test_run_timeout_kills_process_group(self):
        start = time.monotonic()
        with self.assertRaises(TimeoutError):
            netns.run("sleep 30 & sleep 30; wait", timeout=0.5)
        self.assertLess(time.monotonic() - start, 5)
        with self.assertRaises(ValueError):
            netns.run(["true"], timeout=0)

    def test_wait_helpers_are_bounded(self):
        start = time.monotonic()
        with self.assertRaises(TimeoutError):
            netns.wait_for(lambda: False, timeout=0.3)
        with self.assertRaises(TimeoutError):
            netns.wait_for_log("/nonexistent/netboot.log", r"ready", timeout=0.3)
        self.assertLess(time.monotonic() - start, 3)
        self.assertEqual(netns.wait_for(lambda: 42, timeout=1), 42)


class DhcpEndToEndTest(unittest.TestCase):
    """dhcp_client.py and the real-client wrappers against the stub responder."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0 or not netns.shutil.which("ip"):
            raise unittest.SkipTest("needs root to create network namespaces")
        cls.pair = netns.NetnsPair().open()

    @classmethod
    def tearDownClass(cls):
        cls.pair.close()
        assert_gone(unittest.TestCase(), cls.pair)

    def setUp(self):
        self.pair.flush_client_addresses()

    def test_crafted_pxe_dora_inform_release_decline(self):
        pair = self.pair
        with ResponderStub(pair) as stub, dc.DhcpClient(pair.client_ns, pair.client_if) as client:
            self.assertEqual(client.mac, pair.mac("client"))
            pxe = {**dc.pxe_options(arch=0, uuid=TEST_UUID), **dc.ipxe_options()}
            offer, ack = client.dora(options=pxe)
            self.assertIsNotNone(offer, "no OFFER")
            self.assertEqual(offer.message_type, dc.OFFER)
            self.assertEqual(ack.message_type, dc.ACK)
            self.assertEqual(ack.yiaddr, pair.host(100))
            self.assertEqual(ack.siaddr, pair.server_ip)
            self.assertEqual(ack.file, "pxelinux.0")
            self.assertEqual(ack.sname, "stub")
            self.assertTrue(ack.broadcast_flag)
            self.assertEqual(ack.server_id, pair.server_ip)
            self.assertEqual(ack.subnet_mask, pair.netmask)
            self.assertEqual(ack.dns, [pair.server_ip, pair.host(2)])
            self.assertEqual(ack.str_option(dc.OPT_HOSTNAME), "stub-host")
            self.assertEqual(ack.lease_time, 3600)
            self.assertEqual(ack.options[97], dc.pxe_options(uuid=TEST_UUID)[97])
            self.assertEqual((ack.dst_ip, ack.src_port, ack.dst_port),
                             ("255.255.255.255", 67, 68))
            self.assertEqual(ack.dst_mac, "ff:ff:ff:ff:ff:ff")
            sent = stub.requests[0]
            self.assertEqual(sent.options[60], b"PXEClient:Arch:00000:UNDI:002001")
            self.assertEqual(sent.options[77], b"iPXE")
            self.assertEqual(sent.chaddr, client.mac)
            # Wrong INIT-REBOOT address -> NAK; right one -> ACK.
            self.assertEqual(client.request_init_reboot(pair.host(99)).message_type, dc.NAK)
            self.assertEqual(client.request_init_reboot(pair.host(100)).message_type, dc.ACK)
            # Other MAC on the same link: its own address.
            other = dc.random_mac()
            offer2, ack2 = client.dora(mac=other)
            self.assertEqual(ack2.chaddr, other)
            self.assertEqual(ack2.yiaddr, pair.host(101))
            # RENEWING is unicast from the leased address.
            pair.set_client_address(f"{ack.yiaddr}/{pair.prefix_len}")
            renew = client.request_renewing(ack.yiaddr, server=pair.server_ip)
            self.assertEqual(renew.message_type, dc.ACK)
            self.assertEqual(stub.requests[-1].ciaddr, ack.yiaddr)
            inform = client.inform(ack.yiaddr)
            self.assertEqual(inform.message_type, dc.ACK)
            self.assertEqual(inform.yiaddr, "0.0.0.0")
            client.release(ack.yiaddr, pair.server_ip)
            self.assertEqual(stub.wait_request(dc.RELEASE).ciaddr, ack.yiaddr)
            client.decline(pair.host(101), pair.server_ip, mac=other)
            declined = stub.wait_request(dc.DECLINE)
            self.assertEqual(declined.ip_option(dc.OPT_REQUESTED_IP), pair.host(101))
        self.assertEqual([r.message_type for r in stub.requests[:2]], [dc.DISCOVER, dc.REQUEST])

    def test_silence_is_bounded(self):
        with dc.DhcpClient(self.pair.client_ns, self.pair.client_if) as client:
            start = time.monotonic()
            self.assertIsNone(client.discover(timeout=0.5))  # no server running
            self.assertLess(time.monotonic() - start, 2)

    def _check_lease(self, lease, tool):
        self.assertTrue(lease, f"{tool}: no lease\n{lease.output}")
        self.assertEqual(lease.ip, self.pair.host(100), lease.env)
        self.assertEqual(lease.subnet, self.pair.netmask)
        self.assertEqual(lease.router, self.pair.server_ip)
        self.assertEqual(lease.dns, [self.pair.server_ip, self.pair.host(2)])
        self.assertEqual(lease.server_id, self.pair.server_ip)
        self.assertEqual(lease.lease_time, 3600)

    def test_udhcpc(self):
        if not netns.shutil.which("udhcpc"):
            self.skipTest("udhcpc missing")
        with ResponderStub(self.pair, boot_file="bootx64.efi") as stub:
            lease = clients.udhcpc(self.pair.client_ns, self.pair.client_if, workdir=self.pair.tmpdir)
            self._check_lease(lease, "udhcpc")
            self.assertEqual(lease.siaddr, self.pair.server_ip)
            self.assertEqual(lease.boot_file, "bootx64.efi")
            self.assertEqual(lease.hostname, "stub-host")
            self.assertEqual(stub.requests[0].options[60], b"netboot-test")
        self.assertEqual(self.pair.client_addresses(), [])  # wrapper leaves the link alone

    def test_dhclient(self):
        if not netns.shutil.which("dhclient"):
            self.skipTest("dhclient missing")
        before = _host_files()
        with ResponderStub(self.pair, boot_file="bootx64.efi") as stub:
            lease = clients.dhclient(self.pair.client_ns, self.pair.client_if,
                                     workdir=self.pair.tmpdir)
            self._check_lease(lease, "dhclient")
            self.assertEqual(lease.siaddr, self.pair.server_ip)
            self.assertEqual(lease.boot_file, "bootx64.efi")
            self.assertEqual(lease.hostname, "stub-host")
            time.sleep(0.3)
            # Stopped with SIGKILL: no RELEASE that would disturb lease tests.
            self.assertEqual([r.message_type for r in stub.requests], [dc.DISCOVER, dc.REQUEST])
        self.assertEqual(_host_files(), before, "dhclient touched host files")

    def test_dhcpcd(self):
        if not netns.shutil.which("dhcpcd"):
            self.skipTest("dhcpcd missing")
        before = _host_files()
        with ResponderStub(self.pair, boot_file="bootx64.efi"):
            lease = clients.dhcpcd(self.pair.client_ns, self.pair.client_if,
                                   workdir=self.pair.tmpdir)
            self._check_lease(lease, "dhcpcd")
            self.assertEqual(lease.boot_file, "bootx64.efi")
            self.assertEqual(lease.hostname, "stub-host")
            self.assertEqual(lease.reason, "BOUND")
        self.assertEqual(self.pair.client_addresses(), [])  # leased address removed again
        self.assertEqual(_host_files(), before, "dhcpcd touched host files")


def _host_files():
    """Fingerprint of the host files DHCP clients like to write."""
    out = {}
    for path in ("/etc/resolv.conf", "/var/lib/dhcpcd", "/run/dhcpcd", "/var/lib/dhcp",
                 "/etc/hostname"):
        try:
            st = os.stat(path)
            out[path] = (st.st_mtime_ns, st.st_size,
                         sorted(os.listdir(path)) if os.path.isdir(path) else None)
        except FileNotFoundError:
            out[path] = None
    return out


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
