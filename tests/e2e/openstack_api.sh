#!/usr/bin/env bash
# OpenStack self-removal, end to end in the image: `osg-worker cloud-test openstack` against the
# test cloud (tests/cloud/openstack_server.py: Keystone v3, Nova, the metadata service) through
# every error path, in a private network namespace with only its own loopback. Needs no pool.
set -euo pipefail
SAY_NAME=openstack_api
# shellcheck source=tools/lib.sh
. "$(dirname "$0")/../../tools/lib.sh"

main() {
  ensure_host_root
  in_image unshare --net -- bash -c 'ip link set lo up &&
    exec python3 /usr/src/osg-worker/tests/cloud/openstack_test.py' || err "the OpenStack test failed"
  say PASS
}

main "$@"
