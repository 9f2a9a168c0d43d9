#!/usr/bin/env bash
# The ledger on a real pool: a job runs, the worker goes idle, the agent is killed with SIGKILL
# (restarted as systemd would). No record is lost, the idle clock resumes where it was instead
# of from zero, and `osg-worker report` gives the jobs, their projects and exits, the claims, and
# why the machine went.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# Long enough that the kill below lands before the deadline even on a loaded machine.
TIMEOUT=40
pool_up
write_config "$WORK/w1.conf" "IdleTimeout = ${TIMEOUT}s"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
job=$(submit_job TG-NNNNNN 3)
wait_until 120 "the job completes" job_is "$job" 4
# A job that fails: its exit code must reach the ledger from the startd's history.
failing=$("$POOL" submit --project TG-NNNNNN --exec /bin/sh --args "\"-c 'exit 3'\"")
wait_until 120 "the failing job completes" job_is "$failing" 4

idle_since=''
read_idle() {
  local json
  json=$(worker_status_json w1) || return 1
  [ "$(json_field "$json" phase)" = Idle ] && idle_since=$(json_field "$json" idle_since)
  [ -n "$idle_since" ]
}
wait_until 60 "w1 is idle again" read_idle
sleep 5
killed_at=$(date +%s)
"$POOL" kill w1 KILL osg-worker
log "killed the agent at $killed_at (idle since $idle_since)"
wait_until 60 "the agent was restarted" grep -q "restarting the entrypoint" "$INSTANCES/w1/console.log"
wait_until 120 "w1 shuts down" shutdown_happened w1
at=$(shutdown_time w1)
grep -q "resuming the idle clock" "$INSTANCES/w1/console.log" || fail "the new agent did not resume the idle clock"
python3 -c "import sys; sys.exit(0 if float('$at') < $killed_at + $TIMEOUT else 1)" ||
  fail "shutdown at $at: the idle clock restarted from zero after the kill"
python3 -c "import sys; sys.exit(0 if float('$at') >= $idle_since + $TIMEOUT - 1 else 1)" ||
  fail "shutdown at $at came before the idle timeout"
log "ok: the idle clock resumed after SIGKILL (shutdown $(python3 -c "print(round(float('$at') - $idle_since, 1))") s after idle)"

ledger_dir=$INSTANCES/w1/upper/var/lib/osg-worker
ledger=$ledger_dir/ledger.jsonl
[ "$(stat -c %a "$ledger")" = 600 ] || fail "the ledger is not 0600"
[ "$(grep -c '"event":"agent_start"' "$ledger")" = 2 ] || fail "expected two agent_start records"
[ "$(grep -c '"event":"job_start"' "$ledger")" = 2 ] || fail "expected two job_start records"
[ "$(grep -c '"event":"job_end"' "$ledger")" = 2 ] || fail "expected two job_end records"
grep '"event":"job_end"' "$ledger" | grep '"job_id":"'"$job"'.0"' | grep -q '"exit_code":0' ||
  fail "the first job's job_end lacks exit_code 0"
grep '"event":"job_end"' "$ledger" | grep '"job_id":"'"$failing"'.0"' | grep -q '"exit_code":3' ||
  fail "the failing job's job_end lacks exit_code 3"
grep '"event":"job_end"' "$ledger" | grep -q '"how":"OF_ITS_OWN_ACCORD"' ||
  fail "job_end lacks how the job ended"
claims=$(grep -c '"event":"claim_start"' "$ledger")
[ "$claims" -ge 1 ] || fail "no claim_start record"
[ "$(grep -c '"event":"claim_end"' "$ledger")" = "$claims" ] || fail "claim_start and claim_end do not pair up"
grep '"event":"claim_start"' "$ledger" | grep -q '"owner":"researcher@' || fail "claim_start lacks the claim's owner"
log "ok: $claims claim(s) and two jobs with their exit codes in the ledger"
token=$(sed -n 's/^Token = //p' "$WORK/w1.conf")
grep -qF "$token" "$ledger" && fail "the token is in the ledger"
report=$(cd "$ledger_dir" && "$POOL" run osg-worker report --json --ledger ./ledger.jsonl)
echo "$report"
check() { python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if $2 else 1)" "$report" || fail "report: $1"; }
check "two jobs" 'r["jobs"] == 2'
check "one failed" 'r["jobs_failed"] == 1'
check "the claims" "r[\"claims\"] == $claims"
check "the jobs' project" 'r["projects"]["TG-NNNNNN"]["jobs"] == 2'
check "the shutdown reason" '"START is off" in r["shutdown"]["reason"]'
check "the shutdown action" 'r["shutdown"]["result"] == "ok"'
check "busy time counted" 'r["busy_s"] > 0'
(cd "$ledger_dir" && "$POOL" run osg-worker report --ledger ./ledger.jsonl)
log PASS
