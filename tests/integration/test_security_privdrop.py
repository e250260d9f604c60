"""Privilege drop ([netbootd] user/group): netbootd started as root with user = nobody binds
67 and 69, then runs as nobody/nogroup with no supplementary group, no capability and
no_new_privs, keeps serving DHCP (udhcpc and the crafted client) and TFTP (tftp-hpa), keeps
writing leases, and starts again as root over the lease file it handed over. Inside network
namespaces this test creates (root only; exit 77 otherwise)."""

import grp
import os
import pwd
import sqlite3
import unittest
from pathlib import Path

import clients
import daemon
import dhcp_client as dc
import netns
import security_helpers as sh
from daemon import Netbootd

CONFIG = """[bootp]
pool_start = {pool_start}
pool_count = 20
allow_simple_dhcp = yes
boot_file = pxelinux.0
lease_file = {state}/leases.db

[tftp]
root = {tftp_root}

[netbootd]
user = nobody
group = {group}
"""

PAYLOAD = bytes(range(256)) * 40 + b"end-of-pxelinux"


def nobody_ids():
    user = pwd.getpwnam("nobody")
    group_name = "nogroup"
    try:
        gid = grp.getgrnam(group_name).gr_gid
    except KeyError:
        group_name, gid = "nobody", grp.getgrnam("nobody").gr_gid
    return user.pw_uid, group_name, gid


def make_readable(*paths: Path) -> None:
    # mkdtemp makes 0700 directories: the dropped account must be able to search down to the
    # TFTP root (netbootd keeps a descriptor on the root, but lookups beneath it are checked).
    for p in paths:
        os.chmod(p, 0o755)


class PrivilegeDropTest(unittest.TestCase):
    def setUp(self):
        self.uid, self.group, self.gid = nobody_ids()

    def start(self, pair):
        d = Netbootd(CONFIG, pair=pair, format_args={"group": self.group, "state": "{state}"}, template=True)
        # The lease database lives in a dedicated, root-owned directory, as /var/lib/netbootd does.
        state = d.tmp / "state"
        state.mkdir()
        d.write_config(CONFIG, group=self.group, state=str(state))
        make_readable(pair.tmpdir, d.tmp, d.tftp_root)
        (d.tftp_root / "pxelinux.0").write_bytes(PAYLOAD)
        os.chmod(d.tftp_root / "pxelinux.0", 0o644)
        return d, state

    def assert_dropped(self, pid: int) -> None:
        statuses = sh.thread_statuses(pid)
        self.assertTrue(statuses)
        for status in statuses:
            # Real, effective, saved and filesystem ids, in every thread.
            self.assertEqual(status["Uid"].split(), [str(self.uid)] * 4, status)
            self.assertEqual(status["Gid"].split(), [str(self.gid)] * 4, status)
            self.assertEqual(status["Groups"], "", status)
            self.assertEqual(int(status["CapEff"], 16), 0, status)
            self.assertEqual(int(status["CapPrm"], 16), 0, status)
            self.assertEqual(status["NoNewPrivs"], "1", status)

    def test_drops_to_nobody_after_binding_and_keeps_serving(self):
        with netns.NetnsPair() as pair:
            d, state = self.start(pair)
            with d:
                self.assert_dropped(d.pid)
                self.assertRegex(d.log(), rf"running as user nobody \(uid {self.uid}\), group {self.group} "
                                          rf"\(gid {self.gid}\), no supplementary groups")
                # The dedicated state directory and the database were handed over before the drop.
                self.assertEqual(state.stat().st_uid, self.uid)
                self.assertEqual((state / "leases.db").stat().st_uid, self.uid)

                # DHCP: a real client and the crafted one get leases; each ACK follows a durable
                # commit, so the dropped process can still write the database.
                lease = clients.udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir)
                self.assertTrue(lease, lease.output)
                self.assertEqual(lease.boot_file, "pxelinux.0")
                with dc.DhcpClient(pair.client_ns, pair.client_if) as c:
                    mac = "02:00:5e:10:20:30"
                    offer, ack = c.dora(mac=mac)
                    self.assertIsNotNone(ack, d.log_tail())
                    self.assertEqual(ack.message_type, dc.ACK)
                    acked = ack.yiaddr

                # TFTP as the dropped user: a real client in the client namespace.
                pair.set_client_address(f"{pair.host(200)}/{pair.prefix_len}")
                out = pair.tmpdir / "got.bin"
                result = pair.run(["tftp", pair.server_ip, "-m", "binary", "-c", "get", "pxelinux.0", str(out)],
                                  ns=pair.client_ns, timeout=15, check=False)
                self.assertEqual(out.read_bytes(), PAYLOAD, result.stdout + result.stderr)
                got = sh.tftp_get(pair.client_ns, (pair.server_ip, 69), b"pxelinux.0")
                self.assertTrue(got.complete, got)
                self.assertEqual(bytes(got.data), PAYLOAD)

                # Still dropped after serving (no code path regains anything).
                self.assert_dropped(d.pid)
                d.stop()

                # Restart as root over the handed-over files: the store opens, the lease is there.
                d.start()
                self.assert_dropped(d.pid)
                self.assertRegex(d.log(), r"lease file .*: [1-9]\d* leases")
                with dc.DhcpClient(pair.client_ns, pair.client_if) as c:
                    ack = c.request_init_reboot(acked, mac=mac)
                    self.assertIsNotNone(ack, d.log_tail())
                    self.assertEqual((ack.message_type, ack.yiaddr), (dc.ACK, acked))
            rows = sqlite3.connect(str(state / "leases.db")).execute(
                "SELECT mac FROM leases WHERE address = ?", (acked,)).fetchall()
            self.assertEqual([r[0].lower().replace("-", ":") for r in rows], [mac])

    def test_shared_lease_directory_is_not_given_away(self):
        # A lease file in a directory holding other files (here: the config, the log): only the
        # database files are handed over, never the directory.
        with netns.NetnsPair() as pair:
            d = Netbootd(CONFIG.replace("{state}/leases.db", "{lease_file}"), pair=pair,
                         format_args={"group": self.group})
            make_readable(pair.tmpdir, d.tmp, d.tftp_root)
            with d:
                self.assert_dropped(d.pid)
                self.assertEqual(d.tmp.stat().st_uid, 0)
                self.assertEqual(d.lease_file.stat().st_uid, self.uid)
                with dc.DhcpClient(pair.client_ns, pair.client_if) as c:
                    _, ack = c.dora(mac="02:00:5e:10:20:31")
                    self.assertIsNotNone(ack, d.log_tail())

    def test_unknown_user_is_a_configuration_error(self):
        result = daemon.check_config("[bootp]\npool_start = 127.0.0.100\n[tftp]\nroot = .\n"
                                     "[netbootd]\nuser = no-such-user-netbootd\n")
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn("[netbootd] user no-such-user-netbootd: no such user", result.stderr)

    def test_root_as_the_target_is_refused(self):
        result = daemon.check_config("[bootp]\npool_start = 127.0.0.100\n[tftp]\nroot = .\n"
                                     "[netbootd]\nuser = root\n")
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn("is root (uid 0)", result.stderr)


if __name__ == "__main__":
    netns.require_netns()
    netns.require_commands("udhcpc", "tftp")
    netns.main()
