# shellcheck shell=bash
# Booting systemd in a container and running commands inside it.
#
# The host's PID 1 is not systemd, so machinectl and systemd-run -M are not
# available: commands enter the container's namespaces with nsenter. The
# container gets its own cgroups (named after this shell's PID) on the
# name=systemd and unified hierarchies, removed again by container_teardown;
# otherwise systemd-nspawn leaves its payload/supervisor cgroups behind.
#
# Sourced by run.sh; needs lib/report.sh. One container at a time.

CONTAINER_ROOT=
CONTAINER_NSPAWN_PID=
CONTAINER_INIT_PID=
CONTAINER_CGROUP=llmcore-system-test-$$
CONTAINER_LOG=

container_cgroup_dirs() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
    # Only hierarchies that are mounted here; on a pure cgroup2 host the
    # unified tree is /sys/fs/cgroup itself.
    [[ -f $hierarchy/cgroup.procs ]] || continue
    echo "$hierarchy/$CONTAINER_CGROUP"
  done
}

# Runs systemd-nspawn in the background, in its own cgroups, booting $1.
# Returns once systemd in the container reports the system is up.
container_boot() {
  CONTAINER_ROOT=$1
  CONTAINER_LOG=$(mktemp /tmp/llmcore-system-test-console.XXXXXX)
  local dir
  for dir in $(container_cgroup_dirs); do
    mkdir -p "$dir"
  done
  (
    for dir in $(container_cgroup_dirs); do
      echo "$BASHPID" >"$dir/cgroup.procs"
    done
    # --register=no and --keep-unit: there is no systemd on the host to
    # register with. --private-network: the tests need no network.
    exec systemd-nspawn -q -D "$CONTAINER_ROOT" --boot --register=no --keep-unit \
      --link-journal=no --console=read-only --private-network
  ) >"$CONTAINER_LOG" 2>&1 &
  CONTAINER_NSPAWN_PID=$!

  local deadline=$((SECONDS + 30))
  while [[ -z $CONTAINER_INIT_PID ]]; do
    CONTAINER_INIT_PID=$(container_find_init)
    if [[ -n $CONTAINER_INIT_PID ]]; then
      break
    fi
    if ! kill -0 "$CONTAINER_NSPAWN_PID" 2>/dev/null || ((SECONDS > deadline)); then
      echo "systemd-nspawn did not start systemd:" >&2
      cat "$CONTAINER_LOG" >&2
      return 1
    fi
    sleep 0.2
  done

  local state
  state=$(timeout 60 nsenter -t "$CONTAINER_INIT_PID" -a \
            systemctl is-system-running --wait 2>&1)
  case $state in
    running) return 0 ;;
    degraded)
      # Not fatal: a container lacks hardware some units expect; say which.
      info "container is degraded; failed units:"
      in_container systemctl --no-legend --failed >&2
      return 0
      ;;
  esac
  echo "systemd in the container did not come up (state: $state)" >&2
  tail -n 40 "$CONTAINER_LOG" >&2
  return 1
}

# The container's PID 1 as the host sees it: the child of systemd-nspawn whose
# innermost PID is 1.
container_find_init() {
  local status ppid nspid
  for status in /proc/[0-9]*/status; do
    ppid=$(awk '/^PPid:/ { print $2 }' "$status" 2>/dev/null)
    [[ $ppid == "$CONTAINER_NSPAWN_PID" ]] || continue
    nspid=$(awk '/^NSpid:/ { print $NF }' "$status" 2>/dev/null)
    if [[ $nspid == 1 ]]; then
      basename "$(dirname "$status")"
      return 0
    fi
  done
}

# in_container CMD...: runs CMD in the container as root, with a clean
# environment (the host's variables, sanitizer options included, stay out).
in_container() {
  nsenter -t "$CONTAINER_INIT_PID" -a \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# as_user USER CMD...: runs CMD in the container as USER (no privileges, a
# login-like environment).
as_user() {
  local user=$1
  shift
  in_container runuser -u "$user" -- "$@"
}

# Stops the container (an orderly shutdown first), removes its cgroups and the
# tree. Safe to call more than once and after a failed boot.
container_teardown() {
  if [[ -n $CONTAINER_NSPAWN_PID ]] && kill -0 "$CONTAINER_NSPAWN_PID" 2>/dev/null; then
    # SIGTERM makes systemd-nspawn ask the container's systemd to power off.
    kill -TERM "$CONTAINER_NSPAWN_PID" 2>/dev/null
    local deadline=$((SECONDS + 20))
    while kill -0 "$CONTAINER_NSPAWN_PID" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.2
    done
    if kill -0 "$CONTAINER_NSPAWN_PID" 2>/dev/null; then
      info "container did not power off in 20 s; killing it"
      kill -KILL "$CONTAINER_NSPAWN_PID" 2>/dev/null
    fi
    wait "$CONTAINER_NSPAWN_PID" 2>/dev/null
  fi
  CONTAINER_NSPAWN_PID=
  CONTAINER_INIT_PID=

  local dir
  for dir in $(container_cgroup_dirs); do
    [[ -d $dir ]] || continue
    # Whatever is left in the container's cgroups (nothing, normally) ends
    # with it; then the tree is removed from the leaves up.
    local pids
    pids=$(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
    # shellcheck disable=SC2086 # one PID per word
    [[ -n $pids ]] && kill -KILL $pids 2>/dev/null
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d $dir ]] && info "could not remove cgroup $dir"
  done

  if [[ -n $CONTAINER_ROOT && -d $CONTAINER_ROOT ]]; then
    rm -rf --one-file-system "$CONTAINER_ROOT"
  fi
  CONTAINER_ROOT=
  [[ -n $CONTAINER_LOG ]] && rm -f "$CONTAINER_LOG"
  CONTAINER_LOG=
}
