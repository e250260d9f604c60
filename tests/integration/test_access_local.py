"""[bootp] access = mac | uuid with the real daemon, crafted PXE requests and udhcpc, inside
network namespaces this test creates (root only; exit 77 otherwise). Each outcome (allowed,
blocked, unlisted) is checked on the wire (a reply or silence) and in the log."""

import unittest

import clients
import dhcp_client as dc
import netns
from daemon import Netbootd

UUID_OK = "4c414230-1234-4567-89ab-cdef00770001"
UUID_BLOCKED = "4c414230-1234-4567-89ab-cdef00770002"
UUID_UNLISTED = "11111111-2222-3333-4444-555555555555"

BASE = """[bootp]
access = {mode}
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = on
lease_file = {lease_file}

[bootfile]
default = pxelinux.0

[static_dhcp]
02-00-00-00-00-50 = {reserved}
02-00-00-00-00-51 = {reserved2}

[mac]
02-00-00-00-00-01 = on
02:00:00:00:00:02 = off
02-00-00-aa/32 = yes
02-00-00-aa-00-09 = no
02-00-00-00-00-51 = off
{client_mac} = on

[uuid]
{uuid_ok} = on
{uuid_blocked} = off

[tftp]
root = {tftp_root}
port = 6969
"""

SILENCE = 1.5  # seconds a refused client waits to be sure nothing comes


def start(pair, mode):
    text = (BASE.replace("{mode}", mode).replace("{reserved}", pair.host(50))
            .replace("{reserved2}", pair.host(51)).replace("{client_mac}", pair.mac("client"))
            .replace("{uuid_ok}", UUID_OK).replace("{uuid_blocked}", UUID_BLOCKED))
    return Netbootd(text, pair=pair).start()


class MacModeTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_allowed_blocked_and_unlisted(self):
        with netns.NetnsPair() as pair, start(pair, "mac") as d, dc.DhcpClient.for_pair(pair) as c:
            cases = [
                ("exact entry, '-'", "02:00:00:00:00:01", True, r"02:00:00:00:00:01 allowed by \[mac\] 02-00-00-00-00-01"),
                ("blocked, ':' spelling", "02:00:00:00:00:02", False, r"ignored \(check-local-access: 02:00:00:00:00:02 blocked by \[mac\] 02-00-00-00-00-02 \(.*netbootd.ini:\d+\)\)"),
                ("OUI-style mask", "02:00:00:aa:12:34", True, r"02:00:00:AA:12:34 allowed by \[mac\] 02-00-00-AA-00-00/32"),
                ("exact block inside the mask", "02:00:00:aa:00:09", False, r"02:00:00:AA:00:09 blocked by \[mac\] 02-00-00-AA-00-09"),
                ("unlisted", "02:00:00:00:00:03", False, r"ignored \(check-local-access: 02:00:00:00:00:03 is not listed in \[mac\]\)"),
                ("static lease, unlisted", "02:00:00:00:00:50", True, r"02:00:00:00:00:50 allowed: \[static_dhcp\] reservation"),
                ("static lease blocked by [mac]", "02:00:00:00:00:51", False, r"02:00:00:00:00:51 blocked by \[mac\]"),
            ]
            for name, mac, allowed, log in cases:
                with self.subTest(name):
                    since = d.log_offset()
                    offer, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID_UNLISTED), mac=mac,
                                        timeout=2.0 if allowed else SILENCE)
                    if allowed:
                        self.assertIsNotNone(ack, d.log_tail())
                        self.assertEqual(ack.message_type, dc.ACK)
                        if mac == "02:00:00:00:00:50":
                            self.assertEqual(ack.yiaddr, pair.host(50))
                    else:
                        self.assertIsNone(offer, f"{mac} must get no reply")
                    d.wait_for_log(log, timeout=2, since=since)

    def test_udhcpc_listed_by_interface_mac(self):
        with netns.NetnsPair() as pair, start(pair, "mac") as d:
            lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir)
            self.assertTrue(lease, lease.output + d.log_tail())
            self.assertEqual(lease.ip, pair.host(100))


class UuidModeTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_allowed_blocked_unlisted_and_missing(self):
        with netns.NetnsPair() as pair, start(pair, "uuid") as d, dc.DhcpClient.for_pair(pair) as c:
            cases = [
                ("allowed UUID", "02:00:00:00:01:01", UUID_OK, True, r"UUID 4c414230-1234-4567-89ab-cdef00770001 allowed by \[uuid\]"),
                ("blocked UUID", "02:00:00:00:01:02", UUID_BLOCKED, False, r"ignored \(check-local-access: 02:00:00:00:01:02 UUID 4c414230-1234-4567-89ab-cdef00770002 blocked by \[uuid\]"),
                ("unlisted UUID", "02:00:00:00:01:03", UUID_UNLISTED, False, r"UUID 11111111-2222-3333-4444-555555555555 is not listed in \[uuid\]"),
                ("PXE without option 97", "02:00:00:00:01:04", None, False, r"02:00:00:00:01:04 sent no UUID \(option 97\)"),
                ("static lease needs no UUID", "02:00:00:00:00:50", None, True, r"02:00:00:00:00:50 allowed: \[static_dhcp\] reservation"),
            ]
            for name, mac, uuid, allowed, log in cases:
                with self.subTest(name):
                    since = d.log_offset()
                    offer, ack = c.dora(options=dc.pxe_options(arch=0, uuid=uuid), mac=mac,
                                        timeout=2.0 if allowed else SILENCE)
                    if allowed:
                        self.assertIsNotNone(ack, d.log_tail())
                    else:
                        self.assertIsNone(offer)
                    d.wait_for_log(log, timeout=2, since=since)

    def test_os_phase_is_served_after_a_pxe_boot_with_an_allowed_uuid(self):
        with netns.NetnsPair() as pair, start(pair, "uuid") as d, dc.DhcpClient.for_pair(pair) as c:
            os_request = {dc.OPT_CLIENT_ID: b"\x01" + dc.mac_bytes("02:00:00:00:02:01")}
            # Never PXE-booted: a plain request has no UUID and is refused.
            offer, _ = c.dora(options=os_request, mac="02:00:00:00:02:01", timeout=SILENCE)
            self.assertIsNone(offer)
            # The firmware boots with an allowed UUID...
            _, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID_OK), mac="02:00:00:00:02:01")
            self.assertIsNotNone(ack, d.log_tail())
            # ... then the OS asks without option 97: the remembered UUID is judged and allowed.
            since = d.log_offset()
            _, os_ack = c.dora(options=os_request, mac="02:00:00:00:02:01")
            self.assertIsNotNone(os_ack, d.log_tail())
            self.assertEqual(os_ack.yiaddr, ack.yiaddr)
            d.wait_for_log(r"UUID 4c414230-1234-4567-89ab-cdef00770001 \(remembered from its PXE boot\) allowed",
                           timeout=2, since=since)
            # A machine that PXE-booted with a blocked UUID got nothing to remember.
            offer, _ = c.dora(options=dc.pxe_options(arch=0, uuid=UUID_BLOCKED), mac="02:00:00:00:02:02",
                              timeout=SILENCE)
            self.assertIsNone(offer)
            offer, _ = c.dora(options={dc.OPT_CLIENT_ID: b"\x01" + dc.mac_bytes("02:00:00:00:02:02")},
                              mac="02:00:00:00:02:02", timeout=SILENCE)
            self.assertIsNone(offer)


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
