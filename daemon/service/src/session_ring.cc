#include "session_ring.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "llmcore/ipc/eventfd.h"
#include "llmcore/log.h"

namespace llmcore::service {
namespace {

constexpr uint64_t kFirstRetryUsec = 1000;
constexpr uint64_t kLongestRetryUsec = 100000;

Status SdEventStatus(int r, const char* what) {
  return ErrnoStatus(-r, what);
}

}  // namespace

Result<std::unique_ptr<SessionRing>> SessionRing::Create(sd_event* loop,
                                                         const ipc::RingSizes& sizes,
                                                         Callbacks callbacks) {
  LLMCORE_ASSIGN_OR_RETURN(ipc::RingMemory memory, ipc::RingMemory::Create(sizes));
  LLMCORE_ASSIGN_OR_RETURN(UniqueFd request_wake, ipc::CreateEventFd());
  LLMCORE_ASSIGN_OR_RETURN(UniqueFd event_wake, ipc::CreateEventFd());
  std::unique_ptr<SessionRing> ring(new SessionRing(std::move(memory), std::move(request_wake),
                                                    std::move(event_wake), std::move(callbacks)));
  int r = sd_event_add_io(loop, &ring->wake_source_, ring->request_wake_.get(), EPOLLIN,
                          &SessionRing::OnRequestWake, ring.get());
  if (r < 0) return SdEventStatus(r, "watching a ring's eventfd");
  r = sd_event_add_time_relative(loop, &ring->retry_source_, CLOCK_MONOTONIC, kFirstRetryUsec, 0,
                                 &SessionRing::OnRetry, ring.get());
  if (r < 0) return SdEventStatus(r, "adding a ring's retry timer");
  sd_event_source_set_enabled(ring->retry_source_, SD_EVENT_OFF);
  // The daemon sleeps on the request ring from the start: the client's first
  // request must wake it.
  auto sleeping = ring->requests_.consumer().PrepareToSleep();
  if (!sleeping.ok()) return sleeping.status();
  return ring;
}

SessionRing::SessionRing(ipc::RingMemory memory, UniqueFd request_wake, UniqueFd event_wake,
                         Callbacks callbacks)
    : memory_(std::move(memory)),
      request_wake_(std::move(request_wake)),
      event_wake_(std::move(event_wake)),
      callbacks_(std::move(callbacks)),
      requests_(memory_.requests()),
      events_(memory_.events(), event_wake_.get()) {}

SessionRing::~SessionRing() {
  sd_event_source_disable_unref(wake_source_);
  sd_event_source_disable_unref(retry_source_);
}

int SessionRing::OnRequestWake(sd_event_source*, int, uint32_t, void* userdata) {
  static_cast<SessionRing*>(userdata)->ReadRequests();
  return 0;
}

int SessionRing::OnRetry(sd_event_source*, uint64_t, void* userdata) {
  static_cast<SessionRing*>(userdata)->Flush();
  return 0;
}

void SessionRing::ReadRequests() {
  if (broken_) return;
  if (auto drained = ipc::DrainEventFd(request_wake_.get()); !drained.ok()) {
    Break(drained.status(), false);
    return;
  }
  requests_.consumer().FinishSleep();
  // A client reading its events is also a good moment to retry the backlog.
  Flush();
  if (broken_) return;
  for (int read = 0;;) {
    auto request = requests_.Read();
    if (!request.ok()) {
      Break(request.status(), false);
      return;
    }
    if (request->has_value()) {
      callbacks_.on_request(std::move(**request));
      if (broken_) return;
      if (++read < kRequestsPerWake) continue;
      // Fairness: come back after the loop served everyone else.
      if (Status s = ipc::SignalEventFd(request_wake_.get()); !s.ok()) Break(s, false);
      return;
    }
    auto sleeping = requests_.consumer().PrepareToSleep();
    if (!sleeping.ok()) {
      Break(sleeping.status(), false);
      return;
    }
    if (*sleeping) return;
  }
}

void SessionRing::Send(ipc::EventMessage event) {
  if (events_broken_) return;
  backlog_.push_back(std::move(event));
  Flush();
}

void SessionRing::Flush() {
  while (!backlog_.empty() && !events_broken_) {
    auto written = events_.Write(backlog_.front());
    if (!written.ok()) {
      if (written.status().code() == StatusCode::kInvalidArgument) {
        // The daemon's own event breaks a cap (never expected): drop it, keep the session.
        Logf(LogLevel::kWarning, "dropping a ring event: {}", written.status().message());
        backlog_.pop_front();
        continue;
      }
      Break(written.status(), true);
      return;
    }
    if (*written == ipc::WriteOutcome::kWouldBlock) {
      ArmRetry();
      return;
    }
    backlog_.pop_front();
  }
  retry_delay_usec_ = 0;
  sd_event_source_set_enabled(retry_source_, SD_EVENT_OFF);
}

void SessionRing::ArmRetry() {
  retry_delay_usec_ =
      retry_delay_usec_ == 0 ? kFirstRetryUsec : std::min(retry_delay_usec_ * 2, kLongestRetryUsec);
  uint64_t now = 0;
  sd_event_now(sd_event_source_get_event(retry_source_), CLOCK_MONOTONIC, &now);
  sd_event_source_set_time(retry_source_, now + retry_delay_usec_);
  sd_event_source_set_enabled(retry_source_, SD_EVENT_ONESHOT);
}

void SessionRing::Break(const Status& why, bool event_side) {
  if (event_side) {
    events_broken_ = true;
    backlog_.clear();
    sd_event_source_set_enabled(retry_source_, SD_EVENT_OFF);
  }
  if (broken_) return;
  broken_ = true;
  sd_event_source_set_enabled(wake_source_, SD_EVENT_OFF);
  if (callbacks_.on_broken) callbacks_.on_broken(why);
}

}  // namespace llmcore::service
