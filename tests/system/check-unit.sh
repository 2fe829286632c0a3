#!/usr/bin/env bash
# Static checks of llmcored.service as `cmake --install` writes it; no running
# systemd needed.
#
#   tests/system/check-unit.sh verify|security BUILD_DIR
#
# The project is installed into a scratch DESTDIR. `verify` runs
# `systemd-analyze verify` on the installed unit (every warning fails);
# `security` requires `systemd-analyze security --offline=true` to rate the
# unit's exposure at 1.5 or below. systemd-analyze resolves ExecStart= and
# the units the unit refers to on this host, so the checked copy points
# ExecStart= into the DESTDIR, where the daemon was installed.
set -uo pipefail

usage() {
  echo "usage: $0 verify|security BUILD_DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
mode=$1
build_dir=$2
[[ $mode == verify || $mode == security ]] || usage

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
destdir=$scratch/root

if ! out=$(DESTDIR=$destdir cmake --install "$build_dir" 2>&1); then
  echo "cmake --install failed:" >&2
  echo "$out" >&2
  exit 1
fi
installed=$(find "$destdir" -path '*/systemd/system/llmcored.service' -print -quit)
if [[ -z $installed ]]; then
  echo "llmcored.service was not installed under $destdir" >&2
  exit 1
fi

exec_start=$(sed -n 's/^ExecStart=//p' "$installed")
binary=${exec_start%% *}
if [[ ! -x $destdir$binary ]]; then
  echo "ExecStart= names $binary, which the install did not write" >&2
  exit 1
fi
unit=$scratch/llmcored.service
sed "s|^ExecStart=$binary|ExecStart=$destdir$binary|" "$installed" >"$unit"

case $mode in
  verify)
    out=$(systemd-analyze verify "$unit" 2>&1)
    rc=$?
    if [[ $rc -ne 0 || -n $out ]]; then
      echo "systemd-analyze verify (exit status $rc):" >&2
      echo "$out" >&2
      exit 1
    fi
    echo "systemd-analyze verify: no findings"
    ;;
  security)
    # --threshold is in tenths: 15 is an exposure of 1.5.
    out=$(systemd-analyze security --offline=true --threshold=15 --no-pager "$unit" 2>&1)
    rc=$?
    echo "$out" | tail -n 1
    if [[ $rc -ne 0 ]]; then
      echo "$out" | grep -F '✗' >&2
      echo "exposure above 1.5 (exit status $rc)" >&2
      exit 1
    fi
    ;;
esac
