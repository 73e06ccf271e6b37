#!/usr/bin/env bash
# Checks the facts in deploy/slurm/README.md against a running local cluster
# (deploy/slurm/local-cluster.sh start). Quick checks take ~40 s; --with-timelimit adds the
# --time=1 and --signal=B:USR1@30 checks (~95 s more). Prints "N passed, N failed".
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
W="$(mktemp -d /tmp/symsweep-slurm-smoke.XXXXXX)"
trap 'scancel --name=smoke >/dev/null 2>&1; rm -rf "$W"' EXIT
cd "$W" || exit 1 # jobs write their default slurm-N.out to the submit directory
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { # check NAME COMMAND...
  local name="$1"
  shift
  if "$@"; then ok "$name"; else ko "$name"; fi
}
now() { date +%s.%N | cut -c1-14; }
wait_for() { # wait_for SECONDS COMMAND...: poll until COMMAND succeeds
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.25
  done
}
state() { squeue -h -j "$1" -o %T 2>/dev/null; }
is_running() { [[ "$(state "$1")" == RUNNING ]]; }
is_gone() { case "$(state "$1")" in PENDING | RUNNING | COMPLETING | CONFIGURING | REQUEUED | SUSPENDED) return 1 ;; esac; }
has() { grep -q "$2" "$1" 2>/dev/null; }

"$here/local-cluster.sh" status >/dev/null || { echo "cluster not ready: run $here/local-cluster.sh start"; exit 1; }

# Batch shell and its helpers log every USR1/TERM they get, with a time stamp.
cat >"$W/child.sh" <<'EOF'
#!/bin/bash
name="$1${SLURM_PROCID:+.$SLURM_PROCID}"; log="$2"
t() { echo "$(date +%s.%N | cut -c1-14) $name $*" >> "$log"; }
trap 't got-USR1' USR1; trap 't got-TERM' TERM
t started
while :; do sleep 0.5 & wait $!; done
EOF
cat >"$W/job.sh" <<'EOF'
#!/bin/bash
t() { echo "$(date +%s.%N | cut -c1-14) batch $*" >> "$LOG"; }
trap 't got-USR1' USR1; trap 't got-TERM' TERM
t started restart=${SLURM_RESTART_COUNT:-unset}
"$W/child.sh" child "$LOG" &
srun -n 2 --mpi=none "$W/child.sh" step "$LOG" &
while :; do sleep 0.5 & wait $!; done
EOF
chmod +x "$W/child.sh" "$W/job.sh"
export W
submit() { # submit NAME [sbatch options]: job.sh logging to $W/NAME.log
  local n="$1"
  shift
  LOG="$W/$n.log" sbatch --parsable --job-name=smoke -n 2 -o "$W/$n.out" "$@" "$W/job.sh"
}
steps_started() { [[ "$(grep -c 'step.*started' "$1" 2>/dev/null)" -ge 2 ]]; }

# 1. sbatch --wrap
j=$(sbatch --parsable --job-name=smoke -o "$W/wrap.out" --wrap hostname)
wait_for 30 is_gone "$j"
check "sbatch --wrap hostname" grep -qx "$(hostname -s)" "$W/wrap.out"

# 2. srun -n 4 oversubscribing the cores
check "srun -n 4 hostname" test "$(srun -n 4 hostname | wc -l)" -eq 4

# 3. MPI hello: srun --mpi=pmix and mpirun inside an allocation
cat >"$W/hello.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv) {
  int rank, size, sum = 0;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  printf("rank %d of %d sum %d\n", rank, size, sum);
  MPI_Finalize();
  return 0;
}
EOF
mpicc -o "$W/hello" "$W/hello.c"
check "srun -n 4 --mpi=pmix ./hello" test "$(timeout 60 srun -n 4 --mpi=pmix "$W/hello" | grep -c 'of 4 sum 6')" -eq 4
check "srun -n 4 ./hello (MpiDefault)" test "$(timeout 60 srun -n 4 "$W/hello" | grep -c 'of 4 sum 6')" -eq 4
check "srun --mpi=pmi2 fails (Open MPI has no PMI2)" bash -c "! timeout 60 srun -n 2 --mpi=pmi2 '$W/hello' >/dev/null 2>&1"
check "salloc -n 4 mpirun ./hello" test "$(timeout 60 salloc -n 4 --job-name=smoke mpirun -np 4 "$W/hello" 2>/dev/null | grep -c 'of 4 sum 6')" -eq 4
printf '#!/bin/bash\nsrun %s\nmpirun -np 4 %s\nmpirun -np 6 --oversubscribe %s\n' "$W/hello" "$W/hello" "$W/hello" >"$W/mpi.sh"
j=$(sbatch --parsable --job-name=smoke -n 4 -o "$W/mpi.out" "$W/mpi.sh")
wait_for 60 is_gone "$j"
check "sbatch -n 4: srun ./hello, mpirun -np 4, mpirun -np 6 --oversubscribe" \
  test "$(grep -c 'of 4 sum 6' "$W/mpi.out"),$(grep -c 'of 6 sum 15' "$W/mpi.out")" = 8,6

