#!/usr/bin/env python3
"""Real firmwares boot with netbootd as a proxyDHCP beside another DHCP server (dnsmasq,
DHCP only, no PXE options) on the same link: dnsmasq runs in the client namespace on the
VM's bridge, netbootd (proxy = yes) in the server namespace.

- SeaBIOS + iPXE ROM, OVMF + iPXE EFI ROM: the boot file comes in netbootd's proxy OFFER.
- OVMF's own EDK2 PXE (virtio-net, no option ROM): the proxy OFFER carries no option 43, so
  EDK2 asks netbootd's boot server on port 4011 and gets snponly.efi in its ACK.
Each reaches the initramfs marker; every address (the firmware's and the OS phase's) is
dnsmasq's; netbootd's log shows the proxy OFFER (and the 4011 ACK for EDK2) and that it gave
no address. Root only; exit 77 when not root or a package is missing."""

import ipaddress
import re
import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd

PROXY_CONFIG = f"""[logger]
type = stderr
level = info

[bootp]
proxy = yes
interface = {{server_if}}

[bootfile]
default = pxelinux.0
00007 = snponly.efi
ipxe.00007 = boot.ipxe

[tftp]
root = {e.TREE}

[filters]
pxelinux.cfg/* = {e.TREE}/pxe.cfg
"""


class ProxyBoot(unittest.TestCase):
    def boot(self, *, firmware, mac, name, timeout, nic="e1000", romfile=None, via_4011=False):
        with netns.NetnsPair() as pair:
            with e.Testbed(pair) as bed:
                # The network's own DHCP server: on the VM's bridge, addresses .100-.150.
                bridge, dnsmasq_ip = bed.link.bridge, pair.host(2)
                pair.run(["ip", "-n", pair.client_ns, "addr", "add", f"{dnsmasq_ip}/{pair.prefix_len}", "dev", bridge],
                         timeout=10)
                leases, dns_log = pair.path("dnsmasq.leases"), pair.path("dnsmasq.log")
                pair.spawn(["dnsmasq", "-k", "--conf-file=/dev/null", "--port=0", "--no-resolv", "--no-hosts",
                            f"--interface={bridge}", "--bind-interfaces", "--dhcp-authoritative", "--no-ping",
                            f"--dhcp-range={pair.host(100)},{pair.host(150)},{pair.netmask},10m",
                            f"--dhcp-option=3,{dnsmasq_ip}", f"--dhcp-leasefile={leases}",
                            f"--pid-file={pair.path('dnsmasq.pid')}", "--log-dhcp", "--log-facility=-",
                            "--user=nobody", "--group=nogroup"], ns=pair.client_ns, log=dns_log)
                netns.wait_for_log(dns_log, r"DHCP, IP range", timeout=10)
                with Netbootd(PROXY_CONFIG, pair=pair) as daemon:
                    vm = e.Vm(pair, bed.link, firmware=firmware, mac=mac, nic=nic, romfile=romfile, name=name)
                    e.log(f"{name}: {firmware} VM {mac} started beside dnsmasq (bound {timeout:.0f} s)")
                    try:
                        match = vm.wait_marker(timeout)
                    except AssertionError as err:
                        raise AssertionError(f"{err}\nnetbootd:\n{daemon.log_tail()}\n"
                                             f"dnsmasq:\n{netns.read_text(dns_log)[-3000:]}") from None
                    ip = match.group("ip")
                    e.log(f"{name}: marker after {vm.elapsed():.1f} s: {match.group(0)}")
                    self.assertEqual(match.group("mac"), mac)
                    first, last = (ipaddress.IPv4Address(pair.host(n)) for n in (100, 150))
                    self.assertTrue(first <= ipaddress.IPv4Address(ip) <= last, f"{ip} is not dnsmasq's")
                    # The OS phase's lease is dnsmasq's (its file is written at the ACK).
                    netns.wait_for(lambda: re.search(rf"(?im)^\S+ {mac} {re.escape(ip)} ", netns.read_text(leases)),
                                   timeout=5, what=f"dnsmasq's lease for {mac}")
                    mine = [line for line in daemon.log().splitlines() if any(m in line for m in e.mac_variants(mac))]
                    self.assertTrue(any("proxy OFFER (no address)" in line for line in mine), "\n".join(mine))
                    if via_4011:
                        self.assertTrue(any("boot-server ACK (no address) file snponly.efi" in line for line in mine),
                                        "\n".join(mine))
                    self.assertFalse([line for line in mine if re.search(r": DHCP(OFFER|ACK) \d", line)],
                                     "netbootd gave an address")
                    vm.wait_exit(30)
                log = daemon.log()
                self.assertRegex(log, r"proxyDHCP stopped: .* 0 addresses given")
                self.assertNotRegex(log, r"DHCPNAK")
                e.log(f"{name}: netbootd:\n" + "\n".join(mine))

    def test_seabios_ipxe(self):
        self.boot(firmware="bios", mac=e.vm_mac(31), name="proxy-seabios-ipxe", timeout=e.BIOS_BOOT_TIMEOUT)

    def test_ovmf_ipxe(self):
        self.boot(firmware="uefi", mac=e.vm_mac(32), name="proxy-ovmf-ipxe", timeout=e.UEFI_BOOT_TIMEOUT)

    def test_ovmf_own_edk2_pxe_asks_port_4011(self):
        self.boot(firmware="uefi", mac=e.vm_mac(33), name="proxy-ovmf-edk2", timeout=e.UEFI_BOOT_TIMEOUT,
                  nic="virtio-net-pci", romfile="", via_4011=True)


if __name__ == "__main__":
    e.require_qemu("uefi")
    e.require_qemu("bios")
    netns.require_commands("dnsmasq")
    e.ensure_boot_tree()
    netns.main()
