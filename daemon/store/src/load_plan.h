// Where things go in a segment, and which reads fill it. Pure arithmetic, no
// system calls.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"
#include "llmcore/store/io_backend.h"

namespace llmcore::store::internal {

struct SegmentPlan {
  uint64_t directory_offset = 0;
  uint64_t directory_bytes = 0;
  uint64_t data_offset = 0;
  uint64_t data_bytes = 0;
  uint64_t end = 0;  // data_offset + data_bytes: the least the memfd must hold
};

// Places the directory after the header and the data after the directory, at
// an offset congruent to the file's data offset modulo
// max(kDirectIoAlignment, file.alignment()) (see segment_layout.h). Fails with
// kResourceExhausted when the sizes overflow.
Result<SegmentPlan> PlanSegment(const gguf::GgufFile& file, uint64_t directory_bytes);

struct ReadPlan {
  std::vector<ReadRequest> requests;
  uint64_t direct_bytes = 0;  // bytes planned on the O_DIRECT fd
};

// Splits the file range [file_offset, file_offset + dst.size()) into reads of
// at most `chunk_bytes` (> 0) into `dst`. With `direct_fd` >= 0, and dst's
// address congruent to file_offset modulo kDirectIoAlignment, the whole
// blocks in the middle are read from `direct_fd` in block-multiple chunks and
// the partial blocks at either end from `buffered_fd`; otherwise everything
// is read from `buffered_fd`.
ReadPlan PlanReads(int buffered_fd, int direct_fd, uint64_t file_offset, std::span<std::byte> dst,
                   uint64_t chunk_bytes);

// The block-aligned middle of a file range, [begin, end) in file offsets;
// empty (begin == end) when the range holds no whole block.
struct AlignedMiddle {
  uint64_t begin = 0;
  uint64_t end = 0;
};
AlignedMiddle DirectIoMiddle(uint64_t file_offset, uint64_t length);

}  // namespace llmcore::store::internal
