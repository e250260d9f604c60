"""Confinement proof: hundreds of hostile names thrown at TFTP and HTTP, and not one byte of a
file outside the served root ever comes back.

A secret marker is planted in files outside the root (beside it, above it, and reachable
through symlinks and a hard link placed in the root, and through [filters] rules that try to
produce escapes). Every response (every TFTP datagram, every HTTP response) is searched for
the marker. Names: traversal in every spelling (/, \\, percent-encoded, double-encoded,
overlong UTF-8, fullwidth dots), absolute paths, NUL and control bytes, over-long names,
symlinks and hard links pointing out, filters producing escapes, and a file replaced by a
symlink to the secret while it is being transferred. A positive control (a file inside the
root) proves the server does serve. Inside network namespaces this test creates (root only;
exit 77 otherwise)."""

import os
import secrets
import threading
import time
import unittest
import urllib.parse

import netns
import security_helpers as sh
from daemon import Netbootd

MARKER = f"NETBOOTD-SECRET-{secrets.token_hex(8)}".encode()

CONFIG = """[bootp]
pool_start = {pool_start}
lease_file = {lease_file}

[tftp]
root = {root}

[httpd]
enable = yes
port = 8080
root = {root}
; the probes hold no lease: confinement, not check_ip (its default is yes, as pybootd's), is tested here
check_ip = no

[filters]
; rules whose result tries to leave the root with client text or a planted file
esc1/* = {{filename}}/../../outside/secret.txt
esc2/* = sub/{{filename}}
esc3* = [indirect.cfg]
esc4* = [indirect-abs.cfg]
esc5/* = {{filename}}
"""

DOTS = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%c0%ae%c0%ae", "%e0%80%ae%e0%80%ae", "%uff0e%uff0e",
        "\uff0e\uff0e", "...", "..%00", "..;", ". .", "%252e%252e"]
SEPS = ["/", "\\", "%2f", "%2F", "%5c", "%5C", "%c0%af", "//", "/./", "%252f"]


