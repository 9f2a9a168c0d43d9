#!/usr/bin/env bash
# Issue 12's whole loop on the local pool, against the test OpenStack (tests/cloud/
# openstack_server.py, written from OpenStack's API references: no real OpenStack runs here). Its
# "hypervisor" (tests/cloud/boot_worker.sh) boots each created server as a real worker instance
# that runs the user-data it was given; a deleted server's instance is stopped.
# Test-bed differences from a cloud: the user-data script runs before osg-worker instead of in
# cloud-init's scripts-user stage; the server's hostname is s1, s2, ... (its name stays in the
# cloud and, as LaunchName, in the worker's ad); an instance has the host's cores, not its
# flavor's (m3.tiny's one core is what the controller counts).
#  (a) `scale` with 12 one-core TG-A jobs (and 2 TG-B ones, which Start refuses), --max 3: three
#      workers launched, never more; they join, run the jobs, go idle and delete themselves; the
#      controller ends with no worker and a record that adds up.
#  (b) a budget reached stops launching;
#  (c) a wrong token: the workers never join, are deleted at the join timeout, and the next go
#      one at a time (no launch storm);
#  (d) a stopped server of the group is deleted as an orphan;
#  (e) `launch`: --dry-run creates nothing; a bad flavor leaves nothing; a launch that fails
#      part-way (the quota) deletes what it created; no secret in any output;
#  (f) the two views of the demand: condor_q's, which matches Start (the idle TG-B jobs are
#      none), and the submitter ads', which only count the owner's idle jobs.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

CLOUD=http://10.111.0.2:8780
SERVER=$REPO_DIR/tests/cloud/openstack_server.py
GROUP="My Test Workers"
SCALE_ARGS=(--cloud openstack --flavor m3.tiny --image Featured-Debian13
  --network auto_allocated_network --poll 3s --cooldown 5s)

stop_cloud() {
  [ -z "${cloud_pid:-}" ] || kill "$cloud_pid" 2>/dev/null || true
  cleanup
}
trap stop_cloud EXIT

# servers: the created servers (not the first, which stands for a worker's own): ID NAME STATUS
# HOSTNAME, asked from the cm's network namespace, where the test cloud listens.
servers() { nsenter --net="/run/netns/osgp${OSG_POOL_ID:-}-cm" python3 "$SERVER" servers "$CLOUD"; }
live_servers() { servers | awk '$3 != "DELETED"' | wc -l; }
created_servers() { servers | wc -l; }
no_live_server() { [ "$(live_servers)" = 0 ]; }

in_cm() { "$POOL" cm "$@"; }
scale() { in_cm env OS_CLOUD=testos osg-worker scale "${SCALE_ARGS[@]}" "$@"; }
launch() { in_cm env OS_CLOUD=testos osg-worker launch "$@"; }

# worker_config FILE [EXTRA...]: a TG-A worker that deletes its server through the test cloud.
worker_config() {
  local file=$1; shift
  write_config "$file" "IdleTimeout = 30s" "Cloud = openstack" "ShutdownAction = delete" \
    "OpenStackAuthURL = $CLOUD/identity/v3" "OpenStackApplicationCredentialID = $cred_id" \
    "OpenStackMetadataURL = $CLOUD" "OpenStackRegion = RegionOne" "$@"
  sed -i -e '/^ShutdownAction = command/d' -e 's/"TG-NNNNNN"/"TG-A"/' "$file"
  printf 'OpenStackApplicationCredentialSecret = %s\n' "$cred_secret" >>"$file"
}

# stop_scale: ends the controller running in the cm. Killing the local `osg-pool cm` would leave
# it running there, deleting and launching for the parts after.
stop_scale() {
  in_cm pkill -TERM -f '^osg-worker scale' || true
  wait "$scale_pid" 2>/dev/null || true
  if in_cm pgrep -f '^osg-worker scale' >/dev/null; then fail "a controller outlived its part"; fi
}

# to_cm FILE DEST: a root-only copy in the central manager, where the controller runs.
to_cm() { in_cm install -D -m 600 /dev/stdin "$2" <"$1"; }

