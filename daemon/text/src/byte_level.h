// The byte-to-character alphabet of byte-level BPE vocabularies (GPT-2 and its
// descendants): every byte 0..255 stands for one printable Unicode character,
// so that vocabulary entries and merges are printable strings. Printable
// Latin-1 bytes stand for themselves; the others (controls, space, DEL, NBSP,
// soft hyphen) are moved, in byte order, to U+0100 and up ("Ġ" is the space).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmcore::text {

// The character that stands for `byte`.
uint32_t ByteLevelCodePoint(uint8_t byte);

// The UTF-8 encoding of ByteLevelCodePoint(byte), for every byte.
const std::array<std::string, 256>& ByteLevelAlphabet();

// The byte a character stands for; nullopt for characters outside the alphabet.
std::optional<uint8_t> ByteFromByteLevelCodePoint(uint32_t code_point);

// Maps raw bytes to their byte-level characters ("a b" -> "aĠb").
void AppendByteLevelEncoded(std::string_view bytes, std::string* out);

// Maps byte-level text back to raw bytes. Characters outside the alphabet (and
// invalid UTF-8) are copied unchanged, so decoding never fails.
std::string ByteLevelDecode(std::string_view text);

}  // namespace llmcore::text
