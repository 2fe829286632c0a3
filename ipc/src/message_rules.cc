#include "message_rules.h"

#include <cmath>
#include <optional>

#include "llmcore/utf8.h"

namespace llmcore::ipc {
namespace {

Status CheckFinite(std::string_view name, const std::optional<double>& value, RuleError error) {
  if (value && !std::isfinite(*value)) {
    return error("non-finite-option", "option " + std::string(name) + " is not a finite number");
  }
  return Status::Ok();
}

Status CheckRequestId(uint64_t id, RuleError error) {
  if (id == 0) return error("zero-request-id", "request id 0 is reserved");
  return Status::Ok();
}

Status CheckOptions(const SubmitOptions& o, RuleError error) {
  LLMCORE_RETURN_IF_ERROR(CheckFinite("temperature", o.temperature, error));
  LLMCORE_RETURN_IF_ERROR(CheckFinite("top_p", o.top_p, error));
  LLMCORE_RETURN_IF_ERROR(CheckFinite("min_p", o.min_p, error));
  LLMCORE_RETURN_IF_ERROR(CheckFinite("repeat_penalty", o.repeat_penalty, error));
  LLMCORE_RETURN_IF_ERROR(CheckFinite("frequency_penalty", o.frequency_penalty, error));
  LLMCORE_RETURN_IF_ERROR(CheckFinite("presence_penalty", o.presence_penalty, error));
  if (o.stop.size() > kMaxStopStrings) {
    return error("too-many-stop-strings", std::to_string(o.stop.size()) +
                                              " stop strings (at most " +
                                              std::to_string(kMaxStopStrings) + ")");
  }
  for (size_t i = 0; i < o.stop.size(); ++i) {
    LLMCORE_RETURN_IF_ERROR(CheckText("stop string " + std::to_string(i), o.stop[i],
                                      kMaxStopStringBytes, "oversized-stop-string", error));
  }
  return Status::Ok();
}

}  // namespace

bool IsKnownStopReason(uint32_t code) {
  return code >= kStopEos && code <= kStopShutdown;
}

bool IsKnownErrorCode(uint32_t code) {
  return code >= kRingErrorInvalidArgument && code <= kRingErrorLoadFailed;
}

Status CheckText(std::string_view field, std::string_view bytes, uint64_t max_bytes,
                 std::string_view oversized_rule, RuleError error) {
  if (bytes.size() > max_bytes) {
    return error(oversized_rule, std::string(field) + " has " + std::to_string(bytes.size()) +
                                     " bytes (at most " + std::to_string(max_bytes) + ")");
  }
  size_t bad = FindInvalidUtf8(bytes);
  if (bad != std::string_view::npos) {
    return error("invalid-utf8",
                 std::string(field) + " is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
  }
  return Status::Ok();
}

Status CheckSubmit(const SubmitRequest& m, RuleError error) {
  LLMCORE_RETURN_IF_ERROR(CheckRequestId(m.request_id, error));
  LLMCORE_RETURN_IF_ERROR(CheckOptions(m.options, error));
  if (m.input_kind == kInputText) {
    if (!m.messages.empty()) return error("bad-input-kind", "a text prompt with chat messages");
    return CheckText("prompt", m.prompt, kMaxPromptBytes, "oversized-prompt", error);
  }
  if (m.input_kind != kInputChat) {
    return error("bad-input-kind", "input kind " + std::to_string(m.input_kind));
  }
  if (!m.prompt.empty()) return error("bad-input-kind", "chat messages with a text prompt");
  if (m.messages.empty()) return error("empty-chat", "a chat submit without messages");
  if (m.messages.size() > kMaxChatMessages) {
    return error("too-many-chat-messages", std::to_string(m.messages.size()) +
                                               " messages (at most " +
                                               std::to_string(kMaxChatMessages) + ")");
  }
  uint64_t total = 0;
  for (size_t i = 0; i < m.messages.size(); ++i) {
    const ChatMessage& msg = m.messages[i];
    const std::string at = "message " + std::to_string(i);
    LLMCORE_RETURN_IF_ERROR(
        CheckText(at + " role", msg.role, kMaxRoleBytes, "oversized-role", error));
    LLMCORE_RETURN_IF_ERROR(
        CheckText(at + " content", msg.content, kMaxPromptBytes, "oversized-prompt", error));
    total += msg.role.size() + msg.content.size();  // each at most kMaxPromptBytes: no overflow
    if (total > kMaxPromptBytes) {
      return error("oversized-prompt", "the chat messages hold more than " +
                                           std::to_string(kMaxPromptBytes) + " bytes");
    }
  }
  return Status::Ok();
}

Status CheckCancel(const CancelRequest& m, RuleError error) {
  return CheckRequestId(m.request_id, error);
}

Status CheckToken(const TokenEvent& m, RuleError error) {
  LLMCORE_RETURN_IF_ERROR(CheckRequestId(m.request_id, error));
  return CheckText("token piece", m.piece, kMaxPieceBytes, "oversized-piece", error);
}

Status CheckFinished(const FinishedEvent& m, RuleError error) {
  LLMCORE_RETURN_IF_ERROR(CheckRequestId(m.request_id, error));
  if (!IsKnownStopReason(m.stop_reason)) {
    return error("bad-stop-reason", "stop reason " + std::to_string(m.stop_reason));
  }
  if (m.cached_tokens > m.prompt_tokens) {
    return error("bad-stats", std::to_string(m.cached_tokens) + " cached tokens of " +
                                  std::to_string(m.prompt_tokens) + " prompt tokens");
  }
  for (double ms : {m.queue_ms, m.prefill_ms, m.decode_ms}) {
    if (!std::isfinite(ms) || ms < 0) return error("bad-stats", "a negative or non-finite time");
  }
  return Status::Ok();
}

Status CheckError(const ErrorEvent& m, RuleError error) {
  if (!IsKnownErrorCode(m.code)) {
    return error("bad-error-code", "error code " + std::to_string(m.code));
  }
  return CheckText("error message", m.message, kMaxErrorMessageBytes, "oversized-error-message",
                   error);
}

}  // namespace llmcore::ipc
