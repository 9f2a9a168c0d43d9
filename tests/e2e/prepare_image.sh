#!/usr/bin/env bash
# `osg-worker prepare-image` on a throwaway instance holding a config with a token, tokens,
# the rendered config, HTCondor's logs and state and our own, SSH host keys, systemd's random seed
# and a machine id: removes all of it and empties /etc/machine-id (keeping the directories, their
# modes and HTCondor's stock config), after which the token appears nowhere
# under /etc, /var or /run. It refuses, changing nothing, while condor_master runs or while the
# status file names a live agent, unless --force; a status file left by a dead agent does not block.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
python3 "$REPO_DIR/testdata/e2e/mint_token.py" $(($(date +%s) + 86400)) >"$WORK/token"

cat >"$WORK/probe.sh" <<'EOF'
set -u
tok=$(cat "$1")  # from a file, so that it is not on the probe's command line
bad() { echo "BAD: $*"; }
PLANTED="/etc/osg-worker.conf /etc/condor/tokens.d/osg-worker.token /etc/condor/tokens.d/extra
 /etc/condor/config.d/50-osg-worker.conf /etc/condor/config.d/90-osg-worker-stopping.conf
 /var/log/condor/MasterLog /var/log/condor/old/StartLog.1 /var/lib/condor/spool/job_queue.log
 /var/lib/condor/execute/dir_42/_condor_stdout /var/lib/osg-worker/state /run/osg-worker/status.json
 /etc/osg-worker/cloud.env /etc/openstack/clouds.yaml /root/.config/openstack/clouds.yaml
 /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub /var/lib/systemd/random-seed"
KEPT="/etc/condor/tokens.d /var/log/condor /var/lib/condor/spool /var/lib/condor/execute /var/lib/osg-worker"
STOCK="/etc/condor/condor_config /etc/condor/config.d/00-htcondor-9.0.config /etc/ssh/sshd_config.d/osgp-kept.conf"
REFUSAL="osg-worker prepare-image: osg-worker or HTCondor is running; stop them first (systemctl stop osg-worker) or pass --force"
plant() {
  for f in $PLANTED; do mkdir -p "${f%/*}"; printf '# %s\n' "$tok" >"$f"; done
  printf 'Token = %s\nStart = Cpus > 0\n' "$tok" >/etc/osg-worker.conf
  chmod 700 /etc/condor/tokens.d; chmod 600 /etc/osg-worker.conf /etc/condor/tokens.d/*
  chown -R condor: /var/log/condor/* /var/lib/condor/spool /var/lib/condor/execute  # as HTCondor's
  echo 0123456789abcdef0123456789abcdef >/etc/machine-id
}
leaks() { grep -rlF -D skip -e "$tok" /etc /var /run /root 2>/dev/null; }
prepare() {  # WANT_RC ARGS...: runs prepare-image, checks its exit status, keeps its output
  want=$1; shift
  osg-worker prepare-image "$@" >/tmp/out 2>&1; rc=$?
  [ "$rc" = "$want" ] || bad "prepare-image${*:+ $*} exited $rc, expected $want: $(cat /tmp/out)"
}
all_planted_intact() {
  for f in $PLANTED; do grep -qF "$tok" "$f" 2>/dev/null || bad "$1: $f was touched"; done
}
all_cleared() {  # WHEN
  for f in $PLANTED; do [ ! -e "$f" ] || bad "$1: $f survived"; done
  for d in $KEPT; do
    [ -d "$d" ] || bad "$1: directory $d was removed"
    [ -z "$(ls -A "$d")" ] || bad "$1: $d still holds: $(ls -A "$d")"
  done
  [ "$(ls -A /etc/condor/config.d)" = 00-htcondor-9.0.config ] ||
    bad "$1: config.d holds: $(ls -A /etc/condor/config.d)"
  [ ! -e /run/osg-worker ] || [ -z "$(ls -A /run/osg-worker)" ] || bad "$1: /run/osg-worker not empty"
  [ "$(sha256sum $STOCK)" = "$stock" ] || bad "$1: HTCondor's stock config changed"
  [ -z "$(leaks)" ] || bad "$1: the token is still in: $(leaks)"
  [ -f /etc/machine-id ] && [ ! -s /etc/machine-id ] || bad "$1: /etc/machine-id is not there and empty"
}

mkdir -p /etc/ssh/sshd_config.d && echo "# kept: not a host key" >/etc/ssh/sshd_config.d/osgp-kept.conf
stock=$(sha256sum $STOCK) || bad "no stock config"
plant
modes=$(stat -c '%n %a %U:%G' $KEPT)
planted=$(echo $PLANTED | wc -w)
[ "$(leaks | wc -l)" = "$planted" ] || bad "grep should find the token in the $planted planted files, found: $(leaks)"
prepare 0
grep -qx "osg-worker prepare-image: removed the config, tokens, HTCondor state and logs and the machine's identity; the machine is ready to be snapshotted" /tmp/out ||
  bad "unexpected output: $(cat /tmp/out)"
all_cleared "plain run"
[ "$(stat -c '%n %a %U:%G' $KEPT)" = "$modes" ] || bad "kept directories changed: $(stat -c '%n %a %U:%G' $KEPT)"
echo "step: cleared"

# A live agent, as its status file says: refused, nothing touched; a dead one's file is stale.
plant
sleep 600 & agent=$!
printf '{"agent_pid": %s, "phase": "Idle", "diagnosis": "%s"}\n' "$agent" "$tok" >/run/osg-worker/status.json
prepare 1
[ "$(cat /tmp/out)" = "$REFUSAL" ] || bad "agent running: unexpected output: $(cat /tmp/out)"
all_planted_intact "refused (agent)"
kill "$agent"; wait "$agent" 2>/dev/null
prepare 0
all_cleared "stale status file"
echo "step: agent"

# A running condor_master (no pool needed; the instance's hostname must resolve).
echo "127.0.0.1 osgp-run" >>/etc/hosts
systemd-tmpfiles --create --prefix=/run --prefix=/var/lock >/dev/null 2>&1
stock=$(sha256sum $STOCK)
plant
_CONDOR_DAEMON_LIST=MASTER condor_master || bad "condor_master did not start"
pgrep -x condor_master >/dev/null || bad "no condor_master process"
prepare 1
[ "$(cat /tmp/out)" = "$REFUSAL" ] || bad "condor running: unexpected output: $(cat /tmp/out)"
pgrep -x condor_master >/dev/null || bad "condor_master died before the refusal was tested"
all_planted_intact "refused (condor_master)"
prepare 0 --force
for f in $PLANTED; do [ ! -e "$f" ] || [ "$f" = /var/log/condor/MasterLog ] || bad "--force: $f survived"; done
[ -z "$(leaks)" ] || bad "--force: the token is still in: $(leaks)"
echo "step: condor"
EOF

out=$("$POOL" run sh "$WORK/probe.sh" "$WORK/token" 2>&1) || fail "the probe failed: $out"
echo "$out"
token=$(cat "$WORK/token")
case $out in *"$token"* | *"${token##*.}"*) fail "the probe's output shows the token" ;; esac
case $out in *BAD:*) fail "see the BAD lines above" ;; esac
[ "$out" = $'step: cleared\nstep: agent\nstep: condor' ] || fail "the probe did not finish every step"
log "ok: prepare-image removed every planted file, kept the directories, modes and stock config"
log "ok: the token is nowhere under /etc, /var or /run afterwards"
log "ok: refused (exit 1, nothing touched) with a live agent or condor_master; --force cleared"
log PASS
