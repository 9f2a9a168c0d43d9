#!/usr/bin/env bash
# A job runs through two faults: the central manager's collector and negotiator down (100 s;
# NETWORK_FAULTS_OUTAGE changes it), then the worker's network link cut for longer than the
# collector keeps an ad without news. The job completes having started once, the worker is
# listed again after each fault, nothing shuts it down while the job runs, and once idle it
# shuts down as usual.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

OUTAGE=${NETWORK_FAULTS_OUTAGE:-100}  # seconds; CI keeps it short, set 300 for "several minutes"
pool_up
# HTCondor's own timeouts, shortened so that the test outlasts them in minutes: the collector
# forgets an ad it has not heard of for 40 s; the worker's startd reports every 10 s.
"$POOL" cm sh -c 'echo "CLASSAD_LIFETIME = 40" >/etc/condor/config.d/95-test.conf && condor_reconfig' >/dev/null
echo "UPDATE_INTERVAL = 10" >"$WORK/extra.conf"
write_config "$WORK/w1.conf" "IdleTimeout = 60s"
"$POOL" worker w1 --config "$WORK/w1.conf" --condor-extra "$WORK/extra.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
job=$(submit_job TG-NNNNNN $((OUTAGE + 110)))
wait_until 120 "the job runs" job_is "$job" 2

"$POOL" cm condor_off -daemon negotiator >/dev/null
"$POOL" cm condor_off -daemon collector >/dev/null
log "central manager's collector and negotiator down for ${OUTAGE}s"
never_within "$OUTAGE" "w1 shuts down while its job runs and the central manager is down" shutdown_happened w1
"$POOL" cm condor_on -daemon collector >/dev/null
"$POOL" cm condor_on -daemon negotiator >/dev/null
wait_until 120 "w1 is listed again after the central manager's outage" worker_listed
[ "$(job_status "$job")" = 2 ] || fail "the job is not running after the outage: $(job_status "$job")"

"$POOL" link w1 down
cut_at=$SECONDS
log "w1's network link cut"
not_listed() { ! worker_listed; }
wait_until 120 "the collector dropped w1's ad (the cut outlasts its timeout)" not_listed
sleep 10
shutdown_happened w1 && fail "w1 shut down while its link was cut and its job ran"
"$POOL" link w1 up
log "w1's network link restored after $((SECONDS - cut_at))s"
wait_until 120 "w1 is listed again after the link came back" worker_listed

wait_until 300 "the job completes" job_is "$job" 4
starts=$("$POOL" cm condor_history "$job" -af NumJobStarts -limit 1)
[ "$starts" = 1 ] || fail "the job started $starts times"
log "ok: the job completed through both faults, started once"
wait_until 180 "w1 shuts down once idle" shutdown_happened w1
log PASS
