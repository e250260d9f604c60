"""DHCP/BOOTP/PXE service with real clients (udhcpc, dhclient, dhcpcd) and crafted PXE
requests, inside network namespaces this test creates (root only; exit 77 otherwise)."""

import os
import socket
import struct
import time
import unittest

import clients
import dhcp_client as dc
import netns
from daemon import Netbootd

UUID = "4c414230-1234-4567-89ab-cdef00770001"

BASE = """[bootp]
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = {simple}
domain = lab.test
servername = bootsrv
dns = {server_ip}
lease_time = 3600
lease_file = {lease_file}

[bootfile]
00000 = pxelinux.0
00007 = ipxe.efi
ipxe.default = boot.ipxe
default = pxelinux.0

[static_dhcp]
02-00-00-00-00-50 = {reserved}

[tftp]
root = {tftp_root}
port = 6969
"""


def config(pair, simple="yes"):
    return BASE.replace("{simple}", simple).replace("{reserved}", pair.host(50))


class DhcpServiceTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()
        netns.require_commands("udhcpc", "dhclient", "dhcpcd")

    def start(self, pair, simple="yes", args=("-d",)):
        daemon = Netbootd(config(pair, simple), pair=pair, args=list(args))
        (daemon.tftp_root / "pxelinux.0").write_bytes(b"\x00" * 40000)
        daemon.start()
        return daemon

    def test_real_clients_get_a_lease_with_boot_file_and_siaddr(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon:
            for name, run in [("udhcpc", clients.udhcpc), ("dhclient", clients.dhclient), ("dhcpcd", clients.dhcpcd)]:
                with self.subTest(client=name):
                    lease = run(pair.client_ns, pair.client_if, workdir=pair.tmpdir)
                    self.assertTrue(lease, f"{name} got no lease:\n{lease.output}\n{daemon.log_tail()}")
                    self.assertEqual(lease.ip, pair.host(100))  # same MAC, same address every time
                    self.assertEqual(lease.subnet, pair.netmask)
                    self.assertEqual(lease.router, pair.server_ip)
                    self.assertIn(pair.server_ip, lease.dns)
                    if name != "dhcpcd":  # dhcpcd does not export siaddr/file to its script
                        self.assertEqual(lease.siaddr, pair.server_ip)
                        self.assertEqual(lease.boot_file, "pxelinux.0")
                    pair.flush_client_addresses()
            self.assertRegex(daemon.log(), r"DHCPREQUEST from .*: DHCPACK " + pair.host(100).replace(".", r"\."))

    def test_plain_client_ignored_until_the_same_mac_pxe_booted(self):
        with netns.NetnsPair() as pair, self.start(pair, simple="no") as daemon:
            lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir, retries=2)
            self.assertFalse(lease, "a plain client was served with allow_simple_dhcp off")
            self.assertRegex(daemon.log(), r"DHCPDISCOVER from .*: ignored \(track-boot-phase")
            with dc.DhcpClient.for_pair(pair) as client:
                offer, ack = client.dora(options=dc.pxe_options(arch=0, uuid=UUID))
                self.assertIsNotNone(ack)
                self.assertEqual(ack.message_type_name, "ACK")
            # The OS phase: a plain request from the same MAC is now served.
            lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir, vendor_class="")
            self.assertTrue(lease, daemon.log_tail())
            self.assertEqual(lease.ip, ack.yiaddr)
            # And this memory survives a restart.
            pair.flush_client_addresses()
            daemon.restart(kill=True)
            lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir, vendor_class="")
            self.assertTrue(lease, daemon.log_tail())
            self.assertEqual(lease.ip, ack.yiaddr)

    def test_pxe_reply_content_per_architecture(self):
        with netns.NetnsPair() as pair, self.start(pair, simple="no") as daemon, dc.DhcpClient.for_pair(pair) as client:
            ask = {55: bytes([1, 3, 6, 12, 15, 43, 60, 66, 67, 97, 13])}
            # BIOS PXE ROM (arch 0): pxelinux.0, PXE vendor options, boot file size.
            offer = client.discover(options={**dc.pxe_options(arch=0, uuid=UUID), **ask}, mac="02:00:00:00:01:01")
            self.assertIsNotNone(offer, daemon.log_tail())
            self.assertEqual(offer.message_type_name, "OFFER")
            self.assertEqual(offer.file, "pxelinux.0")
            self.assertEqual(offer.siaddr, pair.server_ip)
            self.assertEqual(offer.sname, "bootsrv.lab.test")
            self.assertEqual(offer.options[53], bytes([2]))
            self.assertEqual(offer.option_order[:2], [53, 54])   # message type first, then server id
            self.assertTrue(offer.options[60].startswith(b"PXEClient"))
            self.assertEqual(offer.options[97], b"\x00" + dc.uuid_smbios(UUID))
            self.assertIn(43, offer.options)
            self.assertEqual(offer.options[67].rstrip(b"\x00"), b"pxelinux.0")
            self.assertEqual(struct.unpack("!H", offer.options[13])[0], (40000 + 511) // 512)
            # UEFI (arch 7): the UEFI boot file, and 43 "use this file, no boot-server discovery"
            # (EDK2 otherwise asks a boot server on port 4011).
            offer = client.discover(options={**dc.pxe_options(arch=7, uuid=UUID), **ask}, mac="02:00:00:00:01:02")
            self.assertEqual(offer.file, "ipxe.efi")
            self.assertEqual(offer.options[43], bytes([6, 1, 8, 255]))
            req = client.request_selecting(offer, options=dc.pxe_options(arch=7, uuid=UUID), mac="02:00:00:00:01:02")
            self.assertEqual(req.message_type_name, "ACK")
            self.assertEqual(req.file, "ipxe.efi")
            # iPXE (user class "iPXE"): its script, not the binary it already runs.
            offer = client.discover(options={**dc.pxe_options(arch=7, uuid=UUID), **dc.ipxe_options()},
                                    mac="02:00:00:00:01:03")
            self.assertEqual(offer.file, "boot.ipxe")

    def test_static_reservation_and_one_address_per_mac(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
            offer, ack = client.dora(mac="02:00:00:00:00:50")
            self.assertEqual(ack.yiaddr, pair.host(50))
            seen = set()
            for i in range(5):
                _, ack = client.dora(mac=f"02:00:00:00:02:{i:02x}")
                self.assertEqual(ack.message_type_name, "ACK")
                seen.add(ack.yiaddr)
            self.assertEqual(len(seen), 5)
            self.assertNotIn(pair.host(50), seen)

    def test_leases_survive_kill_9(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
            given = {}
            for i in range(8):
                mac = f"02:00:00:00:03:{i:02x}"
                _, ack = client.dora(mac=mac)
                given[mac] = ack.yiaddr
            daemon.restart(kill=True)
            for mac, ip in reversed(list(given.items())):
                _, ack = client.dora(mac=mac)
                self.assertIsNotNone(ack, daemon.log_tail())
                self.assertEqual(ack.yiaddr, ip, mac)
            self.assertEqual(len(set(given.values())), len(given))

    def test_request_for_another_server_gets_no_ack(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
            offer = client.discover(mac="02:00:00:00:04:01")
            packet = dc.make_request_selecting("02:00:00:00:04:01", offer.xid, offer.yiaddr, "198.51.100.7")
            client.send(packet)
            self.assertEqual(client.receive_all(1.0, xid=offer.xid), [], "ACKed a REQUEST meant for another server")
            self.assertRegex(daemon.log(), r"ignored \(classify-request")

    def test_wrong_init_reboot_gets_a_nak_and_unknown_client_silence(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
            _, ack = client.dora(mac="02:00:00:00:05:01")
            nak = client.request_init_reboot(pair.host(150), mac="02:00:00:00:05:01")
            self.assertIsNotNone(nak)
            self.assertEqual(nak.message_type_name, "NAK")
            self.assertEqual(nak.yiaddr, "0.0.0.0")
            good = client.request_init_reboot(ack.yiaddr, mac="02:00:00:00:05:01")
            self.assertEqual(good.message_type_name, "ACK")
            silent = client.request_init_reboot(pair.host(101), mac="02:00:00:00:05:99", timeout=1.0)
            self.assertIsNone(silent)

    def test_release_keeps_the_address_for_the_mac_and_inform_gets_no_address(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
            mac = "02:00:00:00:06:01"
            _, ack = client.dora(mac=mac)
            client.release(ack.yiaddr, pair.server_ip, mac=mac)
            time.sleep(0.2)
            _, again = client.dora(mac=mac)
            self.assertEqual(again.yiaddr, ack.yiaddr)
            inform = client.inform(ack.yiaddr, mac=mac)
            if inform is not None:  # INFORM replies go to ciaddr, which the client namespace may not own
                self.assertEqual(inform.message_type_name, "ACK")
                self.assertEqual(inform.yiaddr, "0.0.0.0")
            self.assertRegex(daemon.log(), r"DHCPRELEASE from .*" + mac.upper())

    def test_decline_moves_the_client_to_another_address(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
            mac = "02:00:00:00:07:01"
            _, ack = client.dora(mac=mac)
            client.decline(ack.yiaddr, pair.server_ip, mac=mac)
            time.sleep(0.2)
            _, again = client.dora(mac=mac)
            self.assertIsNotNone(again, daemon.log_tail())
            self.assertNotEqual(again.yiaddr, ack.yiaddr)

    def test_malformed_datagrams_are_dropped_and_the_next_client_served(self):
        with netns.NetnsPair() as pair, self.start(pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
            junk = [b"", b"\x01", os.urandom(100), b"\x01\x01\x06\x00" + os.urandom(300),
                    dc.make_discover("02:00:00:00:08:01", 1).to_bytes()[:240] + b"\x35\x05"]
            started = time.monotonic()
            for datagram in junk * 20:
                client.send(datagram)
            _, ack = client.dora(mac="02:00:00:00:08:02")
            self.assertIsNotNone(ack, daemon.log_tail())
            self.assertLess(time.monotonic() - started, 3.0)
            self.assertTrue(daemon.running())

    def test_interface_key_restricts_the_service(self):
        with netns.NetnsPair() as pair:
            text = config(pair).replace("[bootp]\n", "[bootp]\ninterface = {server_if}\n")
            with Netbootd(text, pair=pair) as daemon, dc.DhcpClient.for_pair(pair) as client:
                _, ack = client.dora(mac="02:00:00:00:0a:01")
                self.assertIsNotNone(ack, daemon.log_tail())
            # The pool is not on loopback: restricting the service to lo is a configuration error.
            bad = Netbootd(config(pair).replace("[bootp]\n", "[bootp]\ninterface = lo\n"), pair=pair)
            bad.start(wait_ready=False)
            self.assertEqual(bad.process.wait(timeout=5), 2)
            self.assertRegex(bad.log(), r"Unable to detect network configuration: .* on interface lo")

    def test_pool_exhaustion_is_one_warning_not_a_crash(self):
        small = config_small = BASE.replace("pool_count = 20", "pool_count = 2")
        with netns.NetnsPair() as pair:
            daemon = Netbootd(small.replace("{simple}", "yes").replace("{reserved}", pair.host(50)), pair=pair)
            with daemon.start(), dc.DhcpClient.for_pair(pair) as client:
                for i in range(2):
                    _, ack = client.dora(mac=f"02:00:00:00:09:{i:02x}")
                    self.assertIsNotNone(ack)
                self.assertIsNone(client.discover(mac="02:00:00:00:09:99", timeout=1.0))
                self.assertRegex(daemon.log(), r"(?i)exhausted")
                self.assertTrue(daemon.running())


if __name__ == "__main__":
    netns.main()
