// GgufBytes: writes hand-made GGUF bytes, valid or not, field by field.
//
// The reader's tests need files that break exactly one rule at a known byte,
// so this builder knows only the encoding (little-endian integers, strings as
// a uint64 length plus bytes) and a few shorthands; it checks nothing. It is
// deliberately independent of GgufWriter, which must not be able to produce
// most of these files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/source.h"
#include "llmcore/gguf/types.h"

namespace llmcore::gguf::testing {

class GgufBytes {
 public:
  GgufBytes& U8(uint8_t v) { return Le(v); }
  GgufBytes& U16(uint16_t v) { return Le(v); }
  GgufBytes& U32(uint32_t v) { return Le(v); }
  GgufBytes& U64(uint64_t v) { return Le(v); }
  GgufBytes& I32(int32_t v) { return Le(static_cast<uint32_t>(v)); }
  GgufBytes& I64(int64_t v) { return Le(static_cast<uint64_t>(v)); }
  GgufBytes& F32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return Le(bits);
  }
  GgufBytes& F64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return Le(bits);
  }
  GgufBytes& Raw(std::string_view raw) {
    for (char c : raw) bytes_.push_back(static_cast<std::byte>(c));
    return *this;
  }
  GgufBytes& Zeros(size_t n) {
    bytes_.insert(bytes_.end(), n, std::byte{0});
    return *this;
  }
  // A GGUF string: uint64 length, then the bytes.
  GgufBytes& Str(std::string_view s) { return U64(s.size()).Raw(s); }
  GgufBytes& Type(ValueType t) { return U32(static_cast<uint32_t>(t)); }

  // Magic, version, tensor count, key count (24 bytes).
  GgufBytes& Header(uint64_t n_tensors, uint64_t n_keys, uint32_t version = 3) {
    return Raw("GGUF").U32(version).U64(n_tensors).U64(n_keys);
  }

  // A key and its value type; the value follows.
  GgufBytes& Key(std::string_view key, ValueType type) { return Str(key).Type(type); }
  GgufBytes& KeyU32(std::string_view key, uint32_t v) {
    return Key(key, ValueType::kUint32).U32(v);
  }
  GgufBytes& KeyStr(std::string_view key, std::string_view v) {
    return Key(key, ValueType::kString).Str(v);
  }
  // An array header: element type and count; the elements follow.
  GgufBytes& ArrayOf(ValueType element_type, uint64_t count) {
    return Type(element_type).U64(count);
  }

  // A tensor info: name, n_dims, dims, type, offset.
  GgufBytes& Tensor(std::string_view name, std::initializer_list<uint64_t> dims, TensorType type,
                    uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) U64(d);
    return U32(static_cast<uint32_t>(type)).U64(offset);
  }

  // Zero bytes up to the next multiple of `alignment`.
  GgufBytes& PadTo(uint64_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(std::byte{0});
    return *this;
  }

  // The current size: the offset the next field will have.
  uint64_t size() const { return bytes_.size(); }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  template <typename T>
  GgufBytes& Le(T v) {
    for (size_t i = 0; i < sizeof(T); ++i) {
      bytes_.push_back(static_cast<std::byte>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFF));
    }
    return *this;
  }

  std::vector<std::byte> bytes_;
};

// The outcome of parsing bytes: the result and, on failure, the FormatError.
struct Parsed {
  Result<GgufFile> file;
  FormatError error;
};

inline Parsed Parse(std::span<const std::byte> bytes, const ReadLimits& limits = {}) {
  MemorySource source(bytes);
  FormatError error;
  Result<GgufFile> file = ReadGguf(source, limits, &error);
  return Parsed{std::move(file), std::move(error)};
}

}  // namespace llmcore::gguf::testing
