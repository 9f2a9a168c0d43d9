#!/usr/bin/env bash
# GPUs, with HTCondor's own detection: `use feature : GPUs` in every worker's configuration. No
# GPU here, so `condor_gpu_discovery -simulate` (Debian's HTCondor has it) stands in for one on
# g1, through a test-only line (GPU_DISCOVERY_EXTRA); c1 is a plain worker. A job with
# `request_gpus = 1` must run on g1 only and see its assignment (_CONDOR_AssignedGPUs,
# CUDA_VISIBLE_DEVICES); a CPU-only job must run on c1, never on g1 while g1's GPU is free (the
# OSPool pilot's rule); and c1's ad must say it has no GPU.
# g1 has DefaultImage and DefaultGPUImage (the cm serves the same Debian 13 SIF under a second
# name, debian-13-gpu.sif, as a stand-in for a CUDA image): having a GPU, it runs every job that
# names no image in the GPU image, and HTCondor gives the GPU job's container --nv.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
echo "GPU_DISCOVERY_EXTRA = -simulate:0,1" >"$WORK/simulated-gpu.conf"
write_config "$WORK/g1.conf" "GLIDEIN_ResourceName = gpu-worker" \
  "DefaultImage = http://cm.osgpool.test/images/debian-13.sif" \
  "DefaultGPUImage = http://cm.osgpool.test/images/debian-13-gpu.sif"
write_config "$WORK/c1.conf" "GLIDEIN_ResourceName = cpu-worker"
"$POOL" worker g1 --config "$WORK/g1.conf" --condor-extra "$WORK/simulated-gpu.conf" >/dev/null
"$POOL" worker c1 --config "$WORK/c1.conf" >/dev/null

listed() { [ -n "$("$POOL" cm condor_status -const "GLIDEIN_ResourceName == \"$1\"" -af Name)" ]; }
wait_until 90 "g1 is listed" listed gpu-worker
wait_until 90 "c1 is listed" listed cpu-worker
gpus() { "$POOL" cm condor_status -const "GLIDEIN_ResourceName == \"$1\"" -af TotalGPUs; }
[ "$(gpus gpu-worker)" = 1 ] || fail "g1 advertises TotalGPUs = $(gpus gpu-worker), not 1"
log "ok: g1 advertises its (simulated) GPU"
validated() { [ "$(ad_of gpu-worker OSG_NODE_VALIDATED)" = true ]; }
ad_of() { "$POOL" cm condor_status -const "GLIDEIN_ResourceName == \"$1\"" -af "$2"; }
wait_until 180 "g1 has fetched and tested its default image" validated
assert_contains "$("$POOL" exec g1 osg-worker status)" "ready: DEBIAN 13 (the GPU image)" \
  "g1's status says it runs the GPU image, having a GPU"
grep -q "default image: fetching http://cm.osgpool.test/images/debian-13-gpu.sif" "$INSTANCES/g1/console.log" ||
  fail "g1 did not fetch DefaultGPUImage"
case $(gpus cpu-worker) in 0 | undefined) log "ok: c1 advertises no GPU" ;;
  *) fail "c1 advertises TotalGPUs = $(gpus cpu-worker)" ;; esac

# The job prints where it ran and what HTCondor assigned it.
"$POOL" cm runuser -u researcher -- sh -c 'mkdir -p ~/jobs && cat >~/jobs/where.sh && chmod 755 ~/jobs/where.sh' <<'JOB'
#!/bin/sh
echo "host=$(hostname)"
echo "assigned=${_CONDOR_AssignedGPUs:-none}"
echo "cuda=${CUDA_VISIBLE_DEVICES:-none}"
echo "container=${APPTAINER_CONTAINER:-none}"
sleep "${1:-5}"
JOB
submit_where() {  # NAME REQUEST_GPUS [SLEEP]: prints the cluster id
  cat >"$WORK/$1.sub" <<SUB
executable = where.sh
arguments = ${3:-5}
+ProjectName = "TG-NNNNNN"
request_cpus = 1
request_memory = 64
request_disk = 1024
$([ "$2" = 0 ] || echo "request_gpus = $2")
should_transfer_files = YES
when_to_transfer_output = ON_EXIT
output = $1.out
log = job.log
queue
SUB
  "$POOL" submit "$WORK/$1.sub"
}
job_output() { "$POOL" cm cat "/home/researcher/jobs/$1.out"; }

# A CPU-only job first, while g1's GPU is free: it can only run on c1.
cpu_job=$(submit_where cpu 0)
wait_until 180 "the CPU-only job completes" job_is "$cpu_job" 4
gpu_job=$(submit_where gpu 1)
wait_until 180 "the GPU job completes" job_is "$gpu_job" 4
gpu_out=$(job_output gpu)
cpu_out=$(job_output cpu)
assert_contains "$gpu_out" "host=g1" "the GPU job ran on g1"
assert_contains "$gpu_out" "assigned=GPU-" "the GPU job sees its assigned GPU ($(grep assigned <<<"$gpu_out"))"
case $gpu_out in *cuda=none*) fail "the GPU job has no CUDA_VISIBLE_DEVICES: $gpu_out" ;; esac
log "ok: the GPU job sees CUDA_VISIBLE_DEVICES ($(grep cuda <<<"$gpu_out"))"
assert_contains "$gpu_out" "container=/var/cache/osg-worker/images/" "the GPU job ran in g1's default (GPU) image"
"$POOL" exec g1 sh -c 'grep -h -- "--nv" /var/log/condor/StarterLog*' | grep -q apptainer ||
  fail "HTCondor did not run the GPU job's container with --nv"
log "ok: HTCondor ran the GPU job's container with --nv"
assert_contains "$cpu_out" "host=c1" "the CPU-only job ran on c1, not on the GPU worker"
# HTCondor hides the GPUs from a job that got none: _CONDOR_AssignedGPUs and CUDA_VISIBLE_DEVICES
# name no device (10000, or unset).
case $cpu_out in *GPU-*) fail "the CPU-only job was given a GPU: $cpu_out" ;; esac
log "ok: the CPU-only job was given no GPU ($(grep cuda <<<"$cpu_out"))"

# With only g1 left, a CPU-only job waits while g1's GPU is free (the pilot's rule)...
"$POOL" stop c1 >/dev/null
wait_until 120 "c1 has left the pool" sh -c "! '$POOL' cm condor_status -const 'GLIDEIN_ResourceName == \"cpu-worker\"' -af Name | grep -q ."
# Once the GPU job's claim is released: a claim the schedd still holds keeps the GPU out of the
# partitionable slot (GPUs = 0 there), which the rule reads as "the GPUs are taken".
gpu_free() {
  [ "$("$POOL" cm condor_status -const 'GLIDEIN_ResourceName == "gpu-worker"' -af GPUs)" = 1 ]
}
wait_until 120 "g1's GPU is back in its partitionable slot, unclaimed" gpu_free
cpu_job2=$(submit_where cpu2 0)
never_within 40 "a CPU-only job starts on the GPU worker while its GPU is free" job_is "$cpu_job2" 2
job_is "$cpu_job2" 1 || fail "the CPU-only job is not waiting in the queue: status $(job_status "$cpu_job2")"
# ... and once a GPU job holds the GPU, the rest of g1's cores take CPU-only jobs.
gpu_job2=$(submit_where gpu2 1 300)
wait_until 120 "a second GPU job runs on g1" job_is "$gpu_job2" 2
wait_until 120 "the waiting CPU-only job starts on g1 once its GPU is taken" job_is "$cpu_job2" 2
"$POOL" cm condor_rm "$cpu_job2" "$gpu_job2" >/dev/null
log PASS
