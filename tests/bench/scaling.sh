#!/usr/bin/env bash
# The distributed benchmarks, in one invocation (see README.md):
#   1. strong scaling of one run (bench_scaling, default case L = Z_97, q 1024, f 0.5, f32 AdamW)
#      at np 1 and np 2, interleaved (the order flips every round), ROUNDS rounds, medians; the
#      speedup np1/np2 and the communication share (time in allreduce / step time) at np 2;
#   2. the scheduler's dispatch overhead (bench_dispatch) at np 3 (a master and two one-rank
#      teams, oversubscribing a 2-core machine): 500 tiny runs (Z_5, q 8, 20 steps), and the
#      master's CPU share while the teams train (20 runs of Z_23, q 256, 500 steps).
#
#   tests/bench/scaling.sh [BUILD_DIR]        (default: <repo>/build)
#
# Environment: ROUNDS (3), REPS (5: repetitions inside each bench_scaling run), CASE (L),
# MPIRUN (mpirun), MPIRUN_FLAGS (extra mpirun flags for every run, e.g. "--bind-to none"),
# SCALING_ARGS (extra bench_scaling arguments, e.g. "--stop-poll"),
# DISPATCH_RUNS (500), LONG_RUNS (20), SYMSWEEP_BENCH_RAW (a file to which the raw JSON lines
# are appended), IDLE_MIN / IDLE_WINDOW / IDLE_TIMEOUT (wait before each run until the CPUs are
# that idle; see wait_idle.sh; default: no waiting). One thread per rank
# (OMP/OPENBLAS_NUM_THREADS=1). Running as root needs OMPI_ALLOW_RUN_AS_ROOT=1
# OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment.
# The tables go to stdout; the load average and per-round values to stderr.
# Exits non-zero only on errors (missing binary, a run that fails), never on slowness.
set -euo pipefail

die() { echo "scaling.sh: $*" >&2; exit 2; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=wait_idle.sh
source "$script_dir/wait_idle.sh"
repo=$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null) || repo=$(cd "$script_dir/../.." && pwd)
build=${1:-$repo/build}
rounds=${ROUNDS:-3}
reps=${REPS:-5}
case_=${CASE:-L}
mpirun=${MPIRUN:-mpirun}
read -r -a flags <<<"${MPIRUN_FLAGS:-}"
read -r -a scaling_args <<<"${SCALING_ARGS:-}"
dispatch_runs=${DISPATCH_RUNS:-500}
long_runs=${LONG_RUNS:-20}

scaling=$build/tests/bench/bench_scaling
dispatch=$build/tests/bench/bench_dispatch
for b in "$scaling" "$dispatch"; do
  [[ -x $b ]] || die "$b not found: build it (cmake --build $build --target $(basename "$b"))"
done
command -v jq >/dev/null || die "jq is required"
command -v "$mpirun" >/dev/null || die "$mpirun not found"

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

run_scaling() {  # np
  wait_idle
  "$mpirun" -np "$1" "${flags[@]}" "$scaling" --case "$case_" --reps "$reps" "${scaling_args[@]}" >>"$raw" \
    || die "bench_scaling failed at np $1"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "$(getconf _NPROCESSORS_ONLN) cores, one thread per rank; $rounds rounds, medians;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= rounds; r++)); do
  echo "# scaling round $r/$rounds" >&2
  if ((r % 2)); then run_scaling 1; run_scaling 2; else run_scaling 2; run_scaling 1; fi
done
echo "# dispatch: $dispatch_runs tiny runs, np 3" >&2
wait_idle
"$mpirun" -np 3 --oversubscribe "${flags[@]}" "$dispatch" --label tiny --runs "$dispatch_runs" \
  --group cyclic:5 --width 8 --steps 20 --rounds 3 >>"$raw" || die "bench_dispatch (tiny) failed"
echo "# dispatch: $long_runs longer runs, np 3" >&2
wait_idle
"$mpirun" -np 3 --oversubscribe "${flags[@]}" "$dispatch" --label long --runs "$long_runs" \
  --group cyclic:23 --width 256 --steps 500 --rounds 2 --no-baseline >>"$raw" \
  || die "bench_dispatch (long) failed"
echo "# done, load average $(cut -d' ' -f1-3 /proc/loadavg); per round (ms/step):" >&2
if [[ -n ${SYMSWEEP_BENCH_RAW:-} ]]; then cat "$raw" >>"$SYMSWEEP_BENCH_RAW"; fi
jq -s -r '
  map(select(.bench == "scaling")) | group_by(.ranks)[]
  | "#   np \(.[0].ranks): " + (map(.step_ms * 1000 | round / 1000 | tostring) | join(" "))
    + "   (allreduce ms/step: " + (map(.allreduce_ms_per_step * 1000 | round / 1000 | tostring)
    | join(" ")) + ")"
' "$raw" >&2

jq -s -r '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def f(d): . * pow(10; d) | round / pow(10; d) | tostring;
  map(select(.bench == "scaling")) as $s
  | ($s | map(select(.ranks == 1) | .step_ms) | median) as $t1
  | "np  step_ms  GFLOP/s  speedup  allreduce_ms/step  allreduce_alone_ms  comm_share_%",
    ($s | group_by(.ranks)[]
     | (map(.step_ms) | median) as $ms
     | [(.[0].ranks | tostring), ($ms | f(3)), (map(.step_gflops) | median | f(1)),
        ($t1 / $ms | f(2)), (map(.allreduce_ms_per_step) | median | f(3)),
        (map(.allreduce_alone_ms) | median | f(3)),
        (map(100 * .comm_share) | median | f(1))] | join("  "))
' "$raw" | column -t
echo
jq -s -r '
  def f(d): . * pow(10; d) | round / pow(10; d) | tostring;
  "variant  runs  teams  wall_s  compute_per_run_ms  overhead_per_run_ms  scheduler_only_ms_per_run  master_CPU_%",
  (map(select(.bench == "dispatch"))[]
   | [.label, (.runs | tostring), (.teams | tostring), (.wall_s | f(3)),
      (.compute_per_run_ms | f(3)), (.overhead_per_run_ms | f(3)),
      (if .scheduler_overhead_per_run_ms then .scheduler_overhead_per_run_ms | f(3) else "-" end),
      (.master_cpu_pct | f(2))] | join("  "))
' "$raw" | column -t
