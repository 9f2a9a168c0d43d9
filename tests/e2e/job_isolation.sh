#!/usr/bin/env bash
# What a stranger's job can reach on a worker, and where the worker's secrets end up, over a
# whole life on the local pool. The worker has the pool token, Cloud = ec2 with a static key
# pair, and metadata services the job must not reach: the configured EC2MetadataURL (a listener
# on the central manager, 10.111.0.2:8169) and 169.254.169.254:80 (routed to the central manager
# for this test). A job matching Start tries to read the config, the token, the ledger,
# /run/osg-worker, the agent's and condor_master's environments, lists every process's arguments,
# and connects to both metadata services (must fail) and to the collector's port on the same
# host (must work: the rule is targeted). Then, after the job, an idle shutdown
# (ShutdownAction = command:...) ends the worker, and the token and the cloud secret are looked
# for in every file the instance wrote, its console, status/report/check output, and every
# process's arguments and environment sampled while the job ran: they must appear nowhere.
# Last, a worker whose nft fails keeps working and says so.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

CM=10.111.0.2
TIMEOUT=20
pool_up

# The metadata stand-ins: any HTTP listener will do, the test asks only whether it is reachable.
"$POOL" cm ip addr add 169.254.169.254/32 dev eth0
"$POOL" cm python3 -m http.server --bind "$CM" 8169 >/dev/null 2>&1 &
"$POOL" cm python3 -m http.server --bind 169.254.169.254 80 >/dev/null 2>&1 &
listening() { "$POOL" cm timeout 2 bash -c "exec 3<>/dev/tcp/$CM/8169 && exec 4<>/dev/tcp/169.254.169.254/80"; }
wait_until 30 "the metadata stand-ins listen on the central manager" listening

secret=$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
write_config "$WORK/w1.conf" "IdleTimeout = ${TIMEOUT}s" "Cloud = ec2" \
  "EC2MetadataURL = http://$CM:8169" "EC2AccessKeyID = AKIAOSGWORKERE2ETEST" \
  "EC2SecretAccessKey = $secret"
token=$(sed -n 's/^Token = //p' "$WORK/w1.conf")
# Patterns for grep -f: the secrets never become an argument of a process of ours.
printf '%s\n%s\n' "$token" "$secret" >"$WORK/secrets"
chmod 600 "$WORK/secrets"

"$POOL" worker w1 --config "$WORK/w1.conf" >/dev/null
wait_until 90 "w1 is listed" worker_listed
"$POOL" exec w1 ip route add 169.254.169.254/32 via "$CM"
# Root on the worker reaches both: what stops the job below is the job firewall, not the network.
"$POOL" exec w1 timeout 5 bash -c "exec 3<>/dev/tcp/$CM/8169" ||
  fail "root on the worker cannot reach $CM:8169"
"$POOL" exec w1 timeout 5 bash -c 'exec 3<>/dev/tcp/169.254.169.254/80' ||
  fail "root on the worker cannot reach 169.254.169.254:80"
log "ok: root on the worker reaches both metadata stand-ins"
fw=$("$POOL" exec w1 osg-worker status | sed -n 's/^firewall: *//p')
assert_contains "$fw" "jobs cannot reach 169.254.169.254, fd00:ec2::254, $CM:8169" \
  "status names what the job firewall blocks"

# The probe: one line per attempt, "NAME: YES ..." or "NAME: no".
cat >"$WORK/probe.sh" <<'PROBE'
#!/bin/bash
try() {
  local name=$1 out; shift
  if out=$("$@" 2>/dev/null) && [ -n "$out" ]; then echo "$name: YES"; else echo "$name: no"; fi
}
connects() { timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && echo connected; }
echo "uid: $(id -u) $(id -un) groups $(id -G)"
try read_config cat /etc/osg-worker.conf
try read_token_dir ls /etc/condor/tokens.d
try read_tokens sh -c 'cat /etc/condor/tokens.d/*'
try read_ledger cat /var/lib/osg-worker/ledger.jsonl
try list_run_osg_worker ls /run/osg-worker
for f in /run/osg-worker/*; do try "read_run_$(basename "$f")" cat "$f"; done
try agent_environ cat "/proc/$(pgrep -o -x osg-worker)/environ"
try master_environ cat "/proc/$(pgrep -o -x condor_master)/environ"
try startd_environ cat "/proc/$(pgrep -o -x condor_startd)/environ"
ps -eo args >ps.txt
cat /proc/[0-9]*/environ >environ.txt 2>/dev/null
try imds_configured connects 10.111.0.2 8169
try imds_link_local connects 169.254.169.254 80
try cm_collector connects 10.111.0.2 9618
sleep 15  # for the test to sample the processes while the job runs
PROBE
"$POOL" cm runuser -u researcher -- sh -c 'mkdir -p ~/jobs && cat >~/jobs/probe.sh && chmod 755 ~/jobs/probe.sh' \
  <"$WORK/probe.sh"
