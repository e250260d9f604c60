"""`netbootd leases -c FILE [--json]` while the daemon serves: udhcpc and crafted PXE
clients in network namespaces this test creates (root only; exit 77 otherwise) get leases,
and the listing (table and JSON) shows exactly what they got, without holding the daemon's
writer back. A missing lease file and a configuration error exit non-zero with the reason."""

import json
import re
import sqlite3
import unittest

import clients
import dhcp_client as dc
import netns
from daemon import Netbootd, netbootd_path
from postgres import Postgres, postgres_bindir

UUID = "4c414230-1234-4567-89ab-cdef00770001"

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = on
lease_file = {lease_file}

[bootfile]
default = pxelinux.0

[tftp]
root = {tftp_root}
port = 6969
"""


def leases(pair, config, *args, check=True):
    return netns.run([netbootd_path(), "leases", "-c", str(config), *args], ns=pair.server_ns, timeout=20,
                     check=check)


def table_rows(text):
    """Rows of the table as dicts keyed by the header's names; asserts the columns line up."""
    lines = text.splitlines()
    header = lines[0]
    names = header.split()
    starts = [header.index(name) for name in names]
    rows = []
    for line in lines[1:]:
        cells = [line[start:(starts[i + 1] if i + 1 < len(starts) else None)].strip()
                 for i, start in enumerate(starts)]
        for i, start in enumerate(starts[1:], 1):
            assert line[start - 2:start] == "  " or line[start - 1] == " ", f"column {names[i]} misaligned: {line!r}"
        rows.append(dict(zip(names, cells)))
    return rows


