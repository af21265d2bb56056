#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the system tests and for trying
# `diffinfer slurm submit` locally (Slurm 22.05 from Debian's slurm-wlm, munge; run as root,
# no systemd, no cgroups).
#
#   test/system/slurm-cluster.sh start DIR   # start munged, slurmctld, slurmd; wait for an idle node;
#                                           # prints SLURM_CONF=DIR/etc/slurm.conf (export it)
#   test/system/slurm-cluster.sh stop DIR    # stop every daemon this script started (by pid)
#
# Everything lives in DIR (config, munge key/seed/socket, state, spool, logs, pid files); the
# daemons listen on two free ports above 16817, so a cluster already on the machine is not touched.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

# a free TCP port from $1 up (nothing accepts a connection on it)
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

stop() {
  local pidfile pid
  [ -d "$dir/pids" ] || return 0
  # reverse start order: slurmd, slurmctld, munged
  for name in slurmd slurmctld munged; do
    pidfile="$dir/pids/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

start() {
  for bin in mungekey munged slurmctld slurmd sinfo; do
    command -v "$bin" >/dev/null || { echo "$0: $bin not found (apt-get install -y slurm-wlm munge)" >&2; exit 2; }
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # munged needs execute permission for all on every folder above its socket
  local up=$dir
  while [ "$up" != / ]; do
    up=$(dirname "$up")
    [ -n "$(find "$up" -maxdepth 0 -perm -o+x)" ] || { echo "$0: $up is not searchable by all (chmod o+x it): munged refuses its socket below it" >&2; exit 2; }
  done
  local host
  host=$(hostname -s)
  mkdir -p "$dir"/{etc,state,spool,log,pids,run}
  # munge refuses keys and seeds in folders others can write to, and a socket folder others cannot read
  install -d -m 0700 "$dir/munge-key" "$dir/munge-seed"
  install -d -m 0755 "$dir/munge-run"
  chmod 0755 "$dir"
  local key="$dir/munge-key/munge.key" socket="$dir/munge-run/munge.socket"
  [ -f "$key" ] || mungekey --create --keyfile="$key"
  munged -F --key-file="$key" --socket="$socket" --pid-file="$dir/run/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge-seed/munged.seed" >>"$dir/log/munged.out" 2>&1 &
  echo $! >"$dir/pids/munged.pid"
  for _ in $(seq 1 50); do [ -S "$socket" ] && break; sleep 0.1; done
  [ -S "$socket" ] || { echo "$0: munged did not start (see $dir/log/munged.log)" >&2; stop; exit 1; }

  local topology ctld_port slurmd_port
  # "NodeName=vm CPUs=2 Boards=1 ... RealMemory=24105": the CPU topology without the name and memory
  topology=$(slurmd -C | head -1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
  ctld_port=$(free_port 16817)
  slurmd_port=$(free_port $((ctld_port + 1)))
  cat >"$dir/etc/slurm.conf" <<EOF
ClusterName=diffinfer-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=5
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 ${topology}State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$dir/etc/slurm.conf"
  slurmctld -D -i -f "$SLURM_CONF" >>"$dir/log/slurmctld.out" 2>&1 &
  echo $! >"$dir/pids/slurmctld.pid"
  slurmd -D -N "$host" -f "$SLURM_CONF" >>"$dir/log/slurmd.out" 2>&1 &
  echo $! >"$dir/pids/slurmd.pid"
  # the node is idle in about 5 s
  for _ in $(seq 1 300); do
    if [ "$(sinfo -h -N -o '%t' 2>/dev/null | head -1)" = "idle" ]; then
      echo "SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    for name in slurmctld slurmd; do
      kill -0 "$(cat "$dir/pids/$name.pid")" 2>/dev/null || { echo "$0: $name exited (see $dir/log/$name.log)" >&2; stop; exit 1; }
    done
    sleep 0.2
  done
  echo "$0: the node did not become idle in 60 s (see $dir/log)" >&2
  stop
  exit 1
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
