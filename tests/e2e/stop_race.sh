#!/usr/bin/env bash
# The stop race on a real pool: jobs are submitted at random offsets around each worker's idle
# deadline (with condor_reschedule, so the claim lands about a second later), over several
# rounds of parallel workers. Every job must either complete or never start: a job that started
# and did not complete was killed by our shutdown. The count of such jobs must be zero.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${RACE_ROUNDS:-6}
WORKERS=${RACE_WORKERS:-4}
TIMEOUT=45  # the status poll (nsenter, seconds each on a loaded machine) must see the deadline before it passes
pool_up

# race_job NAME PROJECT: waits for NAME's idle deadline, then submits at a random offset in
# [-6 s, +1 s] around it (a claim lands 1-3 s after the submission). Prints "cluster offset".
race_job() {
  local name=$1 project=$2 json='' deadline='' offset cluster end=$((SECONDS + 240))
  # Up to 4 minutes for the worker to join and report its deadline (a loaded CI machine is slow),
  # and no longer once it has shut down. The last answer stays for the failure message.
  while [ -z "$deadline" ] && [ "$SECONDS" -lt "$end" ] && ! shutdown_happened "$name"; do
    json=$(worker_status_json "$name" 2>&1) || true
    deadline=$(json_field "$json" shutdown_at 2>/dev/null) || deadline=''
    [ -n "$deadline" ] || sleep 0.5
  done
  printf '%s\n' "$json" >"$WORK/$name.last-status"
  [ -n "$deadline" ] || { echo "none none"; return; }
  offset=$((RANDOM % 8 - 6))
  sleep "$(python3 -c "import time; print(max(0, $deadline + $offset - time.time()))")"
  cluster=$("$POOL" submit --project "$project" --sleep 8)
  "$POOL" cm condor_reschedule >/dev/null 2>&1 || true
  echo "$cluster $offset"
}

# classify CLUSTER -> completed | never-started | killed
classify() {
  local status starts
  status=$(job_status "$1")
  starts=$("$POOL" cm condor_q "$1" -af NumJobStarts 2>/dev/null)
  [ -n "$starts" ] || starts=$("$POOL" cm condor_history "$1" -af NumJobStarts -limit 1 2>/dev/null)
  if [ "$status" = 4 ]; then echo completed
  elif [ "$status" = 1 ] && [ "${starts:-0}" = 0 ]; then echo never-started
  else echo "killed(status=$status,starts=$starts)"
  fi
}

declare -A outcome_count=()
killed=0
for round in $(seq "$ROUNDS"); do
  names=()
  for i in $(seq "$WORKERS"); do
    name="r${round}w$i"
    write_config "$WORK/$name.conf" "IdleTimeout = ${TIMEOUT}s"
    sed -i "s/^Start = .*/Start = TARGET.ProjectName == \"RACE-$name\"/" "$WORK/$name.conf"
    "$POOL" worker "$name" --config "$WORK/$name.conf" >/dev/null
    names+=("$name")
  done
  for name in "${names[@]}"; do race_job "$name" "RACE-$name" >"$WORK/$name.job" & done
  wait
  for name in "${names[@]}"; do
    wait_until 120 "$name shut down" shutdown_happened "$name"
  done
  for name in "${names[@]}"; do
    read -r cluster offset <"$WORK/$name.job"
    [ "$cluster" != none ] ||
      fail "$name never reported an idle deadline; its last status: $(tail -c 600 "$WORK/$name.last-status")"
    result=$(classify "$cluster")
    log "round $round $name: job submitted at deadline${offset}s -> $result"
    outcome_count[$result]=$(( ${outcome_count[$result]:-0} + 1 ))
    case $result in killed*) killed=$((killed + 1)) ;; esac
    if grep -q "a claim won the race" "$INSTANCES/$name/console.log"; then
      log "round $round $name: a claim won the race with the stop"
      outcome_count[race-won-by-claim]=$(( ${outcome_count[race-won-by-claim]:-0} + 1 ))
    fi
    "$POOL" stop "$name" >/dev/null 2>&1 || true
  done
done
for result in "${!outcome_count[@]}"; do log "outcome $result: ${outcome_count[$result]}"; done
[ "$killed" = 0 ] || fail "$killed job(s) were killed by our shutdown"
log "ok: $((ROUNDS * WORKERS)) jobs around the idle deadline, none killed by our shutdown"
log PASS
