#!/usr/bin/env python3
"""E2E 2 (issue 7): UEFI machines (QEMU TCG + OVMF) boot over the network from netbootd.

- OVMF + QEMU's iPXE EFI ROM (efi-e1000.rom): iPXE itself is the UEFI PXE client (arch 7,
  user class iPXE); netbootd hands it the [bootfile] ipxe.00007 script, never iPXE again.
- OVMF's own EDK2 PXE (virtio-net without option ROM): arch 7 without iPXE gets [bootfile]
  00007 = snponly.efi, which asks again as iPXE and gets the script.
Both chain to the same kernel + initramfs, whose plain DHCP (OS phase) prints the marker.
Root only; exit 77 when not root or a package is missing."""

import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd


class UefiBoot(unittest.TestCase):
    def boot(self, **kwargs):
        with netns.NetnsPair() as pair:
            with e.Testbed(pair) as bed, \
                    Netbootd(e.netbootd_config(str(e.TREE)), pair=pair) as daemon:
                return e.boot(bed, daemon, firmware="uefi", arch=7,
                              timeout=e.UEFI_BOOT_TIMEOUT, **kwargs)

    def test_ovmf_with_ipxe_rom_gets_the_ipxe_script_and_boots(self):
        result = self.boot(mac=e.vm_mac(2), name="ovmf-ipxe")
        e.log(f"UEFI (OVMF + iPXE ROM): {result.summary()}")
        self.assertEqual(result.tftp_files[0], "boot.ipxe", "iPXE must get the script first")
        self.assertNotIn("snponly.efi", result.tftp_files, "iPXE must never be handed iPXE")
        for name in ("vmlinuz", "initrd.img"):
            self.assertIn(name, result.tftp_files)
        self.assertEqual(result.pxe_request.options[e.dc.OPT_CLIENT_NDI], b"\x01\x03\x0a")

    def test_ovmf_own_pxe_gets_snponly_then_the_ipxe_script(self):
        result = self.boot(mac=e.vm_mac(3), name="ovmf-edk2", nic="virtio-net-pci", romfile="",
                           expect_ipxe=False)
        e.log(f"UEFI (OVMF EDK2 PXE): {result.summary()}")
        self.assertNotIn(e.dc.OPT_USER_CLASS, result.pxe_request.options)
        self.assertEqual(result.tftp_files[:2], ["snponly.efi", "boot.ipxe"])
        for name in ("vmlinuz", "initrd.img"):
            self.assertIn(name, result.tftp_files)


if __name__ == "__main__":
    e.require_qemu("uefi")
    e.ensure_boot_tree()
    netns.main()
