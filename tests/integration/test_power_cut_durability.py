"""A lease the client saw ACKed survives a power cut, not only a killed process.

A killed process loses nothing the page cache holds, so kill -9 alone cannot tell a store
that syncs before the ACK from one that never syncs (SQLite `synchronous=OFF`) or one that
sends the ACK before its commit even reaches the page cache. Here the lease file lives on
an ext4 file system in a file-backed loop device, mounted only inside a private mount
namespace (nothing appears on the host), with a 600 s journal commit interval so that only
an fsync moves data to the "disk". Each round:

  1. netbootd starts on that file system (in a network namespace of its own);
  2. three clients get a lease each (DISCOVER, REQUEST, ACK), one after the other;
  3. the instant the last ACK arrives, netbootd is killed with SIGKILL;
  4. a control file is written (no fsync), then the power is "cut": the loop device's
     backing file is copied, i.e. exactly what reached the disk, without what the page
     cache still holds;
  5. the copy is repaired as after a crash (e2fsck replays the journal) and its lease file
     read with SQLite: every lease ever ACKed must be there, with its address.

The control file proves the model: it is absent from the copy unless something synced the
whole machine meanwhile (then that round proves less; most rounds must drop it).
Root and loop devices only (exit 77 otherwise); about 5 s."""

import os
import shutil
import signal
import sqlite3
import time
import unittest
from pathlib import Path

import dhcp_client as dc
import netns
from daemon import Netbootd

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 100
allow_simple_dhcp = yes
lease_time = 3600
lease_file = {disk}/leases.db

