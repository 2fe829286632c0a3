#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a while and fails on any
# finding (crash, sanitizer report, leak, timeout, out-of-memory).
#
#   tests/fuzz/run-fuzzers.sh BUILD_DIR [SECONDS]
#
# BUILD_DIR is a tree configured with -DLLMCORE_FUZZ=ON (clang), ideally also
# -DLLMCORE_SANITIZE=ON. Each target runs SECONDS (default 60) on a fresh
# corpus seeded from real files (every .gguf under the test data and models/)
# plus small hand-made seeds. Findings are kept in BUILD_DIR/fuzz/<target>/
# artifacts/; the corpus grown by a run is in BUILD_DIR/fuzz/<target>/corpus/.
#
# To add a target: build it in tests/fuzz/CMakeLists.txt, write a seeds_<kind>
# function below, and add a line to FUZZERS.
set -euo pipefail

usage() {
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 ]] || usage
build_dir=$(cd "$1" && pwd) || usage
seconds=${2:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || usage

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
testdata=${LLMCORE_TESTDATA:-$repo/../shared/testdata}

# name | executable (relative to BUILD_DIR) | seed kind | libFuzzer options
FUZZERS=(
  "gguf_reader_fuzz|tests/fuzz/gguf_reader_fuzz|gguf|-max_len=65536"
  "tokenizer_encode_fuzz|tests/fuzz/tokenizer_encode_fuzz|text|-max_len=4096"
  "config_parser_fuzz|tests/fuzz/config_parser_fuzz|config|-max_len=8192"
  "ring_frame_fuzz|tests/fuzz/ring_frame_fuzz|ring|-max_len=8192"
)

# Options every target gets: no input may take 10 s, the process 2 GiB, or
# one allocation 256 MiB (inputs are at most a few MiB, so any such
# allocation is sized from an unchecked count).
COMMON_OPTIONS=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1)

# ---- seeds -----------------------------------------------------------------

