#!/usr/bin/env bash
# container_start.sh [JOBS=10]: what a container costs a job's start. Two workers: "box" with
# DefaultImage = the central manager's Debian 13 SIF (fetched and tested once at its start, so
# every job finds it cached) and "bare" with none. JOBS jobs of each kind, alternating, one at a
# time, the same script naming no image:
#   container  on box: HTCondor runs it in the default image through Apptainer
#   bare       on bare: HTCondor runs it on the host, as without containers
# Each job prints its wall time (date +%s.%N) as its first act. The start overhead of a job is
# that time minus the moment its condor_starter started (the starter's first log line, with
# D_SUB_SECOND), i.e. from the claim's activation to the job's own first instruction. Target
# (issue 10): the container's median at most 1 s above the bare median, in the same run.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

JOBS=${1:-10}
{ [[ $JOBS =~ ^[0-9]+$ ]] && [ "$JOBS" -gt 0 ]; } || die "usage: $0 [JOBS]"
IMAGE_URL=http://cm.osgpool.test/images/debian-13.sif

log "pool $OSG_POOL_ID up"
pool_up
"$POOL" cm test -s /srv/www/images/debian-13.sif || die "the cm serves no image: run tools/image"
echo "STARTER_DEBUG = D_SUB_SECOND" >"$WORK/subsecond.conf"
# START_CONDOR_EXTRA=FILE adds HTCondor settings to both workers (e.g. to compare
# SINGULARITY_RUN_TEST_BEFORE_JOB = False).
[ -z "${START_CONDOR_EXTRA:-}" ] || cat "$START_CONDOR_EXTRA" >>"$WORK/subsecond.conf"
osg_config "$WORK/box.conf" "Bench Containers" "GLIDEIN_ResourceName = box" "DefaultImage = $IMAGE_URL" \
  "IdleTimeout = 1h"
osg_config "$WORK/bare.conf" "Bench Containers" "GLIDEIN_ResourceName = bare" "IdleTimeout = 1h"
"$POOL" worker box --config "$WORK/box.conf" --condor-extra "$WORK/subsecond.conf" >/dev/null
"$POOL" worker bare --config "$WORK/bare.conf" --condor-extra "$WORK/subsecond.conf" >/dev/null
end=$((SECONDS + 240))
until [ "$("$POOL" cm condor_status -const 'GLIDEIN_ResourceName == "box"' -af OSG_NODE_VALIDATED 2>/dev/null)" = true ] &&
  [ -n "$("$POOL" cm condor_status -const 'GLIDEIN_ResourceName == "bare"' -af Name 2>/dev/null)" ]; do
  [ "$SECONDS" -lt "$end" ] || die "the workers did not join with a tested default image in 240 s"
  sleep 1
done
log "both workers joined; box's default image is cached and tested"

"$POOL" cm runuser -u researcher -- sh -c 'mkdir -p ~/jobs && cat >~/jobs/stamp.sh && chmod 755 ~/jobs/stamp.sh' <<'JOB'
#!/bin/sh
date +%s.%N
JOB

# run_job KIND N: submits one job to the KIND worker, waits for it, prints "KIND N seconds".
run_job() {
  local kind=$1 n=$2 worker cluster t_job t_starter
  if [ "$kind" = container ]; then worker=box; else worker=bare; fi
  cat >"$WORK/job.sub" <<SUB
executable = stamp.sh
+ProjectName = "TG-NNNNNN"
requirements = TARGET.GLIDEIN_ResourceName == "$worker"
request_cpus = 1
request_memory = 64
request_disk = 100000
should_transfer_files = YES
when_to_transfer_output = ON_EXIT
output = stamp-$kind-$n.out
log = stamp.log
queue
SUB
  cluster=$("$POOL" submit "$WORK/job.sub")
  local end=$((SECONDS + 180))
  until [ "$("$POOL" cm condor_history "$cluster" -af JobStatus -limit 1 2>/dev/null)" = 4 ]; do
    [ "$SECONDS" -lt "$end" ] || { echo "$kind $n timeout"; return; }
    sleep 0.5
  done
  t_job=$("$POOL" cm cat "/home/researcher/jobs/stamp-$kind-$n.out" | head -n1)
  # The last starter that started before the job's first instruction is the job's own.
  t_starter=$("$POOL" exec "$worker" python3 -c '
import datetime, glob, re, sys
job = float(sys.argv[1])
best = None
for path in glob.glob("/var/log/condor/StarterLog.slot*"):
    for line in open(path, errors="replace"):
        if "STARTING UP" not in line:
            continue
        m = re.match(r"(\d\d/\d\d/\d\d \d\d:\d\d:\d\d\.\d+)", line)
        if not m:
            continue
        t = datetime.datetime.strptime(m.group(1), "%m/%d/%y %H:%M:%S.%f").timestamp()
        if t <= job and (best is None or t > best):
            best = t
print("%.3f" % best if best is not None else "none")' "$t_job")
  if [ "$t_starter" = none ]; then echo "$kind $n nostarter"; return; fi
  "$PY" -c 'import sys; print("%s %s %.3f" % (sys.argv[1], sys.argv[2], float(sys.argv[3]) - float(sys.argv[4])))' \
    "$kind" "$n" "$t_job" "$t_starter"
}

: >"$WORK/results"
for n in $(seq "$JOBS"); do
  if [ $((n % 2)) = 1 ]; then kinds=(container bare); else kinds=(bare container); fi
  for kind in "${kinds[@]}"; do
    r=$(run_job "$kind" "$n")
    log "$r"
    echo "$r" >>"$WORK/results"
  done
done

echo "== container_start: the job's starter start -> the job's first instruction ($JOBS jobs each, alternating, image cached) =="
printf '%-10s %8s %8s %8s %4s   (seconds)\n' kind min median max n
declare -A median
for kind in bare container; do
  read -r mn md mx n < <(awk -v k="$kind" '$1 == k && $3 ~ /^[0-9.]+$/ {print $3}' "$WORK/results" | stats)
  printf '%-10s %8s %8s %8s %4s\n' "$kind" "$mn" "$md" "$mx" "$n"
  median[$kind]=$md
done
"$PY" -c 'import sys
try: print("container overhead (difference of medians): %.2f s   (target: under 1 s)" % (float(sys.argv[1]) - float(sys.argv[2])))
except ValueError: print("container overhead: n/a")' "${median[container]}" "${median[bare]}"
failed=$(awk '$3 !~ /^[0-9.]+$/' "$WORK/results" | wc -l)
[ "$failed" = 0 ] || echo "jobs not measured (timeout or no starter log): $failed"
