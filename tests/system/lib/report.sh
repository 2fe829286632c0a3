# shellcheck shell=bash
# PASS/FAIL lines and the tally run.sh ends with. Sourced by run.sh.

REPORT_PASSED=0
REPORT_FAILED=0

info() { echo "system-test: $*"; }

pass() {
  echo "PASS: $1"
  REPORT_PASSED=$((REPORT_PASSED + 1))
}

# fail NAME [DETAIL...]: the details (command output, journal excerpts) are
# indented under the FAIL line.
fail() {
  echo "FAIL: $1"
  shift
  if (($# > 0)); then
    printf '%s\n' "$@" | sed 's/^/    /'
  fi
  REPORT_FAILED=$((REPORT_FAILED + 1))
}

# check NAME COMMAND...: PASS when COMMAND exits 0, otherwise FAIL with its
# output.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    pass "$name"
  else
    fail "$name" "exit status $?" "$out"
  fi
}

report_summary() {
  echo "system-test: $REPORT_PASSED passed, $REPORT_FAILED failed"
  ((REPORT_FAILED == 0))
}
