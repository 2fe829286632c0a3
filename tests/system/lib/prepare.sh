# shellcheck shell=bash
# Fills a freshly unpacked tree with what the checks need: the project as a
# package would install it, its system user and directories, an unprivileged
# user, and the text the checks expect. Sourced by run.sh; needs
# lib/report.sh, lib/rootfs.sh and lib/checks.sh, and REPO_DIR (the
# repository's root).

# The greedy continuation the daemon must produce, computed in this process
# by the build's own llmcore-run (same model, same driver, no daemon).
expected_text() {
  local build_dir=$1
  "$build_dir/tools/llmcore-run" "$REPO_DIR/models/stories260K.gguf" --prompt "$GENERATE_PROMPT" \
    --temp 0 -n "$GENERATE_TOKENS" --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["text"])'
}

# The daemon's built-in model and driver directories come from the prefix
# the build was configured with; the tree gets the project under /usr, as a
# distribution package would. When the two differ (a build configured for
# /usr/local), a configuration drop-in points the daemon at /usr.
configure_for_usr_prefix() {
  local build_dir=$1 root=$2 prefix driver
  prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
  [[ $prefix == /usr ]] && return 0
  driver=$(cd "$root" && find usr -name 'llmcore-cpu.so' -print -quit)
  if [[ -z $driver ]]; then
    echo "the CPU driver was not installed" >&2
    return 1
  fi
  info "build configured for prefix $prefix; a drop-in points llmcored at /usr"
  mkdir -p "$root/etc/llmcore/llmcored.conf.d"
  cat >"$root/etc/llmcore/llmcored.conf.d/00-system-test-prefix.conf" <<EOF
# The build was configured for $prefix but installed here under /usr.
[Daemon]
DriverDirectory=/$(dirname "$driver")
[Models]
Directory=
Directory=/var/lib/llmcore/models
Directory=/usr/share/llmcore/models
EOF
}

# prepare_tree BUILD_DIR ROOT
prepare_tree() {
  local build_dir=$1 root=$2 out
  rootfs_unpack "$root" || return 1
  if ! out=$(DESTDIR=$root cmake --install "$build_dir" --prefix /usr 2>&1); then
    echo "cmake --install failed:" >&2
    echo "$out" >&2
    return 1
  fi
  configure_for_usr_prefix "$build_dir" "$root" || return 1
  # What the package's maintainer scripts would do (systemd does it again at
  # boot; doing it now means the user exists before anything starts).
  if ! out=$(systemd-sysusers --root="$root" 2>&1 &&
               systemd-tmpfiles --root="$root" --create llmcore.conf 2>&1 &&
               useradd --root "$root" --create-home --shell /bin/bash "$TEST_USER" 2>&1); then
    echo "creating users and directories failed:" >&2
    echo "$out" >&2
    return 1
  fi

  EXPECTED_TEXT=$(expected_text "$build_dir")
  if [[ -z $EXPECTED_TEXT ]]; then
    echo "llmcore-run in $build_dir printed no text" >&2
    return 1
  fi
}
