#!/usr/bin/env bash
# EC2 self-termination, end to end in the image: `osg-worker cloud-test ec2-terminate` against
# moto's server with SigV4 checking on and a small IMDSv2 server (tests/cloud/ec2_test.py), in a
# private network namespace so that only its own loopback is reachable. Needs no pool.
set -euo pipefail
SAY_NAME=ec2_terminate
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/../../tools/lib.sh"

main() {
  ensure_host_root
  in_image unshare --net -- bash -c 'ip link set lo up &&
    exec python3 /usr/src/osg-worker/tests/cloud/ec2_test.py' || err "the EC2 test failed"
  say PASS
}

main "$@"