class ConfinementTest(unittest.TestCase):
    maxDiff = 2000

    def setUp(self):
        self.pair = netns.NetnsPair().open()
        self.addCleanup(self.pair.close)
        self.work = self.pair.tmpdir / "work"
        self.root = self.work / "root"
        self.outside = self.work / "outside"
        (self.root / "sub" / "deeper").mkdir(parents=True)
        self.outside.mkdir(parents=True)
        self.secret = self.outside / "secret.txt"
        self.secret.write_bytes(MARKER + b" outside the root\n")
        (self.work / "secret.txt").write_bytes(MARKER + b" beside the root\n")
        (self.pair.tmpdir / "secret.txt").write_bytes(MARKER + b" above the root\n")
        (self.root / "inside.txt").write_bytes(b"inside the root\n")
        (self.root / "sub" / "deeper" / "inside.txt").write_bytes(b"deeper inside\n")
        # Links placed in the root, pointing out.
        os.symlink(str(self.secret), self.root / "abs_link")
        os.symlink("../outside/secret.txt", self.root / "rel_link")
        os.symlink("../outside", self.root / "dir_link")
        os.symlink("sub/../../outside/secret.txt", self.root / "sneaky_link")
        os.symlink("/", self.root / "slash_link")
        os.symlink(f"/proc/self/root{self.secret}", self.root / "proc_link")
        os.symlink("/proc/self/cwd", self.root / "cwd_link")
        os.symlink("chain_b", self.root / "chain_a")
        os.symlink("../outside/secret.txt", self.root / "chain_b")
        os.symlink("../../outside/secret.txt", self.root / "sub" / "up_link")
        os.link(self.secret, self.root / "hard_link.txt")
        (self.root / "indirect.cfg").write_text("../outside/secret.txt\n")
        (self.root / "indirect-abs.cfg").write_text(f"{self.secret}\n")
        self.race_file = self.root / "race.bin"
        self.race_content = bytes(range(256)) * 64  # 16 KiB: 32 blocks of 512
        self.race_file.write_bytes(self.race_content)
        self.d = Netbootd(CONFIG, pair=self.pair, args=["-H"], format_args={"root": str(self.root)})
        self.d.start()
        self.addCleanup(self.d.stop)
        self.pair.set_client_address(f"{self.pair.host(200)}/{self.pair.prefix_len}")
        self.tftp = (self.pair.server_ip, 69)
        self.http = (self.pair.server_ip, 8080)
        self.responses = 0

    # -- the names ----------------------------------------------------------------------------
    def targets(self):
        return ["outside/secret.txt", "secret.txt", "../secret.txt", str(self.secret).lstrip("/"), "etc/passwd"]

    def traversal_names(self):
        """Traversal spellings: every dot spelling x every separator x depth 1..3, towards
        every target; plus absolute and odd forms."""
        names = set()
        for dots in DOTS:
            for sep in SEPS:
                for depth in (1, 3):
                    for target in ("outside/secret.txt", "secret.txt"):
                        names.add((dots + sep) * depth + target.replace("/", sep))
        for target in self.targets():
            names.update({
                "/" + target, "//" + target, "\\" + target, "\\\\" + target, "./" + target,
                "sub/../../" + target, "sub/deeper/../../../" + target, "sub/..\\..\\" + target,
                "inside.txt/../../" + target, "/proc/self/root/" + target, "/proc/self/cwd/" + target,
                "file://" + target, "http://x/../" + target,
            })
        names.update({
            str(self.secret), str(self.work / "secret.txt"), "/etc/passwd", "/etc/shadow", "/proc/self/environ",
            "/proc/self/cmdline", "/proc/self/maps", "/dev/zero", "/dev/urandom", "/sys/kernel/notes",
            "abs_link", "rel_link", "dir_link/secret.txt", "sneaky_link", "slash_link" + str(self.secret),
            "proc_link", "cwd_link/secret.txt", "chain_a", "chain_b", "sub/up_link", "hard_link.txt",
            "esc1/x", "esc2/../../outside/secret.txt", "esc3", "esc4", "esc5/../outside/secret.txt",
            "esc5/%2e%2e/outside/secret.txt", "esc5/" + str(self.secret),
            "a" * 1025, "../" * 400 + "outside/secret.txt", "a/" * 2000 + "secret.txt", "x" * 8000,
            "inside.txt\n../outside/secret.txt", "\x01\x02", "inside.txt\x7f", "\r\n", "", ".", "..", "...",
        })
        return sorted(names)

    # -- checks ---------------------------------------------------------------------------------
    def assert_no_secret(self, data: bytes, what: str) -> None:
        self.responses += 1
        self.assertNotIn(MARKER, data, f"secret leaked for {what!r}")
        self.assertNotIn(MARKER.decode().encode("utf-16-le"), data, what)

    def tftp_names(self):
        names = [n.encode("utf-8", "surrogateescape") for n in self.traversal_names()]
        # Decoded forms too: TFTP does not percent-decode, so send what a decoder would make.
        names += [urllib.parse.unquote_to_bytes(n) for n in self.traversal_names() if "%" in n]
        names += [b"inside.txt\0../outside/secret.txt", b"../outside/secret.txt\0inside.txt",
                  b"\0", b"\xff\xfe../outside/secret.txt", b"..\xc0\xafoutside\xc0\xafsecret.txt"]
        return sorted(set(names))

    def test_tftp_never_sends_a_byte_from_outside_the_root(self):
        names = self.tftp_names()
        self.assertGreaterEqual(len(names), 200)
        print(f"{len(names)} hostile TFTP names", flush=True)
        for name in names:
            result = sh.tftp_get(self.pair.client_ns, self.tftp, name[:65000], timeout=2.0)
            self.assert_no_secret(bytes(result.raw), name)
            self.assertFalse(result.complete and bytes(result.data) != b"" and name.rstrip(b"/") not in
                             (b"inside.txt", b"sub/deeper/inside.txt"), f"{name!r} served {bytes(result.data)[:60]!r}")
        # Positive control: the same path serves what is inside.
        ok = sh.tftp_get(self.pair.client_ns, self.tftp, b"sub/deeper/inside.txt")
        self.assertTrue(ok.complete, ok)
        self.assertEqual(bytes(ok.data), b"deeper inside\n")
        self.assertTrue(self.d.running(), self.d.log_tail())

    def test_http_never_sends_a_byte_from_outside_the_root(self):
        targets = set()
        for name in self.traversal_names():
            quoted = urllib.parse.quote(name, safe="/%\\;:.~")
            targets.add(quoted if quoted.startswith("/") else "/" + quoted)
            targets.add("/" + name.lstrip("/") if all(0x20 < ord(c) < 0x7f for c in name) else quoted)
        raw = [t.encode("utf-8", "surrogateescape") for t in sorted(targets)]
        raw += [b"/inside.txt%00../outside/secret.txt", b"/%00", b"/..%00/outside/secret.txt",
                b"*", b"http://evil/../outside/secret.txt", b"/inside.txt?../../outside/secret.txt",
                b"/inside.txt#/../../outside/secret.txt", b"/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt"]
        self.assertGreaterEqual(len(raw), 200)
        print(f"{len(raw)} hostile HTTP request targets", flush=True)
        for target in raw:
            response = sh.http_get_raw(self.pair.client_ns, self.http, target[:20000], timeout=2.0)
            self.assert_no_secret(response, target)
            status = sh.http_status(response)
            self.assertNotEqual(status, 0, f"no HTTP answer for {target!r}: {response[:80]!r}")
            if status == 200:
                self.assertIn(b"inside", response, target)
        # Range requests on a link out: still nothing.
        for target in (b"/hard_link.txt", b"/rel_link", b"/dir_link/secret.txt"):
            response = sh.http_get_raw(self.pair.client_ns, self.http, target, extra=b"Range: bytes=0-5\r\n")
            self.assert_no_secret(response, target)
        ok = sh.http_get_raw(self.pair.client_ns, self.http, b"/sub/deeper/inside.txt")
        self.assertEqual(sh.http_status(ok), 200, ok[:200])
        self.assertTrue(ok.endswith(b"deeper inside\n"))
        self.assertTrue(self.d.running(), self.d.log_tail())

    def test_file_replaced_by_a_symlink_during_transfers(self):
        # 1. A transfer in progress keeps the file it opened: replacing the name by a symlink to
        #    the secret after the first block changes nothing in what is sent.
        def swap(block):
            if block == 2:
                tmp = self.root / "race.tmp"
                os.symlink(str(self.secret), tmp)
                os.replace(tmp, self.race_file)
        result = sh.tftp_get(self.pair.client_ns, self.tftp, b"race.bin", on_block=swap)
        self.assert_no_secret(bytes(result.raw), "race.bin during swap")
        self.assertTrue(result.complete, result)
        self.assertEqual(bytes(result.data), self.race_content)
        # 2. A flapping name (regular file <-> symlink out, as fast as possible) under a storm of
        #    TFTP and HTTP reads: every answer is the file or a refusal, never the secret.
        stop = threading.Event()
        flaps = [0]

        def flapper():
            name = self.root / "flap.bin"
            tmp_link, tmp_file = self.root / "flap.lnk", self.root / "flap.new"
            end = time.monotonic() + 4
            while not stop.is_set() and time.monotonic() < end:
                tmp_file.write_bytes(self.race_content)
                os.replace(tmp_file, name)
                os.symlink(str(self.secret), tmp_link)
                os.replace(tmp_link, name)
                flaps[0] += 1
        t = threading.Thread(target=flapper)
        t.start()
        served = refused = 0
        try:
            end = time.monotonic() + 3
            while time.monotonic() < end:
                r = sh.tftp_get(self.pair.client_ns, self.tftp, b"flap.bin", timeout=1.0)
                self.assert_no_secret(bytes(r.raw), "flap.bin (tftp)")
                if r.complete:
                    self.assertEqual(bytes(r.data), self.race_content)
                    served += 1
                else:
                    refused += 1
                h = sh.http_get_raw(self.pair.client_ns, self.http, b"/flap.bin", timeout=1.0)
                self.assert_no_secret(h, "flap.bin (http)")
                if sh.http_status(h) == 200:
                    self.assertTrue(h.endswith(self.race_content))
        finally:
            stop.set()
            t.join(timeout=10)
        print(f"flapping name: {flaps[0]} flips, {served} served whole, {refused} refused", flush=True)
        self.assertGreater(flaps[0], 10)
        self.assertGreater(served + refused, 10)
        self.assertTrue(self.d.running(), self.d.log_tail())


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
