// RingProducer and RingConsumer: the framed single-producer / single-consumer
// byte ring of ring_layout.h, without knowing what the frames mean (ring.h
// adds the typed messages).
//
// Trust: both classes treat the shared memory as written by an adversary.
// They keep their own index in private memory and never read it back; they
// read the other side's index exactly once per operation, into a local, and
// check it (aligned, not behind, at most `capacity` ahead) before using it.
// The consumer copies each frame header and payload into private memory
// before looking at it, and never reads past what the head published. Any
// broken rule is a kCorrupt Status "ring: <rule>: ..." (see ipc/RING.md);
// after one the object stays failed and returns the same Status every time.
// Nothing here waits on the peer except RingConsumer::Wait, which only a
// client calls.
//
// Threading: one thread (at a time) per object; exactly one producer and one
// consumer per ring over the ring's whole life, both starting at index 0 on a
// ring created by RingMemory::Create.
//
// Lifetime: the RingView must stay mapped (its RingMemory alive) while the
// object is used. The wake fd is borrowed, not owned.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "llmcore/ipc/frame_codec.h"
#include "llmcore/ipc/ring_memory.h"
#include "llmcore/status.h"

namespace llmcore::ipc {

enum class WriteOutcome {
  kWritten,     // the frame is published (and the consumer woken if it sleeps)
  kWouldBlock,  // not enough free space now: retry after the consumer reads
};

class RingProducer {
 public:
  // `wake_fd`: the eventfd to signal when the consumer sleeps (-1: none).
  RingProducer(RingView ring, int wake_fd) : ring_(ring), wake_fd_(wake_fd) {}

  // Publishes one frame. Never waits: kWouldBlock when the consumer has not
  // freed enough space. A frame larger than the ring or than kMaxFrameBytes
  // is kInvalidArgument (frame-too-large); a bad tail from the consumer is
  // kCorrupt. After the head is published, and only then, the producer signals
  // wake_fd if the consumer's waiting flag is set.
  Result<WriteOutcome> TryWrite(uint16_t type, uint16_t flags, std::span<const uint8_t> payload);
  Result<WriteOutcome> TryWrite(const Frame& frame) {
    return TryWrite(frame.type, frame.flags, frame.payload);
  }

  // Bytes published so far (the private head).
  uint64_t head() const { return head_; }
  // How many times this producer signalled wake_fd.
  uint64_t wakeups_sent() const { return wakeups_; }

 private:
  // Reads the consumer's tail once and checks it; updates tail_.
  Status RefreshTail();
  bool Fits(uint64_t bytes) const { return head_ - tail_ + bytes <= ring_.capacity; }
  void Put(uint64_t pos, const void* bytes, uint64_t n);

  RingView ring_;
  int wake_fd_;
  uint64_t head_ = 0;  // private copy of what we published
  uint64_t tail_ = 0;  // the consumer's tail as last read and checked
  uint64_t wakeups_ = 0;
  Status failed_;
};

class RingConsumer {
 public:
  explicit RingConsumer(RingView ring) : ring_(ring) {}

  // The next frame, copied into private memory (padding frames are skipped),
  // or nullopt when the ring is empty. kCorrupt for a broken rule.
  Result<std::optional<Frame>> TryRead();

  // The sleeping side of the wake-up protocol. PrepareToSleep sets the
  // waiting flag, issues a full fence and looks at the head again: true means
  // the ring is still empty and the caller may block on its eventfd until
  // signalled; false means data arrived (the flag is cleared again). After
  // waking, call FinishSleep, then TryRead.
  Result<bool> PrepareToSleep();
  void FinishSleep();

  // For clients: PrepareToSleep, poll `event_fd` up to `timeout_ms` (-1:
  // forever), drain it, FinishSleep. True when the ring may hold data, false
  // on timeout. The daemon never calls this: it watches the eventfd in its
  // event loop.
  Result<bool> Wait(int event_fd, int timeout_ms);

  // Bytes consumed so far (the private tail).
  uint64_t tail() const { return tail_; }

 private:
  // Reads the producer's head once and checks it.
  Result<uint64_t> LoadHead();
  Status Fail(Status status);

  RingView ring_;
  uint64_t tail_ = 0;  // private copy of what we consumed
  Status failed_;
};

}  // namespace llmcore::ipc
