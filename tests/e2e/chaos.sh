#!/usr/bin/env bash
# Chaos on the local pool: rounds of workers running jobs while a seeded random schedule of
# faults hits them: SIGKILL of condor_startd, condor_master or osg-worker; the worker's link cut
# for 45-75 s (past the collector's 40 s CLASSAD_LIFETIME and the jobs' 20 s lease); the central
# manager's collector and negotiator stopped for 20-60 s; the disk of /var/lib/osg-worker (a
# 1 MiB tmpfs holding the ledger) filled for 15-45 s. The seed is printed first; CHAOS_SEED=N
# replays every round's plan (workers, IdleTimeouts, jobs, faults and their offsets; the pool's
# own timing still varies). CHAOS_ROUNDS (default 2) rounds of 1-CHAOS_WORKERS (2) workers with
# CHAOS_MIN_FAULTS (1) to CHAOS_FAULTS (3) faults each; CI runs the default, long runs set
# CHAOS_ROUNDS=N (and more faults a round: CHAOS_MIN_FAULTS=5 CHAOS_FAULTS=8). A fault whose
# worker has already ended hits another live worker of the round, if any.
#
# A round: workers start (IdleTimeout 20-30 s, Start = their own ProjectName), each gets 1-3 jobs
# (one sleeping past its IdleTimeout, each with job_lease_duration = 20 so that HTCondor reruns
# a run lost to a fault within seconds) and maybe a late one; once a job runs, the faults fire at
# 0-45 s, each restored after its duration (a killed process counts as recovered when its
# replacement runs). Then every worker must run its shutdown action. Jobs still queued after
# that (lost to a fault, or stranded) go to a fault-free "sweeper" worker matching the round's
# projects, which must run them and shut down too (HTCondor 23's schedd may stop asking for a
# job whose claim failed; the sweep holds and releases jobs idle for a minute so that it asks
# again: that stall is HTCondor's, not the agent's). The rules, checked every round
# (tests/e2e/chaos.py applies 1-4 to the schedd's user log, the fault record and the ledgers):
#  1. No job killed by our shutdown. Every run of a job that ended other than by the job's own
#     termination (evicted, shadow exception, reconnect impossible, or a new run with no end
#     logged) is a lost run, and each lost run must be pinned on an injected fault that can lose
#     a run on that worker: a startd or master SIGKILL or a link cut of that worker that began
#     during the run (the run's start - 2 s to its end + 2 s), the run's end logged at most 600 s
#     after the fault's recovery. Anything else, including a run lost across only an agent
#     SIGKILL, a full ledger disk or a central-manager outage (the README says jobs survive
#     those), fails, and the message names the worker's shutdown time.
#  2. Every job completes (return value 0), on its worker or on the sweeper.
#  3. Every worker runs its shutdown action (ShutdownAction = command:, recorded in shutdown-at)
#     no later than max(its listing, its last run's end, the recovery of the last fault that hit
#     it or the central manager) + IdleTimeout + CHAOS_SLACK (default 90 s: HTCondor noticing,
#     the stop sequence, a loaded machine); and not before IdleTimeout after its last job's end.
#  4. The ledger (copied by the shutdown action from the tmpfs) reads back with `osg-worker
#     report --json`, and its skipped lines are at most the crashes of its writer: the agent
#     SIGKILLs plus the disk-full episodes on that worker.
#  5. No secret anywhere: no worker's token appears in any console, any file a worker wrote
#     other than its config and token file (HTCondor's logs, the ledger, state), the central
#     manager's logs and user log, or `osg-worker status` (plain and --json) sampled during the
#     round.
# A failing round prints its seed and number and the instances' logs; the run goes on and fails
# at the end, with every fault counted by kind.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${CHAOS_ROUNDS:-2}
MAX_WORKERS=${CHAOS_WORKERS:-2}
MAX_FAULTS=${CHAOS_FAULTS:-3}
MIN_FAULTS=${CHAOS_MIN_FAULTS:-1}
SLACK=${CHAOS_SLACK:-90}
SEED=${CHAOS_SEED:-$(((RANDOM << 15) | RANDOM))}
LEASE=20
HELPER=$(cd "$(dirname "$0")" && pwd)/chaos.py
USERLOG=$INSTANCES/cm/upper/home/researcher/jobs/job.log
# The worker's entrypoint: the ledger's directory on a small tmpfs (kept across agent restarts,
# which rerun this), and a shutdown action that copies the ledger out before the stand-in power-off.
# shellcheck disable=SC2016
ENTRY='grep -q " /var/lib/osg-worker " /proc/mounts ||
  mount -t tmpfs -o size=1m,mode=700 tmpfs /var/lib/osg-worker
