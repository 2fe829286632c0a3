// libFuzzer target: the ring protocol's parsers of outside input.
//
// The first input byte picks what the rest drives:
//   0  ParseRequest (what the daemon does with a client's frame): u16 type,
//      u16 flags, then the payload
//   1  ParseEvent (what a client does with the daemon's frame), same shape
//   2  the daemon's RequestReader over a ring whose shared bytes are the input:
//      u64 first head, u64 second head, then the ring's data bytes
//   3  the daemon's EventWriter facing client-written tails: each u64 of the
//      input is stored as the tail before the next write
//
// Besides crashes, leaks and hangs, it traps when a promise of frame_codec.h
// or byte_ring.h is broken: every rejection is kCorrupt and names its rule
// ("ring: <rule>: ..."), and every message accepted encodes again into a frame
// that parses back to the same message.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

#include "llmcore/ipc/frame_codec.h"
#include "llmcore/ipc/ring.h"

namespace {

using namespace llmcore::ipc;  // NOLINT: a fuzz target's own file

constexpr uint64_t kRingBytes = 4096;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckRejection(const llmcore::Status& status) {
  Check(status.code() == llmcore::StatusCode::kCorrupt);
  Check(status.message().starts_with("ring: "));
}

void CheckRequest(const RequestMessage& message) {
  auto frame = EncodeRequest(message);
  Check(frame.ok());
  auto again = ParseRequest(*frame);
  Check(again.ok() && *again == message);
}

void CheckEvent(const EventMessage& message) {
  auto frame = EncodeEvent(message);
  Check(frame.ok());
  auto again = ParseEvent(*frame);
  Check(again.ok() && *again == message);
}

uint64_t TakeU64(std::span<const uint8_t>* in) {
  uint64_t v = 0;
  const size_t n = in->size() < 8 ? in->size() : 8;
  if (n != 0) std::memcpy(&v, in->data(), n);
  *in = in->subspan(n);
  return v;
}

void FuzzFrame(bool request, std::span<const uint8_t> in) {
  if (in.size() < 4) return;
  uint16_t type, flags;
  std::memcpy(&type, in.data(), 2);
  std::memcpy(&flags, in.data() + 2, 2);
  const std::span<const uint8_t> payload = in.subspan(4);
  if (request) {
    auto m = ParseRequest(type, flags, payload);
    if (m.ok())
      CheckRequest(*m);
    else
      CheckRejection(m.status());
  } else {
    auto m = ParseEvent(type, flags, payload);
    if (m.ok())
      CheckEvent(*m);
    else
      CheckRejection(m.status());
  }
}

// One ring segment for the whole run; each input starts from zeroed indices.
RingMemory& Segment() {
  static auto* memory = [] {
    auto m = RingMemory::Create({kRingBytes, kRingBytes});
    Check(m.ok());
    return new RingMemory(std::move(*m));
  }();
  return *memory;
}

void Reset(const RingView& ring) {
  std::memset(ring.control, 0, sizeof(RingControl));
  std::memset(ring.data, 0, ring.capacity);
}

void StoreIndex(uint64_t& index, uint64_t value) {
  std::atomic_ref<uint64_t>(index).store(value, std::memory_order_release);
}

void FuzzRequestRing(std::span<const uint8_t> in) {
  const RingView ring = Segment().requests();
  Reset(ring);
  const uint64_t first_head = TakeU64(&in);
  const uint64_t second_head = TakeU64(&in);
  const size_t n = in.size() < kRingBytes ? in.size() : kRingBytes;
  if (n != 0) std::memcpy(ring.data, in.data(), n);
  RequestReader reader(ring);
  for (uint64_t head : {first_head, second_head}) {
    StoreIndex(ring.control->head, head);
    for (int i = 0; i < 64; ++i) {
      auto r = reader.Read();
      if (!r.ok()) {
        CheckRejection(r.status());
        return;
      }
      if (!r->has_value()) break;
      CheckRequest(**r);
      Check(reader.consumer().tail() <= head);
    }
  }
}

void FuzzEventTail(std::span<const uint8_t> in) {
  const RingView ring = Segment().events();
  Reset(ring);
  EventWriter writer(ring, -1);
  const TokenEvent token{1, 2, "piece"};
  while (!in.empty()) {
    StoreIndex(ring.control->tail, TakeU64(&in));
    for (int i = 0; i < 8; ++i) {
      auto w = writer.Write(token);
      if (!w.ok()) {
        CheckRejection(w.status());
        return;
      }
      if (*w == WriteOutcome::kWouldBlock) break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: FuzzFrame(true, in); break;
    case 1: FuzzFrame(false, in); break;
    case 2: FuzzRequestRing(in); break;
    default: FuzzEventTail(in); break;
  }
  return 0;
}
