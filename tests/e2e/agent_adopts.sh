#!/usr/bin/env bash
# The agent killed with SIGKILL while a job runs, and restarted as systemd restarts it
# (Restart=on-failure, KillMode=process): HTCondor and the job keep running, the new agent adopts
# the running condor_master instead of starting a second one, the job completes without being
# restarted, no idle shutdown fires while it runs, and the ledger and the idle clock carry on.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TIMEOUT=20
pool_up
write_config "$WORK/w1.conf" "IdleTimeout = ${TIMEOUT}s"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
job=$(submit_job TG-NNNNNN 45)
wait_until 120 "the job runs" job_is "$job" 2
masters() { "$POOL" exec w1 pgrep -x condor_master | sort | paste -sd' '; }
before=$(masters)
[ -n "$before" ] || fail "no condor_master in w1"

"$POOL" kill w1 KILL osg-worker
log "killed the agent with SIGKILL while job $job runs (condor_master $before)"
wait_until 60 "the agent was restarted" grep -q "restarting the entrypoint" "$INSTANCES/w1/console.log"
wait_until 30 "the new agent adopted the running condor_master" \
  grep -q "adopted the running condor_master (pid $before)" "$INSTANCES/w1/console.log"
after=$(masters)
[ "$after" = "$before" ] || fail "condor_master was [$before] before the kill and is [$after] after"
log "ok: one condor_master, the same one ($after)"
[ "$(job_status "$job")" = 2 ] || fail "the job is no longer running after the agent's restart: $(job_status "$job")"
busy() { [ "$(json_field "$(worker_status_json w1)" phase)" = Busy ]; }
wait_until 60 "the new agent sees the job (phase Busy)" busy

wait_until 120 "the job completes" job_is "$job" 4
shutdown_happened w1 && fail "the worker shut down while the job ran"
starts=$("$POOL" cm condor_history "$job" -af NumJobStarts -limit 1)
[ "$starts" = 1 ] || fail "the job started $starts times: the agent's restart disturbed it"
log "ok: the job completed, started once"

wait_until 120 "w1 shuts down once idle" shutdown_happened w1
ledger=$INSTANCES/w1/upper/var/lib/osg-worker/ledger.jsonl
[ "$(grep -c '"event":"agent_start"' "$ledger")" = 2 ] || fail "expected two agent_start records"
grep '"event":"job_end"' "$ledger" | grep '"job_id":"'"$job"'.0"' | grep -q '"exit_code":0' ||
  fail "the ledger lacks the job's end with its exit code"
report=$(cd "$(dirname "$ledger")" && "$POOL" run osg-worker report --json --ledger ./ledger.jsonl)
python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r['jobs'] == 1 and r['jobs_failed'] == 0 else 1)" "$report" ||
  fail "the report does not count one successful job: $report"
log PASS
