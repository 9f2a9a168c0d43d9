#!/usr/bin/env bash
# deploy/deploy.sh run again on the already provisioned image (a throwaway instance, sources at
# /usr/src/osg-worker as tools/image put them) prints `deploy: unchanged` and changes no file;
# osg-worker.path is enabled, condor.service disabled, and systemd-analyze verify (which works
# offline in the chroot) accepts the units; the boot deadline's unit is enabled. A drifted
# machine is repaired, then unchanged again.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

cat >"$WORK/probe.sh" <<'EOF'
S=/usr/src/osg-worker U=/etc/systemd/system
files="/usr/local/bin/osg-worker $U/osg-worker.service $U/osg-worker.path $U/osg-worker-boot-deadline.service
  /etc/apt/sources.list.d/osg-worker-sid.sources /etc/apt/preferences.d/osg-worker-apptainer
  /usr/libexec/condor/exit_37.sif"
snap() {
  for f in $files; do echo "$(sha256sum <"$f" | cut -c1-64) $(stat -c '%a %U:%G %Y' "$f") $f"; done
}
deploy() { "$S/deploy/deploy.sh" >/tmp/deploy.out 2>&1; echo "deploy exit=$?"; sed 's/^/| /' /tmp/deploy.out; }
snap >/tmp/before; sed 's/^/before: /' /tmp/before
: >/tmp/.mark
deploy
snap >/tmp/after
cmp -s /tmp/before /tmp/after && echo "snapshots: same" || diff /tmp/before /tmp/after
# Any file (not directory: overlay copy-up touches parents) changed outside the build trees
# (others may build in the image's /var/cache/osg-worker meanwhile).
find / -xdev -path /var/cache/osg-worker -prune -o ! -type d -cnewer /tmp/.mark -print |
  sed 's/^/changed: /'
cmp -s /var/cache/osg-worker/build/osg-worker /usr/local/bin/osg-worker && echo "binary: as built"
cmp -s "$S/deploy/osg-worker.service" "$U/osg-worker.service" &&
  cmp -s "$S/deploy/osg-worker.path" "$U/osg-worker.path" && echo "units: as in the sources"
echo "state dir: $(stat -c %a /var/lib/osg-worker)"
echo "path: $(systemctl is-enabled osg-worker.path 2>&1)"
echo "condor: $(systemctl is-enabled condor.service 2>&1)"
echo "wants: $(readlink "$U/multi-user.target.wants/osg-worker.path")"
echo "boot deadline: $(systemctl is-enabled osg-worker-boot-deadline.service 2>&1)"
echo "apptainer: $(dpkg-query -W -f='${Version}' apptainer)"
# The pin: of all installed packages, only apptainer may come from unstable.
for p in $(dpkg-query -W -f='${Package}\n'); do
  apt-cache policy "$p" 2>/dev/null | sed -n '/\*\*\*/,/^ *[0-9]/p' | grep -q ' sid/' && echo "from sid: $p"
done
ls "$U"/*.wants/condor.service 2>/dev/null | sed 's/^/condor link: /'
systemd-analyze verify "$U/osg-worker.service" "$U/osg-worker.path" \
  "$U/osg-worker-boot-deadline.service" >/tmp/verify 2>&1
echo "verify exit=$?"; sed 's/^/verify: /' /tmp/verify
grep -x 'ExecStart=/usr/local/bin/osg-worker run' "$U/osg-worker.service"
grep -x 'PathExists=/etc/osg-worker.conf' "$U/osg-worker.path"
echo "--- drift"
chmod 600 "$U/osg-worker.service"
systemctl disable osg-worker.path >/dev/null 2>&1
systemctl enable condor.service >/dev/null 2>&1
echo "drifted: $(systemctl is-enabled osg-worker.path 2>&1) $(systemctl is-enabled condor.service 2>&1)"
deploy
deploy
snap >/tmp/repaired
# The repaired unit is new (mtime), but its content, mode and owner are as before.
[ "$(cut -d' ' -f1-3,5 /tmp/before)" = "$(cut -d' ' -f1-3,5 /tmp/repaired)" ] &&
  echo "repaired: same as before"
echo "after repair: $(systemctl is-enabled osg-worker.path 2>&1) $(systemctl is-enabled condor.service 2>&1)"
EOF

out=$("$POOL" run sh "$WORK/probe.sh" 2>&1) || fail "the probe failed: $out"
echo "$out"
first=${out%%--- drift*}
drift=${out#*--- drift}
B="/var/cache/osg-worker/build"
want="deploy exit=0
| deploy: packages: unchanged
| deploy: apptainer: unchanged
| deploy: HTCondor's SIF probe: unchanged
| deploy: building osg-worker in $B
| deploy: unchanged
snapshots: same"
assert_contains "$first" "$want" "a second deploy prints 'deploy: unchanged' and the files keep sha256, mode, owner, mtime"
case $first in *changed:*) fail "deploy changed files: $first" ;; esac
log "ok: no file outside the build tree changed"
for l in "before: [0-9a-f]{64} 755 root:root [0-9]+ /usr/local/bin/osg-worker" \
  "before: [0-9a-f]{64} 644 root:root [0-9]+ /etc/systemd/system/osg-worker.service" \
  "before: [0-9a-f]{64} 644 root:root [0-9]+ /etc/systemd/system/osg-worker.path" \
  "before: [0-9a-f]{64} 644 root:root [0-9]+ /etc/systemd/system/osg-worker-boot-deadline.service" \
  "boot deadline: enabled" "apptainer: 1\.4\..*" "from sid: apptainer" \
  "binary: as built" "units: as in the sources" "state dir: 700" \
  "path: enabled" "condor: disabled" "wants: /etc/systemd/system/osg-worker.path" \
  "verify exit=0" "ExecStart=/usr/local/bin/osg-worker run" "PathExists=/etc/osg-worker.conf"; do
  grep -qxE "$l" <<<"$first" || fail "expected a line [$l] in the probe's output"
done
[ "$(grep -c '^from sid: ' <<<"$first")" = 1 ] || fail "packages other than apptainer come from unstable: $(grep '^from sid: ' <<<"$first")"
log "ok: modes, osg-worker.path enabled, condor.service disabled, units as in the sources, only apptainer from unstable"
case $first in *"condor link:"* | *"verify: "*) fail "condor.service linked, or verify complained" ;; esac
log "ok: systemd-analyze verify accepts the three units without a word"

assert_contains "$drift" "drifted: disabled enabled" "drift: osg-worker.path disabled, condor.service enabled"
want="deploy exit=0
| deploy: packages: unchanged
| deploy: apptainer: unchanged
| deploy: HTCondor's SIF probe: unchanged
| deploy: building osg-worker in $B
| deploy: installed /etc/systemd/system/osg-worker.service
| deploy: disabled condor.service (osg-worker runs HTCondor)
| deploy: enabled osg-worker.path
| deploy: done
deploy exit=0
| deploy: packages: unchanged
| deploy: apptainer: unchanged
| deploy: HTCondor's SIF probe: unchanged
| deploy: building osg-worker in $B
| deploy: unchanged
"
assert_contains "$drift" "$want" "deploy repairs the drift, then is unchanged"
assert_contains "$drift" "repaired: same as before" "the repaired unit has its content and mode back"
assert_contains "$drift" "after repair: enabled disabled" "osg-worker.path enabled, condor.service disabled again"
log PASS
