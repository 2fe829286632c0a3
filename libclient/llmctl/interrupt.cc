#include "interrupt.h"

#include <unistd.h>

#include <cerrno>

#include "errors.h"

namespace llmcore::llmctl {
namespace {

volatile sig_atomic_t g_presses = 0;

// Only async-signal-safe calls here: _exit.
void OnInterrupt(int) {
  g_presses = g_presses + 1;
  if (g_presses >= 2) _exit(kExitInterrupted);
}

}  // namespace

Result<std::unique_ptr<InterruptWatch>> InterruptWatch::Install() {
  g_presses = 0;
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
  struct sigaction previous {};
  if (::sigaction(SIGINT, nullptr, &previous) != 0) return ErrnoStatus(errno, "sigaction(SIGINT)");
  // A process started with SIGINT ignored (in the background of a
  // non-interactive shell, say) is not meant to react to it: keep it ignored.
  if (previous.sa_handler != SIG_IGN && ::sigaction(SIGINT, &action, nullptr) != 0) {
    return ErrnoStatus(errno, "sigaction(SIGINT)");
  }
  return std::unique_ptr<InterruptWatch>(new InterruptWatch(previous));
}

InterruptWatch::~InterruptWatch() {
  ::sigaction(SIGINT, &previous_, nullptr);
}

int InterruptWatch::presses() const {
  return g_presses;
}

void InterruptWatch::Reset() {
  g_presses = 0;
}

}  // namespace llmcore::llmctl
