#include "llmcore/utf8.h"

namespace llmcore {
namespace {

// Sequence length announced by a lead byte and the allowed range of the second
// byte (narrower than 0x80..0xBF for E0, ED, F0 and F4, which is what rules out
// overlong forms, surrogates and code points above U+10FFFF). Zero length: the
// byte cannot start a sequence.
struct LeadInfo {
  uint8_t length;
  uint8_t second_min;
  uint8_t second_max;
};

LeadInfo Lead(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

}  // namespace

Utf8Decoded DecodeUtf8(std::string_view bytes) {
  Utf8Decoded r;
  if (bytes.empty()) return r;  // kInvalid with length 0: callers never pass empty
  const auto b0 = static_cast<uint8_t>(bytes[0]);
  const LeadInfo lead = Lead(b0);
  if (lead.length == 0) {
    r.length = 1;
    return r;
  }
  if (lead.length == 1) {
    r.kind = Utf8Decoded::Kind::kValid;
    r.code_point = b0;
    r.length = 1;
    return r;
  }
  uint32_t cp = b0 & (0xFFu >> (lead.length + 1));
  for (size_t i = 1; i < lead.length; ++i) {
    if (i >= bytes.size()) {
      r.kind = Utf8Decoded::Kind::kIncomplete;
      r.length = i;
      return r;
    }
    const auto b = static_cast<uint8_t>(bytes[i]);
    const uint8_t lo = i == 1 ? lead.second_min : 0x80;
    const uint8_t hi = i == 1 ? lead.second_max : 0xBF;
    if (b < lo || b > hi) {
      r.length = i;  // the maximal subpart ends before the offending byte
      return r;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  r.kind = Utf8Decoded::Kind::kValid;
  r.code_point = cp;
  r.length = lead.length;
  return r;
}

size_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // ASCII runs dominate real text; skip them without decoding.
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Decoded d = DecodeUtf8(text.substr(i));
    if (d.kind != Utf8Decoded::Kind::kValid) return i;
    i += d.length;
  }
  return std::string_view::npos;
}

size_t CompleteUtf8PrefixLength(std::string_view bytes) {
  // Only the last three bytes can belong to an unfinished sequence.
  const size_t start = bytes.size() > 3 ? bytes.size() - 3 : 0;
  for (size_t i = start; i < bytes.size(); ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    if (b < 0x80 || (b & 0xC0) == 0x80) continue;  // ASCII or continuation
    const Utf8Decoded d = DecodeUtf8(bytes.substr(i));
    if (d.kind == Utf8Decoded::Kind::kIncomplete) return i;
  }
  return bytes.size();
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      out.push_back(text[i++]);
      continue;
    }
    const Utf8Decoded d = DecodeUtf8(text.substr(i));
    if (d.kind == Utf8Decoded::Kind::kValid) {
      out.append(text.substr(i, d.length));
    } else {
      out.append(kReplacementCharacter);
    }
    i += d.length;
  }
  return out;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      out->append(kReplacementCharacter);
      return;
    }
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->append(kReplacementCharacter);
  }
}

}  // namespace llmcore
