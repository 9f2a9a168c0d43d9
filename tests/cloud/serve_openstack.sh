#!/usr/bin/env bash
# Runs the test OpenStack (openstack_server.py) for a local pool (OSG_POOL_ID), on this host in
# the central manager's network namespace, at the cm's address, port 8780: the pool's workers
# reach it there, and its hypervisor (boot_worker.sh; osg-pool stop) can start and stop the
# pool's instances. Blocks; run it in the background. STATE_DIR gets server-id and credential.
# usage: serve_openstack.sh STATE_DIR [--quota N]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=${1:?usage: serve_openstack.sh STATE_DIR [--quota N]}
shift
exec nsenter --net="/run/netns/osgp${OSG_POOL_ID:-}-cm" python3 "$here/openstack_server.py" \
  serve 10.111.0.2 8780 "$state" --boot "bash $here/boot_worker.sh" \
  --stop "$here/../../tools/osg-pool stop" "$@"
