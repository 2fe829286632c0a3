// Private: reading and appending fixed-width values and length-prefixed
// strings in private byte buffers, without alignment assumptions (memcpy).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace llmcore::ipc {

// Reads forward through a payload; every read checks the bytes left first.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }

  template <typename T>
  bool Read(T* out) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (remaining() < sizeof(T)) return false;
    std::memcpy(out, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }

  // A view of the next `n` bytes, or false when fewer remain.
  bool ReadBytes(uint64_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = std::string_view(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

template <typename T>
void AppendValue(const T& value, std::vector<uint8_t>* out) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  out->insert(out->end(), p, p + sizeof(T));
}

inline void AppendBytes(std::string_view bytes, std::vector<uint8_t>* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  out->insert(out->end(), p, p + bytes.size());
}

// A uint32_t byte count, then the bytes. The caller has checked the size.
inline void AppendString(std::string_view s, std::vector<uint8_t>* out) {
  AppendValue(static_cast<uint32_t>(s.size()), out);
  AppendBytes(s, out);
}

}  // namespace llmcore::ipc
