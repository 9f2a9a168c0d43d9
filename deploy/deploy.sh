#!/usr/bin/env bash
# Turns a Debian 13 machine (a cloud VM, or the test image's rootfs) into an osg-worker image:
# installs HTCondor and the build tools from Debian, builds and installs osg-worker, and installs
# the systemd units that start it at boot once /etc/osg-worker.conf exists.
# Idempotent: a second run installs nothing and changes no file; it says "unchanged" for each step.
set -euo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${OSG_WORKER_BUILD_DIR:-/var/cache/osg-worker/build}
PREFIX=/usr/local
UNIT_DIR=/etc/systemd/system
changed=0

say() { printf 'deploy: %s\n' "$*"; }
err() { printf 'deploy: error: %s\n' "$*" >&2; exit 1; }

ensure_root() {
  [ "$(id -u)" = 0 ] || err "run as root"
}

ensure_debian13() {
  # shellcheck disable=SC1091
  . /etc/os-release
  [ "${VERSION_CODENAME:-}" = trixie ] || err "needs Debian 13 (trixie); this is ${PRETTY_NAME:-unknown}"
}

missing_packages() {
  local pkg
  grep -v '^#' "$SRC_DIR/deploy/packages.txt" | while read -r pkg; do
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages)
  if [ -z "$missing" ]; then
    say "packages: unchanged"
    return
  fi
  say "installing: $(echo "$missing" | tr '\n' ' ')"
  apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
  changed=1
}

build_agent() {
  say "building osg-worker in $BUILD_DIR"
  cmake -S "$SRC_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOSG_WORKER_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target osg-worker -j "$(nproc)" >/dev/null
}

# install_file SRC DEST MODE: copies only when the content or mode differs, so a rerun touches nothing.
install_file() {
  local src=$1 dest=$2 mode=$3
  if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c %a "$dest")" = "$mode" ]; then
    return
  fi
  install -D -m "$mode" "$src" "$dest"
  say "installed $dest"
  changed=1
}

install_agent() {
  install_file "$BUILD_DIR/osg-worker" "$PREFIX/bin/osg-worker" 755
  install_file "$SRC_DIR/deploy/osg-worker.service" "$UNIT_DIR/osg-worker.service" 644
  install_file "$SRC_DIR/deploy/osg-worker.path" "$UNIT_DIR/osg-worker.path" 644
  install_file "$SRC_DIR/deploy/osg-worker-boot-deadline.service" \
    "$UNIT_DIR/osg-worker-boot-deadline.service" 644
  if [ ! -d /var/lib/osg-worker ]; then
    install -d -m 0700 /var/lib/osg-worker
    changed=1
  fi
}

# osg-worker starts and stops HTCondor itself; the stock condor.service must not start a second one.
configure_units() {
  if systemctl is-enabled condor.service >/dev/null 2>&1; then
    systemctl disable condor.service >/dev/null 2>&1
    say "disabled condor.service (osg-worker runs HTCondor)"
    changed=1
  fi
  # Enabled for the next boot, not started: a machine being prepared as an image is not powered
  # off under its admin (README: Deploy on a real VM).
  local unit
  for unit in osg-worker.path osg-worker-boot-deadline.service; do
    if ! systemctl is-enabled "$unit" >/dev/null 2>&1; then
      systemctl enable "$unit" >/dev/null 2>&1
      say "enabled $unit"
      changed=1
    fi
  done
}

main() {
  ensure_root
  ensure_debian13
  install_packages
  build_agent
  install_agent
  configure_units
  if [ "$changed" = 0 ]; then say "unchanged"; else say "done"; fi
}

main "$@"
