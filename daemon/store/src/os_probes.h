// Questions the store asks the system, answered without side effects.
#pragma once

#include <cstdint>

#include "llmcore/status.h"

namespace llmcore::store::internal {

// The fraction of the pages of [offset, offset + length) of `fd` that are in
// the page cache. Maps the range (no faults, no reads) and asks mincore(2) for
// every page of a small file, or for evenly spread windows of a large one.
Result<double> ProbePageCacheResidency(int fd, uint64_t offset, uint64_t length);

// Whether shmem gets PMD-sized transparent huge pages for a mapping that asked
// for them with MADV_HUGEPAGE, from /sys/kernel/mm/transparent_hugepage.
bool ProbeShmemTransparentHugepages();

}  // namespace llmcore::store::internal
