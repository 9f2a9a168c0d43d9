#!/usr/bin/env bash
# The package upgraded in place on a worker that is running a job: `dpkg -i` of the next version
# (the image's own package, repacked with a higher version) says that the running worker was left
# running, and why; the agent, HTCondor and the job carry on untouched (same agent pid, the job
# completes), and the new files are in place. The test bed has no systemd, so the units'
# restart is not exercised here: the package asks for none on upgrade (dh_installsystemd
# --no-stop-on-upgrade, debian/rules); the VM tests run the units under real systemd.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/osg-worker.conf"
"$POOL" worker w1 --config "$WORK/osg-worker.conf" >/dev/null
wait_until 90 "the worker is listed" worker_listed
job=$(submit_job TG-NNNNNN 90)
wait_until 120 "the job runs" job_is "$job" 2
agent_before=$("$POOL" exec w1 pgrep -x osg-worker)
master_before=$("$POOL" exec w1 pgrep -x condor_master)

# shellcheck disable=SC2016  # the script's $ are the instance's own
out=$("$POOL" exec w1 sh -c '
  set -e
  deb=/usr/src/osg-worker_$(dpkg-query -W -f="\${Version}" osg-worker)_amd64.deb
  dpkg-deb -R "$deb" /tmp/next
  sed -i "s/^Version: .*/Version: 99.0.0-1/" /tmp/next/DEBIAN/control
  dpkg-deb -b /tmp/next /tmp/osg-worker_99.0.0-1_amd64.deb >/dev/null
  dpkg -i /tmp/osg-worker_99.0.0-1_amd64.deb 2>&1
  dpkg-query -W -f="installed: \${Version}\n" osg-worker') || fail "the upgrade failed: $out"
echo "$out"
assert_contains "$out" "installed: 99.0.0-1" "dpkg installed the next version"
assert_contains "$out" "osg-worker: the running worker was left running so that its jobs are not lost" \
  "the package says it left the running worker alone, and why"
[ "$("$POOL" exec w1 pgrep -x osg-worker)" = "$agent_before" ] || fail "the agent was restarted"
[ "$("$POOL" exec w1 pgrep -x condor_master)" = "$master_before" ] || fail "HTCondor was restarted"
log "ok: the same agent and condor_master run after the upgrade"
# Still running or already done (a slow machine), never put back in the queue: it started once.
case $(job_status "$job") in 2 | 4) ;; *) fail "the job is neither running nor done: status $(job_status "$job")" ;; esac
wait_until 180 "the job completes" job_is "$job" 4
starts=$("$POOL" cm condor_history "$job" -af NumJobStarts -limit 1)
[ "$starts" = 1 ] || fail "the job started $starts times"
log "ok: the job ran once, to completion"
"$POOL" exec w1 dpkg --verify osg-worker || fail "the upgraded package does not verify"
log "ok: the upgraded package verifies"
log PASS
