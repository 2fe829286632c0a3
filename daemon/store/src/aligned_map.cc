#include "aligned_map.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "llmcore/checked_math.h"

namespace llmcore::store::internal {

Result<void*> MapAligned(int fd, uint64_t size, int prot, uint64_t alignment) {
  long page_size = sysconf(_SC_PAGESIZE);
  uint64_t page = page_size > 0 ? static_cast<uint64_t>(page_size) : 4096;
  if (alignment <= page) {
    void* p = mmap(nullptr, size, prot, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return ErrnoStatus(errno, "mmap");
    return p;
  }
  if (!IsPowerOfTwo(alignment)) return Status(StatusCode::kInvalidArgument, "bad alignment");
  // Reserve enough address space to find an aligned start in it, put the
  // mapping there, and give back the rest.
  auto span = CheckedAdd(size, alignment);
  if (!span) return Status(StatusCode::kResourceExhausted, "mapping too large");
  void* reserved =
      mmap(nullptr, *span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return ErrnoStatus(errno, "reserving address space");
  auto start = reinterpret_cast<uintptr_t>(reserved);
  uintptr_t aligned = (start + alignment - 1) & ~static_cast<uintptr_t>(alignment - 1);
  void* p = mmap(reinterpret_cast<void*>(aligned), size, prot, MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    munmap(reserved, *span);
    return ErrnoStatus(err, "mmap");
  }
  uint64_t mapped_end = aligned + ((size + page - 1) & ~(page - 1));
  if (aligned > start) munmap(reserved, aligned - start);
  if (start + *span > mapped_end) {
    munmap(reinterpret_cast<void*>(mapped_end), start + *span - mapped_end);
  }
  return p;
}

}  // namespace llmcore::store::internal
