// GgufWriter: writes GGUF version 3 files that follow the specification
// exactly (little-endian, general.alignment honoured, tensor data aligned and
// zero-padded), so that other GGUF readers accept them.
//
// Tensor data is produced on demand by a fill callback while the file is
// written, so models far larger than memory can be generated.
//
// Thread safety: one writer per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/gguf/types.h"
#include "llmcore/status.h"

namespace llmcore::gguf {

class GgufWriter {
 public:
  // Fills `dst` (exactly the tensor's byte size) with the tensor's data.
  using TensorFill = std::function<Status(std::span<std::byte> dst)>;

  // `alignment` must be a power of two; when it is not 32 (the default of the
  // spec) the writer also emits general.alignment.
  explicit GgufWriter(uint64_t alignment = 32);

  // Metadata, written in the order added. Value::type decides the encoding
  // width (a uint64_t payload with type kUint32 is written as 4 bytes).
  // Duplicate keys are refused with kAlreadyExists.
  Status Add(std::string key, Value value);
  Status AddString(std::string key, std::string value);
  Status AddUint32(std::string key, uint32_t value);
  Status AddInt32(std::string key, int32_t value);
  Status AddFloat32(std::string key, float value);
  Status AddBool(std::string key, bool value);

  // Tensors, written in the order added. `shape` holds ne[0] (innermost) first,
  // 1 to 4 dimensions; ne[0] must be a multiple of the type's block size.
  Status AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape,
                   TensorFill fill);
  Status AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape,
                   std::span<const std::byte> data);

  // Writes everything to `path` atomically (a temporary file in the same
  // directory, renamed over `path` once complete).
  Status WriteFile(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    TensorType type;
    std::vector<uint64_t> shape;
    uint64_t n_bytes;
    TensorFill fill;
  };
  uint64_t alignment_;
  std::vector<KeyValue> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace llmcore::gguf
