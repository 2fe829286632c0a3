#include "read_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "llmcore/unique_fd.h"

namespace llmcore::hal::internal {

Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus(errno, fmt::format("open {}", path));
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, fmt::format("read {}", path));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return Status(StatusCode::kResourceExhausted,
                    fmt::format("{}: larger than the {} bytes accepted", path, max_bytes));
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace llmcore::hal::internal