printf "%s\n" "#!/bin/sh" "mkdir -p /var/lib/osgp" \
  "cp -p /var/lib/osg-worker/ledger.jsonl /var/lib/osgp/ledger.jsonl" \
  "exec /usr/local/sbin/osgp-record-shutdown" >/usr/local/sbin/chaos-shutdown
chmod 755 /usr/local/sbin/chaos-shutdown
exec /usr/bin/osg-worker run'

now() { date +%s.%N; }
alive() { "$POOL" exec "$1" true >/dev/null 2>&1; }

# start_worker DIR NAME IDLE PROJECTS...: a worker whose Start takes jobs of those projects.
start_worker() {
  local dir=$1 name=$2 idle=$3 start='' p; shift 3
  for p in "$@"; do start+="${start:+ || }TARGET.ProjectName == \"$p\""; done
  write_config "$dir/$name.conf" "IdleTimeout = ${idle}s"
  sed -i "s/^Start = .*/Start = $start/; s|^ShutdownAction = .*|ShutdownAction = command:/usr/local/sbin/chaos-shutdown|" \
    "$dir/$name.conf"
  sed -n 's/^Token = //p' "$dir/$name.conf" >>"$dir/secrets"
  # Jobs only sleep: 8 slots' worth of CPUs lets the sweeper take a round's leftovers at once.
  printf 'UPDATE_INTERVAL = 10\nNUM_CPUS = 8\n' >"$dir/extra.conf"
  "$POOL" worker "$name" --config "$dir/$name.conf" --condor-extra "$dir/extra.conf" \
    --entrypoint sh -c "$ENTRY" >/dev/null
  echo "$idle" >"$dir/$name.idle"
}

listed() { "$POOL" cm condor_status -af Machine 2>/dev/null | grep -q "^$1\."; }

# submit DIR WORKER SLEEP: one job for WORKER's project; records "CLUSTER WORKER" in DIR/jobs.
submit() {
  local cluster
  cluster=$(flock "$WORK/submit.lock" "$POOL" submit --project "CHAOS-$2" --sleep "$3" --lease "$LEASE")
  [ -n "$cluster" ] || { log "submitting a job for $2 failed"; return 1; }
  echo "$cluster $2" >>"$1/jobs"
  log "job $cluster for $2 sleeps $3 s"
}

# new_pid NAME PROC OLD: a PROC runs in NAME whose pid is not in OLD.
new_pid() {
  local p
  for p in $("$POOL" exec "$1" pgrep -x "$2" 2>/dev/null); do
    grep -qxF "$p" <<<"$3" || return 0
  done
  return 1
}

# kill_fault NAME PROC: SIGKILL, then waits for a replacement (or the instance's end).
# Prints "START END" (END: recovered); fails if there was nothing to kill.
kill_fault() {
  local name=$1 proc=$2 old start end
  old=$("$POOL" exec "$name" pgrep -x "$proc" 2>/dev/null) || return 1
  start=$(now)
  "$POOL" kill "$name" KILL "$proc" >/dev/null 2>&1 || return 1
  end=$((SECONDS + 150))
  while [ "$SECONDS" -lt "$end" ] && alive "$name" && ! new_pid "$name" "$proc" "$old"; do
    sleep 1
  done
  echo "$start $(now)"
}

