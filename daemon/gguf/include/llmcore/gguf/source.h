// RandomAccessSource: where the GGUF reader gets its bytes.
//
// The reader never maps files: a file can be truncated or replaced while it is
// read, and a mapping would turn that into SIGBUS. It asks a source for ranges
// instead, so the same parser runs over a file (pread), a memory buffer (tests,
// fuzzing) or a source that injects faults.
//
// Thread safety: a source is used by one reader at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::gguf {

class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;
  // Total size in bytes, fixed for the life of the source.
  virtual uint64_t size() const = 0;
  // Reads exactly dst.size() bytes at `offset`. Fails with kCorrupt when the
  // range goes past the end, kIoError on an OS error.
  virtual Status ReadAt(uint64_t offset, std::span<std::byte> dst) = 0;
  // A name for messages ("model.gguf", "<memory>").
  virtual std::string name() const = 0;
};

// A source over caller-owned memory; the memory must outlive the source.
class MemorySource final : public RandomAccessSource {
 public:
  explicit MemorySource(std::span<const std::byte> data, std::string name = "<memory>")
      : data_(data), name_(std::move(name)) {}
  uint64_t size() const override { return data_.size(); }
  Status ReadAt(uint64_t offset, std::span<std::byte> dst) override;
  std::string name() const override { return name_; }

 private:
  std::span<const std::byte> data_;
  std::string name_;
};

// A source over a file descriptor someone else owns and keeps open for the
// life of the source, read with pread(2). `size` is the file's size when the
// caller checked it (fstat); a file that shrinks later makes ReadAt fail with
// kCorrupt. Lets a caller parse exactly the file it opened and checked, not
// whatever the path names by then.
class BorrowedFdSource final : public RandomAccessSource {
 public:
  BorrowedFdSource(int fd, uint64_t size, std::string name)
      : fd_(fd), size_(size), name_(std::move(name)) {}
  uint64_t size() const override { return size_; }
  Status ReadAt(uint64_t offset, std::span<std::byte> dst) override;
  std::string name() const override { return name_; }

 private:
  int fd_;
  uint64_t size_;
  std::string name_;
};

// A source over an open file, read with pread(2). The size is taken once at
// Open(); a file that shrinks later makes ReadAt fail with kCorrupt.
class FileSource final : public RandomAccessSource {
 public:
  static Result<FileSource> Open(const std::string& path);
  // A source over a file someone already opened (`fd`, owned from now on;
  // pass a dup() to keep one's own); `path` names it in messages. Same
  // checks as Open(): kInvalidArgument for a negative fd or one that is not a
  // regular file.
  static Result<FileSource> FromFd(UniqueFd fd, const std::string& path);
  uint64_t size() const override { return size_; }
  Status ReadAt(uint64_t offset, std::span<std::byte> dst) override;
  std::string name() const override { return path_; }
  int fd() const { return fd_.get(); }

 private:
  FileSource(UniqueFd fd, uint64_t size, std::string path)
      : fd_(std::move(fd)), size_(size), path_(std::move(path)) {}
  UniqueFd fd_;
  uint64_t size_ = 0;
  std::string path_;
};

}  // namespace llmcore::gguf
