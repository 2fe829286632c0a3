#include "python_strip.h"

#include <cstdint>

#include "llmcore/utf8.h"

namespace llmcore::text {
namespace {

bool IsPythonSpace(uint32_t c) {
  if (c <= 0x7F) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  switch (c) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return c >= 0x2000 && c <= 0x200A;
  }
}

// Length of the whitespace character starting at `text[0]`, or 0.
size_t SpaceAt(std::string_view text) {
  const Utf8Decoded d = DecodeUtf8(text);
  return d.kind == Utf8Decoded::Kind::kValid && IsPythonSpace(d.code_point) ? d.length : 0;
}

// Length of the whitespace character ending at `text.size()`, or 0. A
// character is at most 4 bytes; try each possible start.
size_t SpaceBefore(std::string_view text) {
  for (size_t len = 1; len <= 4 && len <= text.size(); ++len) {
    const std::string_view tail = text.substr(text.size() - len);
    const Utf8Decoded d = DecodeUtf8(tail);
    if (d.kind == Utf8Decoded::Kind::kValid && d.length == len) {
      return IsPythonSpace(d.code_point) ? len : 0;
    }
  }
  return 0;
}

}  // namespace

std::string_view PythonStrip(std::string_view text) {
  while (!text.empty()) {
    const size_t n = SpaceAt(text);
    if (n == 0) break;
    text.remove_prefix(n);
  }
  while (!text.empty()) {
    const size_t n = SpaceBefore(text);
    if (n == 0) break;
    text.remove_suffix(n);
  }
  return text;
}

}  // namespace llmcore::text
