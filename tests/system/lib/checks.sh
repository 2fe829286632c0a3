# shellcheck shell=bash
# The checks run against llmcored in the booted container, in order: each
# one expects the state the previous ones left (started, model loaded, ...).
#
# Sourced by run.sh after lib/report.sh and lib/container.sh; uses
# EXPECTED_TEXT (the greedy continuation of GENERATE_PROMPT computed on the
# host with llmcore-run).

BUS_NAME=org.llmcore.Core1
BUS_PATH=/org/llmcore/Core1
MANAGER=org.llmcore.Core1.Manager
GENERATE_PROMPT="Once upon a time"
GENERATE_TOKENS=20
HANG_PROMPT=llmcored-test-hang
TEST_USER=alice

# unit_property NAME: one property of llmcored.service (MainPID, NRestarts...).
unit_property() {
  in_container systemctl show llmcored.service -p "$1" --value
}

# poll SECONDS COMMAND...: retries COMMAND every 0.25 s until it succeeds or
# SECONDS have passed.
poll() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}

# manager_call BUSCTL-ARGS...: busctl as root, bounded in time.
manager_call() {
  in_container timeout 60 busctl "$@"
}

# json_field EXPR: evaluates the Python expression EXPR over `reply`, the
# "data" list of the busctl --json reply on stdin, and prints the result.
json_field() {
  python3 -c '
import json, sys
reply = json.load(sys.stdin)["data"]
print(eval(sys.argv[1], {"reply": reply}))' "$1"
}

# cmake --install --prefix /usr must put the shipped configuration where
# llmcored reads it.
check_config_installed() {
  local name="the shipped llmcored.conf is installed as /etc/llmcore/llmcored.conf"
  if in_container test -f /etc/llmcore/llmcored.conf; then
    pass "$name"
  else
    fail "$name" "installed instead: $(in_container find / -xdev -name llmcored.conf 2>/dev/null)"
  fi
}

check_start() {
  local out
  if ! out=$(in_container timeout 120 systemctl start llmcored.service 2>&1); then
    fail "systemctl start llmcored" "$out" \
      "$(in_container systemctl status llmcored.service --no-pager 2>&1)"
    return
  fi
  pass "systemctl start llmcored"
  local state
  state=$(in_container systemctl is-active llmcored.service)
  if [[ $state == active ]]; then
    pass "systemctl is-active llmcored: active"
  else
    fail "systemctl is-active llmcored: active" "state: $state"
  fi
}

check_status() {
  local out
  out=$(in_container systemctl status llmcored.service --no-pager 2>&1)
  if grep -q "Active: active (running)" <<<"$out" && grep -q "/usr/sbin/llmcored" <<<"$out"; then
    pass "systemctl status llmcored shows it running"
  else
    fail "systemctl status llmcored shows it running" "$out"
  fi
}

check_hardware() {
  local name="GetHardware under the unit's sandbox sees cores and memory" out fields
  if ! out=$(manager_call --json=short call $BUS_NAME $BUS_PATH $MANAGER GetHardware 2>&1); then
    fail "$name" "$out"
    return
  fi
  # hwloc (/sys) and /proc/meminfo must stay readable under ProtectProc=,
  # ProtectKernelTunables= and the system call filter.
  fields=$(json_field '" ".join(str(reply[0][key]["data"]) for key in
                                ("cores", "threads", "memory_total", "memory_available"))' \
             <<<"$out" 2>&1)
  local cores threads total available
  read -r cores threads total available <<<"$fields"
  if [[ $cores =~ ^[1-9][0-9]*$ && $threads =~ ^[1-9][0-9]*$ && $total =~ ^[1-9][0-9]*$ &&
        $available =~ ^[1-9][0-9]*$ ]]; then
    pass "$name ($cores cores, $threads threads, $available of $total bytes available)"
  else
    fail "$name" "$fields" "$out"
  fi
}

