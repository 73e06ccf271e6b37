#!/usr/bin/env bash
# Real single-node Slurm for local tests and CI on Debian 12 (root, no systemd).
#
#   deploy/slurm/local-cluster.sh start    install if missing, configure, start, wait until the node is idle
#   deploy/slurm/local-cluster.sh stop     cancel jobs, stop slurmd, slurmctld, munged (if we started it)
#   deploy/slurm/local-cluster.sh status   daemons, sinfo, squeue; exit 0 ready, 3 stopped, 1 degraded
#
# Daemons are started directly (munged as user munge, slurmctld and slurmd as root), not via
# systemd. start is idempotent: a second start while running is a no-op; a start after killed
# daemons restarts what is missing and resumes a down/drained node. See deploy/slurm/README.md.
#
# Environment (all optional):
#   SYMSWEEP_SLURM_DIR      state, spool, logs, pid files   [/var/lib/symsweep-slurm]
#   SYMSWEEP_SLURM_CONF     slurm.conf path; clients read /etc/slurm/slurm.conf unless
#                           SLURM_CONF is exported, so keep the default  [/etc/slurm/slurm.conf]
#   SYMSWEEP_SLURM_CPUS     CPUs declared for the node (oversubscribes the real cores)  [8]
#   SYMSWEEP_SLURM_MEM_MB   RealMemory declared (memory is not a consumable)  [4096]
#   SYMSWEEP_SLURM_MPI      MpiDefault  [pmix if the plugin and libpmix are present, else none]
#   SYMSWEEP_SLURM_TIMEOUT  seconds start waits for the node to become idle  [60]
#   SYMSWEEP_SLURM_FRESH    1: slurmctld starts without recovering old job state (-c)  [1]
#   SYMSWEEP_SLURM_CRED_EXPIRE  AuthInfo cred_expire; a requeued job restarts after it  [10]
set -euo pipefail

DIR="${SYMSWEEP_SLURM_DIR:-/var/lib/symsweep-slurm}"
CONF="${SYMSWEEP_SLURM_CONF:-/etc/slurm/slurm.conf}"
CPUS="${SYMSWEEP_SLURM_CPUS:-8}"
MEM_MB="${SYMSWEEP_SLURM_MEM_MB:-4096}"
TIMEOUT="${SYMSWEEP_SLURM_TIMEOUT:-60}"
FRESH="${SYMSWEEP_SLURM_FRESH:-1}"
CRED_EXPIRE="${SYMSWEEP_SLURM_CRED_EXPIRE:-10}"
NODE="$(hostname -s)"
MARKER="# Written by symsweep deploy/slurm/local-cluster.sh"
PLUGINDIR=/usr/lib/x86_64-linux-gnu/slurm-wlm
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PID=/run/munge/munged.pid
CTLD_PID="$DIR/run/slurmctld.pid"
SLURMD_PID="$DIR/run/slurmd.pid"
MUNGE_OURS="$DIR/run/munged.started-here"

export SLURM_CONF="$CONF"

