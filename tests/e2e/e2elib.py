"""Real-firmware end-to-end tests of netbootd: QEMU (TCG) machines PXE-boot from the daemon.

Topology (everything private to the test, named nbd-<pid>-..., removed whatever happens):

    server namespace                     client namespace
    netbootd, [http.server],             bridge <- veth end
    packet sniffer on the veth  <veth>   bridge <- tap <- QEMU (-netdev tap, -nodefaults)

The QEMU NIC is only ever attached to that tap: no user-mode networking, no host bridge.
The boot tree comes from tests/e2e/prepare.sh (cached in tests/e2e/cache/).

Built on tests/support (netns.NetnsPair, daemon.Netbootd, dhcp_client's option codec).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("NETBOOT_SOURCE_DIR") or HERE.parents[1])
sys.path.insert(0, str(SOURCE_DIR / "tests" / "support"))

import dhcp_client as dc  # noqa: E402
import netns  # noqa: E402

CACHE = Path(os.environ.get("NETBOOT_E2E_CACHE") or HERE / "cache")
TREE = CACHE / "tftpboot"
MARKER_RE = r"NETBOOTD-E2E-OK ip=(?P<ip>[0-9.]+) mac=(?P<mac>[0-9a-f:]+)"
# Dead ends on the console: stop waiting at once (the firmware would try other ways for minutes).
FAIL_RE = (r"NETBOOTD-E2E-FAIL.*|Kernel panic.*|No more network devices|No bootable device"
           r"|PXE-E\d\d: .*|BdsDxe: failed to load Boot\d+ \"UEFI (PXE|HTTP)v4.*")

QEMU = "qemu-system-x86_64"
ROM_DIR = Path("/usr/lib/ipxe/qemu")
BIOS_ROM = ROM_DIR / "pxe-e1000.rom"       # iPXE legacy PXE ROM (ipxe-qemu)
EFI_ROM = ROM_DIR / "efi-e1000.rom"        # iPXE EFI driver ROM: iPXE is the UEFI PXE client
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
# OVMF's fw_cfg switches (OvmfPkg: opt/org.tianocore/...): without its PXE boot options, the
# first network boot option it tries is "UEFI HTTPv4" (HttpBootDxe), which sends HTTPClient.
OVMF_HTTP_BOOT_ONLY = ["-fw_cfg", "name=opt/org.tianocore/IPv4PXESupport,string=n",
                       "-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=n"]

# The UUID of firmware-requests.md; option 97 carries it in SMBIOS byte order.
UUID_ALLOWED = "4c414230-1234-4567-89ab-cdef00770001"
UUID_OTHER = "4c414230-1234-4567-89ab-cdef00770099"

# Wall-clock bounds under TCG on a 2-core machine (measured: see docs/e2e.md), with margin.
BIOS_BOOT_TIMEOUT = float(os.environ.get("NETBOOT_E2E_BIOS_TIMEOUT", "90"))
UEFI_BOOT_TIMEOUT = float(os.environ.get("NETBOOT_E2E_UEFI_TIMEOUT", "120"))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Preconditions (exit 77 with a clear message)
# --------------------------------------------------------------------------------------------

def require_qemu(firmware: str = "bios") -> None:
    netns.require_netns()
    if shutil.which(QEMU) is None:
        netns.skip(f"{QEMU} not found (scripts/deps.sh e2e installs qemu-system-x86)")
    needed = [BIOS_ROM] if firmware == "bios" else [EFI_ROM, OVMF_CODE, OVMF_VARS]
    for path in needed:
        if not path.exists():
            netns.skip(f"{path} not found (scripts/deps.sh e2e installs ipxe-qemu and ovmf)")
    if not os.path.exists("/dev/net/tun"):
        netns.skip("/dev/net/tun missing: QEMU needs a tap device")


def ensure_boot_tree() -> Path:
    """Run prepare.sh (fast when cached). Skips the test when a package/download is missing."""
    proc = subprocess.run(["bash", str(HERE / "prepare.sh"), str(CACHE)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    if proc.returncode == 77:
        netns.skip(f"boot tree not available: {proc.stdout.strip()}")
    if proc.returncode != 0:
        raise RuntimeError(f"prepare.sh failed ({proc.returncode}):\n{proc.stdout}")
    return TREE


def vm_mac(n: int) -> str:
    """A locally unique QEMU MAC (52:54:00 is QEMU's prefix) per test process and VM."""
    pid = os.getpid()
    return f"52:54:00:{(pid >> 8) & 0xff:02x}:{pid & 0xff:02x}:{n & 0xff:02x}"


# --------------------------------------------------------------------------------------------
# Network: bridge + tap in the client namespace
# --------------------------------------------------------------------------------------------

class VmLink:
    """A bridge in the client namespace joining the veth end and a tap device for QEMU."""

    def __init__(self, pair: "netns.NetnsPair"):
        self.pair = pair
        base = f"{netns.PREFIX}{pair.pid}-{pair.id}"
        self.bridge = f"{base}b"
        self.tap = f"{base}t"
        ns = pair.client_ns
        run = lambda *a: pair.run(["ip", "-n", ns, *a], timeout=10)  # noqa: E731
        run("link", "add", self.bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0")
        run("link", "set", pair.client_if, "master", self.bridge)
        run("tuntap", "add", "dev", self.tap, "mode", "tap")
        run("link", "set", self.tap, "master", self.bridge)
        run("link", "set", self.tap, "up")
        run("link", "set", self.bridge, "up")


# --------------------------------------------------------------------------------------------
# Packet sniffer on the server's veth end (AF_PACKET): DHCP packets and TFTP statistics
# --------------------------------------------------------------------------------------------

@dataclass
class DhcpSeen:
    time: float
    frame_src_port: int
    frame_dst_port: int
    payload: bytes
    op: int
    xid: int
    mac: str
    options: Dict[int, bytes]

    @property
    def msg_type(self) -> Optional[int]:
        v = self.options.get(dc.OPT_MESSAGE_TYPE)
        return v[0] if v else None

    @property
    def name(self) -> str:
        return dc.MESSAGE_TYPE_NAMES.get(self.msg_type or 0, "BOOTP")


@dataclass
class TftpStats:
    requests: List[str] = field(default_factory=list)
    data_bytes: int = 0
    first_request: Optional[float] = None
    last_data: Optional[float] = None


class Sniffer:
    """Records every DHCP packet and TFTP request/data block crossing the server's veth end."""

    def __init__(self, ns: str, ifname: str):
        def setup(sock: socket.socket) -> None:
            sock.bind((ifname, 0x0003))  # ETH_P_ALL
        self.sock = netns.socket_in_ns(ns, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003), setup)
        self.sock.settimeout(0.2)
        self.dhcp: List[DhcpSeen] = []
        self.tftp = TftpStats()
        self._tftp_ports: set = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="sniffer", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()

    def __enter__(self) -> "Sniffer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self.sock.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self._handle(time.monotonic(), frame)

    def _handle(self, now: float, frame: bytes) -> None:
        if len(frame) < 42 or frame[12:14] != b"\x08\x00":
            return
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 17:  # UDP
            return
        udp = 14 + ihl
        sport, dport, ulen = struct.unpack("!HHH", frame[udp:udp + 6])
        payload = frame[udp + 8:udp + ulen]
        with self._lock:
            # 4011: PXE boot server discovery (a PXE client asks there when an offer names
            # PXEClient without saying how to boot).
            if {sport, dport} & {67, 68, 4011} and len(payload) >= 240:
                mac = dc.mac_str(payload[28:34])
                options = {}
                if payload[236:240] == dc.MAGIC_COOKIE:
                    options, _ = dc.decode_options(payload[240:])
                xid = struct.unpack("!I", payload[4:8])[0]
                self.dhcp.append(DhcpSeen(now, sport, dport, bytes(payload), payload[0], xid, mac, options))
            elif dport == 69 and len(payload) > 4 and payload[1] == 1:  # RRQ
                name = payload[2:].split(b"\0", 1)[0].decode("ascii", "replace")
                self.tftp.requests.append(name)
                if self.tftp.first_request is None:
                    self.tftp.first_request = now
                self._tftp_ports.add(sport)
            elif dport in self._tftp_ports and len(payload) >= 4 and payload[1] == 3:  # DATA
                self.tftp.data_bytes += len(payload) - 4
                self.tftp.last_data = now

    # -- queries -----------------------------------------------------------------------------
    def packets(self, mac: Optional[str] = None, op: Optional[int] = None) -> List[DhcpSeen]:
        with self._lock:
            return [p for p in self.dhcp if (mac is None or p.mac == mac) and (op is None or p.op == op)]

    def requests_from(self, mac: str) -> List[DhcpSeen]:
        return self.packets(mac, dc.BOOTREQUEST)

    def replies_to(self, mac: str) -> List[DhcpSeen]:
        return self.packets(mac, dc.BOOTREPLY)

    def wait_request(self, mac: str, timeout: float, count: int = 1) -> List[DhcpSeen]:
        return netns.wait_for(lambda: len(self.requests_from(mac)) >= count and self.requests_from(mac),
                              timeout=timeout, interval=0.1, what=f"{count} DHCP request(s) from {mac}")


class RouterAdvertiser:
    """Sends a bare IPv6 router advertisement (no prefix, M=O=0, router lifetime 0) to
    ff02::1 on the server's veth end twice a second. iPXE configures IPv6 alongside DHCPv4 and
    otherwise waits ~13 s for a router before it loads anything (firmware-requests.md): with
    an RA it finishes at once. Link-local only, inside the test's namespaces."""

    RA = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)  # RFC 4861 4.2; kernel sums it

    def __init__(self, ns: str, ifname: str, interval: float = 0.5):
        self.ifname, self.interval = ifname, interval

        def setup(sock: socket.socket) -> None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)  # RFC 4861 6.1.2
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, self._index)
        self._index = int(netns.run(["cat", f"/sys/class/net/{ifname}/ifindex"], ns=ns, timeout=5).stdout)
        self.sock = netns.socket_in_ns(ns, socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6, setup)
        self._stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._loop, name="ra", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sock.sendto(self.RA, ("ff02::1", 0, 0, self._index))
                self.sent += 1
            except OSError:
                pass  # the link-local address may still be tentative (DAD): try again

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


