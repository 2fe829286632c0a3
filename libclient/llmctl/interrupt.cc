#include "interrupt.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "errors.h"

namespace llmcore::llmctl {
namespace {

volatile sig_atomic_t g_presses = 0;
volatile sig_atomic_t g_wake_fd = -1;

// Only async-signal-safe calls here: write and _exit.
void OnInterrupt(int) {
  const int saved_errno = errno;
  g_presses = g_presses + 1;
  if (g_presses >= 2) _exit(kExitInterrupted);
  if (g_wake_fd >= 0) {
    const char byte = 'i';
    (void)!::write(g_wake_fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

Result<std::unique_ptr<InterruptWatch>> InterruptWatch::Install() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return ErrnoStatus(errno, "pipe2");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  g_presses = 0;
  g_wake_fd = write_end.get();
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
  struct sigaction previous {};
  if (::sigaction(SIGINT, nullptr, &previous) != 0) return ErrnoStatus(errno, "sigaction(SIGINT)");
  // A process started with SIGINT ignored (in the background of a
  // non-interactive shell, say) is not meant to react to it: keep it ignored.
  if (previous.sa_handler != SIG_IGN && ::sigaction(SIGINT, &action, nullptr) != 0) {
    g_wake_fd = -1;
    return ErrnoStatus(errno, "sigaction(SIGINT)");
  }
  return std::unique_ptr<InterruptWatch>(
      new InterruptWatch(std::move(read_end), std::move(write_end), previous));
}

InterruptWatch::~InterruptWatch() {
  ::sigaction(SIGINT, &previous_, nullptr);
  g_wake_fd = -1;
}

void InterruptWatch::Drain() {
  char buffer[64];
  while (::read(read_end_.get(), buffer, sizeof buffer) > 0) {
  }
}

int InterruptWatch::presses() const {
  return g_presses;
}

void InterruptWatch::Reset() {
  g_presses = 0;
}

}  // namespace llmcore::llmctl
