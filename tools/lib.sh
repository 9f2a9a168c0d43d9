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

# in_root DIR [--bind SRC DEST] CMD...: runs CMD chrooted in DIR with /proc, /dev, /sys and a
# fresh /run and /tmp (Apptainer needs /tmp to be a mount of its own), and SRC bound at DEST if
# given, in a private mount namespace so that nothing stays mounted when CMD ends.
in_root() {
  local root=$1 bind_src='' bind_dest=''; shift
  if [ "${1:-}" = --bind ]; then bind_src=$2 bind_dest=$3; shift 3; fi
  # shellcheck disable=SC2016  # the program's $ are its own: bash -c gets the root and CMD as arguments
  unshare --mount --propagation private --fork -- bash -c '
    set -e; r=$1 src=$2 dest=$3; shift 3
    mount --rbind /dev "$r/dev"
    mount -t proc proc "$r/proc"
    mount --rbind /sys "$r/sys"
    mount -t tmpfs -o mode=755 tmpfs "$r/run"
    mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
    if [ -n "$src" ]; then mkdir -p "$r$dest"; mount --bind "$src" "$r$dest"; fi
    exec chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 "$@"' _ "$root" "$bind_src" "$bind_dest" "$@"
}

# in_image CMD...: runs CMD in the test image.
in_image() {
  [ -x "$IMAGE_DIR/usr/local/bin/osg-worker" ] || err "no image yet: run tools/image first"
  in_root "$IMAGE_DIR" "$@"
}
