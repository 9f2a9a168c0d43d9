#!/usr/bin/env bash
# Jobs in Apptainer containers, the HTCondor way, on the local pool with real Apptainer (Debian
# unstable's, pinned) and the Debian 13 SIF that the central manager serves over HTTP
# (http://cm.osgpool.test/images/debian-13.sif, built by tools/image).
# - c1 has DefaultImage = that URL: it fetches it once, tests it as nobody, and advertises what
#   OSPool jobs ask for (HAS_SINGULARITY, SINGULARITY_CAN_USE_SIF, OSG_OS_STRING "DEBIAN 13",
#   OSG_NODE_VALIDATED, GLIDEIN_Country).
# - A container-universe job with container_image = the URL, a vanilla job with
#   +SingularityImage naming the image it brings, and a job naming no image (the default image)
#   all run in the container; none of them can read the config, the token or a cloud
#   credential, or reach the metadata address.
# - A job whose image lies under /cvmfs (no CVMFS here) never starts.
# - b1's DefaultImage cannot be fetched, and h1's is a web page, not a SIF: status and the ad say
#   why, and a job naming no image never starts on b1.
# Test-bed note: instances pivot_root into their overlay (tools/pool/instance-setup), as a VM's
# root is its own; Apptainer refuses a chroot.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

CM=10.111.0.2
IMAGE_URL=http://cm.osgpool.test/images/debian-13.sif
pool_up
"$POOL" cm test -s /srv/www/images/debian-13.sif || fail "the cm serves no image (tools/image builds it)"

# The metadata stand-in, as in job_isolation.sh: reachable for root on the worker, not for jobs.
"$POOL" cm ip addr add 169.254.169.254/32 dev eth0
"$POOL" cm python3 -m http.server --bind 169.254.169.254 8080 >/dev/null 2>&1 &

write_config "$WORK/c1.conf" "GLIDEIN_ResourceName = container-worker" "DefaultImage = $IMAGE_URL" \
  "IdleTimeout = 30m"
write_config "$WORK/b1.conf" "GLIDEIN_ResourceName = broken-image-worker" \
  "DefaultImage = http://cm.osgpool.test/images/missing.sif" "IdleTimeout = 30m"
# The image server's directory listing: an HTML page, not a SIF.
write_config "$WORK/h1.conf" "GLIDEIN_ResourceName = html-image-worker" \
  "DefaultImage = http://cm.osgpool.test/images/" "IdleTimeout = 30m"
"$POOL" worker c1 --config "$WORK/c1.conf" >/dev/null
"$POOL" worker b1 --config "$WORK/b1.conf" >/dev/null
"$POOL" worker h1 --config "$WORK/h1.conf" >/dev/null
"$POOL" exec c1 ip route add 169.254.169.254/32 via "$CM"
# A cloud credential as user-data leaves it (root-only): no job may read it, in a container or not.
"$POOL" exec c1 sh -c 'umask 077 && mkdir -p /etc/osg-worker &&
  echo OS_APPLICATION_CREDENTIAL_SECRET=not-for-jobs >/etc/osg-worker/cloud.env'
"$POOL" exec c1 test -s /etc/osg-worker/cloud.env || fail "no cloud.env on c1: the check below would prove nothing"
# Root on the worker reaches it: what stops a job is the job firewall, not the network.
wait_until 30 "root on c1 reaches the metadata stand-in" \
  "$POOL" exec c1 timeout 5 bash -c 'exec 3<>/dev/tcp/169.254.169.254/8080'

ad() {  # RESOURCE ATTR
  "$POOL" cm condor_status -const "GLIDEIN_ResourceName == \"$1\"" -af "$2" 2>/dev/null
}
validated() { [ "$(ad container-worker OSG_NODE_VALIDATED)" = true ]; }
wait_until 180 "c1 has fetched and tested its default image" validated
for pair in "HAS_SINGULARITY=true" "SINGULARITY_CAN_USE_SIF=true" "OSG_OS_STRING=DEBIAN 13" \
  "OSG_OS_NAME=DEBIAN" "OSG_OS_VERSION=13" "OSGVO_OS_STRING=DEBIAN 13" "GLIDEIN_Country=US" \
  "HasSIF=true"; do
  [ "$(ad container-worker "${pair%%=*}")" = "${pair#*=}" ] ||
    fail "c1 advertises ${pair%%=*} = '$(ad container-worker "${pair%%=*}")', not '${pair#*=}'"
done
log "ok: c1 advertises HAS_SINGULARITY, SINGULARITY_CAN_USE_SIF, OSG_OS_STRING \"DEBIAN 13\", OSG_NODE_VALIDATED"
assert_contains "$("$POOL" exec c1 osg-worker status)" "image:      ready: DEBIAN 13" \
  "c1's status says its default image is ready"
grep -q "default image: fetching $IMAGE_URL" "$INSTANCES/c1/console.log" ||
  fail "c1's log does not say that it fetched the image"

