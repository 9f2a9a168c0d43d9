#!/usr/bin/env bash
# Cloud = openstack on the local pool, against the test cloud (tests/cloud/openstack_server.py:
# Keystone v3, Nova and the metadata service, on the central manager):
#  (a) ShutdownAction = delete: at its idle deadline the worker deletes its server (DELETED);
#  (b) the cloud refuses the delete (403): the worker shelves itself (SHELVED_OFFLOADED);
#  (c) delete and shelve refused: it powers off. The ledger records each step.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

TIMEOUT=15
CLOUD=http://10.111.0.2:8780
SERVER=/usr/src/osg-worker/tests/cloud/openstack_server.py
LEDGER=upper/var/lib/osg-worker/ledger.jsonl

cloud_state() { "$POOL" cm python3 "$SERVER" state "$CLOUD"; }
cloud_mode() { "$POOL" cm python3 "$SERVER" mode "$CLOUD" "$1"; }

# start_worker NAME: a worker whose shutdown action is delete through the test cloud; prints
# the idle deadline once it has joined and is idle.
start_worker() {
  local name=$1 id secret
  { read -r id && read -r secret; } < <("$POOL" cm cat /run/testos/credential)
  # The secret goes into the 0600 config file only: never an argument.
  write_config "$WORK/$name.conf" "IdleTimeout = ${TIMEOUT}s" "Cloud = openstack" \
    "OpenStackAuthURL = $CLOUD/identity/v3" "OpenStackApplicationCredentialID = $id" \
    "OpenStackMetadataURL = $CLOUD" "OpenStackRegion = RegionOne"
  printf 'OpenStackApplicationCredentialSecret = %s\n' "$secret" >>"$WORK/$name.conf"
  sed -i 's|^ShutdownAction = .*|ShutdownAction = delete|' "$WORK/$name.conf"
  "$POOL" worker "$name" --config "$WORK/$name.conf" >/dev/null
  deadline=''
  read_deadline() { deadline=$(json_field "$(worker_status_json "$name")" shutdown_at) && [ -n "$deadline" ]; }
  wait_until 90 "$name joined and idle" read_deadline
}

ledger_has() {  # NAME ACTION RESULT
  grep -q '"event":"shutdown_action".*"action":"'"$2"'".*"result":"'"$3"'"' "$INSTANCES/$1/$LEDGER" ||
    grep -q '"event":"shutdown_action".*"result":"'"$3"'".*"action":"'"$2"'"' "$INSTANCES/$1/$LEDGER"
}

secret_leaked() {  # NAME: the secret in the log, the ledger or the status file
  local secret
  secret=$("$POOL" cm sed -n 2p /run/testos/credential)
  grep -rqF -- "$secret" "$INSTANCES/$1/console.log" "$INSTANCES/$1/$LEDGER" \
    "$INSTANCES/$1/upper/var/lib/osg-worker/" 2>/dev/null
}

pool_up
"$POOL" cm python3 "$SERVER" serve 10.111.0.2 8780 /run/testos >"$WORK/test-cloud.log" 2>&1 &
cloud_ready() { "$POOL" cm test -s /run/testos/server-id; }
wait_until 60 "the test OpenStack is up on the central manager" cloud_ready
server_id=$("$POOL" cm cat /run/testos/server-id)
[ "$(cloud_state)" = ACTIVE ] || fail "the test server is not ACTIVE at the start"

# (a) delete
start_worker w1
grep -q "openstack credentials: application credential .* from the config file" \
  "$INSTANCES/w1/console.log" || fail "run did not say where the OpenStack credential comes from"
deleted() { [ "$(cloud_state)" = DELETED ]; }
wait_until 120 "w1 deleted its server in the test cloud" deleted
done_at=$(date +%s)
log "delete confirmed at most $((done_at - deadline)) s after the idle deadline (polled once a second)"
wait_until 30 "w1's ledger records the delete" ledger_has w1 delete ok
grep -q "openstack $server_id: done" "$INSTANCES/w1/$LEDGER" || fail "the ledger does not name the server"
shutdown_happened w1 && fail "the fallback power-off ran although the delete succeeded"
secret_leaked w1 && fail "the application credential's secret shows in w1's log, ledger or state"
log "ok: no secret in w1's log, ledger or state files"

# (b) delete refused -> shelve
cloud_mode '{"status": "ACTIVE", "delete": "403"}'
start_worker w2
shelved() { [ "$(cloud_state)" = SHELVED_OFFLOADED ]; }
wait_until 120 "w2 shelved its server when the delete was refused (403)" shelved
wait_until 30 "w2's ledger records the shelve" ledger_has w2 shelve ok
ledger_has w2 delete failed || fail "w2's ledger does not record the refused delete"
grep -q 'HTTP 403' "$INSTANCES/w2/$LEDGER" || fail "the ledger does not say why the delete failed"
shutdown_happened w2 && fail "w2 powered off although the shelve succeeded"
log "ok: w2's ledger: delete failed (403), shelve ok"

# (c) delete and shelve refused -> power off
cloud_mode '{"status": "ACTIVE", "delete": "403", "shelve": "403"}'
start_worker w3
wait_until 120 "w3 powered off when delete and shelve were refused" shutdown_happened w3
[ "$(cloud_state)" = ACTIVE ] || fail "the server is $(cloud_state), expected ACTIVE"
wait_until 30 "w3's ledger records the power-off" ledger_has w3 poweroff ok
{ ledger_has w3 delete failed && ledger_has w3 shelve failed; } ||
  fail "w3's ledger does not record the refused delete and shelve"
log "ok: w3's ledger: delete failed, shelve failed, poweroff ok"
log PASS
