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

# missing_host_packages PACKAGE:COMMAND...: the packages whose command the host lacks, a line each.
missing_host_packages() {
  local pair
  for pair in "$@"; do command -v "${pair#*:}" >/dev/null || echo "${pair%%:*}"; done
}

# ensure_host_packages [--with-recommends] PACKAGE:COMMAND...: installs from Debian's archive the
# packages whose command the host lacks, under one lock for every tool: tools that start together
# (the suite's two VM lanes on a fresh machine) wait for each other instead of failing on apt's
# own lock, and the second finds the packages there.
ensure_host_packages() {
  local apt_options=(--no-install-recommends) missing=() lock
  if [ "${1:-}" = --with-recommends ]; then apt_options=(); shift; fi
  [ -n "$(missing_host_packages "$@")" ] || return 0
  [ "$(id -u)" = 0 ] ||
    err "missing on the host: $(missing_host_packages "$@" | xargs); install them, or run this as root"
  exec {lock}>/run/osg-host-packages.lock
  flock "$lock"
  mapfile -t missing < <(missing_host_packages "$@")
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing on the host: ${missing[*]}" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${apt_options[@]}" "${missing[@]}" >/dev/null
  fi
  exec {lock}>&-
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
  [ -x "$IMAGE_DIR/usr/bin/osg-worker" ] || err "no image yet: run tools/image first"
  in_root "$IMAGE_DIR" "$@"
}

# control_packages FIELD...: the package names in those fields of debian/control (no versions,
# no ${substitutions}, no comments), one per line.
control_packages() {
  local fields
  fields=$(printf '%s|' "$@")
  awk -v fields="^(${fields%|}):" '
    /^#/ { next }
    /^[A-Za-z-]+:/ { on = ($0 ~ fields); sub(/^[A-Za-z-]+:/, "") }
    /^[^ \t#]/ && !/^[A-Za-z-]+:/ { on = 0 }
    on { print }' "$REPO_DIR/debian/control" |
    tr ',' '\n' | sed -e 's/(.*)//' -e 's/\[.*\]//' -e 's/|.*//' -e 's/[[:space:]]//g' |
    grep -v -e '^$' -e '^[$]{'
}

# The package's version, from debian/changelog (its one place), and the file tools/image leaves.
package_version() { sed -n '1s/^osg-worker (\([^)]*\)).*/\1/p' "$REPO_DIR/debian/changelog"; }
package_file() { echo "$BUILD_ROOT/packages/osg-worker_$(package_version)_amd64.deb"; }
