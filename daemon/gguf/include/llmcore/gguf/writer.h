// GgufWriter: writes GGUF version 3 files that follow the specification
// exactly (little-endian, general.alignment honoured, tensor data aligned and
// zero-padded), so that other GGUF readers accept them.
//
// Tensor data is produced on demand by a fill callback while the file is
// written, a bounded buffer at a time, so models far larger than memory can be
// generated. Everything is validated when it is added, against the structural
// rules ReadGguf enforces (it does not know the types ReadGguf expects of
// well-known keys such as tokenizer.ggml.tokens), so WriteFile fails only on
// I/O errors, lack of memory, a failing fill callback or a bad alignment.
//
// Ownership: the writer owns copies of keys, values, names and shapes; data
// passed as a span is copied too. Fill callbacks are kept and called (in the
// order the tensors were added) by every WriteFile.
//
// Errors: Status codes, never exceptions; an exception thrown by a fill
// callback is caught and reported as kInternal.
//
// Thread safety: one writer per thread; WriteFile may be called repeatedly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/gguf/types.h"
#include "llmcore/status.h"

namespace llmcore::gguf {

class GgufWriter {
 public:
  // One piece of a tensor's data. `bytes` holds whole blocks: elements
  // [first_element, first_element + n_elements) of the tensor, both multiples
  // of the type's block size. `bytes` has no particular memory alignment
  // (write through memcpy, not through a cast pointer).
  struct Chunk {
    uint64_t first_element = 0;
    uint64_t n_elements = 0;
    std::span<std::byte> bytes;
  };
  // Fills every byte of `chunk.bytes`. Called with consecutive chunks covering
  // the tensor from its first element to its last; a non-ok Status aborts the
  // write (the message is reported with the tensor's name).
  using TensorFill = std::function<Status(const Chunk& chunk)>;

  // Largest single fill and write(2); also the writer's whole memory use
  // besides the header.
  static constexpr size_t kDefaultBufferBytes = size_t{16} << 20;

  // `alignment` must be a power of two from 8 to 2^31 (the spec asks for a
  // multiple of 8; the value is stored as uint32); otherwise AddTensor and
  // WriteFile fail with kInvalidArgument. When it is not 32 (the spec's default) the writer
  // emits general.alignment as the first key.
  explicit GgufWriter(uint64_t alignment = 32);

  uint64_t alignment() const { return alignment_; }

  // Sets the buffer size (clamped to at least 4096 bytes); tests use small
  // values to exercise chunking.
  void set_buffer_bytes(size_t bytes);

  // Metadata, written in the order added. Value::type decides the encoding
  // width (a uint64_t payload with type kUint32 is written as 4 bytes); the
  // payload must be of the matching kind (integers as uint64_t or int64_t,
  // floats as double, bool, string, Array) and fit that width, array
  // elements must be stored in the vector that Array documents for their
  // element type, and every element of an array of arrays must be a kArray
  // Value. Refused with kInvalidArgument: an empty key, a key longer than
  // 65535 bytes or not valid UTF-8, general.alignment (set it through the
  // constructor), a mismatched payload. Refused with kAlreadyExists: a key
  // added before.
  Status Add(std::string key, Value value);
  Status AddString(std::string key, std::string value);
  Status AddUint32(std::string key, uint32_t value);
  Status AddUint64(std::string key, uint64_t value);
  Status AddInt32(std::string key, int32_t value);
  Status AddFloat32(std::string key, float value);
  Status AddBool(std::string key, bool value);

  // Tensors, written in the order added. `shape` holds ne[0] (innermost)
  // first. Refused with kInvalidArgument: an empty name, one longer than 63
  // bytes (ggml's limit) or not valid UTF-8, a type ggml does not define, not
  // 1 to 4 dimensions, a zero dimension, ne[0] not a multiple of the type's
  // block size, an element count above INT64_MAX, data whose total size
  // overflows uint64, data of the wrong size. Refused with kAlreadyExists: a
  // name added before.
  Status AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape, TensorFill fill);
  Status AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape,
                   std::span<const std::byte> data);

  // Writes everything to `path` atomically: a temporary file in the same
  // directory, preallocated, filled, fsync'ed and renamed over `path`, then
  // the directory fsync'ed. On any failure the temporary file is removed and
  // an existing file at `path` is left untouched.
  Status WriteFile(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    TensorType type;
    std::vector<uint64_t> shape;
    uint64_t n_elements;
    uint64_t n_bytes;
    uint64_t offset;  // in the data section
    TensorFill fill;
  };

  Status CheckAlignment() const;
  Status AddEncoded(std::string key, const Value& value);
  // `data_bytes`, when set, is the size of the caller's data, checked
  // against the shape.
  Status AddTensorImpl(std::string name, TensorType type, std::vector<uint64_t> shape,
                       TensorFill fill, std::optional<uint64_t> data_bytes);

  uint64_t alignment_;
  size_t buffer_bytes_ = kDefaultBufferBytes;
  uint64_t data_size_ = 0;  // end of the last tensor, padded to the alignment
  uint64_t kv_count_ = 0;
  std::vector<std::byte> kv_bytes_;  // the metadata, already encoded
  std::vector<PendingTensor> tensors_;
  std::set<std::string, std::less<>> keys_;
  std::set<std::string, std::less<>> names_;
};

}  // namespace llmcore::gguf
