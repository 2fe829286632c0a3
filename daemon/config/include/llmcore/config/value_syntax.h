// The value types of llmcored.conf: integers, sizes, time spans, percents and
// memory limits, parsed strictly and written back in the same syntax.
//
// Every parser takes the whole value (already trimmed) and accepts nothing
// else around it: "5min " or "0x10" are errors, not 5 minutes or 0. Errors are
// kInvalidArgument with a message that quotes the value and shows the
// expected form, without a location (the schema adds "file:line: [Section]
// Key: " in front).
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "llmcore/status.h"

namespace llmcore::config {

// A time span that never ends ("infinity").
inline constexpr std::chrono::microseconds kInfiniteTimeSpan = std::chrono::microseconds::max();

// Memory given as a share of some total or as a number of bytes.
struct MemoryLimit {
  enum class Unit { kPercent, kBytes };
  Unit unit = Unit::kPercent;
  uint64_t value = 100;  // 1..100 for kPercent

  static MemoryLimit Percent(uint64_t percent) { return {Unit::kPercent, percent}; }
  static MemoryLimit Bytes(uint64_t bytes) { return {Unit::kBytes, bytes}; }
  bool operator==(const MemoryLimit&) const = default;
};

// A decimal integer from `min` to `max` ("16"; no sign, no leading '+', no
// base prefix, no digit separators).
Result<uint64_t> ParseInteger(std::string_view text, uint64_t min, uint64_t max);

// Bytes: a decimal integer with an optional suffix K, M or G (powers of 1024,
// upper case as systemd writes them): "4096", "256K", "8G". The result must
// lie in [min, max].
Result<uint64_t> ParseSize(std::string_view text, uint64_t min = 0,
                           uint64_t max = std::numeric_limits<uint64_t>::max());

// A time span: "infinity", or one or more components "<integer>[<unit>]",
// optionally separated by spaces, each unit at most once and from the larger
// to the smaller: d, h, min, s or sec, ms, us; a number without a unit counts
// seconds ("300", "5min", "1h 30min", "1h30min"). Overflow is an error.
Result<std::chrono::microseconds> ParseTimeSpan(std::string_view text);

// A percentage from 1 to 100: "80%".
Result<uint32_t> ParsePercent(std::string_view text);

// A percentage (see ParsePercent) or a size of at least 1 byte (see ParseSize).
Result<MemoryLimit> ParseMemoryLimit(std::string_view text);

// The inverse of each parser: the shortest text that parses back to the same
// value ("256K", "1h 30min", "infinity", "80%").
std::string FormatSize(uint64_t bytes);
std::string FormatTimeSpan(std::chrono::microseconds span);
std::string FormatMemoryLimit(const MemoryLimit& limit);

}  // namespace llmcore::config
