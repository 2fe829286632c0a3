#include "read_result.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace llmcore::store::internal {

Result<ReadStep> ApplyReadResult(const ReadRequest& request, int64_t result, uint64_t* done) {
  uint64_t at = request.offset + *done;
  if (result == -EINTR || result == -EAGAIN) return ReadStep::kRetry;
  if (result < 0) {
    int err = static_cast<int>(-result);
    std::string what = "read at byte " + std::to_string(at) + ": " + std::strerror(err);
    return Status(err == EINVAL ? StatusCode::kInvalidArgument : StatusCode::kIoError, what);
  }
  if (result == 0) {
    return Status(StatusCode::kCorrupt, "file changed while loading: it ends at byte " +
                                            std::to_string(at) + ", " +
                                            std::to_string(request.dst.size() - *done) +
                                            " bytes before the data the header describes");
  }
  uint64_t bytes = static_cast<uint64_t>(result);
  if (bytes > NextReadLength(request, *done)) {
    return Status(StatusCode::kInternal,
                  "read at byte " + std::to_string(at) + " returned more bytes than asked for");
  }
  *done += bytes;
  return ReadStep::kTransferred;
}

Status CancelledStatus() {
  return Status(StatusCode::kCancelled, "load cancelled");
}

}  // namespace llmcore::store::internal
