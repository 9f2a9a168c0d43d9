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
# For osg-worker, the poller then waits for HAS_SINGULARITY (HTCondor's Apptainer probe, in the
# ad) and, with JOIN_DEFAULT_IMAGE=URL (added to its config as DefaultImage), for
# OSG_NODE_VALIDATED (the default image fetched and tested): both are reported from the entry too.
# JOIN_CONDOR_EXTRA=FILE adds FILE to both kinds' HTCondor configuration (osg-pool --condor-extra),
# e.g. `ALL_DEBUG = D_FULLDEBUG D_SUB_SECOND` to read a join's timeline in the instances' logs
# (KEEP_POOL=1 keeps them: .build/poolN/instances/NAME/upper/var/log/condor).
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-5}
{ [[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -gt 0 ]; } || die "usage: $0 [ROUNDS]"
JOIN_LIMIT=90

# Runs inside the cm: "ready", then the wall time at which the group first showed up, then (with
# more arguments) the wall time at which each further attribute first was true in its ad.
# shellcheck disable=SC2016
POLLER='g=$1 end=$(( $(date +%s) + $2 )) n=0; shift 2
echo ready
until [ -n "$(condor_status -const "WorkerGroupName == \"$g\"" -af Name 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$end" ] || { echo "timeout $n"; exit 1; }
  n=$((n + 1)); sleep 0.1
done
echo "found $(date +%s.%N) $n"
for attr in "$@"; do
  until [ -n "$(condor_status -const "WorkerGroupName == \"$g\" && $attr =?= true" -af Name 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$end" ] || { echo "$attr never"; continue 2; }
    sleep 0.1
  done
  echo "$attr $(date +%s.%N)"
done'

# measure KIND NAME GROUP: prints "KIND entry->visible cmd->visible polls" (or KIND timeout).
measure() {
  local kind=$1 name=$2 group=$3 out=$WORK/poll-$2 t_cmd t_entry line found_at polls attrs=()
  if [ "$kind" = osg-worker ]; then
    attrs=(HAS_SINGULARITY)
    [ -z "${JOIN_DEFAULT_IMAGE:-}" ] || attrs+=(OSG_NODE_VALIDATED)
  fi
  "$POOL" cm bash -c "$POLLER" _ "$group" "$JOIN_LIMIT" "${attrs[@]}" >"$out" 2>/dev/null &
  local poller=$!
  for _ in $(seq 100); do grep -q ready "$out" 2>/dev/null && break; sleep 0.05; done
  local extra=()
  [ -z "${JOIN_CONDOR_EXTRA:-}" ] || extra=(--condor-extra "$JOIN_CONDOR_EXTRA")
  t_cmd=$(now)
  if [ "$kind" = osg-worker ]; then
    osg_config "$WORK/$name.conf" "$group" ${JOIN_DEFAULT_IMAGE:+"DefaultImage = $JOIN_DEFAULT_IMAGE"}
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
    local later
    later=$(awk -v e="$t_entry" '$1 == "HAS_SINGULARITY" || $1 == "OSG_NODE_VALIDATED" {printf " %s=%.2f", $1, $2 - e}' "$out")
    "$PY" -c 'import sys; k,f,e,c,n=sys.argv[1:6]; print("%s %.2f %.2f %s%s" % (k, float(f)-float(e), float(f)-float(c), n, sys.argv[6]))' \
      "$kind" "$found_at" "$t_entry" "$t_cmd" "$polls" "$later"
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
while read -r round kind a b n rest; do
  printf '%-6s %-11s %18s %18s %6s %s\n' "$round" "$kind" "$a" "${b:--}" "${n:--}" "${rest:-}"
done <"$WORK/results"
echo
printf '%-11s %8s %8s %8s %4s   (entry->visible, seconds)\n' kind min median max n
declare -A median
for kind in osg-worker seed; do
  read -r mn md mx n < <(awk -v k="$kind" '$2 == k && $3 != "timeout" {print $3}' "$WORK/results" | stats)
  printf '%-11s %8s %8s %8s %4s\n' "$kind" "$mn" "$md" "$mx" "$n"
  median[$kind]=$md
done
for attr in HAS_SINGULARITY OSG_NODE_VALIDATED; do
  read -r mn md mx n < <(grep -o "$attr=[0-9.]*" "$WORK/results" | cut -d= -f2 | stats)
  [ "$n" = 0 ] || printf '%-11s %8s %8s %8s %4s   (entry->%s true in the ad, osg-worker)\n' \
    "" "$mn" "$md" "$mx" "$n" "$attr"
done
fails=$(grep -c timeout "$WORK/results" || true)
"$PY" -c 'import sys
try: print("ratio of medians osg-worker/seed: %.2f   (target: osg-worker under 2 s and at most 0.75)" % (float(sys.argv[1]) / float(sys.argv[2])))
except (ValueError, ZeroDivisionError): print("ratio of medians: n/a")' "${median[osg-worker]}" "${median[seed]}"
[ "$fails" = 0 ] || echo "timeouts (not visible within ${JOIN_LIMIT}s): $fails"
