// Ctrl-C while `llmctl run` generates: the first press asks for a Cancel,
// the second ends the process at once (exit status 130).
//
// Install() sets a SIGINT handler (without SA_RESTART, so that a blocking
// read of stdin returns with EINTR) that counts presses and writes one byte to
// a pipe, whose read end wakes the dispatch loop (DispatchUntil's wake_fd).
// A second press since the last Reset() calls _exit(130) from the handler.
// When SIGINT is ignored at start (SIG_IGN inherited), it stays ignored.
//
// Ownership: one InterruptWatch per process at a time; its destructor
// restores the previous SIGINT action and closes the pipe.
// Threading: used from the main thread only.
#pragma once

#include <signal.h>

#include <memory>

#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::llmctl {

class InterruptWatch {
 public:
  static Result<std::unique_ptr<InterruptWatch>> Install();
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  // Readable after a press; Drain() empties it.
  int fd() const { return read_end_.get(); }
  void Drain();

  // Presses since the last Reset().
  int presses() const;
  // Starts counting again (at the start of each request).
  void Reset();

 private:
  InterruptWatch(UniqueFd read_end, UniqueFd write_end, struct sigaction previous)
      : read_end_(std::move(read_end)), write_end_(std::move(write_end)), previous_(previous) {}

  UniqueFd read_end_;
  UniqueFd write_end_;
  struct sigaction previous_;
};

}  // namespace llmcore::llmctl
