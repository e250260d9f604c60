#!/usr/bin/env bash
# The netbootd demo, for a fresh Debian 12 machine (run as root, or with sudo available):
#   installs what is missing (scripts/deps.sh build e2e), builds netbootd, prepares the boot
#   files (tests/e2e/prepare.sh, cached in tests/e2e/cache), creates a private virtual network
#   (two network namespaces joined by a veth pair; nothing touches the machine's real
#   networks), starts netbootd on it and network-boots a QEMU machine from it, showing its
#   console, then removes the network, the VM and the daemon. By default iPXE boots a script
#   netbootd generates for the VM and fetches the kernel and initrd over HTTP; --tftp boots
#   the classic way, everything over TFTP. The closing line says how long the kernel and
#   initrd took.
#
#   scripts/demo.sh [--uefi] [--tftp]          BUILD=build-dir (default: build)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${BUILD:-build}

if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "demo.sh: needs root (network namespaces, tap device)" >&2; exit 1; }
  exec sudo --preserve-env=BUILD "$0" "$@"
fi

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "installing missing packages (scripts/deps.sh build e2e)"
scripts/deps.sh build e2e

step "building netbootd in $build/"
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target netbootd

step "preparing the boot files (tests/e2e/prepare.sh: pxelinux, iPXE, a Debian kernel, a busybox initramfs)"
tests/e2e/prepare.sh

step "network-booting a VM from netbootd ($(( $(date +%s) - started )) s of setup so far)"
export NETBOOTD=$PWD/$build/netbootd PYTHONPATH=$PWD/tests/support PYTHONDONTWRITEBYTECODE=1
exec python3 tests/e2e/demo.py "$@"
