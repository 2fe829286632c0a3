#include "load_plan.h"

#include <algorithm>
#include <cstddef>

#include "llmcore/checked_math.h"
#include "llmcore/store/segment_layout.h"

namespace llmcore::store::internal {
namespace {

constexpr uint64_t kDirectoryAlignment = 64;

void AddChunks(std::vector<ReadRequest>& out, int fd, uint64_t file_offset, std::byte* dst,
               uint64_t length, uint64_t chunk_bytes) {
  for (uint64_t done = 0; done < length;) {
    uint64_t n = std::min(chunk_bytes, length - done);
    out.push_back(ReadRequest{fd, file_offset + done, std::span<std::byte>(dst + done, n)});
    done += n;
  }
}

}  // namespace

Result<SegmentPlan> PlanSegment(const gguf::GgufFile& file, uint64_t directory_bytes) {
  const Status too_large(StatusCode::kResourceExhausted, "model too large for a segment");
  SegmentPlan plan;
  plan.directory_offset = kSegmentHeaderBytes;
  plan.directory_bytes = directory_bytes;
  plan.data_bytes = file.data_size();

  uint64_t period = std::max<uint64_t>(kDirectIoAlignment, file.alignment());
  if (!IsPowerOfTwo(period)) return Status(StatusCode::kCorrupt, "alignment not a power of two");
  auto directory_end = CheckedAdd(plan.directory_offset, directory_bytes);
  if (!directory_end) return too_large;
  auto min_start = CheckedAlignUp(*directory_end, kDirectoryAlignment);
  if (!min_start) return too_large;
  uint64_t residue = file.data_offset() & (period - 1);
  uint64_t candidate = (*min_start & ~(period - 1)) + residue;
  if (candidate < *min_start) {
    auto bumped = CheckedAdd(candidate, period);
    if (!bumped) return too_large;
    candidate = *bumped;
  }
  plan.data_offset = candidate;
  auto end = CheckedAdd(plan.data_offset, plan.data_bytes);
  if (!end) return too_large;
  plan.end = *end;
  return plan;
}

AlignedMiddle DirectIoMiddle(uint64_t file_offset, uint64_t length) {
  constexpr uint64_t kBlock = kDirectIoAlignment;
  uint64_t end = file_offset + length;
  uint64_t begin = (file_offset + kBlock - 1) & ~(kBlock - 1);
  uint64_t aligned_end = end & ~(kBlock - 1);
  if (begin >= aligned_end) return AlignedMiddle{file_offset, file_offset};
  return AlignedMiddle{begin, aligned_end};
}

ReadPlan PlanReads(int buffered_fd, int direct_fd, uint64_t file_offset, std::span<std::byte> dst,
                   uint64_t chunk_bytes) {
  ReadPlan plan;
  uint64_t length = dst.size();
  uint64_t address = reinterpret_cast<uintptr_t>(dst.data());
  bool congruent = (address & (kDirectIoAlignment - 1)) == (file_offset & (kDirectIoAlignment - 1));
  AlignedMiddle middle = DirectIoMiddle(file_offset, length);
  if (direct_fd < 0 || !congruent || middle.begin == middle.end) {
    AddChunks(plan.requests, buffered_fd, file_offset, dst.data(), length, chunk_bytes);
    return plan;
  }
  uint64_t head = middle.begin - file_offset;
  uint64_t body = middle.end - middle.begin;
  uint64_t direct_chunk = std::max(kDirectIoAlignment, chunk_bytes & ~(kDirectIoAlignment - 1));
  AddChunks(plan.requests, buffered_fd, file_offset, dst.data(), head, chunk_bytes);
  AddChunks(plan.requests, direct_fd, middle.begin, dst.data() + head, body, direct_chunk);
  AddChunks(plan.requests, buffered_fd, middle.end, dst.data() + head + body, length - head - body,
            chunk_bytes);
  plan.direct_bytes = body;
  return plan;
}

}  // namespace llmcore::store::internal
