#include "fd_source.h"

#include <unistd.h>

#include <cerrno>

namespace llmcore::store::internal {

Status FdSource::ReadAt(uint64_t offset, std::span<std::byte> dst) {
  if (offset > size_ || dst.size() > size_ - offset) {
    return Status(StatusCode::kCorrupt,
                  name_ + ": read past the end of the file at byte " + std::to_string(offset));
  }
  for (uint64_t done = 0; done < dst.size();) {
    ssize_t n = pread(fd_, dst.data() + done, dst.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, name_ + ": read");
    if (n == 0) {
      return Status(StatusCode::kCorrupt, name_ + ": file changed while reading: it ends at byte " +
                                              std::to_string(offset + done));
    }
    done += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

}  // namespace llmcore::store::internal