secret_in() {  # FILES...: whether the credential's secret or the pool token shows in them
  grep -qF -- "$cred_secret" "$@" || grep -qF -- "$token" "$@"
}

pool_up
mkdir -p "$WORK/testos"
# The test cloud runs on this host (its hypervisor starts instances with osg-pool), in the central
# manager's network namespace, so that the workers reach it at the cm's address.
"$REPO_DIR/tests/cloud/serve_openstack.sh" "$WORK/testos" --quota 4 >"$WORK/test-cloud.log" 2>&1 &
cloud_pid=$!
cloud_ready() { [ -s "$WORK/testos/server-id" ]; }
wait_until 30 "the test OpenStack is up" cloud_ready
{ read -r cred_id && read -r cred_secret; } <"$WORK/testos/credential"
token=$("$POOL" token)
# The controller's credential: a clouds.yaml in root's home on the cm, never an argument.
printf 'clouds:\n  testos:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: %s\n      application_credential_id: %s\n      application_credential_secret: %s\n    region_name: RegionOne\n' \
  "$CLOUD/identity/v3" "$cred_id" "$cred_secret" >"$WORK/clouds.yaml"
to_cm "$WORK/clouds.yaml" /root/.config/openstack/clouds.yaml
worker_config "$WORK/worker.conf"
to_cm "$WORK/worker.conf" /root/worker.conf

# (e) launch first: it needs no jobs.
out=$(launch --cloud openstack --config /root/worker.conf --count 2 --flavor m3.tiny \
  --image Featured-Debian13 --network auto_allocated_network --dry-run 2>&1) ||
  fail "launch --dry-run failed: $out"
assert_contains "$out" "(dry run: not created)" "launch --dry-run names what it would create"
[ "$(created_servers)" = 0 ] || fail "--dry-run created a server"
if out=$(launch --cloud openstack --config /root/worker.conf --count 2 --flavor m9.huge \
  --image Featured-Debian13 --network auto_allocated_network 2>&1); then
  fail "a launch with an unknown flavor succeeded: $out"
fi
assert_contains "$out" "no flavor m9.huge" "an unknown flavor is refused with the cloud's reason"
[ "$(created_servers)" = 0 ] || fail "the bad flavor left a server behind"
# The quota is 4 servers: the fifth create fails and the four made are deleted again.
if out=$(launch --cloud openstack --config /root/worker.conf --count 5 --flavor m3.tiny \
  --image Featured-Debian13 --network auto_allocated_network 2>&1); then
  fail "a launch past the quota succeeded: $out"
fi
assert_contains "$out" "Quota exceeded for instances" "the quota's refusal is named"
assert_contains "$out" "deleted the 4 created" "the launch deleted the four it had created"
[ "$(grep -c . <<<"$out")" = 2 ] || fail "the failure is not one line after the summary: $out"
wait_until 60 "no server of the failed launch is left" no_live_server
secret_in <(echo "$out") && fail "launch printed a secret"
log "ok: launch: dry run, bad flavor and a partial failure leave nothing behind"

# (a) the loop: 12 TG-A jobs of 15 s, 2 TG-B ones that Start refuses.
before=$(created_servers)
"$POOL" submit --project TG-A --sleep 15 --count 12 >/dev/null
"$POOL" submit --project TG-B --sleep 15 --count 2 >/dev/null
scale --config /root/worker.conf --max 3 --join-timeout 5m --record /root/scale-a.json \
  --exit-when-done >"$WORK/scale-a.log" 2>&1 &
scale_pid=$!
max_live=0
watch_live() {  # records the most live servers seen; succeeds when CMD does
  local n
  n=$(live_servers)
  [ "$n" -le "$max_live" ] || max_live=$n
  "$@"
}
tga_done() {
  local queued
  queued=$(in_cm condor_q -allusers -const 'ProjectName == "TG-A"' -af ClusterId) || return 1
  [ -z "$queued" ] &&
    [ "$(in_cm condor_history -const 'ProjectName == "TG-A" && JobStatus == 4' -af ClusterId | wc -l)" = 12 ]
}
wait_until 400 "the 12 TG-A jobs ran" watch_live tga_done
scale_done() { ! kill -0 "$scale_pid" 2>/dev/null; }
wait_until 240 "the workers deleted themselves and the controller ended" watch_live scale_done
wait "$scale_pid" || fail "scale exited with an error: $(tail -n 5 "$WORK/scale-a.log")"
[ "$max_live" = 3 ] || fail "at most $max_live servers were up at once, expected 3"
made=$(($(created_servers) - before))
[ "$made" = 3 ] || fail "$made servers were created, expected 3: $(servers)"
grep -q 'scale: demand 12 cores, 0 running, 0 booting: launch 3' "$WORK/scale-a.log" ||
  fail "the first decision was not to launch 3: $(head -n 3 "$WORK/scale-a.log")"
