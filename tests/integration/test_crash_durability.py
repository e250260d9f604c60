"""Crash durability of the lease store: a DHCP load of many MACs (the crafted client, DORA
pipelined in batches) runs while netbootd is killed with SIGKILL at a random moment, 20
times. After every kill: the store opens cleanly (the restarted daemon gets ready and counts
its leases; a copy of the files passes SQLite's integrity check), every lease ever ACKed is
there with the same address, and no address is held by two MACs. An ACK is only sent after
the durable commit, so a lease the client saw ACKed must survive any crash. Every other
round ends instead with one more client, never seen before, and the kill comes the instant
its ACK arrives: an ACK sent before its commit is written (the group commit waits 2 ms) is
then lost, which a random moment, or an ACK read from a busy socket's queue, almost never
catches. (A kill does not lose what the page cache holds: that the commit reaches the disk
is test_power_cut_durability's.) Inside network namespaces this test creates (root only;
exit 77 otherwise). Bounded: about 30 s."""

import os
import random
import shutil
import signal
import sqlite3
import threading
import time
import unittest

import dhcp_client as dc
import netns
from daemon import Netbootd

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 150
allow_simple_dhcp = yes
lease_time = 3600
lease_file = {lease_file}

[tftp]
root = {tftp_root}
port = 0
"""

KILLS = 20
MACS = [f"02:00:5e:c0:{i // 256:02x}:{i % 256:02x}" for i in range(120)]
BATCH = 12


def norm_mac(text: str) -> str:
    return text.lower().replace("-", ":")


class CrashDurabilityTest(unittest.TestCase):
    def snapshot(self, d: Netbootd, scratch) -> dict:
        """The leases on disk as a fresh process would see them: copy the database and its
        WAL (the daemon is dead), let SQLite recover the copy, read every row."""
        if scratch.exists():
            shutil.rmtree(scratch)
        scratch.mkdir()
        for suffix in ("", "-wal", "-shm"):
            src = f"{d.lease_file}{suffix}"
            if os.path.exists(src):
                shutil.copyfile(src, scratch / f"leases.db{suffix}")
        db = sqlite3.connect(str(scratch / "leases.db"))
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            rows = db.execute("SELECT mac, address, state FROM leases").fetchall()
        finally:
            db.close()
        by_address = {}
        for mac, address, state in rows:
            if address == "0.0.0.0":
                continue
            # The partial unique index makes this impossible in a healthy file; check anyway.
            self.assertNotIn(address, by_address, f"{address} held by {by_address.get(address)} and {mac}")
            by_address[address] = norm_mac(mac)
        return {mac: address for address, mac in by_address.items()}

    def load(self, c: dc.DhcpClient, acked: dict, stop: threading.Event, deadline: float) -> int:
        """Pipelined DORA for random batches of MACs until the daemon dies (stop) or deadline.
        Returns how many ACKs were seen."""
        count = 0
        while not stop.is_set() and time.monotonic() < deadline:
            batch = random.sample(MACS, BATCH)
            xids = {}
            c.drain()
            for mac in batch:
                xid = dc.new_xid()
                xids[xid] = mac
                c.send(dc.make_discover(mac, xid))
            offers = {}
            end = time.monotonic() + 0.4
            while len(offers) < len(batch) and time.monotonic() < end:
                r = c.receive(timeout=max(0.01, end - time.monotonic()))
                if r is not None and r.xid in xids and r.message_type == dc.OFFER:
                    offers[r.xid] = r
            for xid, offer in offers.items():
                c.send(dc.make_request_selecting(xids[xid], xid, offer.yiaddr, offer.server_id or offer.siaddr))
            got = 0
            end = time.monotonic() + 0.4
            while got < len(offers) and time.monotonic() < end:
                r = c.receive(timeout=max(0.01, end - time.monotonic()))
                if r is None or r.xid not in offers or r.message_type not in (dc.ACK, dc.NAK):
                    continue
                got += 1
                if r.message_type != dc.ACK:
                    continue
                mac = xids[r.xid]
                if mac in acked:
                    # A MAC that was ACKed before keeps its address across every crash.
                    self.assertEqual(r.yiaddr, acked[mac], f"{mac} moved from {acked[mac]} to {r.yiaddr}")
                acked[mac] = r.yiaddr
                count += 1
        return count

    def dora_then_kill(self, d: Netbootd, c: dc.DhcpClient, mac: str) -> str:
        """DORA for one MAC alone; SIGKILL the daemon the instant its ACK arrives. Returns
        the address ACKed."""
        c.drain()
        xid = dc.new_xid()
        c.send(dc.make_discover(mac, xid))
        offer = c.receive(timeout=3, xid=xid, msg_types=[dc.OFFER])
        self.assertIsNotNone(offer, f"no OFFER for {mac}")
        c.send(dc.make_request_selecting(mac, xid, offer.yiaddr, offer.server_id or offer.siaddr))
        ack = c.receive(timeout=3, xid=xid, msg_types=[dc.ACK, dc.NAK])
        if ack is not None:
            os.kill(d.pid, signal.SIGKILL)  # first, before any bookkeeping
        self.assertIsNotNone(ack, f"no ACK for {mac}")
        self.assertEqual(ack.message_type, dc.ACK, str(ack))
        return ack.yiaddr

    def test_sigkill_at_random_moments_loses_no_acked_lease(self):
        rng_seed = int(os.environ.get("NETBOOT_CRASH_SEED", str(int(time.time()))))
        random.seed(rng_seed)
        started = time.monotonic()
        with netns.NetnsPair() as pair, Netbootd(CONFIG, pair=pair) as d, \
                dc.DhcpClient(pair.client_ns, pair.client_if) as c:
            acked = {}
            total_acks = 0
            scratch = pair.tmpdir / "snapshot"
            for round_ in range(KILLS):
                if round_ > 0:
                    d.start()
                # The store opened cleanly and holds at least every lease ever ACKed.
                m = d.wait_for_log(r"lease file \S+: (\d+) leases", timeout=5)
                self.assertGreaterEqual(int(m.group(1)), len(acked), f"seed {rng_seed}")
                self.assertNotRegex(d.log(), r"(?i)corrupt|malformed|cannot open")
                stop = threading.Event()
                delay = random.uniform(0.05, 0.9)
                if round_ % 2 == 1:
                    # The load for a while, then a client of its own, killed on its ACK.
                    timer = threading.Timer(delay, stop.set)
                    timer.start()
                    total_acks += self.load(c, acked, stop, deadline=time.monotonic() + 5)
                    timer.cancel()
                    mac = f"02:00:5e:c1:00:{round_:02x}"  # outside MACS: never ACKed before
                    acked[mac] = self.dora_then_kill(d, c, mac)
                    total_acks += 1
                    d.kill9()
                else:
                    def killer():
                        time.sleep(delay)
                        stop.set()
                        d.kill9()
                    t = threading.Thread(target=killer)
                    t.start()
                    total_acks += self.load(c, acked, stop, deadline=time.monotonic() + 5)
                    t.join(timeout=10)
                self.assertFalse(d.running())
                on_disk = self.snapshot(d, scratch)
                for mac, address in acked.items():
                    self.assertEqual(on_disk.get(mac), address,
                                     f"round {round_} (seed {rng_seed}): ACKed lease {mac} -> {address} lost")
            # A last start: the daemon itself still answers every ACKed MAC with its address.
            d.start()
            sample = random.sample(sorted(acked), min(10, len(acked)))
            for mac in sample:
                ack = c.request_init_reboot(acked[mac], mac=mac)
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual((ack.message_type, ack.yiaddr), (dc.ACK, acked[mac]))
            self.assertGreater(total_acks, 2 * KILLS, "the load hardly ran: the test proves nothing")
            self.assertGreater(len(acked), 40)
        self.assertLess(time.monotonic() - started, 90)


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
