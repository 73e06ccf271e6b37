#!/usr/bin/env bash
# Step time of the default settings (bench_step: f32 AdamW, the S and L cases) in two builds,
# A and B (for example a build of an earlier commit against the current one), interleaved in one
# invocation: each round runs A then B, the next B then A, and the table shows the medians over
# the rounds and B / A. This is how a change is checked to keep the default step's speed.
#
#   tests/bench/compare_builds.sh BUILD_A BUILD_B
#
# Building an earlier commit's bench_step beside this one:
#   git worktree add /tmp/old REV
#   cmake -S /tmp/old -B /tmp/old/build -DCMAKE_BUILD_TYPE=Release -DSYMSWEEP_BUILD_TESTS=OFF
#   cmake --build /tmp/old/build -j2 --target bench_step
#
# Environment: ROUNDS (5), CASES ("S L"), BENCH_REPS (3: repetitions inside each bench_step run),
# IDLE_MIN / IDLE_WINDOW / IDLE_TIMEOUT (see wait_idle.sh; default: no waiting).
# Exits non-zero only on errors (a missing binary, a run that fails), never on slowness.
set -euo pipefail

die() { echo "compare_builds.sh: $*" >&2; exit 2; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=wait_idle.sh
source "$script_dir/wait_idle.sh"
[[ $# -eq 2 ]] || die "usage: compare_builds.sh BUILD_A BUILD_B"
bench_a=$1/tests/bench/bench_step
bench_b=$2/tests/bench/bench_step
for b in "$bench_a" "$bench_b"; do
  [[ -x $b ]] || die "$b not found: build it (cmake --build DIR --target bench_step)"
done
command -v jq >/dev/null || die "jq is required"
rounds=${ROUNDS:-5}
reps=${BENCH_REPS:-3}
read -r -a cases <<<"${CASES:-S L}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

run() {  # label binary case
  wait_idle
  "$2" --case "$3" --reps "$reps" --no-gemm | jq -c --arg b "$1" '{build: $b} + .' >>"$raw" ||
    die "$2 failed on case $3"
}

for ((r = 0; r < rounds; r++)); do
  for c in "${cases[@]}"; do
    if ((r % 2 == 0)); then
      run A "$bench_a" "$c"; run B "$bench_b" "$c"
    else
      run B "$bench_b" "$c"; run A "$bench_a" "$c"
    fi
  done
  echo "round $((r + 1))/$rounds done" >&2
done

cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
family=$(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
model=$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
echo "CPU: $cpu (family $family, model $model); A = $1, B = $2; medians of $rounds rounds"
echo
echo "| case | kernels | A ms/step | B ms/step | B / A |"
echo "|---|---|---|---|---|"
for c in "${cases[@]}"; do
  jq -rs --arg c "$c" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                       else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    map(select(.case == $c)) as $rows
    | ($rows | map(select(.build == "A") | .step_ms) | median) as $a
    | ($rows | map(select(.build == "B") | .step_ms) | median) as $b
    | "| \($c) | \($rows[0].kernels // "?") | \($a * 1000 | round / 1000) | \($b * 1000 | round / 1000) | \($b / $a * 1000 | round / 1000) |"
  ' "$raw"
done
