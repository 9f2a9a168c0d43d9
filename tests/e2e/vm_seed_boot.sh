#!/usr/bin/env bash
# The cloud image (tools/vm-image) booted under qemu with real systemd and cloud-init, given the
# seed's boot script unchanged (plus the test bed's cloud-config part: tests/e2e/lib.sh). At boot
# cloud-init runs the script, osg-worker.path starts the worker, which joins the local pool
# (answering as the OSPool) through CCB, runs a matching job, and at the idle deadline powers the
# guest off through systemd: qemu exits. The journal holds the lifecycle lines; the agent's own
# SIGTERM, sent by the power-off it started, ends cleanly. Prints power-on to listed and idle
# deadline to qemu's exit (measured under TCG; not asserted).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ospool_vm_setup
vm_test_part 2m >"$WORK/test-part.yaml"
multipart "$WORK/test-part.yaml" "$WORK/seed.sh" >"$WORK/user-data"

"$POOL" vm v1 --image "$VM_IMAGE" --user-data "$WORK/user-data" >/dev/null
started=$(cat "$VMS/v1/started")
log "$(cat "$VMS/v1/vm.log")"
wait_until 900 "the VM's worker is listed by the pool (the seed's query)" worker_listed
listed=$(date +%s.%N)
log "measured: power-on to listed: $(elapsed "$started" "$listed") s"

# The journal reaches the host a little after the pool lists the worker.
wait_until 120 "the journal holds osg-worker's lifecycle lines" \
  vm_journal_has v1 'osg-worker\[[0-9]+\]: .*lifecycle: Joining -> Idle'

# Inbound connections to the guest are impossible (qemu's NAT): the startd is reached by CCB.
address=$("$POOL" cm condor_status -const 'WorkerGroupName == "My Test Workers"' -af MyAddress)
assert_contains "$address" "CCBID=" "the startd's address routes through CCB"

job=$(submit_job TG-NNNNNN 20)
wait_until 300 "the matching job ran and completed" job_is "$job" 4

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
  fail "osg-worker.service failed or was killed during the power-off it started"
log "ok: the power-off went through systemd, and osg-worker.service stopped cleanly in it"
log PASS