check_list_models() {
  local who=$1 out
  if [[ $who == root ]]; then
    out=$(manager_call call $BUS_NAME $BUS_PATH $MANAGER ListModels 2>&1)
  else
    out=$(as_user "$who" timeout 60 busctl call $BUS_NAME $BUS_PATH $MANAGER ListModels 2>&1)
  fi
  if grep -q '"stories260K"' <<<"$out"; then
    pass "ListModels as $who lists stories260K"
  else
    fail "ListModels as $who lists stories260K" "$out"
  fi
}

check_generate() {
  local out text
  out=$(as_user "$TEST_USER" timeout 60 busctl --json=short call $BUS_NAME $BUS_PATH $MANAGER \
          Generate 'ssa{sv}' "" "$GENERATE_PROMPT" 2 max_tokens u "$GENERATE_TOKENS" \
          temperature d 0 2>&1)
  if ! text=$(json_field 'reply[0]' <<<"$out" 2>/dev/null); then
    fail "Generate as $TEST_USER" "$out"
    return
  fi
  if [[ $text == "$EXPECTED_TEXT" ]]; then
    pass "Generate as $TEST_USER returns the greedy text ($GENERATE_TOKENS tokens)"
  else
    fail "Generate as $TEST_USER returns the greedy text ($GENERATE_TOKENS tokens)" \
      "expected: $EXPECTED_TEXT" "got:      $text" "$out"
  fi
}

check_llmctl() {
  local name="llmctl run stories260K as $TEST_USER prints the greedy text" out err rc
  if ! in_container test -x /usr/bin/llmctl; then
    fail "$name" "llmctl is not installed (was it built?)"
    return
  fi
  err=$(mktemp)
  out=$(as_user "$TEST_USER" timeout 60 llmctl run stories260K "$GENERATE_PROMPT" --temp 0 \
          -n "$GENERATE_TOKENS" 2>"$err")
  rc=$?
  if [[ $rc -eq 0 && $out == "$EXPECTED_TEXT" ]]; then
    pass "$name"
  else
    fail "$name" "exit status $rc" "expected: $EXPECTED_TEXT" "got:      $out" "$(cat "$err")"
  fi
  rm -f "$err"
}

# manage WHO METHOD ARGS...: a Manager method through gdbus, as a desktop
# application would call it; its error output carries the D-Bus error name.
manage() {
  local who=$1 method=$2
  shift 2
  local cmd=(timeout 60 gdbus call --system --dest "$BUS_NAME" --object-path "$BUS_PATH"
             --method "$MANAGER.$method" "$@")
  if [[ $who == root ]]; then
    in_container "${cmd[@]}"
  else
    as_user "$who" "${cmd[@]}"
  fi
}

load_model() {
  manage "$1" LoadModel stories260K "@a{sv} {}"
}

check_load_denied() {
  local out
  if out=$(load_model "$TEST_USER" 2>&1); then
    fail "LoadModel as $TEST_USER is denied by polkit" "the call succeeded: $out"
  elif grep -q "org.llmcore.Error.AccessDenied" <<<"$out"; then
    pass "LoadModel as $TEST_USER is denied by polkit (AccessDenied)"
  else
    fail "LoadModel as $TEST_USER is denied by polkit" "$out"
  fi
}

# The denial above could also come from polkit failing; granting the action
# to the user in a polkit rule must turn it into a success. polkitd notices a
# new rules file by itself, so the call is retried for a few seconds.
POLKIT_RULE=/etc/polkit-1/rules.d/50-llmcore-system-test.rules

load_model_quietly() {
  load_model "$1" >/dev/null 2>&1
}

