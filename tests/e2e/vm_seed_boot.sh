#!/usr/bin/env bash
# The cloud image (tools/vm-image) booted under qemu with real systemd and cloud-init, given the
# seed's boot script unchanged (plus the test bed's cloud-config part: tests/e2e/lib.sh):
# - At boot cloud-init runs the script, osg-worker.path starts the worker, which joins the local
#   pool (answering as the OSPool) through CCB and runs a matching job.
# - Idle after the job, the VM is rebooted (`systemctl reboot`, by the user-data once the ledger
#   holds the job's end and the phase is Idle): the worker comes back by itself (osg-worker.service
#   is enabled and the config is there), rejoins, and its deadlines still count from the first
#   boot (the ad's OSGWorkerRetireTime is unchanged).
# - At the idle deadline it powers the guest off through systemd: qemu exits. The journal holds
#   the lifecycle lines; the agent's own SIGTERM, sent by the power-off it started, ends cleanly.
#   The ledger, read from the disk afterwards, carries on across the reboot: two boots, two joins.
# Prints power-on to listed and idle deadline to qemu's exit (measured under TCG; not asserted).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ospool_vm_setup
{
  vm_test_part 2m
  cat <<'EOF_PART'
runcmd:
  - [systemd-run, --no-block, --unit=osgp-reboot, /bin/sh, -c, "until grep -qs job_end /var/lib/osg-worker/ledger.jsonl && osg-worker status | grep -q '^phase: *Idle'; do sleep 3; done; sleep 5; echo 'osgp: rebooting while idle'; systemctl reboot"]
EOF_PART
} >"$WORK/test-part.yaml"
multipart "$WORK/test-part.yaml" "$WORK/seed.sh" >"$WORK/user-data"

"$POOL" vm v1 --image "$VM_IMAGE" --user-data "$WORK/user-data" --allow-reboot >/dev/null
started=$(cat "$VMS/v1/started")
log "$(cat "$VMS/v1/vm.log")"
wait_until 900 "the VM's worker is listed by the pool (the seed's query)" worker_listed
listed=$(date +%s.%N)
log "measured: power-on to listed: $(elapsed "$started" "$listed") s"
retire_time() { "$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af OSGWorkerRetireTime; }
first_retire=$(retire_time)

# The journal reaches the host a little after the pool lists the worker.
wait_until 120 "the journal holds osg-worker's lifecycle lines" \
  vm_journal_has v1 'osg-worker\[[0-9]+\]: .*lifecycle: Joining -> Idle'

# Inbound connections to the guest are impossible (qemu's NAT): the startd is reached by CCB.
address=$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af MyAddress)
assert_contains "$address" "CCBID=" "the startd's address routes through CCB"

job=$(submit_job TG-NNNNNN 20)
wait_until 300 "the matching job ran and completed" job_is "$job" 4

# The reboot, while idle.
kernel_boots() { grep -c 'Linux version' "$VMS/v1/console.log" || true; }
rebooted() { [ "$(kernel_boots)" -ge 2 ]; }
wait_until 600 "v1 rebooted (a second kernel boot on its console)" rebooted
vm_journal_has v1 'osgp: rebooting while idle' || fail "the reboot was not the user-data's"
vm_powered_off v1 && fail "qemu exited at the reboot"
joins() { grep -c 'lifecycle: Joining -> Idle' "$VMS/v1/journal.log" || true; }
second_join() { [ "$(joins)" -ge 2 ]; }
wait_until 600 "v1 rejoined after the reboot, by itself" second_join
wait_until 120 "v1 is listed again" worker_listed
[ "$(retire_time)" = "$first_retire" ] || fail "OSGWorkerRetireTime moved: $first_retire -> $(retire_time)"
log "ok: the deadlines still count from the first boot (OSGWorkerRetireTime $first_retire)"

wait_until 600 "the idle deadline: Idle -> Stopping" vm_journal_has v1 'lifecycle: Idle -> Stopping'
stopping=$(vm_journal_time v1 'lifecycle: Idle -> Stopping')
out=$("$POOL" vm-wait v1 600) || fail "the guest did not power off"
log "$out"
exited=$(cut -d' ' -f1 "$VMS/v1/exited")
log "measured: idle deadline to qemu's exit: $(elapsed "$stopping" "$exited") s"
[ "$(cut -d' ' -f2 "$VMS/v1/exited")" = 0 ] || fail "qemu exited with status $(cut -d' ' -f2 "$VMS/v1/exited")"
grep -q 'reboot: Power down' "$VMS/v1/console.log" || fail "the kernel did not power down (console)"
log "ok: the guest powered itself off (console: reboot: Power down), qemu exited 0"
vm_journal_has v1 'System is powering down' || fail "the journal shows no power-off through systemd (logind)"
vm_journal_has v1 'systemd\[1\]: Stopping osg-worker.service' ||
  fail "systemd did not stop osg-worker.service in the power-off"
vm_journal_has v1 'systemd\[1\]: osg-worker.service: Deactivated successfully' ||
  fail "osg-worker.service did not end cleanly in the power-off it started"
! vm_journal_has v1 'osg-worker.service: (Failed|Main process exited, code=killed)' ||
  fail "osg-worker.service failed or was killed during the reboot or the power-off it started"
log "ok: the power-off went through systemd, and osg-worker.service stopped cleanly in it"

ledger=$(vm_disk_file v1 /var/lib/osg-worker/ledger.jsonl)
[ -n "$ledger" ] || fail "no ledger on v1's disk"
count() { grep -c "\"event\":\"$1\"" <<<"$ledger" || true; }
# Each agent start records the boot it runs in; two boots, whatever the agent starts.
boots=$(grep -o '"boot_id":"[^"]*"' <<<"$ledger" | sort -u | wc -l)
log "ledger: $boots boots, $(count joined) joined, $(count job_end) job_end records"
[ "$boots" = 2 ] || fail "expected the records of 2 boots in the ledger, found $boots"
[ "$(count joined)" = 2 ] || fail "expected 2 joined records, found $(count joined)"
[ "$(count job_end)" -ge 1 ] || fail "the ledger does not record the job's end"
log "ok: the ledger carries on across the reboot (the new boot recorded, a second join)"
log PASS
