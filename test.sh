#!/usr/bin/env bash
# Runs every test of the project, from a fresh Debian 12 machine, as root: installs mmdebstrap,
# builds the Debian 13 image with HTCondor (tools/image), runs the unit tests inside it, then the
# end-to-end tests on a real local HTCondor pool. Prints "N passed, N failed" last.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec tools/run-tests "$@"
