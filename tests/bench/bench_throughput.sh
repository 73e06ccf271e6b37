#!/usr/bin/env bash
# Sweep throughput: symsweep against the PyTorch reference over the same grid, in one invocation
# on the same cores (see README.md):
#   1. symsweep: the quickstart grid (sweeps/examples/quickstart.toml: Z_13, Z_17, Z_23 x 8 data
#      fractions, q 256, f32 AdamW, 3000 steps, log_every 100) with seeds = 1, i.e. 24 runs, as
#      `mpirun --oversubscribe -np NP symsweep run SPEC --db DB` (a temporary copy of the spec
#      with `seeds = 1` and its own sweep name, a fresh database); wall time of the whole command;
#   2. PyTorch: the same 24 configurations (read back from that database: group order, width,
#      fraction, seed, optimizer and its settings, steps), trained by torch_pool.py (the network,
#      split, initial particles and optimiser of torch_reference.py) in a pool of PROCESSES
#      one-thread processes, measuring losses and accuracies every log_every steps as symsweep's
#      logged steps do (symsweep's logged step also computes the monomial potentials and the
#      diagnostics, which the reference lacks); wall time of the whole python command;
#   3. a table: runs, wall seconds, runs per hour, the ratio; per configuration the final test
#      accuracy of both, and for each eps of `symsweep fit`'s default set how many of the runs
#      agree on "generalised" (final test accuracy >= 1 - eps, docs/scaling-laws.md);
#   4. unless FIXED_COSTS=0, symsweep's per-run fixed costs, each derived as the output says:
#      process start-up, a sweep invocation's start-up, group context (+ split and particles),
#      the first and a later logged measurement, the database work per run ("commit"), and the
#      overhead per run of the sweep of step 1.
#
#   tests/bench/bench_throughput.sh [BUILD_DIR]      (default: <repo>/build)
#
# Environment: SPEC (sweeps/examples/quickstart.toml), NP (3: a master and two one-rank teams),
# PROCESSES (2: the torch pool), PYTHON (/usr/bin/python3: Debian's, with python3-torch),
# MPIRUN (mpirun), MPIRUN_FLAGS (extra mpirun flags), STEPS (the spec's: override the training
# steps of both sides, e.g. for a quick check), TORCH=0 (skip the PyTorch side), FIXED_COSTS=0
# (skip part 4), ZERO_STEP_SEEDS (4: seeds of the 0-step sweep of part 4, 24 runs each),
# KEEP=DIR (keep the databases and raw JSON there), IDLE_MIN / IDLE_WINDOW / IDLE_TIMEOUT (wait
# before each timed part until the CPUs are that idle; see wait_idle.sh; default: no waiting).
# One thread per process (OMP/OPENBLAS/MKL_NUM_THREADS=1). As root, OMPI_ALLOW_RUN_AS_ROOT and
# OMPI_ALLOW_RUN_AS_ROOT_CONFIRM are set to 1 unless already set.
# The tables go to stdout; the load average and progress to stderr.
# Exits non-zero only on errors (missing binary, a run that fails), never on slowness.
set -euo pipefail

die() { echo "bench_throughput.sh: $*" >&2; exit 2; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=wait_idle.sh
source "$script_dir/wait_idle.sh"
repo=$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null) || repo=$(cd "$script_dir/../.." && pwd)
build=${1:-$repo/build}
spec_src=${SPEC:-$repo/sweeps/examples/quickstart.toml}
np=${NP:-3}
processes=${PROCESSES:-2}
python=${PYTHON:-/usr/bin/python3}
mpirun=${MPIRUN:-mpirun}
read -r -a flags <<<"${MPIRUN_FLAGS:-}"
zero_seeds=${ZERO_STEP_SEEDS:-4}

symsweep=$build/sweeps/symsweep
dispatch=$build/tests/bench/bench_dispatch
fixed=$build/tests/bench/bench_fixed
pool=$script_dir/torch_pool.py
[[ -x $symsweep ]] || die "$symsweep not found: build it (cmake --build $build --target symsweep)"
[[ -f $spec_src ]] || die "spec $spec_src not found (set SPEC)"
[[ -f $pool && -f $script_dir/torch_reference.py ]] || die "torch_pool.py or torch_reference.py missing beside this script"
command -v jq >/dev/null || die "jq is required"
command -v "$mpirun" >/dev/null || die "$mpirun not found (Debian: openmpi-bin; or set MPIRUN)"
if [[ ${TORCH:-1} != 0 ]]; then
  "$python" -c 'import torch, numpy' 2>/dev/null ||
    die "$python cannot import torch and numpy (Debian: python3-torch python3-numpy; or set PYTHON, or TORCH=0)"
