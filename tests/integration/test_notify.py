"""[bootp] notify: one UDP datagram per BOOT/LEASE/RELEASE event to every target, in
pybootd's format, received on sockets in the server namespace of a pair this test creates
(root only; exit 77 otherwise)."""

import re
import socket
import unittest

import dhcp_client as dc
import netns
from daemon import Netbootd

UUID = "4c414230-1234-4567-89ab-cdef00770001"
PORTS = (17001, 17002)  # inside the server namespace

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = on
lease_file = {lease_file}
notify = 127.0.0.1:17001;127.0.0.1:17002

[bootfile]
default = pxelinux.0

[tftp]
root = {tftp_root}
port = 6969
"""

FORMAT = re.compile(r"^(BOOT|LEASE|RELEASE),(?:([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}),)?"
                    r"((?:[0-9A-F]{2}:){5}[0-9A-F]{2}),(\d+\.\d+\.\d+\.\d+)$")


class Receivers:
    def __init__(self, pair):
        self.socks = [netns.udp_socket(pair.server_ns, bind=("127.0.0.1", p)) for p in PORTS]
        for s in self.socks:
            s.settimeout(2.0)

    def next(self):
        """The next datagram on every target: all must carry the same message."""
        messages = []
        for s in self.socks:
            try:
                messages.append(s.recv(2048).decode())
            except socket.timeout:
                messages.append(None)
        return messages

    def silent(self, seconds=0.5):
        for s in self.socks:
            s.settimeout(seconds)
            try:
                data = s.recv(2048)
                return data.decode()
            except socket.timeout:
                pass
            finally:
                s.settimeout(2.0)
        return None

    def close(self):
        for s in self.socks:
            s.close()


class NotifyTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def check(self, message, kind, uuid, mac, ip):
        self.assertIsNotNone(message, "no notification arrived")
        m = FORMAT.match(message)
        self.assertIsNotNone(m, f"not in pybootd's format: {message!r}")
        self.assertEqual(m.group(1), kind, message)
        self.assertEqual(m.group(2), uuid, message)
        self.assertEqual(m.group(3), mac, message)
        self.assertEqual(m.group(4), ip, message)

    def test_boot_lease_and_release_messages(self):
        pxe_mac, plain_mac = "02:00:00:00:40:0a", "02:00:00:00:40:0b"
        with netns.NetnsPair() as pair:
            rx = Receivers(pair)
            try:
                with Netbootd(CONFIG, pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
                    # An OFFER notifies nobody.
                    offer = c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac=pxe_mac)
                    self.assertIsNotNone(offer, d.log_tail())
                    self.assertIsNone(rx.silent(), "an OFFER must not notify")
                    # PXE ACK: BOOT with the UUID upper-case and the MAC upper-case with ':'.
                    ack = c.request_selecting(offer, options=dc.pxe_options(arch=0, uuid=UUID), mac=pxe_mac)
                    self.assertEqual(ack.message_type, dc.ACK)
                    for message in rx.next():
                        self.check(message, "BOOT", UUID.upper(), pxe_mac.upper(), ack.yiaddr)
                    self.assertIsNone(rx.silent(), "one datagram per ACK and target")
                    # The OS of the same machine: plain DHCP, LEASE with the remembered UUID.
                    _, os_ack = c.dora(options={dc.OPT_CLIENT_ID: b"\x01" + dc.mac_bytes(pxe_mac)}, mac=pxe_mac)
                    self.assertIsNotNone(os_ack, d.log_tail())
                    for message in rx.next():
                        self.check(message, "LEASE", UUID.upper(), pxe_mac.upper(), os_ack.yiaddr)
                    # A plain DHCP client never seen with a UUID: the UUID field is left out.
                    _, plain_ack = c.dora(mac=plain_mac)
                    self.assertIsNotNone(plain_ack, d.log_tail())
                    for message in rx.next():
                        self.check(message, "LEASE", None, plain_mac.upper(), plain_ack.yiaddr)
                        self.assertEqual(message, f"LEASE,{plain_mac.upper()},{plain_ack.yiaddr}")
                    # RELEASE.
                    c.release(plain_ack.yiaddr, pair.server_ip, mac=plain_mac)
                    for message in rx.next():
                        self.check(message, "RELEASE", None, plain_mac.upper(), plain_ack.yiaddr)
                    d.wait_for_log(r"notify 127\.0\.0\.1:17002: RELEASE,02:00:00:00:40:0B,", timeout=2)
            finally:
                rx.close()

    def test_repeated_release_notifies_once_and_a_target_that_is_down_is_reported(self):
        # Issue 23 items 8 and 9: a RELEASE of a lease already released notifies nobody (it
        # used to notify and commit once per datagram); a target with nothing listening
        # (ICMP port unreachable) is reported as a warning instead of going unnoticed.
        mac = "02:00:00:00:40:0c"
        config = CONFIG.replace("notify = 127.0.0.1:17001;127.0.0.1:17002", "notify = 127.0.0.1:17001;127.0.0.1:17009")
        with netns.NetnsPair() as pair:
            rx = Receivers(pair)
            try:
                with Netbootd(config, pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
                    _, ack = c.dora(mac=mac)
                    self.assertIsNotNone(ack, d.log_tail())
                    self.check(rx.socks[0].recv(2048).decode(), "LEASE", None, mac.upper(), ack.yiaddr)
                    for _ in range(5):
                        c.release(ack.yiaddr, pair.server_ip, mac=mac)
                    self.check(rx.socks[0].recv(2048).decode(), "RELEASE", None, mac.upper(), ack.yiaddr)
                    # The LEASE datagram to 17009 drew an ICMP error; the RELEASE's send saw it.
                    d.wait_for_log(r"notify 127\.0\.0\.1:17009: target unreachable", timeout=3)
                    d.wait_for_log(r"RELEASE for .* not active", timeout=3)
                    self.assertIsNone(rx.silent(1.0), "a second RELEASE notification")
                    self.assertEqual(len(re.findall(r"notify 127\.0\.0\.1:17001: RELEASE", d.log())), 1, d.log_tail())
            finally:
                rx.close()


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
