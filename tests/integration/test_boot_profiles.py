"""Boot profiles and the boot API (issue 20) with the real daemon in namespaces this test
creates (root only; exit 77 otherwise): an iPXE client of a machine with a [profile] gets its
generated script's URL, fetches the script over HTTP and TFTP (only from the address it
leased), and a boot API (tests/tools/boot_api_server.py) that answers, is slow, fails, sends
malformed, huge, trickled or injecting answers: fail closed, delaying only that machine."""

import json
import sys
import time
import unittest
from pathlib import Path

import dhcp_client as dc
import netns
from daemon import Netbootd

API_SERVER = Path(__file__).resolve().parents[1] / "tools" / "boot_api_server.py"
API_PORT = 18081  # inside the server namespace: nothing else listens there
UUID = "4c414230-1234-4567-89ab-cdef00770001"
HTTP_PORT = 8080
TFTP_PORT = 6969

BASE = """[bootp]
pool_start = {pool_start}
pool_count = 20
lease_file = {lease_file}

[bootfile]
default = undionly.kpxe

[tftp]
root = {tftp_root}
port = 6969

[httpd]
enable = yes
port = 8080
"""

PROFILES = BASE + """
[profile debian12]
kernel = debian/vmlinuz
initrd = debian/initrd.img http://mirror.example/{{mac_hyphen}}.cpio
cmdline = console=ttyS0 ip={{address}} uuid={{uuid}} srv={{server}} base={{http_base}}

[hosts]
02:00:00:00:40:01 = debian12
02-00-00-00-41/40 = debian12
"""

API = BASE + """
[boot_api]
url = http://127.0.0.1:18081
timeout = {timeout}
max_answer_bytes = 4096
"""


def ipxe(uuid=UUID):
    return {**dc.pxe_options(arch=0, uuid=uuid), **dc.ipxe_options()}


def fetch_http(pair, url):
    """(status, body) of a GET from the client namespace."""
    out = pair.run(["curl", "-s", "-S", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}", url],
                   ns=pair.client_ns, timeout=10, check=False).stdout
    body, _, status = out.rpartition("\n")
    return int(status or 0), body


def fetch_tftp(pair, name):
    local = pair.path(f"tftp-{time.monotonic_ns()}")
    result = pair.run(["tftp", "-m", "octet", pair.server_ip, str(TFTP_PORT), "-c", "get", name, str(local)],
                      ns=pair.client_ns, timeout=15, check=False)
    return (local.read_text() if local.exists() and local.stat().st_size else None), result.stdout + result.stderr


class ApiServer:
    def __init__(self, pair, *args):
        self.log = pair.path(f"api-{time.monotonic_ns()}.log")
        self.requests_file = pair.path(f"api-requests-{time.monotonic_ns()}.jsonl")
        self.process = pair.spawn([sys.executable, str(API_SERVER), "--port", str(API_PORT),
                                   "--requests", str(self.requests_file), *args],
                                  ns=pair.server_ns, log=self.log)
        netns.wait_for_log(self.log, r"listening on", timeout=10)

    def requests(self):
        if not self.requests_file.exists():
            return []
        return [json.loads(line) for line in self.requests_file.read_text().splitlines() if line.strip()]


class BootProfilesTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_ipxe_client_gets_its_script_over_http_and_tftp(self):
        mac = "02:00:00:00:40:01"
        with netns.NetnsPair() as pair:
            with Netbootd(PROFILES, pair=pair).start() as d, dc.DhcpClient.for_pair(pair) as c:
                # The firmware gets [bootfile]'s iPXE; iPXE then gets the script.
                _, firmware = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac)
                self.assertIsNotNone(firmware, d.log_tail())
                self.assertEqual(firmware.file, "undionly.kpxe")
                _, ack = c.dora(options=ipxe(), mac=mac)
                self.assertIsNotNone(ack, d.log_tail())
                script_url = f"http://{pair.server_ip}:{HTTP_PORT}/boot/02-00-00-00-40-01.ipxe"
                self.assertEqual(ack.file, script_url)
                pair.set_client_address(f"{ack.yiaddr}/{pair.prefix_len}")
                status, body = fetch_http(pair, script_url)
                self.assertEqual(status, 200, d.log_tail())
                base = f"http://{pair.server_ip}:{HTTP_PORT}"
                expected = ("#!ipxe\n"
                            "# netbootd: profile debian12 for 02:00:00:00:40:01\n"
                            f"kernel --name kernel {base}/debian/vmlinuz initrd=initrd0 initrd=initrd1 "
                            f"console=ttyS0 ip={ack.yiaddr} uuid={UUID} srv={pair.server_ip} base={base}\n"
                            f"initrd --name initrd0 {base}/debian/initrd.img\n"
                            "initrd --name initrd1 http://mirror.example/02-00-00-00-40-01.cpio\n"
                            "boot kernel\n")
                self.assertEqual(body, expected)
                script, output = fetch_tftp(pair, "boot/02-00-00-00-40-01.ipxe")
                self.assertEqual(script, expected, output + d.log_tail())
                # Another machine's script (a profile by prefix, no lease held by this address): refused.
                other = f"http://{pair.server_ip}:{HTTP_PORT}/boot/02-00-00-00-41-07.ipxe"
                self.assertEqual(fetch_http(pair, other)[0], 403)
                d.wait_for_log(r"holds no lease of 02:00:00:00:41:07", timeout=3)
                script, _ = fetch_tftp(pair, "boot/02-00-00-00-41-07.ipxe")
                self.assertIsNone(script)
                # Malformed script paths are plain file names (refused or not found), never a script.
                for path in ("boot/02-00-00-00-40-01.ipxe%0A", "boot/..%2F..%2Fetc%2Fpasswd.ipxe",
                             "boot/02-00-00-00-40-0.ipxe", "boot/02-00-00-00-40-01.ipxe/x"):
                    status, body = fetch_http(pair, f"http://{pair.server_ip}:{HTTP_PORT}/{path}")
                    self.assertIn(status, (403, 404), path)
                    self.assertNotIn("#!ipxe", body, path)
                # A machine without a profile keeps [bootfile] even as iPXE.
                _, plain = c.dora(options=ipxe(), mac="02:00:00:00:42:01")
                self.assertIsNotNone(plain, d.log_tail())
                self.assertEqual(plain.file, "undionly.kpxe")


class BootApiTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_answer_becomes_the_script_and_is_cached(self):
        mac = "02:00:00:00:50:01"
        with netns.NetnsPair() as pair:
            api = ApiServer(pair, "--kernel", "http://kernels.example/vmlinuz", "--initrd", "initrd.img",
                            "--cmdline", "console=ttyS0 ${net0/mac}")
            with Netbootd(API, pair=pair, format_args={"timeout": "2"}).start() as d, \
                    dc.DhcpClient.for_pair(pair) as c:
                _, ack = c.dora(options=ipxe(), mac=mac)
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual(ack.file, f"http://{pair.server_ip}:{HTTP_PORT}/boot/02-00-00-00-50-01.ipxe")
                self.assertEqual([r["path"] for r in api.requests()], ["/v1/boot/02:00:00:00:50:01"],
                                 "asked once: the REQUEST used the cached answer")
                d.wait_for_log(r"boot API: 02:00:00:00:50:01 GET http://127\.0\.0\.1:18081/v1/boot/02:00:00:00:50:01: "
                               r"boot \(HTTP 200\)", timeout=2)
                pair.set_client_address(f"{ack.yiaddr}/{pair.prefix_len}")
                status, body = fetch_http(pair, ack.file)
                self.assertEqual(status, 200, d.log_tail())
                base = f"http://{pair.server_ip}:{HTTP_PORT}"
                self.assertEqual(body, "#!ipxe\n# netbootd: boot API for 02:00:00:00:50:01\n"
                                       "kernel --name kernel http://kernels.example/vmlinuz initrd=initrd0 "
                                       "console=ttyS0 ${net0/mac}\n"
                                       f"initrd --name initrd0 {base}/initrd.img\nboot kernel\n")

    def test_hostile_and_dead_apis_fail_closed(self):
        cases = [
            ("not found", "notfound", r"no boot \(HTTP 404\)"),
            ("server error", "error", r"failed \(HTTP 500\): no boot file \(fail closed\)"),
            ("malformed JSON", "malformed", r"failed \(malformed answer: not JSON\): no boot file \(fail closed\)"),
            ("huge answer", "huge", r"failed \(HTTP 200, answer over 4096 bytes\): no boot file \(fail closed\)"),
            ("injection", "inject", r"failed \(malformed answer: kernel: white space or control characters\)"),
            ("trickle", "trickle", r"failed \(no answer within 1000 ms\): no boot file \(fail closed\)"),
            ("slow", "slow", r"failed \(no answer within 1000 ms\): no boot file \(fail closed\)"),
        ]
        with netns.NetnsPair() as pair:
            modes = [f"02:00:00:00:60:{i:02x}={kind}" for i, (_, kind, _) in enumerate(cases)]
            api = ApiServer(pair, *[arg for m in modes for arg in ("--mode", m)], "--sleep", "3")
            with Netbootd(API, pair=pair, format_args={"timeout": "1"}).start() as d, \
                    dc.DhcpClient.for_pair(pair) as c:
                for i, (name, _, log) in enumerate(cases):
                    with self.subTest(name):
                        mac = f"02:00:00:00:60:{i:02x}"
                        since = d.log_offset()
                        offer = c.discover(options=ipxe(), mac=mac, timeout=1.6)
                        self.assertIsNone(offer, f"{name}: no boot file, no reply")
                        d.wait_for_log(r"boot API: " + mac + r" GET .*: " + log, timeout=3, since=since)
                        d.wait_for_log(r"ignored \(select-boot-profile: ", timeout=3, since=since)
                self.assertEqual(len(api.requests()), len(cases))
                self.assertTrue(d.running, "the daemon survived every answer")

    def test_slow_api_for_one_machine_does_not_delay_another(self):
        slow, fast = "02:00:00:00:70:01", "02:00:00:00:70:02"
        with netns.NetnsPair() as pair:
            api = ApiServer(pair, "--mode", f"{slow}=slow", "--sleep", "3")
            with Netbootd(API, pair=pair, format_args={"timeout": "5"}).start() as d, \
                    dc.DhcpClient.for_pair(pair) as c:
                slow_discover = dc.make_discover(slow, dc.new_xid(), ipxe())
                c.send(slow_discover)
                netns.wait_for(lambda: api.requests(), timeout=3)  # its question is in flight
                t0 = time.monotonic()
                offer = c.discover(options=ipxe(), mac=fast, timeout=2)
                during = time.monotonic() - t0
                self.assertIsNotNone(offer, d.log_tail())
                print(f"DISCOVER->OFFER while another machine's API question waits: {during * 1000:.1f} ms",
                      file=sys.stderr)
                self.assertLess(during, 0.5, "another machine's slow API must not delay this one")
                late = c.receive(timeout=6, xid=slow_discover.xid)
                self.assertIsNotNone(late, d.log_tail())
                self.assertEqual(late.message_type, dc.OFFER)
                self.assertTrue(late.file.endswith("/boot/02-00-00-00-70-01.ipxe"), late.file)


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
