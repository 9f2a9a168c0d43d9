#!/usr/bin/env bash
# Faults of issue 2 on a real pool: (1) the central manager unreachable when the worker starts:
# status says so, and the worker joins once it is reachable; (2) condor_master killed: the agent
# restarts it and the worker rejoins.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
# The central manager "down": its namespace drops every packet to the collector's port.
"$POOL" cm nft -f - <<'NFT'
table inet osgp_down {
  chain input { type filter hook input priority -10; policy accept; tcp dport 9618 iif != lo drop; }
}
NFT
write_config "$WORK/w1.conf"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
unreachable() { "$POOL" exec w1 osg-worker status | grep -q 'not joined: central manager unreachable'; }
wait_until 120 "status says the central manager is unreachable" unreachable
"$POOL" exec w1 osg-worker status
worker_listed && fail "listed while the central manager is down"
"$POOL" cm nft delete table inet osgp_down
log "central manager reachable again"
wait_until 240 "the worker joins once the central manager is back" worker_listed
wait_until 60 "status says joined" sh -c "'$POOL' exec w1 osg-worker status | grep -q '^pool: *joined'"

# condor_master killed: restarted by the agent, and the worker is back in the pool.
ad_start() { "$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af DaemonStartTime; }
old_ad=$(ad_start)
old=$("$POOL" exec w1 pgrep -x condor_master)
"$POOL" kill w1 KILL condor_master
restarted() {
  local now
  now=$("$POOL" exec w1 pgrep -x condor_master) && [ -n "$now" ] && [ "$now" != "$old" ]
}
wait_until 60 "condor_master restarted" restarted
one_startd() { [ "$("$POOL" exec w1 pgrep -cx condor_startd)" = 1 ]; }
wait_until 60 "exactly one condor_startd runs" one_startd
wait_until 240 "the worker rejoins" sh -c "'$POOL' exec w1 osg-worker status | grep -q '^pool: *joined'"
new_ad() { local t; t=$(ad_start) && [ -n "$t" ] && [ "$t" -gt "$old_ad" ]; }
wait_until 120 "the pool lists the new startd (a newer DaemonStartTime)" new_ad
log PASS
