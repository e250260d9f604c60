"""netbootd as a proxyDHCP beside a real DHCP server (dnsmasq, DHCP only, no PXE
options) on one Ethernet segment (a bridge in a namespace; every member in its own
namespace, all created here; root only, exit 77 otherwise):

  S: netbootd (proxy = yes)   S2: a second netbootd proxy   D: dnsmasq   P: crafted PXE client
  C: udhcpc, dhclient, dhcpcd

- EDK2-style DISCOVER (the recorded capture): dnsmasq OFFERs an address, netbootd a proxy
  OFFER (yiaddr 0, 60 PXEClient, no 43, siaddr = itself); the recorded 4011 REQUEST, sent from
  the dnsmasq address, gets the ACK with the boot file from S:4011 to P:4011.
- iPXE BIOS DISCOVER: proxy OFFER with 43 = 06 01 08 ff and the iPXE boot file.
- udhcpc, dhclient and dhcpcd get their lease from dnsmasq and nothing from netbootd.
- A MAC refused by [mac] gets dnsmasq's OFFER and no proxy OFFER.
- access = http with a slow answer for one MAC delays only that machine.
- Two netbootd proxies on the link: both offer; the client completes 4011 with one.
- Port 4011 is served in normal mode too (a NetnsPair, pool on netbootd).
"""

import os
import re
import shutil
import socket
import sys
import time
import unittest
from pathlib import Path

import clients
import dhcp_client as dc
import netns
from daemon import Netbootd

SOURCE = Path(__file__).resolve().parents[2]
CAPTURES = SOURCE / "tests" / "data" / "captures" / "recorded"
AUTH_SERVER = SOURCE / "tests" / "tools" / "auth_server.py"
AUTH_PORT = 18080  # inside S's namespace: nothing else listens there
EDK2_MAC = "52:54:00:2c:14:09"  # the recorded captures' client
USE_BOOT_FILE = bytes([6, 1, 8, 255])

PROXY_CONFIG = """[bootp]
proxy = yes
interface = {interface}
access = {access}
{extra_bootp}
[bootfile]
default = pxelinux.0
00007 = snponly.efi
ipxe.default = boot.ipxe

{extra}
[tftp]
root = {tftp_root}
port = 6969
"""


def capture_bytes(name: str) -> bytes:
    lines = (CAPTURES / f"{name}.hex").read_text().splitlines()
    return bytes.fromhex(" ".join(line for line in lines if line and not line.startswith("#")))


def start_dnsmasq(lan, member="d"):
    log = lan.path("dnsmasq.log")
    first, last = lan.host(100), lan.host(150)
    lan.spawn(["dnsmasq", "-k", "--conf-file=/dev/null", "--port=0", "--no-resolv", "--no-hosts",
               f"--interface={lan.ifname(member)}", "--bind-interfaces", "--dhcp-authoritative",
               f"--dhcp-range={first},{last},255.255.255.0,10m", f"--dhcp-option=3,{lan.ip(member)}",
               f"--dhcp-leasefile={lan.path('dnsmasq.leases')}", f"--pid-file={lan.path('dnsmasq.pid')}",
               "--no-ping", "--log-dhcp", "--log-facility=-", "--user=nobody", "--group=nogroup"],
              ns=lan.ns(member), log=log)
    netns.wait_for_log(log, r"DHCP, IP range", timeout=10)
    return log


def proxy(lan, member="s", access="none", extra="", extra_bootp="", args=()):
    return Netbootd(PROXY_CONFIG, ns=lan.ns(member), workdir=lan.tmpdir, args=args,
                    format_args={"interface": lan.ifname(member), "access": access, "extra": extra,
                                 "extra_bootp": extra_bootp}).start()


def is_proxy_offer(r):
    return r.message_type == dc.OFFER and r.yiaddr == "0.0.0.0"


