#!/usr/bin/env bash
# Image hygiene and self-delete on the cloud image under qemu, against the test OpenStack
# (tests/cloud/openstack_server.py, on the central manager; the guests reach it through qemu's
# NAT, as OpenStackMetadataURL, since no real metadata service answers at 169.254.169.254 here):
# - h1 boots with a token and the OpenStack application credential in its config, runs a job,
#   then (its user-data, as an admin would) stops the worker, runs `osg-worker prepare-image` and
#   powers off. Its raw disk then holds neither the token nor the credential's secret, in any
#   file or in the blocks deleted files left.
# - h2 boots from h1's disk as its image, with another user-data (another token): cloud-init runs
#   again, it has a machine id and an HTCondor signing key of its own, and it joins. At its idle
#   deadline it deletes its own server in the test cloud, and ShutdownGrace later, still up
#   (the test cloud deletes nothing for real), powers itself off. Its disk, not prepared, does
#   hold its token and the secret: the check finds them where they are.
# - h2 also runs the scale controller's units under its real systemd (see scale_unit_files).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
CLOUD=http://10.111.0.2:8780
SERVER=/usr/src/osg-worker/tests/cloud/openstack_server.py
GROUP="Hygiene Workers"
ospool_vm_setup
"$POOL" token >"$WORK/token2"

"$POOL" cm python3 "$SERVER" serve 10.111.0.2 8780 /run/testos >"$WORK/test-cloud.log" 2>&1 &
cloud_ready() { "$POOL" cm test -s /run/testos/server-id; }
wait_until 60 "the test OpenStack is up on the central manager" cloud_ready
cloud_state() { "$POOL" cm python3 "$SERVER" state "$CLOUD"; }
{ read -r credential_id && read -r secret; } < <("$POOL" cm cat /run/testos/credential)

# config_script TOKEN_FILE: the boot script: the seed's lines, this group, the test cloud.
config_script() {
  cat <<EOF
#!/bin/bash
cat >/etc/osg-worker.conf <<EOT
WorkerGroupName = $GROUP
Token = $(cat "$1")
Start = TARGET.ProjectName == "TG-NNNNNN"
Cloud = openstack
OpenStackAuthURL = $CLOUD/identity/v3
OpenStackApplicationCredentialID = $credential_id
OpenStackApplicationCredentialSecret = $secret
OpenStackMetadataURL = $CLOUD
OpenStackRegion = RegionOne
EOT
EOF
}
# The machine's identity, printed to the journal: its machine id, and HTCondor's: its name and
# its keys (the tokens the worker installed, and a signing key if HTCondor made one).
# shellcheck disable=SC2016  # expanded in the guest
IDENTITY='echo "osgp: identity machine-id=$(cat /etc/machine-id) host=$(hostname) condor-keys=$(cat /etc/condor/tokens.d/* /etc/condor/passwords.d/* 2>/dev/null | sha256sum | cut -c1-16)"'

# The scale controller's unit, osg-worker-scale@NAME, under h2's real systemd (h2 stands in for the
# owner's machine): instance t, from its root-only conf and env files (the cloud's OS_* variables
# and SCALE_ARGS, as the unit's comment documents), reads the demand from the collector's submitter
# ads and the group's servers from the test cloud, logs each round to the journal, keeps its
# record in /var/lib/osg-worker/scale/t.json, and stops cleanly. Instance bad has a config that is
# not valid: it exits 78 and systemd does not restart it (RestartPreventExitStatus), even past
# RestartSec. The files hold the token and the cloud secret: cloud-init's write_files sets their
# mode only after writing them, which is safe because the package made their directory 0700 (the
# report says its mode). The report is one journal line, osgp: scale ...
scale_unit_files() {
  local file
  for file in t bad; do
    cat <<EOF
  - path: /etc/osg-worker/scale/$file.env
    permissions: '0600'
    content: |
      OS_AUTH_URL=$CLOUD/identity/v3
      OS_APPLICATION_CREDENTIAL_ID=$credential_id
      OS_APPLICATION_CREDENTIAL_SECRET=$secret
      OS_REGION_NAME=RegionOne
      SCALE_ARGS=--cloud openstack --flavor m3.tiny --image Featured-Debian13 --network auto_allocated_network --max 1 --demand submitters --owner researcher --poll 15s
  - path: /etc/osg-worker/scale/$file.conf
    permissions: '0600'
    content: |
      WorkerGroupName = Scale Unit Test
      Token = $(cat "$WORK/token2")
      Start = TARGET.ProjectName == "TG-NNNNNN"
      Cloud = openstack
EOF
  done
  echo "      IdleTimeout = soon"  # bad.conf's last line
  cat <<'EOF'
  - path: /root/osgp-scale.sh
    permissions: '0700'
    content: |
      systemctl start --no-block osg-worker-scale@t osg-worker-scale@bad
      sleep 80
      show() { systemctl show -P "$1" "osg-worker-scale@$2"; }
      echo "osgp: scale t=$(systemctl is-active osg-worker-scale@t) bad=$(show Result bad)/$(show ExecMainStatus bad)/restarts=$(show NRestarts bad)"
      systemctl stop osg-worker-scale@t
      echo "osgp: scale t stopped: $(show Result t) record=$(stat -c %a /var/lib/osg-worker/scale/t.json) dir=$(stat -c %a /etc/osg-worker/scale)"
EOF
}

