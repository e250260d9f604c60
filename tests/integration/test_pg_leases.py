#!/usr/bin/env python3
"""netbootd with its leases in PostgreSQL ([bootp] lease_file = postgresql://...),
against a throw-away server (tests/support/postgres.py), in network namespaces this test
creates (root only; exit 77 otherwise).

- ACKed leases are rows of netbootd_leases; a restart loads them and the clients keep their
  addresses; the password in the URI is never logged.
- A schema newer than the binary, or a database that cannot be reached, stops the start with
  a clear message.
- The database stopped under load and started again: known clients asking for their own
  address again (INIT-REBOOT) keep getting their own address from memory, new clients get no ACK, exactly one
  warning line when it goes and one when it is back, no restart needed, no address held twice.
Bounded: about 30 s."""

import re
import threading
import time
import unittest

import dhcp_client as dc
import netns
from daemon import DaemonError, Netbootd
from postgres import Postgres

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 150
allow_simple_dhcp = yes
lease_time = 3600
lease_file = {uri}

[tftp]
root = {tftp_root}
port = 0
"""

PASSWORD = "hunter2-never-logged"
KNOWN = [f"02:00:5e:d1:00:{i:02x}" for i in range(20)]
FRESH = [f"02:00:5e:d2:00:{i:02x}" for i in range(8)]


def rows(pg: Postgres, db: str) -> dict:
    """mac -> address of every row with an address; asserts no address is held twice."""
    out = pg.sql(db, "SELECT lower(mac), address FROM netbootd_leases WHERE address <> '0.0.0.0'")
    by_mac, seen = {}, set()
    for line in out.splitlines():
        mac, address = line.split("|")
        assert address not in seen, f"{address} held twice in the database"
        seen.add(address)
        by_mac[mac] = address
    return by_mac


def burst(c: dc.DhcpClient, known: dict, fresh: list, server: str, timeout: float = 1.0) -> tuple:
    """INIT-REBOOT (a known client asking for its own address again; broadcast, so no ARP
    for an address-less namespace) for every known MAC and DORA for every fresh one,
    pipelined. Returns
    ({mac: rebinding reply type/address}, {mac: ACKed address for fresh MACs})."""
    c.drain()
    xids = {}
    for mac, address in known.items():
        p = dc.make_request_init_reboot(mac, dc.new_xid(), address)
        xids[p.xid] = ("renew", mac)
        c.send(p)
    for mac in fresh:
        p = dc.make_discover(mac, dc.new_xid())
        xids[p.xid] = ("new", mac)
        c.send(p)
    renewed, acked, pending = {}, {}, len(xids)
    deadline = time.monotonic() + timeout
    while pending > 0 and time.monotonic() < deadline:
        r = c.receive(timeout=max(0.01, deadline - time.monotonic()))
        if r is None or r.xid not in xids:
            continue
        kind, mac = xids[r.xid]
        if kind == "renew" and mac not in renewed:
            renewed[mac] = (r.message_type, r.yiaddr)
            pending -= 1
        elif kind == "new" and r.message_type == dc.OFFER:
            c.send(dc.make_request_selecting(mac, r.xid, r.yiaddr, r.server_id or server))
        elif kind == "new" and r.message_type in (dc.ACK, dc.NAK) and mac not in acked:
            if r.message_type == dc.ACK:
                acked[mac] = r.yiaddr
            pending -= 1
    return renewed, acked


class PgLeasesTest(unittest.TestCase):
    def test_leases_in_postgresql_restart_and_database_outage(self):
        started = time.monotonic()
        with Postgres() as pg, netns.NetnsPair() as pair, dc.DhcpClient(pair.client_ns, pair.client_if) as c:
            uri = pg.create_database("leases") + f"&password={PASSWORD}"
            d = Netbootd(CONFIG, pair=pair, format_args={"uri": uri})
            with d:
                m = d.wait_for_log(r"lease database (\S+): 0 leases")
                self.assertIn("password=***", m.group(1))
                known = {}
                for mac in KNOWN:
                    offer, ack = c.dora(mac=mac)
                    self.assertIsNotNone(ack, d.log_tail())
                    self.assertEqual(ack.message_type, dc.ACK)
                    known[mac] = ack.yiaddr
                self.assertEqual(rows(pg, "leases"), known, "every ACK is a row, with its address")

                # A restart loads them; every client keeps its address.
                d.restart()
                d.wait_for_log(rf"lease database \S+: {len(KNOWN)} leases")
                for mac in KNOWN[:5]:
                    ack = c.request_init_reboot(known[mac], mac=mac)
                    self.assertIsNotNone(ack, d.log_tail())
                    self.assertEqual((ack.message_type, ack.yiaddr), (dc.ACK, known[mac]))

                # The database goes away while clients keep coming.
                offset = d.log_offset()
                stopper = threading.Thread(target=pg.stop)
                stopper.start()
                renew_rounds = 0
                deadline = time.monotonic() + 15
                while not re.search(r"lease database unreachable", netns.read_text(d.log_path, offset)):
                    self.assertLess(time.monotonic(), deadline, d.log_tail())
                    renewed, _ = burst(c, known, [], pair.server_ip)
                    renew_rounds += 1
                    for mac, reply in renewed.items():
                        self.assertEqual(reply, (dc.ACK, known[mac]), f"{mac} while the database stops")
                stopper.join(timeout=30)
                for _ in range(3):
                    renewed, acked = burst(c, known, FRESH, pair.server_ip)
                    self.assertEqual(renewed, {mac: (dc.ACK, a) for mac, a in known.items()},
                                     "known clients renewing are answered from memory")
                    self.assertEqual(acked, {}, "no new address while the database is down")
                self.assertTrue(d.running(), "a lost database is not a crash")
                # Many failed writes, one line.
                self.assertEqual(len(re.findall(r"lease database unreachable", d.log())), 1, d.log_tail())

                # Back: resumes without a restart.
                pg.start()
                d.wait_for_log(r"lease database reachable again", timeout=15, since=offset)
                renewed, acked = burst(c, known, FRESH, pair.server_ip, timeout=3)
                self.assertEqual(sorted(acked), sorted(FRESH), d.log_tail())
                for mac, reply in renewed.items():
                    self.assertEqual(reply, (dc.ACK, known[mac]))
                self.assertEqual(len(re.findall(r"lease database reachable again", d.log())), 1)
                in_db = rows(pg, "leases")  # asserts no address twice
                for mac, address in {**known, **acked}.items():
                    self.assertEqual(in_db.get(mac), address, f"{mac}: database and client disagree")
                self.assertNotIn(PASSWORD, d.log(all_starts=True))

            # A newer schema stops the start, with the reason and without the password.
            pg.sql("leases", "UPDATE netbootd_schema SET version = 99")
            with self.assertRaises(DaemonError):
                d.start()
            log = d.log()
            self.assertRegex(log, r"schema version 99 is newer than this netbootd understands \(2\)")
            self.assertNotIn(PASSWORD, log)
            # So does a database that is not there.
            pg.sql("leases", "UPDATE netbootd_schema SET version = 1")
            d.write_config(CONFIG, uri=f"postgresql://netbootd:{PASSWORD}@/leases?host={pg.socket_dir}/nowhere")
            with self.assertRaises(DaemonError):
                d.start()
            self.assertRegex(d.log(), r"lease database postgresql://netbootd:\*\*\*@/leases\S*: cannot connect")
            self.assertNotIn(PASSWORD, d.log(all_starts=True))
        self.assertLess(time.monotonic() - started, 120)


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
