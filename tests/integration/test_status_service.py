"""[status] service: /metrics and /api/v1/* scraped while real clients boot in
network namespaces created here (udhcpc and scripted PXE clients for DHCP, tftp-hpa and a
scripted client for TFTP), the figures checked against what the test sent, the output
checked by `promtool check metrics`; and the service's own bounds (connections, request
size, idle time, loopback by default). Root only (exit 77 otherwise)."""

import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import unittest

import clients
import dhcp_client as dc
import netns
import security_helpers as sh
import status_client as st
from daemon import Netbootd

STATUS_PORT = 9167
UUID = "4c414230-1234-4567-89ab-cdef00770001"
ALLOWED_SCRIPTED = "52:54:00:77:00:01"
REFUSED_SCRIPTED = "02:99:00:00:00:01"

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = yes
access = mac
lease_time = 3600
lease_file = {lease_file}

[mac]
{client_mac} = on
52-54-00-77/32 = on

[bootfile]
default = pxelinux.0

[tftp]
root = {tftp_root}
port = 69
timeout = 1

[status]
enable = yes
port = 9167
hostnames = boot.example.org
"""


class StatusServiceTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()
        netns.require_commands("udhcpc", "tftp")
        self.pair = netns.NetnsPair().open()
        self.addCleanup(self.pair.close)
        self.daemon = Netbootd(CONFIG, pair=self.pair, args=["-d"], format_args={"client_mac": self.pair.mac()})
        self.boot_file = os.urandom(300_000)
        (self.daemon.tftp_root / "pxelinux.0").write_bytes(self.boot_file)
        self.kernel = os.urandom(2_000_000)
        (self.daemon.tftp_root / "vmlinuz").write_bytes(self.kernel)
        self.daemon.start()
        self.addCleanup(self.daemon.stop)

    def scrape(self):
        return st.scrape(self.pair.server_ns, STATUS_PORT)

    def tftp_hpa_get(self, name):
        out = self.pair.tmpdir / f"got-{name}"
        command = ["tftp", "-m", "binary", self.pair.server_ip, "-c", "get", name, str(out)]
        self.pair.run(command, ns=self.pair.client_ns, timeout=30, check=False)
        return out.read_bytes() if out.exists() else b""

    def test_metrics_follow_dhcp_and_tftp_traffic_and_promtool_accepts_them(self):
        _, before = self.scrape()
        self.assertEqual(st.value(before, "netbootd_dhcp_received_total", type="DISCOVER"), 0)
        self.assertEqual(st.value(before, "netbootd_pool_addresses", subnet=f"{self.pair.network}"), 20)

        # A real client, allowed by [mac]: DISCOVER/OFFER, REQUEST/ACK.
        lease = clients.udhcpc(self.pair.client_ns, self.pair.client_if, workdir=self.pair.tmpdir)
        self.assertTrue(lease, f"udhcpc got no lease:\n{lease.output}\n{self.daemon.log_tail()}")
        # Scripted PXE clients: one allowed (a full exchange), one refused three times by [mac].
        with dc.DhcpClient.for_pair(self.pair) as client:
            offer, ack = client.dora(options=dc.pxe_options(arch=7, uuid=UUID), mac=ALLOWED_SCRIPTED)
            self.assertIsNotNone(ack)
            for _ in range(3):
                self.assertIsNone(client.discover(options=dc.pxe_options(arch=0), mac=REFUSED_SCRIPTED, timeout=0.3))
            client.send(b"\x01\x02garbage, not BOOTP")
        netns.wait_for_log(self.daemon.log_path, r"malformed datagram", timeout=5)

        log = self.daemon.log()
        discovers = len(re.findall(r"DHCPDISCOVER from .*: DHCPOFFER", log))
        requests = len(re.findall(r"DHCPREQUEST from .*: DHCPACK", log))
        self.assertGreaterEqual(discovers, 2)

        # TFTP: two real downloads, one missing file.
        self.pair.set_client_address(f"{lease.ip}/{self.pair.prefix_len}")
        self.assertEqual(self.tftp_hpa_get("pxelinux.0"), self.boot_file)
        self.assertEqual(self.tftp_hpa_get("vmlinuz"), self.kernel)
        self.tftp_hpa_get("no-such-file")
        netns.wait_for_log(self.daemon.log_path, r"no-such-file refused", timeout=5)
        netns.wait_for(lambda: st.value(self.scrape()[1], "netbootd_tftp_transfers_completed_total") >= 2, timeout=5)

        text, after = self.scrape()
        v = lambda name, **labels: st.value(after, name, **labels)
        self.assertEqual(v("netbootd_dhcp_received_total", type="DISCOVER"), discovers + 3)
        self.assertEqual(v("netbootd_dhcp_requests_total", type="DISCOVER", verdict="served"), discovers)
        self.assertEqual(v("netbootd_dhcp_requests_total", type="DISCOVER", verdict="refused_acl"), 3)
        self.assertEqual(v("netbootd_dhcp_requests_total", type="REQUEST", verdict="served"), requests)
        self.assertEqual(v("netbootd_dhcp_replies_sent_total", type="OFFER"), discovers)
        self.assertEqual(v("netbootd_dhcp_replies_sent_total", type="ACK"), requests)
        self.assertEqual(v("netbootd_dhcp_requests_total", type="OTHER", verdict="malformed"), 1)
        self.assertEqual(v("netbootd_requests_refused_total", service="dhcp", reason="check-local-access"), 3)
        self.assertEqual(v("netbootd_lease_commit_duration_seconds_count"), requests)
        self.assertEqual(v("netbootd_leases", subnet=str(self.pair.network), state="bound"), 2)
        self.assertEqual(v("netbootd_tftp_transfers_started_total"), 2)
        self.assertEqual(v("netbootd_tftp_transfers_completed_total"), 2)
        self.assertEqual(v("netbootd_tftp_sent_bytes_total"), len(self.boot_file) + len(self.kernel))
        self.assertEqual(v("netbootd_tftp_transfer_duration_seconds_count"), 2)
        self.assertEqual(v("netbootd_tftp_transfers_active"), 0)
        self.assertEqual(v("netbootd_requests_refused_total", service="tftp", reason="not_found"), 1)
        for line in text.splitlines():
            if line.startswith("netbootd_") and "_total" in line.split(" ")[0].split("{")[0]:
                self.assertTrue(line.split("{")[0].split(" ")[0].endswith("_total"), line)

        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool missing (Debian package prometheus; scripts/deps.sh test)")
        checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
        self.assertEqual(checked.returncode, 0, f"promtool:\n{checked.stdout}{checked.stderr}\n{text}")

    def test_api_shows_leases_machines_and_live_transfers(self):
        with dc.DhcpClient.for_pair(self.pair) as client:
            offer, ack = client.dora(options=dc.pxe_options(arch=7, uuid=UUID), mac=ALLOWED_SCRIPTED)
            self.assertIsNotNone(ack, self.daemon.log_tail())
        address = ack.yiaddr
        leases = st.get_json(self.pair.server_ns, STATUS_PORT, "/api/v1/leases")
        mine = [l for l in leases["leases"] if l["mac"] == ALLOWED_SCRIPTED]
        self.assertEqual(len(mine), 1, leases)
        self.assertEqual(mine[0]["ip"], address)
        self.assertEqual(mine[0]["state"], "bound")
        self.assertEqual(mine[0]["uuid"], UUID)

        machines = st.get_json(self.pair.server_ns, STATUS_PORT, "/api/v1/machines")["machines"]
        self.assertEqual(len(machines), 1, machines)
        m = machines[0]
        self.assertEqual((m["mac"], m["uuid"], m["arch"], m["client_type"], m["step"], m["address"], m["boot_file"]),
                         (ALLOWED_SCRIPTED, UUID, 7, "firmware-pxe", "dhcp", address, "pxelinux.0"))

        # The boot file, then a scripted TFTP client from the leased address that queries the
        # API before acknowledging block 200 of the kernel: the transfer is live with its bytes,
        # size, rate and ETA, and the machine at its next step.
        self.pair.set_client_address(f"{address}/{self.pair.prefix_len}")
        first = sh.tftp_get(self.pair.client_ns, (self.pair.server_ip, 69), b"pxelinux.0", max_bytes=1 << 20)
        self.assertTrue(first.complete, first)
        seen = {}

        def at_block(block):
            if block == 200 and not seen:
                seen["transfers"] = st.get_json(self.pair.server_ns, STATUS_PORT, "/api/v1/transfers")
                seen["machines"] = st.get_json(self.pair.server_ns, STATUS_PORT, "/api/v1/machines")
        result = sh.tftp_get(self.pair.client_ns, (self.pair.server_ip, 69), b"vmlinuz", options={"blksize": "1024"},
                             on_block=at_block, timeout=5, max_bytes=4 << 20)
        self.assertTrue(result.complete, result)
        live = seen["transfers"]["live"]
        self.assertEqual(len(live), 1, seen)
        self.assertEqual(live[0]["client"], address)
        self.assertEqual(live[0]["file"], "vmlinuz")
        self.assertEqual(live[0]["size"], len(self.kernel))
        self.assertEqual(live[0]["bytes"], 199 * 1024)  # blocks 1..199 acknowledged when block 200 arrives
        self.assertGreater(live[0]["rate_bytes_per_second"], 0)
        self.assertGreater(live[0]["eta_seconds"], 0)
        during = seen["machines"]["machines"][0]
        self.assertEqual(during["step"], "kernel")
        self.assertEqual(during["current_transfer"]["bytes"], 199 * 1024)

        netns.wait_for(lambda: not st.get_json(self.pair.server_ns, STATUS_PORT, "/api/v1/transfers")["live"], timeout=5)
        transfers = st.get_json(self.pair.server_ns, STATUS_PORT, "/api/v1/transfers")
        self.assertEqual(transfers["live"], [])
        self.assertEqual(transfers["recent"][0]["bytes"], len(self.kernel))
        self.assertEqual(transfers["recent"][0]["outcome"], "completed")
        after = st.get_json(self.pair.server_ns, STATUS_PORT, "/api/v1/machines")["machines"][0]
        self.assertEqual([t["file"] for t in after["transfers"]], ["pxelinux.0", "vmlinuz"])
        self.assertIsNone(after["current_transfer"])

        status, headers, page = st.http_get(self.pair.server_ns, STATUS_PORT, "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"api/v1/machines", page)
        self.assertEqual(st.http_get(self.pair.server_ns, STATUS_PORT, "/nothing")[0], 404)
        self.assertEqual(st.http_get(self.pair.server_ns, STATUS_PORT, "/metrics", method="POST")[0], 405)

    def test_list_endpoints_page_with_a_bounded_limit_and_follow_changes(self):
        macs = [ALLOWED_SCRIPTED, "52:54:00:77:00:02", "52:54:00:77:00:03"]
        with dc.DhcpClient.for_pair(self.pair) as client:
            for mac in macs[:2]:
                self.assertIsNotNone(client.dora(options=dc.pxe_options(arch=7), mac=mac)[1], self.daemon.log_tail())
        get = lambda path: st.get_json(self.pair.server_ns, STATUS_PORT, path)
        page = get("/api/v1/machines?limit=1&offset=1")
        self.assertEqual((page["count"], page["offset"], page["limit"]), (2, 1, 1), page)
        self.assertEqual([m["mac"] for m in page["machines"]], [macs[1]])  # boot order
        self.assertEqual(get("/api/v1/machines")["limit"], 500)  # the default
        leases = get("/api/v1/leases?limit=1")
        self.assertEqual((leases["count"], len(leases["leases"])), (2, 1), leases)
        self.assertEqual(get("/api/v1/leases?offset=1&limit=1")["leases"][0]["mac"],
                         [l for l in get("/api/v1/leases")["leases"] if l["mac"] != leases["leases"][0]["mac"]][0]["mac"])
        for bad in ("limit=0", "limit=4097", "limit=x", "offset=-1"):
            self.assertEqual(st.http_get(self.pair.server_ns, STATUS_PORT, f"/api/v1/machines?{bad}")[0], 400, bad)
        self.assertEqual(st.http_get(self.pair.server_ns, STATUS_PORT, "/api/v1/leases?limit=10001")[0], 400)

        # A document reused between polls is rebuilt as soon as something it shows changes.
        first = st.http_get(self.pair.server_ns, STATUS_PORT, "/api/v1/machines?limit=10")[2]
        self.assertEqual(st.http_get(self.pair.server_ns, STATUS_PORT, "/api/v1/machines?limit=10")[2], first)
        leases_before = st.http_get(self.pair.server_ns, STATUS_PORT, "/api/v1/leases")[2]
        with dc.DhcpClient.for_pair(self.pair) as client:
            self.assertIsNotNone(client.dora(options=dc.pxe_options(arch=7), mac=macs[2])[1], self.daemon.log_tail())
        after = get("/api/v1/machines?limit=10")
        self.assertEqual([m["mac"] for m in after["machines"]], macs)
        self.assertEqual(after["pools"][0]["bound"], 3)
        self.assertNotEqual(st.http_get(self.pair.server_ns, STATUS_PORT, "/api/v1/leases")[2], leases_before)
        self.assertEqual(get("/api/v1/leases")["count"], 3)
        _, samples = self.scrape()
        self.assertEqual(st.value(samples, "netbootd_leases", subnet=str(self.pair.network), state="bound"), 3)

    def test_only_its_own_host_names_are_answered(self):
        # DNS rebinding: a page from attacker.example whose name now resolves to 127.0.0.1
        # reaches the service with "Host: attacker.example:9167" (curl --resolve does the same).
        netns.require_commands("curl")

        def curl(*args):
            r = self.pair.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", *args],
                              ns=self.pair.server_ns, timeout=15, check=False)
            return r.stdout.strip()
        url = f"http://127.0.0.1:{STATUS_PORT}/api/v1/machines"
        self.assertEqual(curl(url), "200")
        self.assertEqual(curl("-H", f"Host: localhost:{STATUS_PORT}", url), "200")
        self.assertEqual(curl("-H", "Host: boot.example.org", url), "200")  # [status] hostnames
        since = self.daemon.log_offset()
        rebound = f"http://attacker.example:{STATUS_PORT}/api/v1/machines"
        self.assertEqual(curl("--resolve", f"attacker.example:{STATUS_PORT}:127.0.0.1", rebound), "403")
        self.daemon.wait_for_log(r"request for Host 'attacker\.example:9167' refused", since=since)
        for host in ("attacker.example", "127.0.0.2", "localhost.attacker.example"):
            self.assertEqual(curl("-H", f"Host: {host}", f"http://127.0.0.1:{STATUS_PORT}/metrics"), "403", host)
        self.assertEqual(curl("-H", "Host: attacker.example", f"http://127.0.0.1:{STATUS_PORT}/"), "403")

    def test_bounds_loopback_only_connections_request_size_and_idle_time(self):
        # Bound to 127.0.0.1 by default: not reachable on the server's own network address.
        with self.assertRaises(OSError):
            st.http_get(self.pair.server_ns, STATUS_PORT, "/metrics", host=self.pair.server_ip, timeout=2)
        # A request head over the limit is answered 431 and closed.
        status, _, _ = st.http_get(self.pair.server_ns, STATUS_PORT, "/metrics?" + "a" * 20000)
        self.assertIn(status, (414, 431))

        def connect():
            def setup(sock):
                sock.settimeout(15)
                sock.connect(("127.0.0.1", STATUS_PORT))
            return netns.socket_in_ns(self.pair.server_ns, socket.AF_INET, socket.SOCK_STREAM, setup=setup)
        # max_connections (16): the 17th is closed at once, the first 16 stay open until idle.
        held = [connect() for _ in range(16)]
        self.addCleanup(lambda: [s.close() for s in held])
        extra = connect()
        self.assertEqual(extra.recv(100), b"", "a connection past max_connections was kept")
        extra.close()
        # Idle connections are closed by the service (10 s idle timeout), never kept forever.
        self.assertEqual(held[0].recv(100), b"")
        # And the service still answers.
        self.assertIn("netbootd_tftp_transfers_active 0\n", self.scrape()[0])


class StatusServiceOff(unittest.TestCase):
    def test_off_by_default_no_port_and_no_figures(self):
        netns.require_netns()
        with netns.NetnsPair() as pair:
            daemon = Netbootd(CONFIG.replace("enable = yes", "enable = no"), pair=pair,
                              format_args={"client_mac": pair.mac()})
            (daemon.tftp_root / "pxelinux.0").write_bytes(b"x")
            with daemon.start():
                with self.assertRaises(OSError):
                    st.http_get(pair.server_ns, STATUS_PORT, "/metrics", timeout=2)
            # The section is known (no "unknown section" warning) and shown by --check-config.
            checked = pair.run([daemon.binary, "-c", str(daemon.config_path), "--check-config"], ns=pair.server_ns,
                               timeout=10, check=False)
            self.assertNotIn("unknown section", checked.stdout + checked.stderr)
            self.assertIn("[status]\nenable = no\naddress = 127.0.0.1\nport = 9167\n", checked.stdout)


if __name__ == "__main__":
    netns.main()
