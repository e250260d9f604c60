#!/usr/bin/env python3
"""E2E 3 (issue 7): access = uuid with real firmware. A BIOS machine whose SMBIOS UUID
(QEMU -uuid, option 97) is listed in [uuid] boots through both phases (the OS phase sends no
UUID: netbootd remembers it from the PXE phase); a machine with another UUID gets no offer at
all. Root only; exit 77 when not root or a package is missing."""

import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd

UUID_SECTION = f"""
[uuid]
{e.UUID_ALLOWED} = enable
"""


class UuidAccess(unittest.TestCase):
    def test_listed_uuid_boots_and_another_uuid_gets_no_offer(self):
        with netns.NetnsPair() as pair:
            config = e.netbootd_config(str(e.TREE), access="uuid", extra=UUID_SECTION)
            with e.Testbed(pair) as bed, \
                    Netbootd(config, pair=pair) as daemon:
                refused = e.vm_mac(0x10)
                count = e.wait_no_offer(bed, firmware="bios", mac=refused,
                                        uuid=e.UUID_OTHER, requests=3, timeout=60)
                e.log(f"refused: {count} requests from {refused} (uuid {e.UUID_OTHER}), no reply")
                requests = bed.sniffer.requests_from(refused)
                self.assertEqual(requests[0].options[e.dc.OPT_CLIENT_UUID],
                                 b"\0" + e.dc.uuid_smbios(e.UUID_OTHER))
                result = e.boot(bed, daemon, firmware="bios", mac=e.vm_mac(0x11),
                                arch=0, uuid=e.UUID_ALLOWED, timeout=e.BIOS_BOOT_TIMEOUT, name="allowed")
                e.log(f"allowed: {result.summary()}")
                self.assertFalse(bed.sniffer.replies_to(refused), "the refused machine got a reply later")


if __name__ == "__main__":
    e.require_qemu("bios")
    e.ensure_boot_tree()
    netns.main()
