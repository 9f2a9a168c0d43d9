#!/usr/bin/env bash
# End-to-end smoke test of the local pool: a hand-configured worker (testdata/worker-reference.conf,
# no osg-worker) joins through IDTOKENS and CCB, runs a matching job and leaves another idle.
# Proves the pool tool and the reference configuration that osg-worker must render.
set -euo pipefail
SAY_NAME=pool_smoke
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tools/lib.sh
. "$REPO/tools/lib.sh"
POOL=$REPO/tools/osg-pool
TMP=''

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -x "$POOL" ]; then
    say "FAILED (status $rc); last logs:"
    "$POOL" logs w1 2>/dev/null | tail -n 60 || true
  fi
  "$POOL" down >/dev/null 2>&1 || true
  [ -z "$TMP" ] || rm -rf "$TMP"
}

# poll SECONDS WHAT CMD...: retries CMD every 2s; a failure names WHAT.
poll() {
  local secs=$1 what=$2 end; shift 2
  end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || err "timed out after ${secs}s: $what"
    sleep 2
  done
}

write_jobs() {
  cat >"$TMP/match.sub" <<'EOF'
executable = /bin/sh
arguments = "-c 'echo smoke-ok'"
transfer_executable = false
should_transfer_files = YES
when_to_transfer_output = ON_EXIT
output = match.out
error = match.err
log = match.log
request_cpus = 1
request_memory = 64
request_disk = 1024
+ProjectName = "TG-NNNNNN"
queue
EOF
  sed -e 's/TG-NNNNNN/TG-OTHER/' -e 's/match\./nomatch./' "$TMP/match.sub" >"$TMP/nomatch.sub"
}

worker_listed() {
  "$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af Name |
    grep -q '@w1\.'
}

# job_status CLUSTER: 1 idle, 2 running, 4 completed (from the queue, else the history).
job_status() {
  local s
  s=$("$POOL" cm condor_q -allusers "$1" -af JobStatus 2>/dev/null)
  [ -n "$s" ] || s=$("$POOL" cm condor_history "$1" -af JobStatus 2>/dev/null | head -1)
  echo "$s"
}

job_completed() { [ "$(job_status "$1")" = 4 ]; }

# The negotiator records its verdict on a job it could not match; poll for it, not a fixed sleep.
job_rejected() {
  "$POOL" cm condor_q -allusers "$1" -af LastRejMatchReason | grep -q 'no match'
}

inbound_blocked() {
  ! "$POOL" cm timeout 5 bash -c "echo >/dev/tcp/$1/9618" 2>/dev/null
}

main() {
  ensure_host_root
  trap cleanup EXIT
  TMP=$(mktemp -d)
  "$POOL" down >/dev/null 2>&1 || true
  "$POOL" up
  (umask 077 && "$POOL" token >"$TMP/token")
  echo 'WorkerGroupName = My Test Workers' >"$TMP/osg-worker.conf"
  local addr match other
  addr=$("$POOL" worker w1 --config "$TMP/osg-worker.conf" \
    --condor-config "$REPO/testdata/worker-reference.conf" --token "$TMP/token" \
    --entrypoint condor_master -f)
  say "worker w1 at $addr"

  poll 120 "worker w1 in the seed query" worker_listed
  say "ok: condor_status -const 'WorkerGroupName == \"My Test Workers\"' lists w1"
  inbound_blocked "$addr" || err "cm could connect to the worker's port 9618: firewall missing"
  say "ok: inbound connections to the worker are dropped (CCB is the only way in)"

  write_jobs
  other=$("$POOL" submit "$TMP/nomatch.sub")
  match=$("$POOL" submit "$TMP/match.sub")
  [[ -n $match && -n $other ]] || err "condor_submit printed no cluster id"
  poll 300 "matching job $match to complete" job_completed "$match"
  "$POOL" cm grep -qx smoke-ok /home/researcher/jobs/match.out || err "job output missing"
  say "ok: matching job $match ran on the worker and completed"
  poll 120 "negotiator verdict on job $other" job_rejected "$other"
  [ "$(job_status "$other")" = 1 ] || err "non-matching job $other is not idle: $(job_status "$other")"
  say "ok: non-matching job $other stays idle"
  "$POOL" down
  say "PASS"
}

main "$@"
