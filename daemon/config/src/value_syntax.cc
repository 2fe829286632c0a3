#include "llmcore/config/value_syntax.h"

#include <fmt/format.h>

#include <array>
#include <optional>

#include "llmcore/checked_math.h"
#include "quote.h"

namespace llmcore::config {
namespace {

constexpr std::string_view kSizeForm = "(e.g. 4096, 256K, 8G)";
constexpr std::string_view kTimeSpanForm = "(e.g. 300, 5min, 1h, infinity)";

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}

// The leading digits of `text` as a number; nullopt when there are none or
// they overflow. Advances `pos` past them.
std::optional<uint64_t> TakeDigits(std::string_view text, size_t* pos) {
  const size_t start = *pos;
  uint64_t value = 0;
  while (*pos < text.size() && IsDigit(text[*pos])) {
    auto next = CheckedMul(value, 10);
    if (next) next = CheckedAdd(*next, static_cast<uint64_t>(text[*pos] - '0'));
    if (!next) return std::nullopt;
    value = *next;
    ++*pos;
  }
  if (*pos == start) return std::nullopt;
  return value;
}

Status NotA(std::string_view text, std::string_view what) {
  return Status(StatusCode::kInvalidArgument,
                internal::Quote(text) + " is not " + std::string(what));
}

struct TimeUnit {
  std::string_view name;
  uint64_t microseconds;
};

// Largest first: components must come in this order, and FormatTimeSpan
// writes them in it. "sec" is an accepted spelling of "s".
constexpr std::array<TimeUnit, 7> kTimeUnits = {{
    {"d", 86'400'000'000},
    {"h", 3'600'000'000},
    {"min", 60'000'000},
    {"s", 1'000'000},
    {"sec", 1'000'000},
    {"ms", 1'000},
    {"us", 1},
}};

// Index into kTimeUnits of the unit spelled by the letters at `*pos` (none:
// seconds), advancing past them; nullopt for letters that are no unit.
std::optional<size_t> TakeTimeUnit(std::string_view text, size_t* pos) {
  size_t end = *pos;
  while (end < text.size() && text[end] >= 'a' && text[end] <= 'z') ++end;
  const std::string_view letters = text.substr(*pos, end - *pos);
  *pos = end;
  if (letters.empty()) return 3;  // "s"
  for (size_t i = 0; i < kTimeUnits.size(); ++i) {
    if (kTimeUnits[i].name == letters) return i;
  }
  return std::nullopt;
}

}  // namespace

Result<uint64_t> ParseInteger(std::string_view text, uint64_t min, uint64_t max) {
  size_t pos = 0;
  const auto value = TakeDigits(text, &pos);
  if (!value || pos != text.size() || *value < min || *value > max) {
    return NotA(text, fmt::format("an integer from {} to {}", min, max));
  }
  return *value;
}

Result<uint64_t> ParseSize(std::string_view text, uint64_t min, uint64_t max) {
  size_t pos = 0;
  const auto number = TakeDigits(text, &pos);
  if (!number) return NotA(text, fmt::format("a size {}", kSizeForm));
  uint64_t multiplier = 1;
  if (pos + 1 == text.size()) {
    switch (text[pos]) {
      case 'K': multiplier = uint64_t{1} << 10; break;
      case 'M': multiplier = uint64_t{1} << 20; break;
      case 'G': multiplier = uint64_t{1} << 30; break;
      default: return NotA(text, fmt::format("a size {}", kSizeForm));
    }
  } else if (pos != text.size()) {
    return NotA(text, fmt::format("a size {}", kSizeForm));
  }
  const auto bytes = CheckedMul(*number, multiplier);
  if (!bytes || *bytes < min || *bytes > max) {
    return NotA(text, fmt::format("a size from {} to {}", FormatSize(min), FormatSize(max)));
  }
  return *bytes;
}

Result<std::chrono::microseconds> ParseTimeSpan(std::string_view text) {
  if (text == "infinity") return kInfiniteTimeSpan;
  const uint64_t limit = static_cast<uint64_t>(kInfiniteTimeSpan.count()) - 1;
  uint64_t total = 0;
  size_t pos = 0;
  size_t next_unit = 0;  // units must not repeat and must get smaller
  bool any = false;
  while (pos < text.size()) {
    if (any) {
      while (pos < text.size() && IsSpace(text[pos])) ++pos;
    }
    const auto number = TakeDigits(text, &pos);
    if (!number) return NotA(text, fmt::format("a time span {}", kTimeSpanForm));
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
    const auto unit = TakeTimeUnit(text, &pos);
    if (!unit || *unit < next_unit) {
      return NotA(text, fmt::format("a time span {}", kTimeSpanForm));
    }
    // "s" and "sec" are one unit.
    next_unit = kTimeUnits[*unit].name == "s" ? *unit + 2 : *unit + 1;
    auto component = CheckedMul(*number, kTimeUnits[*unit].microseconds);
    auto sum = component ? CheckedAdd(total, *component) : std::nullopt;
    if (!sum || *sum > limit) {
      return Status(StatusCode::kInvalidArgument,
                    internal::Quote(text) + " is too long a time span (at most 292,000 years)");
    }
    total = *sum;
    any = true;
  }
  if (!any) return NotA(text, fmt::format("a time span {}", kTimeSpanForm));
  return std::chrono::microseconds(static_cast<int64_t>(total));
}

Result<uint32_t> ParsePercent(std::string_view text) {
  if (text.empty() || text.back() != '%') {
    return NotA(text, "a percentage from 1% to 100% (e.g. 80%)");
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  size_t pos = 0;
  const auto value = TakeDigits(digits, &pos);
  if (!value || pos != digits.size() || *value < 1 || *value > 100) {
    return NotA(text, "a percentage from 1% to 100% (e.g. 80%)");
  }
  return static_cast<uint32_t>(*value);
}

Result<MemoryLimit> ParseMemoryLimit(std::string_view text) {
  if (!text.empty() && text.back() == '%') {
    LLMCORE_ASSIGN_OR_RETURN(const uint32_t percent, ParsePercent(text));
    return MemoryLimit::Percent(percent);
  }
  size_t pos = 0;
  if (!TakeDigits(text, &pos)) {
    return NotA(text, "a percentage or a size (e.g. 80%, 16G)");
  }
  LLMCORE_ASSIGN_OR_RETURN(const uint64_t bytes, ParseSize(text, 1));
  return MemoryLimit::Bytes(bytes);
}

std::string FormatSize(uint64_t bytes) {
  constexpr std::array<std::pair<char, unsigned>, 3> kSuffixes = {
      {{'G', 30}, {'M', 20}, {'K', 10}}};
  for (const auto& [suffix, shift] : kSuffixes) {
    const uint64_t unit = uint64_t{1} << shift;
    if (bytes != 0 && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, suffix);
  }
  return std::to_string(bytes);
}

std::string FormatTimeSpan(std::chrono::microseconds span) {
  if (span == kInfiniteTimeSpan) return "infinity";
  if (span.count() <= 0) return "0";
  auto left = static_cast<uint64_t>(span.count());
  std::string out;
  for (const TimeUnit& unit : kTimeUnits) {
    if (unit.name == "sec" || left < unit.microseconds) continue;
    if (!out.empty()) out += ' ';
    out += fmt::format("{}{}", left / unit.microseconds, unit.name);
    left %= unit.microseconds;
  }
  return out;
}

std::string FormatMemoryLimit(const MemoryLimit& limit) {
  if (limit.unit == MemoryLimit::Unit::kPercent) return fmt::format("{}%", limit.value);
  return FormatSize(limit.value);
}

}  // namespace llmcore::config
