"""[bootp] access = http with the real daemon and tests/tools/auth_server.py, both in the
server namespace of a pair this test creates (root only; exit 77 otherwise): the URL asked,
the 200 body (client:/file:), refusals, caching per boot phase, always_check, a slow
authorization server that must not hold other clients back, and dead ones (fail closed)."""

import json
import os
import sys
import time
import unittest
from pathlib import Path

import clients
import dhcp_client as dc
import netns
from daemon import Netbootd

AUTH_SERVER = Path(__file__).resolve().parents[1] / "tools" / "auth_server.py"
AUTH_PORT = 18080  # inside the server namespace: nothing else listens there
UUID = "4c414230-1234-4567-89ab-cdef00770001"
SILENCE = 1.5

CONFIG = """[bootp]
access = http
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = on
lease_file = {lease_file}

[bootfile]
default = pxelinux.0

[http]
location = {location}
pxe = /boot
dhcp = /linux
timeout = {timeout}
always_check = {always_check}

[tftp]
root = {tftp_root}
port = 6969
"""


class AuthServer:
    """tests/tools/auth_server.py in the server namespace; requests() reads what it was asked."""

    def __init__(self, pair, *args):
        self.pair = pair
        self.log = pair.path(f"auth-{time.monotonic_ns()}.log")
        self.requests_file = pair.path(f"requests-{time.monotonic_ns()}.jsonl")
        self.process = pair.spawn([sys.executable, str(AUTH_SERVER), "--port", str(AUTH_PORT),
                                   "--requests", str(self.requests_file), *args],
                                  ns=pair.server_ns, log=self.log)
        netns.wait_for_log(self.log, r"listening on", timeout=10)

    def requests(self):
        if not self.requests_file.exists():
            return []
        return [json.loads(line) for line in self.requests_file.read_text().splitlines() if line.strip()]

    def stop(self):
        self.process.kill(grace=0.5)


def start(pair, location=f"127.0.0.1:{AUTH_PORT}", timeout="3", always_check="off"):
    return Netbootd(CONFIG, pair=pair, format_args={"location": location, "timeout": timeout,
                                                    "always_check": always_check}).start()


def os_options(mac):
    return {dc.OPT_CLIENT_ID: b"\x01" + dc.mac_bytes(mac)}


class HttpAccessTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_grant_with_client_and_file_then_os_phase_on_the_dhcp_path(self):
        mac = "02:00:00:00:10:01"
        with netns.NetnsPair() as pair:
            auth = AuthServer(pair, "--allow", mac, "--client", f"{mac}=node7", "--file", f"{mac}=custom.efi")
            with start(pair) as d, dc.DhcpClient.for_pair(pair) as c:
                offer, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac)
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual(ack.message_type, dc.ACK)
                self.assertEqual(offer.file, "custom.efi", "the granted file wins over [bootfile]")
                self.assertEqual(ack.file, "custom.efi")
                self.assertEqual(ack.str_option(dc.OPT_HOSTNAME), "node7")
                asked = auth.requests()
                self.assertEqual(len(asked), 1, "asked once for the PXE phase (DISCOVER and REQUEST)")
                self.assertEqual(asked[0]["path"], "/boot")
                self.assertEqual(asked[0]["query"], f"mac=02-00-00-00-10-01&uuid={UUID.upper()}")
                d.wait_for_log(r"GET http://127\.0\.0\.1:18080/boot\?mac=02-00-00-00-10-01&uuid=4C414230-1234-4567-89AB-CDEF00770001: "
                               r"granted \(HTTP 200\), client node7, file custom.efi", timeout=2)
                # Same phase again (the ROM retries the boot): no new question.
                _, again = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac)
                self.assertIsNotNone(again)
                self.assertEqual(len(auth.requests()), 1)
                # The booted OS: plain DHCP, OS phase -> the dhcp path, with the address it holds.
                _, os_ack = c.dora(options=os_options(mac), mac=mac)
                self.assertIsNotNone(os_ack, d.log_tail())
                asked = auth.requests()
                self.assertEqual(len(asked), 2)
                self.assertEqual(asked[1]["path"], "/linux")
                self.assertEqual(asked[1]["query"], f"mac=02-00-00-00-10-01&uuid={UUID.upper()}&ip={ack.yiaddr}")

    def test_refused_and_unknown_clients_get_nothing(self):
        with netns.NetnsPair() as pair:
            auth = AuthServer(pair, "--allow", "02:00:00:00:10:01", "--status", "02:00:00:00:10:03=403")
            with start(pair) as d, dc.DhcpClient.for_pair(pair) as c:
                for mac, status in (("02:00:00:00:10:02", 401), ("02:00:00:00:10:03", 403)):
                    with self.subTest(mac=mac):
                        since = d.log_offset()
                        offer = c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac, timeout=SILENCE)
                        self.assertIsNone(offer)
                        d.wait_for_log(rf"refused \(HTTP {status}\): access denied", timeout=2, since=since)
                        d.wait_for_log(rf"ignored \(check-remote-access: refused by the authorization server "
                                       rf"\(HTTP {status}\)\)", timeout=2, since=since)
                        # The refusal holds for the phase: a retry is refused without a question.
                        asked = len(auth.requests())
                        self.assertIsNone(c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac,
                                                     timeout=SILENCE))
                        self.assertEqual(len(auth.requests()), asked)

    def test_always_check_asks_for_every_request(self):
        mac = "02:00:00:00:10:01"
        with netns.NetnsPair() as pair:
            auth = AuthServer(pair, "--allow", mac)
            with start(pair, always_check="on") as d, dc.DhcpClient.for_pair(pair) as c:
                _, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac)
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual(len(auth.requests()), 2, "DISCOVER and REQUEST each asked")

    def test_udhcpc_on_the_dhcp_path(self):
        with netns.NetnsPair() as pair:
            mac = pair.mac("client")
            auth = AuthServer(pair, "--allow", mac, "--client", f"{mac}=os-node")
            with start(pair) as d:
                lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir)
                self.assertTrue(lease, lease.output + d.log_tail())
                self.assertEqual(lease.hostname, "os-node")
                self.assertTrue(all(r["path"] == "/linux" for r in auth.requests()), auth.requests())

    def test_slow_server_for_one_client_does_not_delay_another(self):
        slow, fast, other = "02:00:00:00:20:01", "02:00:00:00:20:02", "02:00:00:00:20:03"
        with netns.NetnsPair() as pair:
            AuthServer(pair, "--allow", slow, "--allow", fast, "--allow", other, "--sleep", f"{slow}=5")
            with start(pair, timeout="10") as d, dc.DhcpClient.for_pair(pair) as c:
                # Baseline: the fast client alone.
                t0 = time.monotonic()
                _, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac=fast)
                baseline = time.monotonic() - t0
                self.assertIsNotNone(ack, d.log_tail())
                # The slow client's DISCOVER parks for 5 s; meanwhile a client never seen before
                # (its own question to the same server) is served.
                slow_discover = dc.make_discover(slow, dc.new_xid(), dc.pxe_options(arch=0, uuid=UUID))
                c.send(slow_discover)
                time.sleep(0.2)  # its question is in flight
                t0 = time.monotonic()
                offer = c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac=other, timeout=2)
                during = time.monotonic() - t0
                self.assertIsNotNone(offer, d.log_tail())
                print(f"fast client: DORA alone {baseline * 1000:.1f} ms; DISCOVER->OFFER while the "
                      f"other waits {during * 1000:.1f} ms", file=sys.stderr)
                self.assertLess(during, 0.25, "another client's slow authorization must not delay this one")
                # The slow client is answered once its server answers (~5 s after it asked).
                late = c.receive(timeout=8, xid=slow_discover.xid)
                self.assertIsNotNone(late, d.log_tail())
                self.assertEqual(late.message_type, dc.OFFER)

    def test_dead_servers_fail_closed(self):
        cases = [
            ("nothing listening", f"127.0.0.1:{AUTH_PORT + 1}", "3", [], r"failed \(.*[Cc]onnect.*\): access denied \(fail closed\)"),
            ("no answer in time", f"127.0.0.1:{AUTH_PORT}", "0.5", ["--sleep", "02:00:00:00:30:01=3"],
             r"failed \(no answer within 500 ms\): access denied \(fail closed\)"),
            ("server error", f"127.0.0.1:{AUTH_PORT}", "3", ["--status", "02:00:00:00:30:01=500"],
             r"failed \(HTTP 500\): access denied \(fail closed\)"),
        ]
        for name, location, timeout, auth_args, log in cases:
            with self.subTest(name), netns.NetnsPair() as pair:
                if auth_args:
                    AuthServer(pair, "--allow", "02:00:00:00:30:01", *auth_args)
                with start(pair, location=location, timeout=timeout) as d, dc.DhcpClient.for_pair(pair) as c:
                    offer = c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac="02:00:00:00:30:01",
                                       timeout=2.0)
                    self.assertIsNone(offer, "no decision: no reply")
                    d.wait_for_log(log, timeout=3)
                    d.wait_for_log(r"ignored \(check-remote-access: no decision from the authorization server", timeout=3)
                    # A failure is not remembered: the next request asks again (and fails again).
                    since = d.log_offset()
                    c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac="02:00:00:00:30:01", timeout=SILENCE)
                    d.wait_for_log(log, timeout=3, since=since)


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
