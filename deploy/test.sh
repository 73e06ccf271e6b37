#!/usr/bin/env bash
# Fresh Debian 12, as root: installs everything, builds (warnings are errors), runs every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
"$root/deploy/build.sh" -DSYMSWEEP_WERROR=ON
# mpirun as root, and more ranks than cores, in the MPI tests.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
cd "${SYMSWEEP_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j"$(nproc)" --timeout 600
