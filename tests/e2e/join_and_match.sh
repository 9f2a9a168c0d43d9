#!/usr/bin/env bash
# The seed's walkthrough on a real pool: a worker started by `osg-worker run` from a seed-style
# /etc/osg-worker.conf joins with its IDTOKEN through CCB (inbound blocked), the seed's
# condor_status -const query finds it, a job matching Start runs to completion and one that does
# not stays idle; `osg-worker status` tells the story; SIGTERM stops HTCondor, not the machine.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/osg-worker.conf"
addr=$("$POOL" worker w1 --config "$WORK/osg-worker.conf")

wait_until 90 "the seed's condor_status query lists the worker" worker_listed
ad=$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' \
  -af WorkerGroupName GLIDEIN_Site GLIDEIN_ResourceName PartitionableSlot TotalCpus)
assert_contains "$ad" "My Test Workers Cloud Cloud true" "ad carries WorkerGroupName, GLIDEIN_* and a partitionable slot"
assert_contains "$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af Cpus TotalCpus | awk '$1==$2')" " " \
  "the partitionable slot holds all CPUs"

# Only CCB can reach the worker: a direct connection from the central manager must fail.
if "$POOL" cm timeout 5 bash -c "exec 3<>/dev/tcp/$addr/9618" 2>/dev/null; then
  fail "the central manager could connect to the worker directly; inbound should be blocked"
fi
log "ok: inbound connections to the worker are blocked"

# Only IDTOKENS: the worker's daemons offer no other method to the pool.
methods=$("$POOL" exec w1 condor_config_val -startd SEC_CLIENT_AUTHENTICATION_METHODS)
[ "$methods" = IDTOKENS ] || fail "client methods are [$methods], expected IDTOKENS only"
log "ok: IDTOKENS is the only client method"

state_is_idle() { [ "$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af OSGWorkerState)" = Idle ]; }
wait_until 60 "the ad carries the lifecycle state (OSGWorkerState = Idle)" state_is_idle
retire=$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af OSGWorkerRetireTime)
[ "$retire" -gt "$(date +%s)" ] || fail "OSGWorkerRetireTime [$retire] is not in the future"
wait_until 30 "osg-worker status says joined" sh -c "'$POOL' exec w1 osg-worker status | grep -q '^pool: *joined'"

match=$(submit_job TG-NNNNNN 5)
other=$(submit_job TG-OTHER 5)
wait_until 180 "the matching job completes" job_is "$match" 4
[ "$(job_status "$other")" = 1 ] || fail "the job of another project left idle state: $(job_status "$other")"
log "ok: the job of another project stays idle"

status=$("$POOL" exec w1 osg-worker status)
echo "$status"
assert_contains "$status" "HTCondor:   running" "status shows HTCondor running"
json=$(worker_status_json w1)
[ "$(json_field "$json" joined)" = True ] || fail "status --json: joined is not true"
log "ok: status --json says joined"

# The token is root-only where HTCondor reads it, and appears in no process argument.
mode=$("$POOL" exec w1 stat -c %a /etc/condor/tokens.d/osg-worker.token)
[ "$mode" = 600 ] || fail "token file mode is $mode"
token=$(sed -n 's/^Token = //p' "$WORK/osg-worker.conf")
if "$POOL" exec w1 sh -c 'cat /proc/[0-9]*/cmdline 2>/dev/null' | tr '\0' ' ' | grep -qF "$token"; then
  fail "the token appears in a process argument list"
fi
if grep -rqF "$token" "$INSTANCES/w1/console.log" "$INSTANCES/w1/upper/var/log/condor" "$INSTANCES/w1/upper/run" 2>/dev/null; then
  fail "the token appears in a log or the status file"
fi
log "ok: the token is 0600 and in no argument list, log or status output"
# An admin stopping the service (SIGTERM to the agent): HTCondor stops, the machine stays up.
"$POOL" kill w1 TERM
gone() { ! "$POOL" exec w1 true 2>/dev/null; }
wait_until 120 "the agent stopped HTCondor and exited" gone
grep -q "stopping HTCondor; the machine stays up" "$INSTANCES/w1/console.log" ||
  fail "the agent did not log its graceful stop"
grep -q "supervisor: condor_master stopped" "$INSTANCES/w1/console.log" ||
  fail "condor_master was not stopped gracefully"
shutdown_happened w1 && fail "SIGTERM ran the shutdown action"
log "ok: SIGTERM stops HTCondor without the shutdown action"

# Any WorkerGroupName reaches the ad exactly: quotes, backslashes, config macros, UTF-8.
# shellcheck disable=SC2016,SC1003  # literal text on purpose: a $( and a trailing backslash
tricky='Quotes " back\slash $(HOSTNAME) é end\'
write_config "$WORK/w2.conf"
printf 'WorkerGroupName = %s\n' "$tricky" >>"$WORK/w2.conf"  # given twice: the last one wins
"$POOL" worker w2 --config "$WORK/w2.conf" >/dev/null
advertised() { [ "$("$POOL" cm condor_status -const 'GLIDEIN_Site == "Cloud"' -af WorkerGroupName)" = "$tricky" ]; }
wait_until 90 "the ad carries the WorkerGroupName exactly as written" advertised
log PASS
