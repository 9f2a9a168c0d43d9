#!/usr/bin/env bash
# condor_startd killed with SIGKILL, idle and then busy. condor_master starts a new startd, the
# worker is listed again, and the agent follows the new startd (its new address). A job whose
# startd was killed under it is HTCondor's to reschedule (its lease expires on the schedd): it
# comes back to the same worker and completes. Nothing shuts the worker down while a job runs,
# and the ledger ends the first run and records the second.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/w1.conf" "IdleTimeout = 90s"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
startd_pid() { "$POOL" exec w1 pgrep -x condor_startd; }
first=$(startd_pid)

killed_at=$(date +%s)
"$POOL" kill w1 KILL condor_startd
log "killed the idle startd (pid $first)"
new_startd() { local p; p=$(startd_pid) && [ -n "$p" ] && [ "$p" != "$first" ]; }
wait_until 90 "condor_master started a new startd" new_startd
# The collector may still hold the old ad for a while: wait for the new startd's.
new_ad() { [ "$("$POOL" cm condor_status -const "WorkerGroupName == \"My Test Workers\" && DaemonStartTime >= $killed_at" -af Name | wc -l)" = 1 ]; }
wait_until 120 "the collector lists the new startd" new_ad
idle() { [ "$(json_field "$(worker_status_json w1)" phase)" = Idle ]; }
wait_until 30 "the agent follows the new startd (phase Idle)" idle

# A short job lease, so that the schedd gives the killed run up in seconds, not 40 minutes.
job=$("$POOL" submit --project TG-NNNNNN --sleep 40 --lease 20)
wait_until 120 "the job runs" job_is "$job" 2
busy() { [ "$(json_field "$(worker_status_json w1)" phase)" = Busy ]; }
wait_until 30 "the agent sees the job (phase Busy)" busy
"$POOL" kill w1 KILL condor_startd
log "killed the busy startd"
restarted() { [ "$("$POOL" cm condor_q "$job" -af NumJobStarts 2>/dev/null)" -ge 2 ] 2>/dev/null || job_is "$job" 4; }
wait_until 240 "HTCondor reruns the job" restarted
wait_until 180 "the job completes" job_is "$job" 4
shutdown_happened w1 && fail "w1 shut down before the job completed"
machine=$("$POOL" cm condor_history "$job" -af LastRemoteHost -limit 1)
assert_contains "$machine" "w1" "the job completed on w1"

ledger=$INSTANCES/w1/upper/var/lib/osg-worker/ledger.jsonl
wait_until 60 "the ledger has both runs' ends" sh -c "[ \$(grep -c '\"event\":\"job_end\"' '$ledger') -ge 2 ]"
grep '"event":"job_end"' "$ledger" | grep -q '"exit_code":0' || fail "the second run's exit code is not in the ledger"
wait_until 240 "w1 shuts down once idle" shutdown_happened w1
log PASS
