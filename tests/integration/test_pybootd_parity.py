"""Files and tools written for pybootd keep working (issue 16), with the real daemon:

- pybootd 1.8's sample file, byte for byte but for its pool_start (moved onto the test
  network) and its ./images folder (created): --check-config prints what pybootd meant, and
  with a lease_file line added it serves its [mac] list;
- the examples of pybootd's README (2011): --check-config;
- a pybootd [logger] (type = stdout, level = all) with a [uuid] list copied from pybootd's
  logs (option 97's byte order, uuid/uuidmask form);
- an authorization server written for pybootd 1.8 ([http] query_form = pybootd-1.8);
- option 13 from a remote [tftp] root's Content-Length: honest, slow and hostile HEAD answers
  never hold a reply past 1 s.

DHCP runs in network namespaces this test creates (root only; exit 77 otherwise)."""

import os
import sys
import time
import unittest
from pathlib import Path

import dhcp_client as dc
import netns
from daemon import Netbootd, netbootd_path

for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(variable, None)

SOURCE = Path(os.environ.get("NETBOOT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SAMPLE_18 = SOURCE / "tests/data/configs/pybootd-1.8-sample.ini"
README_SAMPLE = SOURCE / "tests/data/configs/pybootd-readme-sample.ini"
TOOLS = Path(__file__).resolve().parents[1] / "tools"
UUID = "4c414230-1234-4567-89ab-cdef00770001"         # SMBIOS text order (dmidecode, QEMU -uuid)
UUID_PYBOOTD = "3042414c-3412-6745-89ab-cdef00770001"  # the same machine in pybootd's logs
PROMPT = 1.0  # the longest a reply may wait for a boot file size, plus margin below
SILENCE = 1.5

# The README's examples, section by section (pybootd-README.rst), in one file.
README_EXAMPLES = """[logger]
type = stderr
level = info

[bootp]
access = http
allow_simple_dhcp = enable
pool_start = {pool_start}
dns = 8.8.8.8
boot_file = pxelinux.0

[mac]
AA-BB-CC-DD-EE-FF = enable

[uuid]
xxxxxxxx-aaaa-bbbb-cccc-yyyyyyyyyyyy = enable

[http]
location = http://server
pxe = /boot
dhcp = /linux

[tftp]
root = {root}

[filters]
pxelinux.cfg/* = pybootd/etc/pxe.cfg
startup = [dir/{{filename}}.cfg]
"""


def check_config(pair, path):
    return netns.run([netbootd_path(), "-c", str(path), "--check-config"], ns=pair.server_ns, timeout=10, check=False)


class Pybootd18Sample(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def sample_in(self, pair, folder: Path, extra: str = "") -> Path:
        original = SAMPLE_18.read_bytes()
        moved = original.replace(b"pool_start = 192.168.25.100\n", f"pool_start = {pair.host(100)}\n".encode())
        self.assertEqual(len([1 for a, b in zip(original.splitlines(), moved.splitlines()) if a != b]), 1,
                         "only pool_start changes")
        (folder / "images").mkdir(exist_ok=True)
        (folder / "images" / "pxelinux.0").write_bytes(b"\x00" * 1500)
        path = folder / "pybootd.ini"
        path.write_bytes(moved + extra.encode())
        return path

    def test_check_config_prints_what_pybootd_meant(self):
        with netns.NetnsPair() as pair:
            folder = pair.path("sample18")
            folder.mkdir()
            r = check_config(pair, self.sample_in(pair, folder))
            self.assertEqual(r.returncode, 0, r.stderr)
            # Warnings only about the missing shim*.efi files (the sample names them; only ./images exists).
            for line in r.stderr.splitlines():
                if "warning" in line:
                    self.assertIn("does not exist beneath the TFTP root", line)
            out = r.stdout
            for expected in [
                    "[logger]\ntype = stderr\nlevel = info\n",
                    f"pool_start = {pair.host(100)}\npool_count = 5\nlease_time = 86400\n",
                    "access = mac\nallow_simple_dhcp = yes\n",
                    "domain = localdomain\nservername = debug\n",
                    f"detected: interface {pair.server_if} server {pair.server_ip}",
                    f"gateway = {pair.server_ip}\n", "dns = 8.8.8.8\n",
                    "00000 = pxelinux.0\n00002 = shim.efi\n00006 = shim.efi\n00007 = shimx64.efi\n"
                    "00008 = shimx64.efi\n00009 = shimx64.efi\ndefault = pxelinux.0\n",
                    "[buggy_clients]\n1C-69-7A-00-00-00/24 = yes\n",
                    "[mac]\n00-AA-55-12-34-56 = yes\n1C-69-7A-00-00-00/24 = yes\n",
                    "[uuid]\n12345678-abcd-ef00-1111-abcdefabcdef = yes\n12345678-abcd-ef00-1111-123412341234 = yes\n",
                    "location = http://127.0.0.1:13400\npxe = /boot\ndhcp = /linux\ntimeout = 5\nalways_check = no\n"
                    "query_form = readme\n",
                    f"root = {folder / 'images'}\n",
                    "[filters]\negg.info = [{filename}]\n",
                    "[httpd]\nenable = no\n", "port = 8000\nroot = /tmp\ncheck_ip = yes\n"]:
                self.assertIn(expected, out)

    def test_it_serves_its_mac_list(self):
        with netns.NetnsPair() as pair:
            folder = pair.path("sample18-run")
            folder.mkdir()
            # netbootd keeps leases on disk: the one line added, so the test writes nothing else.
            path = self.sample_in(pair, folder, extra=f"\n[bootpd]\nlease_file = {folder / 'leases.db'}\n")
            with Netbootd(config_path=path, pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
                offer, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac="00:aa:55:12:34:56")
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual(ack.message_type, dc.ACK)
                self.assertEqual(ack.file, "pxelinux.0")
                self.assertEqual(ack.options.get(13), (3).to_bytes(2, "big"), "1500 bytes = 3 blocks")
                # The Intel OUI of [mac] and [buggy_clients]: allowed, answered by broadcast.
                intel = c.discover(options=dc.pxe_options(arch=7, uuid=UUID), mac="1c:69:7a:00:00:01")
                self.assertIsNotNone(intel, d.log_tail())
                self.assertEqual(intel.file, "shimx64.efi")
                self.assertEqual(intel.dst_ip, "255.255.255.255")
                # Not in [mac]: nothing.
                self.assertIsNone(c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac="02:00:00:00:16:01",
                                             timeout=SILENCE))


class ReadmeExamples(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_readme_sample_and_sections_load(self):
        with netns.NetnsPair() as pair:
            folder = pair.path("readme")
            folder.mkdir()
            (folder / "images").mkdir()
            path = folder / "readme.ini"
            path.write_text(README_EXAMPLES.format(pool_start=pair.host(100), root="./images"))
            r = check_config(pair, path)
            self.assertNotEqual(r.returncode, 0, "the README's placeholder UUID is not a UUID")
            self.assertIn("[uuid] xxxxxxxx-aaaa-bbbb-cccc-yyyyyyyyyyyy: not a UUID", r.stderr)
            path.write_text(README_EXAMPLES.format(pool_start=pair.host(100), root="./images").replace(
                "xxxxxxxx-aaaa-bbbb-cccc-yyyyyyyyyyyy", "12345678-aaaa-bbbb-cccc-123456789abc"))
            r = check_config(pair, path)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("unknown", r.stderr)
            for expected in ["access = http\nallow_simple_dhcp = yes\nboot_file = pxelinux.0\n",
                             "[mac]\nAA-BB-CC-DD-EE-FF = yes\n", "[uuid]\n12345678-aaaa-bbbb-cccc-123456789abc = yes\n",
                             "location = http://server\npxe = /boot\ndhcp = /linux\n",
                             "pxelinux.cfg/* = pybootd/etc/pxe.cfg\nstartup = [dir/{filename}.cfg]\n",
                             "dns = 8.8.8.8\n", f"root = {folder / 'images'}\n"]:
                self.assertIn(expected, r.stdout)
        with netns.NetnsPair(subnet="192.168.1.0/24") as pair:
            r = check_config(pair, README_SAMPLE)
            self.assertEqual(r.returncode, 0, r.stderr)
            for expected in ["[logger]\ntype = stderr\nlevel = info\n", "allow_simple_dhcp = yes\nboot_file = pxelinux.0\n",
                             "pool_start = 192.168.1.100\n", "dns = 8.8.8.8\n",
                             "root = http://http.us.debian.org/debian/dists/squeeze/main/installer-amd64/current/images/netboot\n",
                             "pxelinux.cfg/* = pybootd/etc/pxe.cfg\n"]:
                self.assertIn(expected, r.stdout)


LOGGER_AND_UUIDS = """[logger]
type = stdout
level = all

[bootp]
pool_start = {pool_start}
access = uuid
lease_file = {lease_file}

[bootfile]
default = pxelinux.0

[uuid]
; copied from pybootd's log: option 97's byte order
%s = enable
; pybootd 1.8's uuid/uuidmask form, in that order too
3042414c-3412-0000-0000-000000000000/ffffffff-ffff-0000-0000-000000000000 = enable
99999999-0000-0000-0000-000000000000/ff000000-0000-0000-0000-000000000000 = disable

[tftp]
root = {tftp_root}
""" % UUID_PYBOOTD


class LoggerAndUuidList(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_stdout_logger_at_level_all_and_a_uuid_list_from_pybootd(self):
        with netns.NetnsPair() as pair:
            with Netbootd(LOGGER_AND_UUIDS, pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
                self.assertNotIn("is not a logger type", d.log())
                self.assertNotIn("is not a log level", d.log())
                offer, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac="02:00:00:00:16:11")
                self.assertIsNotNone(ack, d.log_tail())
                # level = all is debug: the conversion line, both forms, on stdout (the log file here).
                d.wait_for_log(rf"debug \[access\] 02:00:00:00:16:11 UUID {UUID} matched \[uuid\] {UUID_PYBOOTD} "
                               rf"\(\S+:15\) only in pybootd's byte order {UUID_PYBOOTD}", timeout=2)
                d.wait_for_log(rf"allowed by \[uuid\] {UUID_PYBOOTD} \(\S+:15\) \(in pybootd's byte order", timeout=2)
                # Another machine of the same model, matched by the mask in pybootd's order.
                other = "4c414230-1234-0000-0000-000000000002"
                _, ack2 = c.dora(options=dc.pxe_options(arch=0, uuid=other), mac="02:00:00:00:16:12")
                self.assertIsNotNone(ack2, d.log_tail())
                d.wait_for_log(r"allowed by \[uuid\] 3042414c-3412-0000-0000-000000000000/48", timeout=2)
                # A UUID in neither order: refused.
                self.assertIsNone(c.discover(options=dc.pxe_options(arch=0, uuid="11111111-2222-3333-4444-555555555555"),
                                             mac="02:00:00:00:16:13", timeout=SILENCE))


AUTH_18 = """[bootpd]
pool_start = {pool_start}
access = http
allow_simple_dhcp = enable
lease_file = {lease_file}

[bootfile]
default = pxelinux.0

[http]
location = 127.0.0.1:13400
pxe = boot
dhcp = linux
query_form = pybootd-1.8

[tftpd]
root = {tftp_root}
"""


class Pybootd18AuthorizationServer(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_a_server_written_for_pybootd_18_works_unchanged(self):
        mac = "00:AA:55:12:34:56"
        with netns.NetnsPair() as pair:
            log = pair.path("auth18.log")
            server = pair.spawn([sys.executable, str(TOOLS / "pybootd18_auth_server.py"), "--port", "13400",
                                 "--allow-mac", mac, "--allow-uuid", UUID_PYBOOTD], ns=pair.server_ns, log=log)
            try:
                netns.wait_for_log(log, r"listening on", timeout=10)
                with Netbootd(AUTH_18, pair=pair) as d, dc.DhcpClient.for_pair(pair) as c:
                    offer, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac.lower())
                    self.assertIsNotNone(ack, d.log_tail())
                    netns.wait_for_log(log, rf"GET /boot\?mac=00%3AAA%3A55%3A12%3A34%3A56&uuid={UUID_PYBOOTD}\n", timeout=2)
                    # The same server refuses what it does not know: the form matters.
                    self.assertIsNone(c.discover(options=dc.pxe_options(arch=0, uuid=UUID), mac="02:00:00:00:16:21",
                                                 timeout=SILENCE))
                    d.wait_for_log(r"refused \(HTTP 401\)", timeout=2)
            finally:
                server.kill(grace=0.5)


REMOTE_ROOT = """[bootp]
pool_start = {pool_start}
pool_count = 50
lease_file = {lease_file}

[bootfile]
00000 = pxelinux.0
00002 = slow.0
00003 = nolength.0
00004 = garbage.0
00005 = huge.0
00006 = missing.0
00008 = redirect.0
00010 = trickle.0

[tftp]
root = http://127.0.0.1:{port}/netboot
"""


class Option13FromARemoteRoot(unittest.TestCase):
    PORT = 18081  # inside the server namespace: nothing else listens there

    def setUp(self):
        netns.require_netns()

    def offer(self, c, d, arch, mac):
        started = time.monotonic()
        offer = c.discover(options=dc.pxe_options(arch=arch, uuid=UUID), mac=mac, timeout=4)
        elapsed = time.monotonic() - started
        self.assertIsNotNone(offer, d.log_tail())
        self.assertLess(elapsed, PROMPT + 1.0, "a reply waits at most 1 s for the size")
        return offer

    def test_sizes_honest_slow_and_hostile(self):
        with netns.NetnsPair() as pair:
            log = pair.path("head.log")
            server = pair.spawn([sys.executable, str(TOOLS / "head_server.py"), "--port", str(self.PORT),
                                 "--slow", "3"], ns=pair.server_ns, log=log)
            try:
                netns.wait_for_log(log, r"listening on", timeout=10)
                with Netbootd(REMOTE_ROOT, pair=pair, format_args={"port": self.PORT}, args=["-d"]) as d, \
                        dc.DhcpClient.for_pair(pair) as c:
                    # Honest: 70000 bytes = 137 blocks, asked once for two clients.
                    first = self.offer(c, d, 0, "02:00:00:00:13:01")
                    self.assertEqual(first.options.get(13), (137).to_bytes(2, "big"))
                    second = self.offer(c, d, 0, "02:00:00:00:13:02")
                    self.assertEqual(second.options.get(13), (137).to_bytes(2, "big"))
                    self.assertEqual(netns.read_text(log).count("HEAD /netboot/pxelinux.0"), 1, "cached")
                    # Slow (3 s): the reply goes at the 1 s mark without option 13 ...
                    late = self.offer(c, d, 2, "02:00:00:00:13:03")
                    self.assertNotIn(13, late.options)
                    # ... and once the answer is in, the next reply has it (5000 bytes = 10 blocks).
                    netns.wait_for_log(log, r"answered slow\.0", timeout=5)
                    d.wait_for_log(r"HEAD http://127\.0\.0\.1:\d+/netboot/slow\.0: HTTP 200: 5000 bytes", timeout=2)
                    again = self.offer(c, d, 2, "02:00:00:00:13:04")
                    self.assertEqual(again.options.get(13), (10).to_bytes(2, "big"))
                    # Hostile or useless answers: no option 13, no delay past 1 s, nobody else held.
                    for arch, name in ((3, "nolength.0"), (4, "garbage.0"), (6, "missing.0"), (8, "redirect.0"),
                                       (10, "trickle.0")):
                        with self.subTest(file=name):
                            reply = self.offer(c, d, arch, f"02:00:00:00:13:{arch + 0x10:02x}")
                            self.assertEqual(reply.file, name)
                            self.assertNotIn(13, reply.options)
                    # A lying Content-Length: option 13 saturates at 65535 blocks.
                    huge = self.offer(c, d, 5, "02:00:00:00:13:05")
                    if 13 not in huge.options:  # answered after the reply: the next one has it
                        d.wait_for_log(r"huge\.0: HTTP 200: 1000000000000 bytes", timeout=5)
                        huge = self.offer(c, d, 5, "02:00:00:00:13:06")
                    self.assertEqual(huge.options.get(13), (0xFFFF).to_bytes(2, "big"))
                    # The redirect to file:// was not followed, and the daemon is still serving.
                    d.wait_for_log(r"redirect\.0: .*no size, replies go without option 13", timeout=2)
                    self.assertEqual(self.offer(c, d, 0, "02:00:00:00:13:07").options.get(13), (137).to_bytes(2, "big"))
            finally:
                server.kill(grace=0.5)


if __name__ == "__main__":
    netns.main()
