#!/usr/bin/env bash
# Fresh Debian 12, as root: installs everything, builds, and runs the main job: the quickstart
# sweep (3 cyclic groups x 8 data fractions x 3 seeds) on 3 MPI ranks into quickstart.db, then
# prints the data-fraction threshold it shows and the fitted critical fractions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
"$root/deploy/build.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
bin="$root/build/sweeps/symsweep"
db=${SYMSWEEP_DB:-$root/quickstart.db}
# A relaunch continues where a previous one stopped (and does nothing if it is complete).
mpirun --oversubscribe -np 3 "$bin" run "$root/sweeps/examples/quickstart.toml" --db "$db"
"$bin" sql --db "$db" "SELECT group_order AS n, data_fraction AS f,
    round(avg(test_acc), 3) AS test_acc, round(avg(binary_gap), 3) AS binary_gap
  FROM runs GROUP BY 1, 2 ORDER BY 1, 2"
"$bin" fit --db "$db" --eps 0.5,0.1