fi
if [[ ${FIXED_COSTS:-1} != 0 ]]; then
  for b in "$dispatch" "$fixed"; do
    [[ -x $b ]] || die "$b not found: build it (cmake --build $build --target $(basename "$b")), or FIXED_COSTS=0"
  done
fi
grep -Eq '^[[:space:]]*seeds[[:space:]]*=' "$spec_src" || die "$spec_src has no 'seeds =' line to replace"
grep -Eq '^[[:space:]]*name[[:space:]]*=' "$spec_src" || die "$spec_src has no 'name =' line to replace"

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
if [[ $(id -u) == 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
  export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
fi

tmp=$(mktemp -d)
trap 'if [[ -n ${KEEP:-} ]]; then mkdir -p "$KEEP" && cp -r "$tmp"/. "$KEEP"/; fi; rm -rf "$tmp"' EXIT
stamp=$(date -u +%Y%m%dT%H%M%S)

# A copy of the spec with `seeds = S`, sweep name NAME, and (optionally) `steps = K`.
make_spec() {  # out seeds name [steps]
  local e=(-e "s/^([[:space:]]*seeds[[:space:]]*=).*/\1 $2/"
           -e "s/^([[:space:]]*name[[:space:]]*=).*/\1 \"$3\"/")
  [[ -z ${4:-} ]] || e+=(-e "s/^([[:space:]]*steps[[:space:]]*=).*/\1 $4/")
  sed -E "${e[@]}" "$spec_src" >"$1"
}
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) { print "nan"; exit } m = int((NR + 1) / 2);
  printf "%.6g", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
sweep() {  # spec db log: one mpirun invocation of `symsweep run`
  "$mpirun" --oversubscribe -np "$np" "${flags[@]}" "$symsweep" run "$1" --db "$2" >"$3" 2>&1 ||
    { tail -n 20 "$3" >&2; die "symsweep run $1 failed (log above)"; }
}
sql() { "$symsweep" sql --db "$1" --format json "$2"; }
row() { local IFS=$'\t'; echo "$*"; }      # one tab-separated table row
table() { column -t -s $'\t'; }           # aligns rows whose cells may contain spaces

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $cpu, $(getconf _NPROCESSORS_ONLN) cores;" \
     "symsweep $("$symsweep" --version 2>/dev/null | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# ---------------------------------------------------------------- 1. symsweep, the sweep
spec=$tmp/throughput.toml db=$tmp/throughput.db
make_spec "$spec" 1 "throughput-$stamp" "${STEPS:-}"
"$symsweep" run "$spec" --db "$tmp/check.db" --check >"$tmp/check.log" 2>&1 ||
  { cat "$tmp/check.log" >&2; die "the spec copy $spec does not validate"; }
rm -f "$tmp"/check.db*
wait_idle
echo "# symsweep: mpirun -np $np symsweep run (quickstart grid, seeds = 1) ..." >&2
t0=$(now)
sweep "$spec" "$db" "$tmp/sweep.log"
sym_wall=$(since "$t0")
runs_json=$(sql "$db" "SELECT id, group_spec, group_order, width, data_fraction, seed, optimizer, lr,
  weight_decay, init_scale, steps, precision, log_every, status, test_acc, train_acc, wall_seconds,
  (julianday(finished_at) - julianday(started_at)) * 86400.0 AS span_seconds FROM runs ORDER BY id")
nruns=$(jq length <<<"$runs_json")
((nruns > 0)) || die "the sweep's database has no runs"
ndone=$(jq '[.[] | select(.status == "done")] | length' <<<"$runs_json")
((ndone == nruns)) || die "only $ndone of $nruns runs are done (see $tmp/sweep.log; KEEP=DIR keeps it)"
log_every=$(jq -r '.[0].log_every' <<<"$runs_json")
echo "# symsweep: $nruns runs in $sym_wall s" >&2

# ---------------------------------------------------------------- 2. PyTorch, the same runs
torch_wall=nan torch_json='[]'
if [[ ${TORCH:-1} != 0 ]]; then
  jq -e 'all(.[]; .group_spec | startswith("cyclic:"))' <<<"$runs_json" >/dev/null ||
    die "torch_reference.py covers cyclic groups only; the spec has others"
  jq -c '.[] | {id, n: .group_order, width, data_fraction, seed, steps, optimizer, lr,
                weight_decay, init_scale, precision}' <<<"$runs_json" >"$tmp/jobs.jsonl"
  wait_idle
  echo "# torch: torch_pool.py --processes $processes --log-every $log_every ($nruns runs) ..." >&2
  t0=$(now)
  "$python" "$pool" --processes "$processes" --log-every "$log_every" <"$tmp/jobs.jsonl" \
    >"$tmp/torch.jsonl" 2>"$tmp/torch.err" || { cat "$tmp/torch.err" >&2; die "torch_pool.py failed"; }
  torch_wall=$(since "$t0")
  torch_json=$(jq -s '[.[] | select(.summary != true)]' "$tmp/torch.jsonl")
  [[ $(jq length <<<"$torch_json") == "$nruns" ]] || die "torch_pool.py returned $(jq length <<<"$torch_json") of $nruns runs"
  echo "# torch: $nruns runs in $torch_wall s (pool alone $(jq -s -r '.[] | select(.summary == true) | .wall_seconds * 1000 | round / 1000' "$tmp/torch.jsonl") s)" >&2
fi

# ---------------------------------------------------------------- 3. tables
echo "## Sweep throughput ($nruns runs, $(jq -r '.[0].steps' <<<"$runs_json") steps, log_every $log_every, $cpu)"
rate() { awk -v n="$1" -v w="$2" 'BEGIN { printf "%.0f", 3600 * n / w }'; }
{
  row side "what was timed" runs wall_s runs_per_hour
  row symsweep "mpirun -np $np symsweep run (a master + $((np - 1)) one-rank teams; logged steps: losses, accuracies, MPs, diagnostics)" \
    "$nruns" "$sym_wall" "$(rate "$nruns" "$sym_wall")"
  if [[ $torch_wall != nan ]]; then
    row torch "python3 torch_pool.py (a pool of $processes one-thread processes; logged steps: losses, accuracies)" \
      "$nruns" "$torch_wall" "$(rate "$nruns" "$torch_wall")"
  fi
} | table
if [[ $torch_wall != nan ]]; then
  echo "ratio (symsweep runs/hour over torch runs/hour): $(awk -v a="$torch_wall" -v b="$sym_wall" 'BEGIN { printf "%.1fx", a / b }')"
  echo
  echo "## Final test accuracy per configuration (same split and initial particles on both sides)"
  jq -r --argjson t "$torch_json" '
    def f: if . == null then "-" else . * 1000 | round / 1000 | tostring end;
    ($t | map({key: (.id | tostring), value: .}) | from_entries) as $by
    | "group fraction seed symsweep_test_acc torch_test_acc symsweep_train_s torch_train_s",
      (sort_by(.group_order, .data_fraction)[] | $by[.id | tostring] as $o
       | [.group_spec, (.data_fraction * 1000 | round / 1000 | tostring), (.seed | tostring),
          (.test_acc | f), ($o.test_acc | f), (.wall_seconds | f), ($o.run_seconds | f)] | join(" "))
  ' <<<"$runs_json" | column -t
  echo
  echo "Agreement on \"generalised\" (final test accuracy >= 1 - eps), eps of symsweep fit's default set:"
  jq -r --argjson t "$torch_json" '
    ($t | map({key: (.id | tostring), value: .test_acc}) | from_entries) as $by
    | . as $runs
    | "eps agree symsweep_generalised torch_generalised disagreeing",
      ([0.5, 0.2, 0.1, 0.05, 0.01][] as $e
       | ($runs | map({g: .group_spec, f: (.data_fraction * 1000 | round / 1000),
                       s: (.test_acc >= 1 - $e), t: ($by[.id | tostring] >= 1 - $e)})) as $r
       | [($e | tostring), "\($r | map(select(.s == .t)) | length)/\($r | length)",
          ($r | map(select(.s)) | length | tostring), ($r | map(select(.t)) | length | tostring),
          ($r | map(select(.s != .t) | "\(.g)@\(.f)") | if length == 0 then "-" else join(",") end)]
       | join(" "))
  ' <<<"$runs_json" | column -t
  echo "Smallest generalising fraction per group (eps 0.01; symsweep / torch):" \
    "$(jq -r --argjson t "$torch_json" '
      ($t | map({key: (.id | tostring), value: .test_acc}) | from_entries) as $by
      | group_by(.group_spec) | map(
          (map(select(.test_acc >= 0.99) | .data_fraction) | min) as $s
          | (map(select($by[.id | tostring] >= 0.99) | .data_fraction) | min) as $o
          | "\(.[0].group_spec) \($s // "none" | tostring | .[0:5]) / \($o // "none" | tostring | .[0:5])")
      | join("; ")' <<<"$runs_json")"
fi

[[ ${FIXED_COSTS:-1} != 0 ]] || exit 0

# ---------------------------------------------------------------- 4. per-run fixed costs
echo >&2
echo "# fixed costs ..." >&2
wait_idle
# (a) process start-up: `symsweep --version` (dynamic loading, static initialisers, CLI), and a
# `symsweep train` process of nothing (Z_2, q 1, 0 steps: MPI's singleton initialisation
# included), what one process per run would pay.
vals=""
for _ in 1 2 3 4 5; do t0=$(now); "$symsweep" --version >/dev/null; vals+=" $(since "$t0")"; done
startup=$(median <<<"$vals")
vals=""
for _ in 1 2 3; do
  t0=$(now)
  "$symsweep" train --group cyclic:2 --width 1 --data-fraction 0.5 --steps 0 --json >/dev/null 2>"$tmp/train.err" ||
    { cat "$tmp/train.err" >&2; die "symsweep train failed"; }
  vals+=" $(since "$t0")"
done
train_startup=$(median <<<"$vals")
# (b) a sweep invocation's start-up: the same mpirun command on the finished sweep (nothing to
# run: MPI start-up of all ranks, spec, database, job registration and end).
vals=""
for i in 1 2 3; do t0=$(now); sweep "$spec" "$db" "$tmp/empty$i.log"; vals+=" $(since "$t0")"; done
invocation=$(median <<<"$vals")
# (c) inside a team, per group of the sweep: bench_fixed (core's own calls, one thread).
width=$(jq -r '.[0].width' <<<"$runs_json")
fc_frac=0.5
gargs=()
for g in $(jq -r 'map(.group_spec) | unique | .[]' <<<"$runs_json"); do gargs+=(--group "$g"); done
"$fixed" "${gargs[@]}" --width "$width" --fraction "$fc_frac" >"$tmp/fixed.jsonl" 2>"$tmp/fixed.err" ||
  { cat "$tmp/fixed.err" >&2; die "bench_fixed failed"; }
# (d) a sweep of the same grid with steps = 0 and ZERO_STEP_SEEDS seeds: each run is dispatch,
# team setup, one measurement, result and commit. Its overhead per run as bench_dispatch defines
# it, (wall - invocation start-up (b) - sum of train() times / teams) / runs, against
# bench_dispatch's with as many 0-step runs of the largest group (the same scheduler and team
# code with a counting sink instead of the database).
wait_idle
zspec=$tmp/zero.toml zdb=$tmp/zero.db
make_spec "$zspec" "$zero_seeds" "throughput-zero-$stamp" 0
t0=$(now); sweep "$zspec" "$zdb" "$tmp/zero.log"; zwall=$(since "$t0")
zstats=$(sql "$zdb" "SELECT count(*) AS runs, sum(wall_seconds) AS train_s FROM runs WHERE status = 'done'")
zruns=$(jq -r '.[0].runs' <<<"$zstats") ztrain=$(jq -r '.[0].train_s' <<<"$zstats")
teams=$((np - 1))
zover=$(awk -v w="$zwall" -v i="$invocation" -v c="$ztrain" -v t="$teams" -v n="$zruns" \
  'BEGIN { printf "%.2f", 1000 * (w - i - c / t) / n }')
biggest=$(jq -r 'max_by(.group_order) | .group_spec' <<<"$runs_json")
dj=$("$mpirun" --oversubscribe -np "$np" "${flags[@]}" "$dispatch" --label zero-step --runs "$zruns" \
  --group "$biggest" --width "$width" --steps 0 --fraction "$fc_frac" \
  --log-every 0 --rounds 3 --no-baseline 2>"$tmp/dispatch.err" | tail -n 1) ||
  { cat "$tmp/dispatch.err" >&2; die "bench_dispatch failed"; }
dover=$(jq -r '.overhead_per_run_ms * 100 | round / 100' <<<"$dj")
# (e) the commit, from a runs table's own timestamps (ms resolution, the master's clock): the
# master stamps finished_at as it starts committing a result, then hands that team its next run,
# stamping the next run's started_at; the gap is the commit plus picking the next run.
commit_gap() {  # db: "mean median count" in ms
  sql "$1" "SELECT (julianday((SELECT min(s.started_at) FROM runs s WHERE s.started_at >= r.finished_at))
    - julianday(r.finished_at)) * 86400000.0 AS gap FROM runs r WHERE r.finished_at IS NOT NULL" |
    jq -r 'map(.gap | select(. != null)) | sort
           | "\(add / length * 100 | round / 100) \(.[length / 2 | floor] * 100 | round / 100) \(length)"'
}
read -r zgap_mean zgap_med zgap_n <<<"$(commit_gap "$zdb")"
read -r gap_mean gap_med gap_n <<<"$(commit_gap "$db")"
# (f) the sweep of part 1, from its runs table: per run, started_at (dispatch) to finished_at
# (result received) minus train()'s own wall_seconds; and its overhead per run as in (d).
span_out=$(jq -r '[.[] | .span_seconds - .wall_seconds] | add / length * 1000 | . * 10 | round / 10' <<<"$runs_json")
sweep_train=$(jq -r 'map(.wall_seconds) | add' <<<"$runs_json")
sweep_over=$(awk -v w="$sym_wall" -v i="$invocation" -v c="$sweep_train" -v t="$teams" -v n="$nruns" \
  'BEGIN { printf "%.1f", 1000 * (w - i - c / t) / n }')
train_per_run=$(awk -v c="$sweep_train" -v n="$nruns" 'BEGIN { printf "%.0f", 1000 * c / n }')

echo
echo "## symsweep's per-run fixed costs (ms; medians unless noted)"
ms() { awk -v x="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, 1000 * x }'; }
{
  row cost ms "how it was obtained"
  row "process start-up" "$(ms "$startup")" "symsweep --version, wall time (5 runs)"
  row "process start-up with MPI" "$(ms "$train_startup" 0)" \
    "symsweep train of nothing (Z_2, q 1, 0 steps; MPI singleton init), wall (3 runs): what one process per run would pay"
  row "sweep invocation start-up" "$(ms "$invocation" 0)" \
    "mpirun -np $np symsweep run on the finished sweep (MPI, spec, database, job; 3 runs): once per sweep, $(ms "$(awk -v s="$invocation" -v n="$nruns" 'BEGIN { print s / n }')") ms per run of $nruns"
  jq -r --arg f "$fc_frac" '
    def m: . * 1000 | round / 1000 | tostring;
    "group context (\(.group))\t\(.context_ms | m)\tbench_fixed: core::GroupContext (once per team and group: cached)",
    "split + particles + train() setup (\(.group))\t\(.split_ms + .particles_ms + .train_setup_ms | m)\tbench_fixed: make_split \(.split_ms | m), init_particles \(.particles_ms | m), invariants and AdamW moments \(.train_setup_ms | m) (f \($f), q \(.width))",
    "first logged measurement (\(.group))\t\(.first_measure_ms | m)\tbench_fixed: the process'"'"'s first core::measure (step 0, cold; full potentials: \(.full_potentials))",
    "later logged measurement (\(.group))\t\(.measure_ms | m)\tbench_fixed: core::measure, median of the following ones"
  ' "$tmp/fixed.jsonl"
  row "commit of a result" "$zgap_mean" \
    "runs table of a 0-step sweep ($zruns runs): mean gap finished_at -> next started_at (commit + next run; $zgap_n gaps, median $zgap_med, ms timestamps); the sweep above: mean $gap_mean, median $gap_med ($gap_n gaps)"
  row "0-step run, overhead per run" "$zover" \
    "0-step sweep of the grid x $zero_seeds seeds ($zruns runs): (wall - invocation start-up - sum of train() / $teams teams) / runs; bench_dispatch, $zruns 0-step runs of $biggest without a database: $dover"
  row "sweep: run outside train()" "$span_out" \
    "the sweep above, runs table: mean of finished_at - started_at - wall_seconds (dispatch, team setup, result)"
  row "sweep: overhead per run" "$sweep_over" \
    "the sweep above: (wall - invocation start-up - sum of train() / $teams teams) / $nruns (train() itself: $train_per_run ms per run)"
} | table
echo "# done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
