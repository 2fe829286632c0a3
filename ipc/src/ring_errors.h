// Private: how the ring code names the rule a frame, an index or a segment
// breaks ("ring: <rule>: <details>", see ipc/RING.md for the list).
#pragma once

#include <string>
#include <string_view>

#include "llmcore/status.h"

namespace llmcore::ipc {

// Outside data (shared memory, a frame) breaks a protocol rule: kCorrupt.
inline Status Violation(std::string_view rule, const std::string& details) {
  return Status(StatusCode::kCorrupt, "ring: " + std::string(rule) + ": " + details);
}

// Something our caller asked for breaks a rule (encoding an oversized
// prompt, a zero request id): kInvalidArgument.
inline Status Refused(std::string_view rule, const std::string& details) {
  return Status(StatusCode::kInvalidArgument, "ring: " + std::string(rule) + ": " + details);
}

}  // namespace llmcore::ipc
