#!/usr/bin/env bash
# Turns a Debian 13 machine (a cloud VM, an image being built, or the test image's rootfs) into an
# osg-worker: installs the osg-worker package (built here from these sources with
# dpkg-buildpackage, or the .deb given), which brings HTCondor from Debian 13, plus Apptainer from
# Debian unstable (pinned) and HTCondor's SIF probe, and enables the units that start the worker
# at boot once /etc/osg-worker.conf exists.
#   deploy.sh [osg-worker_VERSION_ARCH.deb]
# Build tools it had to install for the build are removed again: a worker keeps no compiler.
# Idempotent: a second run installs nothing and changes no file; it says "unchanged" for each step.
set -euo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
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

# Set when a source was just written: apt's lists know nothing of it yet.
APT_LISTS_STALE=0

install_apptainer_source() {
  local mirror
  mirror=$(debian_mirror)
  write_if_changed "$APT_SID_SOURCE" <<EOF && APT_LISTS_STALE=1
Types: deb
URIs: $mirror
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
Check-Valid-Until: no
EOF
  write_if_changed "$APT_SID_PIN" <<'EOF' && APT_LISTS_STALE=1
# osg-worker: only apptainer comes from Debian unstable; everything else stays on Debian 13.
Package: *
Pin: release n=sid
Pin-Priority: -1

Package: apptainer
Pin: release n=sid
Pin-Priority: 500
EOF
  return 0
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

# The package's version and file name, from debian/changelog (the version's one place).
package_version() { sed -n '1s/^osg-worker (\([^)]*\)).*/\1/p' "$SRC_DIR/debian/changelog"; }
built_package() { echo "$(dirname "$SRC_DIR")/osg-worker_$(package_version)_$(dpkg --print-architecture).deb"; }

BUILD_TOOLS_ADDED=''

have_build_dependencies() {
  command -v dpkg-buildpackage >/dev/null && (cd "$SRC_DIR" && dpkg-checkbuilddeps 2>/dev/null)
}

# A fingerprint of the sources the package is built from (a git checkout's tracked and untracked,
# not ignored, files); empty when the sources are not a git checkout.
source_fingerprint() {
  command -v git >/dev/null && git -C "$SRC_DIR" rev-parse --git-dir >/dev/null 2>&1 || return 0
  (cd "$SRC_DIR" && git ls-files -co --exclude-standard -z | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)
}

# Installs what the build needs (debian/control's Build-Depends); remembers what it added.
ensure_build_dependencies() {
  have_build_dependencies && return
  local before
  before=$(dpkg-query -W -f='${Package}\n' | sort)
  say "installing the build dependencies (removed again after the build)"
  apt-get update -q
  apt_install build-essential dpkg-dev
  DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --no-install-recommends "$SRC_DIR"
  BUILD_TOOLS_ADDED=$(comm -13 <(echo "$before") <(dpkg-query -W -f='${Package}\n' | sort))
  changed=1
}

# Builds the package, incrementally. Where the build tools are not installed (a worker keeps
# none), a package already built from these very sources is used as it is, so that a second
# deploy installs no compiler just to find nothing changed.
build_package() {
  local fingerprint deb
  fingerprint=$(source_fingerprint)
  deb=$(built_package)
  if ! have_build_dependencies && [ -n "$fingerprint" ] && [ -f "$deb" ] &&
    [ "$(cat "$deb.sources" 2>/dev/null)" = "$fingerprint" ]; then
    say "the osg-worker package is up to date with the sources"
    return
  fi
  ensure_build_dependencies
  say "building the osg-worker package (dpkg-buildpackage)"
  # -nc keeps the previous build tree (obj-*), so that a rebuild is incremental; the stamp would
  # make dh skip the build altogether.
  rm -rf "$SRC_DIR/debian/debhelper-build-stamp" "$SRC_DIR/debian/.debhelper" "$SRC_DIR/debian/osg-worker"
  (cd "$SRC_DIR" && dpkg-buildpackage -b -nc --no-sign -j"$(nproc)") >/var/log/osg-worker-build.log 2>&1 ||
    err "the package build failed; its log: /var/log/osg-worker-build.log"
  if [ -n "$fingerprint" ]; then echo "$fingerprint" >"$deb.sources"; else rm -f "$deb.sources"; fi
}

# The build tools this run installed go again, but for what the package itself needs; nothing
# else: other packages that apt would autoremove are the machine owner's business, not ours.
remove_build_dependencies() {
  [ -n "$BUILD_TOOLS_ADDED" ] || return 0
  local removable ours
  say "removing the build dependencies"
  changed=1
  # shellcheck disable=SC2086  # one package name per word
  apt-mark auto $BUILD_TOOLS_ADDED >/dev/null
  # What autoremove would take (nothing installed depends on it) and this run added.
  removable=$(apt-get -s autoremove --purge | sed -n 's/^Purg \([^ :]*\).*/\1/p' | sort)
  ours=$(comm -12 <(echo "$removable") <(tr ' ' '\n' <<<"$BUILD_TOOLS_ADDED" | sort))
  [ -n "$ours" ] || return 0
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $ours >/dev/null
}

# True when the installed osg-worker is this .deb: same version, same files (dpkg's checksums)
# and maintainer scripts, and none of its files changed since (dpkg --verify).
package_installed() {
  local deb=$1 part
  [ "$(dpkg-query -W -f='${Status} ${Version}' osg-worker 2>/dev/null)" = \
    "install ok installed $(dpkg-deb -f "$deb" Version)" ] || return 1
  for part in md5sums preinst postinst prerm postrm; do
    cmp -s <(dpkg-deb -I "$deb" "$part" 2>/dev/null) <(cat "/var/lib/dpkg/info/osg-worker.$part" 2>/dev/null) ||
      return 1
  done
  [ -z "$(dpkg --verify osg-worker 2>&1)" ]
}

# apt_install PACKAGE...: from the package lists as they are, and from fresh ones if that fails
# (none yet, as on a new cloud image, or stale ones). A reinstall needs no network.
apt_install() {
  if [ "$APT_LISTS_STALE" = 1 ]; then apt-get update -q; APT_LISTS_STALE=0; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || {
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
  }
}

not_installed() {  # PACKAGE...: those of them that are not installed
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

install_package() {
  local deb=$1 recommends
  # Its Recommends too (Apptainer and its helpers), but not those of HTCondor and the rest.
  recommends=$(dpkg-deb -f "$deb" Recommends | tr -d ' ' | tr ',' ' ')
  # shellcheck disable=SC2086  # one package name per word
  if package_installed "$deb" && [ -z "$(not_installed $recommends)" ]; then
    say "osg-worker: unchanged"
    return
  fi
  # shellcheck disable=SC2086
  apt_install "$deb" $recommends
  # apt leaves a package of the same version alone, even if its files differ or were changed.
  package_installed "$deb" || dpkg -i "$deb"
  say "installed $(basename "$deb")"
  changed=1
}

# Before the package, deploy.sh installed the agent as /usr/local/bin/osg-worker and its units in
# /etc/systemd/system, where they would override the package's (and run the old binary). Those
# files go, once, if they are that install's (their ExecStart names /usr/local/bin/osg-worker).
LEGACY_UNITS="osg-worker.service osg-worker.path osg-worker-boot-deadline.service"

remove_legacy_install() {
  grep -qs 'ExecStart=/usr/local/bin/osg-worker' /etc/systemd/system/osg-worker.service || return 0
  local unit
  for unit in $LEGACY_UNITS; do
    rm -f "/etc/systemd/system/$unit" /etc/systemd/system/*.wants/"$unit"
  done
  rm -rf /usr/local/bin/osg-worker /usr/local/share/doc/osg-worker
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  say "removed the install of an older deploy.sh (/usr/local/bin/osg-worker, its units in /etc/systemd/system)"
  changed=1
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
  for unit in osg-worker.service osg-worker.path osg-worker-boot-deadline.service; do
    if ! systemctl is-enabled "$unit" >/dev/null 2>&1; then
      systemctl enable "$unit" >/dev/null 2>&1
      say "enabled $unit"
      changed=1
    fi
  done
}

main() {
  local deb=${1:-}
  ensure_root
  ensure_debian13
  if [ -z "$deb" ]; then
    build_package
    deb=$(built_package)
  fi
  [ -f "$deb" ] || err "no such package: $deb"
  deb=$(realpath "$deb")  # apt takes a local .deb by its path only
  install_apptainer_source
  remove_legacy_install
  install_package "$deb"
  remove_build_dependencies
  install_sif_probe
  configure_units
  if [ "$changed" = 0 ]; then say "unchanged"; else say "done"; fi
}

main "$@"
