#!/usr/bin/env python3
"""E2E 4 (issue 7): [tftp] root = http:// URL (the pybootd README's Debian-installer example,
served locally): a web server started in the server namespace holds the boot tree; every boot
file a BIOS machine asks over TFTP streams through netbootd from it. Only the pxelinux
configuration comes from a local [filters] target, as in the README. Root only; exit 77 when
not root or a package is missing."""

import re
import sys
import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd

HTTP_PORT = 8069


class HttpRoot(unittest.TestCase):
    def test_boot_files_stream_from_a_web_server(self):
        with netns.NetnsPair() as pair:
            web_log = pair.path("http.log")
            web = pair.spawn([sys.executable, "-u", "-m", "http.server", str(HTTP_PORT), "--bind",
                              pair.server_ip, "--directory", str(e.TREE)], ns=pair.server_ns, log=web_log)
            netns.wait_for_log(web_log, r"Serving HTTP", timeout=10, alive=web.alive)
            root = f"http://{pair.server_ip}:{HTTP_PORT}/"
            with e.Testbed(pair) as bed, \
                    Netbootd(e.netbootd_config(root), pair=pair) as daemon:
                result = e.boot(bed, daemon, firmware="bios", mac=e.vm_mac(4),
                                arch=0, timeout=e.BIOS_BOOT_TIMEOUT, name="http-root")
                e.log(f"HTTP root: {result.summary()}")
            served = re.findall(r'"GET /(\S+) HTTP/1\.[01]" 200', netns.read_text(web_log))
            e.log(f"web server served: {served}")
            for name in ("pxelinux.0", "ldlinux.c32", "vmlinuz", "initrd.img"):
                self.assertIn(name, result.tftp_files)
                self.assertIn(name, served, f"{name} did not come from the web server")


if __name__ == "__main__":
    e.require_qemu("bios")
    e.ensure_boot_tree()
    netns.main()
