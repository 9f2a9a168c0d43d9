#!/usr/bin/env bash
# deploy/deploy.sh run again on the already provisioned image (a throwaway instance, sources at
# /usr/src/osg-worker as tools/image put them) rebuilds the package, prints `deploy: unchanged`
# and changes no file; the package's files verify (dpkg --verify), its units are debian/'s under
# /usr/lib/systemd/system, osg-worker.service, .path and the boot deadline are enabled,
# condor.service disabled, and systemd-analyze verify (which works offline in the chroot) accepts
# the units. A drifted machine (a unit edited, the path unit disabled, condor.service enabled) is
# repaired by reinstalling the package, without the network, then unchanged again. An older
# deploy's install (its units in /etc/systemd/system, /usr/local/bin/osg-worker) is removed.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

cat >"$WORK/probe.sh" <<'EOF'
S=/usr/src/osg-worker U=/usr/lib/systemd/system E=/etc/systemd/system
files="/usr/bin/osg-worker $U/osg-worker.service $U/osg-worker.path $U/osg-worker-boot-deadline.service
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
# Any file (not directory: overlay copy-up touches parents) changed outside the package build
# (the sources' tree and its outputs beside it, its log) and the unit tests' build trees.
find / -xdev \( -path /var/cache/osg-worker -o -path /usr/src \) -prune -o \
  ! -type d ! -path /var/log/osg-worker-build.log -cnewer /tmp/.mark -print |
  sed 's/^/changed: /'
echo "package: $(dpkg-query -W -f='${Status} ${Version}' osg-worker) from $(dpkg -S /usr/bin/osg-worker)"
dpkg --verify osg-worker && echo "package: verified"
cmp -s "$S/debian/osg-worker.service" "$U/osg-worker.service" &&
  cmp -s "$S/debian/osg-worker.path" "$U/osg-worker.path" && echo "units: as in the sources"
echo "service: $(systemctl is-enabled osg-worker.service 2>&1)"
echo "path: $(systemctl is-enabled osg-worker.path 2>&1)"
echo "condor: $(systemctl is-enabled condor.service 2>&1)"
echo "wants: $(readlink "$E/paths.target.wants/osg-worker.path")"
echo "boot deadline: $(systemctl is-enabled osg-worker-boot-deadline.service 2>&1)"
echo "apptainer: $(dpkg-query -W -f='${Version}' apptainer)"
# The pin: of all installed packages, only apptainer may come from unstable.
for p in $(dpkg-query -W -f='${Package}\n'); do
  apt-cache policy "$p" 2>/dev/null | sed -n '/\*\*\*/,/^ *[0-9]/p' | grep -q ' sid/' && echo "from sid: $p"
