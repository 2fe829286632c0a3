// Quoting outside text inside an error message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace llmcore::config::internal {

// `text` in single quotes for a message: control characters, quotes,
// backslashes and bytes that are not UTF-8 escaped as \xNN, and anything past
// `max_bytes` replaced by "..." (cut at a character boundary), so that a
// 64 KiB value or a terminal escape sequence cannot flood or garble a log.
std::string Quote(std::string_view text, size_t max_bytes = 80);

}  // namespace llmcore::config::internal
