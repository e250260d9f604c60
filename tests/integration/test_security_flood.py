"""Malformed traffic: the DHCP and TFTP ports are flooded with random and truncated datagrams
(bounded: two phases of 4 s at about 2,500 datagrams per second per port) while real clients
(busybox udhcpc, tftp-hpa) are served. The real clients are served normally, the daemon stays
up, its memory stays flat (VmRSS from /proc/<pid>/status: the second phase, as long as the
first, adds almost nothing), and the log does not grow with the garbage. Inside network
namespaces this test creates (root only; exit 77 otherwise)."""

import os
import random
import struct
import threading
import time
import unittest

import clients
import dhcp_client as dc
import netns
import security_helpers as sh
from daemon import Netbootd

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 50
allow_simple_dhcp = no
boot_file = pxelinux.0
lease_file = {lease_file}

[tftp]
root = {tftp_root}
timeout = 1
retries = 2
"""

PXE_VENDOR = "PXEClient:Arch:00000:UNDI:002001"
RATE = 2500          # datagrams per second per port
PHASE_SECONDS = 4.0
FILE = os.urandom(200 * 1024)


def garbage_dhcp(rng: random.Random) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randbytes(rng.randrange(0, 700))
    # A plain (non-PXE) DISCOVER cut anywhere, or with its options scrambled: the parser must
    # cope with every length, and no PXE exchange may start (which would hold pool addresses).
    packet = dc.make_discover(dc.random_mac(), rng.getrandbits(32), {61: b"\x01" + rng.randbytes(6)}).to_bytes()
    if kind == 1:
        return packet[:rng.randrange(0, len(packet))]
    if kind == 2:
        head = bytearray(packet[:240])
        return bytes(head) + rng.randbytes(rng.randrange(0, 400))
    if kind == 3:
        # Options claiming lengths past the end, overload (52) pointing at garbage.
        head = bytearray(packet[:240])
        head[44:236] = rng.randbytes(192)
        return bytes(head) + bytes([53, 1, 1, 52, 1, 3, rng.randrange(256), 255, 0x3c, 200])
    return bytes([1, 1, 6, 0]) + rng.randbytes(rng.randrange(0, 300))


def garbage_tftp(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randbytes(rng.randrange(0, 600))
    if kind == 1:
        return struct.pack("!H", rng.randrange(0, 12)) + rng.randbytes(rng.randrange(0, 40))
    if kind == 2:
        rrq = sh.tftp_rrq_packet(b"pxelinux.0", options={"blksize": "1468", "tsize": "0"})
        return rrq[:rng.randrange(0, len(rrq))]
    if kind == 3:
        return sh.tftp_rrq_packet(rng.randbytes(rng.randrange(1, 60)).replace(b"\0", b"x"),
                                  options={"blksize": str(rng.randrange(0, 70000)),
                                           "windowsize": str(rng.randrange(-5, 70000))})
    if kind == 4:
        return struct.pack("!HH", rng.choice([3, 4, 5]), rng.randrange(65536)) + rng.randbytes(rng.randrange(0, 20))
    return sh.tftp_rrq_packet(b"missing-" + str(rng.randrange(10**6)).encode())


class FloodTest(unittest.TestCase):
    def flood(self, pair, seconds: float, seed: int) -> int:
        rng = random.Random(seed)
        sock = netns.udp_socket(pair.client_ns, device=pair.client_if, broadcast=True)
        sent = 0
        try:
            sock.setblocking(False)
            start = time.monotonic()
            while True:
                elapsed = time.monotonic() - start
                if elapsed >= seconds:
                    break
                due = int(elapsed * RATE)
                while sent < due:
                    for payload, dest in ((garbage_dhcp(rng), ("255.255.255.255", 67)),
                                          (garbage_tftp(rng), (pair.server_ip, 69))):
                        try:
                            sock.sendto(payload, dest)
                        except (BlockingIOError, OSError):
                            pass
                    sent += 1
                time.sleep(0.002)
        finally:
            sock.close()
        return sent * 2

    def serve_real_clients(self, pair, d) -> None:
        lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir, vendor_class=PXE_VENDOR,
                               timeout=15, retries=5)
        self.assertTrue(lease, lease.output + d.log_tail())
        self.assertEqual(lease.boot_file, "pxelinux.0")
        out = pair.tmpdir / f"got-{time.monotonic_ns()}.bin"
        result = pair.run(["tftp", pair.server_ip, "-m", "binary", "-c", "get", "pxelinux.0", str(out)],
                          ns=pair.client_ns, timeout=30, check=False)
        self.assertTrue(out.exists() and out.read_bytes() == FILE, result.stdout + result.stderr + d.log_tail())

    def test_garbage_floods_do_not_disturb_real_clients_or_grow_memory(self):
        with netns.NetnsPair() as pair:
            d = Netbootd(CONFIG, pair=pair)
            (d.tftp_root / "pxelinux.0").write_bytes(FILE)
            with d:
                pair.set_client_address(f"{pair.host(250)}/{pair.prefix_len}")
                # Warm up: the first exchanges allocate what a running server keeps anyway.
                self.serve_real_clients(pair, d)
                rss = [sh.rss_kib(d.pid)]
                log_before = d.log_offset()
                for phase in range(2):
                    counts = []
                    flood = threading.Thread(target=lambda: counts.append(self.flood(pair, PHASE_SECONDS, phase)))
                    flood.start()
                    try:
                        time.sleep(0.5)
                        self.serve_real_clients(pair, d)   # served in the middle of the flood
                    finally:
                        flood.join(timeout=PHASE_SECONDS + 10)
                    self.assertGreater(counts[0], RATE * PHASE_SECONDS)  # the flood really ran
                    self.assertTrue(d.running(), d.log_tail())
                    # Garbage transfers hold state at most for timeout x retries (1 s x 2 here).
                    time.sleep(3.5)
                    rss.append(sh.rss_kib(d.pid))
                self.serve_real_clients(pair, d)
                # Memory: the first phase may grow caches a little; the second, identical in
                # size, must not grow it further (a leak per datagram would show as MBs here).
                if not sh.sanitized(d.pid):
                    self.assertLess(rss[1] - rss[0], 8 * 1024, f"VmRSS kB: {rss}")
                    self.assertLess(rss[2] - rss[1], 1024, f"VmRSS kB: {rss}")
                # ~40,000 bad datagrams must not produce as many log lines at the default level.
                log_growth = d.log_offset() - log_before
                print(f"VmRSS kB per phase: {rss}; log growth {log_growth} bytes", flush=True)
                self.assertLess(log_growth, 2 * 1024 * 1024, f"log grew by {log_growth} bytes")


if __name__ == "__main__":
    netns.require_netns()
    netns.require_commands("udhcpc", "tftp")
    netns.main()
