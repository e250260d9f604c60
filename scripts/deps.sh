#!/usr/bin/env bash
# Installs the Debian packages netbootd needs that are missing, and nothing else.
# Usage: scripts/deps.sh [build] [test] [e2e] [bench]   (default: build)
# Fast when everything is present: one dpkg-query, no apt-get.
set -euo pipefail

# libcurl4 beside its -dev package: the daemon dlopens libcurl.so.4 (net/curl_library.cpp).
# isc-dhcp-relay: only its dhcrelay binary, run by the relay tests inside a namespace. Its postinst
# "starts" the init script, whose dhcrelay exits at once ("No servers specified": SERVERS is empty
# in the generated /etc/default/isc-dhcp-relay) and the script still exits 0: no relay ever runs in
# the root namespace, and the tests never rely on one.
# kea-admin: only for its perfdhcp, the load of test_pg_two_servers and test_relay_bench_smoke.
declare -A groups=(
  [build]="cmake g++ make pkg-config libasio-dev libspdlog-dev libfmt-dev libinih-dev
           libcli11-dev libcurl4-openssl-dev libcurl4 libsqlite3-dev libpq-dev libgtest-dev libgmock-dev
           libbenchmark-dev libhttp-parser-dev nlohmann-json3-dev"
  [test]="iproute2 procps psmisc udhcpc isc-dhcp-client dhcpcd-base tftp-hpa atftp curl
          python3 sqlite3 e2fsprogs util-linux mount systemd dnsmasq-base
          postgresql-15 postgresql-client-15 prometheus chromium isc-dhcp-relay kea-admin"
  [e2e]="qemu-system-x86 ipxe-qemu ipxe ovmf pxelinux syslinux-common busybox-static cpio
         nftables iptables iproute2 python3 util-linux isc-dhcp-relay"
  [fuzz]="clang libclang-rt-14-dev"
  [bench]="kea-admin kea-dhcp4-server dnsmasq-base tftpd-hpa nginx-light wrk hyperfine"
)

wanted=()
for group in "${@:-build}"; do
  [[ -n "${groups[$group]:-}" ]] || { echo "deps.sh: unknown group '$group' (build, test, e2e, fuzz, bench)" >&2; exit 2; }
  read -r -a pkgs <<<"${groups[$group]//$'\n'/ }"
  wanted+=("${pkgs[@]}")
done

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${wanted[@]}" 2>/dev/null || true)
for pkg in "${wanted[@]}"; do
  grep -q "^${pkg} ii" <<<"$installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps.sh: missing packages (${missing[*]}) and not root: install them with apt-get" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent on a fresh machine; refresh once when an install fails for that.
if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/netbootd-deps.log 2>&1; then
  "${sudo[@]}" apt-get update -q >>/tmp/netbootd-deps.log 2>&1
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/netbootd-deps.log 2>&1 \
    || { tail -20 /tmp/netbootd-deps.log >&2; echo "deps.sh: apt-get failed (log: /tmp/netbootd-deps.log)" >&2; exit 1; }
fi
