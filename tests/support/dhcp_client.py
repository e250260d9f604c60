"""A crafted DHCP client for integration tests: plain struct packing, no scapy.

Sends through a UDP socket bound to 0.0.0.0:68 with SO_BINDTODEVICE + SO_BROADCAST inside the
client namespace (source port 68, as real clients); receives through an AF_PACKET socket on the
same interface, so that replies are seen whatever their destination (broadcast, unicast to the
offered address at our MAC, unicast to a configured ciaddr) and the test can check where the
server sent them (Reply.dst_ip, Reply.dst_mac, Reply.src_port...).

Packets are values: build one with DhcpPacket(...) / the make_* helpers, send it with
DhcpClient.send(), read replies with DhcpClient.receive(); or use the one-call exchanges
(discover(), request_selecting(), ...). Every receive is bounded by a timeout.
"""

from __future__ import annotations

import random
import select
import socket
import struct
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import netns

# RFC 2131 / RFC 2132 constants
BOOTREQUEST, BOOTREPLY = 1, 2
MAGIC_COOKIE = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = 1, 2, 3, 4, 5, 6, 7, 8
MESSAGE_TYPE_NAMES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
                      7: "RELEASE", 8: "INFORM"}
FLAG_BROADCAST = 0x8000

OPT_PAD, OPT_END = 0, 255
OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_HOSTNAME, OPT_DOMAIN = 1, 3, 6, 12, 15
OPT_BOOTFILE_SIZE = 13
OPT_VENDOR_SPECIFIC = 43
OPT_REQUESTED_IP, OPT_LEASE_TIME, OPT_OVERLOAD, OPT_MESSAGE_TYPE = 50, 51, 52, 53
OPT_SERVER_ID, OPT_PARAM_REQUEST, OPT_MESSAGE, OPT_MAX_SIZE = 54, 55, 56, 57
OPT_RENEWAL_T1, OPT_REBINDING_T2 = 58, 59
OPT_VENDOR_CLASS, OPT_CLIENT_ID = 60, 61
OPT_TFTP_SERVER, OPT_BOOTFILE = 66, 67
OPT_USER_CLASS = 77
OPT_CLIENT_ARCH, OPT_CLIENT_NDI, OPT_CLIENT_UUID = 93, 94, 97
OPT_IPXE_ENCAP = 175

_HEADER = struct.Struct("!BBBBIHH4s4s4s4s16s64s128s")  # 236 bytes, RFC 2131 figure 1
BOOTP_MIN_SIZE = 300

OptionValue = Union[bytes, bytearray, str, int, Sequence[int]]


# --------------------------------------------------------------------------------------------
# Option helpers
# --------------------------------------------------------------------------------------------

def ip_bytes(ip: str) -> bytes:
    return socket.inet_aton(ip)


def ip_str(b: bytes) -> str:
    return socket.inet_ntoa(b)


def mac_bytes(mac: Union[str, bytes]) -> bytes:
    if isinstance(mac, (bytes, bytearray)):
        return bytes(mac)
    return bytes(int(x, 16) for x in mac.replace("-", ":").split(":"))


def mac_str(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def uuid_smbios(u: Union[str, uuidlib.UUID]) -> bytes:
    """16 bytes of a UUID in SMBIOS byte order (first three fields little-endian), as PXE
    firmwares put it in option 97."""
    return (u if isinstance(u, uuidlib.UUID) else uuidlib.UUID(str(u))).bytes_le


def _value_bytes(value: OptionValue) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int):
        raise TypeError("give integers as bytes (e.g. struct.pack('!I', n)) or a list of bytes")
    return bytes(value)