[tftp]
root = {tftp_root}
port = 0
"""

ROUNDS = 6
CLIENTS_PER_ROUND = 3
IMAGE_BYTES = 32 << 20


class PowerCutDisk:
    """An ext4 image mounted (loop) inside a private mount namespace held by a `sleep`:
    processes started through command() see it at `mount_point`; the host does not. The
    namespace, the mount and the loop device go away with the holder (autoclear)."""

    def __init__(self, pair: netns.NetnsPair):
        self.pair = pair
        self.image = pair.path("disk.img")
        self.mount_point = pair.path("disk")
        self.mount_point.mkdir()
        with open(self.image, "wb") as f:
            f.truncate(IMAGE_BYTES)
        # Inode tables and journal written now: no lazy-init thread writes behind our back.
        netns.run(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", str(self.image)],
                  timeout=30)
        log = pair.path("holder.log")
        script = 'mount -o loop,commit=600 "$0" "$1" && echo mounted && exec sleep 3600'
        self.holder = pair.spawn(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script,
                                  str(self.image), str(self.mount_point)], log=log)
        netns.wait_for_log(log, r"mounted", timeout=10, alive=self.holder.alive)

    def command(self, argv: list) -> list:
        """argv run inside the mount namespace that has the disk."""
        return ["nsenter", f"--mount=/proc/{self.holder.pid}/ns/mnt", "--"] + argv

    def write_unsynced(self, name: str, text: str) -> None:
        netns.run(self.command(["sh", "-c", 'printf %s "$1" > "$0"', str(self.mount_point / name), text]),
                  timeout=10)

    def cut_power(self, scratch: Path) -> Path:
        """What a power cut right now would leave: a copy of the backing file (what the loop
        device received), repaired by e2fsck as at the next boot. Returns the copy."""
        if scratch.exists():
            shutil.rmtree(scratch)
        scratch.mkdir()
        copy = scratch / "disk.img"
        shutil.copyfile(self.image, copy)
        fsck = netns.run(["e2fsck", "-f", "-y", str(copy)], timeout=60, check=False)
        # 0: clean, 1: errors corrected (a replayed journal counts); more is a damaged file system.
        if fsck.returncode not in (0, 1):
            raise AssertionError(f"e2fsck {fsck.returncode}: {fsck.stdout}{fsck.stderr}")
        return copy


def read_from_image(image: Path, name: str, out: Path) -> bool:
    """Copies /name out of the ext4 image into out; False when the image has no such file."""
    r = netns.run(["debugfs", "-R", f"dump /{name} {out}", str(image)], timeout=30, check=False)
    return r.returncode == 0 and "not found" not in r.stderr and out.exists()


class NetbootdOnDisk(Netbootd):
    def __init__(self, *args, disk: PowerCutDisk, **kwargs):
        self.disk = disk
        super().__init__(*args, **kwargs)
        self.binary = os.path.abspath(self.binary)  # entering a mount namespace resets the working directory

    def command(self) -> list:
        # `ip netns exec` (prepended by the spawner) then enters the disk's mount namespace.
        return self.disk.command(super().command())


class PowerCutTest(unittest.TestCase):
    def leases_on_image(self, image: Path, scratch: Path) -> dict:
        files = {}
        for suffix in ("", "-wal"):
            out = scratch / f"leases.db{suffix}"
            files[suffix] = read_from_image(image, f"leases.db{suffix}", out)
        self.assertTrue(files[""], "the lease file never reached the disk")
        db = sqlite3.connect(str(scratch / "leases.db"))
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            rows = db.execute("SELECT mac, address FROM leases WHERE state = 1").fetchall()
        except sqlite3.DatabaseError as e:
            self.fail(f"the lease file on the disk is not readable: {e}")
        finally:
            db.close()
        return {mac.lower(): address for mac, address in rows}

    def dora_then_kill(self, d: Netbootd, c: dc.DhcpClient, macs: list) -> dict:
        """DORA for each MAC in turn; SIGKILL the daemon the instant the last ACK arrives.
        Returns {mac: address} of the ACKs received."""
        acked = {}
        for i, mac in enumerate(macs):
            xid = dc.new_xid()
            c.send(dc.make_discover(mac, xid))
            offer = c.receive(timeout=3, xid=xid, msg_types=[dc.OFFER])
            self.assertIsNotNone(offer, f"no OFFER for {mac}\n{d.log_tail()}")
            c.send(dc.make_request_selecting(mac, xid, offer.yiaddr, offer.server_id or offer.siaddr))
            ack = c.receive(timeout=3, xid=xid, msg_types=[dc.ACK, dc.NAK])
            if ack is not None and i == len(macs) - 1:
                os.kill(d.pid, signal.SIGKILL)  # before anything else: the ACK is the last thing seen
            self.assertIsNotNone(ack, f"no ACK for {mac}\n{d.log_tail()}")
            self.assertEqual(ack.message_type, dc.ACK, str(ack))
            acked[mac] = ack.yiaddr
        return acked

    def test_acked_leases_are_on_the_disk_after_a_power_cut(self):
        started = time.monotonic()
        with netns.NetnsPair() as pair, dc.DhcpClient(pair.client_ns, pair.client_if) as c:
            disk = PowerCutDisk(pair)
            d = NetbootdOnDisk(CONFIG, pair=pair, disk=disk, format_args={"disk": str(disk.mount_point)})
            acked = {}
            dropped_controls = 0
            try:
                for round_ in range(ROUNDS):
                    d.start()
                    m = d.wait_for_log(r"lease file \S+: (\d+) leases", timeout=5)
                    self.assertEqual(int(m.group(1)), len(acked), d.log_tail())
                    macs = [f"02:00:5e:d1:{round_:02x}:{i:02x}" for i in range(CLIENTS_PER_ROUND)]
                    c.drain()
                    acked.update(self.dora_then_kill(d, c, macs))
                    d.kill9()
                    token = f"control-{round_}-{time.monotonic_ns()}"
                    disk.write_unsynced(f"control-{round_}", token)
                    scratch = pair.path(f"cut-{round_}")
                    image = disk.cut_power(scratch)
                    control = scratch / "control"
                    if not (read_from_image(image, f"control-{round_}", control) and token in control.read_text()):
                        dropped_controls += 1
                    on_disk = self.leases_on_image(image, scratch)
                    for mac, address in acked.items():
                        self.assertEqual(on_disk.get(mac), address,
                                         f"round {round_}: lease {mac} -> {address} was ACKed but is not on the "
                                         f"disk after a power cut (on disk: {len(on_disk)} of {len(acked)})")
                    shutil.rmtree(scratch)
            except BaseException:
                print(f"---- netbootd log ----\n{d.log_tail()}", flush=True)
                raise
            finally:
                d.kill9()
            # The premise: the copy is the disk without the page cache. A write nobody synced
            # is missing from it, unless a machine-wide sync happened in between.
            self.assertGreater(dropped_controls, ROUNDS // 2,
                               f"only {dropped_controls} of {ROUNDS} copies dropped an un-synced write: "
                               "this machine does not model a power cut here")
        self.assertLess(time.monotonic() - started, 120)


if __name__ == "__main__":
    netns.require_netns()
    netns.require_commands("mkfs.ext4", "e2fsck", "debugfs", "unshare", "nsenter", "mount")
    if not os.path.exists("/dev/loop-control"):
        netns.skip("no loop devices here (/dev/loop-control): cannot build a disk to cut the power of")
    netns.main()