check_load_granted() {
  local name="LoadModel as $TEST_USER is allowed once a polkit rule grants org.llmcore.manage"
  in_container sh -c "cat >$POLKIT_RULE" <<EOF
polkit.addRule(function(action, subject) {
  if (action.id == "org.llmcore.manage" && subject.user == "$TEST_USER")
    return polkit.Result.YES;
});
EOF
  if poll 15 load_model_quietly "$TEST_USER"; then
    pass "$name"
  else
    fail "$name" "$(load_model "$TEST_USER" 2>&1)"
  fi
  in_container rm -f "$POLKIT_RULE"
}

# Root needs no polkit: it unloads the model and loads it again.
check_load_root() {
  local name="UnloadModel and LoadModel as root are allowed" out
  if ! out=$(manage root UnloadModel stories260K 2>&1); then
    fail "$name" "UnloadModel: $out"
  elif ! out=$(load_model root 2>&1); then
    fail "$name" "LoadModel: $out"
  elif ! out=$(manager_call call $BUS_NAME $BUS_PATH $MANAGER ListModels 2>&1) ||
       ! grep -q '"stories260K" .* "loaded"' <<<"$out"; then
    fail "$name" "stories260K is not listed as loaded afterwards: $out"
  else
    pass "$name"
  fi
}

# Both installed drivers were found under the unit's sandbox (the libraries
# are loaded through /proc/self/fd), a model moves to the reference driver and
# back while loaded, and verify compares them.
check_swap() {
  local name="llmctl swap and verify move stories260K between the installed drivers" out
  if ! out=$(in_container timeout 120 llmctl swap stories260K reference 2>&1); then
    fail "$name" "swap to reference: $out"
  elif ! out=$(in_container timeout 60 llmctl --json ps 2>&1) || ! grep -q '"reference' <<<"$out"; then
    fail "$name" "ps does not show the reference driver: $out"
  elif ! out=$(in_container timeout 120 llmctl swap stories260K cpu 2>&1); then
    fail "$name" "swap back to cpu: $out"
  elif ! out=$(in_container timeout 120 llmctl verify stories260K 2>&1); then
    fail "$name" "verify: $out"
  else
    pass "$name"
  fi
}

# What llmcored logs once it is serving, and once a reload is done.
LLMCORED_START_LINE="serving org.llmcore.Core1 on the system bus"
LLMCORED_RELOAD_LINE="configuration reloaded and models rescanned"

# How many times the daemon's journal has LINE.
journal_count() {
  in_container journalctl -u llmcored.service --no-pager -o cat 2>/dev/null | grep -cF "$1"
}

# Reloaded: the daemon said so, the main process is the same, the unit is
# active, and the bus name still answers.
reload_done() {
  (($(journal_count "$LLMCORED_RELOAD_LINE") > $2)) &&
    [[ $(unit_property ActiveState) == active ]] &&
    [[ $(unit_property MainPID) == "$1" ]] &&
    manager_call call $BUS_NAME $BUS_PATH $MANAGER ListModels >/dev/null 2>&1
}

check_reload() {
  local name="systemctl reload llmcored reloads in place" pid restarts reloads out
  pid=$(unit_property MainPID)
  restarts=$(unit_property NRestarts)
  reloads=$(journal_count "$LLMCORED_RELOAD_LINE")
  if ! out=$(in_container timeout 60 systemctl reload llmcored.service 2>&1); then
    fail "$name" "$out"
    return
  fi
  # systemd 252 does not wait for a notify service to finish reloading.
  if poll 15 reload_done "$pid" "$reloads" && [[ $(unit_property NRestarts) == "$restarts" ]]; then
    pass "$name (MainPID $pid kept, active)"
  else
    fail "$name" "MainPID $pid -> $(unit_property MainPID), state $(unit_property ActiveState)," \
      "NRestarts $restarts -> $(unit_property NRestarts)," \
      "'$LLMCORED_RELOAD_LINE' logged $reloads -> $(journal_count "$LLMCORED_RELOAD_LINE") times"
  fi
}

