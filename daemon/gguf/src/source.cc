#include "llmcore/gguf/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "llmcore/checked_math.h"

namespace llmcore::gguf {
namespace {

// A range past the end is the caller's mistake or a file that shrank; both
// mean the bytes the format promised are not there.
Status CheckRange(uint64_t offset, uint64_t length, uint64_t size, const std::string& name) {
  auto end = CheckedAdd(offset, length);
  if (!end || *end > size) {
    return Status(StatusCode::kCorrupt, name + ": read of " + std::to_string(length) +
                                            " bytes at byte " + std::to_string(offset) +
                                            " goes past the end (" + std::to_string(size) +
                                            " bytes)");
  }
  return Status::Ok();
}

Status PreadRange(int fd, uint64_t size, const std::string& name, uint64_t offset,
                  std::span<std::byte> dst) {
  LLMCORE_RETURN_IF_ERROR(CheckRange(offset, dst.size(), size, name));
  size_t done = 0;
  while (done < dst.size()) {
    ssize_t n =
        ::pread(fd, dst.data() + done, dst.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read " + name + " at byte " + std::to_string(offset + done));
    }
    if (n == 0) {
      return Status(StatusCode::kCorrupt, name +
                                              ": file shrank while being read (ends before byte " +
                                              std::to_string(offset + done) + ")");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status MemorySource::ReadAt(uint64_t offset, std::span<std::byte> dst) {
  LLMCORE_RETURN_IF_ERROR(CheckRange(offset, dst.size(), data_.size(), name_));
  if (!dst.empty()) std::memcpy(dst.data(), data_.data() + offset, dst.size());
  return Status::Ok();
}

Result<FileSource> FileSource::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoStatus(errno, "open " + path);
  return FromFd(std::move(fd), path);
}

Result<FileSource> FileSource::FromFd(UniqueFd fd, const std::string& path) {
  if (!fd) return Status(StatusCode::kInvalidArgument, path + ": no open file descriptor");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat " + path);
  // Only a regular file has a size that means something; a pipe or a
  // directory would read as empty or fail later with a confusing error.
  if (!S_ISREG(st.st_mode)) {
    return Status(StatusCode::kInvalidArgument, path + ": not a regular file");
  }
  return FileSource(std::move(fd), static_cast<uint64_t>(st.st_size), path);
}

Status FileSource::ReadAt(uint64_t offset, std::span<std::byte> dst) {
  return PreadRange(fd_.get(), size_, path_, offset, dst);
}

Status BorrowedFdSource::ReadAt(uint64_t offset, std::span<std::byte> dst) {
  return PreadRange(fd_, size_, name_, offset, dst);
}

}  // namespace llmcore::gguf
