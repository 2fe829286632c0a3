#!/bin/sh
# Fails when libllmcore.so ($1) defines a dynamic symbol outside llmcore_*,
# or one outside the version node LLMCORE_0 (the node itself, an absolute
# symbol "A", is not a function and is skipped).
set -eu
lib=$1
symbols=$(nm -D --defined-only --with-symbol-versions "$lib" | awk '$2 != "A" { print $3 }')
[ -n "$symbols" ] || { echo "no exported symbols in $lib" >&2; exit 1; }
bad=$(printf '%s\n' "$symbols" | grep -v '^llmcore_[a-z0-9_]*@@LLMCORE_0$' || true)
if [ -n "$bad" ]; then
  echo "symbols exported outside llmcore_* / LLMCORE_0:" >&2
  printf '%s\n' "$bad" >&2
  exit 1
fi
echo "$(printf '%s\n' "$symbols" | wc -l) symbols, all llmcore_*@@LLMCORE_0"
