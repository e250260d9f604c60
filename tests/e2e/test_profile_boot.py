#!/usr/bin/env python3
"""E2E (issue 20): SeaBIOS + iPXE and OVMF + iPXE boot Linux through a script netbootd
generates for the machine (a [profile] every machine gets through [hosts] default): iPXE's
DHCP request gets http://<server>/boot/<mac>.ipxe as boot file, fetches it over HTTP, and the
script fetches the kernel and initramfs over HTTP from netbootd; nothing of them over TFTP.
The initramfs's plain DHCP (OS phase) prints the marker. Root only; exit 77 when not root or
a package is missing."""

import re
import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd


class ProfileBoot(unittest.TestCase):
    def boot(self, firmware, arch, mac, timeout):
        with netns.NetnsPair() as pair:
            with e.Testbed(pair) as bed, Netbootd(e.profile_config(str(e.TREE)), pair=pair) as daemon:
                result = e.boot(bed, daemon, firmware=firmware, arch=arch, mac=mac, timeout=timeout,
                                name=f"{firmware}-profile")
                log = daemon.log()
                script = f"/boot/{mac.replace(':', '-')}.ipxe"
                self.assertRegex(log, rf"iPXE phase pxe: DHCPACK \S+ file http://{re.escape(pair.server_ip)}{re.escape(script)}")
                self.assertRegex(log, rf'GET "{re.escape(script)}" 200 .*note="profile e2e"')
                times = e.fetch_times(log)
                for name in ("vmlinuz", "initrd.img"):
                    self.assertIn(name, times["http"], f"{name} not fetched over HTTP:\n{log[-3000:]}")
                    self.assertNotIn(name, result.tftp_files, "the kernel and initramfs must not come over TFTP")
                seconds = sum(s for _, s in times["http"].values())
                size = sum(b for b, _ in times["http"].values())
                e.log(f"{firmware} (profile): {result.summary()}; kernel+initrd over HTTP: "
                      f"{size / 1e6:.1f} MB in {seconds:.2f} s")
                return result

    def test_seabios_ipxe_boots_the_generated_script_over_http(self):
        self.boot("bios", 0, e.vm_mac(11), e.BIOS_BOOT_TIMEOUT)

    def test_ovmf_ipxe_boots_the_generated_script_over_http(self):
        self.boot("uefi", 7, e.vm_mac(12), e.UEFI_BOOT_TIMEOUT)


if __name__ == "__main__":
    e.require_qemu("bios")
    e.ensure_boot_tree()
    netns.main()