def pxe_options(arch: int = 0, undi: Tuple[int, int] = (2, 1),
                uuid: Optional[Union[str, uuidlib.UUID]] = "00000000-0000-0000-0000-000000000000",
                vendor_class: Optional[str] = None) -> Dict[int, bytes]:
    """Options a PXE ROM sends (firmware-requests.md): 60 PXEClient:Arch:NNNNN:UNDI:MMMmmm,
    93 arch, 94 UNDI (type 1, major, minor), 97 type 0 + SMBIOS-order UUID."""
    if vendor_class is None:
        vendor_class = f"PXEClient:Arch:{arch:05d}:UNDI:{undi[0]:03d}{undi[1]:03d}"
    opts = {
        OPT_VENDOR_CLASS: vendor_class.encode(),
        OPT_CLIENT_ARCH: struct.pack("!H", arch),
        OPT_CLIENT_NDI: bytes([1, undi[0], undi[1]]),
    }
    if uuid is not None:
        opts[OPT_CLIENT_UUID] = b"\x00" + uuid_smbios(uuid)
    return opts


# iPXE "feature indicator" encapsulated options in 175 (code, len 1, value 1): HTTP 0x13,
# TFTP 0x15, DNS 0x17, bzImage 0x18, PXE 0x21, EFI 0x24.
IPXE_FEATURES = bytes([0x13, 1, 1, 0x15, 1, 1, 0x17, 1, 1, 0x18, 1, 1, 0x21, 1, 1])


def ipxe_options(user_class: bool = True, encap: bool = True) -> Dict[int, bytes]:
    """What iPXE adds: 77 user class "iPXE" and 175 feature indicators."""
    opts: Dict[int, bytes] = {}
    if user_class:
        opts[OPT_USER_CLASS] = b"iPXE"
    if encap:
        opts[OPT_IPXE_ENCAP] = IPXE_FEATURES
    return opts


def encode_options(options: Union[Dict[int, OptionValue], Iterable[Tuple[int, OptionValue]]],
                   end: bool = True) -> bytes:
    """Encode options in order (dict insertion order or list of (code, value)). Values longer
    than 255 bytes are split into repeated options (RFC 3396). Code 0 adds one PAD byte;
    code 255 an END (use end=False to leave END out, e.g. to test a truncated packet)."""
    items = options.items() if isinstance(options, dict) else options
    out = bytearray()
    for code, value in items:
        if code == OPT_PAD:
            out += b"\x00"
            continue
        if code == OPT_END:
            out += b"\xff"
            continue
        data = _value_bytes(value)
        if not data:
            out += bytes([code, 0])
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            out += bytes([code, len(chunk)]) + chunk
    if end:
        out += b"\xff"
    return bytes(out)


def decode_options(data: bytes) -> Tuple[Dict[int, bytes], List[int]]:
    """Liberal option parser: PAD runs skipped, repeated options concatenated (RFC 3396), a
    truncated trailing option ends parsing. Returns (options, order of first appearance)."""
    options: Dict[int, bytes] = {}
    order: List[int] = []
    i = 0
    while i < len(data):
        code = data[i]
        if code == OPT_PAD:
            i += 1
            continue
        if code == OPT_END:
            break
        if i + 1 >= len(data):
            break
        length = data[i + 1]
        if i + 2 + length > len(data):
            break
        value = data[i + 2:i + 2 + length]
        if code in options:
            options[code] += value
        else:
            options[code] = value
            order.append(code)
        i += 2 + length
    return options, order


# --------------------------------------------------------------------------------------------
# Packet value
# --------------------------------------------------------------------------------------------