cat >"$WORK/probe.sub" <<'SUB'
executable = probe.sh
+ProjectName = "TG-NNNNNN"
request_cpus = 1
request_memory = 64
request_disk = 1024
should_transfer_files = YES
when_to_transfer_output = ON_EXIT
output = probe.out
error = probe.err
log = job.log
queue
SUB
job=$("$POOL" submit "$WORK/probe.sub")
wait_until 120 "the probe job runs" job_is "$job" 2
sleep 3
# Every process's arguments and environment while the job runs (the agent, HTCondor, the job).
# shellcheck disable=SC2016  # the $ are for the instance's sh, not for us
"$POOL" exec w1 sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; done' \
  >"$WORK/cmdlines" 2>/dev/null
# shellcheck disable=SC2016  # as above: the $ are for the instance's sh
"$POOL" exec w1 sh -c 'for p in /proc/[0-9]*; do tr "\0" "\n" <$p/environ; done' \
  >"$WORK/environs" 2>/dev/null
grep -q condor_starter "$WORK/cmdlines" || fail "the process sample missed the job's starter"
# What the tools print, and /run (a tmpfs, not in the upper dir), while the worker runs.
for cmd in "status" "status --json" "report" "report --json" "check"; do
  # shellcheck disable=SC2086
  "$POOL" exec w1 osg-worker $cmd >"$WORK/out-${cmd// /-}" 2>&1 || true
done
"$POOL" exec w1 tar -C / -cf - run 2>/dev/null | tar -xf - -C "$WORK" 2>/dev/null || true
wait_until 120 "the probe job completes" job_is "$job" 4

out=$("$POOL" cm cat /home/researcher/jobs/probe.out)
# shellcheck disable=SC2001  # a prefix on every line, which ${out//...} cannot anchor
echo "$out" | sed 's/^/    probe: /'
uid_line=$(grep '^uid:' <<<"$out")
log "the job ran as: ${uid_line#uid: }"
case $uid_line in "uid: 0 "*) fail "the job ran as root" ;; esac
for denied in read_config read_token_dir read_tokens read_ledger agent_environ master_environ \
  startd_environ imds_configured imds_link_local; do
  grep -qx "$denied: no" <<<"$out" || fail "the job could do what it must not: $denied"
done
log "ok: the job cannot read the config, token, ledger or daemons' environments, nor reach metadata"
grep -qx "cm_collector: YES" <<<"$out" || fail "the job could not reach $CM:9618; the rule is not targeted"
log "ok: the job reaches another port of the same host (the rule is targeted)"
grep -q "^read_run_job-firewall.nft: no" <<<"$out" || fail "the job read the firewall rules"
# The refusals were the job firewall's: its counters for both destinations moved.
rules=$("$POOL" exec w1 nft list table inet osg_worker)
for dest in "ip daddr 169.254.169.254" "ip daddr $CM tcp dport 8169"; do
  grep -F "$dest counter" <<<"$rules" | grep -qv 'packets 0 ' ||
    fail "the job firewall counted no packet to [$dest]: $rules"
done
log "ok: the job firewall's counters show it refused the job's connections"
for f in ps.txt environ.txt; do
  "$POOL" cm cat "/home/researcher/jobs/$f" >"$WORK/job-$f"
  [ -s "$WORK/job-$f" ] || fail "the job's $f is empty"
  if grep -qFf "$WORK/secrets" "$WORK/job-$f"; then fail "a secret is in what the job saw ($f)"; fi
