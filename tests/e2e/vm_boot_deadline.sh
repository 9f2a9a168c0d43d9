#!/usr/bin/env bash
# Two VMs of the cloud image at once, real systemd and cloud-init:
# - b1's user-data writes a bad config (the seed's script with Start's quotes forgotten). The
#   worker starts once and exits 78: no restart loop (osg-worker.path fires on a change of the
#   file, not while it exists), the reason is in the journal and on the console. A valid config
#   written 90 s later (a timer of the user-data's, as an admin fixing the file) starts the
#   worker, with no `systemctl reset-failed`; it joins, and its boot deadline then finds it up.
# - c1 has no user-data at all (an empty file; the image's BootTimeout comes from the cloud's
#   vendor-data, as a drop-in): at its boot deadline it powers itself off, the reason on the
#   console.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
[ -f "$VM_IMAGE" ] || fail "no VM image: run tools/vm-image"

"$POOL" down >/dev/null 2>&1 || true
"$POOL" up
"$POOL" token >"$WORK/token"

# b1: the seed's script with a bad Start; the good config waits in /root, root-only.
seed_script "$WORK/token" | sed 's/"TG-NNNNNN"/TG-NNNNNN/' >"$WORK/bad-seed.sh"
{
  vm_test_part ""  # no IdleTimeout drop-in: the defaults, but for BootTimeout below
  cat <<EOF
      BootTimeout = 6m
  - path: /root/osg-worker.conf.good
    permissions: '0600'
    content: |
      WorkerGroupName = My Test Workers
      Token = $(cat "$WORK/token")
      Start = TARGET.ProjectName == "TG-NNNNNN"
      CentralManager = cm.osgpool.test
runcmd:
  - [systemd-run, --no-block, --unit=osgp-fix, --on-active=90, /bin/cp, /root/osg-worker.conf.good, /etc/osg-worker.conf]
EOF
} >"$WORK/b1-part.yaml"
multipart "$WORK/b1-part.yaml" "$WORK/bad-seed.sh" >"$WORK/b1-user-data"

# c1: no user-data; the cloud's vendor-data sets the image's boot deadline short.
: >"$WORK/empty"
cat >"$WORK/c1-vendor-data" <<'EOF'
#cloud-config
bootcmd:
  - [systemd-run, --no-block, --unit=osgp-journal, --quiet, -p, DefaultDependencies=no, /bin/sh, -c, "exec journalctl -b -f -o short-iso >/dev/ttyS1"]
write_files:
  - path: /etc/osg-worker.conf.d/90-osgp-test.conf
    content: |
      BootTimeout = 4m
EOF

"$POOL" vm b1 --image "$VM_IMAGE" --user-data "$WORK/b1-user-data" >/dev/null
"$POOL" vm c1 --image "$VM_IMAGE" --user-data "$WORK/empty" --vendor-data "$WORK/c1-vendor-data" >/dev/null

# b1: the bad config, refused once, with file, line and key; in the journal and on the console.
refusal='/etc/osg-worker.conf:3: error: Start: '
wait_until 900 "b1 refused the bad config (journal)" vm_journal_has b1 "osg-worker\[[0-9]+\]: $refusal"
wait_until 30 "b1's console shows the refusal too" grep -q "$refusal" "$VMS/b1/console.log"
exits() { vm_journal b1 | grep -c 'osg-worker.service: Main process exited, code=exited, status=78' || true; }
sleep 30  # a restart loop would show by now: systemd restarts within 100 ms
[ "$(exits)" = 1 ] || fail "osg-worker.service exited $(exits) times with status 78: a restart loop"
! vm_journal_has b1 'trigger-limit-hit|Start request repeated too quickly|start-limit-hit' ||
  fail "a unit hit its start limit: $(vm_journal b1 | grep -E 'limit-hit|too quickly')"
log "ok: b1 started the worker once for the bad config (exit 78), and not again"

# The fixed file starts the worker by itself: no reset-failed anywhere.
wait_until 600 "b1's worker joined after the config was fixed" worker_listed
[ "$(exits)" = 1 ] || fail "more exits with status 78 after the fix"
log "ok: the fixed config started the worker with no reset-failed"

# c1: powered off at its boot deadline, the reason on its console.
out=$("$POOL" vm-wait c1 900) || fail "c1 did not power off"
log "c1: $out"
grep -q 'boot deadline: 4m0s after the boot, no valid /etc/osg-worker.conf was written' "$VMS/c1/console.log" ||
  fail "c1's console does not say why it powered off"
grep -q 'reboot: Power down' "$VMS/c1/console.log" || fail "c1's kernel did not power down"
log "ok: c1 (no user-data) powered itself off at its boot deadline, saying why on the console"

# b1's deadline (6 min) finds its worker up and leaves it alone.
wait_until 600 "b1's boot deadline found the worker up" \
  vm_journal_has b1 'boot deadline: the worker is up'
vm_powered_off b1 && fail "b1 powered off"
log "ok: b1 is still up after its boot deadline"
log PASS
