#!/usr/bin/env bash
# ShutdownAction = delete on the local pool: at its idle deadline the worker deletes its own
# instance through EC2's API (moto, signature checking on, serving on the central manager with a
# small IMDSv2 server). The instance is terminated in the test cloud and the ledger says so.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TIMEOUT=15
pool_up
"$POOL" cm python3 /usr/src/osg-worker/tests/cloud/test_cloud.py 10.111.0.2 /run/testcloud \
  >"$WORK/test-cloud.log" 2>&1 &
cloud_ready() { "$POOL" cm test -s /run/testcloud/instance-id; }
wait_until 90 "the test cloud (moto + IMDS) is up on the central manager" cloud_ready
instance=$("$POOL" cm cat /run/testcloud/instance-id)
cloud_state() { "$POOL" cm python3 /usr/src/osg-worker/tests/cloud/test_cloud.py --state 10.111.0.2 "$instance"; }
[ "$(cloud_state)" = running ] || fail "the test instance is not running at the start"

write_config "$WORK/w1.conf" "IdleTimeout = ${TIMEOUT}s" "Cloud = ec2" \
  "EC2MetadataURL = http://10.111.0.2:8169" "EC2Endpoint = http://10.111.0.2:5000"
sed -i 's|^ShutdownAction = .*|ShutdownAction = delete|' "$WORK/w1.conf"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
deadline=''
read_deadline() { deadline=$(json_field "$(worker_status_json w1)" shutdown_at) && [ -n "$deadline" ]; }
wait_until 90 "w1 joined and idle" read_deadline
deleted() { grep -q "shutdown action delete: ok" "$INSTANCES/w1/console.log"; }
wait_until 120 "w1 deleted its instance" deleted
done_at=$(date +%s)
state=$(cloud_state)
case $state in terminated | shutting-down) log "ok: the test cloud says $state" ;;
  *) fail "the instance is $state in the test cloud" ;; esac
log "delete confirmed at most $((done_at - deadline)) s after the idle deadline (polled once a second)"
grep -q '"event":"shutdown_action".*"action":"delete","detail":"ec2 '"$instance"': done"' \
  "$INSTANCES/w1/upper/var/lib/osg-worker/ledger.jsonl" || grep -q "ec2 $instance: done" "$INSTANCES/w1/console.log" ||
  fail "neither the ledger nor the log records the delete"
shutdown_happened w1 && fail "the fallback power-off ran although the delete succeeded"
log PASS