class ProxyDhcpTest(unittest.TestCase):
    def setUp(self):
        netns.require_root()
        netns.require_commands("ip", "dnsmasq")

    def test_edk2_ipxe_and_plain_clients_beside_dnsmasq(self):
        with netns.Lan(["s", "d", "p", "c"], addressed=["s", "d"]) as lan:
            start_dnsmasq(lan)
            with proxy(lan) as d, dc.DhcpClient(lan.ns("p"), lan.ifname("p"), mac=EDK2_MAC) as p:
                server = lan.ip("s")
                # (a) EDK2: the recorded DISCOVER (broadcast flag set) meets both servers.
                discover = capture_bytes("ovmf-edk2-discover")
                xid = int.from_bytes(discover[4:8], "big")
                p.send(discover)
                replies = {}
                deadline = time.monotonic() + 5
                while len(replies) < 2 and time.monotonic() < deadline:
                    r = p.receive(timeout=max(0.05, deadline - time.monotonic()), xid=xid)
                    if r is not None:
                        replies.setdefault("proxy" if is_proxy_offer(r) else "address", r)
                self.assertIn("address", replies, d.log_tail())
                self.assertIn("proxy", replies, d.log_tail())
                lease_offer, offer = replies["address"], replies["proxy"]
                self.assertEqual(lease_offer.server_id, lan.ip("d"))
                self.assertEqual(offer.server_id, server)
                self.assertEqual(offer.src_ip, server)
                self.assertEqual(offer.siaddr, server)          # where EDK2 sends its 4011 REQUEST
                self.assertEqual(offer.str_option(dc.OPT_VENDOR_CLASS), "PXEClient")
                self.assertNotIn(dc.OPT_VENDOR_SPECIFIC, offer.options)  # BINL: EDK2 drops a first 43 offer
                for code in (dc.OPT_SUBNET_MASK, dc.OPT_ROUTER, dc.OPT_DNS, dc.OPT_LEASE_TIME):
                    self.assertNotIn(code, offer.options)
                self.assertEqual(offer.options.get(dc.OPT_CLIENT_UUID),
                                 dc.decode_options(discover[240:])[0][dc.OPT_CLIENT_UUID])
                # P takes dnsmasq's address and asks the boot server, as EDK2 does (4011 -> 4011).
                address = lease_offer.yiaddr
                lan.set_address("p", f"{address}/{lan.prefix_len}")
                request = bytearray(capture_bytes("ovmf-edk2-bootserver-request"))
                request[12:16] = socket.inet_aton(address)
                bs_xid = int.from_bytes(request[4:8], "big")
                with dc.DhcpClient(lan.ns("p"), lan.ifname("p"), mac=EDK2_MAC, client_port=4011) as bs:
                    bs.send(bytes(request), dest=offer.siaddr, port=4011)
                    ack = bs.receive(timeout=3, xid=bs_xid)
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual(ack.message_type, dc.ACK)
                self.assertEqual((ack.src_ip, ack.src_port), (server, 4011))
                self.assertEqual((ack.dst_ip, ack.dst_port), (address, 4011))
                self.assertEqual(ack.yiaddr, "0.0.0.0")
                self.assertEqual(ack.file, "snponly.efi")
                self.assertEqual(ack.options.get(dc.OPT_VENDOR_SPECIFIC), USE_BOOT_FILE)
                d.wait_for_log(r"(?i)REQUEST from 52:54:00:2c:14:09 .*: boot-server ACK \(no address\) file snponly\.efi",
                               timeout=3)

                # (b) iPXE BIOS: the file and "use this boot file" in the proxy OFFER itself.
                ipxe_mac = "02:00:00:00:17:01"
                options = dict(dc.pxe_options(arch=0))
                options.update(dc.ipxe_options())
                ipxe_discover = dc.make_discover(ipxe_mac, dc.new_xid(), options, broadcast=True)
                p.drain()
                p.send(ipxe_discover)
                ipxe_offer = p.receive(timeout=3, xid=ipxe_discover.xid, match=is_proxy_offer)
                self.assertIsNotNone(ipxe_offer, d.log_tail())
                self.assertEqual(ipxe_offer.file, "boot.ipxe")
                self.assertEqual(ipxe_offer.options.get(dc.OPT_VENDOR_SPECIFIC), USE_BOOT_FILE)
                self.assertEqual(ipxe_offer.siaddr, server)
                d.wait_for_log(rf"(?i)DISCOVER from {ipxe_mac} .*: proxy OFFER \(no address\) file boot\.ipxe", timeout=3)

                # (c) Plain clients: their lease is dnsmasq's, and netbootd sends them nothing.
                with dc.DhcpClient(lan.ns("c"), lan.ifname("c"), bind_client_port=False) as sniffer:
                    for tool in (clients.udhcpc, clients.dhclient, clients.dhcpcd):
                        lease = tool(lan.ns("c"), lan.ifname("c"), workdir=lan.tmpdir)
                        self.assertTrue(lease, f"{lease.tool}: {lease.output}")
                        self.assertEqual(lease.server_id, lan.ip("d"), lease.tool)
                        self.assertTrue(lease.ip.startswith(lan.host(0).rsplit(".", 1)[0]), lease.tool)
                    self.assertIsNone(sniffer.receive(timeout=0.5, match=lambda r: r.src_ip == server),
                                      "netbootd answered a client that is not a network boot client")
                c_mac = lan.mac("c")
                self.assertNotIn(c_mac.upper(), d.log().upper(), "a plain client's requests are logged at debug only")
            log = d.log()
            self.assertRegex(log, r"proxyDHCP stopped: .* 0 addresses given")
            self.assertRegex(log, r"PXE boot server stopped: .* 0 addresses given")
            self.assertNotIn("NAK", log)

    def test_refused_mac_gets_its_address_but_no_boot_file(self):
        with netns.Lan(["s", "d", "p"], addressed=["s", "d"]) as lan:
            start_dnsmasq(lan)
            allowed = "02:00:00:00:17:10"
            refused = "02:00:00:00:17:11"
            with proxy(lan, access="mac", extra=f"[mac]\n{allowed} = yes\n") as d, \
                    dc.DhcpClient(lan.ns("p"), lan.ifname("p")) as p:
                offset = d.log_offset()
                discover = dc.make_discover(refused, dc.new_xid(), dc.pxe_options(arch=0), broadcast=True)
                p.send(discover)
                address_offer = p.receive(timeout=5, xid=discover.xid, match=lambda r: not is_proxy_offer(r))
                self.assertIsNotNone(address_offer, "dnsmasq gives the refused machine its address")
                d.wait_for_log(rf"(?i)DISCOVER from {refused} .*ignored \(check-local-access: .*not listed in \[mac\]",
                               timeout=3, since=offset)
                self.assertIsNone(p.receive(timeout=0.3, xid=discover.xid, match=is_proxy_offer))
                # The listed machine, same link, same moment: its proxy OFFER.
                ok = dc.make_discover(allowed, dc.new_xid(), dc.pxe_options(arch=0), broadcast=True)
                p.send(ok)
                self.assertIsNotNone(p.receive(timeout=3, xid=ok.xid, match=is_proxy_offer), d.log_tail())

    def test_slow_http_check_delays_only_that_machine(self):
        with netns.Lan(["s", "d", "p"], addressed=["s", "d"]) as lan:
            start_dnsmasq(lan)
            slow, fast = "02:00:00:00:17:20", "02:00:00:00:17:21"
            auth_log, asked = lan.path("auth.log"), lan.path("auth-requests.jsonl")
            lan.spawn([sys.executable, str(AUTH_SERVER), "--port", str(AUTH_PORT), "--allow", slow, "--allow", fast,
                       "--sleep", f"{slow}=4", "--requests", str(asked)], ns=lan.ns("s"), log=auth_log)
            netns.wait_for_log(auth_log, r"listening on", timeout=10)
            http = (f"[http]\nlocation = 127.0.0.1:{AUTH_PORT}\npxe = /boot\ndhcp = /linux\ntimeout = 8\n")
            with proxy(lan, access="http", extra=http) as d, dc.DhcpClient(lan.ns("p"), lan.ifname("p")) as p:
                slow_discover = dc.make_discover(slow, dc.new_xid(), dc.pxe_options(arch=0), broadcast=True)
                offset = d.log_offset()
                p.send(slow_discover)
                # Its question is in flight once the authorization server holds a connection.
                netns.wait_for(lambda: netns.run(["ss", "-Htn", "state", "established", f"( sport = :{AUTH_PORT} )"],
                                                 ns=lan.ns("s"), timeout=5).stdout.strip(),
                               timeout=3, what="the slow machine's question")
                t0 = time.monotonic()
                fast_discover = dc.make_discover(fast, dc.new_xid(), dc.pxe_options(arch=0), broadcast=True)
                p.send(fast_discover)
                fast_offer = p.receive(timeout=3, xid=fast_discover.xid, match=is_proxy_offer)
                during = time.monotonic() - t0
                self.assertIsNotNone(fast_offer, d.log_tail())
                self.assertLess(during, 1.0, "another machine's slow authorization must not delay this one")
                self.assertNotRegex(netns.read_text(d.log_path, offset),
                                    rf"(?i)DISCOVER from {slow} .*proxy OFFER")
                late = p.receive(timeout=8, xid=slow_discover.xid, match=is_proxy_offer)
                self.assertIsNotNone(late, d.log_tail())
                self.assertEqual(late.file, "pxelinux.0")

    def test_two_proxies_on_one_link(self):
        with netns.Lan(["s", "t", "d", "p"], addressed=["s", "t", "d"]) as lan:
            start_dnsmasq(lan)
            with proxy(lan, "s") as d1, proxy(lan, "t") as d2, dc.DhcpClient(lan.ns("p"), lan.ifname("p"),
                                                                            mac=EDK2_MAC) as p:
                discover = capture_bytes("ovmf-edk2-discover")
                xid = int.from_bytes(discover[4:8], "big")
                p.send(discover)
                offers, address_offer = {}, None
                deadline = time.monotonic() + 5
                while (len(offers) < 2 or address_offer is None) and time.monotonic() < deadline:
                    r = p.receive(timeout=max(0.05, deadline - time.monotonic()), xid=xid)
                    if r is None:
                        continue
                    if is_proxy_offer(r):
                        offers[r.server_id] = r
                    else:
                        address_offer = r
                self.assertEqual(set(offers), {lan.ip("s"), lan.ip("t")}, d1.log_tail() + d2.log_tail())
                self.assertIsNotNone(address_offer)
                # The client picks one boot server and gets exactly one ACK, from it.
                lan.set_address("p", f"{address_offer.yiaddr}/{lan.prefix_len}")
                request = bytearray(capture_bytes("ovmf-edk2-bootserver-request"))
                request[12:16] = socket.inet_aton(address_offer.yiaddr)
                bs_xid = int.from_bytes(request[4:8], "big")
                with dc.DhcpClient(lan.ns("p"), lan.ifname("p"), mac=EDK2_MAC, client_port=4011) as bs:
                    bs.send(bytes(request), dest=lan.ip("t"), port=4011)
                    acks = bs.receive_all(1.5, xid=bs_xid)
                self.assertEqual([(a.src_ip, a.file) for a in acks], [(lan.ip("t"), "snponly.efi")])

    def test_a_forged_giaddr_or_ciaddr_gets_no_proxy_reply(self):
        # A proxy OFFER goes to giaddr:67 or ciaddr:68 when they are set: a host on the link
        # naming a victim's address there would make netbootd send it packets.
        with netns.Lan(["s", "p", "v"], addressed=["s", "v"]) as lan, proxy(lan, "s", args=["-d"]) as daemon, \
                dc.DhcpClient(lan.ns("p"), lan.ifname("p")) as p, \
                dc.DhcpClient(lan.ns("v"), lan.ifname("v"), client_port=67, bind_client_port=False) as at_67, \
                dc.DhcpClient(lan.ns("v"), lan.ifname("v"), bind_client_port=False) as at_68:
            victim = lan.ip("v")
            relayed = dc.make_discover("02:00:00:00:17:01", dc.new_xid(), dc.pxe_options(arch=0), giaddr=victim)
            p.send(relayed)
            self.assertEqual(at_67.receive_all(1.0, xid=relayed.xid), [], "a proxy OFFER went to a forged giaddr")
            daemon.wait_for_log(rf"giaddr {victim}: proxyDHCP serves only clients on its own links")
            forged = dc.make_discover("02:00:00:00:17:02", dc.new_xid(), dc.pxe_options(arch=0), broadcast=False,
                                      ciaddr=victim)
            p.send(forged)
            self.assertEqual(at_68.receive_all(1.0, xid=forged.xid), [], "a proxy OFFER went to a forged ciaddr")
            daemon.wait_for_log(rf"ciaddr {victim} is not the sender's address")
            # The same client without the forgery is answered.
            offer = p.discover(mac="02:00:00:00:17:03", options=dc.pxe_options(arch=0), timeout=2.0)
            self.assertIsNotNone(offer, daemon.log_tail())
            self.assertTrue(is_proxy_offer(offer), offer)

    def test_answered_proxy_requests_keep_a_log_budget(self):
        # A proxy OFFER costs its sender nothing: 30 DISCOVERs from made-up MACs get 30 OFFERs
        # but 20 lines (the LogLimiter budget, 20 per 10 s); the stop line counts the rest.
        with netns.Lan(["s", "p"], addressed=["s"]) as lan, proxy(lan, "s") as daemon, \
                dc.DhcpClient(lan.ns("p"), lan.ifname("p")) as p:
            offers = [p.discover(mac=f"02:00:00:00:18:{n:02x}", options=dc.pxe_options(arch=0), timeout=2.0)
                      for n in range(30)]
            self.assertTrue(all(o is not None and is_proxy_offer(o) for o in offers), daemon.log_tail())
            daemon.stop()
            log = daemon.log()
            self.assertEqual(len(re.findall(r"proxy OFFER \(no address\)", log)), 20, log)
            self.assertRegex(log, r"proxyDHCP stopped: 30 received, 0 malformed, 0 dropped, 30 proxy offers, .*"
                                  r"\(10 lines about dropped or answered requests not logged since the last one\)")

    def test_normal_mode_discover_with_a_ciaddr_is_answered_as_a_discover(self):
        # RFC 2131 Table 5: a DISCOVER's ciaddr is 0. One naming another host (forged) must not
        # send the OFFER there: it reaches the client as every OFFER does.
        with netns.NetnsPair(client_address=None) as pair:
            config = ("[bootp]\npool_start = {pool_start}\npool_count = 10\nlease_file = {lease_file}\n"
                      "allow_simple_dhcp = yes\n[tftp]\nroot = {tftp_root}\nport = 6969\n")
            with Netbootd(config, pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
                xid = dc.new_xid()
                c.send(dc.make_discover("02:00:00:00:18:77", xid, broadcast=False, ciaddr=pair.host(77)))
                offer = c.receive(timeout=3, xid=xid)
                self.assertIsNotNone(offer, d.log_tail())
                self.assertEqual(offer.message_type, dc.OFFER)
                self.assertNotEqual(offer.dst_ip, pair.host(77))
                self.assertEqual(offer.dst_ip, offer.yiaddr)  # unicast to the offered address at its MAC

    def test_pxe_port_already_taken(self):
        # Another PXE server on the host holds 4011: without pxe_port in the file, netbootd
        # warns and serves DHCP; with pxe_port = 4011 asked for, it cannot start.
        with netns.NetnsPair(client_address=None) as pair:
            config = ("[bootp]\npool_start = {pool_start}\npool_count = 10\nlease_file = {lease_file}\n"
                      "allow_simple_dhcp = yes\n{pxe_port}\n[tftp]\nroot = {tftp_root}\nport = 6969\n")
            holder = netns.socket_in_ns(pair.server_ns, socket.AF_INET, socket.SOCK_DGRAM,
                                        setup=lambda sock: sock.bind(("0.0.0.0", 4011)))
            self.addCleanup(holder.close)
            with Netbootd(config, pair=pair, format_args={"pxe_port": ""}) as d, \
                    dc.DhcpClient.for_pair(pair) as c:
                d.wait_for_log(r"PXE boot server port not served \(.*4011.*\); set \[bootp\] pxe_port = 0 to say so, "
                               r"or free the port", timeout=3)
                self.assertNotRegex(d.log(), r"PXE boot server on port")
                _, ack = c.dora(mac="02:00:00:00:18:78")
                self.assertIsNotNone(ack, d.log_tail())
            asked = Netbootd(config, pair=pair, format_args={"pxe_port": "pxe_port = 4011"})
            asked.start(wait_ready=False)
            self.assertEqual(asked.process.wait(timeout=5), 1, asked.log_tail())
            self.assertRegex(asked.log(), r"cannot start: .*4011")
            asked.stop(expect_code=None)

    def test_boot_server_port_in_normal_mode(self):
        with netns.NetnsPair(client_address=None) as pair:
            config = ("[bootp]\npool_start = {pool_start}\npool_count = 10\nlease_file = {lease_file}\n"
                      "[bootfile]\ndefault = pxelinux.0\n00007 = snponly.efi\n"
                      "[tftp]\nroot = {tftp_root}\nport = 6969\n")
            with Netbootd(config, pair=pair) as d:
                d.wait_for_log(r"PXE boot server on port 4011", timeout=3)
                address = pair.host(50)
                pair.set_client_address(f"{address}/{pair.prefix_len}")
                request = bytearray(capture_bytes("ovmf-edk2-bootserver-request"))
                request[12:16] = socket.inet_aton(address)
                xid = int.from_bytes(request[4:8], "big")
                with dc.DhcpClient(pair.client_ns, pair.client_if, mac=EDK2_MAC, client_port=4011) as bs:
                    bs.send(bytes(request), dest=pair.server_ip, port=4011)
                    ack = bs.receive(timeout=3, xid=xid)
                    self.assertIsNotNone(ack, d.log_tail())
                    self.assertEqual((ack.src_ip, ack.src_port, ack.dst_ip, ack.dst_port),
                                     (pair.server_ip, 4011, address, 4011))
                    self.assertEqual(ack.file, "snponly.efi")
                    # A forged ciaddr (another host) is never answered.
                    forged = bytearray(request)
                    forged[12:16] = socket.inet_aton(pair.host(77))
                    forged[4:8] = (xid + 1).to_bytes(4, "big")
                    bs.send(bytes(forged), dest=pair.server_ip, port=4011)
                    self.assertIsNone(bs.receive(timeout=0.5, xid=xid + 1))


if __name__ == "__main__":
    netns.main()
