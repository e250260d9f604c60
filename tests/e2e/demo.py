#!/usr/bin/env python3
"""The netbootd demo (scripts/demo.sh runs it after installing, building and preparing):
a private virtual network (two network namespaces), netbootd serving DHCP/PXE, TFTP and HTTP
on it, and a QEMU machine that network-boots from it while its serial console is shown live:
iPXE gets a script netbootd generates for the machine (a boot profile) and fetches the kernel
and initramfs over HTTP; with --tftp, the classic chain fetches them over TFTP instead.
Ends with one summary line saying how long the kernel and initramfs took; everything it
created is removed, whatever happens.

    sudo NETBOOTD=build/netbootd python3 tests/e2e/demo.py [--uefi] [--tftp] [--timeout 240]
"""

from __future__ import annotations

import argparse
import re
import sys
import time

import e2elib as e
from e2elib import netns

from daemon import Netbootd

# Terminal control sequences of the firmwares' screens (reset, clear, colours): printed raw
# they would wipe the user's terminal.
ANSI = re.compile(r"\x1bc|\x1b\[[0-9;?=]*[A-Za-z]|\r")


class Follower:
    """Prints the new lines of a growing file with a prefix."""

    def __init__(self, path, prefix: str):
        self.path, self.prefix, self.offset, self.partial = path, prefix, 0, ""

    def poll(self, final: bool = False) -> None:
        text = netns.read_text(self.path, self.offset)
        self.offset += len(text.encode("utf-8", "replace"))
        text = self.partial + ANSI.sub("", text)
        lines = text.split("\n")
        self.partial = "" if final else lines.pop()
        for line in lines:
            if line.strip():
                print(f"{self.prefix}{line.rstrip()}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uefi", action="store_true", help="boot an OVMF (UEFI) machine instead of SeaBIOS")
    parser.add_argument("--tftp", action="store_true",
                        help="kernel and initramfs over TFTP (pxelinux / a static iPXE script) instead of HTTP")
    parser.add_argument("--timeout", type=float, default=240.0, help="bound on the boot, seconds")
    args = parser.parse_args()
    firmware = "uefi" if args.uefi else "bios"
    e.require_qemu(firmware)
    e.ensure_boot_tree()

    with netns.NetnsPair() as pair:
        bed = e.Testbed(pair)
        link, sniffer = bed.link, bed.sniffer
        print(f"demo: private network {pair.network}: namespace {pair.server_ns} (netbootd on "
              f"{pair.server_if} {pair.server_ip}) <-> namespace {pair.client_ns} (bridge {link.bridge}, "
              f"tap {link.tap} for the VM)", flush=True)
        config = e.netbootd_config(str(e.TREE)) if args.tftp else e.profile_config(str(e.TREE))
        with bed, Netbootd(config, pair=pair) as daemon:
            print(f"demo: netbootd running, configuration {daemon.config_path}:", flush=True)
            for line in daemon.config_path.read_text().splitlines():
                if line.strip() and not line.startswith(";"):
                    print(f"  ini| {line}")
            mac = e.vm_mac(1)
            vm = e.Vm(pair, link, firmware=firmware, mac=mac, uuid=e.UUID_ALLOWED, name="demo")
            print(f"demo: starting a {'UEFI (OVMF)' if args.uefi else 'BIOS (SeaBIOS)'} QEMU machine, "
                  f"MAC {mac}, no disk, network boot only (TCG, no KVM: tens of seconds)\n", flush=True)
            console = Follower(vm.console, "   vm| ")
            server_log = Follower(daemon.log_path, "  log| ")
            server_log.offset = daemon.log_offset()
            pattern = re.compile(e.MARKER_RE)
            deadline = time.monotonic() + args.timeout
            match = None
            while time.monotonic() < deadline and vm.alive():
                console.poll()
                server_log.poll()
                match = pattern.search(vm.console_text())
                if match:
                    break
                time.sleep(0.1)
            seconds = vm.elapsed()
            time.sleep(0.3)
            console.poll(final=True)
            server_log.poll(final=True)
            if not match:
                why = "timed out" if vm.alive() else f"QEMU exited ({vm.process.returncode})"
                print(f"\ndemo: FAILED: the VM did not boot ({why} after {seconds:.0f} s)", flush=True)
                print(e.exchange_summary(sniffer, mac), flush=True)
                return 1
            try:
                vm.wait_exit(20)
            except TimeoutError:
                vm.kill()
            pxe = [p for p in sniffer.requests_from(mac) if e.is_pxe(p)]
            acks = [r for r in sniffer.replies_to(mac) if r.msg_type == e.dc.ACK]
            dhcp = f"{acks[0].time - pxe[0].time:.1f} s" if pxe and acks else "n/a"
            t = sniffer.tftp
            span = (t.last_data - t.first_request) if t.first_request and t.last_data else 0.0
            rate = f"{t.data_bytes / span / 1e6:.1f} MB/s" if span > 0 else "n/a"
            proto = "tftp" if args.tftp else "http"
            fetched = e.fetch_times(daemon.log())[proto]
    if len(fetched) == 2:
        size = sum(b for b, _ in fetched.values())
        took = sum(s for _, s in fetched.values())
        speed = f"{size / took / 1e6:.1f} MB/s" if took > 0 else "instant"
        kernel = f"kernel+initrd {size / 1e6:.1f} MB over {proto.upper()} in {took:.2f} s ({speed})"
    else:
        kernel = f"kernel+initrd over {proto.upper()}: not seen in netbootd's log"
    print(f"\nVM booted over the network from netbootd in {seconds:.0f} s: {kernel}; "
          f"DHCP {dhcp}, TFTP {t.data_bytes / 1e6:.1f} MB in all at {rate}; address {match.group('ip')}; "
          f"network, VM and daemon removed.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
