// The producing side of a byte ring (see byte_ring.h).
#include <cstring>
#include <string>

#include "llmcore/ipc/byte_ring.h"
#include "llmcore/ipc/eventfd.h"
#include "ring_atomics.h"
#include "ring_errors.h"

namespace llmcore::ipc {

void RingProducer::Put(uint64_t pos, const void* bytes, uint64_t n) {
  if (n != 0) std::memcpy(ring_.data + pos, bytes, n);
}

Status RingProducer::RefreshTail() {
  const uint64_t tail = LoadAcquire(ring_.control->tail);  // the one read of this call
  if (tail % kFrameAlign != 0) {
    return Violation("index-misaligned", "tail " + std::to_string(tail));
  }
  if (tail > head_) {
    return Violation("head-behind-tail",
                     "tail " + std::to_string(tail) + " is past head " + std::to_string(head_));
  }
  if (tail < tail_) {
    return Violation("index-moved-backwards",
                     "tail went from " + std::to_string(tail_) + " to " + std::to_string(tail));
  }
  tail_ = tail;
  return Status::Ok();
}

Result<WriteOutcome> RingProducer::TryWrite(uint16_t type, uint16_t flags,
                                            std::span<const uint8_t> payload) {
  if (!failed_.ok()) return failed_;
  const uint64_t cap = ring_.capacity;
  if (payload.size() > kMaxFrameBytes - sizeof(FrameHeader)) {
    return Refused("frame-too-large", std::to_string(payload.size()) + " payload bytes");
  }
  const uint64_t unpadded = sizeof(FrameHeader) + payload.size();
  const uint64_t total = (unpadded + kFrameAlign - 1) & ~(kFrameAlign - 1);
  if (total > cap) {
    return Refused("frame-too-large", "a frame of " + std::to_string(total) +
                                          " bytes in a ring of " + std::to_string(cap));
  }

  // Frames never wrap: first fill the rest of the data area with padding.
  // The padding may be published even when the frame then has to wait.
  uint64_t pos = head_ & (cap - 1);
  const uint64_t contiguous = cap - pos;
  if (total > contiguous) {
    if (!Fits(contiguous)) {
      if (Status s = RefreshTail(); !s.ok()) return failed_ = s;
      if (!Fits(contiguous)) return WriteOutcome::kWouldBlock;
    }
    const FrameHeader pad{kFramePadding, 0, static_cast<uint32_t>(contiguous - sizeof pad)};
    Put(pos, &pad, sizeof pad);
    head_ += contiguous;
    StoreRelease(ring_.control->head, head_);
    pos = 0;
  }
  if (!Fits(total)) {
    if (Status s = RefreshTail(); !s.ok()) return failed_ = s;
    if (!Fits(total)) return WriteOutcome::kWouldBlock;
  }

  const FrameHeader header{type, flags, static_cast<uint32_t>(payload.size())};
  Put(pos, &header, sizeof header);
  Put(pos + sizeof header, payload.data(), payload.size());
  static constexpr uint8_t kZeros[kFrameAlign] = {};
  Put(pos + unpadded, kZeros, total - unpadded);
  head_ += total;
  StoreRelease(ring_.control->head, head_);

  // Publish, full fence, then look at the flag: pairs with PrepareToSleep.
  FullFence();
  if (LoadFlag(ring_.control->consumer_waiting) != 0 && wake_fd_ >= 0) {
    // A failed signal cannot un-publish the frame; the only failure is a bad
    // fd, which the next successful call would not repair either.
    (void)SignalEventFd(wake_fd_);
    ++wakeups_;
  }
  return WriteOutcome::kWritten;
}

}  // namespace llmcore::ipc
