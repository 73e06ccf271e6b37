#!/usr/bin/env bash
# Installs symsweep's build, test and benchmark dependencies from Debian 12 packages.
# Idempotent: packages already present are left alone. Run as root.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libopenmpi-dev openmpi-bin libboost-mpi-dev libboost-serialization-dev
  libeigen3-dev libspectra-dev libopenblas-dev libsqlite3-dev sqlite3 libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  gnuplot-nox
  python3 python3-numpy python3-torch
  chromium python3-websocket
  clang-tidy
  valgrind
  gap-core gap-libs gap-gapdoc gap-primgrp gap-smallgrp gap-transgrp
)
# GAP (gap-*): gap:EXPR group specs, `symsweep groups --order N` and group axes by structure
# (docs/groups.md), and the character-table tests against GAP. Optional at run time: symsweep
# asks GAP each question once and keeps the answer (cache, database).
# python3-torch: the reference tests (tests/reference) check symsweep's optimisers and losses
# against torch.optim. The benchmarks compare against the PyTorch script a researcher would
# write, with OpenBLAS's threaded build.
if [[ "${SYMSWEEP_WITH_TORCH:-0}" == "1" ]]; then
  packages+=(libopenblas0-pthread)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
