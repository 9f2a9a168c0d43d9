#!/usr/bin/env bash
# A collector holding a stale copy of the worker's ad, as a lost update or an older update that
# overtook a newer one leaves under load (seen in containers.sh on a loaded machine: the ad kept
# "Idle" without the default image's problem). The startd itself sends again only at
# UPDATE_INTERVAL (300 s by default); the agent checks the collectors' copies for the
# OSGWorkerAdSerial of its last change (here at every recheck, 20 s, OSG_WORKER_JOINED_RECHECK_SECONDS;
# 300 s by default, and 10 s after each change) and has the startd send its ads again.
# The stale copy is put in with condor_advertise from the central manager: the same ad with an
# older serial and phase.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/w1.conf"
"$POOL" worker w1 --config "$WORK/w1.conf" --entrypoint /bin/sh -c \
  'exec env OSG_WORKER_JOINED_RECHECK_SECONDS=20 osg-worker run' >/dev/null

# The heal must be the agent's: the startd's own next update is UPDATE_INTERVAL away.
interval=$("$POOL" exec w1 condor_config_val UPDATE_INTERVAL) || fail "condor_config_val UPDATE_INTERVAL failed on w1"
[ "$interval" -ge 300 ] || fail "w1's UPDATE_INTERVAL is $interval s: the test could pass on the startd's own update"

collector_copy() { "$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af OSGWorkerState OSGWorkerAdSerial 2>/dev/null; }
idle_copy() { [[ "$(collector_copy)" == "Idle "[1-9]* ]]; }
wait_until 90 "the collector holds w1's ad: Idle, with a serial" idle_copy
current=$(collector_copy)
serial=${current#Idle }
log "the collector's copy: OSGWorkerState Idle, OSGWorkerAdSerial $serial"

said() { grep -c "$1" "$INSTANCES/w1/console.log" || true; }  # TEXT: how many lines of the agent's log
stale_said=$(said "asking the startd to send it again")
current_said=$(said "the pool now holds this worker's current ad")
slot=$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af Name)
"$POOL" cm sh -c "condor_status -l '$slot' |
  sed -e 's/^OSGWorkerAdSerial = .*/OSGWorkerAdSerial = 0/' -e 's/^OSGWorkerState = .*/OSGWorkerState = \"Joining\"/' \
  >/tmp/stale.ad && condor_advertise UPDATE_STARTD_AD /tmp/stale.ad" >/dev/null || fail "condor_advertise failed"
[ "$(collector_copy)" = "Joining 0" ] || fail "the stale copy did not replace the collector's: $(collector_copy)"
log "ok: the collector holds a stale copy (Joining, OSGWorkerAdSerial 0)"

# Within two rechecks, far sooner than the startd's own next update (300 s).
current_again() { [ "$(collector_copy)" = "Idle $serial" ]; }
wait_until 60 "the collector holds the current ad again (Idle, OSGWorkerAdSerial $serial)" current_again
found="the pool holds OSGWorkerAdSerial 0 of this worker's ad, not the current OSGWorkerAdSerial $serial: asking the startd to send it again"
if [ "$(said "$found")" = 0 ] || [ "$(said "asking the startd to send it again")" -le "$stale_said" ]; then
  fail "the agent's log does not say that it found the stale copy"
fi
log "ok: the agent's log says why it had the ad sent again"
# Its next check (20 s after the resend) finds the current copy.
says_current() { [ "$(said "the pool now holds this worker's current ad")" -gt "$current_said" ]; }
wait_until 60 "the agent's log says that the pool holds the current ad again" says_current
log PASS
