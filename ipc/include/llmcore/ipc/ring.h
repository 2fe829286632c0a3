// The two rings of a session with typed messages: what the daemon and the
// client library use. Layout: ring_layout.h; memory: ring_memory.h; byte
// rings: byte_ring.h; encodings: frame_codec.h; protocol: ipc/RING.md.
//
//   daemon                                   client
//   RingMemory::Create ── fd over D-Bus ──►  RingMemory::Map
//   RequestReader(mem.requests())      ◄──   RequestWriter(mem.requests(), request_efd)
//   EventWriter(mem.events(), event_efd) ──► EventReader(mem.events())
//
// Daemon side: RequestReader copies each frame out of shared memory, then
// parses it; any Status it returns means the client broke the protocol: the
// daemon sends an ERROR (kRingErrorProtocolViolation, request id 0) when the
// event ring has room, then closes that client's session; others never
// notice. EventWriter never waits: kWouldBlock means the client is not
// reading; the caller holds the event back (backpressure) and retries when
// the client's next read frees space.
//
// Threading and lifetime: as byte_ring.h (one thread per object, the
// RingMemory outlives them, eventfds are borrowed).
#pragma once

#include <optional>

#include "llmcore/ipc/byte_ring.h"
#include "llmcore/ipc/ring_messages.h"

namespace llmcore::ipc {

// Client → daemon requests, client side.
class RequestWriter {
 public:
  RequestWriter(RingView requests, int daemon_wake_fd) : producer_(requests, daemon_wake_fd) {}
  // kInvalidArgument when the message breaks a cap (frame_codec.h);
  // kWouldBlock when the daemon has not yet read enough.
  Result<WriteOutcome> Write(const RequestMessage& message);
  RingProducer& producer() { return producer_; }

 private:
  RingProducer producer_;
};

// Client → daemon requests, daemon side.
class RequestReader {
 public:
  explicit RequestReader(RingView requests) : consumer_(requests) {}
  // The next request, nullopt when none is pending, or a kCorrupt Status
  // naming the rule the client broke (the reader then stays failed).
  Result<std::optional<RequestMessage>> Read();
  RingConsumer& consumer() { return consumer_; }

 private:
  RingConsumer consumer_;
  Status failed_;
};

// Daemon → client events, daemon side.
class EventWriter {
 public:
  EventWriter(RingView events, int client_wake_fd) : producer_(events, client_wake_fd) {}
  Result<WriteOutcome> Write(const EventMessage& message);
  RingProducer& producer() { return producer_; }

 private:
  RingProducer producer_;
};

// Daemon → client events, client side.
class EventReader {
 public:
  explicit EventReader(RingView events) : consumer_(events) {}
  Result<std::optional<EventMessage>> Read();
  // Blocks until an event may be there (true) or timeout_ms passes (false).
  Result<bool> Wait(int event_fd, int timeout_ms) { return consumer_.Wait(event_fd, timeout_ms); }
  RingConsumer& consumer() { return consumer_; }

 private:
  RingConsumer consumer_;
  Status failed_;
};

}  // namespace llmcore::ipc
