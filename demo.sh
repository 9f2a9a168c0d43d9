#!/usr/bin/env bash
# The seed's walkthrough, for real, on a local pool: run as root on a fresh Debian 12 or 13 machine.
# Builds what it needs on first use (the Debian 13 image with HTCondor and osg-worker), starts a
# central manager and one worker from a seed-style /etc/osg-worker.conf, runs the seed's
# condor_status query, shows that only the job matching Start runs and a job running in an
# Apptainer container (the Debian 13 image the central manager serves), then shows the worker
# shutting itself down after a short idle timeout. Tears everything down at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SAY_NAME=demo
# shellcheck source=tools/lib.sh
. tools/lib.sh
POOL=$PWD/tools/osg-pool
IDLE_TIMEOUT=30s
IMAGE_URL=http://cm.osgpool.test/images/debian-13.sif

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
# on WHERE DISPLAY CMD...: prints the command as a user would type it there, then runs it.
on() { printf '[%s]$ %s\n' "$1" "$2"; shift 2; "$@"; }

cleanup() { "$POOL" down >/dev/null 2>&1 || true; rm -rf "${work:-}"; }

wait_for() {  # SECONDS CMD...
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || err "timed out waiting for: $*"
    sleep 1
  done
}

main() {
  ensure_host_root
  step "Building the Debian 13 worker image (first run: about two minutes)"
  tools/image
  "$POOL" down >/dev/null 2>&1 || true
  work=$(mktemp -d /tmp/osg-demo.XXXXXX)
  trap cleanup EXIT

  step "Starting a local pool: collector, negotiator and schedd at cm.osgpool.test"
  "$POOL" up

  step "The user-data of the seed's README writes /etc/osg-worker.conf (token minted by the pool)"
  (umask 077
   { echo "WorkerGroupName = My Test Workers"
     printf 'Token = %s\n' "$("$POOL" token)"
     echo 'Start = TARGET.ProjectName == "TG-NNNNNN"'
     echo "CentralManager = cm.osgpool.test"
     echo "IdleTimeout = $IDLE_TIMEOUT"
     echo "# Jobs that name no container image run in this one (the pool's own web server)."
     echo "DefaultImage = $IMAGE_URL"
     echo "# The demo's stand-in for a power-off: it records the moment and ends the instance."
     echo "ShutdownAction = command:/usr/local/sbin/osgp-record-shutdown"
   } >"$work/osg-worker.conf")
  sed 's/^Token = .*/Token = <the token, a secret: never shown>/' "$work/osg-worker.conf"

  step "osg-worker check validates it without touching anything"
  (cd "$work" && "$POOL" run osg-worker check --config ./osg-worker.conf)

  step "Booting a worker instance (inbound connections blocked: only CCB reaches it)"
  "$POOL" worker w1 --config "$work/osg-worker.conf"
  wait_for 90 sh -c "'$POOL' cm condor_status -const 'WorkerGroupName == \"My Test Workers\"' -af Name | grep -q ."

  step "The seed's monitoring query finds it"
  on cm "condor_status -const 'WorkerGroupName == \"My Test Workers\"'" \
    "$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"'

  step "Submitting one job for TG-NNNNNN (matches Start) and one for TG-OTHER (does not)"
  match=$("$POOL" submit --project TG-NNNNNN --sleep 5)
  other=$("$POOL" submit --project TG-OTHER --sleep 5)
  echo "TG-NNNNNN job: cluster $match; TG-OTHER job: cluster $other"
  wait_for 180 sh -c "'$POOL' cm condor_history $match -af JobStatus -limit 1 | grep -qx 4"
  on cm "condor_history $match -af ClusterId ProjectName JobStatus ExitCode LastRemoteHost" \
    "$POOL" cm condor_history "$match" -af ClusterId ProjectName JobStatus ExitCode LastRemoteHost
  on cm "condor_q $other -af ClusterId ProjectName JobStatus" \
    "$POOL" cm condor_q "$other" -af ClusterId ProjectName JobStatus
  echo "JobStatus 4 = completed, 1 = idle: only the job matching Start ran."

  step "A job in an Apptainer container: container_image = $IMAGE_URL"
  wait_for 180 sh -c "'$POOL' cm condor_status -const 'OSG_NODE_VALIDATED' -af Name | grep -q ."
  on cm "condor_status -af Name HAS_SINGULARITY SINGULARITY_CAN_USE_SIF OSG_OS_STRING OSG_NODE_VALIDATED" \
    "$POOL" cm condor_status -af Name HAS_SINGULARITY SINGULARITY_CAN_USE_SIF OSG_OS_STRING OSG_NODE_VALIDATED
  "$POOL" cm runuser -u researcher -- sh -c 'mkdir -p ~/jobs && cat >~/jobs/in-container.sh &&
    chmod 755 ~/jobs/in-container.sh' <<'JOB'
#!/bin/sh
. /etc/os-release
echo "Running in $PRETTY_NAME from the image $APPTAINER_CONTAINER, sandbox $(pwd)"
JOB
  cat >"$work/container.sub" <<SUB
universe = container
container_image = $IMAGE_URL
executable = in-container.sh
+ProjectName = "TG-NNNNNN"
request_cpus = 1
request_memory = 128
request_disk = 200000
output = container.out
log = container.log
queue
SUB
  on cm "cat container.sub" cat "$work/container.sub"
  local container
  container=$("$POOL" submit "$work/container.sub")
  wait_for 180 sh -c "'$POOL' cm condor_history $container -af JobStatus -limit 1 | grep -qx 4"
  on cm "cat container.out" "$POOL" cm cat /home/researcher/jobs/container.out

  step "On the worker: osg-worker status"
  on w1 "osg-worker status" "$POOL" exec w1 osg-worker status

  step "Waiting for the idle shutdown (IdleTimeout = $IDLE_TIMEOUT after the job ended)"
  local record=.build/pool/instances/w1/upper/var/lib/osgp/shutdown-at
  wait_for 180 test -s "$record"
  grep -E 'lifecycle|shutdown action|supervisor' .build/pool/instances/w1/console.log
  echo "Shutdown action ran at $(date -d "@$(cut -d. -f1 "$record")" '+%H:%M:%S'); on a real VM this is a power-off."

  step "What it did and what it cost, from the worker's ledger: osg-worker report"
  (cd .build/pool/instances/w1/upper/var/lib/osg-worker &&
    "$POOL" run osg-worker report --ledger ./ledger.jsonl)

  step "Done: tearing the pool down"
}

main "$@"
