#!/usr/bin/env bash
# Configures and builds symsweep in Release into build/ (or $SYMSWEEP_BUILD_DIR).
# Extra arguments go to cmake's configure step (e.g. -DSYMSWEEP_SANITIZE=ON).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SYMSWEEP_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j"$(nproc)"
