// GgufFile: the parsed header, metadata and tensor directory of a GGUF file
// (versions 2 and 3), without the tensor data.
//
// A GgufFile is produced only by ReadGguf() (reader.h), which has checked every
// rule listed there; code that consumes one may rely on them: keys and tensor
// names are unique, every tensor's bytes lie inside the file, offsets are
// aligned, shapes are 1-4 non-zero dimensions whose element count fits in
// int64 and whose first dimension is a multiple of the type's block size.
//
// Thread safety: immutable after construction; share freely.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "llmcore/gguf/types.h"
#include "llmcore/status.h"

namespace llmcore::gguf {

struct Value;

// A metadata array: its element type and its elements, stored as a typed
// vector. Booleans are stored as uint8_t (0 or 1).
struct Array {
  ValueType element_type = ValueType::kUint8;
  std::variant<std::vector<uint8_t>, std::vector<int8_t>, std::vector<uint16_t>,
               std::vector<int16_t>, std::vector<uint32_t>, std::vector<int32_t>,
               std::vector<float>, std::vector<uint64_t>, std::vector<int64_t>, std::vector<double>,
               std::vector<std::string>, std::vector<Value>>
      elements;

  size_t size() const;

  // The elements as a span when element_type matches T exactly (bool: uint8_t);
  // an empty optional otherwise.
  template <typename T>
  std::optional<std::span<const T>> As() const {
    if (const auto* v = std::get_if<std::vector<T>>(&elements)) return std::span<const T>(*v);
    return std::nullopt;
  }
};

struct Value {
  ValueType type = ValueType::kUint8;
  // Scalars keep their exact type: unsigned ints as uint64_t, signed as
  // int64_t, floats as double, bool as bool, string as std::string.
  std::variant<uint64_t, int64_t, double, bool, std::string, Array> data;

  // Typed views. Integer getters accept any integer type whose value fits;
  // AsDouble accepts float32/float64 and integers.
  std::optional<uint64_t> AsUint() const;
  std::optional<int64_t> AsInt() const;
  std::optional<double> AsDouble() const;
  std::optional<bool> AsBool() const;
  const std::string* AsString() const;
  const Array* AsArray() const;

  // A short human rendering on one line: numbers, strings quoted with C-style
  // escapes (control characters and bytes that are not UTF-8 as \xNN), strings
  // longer than `max_string_bytes` cut at a character boundary with their
  // length appended, arrays as "<type>[<count>] [e0, e1, ...]" showing their
  // first `max_array_elements` elements.
  std::string ToDisplayString(size_t max_array_elements = 8,
                              size_t max_string_bytes = SIZE_MAX) const;
};

struct KeyValue {
  std::string key;
  Value value;
  uint64_t file_offset = 0;  // where the key starts, for messages
};

struct TensorInfo {
  std::string name;
  TensorType type = TensorType::kF32;
  uint32_t n_dims = 0;
  std::array<uint64_t, 4> ne = {1, 1, 1, 1};  // ne[0] is the innermost (row) dimension
  uint64_t offset = 0;                        // relative to the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;    // n_elements / block_elements * block_bytes
  uint64_t row_bytes = 0;  // bytes of one ne[0]-long row
};

class GgufFile {
 public:
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  // Absolute file offset of the data section (aligned to alignment()). A file
  // without tensors may end before it: vocabulary-only files carry no padding
  // after their metadata, so data_offset() can exceed file_size() when
  // tensors() is empty.
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return file_size_; }
  // Bytes from data_offset() to the end of the last tensor's data.
  uint64_t data_size() const { return data_size_; }

  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  const Value* Find(std::string_view key) const;
  const TensorInfo* FindTensor(std::string_view name) const;

  // Typed lookups: NotFound when the key is absent, InvalidArgument naming the
  // key and both types when it has another type.
  Result<std::string> GetString(std::string_view key) const;
  Result<uint64_t> GetUint(std::string_view key) const;
  Result<int64_t> GetInt(std::string_view key) const;
  Result<double> GetDouble(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  Result<const Array*> GetArray(std::string_view key) const;

  // The value of general.architecture, or "" when absent.
  std::string architecture() const;

 private:
  friend class GgufFileBuilder;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  uint64_t file_size_ = 0;
  uint64_t data_size_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> key_index_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace llmcore::gguf
