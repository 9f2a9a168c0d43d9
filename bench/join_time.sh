#!/usr/bin/env bash
# join_time.sh [ROUNDS]: how long a fresh worker takes to appear in the collector. Each round
# starts, in alternating order, a worker whose entrypoint is `osg-worker run` and one configured
# the seed's way (testdata/worker-reference.conf, token via --token, `condor_master -f`), each
# with its own WorkerGroupName, and times it from the instance's start (the moment osg-pool
# execs the entrypoint: the mtime of the instance's pid file) to the first successful
#   condor_status -const 'WorkerGroupName == "..."' -af Name
# of a loop that runs inside the central manager every 0.1 s (no nsenter per poll). The worker is
# stopped after each measurement. Target (issue 9): median under 2 s and at most 0.75x the seed's
# way's, in the same run.
# JOIN_CONDOR_EXTRA=FILE adds FILE to both kinds' HTCondor configuration (osg-pool --condor-extra),
# e.g. `ALL_DEBUG = D_FULLDEBUG D_SUB_SECOND` to read a join's timeline in the instances' logs
# (KEEP_POOL=1 keeps them: .build/poolN/instances/NAME/upper/var/log/condor).
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-5}
{ [[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -gt 0 ]; } || die "usage: $0 [ROUNDS]"
JOIN_LIMIT=90

# Runs inside the cm: "ready", then the wall time at which the group first showed up.
# shellcheck disable=SC2016
POLLER='g=$1 end=$(( $(date +%s) + $2 )) n=0
echo ready
while [ "$(date +%s)" -lt "$end" ]; do
  n=$((n + 1))
  if [ -n "$(condor_status -const "WorkerGroupName == \"$g\"" -af Name 2>/dev/null)" ]; then
    echo "found $(date +%s.%N) $n"; exit 0
  fi
  sleep 0.1
done
echo "timeout $n"; exit 1'

# measure KIND NAME GROUP: prints "KIND entry->visible cmd->visible polls" (or KIND timeout).
measure() {
  local kind=$1 name=$2 group=$3 out=$WORK/poll-$2 t_cmd t_entry line found_at polls
  "$POOL" cm bash -c "$POLLER" _ "$group" "$JOIN_LIMIT" >"$out" 2>/dev/null &
  local poller=$!
  for _ in $(seq 100); do grep -q ready "$out" 2>/dev/null && break; sleep 0.05; done
  local extra=()
  [ -z "${JOIN_CONDOR_EXTRA:-}" ] || extra=(--condor-extra "$JOIN_CONDOR_EXTRA")
  t_cmd=$(now)
  if [ "$kind" = osg-worker ]; then
    osg_config "$WORK/$name.conf" "$group"
    "$POOL" worker "$name" --config "$WORK/$name.conf" "${extra[@]}" >/dev/null 2>"$WORK/$name.err" || true
  else
    sed -e "s/^WorkerGroupName = .*/WorkerGroupName = \"$group\"/" \
      "$REPO_DIR/testdata/worker-reference.conf" >"$WORK/$name.condor.conf"
    "$POOL" worker "$name" --condor-config "$WORK/$name.condor.conf" --token "$WORK/token" \
      "${extra[@]}" --entrypoint condor_master -f >/dev/null 2>"$WORK/$name.err" || true
  fi
  t_entry=$(stat -c %.9Y "$INSTANCES/$name/pid" 2>/dev/null || echo "$t_cmd")
  wait "$poller" 2>/dev/null || true
  line=$(grep -E '^(found|timeout)' "$out" || echo timeout)
  if [[ $line == found* ]]; then
    read -r _ found_at polls <<<"$line"  # found TIME POLLS
    # Wall times beside the instance's logs, to line up with them (KEEP_POOL=1 keeps both).
    printf 'cmd %s\nentry %s\nvisible %s\n' "$t_cmd" "$t_entry" "$found_at" \
      >"$INSTANCES/$name/join-times" 2>/dev/null || true
    "$PY" -c 'import sys; k,f,e,c,n=sys.argv[1:]; print("%s %.2f %.2f %s" % (k, float(f)-float(e), float(f)-float(c), n))' \
      "$kind" "$found_at" "$t_entry" "$t_cmd" "$polls"
  else
    echo "$kind timeout"
    log "round $round $kind: not visible within ${JOIN_LIMIT}s; last logs:"
    "$POOL" logs "$name" 2>/dev/null | tail -n 20 >&2 || true
  fi
  "$POOL" stop "$name" >/dev/null 2>&1 || true
}

log "pool $OSG_POOL_ID up"
pool_up
(umask 077 && "$POOL" token >"$WORK/token")
BENCH_TOKEN=$(cat "$WORK/token")
: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then kinds=(osg-worker seed); else kinds=(seed osg-worker); fi
  for kind in "${kinds[@]}"; do
    r=$(measure "$kind" "j$round${kind:0:1}" "Bench Join $round $kind")
    log "round $round: $r"
    echo "$round $r" >>"$WORK/results"
  done
done

echo "== join_time: entrypoint start -> ad visible in the collector ($ROUNDS rounds, alternating) =="
printf '%-6s %-11s %18s %18s %6s\n' round kind "entry->visible s" "cmd->visible s" polls
while read -r round kind a b n; do
  printf '%-6s %-11s %18s %18s %6s\n' "$round" "$kind" "$a" "${b:--}" "${n:--}"
done <"$WORK/results"
echo
printf '%-11s %8s %8s %8s %4s   (entry->visible, seconds)\n' kind min median max n
declare -A median
for kind in osg-worker seed; do
  read -r mn md mx n < <(awk -v k="$kind" '$2 == k && $3 != "timeout" {print $3}' "$WORK/results" | stats)
  printf '%-11s %8s %8s %8s %4s\n' "$kind" "$mn" "$md" "$mx" "$n"
  median[$kind]=$md
done
fails=$(grep -c timeout "$WORK/results" || true)
"$PY" -c 'import sys
try: print("ratio of medians osg-worker/seed: %.2f   (target: osg-worker under 2 s and at most 0.75)" % (float(sys.argv[1]) / float(sys.argv[2])))
except (ValueError, ZeroDivisionError): print("ratio of medians: n/a")' "${median[osg-worker]}" "${median[seed]}"
[ "$fails" = 0 ] || echo "timeouts (not visible within ${JOIN_LIMIT}s): $fails"
