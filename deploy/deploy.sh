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

# Apptainer is packaged only in Debian unstable. Its source is added with a pin that takes nothing
# from it but the apptainer package itself, whose dependencies resolve from Debian 13. The
# archive's unstable Release file may be past its Valid-Until; that check is off for this source
# alone (its packages are still verified against Debian's archive key).
APT_SID_SOURCE=/etc/apt/sources.list.d/osg-worker-sid.sources
APT_SID_PIN=/etc/apt/preferences.d/osg-worker-apptainer

# write_if_changed DEST < TEXT: writes DEST only when its text differs; true when it wrote.
write_if_changed() {
  local dest=$1 text
  text=$(cat)
  if [ -f "$dest" ] && [ "$(cat "$dest")" = "$text" ]; then return 1; fi
  printf '%s\n' "$text" >"$dest"
  say "wrote $dest"
  changed=1
}

# The mirror this machine already uses for Debian 13 (a cloud's own mirror stays in use).
debian_mirror() {
  local uri
  uri=$(grep -hoE '^(deb|URIs:) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | grep -v -- '-security' | head -n1 | awk '{print $NF}')
  echo "${OSG_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

install_apptainer() {
  local mirror fresh=0
  mirror=$(debian_mirror)
  write_if_changed "$APT_SID_SOURCE" <<EOF && fresh=1
Types: deb
URIs: $mirror
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
Check-Valid-Until: no
EOF
  write_if_changed "$APT_SID_PIN" <<'EOF' && fresh=1
# osg-worker: only apptainer comes from Debian unstable; everything else stays on Debian 13.
Package: *
Pin: release n=sid
Pin-Priority: -1

Package: apptainer
Pin: release n=sid
Pin-Priority: 500
EOF
  if [ "$fresh" = 0 ] && dpkg-query -W -f='${Status}' apptainer 2>/dev/null | grep -q 'install ok installed'; then
    say "apptainer: unchanged"
    return
  fi
  say "installing apptainer from Debian unstable (pinned)"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends apptainer
  changed=1
}

# HTCondor's startd tests SIF support by running $(LIBEXEC)/exit_37.sif, which Debian's package
# lacks: without it the startd never advertises HasSIF, and no `container_image = *.sif` job
# matches. It is built here from the package's own test sandbox (holding only /exit_37).
CONDOR_LIBEXEC=/usr/libexec/condor

install_sif_probe() {
  if [ -f "$CONDOR_LIBEXEC/exit_37.sif" ]; then
    say "HTCondor's SIF probe: unchanged"
    return
  fi
  [ -x "$CONDOR_LIBEXEC/singularity_test_sandbox/exit_37" ] ||
    err "HTCondor's $CONDOR_LIBEXEC/singularity_test_sandbox/exit_37 is missing"
  rm -f "$CONDOR_LIBEXEC/exit_37.sif.new"  # an interrupted run's: apptainer would ask to overwrite it
  apptainer --quiet build "$CONDOR_LIBEXEC/exit_37.sif.new" "$CONDOR_LIBEXEC/singularity_test_sandbox" >/dev/null
  mv "$CONDOR_LIBEXEC/exit_37.sif.new" "$CONDOR_LIBEXEC/exit_37.sif"
  say "built $CONDOR_LIBEXEC/exit_37.sif (HTCondor's SIF probe)"
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
  install_apptainer
  install_sif_probe
  build_agent
  install_agent
  configure_units
  if [ "$changed" = 0 ]; then say "unchanged"; else say "done"; fi
}

main "$@"
