#!/usr/bin/env python3
"""Self-test of tests/support/daemon.py with the real netbootd ($NETBOOTD) inside a network
namespace: ready detection, SIGTERM shutdown within 2 s, kill -9 and restart, start-up
failures reported with the daemon's own message, and nothing left behind.
Exit 77 (skip) when not root, without `ip`, or without the netbootd binary."""

import signal
import time
import unittest

import daemon
import netns

CONFIG = """\
[logger]
type = stderr
level = info

[bootp]
allow_simple_dhcp = enable
pool_start = {pool_start}
boot_file = pxelinux.0

[tftp]
root = {tftp_root}
"""


class NetbootdLifecycleTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pair = netns.NetnsPair().open()

    @classmethod
    def tearDownClass(cls):
        cls.pair.close()

    def test_ready_then_sigterm_within_two_seconds(self):
        with daemon.Netbootd(CONFIG, pair=self.pair) as d:
            self.assertTrue(d.running())
            self.assertRegex(d.log(), r"ready")
            pid = d.pid
            # It runs inside the server namespace, not on the host.
            self.assertIn(pid, netns._netns_pids(self.pair.server_ns))
            self.assertIn(str(self.pair.host(100)), d.config_path.read_text())
        self.assertEqual(d.returncode, 0)
        self.assertLess(d.stop_duration, 2.0)
        self.assertFalse(d.running())

    def test_kill9_and_restart_keep_files_and_log(self):
        d = daemon.Netbootd(CONFIG, pair=self.pair)
        try:
            d.start()
            first = d.pid
            d.kill9()
            self.assertEqual(d.returncode, -signal.SIGKILL)
            d.restart()
            self.assertNotEqual(d.pid, first)
            self.assertEqual(d.starts, 2)
            self.assertEqual(len(d.log(all_starts=True).split("==== start #")), 3)
            self.assertEqual(len([l for l in d.log().splitlines() if "ready" in l]), 1)
            offset = d.log_offset()
            d.stop()
            d.wait_for_log(r"stopped|shutting down", timeout=2, since=offset)
        finally:
            d.kill9()

    def test_bad_config_fails_fast_with_its_message(self):
        bad = CONFIG.replace("pool_start = {pool_start}", "pool_start = 300.1.1.1")
        d = daemon.Netbootd(bad, pair=self.pair, ready_timeout=5)
        start = time.monotonic()
        with self.assertRaises(daemon.DaemonError) as caught:
            d.start()
        self.assertLess(time.monotonic() - start, 5)
        self.assertIn("exit code 2", str(caught.exception))
        self.assertIn("300.1.1.1", str(caught.exception))
        self.assertFalse(d.running())

    def test_check_config_helper(self):
        ok = daemon.check_config(CONFIG.format(pool_start="127.0.0.100", tftp_root="/tmp"))
        self.assertEqual(ok.returncode, 0, ok.stderr)
        bad = daemon.check_config("[bootp]\npool_start = nope\n")
        self.assertEqual(bad.returncode, 2)
        self.assertIn(":2:", bad.stderr)

    def test_exception_in_body_kills_daemon(self):
        holder = {}
        with self.assertRaises(RuntimeError):
            with daemon.Netbootd(CONFIG, pair=self.pair) as d:
                holder["d"] = d
                raise RuntimeError("test body failed")
        self.assertFalse(holder["d"].running())


if __name__ == "__main__":
    netns.require_netns()
    daemon.netbootd_path()  # exits 77 when the binary is missing
    netns.main()
