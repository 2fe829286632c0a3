#include "llmcore/hal/cpu_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "llmcore/ascii_text.h"

namespace llmcore::hal {
namespace {

// A whole decimal number below kMaxCpus, nothing else.
bool ParseCpuNumber(std::string_view s, int* out) {
  if (s.empty()) return false;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  if (value < 0 || value >= kMaxCpus) return false;
  *out = value;
  return true;
}

std::string NotACpu() {
  return fmt::format("not a CPU number below {}", kMaxCpus);
}

Status BadItem(std::string_view item, std::string_view why) {
  return Status(StatusCode::kInvalidArgument, fmt::format("cpu list: \"{}\": {}", item, why));
}

}  // namespace

std::string FormatCpuList(const CpuSet& cpus) {
  std::string out;
  size_t i = 0;
  while (i < cpus.size()) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    if (j == i) {
      out += fmt::format("{}", cpus[i]);
    } else {
      out += fmt::format("{}-{}", cpus[i], cpus[j]);
    }
    i = j + 1;
  }
  return out;
}

Result<CpuSet> ParseCpuList(std::string_view text) {
  // A bitmap rather than appending: repeated or overlapping ranges in a long
  // input then cost nothing beyond kMaxCpus bits.
  std::vector<bool> present(kMaxCpus, false);
  text = TrimAsciiSpace(text);
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = TrimAsciiSpace(text.substr(0, comma));
    if (item.empty()) return BadItem(text, "empty item");

    int first = 0;
    int last = 0;
    int stride = 1;
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!ParseCpuNumber(item, &first)) return BadItem(item, NotACpu());
      last = first;
    } else {
      std::string_view last_text = item.substr(dash + 1);
      const size_t colon = last_text.find(':');
      if (colon != std::string_view::npos) {
        if (!ParseCpuNumber(last_text.substr(colon + 1), &stride) || stride == 0) {
          return BadItem(item, "the stride is not a positive number");
        }
        last_text = last_text.substr(0, colon);
      }
      if (!ParseCpuNumber(item.substr(0, dash), &first) || !ParseCpuNumber(last_text, &last)) {
        return BadItem(item, NotACpu());
      }
      if (last < first) return BadItem(item, "the range ends before it starts");
    }
    // last < kMaxCpus and stride < kMaxCpus: `cpu` cannot overflow.
    for (int cpu = first; cpu <= last; cpu += stride) present[cpu] = true;

    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
    if (TrimAsciiSpace(text).empty()) return BadItem(item, "a comma ends the list");
  }
  CpuSet out;
  for (int cpu = 0; cpu < kMaxCpus; ++cpu) {
    if (present[cpu]) out.push_back(cpu);
  }
  return out;
}

CpuSet Intersect(const CpuSet& a, const CpuSet& b) {
  CpuSet out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

CpuSet Subtract(const CpuSet& a, const CpuSet& b) {
  CpuSet out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace llmcore::hal
