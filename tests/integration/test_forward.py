#!/usr/bin/env python3
"""scripts/netbootd-forward in network namespaces (issue 7, gateway helper).

    client ns  <veth LAN>  server ns  <veth WAN>  wan ns (a TCP listener on its address)

The client's default route points to the server. The wan namespace has no route back to the
LAN subnet, so a connection only works when the server forwards AND masquerades. Checked for
each backend present (nftables, iptables): off before, on works (the wan side sees the
server's WAN address), idempotent on, status, off cuts it again and restores ip_forward.
Also: clear errors for an unknown interface and when not root. Exit 77 when not root.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest
from pathlib import Path

import netns

SOURCE = Path(os.environ.get("NETBOOT_SOURCE_DIR") or Path(__file__).resolve().parents[2])
SCRIPT = SOURCE / "scripts" / "netbootd-forward"
PORT = 8080


class Topology:
    """Three namespaces: pair `lan` (server + client) and pair `wan` whose client end is moved
    into the server namespace (both pairs are torn down by the harness)."""

    def __init__(self, lan: netns.NetnsPair, wan: netns.NetnsPair):
        self.lan, self.wan = lan, wan
        self.server_ns, self.client_ns, self.wan_ns = lan.server_ns, lan.client_ns, wan.server_ns
        self.lan_if, self.wan_if = lan.server_if, wan.client_if
        run = lambda cmd: netns.run(cmd, timeout=10)  # noqa: E731
        run(["ip", "-n", wan.client_ns, "link", "set", self.wan_if, "netns", self.server_ns])
        self.server_wan_ip = wan.host(2)
        run(["ip", "-n", self.server_ns, "addr", "add", f"{self.server_wan_ip}/{wan.prefix_len}",
             "dev", self.wan_if])
        run(["ip", "-n", self.server_ns, "link", "set", self.wan_if, "up"])
        lan.set_client_address(f"{lan.host(2)}/{lan.prefix_len}")
        run(["ip", "-n", self.client_ns, "route", "add", "default", "via", lan.server_ip])
        self.target = wan.server_ip  # the "internet" address
        self.listener = netns.socket_in_ns(self.wan_ns, socket.AF_INET, socket.SOCK_STREAM, 0,
                                           lambda s: (s.bind((self.target, PORT)), s.listen(8)))
        self.listener.settimeout(0.2)
        self.peers = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, addr = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            self.peers.append(addr[0])
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.listener.close()

    def client_reaches_wan(self) -> bool:
        """One TCP connection from the client namespace to the wan address, bounded (1.5 s)."""
        sock = netns.socket_in_ns(self.client_ns, socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(1.5)
        try:
            sock.connect((self.target, PORT))
            return True
        except OSError:
            return False
        finally:
            sock.close()

    def forward(self, action: str, check: bool = True, env=None) -> subprocess.CompletedProcess:
        return netns.run(["bash", str(SCRIPT), action, "-i", self.wan_if, "-j", self.lan_if],
                         ns=self.server_ns, timeout=20, check=check, env=env)

    def ip_forward(self) -> str:
        return netns.run(["cat", "/proc/sys/net/ipv4/ip_forward"], ns=self.server_ns, timeout=5).stdout.strip()


class ForwardTest(unittest.TestCase):
    def check_backend(self, backend: str) -> None:
        env = dict(os.environ, NETBOOTD_FORWARD_BACKEND=backend)
        with netns.NetnsPair() as lan, netns.NetnsPair() as wan:
            topo = Topology(lan, wan)
            try:
                self.assertEqual(topo.ip_forward(), "0")
                self.assertFalse(topo.client_reaches_wan(), "reached the wan before forwarding on")
                self.assertEqual(topo.forward("status", check=False, env=env).returncode, 3)

                out = topo.forward("on", env=env)
                self.assertIn("forwarding on", out.stdout)
                self.assertTrue(topo.client_reaches_wan(), "no connection with forwarding on")
                # The listener's thread records the peer after accept(): wait for it (bounded).
                peer = netns.wait_for(lambda: topo.peers[-1:], timeout=3, what="accepted connection")[0]
                self.assertEqual(peer, topo.server_wan_ip, "not masqueraded")
                topo.forward("on", env=env)  # idempotent
                self.assertTrue(topo.client_reaches_wan())
                self.assertEqual(topo.forward("status", check=False, env=env).returncode, 0)

                out = topo.forward("off", env=env)
                self.assertIn("forwarding off", out.stdout)
                self.assertEqual(topo.ip_forward(), "0", "ip_forward not restored")
                self.assertFalse(topo.client_reaches_wan(), "still reaches the wan after off")
                self.assertEqual(topo.forward("status", check=False, env=env).returncode, 3)
                topo.forward("off", env=env)  # off twice is harmless
                listing = netns.run(["nft", "list", "ruleset"] if backend == "nft"
                                    else ["iptables-save"], ns=topo.server_ns, timeout=10).stdout
                self.assertNotIn("netbootd", listing, "rules left behind")
            finally:
                # After a failure, "off" still removes the state file kept in /run (host-wide).
                topo.forward("off", check=False, env=env)
                topo.close()

    def test_nftables_forwards_only_while_on(self):
        if not shutil.which("nft"):
            self.skipTest("nft missing")
        self.check_backend("nft")

    def test_iptables_forwards_only_while_on(self):
        if not shutil.which("iptables"):
            self.skipTest("iptables missing")
        self.check_backend("iptables")

    def test_unknown_interface_is_a_clear_error(self):
        with netns.NetnsPair() as pair:
            out = netns.run(["bash", str(SCRIPT), "on", "-i", "nbd-nowhere0", "-j", pair.server_if],
                            ns=pair.server_ns, timeout=10, check=False)
            self.assertEqual(out.returncode, 1)
            self.assertIn("unknown interface 'nbd-nowhere0'", out.stderr)
            forward = netns.run(["cat", "/proc/sys/net/ipv4/ip_forward"], ns=pair.server_ns, timeout=5)
            self.assertEqual(forward.stdout.strip(), "0")

    def test_usage_and_not_root_errors(self):
        out = netns.run(["bash", str(SCRIPT), "sideways", "-i", "lo", "-j", "lo"], timeout=10, check=False)
        self.assertEqual(out.returncode, 2)
        self.assertIn("usage:", out.stderr)
        if not shutil.which("setpriv"):
            self.skipTest("setpriv missing")
        # The unprivileged user may not be able to read the checkout (a clone under a mode-0700
        # folder): it runs a copy in a temporary world-readable folder (issue 14).
        with tempfile.TemporaryDirectory(prefix="netboot-forward-") as folder:
            os.chmod(folder, 0o755)
            script = Path(folder) / SCRIPT.name
            shutil.copyfile(SCRIPT, script)
            os.chmod(script, 0o755)
            out = netns.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             "bash", str(script), "on", "-i", "lo", "-j", "nbd-lan0"], timeout=10, check=False)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("must be run as root", out.stderr)


if __name__ == "__main__":
    netns.require_netns()
    netns.main()
