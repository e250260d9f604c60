"""DHCP on shared and relayed networks (issue 14): requests relayed from a subnet netbootd does
not serve, a pool that holds the network, broadcast and server addresses, and REBINDING
clients of another server. In network namespaces this test creates (root only; exit 77
otherwise). A "relay" is a socket in the client namespace that listens on port 67 of the relay
address (giaddr), which the server namespace routes to the veth."""

import ipaddress
import os
import unittest

import dhcp_client as dc
import netns
from daemon import Netbootd, check_config

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = {pool_count}
allow_simple_dhcp = yes
lease_time = 3600
lease_file = {lease_file}

[static_dhcp]
02-00-00-00-00-50 = {reserved}

[tftp]
root = {tftp_root}
port = 6969
"""

# Documentation addresses (RFC 5737): a relay on a link netbootd does not serve. Traffic to
# them stays in this test's namespaces (a route on the server side to the veth).
FOREIGN_RELAY = "198.51.100.1"
FOREIGN_NETWORK = "198.51.100.0"
# A second link of the server (RFC 5737 too), which netbootd does not serve.
OTHER_LINK_SERVER = "203.0.113.1"
OTHER_LINK_HOST = "203.0.113.2"


def daemon_for(pair, pool_start=None, pool_count=20):
    text = CONFIG.replace("{pool_count}", str(pool_count)).replace("{reserved}", pair.host(50))
    if pool_start is not None:
        text = text.replace("{pool_start}", pool_start)
    return Netbootd(text, pair=pair, args=["-d"])


def relay_options(link: str) -> bytes:
    """Option 82 as a relay writes it: a circuit id, then RFC 3527's link selection."""
    return bytes([1, 4]) + b"eth1" + bytes([5, 4]) + dc.ip_bytes(link)


class SharedNetworkTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_a_relayed_request_from_a_subnet_not_served_is_dropped(self):
        with netns.NetnsPair() as pair, daemon_for(pair).start() as daemon:
            pair.set_client_address(f"{pair.host(2)}/{pair.prefix_len}")  # a relay on our subnet
            pair.run(["ip", "addr", "add", f"{FOREIGN_RELAY}/32", "dev", pair.client_if], ns=pair.client_ns, timeout=5)
            pair.run(["ip", "route", "add", f"{FOREIGN_NETWORK}/24", "dev", pair.server_if], ns=pair.server_ns,
                     timeout=5)
            with dc.DhcpClient.for_pair(pair, client_port=67, bind_client_port=False) as relay:
                def relayed(mac, giaddr, options=None):
                    packet = dc.make_discover(mac, dc.new_xid(), options, giaddr=giaddr, hops=1)
                    return relay.exchange(packet, dest=pair.server_ip, timeout=1.0)

                # A relay on the served subnet: answered, to the relay.
                offer = relayed("02:00:00:00:0e:01", pair.host(2))
                self.assertIsNotNone(offer, daemon.log_tail())
                self.assertEqual(offer.dst_ip, pair.host(2))
                self.assertEqual(offer.yiaddr, pair.host(100))

                # The case: giaddr on a subnet netbootd does not serve.
                self.assertIsNone(relayed("02:00:00:00:0e:02", FOREIGN_RELAY),
                                  "answered a relay on a subnet netbootd does not serve")
                daemon.wait_for_log(rf"ignored DHCPDISCOVER from 02:00:00:00:0E:02 on interface \d+: giaddr {FOREIGN_RELAY} "
                                    r"is in no served subnet")

                # RFC 3527: the link selection sub-option names the client's link, giaddr where
                # the reply goes. Ours from a relay on our subnet: answered to the relay.
                offer = relayed("02:00:00:00:0e:03", pair.host(2), {82: relay_options(str(pair.network.network_address))})
                self.assertIsNotNone(offer, daemon.log_tail())
                self.assertEqual(offer.dst_ip, pair.host(2))
                # A link selection naming our subnet does not vouch for a giaddr elsewhere: that
                # reply would go to any address the sender names.
                self.assertIsNone(relayed("02:00:00:00:0e:06", FOREIGN_RELAY,
                                          {82: relay_options(str(pair.network.network_address))}),
                                  "a link selection made a foreign giaddr a relay")
                daemon.wait_for_log(rf"ignored DHCPDISCOVER from 02:00:00:00:0E:06 on interface \d+: giaddr "
                                    rf"{FOREIGN_RELAY} is in no served subnet")
                self.assertIsNone(relayed("02:00:00:00:0e:04", pair.host(2), {82: relay_options(FOREIGN_NETWORK)}))
                # RFC 3011 subnet selection naming a foreign subnet: dropped too.
                self.assertIsNone(relayed("02:00:00:00:0e:05", pair.host(2), {118: dc.ip_bytes(FOREIGN_NETWORK)}))
                daemon.wait_for_log(r"ignored DHCPDISCOVER from 02:00:00:00:0E:05 on interface \d+: subnet selection "
                                    r"\(option 118\)")
            self.assertEqual(daemon.log().count("02:00:00:00:0E:02"), 1, "one debug line per dropped request")

    def test_a_giaddr_that_cannot_be_a_relay_is_not_answered(self):
        # giaddr is where the reply goes: the subnet's broadcast address would broadcast it to
        # port 67 of the link, its network or our own address would send it nowhere useful.
        with netns.NetnsPair() as pair, daemon_for(pair).start() as daemon:
            pair.set_client_address(f"{pair.host(2)}/{pair.prefix_len}")
            with dc.DhcpClient.for_pair(pair, client_port=67, bind_client_port=False) as relay:
                for i, (giaddr, why) in enumerate([(pair.broadcast, "the subnet's network or broadcast address"),
                                                   (str(pair.network.network_address),
                                                    "the subnet's network or broadcast address"),
                                                   (pair.server_ip, "our own address")]):
                    mac = f"02:00:00:00:0e:2{i}"
                    packet = dc.make_discover(mac, dc.new_xid(), giaddr=giaddr, hops=1)
                    self.assertIsNone(relay.exchange(packet, dest=pair.server_ip, timeout=1.0), giaddr)
                    daemon.wait_for_log(rf"ignored DHCPDISCOVER from {mac.upper()} on interface \d+: giaddr "
                                        rf"{giaddr} is {why}")
            self.assertNotRegex(daemon.log(), r"DHCPOFFER .* to .*:67", daemon.log_tail())

    def test_another_link_of_the_server_cannot_name_its_way_onto_the_pool(self):
        # A second link between the same namespaces, on a subnet netbootd does not serve: its
        # hosts are another server's. Options 118 and 82 without a relay (giaddr 0) vouch for
        # nothing, and an INFORM's ACK (unicast to ciaddr) never goes to an address off the link
        # it came from.
        with netns.NetnsPair() as pair:
            tag = str(os.getpid())[-6:]
            server_if, client_if = f"o{tag}s", f"o{tag}c"
            pair.run(["ip", "link", "add", server_if, "netns", pair.server_ns, "type", "veth", "peer", "name",
                      client_if, "netns", pair.client_ns], timeout=5)
            pair.run(["ip", "addr", "add", f"{OTHER_LINK_SERVER}/24", "dev", server_if], ns=pair.server_ns, timeout=5)
            pair.run(["ip", "link", "set", server_if, "up"], ns=pair.server_ns, timeout=5)
            pair.run(["ip", "addr", "add", f"{OTHER_LINK_HOST}/24", "dev", client_if], ns=pair.client_ns, timeout=5)
            pair.run(["ip", "link", "set", client_if, "up"], ns=pair.client_ns, timeout=5)
            served_network = str(pair.network.network_address)
            with daemon_for(pair).start() as daemon, dc.DhcpClient(pair.client_ns, client_if) as other, \
                    dc.DhcpClient.for_pair(pair) as local:
                self.assertIsNone(other.discover(mac="02:00:00:00:0e:30", options={118: dc.ip_bytes(served_network)},
                                                 timeout=1.0), "option 118 moved a host of another link onto the pool")
                self.assertIsNone(other.discover(mac="02:00:00:00:0e:31",
                                                 options={82: relay_options(served_network)}, timeout=1.0),
                                  "an unrelayed option 82 moved a host of another link onto the pool")
                daemon.wait_for_log(r"ignored DHCPDISCOVER from 02:00:00:00:0E:31 on interface \d+: arrived on an "
                                    r"interface which does not hold the pool")
                # On the served link, an INFORM for an address of the other link: no ACK there.
                inform = dc.make_inform("02:00:00:00:0e:32", dc.new_xid(), OTHER_LINK_HOST)
                local.send(inform)
                self.assertEqual(other.receive_all(1.0, xid=inform.xid), [], "an INFORM's ACK reflected to another link")
                daemon.wait_for_log(rf"ignored DHCPINFORM from 02:00:00:00:0E:32 on interface \d+: ciaddr "
                                    rf"{OTHER_LINK_HOST} is not on the arrival link's subnet")
                # One for an address of the served link is answered.
                pair.set_client_address(f"{pair.host(60)}/{pair.prefix_len}")
                ack = local.exchange(dc.make_inform("02:00:00:00:0e:33", dc.new_xid(), pair.host(60)), timeout=2.0)
                self.assertIsNotNone(ack, daemon.log_tail())
                self.assertEqual(ack.message_type_name, "ACK")

    def test_the_pool_never_offers_the_network_broadcast_or_server_address(self):
        with netns.NetnsPair() as pair:
            network = str(pair.network.network_address)
            text = CONFIG.format(pool_start=network, pool_count=256, reserved=pair.host(50),
                                 lease_file=pair.path("check.db"), tftp_root=pair.tmpdir)
            checked = check_config(text, ns=pair.server_ns)
            self.assertEqual(checked.returncode, 0, checked.stderr)
            self.assertRegex(checked.stderr, rf"warning: .*{network} \(network address\), {pair.broadcast} "
                                             rf"\(broadcast address\), {pair.server_ip} \(server address\), "
                                             rf"{pair.host(50)} \(reserved for 02-00-00-00-00-50\); 252 of 256 remain")
            with daemon_for(pair, pool_start=network, pool_count=256).start() as daemon, \
                    dc.DhcpClient.for_pair(pair) as client:
                given = []
                for i, wish in enumerate([network, pair.server_ip, pair.broadcast, None]):
                    mac = f"02:00:00:00:0f:{i:02x}"
                    offer = client.discover(mac=mac, options={50: dc.ip_bytes(wish)} if wish else None)
                    self.assertIsNotNone(offer, daemon.log_tail())
                    ack = client.request_selecting(offer, mac=mac)
                    self.assertIsNotNone(ack, daemon.log_tail())
                    self.assertEqual(ack.message_type_name, "ACK")
                    given.append(ack.yiaddr)
                self.assertEqual(given, [pair.host(2), pair.host(3), pair.host(4), pair.host(5)])
                # Nor when a client asks for them by INIT-REBOOT.
                for address in (network, pair.server_ip):
                    nak = client.request_init_reboot(address, mac="02:00:00:00:0f:10", timeout=1.0)
                    self.assertIsNotNone(nak, daemon.log_tail())
                    self.assertEqual(nak.message_type_name, "NAK")

    def test_rebinding_clients_of_another_server_get_no_nak(self):
        with netns.NetnsPair() as pair, daemon_for(pair).start() as daemon, \
                dc.DhcpClient.for_pair(pair) as client:
            def rebinding(mac, ciaddr):
                packet = dc.make_request_renewing(mac, dc.new_xid(), ciaddr)
                return client.exchange(packet, timeout=1.0)

            # Another server's client on this link, its address outside our pool: silence.
            self.assertIsNone(rebinding("02:00:00:00:10:01", pair.host(150)), "NAKed another server's client")
            daemon.wait_for_log(r"RENEWING/REBINDING for .* from a client we have no record of")
            # Known wrong for it: another network, or an address leased here to another client.
            off = rebinding("02:00:00:00:10:02", FOREIGN_RELAY)
            self.assertIsNotNone(off, daemon.log_tail())
            self.assertEqual(off.message_type_name, "NAK")
            _, ack = client.dora(mac="02:00:00:00:10:03")
            taken = rebinding("02:00:00:00:10:04", ack.yiaddr)
            self.assertIsNotNone(taken, daemon.log_tail())
            self.assertEqual(taken.message_type_name, "NAK")
            # Our own client rebinding is answered (unicast to ciaddr: the client must own it).
            pair.set_client_address(f"{ack.yiaddr}/{pair.prefix_len}")
            own = rebinding("02:00:00:00:10:03", ack.yiaddr)
            self.assertIsNotNone(own, daemon.log_tail())
            self.assertEqual(own.message_type_name, "ACK")


    def test_a_discover_with_ciaddr_neither_picks_a_subnet_nor_sends_the_offer_there(self):
        # review2: a DISCOVER carries no ciaddr (RFC 2131 table 5). Unicast to us with one of a
        # [subnet]'s addresses, it leased from that subnet's pool from any link; with any
        # routable address, the OFFER went there (a reflector). Both: the arrival link's pool,
        # answered on the link.
        config = CONFIG + "\n[subnet rack]\nnetwork = 10.77.1.0/24\npool = 10.77.1.100-10.77.1.109\n"
        with netns.NetnsPair() as pair:
            pair.set_client_address(f"{pair.host(2)}/{pair.prefix_len}")
            for target in ("10.77.1.50", OTHER_LINK_HOST):  # routed to the client: a reply there is seen
                pair.run(["ip", "addr", "add", f"{target}/32", "dev", pair.client_if], ns=pair.client_ns, timeout=5)
                pair.run(["ip", "route", "add", f"{target}/32", "dev", pair.server_if], ns=pair.server_ns, timeout=5)
            text = config.replace("{pool_count}", "20").replace("{reserved}", pair.host(50))
            with Netbootd(text, pair=pair).start() as daemon, dc.DhcpClient.for_pair(pair) as client:
                for i, (ciaddr, dest) in enumerate([("10.77.1.50", pair.server_ip), (OTHER_LINK_HOST, pair.server_ip),
                                                    (OTHER_LINK_HOST, "255.255.255.255")]):
                    mac = f"02:00:00:00:0e:4{i}"
                    offer = client.exchange(dc.make_discover(mac, dc.new_xid(), ciaddr=ciaddr), dest=dest, timeout=2.0)
                    self.assertIsNotNone(offer, daemon.log_tail())
                    self.assertIn(ipaddress.ip_address(offer.yiaddr), pair.network, f"ciaddr {ciaddr} chose the pool")
                    self.assertEqual(offer.dst_ip, "255.255.255.255", f"the OFFER went to ciaddr {ciaddr}")


if __name__ == "__main__":
    netns.main()