# 4. scancel --signal=USR1: plain -> steps only, --batch -> batch shell only, --full -> everything
for mode in plain batch full; do
  j=$(submit "$mode")
  wait_for 30 steps_started "$W/$mode.log"
  case $mode in
    plain) scancel --signal=USR1 "$j" ;;
    batch) scancel --signal=USR1 --batch "$j" ;;
    full) scancel --signal=USR1 --full "$j" ;;
  esac
  sleep 2
  scancel "$j"
  L="$W/$mode.log"
  b=$(grep -c 'batch got-USR1' "$L") c=$(grep -c 'child.* got-USR1' "$L") s=$(grep -c 'step.* got-USR1' "$L")
  case $mode in
    plain) check "scancel --signal=USR1: steps only (batch=$b child=$c steps=$s)" test "$b$c$s" = 002 ;;
    batch) check "scancel --signal=USR1 --batch: batch shell only (batch=$b child=$c steps=$s)" test "$b$c$s" = 100 ;;
    full) check "scancel --signal=USR1 --full: all (batch=$b child=$c steps=$s)" test "$b$c$s" = 112 ;;
  esac
done

# 5. requeue: scontrol requeue restarts the script with SLURM_RESTART_COUNT=1
j=$(submit requeue --requeue --open-mode=append)
wait_for 30 steps_started "$W/requeue.log"
t0=$SECONDS
scontrol requeue "$j"
if wait_for 90 has "$W/requeue.log" 'restart=1'; then
  ok "scontrol requeue: restarted with SLURM_RESTART_COUNT=1 after $((SECONDS - t0)) s"
else
  ko "scontrol requeue: no restart in 90 s"
fi
scancel "$j"
j=$(sbatch --parsable --job-name=smoke --no-requeue -o /dev/null --wrap 'sleep 60')
wait_for 30 is_running "$j"
check "scontrol requeue refuses a --no-requeue job" bash -c "! scontrol requeue $j 2>/dev/null"
scancel "$j"

# 6. time limits (slow): --time=1 and --signal=B:USR1@30
if [[ "${1:-}" == "--with-timelimit" ]]; then
  jt=$(submit tlim --time=1)
  jb=$(submit bsig --time=1 --signal=B:USR1@30)
  wait_for 30 steps_started "$W/tlim.log"
  wait_for 30 steps_started "$W/bsig.log"
  wait_for 120 has "$W/tlim.log" 'batch got-TERM'
  wait_for 30 has "$W/bsig.log" 'batch got-TERM'
  start=$(awk '/batch started/ {print $1; exit}' "$W/tlim.log")
  term=$(awk '/batch got-TERM/ {print $1; exit}' "$W/tlim.log")
  if [[ -n "$term" ]]; then
    ok "--time=1: SIGTERM to batch+steps $(echo "$term - $start" | awk '{print $1 - $3}') s after start"
  else
    ko "--time=1: no SIGTERM in 150 s"
  fi
  start=$(awk '/batch started/ {print $1; exit}' "$W/bsig.log")
  usr1=$(awk '/batch got-USR1/ {print $1; exit}' "$W/bsig.log")
  s=$(grep -c 'step.* got-USR1' "$W/bsig.log")
  if [[ -n "$usr1" && "$s" == 0 ]]; then
    ok "--signal=B:USR1@30: USR1 to batch shell only, $(echo "$usr1 - $start" | awk '{print $1 - $3}') s after start"
  else
    ko "--signal=B:USR1@30: usr1='$usr1' steps=$s"
  fi
  wait_for 30 is_gone "$jt"
  check "--time=1 job ends as TIMEOUT" grep -q 'TIME LIMIT' "$W/tlim.out"
  scancel "$jb" 2>/dev/null
fi

echo "$pass passed, $fail failed"
((fail == 0))