cm_on() {  # DAEMON: condor_on, retried: the pool must come back whatever happened
  local _
  for _ in 1 2 3 4 5; do
    "$POOL" cm condor_on -daemon "$1" >/dev/null 2>&1 && return 0
    sleep 2
  done
  log "condor_on -daemon $1 failed five times"
}

# inject DIR KIND TARGET DURATION: one fault and its recovery, recorded in DIR/faults.jsonl.
inject() {
  local dir=$1 kind=$2 target=$3 duration=$4 start='' end='' injected=true note='' n
  if [ "$target" != cm ] && ! alive "$target"; then
    local -a live
    read -ra live <"$dir/names"
    for n in "${live[@]}"; do
      if [ "$n" != "$target" ] && alive "$n"; then
        note="$target had ended: retargeted"
        target=$n
        break
      fi
    done
  fi
  if [ "$target" != cm ] && ! alive "$target"; then
    injected=false note="the instance had ended"
  else
    case $kind in
      startd_kill | master_kill | agent_kill)
        local proc=condor_startd times
        [ "$kind" = master_kill ] && proc=condor_master
        [ "$kind" = agent_kill ] && proc=osg-worker
        if times=$(kill_fault "$target" "$proc"); then
          read -r start end <<<"$times"
        else
          injected=false note="no $proc to kill"
        fi ;;
      link_cut)
        start=$(now)
        "$POOL" link "$target" down >/dev/null 2>&1 || { injected=false note="link down failed"; }
        sleep "$duration"
        "$POOL" link "$target" up >/dev/null 2>&1 || note="the instance ended during the cut" ;;
      disk_full)
        start=$(now)
        "$POOL" exec "$target" sh -c 'dd if=/dev/zero of=/var/lib/osg-worker/fill bs=4k 2>/dev/null; true' ||
          { injected=false note="filling failed"; }
        sleep "$duration"
        "$POOL" exec "$target" rm -f /var/lib/osg-worker/fill >/dev/null 2>&1 || note="the instance ended while full" ;;
      cm_outage)
        start=$(now)
        "$POOL" cm condor_off -daemon negotiator >/dev/null 2>&1 || note="condor_off negotiator failed"
        "$POOL" cm condor_off -daemon collector >/dev/null 2>&1 || note="condor_off collector failed"
        sleep "$duration"
        cm_on collector
        cm_on negotiator ;;
    esac
  fi
  [ -n "$start" ] || start=$(now)
  [ -n "$end" ] || end=$(now)
  printf '{"kind":"%s","target":"%s","start":%s,"end":%s,"injected":%s,"note":"%s"}\n' \
    "$kind" "$target" "$start" "$end" "$injected" "$note" >>"$dir/faults.jsonl"
  if [ "$injected" = true ]; then
    log "fault: $kind on $target, recovered after $(python3 -c "print(round($end - $start))")s${note:+ ($note)}"
  else
    log "fault not injected: $kind on $target: $note"
  fi
}

# round_jobs_queued ROUND: the round's jobs still in the schedd's queue (not completed).
round_jobs_queued() {
  "$POOL" cm condor_q -allusers -af ProjectName 2>/dev/null | grep -E "^CHAOS-r$1w[0-9]+$" || true
}

unstall() {  # ROUND: hold and release the round's jobs idle for over 60 s (see the sweep)
  local c project="regexp(\"^CHAOS-r$1w[0-9]+\$\", ProjectName)"
  local stalled="JobStatus == 1 && EnteredCurrentStatus < time() - 60 && $project"
  c=$("$POOL" cm condor_q -allusers -const "$stalled" -af ClusterId 2>/dev/null | paste -sd' ') || true
  [ -n "$c" ] || return 0
  # The schedd evaluates the constraint itself: a job that started meanwhile is not held.
  "$POOL" cm condor_hold -const "$stalled" >/dev/null 2>&1 || true
  "$POOL" cm condor_release -const "JobStatus == 5 && $project" >/dev/null 2>&1 || true
  log "held and released job(s) idle for over 60 s ($c) so that the schedd asks for them again"
}

