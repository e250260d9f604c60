"""Reload (SIGHUP): the configuration file is read again and [mac], [uuid],
[static_dhcp], [bootfile], [filters], [http] and [buggy_clients] apply to the next request,
observed on the wire; a broken file is refused whole (file:line logged, the old configuration
keeps serving); a key that needs a restart is reported and keeps its value; a TFTP transfer
and a parked DHCP exchange finish across a reload; a storm of SIGHUPs is coalesced.

TFTP tests run on 127.0.0.1 (any user); DHCP tests in network namespaces this test creates
(root only, skipped otherwise). Every wait is for a log line or a packet, never a sleep."""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import time
import unittest
from pathlib import Path

import dhcp_client as dc
import netns
from daemon import Netbootd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_access_http import AUTH_PORT, AuthServer  # noqa: E402
from test_tftp_clients import free_port  # noqa: E402

RELOADED = r"configuration reloaded from \S+: (?P<summary>.*)$"
REFUSED = r"reload refused, the running configuration stays: (?P<error>.*)$"
SILENCE = 1.5  # seconds a refused client waits to be sure nothing comes


def write_config(daemon: Netbootd, text: str) -> None:
    """Replace the file at once (rename), as an editor or a configuration tool does: a reload
    never reads it half written."""
    staged = daemon.config_path.with_suffix(".new")
    staged.write_text(text.format(**daemon.placeholders()))
    os.replace(staged, daemon.config_path)


def reload(daemon: Netbootd, text: str | None = None, expect: str = RELOADED) -> "re.Match[str]":
    """Write `text` (formatted like the start-up file) when given, send SIGHUP and wait for the
    line that says how the reload ended."""
    since = daemon.log_offset()
    if text is not None:
        write_config(daemon, text)
    daemon.process.signal(signal.SIGHUP)
    return daemon.wait_for_log(f"{RELOADED}|{REFUSED}" if expect == RELOADED else expect, timeout=10, since=since)


def assert_reloaded(test: unittest.TestCase, match: "re.Match[str]", summary: str) -> None:
    test.assertIsNotNone(match.group("summary"), match.group(0))
    test.assertRegex(match.group("summary"), summary)


# -- TFTP on 127.0.0.1 -------------------------------------------------------------------------

def tftp_text(port: int, filters: str, extra: str = "") -> str:
    return f"""[logger]
type = stderr
level = info

[tftp]
address = 127.0.0.1
port = {port}
root = {{tftp_root}}
timeout = 1
retries = 5
{extra}

[filters]
{filters}
"""


class TftpClient:
    """Lock-step RRQ with 512-byte blocks on 127.0.0.1; `after_first_block` runs before the
    first ACK (a transfer under way). Bounded: 3 s per packet, 100,000 packets."""

    def __init__(self, port: int):
        self.port = port

    def get(self, name: str, after_first_block=None) -> bytes:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            s.sendto(b"\x00\x01" + name.encode() + b"\x00octet\x00", ("127.0.0.1", self.port))
            data = bytearray()
            expected = 1
            for _ in range(100_000):
                packet, peer = s.recvfrom(2048)
                opcode = int.from_bytes(packet[:2], "big")
                if opcode == 5:
                    raise AssertionError(f"TFTP ERROR {packet[2:4].hex()}: {packet[4:-1].decode(errors='replace')}")
                block = int.from_bytes(packet[2:4], "big")
                if block == expected:
                    data += packet[4:]
                    if block == 1 and after_first_block is not None:
                        after_first_block()
                s.sendto(b"\x00\x04" + packet[2:4], peer)
                if block == expected:
                    expected += 1
                    if len(packet) - 4 < 512:
                        return bytes(data)
            raise AssertionError("too many packets")