# h1: a job, then prepare-image and a power-off, once idle after the job.
{
  vm_test_part ""
  cat <<EOF
  - path: /root/osgp-prepare.sh
    permissions: '0700'
    content: |
      until grep -qs job_end /var/lib/osg-worker/ledger.jsonl && osg-worker status | grep -q '^phase: *Idle'; do sleep 3; done
      $IDENTITY
      systemctl stop osg-worker
      osg-worker prepare-image
      echo "osgp: prepare-image exited \$?"
      systemctl poweroff
runcmd:
  - [systemd-run, --no-block, --unit=osgp-prepare, /bin/sh, /root/osgp-prepare.sh]
EOF
} >"$WORK/h1-part.yaml"
config_script "$WORK/token" >"$WORK/h1-config.sh"
multipart "$WORK/h1-part.yaml" "$WORK/h1-config.sh" >"$WORK/h1-user-data"

listed() { [ -n "$("$POOL" cm condor_status -const "WorkerGroupName == \"$GROUP\"" -af Name 2>/dev/null)" ]; }
identity() { grep -o 'osgp: identity .*' "$VMS/$1/journal.log" | tail -n 1 | tr -d '\r' | cut -d' ' -f3-; }

"$POOL" vm h1 --image "$VM_IMAGE" --user-data "$WORK/h1-user-data" >/dev/null
wait_until 900 "h1 is listed" listed
job=$(submit_job TG-NNNNNN 10)
wait_until 300 "h1 ran the job" job_is "$job" 4
out=$("$POOL" vm-wait h1 900) || fail "h1 did not power off after prepare-image"
log "h1: $out"
vm_journal_has h1 'osgp: prepare-image exited 0' || fail "prepare-image failed on h1"
vm_journal_has h1 'prepare-image: zero-filled [0-9]+ MiB of free space' ||
  fail "prepare-image did not zero-fill h1's free space"
log "h1: $(grep -o 'prepare-image: zero-filled.*' "$VMS/h1/journal.log")"
identity1=$(identity h1)
log "h1: $identity1"

# h1's disk, raw, as the cloud's snapshot would copy it: every byte, files or free blocks.
qemu-img convert -O raw "$VMS/h1/disk.qcow2" "$WORK/h1.raw"
token1=$(cat "$WORK/token")
on_disk() { grep -qaF -e "$2" "$1"; }  # IMAGE STRING
# where_on_disk NAME STRING: the files (or free blocks) of NAME's root filesystem that hold STRING.
where_on_disk() {
  local offset block inode
  vm_disk_file "$1" / >/dev/null
  grep -boaF -e "$2" "$WORK/$1-root.raw" | cut -d: -f1 | head -n 5 | while read -r offset; do
    block=$((offset / 4096))
    inode=$(debugfs -R "icheck $block" "$WORK/$1-root.raw" 2>/dev/null | awk 'NR > 1 { print $2 }')
    if [[ "$inode" =~ ^[0-9]+$ ]]; then
      echo "block $block: $(debugfs -R "ncheck $inode" "$WORK/$1-root.raw" 2>/dev/null | awk 'NR > 1 { print $2 }')"
    else
      echo "block $block: ${inode:-?} (a free block or metadata)"
    fi
  done | paste -sd';'
}
for file in "$WORK/h1.raw" "$VMS/h1/disk.qcow2"; do
  ! on_disk "$file" "$token1" || fail "h1's token is on its prepared disk ($file): $(where_on_disk h1 "$token1")"
  ! on_disk "$file" "${token1##*.}" ||
    fail "the signature of h1's token is on its prepared disk ($file): $(where_on_disk h1 "${token1##*.}")"
  ! on_disk "$file" "$secret" || fail "the OpenStack secret is on h1's prepared disk ($file): $(where_on_disk h1 "$secret")"
done
rm -f "$WORK/h1.raw"
log "ok: h1's prepared disk holds neither its token nor the cloud secret, in files or free blocks"
[ -z "$(vm_disk_file h1 /etc/machine-id)" ] || fail "h1's /etc/machine-id is not empty"
for dir in /etc/condor/tokens.d /etc/condor/passwords.d /var/lib/cloud/instances; do
  # `ls -p`: one entry a line, /INODE/MODE/UID/GID/NAME/SIZE/
  left=$(debugfs -R "ls -p $dir" "$WORK/h1-root.raw" 2>/dev/null |
    awk -F/ 'NF > 5 && $6 != "." && $6 != ".." { print $6 }' | paste -sd' ')
  [ -z "$left" ] || fail "h1's $dir still holds: $left"
done
rm -f "$WORK/h1-root.raw"
log "ok: h1's machine id is empty; no token, signing key or cloud-init instance is left"

# h2: h1's disk as its image, another user-data.
{
  vm_test_part 90s
  cat <<EOF
      ShutdownGrace = 30s
  - path: /root/osgp-identity.sh
    permissions: '0700'
    content: |
      until osg-worker status | grep -q '^pool: *joined'; do sleep 3; done
      $IDENTITY
$(scale_unit_files)
runcmd:
  - [systemd-run, --no-block, --unit=osgp-identity, /bin/sh, /root/osgp-identity.sh]
  - [systemd-run, --no-block, --unit=osgp-scale, /bin/sh, /root/osgp-scale.sh]
EOF
} >"$WORK/h2-part.yaml"
config_script "$WORK/token2" >"$WORK/h2-config.sh"
multipart "$WORK/h2-part.yaml" "$WORK/h2-config.sh" >"$WORK/h2-user-data"
"$POOL" vm h2 --image "$VMS/h1/disk.qcow2" --user-data "$WORK/h2-user-data" >/dev/null
wait_until 900 "h2, booted from h1's disk with its own user-data, is listed" listed
log "ok: cloud-init ran h2's user-data (the worker joined with the config it wrote)"
has_identity() { [ -n "$(identity h2)" ]; }
wait_until 120 "h2's identity is in its journal" has_identity
identity2=$(identity h2)
log "h2: $identity2"
id1=${identity1#machine-id=}; id1=${id1%% *}
id2=${identity2#machine-id=}; id2=${id2%% *}
if [ -z "$id2" ] || [ "$id1" = "$id2" ]; then fail "h2's machine id is not its own: '$id2' (h1's: '$id1')"; fi
[[ "$identity2" == *" host=h2 "* ]] || fail "h2 is not named h2: $identity2"
keys1=${identity1##*condor-keys=}
keys2=${identity2##*condor-keys=}
if [ -z "$keys2" ] || [ "$keys2" = "$keys1" ]; then fail "h2's HTCondor keys are h1's: $keys2"; fi
log "ok: h2 has its own machine id, name and HTCondor keys"

scale_reported() { vm_journal_has h2 'osgp: scale t stopped'; }
wait_until 300 "h2's scale units reported" scale_reported
vm_journal_has h2 'osg-worker\[[0-9]+\]: scale: group "Scale Unit Test" on openstack, m3.tiny \(1 cores\), at most 1 workers, record /var/lib/osg-worker/scale/t.json' ||
  fail "osg-worker-scale@t did not start as its env file says: $(grep -a 'scale' "$VMS/h2/journal.log" | tail -n 20)"
vm_journal_has h2 'osg-worker\[[0-9]+\]: scale: demand 0 cores, 0 running, 0 booting' ||
  fail "osg-worker-scale@t logged no round: $(grep -a 'scale' "$VMS/h2/journal.log" | tail -n 20)"
vm_journal_has h2 'osgp: scale t=active bad=exit-code/78/restarts=0' ||
  fail "the scale units are not as expected: $(grep -a 'osgp: scale\|scale@bad' "$VMS/h2/journal.log")"
vm_journal_has h2 'bad.conf:[0-9]+: error: IdleTimeout' ||
  fail "osg-worker-scale@bad's journal does not name the bad line"
vm_journal_has h2 'osgp: scale t stopped: success record=600 dir=700' ||
  fail "osg-worker-scale@t did not stop cleanly, or left no root-only record, or the package's
/etc/osg-worker/scale is not root-only: $(grep -a 'osgp: scale' "$VMS/h2/journal.log")"
log "ok: osg-worker-scale@t ran its rounds under systemd and stopped cleanly; @bad failed once with 78, not restarted"

# h2's idle deadline: it deletes its server, then powers off ShutdownGrace later.
deleted() { [ "$(cloud_state)" = DELETED ]; }
wait_until 600 "h2 deleted its own server in the test cloud" deleted
wait_until 60 "h2's journal records the delete" vm_journal_has h2 'shutdown action delete: ok'
out=$("$POOL" vm-wait h2 300) || fail "h2 did not power off after its ShutdownGrace"
log "h2: $out"
vm_journal_has h2 'still up after the shutdown action: powering off' ||
  fail "h2's power-off was not the agent's, after the delete"
log "ok: h2 deleted its own server at its idle deadline and, still up 30 s later, powered off"
ledger=$(vm_disk_file h2 /var/lib/osg-worker/ledger.jsonl)
boots=$(grep -o '"boot_id":"[^"]*"' <<<"$ledger" | sort -u | wc -l)
[ "$boots" = 1 ] || fail "h2's ledger holds $boots boots: h1's records were carried over"
rm -f "$WORK/h2-root.raw"

# The check itself finds a token where one is: h2's disk, not prepared, holds its config.
qemu-img convert -O raw "$VMS/h2/disk.qcow2" "$WORK/h2.raw"
on_disk "$WORK/h2.raw" "$(cat "$WORK/token2")" || fail "h2's token is not found on its own disk"
on_disk "$WORK/h2.raw" "$secret" || fail "the secret is not found on h2's disk"
rm -f "$WORK/h2.raw"
log "ok: the same check finds h2's token and the secret on h2's disk, which was not prepared"
log PASS
