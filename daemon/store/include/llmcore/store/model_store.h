// ModelStore: loads GGUF models into shared-memory segments owned by the daemon.
//
// A segment is a memfd holding a header, the tensor directory and the tensor
// data (segment_layout.h). It is sealed against growing and shrinking as soon
// as it is sized, and against new writable mappings once loaded, so every
// process it is handed to (drivers, a restarted daemon via systemd's fd store)
// sees the same immutable weights at any address.
//
// Loading reads the data section with io_uring (several large reads in flight;
// O_DIRECT when the file is not already in the page cache and the alignment
// allows it), or with pread(2) when io_uring cannot be set up, which is logged.
// Progress is reported through a callback; a load can be cancelled.
//
// The same file (same device, inode, size and modification time) loaded twice
// shares one segment: Load() returns another reference to it. Releasing the
// last reference unmaps and closes the memfd, which frees its memory.
//
// Errors: a truncated, corrupt or hostile file, a failed read or a cancelled
// load leaves nothing behind (no segment, fd, thread or store entry) and
// returns a Status naming the problem.
//
// Thread safety: ModelStore is thread-safe. Loads of different files run in
// parallel; a second Load() of a file already being loaded waits for the first
// and shares its result. Segment is immutable and may be shared between threads.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"
#include "llmcore/store/io_backend.h"
#include "llmcore/store/segment.h"

namespace llmcore::store {

struct LoadProgress {
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
};

struct LoadOptions {
  // Called on the loading thread after each completed read; keep it cheap.
  std::function<void(const LoadProgress&)> progress;
  // Checked between reads; when it becomes true the load stops with kCancelled.
  const std::atomic<bool>* cancel = nullptr;
  IoOptions io;
};

// What a load did, for logs, tools and benchmarks.
struct LoadReport {
  IoMethod method = IoMethod::kPread;
  bool direct_io = false;
  bool hugepages = false;   // the segment is backed by (transparent) huge pages
  bool shared = false;      // an existing segment was reused; nothing was read
  uint64_t bytes_read = 0;
  double seconds = 0;
};

class ModelStore {
 public:
  // `os` supplies memfd/io_uring access; tests pass one that injects faults.
  explicit ModelStore(std::shared_ptr<IoBackendFactory> io = DefaultIoBackendFactory());
  ~ModelStore();
  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;

  // Loads `path` (already parsed as `file`), or returns the existing segment
  // for the same file. `report`, when non-null, says what happened.
  Result<std::shared_ptr<const Segment>> Load(const std::string& path,
                                              const gguf::GgufFile& file,
                                              const LoadOptions& options = {},
                                              LoadReport* report = nullptr);

  // Parses `path` and loads it.
  Result<std::shared_ptr<const Segment>> Load(const std::string& path,
                                              const LoadOptions& options = {},
                                              LoadReport* report = nullptr);

  // Number of segments alive (referenced by someone).
  size_t live_segments() const;

 private:
  struct FileKey {
    dev_t dev;
    ino_t ino;
    uint64_t size;
    int64_t mtime_ns;
    auto operator<=>(const FileKey&) const = default;
  };
  struct Entry;

  std::shared_ptr<IoBackendFactory> io_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<FileKey, std::shared_ptr<Entry>> entries_;
};

}  // namespace llmcore::store
