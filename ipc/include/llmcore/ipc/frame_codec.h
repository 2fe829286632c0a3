// Encoding ring messages into frames and parsing frames back, in private
// memory: the parser never reads shared memory (RingConsumer copies a frame
// out first).
//
// Errors: every rejection is a Status with code kCorrupt (for parsing) or
// kInvalidArgument (for encoding a message that breaks a cap) and a message
// "ring: <rule>: <details>", where <rule> is a stable name from the list in
// ipc/RING.md (unknown-frame-type, truncated-payload, invalid-utf8,
// too-many-chat-messages, ...). Nothing here asserts or aborts on input.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "llmcore/ipc/ring_messages.h"
#include "llmcore/status.h"

namespace llmcore::ipc {

// One frame in private memory: the header's type and flags plus the payload.
struct Frame {
  uint16_t type = kFramePadding;
  uint16_t flags = 0;
  std::vector<uint8_t> payload;
  bool operator==(const Frame&) const = default;
};

// Encoders check the same caps the parsers enforce (so a frame that encodes
// always parses) and fail with kInvalidArgument naming the rule.
Result<Frame> EncodeRequest(const RequestMessage& message);
Result<Frame> EncodeEvent(const EventMessage& message);

// Parsers of the two directions. A request parser refuses event types and the
// other way round (unexpected-frame-type); both refuse padding frames, which
// the ring consumer handles itself.
Result<RequestMessage> ParseRequest(const Frame& frame);
Result<EventMessage> ParseEvent(const Frame& frame);

// The same over a raw frame type and payload (what the fuzz target drives).
Result<RequestMessage> ParseRequest(uint16_t type, uint16_t flags,
                                    std::span<const uint8_t> payload);
Result<EventMessage> ParseEvent(uint16_t type, uint16_t flags, std::span<const uint8_t> payload);

}  // namespace llmcore::ipc
