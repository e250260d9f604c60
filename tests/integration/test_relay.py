"""Relayed DHCP through a real relay agent (issue 18): ISC dhcrelay in a router namespace
between the server's link and three client links, each its own /24.

    S (netbootd) -- link s -- R (router: ip_forward, dhcrelay -4 -d -a -D) -- link a -- A: [subnet a]
                   S.1   R.254                                  \\--------------- link b -- B: [subnet b]
                                                                 \\-------------- link c -- C: no subnet

dhcrelay sets giaddr to its address on the client's link (a.1, b.1, c.1) and adds option 82
with circuit-id = its interface name there (-a). With -D it drops every reply whose option 82
is missing or does not name one of its interfaces: if netbootd did not echo option 82, no
OFFER or ACK would reach the clients and they would time out (without -D the relay would
forward anyway and this test could not fail). The sniffer on S checks the echo byte for byte
too.

Checked: udhcpc and dhclient on links a and b get an address of their own subnet's pool with
that subnet's router, mask, DNS, domain and lease time (what a subnet leaves unset comes from
[bootp]); the server identifier is S's address (the one the relay reached); netbootd's ACK log
line carries the circuit-id; a client of link c (no subnet) gets nothing and netbootd says why
at debug; a renewal unicast straight to S (no relay, giaddr 0) is ACKed with the address and
options of its subnet, to the client's address.

dhcrelay runs as nobody with only CAP_NET_RAW (its LPF sockets) and CAP_NET_BIND_SERVICE (port
67), through setpriv. Root only (namespaces); exit 77 otherwise."""

import contextlib
import ipaddress
import os
import re
import socket
import sqlite3
import struct
import threading
import time
import unittest

import clients
import dhcp_client as dc
import netns
import routed
from daemon import Netbootd

OPT_RELAY_AGENT = 82
LINKS = "sabc"  # s: the server's link; a, b: client subnets; c: a client link without a subnet


def config(net: routed.Star) -> str:
    s, a, b = (lambda n, leaf=leaf: net.host(leaf, n) for leaf in "sab")
    # Subnet a: two pool ranges, everything else from [bootp] or its default (router = giaddr).
    # Subnet b: pool_start/pool_count, and its own router, DNS, domain and lease time. Its router
    # is not the relay's address (a router's virtual address, while the relay answers on .1):
    # so a reply that only echoed giaddr would be caught.
    return f"""[logger]
type = stderr
level = debug

[bootp]
pool_start = {s(100)}
pool_count = 20
lease_file = {{lease_file}}
lease_time = 3600
allow_simple_dhcp = yes
dns = {s(53)}
domain = relay.test

[subnet a]
network = {net.network('a')}
pool = {a(100)}-{a(104)}; {a(120)}-{a(129)}

[subnet b]
network = {net.network('b')}
pool_start = {b(150)}
pool_count = 10
gateway = {b(254)}
dns = {b(53)}
domain = rack-b.test
lease_time = 600

[tftp]
root = {{tftp_root}}
port = 6969
"""


class DhcpTap:
    """Every DHCP datagram crossing one interface (AF_PACKET, both directions), as
    (source port, destination port, payload); the test reads option 82 from them."""

    def __init__(self, ns: str, ifname: str):
        def setup(sock: socket.socket) -> None:
            sock.bind((ifname, 0x0003))  # ETH_P_ALL
        self.sock = netns.socket_in_ns(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003), setup)
        self.sock.settimeout(0.2)
        self.seen = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="dhcp-tap", daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                frame = self.sock.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
                continue
            udp = 14 + (frame[14] & 0x0F) * 4
            sport, dport, length = struct.unpack("!HHH", frame[udp:udp + 6])
            payload = frame[udp + 8:udp + length]
            if {sport, dport} & {67, 68} and len(payload) >= 240 and payload[236:240] == dc.MAGIC_COOKIE:
                with self.lock:
                    self.seen.append((sport, dport, bytes(payload)))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()

    def packets(self, mac: str, op: int):
        """(xid, message type, options) of every datagram for chaddr mac with this op."""
        out = []
        with self.lock:
            seen = list(self.seen)
        for _, _, payload in seen:
            if payload[0] == op and dc.mac_str(payload[28:34]) == mac.lower():
                options, _ = dc.decode_options(payload[240:])
                kind = options.get(dc.OPT_MESSAGE_TYPE, b"\0")[0]
                out.append((struct.unpack("!I", payload[4:8])[0], kind, options))
        return out


