// Ctrl-C while `llmctl run` generates: the first press asks for a cancel,
// the second ends the process at once (exit status 130).
//
// Install() sets a SIGINT handler (without SA_RESTART, so that a blocking
// read of stdin returns with EINTR) that counts presses; whoever waits for
// the daemon looks at presses() between two waits (run's stream loop wakes
// up often enough for that). A second press since the last Reset() calls
// _exit(130) from the handler. When SIGINT is ignored at start (SIG_IGN
// inherited), it stays ignored.
//
// Ownership: one InterruptWatch per process at a time; its destructor
// restores the previous SIGINT action.
// Threading: used from the main thread only.
#pragma once

#include <signal.h>

#include <memory>

#include "llmcore/status.h"

namespace llmcore::llmctl {

class InterruptWatch {
 public:
  static Result<std::unique_ptr<InterruptWatch>> Install();
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  // Presses since the last Reset().
  int presses() const;
  // Starts counting again (at the start of each request).
  void Reset();

 private:
  explicit InterruptWatch(struct sigaction previous) : previous_(previous) {}

  struct sigaction previous_;
};

}  // namespace llmcore::llmctl
