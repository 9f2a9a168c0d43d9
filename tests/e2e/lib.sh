# Helpers for the end-to-end tests: each test sources this, then builds a pool with osg-pool.
# Tests poll with generous limits; they assert behaviour, never speed (that is bench/'s job).
# shellcheck shell=bash
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
POOL=$REPO_DIR/tools/osg-pool
INSTANCES=$REPO_DIR/.build/pool${OSG_POOL_ID:-}/instances
VMS=$REPO_DIR/.build/pool${OSG_POOL_ID:-}/vms
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/osg-e2e-$TEST_NAME.XXXXXX")
chmod 700 "$WORK"

log() { printf '[%s %s] %s\n' "$(date +%T)" "$TEST_NAME" "$*"; }
fail() {
  log "FAIL: $*"
  dump_logs
  exit 1
}

# The VMs come last, their consoles at the very end: a CI summary shows only the log's last lines,
# and a VM that stopped answering says why on its console (a boot stuck, a kernel message).
dump_logs() {
  local d
  for d in "$INSTANCES"/*/; do
    [ -d "$d" ] || continue
    echo "===== $(basename "$d"): console (osg-worker's log) ====="
    tail -n 40 "$d/console.log" 2>/dev/null || true
    echo "===== $(basename "$d"): HTCondor logs ====="
    "$POOL" logs "$(basename "$d")" 2>/dev/null | grep -v '^==> console.log' | tail -n 60 || true
  done
  for d in "$VMS"/*/; do
    [ -d "$d" ] || continue
    echo "===== vm $(basename "$d"): $(tr '\n' ' ' <"$d/vm.log" 2>/dev/null) ====="
    echo "===== vm $(basename "$d"): journal (its last lines) ====="
    tail -n 80 "$d/journal.log" 2>/dev/null || true
    echo "===== vm $(basename "$d"): console (its last lines) ====="
    tail -n 30 "$d/console.log" 2>/dev/null || true
  done
}

cleanup() {
  "$POOL" down >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# wait_until SECONDS DESCRIPTION CMD...: polls CMD once a second until it succeeds.
wait_until() {
  local secs=$1 what=$2 end; shift 2
  end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || fail "timed out after ${secs}s waiting for: $what"
    sleep 1
  done
  log "ok: $what"
}

# never_within SECONDS DESCRIPTION CMD...: fails if CMD succeeds at any poll during SECONDS.
never_within() {
  local secs=$1 what=$2 end; shift 2
  end=$((SECONDS + secs))
  while [ "$SECONDS" -lt "$end" ]; do
    if "$@" >/dev/null 2>&1; then fail "happened but must not: $what"; fi
    sleep 1
  done
  log "ok: for ${secs}s, not: $what"
}

assert_contains() {  # TEXT NEEDLE DESCRIPTION
  case $1 in *"$2"*) log "ok: $3" ;; *) fail "$3: expected to find [$2] in: $1" ;; esac
}

pool_up() {
  "$POOL" down >/dev/null 2>&1 || true
  "$POOL" up
}

# A seed-style config with a freshly minted token; extra lines (IdleTimeout = ...) appended.
# The shutdown action records the moment and ends the instance, standing in for a power-off.
write_config() {  # FILE [EXTRA LINES...]
  local file=$1; shift
  {
    echo "WorkerGroupName = My Test Workers"
    printf 'Token = %s\n' "$("$POOL" token)"
    echo 'Start = TARGET.ProjectName == "TG-NNNNNN"'
    echo "CentralManager = cm.osgpool.test"
    echo "ShutdownAction = command:/usr/local/sbin/osgp-record-shutdown"
    local line
    for line in "$@"; do echo "$line"; done
  } >"$file"
  chmod 600 "$file"
}

# The seed's monitoring query, run on the central manager.
seed_query() {
  "$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af Name
}

worker_listed() { [ -n "$(seed_query 2>/dev/null)" ]; }

worker_status_json() {  # NAME
  "$POOL" exec "$1" osg-worker status --json
}

# When the shutdown action ran (seconds since the epoch), from the instance's files.
shutdown_time() {  # NAME
  cat "$INSTANCES/$1/upper/var/lib/osgp/shutdown-at"
}
shutdown_happened() { [ -s "$INSTANCES/$1/upper/var/lib/osgp/shutdown-at" ]; }

json_field() {  # JSON FIELD
  python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print("" if v is None else v)' "$1" "$2"
}

submit_job() {  # PROJECT SLEEP_SECONDS -> prints the cluster id
  "$POOL" submit --project "$1" --sleep "$2"
}

job_status() {  # CLUSTER -> HTCondor JobStatus (1 idle, 2 running, 4 completed), from queue or history
  local s
  s=$("$POOL" cm condor_q "$1" -af JobStatus 2>/dev/null)
  [ -n "$s" ] || s=$("$POOL" cm condor_history "$1" -af JobStatus -limit 1 2>/dev/null)
  echo "$s"
}
job_is() { [ "$(job_status "$1")" = "$2" ]; }

