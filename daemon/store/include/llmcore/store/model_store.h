// ModelStore: loads GGUF models into shared-memory segments owned by the daemon.
//
// A segment is a memfd holding a header, the tensor directory and the tensor
// data (segment_layout.h). It is sealed against growing and shrinking as soon
// as it is sized, and against writes once loaded, so every process it is
// handed to (drivers, a restarted daemon via systemd's fd store) sees the same
// immutable weights at any address.
//
// Loading reads the data section with io_uring (several large reads in flight;
// O_DIRECT when the file is not already in the page cache and the alignment
// allows it), or with pread(2) when io_uring cannot be set up, which is logged
// at notice level. Progress is reported through a callback; a load can be
// cancelled.
//
// The same file (same device, inode, size and modification time of the file
// actually opened) loaded twice shares one segment: Load() returns another
// reference to it. Releasing the last reference unmaps and closes the memfd,
// which frees its memory, and removes the store's entry. A file replaced or
// modified since (new inode or mtime) gets a new segment.
//
// Errors: a truncated, corrupt or hostile file, a failed read or a cancelled
// load leaves nothing behind (no segment, fd, thread or store entry) and
// returns a Status naming the problem.
//
// Lifetime: segments may outlive the store that made them. The store must not
// be destroyed while a Load() on it is running.
//
// Thread safety: ModelStore is thread-safe. Loads of different files run in
// parallel, each on its caller's thread (the store starts no threads). A
// second Load() of a file already being loaded waits for the first and shares
// its result or its error; if the first was cancelled, the waiter loads the
// file itself. Segment is immutable and may be shared between threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"
#include "llmcore/store/io_backend.h"
#include "llmcore/store/load_options.h"
#include "llmcore/store/segment.h"

namespace llmcore::store {

namespace internal {
struct StoreState;
}  // namespace internal

class ModelStore {
 public:
  // `io` supplies memfd/io_uring access; tests pass one that injects faults.
  explicit ModelStore(std::shared_ptr<IoBackendFactory> io = DefaultIoBackendFactory());
  ~ModelStore();
  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;

  // Loads `path` (already parsed as `file`), or returns the existing segment
  // for the same file. A file whose size is no longer file.file_size() fails
  // with kCorrupt ("file changed while loading"). `report`, when non-null,
  // says what happened.
  Result<std::shared_ptr<const Segment>> Load(const std::string& path, const gguf::GgufFile& file,
                                              const LoadOptions& options = {},
                                              LoadReport* report = nullptr);

  // As above, for a file the caller has already opened and parsed: `fd` is
  // read (borrowed: not closed, its offset unused) and `path` only names it
  // in messages and as the segment's source_path(). For callers that open
  // model files themselves (the daemon's registry, which refuses names that
  // escape its directories), so that the file checked is the file loaded.
  Result<std::shared_ptr<const Segment>> Load(const std::string& path, int fd,
                                              const gguf::GgufFile& file,
                                              const LoadOptions& options = {},
                                              LoadReport* report = nullptr);

  // Parses `path` (the same open file that is then read, so a replaced path
  // cannot mix two files) and loads it. A file already loaded is not parsed
  // again.
  Result<std::shared_ptr<const Segment>> Load(const std::string& path,
                                              const LoadOptions& options = {},
                                              LoadReport* report = nullptr);

  // Number of segments alive (referenced by someone).
  size_t live_segments() const;

 private:
  Result<std::shared_ptr<const Segment>> LoadOpened(const std::string& path, int fd,
                                                    const gguf::GgufFile* parsed,
                                                    const LoadOptions& options, LoadReport* report);

  std::shared_ptr<IoBackendFactory> io_;
  // Shared with the deleters of the segments handed out, which remove their
  // entry when the last reference goes (and find the store gone if it is).
  std::shared_ptr<internal::StoreState> state_;
};

}  // namespace llmcore::store
