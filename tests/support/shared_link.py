"""One link shared by several servers and the clients: a bridge in the client namespace, and
one namespace per server joined to it by a veth pair (for several DHCP servers answering the
same broadcasts). Names follow netns.py (nbd-<pid>-<n>...), so crashed runs are cleaned up
by netns.cleanup_stale(), and teardown goes through the same registry.

    with SharedLink(servers=2, subnet="198.19.0.0/16") as link:
        link.server_ns[0], link.server_ip[0]      # namespace and address of server 0 (host 1)
        link.client_ns, link.client_if            # the bridge: clients send and sniff on it
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
from pathlib import Path
from typing import List, Optional

import netns


class SharedLink:
    def __init__(self, servers: int = 2, subnet: str = "198.19.0.0/16", client_host: Optional[int] = None):
        self.pid = os.getpid()
        self.id = netns._registry.next_id()
        base = f"{netns.PREFIX}{self.pid}-{self.id}"
        self.network = ipaddress.IPv4Network(subnet)
        self.prefix_len = self.network.prefixlen
        self.netmask = str(self.network.netmask)
        self.client_ns = f"{base}-c"
        self.client_if = f"{base}b"  # the bridge
        self.server_ns: List[str] = [f"{base}-s{i}" for i in range(servers)]
        self.server_if: List[str] = [f"{base}s{i}" for i in range(servers)]
        self._peer_if = [f"{base}p{i}" for i in range(servers)]
        if any(len(n) > netns._IFNAMSIZ for n in self.server_if + self._peer_if + [self.client_if]):
            raise ValueError(f"interface names under {base} exceed {netns._IFNAMSIZ} characters")
        self.server_ip = [self.host(1 + i) for i in range(servers)]
        self.client_ip = self.host(client_host if client_host is not None else 1 + servers)
        self.tmpdir: Optional[Path] = None
        self.processes: list = []
        self._open = False
        self._closed = False

    def host(self, n: int) -> str:
        return str(self.network.network_address + n)

    def open(self) -> "SharedLink":
        netns.require_netns()
        netns.cleanup_stale()
        netns._registry.add_pair(self)
        self._open = True
        try:
            self.tmpdir = Path(tempfile.mkdtemp(prefix=f"{netns.PREFIX}{self.pid}-{self.id}-"))
            run = netns.run
            for ns in [self.client_ns] + self.server_ns:
                if (netns.NETNS_DIR / ns).exists():
                    netns._delete_netns(ns)
                run(["ip", "netns", "add", ns], timeout=10)
                run(["ip", "-n", ns, "link", "set", "lo", "up"], timeout=10)
            run(["ip", "-n", self.client_ns, "link", "add", self.client_if, "type", "bridge"], timeout=10)
            for ns, ifname, peer, ip in zip(self.server_ns, self.server_if, self._peer_if, self.server_ip):
                run(["ip", "link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", peer,
                     "netns", self.client_ns], timeout=10)
                run(["ip", "-n", self.client_ns, "link", "set", peer, "master", self.client_if], timeout=10)
                run(["ip", "-n", self.client_ns, "link", "set", peer, "up"], timeout=10)
                run(["ip", "-n", ns, "link", "set", ifname, "up"], timeout=10)
                run(["ip", "-n", ns, "addr", "add", f"{ip}/{self.prefix_len}", "broadcast", "+", "dev", ifname],
                    timeout=10)
            run(["ip", "-n", self.client_ns, "link", "set", self.client_if, "up"], timeout=10)
            run(["ip", "-n", self.client_ns, "addr", "add", f"{self.client_ip}/{self.prefix_len}", "broadcast", "+",
                 "dev", self.client_if], timeout=10)
            for ns, ifname in zip(self.server_ns, self.server_if):
                netns.wait_for(lambda: "LOWER_UP" in run(["ip", "-n", ns, "link", "show", ifname], timeout=5).stdout,
                               timeout=5, what=f"carrier on {ifname}")
            # The bridge forwards once a port is up (no STP): wait for it to say so.
            netns.wait_for(lambda: "state UP" in run(["ip", "-n", self.client_ns, "link", "show", self.client_if],
                                                     timeout=5).stdout, timeout=10, what="bridge up")
        except BaseException:
            self.close()
            raise
        return self

    def spawn(self, cmd, *, ns: Optional[str] = None, log=None, stdout_to_log: bool = True,
              env: Optional[dict] = None) -> "netns.Process":
        process = netns.spawn(cmd, ns=ns, log=log, stdout_to_log=stdout_to_log, env=env)
        self.processes.append(process)
        return process

    def close(self) -> None:
        if self._closed or not self._open:
            return
        self._closed = True
        for p in list(self.processes):
            try:
                p.kill(grace=0.5)
            except Exception:
                pass
        for ns in [self.client_ns] + self.server_ns:
            try:
                netns._delete_netns(ns)
            except Exception as e:
                print(f"netns teardown: {ns}: {e}")
        if self.tmpdir and os.environ.get("NETBOOT_KEEP_TMP") != "1":
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        netns._registry.forget_pair(self)

    def __enter__(self) -> "SharedLink":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()
