#!/usr/bin/env bash
# llmcored under a real systemd: boots Debian bookworm in a container
# (systemd-nspawn) with the project installed from a build tree, then starts,
# calls, reloads, hangs (watchdog) and stops the service as an administrator
# and a desktop user would.
#
#   tests/system/run.sh BUILD_DIR
#
# BUILD_DIR is a configured and built tree (scripts/build release). Needs
# root. The container's tree is made once with debootstrap (network needed)
# and cached in /var/cache/llmcore-test; each run unpacks a fresh copy and
# removes it afterwards. Prints a PASS or FAIL line per check (and the
# daemon's journal after a failure, or always with
# LLMCORE_SYSTEM_TEST_VERBOSE=1) and exits
# non-zero on any failure; prints SKIP and exits 0 only when it cannot run
# here at all (not root, or no cached tree and no network to make one).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$here/../.." && pwd)
# shellcheck source=lib/report.sh
source "$here/lib/report.sh"
# shellcheck source=lib/rootfs.sh
source "$here/lib/rootfs.sh"
# shellcheck source=lib/container.sh
source "$here/lib/container.sh"
# shellcheck source=lib/checks.sh
source "$here/lib/checks.sh"
# shellcheck source=lib/prepare.sh
source "$here/lib/prepare.sh"

skip() {
  echo "SKIP: systemd container test: $*"
  exit 0
}

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
if [[ ! -f $1/CMakeCache.txt ]]; then
  echo "$0: $1 is not a configured build tree" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)

if [[ $(id -u) -ne 0 ]]; then
  skip "needs root (systemd-nspawn, debootstrap)"
fi
missing=()
for tool in systemd-nspawn nsenter systemd-sysusers systemd-tmpfiles useradd python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ! rootfs_cache_valid && ! command -v debootstrap >/dev/null; then
  missing+=(debootstrap)
fi
if ((${#missing[@]} > 0)); then
  echo "FAIL: host tools missing: ${missing[*]} (scripts/install-deps installs them)"
  exit 1
fi

started=$SECONDS
rootfs_ensure_cache
case $? in
  0) ;;
  2) skip "no cached tree in $ROOTFS_TARBALL and no Debian mirror reachable to make one" ;;
  *)
    echo "FAIL: could not make the container's tree with debootstrap"
    exit 1
    ;;
esac

root=$(mktemp -d /var/tmp/llmcore-system-test.XXXXXX)
trap container_teardown EXIT
trap 'exit 130' INT TERM
CONTAINER_ROOT=$root

if ! prepare_tree "$build_dir" "$root"; then
  echo "FAIL: could not prepare the container's tree"
  exit 1
fi
if ! container_boot "$root"; then
  echo "FAIL: the container did not boot"
  exit 1
fi
info "booted in $((SECONDS - started)) s"

run_checks

if ((REPORT_FAILED > 0)) || [[ -n ${LLMCORE_SYSTEM_TEST_VERBOSE:-} ]]; then
  info "journal of llmcored.service:"
  in_container journalctl -u llmcored.service --no-pager -n 200 | sed 's/^/    /'
fi
info "finished in $((SECONDS - started)) s"
report_summary
