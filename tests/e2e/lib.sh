# Helpers for the end-to-end tests: each test sources this, then builds a pool with osg-pool.
# Tests poll with generous limits; they assert behaviour, never speed (that is bench/'s job).
# shellcheck shell=bash
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
POOL=$REPO_DIR/tools/osg-pool
INSTANCES=$REPO_DIR/.build/pool${OSG_POOL_ID:-}/instances
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/osg-e2e-$TEST_NAME.XXXXXX")
chmod 700 "$WORK"

log() { printf '[%s %s] %s\n' "$(date +%T)" "$TEST_NAME" "$*"; }
fail() {
  log "FAIL: $*"
  dump_logs
  exit 1
}

dump_logs() {
  local d
  for d in "$INSTANCES"/*/; do
    [ -d "$d" ] || continue
    echo "===== $(basename "$d"): console (osg-worker's log) ====="
    tail -n 40 "$d/console.log" 2>/dev/null || true
    echo "===== $(basename "$d"): HTCondor logs ====="
    "$POOL" logs "$(basename "$d")" 2>/dev/null | grep -v '^==> console.log' | tail -n 60 || true
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
