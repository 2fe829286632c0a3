// What the two readers share: how one completed read is interpreted.
#pragma once

#include <cstdint>

#include "llmcore/status.h"
#include "llmcore/store/io_backend.h"

namespace llmcore::store::internal {

// The most one read asks for: io_uring lengths are 32-bit and results are
// int, and Linux transfers at most 0x7ffff000 bytes per call anyway.
inline constexpr uint64_t kMaxReadBytes = 1u << 30;

// Bytes the next read of `request` should ask for, with `done` bytes done.
inline uint64_t NextReadLength(const ReadRequest& request, uint64_t done) {
  uint64_t left = request.dst.size() - done;
  return left < kMaxReadBytes ? left : kMaxReadBytes;
}

enum class ReadStep {
  kTransferred,  // `result` bytes arrived; *done advanced
  kRetry,        // EINTR or EAGAIN: submit the same read again
};

// Applies one read's `result` (bytes, or -errno) to `request`, of which
// `*done` bytes were done before it. Fails with kCorrupt for end of file,
// kInvalidArgument for EINVAL, kIoError for other errors.
Result<ReadStep> ApplyReadResult(const ReadRequest& request, int64_t result, uint64_t* done);

Status CancelledStatus();

}  // namespace llmcore::store::internal
