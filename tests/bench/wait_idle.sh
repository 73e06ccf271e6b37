# Sourced by the benchmark scripts (not run on its own). On a shared machine, waits before each
# measurement until the CPUs are idle: `wait_idle` returns once the idle share of all CPUs over
# IDLE_WINDOW seconds (3) reaches IDLE_MIN percent, or after IDLE_TIMEOUT seconds (600) with a
# note on stderr. IDLE_MIN unset or 0 (the default): no waiting. Prints the idle share it saw to
# stderr, so the log shows the conditions of every run.

_idle_pct() {  # idle % of all CPUs over $1 seconds, from /proc/stat
  local _c u n s i w x y z t1 i1 t2 i2
  read -r _c u n s i w x y z _ </proc/stat
  t1=$((u + n + s + i + w + x + y + z)) i1=$((i + w))
  sleep "$1"
  read -r _c u n s i w x y z _ </proc/stat
  t2=$((u + n + s + i + w + x + y + z)) i2=$((i + w))
  echo $((100 * (i2 - i1) / (t2 - t1 > 0 ? t2 - t1 : 1)))
}

wait_idle() {
  local min=${IDLE_MIN:-0} window=${IDLE_WINDOW:-3} timeout=${IDLE_TIMEOUT:-600}
  ((min > 0)) || return 0
  local start=$SECONDS idle
  while true; do
    idle=$(_idle_pct "$window")
    if ((idle >= min)); then
      echo "#   idle ${idle}% (waited $((SECONDS - start)) s)" >&2
      return 0
    fi
    if ((SECONDS - start >= timeout)); then
      echo "#   idle ${idle}% after ${timeout} s: measuring anyway (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
      return 0
    fi
  done
}
