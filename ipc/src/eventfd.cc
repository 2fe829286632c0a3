#include "llmcore/ipc/eventfd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace llmcore::ipc {

Result<UniqueFd> CreateEventFd() {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return ErrnoStatus(errno, "ring: eventfd");
  return UniqueFd(fd);
}

Status SignalEventFd(int fd) {
  const uint64_t one = 1;
  for (;;) {
    ssize_t n = write(fd, &one, sizeof one);
    if (n == sizeof one) return Status::Ok();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Status::Ok();  // counter full: a wake-up is pending
    return ErrnoStatus(n < 0 ? errno : EIO, "ring: signalling an eventfd");
  }
}

Result<uint64_t> DrainEventFd(int fd) {
  uint64_t count = 0;
  for (;;) {
    ssize_t n = read(fd, &count, sizeof count);
    if (n == sizeof count) return count;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return uint64_t{0};
    return ErrnoStatus(n < 0 ? errno : EIO, "ring: draining an eventfd");
  }
}

}  // namespace llmcore::ipc