@dataclass
class DhcpPacket:
    """A BOOTP/DHCP packet as a value. options: dict code -> value (bytes/str/list of ints),
    encoded in insertion order; put 53 first as clients do. cookie=False makes plain BOOTP."""
    op: int = BOOTREQUEST
    htype: int = 1
    hlen: int = 6
    hops: int = 0
    xid: int = 0
    secs: int = 0
    flags: int = 0
    ciaddr: str = "0.0.0.0"
    yiaddr: str = "0.0.0.0"
    siaddr: str = "0.0.0.0"
    giaddr: str = "0.0.0.0"
    chaddr: Union[str, bytes] = "00:00:00:00:00:00"
    sname: bytes = b""
    file: bytes = b""
    options: Dict[int, OptionValue] = field(default_factory=dict)
    cookie: bool = True
    pad_to: int = BOOTP_MIN_SIZE
    raw_options: Optional[bytes] = None  # overrides options: exact bytes after the cookie

    def to_bytes(self) -> bytes:
        chaddr = mac_bytes(self.chaddr)
        head = _HEADER.pack(self.op, self.htype, self.hlen, self.hops, self.xid, self.secs,
                            self.flags, ip_bytes(self.ciaddr), ip_bytes(self.yiaddr),
                            ip_bytes(self.siaddr), ip_bytes(self.giaddr), chaddr.ljust(16, b"\0"),
                            _value_bytes(self.sname).ljust(64, b"\0")[:64],
                            _value_bytes(self.file).ljust(128, b"\0")[:128])
        body = b""
        if self.cookie:
            body = MAGIC_COOKIE + (self.raw_options if self.raw_options is not None
                                   else encode_options(self.options))
        data = head + body
        if len(data) < self.pad_to:
            data += b"\0" * (self.pad_to - len(data))
        return data


@dataclass
class Reply:
    """A parsed BOOTP/DHCP reply plus where it came from and went to."""
    op: int
    xid: int
    secs: int
    flags: int
    ciaddr: str
    yiaddr: str
    siaddr: str
    giaddr: str
    chaddr: str
    sname: str
    file: str
    options: Dict[int, bytes]
    option_order: List[int]
    has_cookie: bool
    size: int
    raw: bytes
    src_ip: str = ""
    dst_ip: str = ""
    src_port: int = 0
    dst_port: int = 0
    src_mac: str = ""
    dst_mac: str = ""

    @property
    def message_type(self) -> Optional[int]:
        v = self.options.get(OPT_MESSAGE_TYPE)
        return v[0] if v else None

    @property
    def message_type_name(self) -> str:
        t = self.message_type
        return MESSAGE_TYPE_NAMES.get(t, "BOOTP" if t is None else str(t))

    @property
    def broadcast_flag(self) -> bool:
        return bool(self.flags & FLAG_BROADCAST)

    def ip_option(self, code: int) -> Optional[str]:
        v = self.options.get(code)
        return ip_str(v[:4]) if v and len(v) >= 4 else None

    def ip_list_option(self, code: int) -> List[str]:
        v = self.options.get(code, b"")
        return [ip_str(v[i:i + 4]) for i in range(0, len(v) - len(v) % 4, 4)]

    def u32_option(self, code: int) -> Optional[int]:
        v = self.options.get(code)
        return struct.unpack("!I", v[:4])[0] if v and len(v) >= 4 else None

    def str_option(self, code: int) -> Optional[str]:
        v = self.options.get(code)
        return v.rstrip(b"\0").decode("utf-8", "replace") if v is not None else None

    @property
    def server_id(self) -> Optional[str]:
        return self.ip_option(OPT_SERVER_ID)

    @property
    def subnet_mask(self) -> Optional[str]:
        return self.ip_option(OPT_SUBNET_MASK)

    @property
    def routers(self) -> List[str]:
        return self.ip_list_option(OPT_ROUTER)

    @property
    def dns(self) -> List[str]:
        return self.ip_list_option(OPT_DNS)

    @property
    def lease_time(self) -> Optional[int]:
        return self.u32_option(OPT_LEASE_TIME)

    def __str__(self) -> str:
        return (f"{self.message_type_name} xid={self.xid:#010x} yiaddr={self.yiaddr} "
                f"siaddr={self.siaddr} file={self.file!r} {self.src_ip}:{self.src_port}->"
                f"{self.dst_ip}:{self.dst_port} options={sorted(self.options)}")


