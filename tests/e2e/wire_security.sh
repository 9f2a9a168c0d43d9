#!/usr/bin/env bash
# HTCondor on the worker takes administration only from root on the machine, and the pool's
# identities cannot command it. From the central manager, with the pool's own token (the
# identity the worker joins with) and the central manager's administrator rights at the
# collector: condor_off -startd and condor_restart are refused (before osg-worker disabled
# SEC_ENABLE_REMOTE_ADMINISTRATION, condor_off got through on the key the collector hands its
# admins). A token of another identity gets no NEGOTIATOR level on the startd. Root on the
# worker keeps what osg-worker itself needs: condor_reconfig and condor_config_val -startd.
# That jobs still match and run is join_and_match's part.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/w1.conf"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
master_listed() { "$POOL" cm condor_status -master -af Name | grep -qx w1.osgpool.test; }
wait_until 90 "w1's master is in the collector (what condor_off looks up)" master_listed

# Root on the worker: what the agent does must keep working.
"$POOL" exec w1 condor_reconfig >/dev/null || fail "root's condor_reconfig on the worker failed"
[ "$("$POOL" exec w1 condor_config_val -startd SEC_ENABLE_REMOTE_ADMINISTRATION)" = False ] ||
  fail "condor_config_val -startd does not read the startd's configuration"
table=$("$POOL" exec w1 condor_ping -type startd -table ADMINISTRATOR)
assert_contains "$table" "ALLOW" "local root is an administrator (FS)"

# The pool's token, as root on the central manager (an administrator of the collector there).
"$POOL" token | "$POOL" cm sh -c 'umask 077 && mkdir -p /root/.condor/tokens.d && cat >/root/.condor/tokens.d/pool'
startd_pid() { "$POOL" exec w1 pgrep -o -x condor_startd; }
before=$(startd_pid)
"$POOL" cm timeout 60 condor_off -startd -name w1.osgpool.test >"$WORK/off.out" 2>&1 || true
"$POOL" cm timeout 60 condor_restart -name w1.osgpool.test >>"$WORK/off.out" 2>&1 || true
sleep 5
masterlog=$("$POOL" logs w1 MasterLog)
if grep -q "Handling DAEMON_OFF\|Handling .*RESTART\|Restarting master" <<<"$masterlog"; then
  cat "$WORK/off.out"
  fail "the worker's master obeyed an administrative command from the central manager"
fi
grep -q "DC_AUTHENTICATE: required authentication of 10.111.0.2 failed" <<<"$masterlog" ||
  fail "the commands never reached the worker's master; the test proves nothing: $(cat "$WORK/off.out")"
[ "$(startd_pid)" = "$before" ] || fail "the startd was restarted or stopped"
wait_until 30 "w1 is still listed" worker_listed
log "ok: condor_off and condor_restart from the central manager with the pool's token are refused"

# Another identity of the pool's trust domain asks for the negotiator's level on the startd.
"$POOL" token --identity other@osgpool.test | "$POOL" cm sh -c '
  id other >/dev/null 2>&1 || useradd -m other
  install -d -m 700 -o other ~other/.condor ~other/.condor/tokens.d
  umask 077 && cat >~other/.condor/tokens.d/other && chown other ~other/.condor/tokens.d/other'
ping=$("$POOL" cm runuser -u other -- condor_ping -type startd -name w1.osgpool.test -table NEGOTIATOR 2>&1 || true)
echo "$ping"
grep -q "NEGOTIATOR .*ALLOW" <<<"$ping" && fail "other@osgpool.test got the NEGOTIATOR level on the startd"
grep -q "^ *NEGOTIATOR " <<<"$ping" || fail "condor_ping gave no answer for NEGOTIATOR: $ping"
log "ok: another identity gets no NEGOTIATOR level on the startd"
# Nor does the pool's own identity, nor a local user that is not root.
ping=$("$POOL" cm condor_ping -type startd -name w1.osgpool.test -table NEGOTIATOR ADMINISTRATOR 2>&1 || true)
grep -q "ALLOW" <<<"$ping" && fail "the central manager's root got NEGOTIATOR or ADMINISTRATOR: $ping"
ping=$("$POOL" exec w1 runuser -u nobody -- condor_ping -type startd -table NEGOTIATOR ADMINISTRATOR 2>&1 || true)
grep -q "ALLOW" <<<"$ping" && fail "a job's user on the worker got NEGOTIATOR or ADMINISTRATOR: $ping"
log "ok: neither the pool's token from the central manager nor a local job user gets either level"
log PASS
