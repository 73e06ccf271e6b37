#!/usr/bin/env bash
# Fresh Debian 12, as root: installs everything, builds, and runs the main job.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
"$root/deploy/build.sh"
"$root/build/sweeps/symsweep" train --group cyclic:23 --width 512 --data-fraction 0.5 \
  --augment none --seed 0 --steps 2000 --optimizer adamw --lr 3e-3 --weight-decay 0.1 \
  --init-scale 0.3 --precision f32 --log-every 100