class TftpReloadTest(unittest.TestCase):
    def start(self, filters: str, extra: str = ""):
        self.port = free_port()
        daemon = Netbootd(tftp_text(self.port, filters, extra), args=["-t"])
        (daemon.tftp_root / "a.bin").write_bytes(b"A" * 700)
        (daemon.tftp_root / "b.bin").write_bytes(b"B" * 900)
        (daemon.tftp_root / "big.bin").write_bytes(bytes(range(256)) * 400)  # 200 blocks
        return daemon.start()

    def test_filters_apply_to_the_next_request(self):
        with self.start("boot.bin = a.bin") as d:
            client = TftpClient(self.port)
            self.assertEqual(client.get("boot.bin"), b"A" * 700)
            assert_reloaded(self, reload(d, tftp_text(self.port, "boot.bin = b.bin")),
                            r"^\[filters\] changed \(1 -> 1 entries\)$")
            self.assertEqual(client.get("boot.bin"), b"B" * 900)
            # Unchanged file: a reload that says so.
            assert_reloaded(self, reload(d), r"^no change$")
            self.assertEqual(client.get("boot.bin"), b"B" * 900)

    def test_a_transfer_under_way_finishes_with_its_file(self):
        with self.start("boot.bin = big.bin") as d:
            client = TftpClient(self.port)
            reloads = []
            got = client.get("boot.bin", after_first_block=lambda: reloads.append(
                reload(d, tftp_text(self.port, "boot.bin = a.bin"))))
            assert_reloaded(self, reloads[0], r"\[filters\] changed")
            self.assertEqual(got, bytes(range(256)) * 400)
            self.assertEqual(client.get("boot.bin"), b"A" * 700, "the next request sees the new filter")
            d.wait_for_log(r"big\.bin completed")

    def test_a_broken_file_is_refused_whole_with_file_and_line(self):
        with self.start("boot.bin = a.bin") as d:
            client = TftpClient(self.port)
            broken = tftp_text(self.port, "boot.bin = b.bin", extra="blocksize = lots")
            line = broken.splitlines().index("blocksize = lots") + 1
            match = reload(d, broken)
            self.assertIsNotNone(match.group("error"), match.group(0))
            self.assertRegex(match.group("error"), rf"^{re.escape(str(d.config_path))}:{line}: \[tftp\] blocksize")
            # Refused whole: the new [filters] did not apply either; the daemon serves on.
            self.assertEqual(client.get("boot.bin"), b"A" * 700)
            self.assertTrue(d.running())
            # Fixed: the next reload applies.
            assert_reloaded(self, reload(d, tftp_text(self.port, "boot.bin = b.bin")), r"\[filters\] changed")
            self.assertEqual(client.get("boot.bin"), b"B" * 900)

    def test_an_empty_file_is_refused_when_only_tftp_and_http_run(self):
        # Started with -t (and -H): nothing in an empty file is required, so it would load and
        # clear [filters]. A truncated or half-written file is refused; an emptied section is not.
        self.port = free_port()
        httpd = f"\n[httpd]\naddress = 127.0.0.1\nport = {free_port()}\n"
        daemon = Netbootd(tftp_text(self.port, "boot.bin = a.bin") + httpd, args=["-t", "-H"])
        (daemon.tftp_root / "a.bin").write_bytes(b"A" * 700)
        with daemon.start() as d:
            client = TftpClient(self.port)
            for empty in ("", "# only a comment\n\n"):
                match = reload(d, empty)
                self.assertIsNotNone(match.group("error"), match.group(0))
                self.assertRegex(match.group("error"), rf"^{re.escape(str(d.config_path))}: the file is empty")
                self.assertEqual(client.get("boot.bin"), b"A" * 700, "[filters] kept")
            self.assertTrue(d.running())
            assert_reloaded(self, reload(d, tftp_text(self.port, "") + httpd), r"^\[filters\] changed \(1 -> 0 entries\)$")
            with self.assertRaises(AssertionError):
                client.get("boot.bin")  # the emptied section applied: no such file now

    def test_a_restart_only_key_is_reported_and_keeps_its_value(self):
        with self.start("boot.bin = a.bin") as d:
            client = TftpClient(self.port)
            other_port = free_port()
            since = d.log_offset()
            match = reload(d, tftp_text(other_port, "boot.bin = b.bin"))
            assert_reloaded(self, match, r"^\[filters\] changed \(1 -> 1 entries\); 1 key needs a restart \(old value kept\)$")
            d.wait_for_log(rf"\[tftp\] port needs a restart: keeping '{self.port}' \(the file now says '{other_port}'\)",
                           since=since)
            self.assertEqual(client.get("boot.bin"), b"B" * 900, "served on the old port, with the new filter")

    def test_a_storm_of_sighups_is_coalesced(self):
        with self.start("boot.bin = a.bin") as d:
            since = d.log_offset()
            started = time.monotonic()
            for _ in range(300):
                d.process.signal(signal.SIGHUP)
            storm = time.monotonic() - started
            # The last one, after a change: it is applied (never lost in the coalescing). A
            # reload of the storm may still be due, and run before or after the write.
            write_config(d, tftp_text(self.port, "boot.bin = b.bin"))
            d.process.signal(signal.SIGHUP)
            d.wait_for_log(r"configuration reloaded from \S+: \[filters\] changed", timeout=10, since=since)
            self.assertEqual(TftpClient(self.port).get("boot.bin"), b"B" * 900)
            reloads = netns.read_text(d.log_path, since).count("SIGHUP: reloading")
            # At most one reload per 250 ms (Reloader::kMinInterval), plus the first and the last.
            self.assertLessEqual(reloads, int(storm / 0.25) + 3, f"{reloads} reloads for 301 signals in {storm:.2f} s")
            self.assertGreaterEqual(reloads, 1)


