"""The [status] live page in Debian's headless chromium while a scripted client
boots in a network namespace created here: DHCP as a PXE firmware, then the TFTP download of
a large-ish boot file that the client holds at two points (it queries the browser before
acknowledging a block). The page must show the machine, its step and a progress bar that
moved between the two points; the screenshots stay in the build directory
(artifacts/status-page-*.png). Root only (exit 77 otherwise), chromium needed (77 without)."""

import html.parser
import os
import shutil
import socket
import struct
import time
import unittest
from pathlib import Path

import dhcp_client as dc
import netns
import security_helpers as sh
from daemon import Netbootd

STATUS_PORT = 9167
MAC = "52:54:00:19:00:01"
UUID = "4c414230-1234-4567-89ab-cdef00190001"
BLOCK = 1024
FILE_SIZE = 8 * 1024 * 1024
ARTIFACTS = Path(os.environ.get("NETBOOT_ARTIFACT_DIR", Path.cwd() / "artifacts"))

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 10
lease_file = {lease_file}

[bootfile]
default = big.efi

[tftp]
root = {tftp_root}
timeout = 5
retries = 10

[status]
enable = yes
port = 9167
"""


class Rows(html.parser.HTMLParser):
    """The machine rows of the page as rendered: data-mac, data-step and the progress bar."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-mac" in a:
            self.rows.append({"mac": a["data-mac"], "step": a.get("data-step"), "progress": None})
        elif a.get("role") == "progressbar" and self.rows:
            self.rows[-1]["progress"] = float(a["data-progress"])


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    netns.skip("chromium missing (Debian package chromium; scripts/deps.sh test)")


class StatusPageInBrowser(unittest.TestCase):
    def setUp(self):
        netns.require_netns()
        self.browser = chromium()
        self.pair = netns.NetnsPair().open()
        self.addCleanup(self.pair.close)
        self.daemon = Netbootd(CONFIG, pair=self.pair)
        (self.daemon.tftp_root / "big.efi").write_bytes(os.urandom(FILE_SIZE))
        self.daemon.start()
        self.addCleanup(self.daemon.stop)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def render(self, screenshot: Path):
        """The page after its first polls, as chromium rendered it (DOM), and a screenshot."""
        profile = self.pair.tmpdir / "chromium-profile"
        common = [self.browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}", "--window-size=1280,560",
                  "--virtual-time-budget=2500"]
        url = f"http://127.0.0.1:{STATUS_PORT}/"
        env = dict(os.environ, HOME=str(self.pair.tmpdir))
        dom = netns.run(common + ["--dump-dom", url], ns=self.pair.server_ns, timeout=90, env=env)
        netns.run(common + [f"--screenshot={screenshot}", url], ns=self.pair.server_ns, timeout=90, env=env,
                      check=False)
        parser = Rows()
        parser.feed(dom.stdout)
        return parser.rows

    def test_machine_appears_with_its_step_and_the_progress_bar_moves(self):
        with dc.DhcpClient.for_pair(self.pair) as client:
            _, ack = client.dora(options=dc.pxe_options(arch=7, uuid=UUID), mac=MAC)
        self.assertIsNotNone(ack, self.daemon.log_tail())
        self.pair.set_client_address(f"{ack.yiaddr}/{self.pair.prefix_len}")

        rows = self.render(ARTIFACTS / "status-page-dhcp.png")
        self.assertEqual([(r["mac"], r["step"]) for r in rows], [(MAC, "dhcp")], rows)

        # The boot file, held before acknowledging two blocks: the page is rendered each time.
        views = {}
        holds = {2048: "status-page-25.png", 6144: "status-page-75.png"}
        sock = netns.udp_socket(self.pair.client_ns)
        self.addCleanup(sock.close)
        sock.settimeout(10)
        sock.sendto(sh.tftp_rrq_packet(b"big.efi", options={"blksize": str(BLOCK), "tsize": "0"}),
                    (self.pair.server_ip, 69))
        expected, received, peer = 1, 0, None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            packet, addr = sock.recvfrom(65536)
            peer = peer or addr
            op, number = struct.unpack("!HH", packet[:4])
            self.assertNotEqual(op, 5, packet)  # ERROR
            if op == 6:  # OACK
                sock.sendto(struct.pack("!HH", 4, 0), peer)
                continue
            if number == expected:
                if number in holds:
                    views[number] = self.render(ARTIFACTS / holds[number])
                received += len(packet) - 4
                expected = (expected + 1) & 0xFFFF
            sock.sendto(struct.pack("!HH", 4, number), peer)
            if len(packet) - 4 < BLOCK and number == (expected - 1) & 0xFFFF:
                break
        self.assertEqual(received, FILE_SIZE)

        early, late = views[2048], views[6144]
        for view, acked in ((early, 2047), (late, 6143)):
            self.assertEqual(len(view), 1, view)
            self.assertEqual(view[0]["mac"], MAC)
            self.assertEqual(view[0]["step"], "boot-file")
            self.assertIsNotNone(view[0]["progress"], view)
            self.assertAlmostEqual(view[0]["progress"], round(1000 * acked * BLOCK / FILE_SIZE) / 10, delta=0.11)
        self.assertGreater(late[0]["progress"], early[0]["progress"] + 40)
        self.assertTrue((ARTIFACTS / "status-page-75.png").stat().st_size > 1000)


if __name__ == "__main__":
    netns.main()
