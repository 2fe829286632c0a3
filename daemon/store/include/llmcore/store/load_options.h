// What a caller passes to a model load and what it gets told about it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "llmcore/store/io_backend.h"

namespace llmcore::store {

struct LoadProgress {
  uint64_t bytes_done = 0;   // tensor data read so far
  uint64_t bytes_total = 0;  // tensor data to read (the GGUF data section)
};

struct LoadOptions {
  // Called on the loading thread after each completed read, with bytes_done
  // never decreasing and ending at bytes_total when the load succeeds; keep
  // it cheap. It may set *cancel; it must not Load() the same file (that
  // Load would wait for the one calling it).
  std::function<void(const LoadProgress&)> progress;
  // Checked between reads and once all are done; when it is true the load
  // stops with kCancelled and leaves nothing behind. Not owned; must outlive
  // the Load() call. A load that waits for another thread's load of the same
  // file also watches it.
  const std::atomic<bool>* cancel = nullptr;
  IoOptions io;
};

// What a load did, for logs, tools and benchmarks.
struct LoadReport {
  IoMethod method = IoMethod::kPread;
  bool direct_io = false;  // the aligned middle of the data was read with O_DIRECT
  bool hugepages = false;  // the segment is backed by hugetlb or transparent huge pages
  bool shared = false;     // an existing segment was reused; nothing was read
  uint64_t bytes_read = 0;
  double seconds = 0;
};

}  // namespace llmcore::store
