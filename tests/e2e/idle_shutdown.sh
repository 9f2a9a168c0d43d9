#!/usr/bin/env bash
# Idle shutdown on a real pool. (1) A job that runs past the idle timeout keeps the worker up:
# the shutdown action comes only after the job has finished AND a whole idle timeout has passed
# since, and the job completes normally. (2) A worker that never gets a job shuts down after the
# idle timeout counted from its join, not before. (3) After the accept window no job starts
# and an idle worker retires at once.
# The test's shutdown action records the moment.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TIMEOUT=20
pool_up

# (1) The job waits in the queue before the worker exists, so it is claimed right after the join.
job=$(submit_job TG-NNNNNN 45)
write_config "$WORK/w1.conf" "IdleTimeout = ${TIMEOUT}s"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 120 "the job starts on w1" job_is "$job" 2
wait_until 120 "the job completes" job_is "$job" 4
completed=$("$POOL" cm condor_history "$job" -af CompletionDate -limit 1)
exit_code=$("$POOL" cm condor_history "$job" -af ExitCode -limit 1)
[ "$exit_code" = 0 ] || fail "the job did not exit normally (ExitCode $exit_code)"
wait_until 120 "w1 runs its shutdown action" shutdown_happened w1
at=$(shutdown_time w1)
log "job completed at $completed, shutdown action at $at"
python3 -c "import sys; sys.exit(0 if float('$at') >= $completed + $TIMEOUT - 1 else 1)" ||
  fail "shutdown came $(python3 -c "print(float('$at') - $completed)") s after the job ended; the idle timeout is ${TIMEOUT}s"
log "ok: no shutdown until a full idle timeout after the job ended"
grep -q "lifecycle: Stopping -> ShuttingDown" "$INSTANCES/w1/console.log" ||
  fail "no lifecycle line for the stop in w1's log"

# (2) No job at all: the idle clock starts at the join.
write_config "$WORK/w2.conf" "IdleTimeout = ${TIMEOUT}s"
"$POOL" worker w2 --config "$WORK/w2.conf" >/dev/null
joined_at=''
read_joined() {
  joined_at=$(json_field "$(worker_status_json w2)" joined_at)
  [ -n "$joined_at" ]
}
wait_until 90 "w2 joined" read_joined
wait_until 120 "w2 runs its shutdown action" shutdown_happened w2
at=$(shutdown_time w2)
log "w2 joined at $joined_at, shutdown action at $at"
python3 -c "import sys; sys.exit(0 if float('$at') >= $joined_at + $TIMEOUT - 1 else 1)" ||
  fail "w2 shut down before its idle timeout"
log "ok: w2 shut down after its idle timeout, not before"
grep -q "lifecycle: Joining -> Idle" "$INSTANCES/w2/console.log" || fail "no Joining -> Idle line"

# (3) The accept window: once it has passed, a matching job no longer starts.
# The window must outlast the join even on a loaded machine (else w3 retires before it is listed).
write_config "$WORK/w3.conf" "IdleTimeout = 1h" "AcceptWindow = 40s"
"$POOL" worker w3 --config "$WORK/w3.conf" >/dev/null
w3_started=$SECONDS
wait_until 90 "w3 is listed" worker_listed
sleep $((w3_started + 42 - SECONDS > 0 ? w3_started + 42 - SECONDS : 0))
late=$(submit_job TG-NNNNNN 5)
never_within 30 "a job starts after the accept window" job_is "$late" 2
wait_until 60 "w3 retired and shut down" shutdown_happened w3
# Whether the agent had seen its join before the window ended depends on the machine's load.
grep -q "accept window of 40s is over" "$INSTANCES/w3/console.log" ||
  fail "w3's log does not say it retired at the end of its accept window"
log PASS
