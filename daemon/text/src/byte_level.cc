#include "byte_level.h"

#include "llmcore/utf8.h"

namespace llmcore::text {
namespace {

bool StandsForItself(uint32_t b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<uint32_t, 256> code_point{};
  std::array<std::string, 256> utf8;
  // Inverse over the only code points the alphabet uses: 0..0x143.
  std::array<int16_t, 0x144> byte_of{};

  Tables() {
    byte_of.fill(-1);
    uint32_t next_moved = 0x100;
    for (uint32_t b = 0; b < 256; ++b) {
      code_point[b] = StandsForItself(b) ? b : next_moved++;
      AppendUtf8(code_point[b], &utf8[b]);
      byte_of[code_point[b]] = static_cast<int16_t>(b);
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

}  // namespace

uint32_t ByteLevelCodePoint(uint8_t byte) {
  return GetTables().code_point[byte];
}

const std::array<std::string, 256>& ByteLevelAlphabet() {
  return GetTables().utf8;
}

std::optional<uint8_t> ByteFromByteLevelCodePoint(uint32_t code_point) {
  const Tables& t = GetTables();
  if (code_point >= t.byte_of.size() || t.byte_of[code_point] < 0) return std::nullopt;
  return static_cast<uint8_t>(t.byte_of[code_point]);
}

void AppendByteLevelEncoded(std::string_view bytes, std::string* out) {
  const auto& alphabet = GetTables().utf8;
  for (char c : bytes) out->append(alphabet[static_cast<uint8_t>(c)]);
}

std::string ByteLevelDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const Utf8Decoded d = DecodeUtf8(text.substr(i));
    const size_t len = d.length == 0 ? 1 : d.length;
    if (d.kind == Utf8Decoded::Kind::kValid) {
      if (auto b = ByteFromByteLevelCodePoint(d.code_point)) {
        out.push_back(static_cast<char>(*b));
        i += len;
        continue;
      }
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace llmcore::text
