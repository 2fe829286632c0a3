#include "open_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>

#include "llmcore/log.h"

namespace llmcore::registry::internal {
namespace {

// O_NONBLOCK: opening a FIFO planted under a model name must not block the
// daemon until someone writes to it; it is refused as not a regular file.
constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// openat2 is tried until it reports that it does not exist (ENOSYS).
std::atomic<bool> g_openat2_missing{false};
std::atomic<bool> g_fallback_logged{false};

Status Outside(const std::string& root, const std::string& relative) {
  return Status(StatusCode::kPermissionDenied,
                "'" + relative + "' leads outside its model directory '" + root + "'");
}

// -1 with errno set, like open(2).
int Openat2(int dir_fd, const std::string& relative) {
  struct open_how how {};
  how.flags = kOpenFlags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // EAGAIN: a rename elsewhere in the tree raced with resolving "..";
  // the kernel asks the caller to retry.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd, relative.c_str(), &how, sizeof(how));
    if (fd >= 0 || errno != EAGAIN) return static_cast<int>(fd);
  }
  return -1;
}

// Sets *call_errno to openat2's errno when it fails.
Result<UniqueFd> OpenWithOpenat2(const std::string& root, const std::string& relative,
                                 int* call_errno) {
  UniqueFd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return ErrnoStatus(errno, "cannot open model directory " + root);
  UniqueFd fd(Openat2(dir.get(), relative));
  if (fd) return fd;
  *call_errno = errno;
  switch (errno) {
    case EXDEV: return Outside(root, relative);
    case ELOOP:
      return Status(
          StatusCode::kPermissionDenied,
          "'" + relative + "' under '" + root + "' goes through a magic link or too many symlinks");
    default: return ErrnoStatus(errno, "cannot open " + root + "/" + relative);
  }
}

Result<UniqueFd> OpenWithRealpath(const std::string& root, const std::string& relative) {
  if (relative.empty() || relative.front() == '/') return Outside(root, relative);
  const std::unique_ptr<char, decltype(&std::free)> real_root(::realpath(root.c_str(), nullptr),
                                                              &std::free);
  if (!real_root) return ErrnoStatus(errno, "cannot resolve model directory " + root);
  const std::string joined = root + "/" + relative;
  const std::unique_ptr<char, decltype(&std::free)> real_file(::realpath(joined.c_str(), nullptr),
                                                              &std::free);
  if (!real_file) return ErrnoStatus(errno, "cannot resolve " + joined);
  std::string prefix = real_root.get();
  if (prefix != "/") prefix += '/';
  const std::string_view resolved = real_file.get();
  if (!resolved.starts_with(prefix)) return Outside(root, relative);
  UniqueFd fd(::open(real_file.get(), kOpenFlags | O_NOFOLLOW));
  if (!fd) return ErrnoStatus(errno, "cannot open " + joined);
  return fd;
}

}  // namespace

Result<OpenedFile> OpenBeneath(const std::string& root, const std::string& relative,
                               Resolver resolver) {
  Result<UniqueFd> fd = Status(StatusCode::kUnavailable, "openat2 not tried");
  if (resolver == Resolver::kAuto && !g_openat2_missing.load(std::memory_order_relaxed)) {
    int call_errno = 0;
    fd = OpenWithOpenat2(root, relative, &call_errno);
    // ENOSYS: a kernel before 5.6. EPERM: a seccomp filter that does not
    // know the call; it may also be a real refusal, so it is not remembered,
    // and the fallback then meets the same refusal.
    if (call_errno == ENOSYS) g_openat2_missing.store(true, std::memory_order_relaxed);
    if (call_errno == ENOSYS || call_errno == EPERM) {
      if (!g_fallback_logged.exchange(true)) {
        Logf(LogLevel::kNotice,
             "registry: openat2 is unavailable ({}); model files are checked with realpath "
             "instead, which a concurrent rename could race",
             fd.status().message());
      }
      fd = OpenWithRealpath(root, relative);
    }
  } else {
    fd = OpenWithRealpath(root, relative);
  }
  if (!fd.ok()) return fd.status();

  OpenedFile opened{.fd = std::move(*fd)};
  if (::fstat(opened.fd.get(), &opened.st) != 0) {
    return ErrnoStatus(errno, "cannot stat " + root + "/" + relative);
  }
  if (!S_ISREG(opened.st.st_mode)) {
    return Status(StatusCode::kPermissionDenied, root + "/" + relative + " is not a regular file");
  }
  // Reads block normally from here on (a regular file never would anyway).
  const int flags = ::fcntl(opened.fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(opened.fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return opened;
}

}  // namespace llmcore::registry::internal
