// Helpers for the ring tests: sample messages of every type, and a hostile
// peer that writes raw bytes and indices into a ring.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/ipc/ring_layout.h"
#include "llmcore/ipc/ring_memory.h"
#include "llmcore/ipc/ring_messages.h"

namespace llmcore::ipc::testing {

// A fixture owning one ring segment with the smallest rings (4 KiB each).
class SmallRingsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  std::unique_ptr<RingMemory> mem_;
};

SubmitRequest SampleTextSubmit();  // every option set
SubmitRequest SampleChatSubmit();  // no option set, three messages
TokenEvent SampleToken();
FinishedEvent SampleFinished();
ErrorEvent SampleError();

// A SUBMIT fixed part for a text prompt with no options.
SubmitFixed TextFixed(uint64_t request_id = 7);
// The fixed part followed by length-prefixed strings, as the wire has them.
std::vector<uint8_t> SubmitPayload(const SubmitFixed& fixed,
                                   const std::vector<std::string>& strings);
template <typename T>
std::vector<uint8_t> Bytes(const T& value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  return std::vector<uint8_t>(p, p + sizeof(T));
}

// Writes a frame header and payload at ring position `pos` (no index change).
void WriteFrameAt(const RingView& ring, uint64_t pos, uint16_t type, uint16_t flags,
                  uint32_t length, std::span<const uint8_t> payload);
// Stores an index as the peer would (release).
void StoreHead(const RingView& ring, uint64_t head);
void StoreTail(const RingView& ring, uint64_t tail);

// Writes a frame header (with `length` as given, whatever the payload) and
// the payload at the ring's position `*head`, advances *head by the padded
// size computed from `length`, and publishes *head: a peer that may lie.
void PublishRaw(const RingView& ring, uint64_t* head, uint16_t type, uint16_t flags,
                uint32_t length, std::span<const uint8_t> payload);

// The rule name of a Status "ring: <rule>: ...", or "" when it has none.
std::string RuleOf(const std::string& message);

}  // namespace llmcore::ipc::testing
