#!/usr/bin/env python3
"""Record real DHCP requests as golden captures for the DHCP codec's unit tests.

    sudo python3 tests/e2e/record_captures.py [--out tests/data/captures/recorded] [names...]
    sudo NETBOOTD=build/netbootd python3 tests/e2e/record_captures.py --with-server [vm names...]

Each client runs in a private client namespace (QEMU on a tap bridged to the veth, or the
DHCP client directly on the veth); an AF_PACKET socket on the server end records what arrives.
Without --with-server no server answers, so only the first DISCOVER of each client is
recorded (its UDP payload, as hex, with a header saying how it was recorded); with it,
netbootd answers the VMs and their REQUEST, boot-server request (port 4011) and OS-phase
DISCOVER/REQUEST are recorded too. Names: seabios-ipxe, ovmf-ipxe, ovmf-edk2, ovmf-http
(OVMF's UEFI HTTP boot: its PXE options switched off by fw_cfg), udhcpc, dhclient (default: all).
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import subprocess
import sys
import time
from pathlib import Path

import e2elib as e
from e2elib import netns

OUT = e.SOURCE_DIR / "tests" / "data" / "captures" / "recorded"


def qemu_version() -> str:
    out = subprocess.run([e.QEMU, "--version"], capture_output=True, text=True, timeout=10).stdout
    return out.splitlines()[0] if out else "qemu"


def pkg_version(pkg: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True,
                         timeout=10).stdout
    return f"{pkg} {out or '?'}"


VMS = {
    # name: (firmware, nic, romfile, description)
    "seabios-ipxe": ("bios", "e1000", str(e.BIOS_ROM),
                     f"SeaBIOS ({pkg_version('seabios')}) + iPXE PXE ROM {e.BIOS_ROM} ({pkg_version('ipxe-qemu')})"),
    "ovmf-ipxe": ("uefi", "e1000", str(e.EFI_ROM),
                  f"OVMF {e.OVMF_CODE} ({pkg_version('ovmf')}) + iPXE EFI ROM {e.EFI_ROM} ({pkg_version('ipxe-qemu')})"),
    "ovmf-edk2": ("uefi", "virtio-net-pci", "",
                  f"OVMF {e.OVMF_CODE} ({pkg_version('ovmf')}) own EDK2 PXE over virtio-net (no option ROM)"),
    "ovmf-http": ("uefi", "virtio-net-pci", "",
                  f"OVMF {e.OVMF_CODE} ({pkg_version('ovmf')}) own EDK2 HTTP boot (\"UEFI HTTPv4\") over virtio-net, "
                  f"PXE off by fw_cfg ({' '.join(e.OVMF_HTTP_BOOT_ONLY)})"),
}
EXTRA_ARGV = {"ovmf-http": e.OVMF_HTTP_BOOT_ONLY}
CLIENTS = {
    "udhcpc": (["udhcpc", "-f", "-n", "-q", "-t", "3", "-T", "2", "-s", "/bin/true", "-i", "{ifname}"],
               f"busybox udhcpc ({pkg_version('udhcpc')}), default options: "
               "udhcpc -f -n -q -s /bin/true -i <veth>"),
    "dhclient": (["dhclient", "-4", "-d", "-1", "-sf", "/bin/true", "-lf", "{tmp}/dhclient.leases",
                  "-pf", "{tmp}/dhclient.pid", "{ifname}"],
                 f"ISC dhclient ({pkg_version('isc-dhcp-client')}): dhclient -4 -d -1 -sf /bin/true <veth>"),
}


def write_capture(path: Path, packet: e.DhcpSeen, how: str, extra: str = "") -> None:
    payload = packet.payload
    lines = [
        f"# {path.stem}: {packet.name} as sent by a real client, recorded by tests/e2e/record_captures.py",
        f"# client: {how}",
        f"# recorded {datetime.date.today().isoformat()} on Debian 12, QEMU TCG ({qemu_version()}),",
        "# in a private network namespace (veth; AF_PACKET socket on the server end).",
        f"# client MAC {packet.mac}, xid {packet.xid:#010x}, {len(payload)} bytes of UDP payload "
        f"({packet.frame_src_port} -> {packet.frame_dst_port}).",
    ]
    if extra:
        lines += [f"# {line}" for line in extra.splitlines()]
    lines.append("# Format: '#' comment lines, then the UDP payload as hex, 16 bytes per line.")
    for i in range(0, len(payload), 16):
        lines.append(" ".join(f"{b:02x}" for b in payload[i:i + 16]))
    path.write_text("\n".join(lines) + "\n")
    e.log(f"wrote {path} ({len(payload)} bytes)")


def describe(p: e.DhcpSeen) -> str:
    out = []
    for code in (53, 55, 57, 60, 61, 77, 93, 94, 97, 175):
        if code in p.options:
            v = p.options[code]
            text = v.decode("ascii", "replace") if code in (60, 77) and v.isascii() else v.hex(" ")
            out.append(f"option {code} = {text}")
    return "\n".join(out)


def record_vm(name: str, out: Path, timeout: float) -> None:
    firmware, nic, romfile, how = VMS[name]
    e.require_qemu(firmware)
    with netns.NetnsPair() as pair, e.Testbed(pair) as bed:
        mac = e.vm_mac(len(name))
        vm = e.Vm(pair, bed.link, firmware=firmware, mac=mac, uuid=e.UUID_ALLOWED, nic=nic,
                  romfile=romfile, name=name, extra_argv=EXTRA_ARGV.get(name))
        first = bed.sniffer.wait_request(mac, timeout=timeout)[0]
        e.log(f"{name}: first {first.name} after {first.time - vm.started:.1f}s")
        vm.kill()
        write_capture(out / f"{name}-discover.hex", first,
                      f"{how}; qemu -uuid {e.UUID_ALLOWED} -device {nic},mac={mac}",
                      f"no server answered; first request {first.time - vm.started:.1f} s after QEMU started\n"
                      + describe(first))


def record_vm_with_server(name: str, out: Path, timeout: float) -> None:
    """With netbootd answering (tests/e2e config): the firmware's REQUEST, and its PXE boot
    server request to port 4011 when it sends one (EDK2 does for an offer naming PXEClient
    without PXE option 43)."""
    from daemon import Netbootd
    firmware, nic, romfile, how = VMS[name]
    e.require_qemu(firmware)
    e.ensure_boot_tree()
    with netns.NetnsPair() as pair, e.Testbed(pair) as bed, \
            Netbootd(e.netbootd_config(str(e.TREE)), pair=pair) as daemon:
        mac = e.vm_mac(len(name))
        vm = e.Vm(pair, bed.link, firmware=firmware, mac=mac, uuid=e.UUID_ALLOWED, nic=nic,
                  romfile=romfile, name=name, extra_argv=EXTRA_ARGV.get(name))
        try:
            vm.wait_marker(timeout)
        except AssertionError as err:
            e.log(f"{name}: no complete boot ({str(err).splitlines()[0]}); recording what was sent")
        vm.kill()
        requests = bed.sniffer.requests_from(mac)
        server = f"netbootd ({daemon.binary}) answering with the tests/e2e configuration"
        picks = {
            "request": next((p for p in requests if p.msg_type == 3 and p.frame_dst_port == 67 and e.is_pxe(p)), None),
            "bootserver-request": next((p for p in requests if p.frame_dst_port == 4011), None),
            "os-discover": next((p for p in requests if p.msg_type == 1 and not e.is_pxe(p)), None),
            "os-request": next((p for p in requests if p.msg_type == 3 and not e.is_pxe(p)), None),
        }
        for suffix, packet in picks.items():
            if packet is None:
                continue
            client = how if not suffix.startswith("os-") else \
                f"the e2e initramfs' busybox-static udhcpc (OS phase) after {how}"
            write_capture(out / f"{name}-{suffix}.hex", packet,
                          f"{client}; qemu -uuid {e.UUID_ALLOWED} -device {nic},mac={mac}",
                          f"{server}\nsent {packet.time - vm.started:.1f} s after QEMU started\n" + describe(packet))


def record_client(name: str, out: Path, timeout: float) -> None:
    argv_t, how = CLIENTS[name]
    netns.require_netns()
    if shutil.which(argv_t[0]) is None:
        netns.skip(f"{argv_t[0]} missing (scripts/deps.sh test)")
    with netns.NetnsPair() as pair:
        with e.Sniffer(pair.server_ns, pair.server_if) as sniffer:
            mac = pair.mac("client")
            argv = [a.format(ifname=pair.client_if, tmp=pair.tmpdir) for a in argv_t]
            started = time.monotonic()
            proc = pair.spawn(argv, ns=pair.client_ns, log=pair.path(f"{name}.log"))
            first = sniffer.wait_request(mac, timeout=timeout)[0]
            proc.kill(grace=0.2)
            write_capture(out / f"{name}-discover.hex", first, how,
                          f"no server answered; first request {first.time - started:.1f} s after start\n"
                          + describe(first))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--timeout", type=float, default=120.0, help="bound per client, seconds")
    parser.add_argument("--with-server", action="store_true",
                        help="VMs only: let netbootd ($NETBOOTD) answer and record the later requests")
    parser.add_argument("names", nargs="*", default=list(VMS) + list(CLIENTS))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names:
        if name in VMS and args.with_server:
            record_vm_with_server(name, args.out, args.timeout)
        elif name in VMS:
            record_vm(name, args.out, args.timeout)
        elif name in CLIENTS:
            record_client(name, args.out, args.timeout)
        else:
            parser.error(f"unknown client {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
