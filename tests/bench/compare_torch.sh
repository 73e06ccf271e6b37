#!/usr/bin/env bash
# Speed comparison of symsweep against the PyTorch reference (torch_reference.py beside this
# script: the same network, split and initial particles as symsweep's), in one invocation, one
# thread each, same model and settings (f32 AdamW, lr 3e-3, weight decay 0.1, init scale 0.3,
# f 0.5): S = (Z_23, q 512), L = (Z_97, q 1024). Runs are interleaved
# (torch / symsweep alternate, the order flips every round) and the table shows medians over the
# rounds, since the machine is shared and noisy. Alongside: OpenBLAS's own single-thread sgemm
# rate and Eigen's rate (what core's products run on) on the step's three product shapes, and the
# step's rate as a share of OpenBLAS's (the issue's reference); and, from bench_peak (run before
# and after the rounds, the larger reading counts), the machine's single-core f32 FMA peak and
# the step's rate as a share of it ("of FMA peak"), against the peak of the widest ISA symsweep's kernels use (AVX2 with
# ISA=x86-64-v3; otherwise AVX-512 when bench_step's `kernels`, or else `core_products`, names
# AVX-512).
#
#   tests/bench/compare_torch.sh [BUILD_DIR]       (default: <repo>/build)
#
# Environment: TORCH_REFERENCE (the PyTorch script; default torch_reference.py here), ROUNDS (3),
# BENCH_REPS (3: repetitions inside each bench_step run), CASES ("S L"), TORCH_STEPS_S (200),
# TORCH_STEPS_L (30), PYTHON (/usr/bin/python3: Debian's python with torch), SYMSWEEP_BENCH_RAW
# (a file to which the raw JSON lines are appended), IDLE_MIN / IDLE_WINDOW / IDLE_TIMEOUT (wait
# before each run until the CPUs are that idle; see wait_idle.sh; default: no waiting).
# ISA (default unset: each binary's automatic choice): ISA=x86-64-v3 exports SYMSWEEP_ISA=x86-64-v3
# to bench_step (symsweep's AVX2 kernels) and ATEN_CPU_CAPABILITY=avx2 to PyTorch (its own AVX2
# kernels); ISA=x86-64-v4 exports SYMSWEEP_ISA=x86-64-v4 and ATEN_CPU_CAPABILITY=avx512.
# OPENBLAS_CORETYPE is the machine's setting and applies to both torch and the OpenBLAS
# reference (Haswell here: the AVX2 kernels); this script neither sets nor changes it.
# See README.md.
# Exits non-zero only on errors (missing binary, a run that fails), never on slowness.
set -euo pipefail

die() { echo "compare_torch.sh: $*" >&2; exit 2; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=wait_idle.sh
source "$script_dir/wait_idle.sh"
repo=$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null) || repo=$(cd "$script_dir/../.." && pwd)
build=${1:-$repo/build}
python=${PYTHON:-/usr/bin/python3}
rounds=${ROUNDS:-3}
reps=${BENCH_REPS:-3}
cases=${CASES:-S L}

bench=$build/tests/bench/bench_step
peak=$build/tests/bench/bench_peak
torch_ref=${TORCH_REFERENCE:-$script_dir/torch_reference.py}
[[ -x $bench ]] || die "$bench not found: build it (cmake --build $build --target bench_step)"
[[ -x $peak ]] || die "$peak not found: build it (cmake --build $build --target bench_peak)"
[[ -f $torch_ref ]] || die "$torch_ref not found (set TORCH_REFERENCE)"
command -v jq >/dev/null || die "jq is required"
"$python" -c 'import torch, numpy' 2>/dev/null ||
  die "$python cannot import torch and numpy (Debian: python3-torch python3-numpy; or set PYTHON)"

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
isa=${ISA:-}
case $isa in
  "") ;;
  x86-64-v3) export SYMSWEEP_ISA=x86-64-v3 ATEN_CPU_CAPABILITY=avx2 ;;
  x86-64-v4) export SYMSWEEP_ISA=x86-64-v4 ATEN_CPU_CAPABILITY=avx512 ;;
  *) die "ISA=$isa: expected x86-64-v3, x86-64-v4 or unset" ;;
esac

raw=$(mktemp)
trap 'rm -f "$raw" "$raw.err"' EXIT

run_torch() {  # case
  local n q steps
  wait_idle
  case $1 in
    S) n=23 q=512 steps=${TORCH_STEPS_S:-200} ;;
    L) n=97 q=1024 steps=${TORCH_STEPS_L:-30} ;;
    *) die "unknown case $1" ;;
  esac
  "$python" "$torch_ref" --n "$n" --width "$q" --data-fraction 0.5 --steps "$steps" \
    --optimizer adamw --lr 3e-3 --weight-decay 0.1 --init-scale 0.3 --precision f32 \
    --seed 0 --threads 1 | tail -n 1 | jq -c --arg c "$1" '{tool: "torch", case: $c} + .' >>"$raw" \
    || die "$(basename "$torch_ref") failed on case $1"
}

