#!/usr/bin/env bash
# GCE self-deletion, end to end in the image: `osg-worker cloud-test gce-delete` against the test
# metadata server and Compute API (tests/cloud/gce_test.py, gce_server.py) through every error
# path, in a private network namespace so that only its own loopback is reachable. Needs no pool.
set -euo pipefail
SAY_NAME=gce_delete
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/../../tools/lib.sh"

main() {
  ensure_host_root
  in_image unshare --net -- bash -c 'ip link set lo up &&
    exec python3 /usr/src/osg-worker/tests/cloud/gce_test.py' || err "the GCE test failed"
  say PASS
}

main "$@"
