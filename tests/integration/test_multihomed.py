"""A multi-homed server (issue 18): netbootd in one namespace with three interfaces on three
links, each its own /24, no relay.

    A (udhcpc) -- link a -- S.a.1 \\
    B (udhcpc) -- link b -- S.b.1 -- netbootd: [bootp] = link a (found from pool_start), [subnet b]
    C (udhcpc) -- link c -- S.c.1 /   link c: an address of the server's, but no subnet

Each client gets an address of its own link's pool, with that link's router and mask (the
server's address on the link: no gateway is configured), from the server identifier it can
reach (the server's address on its link), and the reply leaves by the interface the request
came in on. A client on link c gets nothing: netbootd serves the links it has a subnet for,
not every interface. Root only (namespaces); exit 77 otherwise."""

import ipaddress
import os
import re
import unittest

import clients
import netns
import routed
from daemon import Netbootd


def config(net: routed.Star) -> str:
    return f"""[logger]
type = stderr
level = debug

[bootp]
pool_start = {net.host('a', 100)}
pool_count = 20
lease_file = {{lease_file}}
allow_simple_dhcp = yes

[subnet b]
network = {net.network('b')}
pool_start = {net.host('b', 200)}
pool_count = 10

[tftp]
root = {{tftp_root}}
port = 6969
"""


class MultihomedTest(unittest.TestCase):
    def test_each_link_gets_its_own_pool_router_and_server_id(self):
        with routed.Star(hub="s", leaves="abc") as net:
            server = {leaf: net.address("s", leaf, 1) for leaf in "abc"}
            pools = {"a": (100, 119), "b": (200, 209)}
            with Netbootd(config(net), ns=net.ns("s"), workdir=net.tmpdir) as daemon:
                for leaf in "ab":
                    with self.subTest(link=leaf):
                        mac = f"02:19:{ord(leaf):02x}:01:{(os.getpid() >> 8) & 0xff:02x}:{os.getpid() & 0xff:02x}"
                        net.set_mac(leaf, mac)
                        lease = clients.udhcpc(net.ns(leaf), net.leaf_if(leaf), workdir=net.tmpdir)
                        self.assertTrue(lease, f"udhcpc on link {leaf}: no lease\n{lease.output[-1000:]}\n"
                                               f"{daemon.log_tail(30)}")
                        first, last = pools[leaf]
                        host = int(ipaddress.IPv4Address(lease.ip)) - int(net.network(leaf).network_address)
                        self.assertIn(ipaddress.IPv4Address(lease.ip), net.network(leaf))
                        self.assertTrue(first <= host <= last, f"{lease.ip} not in link {leaf}'s pool")
                        self.assertEqual(lease.subnet, "255.255.255.0")
                        self.assertEqual(lease.routers, [server[leaf]], f"link {leaf}: router")
                        self.assertEqual(lease.server_id, server[leaf], f"link {leaf}: server id")
                        daemon.wait_for_log(rf"(?im)^.*{re.escape(mac.upper())}.*DHCPACK {re.escape(lease.ip)}\b",
                                            timeout=3)
                # Link c: the server has an address there but no subnet: nothing is given.
                mac = f"02:19:63:01:{(os.getpid() >> 8) & 0xff:02x}:{os.getpid() & 0xff:02x}"
                net.set_mac("c", mac)
                lease = clients.udhcpc(net.ns("c"), net.leaf_if("c"), workdir=net.tmpdir, retries=1, timeout=6)
                self.assertFalse(lease, f"a client of link c (no subnet) got {lease.ip}")
                daemon.wait_for_log(rf"(?im)^.*debug.*ignored DHCPDISCOVER from {re.escape(mac.upper())}\b", timeout=3)

    # A second subnet on one link (a secondary address of the server's interface, as the kernel
    # lists it: one more address under the same name): unrelayed requests are placed by their
    # arrival interface, so one of the two would never serve its clients. netbootd does not do
    # shared networks and says so at load, with the file and line, instead of serving the link
    # from the first subnet only.
    def test_two_subnets_on_one_link_are_refused_at_load_with_file_and_line(self):
        with routed.Star(hub="s", leaves="ab") as net:
            net.address("s", "a", 1)
            secondary = net.host("b", 1)
            net.run(["ip", "-n", net.ns("s"), "addr", "add", f"{secondary}/24", "dev", net.hub_if("a")], timeout=5)
            daemon = Netbootd(config(net), ns=net.ns("s"), workdir=net.tmpdir)  # not started
            text = netns.read_text(daemon.config_path)
            line = text.splitlines().index("[subnet b]") + 1
            bootp_line = text.splitlines().index("[bootp]") + 1
            for args in (["--check-config"], []):
                with self.subTest(args=args):
                    r = net.run([daemon.binary, "-c", str(daemon.config_path), *args], ns=net.ns("s"), timeout=20,
                                check=False)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(f"{daemon.config_path}:{line}: [subnet b] {net.network('b')}: this server's address "
                                  f"{secondary} on {net.hub_if('a')} is the link of [bootp] {net.network('a')} "
                                  f"(line {bootp_line}): one link serves one subnet (no shared networks)", r.stderr)


if __name__ == "__main__":
    netns.require_netns()
    netns.require_commands("udhcpc")
    netns.main()
