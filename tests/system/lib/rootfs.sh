# shellcheck shell=bash
# The container's root filesystem: a Debian bookworm minbase tree made by
# debootstrap once, cached as a tarball outside the repository, unpacked
# afresh for every run (so no run sees what an earlier one left behind).
#
# Sourced by run.sh; needs lib/report.sh.

ROOTFS_CACHE_DIR=${LLMCORE_SYSTEM_TEST_CACHE:-/var/cache/llmcore-test}
ROOTFS_TARBALL=$ROOTFS_CACHE_DIR/bookworm-rootfs.tar
# The package list the tarball was made with; a different list remakes it.
ROOTFS_MANIFEST=$ROOTFS_CACHE_DIR/bookworm-rootfs.packages

# What the tree needs beyond minbase:
#   systemd, systemd-sysv, dbus   a booting system with a system bus;
#   procps                        kill, for the unit's ExecReload=;
#   polkitd                       the real polkit authority (LoadModel checks);
#   libpam-systemd                polkitd depends on "default-logind | logind",
#                                 which debootstrap does not resolve by itself;
#   libglib2.0-bin                gdbus: a desktop-style client whose errors
#                                 carry the D-Bus error name (busctl prints
#                                 only the message);
#   liburing2 libhwloc15 libfmt9 libsystemd0
#                                 what llmcored, llmctl and the CPU driver link
#                                 (ldd of the build tree; libpcre2, libstdc++,
#                                 libudev are in minbase already).
ROOTFS_PACKAGES=(systemd systemd-sysv dbus procps polkitd libpam-systemd libglib2.0-bin
                 liburing2 libhwloc15 libfmt9 libsystemd0)

# The bookworm mirror this machine's own apt sources use (deb822 .sources
# files or a classic sources.list); deb.debian.org when none is found.
rootfs_mirror() {
  local uri
  uri=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' \
          /etc/apt/sources.list.d/*.sources 2>/dev/null)
  if [[ -z $uri ]]; then
    uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
            /etc/apt/sources.list 2>/dev/null)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

rootfs_cache_valid() {
  [[ -s $ROOTFS_TARBALL && -f $ROOTFS_MANIFEST ]] &&
    [[ $(cat "$ROOTFS_MANIFEST") == "${ROOTFS_PACKAGES[*]}" ]]
}

rootfs_mirror_reachable() {
  local mirror tmp rc
  mirror=$(rootfs_mirror)
  tmp=$(mktemp -d)
  # apt's own HTTP client is always there, unlike curl or wget.
  timeout 20 /usr/lib/apt/apt-helper download-file \
    "$mirror/dists/bookworm/Release" "$tmp/Release" >/dev/null 2>&1
  rc=$?
  rm -rf "$tmp"
  return "$rc"
}

# Makes the tarball when the cache is missing or stale. Returns 0 when the
# cached tree is ready, 1 when making it failed, 2 when it cannot be made
# here (no mirror reachable).
rootfs_ensure_cache() {
  if rootfs_cache_valid; then
    info "using cached tree $ROOTFS_TARBALL"
    return 0
  fi
  if ! rootfs_mirror_reachable; then
    return 2
  fi
  local mirror build include
  mirror=$(rootfs_mirror)
  include=$(IFS=,; echo "${ROOTFS_PACKAGES[*]}")
  mkdir -p "$ROOTFS_CACHE_DIR"
  build=$(mktemp -d "$ROOTFS_CACHE_DIR/debootstrap.XXXXXX")
  info "debootstrap bookworm from $mirror (about 90 s, once)"
  if ! debootstrap --variant=minbase --include="$include" bookworm "$build" "$mirror" \
         >"$build.log" 2>&1; then
    tail -n 20 "$build.log" >&2
    rm -rf "$build"
    return 1
  fi
  # mktemp made the top 0700; "/" must be readable by the system users.
  chmod 0755 "$build"
  # The downloaded packages are not needed in the tree: a smaller tarball
  # unpacks faster.
  rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/*
  if ! tar --numeric-owner --xattrs --xattrs-include='*' -C "$build" \
         -cf "$ROOTFS_TARBALL.tmp" .; then
    rm -rf "$build" "$ROOTFS_TARBALL.tmp"
    return 1
  fi
  mv "$ROOTFS_TARBALL.tmp" "$ROOTFS_TARBALL"
  echo "${ROOTFS_PACKAGES[*]}" >"$ROOTFS_MANIFEST"
  rm -rf "$build" "$build.log"
  info "cached tree in $ROOTFS_TARBALL ($(du -h "$ROOTFS_TARBALL" | cut -f1))"
}

# Unpacks the cached tree into the empty directory $1, which becomes the
# container's "/": 0755 whatever mktemp gave it (or the tarball recorded).
rootfs_unpack() {
  tar --numeric-owner --xattrs --xattrs-include='*' -C "$1" -xpf "$ROOTFS_TARBALL" &&
    chmod 0755 "$1"
}