check_journal() {
  local out
  out=$(in_container journalctl -u llmcored.service --no-pager -o cat 2>&1)
  if grep -qF "$LLMCORED_START_LINE" <<<"$out"; then
    pass "journalctl -u llmcored has the start line"
  else
    fail "journalctl -u llmcored has the start line" \
      "no line containing: $LLMCORED_START_LINE" "$(tail -n 20 <<<"$out")"
  fi
}

# A sandbox that blocks something the daemon uses shows up as a notice or a
# warning (a fallback, a feature turned off) rather than as a failure: apart
# from the LoadModel the checks made polkit refuse, there must be none from
# starting, serving, loading and reloading.
check_no_warnings() {
  local name="llmcored logged no notices or warnings under the unit's sandbox" out
  out=$(in_container journalctl -u llmcored.service SYSLOG_IDENTIFIER=llmcored -p notice \
          --no-pager -o cat 2>&1 | grep -v "^LoadModel 'stories260K' refused: ")
  if [[ -z $out ]]; then
    pass "$name"
  else
    fail "$name" "$out"
  fi
}

restarted() {
  (($(journal_count "llmcored.service: Watchdog timeout") > $3)) &&
    [[ $(unit_property ActiveState) == active ]] &&
    [[ $(unit_property MainPID) != "$1" ]] &&
    (($(unit_property NRestarts) > $2))
}

# A worker thread that hangs stops the watchdog pings; systemd must kill and
# restart the service.
check_watchdog() {
  local name="watchdog restarts llmcored when a worker hangs" dropin out
  dropin=/run/systemd/system/llmcored.service.d
  if ! out=$(in_container sh -c "mkdir -p $dropin && printf '%s\n' '[Service]' \
               'Environment=LLMCORED_TEST_FAULT=hang-worker' 'WatchdogSec=5s' \
               >$dropin/50-watchdog-test.conf && systemctl daemon-reload &&
               systemctl restart llmcored.service" 2>&1); then
    fail "$name" "could not restart with the fault drop-in" "$out"
    return
  fi
  local pid restarts timeouts caller
  pid=$(unit_property MainPID)
  restarts=$(unit_property NRestarts)
  timeouts=$(journal_count "llmcored.service: Watchdog timeout")
  manager_call call $BUS_NAME $BUS_PATH $MANAGER Generate 'ssa{sv}' "" "$HANG_PROMPT" \
    1 max_tokens u 4 >/dev/null 2>&1 &
  caller=$!
  if poll 25 restarted "$pid" "$restarts" "$timeouts"; then
    pass "$name (MainPID $pid -> $(unit_property MainPID))"
  else
    fail "$name" "MainPID $pid -> $(unit_property MainPID), NRestarts $restarts ->" \
      "$(unit_property NRestarts), state $(unit_property ActiveState), watchdog timeouts" \
      "logged $timeouts -> $(journal_count "llmcored.service: Watchdog timeout")"
  fi
  wait "$caller" 2>/dev/null
  in_container sh -c "rm -f $dropin/50-watchdog-test.conf && systemctl daemon-reload"
}

check_stop() {
  local out
  if ! out=$(in_container timeout 60 systemctl stop llmcored.service 2>&1); then
    fail "systemctl stop llmcored" "$out"
    return
  fi
  local state result
  state=$(unit_property ActiveState)
  result=$(unit_property Result)
  if [[ $state == inactive && $result == success ]]; then
    pass "systemctl stop llmcored ends it cleanly"
  else
    fail "systemctl stop llmcored ends it cleanly" "ActiveState=$state Result=$result" \
      "$(in_container systemctl status llmcored.service --no-pager 2>&1)"
  fi
}

run_checks() {
  check_config_installed
  check_start
  check_status
  check_hardware
  check_list_models root
  check_list_models "$TEST_USER"
  check_generate
  check_llmctl
  check_load_denied
  check_load_granted
  check_load_root
  check_swap
  check_reload
  check_journal
  check_no_warnings
  check_watchdog
  check_stop
}
