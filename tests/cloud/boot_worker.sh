#!/usr/bin/env bash
# The test OpenStack's hypervisor (tests/cloud/openstack_server.py --boot): boots server HOSTNAME
# as a worker instance of the local pool (OSG_POOL_ID, inherited) that runs the user-data script
# the create call carried, then osg-worker. Prints the instance's address, last.
# usage: boot_worker.sh HOSTNAME USER_DATA_FILE
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
args=(worker "$1" --user-data "$2")
# Test-only HTCondor settings for every booted worker (shorter timeouts), as the tests give them.
[ -z "${BOOT_CONDOR_EXTRA:-}" ] || args+=(--condor-extra "$BOOT_CONDOR_EXTRA")
exec "$repo/tools/osg-pool" "${args[@]}"