def log_mac(mac: str) -> str:
    return mac.upper()


class RelayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netns.require_netns()
        netns.require_commands("dhcrelay", "setpriv", "udhcpc", "dhclient", "sysctl")
        cls.net = net = routed.Star(hub="r", leaves=LINKS).open()
        try:
            cls.server_ip = net.address("s", "s", 1)
            cls.router_up = net.address("r", "s", 254)
            cls.giaddr = {leaf: net.address("r", leaf, 1) for leaf in "abc"}
            for leaf in "abc":
                net.route("s", leaf, via=cls.router_up)
            net.forwarding("r")
            cls.relay_log = net.path("dhcrelay.log")
            # Least privilege: nobody, with only the capabilities its raw (LPF) sockets and port
            # 67 need; it keeps them across exec as ambient capabilities.
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=+net_raw,+net_bind_service", "--ambient-caps=+net_raw,+net_bind_service",
                    "dhcrelay", "-4", "-d", "-a", "-D", "--no-pid"]
            for leaf in "abc":
                argv += ["-id", net.hub_if(leaf)]
            argv += ["-iu", net.hub_if("s"), cls.server_ip]
            cls.relay = net.spawn(argv, ns=net.ns("r"), log=cls.relay_log)
            # Its last start-up line: every interface is open.
            netns.wait_for_log(cls.relay_log, r"Sending on\s+Socket/fallback", timeout=10, alive=cls.relay.alive)
            cls.tap = DhcpTap(net.ns("s"), net.leaf_if("s"))
            cls.daemon = Netbootd(config(net), ns=net.ns("s"), workdir=net.tmpdir)
            cls.daemon.start()
        except BaseException:
            cls.net.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.daemon.stop()
        finally:
            cls.tap.close()
            cls.net.close()

    def setUp(self):
        self.log_since = self.daemon.log_offset()

    def fail_context(self) -> str:
        return (f"\n---- netbootd ----\n{self.daemon.log_tail(30)}\n---- dhcrelay ----\n"
                + "\n".join(netns.read_text(self.relay_log).splitlines()[-20:]))

    def mac(self, leaf: str, n: int) -> str:
        return f"02:18:{LINKS.index(leaf):02x}:{n:02x}:{(os.getpid() >> 8) & 0xff:02x}:{os.getpid() & 0xff:02x}"

    def in_pool(self, leaf: str, ip: str) -> bool:
        host = int(ipaddress.IPv4Address(ip)) - int(self.net.network(leaf).network_address)
        if leaf == "a":
            return 100 <= host <= 104 or 120 <= host <= 129
        return 150 <= host <= 159

    def expected(self, leaf: str) -> dict:
        net = self.net
        if leaf == "a":
            return dict(router=self.giaddr["a"], dns=[net.host("s", 53)], domain="relay.test", lease_time=3600)
        return dict(router=net.host("b", 254), dns=[net.host("b", 53)], domain="rack-b.test", lease_time=600)

    def check_lease(self, leaf: str, lease: clients.Lease, mac: str) -> None:
        self.assertTrue(lease, f"{lease.tool} on link {leaf} got no lease (with dhcrelay -D, a reply without "
                               f"the option 82 echo is dropped):\n{lease.output[-1500:]}{self.fail_context()}")
        want = self.expected(leaf)
        self.assertIn(ipaddress.IPv4Address(lease.ip), self.net.network(leaf), f"{lease.tool}: {lease.ip}")
        self.assertTrue(self.in_pool(leaf, lease.ip), f"{lease.tool}: {lease.ip} not in subnet {leaf}'s pool")
        self.assertEqual(lease.subnet, "255.255.255.0", lease.tool)
        self.assertEqual(lease.routers, [want["router"]], f"{lease.tool} on link {leaf}: routers")
        self.assertEqual(lease.dns, want["dns"], f"{lease.tool} on link {leaf}: dns")
        self.assertEqual(lease.domain, want["domain"], f"{lease.tool} on link {leaf}: domain")
        self.assertEqual(lease.lease_time, want["lease_time"], f"{lease.tool} on link {leaf}: lease time")
        self.assertEqual(lease.server_id, self.server_ip, f"{lease.tool}: the server id is the address the relay reached")
        # The ACK's log line names the relay's circuit (dhcrelay -a: its interface on that link).
        circuit = self.net.hub_if(leaf)
        line = self.daemon.wait_for_log(rf"(?im)^.*{re.escape(log_mac(mac))}.*DHCPACK {re.escape(lease.ip)}\b.*$",
                                        timeout=3, since=self.log_since).group(0)
        self.assertRegex(line, rf"\b{re.escape(circuit)}\b", f"circuit-id {circuit} missing from the lease line")
        # ... and the lease record keeps it (SQLite, read-only beside the daemon as `netbootd leases` does).
        self.assertEqual(self.stored_circuit(lease.ip), circuit.encode(), f"lease row of {lease.ip}")
        self.check_echo(mac)

    def stored_circuit(self, ip: str):
        db = sqlite3.connect(f"file:{self.daemon.lease_file}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute("SELECT circuit_id FROM leases WHERE address = ?", (ip,)).fetchone()
        finally:
            db.close()
        self.assertIsNotNone(row, f"no lease row for {ip}")
        value = row[0]
        return value.encode() if isinstance(value, str) else value

    def check_echo(self, mac: str) -> None:
        """Every reply netbootd sent for mac carries, verbatim, the option 82 of the relayed
        request with its xid (RFC 3046 2.2)."""
        requests = {xid: opts for xid, _, opts in self.tap.packets(mac, dc.BOOTREQUEST)}
        replies = self.tap.packets(mac, dc.BOOTREPLY)
        self.assertTrue(replies, "no reply seen on the server's link")
        for xid, kind, options in replies:
            sent = requests.get(xid, {}).get(OPT_RELAY_AGENT)
            self.assertIsNotNone(sent, f"no relayed request with option 82 for xid {xid:08x}")
            self.assertEqual(options.get(OPT_RELAY_AGENT), sent, f"option 82 not echoed verbatim in reply type {kind}")
        kinds = {kind for _, kind, _ in replies}
        self.assertTrue({dc.OFFER, dc.ACK} <= kinds, f"expected an OFFER and an ACK, saw {kinds}")

    def client_lease(self, tool: str, leaf: str, n: int):
        mac = self.mac(leaf, n)
        self.net.set_mac(leaf, mac)
        run = clients.udhcpc if tool == "udhcpc" else clients.dhclient
        lease = run(self.net.ns(leaf), self.net.leaf_if(leaf), workdir=self.net.tmpdir, timeout=12)
        return lease, mac

    def test_udhcpc_gets_its_subnets_address_and_options_on_each_link(self):
        for leaf in "ab":
            with self.subTest(link=leaf):
                lease, mac = self.client_lease("udhcpc", leaf, 1)
                self.check_lease(leaf, lease, mac)

    def test_dhclient_gets_its_subnets_address_and_options_on_each_link(self):
        for leaf in "ab":
            with self.subTest(link=leaf):
                lease, mac = self.client_lease("dhclient", leaf, 2)
                self.check_lease(leaf, lease, mac)

    def test_a_link_without_a_subnet_gets_nothing_and_the_drop_is_logged(self):
        mac = self.mac("c", 3)
        self.net.set_mac("c", mac)
        lease = clients.udhcpc(self.net.ns("c"), self.net.leaf_if("c"), workdir=self.net.tmpdir, retries=1, timeout=6)
        self.assertFalse(lease, f"a client of a link without a subnet got {lease.ip}")
        # One debug line naming the request and the giaddr it could not place.
        self.daemon.wait_for_log(rf"(?im)^.*debug.*ignored DHCPDISCOVER from {re.escape(log_mac(mac))}\b.*"
                                 rf"{re.escape(self.giaddr['c'])}\b.*$", timeout=3, since=self.log_since)
        replies = self.tap.packets(mac, dc.BOOTREPLY)
        self.assertEqual(replies, [], "netbootd answered a request from a link it has no subnet for")

    def test_a_relayed_lease_and_its_circuit_survive_a_kill_9(self):
        # Another client first, so that the lease checked is not the pool's first free address
        # (which a daemon that lost its leases would give again).
        first, first_mac = self.client_lease("udhcpc", "b", 8)
        self.check_lease("b", first, first_mac)
        lease, mac = self.client_lease("udhcpc", "b", 7)
        self.check_lease("b", lease, mac)
        self.daemon.restart(kill=True)
        self.log_since = self.daemon.log_offset()
        again, _ = self.client_lease("udhcpc", "b", 7)
        self.check_lease("b", again, mac)
        self.assertEqual(again.ip, lease.ip, "the relayed client's lease did not survive the restart")

    def test_a_nak_goes_back_through_the_relay_with_option_82(self):
        # INIT-REBOOT on link a for an address of subnet b: wrong for this link, so NAKed (RFC
        # 2131 4.3.2). The NAK must carry option 82 too, or dhcrelay -D drops it.
        mac = self.mac("a", 9)
        self.net.set_mac("a", mac)
        wrong = self.net.host("b", 155)
        with dc.DhcpClient(self.net.ns("a"), self.net.leaf_if("a"), mac=mac) as client:
            packet = dc.make_request_init_reboot(mac, dc.new_xid(), wrong)
            nak = client.exchange(packet, timeout=3, retries=1)
        self.assertIsNotNone(nak, f"no NAK reached the client through dhcrelay -D{self.fail_context()}")
        self.assertEqual(nak.message_type, dc.NAK, str(nak))
        self.assertEqual(nak.src_ip, self.giaddr["a"], "the NAK did not come through the relay")
        replies = self.tap.packets(mac, dc.BOOTREPLY)
        self.assertTrue(replies and all(kind == dc.NAK for _, kind, _ in replies), replies)
        requests = {xid: opts.get(OPT_RELAY_AGENT) for xid, _, opts in self.tap.packets(mac, dc.BOOTREQUEST)}
        for xid, _, options in replies:
            self.assertIsNotNone(requests.get(xid))
            self.assertEqual(options.get(OPT_RELAY_AGENT), requests[xid], "option 82 not echoed in the NAK")

    def test_a_unicast_renewal_without_giaddr_is_acked_from_its_subnet(self):
        for n, leaf in enumerate("ab"):
            with self.subTest(link=leaf):
                # Link b's router is configured; link a's is the default (the relay).
                self.renew(leaf, 4 + n)

    # Link a's router is the default one, the relay's address (giaddr), which a renewal straight
    # to the server does not carry: netbootd remembers the relay with the lease (an ACK without a
    # router would make the client's script drop its default route at RENEW).
    def test_a_unicast_renewal_keeps_the_default_router(self):
        ack = self.renew("a", 6, check_router=False)
        self.assertEqual(ack.routers, [self.giaddr["a"]], "the renewal's ACK does not give the lease's router")

    # RFC 2131 4.3.5: a client configured by hand (or bound) asks for its options with an
    # INFORM unicast straight to the server: no relay, giaddr 0. The subnet holding ciaddr
    # answers, to ciaddr; on link a (no gateway key) the router is the relay its lease came
    # through, on link b its configured gateway. No lease time, no address, no lease written.
    def test_an_inform_straight_to_the_server_gets_its_subnets_options_and_router(self):
        for n, leaf in enumerate("ab"):
            with self.subTest(link=leaf):
                lease, mac = self.client_lease("udhcpc", leaf, 10 + n)
                self.check_lease(leaf, lease, mac)
                with self.bound(leaf, lease):
                    since = self.daemon.log_offset()
                    ack = self.straight_to_server(leaf, mac, dc.make_inform(mac, dc.new_xid(), lease.ip), "an INFORM")
                    self.assertEqual(ack.message_type, dc.ACK, f"{ack}{self.fail_context()}")
                    self.assertEqual(ack.yiaddr, "0.0.0.0")
                    self.assertEqual(ack.dst_ip, lease.ip, "an INFORM's ACK goes to its ciaddr")
                    self.assertEqual(ack.dst_port, 68)
                    self.assertEqual(ack.subnet_mask, "255.255.255.0")
                    self.assertEqual(ack.routers, [self.expected(leaf)["router"]], "the INFORM's ACK: routers")
                    self.assertEqual(ack.dns, self.expected(leaf)["dns"])
                    self.assertEqual(ack.str_option(15), self.expected(leaf)["domain"])
                    self.assertIsNone(ack.lease_time, "RFC 2131 4.3.5: no lease time in an INFORM's ACK")
                    self.assertEqual(ack.server_id, self.server_ip)
                    self.daemon.wait_for_log(rf"(?im)^.*DHCPINFORM from {re.escape(log_mac(mac))}\b.*DHCPACK.*"
                                             rf"to {re.escape(lease.ip)}:68", timeout=3, since=since)

    @contextlib.contextmanager
    def bound(self, leaf: str, lease: clients.Lease):
        """The client's link as its script would leave it: the address and a route to the server."""
        ns, ifname = self.net.ns(leaf), self.net.leaf_if(leaf)
        self.net.run(["ip", "-n", ns, "addr", "add", f"{lease.ip}/24", "dev", ifname], timeout=5)
        try:
            self.net.default_route(leaf, via=self.giaddr[leaf])
            yield
        finally:
            self.net.run(["ip", "-n", ns, "route", "flush", "default"], timeout=5, check=False)
            self.net.run(["ip", "-n", ns, "addr", "flush", "dev", ifname], timeout=5)

    def straight_to_server(self, leaf: str, mac: str, packet: dc.DhcpPacket, what: str):
        with dc.DhcpClient(self.net.ns(leaf), self.net.leaf_if(leaf), mac=mac) as client:
            client.send(packet, dest=self.server_ip)
            # Straight from S, routed by R. (dhcrelay relays a copy of the unicast it sees
            # pass: that answer comes from the relay's address and is not the one asked for.)
            reply = client.receive(timeout=3, xid=packet.xid, match=lambda r: r.src_ip == self.server_ip)
        self.assertIsNotNone(reply, f"no answer from {self.server_ip} to {what}{self.fail_context()}")
        self.assertIsNone(reply.options.get(OPT_RELAY_AGENT), "option 82 in a reply to a request without it")
        return reply

    def renew(self, leaf: str, n: int, check_router: bool = True):
        lease, mac = self.client_lease("udhcpc", leaf, n)
        self.check_lease(leaf, lease, mac)
        with self.bound(leaf, lease):
            since = self.daemon.log_offset()
            ack = self.straight_to_server(leaf, mac, dc.make_request_renewing(mac, dc.new_xid(), lease.ip),
                                          "a unicast renewal")
            self.assertEqual(ack.message_type, dc.ACK, f"{ack}{self.fail_context()}")
            self.assertEqual(ack.yiaddr, lease.ip)
            self.assertEqual(ack.dst_ip, lease.ip, "a RENEWING client's ACK goes to its ciaddr")
            self.assertEqual(ack.dst_port, 68)
            self.assertEqual(ack.subnet_mask, "255.255.255.0")
            if check_router:
                self.assertEqual(ack.routers, [self.expected(leaf)["router"]],
                                 "the renewal's ACK does not give the lease's router")
            self.assertEqual(ack.dns, self.expected(leaf)["dns"])
            self.assertEqual(ack.lease_time, self.expected(leaf)["lease_time"])
            self.assertEqual(ack.server_id, self.server_ip)
            self.daemon.wait_for_log(rf"(?im)^.*DHCPREQUEST from {re.escape(log_mac(mac))}\b.*DHCPACK "
                                     rf"{re.escape(lease.ip)} to {re.escape(lease.ip)}:68", timeout=3, since=since)
            return ack

if __name__ == "__main__":
    netns.require_netns()
    netns.require_commands("dhcrelay", "setpriv", "udhcpc", "dhclient", "sysctl")
    netns.main()
