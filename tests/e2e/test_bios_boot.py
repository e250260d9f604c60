#!/usr/bin/env python3
"""E2E 1 (issue 7): a BIOS machine (QEMU TCG, SeaBIOS + iPXE PXE ROM, -uuid set) boots over
the network from netbootd: PXE DHCP (options 60/93/94/97) -> pxelinux.0 -> ldlinux.c32 and
pxelinux.cfg/* served through a [filters] rule -> kernel + initramfs -> the initramfs asks
again with plain DHCP from the same MAC (OS phase, allow_simple_dhcp off) and prints the
marker. Root only; exit 77 when not root or a package is missing."""

import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd


class BiosBoot(unittest.TestCase):
    def test_seabios_ipxe_boots_pxelinux_kernel_and_os_phase_dhcp(self):
        with netns.NetnsPair() as pair:
            with e.Testbed(pair) as bed, \
                    Netbootd(e.netbootd_config(str(e.TREE)), pair=pair) as daemon:
                result = e.boot(bed, daemon, firmware="bios", mac=e.vm_mac(1),
                                arch=0, timeout=e.BIOS_BOOT_TIMEOUT)
                e.log(f"BIOS: {result.summary()}")
                files = result.tftp_files
                for name in ("pxelinux.0", "ldlinux.c32", "vmlinuz", "initrd.img"):
                    self.assertIn(name, files)
                self.assertTrue(any(f.startswith("pxelinux.cfg/") for f in files), files)
                self.assertEqual(result.pxe_request.options[e.dc.OPT_CLIENT_NDI], b"\x01\x02\x01")


if __name__ == "__main__":
    e.require_qemu("bios")
    e.ensure_boot_tree()
    netns.main()
