"""Real DHCP clients (busybox udhcpc, ISC dhclient, dhcpcd) run inside a client namespace.

Each wrapper runs the client once with a private recording script (never the distribution's
hook scripts), private lease/pid/state files in a temporary directory, and a bounded timeout,
then returns a Lease with what the server gave. None of them configures the interface (the
scripts only record), and none writes host files such as /etc/resolv.conf:
- udhcpc: -s <script>; it writes nothing else.
- dhclient: -sf <script> -cf <conf> -lf <lease> -pf <pid>, foreground (-d), stopped with
  SIGKILL after the lease so that it neither sends RELEASE nor runs the STOP hook.
- dhcpcd: -B -1 -4 -c <script> -f <conf>: full DISCOVER/OFFER/REQUEST/ACK. dhcpcd itself
  puts the address (and routes) on the client interface, inside the client namespace only;
  the wrapper removes that address afterwards unless keep_address=True. (-T, test mode,
  stops at the OFFER and then hangs in dhcpcd 9.4.1, so it is not used.) Its hard-wired
  /var/lib/dhcpcd and /run/dhcpcd are bind-mounted over with private directories inside the
  mount namespace that `ip netns exec` gives each command (mounts never reach the host).
Clients run with a minimal environment (PATH, LANG) so that Lease.env holds only what the
client exported.

    lease = udhcpc(pair.client_ns, pair.client_if, workdir=pair.tmpdir)
    assert lease, lease.output
    lease.ip, lease.siaddr, lease.boot_file, lease.subnet, lease.router, lease.dns, ...
"""

from __future__ import annotations

import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import netns

_RECORD_SCRIPT = """#!/bin/sh
# Records the environment a DHCP client passes to its script; configures nothing.
out={out}
n=$(date +%s%N)
NBD_EVENT="${{1:-}}" NBD_REASON="${{reason:-${{1:-}}}}" env -0 > "$out/.tmp.$$"
mv "$out/.tmp.$$" "$out/event.$n.$$"
exit 0
"""


@dataclass
class Lease:
    """What a real client received. Falsy when it got no lease (ip is None)."""
    tool: str
    ip: Optional[str] = None
    subnet: Optional[str] = None          # netmask, e.g. 255.255.255.0
    router: Optional[str] = None          # first router
    routers: List[str] = field(default_factory=list)
    dns: List[str] = field(default_factory=list)
    siaddr: Optional[str] = None          # next server (udhcpc, dhclient); None if not exported
    boot_file: Optional[str] = None
    sname: Optional[str] = None
    hostname: Optional[str] = None
    domain: Optional[str] = None
    server_id: Optional[str] = None
    lease_time: Optional[int] = None
    reason: Optional[str] = None          # script event: bound, BOUND, REBOOT, TEST, ...
    env: Dict[str, str] = field(default_factory=dict)   # raw script environment
    events: List[str] = field(default_factory=list)     # every script event, in order
    returncode: Optional[int] = None
    output: str = ""                      # client stdout+stderr, for failure messages

    def __bool__(self) -> bool:
        return self.ip is not None


def _make_workdir(workdir: Optional[Union[str, Path]], tool: str) -> Path:
    base = Path(workdir) if workdir else None
    return Path(tempfile.mkdtemp(prefix=f"{tool}-", dir=base))


