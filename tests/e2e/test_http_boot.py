#!/usr/bin/env python3
"""E2E (issue 20): OVMF boots Linux over UEFI HTTP Boot from netbootd, with no TFTP at all.

OVMF (Debian's ovmf 2022.11) has HttpBootDxe: its boot manager lists "UEFI HTTPv4" after the PXE
options. QEMU's fw_cfg switches opt/org.tianocore/IPv4PXESupport and IPv6PXESupport = n drop
the PXE options, so the first network boot OVMF tries is HTTP boot (virtio-net, no option ROM).
It sends a DISCOVER with option 60 "HTTPClient:Arch:00016" (93 = 16); netbootd answers with 60
"HTTPClient" and [bootfile] 00016 = ipxe.efi made a URL on its own HTTP service at the address
the client reached ([httpd] address = 0.0.0.0). OVMF downloads iPXE over HTTP and runs it; iPXE
asks again (PXEClient, user class iPXE) and gets the script's http:// URL ([bootfile]
ipxe.00007), which fetches the kernel and initramfs over HTTP too. netbootd runs with -p (DHCP
and, from [httpd] enable, HTTP; no TFTP service), and the sniffer sees no TFTP request.

- normal mode: netbootd gives the addresses (and checks them: [httpd] check_ip).
- proxy mode: dnsmasq gives the addresses; netbootd's proxy OFFER carries only HTTPClient and
  the URL, and EDK2 combines the two offers.
Root only; exit 77 when not root or a package is missing."""

import ipaddress
import re
import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd

HTTP_PORT = 8080

NORMAL_CONFIG = f"""[logger]
type = stderr
level = info

[bootp]
pool_start = {{pool_start}}
pool_count = 20
lease_file = {{lease_file}}
allow_simple_dhcp = disable

[bootfile]
; UEFI HTTP boot (x86-64): a name, made a URL on [httpd]
00016 = ipxe.efi
; iPXE, once running, gets the script over HTTP; its relative names stay on HTTP
ipxe.00007 = http://{{server_ip}}:{HTTP_PORT}/boot.ipxe

[tftp]
root = {e.TREE}

[httpd]
enable = yes
address = 0.0.0.0
port = {HTTP_PORT}
root = {e.TREE}
"""

PROXY_CONFIG = f"""[logger]
type = stderr
level = info

[bootp]
proxy = yes
interface = {{server_if}}

[bootfile]
00016 = ipxe.efi
ipxe.00007 = http://{{server_ip}}:{HTTP_PORT}/boot.ipxe

[tftp]
root = {e.TREE}

[httpd]
enable = yes
port = {HTTP_PORT}
root = {e.TREE}
"""


def downloads(log: str) -> list:
    """The files netbootd's HTTP service sent whole (200), in order."""
    return re.findall(r' GET "/([^"]+)" 200 bytes=[1-9]', log)


