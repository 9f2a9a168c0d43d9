#!/usr/bin/env bash
# The agent restarts while the central manager is down and a job runs (jobs survive such
# outages). The new agent cannot ask the collector whether the worker joined, but the startd holds
# a claim and runs the job, which proves it: the worker is Busy, not Joining, and the join
# timeout (45 s here, counted from when the worker was last known in the pool) does not shut it
# down under its job. Once the pool is back the job completes, having started once.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/w1.conf" "IdleTimeout = 30s" "JoinTimeout = 45s"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
job=$(submit_job TG-NNNNNN 150)
wait_until 120 "the job runs" job_is "$job" 2

"$POOL" cm condor_off -daemon negotiator >/dev/null
"$POOL" cm condor_off -daemon collector >/dev/null
log "central manager's collector and negotiator down"
"$POOL" kill w1 KILL osg-worker
log "killed the agent with SIGKILL while job $job runs"
wait_until 60 "the agent was restarted" grep -q "restarting the entrypoint" "$INSTANCES/w1/console.log"
busy() { [ "$(json_field "$(worker_status_json w1)" phase)" = Busy ]; }
wait_until 60 "the new agent sees the claim and says Busy without the collector" busy
grep -q "lifecycle: Joining -> Busy (holds a claim" "$INSTANCES/w1/console.log" ||
  fail "the log does not say the claim proved the join"
never_within 75 "w1 shuts down at the join timeout while its job runs" shutdown_happened w1

"$POOL" cm condor_on -daemon collector >/dev/null
"$POOL" cm condor_on -daemon negotiator >/dev/null
wait_until 120 "w1 is listed again" worker_listed
wait_until 180 "the job completes" job_is "$job" 4
starts=$("$POOL" cm condor_history "$job" -af NumJobStarts -limit 1)
[ "$starts" = 1 ] || fail "the job started $starts times"
log "ok: the job completed through the outage and the agent's restart, started once"
wait_until 120 "w1 shuts down once idle" shutdown_happened w1
log PASS