class Testbed:
    """What every end-to-end test needs around a NetnsPair: the VM's bridge + tap, the
    sniffer and (unless disabled) the router advertiser. Closed in reverse order."""

    def __init__(self, pair: "netns.NetnsPair", router_advertisements: bool = True):
        self.pair = pair
        self.link = VmLink(pair)
        self.sniffer = Sniffer(pair.server_ns, pair.server_if)
        self.ra = RouterAdvertiser(pair.server_ns, pair.server_if) if router_advertisements else None

    def __enter__(self) -> "Testbed":
        return self

    def __exit__(self, *exc) -> None:
        if self.ra:
            self.ra.close()
        self.sniffer.close()


def is_pxe(p: DhcpSeen) -> bool:
    return p.options.get(dc.OPT_VENDOR_CLASS, b"").startswith(b"PXEClient")


def arch_of(p: DhcpSeen) -> Optional[int]:
    v = p.options.get(dc.OPT_CLIENT_ARCH)
    return struct.unpack("!H", v[:2])[0] if v and len(v) >= 2 else None


def exchange_summary(sniffer: Sniffer, mac: str) -> str:
    lines = []
    t0 = None
    for p in sniffer.packets(mac):
        t0 = p.time if t0 is None else t0
        opt60 = p.options.get(dc.OPT_VENDOR_CLASS, b"").decode("ascii", "replace")
        file_ = p.payload[108:236].split(b"\0", 1)[0].decode("ascii", "replace")
        yi = socket.inet_ntoa(p.payload[16:20])
        lines.append(f"  +{p.time - t0:6.2f}s {p.name:8} {p.frame_src_port}->{p.frame_dst_port} xid={p.xid:08x} "
                     f"vc={opt60!r} yiaddr={yi} file={file_!r}")
    return "\n".join(lines) or "  (no DHCP packet)"


