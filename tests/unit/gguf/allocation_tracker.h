// Measures the largest single allocation made through operator new while a
// LargestAllocation is alive, to show that the reader sizes nothing from a
// count it has not checked against the file.
//
// The test binary replaces the global operator new/delete for this
// (allocation_tracker.cc); they forward to malloc/free, so the sanitizers
// still see every allocation. Not thread-safe: one tracker at a time.
#pragma once

#include <cstddef>

namespace llmcore::gguf::testing {

class LargestAllocation {
 public:
  LargestAllocation();
  ~LargestAllocation();
  LargestAllocation(const LargestAllocation&) = delete;
  LargestAllocation& operator=(const LargestAllocation&) = delete;

  // The largest request seen so far, in bytes.
  size_t bytes() const;
};

}  // namespace llmcore::gguf::testing
