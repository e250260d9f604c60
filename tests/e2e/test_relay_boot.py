#!/usr/bin/env python3
"""A BIOS machine on a relayed subnet (issue 18): QEMU (TCG, SeaBIOS + iPXE PXE ROM) on link a
PXE-boots Linux from netbootd on link s, through a router namespace running ISC dhcrelay.

    S: netbootd S.1 ---- link s ---- R: S.254 | a.1, ip_forward, dhcrelay -4 -d -a -D ---- link a ---- A: bridge + tap + QEMU

Every DHCP exchange crosses the relay (giaddr a.1, option 82 with circuit-id = R's interface on
link a; -D drops a reply without the echo, so a missing echo ends the boot); TFTP is routed by
R (no relay, no on-link shortcut). The machine gets a PXE-phase lease of [subnet a], loads
pxelinux, the kernel and the initramfs, asks again in the OS phase and prints the marker with
an address of link a. netbootd's ACK lines name the circuit. Root only; exit 77 when not root
or a package is missing."""

import ipaddress
import re
import unittest

import e2elib as e
from e2elib import netns
from daemon import Netbootd
import routed

SUBNET = """
[subnet a]
network = {network}
pool_start = {pool_start}
pool_count = 20
"""


class RelayBed:
    """What e2elib.boot() reads from a Testbed, built on a routed.Star: the VM's bridge + tap on
    link a, the sniffer on the server's link, router advertisements from R on link a."""

    def __init__(self, net: routed.Star):
        self.pair = net.view("a", server="s")
        self.link = e.VmLink(self.pair)
        self.sniffer = e.Sniffer(net.ns("s"), net.leaf_if("s"))
        # iPXE waits ~13 s for an IPv6 router unless one speaks on its own link.
        self.ra = e.RouterAdvertiser(net.ns("r"), net.hub_if("a"))

    def close(self) -> None:
        self.ra.close()
        self.sniffer.close()


class RelayBoot(unittest.TestCase):
    def test_seabios_ipxe_boots_through_dhcrelay_with_routed_tftp(self):
        with routed.Star(hub="r", leaves="sa") as net:
            server_ip = net.address("s", "s", 1)
            uplink = net.address("r", "s", 254)
            giaddr = net.address("r", "a", 1)
            net.route("s", "a", via=uplink)
            net.forwarding("r")
            relay_log = net.path("dhcrelay.log")
            relay = net.spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               "--inh-caps=+net_raw,+net_bind_service", "--ambient-caps=+net_raw,+net_bind_service",
                               "dhcrelay", "-4", "-d", "-a", "-D", "--no-pid", "-id", net.hub_if("a"),
                               "-iu", net.hub_if("s"), server_ip], ns=net.ns("r"), log=relay_log)
            netns.wait_for_log(relay_log, r"Sending on\s+Socket/fallback", timeout=10, alive=relay.alive)
            bed = RelayBed(net)
            try:
                config = e.netbootd_config(str(e.TREE), extra=SUBNET.format(
                    network=net.network("a"), pool_start=net.host("a", 100)))
                with Netbootd(config, ns=net.ns("s"), workdir=net.tmpdir,
                              format_args={"pool_start": net.host("s", 100)}) as daemon:
                    mac = e.vm_mac(41)
                    try:
                        result = e.boot(bed, daemon, firmware="bios", mac=mac, arch=0, timeout=e.BIOS_BOOT_TIMEOUT,
                                        name="relay-seabios-ipxe")
                    except AssertionError as err:
                        raise AssertionError(f"{err}\n---- dhcrelay ----\n{netns.read_text(relay_log)[-2000:]}") from None
                    e.log(f"relayed BIOS: {result.summary()}")
                    self.assertIn(ipaddress.IPv4Address(result.ip), net.network("a"))
                    for name in ("pxelinux.0", "ldlinux.c32", "vmlinuz", "initrd.img"):
                        self.assertIn(name, result.tftp_files)
                    # Every request reached netbootd through the relay, and every reply went back to it
                    # with the relay's option 82.
                    requests = bed.sniffer.requests_from(mac)
                    self.assertTrue(requests)
                    for p in requests:
                        self.assertEqual(e.dc.ip_str(p.payload[24:28]), giaddr, f"{p.name} not relayed")
                        self.assertIn(82, p.options, f"{p.name} without the relay's option 82")
                    by_xid = {p.xid: p.options[82] for p in requests}
                    for r in bed.sniffer.replies_to(mac):
                        self.assertEqual(r.frame_dst_port, 67, f"{r.name} not sent to the relay")
                        self.assertEqual(r.options.get(82), by_xid.get(r.xid), f"{r.name}: option 82 not echoed")
                    acks = [line for line in e.phase_lines(daemon.log(), mac) if re.search(r"\bDHCPACK\b", line)]
                    self.assertTrue(acks)
                    for line in acks:
                        self.assertIn(net.hub_if("a"), line, "the ACK line lacks the circuit-id")
            finally:
                bed.close()


if __name__ == "__main__":
    e.require_qemu("bios")
    netns.require_commands("dhcrelay", "setpriv", "sysctl")
    e.ensure_boot_tree()
    netns.main()
