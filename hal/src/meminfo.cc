#include "meminfo.h"

#include <fmt/format.h>

#include <charconv>

#include "llmcore/checked_math.h"
#include "read_file.h"

namespace llmcore::hal::internal {
namespace {

constexpr size_t kMaxMeminfoBytes = 1 << 20;

std::string_view SkipSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// "Node 12 MemFree: ..." -> "MemFree: ..."; other lines unchanged.
std::string_view StripNodePrefix(std::string_view line) {
  constexpr std::string_view kNode = "Node ";
  if (line.substr(0, kNode.size()) != kNode) return line;
  std::string_view rest = line.substr(kNode.size());
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits == 0) return line;
  return SkipSpaces(rest.substr(digits));
}

// "   24683620 kB" -> bytes.
std::optional<uint64_t> ParseQuantity(std::string_view value) {
  value = SkipSpaces(value);
  uint64_t number = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || ptr == value.data()) return std::nullopt;
  std::string_view unit = SkipSpaces(value.substr(static_cast<size_t>(ptr - value.data())));
  while (!unit.empty() && (unit.back() == ' ' || unit.back() == '\t' || unit.back() == '\r')) {
    unit.remove_suffix(1);
  }
  if (unit.empty()) return number;
  if (unit == "kB") return CheckedMul(number, 1024);
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> FindMeminfoBytes(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = StripNodePrefix(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      return ParseQuantity(line.substr(key.size() + 1));
    }
  }
  return std::nullopt;
}

MemoryCounters ReadMachineMemory() {
  MemoryCounters counters;
  Result<std::string> text = ReadWholeFile("/proc/meminfo", kMaxMeminfoBytes);
  if (!text.ok()) return counters;
  counters.total_bytes = FindMeminfoBytes(*text, "MemTotal");
  counters.free_bytes = FindMeminfoBytes(*text, "MemFree");
  counters.available_bytes = FindMeminfoBytes(*text, "MemAvailable");
  return counters;
}

std::optional<uint64_t> ReadNodeFreeBytes(int node) {
  Result<std::string> text =
      ReadWholeFile(fmt::format("/sys/devices/system/node/node{}/meminfo", node), kMaxMeminfoBytes);
  if (!text.ok()) return std::nullopt;
  return FindMeminfoBytes(*text, "MemFree");
}

}  // namespace llmcore::hal::internal
