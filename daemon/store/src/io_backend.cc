// The default IoBackendFactory: the real operating system.
#include "llmcore/store/io_backend.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

#include "os_probes.h"

namespace llmcore::store {
namespace {

class SystemIoBackendFactory final : public IoBackendFactory {
 public:
  Result<std::unique_ptr<FileReader>> OpenReader(const IoOptions& options,
                                                 std::string* fallback_reason) override {
    std::string reason;
    if (!options.allow_io_uring) {
      reason = "io_uring disabled by the load options";
    } else {
      auto uring = OpenIoUringReader(options);
      if (uring.ok()) {
        if (fallback_reason != nullptr) fallback_reason->clear();
        return uring;
      }
      reason = uring.status().ToString();
    }
    if (fallback_reason != nullptr) *fallback_reason = reason;
    return OpenPreadReader();
  }

  Result<UniqueFd> CreateMemfd(const std::string& name, bool hugetlb) override {
    unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | (hugetlb ? MFD_HUGETLB : 0u);
    int fd = memfd_create(name.c_str(), flags);
    if (fd < 0) return ErrnoStatus(errno, hugetlb ? "memfd_create (hugetlb)" : "memfd_create");
    return UniqueFd(fd);
  }

  Result<UniqueFd> ReopenDirect(int fd) override {
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    int direct = open(proc.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (direct < 0) {
      int err = errno;
      if (err == EINVAL) {
        return Status(StatusCode::kUnavailable, "the file system refuses O_DIRECT");
      }
      return ErrnoStatus(err, "reopening " + proc + " with O_DIRECT");
    }
    UniqueFd result(direct);
    struct stat a {};
    struct stat b {};
    if (fstat(fd, &a) != 0 || fstat(direct, &b) != 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino) {
      return Status(StatusCode::kUnavailable, "reopening with O_DIRECT gave another file");
    }
    return result;
  }

  Result<double> PageCacheResidency(int fd, uint64_t offset, uint64_t length) override {
    return internal::ProbePageCacheResidency(fd, offset, length);
  }

  bool ShmemTransparentHugepages() override { return internal::ProbeShmemTransparentHugepages(); }
};

}  // namespace

std::shared_ptr<IoBackendFactory> DefaultIoBackendFactory() {
  static const std::shared_ptr<IoBackendFactory> factory =
      std::make_shared<SystemIoBackendFactory>();
  return factory;
}

}  // namespace llmcore::store
