// LoopDispatcher: runs closures on the daemon's sd-event loop thread, posted
// from any thread.
//
// The event loop owns every D-Bus object and never blocks; worker threads
// (schedulers, loads, text work) hand their results back through Post(). A
// posted closure runs on the loop thread, in posting order, after the
// current dispatch. Closures posted after the dispatcher is destroyed are
// dropped (Post returns false) - they must hold nothing whose destruction
// needs the loop.
//
// Thread safety: Post() from any thread; construction and destruction on the
// loop thread.
#pragma once

#include <systemd/sd-event.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::service {

class LoopDispatcher {
 public:
  using Task = std::function<void()>;

  // Errors: eventfd or sd-event failures (kIoError / kResourceExhausted).
  static Result<std::shared_ptr<LoopDispatcher>> Create(sd_event* loop);
  ~LoopDispatcher();
  LoopDispatcher(const LoopDispatcher&) = delete;
  LoopDispatcher& operator=(const LoopDispatcher&) = delete;

  // Queues `task` for the loop thread; false once Close() ran.
  bool Post(Task task);
  // Stops accepting tasks and drops the queued ones (loop thread).
  void Close();

 private:
  LoopDispatcher() = default;
  static int OnWake(sd_event_source* source, int fd, uint32_t revents, void* userdata);
  void RunQueued();

  UniqueFd wake_fd_;
  sd_event_source* source_ = nullptr;
  std::mutex mutex_;
  std::deque<Task> queue_;
  bool closed_ = false;
};

}  // namespace llmcore::service
