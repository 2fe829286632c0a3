// Small ASCII text helpers for the project's line-oriented parsers (the
// configuration file, sysfs CPU lists).
#pragma once

#include <string_view>

namespace llmcore {

// `s` without leading and trailing spaces, tabs, CRs and LFs.
inline std::string_view TrimAsciiSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

}  // namespace llmcore
