// Builds a model's tensor directory (segment_layout.h) in a heap buffer, to be
// copied into the segment as is: the structures hold only offset_ptrs, which
// stay valid when the whole buffer is moved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"

namespace llmcore::store::internal {

struct BuiltDirectory {
  std::vector<std::max_align_t> storage;  // the managed buffer (aligned as Boost requires)
  uint64_t bytes = 0;                     // how much of it to copy (trimmed)
  uint64_t root_offset = 0;               // the TensorDirectory, from the buffer's start

  const std::byte* data() const { return reinterpret_cast<const std::byte*>(storage.data()); }
};

// Never throws: a directory too large for memory gives kResourceExhausted.
Result<BuiltDirectory> BuildDirectory(const gguf::GgufFile& file);

}  // namespace llmcore::store::internal
