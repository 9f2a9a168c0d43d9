#!/usr/bin/env bash
# Three VMs of the cloud image at once, real systemd and cloud-init:
# - b1's user-data writes a bad config (the seed's script with Start's quotes forgotten). The
#   worker starts once and exits 78: no restart loop (osg-worker.path fires on a change of the
#   file, not while it exists), the reason is in the journal and on the console. A valid config
#   written 60 s later (a timer of the user-data's, as an admin fixing the file) starts the
#   worker, with no `systemctl reset-failed`, and it joins.
# - b2 has the same bad config, never fixed: at its boot deadline (3m) it powers itself off.
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
  vm_test_part ""  # the image's defaults: BootTimeout 30m, past this test's end
  cat <<EOF
  - path: /root/osg-worker.conf.good
    permissions: '0600'
    content: |
      WorkerGroupName = My Test Workers
      Token = $(cat "$WORK/token")
      Start = TARGET.ProjectName == "TG-NNNNNN"
      CentralManager = cm.osgpool.test
runcmd:
  - [systemd-run, --no-block, --unit=osgp-fix, --on-active=60, /bin/cp, /root/osg-worker.conf.good, /etc/osg-worker.conf]
EOF
} >"$WORK/b1-part.yaml"
multipart "$WORK/b1-part.yaml" "$WORK/bad-seed.sh" >"$WORK/b1-user-data"

# b2: the same bad config, never fixed; a short boot deadline.
{
  vm_test_part ""
  echo "      BootTimeout = 3m"
} >"$WORK/b2-part.yaml"
multipart "$WORK/b2-part.yaml" "$WORK/bad-seed.sh" >"$WORK/b2-user-data"

# c1: no user-data; the cloud's vendor-data sets the image's boot deadline short.
: >"$WORK/empty"
cat >"$WORK/c1-vendor-data" <<'EOF'
#cloud-config
bootcmd:
  - [systemd-run, --no-block, --unit=osgp-journal, --quiet, -p, DefaultDependencies=no, /bin/sh, -c, "exec journalctl -b -f -o short-iso >/dev/ttyS1"]
write_files:
  - path: /etc/osg-worker.conf.d/90-osgp-test.conf
    content: |
      BootTimeout = 3m
EOF

"$POOL" vm b1 --image "$VM_IMAGE" --user-data "$WORK/b1-user-data" >/dev/null
"$POOL" vm b2 --image "$VM_IMAGE" --user-data "$WORK/b2-user-data" >/dev/null
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

"$POOL" stop b1 >/dev/null  # done with b1: its share of the CPU to the others

# b2 and c1: powered off at their boot deadlines, the reason on the console.
for vm in b2 c1; do
  out=$("$POOL" vm-wait "$vm" 900) || fail "$vm did not power off"
  log "$vm: $out"
  grep -q 'reboot: Power down' "$VMS/$vm/console.log" || fail "$vm's kernel did not power down"
done
grep -q "boot deadline: 3m0s after the boot, the config is not valid ($refusal" "$VMS/b2/console.log" ||
  fail "b2's console does not say why it powered off"
log "b2: $(grep -oE 'boot deadline: 3m0s after the boot, .*' "$VMS/b2/console.log" | head -n 1)"
grep -q 'boot deadline: 3m0s after the boot, no /etc/osg-worker.conf was written' "$VMS/c1/console.log" ||
  fail "c1's console does not say why it powered off"
log "ok: b2 (a bad config, never fixed) and c1 (no user-data) powered themselves off at their boot deadlines, saying why on the console"
log PASS
