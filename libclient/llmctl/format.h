// Text output of llmctl for people, rendered from the JSON that --json
// prints (bus_value.h), so both always show the same data.
//
// These formats are part of llmctl's interface (scripts and the integration
// tests read them; libclient/README.md documents them): change them only
// together with the documentation.
//
// Missing keys are tolerated (a daemon of another version may send fewer):
// they show as "-" in tables and are left out of summaries.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bus_value.h"

namespace llmcore::llmctl {

// Code points of UTF-8 text (what a terminal column count approximates).
size_t CodePointCount(std::string_view text);

// Binary units with one decimal: "0 B", "512 B", "1.0 KiB", "1.1 MiB", "7.7 GiB".
std::string FormatBytes(uint64_t bytes);

// A table: a header row and rows, columns separated by two spaces, each as
// wide as its widest cell (counted in code points), right-aligned when the
// column says so; no trailing spaces. Every line ends with '\n'.
struct Column {
  std::string header;
  bool right_aligned = false;
};
std::string FormatTable(const std::vector<Column>& columns,
                        const std::vector<std::vector<std::string>>& rows);

// One value on one line: strings as they are (JSON-quoted when they hold
// control characters such as newlines), numbers as JSON writes them,
// booleans "yes"/"no", arrays as "a, b, c" (nested arrays in parentheses),
// null as "-", objects as JSON.
std::string FormatValue(const Json& value);

// Reading replies' objects, whatever the daemon sent: the member `key` of
// `object`, or null when `object` is not an object or lacks it.
const Json* FindField(const Json& object, const char* key);
// The member as FormatValue writes it; `missing` when it is absent.
std::string FieldText(const Json& object, const char* key, std::string_view missing = "");

// "key: value" lines of an object, in its order.
std::string FormatKeyValues(const Json& object);

// ListModels' a(ssstx) rows as objects
// {"name", "architecture", "quantization", "size", "state"}.
Json ModelListJson(const Json& rows);

// `llmctl list`: NAME ARCHITECTURE QUANTIZATION SIZE STATE.
std::string FormatModelList(const Json& models);

// `llmctl ps`, from GetModelInfo of each loaded model: NAME DRIVER DEVICE
// MEMORY (the model's size: its weights live in one shared segment). DRIVER
// is "name version" when the daemon sends driver_version.
std::string FormatLoadedModels(const Json& infos);

// `llmctl status`: "ready", or "<availability>: <reason>" (just the
// availability when there is no reason).
std::string FormatStatus(std::string_view availability, std::string_view reason);

// The summary of a generation's statistics (the Finished signal's a{sv}):
// "5 prompt tokens (0 cached), 40 generated; queue 0.1 ms, prefill 1.2 ms,
// decode 12.5 ms (3190.0 tokens/s); stop: length".
std::string FormatStats(const Json& stats);

}  // namespace llmcore::llmctl