# --- VM tests (tests/e2e/vm_*.sh): the cloud image (tools/vm-image) booted under qemu ----------
# by `osg-pool vm`, with real systemd and cloud-init. The test bed differs from a cloud in what
# the user-data's second part (vm_test_part) does, and only there.
# shellcheck disable=SC2034  # for the VM tests that source this file
VM_IMAGE=$REPO_DIR/.build/vm/osg-worker.qcow2

# seed_script TOKEN_FILE: the seed's boot script, word for word, with the token filled in.
seed_script() {
  printf '#!/bin/bash\ncat >/etc/osg-worker.conf <<EOF\nWorkerGroupName = My Test Workers\nToken = %s\nStart = TARGET.ProjectName == "TG-NNNNNN"\nEOF\n' \
    "$(cat "$1")"
}

# ospool_vm_setup: a VM test's start: the image is there, a fresh pool answering as the OSPool,
# a token in $WORK/token and the seed's script with it in $WORK/seed.sh.
ospool_vm_setup() {
  [ -f "$VM_IMAGE" ] || fail "no VM image: run tools/vm-image"
  "$POOL" down >/dev/null 2>&1 || true
  "$POOL" up --ospool
  "$POOL" token >"$WORK/token"
  seed_script "$WORK/token" >"$WORK/seed.sh"
}

# vm_test_part [IDLE_TIMEOUT]: the test bed's cloud-config part of a VM's user-data.
# - The OSPool's names (which a seed-style config dials) resolve to the local central manager,
#   which `osg-pool up --ospool` runs the OSPool's collector sockets on.
# - A drop-in shortens IdleTimeout (the seed's script stays as it is) and names the cm's
#   container image as DefaultImage: the OSPool's (the default) is out of reach here, and a job
#   naming no image does not match a worker whose default image failed.
# - The journal streams to the second serial port (the host's vms/NAME/journal.log), so that the
#   test reads the guest's journal live, as a cloud's serial console would show it. The streamer
#   has no default dependencies, so that the shutdown does not stop it: the power-off's own lines
#   reach the host too.
vm_test_part() {
  cat <<EOF
#cloud-config
manage_etc_hosts: false
bootcmd:
  - [systemd-run, --no-block, --unit=osgp-journal, --quiet, -p, DefaultDependencies=no, /bin/sh, -c, "exec journalctl -b -f -o short-iso >/dev/ttyS1"]
write_files:
  - path: /etc/hosts
    append: true
    content: |
      10.111.0.2 cm-1.ospool.osg-htc.org cm-2.ospool.osg-htc.org ccb-1.ospool.osg-htc.org ccb-2.ospool.osg-htc.org cm.osgpool.test
EOF
  cat <<EOF
  - path: /etc/osg-worker.conf.d/90-osgp-test.conf
    content: |
      DefaultImage = http://cm.osgpool.test/images/debian-13.sif
EOF
  [ -z "${1:-}" ] || echo "      IdleTimeout = $1"
}

# multipart PART_FILE...: cloud-init's MIME multipart user-data; each part's type follows from its
# first line (#cloud-config, or #! for a script).
multipart() {
  local boundary=osgp-part-boundary f type
  printf 'Content-Type: multipart/mixed; boundary="%s"\nMIME-Version: 1.0\n\n' "$boundary"
  for f in "$@"; do
    case $(head -n1 "$f") in
      '#cloud-config') type=text/cloud-config ;;
      '#!'*) type=text/x-shellscript ;;
      *) fail "multipart: $f is neither cloud-config nor a script" ;;
    esac
    printf -- '--%s\nContent-Type: %s; charset="us-ascii"\nMIME-Version: 1.0\n' "$boundary" "$type"
    printf 'Content-Transfer-Encoding: 7bit\nContent-Disposition: attachment; filename="%s"\n\n' \
      "$(basename "$f")"
    cat "$f"
    echo
  done
  printf -- '--%s--\n' "$boundary"
}

vm_journal() { cat "$VMS/$1/journal.log" 2>/dev/null; }  # NAME
# grep reads the file itself: `cat | grep -q` under pipefail fails when grep stops early.
vm_journal_has() { grep -qE "$2" "$VMS/$1/journal.log" 2>/dev/null; }  # NAME REGEX
vm_powered_off() { [ -f "$VMS/$1/exited" ]; }              # NAME

# The time of the last journal line matching REGEX, in seconds since the epoch (the guest's
# clock, which qemu sets from the host's at power-on).
vm_journal_time() {  # NAME REGEX
  local stamp
  stamp=$(grep -E "$2" "$VMS/$1/journal.log" | tail -n 1 | cut -d' ' -f1)
  [ -n "$stamp" ] && date -d "$stamp" +%s.%N
}

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }  # FROM TO: seconds

# vm_disk_file NAME PATH: a file from a powered-off VM's disk, read with debugfs from its root
# partition (which tools/vm-image starts at 1 MiB), without booting or mounting anything.
vm_disk_file() {
  local part=$WORK/$1-root.raw
  [ -f "$part" ] || qemu-img convert -O raw --image-opts \
    "driver=raw,offset=1048576,file.driver=qcow2,file.file.filename=$VMS/$1/disk.qcow2" "$part"
  debugfs -R "cat $2" "$part" 2>/dev/null
}