STARTED=0
log() { echo "local-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- process helpers ---------------------------------------------------------------------------

# running PID: the process exists and is not a zombie (PID 1 in a sandbox may reap late).
running() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ -n "$stat" && "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}

# pid_alive PIDFILE COMM: the pid in PIDFILE is running and its command name is COMM.
pid_alive() {
  local f="$1" comm="$2" pid
  [[ -r "$f" ]] || return 1
  pid="$(tr -dc '0-9' <"$f")"
  [[ -n "$pid" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$comm" ]] && running "$pid"
}
pid_of() { tr -dc '0-9' <"$1"; }

# descendants PID...: the given pids and all their descendants.
descendants() {
  local all=" $* " changed=1 pid ppid
  while ((changed)); do
    changed=0
    while read -r pid ppid; do
      if [[ "$all" == *" $ppid "* && "$all" != *" $pid "* ]]; then
        all+="$pid "
        changed=1
      fi
    done < <(ps -eo pid=,ppid=)
  done
  echo "$all"
}

# stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
  local pid="$1" name="$2" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    running "$pid" || return 0
    sleep 0.1
  done
  log "$name ($pid) ignored SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# Leftover slurmstepd processes (their slurmd is gone) and the job processes under them.
# Only one slurmd can serve this node, so every slurmstepd on the host belongs to this cluster.
kill_orphan_steps() {
  local steps pids
  steps="$(ps -eo pid=,stat=,comm= | awk '$3 == "slurmstepd" && $2 !~ /^Z/ {print $1}' | tr '\n' ' ')"
  [[ -n "${steps// /}" ]] || return 0
  # shellcheck disable=SC2086 # lists of pids
  pids="$(descendants $steps)"
  log "killing leftover slurmstepd and job processes: $pids"
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}

munge_ok() { command -v munge >/dev/null && munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
ctld_ok() { pid_alive "$CTLD_PID" slurmctld && scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_state() { sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null | head -n1; }

# --- install -------------------------------------------------------------------------------------

install_packages() {
  local packages=(slurm-wlm slurm-client slurmctld slurmd slurm-wlm-basic-plugins munge
    libpmix2 libpmix-dev) missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [[ $EUID -eq 0 ]] || die "packages missing (${missing[*]}) and not root"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"/tmp/symsweep-slurm-apt.log" 2>&1; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# --- configure -----------------------------------------------------------------------------------

mpi_default() {
  if [[ -n "${SYMSWEEP_SLURM_MPI:-}" ]]; then
    echo "$SYMSWEEP_SLURM_MPI"
  elif [[ -e "$PLUGINDIR/mpi_pmix.so" && -e /usr/lib/x86_64-linux-gnu/pmix2/lib/libpmix.so ]]; then
    echo pmix
  else
    echo none
  fi
}

write_conf() {
  local mem tmp
  mem="$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)"
  ((mem > MEM_MB)) && mem="$MEM_MB"
  tmp="$(mktemp)"
  cat >"$tmp" <<EOF
$MARKER: single-node test cluster.
# Regenerated by every start; edit the script, not this file.
ClusterName=symsweep
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/slurmd-%n
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: works in containers and sandboxes without a delegated cgroup tree.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# Schedule every 2 s (default 60 s main loop, 30 s backfill) so that jobs whose BeginTime passed
# (e.g. requeued ones) start promptly.
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=$(mpi_default)
# Completed jobs are kept in the controller for MinJobAge seconds and logged to JobCompLoc
# (there is no slurmdbd, so sacct does not work).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
MinJobAge=30
JobRequeue=1
# A requeued job waits cred_expire+1 s before it may start again (default 120 s).
AuthInfo=cred_expire=$CRED_EXPIRE
# SIGTERM -> SIGKILL grace on time limit and scancel: short so that time-limit tests are quick.
KillWait=5
OverTimeLimit=0
InactiveLimit=0
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=10
# Declared CPUs/memory are taken as they are, not from the hardware, so CPUS may exceed the cores.
SlurmdParameters=config_overrides
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if [[ -e "$CONF" ]] && ! grep -qF "$MARKER" "$CONF"; then
    rm -f "$tmp"
    die "$CONF exists and was not written by this script; move it away or set SYMSWEEP_SLURM_CONF"
  fi
  if [[ -e "$CONF" ]] && cmp -s "$tmp" "$CONF"; then
    rm -f "$tmp"
    return 1 # unchanged
  fi
  mkdir -p "$(dirname "$CONF")"
  install -m 0644 "$tmp" "$CONF"
  rm -f "$tmp"
  return 0 # changed
}

setup_munge() {
  if [[ ! -s "$MUNGE_KEY" ]]; then
    log "creating $MUNGE_KEY"
    mkdir -p /etc/munge
    mungekey --create --keyfile="$MUNGE_KEY" 2>/dev/null ||
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
  fi
  chown munge:munge /etc/munge "$MUNGE_KEY"
  chmod 0700 /etc/munge
  chmod 0400 "$MUNGE_KEY"
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  chmod 0711 /var/lib/munge
  chmod 0700 /var/log/munge
}

# --- start / stop / status -----------------------------------------------------------------------

start_munged() {
  if munge_ok; then return 0; fi
  setup_munge
  if pid_alive "$MUNGE_PID" munged; then # alive but not answering: restart it
    stop_pid "$(pid_of "$MUNGE_PID")" munged
  fi
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock "$MUNGE_PID"
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --force --pid-file="$MUNGE_PID"
  STARTED=1
  touch "$MUNGE_OURS"
  local i
  for ((i = 0; i < 50; i++)); do
    munge_ok && return 0
    sleep 0.1
  done
  die "munged does not answer; see /var/log/munge/munged.log"
}

start_slurmctld() {
  if pid_alive "$CTLD_PID" slurmctld; then return 0; fi
  rm -f "$CTLD_PID"
  local flags=(-i)
  [[ "$FRESH" == "1" ]] && flags=(-c -i)
  log "starting slurmctld ${flags[*]}"
  slurmctld "${flags[@]}" -f "$CONF"
  STARTED=1
}

start_slurmd() {
  if pid_alive "$SLURMD_PID" slurmd; then return 0; fi
  rm -f "$SLURMD_PID"
  log "starting slurmd"
  slurmd -f "$CONF"
  STARTED=1
}

stop_daemons() {
  local name f
  for name in slurmd slurmctld; do
    f="$DIR/run/$name.pid"
    if pid_alive "$f" "$name"; then
      log "stopping $name"
      stop_pid "$(pid_of "$f")" "$name"
    fi
    rm -f "$f"
  done
}

cmd_start() {
  local t0 changed=0 i state resumed=0
  t0="$(date +%s%N)"
  [[ $EUID -eq 0 ]] || die "start must run as root"
  install_packages
  mkdir -p "$DIR/state" "$DIR/spool/slurmd-$NODE" "$DIR/log" "$DIR/run"
  write_conf && changed=1
  if ((changed)) && { pid_alive "$CTLD_PID" slurmctld || pid_alive "$SLURMD_PID" slurmd; }; then
    log "configuration changed: restarting slurmctld and slurmd"
    stop_daemons
  fi
  start_munged
  if ! pid_alive "$CTLD_PID" slurmctld; then
    # A new controller forgets the old jobs: their leftover steps would only get in the way.
    if [[ "$FRESH" == "1" ]] && ! pid_alive "$SLURMD_PID" slurmd; then kill_orphan_steps; fi
  fi
  start_slurmctld
  start_slurmd

  for ((i = 0; i < TIMEOUT * 4; i++)); do
    state="$(node_state)"
    case "$state" in
      idle | mix | alloc | comp)
        ((STARTED || resumed)) || log "already running"
        local ms=$((($(date +%s%N) - t0) / 1000000))
        printf 'local-cluster: node %s is %s; ready in %d.%03d s (SLURM_CONF=%s)\n' \
          "$NODE" "$state" $((ms / 1000)) $((ms % 1000)) "$CONF"
        return 0
        ;;
      down | drain | drng | fail | down\* | drain\* | drng\*)
        # Left down or drained by a previous run (e.g. killed slurmd): put it back in service.
        if ((!resumed)) || ((i % 20 == 0)); then
          log "node is $state; resuming"
          scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
          resumed=1
        fi
        ;;
    esac
    pid_alive "$CTLD_PID" slurmctld || die "slurmctld exited; see $DIR/log/slurmctld.log"
    if ((i > 8)) && ! pid_alive "$SLURMD_PID" slurmd; then
      die "slurmd exited; see $DIR/log/slurmd.log"
    fi
    sleep 0.25
  done
  sinfo -N -l >&2 || true
  die "node $NODE not idle after ${TIMEOUT}s; see $DIR/log/"
}

cmd_stop() {
  local i jobs
  if ctld_ok; then
    jobs="$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')"
    if [[ -n "${jobs// /}" ]]; then
      log "cancelling jobs: $jobs"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 60; i++)); do # KillWait=5 bounds how long steps take to die
        [[ -z "$(squeue -h -t running,completing -o %A 2>/dev/null)" ]] && break
        sleep 0.25
      done
    fi
  fi
  stop_daemons
  kill_orphan_steps
  if [[ -e "$MUNGE_OURS" ]]; then
    if pid_alive "$MUNGE_PID" munged; then
      log "stopping munged"
      stop_pid "$(pid_of "$MUNGE_PID")" munged
    fi
    rm -f "$MUNGE_OURS" "$MUNGE_PID"
  fi
  log "stopped"
}

cmd_status() {
  local name f up=0 rc
  for name in munged slurmctld slurmd; do
    case "$name" in
      munged) f="$MUNGE_PID" ;;
      *) f="$DIR/run/$name.pid" ;;
    esac
    if pid_alive "$f" "$name"; then
      echo "$name: running (pid $(pid_of "$f"))"
      up=$((up + 1))
    else
      echo "$name: not running"
    fi
  done
  if ((up == 0)); then return 3; fi
  sinfo 2>&1 || true
  squeue 2>&1 || true
  rc=1
  case "$(node_state)" in idle | mix | alloc | comp) ((up == 3)) && rc=0 ;; esac
  return "$rc"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
