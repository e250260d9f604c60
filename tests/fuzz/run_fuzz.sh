#!/usr/bin/env bash
# Runs every libFuzzer target of a NETBOOT_FUZZ build for FUZZ_SECONDS each (default 60),
# starting from its seed corpus, its kept regressions and (DHCP) the golden captures.
# New interesting inputs go to $BUILD/fuzz-corpus/<name> (not into the source tree); a crash
# leaves its input in $BUILD/fuzz-artifacts/<name>/ and fails the run: copy that file into
# tests/fuzz/regressions/<name>/ with the fix, so the corpus replay (ctest -L fuzz) keeps it.
#   usage: tests/fuzz/run_fuzz.sh [BUILD_DIR] [target...]      (FUZZ_SECONDS, FUZZ_JOBS)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(cd "$here/../.." && pwd)"
build="${1:-build-fuzz}"
shift || true
seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(dhcp_packet tftp_packet http_request config path relay_agent_info); fi

status=0
for name in "${targets[@]}"; do
  binary="$build/tests/fuzz/fuzz_$name"
  if [ ! -x "$binary" ]; then
    echo "run_fuzz: $binary missing (configure with CC=clang CXX=clang++ -DNETBOOT_FUZZ=ON)" >&2
    exit 2
  fi
  corpus="$build/fuzz-corpus/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  seeds=("$here/corpus/$name" "$here/regressions/$name")
  if [ "$name" = dhcp_packet ]; then seeds+=("$source_dir/tests/data/captures"); fi
  dict=()
  if [ -f "$here/dict/$name.dict" ]; then dict=(-dict="$here/dict/$name.dict"); fi
  echo "== fuzz_$name for ${seconds}s"
  # .hex captures are text: the replay decodes them; libFuzzer takes them as they are, which
  # still seeds the byte patterns. -max_len 4096 covers every datagram and request we accept.
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$binary" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -max_len=4096 \
       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" 2>&1 |
       grep -E "^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written|.*invariant failed)"; then
    :
  fi
  if ls "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* >/dev/null 2>&1; then
    echo "run_fuzz: fuzz_$name found failing inputs in $artifacts" >&2
    status=1
  fi
done
exit $status
