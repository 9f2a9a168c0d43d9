#!/usr/bin/env bash
# A worker VM rebooted while idle (`systemctl reboot`, run once by the user-data as soon as the
# worker has joined): the worker comes back by itself (osg-worker.service is enabled and the
# config is there), rejoins the pool, and its deadlines still count from the first boot (the
# ad's OSGWorkerRetireTime is unchanged). At the idle deadline it powers off; its ledger, read
# from the disk afterwards, carries on across the reboot: records of two boots, two joins.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ospool_vm_setup
{
  vm_test_part 3m
  cat <<'EOF'
runcmd:
  - [systemd-run, --no-block, --unit=osgp-reboot, /bin/sh, -c, "until osg-worker status | grep -q '^pool: *joined'; do sleep 5; done; sleep 15; echo 'osgp: rebooting'; systemctl reboot"]
EOF
} >"$WORK/test-part.yaml"
multipart "$WORK/test-part.yaml" "$WORK/seed.sh" >"$WORK/user-data"
"$POOL" vm r1 --image "$VM_IMAGE" --user-data "$WORK/user-data" --allow-reboot >/dev/null

retire_time() { "$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af OSGWorkerRetireTime; }
wait_until 900 "r1 is listed" worker_listed
first_retire=$(retire_time)
joins() { vm_journal r1 | grep -c 'lifecycle: Joining -> Idle' || true; }
kernel_boots() { grep -c 'Linux version' "$VMS/r1/console.log" || true; }
rebooted() { [ "$(kernel_boots)" -ge 2 ]; }
wait_until 600 "r1 rebooted (a second kernel boot on its console)" rebooted
vm_powered_off r1 && fail "qemu exited at the reboot"
second_join() { [ "$(joins)" -ge 2 ]; }
wait_until 600 "r1 rejoined after the reboot" second_join
wait_until 60 "r1 is listed again" worker_listed
[ "$(retire_time)" = "$first_retire" ] || fail "OSGWorkerRetireTime moved: $first_retire -> $(retire_time)"
log "ok: the deadlines still count from the first boot (OSGWorkerRetireTime $first_retire)"

out=$("$POOL" vm-wait r1 900) || fail "r1 did not power off at its idle deadline"
log "$out"
ledger=$(vm_disk_file r1 /var/lib/osg-worker/ledger.jsonl)
[ -n "$ledger" ] || fail "no ledger on r1's disk"
count() { grep -c "\"event\":\"$1\"" <<<"$ledger" || true; }
# Each agent start records the boot it runs in; two boots, whatever the agent starts.
boots=$(grep -o '"boot_id":"[^"]*"' <<<"$ledger" | sort -u | wc -l)
log "ledger: $boots boots, $(count joined) joined, $(count agent_start) agent_start records"
[ "$boots" = 2 ] || fail "expected the records of 2 boots in the ledger, found $boots"
[ "$(count joined)" = 2 ] || fail "expected 2 joined records, found $(count joined)"
log "ok: the ledger carries on across the reboot (the new boot recorded, a second join)"
log PASS
