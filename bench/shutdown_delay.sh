#!/usr/bin/env bash
# shutdown_delay.sh [ROUNDS]: how late the idle shutdown comes. Each round starts a worker with
# `IdleTimeout = 20s` and the test shutdown action (osgp-record-shutdown writes the wall time to
# /var/lib/osgp/shutdown-at and ends the instance), and measures shutdown-at minus the idle
# deadline, the deadline taken two ways: the shutdown_at the agent publishes in its status file
# (whole seconds), and the moment its "-> Idle" lifecycle line appeared on the console + 20 s.
# After ROUNDS (default 3) idle rounds, one more round runs a 10 s job first (submitted before
# the worker starts, so it is matched as soon as the worker joins): the delay after a busy period.
# Target (issue): under 10 s; the seed: up to 5 min of UPDATE_INTERVAL plus up to 2 min of cron.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-3}
{ [[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -gt 0 ]; } || die "usage: $0 [ROUNDS]"
IDLE=20
LIMIT=240

log "pool $OSG_POOL_ID up"
pool_up
: >"$WORK/results"
for round in $(seq $((ROUNDS + 1))); do
  kind=idle
  name=s$round
  if [ "$round" -gt "$ROUNDS" ]; then
    kind=after-job
    cluster=$(submit_sleep_job 10)
    log "round $round: job $cluster (sleep 10) queued before the worker starts"
  fi
  osg_config "$WORK/$name.conf" "Bench Shutdown $round" "IdleTimeout = ${IDLE}s"
  "$POOL" worker "$name" --config "$WORK/$name.conf" >/dev/null 2>"$WORK/$name.err" ||
    { cat "$WORK/$name.err" >&2; die "worker $name did not start"; }
  r=$("$PY" "$BENCH_DIR/shutdown_watch.py" "$INSTANCES/$name" "$IDLE" "$LIMIT" 2>"$WORK/$name.lifecycle") || true
  [ -n "$r" ] || r="error - - - 0"
  log "round $round ($kind): $r"
  sed 's/^/    /' "$WORK/$name.lifecycle" >&2
  if [ "$kind" = after-job ]; then
    read -r -a fields <<<"$r"
    [ "${fields[4]:-0}" = 1 ] || kind="after-job(NO-BUSY)"
  fi
  echo "$round $kind $r" >>"$WORK/results"
  "$POOL" stop "$name" >/dev/null 2>&1 || true
done

echo "== shutdown_delay: shutdown action time minus the idle deadline (IdleTimeout = ${IDLE}s) =="
printf '%-6s %-19s %16s %14s %11s %14s\n' round kind "vs status (s)" "vs log (s)" "timer late" "stop seq (s)"
while read -r round kind a b c d _busy; do
  printf '%-6s %-19s %16s %14s %11s %14s\n' "$round" "$kind" "$a" "$b" "$c" "$d"
done <"$WORK/results"
echo
printf '%-34s %8s %8s %8s %4s\n' "delay (all rounds)" min median max n
read -r mn md mx n < <(awk '$3 ~ /^-?[0-9.]+$/ {print $3}' "$WORK/results" | stats)
printf '%-34s %8s %8s %8s %4s\n' "vs status shutdown_at (1 s res.)" "$mn" "$md" "$mx" "$n"
read -r mn md mx n < <(awk '$4 ~ /^-?[0-9.]+$/ {print $4}' "$WORK/results" | stats)
printf '%-34s %8s %8s %8s %4s\n' "vs Idle log line + ${IDLE}s" "$mn" "$md" "$mx" "$n"
echo "target: under 10 s (seed: up to ~7 min)"