run_symsweep() {  # case
  wait_idle
  "$bench" --case "$1" --reps "$reps" 2>"$raw.err" | jq -c '{tool: "symsweep"} + .' >>"$raw" \
    || { cat "$raw.err" >&2; die "bench_step failed on case $1"; }
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "$(getconf _NPROCESSORS_ONLN) cores, one thread each; $rounds rounds, medians;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg);" \
     "ISA=${isa:-unset} (SYMSWEEP_ISA=${SYMSWEEP_ISA-unset}, ATEN_CPU_CAPABILITY=${ATEN_CPU_CAPABILITY-unset})" >&2
# The FMA peak before and after the rounds; the larger of the two medians per ISA counts (no
# code exceeds the hardware's rate: a lower reading is the VM or a neighbour taking the core).
run_peak() {
  echo "# bench_peak (single-core f32 FMA peak)" >&2
  wait_idle
  "$peak" 2>"$raw.err" | jq -c '{tool: "peak"} + .' >>"$raw" || { cat "$raw.err" >&2; die "bench_peak failed"; }
}
run_peak
for ((r = 1; r <= rounds; r++)); do
  for c in $cases; do
    echo "# round $r/$rounds case $c" >&2
    if ((r % 2)); then run_torch "$c"; run_symsweep "$c"; else run_symsweep "$c"; run_torch "$c"; fi
  done
done
run_peak
echo "# done, load average $(cut -d' ' -f1-3 /proc/loadavg); OpenBLAS core" \
     "$(jq -s -r 'map(select(.tool == "symsweep") | .openblas_core) | unique | join(", ")' "$raw")" \
     "(OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-unset}); core's products:" \
     "$(jq -s -r 'map(select(.tool == "symsweep") | .core_products) | unique | join(", ")' "$raw");" \
     "per round (ms/step):" >&2
if [[ -n ${SYMSWEEP_BENCH_RAW:-} ]]; then cat "$raw" >>"$SYMSWEEP_BENCH_RAW"; fi
jq -s -r '
  map(select(.tool != "peak")) | group_by(.case)[] | "#   \(.[0].case): " + (group_by(.tool) | map(.[0].tool + " "
    + (map(.step_ms * 1000 | round / 1000 | tostring) | join(" "))) | join(", "))
' "$raw" >&2

# The FMA peak each case is compared with: AVX2's with ISA=x86-64-v3, else that of the widest ISA
# the kernels use (bench_step's `kernels` when it reports them, else its `core_products`).
# Header: the peaks, the kernels (if reported) and the peak used.
jq -s -r --arg isa "$isa" '
  (map(select(.tool == "peak"))) as $ps
  | ($ps[0] + {avx2_fma_gflops: ($ps | map(.avx2_fma_gflops // empty) | max),
               avx512_fma_gflops: ($ps | map(.avx512_fma_gflops // empty) | max)}) as $p
  | (map(select(.tool == "symsweep") | .kernels // empty | tostring) | unique) as $k
  | (map(select(.tool == "symsweep") | .core_products // empty) | unique) as $cp
  | "# FMA peak: AVX2 \($p.avx2_fma_gflops // "n/a" | if type == "number" then . * 10 | round / 10 else . end) GFLOP/s, "
    + "AVX-512 \($p.avx512_fma_gflops // "n/a" | if type == "number" then . * 10 | round / 10 else . end) GFLOP/s (\($p.cpu));"
    + " symsweep kernels: \(if ($k | length) > 0 then $k | join(", ") else "not reported" end);"
    + " core products: \($cp | join(", ")); ISA=\(if $isa == "" then "unset" else $isa end)"
' "$raw"

# Table: medians over the rounds of each column.
jq -s -r --arg cases "$cases" --arg isa "$isa" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def f(d): . * pow(10; d) | round / pow(10; d) | tostring;
  def widest: if $isa == "x86-64-v3" then "avx2"
    else ((.kernels // .core_products // "") | tostring | ascii_downcase) as $k
      | if ($k | test("512|v4|skylakex|cooperlake|sapphire")) then "avx512" else "avx2" end end;
  . as $all
  | ($all | map(select(.tool == "peak"))) as $ps
  | {avx2_fma_gflops: ($ps | map(.avx2_fma_gflops // empty) | max),
     avx512_fma_gflops: ($ps | map(.avx512_fma_gflops // empty) | max)} as $peak
  | "case  torch_ms  symsweep_ms  speedup  OpenBLAS_GFLOP/s  Eigen_GFLOP/s  symsweep_GFLOP/s  %_of_OpenBLAS  FMA_peak_GFLOP/s  %_of_FMA_peak",
    ($cases | split(" ") | map(select(length > 0))[] as $c
     | ($all | map(select(.case == $c and .tool == "torch")  | .step_ms) | median) as $t
     | ($all | map(select(.case == $c and .tool == "symsweep"))) as $s
     | ($s | map(.step_ms) | median) as $ms
     | ($s | map(.openblas_gflops) | median) as $blas
     | ($s | map(.eigen_gflops) | median) as $eigen
     | ($s | map(.step_gflops) | median) as $rate
     | (if ($s[0] | widest) == "avx512" and $peak.avx512_fma_gflops != null
        then ["avx512", $peak.avx512_fma_gflops] else ["avx2", $peak.avx2_fma_gflops] end) as [$w, $pk]
     | [$c, ($t | f(3)), ($ms | f(3)), ($t / $ms | f(2)), ($blas | f(1)), ($eigen | f(1)),
        ($rate | f(1)), (100 * $rate / $blas | f(1)),
        (if $pk == null then "n/a" else ($pk | f(1)) + "_(" + $w + ")" end),
        (if $pk == null then "n/a" else (100 * $rate / $pk | f(1)) end)] | join("  "))
' "$raw" | column -t