def parse_reply(data: bytes) -> Optional[Reply]:
    """Parse a BOOTP/DHCP message (None if shorter than the fixed header). Honours option
    overload (52): options in file and/or sname are merged after the main ones."""
    if len(data) < _HEADER.size:
        return None
    (op, _htype, hlen, _hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname,
     bootfile) = _HEADER.unpack_from(data)
    has_cookie = data[_HEADER.size:_HEADER.size + 4] == MAGIC_COOKIE
    options: Dict[int, bytes] = {}
    order: List[int] = []
    if has_cookie:
        options, order = decode_options(data[_HEADER.size + 4:])
        overload = options.get(OPT_OVERLOAD, b"\0")[0] if options.get(OPT_OVERLOAD) else 0
        for flag, area in ((1, bootfile), (2, sname)):  # RFC 2131 4.1: file first, then sname
            if overload & flag:
                more, more_order = decode_options(area)
                for code in more_order:
                    if code in options:
                        options[code] += more[code]
                    else:
                        options[code] = more[code]
                        order.append(code)
        if overload & 1:
            bootfile = b""
        if overload & 2:
            sname = b""

    def cstr(b: bytes) -> str:
        return b.split(b"\0", 1)[0].decode("utf-8", "replace")

    return Reply(op=op, xid=xid, secs=secs, flags=flags, ciaddr=ip_str(ciaddr),
                 yiaddr=ip_str(yiaddr), siaddr=ip_str(siaddr), giaddr=ip_str(giaddr),
                 chaddr=mac_str(chaddr[:min(hlen, 16)]), sname=cstr(sname), file=cstr(bootfile),
                 options=options, option_order=order, has_cookie=has_cookie, size=len(data),
                 raw=bytes(data))


# --------------------------------------------------------------------------------------------
# Packet builders (RFC 2131 section 4.4 client messages)
# --------------------------------------------------------------------------------------------

def new_xid() -> int:
    return random.getrandbits(32)


def _opts(msg_type: int, *parts: Optional[Dict[int, OptionValue]]) -> Dict[int, OptionValue]:
    out: Dict[int, OptionValue] = {OPT_MESSAGE_TYPE: bytes([msg_type])}
    for part in parts:
        if part:
            out.update(part)
    return out


DEFAULT_PRL = bytes([1, 3, 6, 12, 15, 28, 43, 51, 54, 58, 59, 60, 66, 67, 97])


def make_discover(mac: str, xid: int, options: Optional[Dict[int, OptionValue]] = None,
                  broadcast: bool = True, prl: Optional[bytes] = DEFAULT_PRL,
                  requested_ip: Optional[str] = None, **fields) -> DhcpPacket:
    extra: Dict[int, OptionValue] = {}
    if requested_ip:
        extra[OPT_REQUESTED_IP] = ip_bytes(requested_ip)
    if prl is not None:
        extra[OPT_PARAM_REQUEST] = prl
    return DhcpPacket(xid=xid, chaddr=mac, flags=FLAG_BROADCAST if broadcast else 0,
                      options=_opts(DISCOVER, extra, options), **fields)


def make_request_selecting(mac: str, xid: int, requested_ip: str, server_id: str,
                           options: Optional[Dict[int, OptionValue]] = None, broadcast: bool = True,
                           prl: Optional[bytes] = DEFAULT_PRL, **fields) -> DhcpPacket:
    """SELECTING: ciaddr 0, 50 = offered address, 54 = chosen server (RFC 2131 4.3.2)."""
    extra: Dict[int, OptionValue] = {OPT_REQUESTED_IP: ip_bytes(requested_ip),
                                     OPT_SERVER_ID: ip_bytes(server_id)}
    if prl is not None:
        extra[OPT_PARAM_REQUEST] = prl
    return DhcpPacket(xid=xid, chaddr=mac, flags=FLAG_BROADCAST if broadcast else 0,
                      options=_opts(REQUEST, extra, options), **fields)


def make_request_init_reboot(mac: str, xid: int, requested_ip: str,
                             options: Optional[Dict[int, OptionValue]] = None, broadcast: bool = True,
                             prl: Optional[bytes] = DEFAULT_PRL, **fields) -> DhcpPacket:
    """INIT-REBOOT: ciaddr 0, 50 = remembered address, no 54."""
    extra: Dict[int, OptionValue] = {OPT_REQUESTED_IP: ip_bytes(requested_ip)}
    if prl is not None:
        extra[OPT_PARAM_REQUEST] = prl
    return DhcpPacket(xid=xid, chaddr=mac, flags=FLAG_BROADCAST if broadcast else 0,
                      options=_opts(REQUEST, extra, options), **fields)


