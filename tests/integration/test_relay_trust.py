"""[bootp] trusted_relays with a real relay agent and a forger (docs/security.md "Relay trust").

    S (netbootd) -- link s -- R (router, dhcrelay -a -D) -- link a -- A: [subnet a], 3 addresses
                   S.1   R.254                          \\-------- link x -- X: a forger, X.5

trusted_relays lists R.254: the address dhcrelay sends from towards the server. Its giaddr is
R's address on link a (a.1), which is not in the list: trust goes by the relayed datagram's UDP
source, never by giaddr, which anyone writes.

X, routed through R like any host of another network, sends relayed DISCOVERs of its own:
giaddr a.1 (the real relay's), option 82 with a circuit-id and a server-id override, from port
67 of X.5, for made-up MACs. Before trusted_relays existed these held subnet a's three addresses
as offers, so the real client behind dhcrelay got nothing. Now: every forged DISCOVER reaches S
(seen on its link) and none is answered; netbootd says why in a warning line, and those lines
keep their budget under a flood (the daemon logs at info, where the budget applies); udhcpc on
link a gets its address through dhcrelay, its circuit-id in the ACK line.

dhcrelay runs as nobody with CAP_NET_RAW and CAP_NET_BIND_SERVICE only. Root only (namespaces);
exit 77 otherwise."""

import ipaddress
import re
import socket
import struct
import threading
import unittest

import clients
import dhcp_client as dc
import netns
import routed
from daemon import Netbootd

LINKS = "sax"  # s: the server's link; a: the relayed client link; x: the forger's link
LOG_BURST = 20  # kLogBurst (core/log_limiter.hpp): lines per kind per 10 s
FORGED = 30


def config(net: routed.Star, trusted: str) -> str:
    s, a = (lambda n, leaf=leaf: net.host(leaf, n) for leaf in "sa")
    return f"""[logger]
type = stderr
level = info

[bootp]
pool_start = {s(100)}
pool_count = 5
lease_file = {{lease_file}}
allow_simple_dhcp = yes
trusted_relays = {trusted}

[subnet a]
network = {net.network('a')}
pool = {a(100)}-{a(102)}

[tftp]
root = {{tftp_root}}
port = 6969
"""


class RequestTap:
    """The BOOTREQUESTs and BOOTREPLYs crossing S's interface, as (source ip, op, chaddr)."""

    def __init__(self, ns: str, ifname: str):
        def setup(sock: socket.socket) -> None:
            sock.bind((ifname, 0x0003))  # ETH_P_ALL
        self.sock = netns.socket_in_ns(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003), setup)
        self.sock.settimeout(0.2)
        self.seen = []
        self.lock = threading.Condition()
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
            source = socket.inet_ntoa(frame[26:30])
            udp = 14 + (frame[14] & 0x0F) * 4
            sport, dport, length = struct.unpack("!HHH", frame[udp:udp + 6])
            payload = frame[udp + 8:udp + length]
            if {sport, dport} & {67, 68} and len(payload) >= 240 and payload[236:240] == dc.MAGIC_COOKIE:
                with self.lock:
                    self.seen.append((source, payload[0], dc.mac_str(payload[28:34])))
                    self.lock.notify_all()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()

    def count(self, op: int, macs, source=None) -> int:
        with self.lock:
            return self._count(op, macs, source)

    def _count(self, op: int, macs, source) -> int:
        return sum(1 for src, o, mac in self.seen if o == op and mac in macs and (source is None or src == source))

    def wait_for(self, op: int, macs, source, count: int, timeout: float) -> int:
        """Waits (at most timeout seconds) until count such datagrams were seen; returns how many were."""
        with self.lock:
            self.lock.wait_for(lambda: self._count(op, macs, source) >= count, timeout=timeout)
            return self._count(op, macs, source)


class RelayTrustTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netns.require_netns()
        netns.require_commands("dhcrelay", "setpriv", "udhcpc", "sysctl")
        cls.net = net = routed.Star(hub="r", leaves=LINKS).open()
        try:
            cls.server_ip = net.address("s", "s", 1)
            cls.router_up = net.address("r", "s", 254)
            cls.giaddr = net.address("r", "a", 1)
            cls.forger_gateway = net.address("r", "x", 254)
            cls.forger_ip = net.address("x", "x", 5)
            net.route("s", "a", via=cls.router_up)
            net.route("s", "x", via=cls.router_up)
            net.route("x", "s", via=cls.forger_gateway)
            net.forwarding("r")
            cls.relay_log = net.path("dhcrelay.log")
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=+net_raw,+net_bind_service", "--ambient-caps=+net_raw,+net_bind_service",
                    "dhcrelay", "-4", "-d", "-a", "-D", "--no-pid", "-id", net.hub_if("a"),
                    "-iu", net.hub_if("s"), cls.server_ip]
            cls.relay = net.spawn(argv, ns=net.ns("r"), log=cls.relay_log)
            netns.wait_for_log(cls.relay_log, r"Sending on\s+Socket/fallback", timeout=10, alive=cls.relay.alive)
            cls.tap = RequestTap(net.ns("s"), net.leaf_if("s"))
            # The relay's server-facing address, as a one-address network and beside another
            # entry: the list form an operator writes.
            cls.daemon = Netbootd(config(net, f"192.0.2.0/24; {cls.router_up}"), ns=net.ns("s"), workdir=net.tmpdir)
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

    def fail_context(self) -> str:
        return (f"\n---- netbootd ----\n{self.daemon.log_tail(30)}\n---- dhcrelay ----\n"
                + "\n".join(netns.read_text(self.relay_log).splitlines()[-20:]))

    def forge(self, macs) -> None:
        """Relayed DISCOVERs from X: giaddr = the real relay's, option 82 with a circuit-id and
        an RFC 5107 server-id override naming X, from port 67 like a relay."""
        def setup(sock: socket.socket) -> None:
            sock.bind((self.forger_ip, 67))
        sock = netns.socket_in_ns(self.net.ns("x"), socket.AF_INET, socket.SOCK_DGRAM, 0, setup)
        agent = bytes([1, 6]) + b"forged" + bytes([11, 4]) + socket.inet_aton(self.forger_ip)
        try:
            for mac in macs:
                packet = dc.make_discover(mac, dc.new_xid(), options={82: agent}, broadcast=False,
                                          giaddr=self.giaddr, hops=1)
                sock.sendto(packet.to_bytes(), (self.server_ip, 67))
        finally:
            sock.close()

    def test_a_forged_giaddr_from_an_untrusted_host_is_dropped_while_the_relays_clients_are_served(self):
        since = self.daemon.log_offset()
        forged = [f"02:66:00:00:{i // 256:02x}:{i % 256:02x}" for i in range(FORGED)]
        self.forge(forged)
        # Each reached S from X's own address (so the silence below is netbootd's doing).
        arrived = self.tap.wait_for(dc.BOOTREQUEST, forged, self.forger_ip, FORGED, timeout=5)
        self.assertEqual(arrived, FORGED, "the forged DISCOVERs did not all reach S from X's address")
        # The real relay's client: its address through dhcrelay (the pool holds only three, which
        # the forged DISCOVERs took as offers before trusted_relays).
        mac = "02:18:0a:00:%02x:%02x" % ((self.net.pid >> 8) & 0xFF, self.net.pid & 0xFF)
        self.net.set_mac("a", mac)
        lease = clients.udhcpc(self.net.ns("a"), self.net.leaf_if("a"), workdir=self.net.tmpdir, timeout=12)
        self.assertTrue(lease, f"the real relay's client got no lease:\n{lease.output[-1500:]}{self.fail_context()}")
        self.assertIn(ipaddress.IPv4Address(lease.ip), self.net.network("a"))
        self.assertEqual(lease.routers, [self.giaddr])
        line = self.daemon.wait_for_log(rf"(?im)^.*{re.escape(mac.upper())}.*DHCPACK {re.escape(lease.ip)}\b.*$",
                                        timeout=3, since=since).group(0)
        self.assertIn(f"circuit-id {self.net.hub_if('a')}", line, "the trusted relay's circuit-id")
        # Each forged DISCOVER was refused with a reason the operator can act on.
        first = re.escape(forged[0].upper())
        warning = (rf"(?m)^.*warn.*DHCPDISCOVER from {first} via relay {re.escape(self.giaddr)}: ignored \(relay "
                   rf"agent {re.escape(self.forger_ip)} \(giaddr {re.escape(self.giaddr)}\) is not in \[bootp\] "
                   rf"trusted_relays\)")
        self.daemon.wait_for_log(warning, timeout=5, since=since)
        self.assertEqual(self.tap.count(dc.BOOTREPLY, forged), 0, "netbootd answered a forged relay")
        self.assertNotIn("forged", self.daemon.log(), "the forger's circuit-id reached a log line")
        # The warnings keep their budget: FORGED lines asked for, at most LOG_BURST written.
        text = netns.read_text(self.daemon.log_path, since)
        lines = len(re.findall(r"is not in \[bootp\] trusted_relays", text))
        self.assertGreaterEqual(lines, 1)
        self.assertLessEqual(lines, LOG_BURST, text[-3000:])


if __name__ == "__main__":
    netns.require_netns()
    netns.require_commands("dhcrelay", "setpriv", "udhcpc", "sysctl")
    netns.main()
