"""Several links around one hub namespace: the topologies of relayed and multi-homed DHCP.

A Star is a hub namespace joined to one leaf namespace per link by a veth pair; each link is a
/24 of its own taken from 198.18.0.0/15 (RFC 2544), consecutive, chosen from the PID. The hub
is a router (relay tests: the server is one leaf, clients the others) or a multi-homed server
(the clients are the leaves).

    relay:        S ---- link "s" ---- R (router, dhcrelay) ---- link "a" ---- A (clients)
                                                         \\---- link "b" ---- B (clients)

    with Star(hub="r", leaves="sab") as net:
        net.ns("r"), net.ns("a")              # namespace names: nbd-<pid>-<id>-<key>
        net.hub_if("a"), net.leaf_if("a")     # the two ends of link "a"
        net.network("a")                      # IPv4Network of link "a"
        net.address("r", "a", 1)              # put host 1 of link "a" on the hub end (returns it)
        net.address("a", "a", 5)              # ... or on the leaf end
        net.route("s", "a", via=net.host("s", 254))   # route the leaf "s" to link "a"
        net.forwarding("r")                   # the hub forwards between its links
        net.spawn([...], ns=net.ns("r"), log=net.path("x.log"))

Names follow netns.py (nbd-<pid>-<id>...: crashed runs are cleaned up by netns.cleanup_stale(),
teardown goes through the same registry, atexit and signal hooks). Interface names are the base
plus two characters (<key>h on the hub, <key>l on the leaf), at most 15 in all.
net.view(leaf) gives a NetnsPair-like object (client side = that leaf, server side = `server`)
for helpers written for a pair (e2elib.VmLink, Vm, Sniffer).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Sequence, Union

import netns


class Star:
    def __init__(self, hub: str, leaves: Sequence[str], *, first_network: Optional[str] = None):
        self.pid = os.getpid()
        self.id = netns._registry.next_id()
        self.base = f"{netns.PREFIX}{self.pid}-{self.id}"
        self.hub = hub
        self.leaves = list(leaves)
        keys = [hub] + self.leaves
        if len(set(keys)) != len(keys) or any(len(k) != 1 or not k.isalnum() for k in keys):
            raise ValueError(f"hub and leaves must be distinct single characters: {keys}")
        for leaf in self.leaves:
            for name in (self.hub_if(leaf), self.leaf_if(leaf)):
                if len(name) > netns._IFNAMSIZ:
                    raise ValueError(f"interface name {name} exceeds {netns._IFNAMSIZ} characters")
        if first_network is None:
            index = (self.pid * 7 + netns._registry.counter * 5) % (512 - len(self.leaves))
            first_network = f"198.{18 + index // 256}.{index % 256}.0/24"
        first = ipaddress.IPv4Network(first_network)
        self._networks = {leaf: ipaddress.IPv4Network((int(first.network_address) + i * 256, 24))
                          for i, leaf in enumerate(self.leaves)}
        self.tmpdir: Optional[Path] = None
        self.processes: list = []
        self._open = False
        self._closed = False

    # -- names and addresses -------------------------------------------------------------------
    def ns(self, key: str) -> str:
        return f"{self.base}-{key}"

    def hub_if(self, leaf: str) -> str:
        return f"{self.base}{leaf}h"

    def leaf_if(self, leaf: str) -> str:
        return f"{self.base}{leaf}l"

    def network(self, leaf: str) -> ipaddress.IPv4Network:
        return self._networks[leaf]

    def host(self, leaf: str, n: int) -> str:
        """The n-th address of link `leaf`."""
        return str(self._networks[leaf].network_address + n)

    def path(self, name: str) -> Path:
        assert self.tmpdir is not None, "Star not open"
        return self.tmpdir / name

    def ifname(self, key: str, leaf: str) -> str:
        """The end of link `leaf` inside namespace `key` (the hub or that leaf)."""
        return self.hub_if(leaf) if key == self.hub else self.leaf_if(leaf)

    # -- lifecycle -------------------------------------------------------------------------------
    def open(self) -> "Star":
        if self._open:
            return self
        netns.require_netns()
        netns.cleanup_stale()
        netns._registry.add_pair(self)
        self._open = True
        try:
            self.tmpdir = Path(tempfile.mkdtemp(prefix=f"{self.base}-"))
            run = netns.run
            for key in [self.hub] + self.leaves:
                ns = self.ns(key)
                if (netns.NETNS_DIR / ns).exists():  # an earlier process with our PID crashed
                    netns._delete_netns(ns)
                run(["ip", "netns", "add", ns], timeout=10)
                run(["ip", "-n", ns, "link", "set", "lo", "up"], timeout=10)
            for leaf in self.leaves:
                # Both ends created inside their namespaces: they never exist on the host.
                run(["ip", "link", "add", self.hub_if(leaf), "netns", self.ns(self.hub), "type", "veth",
                     "peer", "name", self.leaf_if(leaf), "netns", self.ns(leaf)], timeout=10)
                run(["ip", "-n", self.ns(self.hub), "link", "set", self.hub_if(leaf), "up"], timeout=10)
                run(["ip", "-n", self.ns(leaf), "link", "set", self.leaf_if(leaf), "up"], timeout=10)
            for leaf in self.leaves:
                netns.wait_for(lambda leaf=leaf: "LOWER_UP" in run(["ip", "-n", self.ns(leaf), "link", "show",
                                                                    self.leaf_if(leaf)], timeout=5).stdout,
                               timeout=5, what=f"carrier on {self.leaf_if(leaf)}")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Kill every process started through this Star, remove its namespaces (and so its
        links) and the tmpdir. Idempotent; safe from signal handlers and atexit."""
        if self._closed or not self._open:
            return
        self._closed = True
        for p in list(self.processes):
            try:
                p.kill(grace=0.5)
            except Exception:
                pass
        for key in self.leaves + [self.hub]:
            try:
                netns._delete_netns(self.ns(key))
            except Exception as e:  # keep going: remove as much as possible
                print(f"netns teardown: {self.ns(key)}: {e}", flush=True)
        if self.tmpdir and os.environ.get("NETBOOT_KEEP_TMP") != "1":
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        netns._registry.forget_pair(self)

    def __enter__(self) -> "Star":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- configuration ---------------------------------------------------------------------------
    def address(self, key: str, leaf: str, n: int) -> str:
        """Put host n of link `leaf` (/24) on namespace `key`'s end of that link; returns it."""
        ip = self.host(leaf, n)
        netns.run(["ip", "-n", self.ns(key), "addr", "add", f"{ip}/24", "broadcast", "+",
                   "dev", self.ifname(key, leaf)], timeout=10)
        return ip

    def route(self, key: str, leaf: str, via: str) -> None:
        """Route link `leaf`'s network from namespace `key` through `via`."""
        netns.run(["ip", "-n", self.ns(key), "route", "add", str(self.network(leaf)), "via", via], timeout=10)

    def default_route(self, key: str, via: str) -> None:
        netns.run(["ip", "-n", self.ns(key), "route", "replace", "default", "via", via], timeout=10)

    def forwarding(self, key: str) -> None:
        """IPv4 forwarding in namespace `key` (a per-namespace sysctl: the host's is untouched)."""
        netns.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], ns=self.ns(key), timeout=10)

    def set_mac(self, leaf: str, mac: str) -> None:
        """Give the leaf end of link `leaf` another MAC (one client namespace, several clients)."""
        netns.run(["ip", "-n", self.ns(leaf), "link", "set", "dev", self.leaf_if(leaf), "address", mac], timeout=10)

    def spawn(self, cmd: netns.Cmd, *, ns: Optional[str] = None, log: Optional[Union[str, Path]] = None,
              stdout_to_log: bool = True, env: Optional[dict] = None) -> netns.Process:
        process = netns.spawn(cmd, ns=ns, log=log, stdout_to_log=stdout_to_log, env=env)
        self.processes.append(process)
        return process

    def run(self, cmd: netns.Cmd, *, timeout: float, ns: Optional[str] = None, check: bool = True,
            input: Optional[str] = None):
        return netns.run(cmd, timeout=timeout, ns=ns, check=check, input=input)

    def view(self, leaf: str, server: str) -> "LinkView":
        """A NetnsPair look-alike: client side = leaf `leaf`, server side = namespace `server`
        (its end of its own link), network = link `leaf`'s."""
        return LinkView(self, leaf, server)


class LinkView:
    """What helpers written for a NetnsPair read from it (pid, id, namespaces, interfaces,
    network, run/spawn/path), for one client link of a Star. Owns nothing: the Star tears down."""

    def __init__(self, star: Star, leaf: str, server: str):
        self.star = star
        self.pid = star.pid
        self.id = star.id
        self.client_ns = star.ns(leaf)
        self.client_if = star.leaf_if(leaf)
        self.server_ns = star.ns(server)
        self.server_if = star.ifname(server, server if server != star.hub else leaf)
        self.network = star.network(leaf)
        self.prefix_len = 24
        self.netmask = str(self.network.netmask)
        self.tmpdir = star.tmpdir

    def host(self, n: int) -> str:
        return str(self.network.network_address + n)

    def path(self, name: str) -> Path:
        return self.star.path(name)

    def run(self, cmd, *, timeout: float, ns: Optional[str] = None, check: bool = True, input=None):
        return self.star.run(cmd, timeout=timeout, ns=ns, check=check, input=input)

    def spawn(self, cmd, *, ns: Optional[str] = None, log=None, stdout_to_log: bool = True, env=None):
        return self.star.spawn(cmd, ns=ns, log=log, stdout_to_log=stdout_to_log, env=env)