class LeasesCommandTest(unittest.TestCase):
    def setUp(self):
        netns.require_netns()

    def test_lists_what_the_clients_got_while_the_daemon_serves(self):
        with netns.NetnsPair() as pair, Netbootd(CONFIG, pair=pair) as d:
            got = {}
            real = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir)
            self.assertTrue(real, real.output + d.log_tail())
            got[pair.mac("client").upper()] = (real.ip, "idle", "-")
            with dc.DhcpClient.for_pair(pair) as c:
                for n in range(3):
                    mac = f"02:00:00:00:19:0{n}"
                    _, ack = c.dora(options=dc.pxe_options(arch=0, uuid=UUID), mac=mac)
                    self.assertIsNotNone(ack, d.log_tail())
                    got[mac.upper()] = (ack.yiaddr, "pxe", UUID)

                r = leases(pair, d.config_path)
                rows = table_rows(r.stdout)
                self.assertEqual(list(rows[0].keys()), ["MAC", "IP", "STATE", "EXPIRES", "PHASE", "UUID", "RELAY",
                                                        "CIRCUIT-ID", "REMOTE-ID"])
                self.assertTrue(all(row["RELAY"] == row["CIRCUIT-ID"] == row["REMOTE-ID"] == "-" for row in rows),
                                "no relay here")
                listed = {row["MAC"]: (row["IP"], row["PHASE"], row["UUID"]) for row in rows}
                self.assertEqual(listed, got, r.stdout)
                for row in rows:
                    self.assertEqual(row["STATE"], "bound")
                    self.assertRegex(row["EXPIRES"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
                ips = [row["IP"] for row in rows]
                self.assertEqual(ips, sorted(ips, key=lambda ip: tuple(int(p) for p in ip.split("."))))

                j = json.loads(leases(pair, d.config_path, "--json").stdout)
                self.assertEqual({e["mac"]: (e["ip"], e["phase"], e["uuid"] or "-") for e in j["leases"]}, got)
                self.assertTrue(all(e["state"] == "bound" and e["expired"] is False for e in j["leases"]))

                # The daemon's writer was not held back: it serves and records the next one.
                _, ack = c.dora(mac="02:00:00:00:19:09")
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual(ack.message_type, dc.ACK)
                rows = table_rows(leases(pair, d.config_path).stdout)
                self.assertIn(("02:00:00:00:19:09".upper(), ack.yiaddr), {(row["MAC"], row["IP"]) for row in rows})

    # What a lease keeps of its relay (giaddr, option 82's circuit-id and remote-id) is listed,
    # from the SQLite file and from PostgreSQL alike. The ids are bytes a relay (or any host
    # claiming to be one) chose: printable text as is, anything else as hex, never raw.
    def test_relay_address_and_option_82_ids_are_listed_escaped(self):
        self.check_relay_columns(CONFIG, {})

    def test_relay_address_and_option_82_ids_are_listed_from_postgresql(self):
        if postgres_bindir() is None:
            self.skipTest("PostgreSQL server not found under /usr/lib/postgresql/*/bin (scripts/deps.sh test installs it)")
        with Postgres() as pg:
            uri = pg.create_database("leases")
            self.check_relay_columns(CONFIG.replace("{lease_file}", "{uri}"), {"uri": uri})

    def check_relay_columns(self, config, format_args):
        circuit = b"Gi0/1\x1b[2J"  # ESC [2J would clear the terminal of whoever lists the leases
        remote = b"switch-12"
        with netns.NetnsPair() as pair, Netbootd(config, pair=pair, format_args=format_args) as d:
            relay_ip = pair.host(2)
            pair.set_client_address(f"{relay_ip}/{pair.prefix_len}")  # a relay on the served subnet
            option82 = {82: bytes([1, len(circuit)]) + circuit + bytes([2, len(remote)]) + remote}
            mac = "02:00:00:00:19:20"
            with dc.DhcpClient.for_pair(pair, client_port=67, bind_client_port=False) as relay:
                offer = relay.exchange(dc.make_discover(mac, dc.new_xid(), option82, giaddr=relay_ip, hops=1),
                                       dest=pair.server_ip, timeout=2, retries=1)
                self.assertIsNotNone(offer, d.log_tail())
                request = dc.make_request_selecting(mac, offer.xid, offer.yiaddr, offer.server_id, option82,
                                                    giaddr=relay_ip, hops=1)
                ack = relay.exchange(request, dest=pair.server_ip, timeout=2, retries=1)
                self.assertIsNotNone(ack, d.log_tail())
                self.assertEqual(ack.message_type, dc.ACK, d.log_tail())
            r = leases(pair, d.config_path)
            self.assertNotIn("\x1b", r.stdout, "a raw control byte of the circuit-id reached the terminal")
            rows = {row["MAC"]: row for row in table_rows(r.stdout)}
            row = rows[mac.upper()]
            self.assertEqual((row["IP"], row["RELAY"], row["CIRCUIT-ID"], row["REMOTE-ID"]),
                             (ack.yiaddr, relay_ip, ":".join(f"{b:02x}" for b in circuit), "switch-12"), r.stdout)
            j = json.loads(leases(pair, d.config_path, "--json").stdout)
            entry = next(e for e in j["leases"] if e["mac"] == mac.upper())
            self.assertEqual((entry["relay"], entry["circuit_id"], entry["remote_id"]),
                             (relay_ip, row["CIRCUIT-ID"], "switch-12"))

    def test_an_unreadable_row_is_named_and_the_others_are_listed(self):
        with netns.NetnsPair() as pair:
            with Netbootd(CONFIG, pair=pair) as d:
                with dc.DhcpClient.for_pair(pair) as c:
                    acks = [c.dora(mac=f"02:00:00:00:19:1{n}")[1] for n in range(3)]
                self.assertTrue(all(acks), d.log_tail())
                netns.wait_for(lambda: len(table_rows(leases(pair, d.config_path).stdout)) == 3, timeout=10)
            # Stopped: damage one row as a disk or a hand edit would.
            with sqlite3.connect(d.lease_file) as db:
                db.execute("UPDATE leases SET mac = 'not a mac' || char(10) WHERE mac = '02:00:00:00:19:11'")
            r = leases(pair, d.config_path, check=False)
            self.assertEqual(r.returncode, 1, r.stderr)
            listed = {row["MAC"] for row in table_rows(r.stdout)}
            self.assertEqual(listed, {"02:00:00:00:19:10".upper(), "02:00:00:00:19:12".upper()}, r.stdout)
            self.assertRegex(r.stderr, rf"lease file {re.escape(str(d.lease_file))}: row \d+ \(rowid \d+\) is "
                                       r"unreadable \(mac 'not a mac\\x0a'.*; not listed")
            j = leases(pair, d.config_path, "--json", check=False)
            self.assertEqual(len(json.loads(j.stdout)["leases"]), 2, j.stdout)

    def test_missing_lease_file_and_config_error_exit_non_zero(self):
        with netns.NetnsPair() as pair:
            d = Netbootd(CONFIG, pair=pair)  # never started: no lease file yet
            r = leases(pair, d.config_path, check=False)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertRegex(r.stderr, rf"lease file {re.escape(str(d.lease_file))} does not exist")
            self.assertEqual(r.stdout, "")
            d.write_config(CONFIG.replace("pool_count = 20", "pool_count = many"))
            r = leases(pair, d.config_path, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, rf"{re.escape(str(d.config_path))}:3: \[bootp\] pool_count")


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
