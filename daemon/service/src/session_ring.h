// SessionRing: the daemon's end of one session's shared-memory rings
// (protocol: ipc/RING.md). It owns the sealed memfd and the two eventfds,
// watches the request eventfd in the sd-event loop, reads and parses the
// client's requests, and writes events without ever waiting for the client.
//
// Requests: on every wake-up it drains the eventfd, reads up to
// kRequestsPerWake frames (then yields the loop to other clients and comes
// back), and hands each parsed request to `on_request`. Before going back to
// sleep it sets its waiting flag, so a client signals only then.
//
// Events: Send() writes at once when the event ring has room; otherwise the
// event joins a backlog, retried when the client's next request arrives and
// on a timer that backs off from 1 ms to 100 ms (the client never wakes the
// daemon when it reads). The backlog is bounded by the caller's policy:
// backlog() tells how much waits (CoreService cancels the running request of a
// client that stops reading; see core_service.h).
//
// Protocol violations: the first broken rule (a request the parser refuses,
// an impossible index on either ring) marks the ring broken, stops reading
// it and calls `on_broken` once with the Status. The owner must not destroy
// the ring from inside a callback; it posts the session's end to the loop.
// A broken ring still tries to write events (the final ERROR) unless the
// event ring itself is what broke.
//
// Threading: loop thread only. Lifetime: the sd_event outlives the ring.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "llmcore/ipc/ring.h"
#include "llmcore/ipc/ring_memory.h"
#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::service {

class SessionRing {
 public:
  struct Callbacks {
    std::function<void(ipc::RequestMessage)> on_request;
    std::function<void(const Status&)> on_broken;
  };

  // How many request frames one wake-up reads before yielding the loop.
  static constexpr int kRequestsPerWake = 64;

  // Errors: bad sizes (kInvalidArgument), the OS refusing memfd, eventfds or
  // the event source.
  static Result<std::unique_ptr<SessionRing>> Create(sd_event* loop, const ipc::RingSizes& sizes,
                                                     Callbacks callbacks);
  ~SessionRing();
  SessionRing(const SessionRing&) = delete;
  SessionRing& operator=(const SessionRing&) = delete;

  // What the client receives (the daemon keeps its own copies open).
  int memfd() const { return memory_.fd(); }
  int request_wake_fd() const { return request_wake_.get(); }
  int event_wake_fd() const { return event_wake_.get(); }

  // Writes `event` now or queues it behind the backlog.
  void Send(ipc::EventMessage event);
  size_t backlog() const { return backlog_.size(); }

 private:
  SessionRing(ipc::RingMemory memory, UniqueFd request_wake, UniqueFd event_wake,
              Callbacks callbacks);
  static int OnRequestWake(sd_event_source* source, int fd, uint32_t revents, void* userdata);
  static int OnRetry(sd_event_source* source, uint64_t usec, void* userdata);
  void ReadRequests();
  void Flush();
  void ArmRetry();
  void Break(const Status& why, bool event_side);

  ipc::RingMemory memory_;
  UniqueFd request_wake_;  // the client signals it; the daemon polls it
  UniqueFd event_wake_;    // the daemon signals it; the client polls it
  Callbacks callbacks_;
  ipc::RequestReader requests_;
  ipc::EventWriter events_;
  std::deque<ipc::EventMessage> backlog_;
  sd_event_source* wake_source_ = nullptr;
  sd_event_source* retry_source_ = nullptr;
  uint64_t retry_delay_usec_ = 0;
  bool broken_ = false;
  bool events_broken_ = false;
};

}  // namespace llmcore::service