done
log "ok: no secret in any argument list or environment the job could read"

# The rest of the life: idle, then the shutdown action ends the instance.
wait_until 120 "w1 runs its shutdown action" shutdown_happened w1
gone() { ! "$POOL" exec w1 true 2>/dev/null; }
wait_until 60 "w1 has ended" gone

upper=$INSTANCES/w1/upper
# Where the secrets belong: only these two root-only files.
holders=$(cd "$upper" && grep -rlFf "$WORK/secrets" . 2>/dev/null | sort | paste -sd' ')
[ "$holders" = "./etc/condor/tokens.d/osg-worker.token ./etc/osg-worker.conf" ] ||
  fail "secrets found in: [$holders]; expected only the config and the token file"
log "ok: of every file the worker wrote, only the config and the token file hold a secret"
{ [ -s "$upper/var/lib/osg-worker/ledger.jsonl" ] && [ -d "$upper/var/log/condor" ]; } ||
  fail "the ledger or HTCondor's logs are missing: the search above proves nothing"
searched=("$INSTANCES/w1/console.log" "$WORK/cmdlines" "$WORK/environs" "$WORK"/out-* "$WORK/run")
if grep -rlFf "$WORK/secrets" "${searched[@]}"; then fail "a secret appears in the files above"; fi
{ grep -q '"phase"' "$WORK/out-status---json" && grep -q '"event":"shutdown_action"' \
  "$upper/var/lib/osg-worker/ledger.jsonl"; } || fail "status or the ledger is not what was searched"
log "ok: no secret in the console, /run, status, report, check, or any process's arguments or environment"

# File modes, from the instance's upper dir (what the worker wrote).
mode() { stat -c '%a %U' "$upper$1"; }
[ "$(mode /etc/osg-worker.conf)" = "600 root" ] || fail "/etc/osg-worker.conf is $(mode /etc/osg-worker.conf)"
[ "$(mode /etc/condor/tokens.d)" = "700 root" ] || fail "tokens.d is $(mode /etc/condor/tokens.d)"
[ "$(mode /etc/condor/tokens.d/osg-worker.token)" = "600 root" ] || fail "the token file is $(mode /etc/condor/tokens.d/osg-worker.token)"
[ "$(mode /var/lib/osg-worker)" = "700 root" ] || fail "/var/lib/osg-worker is $(mode /var/lib/osg-worker)"
[ "$(mode /var/lib/osg-worker/ledger.jsonl)" = "600 root" ] || fail "the ledger is $(mode /var/lib/osg-worker/ledger.jsonl)"
[ "$(stat -c %a "$WORK/run/osg-worker/job-firewall.nft")" = 600 ] || fail "the firewall rules are not 0600"
log "ok: config, token, tokens.d, state directory, ledger and firewall rules are root-only"

# When nft fails the worker keeps working and says so: the log, status and the ledger.
write_config "$WORK/w2.conf"
"$POOL" worker w2 --config "$WORK/w2.conf" --entrypoint /bin/sh -c \
  'printf "#!/bin/sh\necho nft: no nf_tables here >&2\nexit 1\n" >/usr/local/sbin/nft &&
   chmod 755 /usr/local/sbin/nft && exec osg-worker run' >/dev/null
w2_listed() { grep -q w2 <<<"$("$POOL" cm condor_status -af Name)"; }
wait_until 90 "w2 joins although its job firewall failed" w2_listed
fw=$("$POOL" exec w2 osg-worker status | sed -n 's/^firewall: *//p')
assert_contains "$fw" "NOT INSTALLED: nft -f /run/osg-worker/job-firewall.nft exited with status 1" \
  "status says the job firewall is not installed"
assert_contains "$fw" "jobs can reach the cloud metadata service" "status says what that means"
grep -q "WARNING: job firewall NOT INSTALLED" "$INSTANCES/w2/console.log" || fail "no warning in w2's log"
grep -q '"event":"job_firewall".*"result":"failed"' "$INSTANCES/w2/upper/var/lib/osg-worker/ledger.jsonl" ||
  fail "the ledger does not record the failed job firewall"
log "ok: a failed nft is logged, shown in status and recorded; the worker still joins"
log PASS
