// SegmentMemory: the memfd a segment is built in, while it is being built.
//
// Create() makes the memfd, sizes it, seals it against growing and shrinking
// at once (so no one holding the fd can make the mapping fault) and maps it
// writable. Memory is committed by Populate() just before each range is
// written: this turns a machine without enough memory into an error instead
// of SIGBUS or the OOM killer, and is much cheaper than taking one page fault
// per page in the middle of the kernel's copy. Seal() adds the write seals and
// swaps the writable mapping for a read-only one.
//
// Ownership: until Seal(), the destructor unmaps and closes everything.
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "llmcore/status.h"
#include "llmcore/store/io_backend.h"
#include "llmcore/unique_fd.h"

namespace llmcore::store::internal {

class SegmentMemory {
 public:
  // A memfd named `name` of at least `bytes` (rounded up to the page size, or
  // to the huge page size when hugetlb pages are used). With `hugepages`,
  // tries MFD_HUGETLB first and then transparent huge pages, falling back
  // quietly (debug log) to normal pages.
  // Both mappings start at a multiple of `alignment` (a power of two).
  static Result<SegmentMemory> Create(IoBackendFactory& io, const std::string& name, uint64_t bytes,
                                      bool hugepages, uint64_t alignment);

  SegmentMemory(SegmentMemory&& other) noexcept;
  SegmentMemory& operator=(SegmentMemory&& other) noexcept;
  SegmentMemory(const SegmentMemory&) = delete;
  SegmentMemory& operator=(const SegmentMemory&) = delete;
  ~SegmentMemory();

  std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }
  int fd() const { return fd_.get(); }
  // Backed by hugetlb pages, or by transparent huge pages the system grants.
  bool hugepages() const { return hugepages_; }

  // Commits the memory of [offset, offset + length) (widened to whole pages).
  // kResourceExhausted when the machine does not have it.
  Status Populate(uint64_t offset, uint64_t length);

  struct Sealed {
    UniqueFd fd;
    const std::byte* base = nullptr;  // read-only mapping of `size` bytes
    uint64_t size = 0;
  };
  // Seals the memfd against writes and further seals, maps it read-only and
  // unmaps the writable mapping. On failure the object still owns everything.
  Result<Sealed> Seal();

 private:
  SegmentMemory(UniqueFd fd, std::byte* data, uint64_t size, uint64_t page, uint64_t alignment,
                bool hugepages)
      : fd_(std::move(fd)),
        data_(data),
        size_(size),
        page_(page),
        alignment_(alignment),
        hugepages_(hugepages) {}
  void Release();

  UniqueFd fd_;
  std::byte* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t page_ = 4096;
  uint64_t alignment_ = 4096;
  bool hugepages_ = false;
  bool populate_supported_ = true;
};

}  // namespace llmcore::store::internal
