"""Well-formed requests the server must refuse, sent as a flood, do not flood the log: plain
(non-PXE) DISCOVERs from 3,000 random MACs with `allow_simple_dhcp = no`, and 3,000 TFTP
reads of files that do not exist. Each would be one "ignored" / "refused" line; the log keeps
at most 20 of a kind per 10 s (core/log_limiter) and the next line let through says how many
were not logged. A PXE client is served in the middle of it. At level debug every line is
kept (checked by the unit tests of LogLimiter::admit(kind, verbose)). Inside network
namespaces this test creates (root only; exit 77 otherwise)."""

import re
import time
import unittest

import clients
import dhcp_client as dc
import netns
import security_helpers as sh
from daemon import Netbootd
from test_security_flood import CONFIG as FLOOD_CONFIG
from test_security_flood import PXE_VENDOR

# The flood test's server, logging at info (the refusals are info and warning lines).
CONFIG = "[logger]\nlevel = info\n\n" + FLOOD_CONFIG.replace("retries = 2", "retries = 1")

REQUESTS = 3000


class LogFloodTest(unittest.TestCase):
    def send(self, pair, count: int) -> None:
        sock = netns.udp_socket(pair.client_ns, device=pair.client_if, broadcast=True)
        try:
            for i in range(count):
                sock.sendto(dc.make_discover(dc.random_mac(), i + 1).to_bytes(), ("255.255.255.255", 67))
                sock.sendto(sh.tftp_rrq_packet(f"missing-{i}".encode()), (pair.server_ip, 69))
                if i % 50 == 49:
                    time.sleep(0.01)  # ~5,000 datagrams per second in all, bounded
        finally:
            sock.close()

    def test_refused_requests_cost_a_bounded_number_of_log_lines(self):
        with netns.NetnsPair() as pair:
            d = Netbootd(CONFIG, pair=pair)
            (d.tftp_root / "pxelinux.0").write_bytes(b"\x00" * 1024)
            with d:
                pair.set_client_address(f"{pair.host(250)}/{pair.prefix_len}")
                before = d.log_offset()
                started = time.monotonic()
                self.send(pair, REQUESTS)
                lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir, vendor_class=PXE_VENDOR,
                                       timeout=15, retries=5)
                self.assertTrue(lease, lease.output + d.log_tail())
                time.sleep(0.5)
                text = netns.read_text(d.log_path, before)
                ignored = len(re.findall(r"DISCOVER from .*: ignored", text))
                refused = len(re.findall(r"missing-\d+ refused", text))
                windows = int((time.monotonic() - started) // 10) + 1
                self.assertGreater(ignored, 0, d.log_tail())
                self.assertGreater(refused, 0, d.log_tail())
                self.assertLessEqual(ignored, 20 * windows, f"{ignored} ignored lines")
                self.assertLessEqual(refused, 20 * windows, f"{refused} refused lines")
                # The served client is logged as ever.
                self.assertRegex(text, r"ACK .*" + re.escape(lease.ip))
                # After the interval, the next refusal reports what was left out.
                time.sleep(max(0.0, started + 10.5 - time.monotonic()))
                mark = d.log_offset()
                self.send(pair, 1)
                d.wait_for_log(r"ignored \(.*\) \(\d+ similar lines not logged\)", timeout=5, since=mark)
                d.wait_for_log(r"missing-0 refused: .* \(\d+ similar lines not logged\)", timeout=5, since=mark)


if __name__ == "__main__":
    netns.require_commands("udhcpc")
    netns.main()
