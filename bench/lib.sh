# Shared helpers for the benchmarks. Source it; it starts nothing by itself.
# Each benchmark starts and tears down its own pool, OSG_POOL_ID=5 unless set, so it never
# touches a pool of the tests or of another engineer. Numbers are printed, never asserted.
# shellcheck shell=bash
set -euo pipefail

export OSG_POOL_ID=${OSG_POOL_ID:-5}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
POOL=$REPO_DIR/tools/osg-pool
# shellcheck disable=SC2034  # for the benchmarks that source this file
INSTANCES=$REPO_DIR/.build/pool$OSG_POOL_ID/instances
PY=/usr/bin/python3  # Debian's, not whatever python3 is first on PATH
BENCH_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/osg-bench-$BENCH_NAME.XXXXXX")
chmod 700 "$WORK"

log() { printf '[%s %s] %s\n' "$(date +%T)" "$BENCH_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }

# Background jobs a benchmark started (pids), ended on exit before the pool goes down.
BG_PIDS=()
bench_cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${KEEP_POOL:-}" ] || "$POOL" down >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (osg-pool needs it)"
[ -x "$REPO_DIR/.build/rootfs/usr/bin/osg-worker" ] || die "no image: run tools/image first"

pool_up() {
  "$POOL" down >/dev/null 2>&1 || true
  "$POOL" up >/dev/null 2>&1 || die "osg-pool up failed"
}

# osg_config FILE GROUP [EXTRA LINES...]: a seed-style /etc/osg-worker.conf with a fresh token.
osg_config() {
  local file=$1 group=$2 line; shift 2
  {
    printf 'WorkerGroupName = %s\n' "$group"
    printf 'Token = %s\n' "${BENCH_TOKEN:-$("$POOL" token)}"
    echo 'Start = TARGET.ProjectName == "TG-NNNNNN"'
    echo "CentralManager = cm.osgpool.test"
    echo "ShutdownAction = command:/usr/local/sbin/osgp-record-shutdown"
    for line in "$@"; do echo "$line"; done
  } >"$file"
  chmod 600 "$file"
}

status_json() { "$POOL" exec "$1" osg-worker status --json 2>/dev/null; }

# json_get JSON FIELD...: the fields, space-separated ("" for null).
json_get() {
  "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
print(" ".join("" if d.get(k) is None else str(d.get(k)) for k in sys.argv[2:]))' "$@"
}

# wait_idle NAME SECONDS: until status --json says joined and phase Idle; prints the JSON.
wait_idle() {
  local name=$1 end=$((SECONDS + $2)) j
  while [ "$SECONDS" -lt "$end" ]; do
    j=$(status_json "$name" || true)
    if [ -n "$j" ] && [ "$(json_get "$j" joined phase 2>/dev/null)" = "True Idle" ]; then
      echo "$j"; return 0
    fi
    sleep 0.5
  done
  return 1
}

# submit_sleep_job SECONDS: a job of ProjectName TG-NNNNNN that sleeps; prints the cluster id.
submit_sleep_job() { "$POOL" submit --project TG-NNNNNN --sleep "$1"; }

# stats MIN/MEDIAN/MAX of the numbers on stdin, formatted with 2 decimals.
stats() {
  "$PY" -c '
import statistics, sys
v = [float(x) for x in sys.stdin.read().split()]
print("%.2f %.2f %.2f %d" % (min(v), statistics.median(v), max(v), len(v)) if v else "- - - 0")'
}