# Prompt-like text: the tokenizer test vectors (one input per file), each
# behind a byte that picks the vocabulary and the encode options.
seeds_text() {
  local dir=$1
  local f i=0
  for f in "$testdata"/vocab/*.inp; do
    [[ -f $f ]] || continue
    for prefix in 0 1 2 49 50; do
      { printf "\\$(printf '%03o' "$prefix")"; head -c 2000 "$f"; } >"$dir/text-$i-$prefix"
    done
    i=$((i + 1))
  done
}

# Real GGUF files, and hand-made small valid ones so that the fuzzer starts
# with files it can get all the way through (the real files are larger than
# -max_len and reach it cut short).
seeds_gguf() {
  local dir=$1
  local f
  while IFS= read -r -d '' f; do
    cp "$f" "$dir/"
  done < <(find "$testdata" "$repo/models" -name '*.gguf' -type f -print0 2>/dev/null)
  if command -v python3 >/dev/null; then
    python3 - "$dir" <<'PY'
import struct, sys, os
out = sys.argv[1]
def s(x): x = x.encode() if isinstance(x, str) else x; return struct.pack('<Q', len(x)) + x
def kv(key, t, payload): return s(key) + struct.pack('<I', t) + payload
def arr(t, items): return struct.pack('<IQ', t, len(items)) + b''.join(items)
def tensor(name, dims, t, off):
    return s(name) + struct.pack('<I', len(dims)) + b''.join(struct.pack('<Q', d) for d in dims) + struct.pack('<IQ', t, off)
def gguf(kvs, tensors, data, align=32, version=3):
    head = b'GGUF' + struct.pack('<IQQ', version, len(tensors), len(kvs)) + b''.join(kvs) + b''.join(tensors)
    head += b'\0' * (-len(head) % align)
    return head + data
every_type = [
    kv('general.architecture', 8, s('llama')), kv('u8', 0, b'\x07'), kv('i8', 1, b'\xff'),
    kv('u16', 2, struct.pack('<H', 65535)), kv('i16', 3, struct.pack('<h', -2)),
    kv('u32', 4, struct.pack('<I', 7)), kv('i32', 5, struct.pack('<i', -7)),
    kv('f32', 6, struct.pack('<f', 0.5)), kv('bool', 7, b'\x01'),
    kv('u64', 10, struct.pack('<Q', 2**64 - 1)), kv('i64', 11, struct.pack('<q', -2**63)),
    kv('f64', 12, struct.pack('<d', 1e-300)),
    kv('tokenizer.ggml.tokens', 9, arr(8, [s('<s>'), s('</s>'), s('\u2581hi')])),
    kv('tokenizer.ggml.scores', 9, arr(6, [struct.pack('<f', v) for v in (0, -1, 2)])),
    kv('tokenizer.ggml.token_type', 9, arr(5, [struct.pack('<i', v) for v in (3, 3, 1)])),
    kv('bools', 9, arr(7, [b'\x00', b'\x01'])),
    kv('nested', 9, arr(9, [arr(5, [struct.pack('<i', 1)]), arr(8, [s('x')])])),
]
seeds = {
    'hand-every-type.gguf': gguf(every_type, [], b''),
    'hand-tensors.gguf': gguf([kv('general.alignment', 4, struct.pack('<I', 64))],
                              [tensor('a', [4, 2], 0, 0), tensor('b', [32], 8, 64),
                               tensor('c', [256], 12, 128)],
                              bytes(128 + 144), align=64),
    'hand-v2.gguf': gguf([kv('general.name', 8, s('v2'))], [tensor('w', [8], 1, 0)], bytes(16),
                         version=2),
    'hand-empty.gguf': gguf([], [], b''),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
PY
  fi
}

# The shipped llmcored.conf as it is (every key commented out) and with every
# key uncommented, plus small files that set each kind of value, so that the
# fuzzer starts from inputs that get past the section and key checks.
seeds_config() {
  local dir=$1
  local conf=$repo/etc/llmcored.conf
  if [[ -f $conf ]]; then
    sed 's|@[A-Z_]*@|/usr|g' "$conf" >"$dir/shipped.conf"
    sed -e 's|@[A-Z_]*@|/usr|g' -e 's|^#\([A-Za-z]*=\)|\1|' "$conf" >"$dir/uncommented.conf"
  fi
  printf '[Daemon]\nThreads=4\nMaxPromptBytes=1M\nDriverDirectory=/opt/d/\n' >"$dir/daemon.conf"
  printf '[Models]\nDirectory=\nDirectory=/srv/m\nPreload=a b/c hf:o/r/f\nPin=ollama:x:1\n' \
    >"$dir/lists.conf"
  printf '[Models]\nKeepAlive=1h 30min\nDefault=llama/7b\n[Memory]\nBudget=16G\nGpuBudget=50%%\n' \
    >"$dir/values.conf"
  printf '\xef\xbb\xbf; comment\r\n[Memory]\r\nBudget = 80%% \r\n' >"$dir/crlf.conf"
}

# Ring frames (ipc/RING.md): one valid frame of each type for the request and
# event parsers, rings holding valid frames (one wrapping with a padding frame)
# for the daemon's request reader, and tails for its event writer. The first
# byte selects the mode (see ring_frame_fuzz.cc).
seeds_ring() {
  local dir=$1
  command -v python3 >/dev/null || return 0
  python3 - "$dir" <<'PY'
import struct, sys, os
out = sys.argv[1]
def s(x): x = x.encode(); return struct.pack('<I', len(x)) + x
def submit(rid, kind, mask, stops, body, count=0):
    fixed = struct.pack('<QIIIiiIQddddddII', rid, kind, mask, 40, 40, 64, 1, 7,
                        0.8, 0.95, 0.05, 1.1, 0.0, 0.0, len(stops), count)
    return fixed + b''.join(s(x) for x in stops) + body
text = submit(1, 1, 0x7ff, ['\n\n', 'END'], s('Once upon a time \u00e9'))
chat = submit(2, 2, 0, [], s('system') + s('Be brief.') + s('user') + s('Hi'), count=2)
cancel = struct.pack('<Q', 3)
token = struct.pack('<QII', 4, 99, 6) + ' lit\u00e9'.encode()
finished = struct.pack('<QIIIIddd', 4, 12, 5, 40, 2, 0.5, 3.0, 120.0)
error = struct.pack('<QII', 4, 4, 4) + b'busy'
def frame(t, p): return struct.pack('<HHI', t, 0, len(p)) + p + b'\0' * (-(8 + len(p)) % 8)
seeds = {
    'req-text': b'\0' + struct.pack('<HH', 1, 0) + text,
    'req-chat': b'\0' + struct.pack('<HH', 1, 0) + chat,
    'req-cancel': b'\0' + struct.pack('<HH', 2, 0) + cancel,
    'ev-token': b'\1' + struct.pack('<HH', 0x101, 0) + token,
    'ev-finished': b'\1' + struct.pack('<HH', 0x102, 0) + finished,
    'ev-error': b'\1' + struct.pack('<HH', 0x103, 0) + error,
}
ring = frame(1, text) + frame(2, cancel) + frame(1, chat)
seeds['ring-three'] = b'\2' + struct.pack('<QQ', len(ring), len(ring)) + ring
# A frame at the start and padding to the end of the 4096-byte ring: the
# second head, one lap later, makes the reader wrap and read the frame again.
first = frame(1, text)
image = first + struct.pack('<HHI', 0, 0, 4096 - len(first) - 8)
seeds['ring-wrap'] = b'\2' + struct.pack('<QQ', len(first), 4096 + len(first)) + image
seeds['tail-honest'] = b'\3' + struct.pack('<QQQ', 0, 64, 4096)
seeds['tail-lie'] = b'\3' + struct.pack('<QQ', 64, 8)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
PY
}

# ---- running ---------------------------------------------------------------

failures=()
summary=()
for entry in "${FUZZERS[@]}"; do
  IFS='|' read -r name exe kind options <<<"$entry"
  bin=$build_dir/$exe
  if [[ ! -x $bin ]]; then
    echo "run-fuzzers: $bin not built (configure with -DLLMCORE_FUZZ=ON and build $name)" >&2
    failures+=("$name: not built")
    continue
  fi
  work=$build_dir/fuzz/$name
  rm -rf "$work"
  mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
  "seeds_$kind" "$work/seeds"
  n_seeds=$(find "$work/seeds" -type f | wc -l)
  echo "== $name: $n_seeds seeds, $seconds s"
  log=$work/fuzz.log
  # The first directory receives new inputs; the seeds are only read.
  # shellcheck disable=SC2086 # $options holds several words on purpose
  if "$bin" -max_total_time="$seconds" "${COMMON_OPTIONS[@]}" $options \
       -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" >"$log" 2>&1; then
    rc=0
  else
    rc=$?
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "$work/corpus" -type f | wc -l)
  findings=$(find "$work/artifacts" -type f | wc -l)
  summary+=("$(printf '%-24s exit %-3s executions %-10s new corpus files %-6s findings %s' \
    "$name" "$rc" "${execs:-?}" "$corpus" "$findings")")
  if [[ $rc -ne 0 || $findings -ne 0 ]]; then
    failures+=("$name: exit $rc, $findings finding(s) in $work/artifacts (log: $log)")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*(deadly signal|Timeout|out-of-memory|leak))' "$log" \
      | head -20 >&2 || true
  fi
done

echo
printf '%s\n' "${summary[@]}"
if [[ ${#failures[@]} -gt 0 ]]; then
  echo >&2
  printf 'FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "all fuzzers ran clean"