grep -q 'scale: no idle job and no worker left: done' "$WORK/scale-a.log" || fail "no final line"
servers | awk '$3 != "DELETED" { exit 1 }' || fail "a server is not deleted: $(servers)"
for host in $(servers | tail -n +$((before + 1)) | awk '{print $4}'); do
  grep -q '"event":"shutdown_action".*"result":"ok"' \
    "$INSTANCES/$host/upper/var/lib/osg-worker/ledger.jsonl" ||
    grep -q '"result":"ok".*"event":"shutdown_action"' \
      "$INSTANCES/$host/upper/var/lib/osg-worker/ledger.jsonl" ||
    fail "$host's ledger has no successful shutdown action (its own delete)"
done
log "ok: the three workers deleted their own servers"
in_cm cat /root/scale-a.json >"$WORK/scale-a.json"
python3 - "$WORK/scale-a.json" <<'PYEOF' || fail "the record does not add up: $(cat "$WORK/scale-a.json")"
import json, sys
record = json.load(open(sys.argv[1]))
workers = record["workers"]
assert record["group"] == "My Test Workers", record["group"]
assert len(workers) == 3, len(workers)
for w in workers:
    assert w["joined"] and w["id"] and w["name"], w
    assert w["launched_at"] <= w["ended_at"], w
    assert w["cores"] == 1 and w["sus_per_core_hour"] == 1.0, w
sus = sum((w["ended_at"] - w["launched_at"]) / 3600 for w in workers)
print(f"record: 3 workers, {sus:.4f} SUs")
PYEOF
status=$(scale --config /root/worker.conf --record /root/scale-a.json --budget 5 --status 2>&1)
assert_contains "$status" "3 launched by this controller, 3 ended" "scale --status adds up"
assert_contains "$status" "of 5.00 (" "scale --status shows the SUs left"
secret_in "$WORK/scale-a.log" <(echo "$status") && fail "the controller printed a secret"
log "ok: 12 jobs, at most 3 workers, all gone, the record adds up"

# (b) the budget: a tiny one is spent by the first worker's first seconds.
"$POOL" submit --project TG-A --sleep 30 --count 4 >/dev/null
scale --config /root/worker.conf --max 3 --max-booting 1 --budget 0.0005 \
  --record /root/scale-b.json >"$WORK/scale-b.log" 2>&1 &
scale_pid=$!
budget_hit() { grep -q 'launch 0 (budget reached' "$WORK/scale-b.log"; }
wait_until 120 "the controller stops at the budget" budget_hit
never_within 20 "a launch after the budget was reached" \
  bash -c "[ \$(grep -c 'scale: launched' '$WORK/scale-b.log') -gt 1 ]"
stop_scale
in_cm condor_rm -const 'ProjectName == "TG-A"' >/dev/null 2>&1 || true
for id in $(servers | awk '$3 != "DELETED" {print $1}'); do
  in_cm env OS_CLOUD=testos osg-worker cloud-test fleet --cloud openstack --op delete --id "$id" >/dev/null
done
wait_until 60 "the budget part's servers are gone" no_live_server
log "ok: one launch, then none at the budget"

# (c) a wrong token: workers never join; deleted at the join timeout; then one at a time.
worker_config "$WORK/wrong.conf"
sed -i "s|^Token = .*|Token = ${token%.*}.d3Jvbmctc2lnbmF0dXJl|" "$WORK/wrong.conf"
to_cm "$WORK/wrong.conf" /root/wrong.conf
"$POOL" submit --project TG-A --sleep 10 --count 6 >/dev/null
before=$(created_servers)
scale --config /root/wrong.conf --max 6 --join-timeout 40s --record /root/scale-c.json \
  >"$WORK/scale-c.log" 2>&1 &
