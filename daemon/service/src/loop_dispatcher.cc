#include "llmcore/service/loop_dispatcher.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace llmcore::service {

Result<std::shared_ptr<LoopDispatcher>> LoopDispatcher::Create(sd_event* loop) {
  std::shared_ptr<LoopDispatcher> dispatcher(new LoopDispatcher());
  dispatcher->wake_fd_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!dispatcher->wake_fd_) return ErrnoStatus(errno, "loop dispatcher: eventfd");
  const int r = sd_event_add_io(loop, &dispatcher->source_, dispatcher->wake_fd_.get(), EPOLLIN,
                                &LoopDispatcher::OnWake, dispatcher.get());
  if (r < 0) return ErrnoStatus(-r, "loop dispatcher: sd_event_add_io");
  return dispatcher;
}

LoopDispatcher::~LoopDispatcher() {
  Close();
  sd_event_source_disable_unref(source_);
}

bool LoopDispatcher::Post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    queue_.push_back(std::move(task));
  }
  const uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable.
  [[maybe_unused]] const ssize_t n = write(wake_fd_.get(), &one, sizeof(one));
  return true;
}

void LoopDispatcher::Close() {
  std::deque<Task> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    dropped.swap(queue_);
  }
  // `dropped` is destroyed outside the lock: its closures may release
  // objects whose destructors post again.
}

int LoopDispatcher::OnWake(sd_event_source*, int fd, uint32_t, void* userdata) {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = read(fd, &count, sizeof(count));
  static_cast<LoopDispatcher*>(userdata)->RunQueued();
  return 0;
}

void LoopDispatcher::RunQueued() {
  std::deque<Task> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
  }
  for (Task& task : batch) task();
}

}  // namespace llmcore::service
