#!/usr/bin/env bash
# `make bench`: netbootd side by side with Kea, dnsmasq, tftpd-hpa and nginx (issue 8).
# Installs the bench packages, builds netbootd and bench/netboot_load (Release, own build
# folder), runs bench/run_bench.py as root and rewrites bench/RESULTS.md (+ RESULTS.json).
# About 12-15 minutes. Not part of `make test` (tests/integration/test_bench_smoke.py is).
# Everything runs in network namespaces the script creates; no peer runs as a system service.
# Extra arguments go to run_bench.py, e.g. scripts/bench.sh --only tftp,http --reps 2
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_BUILD=${BENCH_BUILD:-build-bench}
JOBS=${JOBS:-2}

scripts/deps.sh build bench
# A package may start its daemon as a service on install: the benchmark needs the ports and
# the CPU, and starts its own copies with private configurations.
for unit in kea-dhcp4-server dnsmasq tftpd-hpa nginx; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
    echo "bench.sh: stopping the $unit service the package started" >&2
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  fi
done

cmake -S . -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BENCH_BUILD" -j "$JOBS" --target netbootd netboot_load

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
exec "${sudo[@]}" python3 bench/run_bench.py --netbootd "$BENCH_BUILD/netbootd" \
  --load "$BENCH_BUILD/bench/netboot_load" "$@"
