// The consuming side of a byte ring (see byte_ring.h). Every value read from
// shared memory is read once into a local and checked before use.
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "llmcore/ipc/byte_ring.h"
#include "llmcore/ipc/eventfd.h"
#include "ring_atomics.h"
#include "ring_errors.h"

namespace llmcore::ipc {

Status RingConsumer::Fail(Status status) {
  failed_ = status;
  return status;
}

Result<uint64_t> RingConsumer::LoadHead() {
  const uint64_t head = LoadAcquire(ring_.control->head);  // the one read of this call
  if (head % kFrameAlign != 0) {
    return Fail(Violation("index-misaligned", "head " + std::to_string(head)));
  }
  if (head < tail_) {
    return Fail(Violation("head-behind-tail", "head " + std::to_string(head) + " is behind tail " +
                                                  std::to_string(tail_)));
  }
  if (head - tail_ > ring_.capacity) {
    return Fail(Violation("index-beyond-capacity", "head " + std::to_string(head) + " is " +
                                                       std::to_string(head - tail_) +
                                                       " bytes ahead of tail in a ring of " +
                                                       std::to_string(ring_.capacity)));
  }
  return head;
}

Result<std::optional<Frame>> RingConsumer::TryRead() {
  if (!failed_.ok()) return failed_;
  LLMCORE_ASSIGN_OR_RETURN(const uint64_t head, LoadHead());
  const uint64_t cap = ring_.capacity;
  while (head != tail_) {
    const uint64_t pos = tail_ & (cap - 1);
    const uint64_t contiguous = cap - pos;
    const uint64_t available = head - tail_;  // >= 8: both are 8-aligned and differ
    FrameHeader h;
    std::memcpy(&h, ring_.data + pos, sizeof h);  // private copy, checked below

    if (h.type == kFramePadding) {
      if (h.flags != 0 || uint64_t{h.length} + sizeof h != contiguous) {
        return Fail(Violation("bad-padding", "a padding frame of " + std::to_string(h.length) +
                                                 " bytes at ring offset " + std::to_string(pos) +
                                                 " does not end at the end of the ring"));
      }
      if (contiguous > available) {
        return Fail(Violation("frame-beyond-head", "padding past the published head"));
      }
      tail_ += contiguous;
      StoreRelease(ring_.control->tail, tail_);
      continue;
    }
    if (h.length > kMaxFrameBytes - sizeof h) {
      return Fail(Violation("oversized-frame",
                            "a frame of " + std::to_string(h.length) + " payload bytes (at most " +
                                std::to_string(kMaxFrameBytes - sizeof h) + ")"));
    }
    const uint64_t total = (sizeof h + uint64_t{h.length} + kFrameAlign - 1) & ~(kFrameAlign - 1);
    if (total > contiguous) {
      return Fail(Violation("frame-crosses-end",
                            "a frame of " + std::to_string(total) + " bytes at ring offset " +
                                std::to_string(pos) + " of " + std::to_string(cap)));
    }
    if (total > available) {
      return Fail(Violation("frame-beyond-head", "a frame of " + std::to_string(total) +
                                                     " bytes with " + std::to_string(available) +
                                                     " published"));
    }
    Frame frame{h.type, h.flags, {}};
    frame.payload.resize(h.length);
    if (h.length != 0) std::memcpy(frame.payload.data(), ring_.data + pos + sizeof h, h.length);
    tail_ += total;
    StoreRelease(ring_.control->tail, tail_);
    return std::optional<Frame>(std::move(frame));
  }
  return std::optional<Frame>();
}

Result<bool> RingConsumer::PrepareToSleep() {
  if (!failed_.ok()) return failed_;
  StoreFlag(ring_.control->consumer_waiting, 1);
  FullFence();  // pairs with the producer's fence between publishing and reading the flag
  LLMCORE_ASSIGN_OR_RETURN(const uint64_t head, LoadHead());
  if (head != tail_) {
    FinishSleep();
    return false;
  }
  return true;
}

void RingConsumer::FinishSleep() {
  StoreFlag(ring_.control->consumer_waiting, 0);
}

Result<bool> RingConsumer::Wait(int event_fd, int timeout_ms) {
  LLMCORE_ASSIGN_OR_RETURN(const bool may_sleep, PrepareToSleep());
  if (!may_sleep) return true;
  pollfd p{event_fd, POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  FinishSleep();
  if (n < 0) return ErrnoStatus(err, "ring: poll on the eventfd");
  if (n == 0) return false;
  LLMCORE_ASSIGN_OR_RETURN(const uint64_t signals, DrainEventFd(event_fd));
  (void)signals;
  return true;
}

}  // namespace llmcore::ipc