has_attr() { local v; v=$(ad "$1" "$2"); [ -n "$v" ] && [ "$v" != undefined ]; }  # RESOURCE ATTR
problem() { has_attr broken-image-worker OSGWorkerImageProblem; }
wait_until 120 "b1 advertises why its default image is not usable" problem
assert_contains "$(ad broken-image-worker OSGWorkerImageProblem)" "cannot fetch http://cm.osgpool.test/images/missing.sif" \
  "b1's ad names the image it could not fetch"
assert_contains "$("$POOL" exec b1 osg-worker status)" "image:      NOT USABLE: cannot fetch" \
  "b1's status says why its default image is not usable"
html_problem() { has_attr html-image-worker OSGWorkerImageProblem; }
wait_until 120 "h1 advertises why its default image is not usable" html_problem
assert_contains "$("$POOL" exec h1 osg-worker status)" "is not a SIF image" \
  "h1's status says that what its URL serves is not a SIF"
"$POOL" stop h1 >/dev/null

# Each job prints where it runs from inside, and what it can reach.
"$POOL" cm runuser -u researcher -- sh -c 'mkdir -p ~/jobs && cat >~/jobs/inside.sh && chmod 755 ~/jobs/inside.sh' <<'JOB'
#!/bin/sh
echo "container=${APPTAINER_CONTAINER:-none}"
echo "cwd=$(pwd)"
. /etc/os-release && echo "os=$ID $VERSION_ID"
try() { if "$@" >/dev/null 2>&1; then echo "$1 $2: YES"; else echo "$1 $2: no"; fi; }
try cat /etc/osg-worker.conf
try cat /etc/osg-worker/cloud.env
try ls /etc/condor/tokens.d
try cat /var/lib/osg-worker/ledger.jsonl
if timeout 5 bash -c 'exec 3<>/dev/tcp/169.254.169.254/8080' 2>/dev/null; then
  echo "metadata: YES"; else echo "metadata: no"; fi
JOB
submit_inside() {  # NAME RESOURCE EXTRA-SUBMIT-LINES
  cat >"$WORK/$1.sub" <<SUB
executable = inside.sh
+ProjectName = "TG-NNNNNN"
requirements = TARGET.GLIDEIN_ResourceName == "$2"
request_cpus = 1
request_memory = 128
request_disk = 200000
should_transfer_files = YES
when_to_transfer_output = ON_EXIT
output = $1.out
error = $1.err
log = job.log
$3
queue
SUB
  "$POOL" submit "$WORK/$1.sub"
}
job_output() { "$POOL" cm cat "/home/researcher/jobs/$1.out"; }

url_job=$(submit_inside url container-worker "universe = container
container_image = $IMAGE_URL")
sing_job=$(submit_inside sing container-worker "+SingularityImage = \"debian-13.sif\"
transfer_input_files = $IMAGE_URL")
default_job=$(submit_inside default container-worker "")
for job in "$url_job" "$sing_job" "$default_job"; do
  wait_until 300 "job $job completes" job_is "$job" 4
done
for name in url sing default; do
  out=$(job_output "$name")
  assert_contains "$out" "os=debian 13" "the $name job ran in Debian 13"
  case $out in *"container=none"*) fail "the $name job did not run in a container: $out" ;; esac
  assert_contains "$out" "cwd=/srv" "the $name job's sandbox is /srv (SINGULARITY_TARGET_DIR)"
  for denied in "cat /etc/osg-worker.conf: no" "cat /etc/osg-worker/cloud.env: no" "ls /etc/condor/tokens.d: no" \
    "cat /var/lib/osg-worker/ledger.jsonl: no" "metadata: no"; do
    assert_contains "$out" "$denied" "the $name job: $denied"
  done
done
assert_contains "$(job_output default)" "container=/var/cache/osg-worker/images/" \
  "the job naming no image ran in the default image, from the cache"
log "ok: container_image by URL, +SingularityImage and the default image each ran a job in Debian 13, fenced"

# No black holes: these must never start.
cvmfs_job=$(submit_inside cvmfs container-worker "+SingularityImage = \"/cvmfs/singularity.opensciencegrid.org/htc/rocky:9\"")
bare_on_broken=$(submit_inside bare broken-image-worker "")
never_within 30 "a job with an image under /cvmfs starts (no CVMFS here)" \
  bash -c "[ \"\$(\"$POOL\" cm condor_q $cvmfs_job -af JobStatus)\" != 1 ]"
never_within 5 "a job naming no image starts on b1, whose default image is not usable" \
  bash -c "[ \"\$(\"$POOL\" cm condor_q $bare_on_broken -af JobStatus)\" != 1 ]"
log "ok: neither the /cvmfs job nor the job needing b1's unusable default image ever started"
"$POOL" cm condor_rm "$cvmfs_job" "$bare_on_broken" >/dev/null
log PASS