# --------------------------------------------------------------------------------------------
# QEMU machine
# --------------------------------------------------------------------------------------------

class Vm:
    """A QEMU/TCG machine in the client namespace, NIC on the tap, serial console to a file."""

    def __init__(self, pair: "netns.NetnsPair", link: VmLink, *, firmware: str = "bios",
                 mac: str, uuid: Optional[str] = UUID_ALLOWED, nic: str = "e1000",
                 romfile: Optional[str] = None, name: str = "vm", memory: int = 256,
                 extra_argv: Optional[List[str]] = None):
        self.pair = pair
        self.firmware = firmware
        self.mac = mac
        self.console = pair.path(f"{name}-console.log")
        self.console.write_bytes(b"")
        self.qemu_log = pair.path(f"{name}-qemu.log")
        if romfile is None:
            romfile = str(BIOS_ROM if firmware == "bios" else EFI_ROM)
        argv = [QEMU, "-nodefaults", "-machine", "pc" if firmware == "bios" else "q35",
                "-accel", "tcg", "-m", str(memory), "-smp", "1",
                "-display", "none", "-monitor", "none", "-no-reboot",
                "-serial", f"file:{self.console}",
                "-netdev", f"tap,id=n0,ifname={link.tap},script=no,downscript=no",
                "-device", f"{nic},netdev=n0,mac={mac},romfile={romfile},bootindex=1"]
        if uuid:
            argv += ["-uuid", uuid]
        if firmware == "uefi":
            vars_copy = pair.path(f"{name}-OVMF_VARS.fd")
            shutil.copyfile(OVMF_VARS, vars_copy)
            argv += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                     "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
        else:
            # SeaBIOS mirrors its text screen (its own, iPXE's and pxelinux's messages) to the
            # serial port named by fw_cfg etc/sercon-port (a little-endian integer file).
            sercon = pair.path(f"{name}-sercon-port")
            sercon.write_bytes(struct.pack("<H", 0x3F8))
            argv += ["-boot", "n", "-fw_cfg", f"name=etc/sercon-port,file={sercon}"]
        argv += extra_argv or []
        self.argv = argv
        self.started = time.monotonic()
        self.process = pair.spawn(argv, ns=pair.client_ns, log=self.qemu_log)

    def alive(self) -> bool:
        return self.process.alive()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def console_text(self) -> str:
        return netns.read_text(self.console)

    def wait_marker(self, timeout: float) -> "re.Match[str]":
        """Wait for the initramfs' success marker; fail early on a failure marker or exit."""
        pattern = re.compile(f"(?P<ok>{MARKER_RE})|(?P<fail>{FAIL_RE})", re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            text = self.console_text()
            m = pattern.search(text)
            if m and m.group("ok"):
                return re.search(MARKER_RE, m.group("ok"))
            if m and m.group("fail"):
                raise AssertionError(f"VM failed: {m.group('fail')!r}\n{self.tail()}")
            if not self.alive():
                raise AssertionError(f"QEMU exited ({self.process.returncode}) without the marker\n"
                                     f"{self.tail()}\nqemu: {netns.read_text(self.qemu_log)[-2000:]}")
            if time.monotonic() >= deadline:
                raise AssertionError(f"no marker after {timeout:.0f}s\n{self.tail()}")
            time.sleep(0.2)

    def wait_exit(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def kill(self) -> None:
        self.process.kill(grace=0.5)

    def tail(self, chars: int = 3000) -> str:
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.console_text())
        return "---- serial console (tail) ----\n" + text[-chars:]


# --------------------------------------------------------------------------------------------
# netbootd configuration and log checks
# --------------------------------------------------------------------------------------------

def netbootd_config(root: str, *, access: str = "", extra: str = "", level: str = "info") -> str:
    """INI text for daemon.Netbootd ({placeholders} filled by it)."""
    access_line = f"access = {access}\n" if access else ""
    return f"""[logger]
type = stderr
level = {level}

[bootp]
pool_start = {{pool_start}}
pool_count = 20
lease_file = {{lease_file}}
allow_simple_dhcp = disable
{access_line}
[bootfile]
; BIOS (and anything else): pxelinux; UEFI firmware's own PXE: iPXE; a client already
; running iPXE (QEMU's UEFI ROM, or snponly.efi) gets a script, never iPXE again.
default = pxelinux.0
00007 = snponly.efi
ipxe.00007 = boot.ipxe

[tftp]
root = {root}

[filters]
; one configuration for every client (the pybootd README's example)
pxelinux.cfg/* = {TREE}/pxe.cfg
{extra}"""


# The kernel command line of pxe.cfg and boot.ipxe, for the boot profile of the HTTP tests.
E2E_CMDLINE = "console=ttyS0,115200 quiet panic=-1 net.ifnames=0"


def profile_config(root: str, *, extra: str = "", level: str = "info") -> str:
    """netbootd_config plus the HTTP service and a boot profile every machine gets (issue 20):
    iPXE is handed its generated script (boot/<mac>.ipxe over HTTP), which fetches the kernel
    and initramfs from netbootd's HTTP service instead of TFTP."""
    return netbootd_config(root, level=level, extra=f"""
[httpd]
enable = yes

[profile e2e]
kernel = vmlinuz
initrd = initrd.img
cmdline = {E2E_CMDLINE}

[hosts]
default = e2e
{extra}""")


# netbootd's log lines of a finished download: HTTP `GET "/vmlinuz" 200 bytes=N seconds=S`,
# TFTP `vmlinuz completed: N bytes in S s`.
HTTP_DONE_RE = re.compile(r'GET "/(?P<name>[^"]+)" 200 bytes=(?P<bytes>\d+) seconds=(?P<seconds>[0-9.]+)')
TFTP_DONE_RE = re.compile(r" (?P<name>\S+) completed: (?P<bytes>\d+) bytes in (?P<seconds>[0-9.]+) s")


def fetch_times(log_text: str, names=("vmlinuz", "initrd.img")) -> Dict[str, Dict[str, tuple]]:
    """{"http": {name: (bytes, seconds)}, "tftp": {...}} for the named files, from the daemon's
    log (the last completed fetch of each)."""
    out: Dict[str, Dict[str, tuple]] = {"http": {}, "tftp": {}}
    for proto, pattern in (("http", HTTP_DONE_RE), ("tftp", TFTP_DONE_RE)):
        for m in pattern.finditer(log_text):
            if m.group("name") in names:
                out[proto][m.group("name")] = (int(m.group("bytes")), float(m.group("seconds")))
    return out


def mac_variants(mac: str) -> List[str]:
    return [mac.lower(), mac.upper(), mac.replace(":", "-").lower(), mac.replace(":", "-").upper()]


def phase_lines(log_text: str, mac: str) -> List[str]:
    macs = mac_variants(mac)
    return [line for line in log_text.splitlines() if any(m in line for m in macs)]


def log_phase(line: str) -> str:
    """The boot phase a netbootd DHCP log line is about: "pxe" or "os". An explicit
    "phase pxe|os" wins; otherwise netbootd's request lines name the PXE firmware's
    architecture ("arch 0 iPXE") and a plain OS client's carry no arch."""
    m = re.search(r"(?i)\bphase[ =:]+(pxe|os)\b", line)
    if m:
        return m.group(1).lower()
    return "pxe" if re.search(r"\barch \d+|PXEClient", line) else "os"


def check_phases(log_text: str, mac: str) -> str:
    """netbootd's log must show an ACK to this MAC in the PXE phase, then one in the OS phase.
    Returns the two lines; raises AssertionError otherwise."""
    lines = phase_lines(log_text, mac)
    acks = [(log_phase(l), l.strip()) for l in lines if re.search(r"\bDHCPACK\b", l)]
    pxe = next((i for i, (phase, _) in enumerate(acks) if phase == "pxe"), None)
    os_ = next((i for i, (phase, _) in enumerate(acks) if phase == "os" and pxe is not None and i > pxe), None)
    if pxe is None or os_ is None:
        raise AssertionError(f"netbootd's log does not show an ACK in the PXE then the OS phase "
                             f"for {mac}:\n" + "\n".join(lines[-30:]))
    return f"PXE phase: {acks[pxe][1]}\nOS phase:  {acks[os_][1]}"


# --------------------------------------------------------------------------------------------
# One network boot, checked end to end
# --------------------------------------------------------------------------------------------

@dataclass
class BootResult:
    ip: str
    mac: str
    seconds: float                 # QEMU start -> marker on the serial console
    first_request: float           # QEMU start -> first DHCP request seen on the wire
    pxe_dhcp: float                # first PXE request -> first ACK to it (the firmware's DHCP)
    tftp_bytes: int
    tftp_seconds: float            # first RRQ -> last DATA block
    tftp_files: List[str]
    pxe_request: DhcpSeen
    os_request: DhcpSeen

    def summary(self) -> str:
        rate = self.tftp_bytes / self.tftp_seconds / 1e6 if self.tftp_seconds > 0 else 0.0
        return (f"booted in {self.seconds:.1f} s (first DHCP request at {self.first_request:.1f} s, "
                f"firmware DHCP {self.pxe_dhcp:.2f} s, TFTP {self.tftp_bytes / 1e6:.1f} MB in "
                f"{self.tftp_seconds:.1f} s = {rate:.2f} MB/s, files {', '.join(self.tftp_files)})")


def boot(bed: Testbed, daemon, *, firmware: str,
         mac: str, timeout: float, uuid: Optional[str] = UUID_ALLOWED, arch: int,
         expect_ipxe: bool = True, nic: str = "e1000", romfile: Optional[str] = None,
         name: str = "vm") -> BootResult:
    """Boot one VM to the initramfs marker and check everything the issue asks for:
    the firmware's PXE request (options 60/93/94/97), the offer in the pool, the OS-phase plain
    DHCP request from the same MAC, netbootd's log (PXE then OS phase) and a clean power-off."""
    pair, sniffer = bed.pair, bed.sniffer
    vm = Vm(pair, bed.link, firmware=firmware, mac=mac, uuid=uuid, nic=nic, romfile=romfile, name=name)
    log(f"{name}: {firmware} VM {mac} started (bound {timeout:.0f} s)")
    try:
        match = vm.wait_marker(timeout)
    except AssertionError as err:
        raise AssertionError(f"{err}\nDHCP seen on the wire:\n{exchange_summary(sniffer, mac)}\n"
                             f"TFTP requests: {sniffer.tftp.requests}") from None
    seconds = vm.elapsed()
    ip = match.group("ip")
    log(f"{name}: marker after {seconds:.1f} s: {match.group(0)}")
    assert match.group("mac") == mac, f"marker from another MAC: {match.group(0)}"
    assert ipaddress.IPv4Address(ip) in pair.network, f"address {ip} outside {pair.network}"

    requests = sniffer.requests_from(mac)
    pxe = [p for p in requests if is_pxe(p)]
    plain = [p for p in requests if not is_pxe(p)]
    assert pxe, f"no PXE request from {mac}:\n{exchange_summary(sniffer, mac)}"
    first = pxe[0]
    for code in (dc.OPT_VENDOR_CLASS, dc.OPT_CLIENT_ARCH, dc.OPT_CLIENT_NDI, dc.OPT_CLIENT_UUID):
        assert code in first.options, f"firmware request lacks option {code}: {first.options}"
    assert arch_of(first) == arch, f"firmware reported arch {arch_of(first)}, expected {arch}"
    if uuid:
        assert first.options[dc.OPT_CLIENT_UUID] == b"\0" + dc.uuid_smbios(uuid), "option 97 != -uuid"
    if expect_ipxe:
        assert first.options.get(dc.OPT_USER_CLASS) == b"iPXE", "expected iPXE's user class"
    assert plain, f"no OS-phase (plain DHCP) request from {mac}:\n{exchange_summary(sniffer, mac)}"
    replies = sniffer.replies_to(mac)
    acks = [r for r in replies if r.msg_type == dc.ACK]
    pxe_acks = [r for r in acks if r.time < plain[0].time]
    assert pxe_acks, f"no ACK in the PXE phase:\n{exchange_summary(sniffer, mac)}"
    assert any(r.time > plain[0].time for r in acks), "no ACK in the OS phase"
    assert socket.inet_ntoa(acks[-1].payload[16:20]) == ip, "marker address != ACKed address"

    explanation = check_phases(daemon.log(), mac)
    log(f"{name}: netbootd log:\n{explanation}")
    try:
        vm.wait_exit(30)  # the initramfs powers off
    except TimeoutError:
        raise AssertionError(f"VM did not power off after the marker\n{vm.tail()}") from None
    t = sniffer.tftp
    return BootResult(
        ip=ip, mac=mac, seconds=seconds, first_request=requests[0].time - vm.started,
        pxe_dhcp=pxe_acks[0].time - first.time, tftp_bytes=t.data_bytes,
        tftp_seconds=(t.last_data - t.first_request) if t.first_request and t.last_data else 0.0,
        tftp_files=list(dict.fromkeys(t.requests)), pxe_request=first, os_request=plain[0])


def wait_no_offer(bed: Testbed, *, firmware: str, mac: str,
                  uuid: Optional[str], requests: int = 3, timeout: float = 60.0, name: str = "refused") -> int:
    """Start a VM that must be refused: wait (bounded) until its firmware has sent `requests`
    DHCP requests, then assert that no reply ever reached it. Returns the request count."""
    sniffer = bed.sniffer
    vm = Vm(bed.pair, bed.link, firmware=firmware, mac=mac, uuid=uuid, name=name)
    log(f"{name}: {firmware} VM {mac} uuid {uuid} started; expecting no offer")
    # Bounded; stops at the first reply (a failure) or after `requests` requests.
    netns.wait_for(lambda: sniffer.replies_to(mac) or len(sniffer.requests_from(mac)) >= requests,
                   timeout=timeout, interval=0.1, what=f"{requests} DHCP requests from {mac}")
    time.sleep(1.0)  # an answer to the last request would be on the wire by now
    vm.kill()
    replies = sniffer.replies_to(mac)
    assert not replies, f"refused client got replies:\n{exchange_summary(sniffer, mac)}"
    return len(sniffer.requests_from(mac))