# -- DHCP in network namespaces ----------------------------------------------------------------

UUID_A = "4c414230-1234-4567-89ab-cdef00770001"


def dhcp_text(*, access="none", bootfile="first.0", static="", mac="", uuid="", buggy="", http_pxe="/boot",
              pool_start="{pool_start}", extra_bootp="") -> str:
    return f"""[bootp]
access = {access}
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = on
lease_file = {{lease_file}}
{extra_bootp}

[bootfile]
default = {bootfile}

[static_dhcp]
{static}

[mac]
{mac}

[uuid]
{uuid}

[buggy_clients]
{buggy}

[http]
location = 127.0.0.1:{AUTH_PORT}
pxe = {http_pxe}
dhcp = /linux
timeout = 4

[tftp]
root = {{tftp_root}}
port = 6969
"""


class DhcpReloadTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_mac_list(self):
        with netns.NetnsPair() as pair, Netbootd(dhcp_text(access="mac", mac="02-00-00-00-00-01 = on"),
                                                  pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
            pxe = dc.pxe_options(arch=0, uuid=UUID_A)
            self.assertIsNone(c.discover(options=pxe, mac="02:00:00:00:00:02", timeout=SILENCE))
            assert_reloaded(self, reload(d, dhcp_text(access="mac", mac="02-00-00-00-00-01 = on\n02-00-00-00-00-02 = on")),
                            r"^\[mac\] changed \(1 -> 2 entries\)$")
            _, ack = c.dora(options=pxe, mac="02:00:00:00:00:02")
            self.assertIsNotNone(ack, d.log_tail())
            self.assertEqual(ack.message_type, dc.ACK)
            since = d.log_offset()
            reload(d, dhcp_text(access="mac", mac="02-00-00-00-00-01 = on\n02-00-00-00-00-02 = off"))
            self.assertIsNone(c.discover(options=pxe, mac="02:00:00:00:00:02", timeout=SILENCE))
            d.wait_for_log(r"02:00:00:00:00:02 blocked by \[mac\] 02-00-00-00-00-02", since=since)

    def test_uuid_list(self):
        with netns.NetnsPair() as pair, Netbootd(dhcp_text(access="uuid"), pair=pair) as d, \
                dc.DhcpClient.for_pair(pair) as c:
            pxe = dc.pxe_options(arch=0, uuid=UUID_A)
            self.assertIsNone(c.discover(options=pxe, mac="02:00:00:00:01:01", timeout=SILENCE))
            assert_reloaded(self, reload(d, dhcp_text(access="uuid", uuid=f"{UUID_A} = on")),
                            r"^\[uuid\] changed \(0 -> 1 entries\)$")
            _, ack = c.dora(options=pxe, mac="02:00:00:00:01:01")
            self.assertIsNotNone(ack, d.log_tail())

    def test_bootfile_and_buggy_clients(self):
        with netns.NetnsPair() as pair, Netbootd(dhcp_text(), pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
            pxe = dc.pxe_options(arch=0, uuid=UUID_A)
            offer = c.discover(options=pxe, mac="02:00:00:00:02:01", broadcast=False)
            self.assertIsNotNone(offer, d.log_tail())
            self.assertEqual(offer.file, "first.0")
            self.assertEqual(offer.dst_ip, offer.yiaddr, "unicast: the client did not ask for broadcast")
            since = d.log_offset()
            assert_reloaded(self, reload(d, dhcp_text(bootfile="second.0", buggy="02-00-00-00-02-01 = yes")),
                            r"^\[bootfile\] changed \(1 -> 1 entries\), \[buggy_clients\] changed \(0 -> 1 entries\)$")
            # --check-config's checks ran on the new file: second.0 is missing, said with file:line.
            d.wait_for_log(rf"reload: {re.escape(str(d.config_path))}:\d+: \[bootfile\] default: second\.0 does not exist",
                           since=since)
            offer = c.discover(options=pxe, mac="02:00:00:00:02:01", broadcast=False)
            self.assertIsNotNone(offer, d.log_tail())
            self.assertEqual(offer.file, "second.0")
            self.assertEqual(offer.dst_ip, "255.255.255.255", "[buggy_clients]: broadcast")

    def test_static_reservations(self):
        a, b, c_mac, newcomer = "02:00:00:00:03:0a", "02:00:00:00:03:0b", "02:00:00:00:03:0c", "02:00:00:00:03:0d"
        with netns.NetnsPair() as pair:
            reserved_in_pool = pair.host(105)
            text = dhcp_text(static=f"{a} = {reserved_in_pool}".replace(":", "-"))
            with Netbootd(text, pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
                _, ack_b = c.dora(mac=b)
                self.assertEqual(ack_b.yiaddr, pair.host(100), d.log_tail())
                _, ack_a = c.dora(mac=a)
                self.assertEqual(ack_a.yiaddr, reserved_in_pool, d.log_tail())
                # Reload: A's reservation removed; C reserved the address B holds.
                assert_reloaded(self, reload(d, dhcp_text(static=f"{c_mac.replace(':', '-')} = {pair.host(100)}")),
                                r"^\[static_dhcp\] changed \(1 -> 1 entries\)$")
                # Removed: A keeps its ACKed address, nobody else is given it, even when asking.
                offer = c.discover(mac=newcomer, requested_ip=reserved_in_pool)
                self.assertIsNotNone(offer, d.log_tail())
                self.assertNotEqual(offer.yiaddr, reserved_in_pool)
                again = c.request_init_reboot(reserved_in_pool, mac=a)
                self.assertEqual((again.message_type, again.yiaddr), (dc.ACK, reserved_in_pool), d.log_tail())
                # Added for B's address: honoured at once, as at start (docs/configuration.md);
                # B is refused that address at its next request.
                _, ack_c = c.dora(mac=c_mac)
                self.assertEqual(ack_c.yiaddr, pair.host(100), d.log_tail())
                nak = c.request_init_reboot(pair.host(100), mac=b)
                self.assertIsNotNone(nak, d.log_tail())
                self.assertEqual(nak.message_type, dc.NAK)

    def test_restart_only_key_and_broken_file(self):
        with netns.NetnsPair() as pair, Netbootd(dhcp_text(), pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
            since = d.log_offset()
            match = reload(d, dhcp_text(bootfile="second.0", pool_start=pair.host(150)))
            assert_reloaded(self, match, r"^\[bootfile\] changed .*; 1 key needs a restart \(old value kept\)$")
            d.wait_for_log(rf"\[bootp\] pool_start needs a restart: keeping '{re.escape(pair.host(100))}' "
                           rf"\(the file now says '{re.escape(pair.host(150))}'\)", since=since)
            offer = c.discover(mac="02:00:00:00:04:01")
            self.assertEqual((offer.yiaddr, offer.file), (pair.host(100), "second.0"), d.log_tail())
            # A file with an error: refused whole, with file:line; the running one serves on.
            broken = dhcp_text(bootfile="third.0", extra_bootp="lease_time = soon")
            line = broken.splitlines().index("lease_time = soon") + 1
            match = reload(d, broken)
            self.assertIsNotNone(match.group("error"), match.group(0))
            self.assertRegex(match.group("error"), rf"^{re.escape(str(d.config_path))}:{line}: \[bootp\] lease_time")
            offer = c.discover(mac="02:00:00:00:04:02")
            self.assertIsNotNone(offer, d.log_tail())
            self.assertEqual(offer.file, "second.0")

    def test_http_access_and_a_parked_exchange_across_a_reload(self):
        slow, quick = "02:00:00:00:05:01", "02:00:00:00:05:02"
        with netns.NetnsPair() as pair:
            auth = AuthServer(pair, "--allow", slow, "--allow", quick, "--sleep", f"{slow}=2")
            try:
                with Netbootd(dhcp_text(access="http", http_pxe="/nowhere"), pair=pair) as d, \
                        dc.DhcpClient.for_pair(pair) as c:
                    pxe = dc.pxe_options(arch=0, uuid=UUID_A)
                    self.assertIsNone(c.discover(options=pxe, mac=quick, timeout=SILENCE), "404: denied")
                    assert_reloaded(self, reload(d, dhcp_text(access="http", http_pxe="/boot")),
                                    r"^\[http\] changed \(3 -> 3 entries\)$")
                    self.assertIsNotNone(c.discover(options=pxe, mac=quick), d.log_tail())
                    # The slow client's exchange parks on the /boot policy; a reload to /nowhere
                    # meanwhile does not drop it: it finishes with the policy it started with.
                    xid = dc.new_xid()
                    c.drain()
                    c.send(dc.make_discover(slow, xid, pxe))
                    netns.wait_for_log(auth.log, rf"(?i)asked /boot mac={slow.replace(':', '-')}", timeout=5)
                    reload(d, dhcp_text(access="http", http_pxe="/nowhere"))
                    offer = c.receive(timeout=6, xid=xid)
                    self.assertIsNotNone(offer, d.log_tail())
                    self.assertEqual(offer.message_type, dc.OFFER)
                    paths = [r["path"] for r in auth.requests() if r.get("mac", "").replace("-", ":").lower() == slow]
                    self.assertEqual(paths, ["/boot"], auth.requests())
                    # New requests follow the new policy.
                    self.assertIsNone(c.discover(options=pxe, mac="02:00:00:00:05:03", timeout=SILENCE))
            finally:
                auth.stop()


if __name__ == "__main__":
    netns.main()