def make_request_renewing(mac: str, xid: int, ciaddr: str,
                          options: Optional[Dict[int, OptionValue]] = None,
                          prl: Optional[bytes] = DEFAULT_PRL, **fields) -> DhcpPacket:
    """RENEWING (unicast to the server) or REBINDING (broadcast): ciaddr set, no 50, no 54."""
    extra: Dict[int, OptionValue] = {}
    if prl is not None:
        extra[OPT_PARAM_REQUEST] = prl
    return DhcpPacket(xid=xid, chaddr=mac, ciaddr=ciaddr, options=_opts(REQUEST, extra, options),
                      **fields)


def make_release(mac: str, xid: int, ciaddr: str, server_id: str,
                 options: Optional[Dict[int, OptionValue]] = None, **fields) -> DhcpPacket:
    return DhcpPacket(xid=xid, chaddr=mac, ciaddr=ciaddr,
                      options=_opts(RELEASE, {OPT_SERVER_ID: ip_bytes(server_id)}, options), **fields)


def make_decline(mac: str, xid: int, declined_ip: str, server_id: str,
                 options: Optional[Dict[int, OptionValue]] = None, **fields) -> DhcpPacket:
    return DhcpPacket(xid=xid, chaddr=mac,
                      options=_opts(DECLINE, {OPT_REQUESTED_IP: ip_bytes(declined_ip),
                                              OPT_SERVER_ID: ip_bytes(server_id)}, options), **fields)


def make_inform(mac: str, xid: int, ciaddr: str, options: Optional[Dict[int, OptionValue]] = None,
                prl: Optional[bytes] = DEFAULT_PRL, broadcast: bool = False, **fields) -> DhcpPacket:
    extra: Dict[int, OptionValue] = {}
    if prl is not None:
        extra[OPT_PARAM_REQUEST] = prl
    return DhcpPacket(xid=xid, chaddr=mac, ciaddr=ciaddr, flags=FLAG_BROADCAST if broadcast else 0,
                      options=_opts(INFORM, extra, options), **fields)


# --------------------------------------------------------------------------------------------
# Frame parsing for the AF_PACKET receiver
# --------------------------------------------------------------------------------------------

_ETH_P_IP = 0x0800
_ETH_P_ALL = 0x0003
_PACKET_OUTGOING = 4


def _parse_frame(frame: bytes) -> Optional[Tuple[str, str, str, str, int, int, bytes]]:
    """Ethernet/IPv4/UDP -> (src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload)."""
    if len(frame) < 14 + 20 + 8 or struct.unpack_from("!H", frame, 12)[0] != _ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ip[9] != 17 or len(ip) < ihl + 8:
        return None
    frag = struct.unpack_from("!H", ip, 6)[0]
    if frag & 0x3FFF:  # fragments (MF set or offset): not reassembled here
        return None
    total = struct.unpack_from("!H", ip, 2)[0]
    sport, dport, ulen = struct.unpack_from("!HHH", ip, ihl)
    payload = ip[ihl + 8:min(ihl + ulen, total, len(ip))]
    return (mac_str(frame[6:12]), mac_str(frame[0:6]), ip_str(ip[12:16]), ip_str(ip[16:20]),
            sport, dport, bytes(payload))


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------

