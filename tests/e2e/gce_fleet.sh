#!/usr/bin/env bash
# The owner's GCE fleet client, end to end in the image: `osg-worker cloud-test fleet --cloud gce`
# against the test Compute API and OAuth token endpoint (tests/cloud/gce_fleet_test.py,
# gce_server.py): prepare, create, list, delete, the JWT bearer grant and the Operation's errors,
# in a private network namespace so that only its own loopback is reachable. Needs no pool.
set -euo pipefail
SAY_NAME=gce_fleet
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/../../tools/lib.sh"

main() {
  ensure_host_root
  in_image unshare --net -- bash -c 'ip link set lo up &&
    exec python3 /usr/src/osg-worker/tests/cloud/gce_fleet_test.py' ||
    err "the GCE fleet test failed"
  say PASS
}

main "$@"
