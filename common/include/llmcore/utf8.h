// UTF-8 helpers: strict validation (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) and the bookkeeping a streaming
// decoder needs to never hand out half a code point.
//
// All functions are pure and thread-safe; none allocates except SanitizeUtf8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmcore {

// The replacement character U+FFFD, encoded.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Result of decoding one sequence at the start of a buffer.
struct Utf8Decoded {
  enum class Kind {
    kValid,       // `length` bytes form `code_point`
    kIncomplete,  // the buffer ends inside a sequence that is valid so far
    kInvalid,     // the first `length` bytes (at least 1) can never start a valid sequence
  };
  Kind kind = Kind::kInvalid;
  uint32_t code_point = 0;
  size_t length = 0;
};

// Decodes the sequence at the start of `bytes` (which must not be empty).
// kInvalid reports the maximal invalid subpart, as Unicode recommends for
// replacement: one U+FFFD per returned `length`.
Utf8Decoded DecodeUtf8(std::string_view bytes);

// Byte offset of the first byte that is not part of a complete valid sequence,
// or std::string_view::npos when `text` is entirely valid UTF-8.
size_t FindInvalidUtf8(std::string_view text);
inline bool IsValidUtf8(std::string_view text) {
  return FindInvalidUtf8(text) == std::string_view::npos;
}

// Length of the longest prefix of `bytes` that does not end inside a sequence
// which is still valid so far (a partial code point at the end is excluded;
// invalid bytes are included, since more input cannot repair them).
size_t CompleteUtf8PrefixLength(std::string_view bytes);

// `text` with each maximal invalid subpart (including a truncated sequence at
// the end) replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point` (which must be a scalar value:
// at most U+10FFFF and not a surrogate; others append U+FFFD).
void AppendUtf8(uint32_t code_point, std::string* out);

}  // namespace llmcore
