#!/usr/bin/env bash
# Prometheus metrics of a worker with MetricsPort and MetricsTextfile set: the HTTP endpoint,
# scraped from inside the instance, and the textfile, both parsed with prometheus_client's
# exposition parser, while idle and while a job runs; the endpoint listens on 127.0.0.1 only.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

PORT=9479
PROM=/var/lib/prometheus/node-exporter/osg_worker.prom
URL=http://127.0.0.1:$PORT/metrics
pool_up
write_config "$WORK/w.conf" "IdleTimeout = 30m" "MetricsPort = $PORT" "MetricsTextfile = $PROM"
addr=$("$POOL" worker w1 --config "$WORK/w.conf")

check() {  # SOURCE CHECK...: parse the metrics in the instance and compare
  "$POOL" exec w1 python3 - "$@" <"$E2E_DIR/metrics_check.py"
}
idle_ready() { [ "$(json_field "$(worker_status_json w1)" phase)" = Idle ]; }
wait_until 120 "the worker joined and is Idle" idle_ready

IDLE=('osg_worker_joined=1' 'osg_worker_state{state=Idle}=1' 'osg_worker_state{state=Busy}=0'
  'osg_worker_jobs_running=0' 'osg_worker_slots_claimed=0' 'osg_worker_cores_claimed=0'
  'osg_worker_cores_total=>0' 'osg_worker_shutdown_in_seconds=<1801'
  'osg_worker_shutdown_in_seconds=>0' 'osg_worker_agent_start_time_seconds=>0')
check "$URL" "${IDLE[@]}" || fail "the scrape while idle"
log "ok: the scrape while idle parses: joined, Idle, no job, a shutdown deadline"
wait_until 30 "the textfile says the same" check "$PROM" "${IDLE[@]}"
sleep 3
check "$URL" 'osg_worker_idle_seconds_total=>2' 'osg_worker_busy_seconds_total=0' ||
  fail "idle seconds do not count"
log "ok: idle seconds count, busy seconds do not"

mode=$("$POOL" exec w1 stat -c %a "$PROM")
[ "$mode" = 644 ] || fail "textfile mode $mode"
"$POOL" exec w1 sh -c "ls /var/lib/prometheus/node-exporter" | grep -qv '^osg_worker.prom$' &&
  fail "a temporary file was left beside the textfile"
code=$("$POOL" exec w1 python3 -c "
import urllib.request, urllib.error
try: urllib.request.urlopen('http://127.0.0.1:$PORT/other', timeout=5)
except urllib.error.HTTPError as e: print(e.code)")
[ "$code" = 404 ] || fail "GET /other answered $code"
log "ok: the textfile is 0644 with no temporary file beside it; other paths get 404"

# Bound to loopback only: not reachable on the worker's own address, even from inside, nor from
# the central manager; ss shows 127.0.0.1.
"$POOL" exec w1 ss -ltn | grep -q "127.0.0.1:$PORT " || fail "not listening on 127.0.0.1:$PORT"
"$POOL" exec w1 ss -ltn | grep ":$PORT " | grep -vq "127.0.0.1:$PORT " &&
  fail "listening on another address too"
if "$POOL" exec w1 timeout 5 bash -c "exec 3<>/dev/tcp/$addr/$PORT" 2>/dev/null; then
  fail "the endpoint answers on $addr"
fi
if "$POOL" cm timeout 5 bash -c "exec 3<>/dev/tcp/$addr/$PORT" 2>/dev/null; then
  fail "the central manager reached the endpoint"
fi
log "ok: the endpoint listens on 127.0.0.1 only"

job=$(submit_job TG-NNNNNN 120)
busy() { [ "$(json_field "$(worker_status_json w1)" jobs)" = 1 ]; }
wait_until 180 "the job runs" busy
BUSY=('osg_worker_joined=1' 'osg_worker_state{state=Busy}=1' 'osg_worker_state{state=Idle}=0'
  'osg_worker_jobs_running=1' 'osg_worker_slots_claimed=1' 'osg_worker_cores_claimed=1'
  'osg_worker_jobs_total=1')
check "$URL" "${BUSY[@]}" || fail "the scrape while busy"
log "ok: the scrape while busy parses: Busy, 1 job, 1 slot and 1 core claimed, 1 job in total"
wait_until 30 "the textfile says the same" check "$PROM" "${BUSY[@]}"
"$POOL" exec w1 python3 - "$URL" 'osg_worker_shutdown_in_seconds=0' <"$E2E_DIR/metrics_check.py" \
  >"$WORK/out" 2>&1 || true
grep -q "osg_worker_shutdown_in_seconds missing" "$WORK/out" ||
  fail "a busy worker has a shutdown deadline: $(cat "$WORK/out")"
log "ok: no shutdown deadline while busy"
sleep 3
check "$URL" 'osg_worker_busy_seconds_total=>2' || fail "busy seconds do not count"
[ "$(job_status "$job")" = 2 ] || fail "the job is no longer running"
log PASS
