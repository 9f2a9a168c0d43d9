#!/usr/bin/env bash
# Runs every test of the project, from a fresh Debian 12 machine, as root: installs what it needs
# from Debian's archive (mmdebstrap, qemu and the rest), builds the Debian 13 image with HTCondor
# (tools/image), then runs shellcheck, the unit tests under ASan and the fuzz corpora inside it,
# the end-to-end tests on real local HTCondor pools and the VM tests on the cloud image under
# qemu (tools/run-tests). Prints "N passed, N failed" last.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec tools/run-tests "$@"
