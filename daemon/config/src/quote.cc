#include "quote.h"

#include <fmt/format.h>

#include <cstdint>

#include "llmcore/utf8.h"

namespace llmcore::config::internal {

std::string Quote(std::string_view text, size_t max_bytes) {
  std::string out = "'";
  size_t pos = 0;
  while (pos < text.size()) {
    if (pos >= max_bytes) {
      out += "...";
      break;
    }
    const Utf8Decoded decoded = DecodeUtf8(text.substr(pos));
    const size_t length = decoded.kind == Utf8Decoded::Kind::kValid ? decoded.length : 1;
    const uint32_t cp = decoded.code_point;
    const bool shown_as_is = decoded.kind == Utf8Decoded::Kind::kValid && cp >= 0x20 &&
                             !(cp >= 0x7f && cp < 0xa0) && cp != '\'' && cp != '\\';
    if (shown_as_is) {
      out.append(text.substr(pos, length));
    } else {
      for (size_t i = 0; i < length; ++i) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[pos + i]));
      }
    }
    pos += length;
  }
  out += "'";
  return out;
}

}  // namespace llmcore::config::internal