class HttpBoot(unittest.TestCase):
    def check_http_boot(self, bed, daemon, vm, mac, timeout):
        pair, sniffer = bed.pair, bed.sniffer
        try:
            match = vm.wait_marker(timeout)
        except AssertionError as err:
            raise AssertionError(f"{err}\nDHCP seen on the wire:\n{e.exchange_summary(sniffer, mac)}\n"
                                 f"netbootd:\n{daemon.log_tail(60)}") from None
        e.log(f"{vm.mac}: marker after {vm.elapsed():.1f} s: {match.group(0)}")
        self.assertEqual(match.group("mac"), mac)
        ip = match.group("ip")
        self.assertIn(ipaddress.IPv4Address(ip), pair.network)

        # The firmware's request: UEFI HTTP boot, x86-64 (16), as recorded in ovmf-http-discover.hex.
        requests = sniffer.requests_from(mac)
        http_requests = [p for p in requests if p.options.get(e.dc.OPT_VENDOR_CLASS, b"").startswith(b"HTTPClient")]
        self.assertTrue(http_requests, e.exchange_summary(sniffer, mac))
        self.assertTrue(http_requests[0].options[e.dc.OPT_VENDOR_CLASS].startswith(b"HTTPClient:Arch:00016"))
        self.assertEqual(e.arch_of(http_requests[0]), 16)
        # netbootd's answer: 60 HTTPClient and the URL at the address the client reached.
        url = f"http://{pair.server_ip}:{HTTP_PORT}/ipxe.efi"
        answers = [r for r in sniffer.replies_to(mac)
                   if r.options.get(e.dc.OPT_VENDOR_CLASS) == b"HTTPClient" and r.frame_src_port == 67]
        self.assertTrue(answers, e.exchange_summary(sniffer, mac))
        for r in answers:
            self.assertEqual(r.payload[108:236].split(b"\0", 1)[0].decode(), url)
            self.assertEqual(r.options.get(67, b"").rstrip(b"\0").decode(), url)
            self.assertNotIn(43, r.options)

        # Everything came over HTTP from netbootd, nothing over TFTP.
        self.assertEqual(sniffer.tftp.requests, [], "a TFTP request was sent")
        log = daemon.log()
        sent = downloads(log)
        e.log(f"{vm.mac}: netbootd's HTTP service sent {sent}")
        for name in ("ipxe.efi", "boot.ipxe", "vmlinuz", "initrd.img"):
            self.assertIn(name, sent, f"{name} was not downloaded over HTTP:\n{daemon.log_tail(40)}")
        self.assertLess(sent.index("ipxe.efi"), sent.index("boot.ipxe"))
        self.assertNotRegex(log, r"\[tftp\]")
        vm.wait_exit(30)
        return ip, log

    def test_normal_mode_ovmf_http_boot(self):
        mac = e.vm_mac(41)
        with netns.NetnsPair() as pair:
            with e.Testbed(pair) as bed, Netbootd(NORMAL_CONFIG, pair=pair, args=["-p"]) as daemon:
                vm = e.Vm(pair, bed.link, firmware="uefi", mac=mac, nic="virtio-net-pci", romfile="",
                          name="http-boot", extra_argv=e.OVMF_HTTP_BOOT_ONLY)
                e.log(f"http-boot: OVMF HTTP boot VM {mac} started (bound {e.UEFI_BOOT_TIMEOUT:.0f} s)")
                ip, log = self.check_http_boot(bed, daemon, vm, mac, e.UEFI_BOOT_TIMEOUT)
                # netbootd gave the address, to the firmware and to the OS.
                first, last = (ipaddress.IPv4Address(pair.host(n)) for n in (100, 119))
                self.assertTrue(first <= ipaddress.IPv4Address(ip) <= last)
                mine = [line for line in log.splitlines() if any(m in line for m in e.mac_variants(mac))]
                self.assertTrue(any("HTTPClient" in line and "DHCPACK" in line for line in mine), "\n".join(mine))
                e.log("http-boot: netbootd:\n" + "\n".join(mine))

    def test_proxy_mode_ovmf_http_boot_beside_dnsmasq(self):
        mac = e.vm_mac(42)
        with netns.NetnsPair() as pair:
            with e.Testbed(pair) as bed:
                bridge, dnsmasq_ip = bed.link.bridge, pair.host(2)
                pair.run(["ip", "-n", pair.client_ns, "addr", "add", f"{dnsmasq_ip}/{pair.prefix_len}", "dev", bridge],
                         timeout=10)
                leases, dns_log = pair.path("dnsmasq.leases"), pair.path("dnsmasq.log")
                pair.spawn(["dnsmasq", "-k", "--conf-file=/dev/null", "--port=0", "--no-resolv", "--no-hosts",
                            f"--interface={bridge}", "--bind-interfaces", "--dhcp-authoritative", "--no-ping",
                            f"--dhcp-range={pair.host(100)},{pair.host(150)},{pair.netmask},10m",
                            f"--dhcp-leasefile={leases}",
                            f"--pid-file={pair.path('dnsmasq.pid')}", "--log-dhcp", "--log-facility=-",
                            "--user=nobody", "--group=nogroup"], ns=pair.client_ns, log=dns_log)
                netns.wait_for_log(dns_log, r"DHCP, IP range", timeout=10)
                with Netbootd(PROXY_CONFIG, pair=pair, args=["-p"]) as daemon:
                    vm = e.Vm(pair, bed.link, firmware="uefi", mac=mac, nic="virtio-net-pci", romfile="",
                              name="proxy-http-boot", extra_argv=e.OVMF_HTTP_BOOT_ONLY)
                    e.log(f"proxy-http-boot: OVMF HTTP boot VM {mac} started beside dnsmasq")
                    try:
                        ip, log = self.check_http_boot(bed, daemon, vm, mac, e.UEFI_BOOT_TIMEOUT)
                    except AssertionError as err:
                        raise AssertionError(f"{err}\ndnsmasq:\n{netns.read_text(dns_log)[-3000:]}") from None
                first, last = (ipaddress.IPv4Address(pair.host(n)) for n in (100, 150))
                self.assertTrue(first <= ipaddress.IPv4Address(ip) <= last, f"{ip} is not dnsmasq's")
                mine = [line for line in log.splitlines() if any(m in line for m in e.mac_variants(mac))]
                self.assertTrue(any("proxy OFFER (no address)" in line and "HTTPClient" in line for line in mine),
                                "\n".join(mine))
                self.assertFalse([line for line in mine if re.search(r": DHCP(OFFER|ACK) \d", line)],
                                 "netbootd gave an address")
                e.log("proxy-http-boot: netbootd:\n" + "\n".join(mine))


if __name__ == "__main__":
    e.require_qemu("uefi")
    netns.require_commands("dnsmasq")
    e.ensure_boot_tree()
    netns.main()
