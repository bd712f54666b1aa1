#!/usr/bin/env bash
# A real single-node Slurm on localhost for the tests: munged, slurmctld and slurmd in the foreground
# (no systemd, no cgroups), every file in one temporary folder, nothing written to /etc/slurm.
#
#   cluster.sh install      install the Debian packages if missing (needs root and apt; exit 3 if impossible)
#   cluster.sh run DIR      start the cluster in DIR, print "SLURM_CONF=DIR/slurm.conf" once the node is
#                           idle, then wait until stdin closes or SIGTERM/SIGINT; tear down on exit
#
# Ports: SLURM_TEST_CTLD_PORT / SLURM_TEST_SLURMD_PORT (default 16817 / 16818).
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)

install() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "cluster.sh: Slurm packages missing (${missing[*]}) and cannot install them: needs root and apt-get" >&2
    exit 3
  fi
  export DEBIAN_FRONTEND=noninteractive
  # One update per machine is enough; the package lists stay valid for the install that follows.
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null || { echo "cluster.sh: apt-get update failed" >&2; exit 3; }
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { echo "cluster.sh: apt-get install ${missing[*]} failed" >&2; exit 3; }
  fi
}

PIDS=()
DIR=""
CAT_PID=""

teardown() {
  set +e
  [ -n "$CAT_PID" ] && kill "$CAT_PID" 2>/dev/null
  if [ -n "$DIR" ] && [ -f "$DIR/slurm.conf" ]; then
    # Cancel jobs first so slurmd does not leave trainers running after it is gone.
    SLURM_CONF="$DIR/slurm.conf" timeout 5 scancel --full --quiet --user="$(id -un)" 2>/dev/null
    sleep 0.5
  fi
  # Reverse start order: slurmd, slurmctld, then munged (they authenticate through it until the end).
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[$i]}" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
}

run() {
  DIR="$(cd "$1" && pwd)"
  trap teardown EXIT
  trap 'exit 0' TERM INT
  local host cpus mem_mb ctld_port slurmd_port
  host="$(hostname -s)"
  cpus="$(nproc)"
  mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 8 / 10 / 1024 ))
  ctld_port="${SLURM_TEST_CTLD_PORT:-16817}"
  slurmd_port="${SLURM_TEST_SLURMD_PORT:-16818}"
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/munge"
  chmod 755 "$DIR"

  # A private munged with its own socket, so a system munged (or another test cluster) is left alone.
  chown munge:munge "$DIR/munge"
  chmod 755 "$DIR/munge"
  setpriv --reuid=munge --regid=munge --init-groups \
    munged -F --socket="$DIR/munge/munge.socket" --pid-file="$DIR/munge/munged.pid" \
    --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" >"$DIR/munge/munged.out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do [ -S "$DIR/munge/munge.socket" ] && break; sleep 0.1; done
  munge --socket="$DIR/munge/munge.socket" -n | unmunge --socket="$DIR/munge/munge.socket" >/dev/null \
    || { echo "cluster.sh: munged does not answer (see $DIR/munge/munged.log)" >&2; exit 4; }

  cat >"$DIR/slurm.conf" <<EOF
ClusterName=dcltest
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$DIR/slurm.conf"
  slurmctld -D -c -f "$SLURM_CONF" >"$DIR/log/slurmctld.out" 2>&1 &
  PIDS+=($!)
  slurmd -D -c -f "$SLURM_CONF" >"$DIR/log/slurmd.out" 2>&1 &
  PIDS+=($!)

  local state=""
  for _ in $(seq 300); do
    state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
    [ "$state" = "idle" ] && break
    sleep 0.1
  done
  if [ "$state" != "idle" ]; then
    echo "cluster.sh: the node did not become idle (state \"$state\"); logs in $DIR/log" >&2
    exit 5
  fi
  echo "SLURM_CONF=$SLURM_CONF"
  # Until the test process closes our stdin (or dies, which closes it too). In the background with
  # `wait`, because bash runs a TERM trap only once the foreground command returns (and with an explicit
  # <&0, because a background command otherwise reads /dev/null).
  cat <&0 >/dev/null &
  CAT_PID=$!
  wait "$CAT_PID" || true
}

case "${1:-}" in
  install) install ;;
  run) [ -n "${2:-}" ] || { echo "usage: cluster.sh run DIR" >&2; exit 2; }; install; run "$2" ;;
  *) echo "usage: cluster.sh install | cluster.sh run DIR" >&2; exit 2 ;;
esac