sample_status() {  # DIR NAMES...: `osg-worker status` output, searched for secrets later
  local dir=$1 name; shift
  for name in "$@"; do
    { "$POOL" exec "$name" osg-worker status; "$POOL" exec "$name" osg-worker status --json; } \
      >>"$dir/status-$name.txt" 2>&1 || true
  done
}

# wait_shutdowns SECONDS NAMES...: until each ran its shutdown action or ended, or SECONDS pass.
wait_shutdowns() {
  local end=$((SECONDS + $1)) name pending; shift
  while :; do
    pending=0
    for name in "$@"; do
      shutdown_happened "$name" || ! alive "$name" || pending=1
    done
    [ "$pending" = 0 ] && return 0
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 2
  done
}

# run_round N: one round; returns 1 when a rule failed.
run_round() {
  local r=$1 dir=$WORK/r$1 w sleeps s f kind target offset duration names=()
  local WORKERS='' FAULTS=''
  mkdir -p "$dir"
  : >"$dir/jobs"
  (umask 077; : >"$dir/secrets")
  eval "$(python3 "$HELPER" schedule "$SEED" "$r" "$MAX_WORKERS" "$MAX_FAULTS" "$MIN_FAULTS")"
  log "=== round $r (seed $SEED): workers [$WORKERS], faults [$FAULTS]"
  # Each worker's jobs wait in the queue for its join (its IdleTimeout counts from the join).
  for w in $WORKERS; do
    local idle_var=IDLE_$w
    start_worker "$dir" "$w" "${!idle_var}" "CHAOS-$w"
    names+=("$w")
    sleeps=SLEEPS_$w
    for s in ${!sleeps}; do submit "$dir" "$w" "$s"; done
  done
  echo "${names[*]}" >"$dir/names"
  for w in "${names[@]}"; do
    wait_until 180 "$w is listed" listed "$w"
    now >"$dir/$w.listed"
  done
  running() { "$POOL" cm condor_q -allusers -const 'JobStatus == 2' -af ProjectName | grep -qE "^CHAOS-r${r}w[0-9]+$"; }
  wait_until 240 "a job of round $r runs" running
  sample_status "$dir" "${names[@]}"

  local pids=()
  for f in $FAULTS; do
    IFS=: read -r kind target offset duration <<<"$f"
    (sleep "$offset"; inject "$dir" "$kind" "$target" "$duration") &
    pids+=($!)
  done
  for w in "${names[@]}"; do
    local late_var=LATE_$w
    [ "${!late_var}" = 0 ] && continue
    (sleep "${!late_var}"; submit "$dir" "$w" 10 || true) &
    pids+=($!)
  done
  local p
  for p in "${pids[@]}"; do wait "$p" || log "round $r: a fault or a late submission failed"; done
  sample_status "$dir" "${names[@]}"

  wait_shutdowns 900 "${names[@]}" || log "round $r: not every worker shut down within 900 s"
  for w in "${names[@]}"; do
    shutdown_happened "$w" || { log "$w: no shutdown action; stopping it"; "$POOL" stop "$w" >/dev/null 2>&1 || true; }
  done
  # A run lost with its worker stays "running" on the schedd until its lease expires.
  stale_none() {
    local running
    running=$("$POOL" cm condor_q -allusers -const 'JobStatus == 2' -af ProjectName) || return 1
    ! grep -qE "^CHAOS-r${r}w[0-9]+$" <<<"$running"
  }
  # A run cut off by a fault stays "running" until its shadow gives up reconnecting, which took
  # over 4 minutes once (seed 20261205, round 13): a sweeper started before that idles out with
  # nothing to run.
  local end=$((SECONDS + 420))
  until stale_none || [ "$SECONDS" -ge "$end" ]; do sleep 3; done
  if [ -n "$(round_jobs_queued "$r")" ]; then
    local sweeper=r${r}s projects=()
    for w in "${names[@]}"; do projects+=("CHAOS-$w"); done
    log "round $r: $(round_jobs_queued "$r" | wc -l) job(s) still queued: sweeper $sweeper takes them"
    # IdleTimeout 90 s: time for the schedd to ask again for jobs whose claim failed (unstall).
    start_worker "$dir" "$sweeper" 90 "${projects[@]}"
    wait_until 180 "$sweeper is listed" listed "$sweeper"
    now >"$dir/$sweeper.listed"
    names+=("$sweeper")
    queued_none() { [ -z "$(round_jobs_queued "$r")" ]; }
    local poke=0
    end=$((SECONDS + 600))
    until queued_none || [ "$SECONDS" -ge "$end" ]; do
      # HTCondor 23's schedd stops asking for a job whose claim on a startd failed (a startd
      # that came up during a central-manager outage advertises no CCB address and cannot be
      # reached): hold and release such idle jobs so that it asks again (not the agent's doing).
      if [ "$SECONDS" -ge "$poke" ]; then
        unstall "$r"
        poke=$((SECONDS + 45))
      fi
      sleep 3
    done
    sample_status "$dir" "$sweeper"
    wait_shutdowns 300 "$sweeper" || log "$sweeper did not shut down within 300 s"
    shutdown_happened "$sweeper" || "$POOL" stop "$sweeper" >/dev/null 2>&1 || true
  fi
  # Give the schedd a moment to log the last terminations, then stop what is left.
  sleep 3
  for w in "${names[@]}"; do "$POOL" stop "$w" >/dev/null 2>&1 || true; done
  check_round "$r" "$dir" "${names[@]}"
}

