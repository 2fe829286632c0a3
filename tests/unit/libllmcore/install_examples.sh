#!/bin/sh
# Installs libllmcore from build tree $1 into a temporary DESTDIR, then builds
# the examples of $2 with compiler $3 (extra flags $4, e.g. the sanitizers of
# the build) the way an outside project does: pkg-config --cflags --libs
# llmcore. Runs stream against a bus nobody serves: it must start, find the
# library and fail with the daemon-unavailable message.
set -eu
build=$1
examples=$2
cc=$3
extra=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

DESTDIR="$work/root" cmake --install "$build" --component libllmcore >/dev/null
pcfile=$(find "$work/root" -name llmcore.pc)
[ -n "$pcfile" ] || { echo "llmcore.pc was not installed" >&2; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pcfile")"
export PKG_CONFIG_SYSROOT_DIR="$work/root"
# pkgconf prefixes the sysroot to the variables too.
libdir="$(pkg-config --variable=libdir llmcore)"
[ -f "$libdir/libllmcore.so.0" ] || { echo "libllmcore.so.0 missing in $libdir" >&2; exit 1; }
[ -f "$(pkg-config --variable=includedir llmcore)/llmcore.h" ] || {
  echo "llmcore.h was not installed" >&2; exit 1; }

# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror $extra "$examples/stream.c" \
  $(pkg-config --cflags --libs llmcore) -Wl,-rpath,"$libdir" -o "$work/stream"
# GLib is the system's own (outside the sysroot of the temporary install).
if env -u PKG_CONFIG_SYSROOT_DIR pkg-config --exists glib-2.0; then
  # shellcheck disable=SC2046,SC2086
  "$cc" -std=c11 -Wall -Wextra -Werror $extra "$examples/glib_loop.c" \
    $(pkg-config --cflags --libs llmcore) \
    $(env -u PKG_CONFIG_SYSROOT_DIR pkg-config --cflags --libs glib-2.0) \
    -Wl,-rpath,"$libdir" -o "$work/glib_loop"
else
  echo "glib-2.0 not installed: glib_loop.c not built (scripts/install-deps installs it)"
fi

status=0
LLMCORE_BUS_ADDRESS="unix:path=$work/no-bus" "$work/stream" hello >"$work/out" 2>"$work/err" ||
  status=$?
if [ "$status" -ne 1 ] || ! grep -q "not available" "$work/err"; then
  echo "stream without a bus: status $status, stderr:" >&2
  cat "$work/err" >&2
  exit 1
fi
echo "installed, built the examples with pkg-config, ran stream: $(cat "$work/err")"
