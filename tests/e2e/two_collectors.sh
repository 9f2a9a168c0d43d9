#!/usr/bin/env bash
# Two collectors, as the OSPool has (cm-1 and cm-2, each with ?sock=collectorN). The local
# pool's central manager runs a second collector behind its shared port (sock secondcollector,
# tools/pool/cm.conf); a worker with `CentralManager = cm.osgpool.test, cm.osgpool.test?sock=
# secondcollector` must be listed by both and registered with both as CCB servers; with the first
# collector down it stays listed by the second, its status stays joined with no diagnosis and it
# does not rejoin (the agent asks every 5 s here, OSG_WORKER_JOINED_RECHECK_SECONDS); an agent
# started then joins through the second; with both down, status gives the usual diagnosis; with
# the first back, it is listed there again.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

FIRST=10.111.0.2 SECOND='10.111.0.2?sock=secondcollector'  # as asked from the central manager
pool_up
write_config "$WORK/w1.conf"
sed -i 's/^CentralManager = .*/CentralManager = cm.osgpool.test, cm.osgpool.test?sock=secondcollector/' \
  "$WORK/w1.conf"
# A restarted collector knows a worker only from its next update: every UPDATE_INTERVAL, 300 s by
# default (README, troubleshooting); 20 s here, so that the recovery shows within the test.
echo "UPDATE_INTERVAL = 20" >"$WORK/update-interval.conf"
"$POOL" worker w1 --config "$WORK/w1.conf" --condor-extra "$WORK/update-interval.conf" --entrypoint /bin/sh -c \
  'exec env OSG_WORKER_JOINED_RECHECK_SECONDS=5 osg-worker run' >/dev/null

listed_by() {  # COLLECTOR
  [ -n "$("$POOL" cm condor_status -pool "$1" -const 'WorkerGroupName == "My Test Workers"' \
    -af Name 2>/dev/null)" ]
}
status_line() { "$POOL" exec w1 osg-worker status 2>/dev/null | sed -n 's/^pool: *//p'; }
joined_records() { grep -c '"event":"joined"' "$INSTANCES/w1/upper/var/lib/osg-worker/ledger.jsonl"; }
collector() {  # on|off DAEMON: the central manager's master starts or stops one collector
  "$POOL" cm "condor_$1" -daemon "$2" >/dev/null
}

wait_until 90 "w1 is listed by the first collector" listed_by "$FIRST"
wait_until 30 "w1 is listed by the second collector" listed_by "$SECOND"
address=$("$POOL" cm condor_status -af MyAddress -const 'WorkerGroupName == "My Test Workers"')
assert_contains "$address" "sock%3dcollector#" "w1 registered with the first CCB server"
assert_contains "$address" "sock%3dsecondcollector#" "w1 registered with the second CCB server"
agent_says_joined() {
  grep -q "joined the pool: listed by cm.osgpool.test, cm.osgpool.test?sock=secondcollector (one is enough)" \
    "$INSTANCES/w1/console.log"
}
wait_until 30 "the agent's log says joined, naming both collectors" agent_says_joined

# The first collector down: the second still lists w1, and the agent, asking every 5 s, stays
# joined (the first no longer answers; one is enough).
collector off COLLECTOR
first_gone() { ! "$POOL" cm condor_status -pool "$FIRST" -af Name >/dev/null 2>&1; }
wait_until 30 "the first collector no longer answers" first_gone
# The agent's questions reach the second collector (its log names each query's peer).
w1_ip=${address#<} && w1_ip=${w1_ip%%:*}
queries_from_w1() { "$POOL" cm grep -c "Query info:.*peer=<$w1_ip:" /var/log/condor/Collector2Log || true; }
before=$(queries_from_w1)
sleep 20  # four of the agent's rechecks
after=$(queries_from_w1)
[ "$after" -gt "$before" ] || fail "the agent did not ask the second collector while the first was down"
log "ok: the agent asked the second collector $((after - before)) time(s) in 20 s"
listed_by "$SECOND" || fail "the second collector no longer lists w1"
log "ok: the second collector lists w1 while the first is down"
line=$(status_line)
assert_contains "$line" "joined" "status still says joined: $line"
case $line in *unreachable*|*"not joined"*) fail "status gives a diagnosis: $line" ;; esac
[ "$(joined_records)" = 1 ] || fail "the agent rejoined: $(joined_records) joined records"
log "ok: no rejoin while one collector is down"

# A new agent (the old one killed) joins through the second collector alone: its own joined
# record, the second in the ledger.
"$POOL" exec w1 pkill -KILL -x osg-worker
second_join() { [ "$(joined_records)" = 2 ]; }
wait_until 60 "the new agent joins" second_join
log "ok: an agent started while the first collector is down joins through the second"

# Both down: the usual diagnosis once the agent notices.
collector off COLLECTOR2
diagnosed() { status_line | grep -q "not joined: central manager unreachable"; }
wait_until 120 "status diagnoses the unreachable pool" diagnosed
log "ok: $(status_line)"

# The first back: w1 is listed there again, and the agent says joined.
collector on COLLECTOR
wait_until 90 "w1 is listed by the first collector again" listed_by "$FIRST"
wait_until 60 "status says joined again" sh -c "'$POOL' exec w1 osg-worker status | grep -q '^pool: *joined'"
log PASS