scale_pid=$!
deleted_unjoined() { grep -q 'not joined .* after its launch' "$WORK/scale-c.log"; }
wait_until 150 "workers that never joined are deleted" deleted_unjoined
sleep 50  # one more join timeout
stop_scale
made=$(($(created_servers) - before))
# The first round launches up to --max-booting (3); after the failed join, one per join timeout.
[ "$made" -le 5 ] || fail "$made servers were created for a token that never joins: a storm"
grep -q 'booting, the limit after a failed join is 1\|launch 1 ' "$WORK/scale-c.log" ||
  fail "the controller did not go one at a time after the failed join"
log "ok: a wrong token cost $made servers, one at a time after the first failed join"
in_cm condor_rm -const 'ProjectName == "TG-A"' >/dev/null 2>&1 || true
for id in $(servers | awk '$3 != "DELETED" {print $1}'); do
  in_cm env OS_CLOUD=testos osg-worker cloud-test fleet --cloud openstack --op delete --id "$id" >/dev/null
done
wait_until 60 "the wrong-token part's servers are gone" no_live_server

# (d) an orphan: a stopped server of the group is deleted, with no job in the queue.
out=$(in_cm env OS_CLOUD=testos osg-worker cloud-test fleet --cloud openstack --op create \
  --group "$GROUP" --flavor m3.tiny --image Featured-Debian13 --network auto_allocated_network \
  --name orphan-1 --user-data '#!/bin/sh') || fail "creating the orphan failed: $out"
orphan=$(sed -n 's/^id: //p' <<<"$out")
nsenter --net="/run/netns/osgp${OSG_POOL_ID:-}-cm" python3 "$SERVER" mode "$CLOUD" \
  "{\"server_status\": {\"$orphan\": \"SHUTOFF\"}}"
scale --config /root/worker.conf --max 3 --record /root/scale-d.json --exit-when-done \
  >"$WORK/scale-d.log" 2>&1 || fail "scale failed: $(cat "$WORK/scale-d.log")"
grep -q "delete $orphan (orphan: stopped): done" "$WORK/scale-d.log" ||
  fail "the stopped server was not deleted: $(cat "$WORK/scale-d.log")"
[ "$(servers | awk -v id="$orphan" '$1 == id {print $3}')" = DELETED ] || fail "the orphan lives"
log "ok: the stopped server was deleted as an orphan"
grep -q 'scale: demand 0 cores' "$WORK/scale-d.log" ||
  fail "condor_q's view counted the TG-B jobs that Start refuses: $(cat "$WORK/scale-d.log")"
log "ok: with condor_q, the 2 idle TG-B jobs are no demand (Start refuses them)"

# (f) the submitter ads see only how many jobs the owner has idle: the 2 TG-B jobs count. Those
# ads are as old as the schedd's last update (SCHEDD_INTERVAL, 10 s in this pool), so the TG-A jobs
# removed above may still be counted for a while: wait until the collector has the schedd's news.
submitter_idle_is_2() {
  [ "$(in_cm condor_status -submitters -const 'Name == "researcher@osgpool.test"' -af IdleJobs)" = 2 ]
}
wait_until 60 "the submitter ad counts the 2 TG-B jobs" submitter_idle_is_2
scale --config /root/worker.conf --max 1 --demand submitters --owner researcher \
  --record /root/scale-f.json >"$WORK/scale-f.log" 2>&1 &
scale_pid=$!
decided() { grep -q 'scale: demand' "$WORK/scale-f.log"; }
wait_until 60 "the submitter-ad controller decided" decided
stop_scale
grep -q 'scale: demand 2 cores, 0 running, 0 booting: launch 1' "$WORK/scale-f.log" ||
  fail "the submitter ads did not give the owner's 2 idle jobs: $(cat "$WORK/scale-f.log")"
log "ok: with submitter ads, the owner's 2 idle jobs count, whatever their project"
log PASS
