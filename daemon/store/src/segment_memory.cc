#include "segment_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "aligned_map.h"
#include "llmcore/checked_math.h"
#include "llmcore/log.h"

namespace llmcore::store::internal {
namespace {

constexpr uint64_t kHugetlbPageBytes = 2u << 20;

uint64_t SystemPageBytes() {
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<uint64_t>(page) : 4096;
}

// Sizes `fd` and seals it against resizing.
Status SizeAndSeal(int fd, uint64_t size) {
  if (size > static_cast<uint64_t>(INT64_MAX)) {
    return Status(StatusCode::kResourceExhausted, "segment too large");
  }
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) return ErrnoStatus(errno, "ftruncate memfd");
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK) != 0) {
    return ErrnoStatus(errno, "sealing memfd against resizing");
  }
  return Status::Ok();
}

Result<std::byte*> MapWritable(int fd, uint64_t size, uint64_t alignment) {
  auto mapped = MapAligned(fd, size, PROT_READ | PROT_WRITE, alignment);
  if (!mapped.ok()) return mapped.status().WithContext("mapping memfd");
  void* p = *mapped;
  // A process forked while we build (the daemon runs helpers) must not get a
  // writable mapping: it would also make F_SEAL_WRITE fail.
  madvise(p, size, MADV_DONTFORK);
  return static_cast<std::byte*>(p);
}

}  // namespace

Result<SegmentMemory> SegmentMemory::Create(IoBackendFactory& io, const std::string& name,
                                            uint64_t bytes, bool hugepages, uint64_t alignment) {
  if (hugepages) {
    // hugetlb pages are reserved at mmap time, so a system without free huge
    // pages fails here, cleanly, rather than on first touch.
    auto size = CheckedAlignUp(bytes, kHugetlbPageBytes);
    auto fd = io.CreateMemfd(name, /*hugetlb=*/true);
    Status why = fd.ok() ? Status::Ok() : fd.status();
    if (fd.ok() && size) {
      why = SizeAndSeal(fd->get(), *size);
      if (why.ok()) {
        auto data = MapWritable(fd->get(), *size, alignment);
        if (data.ok()) {
          return SegmentMemory(std::move(*fd), *data, *size, kHugetlbPageBytes, alignment, true);
        }
        why = data.status();
      }
    }
    Logf(LogLevel::kDebug, "store: no hugetlb pages for {} ({}); using normal pages", name,
         why.ToString());
  }

  uint64_t page = SystemPageBytes();
  auto size = CheckedAlignUp(bytes, page);
  if (!size) return Status(StatusCode::kResourceExhausted, "segment too large");
  LLMCORE_ASSIGN_OR_RETURN(UniqueFd fd, io.CreateMemfd(name, /*hugetlb=*/false));
  LLMCORE_RETURN_IF_ERROR(SizeAndSeal(fd.get(), *size));
  LLMCORE_ASSIGN_OR_RETURN(std::byte * data, MapWritable(fd.get(), *size, alignment));
  bool thp = false;
  if (hugepages) {
    // Must come before the memory is committed: shmem decides the page size
    // when a page is first allocated.
    thp = madvise(data, *size, MADV_HUGEPAGE) == 0 && io.ShmemTransparentHugepages();
    if (!thp) {
      Logf(LogLevel::kDebug,
           "store: transparent huge pages not enabled for shared memory; using normal pages");
    }
  }
  return SegmentMemory(std::move(fd), data, *size, page, alignment, thp);
}

SegmentMemory::SegmentMemory(SegmentMemory&& other) noexcept
    : fd_(std::move(other.fd_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      page_(other.page_),
      alignment_(other.alignment_),
      hugepages_(other.hugepages_),
      populate_supported_(other.populate_supported_) {}

SegmentMemory& SegmentMemory::operator=(SegmentMemory&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::move(other.fd_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    page_ = other.page_;
    alignment_ = other.alignment_;
    hugepages_ = other.hugepages_;
    populate_supported_ = other.populate_supported_;
  }
  return *this;
}

SegmentMemory::~SegmentMemory() {
  Release();
}

void SegmentMemory::Release() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
  fd_.Reset();
}

Status SegmentMemory::Populate(uint64_t offset, uint64_t length) {
  if (length == 0 || !populate_supported_) return Status::Ok();
  if (offset > size_ || length > size_ - offset) {
    return Status(StatusCode::kInternal, "populate range outside the segment");
  }
  uint64_t begin = offset & ~(page_ - 1);
  uint64_t end = std::min(size_, (offset + length + page_ - 1) & ~(page_ - 1));
  while (madvise(data_ + begin, end - begin, MADV_POPULATE_WRITE) != 0) {
    int err = errno;
    if (err == EINTR || err == EAGAIN) continue;
    if (err == EINVAL) {
      // Kernel before 5.14: the copy faults the pages in instead.
      populate_supported_ = false;
      return Status::Ok();
    }
    if (err == ENOMEM || err == EFAULT || err == EHWPOISON) {
      return Status(StatusCode::kResourceExhausted, "not enough memory for the model segment (" +
                                                        std::to_string(size_) + " bytes)");
    }
    return ErrnoStatus(err, "committing segment memory");
  }
  return Status::Ok();
}

Result<SegmentMemory::Sealed> SegmentMemory::Seal() {
  // FUTURE_WRITE first: it is allowed while our writable mapping exists and
  // already forbids every new writer.
  if (fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE) != 0) {
    return ErrnoStatus(errno, "sealing memfd against writes");
  }
  auto mapped = MapAligned(fd_.get(), size_, PROT_READ, alignment_);
  if (!mapped.ok()) return mapped.status().WithContext("mapping memfd read-only");
  void* ro = *mapped;
  munmap(data_, size_);
  data_ = nullptr;
  // With no writable mapping left, F_SEAL_WRITE can be added too: it is the
  // seal receivers look for (F_GET_SEALS) before trusting the contents.
  if (fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_WRITE) != 0) {
    Logf(LogLevel::kDebug, "store: F_SEAL_WRITE refused ({}); F_SEAL_FUTURE_WRITE holds",
         ErrnoStatus(errno, "fcntl").message());
  }
  if (fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_SEAL) != 0) {
    int err = errno;
    munmap(ro, size_);
    return ErrnoStatus(err, "sealing memfd seals");
  }
  Sealed sealed;
  sealed.fd = std::move(fd_);
  sealed.base = static_cast<const std::byte*>(ro);
  sealed.size = std::exchange(size_, 0);
  return sealed;
}

}  // namespace llmcore::store::internal
