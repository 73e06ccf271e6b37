#!/usr/bin/env bash
# Peak RSS and step time of training steps against the group order n (cyclic:n, f 0.5, q 256,
# f32 AdamW, one thread), one bench_memory process per n, as a table (README: "Memory against
# n"). Exits non-zero only on errors, never on slowness.
#
#   tests/bench/memory.sh [BUILD_DIR]      (default: <repo>/build)
#
# Environment: NS (orders, default "97 389 1024 2048"), Q (256), F (0.5), STEPS (2).
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null) || repo=$(cd "$script_dir/../.." && pwd)
build=${1:-$repo/build}
bench=$build/tests/bench/bench_memory
[[ -x $bench ]] || { echo "memory.sh: $bench not found: build it (cmake --build $build --target bench_memory)" >&2; exit 2; }
command -v jq >/dev/null || { echo "memory.sh: jq is required" >&2; exit 2; }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| n | \|T\| | chunk | step ms | GFLOP/s | peak RSS MiB | before the steps MiB | unchunked buffers MiB | kernels |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for n in ${NS:-97 389 1024 2048}; do
  "$bench" --n "$n" --q "${Q:-256}" --f "${F:-0.5}" --steps "${STEPS:-2}" |
    jq -r '"| \(.n) | \(.train_pairs) | \(.chunk_pairs) | \(.step_ms | .*10 | round / 10) | \(.step_gflops | round) | \(.peak_rss_mib | round) | \(.rss_before_steps_mib | round) | \(.unchunked_buffers_mib | round) | \(.kernels) |"'
done
