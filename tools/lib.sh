# Shared helpers for the project's shell tools. Source it; it defines functions only.
# shellcheck shell=bash

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_ROOT=${OSG_BUILD_ROOT:-$REPO_DIR/.build}
IMAGE_DIR=$BUILD_ROOT/rootfs

say() { printf '%s: %s\n' "${SAY_NAME:-osg}" "$*"; }
err() { printf '%s: error: %s\n' "${SAY_NAME:-osg}" "$*" >&2; exit 1; }
ensure() { "$@" || err "command failed: $*"; }

ensure_host_root() {
  [ "$(id -u)" = 0 ] || err "run as root (chroot and network namespaces need it)"
}

# in_root DIR CMD...: runs CMD chrooted in DIR with /proc, /dev, /sys and a fresh /run and /tmp,
# in a private mount namespace so that nothing stays mounted when CMD ends.
in_root() {
  local root=$1; shift
  # shellcheck disable=SC2016  # the program's $ are its own: bash -c gets the root and CMD as arguments
  unshare --mount --propagation private --fork -- bash -c '
    set -e; r=$1; shift
    mount --rbind /dev "$r/dev"
    mount -t proc proc "$r/proc"
    mount --rbind /sys "$r/sys"
    mount -t tmpfs -o mode=755 tmpfs "$r/run"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 "$@"' _ "$root" "$@"
}

# in_image CMD...: runs CMD in the test image.
in_image() {
  [ -x "$IMAGE_DIR/usr/local/bin/osg-worker" ] || err "no image yet: run tools/image first"
  in_root "$IMAGE_DIR" "$@"
}
