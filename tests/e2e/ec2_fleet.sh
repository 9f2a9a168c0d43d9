#!/usr/bin/env bash
# The owner's EC2 fleet client, end to end in the image: `osg-worker cloud-test fleet --cloud ec2`
# against moto's server with SigV4 and IAM checking on (tests/cloud/ec2_fleet_test.py): prepare,
# create, list, delete, with boto3 inspecting what was made, in a private network namespace so
# that only its own loopback is reachable. Needs no pool.
set -euo pipefail
SAY_NAME=ec2_fleet
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/../../tools/lib.sh"

main() {
  ensure_host_root
  in_image unshare --net -- bash -c 'ip link set lo up &&
    exec python3 /usr/src/osg-worker/tests/cloud/ec2_fleet_test.py' ||
    err "the EC2 fleet test failed"
  say PASS
}

main "$@"