def _write_script(work: Path) -> Path:
    events = work / "events"
    events.mkdir(exist_ok=True)
    script = work / "record.sh"
    script.write_text(_RECORD_SCRIPT.format(out=str(events)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    # Scripts must be reachable by dhcpcd's privilege-separated user too.
    for d in (work, events):
        d.chmod(0o755)
    return script


def _read_events(work: Path) -> List[Dict[str, str]]:
    events = []
    files = sorted((work / "events").glob("event.*"),
                   key=lambda p: (int(p.name.split(".")[1]) if p.name.split(".")[1].isdigit() else 0))
    for f in files:
        env = {}
        for item in f.read_bytes().split(b"\0"):
            if b"=" in item:
                k, v = item.split(b"=", 1)
                env[k.decode()] = v.decode("utf-8", "replace")
        events.append(env)
    return events


def _split(value: Optional[str]) -> List[str]:
    return value.split() if value else []


def _int(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _from_udhcpc(env: Dict[str, str], lease: Lease) -> None:
    lease.ip = env.get("ip") or None
    lease.subnet = env.get("subnet") or None
    lease.routers = _split(env.get("router"))
    lease.dns = _split(env.get("dns"))
    lease.siaddr = env.get("siaddr") or None
    lease.boot_file = env.get("boot_file") or None
    lease.sname = env.get("sname") or None
    lease.hostname = env.get("hostname") or None
    lease.domain = env.get("domain") or None
    lease.server_id = env.get("serverid") or None
    lease.lease_time = _int(env.get("lease"))


def _from_isc_style(env: Dict[str, str], lease: Lease) -> None:
    """dhclient and dhcpcd both use new_<option_name> variables (dhclient-script(8),
    dhcpcd-run-hooks(8))."""
    lease.ip = env.get("new_ip_address") or None
    lease.subnet = env.get("new_subnet_mask") or None
    lease.routers = _split(env.get("new_routers"))
    lease.dns = _split(env.get("new_domain_name_servers"))
    lease.siaddr = env.get("new_next_server") or env.get("new_siaddr") or None
    lease.boot_file = env.get("new_filename") or env.get("new_bootfile_name") or None
    lease.sname = env.get("new_server_name") or None
    lease.hostname = env.get("new_host_name") or None
    lease.domain = env.get("new_domain_name") or None
    lease.server_id = env.get("new_dhcp_server_identifier") or None
    lease.lease_time = _int(env.get("new_dhcp_lease_time"))


def _finish(lease: Lease, events: List[Dict[str, str]], good: Sequence[str], parse) -> Lease:
    lease.events = [e.get("NBD_REASON", "") for e in events]
    for env in reversed(events):
        if env.get("NBD_REASON") in good:
            lease.env = env
            lease.reason = env.get("NBD_REASON")
            parse(env, lease)
            break
    if lease.routers:
        lease.router = lease.routers[0]
    return lease


def udhcpc(ns: str, ifname: str, *, timeout: float = 10.0, workdir: Optional[Union[str, Path]] = None,
           vendor_class: Optional[str] = "netboot-test", retries: int = 3,
           extra_args: Sequence[str] = ()) -> Lease:
    """busybox udhcpc -f -q -n -i IF -t 3 -T 1 -s SCRIPT: one lease, then exit.
    vendor_class sets -V (None: udhcpc's default "udhcp <version>"; "" sends no option 60,
    as in firmware-requests.md's OS phase)."""
    work = _make_workdir(workdir, "udhcpc")
    script = _write_script(work)
    cmd = ["udhcpc", "-f", "-q", "-n", "-i", ifname, "-t", str(retries), "-T", "1",
           "-A", "1", "-s", str(script)]
    if vendor_class is not None:
        cmd += ["-V", vendor_class]
    cmd += list(extra_args)
    lease = Lease(tool="udhcpc")
    try:
        result = netns.run(cmd, ns=ns, timeout=timeout, check=False, env=_client_env())
        lease.returncode = result.returncode
        lease.output = result.stdout + result.stderr
    except TimeoutError as e:
        lease.output = str(e)
    return _finish(lease, _read_events(work), ("bound", "renew"), _from_udhcpc)


def _client_env() -> Dict[str, str]:
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}


_DHCLIENT_CONF = """# private dhclient.conf for tests: no host-name sent, fixed request list
option pxe-system-type code 93 = unsigned integer 16;
request subnet-mask, broadcast-address, time-offset, routers, domain-name,
        domain-name-servers, host-name, interface-mtu, ntp-servers;
timeout {timeout};
retry 1;
initial-interval 1;
{extra}
"""


def dhclient(ns: str, ifname: str, *, timeout: float = 15.0,
             workdir: Optional[Union[str, Path]] = None, config_extra: str = "",
             extra_args: Sequence[str] = ()) -> Lease:
    """ISC dhclient -4 -d -v -1 -sf SCRIPT -cf CONF -pf PID -lf LEASES IF, killed once the
    script reports BOUND/REBOOT/RENEW (or after timeout). config_extra: more dhclient.conf
    lines (e.g. 'send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";')."""
    work = _make_workdir(workdir, "dhclient")
    script = _write_script(work)
    conf = work / "dhclient.conf"
    conf.write_text(_DHCLIENT_CONF.format(timeout=max(1, int(timeout) - 2), extra=config_extra))
    lease_file = work / "dhclient.leases"
    lease_file.touch()
    cmd = ["dhclient", "-4", "-d", "-v", "-1", "-sf", str(script), "-cf", str(conf),
           "-pf", str(work / "dhclient.pid"), "-lf", str(lease_file), *extra_args, ifname]
    lease = Lease(tool="dhclient")
    log = work / "dhclient.log"
    proc = netns.spawn(cmd, ns=ns, log=log, env=_client_env())
    good = ("BOUND", "REBOOT", "RENEW", "REBIND")
    try:
        try:
            netns.wait_for(lambda: not proc.alive() or any(e.get("NBD_REASON") in good
                                                           for e in _read_events(work)),
                           timeout=timeout, interval=0.1, what="dhclient lease")
        except TimeoutError:
            pass
    finally:
        # SIGKILL: SIGTERM would make dhclient run the STOP hook / release the lease.
        if proc.alive():
            proc.signal(9)
            try:
                proc.wait(timeout=5)
            except TimeoutError:
                pass
        proc.kill(grace=0.1)
    lease.returncode = proc.returncode
    lease.output = netns.read_text(log)
    return _finish(lease, _read_events(work), good, _from_isc_style)


def dhcpcd(ns: str, ifname: str, *, timeout: float = 15.0,
           workdir: Optional[Union[str, Path]] = None, config_extra: str = "",
           extra_args: Sequence[str] = (), keep_address: bool = False) -> Lease:
    """dhcpcd -B -1 -4 -t N -c SCRIPT -f CONF IF (one lease, then exit), with private
    /var/lib/dhcpcd and /run/dhcpcd. config_extra: more dhcpcd.conf lines (e.g.
    "vendorclassid PXEClient:Arch:00000:UNDI:002001"). The address dhcpcd configured in the
    client namespace is removed afterwards unless keep_address."""
    work = _make_workdir(workdir, "dhcpcd")
    script = _write_script(work)
    conf = work / "dhcpcd.conf"
    conf.write_text("# private dhcpcd.conf for tests\noption domain_name_servers, domain_name, "
                    "host_name, subnet_mask, routers\nnoipv4ll\nnoarp\n" + config_extra + "\n")
    state, run_dir = work / "state", work / "run"
    state.mkdir()
    run_dir.mkdir()
    for d in (state, run_dir):
        d.chmod(0o755)
    wait = max(1, int(timeout) - 2)
    dhcpcd_args = ["dhcpcd", "-B", "-1", "-4", "-t", str(wait), "-c", str(script),
                   "-f", str(conf), *extra_args, ifname]
    # /run/dhcpcd may not exist on the host: mount a private tmpfs on /run (only inside this
    # command's mount namespace) and bind our directory there.
    shell = ('set -e; mount --bind "$1" /var/lib/dhcpcd; mount -t tmpfs nbd-run /run; '
             'mkdir -p /run/dhcpcd; mount --bind "$2" /run/dhcpcd; shift 2; exec "$@"')
    cmd = ["sh", "-c", shell, "sh", str(state), str(run_dir), *dhcpcd_args]
    lease = Lease(tool="dhcpcd")
    try:
        result = netns.run(cmd, ns=ns, timeout=timeout, check=False, env=_client_env())
        lease.returncode = result.returncode
        lease.output = result.stdout + result.stderr
    except TimeoutError as e:
        lease.output = str(e)
    _finish(lease, _read_events(work), ("BOUND", "REBOOT", "RENEW", "TEST"), _from_isc_style)
    if lease.ip and not keep_address:
        cidr = lease.env.get("new_subnet_cidr") or "32"
        netns.run(["ip", "addr", "del", f"{lease.ip}/{cidr}", "dev", ifname], ns=ns, timeout=5,
                  check=False)
    return lease
