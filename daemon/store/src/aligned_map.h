// Mapping a segment at an address aligned beyond the page size, so that a
// tensor aligned to the GGUF alignment inside the segment is aligned in memory
// too, whatever that alignment is.
#pragma once

#include <cstdint>

#include "llmcore/status.h"

namespace llmcore::store::internal {

// mmap(MAP_SHARED) of the first `size` bytes of `fd` with `prot`, at an
// address that is a multiple of `alignment` (a power of two; values up to the
// page size cost nothing extra). Unmap with munmap(p, size).
Result<void*> MapAligned(int fd, uint64_t size, int prot, uint64_t alignment);

}  // namespace llmcore::store::internal