# check_round N DIR NAMES...: collects the ledgers and times, runs the rules.
check_round() {
  local r=$1 dir=$2 w upper rc=0; shift 2
  {
    printf '{"round":%s,"seed":%s,"slack":%s,"workers":{' "$r" "$SEED" "$SLACK"
    local sep=''
    for w in "$@"; do
      printf '%s"%s":{"idle":%s,"listed_at":%s,"shutdown_at":%s}' "$sep" "$w" \
        "$(cat "$dir/$w.idle")" "$(cat "$dir/$w.listed")" "$(shutdown_time "$w" 2>/dev/null || echo null)"
      sep=,
    done
    printf '},"jobs":{'
    sep=''
    local cluster worker
    while read -r cluster worker; do printf '%s"%s":"%s"' "$sep" "$cluster" "$worker"; sep=,; done <"$dir/jobs"
    printf '}}\n'
  } >"$dir/round.json"
  for w in "$@"; do
    upper=$INSTANCES/$w/upper
    [ -f "$upper/var/lib/osgp/ledger.jsonl" ] && cp "$upper/var/lib/osgp/ledger.jsonl" "$dir/ledger-$w.jsonl"
  done
  # One throwaway instance reads every ledger of the round.
  # shellcheck disable=SC2016
  (cd "$dir" && "$POOL" run sh -c 'for f in ledger-*.jsonl; do [ -f "$f" ] || continue; n=${f#ledger-}; n=${n%.jsonl}
      osg-worker report --json --ledger "./$f" >"report-$n.json" 2>"report-$n.notes" || rm -f "report-$n.json"; done') ||
    log "round $r: osg-worker report failed to run"
  cp "$USERLOG" "$dir/job.log"
  python3 "$HELPER" check "$dir" "$dir/job.log" | sed "s/^/[round $r] /" | tee "$dir/check.txt"
  grep -q '^\[round [0-9]*\] FAIL' "$dir/check.txt" && rc=1
  check_secrets "$r" "$dir" "$@" || rc=1
  grep '\] faults: ' "$dir/check.txt" | sed 's/.*faults: //' >"$dir/summary.json"
  if [ "$rc" = 1 ]; then
    log "round $r FAILED (replay: CHAOS_SEED=$SEED, round $r)"
    echo "round $r" >>"$WORK/failed"
    for w in "$@"; do
      echo "===== $w: console ====="; tail -n 60 "$INSTANCES/$w/console.log" 2>/dev/null || true
      grep -h '' "$dir/report-$w.notes" 2>/dev/null || true
    done
    echo "===== faults ====="; cat "$dir/faults.jsonl" 2>/dev/null || true
  fi
  return "$rc"
}

holders() {  # DIR PATTERNS: the files under DIR holding a secret, as ./PATH
  [ -d "$1" ] || return 0
  (cd "$1" && grep -rlFf "$2" . 2>/dev/null) || true
}

# check_secrets N DIR NAMES...: rule 5.
check_secrets() {
  local r=$1 dir=$2 w upper hits='' found; shift 2
  for w in "$@"; do
    upper=$INSTANCES/$w/upper
    found=$(holders "$upper" "$dir/secrets" | grep -v \
      -e '^\./etc/osg-worker\.conf$' -e '^\./etc/condor/tokens\.d/osg-worker\.token$' || true)
    [ -z "$found" ] || hits+=" $w:${found//$'\n'/ $w:}"
    grep -qFf "$dir/secrets" "$INSTANCES/$w/console.log" && hits+=" $w:console.log"
    [ -f "$dir/status-$w.txt" ] && grep -qFf "$dir/secrets" "$dir/status-$w.txt" && hits+=" status of $w"
  done
  found=$(grep -rlFf "$dir/secrets" "$INSTANCES/cm/upper/var/log/condor" "$USERLOG" 2>/dev/null || true)
  [ -z "$found" ] || hits+=" cm:${found//$'\n'/ cm:}"
  if [ -n "$hits" ]; then
    echo "[round $r] FAIL: a token appears in:$hits"
    return 1
  fi
  echo "[round $r] ok: no token in any console, worker file, cm log or status output"
}

main() {
  log "chaos: seed $SEED, $ROUNDS round(s) of 1-$MAX_WORKERS worker(s) and $MIN_FAULTS-$MAX_FAULTS fault(s) (replay: CHAOS_SEED=$SEED CHAOS_ROUNDS=$ROUNDS)"
  pool_up
  # HTCondor's timeouts, shortened as network_faults does: the collector forgets an ad after 40 s.
  "$POOL" cm sh -c 'echo "CLASSAD_LIFETIME = 40" >/etc/condor/config.d/95-test.conf && condor_reconfig' >/dev/null
  local r failed=0 started=$SECONDS
  for r in $(seq "$ROUNDS"); do
    run_round "$r" || failed=$((failed + 1))
  done
  python3 - "$WORK" <<'PY' | while read -r line; do log "$line"; done
import glob, json, sys
total, kinds, lost = 0, {}, 0
for p in sorted(glob.glob(sys.argv[1] + "/r*/summary.json")):
  with open(p) as f:
    s = json.loads(f.read() or "{}")
  total += s.get("injected", 0); lost += s.get("lost_runs", 0)
  for k, v in s.get("by_kind", {}).items():
    kinds[k] = kinds.get(k, 0) + v
print(f"faults injected: {total} {json.dumps(kinds, sort_keys=True)}; runs lost to them and rerun: {lost}")
if total == 0:
  print("no fault was injected in the whole run: it proves nothing")
  open(sys.argv[1] + "/no-faults", "w").close()
PY
  if [ -e "$WORK/no-faults" ]; then
    log "FAIL: no fault was injected (replay: CHAOS_SEED=$SEED)"
    exit 1
  fi
  log "seed $SEED: $ROUNDS round(s) in $((SECONDS - started)) s, $failed failed"
  if [ "$failed" != 0 ]; then
    log "FAIL: $failed round(s) failed: $(paste -sd, "$WORK/failed") (replay: CHAOS_SEED=$SEED)"
    exit 1
  fi
  log PASS
}

main "$@"
