#!/usr/bin/env bash
# The disk holding /var/lib/osg-worker full (a 256 KiB tmpfs mounted there, then filled): the
# agent keeps supervising (a job runs and completes), `osg-worker status` says the ledger cannot
# be written, and once space returns the ledger takes records again. Nothing in it is corrupt: a
# record cut short by the full disk is skipped with a note, never fatal, and the report works.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/w1.conf" "IdleTimeout = 60s"
"$POOL" worker w1 --config "$WORK/w1.conf" --entrypoint sh -c \
  'mount -t tmpfs -o size=256k,mode=700 tmpfs /var/lib/osg-worker && exec /usr/bin/osg-worker run' >/dev/null
wait_until 90 "w1 is listed" worker_listed
"$POOL" exec w1 sh -c 'dd if=/dev/zero of=/var/lib/osg-worker/fill bs=4k 2>/dev/null; df -k /var/lib/osg-worker | tail -1' |
  { read -r _ _ _ avail _; log "filled /var/lib/osg-worker (${avail} kB left)"; }

ledger_error() { json_field "$(worker_status_json w1)" ledger_error; }
says_full() { [ -n "$(ledger_error)" ]; }
# The ledger's last page still has room the fill could not take: jobs add records until it is
# used up (each job writes about a kilobyte: claim, job, phase and idle records).
for round in 1 2 3 4 5 6 7 8; do
  first=$(submit_job TG-NNNNNN 3)
  wait_until 120 "job $first (round $round) completes" job_is "$first" 4
  sleep 3
  says_full && break
done
says_full || fail "the ledger never reported an error with its disk full"
log "ledger_error: $(ledger_error)"
"$POOL" exec w1 osg-worker status | grep -q "^ledger: *NOT WRITABLE" || fail "status does not say the ledger is not writable"
log "ok: osg-worker status says the ledger is not writable"
last=$(submit_job TG-NNNNNN 3)
wait_until 120 "a job runs and completes although the ledger cannot be written" job_is "$last" 4
shutdown_happened w1 && fail "w1 shut down while its disk was full"

"$POOL" exec w1 rm -f /var/lib/osg-worker/fill
log "space is back"
second=$(submit_job TG-NNNNNN 5)
writable() { [ -z "$(ledger_error)" ]; }
wait_until 120 "the ledger is writable again (status)" writable
grep -q "the ledger is writable again" "$INSTANCES/w1/console.log" || fail "the agent did not log the recovery"
wait_until 120 "the second job completes" job_is "$second" 4

# The ledger lives on the instance's tmpfs: read it before the instance ends.
job_end_written() { "$POOL" exec w1 grep -q '"event":"job_end".*"job_id":"'"$second"'.0"' /var/lib/osg-worker/ledger.jsonl; }
wait_until 60 "the second job's end is in the ledger" job_end_written
"$POOL" exec w1 cat /var/lib/osg-worker/ledger.jsonl >"$WORK/ledger.jsonl"
report=$(cd "$WORK" && "$POOL" run osg-worker report --json --ledger ./ledger.jsonl)
check() { python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if $2 else 1)" "$report" || fail "report: $1: $report"; }
check "at most the one record cut short by the full disk is skipped" 'r["skipped_lines"] <= 1'
check "the job run after space came back is counted" 'r["jobs"] >= 1'
grep -q '"event":"job_start".*"job_id":"'"$second"'.0"' "$WORK/ledger.jsonl" || fail "the second job's start is not in the ledger"
log "ok: the ledger reads back ($(python3 -c "import json,sys; print(json.loads(sys.argv[1])['skipped_lines'])" "$report") line(s) skipped)"
wait_until 120 "w1 shuts down once idle" shutdown_happened w1
log PASS
