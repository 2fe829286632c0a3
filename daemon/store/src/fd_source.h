// FdSource: a RandomAccessSource over an fd someone else owns, so the store
// parses exactly the file it then reads (not whatever the path names later).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "llmcore/gguf/source.h"

namespace llmcore::store::internal {

class FdSource final : public gguf::RandomAccessSource {
 public:
  // `fd` must outlive the source; `size` is the file's size now (fstat).
  FdSource(int fd, uint64_t size, std::string name)
      : fd_(fd), size_(size), name_(std::move(name)) {}
  uint64_t size() const override { return size_; }
  Status ReadAt(uint64_t offset, std::span<std::byte> dst) override;
  std::string name() const override { return name_; }

 private:
  int fd_;
  uint64_t size_;
  std::string name_;
};

}  // namespace llmcore::store::internal
