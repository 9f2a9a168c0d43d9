#!/usr/bin/env bash
# ShutdownAction = delete with Cloud = gce on the local pool: at its idle deadline the worker
# deletes its own instance through the Compute API (tests/cloud/gce_server.py: a metadata server
# and the Compute API, serving on the central manager). The test cloud no longer has the
# instance, and the ledger says so.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TIMEOUT=15
pool_up
"$POOL" cm python3 /usr/src/osg-worker/tests/cloud/gce_server.py 10.111.0.2 /run/testgce \
  >"$WORK/test-cloud.log" 2>&1 &
cloud_ready() { "$POOL" cm test -s /run/testgce/ready; }
wait_until 60 "the test GCE (metadata server + Compute API) is up on the central manager" cloud_ready
cloud_state() { "$POOL" cm python3 /usr/src/osg-worker/tests/cloud/gce_server.py --state 10.111.0.2; }
[ "$(cloud_state)" = RUNNING ] || fail "the test instance is not RUNNING at the start"

write_config "$WORK/w1.conf" "IdleTimeout = ${TIMEOUT}s" "Cloud = gce" \
  "GCEMetadataURL = http://10.111.0.2:8170" "GCEComputeEndpoint = http://10.111.0.2:8171"
sed -i 's|^ShutdownAction = .*|ShutdownAction = auto|' "$WORK/w1.conf"
"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
deadline=''
read_deadline() { deadline=$(json_field "$(worker_status_json w1)" shutdown_at) && [ -n "$deadline" ]; }
wait_until 90 "w1 joined and idle" read_deadline
gone() { [ "$(cloud_state)" = deleted ]; }
wait_until 120 "w1's instance is gone from the test GCE" gone
done_at=$(date +%s)
log "deleted at most $((done_at - deadline)) s after the idle deadline (polled once a second)"
[ $((done_at - deadline)) -le 90 ] || fail "the delete came $((done_at - deadline)) s after the deadline"
logged() { grep -q "shutdown action delete: ok" "$INSTANCES/w1/console.log"; }
wait_until 30 "w1 logged the delete" logged
grep -q '"action":"delete","detail":"gce osg-worker-1: done' \
  "$INSTANCES/w1/upper/var/lib/osg-worker/ledger.jsonl" || fail "the ledger does not record the delete"
grep -q 'osg-test-project/us-central1-a/osg-worker-1: accepted: operation' "$INSTANCES/w1/console.log" ||
  fail "the log does not name the instance and the operation"
if grep -q 'ya29\.' "$INSTANCES/w1/console.log" "$INSTANCES/w1/upper/var/lib/osg-worker/ledger.jsonl"; then
  fail "an access token reached the log or the ledger"
fi
shutdown_happened w1 && fail "the fallback power-off ran although the delete succeeded"
log PASS
