#!/usr/bin/env bash
# fleet.sh [WORKERS] [JOBS]: a fleet on one machine. WORKERS instances (default 50), each running
# `osg-worker run` from a seed-style config, against one local central manager: all join, a
# burst of JOBS short jobs (default 2 per worker, FLEET_JOB_SECONDS each) runs, and every worker
# retires through its idle shutdown (FLEET_IDLE, default 60s). Prints join-time percentiles (the
# agent's start to its ledger's `joined`, so the launch order does not count), the agents' memory
# and CPU summed over the fleet (CPU includes the HTCondor tools each agent ran), and whether
# every instance ended with a completed shutdown action and a complete ledger.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

WORKERS=${1:-50}
JOBS=${2:-$((2 * WORKERS))}
IDLE=${FLEET_IDLE:-60s}
JOB_SECONDS=${FLEET_JOB_SECONDS:-20}
GROUP="Fleet Workers"
if ! [[ $WORKERS =~ ^[0-9]+$ ]] || [ "$WORKERS" -lt 1 ] || [ "$WORKERS" -gt 99 ]; then
  die "usage: $0 [WORKERS 1-99] [JOBS]"
fi

names() { local i; for ((i = 1; i <= WORKERS; i++)); do printf 'f%02d\n' "$i"; done; }
listed() {
  "$POOL" cm condor_status -const "WorkerGroupName == \"$GROUP\"" -af Machine 2>/dev/null |
    sort -u | wc -l
}
queue_left() { "$POOL" cm condor_q -allusers -af JobStatus 2>/dev/null | wc -l; }
shut_down() {
  local n count=0
  for n in $(names); do [ -s "$INSTANCES/$n/upper/var/lib/osgp/shutdown-at" ] && count=$((count + 1)); done
  echo "$count"
}

# wait_for WHAT SECONDS CMD TARGET: until CMD prints TARGET (or more); logs progress.
wait_for() {
  local what=$1 end=$((SECONDS + $2)) cmd=$3 target=$4 got=0
  while [ "$SECONDS" -lt "$end" ]; do
    got=$($cmd)
    [ "$got" -ge "$target" ] 2>/dev/null && { log "$what: $got/$target"; return 0; }
    sleep 2
  done
  log "$what: only $got/$target after $2 s"
  return 1
}

# The agents' memory (kB: proportional set size, so that the shared libraries' pages count once
# across the fleet, not once per agent) and CPU seconds (own + waited-for children), summed.
agent_usage() {
  local n
  for n in $(names); do
    # shellcheck disable=SC2016  # the program's $ are for the instance's sh, not for us
    "$POOL" exec "$n" sh -c 'p=$(pgrep -x osg-worker) || exit 0
      awk "/^Pss:/ {print \$2}" /proc/$p/smaps_rollup
      cut -d" " -f14-17 /proc/$p/stat' 2>/dev/null || true
  done | "$PY" -c '
import os, sys
lines = sys.stdin.read().split("\n")
rss = cpu = agents = 0
hz = os.sysconf("SC_CLK_TCK")
for i in range(0, len(lines) - 1, 2):
    if not lines[i].strip(): continue
    rss += int(lines[i]); cpu += sum(int(x) for x in lines[i + 1].split()) / hz; agents += 1
print("%d %.1f %.2f %d" % (rss, rss / 1024, cpu, agents))'
}

# ledger_check NAME: "ok JOBS" when the instance's ledger holds a whole life; else what is missing.
ledger_check() {
  local ledger=$INSTANCES/$1/upper/var/lib/osg-worker/ledger.jsonl report
  [ -s "$ledger" ] || { echo "no-ledger 0"; return; }
  report=$(cd "$(dirname "$ledger")" && "$POOL" run osg-worker report --json --ledger ./ledger.jsonl 2>/dev/null) ||
    { echo "no-report 0"; return; }
  "$PY" -c '
import json, sys
r = json.loads(sys.argv[1]); text = open(sys.argv[2]).read()
missing = [e for e in ("agent_start", "joined", "idle_start", "shutdown_decision", "shutdown_action")
           if "\"event\":\"%s\"" % e not in text]
starts, ends = text.count("\"event\":\"job_start\""), text.count("\"event\":\"job_end\"")
if starts != ends: missing.append("job_end")
if r.get("skipped_lines"): missing.append("torn-lines")
if not r["shut_down"] or r["shutdown"]["result"] != "ok": missing.append("shutdown-action")
print(("ok" if not missing else "missing:" + ",".join(missing)), r["jobs"])' "$report" "$ledger"
}

