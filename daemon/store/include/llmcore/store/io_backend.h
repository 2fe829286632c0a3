// The operating-system access the model store needs, behind small interfaces
// so that tests can inject faults (io_uring unavailable, memfd failing, short
// reads, read errors, O_DIRECT refused) and check that nothing is left behind.
//
// Thread safety: an IoBackendFactory may be shared between threads (the
// default one keeps no state); each FileReader it creates is used by one load
// at a time, on one thread.
#pragma once

#include <cstdint>
#include <functional>
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

// The alignment O_DIRECT reads are planned for (file offset, length and memory
// address). 4096 covers every logical block size in common use; a device with
// larger blocks makes the first direct read fail, and the load continues
// buffered.
inline constexpr uint64_t kDirectIoAlignment = 4096;

// The defaults were measured on a warm 1 GiB file: a page-cache hit
// completes inline at submission, so depth and chunk size barely matter there
// (1 to 16 MiB, depth 2 to 32 within noise); for a cold file several large
// reads in flight keep the device busy.
struct IoOptions {
  bool allow_io_uring = true;  // false forces the pread path
  DirectIoPolicy direct_io = DirectIoPolicy::kAuto;
  uint32_t queue_depth = 8;  // reads in flight, 1 to 4096 (else kInvalidArgument)
  // Bytes per read, > 0; O_DIRECT reads use it rounded down to a multiple of
  // kDirectIoAlignment (at least one block).
  uint64_t chunk_bytes = 4u << 20;
  bool hugepages = true;  // try huge pages for the segment
};

// One read: `dst.size()` bytes of file `fd` (not owned) at offset `offset`.
struct ReadRequest {
  int fd = -1;
  uint64_t offset = 0;
  std::span<std::byte> dst;
};

// A test seam between the kernel and a reader: called with every completed
// read (the request, the bytes of it already done before this read, and what
// the kernel returned: a byte count or -errno) and returns what the reader
// should act on instead. Tests use it to turn full reads into short ones,
// successes into errors or end-of-file. Runs on the loading thread.
using ReadResultFilter =
    std::function<int64_t(const ReadRequest& request, uint64_t already_done, int64_t result)>;

// What a reader calls back while it works; every member may be empty. All run
// on the loading thread.
struct ReadCallbacks {
  // Called just before a request is first submitted (to commit the memory it
  // will be read into, say); an error stops the reads with that error.
  std::function<Status(const ReadRequest& request)> before_submit;
  // Called after each read that transferred bytes; over a successful
  // ReadAll() the bytes add up to the total requested.
  std::function<void(uint64_t bytes)> on_done;
  // Checked before each new submission; true stops the reads with kCancelled.
  std::function<bool()> cancelled;
};

// Reads ranges of files into memory.
class FileReader {
 public:
  virtual ~FileReader() = default;
  virtual IoMethod method() const = 0;

  // Reads every request completely, in order of submission, keeping up to
  // queue_depth reads in flight. Short reads are resubmitted for the
  // remainder; EINTR and EAGAIN are retried. On any error or cancellation no
  // new reads are started and those in flight are waited for before
  // returning, so the destination memory is no longer written once ReadAll
  // returns. Fails with kCorrupt when a file ends early ("file changed while
  // loading"), kInvalidArgument when the kernel refuses a read with EINVAL
  // (an O_DIRECT alignment it does not accept), kIoError on other OS errors,
  // kCancelled.
  virtual Status ReadAll(std::span<const ReadRequest> requests, const ReadCallbacks& callbacks) = 0;
};

class IoBackendFactory {
 public:
  virtual ~IoBackendFactory() = default;

  // Returns an io_uring reader when `options` allow it and io_uring can be set
  // up, otherwise a pread reader; `fallback_reason` receives why io_uring was
  // not used ("" when it was). Fails only when no reader at all can be made.
  virtual Result<std::unique_ptr<FileReader>> OpenReader(const IoOptions& options,
                                                         std::string* fallback_reason) = 0;

  // memfd_create(2) with MFD_CLOEXEC and sealing allowed; `hugetlb` asks for
  // MFD_HUGETLB (the default huge page size).
  virtual Result<UniqueFd> CreateMemfd(const std::string& name, bool hugetlb) = 0;

  // Opens the file behind `fd` again with O_DIRECT (close-on-exec), through
  // /proc/self/fd so that the same inode is opened even if the path has been
  // replaced. kUnavailable when the file system refuses O_DIRECT.
  virtual Result<UniqueFd> ReopenDirect(int fd) = 0;

  // The fraction (0 to 1) of the pages of `fd` in [offset, offset + length)
  // that are in the page cache, from a sample of the range. Causes no page
  // faults and no reads.
  virtual Result<double> PageCacheResidency(int fd, uint64_t offset, uint64_t length) = 0;

  // Whether shared memory (memfd) mappings get transparent huge pages after
  // madvise(MADV_HUGEPAGE), as the system is configured now.
  virtual bool ShmemTransparentHugepages() = 0;
};

// The real operating system. One shared instance; thread-safe.
std::shared_ptr<IoBackendFactory> DefaultIoBackendFactory();

// The two readers, for factories that compose them (tests wrap them to inject
// faults). OpenIoUringReader fails with the reason io_uring cannot be set up
// (kUnavailable for ENOSYS, kPermissionDenied for EPERM from a seccomp filter
// or io_uring_disabled, kResourceExhausted for ENOMEM).
Result<std::unique_ptr<FileReader>> OpenIoUringReader(const IoOptions& options,
                                                      ReadResultFilter filter = {});
std::unique_ptr<FileReader> OpenPreadReader(ReadResultFilter filter = {});

}  // namespace llmcore::store
