# Shared by scripts/run-demo and scripts/test-all: small helpers, and installing the
# Debian packages a step needs only when they are missing. Source it; do not run it.

step() { printf '\n==> %s [%(%T)T]\n' "$*" -1; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# ensure_debian_packages PKG… — installs those of PKG… that are not installed yet.
# TOKENDESK_SKIP_INSTALL=1 turns a missing package into an error instead.
APT_UPDATED=0
ensure_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "${TOKENDESK_SKIP_INSTALL:-0}" = 1 ] && die "missing Debian packages: ${missing[*]} (TOKENDESK_SKIP_INSTALL=1)"
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get: install them by hand"
  echo "installing Debian packages: ${missing[*]}"
  # Another apt or dpkg (unattended upgrades, a package manager window) may hold the lock:
  # wait for it, up to five minutes, instead of failing at once.
  local wait_for_lock=(-o DPkg::Lock::Timeout=300)
  if [ "$APT_UPDATED" = 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${wait_for_lock[@]}" update -q
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${wait_for_lock[@]}" install -y -q --no-install-recommends "${missing[@]}"
}

# What building TokenDesk needs on Debian (beyond Rust itself).
BUILD_PACKAGES=(ca-certificates pkg-config build-essential cmake git libwayland-dev libxkbcommon-dev)

# What the window needs at run time (eframe's glow renderer on X11/Wayland; Mesa's software
# OpenGL where there is no GPU, as under Xvfb).
WINDOW_PACKAGES=(libgl1-mesa-dri libglx-mesa0 libegl1 libxkbcommon-x11-0 libxcursor1 libxi6)

# What scripts/test-package needs beyond the build: dpkg-shlibdeps (cargo-deb's computed depends),
# the two validators, and a session with a display in which the installed app runs
# (scripts/with-test-session; eframe's glow on Xvfb).
PACKAGE_TEST_PACKAGES=(
  dpkg-dev desktop-file-utils appstream
  dbus gnome-keyring xvfb xauth xdotool
  "${WINDOW_PACKAGES[@]}"
)

ensure_rust() {
  command -v cargo >/dev/null 2>&1 \
    || die "cargo not found: install Rust with rustup (https://rustup.rs); rust-toolchain.toml picks the version"
}
