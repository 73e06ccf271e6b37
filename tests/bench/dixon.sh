#!/usr/bin/env bash
# The cost of Dixon's method and of the irrep metrics against the group's order: one
# bench_dixon process per group (its peak RSS is the group's own), one JSON line each.
#   tests/bench/dixon.sh BUILD_DIR [GROUP ...]
# Without groups: the README's list, from S_5 (120) to PSL(2,17) (2448). gap: groups need GAP
# (or its cache, ~/.cache/symsweep/gap). Extra bench_dixon options go in BENCH_DIXON_ARGS.
set -euo pipefail
build=${1:?usage: tests/bench/dixon.sh BUILD_DIR [GROUP ...]}
shift
groups=("$@")
if [ ${#groups[@]} -eq 0 ]; then
  groups=(symmetric:5 'gap:PSL(2,7)' alternating:6 'gap:PSL(2,8)' 'gap:PSL(2,11)' symmetric:6
          'gap:PSL(2,13)' 'gap:PSL(2,17)')
fi
for g in "${groups[@]}"; do
  # shellcheck disable=SC2086
  "$build/tests/bench/bench_dixon" --group "$g" ${BENCH_DIXON_ARGS:-}
done
