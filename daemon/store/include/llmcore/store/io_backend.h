// The operating-system access the model store needs, behind small interfaces
// so that tests can inject faults (io_uring unavailable, memfd failing, short
// reads) and check that nothing is left behind.
//
// Thread safety: an IoBackendFactory may be shared between threads; each
// FileReader it creates is used by one load at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::store {

enum class IoMethod { kIoUring, kPread };
enum class DirectIoPolicy {
  kAuto,    // O_DIRECT when the file is mostly not in the page cache
  kAlways,  // O_DIRECT whenever the file system and alignment allow it
  kNever,
};

struct IoOptions {
  bool allow_io_uring = true;        // false forces the pread path
  DirectIoPolicy direct_io = DirectIoPolicy::kAuto;
  uint32_t queue_depth = 8;          // reads in flight
  uint64_t chunk_bytes = 4u << 20;   // bytes per read
  bool hugepages = true;             // try huge pages for the segment
};

// One read request: `dst.size()` bytes at file offset `offset`.
struct ReadRequest {
  uint64_t offset;
  std::span<std::byte> dst;
};

// Reads ranges of one file into memory.
class FileReader {
 public:
  virtual ~FileReader() = default;
  virtual IoMethod method() const = 0;
  // Reads every request completely (short reads are retried), keeping up to
  // queue_depth requests in flight, calling `on_done(bytes)` after each
  // completes and checking `cancelled()` between submissions. Fails with
  // kCorrupt when the file ends early, kIoError on an OS error, kCancelled.
  virtual Status ReadAll(std::span<const ReadRequest> requests,
                         const std::function<void(uint64_t bytes)>& on_done,
                         const std::function<bool()>& cancelled) = 0;
};

class IoBackendFactory {
 public:
  virtual ~IoBackendFactory() = default;
  // A reader over `fd` (not owned; must outlive the reader). Returns an
  // io_uring reader when `options` allow it and io_uring can be set up,
  // otherwise a pread reader; `fallback_reason` receives why io_uring was not
  // used ("" when it was).
  virtual Result<std::unique_ptr<FileReader>> OpenReader(int fd, const IoOptions& options,
                                                         std::string* fallback_reason) = 0;
  // memfd_create(2) with sealing allowed; `hugetlb` asks for MFD_HUGETLB.
  virtual Result<UniqueFd> CreateMemfd(const std::string& name, bool hugetlb) = 0;
};

std::shared_ptr<IoBackendFactory> DefaultIoBackendFactory();

}  // namespace llmcore::store