class DhcpClient:
    """Crafted DHCP client in namespace ns on interface ifname (both None/"lo" not supported:
    DHCP needs an Ethernet-like link). mac: default chaddr (default: the interface MAC).

        with DhcpClient(pair.client_ns, pair.client_if) as c:
            offer = c.discover(options=pxe_options(arch=7, uuid=U))
            ack = c.request_selecting(offer)
    """

    def __init__(self, ns: Optional[str], ifname: str, mac: Optional[str] = None,
                 server_port: int = 67, client_port: int = 68, bind_client_port: bool = True):
        self.ns = ns
        self.ifname = ifname
        self.server_port = server_port
        self.client_port = client_port
        self.mac = mac or self._interface_mac()
        self.sent: List[DhcpPacket] = []
        self._udp = netns.udp_socket(ns, bind=("0.0.0.0", client_port if bind_client_port else 0),
                                     device=ifname, broadcast=True)
        self._udp.setblocking(False)

        def setup(sock: socket.socket) -> None:
            sock.bind((ifname, _ETH_P_IP))
        self._raw = netns.socket_in_ns(ns, socket.AF_PACKET, socket.SOCK_RAW,
                                       socket.htons(_ETH_P_IP), setup)
        self._raw.setblocking(False)

    @classmethod
    def for_pair(cls, pair: "netns.NetnsPair", **kwargs) -> "DhcpClient":
        """A client on the client side of a NetnsPair."""
        return cls(pair.client_ns, pair.client_if, **kwargs)

    def _interface_mac(self) -> str:
        path = f"/sys/class/net/{self.ifname}/address"
        if self.ns is None:
            with open(path) as f:
                return f.read().strip()
        return netns.run(["cat", path], ns=self.ns, timeout=5).stdout.strip()

    def close(self) -> None:
        for s in (self._udp, self._raw):
            try:
                s.close()
            except OSError:
                pass

    def __enter__(self) -> "DhcpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- raw I/O ---------------------------------------------------------------------------
    def drain(self) -> None:
        """Forget everything received so far."""
        for s in (self._udp, self._raw):
            while True:
                try:
                    s.recv(65535)
                except (BlockingIOError, InterruptedError):
                    break

    def send(self, packet: Union[DhcpPacket, bytes], dest: str = "255.255.255.255",
             port: Optional[int] = None) -> None:
        """Send from 0.0.0.0:68 (or the configured client address) to dest:67 on the interface."""
        data = packet.to_bytes() if isinstance(packet, DhcpPacket) else bytes(packet)
        if isinstance(packet, DhcpPacket):
            self.sent.append(packet)
        self._udp.sendto(data, (dest, port or self.server_port))

    def receive(self, timeout: float = 2.0, xid: Optional[int] = None,
                match: Optional[Callable[[Reply], bool]] = None,
                msg_types: Optional[Iterable[int]] = None) -> Optional[Reply]:
        """Next BOOTREPLY to the client port (matching xid/msg_types/match when given), or None
        after timeout seconds."""
        wanted = set(msg_types) if msg_types is not None else None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([self._raw], [], [], remaining)
            if not readable:
                return None
            try:
                frame, addr = self._raw.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                continue
            if len(addr) > 2 and addr[2] == _PACKET_OUTGOING:
                continue
            parsed = _parse_frame(frame)
            if not parsed:
                continue
            src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload = parsed
            if dport != self.client_port:
                continue
            reply = parse_reply(payload)
            if reply is None or reply.op != BOOTREPLY:
                continue
            reply.src_mac, reply.dst_mac, reply.src_ip, reply.dst_ip = src_mac, dst_mac, src_ip, dst_ip
            reply.src_port, reply.dst_port = sport, dport
            if xid is not None and reply.xid != xid:
                continue
            if wanted is not None and reply.message_type not in wanted:
                continue
            if match is not None and not match(reply):
                continue
            return reply

    def receive_all(self, duration: float, xid: Optional[int] = None) -> List[Reply]:
        """Every matching reply arriving within duration seconds (to assert silence or count
        duplicates)."""
        replies: List[Reply] = []
        deadline = time.monotonic() + duration
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return replies
            r = self.receive(timeout=remaining, xid=xid)
            if r is None:
                return replies
            replies.append(r)

    def exchange(self, packet: DhcpPacket, timeout: float = 2.0, retries: int = 0,
                 dest: str = "255.255.255.255",
                 msg_types: Optional[Iterable[int]] = None) -> Optional[Reply]:
        """Send packet and wait for the reply with its xid; resend up to retries times."""
        for _ in range(retries + 1):
            self.drain()
            self.send(packet, dest=dest)
            reply = self.receive(timeout=timeout, xid=packet.xid, msg_types=msg_types)
            if reply is not None:
                return reply
        return None

    # -- RFC 2131 exchanges ------------------------------------------------------------------
    def discover(self, options: Optional[Dict[int, OptionValue]] = None, mac: Optional[str] = None,
                 xid: Optional[int] = None, timeout: float = 2.0, retries: int = 0,
                 **kwargs) -> Optional[Reply]:
        packet = make_discover(mac or self.mac, xid if xid is not None else new_xid(), options,
                               **kwargs)
        return self.exchange(packet, timeout=timeout, retries=retries)

    def request_selecting(self, offer: Reply, options: Optional[Dict[int, OptionValue]] = None,
                          mac: Optional[str] = None, timeout: float = 2.0, **kwargs) -> Optional[Reply]:
        """REQUEST for an OFFER (same xid, 50 = yiaddr, 54 = its server id)."""
        packet = make_request_selecting(mac or self.mac, offer.xid, offer.yiaddr,
                                        offer.server_id or offer.siaddr, options, **kwargs)
        return self.exchange(packet, timeout=timeout)

    def request_init_reboot(self, ip: str, options: Optional[Dict[int, OptionValue]] = None,
                            mac: Optional[str] = None, timeout: float = 2.0, **kwargs) -> Optional[Reply]:
        packet = make_request_init_reboot(mac or self.mac, new_xid(), ip, options, **kwargs)
        return self.exchange(packet, timeout=timeout)

    def request_renewing(self, ip: str, server: Optional[str] = None,
                         options: Optional[Dict[int, OptionValue]] = None, mac: Optional[str] = None,
                         timeout: float = 2.0, **kwargs) -> Optional[Reply]:
        """RENEWING when server is given (unicast: the client interface needs address ip, see
        NetnsPair.set_client_address), REBINDING (broadcast) when server is None."""
        packet = make_request_renewing(mac or self.mac, new_xid(), ip, options, **kwargs)
        return self.exchange(packet, timeout=timeout, dest=server or "255.255.255.255")

    def release(self, ip: str, server: str, options: Optional[Dict[int, OptionValue]] = None,
                mac: Optional[str] = None, dest: Optional[str] = None) -> DhcpPacket:
        """RELEASE gets no reply: returns the packet sent. dest defaults to broadcast because
        an address-less client namespace cannot unicast (RFC 2131 wants unicast to server)."""
        packet = make_release(mac or self.mac, new_xid(), ip, server, options)
        self.send(packet, dest=dest or "255.255.255.255")
        return packet

    def decline(self, ip: str, server: str, options: Optional[Dict[int, OptionValue]] = None,
                mac: Optional[str] = None) -> DhcpPacket:
        packet = make_decline(mac or self.mac, new_xid(), ip, server, options)
        self.send(packet)
        return packet

    def inform(self, ciaddr: str, options: Optional[Dict[int, OptionValue]] = None,
               mac: Optional[str] = None, timeout: float = 2.0, dest: str = "255.255.255.255",
               **kwargs) -> Optional[Reply]:
        packet = make_inform(mac or self.mac, new_xid(), ciaddr, options, **kwargs)
        return self.exchange(packet, timeout=timeout, dest=dest)

    def dora(self, options: Optional[Dict[int, OptionValue]] = None, mac: Optional[str] = None,
             timeout: float = 2.0) -> Tuple[Optional[Reply], Optional[Reply]]:
        """DISCOVER -> OFFER -> REQUEST -> ACK/NAK. Returns (offer, ack); None where silent."""
        offer = self.discover(options=options, mac=mac, timeout=timeout)
        if offer is None or offer.message_type not in (OFFER, None):
            return offer, None
        return offer, self.request_selecting(offer, options=options, mac=mac, timeout=timeout)


def random_mac(prefix: str = "02:00:5e") -> str:
    """A locally administered unicast MAC (02:...) for simulating many clients."""
    tail = [random.randint(0, 255) for _ in range(6 - len(prefix.split(":")))]
    return prefix + "".join(f":{b:02x}" for b in tail)
