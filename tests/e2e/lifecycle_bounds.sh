#!/usr/bin/env bash
# Two of the bounds a paying owner relies on, on the real pool:
# (1) MaxLifetime on a busy worker turns START off at once: the job that runs finishes, a job
#     submitted after the cap never starts (the partitionable slot has room for it), the ad says
#     Retiring, and the worker shuts down when the running job ends.
# (2) A shutdown action that fails is followed by a power-off: the instance does not stay up.
#     (The test bed's `poweroff` records the moment and ends the instance, as a real power-off
#     would end the VM; the escalation past it, `--force` and the kernel, is unit-tested.)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up

# (1) A 60 s life, a long retirement time: a job started before the cap runs on; none after.
write_config "$WORK/w1.conf" "IdleTimeout = 1h" "MaxLifetime = 60s" "RetirementTime = 10m"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
first=$(submit_job TG-NNNNNN 75)
"$POOL" cm condor_reschedule >/dev/null 2>&1 || true
wait_until 50 "the first job runs" job_is "$first" 2
retiring() {
  [ "$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' \
    -af OSGWorkerState 2>/dev/null | head -n 1)" = Retiring ]
}
wait_until 90 "the ad says Retiring once the lifetime cap is reached" retiring
grep -q "maximum lifetime 1m0s reached; START off, running jobs finish first" \
  "$INSTANCES/w1/console.log" || fail "w1's log does not say START went off at the cap"
late=$(submit_job TG-NNNNNN 5)
"$POOL" cm condor_reschedule >/dev/null 2>&1 || true
never_within 30 "a job submitted after the lifetime cap starts" job_is "$late" 2
wait_until 120 "the first job completes" job_is "$first" 4
wait_until 60 "w1 shuts down once its job has ended" shutdown_happened w1
starts=$("$POOL" cm condor_history "$first" -af NumJobStarts -limit 1 2>/dev/null)
[ "$starts" = 1 ] || fail "the first job started $starts times, not once"
job_is "$late" 1 || fail "the late job is not idle in the queue: status $(job_status "$late")"
log "ok: after the lifetime cap no new job started; the running one completed, started once"

# (2) A shutdown command that fails: the agent powers off instead of staying up.
write_config "$WORK/w2.conf" "IdleTimeout = 10s"
sed -i 's|^ShutdownAction = .*|ShutdownAction = command:/bin/false|' "$WORK/w2.conf"
"$POOL" worker w2 --config "$WORK/w2.conf" >/dev/null
wait_until 150 "w2 powers off after its shutdown command failed" shutdown_happened w2
ledger=$INSTANCES/w2/upper/var/lib/osg-worker/ledger.jsonl
# The power-off's own record is written when the command returns, after the test bed's recorder
# has marked the instance down: wait for it.
recorded() { grep '"event":"shutdown_action"' "$ledger" | grep "\"action\":\"$1\"" | grep -q "\"result\":\"$2\""; }
wait_until 30 "the ledger records the failed command" recorded command:/bin/false failed
wait_until 30 "the ledger records the power-off" recorded poweroff ok
log "ok: a failed shutdown command was followed by a power-off"
log PASS