done
ls "$E"/*.wants/condor.service 2>/dev/null | sed 's/^/condor link: /'
# The scale controller's template, as an instance would run it (issue 12).
systemd-analyze verify "$U/osg-worker.service" "$U/osg-worker.path" \
  "$U/osg-worker-boot-deadline.service" "$U/osg-worker-scale@tga.service" >/tmp/verify 2>&1
echo "verify exit=$?"; sed 's/^/verify: /' /tmp/verify
grep -x 'ExecStart=/usr/bin/osg-worker run' "$U/osg-worker.service"
grep -x 'PathChanged=/etc/osg-worker.conf' "$U/osg-worker.path"
grep -x 'ExecStart=/usr/bin/osg-worker scale --config /etc/osg-worker/scale/%i.conf --name-prefix %i $SCALE_ARGS' \
  "$U/osg-worker-scale@.service" && echo "scale unit: present"
echo "--- drift"
echo '# edited' >>"$U/osg-worker.service"
systemctl disable osg-worker.path >/dev/null 2>&1
systemctl enable condor.service >/dev/null 2>&1
echo "drifted: $(systemctl is-enabled osg-worker.path 2>&1) $(systemctl is-enabled condor.service 2>&1)"
deploy
deploy
snap >/tmp/repaired
# The reinstalled files are new (mtime), but their content, mode and owner are as before.
[ "$(cut -d' ' -f1-3,5 /tmp/before)" = "$(cut -d' ' -f1-3,5 /tmp/repaired)" ] &&
  echo "repaired: same as before"
echo "after repair: $(systemctl is-enabled osg-worker.path 2>&1) $(systemctl is-enabled condor.service 2>&1)"
echo "--- legacy"
# What deploy.sh installed before the package: its own units in /etc, its binary in /usr/local.
printf '[Service]\nExecStart=/usr/local/bin/osg-worker run\n' >"$E/osg-worker.service"
ln -sf "$E/osg-worker.service" "$E/multi-user.target.wants/osg-worker.service"
cp /usr/bin/osg-worker /usr/local/bin/osg-worker
deploy
if [ -e "$E/osg-worker.service" ]; then echo "legacy unit: still there"; else echo "legacy unit: gone"; fi
if [ -e /usr/local/bin/osg-worker ]; then echo "legacy binary: still there"; else echo "legacy binary: gone"; fi
echo "after legacy: $(systemctl is-enabled osg-worker.service 2>&1) $(readlink "$E/multi-user.target.wants/osg-worker.service")"
EOF

out=$("$POOL" run sh "$WORK/probe.sh" 2>&1) || fail "the probe failed: $out"
echo "$out"
first=${out%%--- drift*}
drift=${out#*--- drift}
legacy=${drift#*--- legacy}
drift=${drift%%--- legacy*}
want="deploy exit=0
| deploy: building the osg-worker package (dpkg-buildpackage)
| deploy: osg-worker: unchanged
| deploy: HTCondor's SIF probe: unchanged
| deploy: unchanged
snapshots: same"
assert_contains "$first" "$want" "a second deploy prints 'deploy: unchanged' and the files keep sha256, mode, owner, mtime"
case $first in *changed:*) fail "deploy changed files: $first" ;; esac
log "ok: no file outside the build tree changed"
for l in "before: [0-9a-f]{64} 755 root:root [0-9]+ /usr/bin/osg-worker" \
  "before: [0-9a-f]{64} 644 root:root [0-9]+ /usr/lib/systemd/system/osg-worker.service" \
  "before: [0-9a-f]{64} 644 root:root [0-9]+ /usr/lib/systemd/system/osg-worker.path" \
  "before: [0-9a-f]{64} 644 root:root [0-9]+ /usr/lib/systemd/system/osg-worker-boot-deadline.service" \
  "boot deadline: enabled" "apptainer: 1\.4\..*" "from sid: apptainer" \
  "package: install ok installed [0-9.]+-[0-9]+ from osg-worker: /usr/bin/osg-worker" \
  "package: verified" "units: as in the sources" "service: enabled" \
  "path: enabled" "condor: disabled" "wants: /usr/lib/systemd/system/osg-worker.path" \
  "verify exit=0" "ExecStart=/usr/bin/osg-worker run" "PathChanged=/etc/osg-worker.conf" \
  "scale unit: present"; do
  grep -qxE "$l" <<<"$first" || fail "expected a line [$l] in the probe's output"
done
[ "$(grep -c '^from sid: ' <<<"$first")" = 1 ] || fail "packages other than apptainer come from unstable: $(grep '^from sid: ' <<<"$first")"
log "ok: the package verifies, its units enabled, condor.service disabled, units as in the sources, only apptainer from unstable"
case $first in *"condor link:"* | *"verify: "*) fail "condor.service linked, or verify complained" ;; esac
log "ok: systemd-analyze verify accepts the three units and an instance of osg-worker-scale@ without a word"

assert_contains "$drift" "drifted: disabled enabled" "drift: osg-worker.path disabled, condor.service enabled"
want="| deploy: installed osg-worker_[0-9.]+-[0-9]+_amd64.deb
| deploy: HTCondor's SIF probe: unchanged
| deploy: disabled condor.service \\(osg-worker runs HTCondor\\)
| deploy: enabled osg-worker.path
| deploy: done
deploy exit=0
| deploy: building the osg-worker package \\(dpkg-buildpackage\\)
| deploy: osg-worker: unchanged
| deploy: HTCondor's SIF probe: unchanged
| deploy: unchanged
"
# grep -z: the expected lines as one block, in order, with the version left open.
grep -qzE "$want" <<<"$drift" || fail "deploy did not repair the drift, then stay unchanged: $drift"
log "ok: deploy repairs the drift, then is unchanged"
assert_contains "$drift" "repaired: same as before" "the edited unit has its content back"
assert_contains "$drift" "after repair: enabled disabled" "osg-worker.path enabled, condor.service disabled again"
assert_contains "$legacy" "| deploy: removed the install of an older deploy.sh" "deploy finds an older deploy's install"
assert_contains "$legacy" "legacy unit: gone" "the older install's unit in /etc/systemd/system is gone"
assert_contains "$legacy" "legacy binary: gone" "its /usr/local/bin/osg-worker is gone"
assert_contains "$legacy" "after legacy: enabled /usr/lib/systemd/system/osg-worker.service" \
  "the package's unit is the one enabled"
log PASS
