// Private: the rules a message must follow whichever way it travels. The
// encoder applies them to what its caller asks to send (kInvalidArgument),
// the parser to what it read (kCorrupt), so a frame that encodes always
// parses. Structural rules (counts, truncation) live in the parser itself.
#pragma once

#include <string>
#include <string_view>

#include "llmcore/ipc/ring_messages.h"
#include "llmcore/status.h"

namespace llmcore::ipc {

// Builds the error for a broken rule: Violation or Refused (ring_errors.h).
using RuleError = Status (*)(std::string_view rule, const std::string& details);

Status CheckSubmit(const SubmitRequest& m, RuleError error);
Status CheckCancel(const CancelRequest& m, RuleError error);
Status CheckToken(const TokenEvent& m, RuleError error);
Status CheckFinished(const FinishedEvent& m, RuleError error);
Status CheckError(const ErrorEvent& m, RuleError error);

// A field of `bytes` must be valid UTF-8 (invalid-utf8, naming the field and
// the byte offset) and at most `max_bytes` long (`oversized_rule`).
Status CheckText(std::string_view field, std::string_view bytes, uint64_t max_bytes,
                 std::string_view oversized_rule, RuleError error);

bool IsKnownStopReason(uint32_t code);
bool IsKnownErrorCode(uint32_t code);

}  // namespace llmcore::ipc
