#!/usr/bin/env bash
# idle_cost.sh [SECONDS]: what an idle worker costs. Starts a pool (OSG_POOL_ID, default 5) and one
# worker running `osg-worker run` (IdleTimeout 2h, so it stays up), waits until it has joined and
# is Idle, then over SECONDS (default 600) measures from the host's /proc:
#   * the agent's resident memory (VmRSS, VmHWM),
#   * CPU of the agent itself (utime+stime) plus the HTCondor tools it ran (cutime+cstime),
#   * how often it woke up and which commands it ran,
#   * the HTCondor daemons' CPU, apart, for context,
# and, with an inotify watcher inside the instance using the agent's mask, which files in
# /var/log/condor were written while idle (each StartLog/MasterLog write makes the agent query
# the startd), plus the log lines written in the window.
# IDLE_COST_CONFIG="MetricsPort = 9479" (say) adds config lines.
# Targets (issue): agent RSS < 8 MB, agent+tools CPU < 0.5 s over 10 idle minutes.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

WINDOW=${1:-600}
{ [[ $WINDOW =~ ^[0-9]+$ ]] && [ "$WINDOW" -gt 0 ]; } || die "usage: $0 [SECONDS]"

log "pool $OSG_POOL_ID up"
pool_up
# IDLE_COST_CONFIG: extra config lines (newline-separated), e.g. to measure with metrics on.
mapfile -t EXTRA <<<"${IDLE_COST_CONFIG:-}"
osg_config "$WORK/w.conf" "Bench Idle" "IdleTimeout = 2h" "${EXTRA[@]}"
"$POOL" worker w1 --config "$WORK/w.conf" >/dev/null 2>&1 || die "worker did not start"
log "waiting for w1 to join and be Idle"
wait_idle w1 180 >/dev/null || { "$POOL" logs w1 | tail -n 30 >&2; die "w1 not Idle within 180 s"; }
# The window opens once the join's own activity has settled.
sleep 30

LOGDIR=$INSTANCES/w1/upper/var/log/condor
declare -A OFFSET
for f in StartLog MasterLog SharedPortLog ProcLog; do
  OFFSET[$f]=$(stat -c %s "$LOGDIR/$f" 2>/dev/null || echo 0)
done

log "measuring ${WINDOW}s of idleness"
"$POOL" exec w1 timeout -s INT "$((WINDOW + 1))" python3 - </"$BENCH_DIR/inotify_count.py" \
  >"$WORK/inotify.txt" 2>&1 &
BG_PIDS+=($!)
"$PY" "$BENCH_DIR/idle_sampler.py" "$INSTANCES/w1" "$WINDOW" >"$WORK/sampler.txt" ||
  { cat "$WORK/sampler.txt" >&2; die "sampler failed"; }
wait "${BG_PIDS[0]}" 2>/dev/null || true
phase=$(json_get "$(status_json w1)" phase || echo '?')

echo "== idle_cost: one osg-worker worker, idle for ${WINDOW}s (phase at end: $phase) =="
cat "$WORK/sampler.txt"
echo
cat "$WORK/inotify.txt"
echo
echo "log lines written during the window (timestamped lines only, first 12 kinds; digits replaced by N to group them):"
for f in StartLog MasterLog SharedPortLog ProcLog; do
  [ -f "$LOGDIR/$f" ] || continue
  n=$(tail -c +"$((OFFSET[$f] + 1))" "$LOGDIR/$f" | wc -l)
  echo "  $f: $n new lines"
  tail -c +"$((OFFSET[$f] + 1))" "$LOGDIR/$f" | { grep -E '^[0-9]+/' || true; } | cut -c 19- | sed -E 's/[0-9]+/N/g' |
    sort | uniq -c | sort -rn | head -n 12 | sed 's/^/    /'
done
