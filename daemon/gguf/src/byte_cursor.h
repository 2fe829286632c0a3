// ByteCursor: sequential reads over a RandomAccessSource through a buffer.
//
// A vocabulary holds a few hundred thousand short strings, each a length and
// a few bytes; asking the source for every field (one virtual call and, for a
// file, one pread each) would dominate parsing. The cursor asks for large
// chunks and serves the fields from memory; reads larger than the buffer go
// to the source directly.
//
// The cursor does not know the format: callers check remaining() before a read
// (the reader turns a short file into a FormatError). A read can then only
// fail because the source failed; Read* return false and error() says why.
//
// Thread safety: one cursor per thread; it borrows the source, which must
// outlive it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "llmcore/gguf/source.h"
#include "llmcore/status.h"

namespace llmcore::gguf::internal {

class ByteCursor {
 public:
  static constexpr size_t kDefaultBufferBytes = 64 * 1024;

  explicit ByteCursor(RandomAccessSource& source, size_t buffer_bytes = kDefaultBufferBytes)
      : source_(source),
        size_(source.size()),
        // A small file needs no more buffer than its own size.
        buffer_(static_cast<size_t>(std::min<uint64_t>(buffer_bytes, size_))) {}

  uint64_t position() const { return pos_; }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - pos_; }

  // The source's failure after a Read* returned false.
  const Status& error() const { return error_; }

  // Copies `n` bytes (n <= remaining()) into `dst` and advances.
  bool Read(void* dst, size_t n) {
    if (n == 0) return true;
    if (Buffered(n)) {
      std::memcpy(dst, buffer_.data() + (pos_ - buffer_start_), n);
      pos_ += n;
      return true;
    }
    return ReadSlow(dst, n);
  }

  // Reads one little-endian integer or float.
  template <typename T>
  bool ReadLittleEndian(T* value) {
    static_assert(std::is_arithmetic_v<T>);
    if (!Read(value, sizeof(T))) return false;
    if constexpr (std::endian::native == std::endian::big) *value = ByteSwap(*value);
    return true;
  }

  // Reads `n` little-endian values of T (n * sizeof(T) <= remaining()) into
  // `values`, replacing its contents.
  template <typename T>
  bool ReadLittleEndianArray(std::vector<T>* values, size_t n) {
    static_assert(std::is_arithmetic_v<T>);
    values->resize(n);
    if (!Read(values->data(), n * sizeof(T))) return false;
    if constexpr (std::endian::native == std::endian::big) {
      for (T& v : *values) v = ByteSwap(v);
    }
    return true;
  }

  // Reads `n` bytes (n <= remaining()) into `out`, replacing its contents.
  bool ReadString(std::string* out, size_t n) {
    if (n == 0) {
      out->clear();
      return true;
    }
    if (Buffered(n) || (n <= buffer_.size() && Fill())) {
      out->assign(reinterpret_cast<const char*>(buffer_.data() + (pos_ - buffer_start_)), n);
      pos_ += n;
      return true;
    }
    if (!error_.ok()) return false;
    out->resize(n);
    return ReadSlow(out->data(), n);
  }

 private:
  template <typename T>
  static T ByteSwap(T v) {
    std::byte bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    std::reverse(bytes, bytes + sizeof(T));
    std::memcpy(&v, bytes, sizeof(T));
    return v;
  }

  // Whether [pos_, pos_ + n) is in the buffer. pos_ never moves backwards and
  // the buffer is always filled at pos_, so pos_ >= buffer_start_.
  bool Buffered(size_t n) const { return pos_ + n <= buffer_start_ + buffer_len_; }

  // Refills the buffer from pos_.
  bool Fill() {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), remaining()));
    error_ = source_.ReadAt(pos_, std::span<std::byte>(buffer_.data(), len));
    if (!error_.ok()) {
      buffer_len_ = 0;
      return false;
    }
    buffer_start_ = pos_;
    buffer_len_ = len;
    return true;
  }

  bool ReadSlow(void* dst, size_t n) {
    if (n <= buffer_.size()) {
      if (!Fill()) return false;
      std::memcpy(dst, buffer_.data(), n);
      pos_ += n;
      return true;
    }
    error_ = source_.ReadAt(pos_, std::span<std::byte>(static_cast<std::byte*>(dst), n));
    if (!error_.ok()) return false;
    pos_ += n;
    return true;
  }

  RandomAccessSource& source_;
  const uint64_t size_;
  std::vector<std::byte> buffer_;
  uint64_t buffer_start_ = 0;  // file offset of buffer_[0]
  size_t buffer_len_ = 0;      // valid bytes in buffer_
  uint64_t pos_ = 0;
  Status error_;
};

}  // namespace llmcore::gguf::internal
