"""[httpd] check_ip, left to its default (yes, as pybootd's), with real leases: a client that got its address from netbootd
downloads, an address netbootd never leased gets 401 (pybootd's answer). In network namespaces (root only)."""

import unittest

import clients
import netns
from daemon import Netbootd

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 10
allow_simple_dhcp = yes
lease_file = {lease_file}

[tftp]
root = {tftp_root}

[httpd]
enable = yes
port = 8080
"""


class CheckIp(unittest.TestCase):
    def setUp(self):
        netns.require_netns()
        netns.require_commands("udhcpc", "curl")

    def curl(self, pair, url):
        r = pair.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", url],
                     ns=pair.client_ns, timeout=10, check=False)
        return r.stdout.strip()

    def test_only_leased_addresses_download(self):
        with netns.NetnsPair() as pair, Netbootd(CONFIG, pair=pair) as daemon:
            (daemon.tftp_root / "vmlinuz").write_bytes(b"kernel" * 1000)
            url = f"http://{pair.server_ip}:8080/vmlinuz"
            # Not leased yet: an address the client gave itself.
            pair.set_client_address(f"{pair.host(200)}/{pair.prefix_len}")
            self.assertEqual(self.curl(pair, url), "401")
            pair.flush_client_addresses()
            lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir)
            self.assertTrue(lease, daemon.log_tail())
            pair.set_client_address(f"{lease.ip}/{pair.prefix_len}")
            self.assertEqual(self.curl(pair, url), "200")
            self.assertRegex(daemon.log(), r"\[http\].*401")


if __name__ == "__main__":
    netns.main()