log "pool $OSG_POOL_ID up; $WORKERS workers, $JOBS jobs of ${JOB_SECONDS}s, IdleTimeout $IDLE"
pool_up
BENCH_TOKEN=$("$POOL" token)
export BENCH_TOKEN
started=$SECONDS
for n in $(names); do
  osg_config "$WORK/$n.conf" "$GROUP" "IdleTimeout = $IDLE"
  "$POOL" worker "$n" --config "$WORK/$n.conf" >/dev/null 2>>"$WORK/launch.err" || log "$n did not start"
done
log "launched $WORKERS instances in $((SECONDS - started)) s"
wait_for "listed in the collector" 900 listed "$WORKERS" || true

read -r idle_rss_kb idle_rss_mb idle_cpu idle_agents <<<"$(agent_usage)"

burst_at=$SECONDS
cluster=$("$POOL" submit --project TG-NNNNNN --sleep "$JOB_SECONDS" --count "$JOBS")
log "submitted $JOBS jobs (cluster $cluster)"
empty_queue() { echo $((JOBS - $(queue_left))); }
wait_for "jobs done" 1800 empty_queue "$JOBS" || true
burst_s=$((SECONDS - burst_at))
read -r _ busy_rss_mb busy_cpu busy_agents <<<"$(agent_usage)"
completed=$("$POOL" cm condor_history "$cluster" -af JobStatus 2>/dev/null | grep -c '^4$' || true)

wait_for "instances shut down" 1800 shut_down "$WORKERS" || true
joins=$(for n in $(names); do
  "$PY" - "$INSTANCES/$n/upper/var/lib/osg-worker/ledger.jsonl" <<'EOF' 2>/dev/null || true
import json, sys
start = joined = None
for line in open(sys.argv[1]):
    r = json.loads(line.split("\t")[0])
    if r["event"] == "agent_start" and start is None: start = r["t"]
    if r["event"] == "joined" and joined is None: joined = r["t"]
if start is not None and joined is not None: print(joined - start)
EOF
done)
ok=0 recorded_jobs=0 problems=()
for n in $(names); do
  read -r verdict jobs <<<"$(ledger_check "$n")"
  recorded_jobs=$((recorded_jobs + jobs))
  if [ "$verdict" = ok ]; then ok=$((ok + 1)); else problems+=("$n:$verdict"); fi
done

echo
echo "fleet: $WORKERS workers, one central manager, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB"
printf '%-34s %s\n' "join time (agent start -> joined)" \
  "$(echo "$joins" | "$PY" -c '
import statistics, sys
v = sorted(float(x) for x in sys.stdin.read().split())
if not v: print("none"); sys.exit()
q = lambda p: v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
print("p50 %.1f s, p90 %.1f s, p99 %.1f s, max %.1f s (n=%d)" % (q(.5), q(.9), q(.99), v[-1], len(v)))')"
printf '%-34s %s\n' "agents' memory (PSS), idle" "$idle_rss_mb MB total ($idle_agents agents, $((idle_rss_kb / (idle_agents > 0 ? idle_agents : 1))) kB each)"
printf '%-34s %s\n' "agents' memory (PSS), after burst" "$busy_rss_mb MB total ($busy_agents agents)"
printf '%-34s %s\n' "agents' CPU until joined+idle" "$idle_cpu s total"
printf '%-34s %s\n' "agents' CPU until the burst ended" "$busy_cpu s total"
printf '%-34s %s\n' "burst" "$completed/$JOBS jobs completed in $burst_s s"
printf '%-34s %s\n' "ledgers: jobs recorded" "$recorded_jobs (submitted $JOBS)"
printf '%-34s %s\n' "complete ledger + shutdown action" "$ok/$WORKERS instances"
[ ${#problems[@]} -eq 0 ] || printf '%-34s %s\n' "problems" "${problems[*]}"
