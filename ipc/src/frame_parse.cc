// Parsing frames (already copied into private memory) into typed messages.
// Every count is checked against its cap before anything is allocated, and
// every length against the bytes actually left in the payload.
#include <string>
#include <string_view>

#include "byte_cursor.h"
#include "llmcore/ipc/frame_codec.h"
#include "message_rules.h"
#include "ring_errors.h"

namespace llmcore::ipc {
namespace {

Status Truncated(std::string_view what) {
  return Violation("truncated-payload", "the payload ends inside " + std::string(what));
}

Status CheckEnd(const ByteReader& r, uint16_t type) {
  if (r.remaining() != 0) {
    return Violation("trailing-bytes", std::to_string(r.remaining()) +
                                           " bytes after the end of a frame of type " +
                                           std::to_string(type));
  }
  return Status::Ok();
}

// A uint32_t length and that many bytes; a length above `max_bytes` is
// refused with `oversized_rule` before anything is copied.
Status ReadString(ByteReader* r, std::string_view what, uint64_t max_bytes,
                  std::string_view oversized_rule, std::string* out) {
  uint32_t n = 0;
  if (!r->Read(&n)) return Truncated(std::string(what) + " length");
  if (n > max_bytes) {
    return Violation(oversized_rule, std::string(what) + " has " + std::to_string(n) +
                                         " bytes (at most " + std::to_string(max_bytes) + ")");
  }
  std::string_view bytes;
  if (!r->ReadBytes(n, &bytes)) return Truncated(what);
  out->assign(bytes);
  return Status::Ok();
}

Result<RequestMessage> ParseSubmit(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  SubmitFixed f;
  if (!r.Read(&f)) return Truncated("the submit header");
  if ((f.option_mask & ~kKnownOptionBits) != 0) {
    return Violation("unknown-option", "option bits " + std::to_string(f.option_mask));
  }
  if (f.ignore_eos > 1) return Violation("bad-option-value", "ignore_eos is neither 0 nor 1");
  if (f.stop_count > kMaxStopStrings) {
    return Violation("too-many-stop-strings", std::to_string(f.stop_count) +
                                                  " stop strings (at most " +
                                                  std::to_string(kMaxStopStrings) + ")");
  }
  if (f.input_kind == kInputText && f.message_count != 0) {
    return Violation("bad-message-count", "a text prompt with a message count");
  }
  if (f.input_kind == kInputChat && f.message_count > kMaxChatMessages) {
    return Violation("too-many-chat-messages", std::to_string(f.message_count) +
                                                   " messages (at most " +
                                                   std::to_string(kMaxChatMessages) + ")");
  }
  if (f.input_kind != kInputText && f.input_kind != kInputChat) {
    return Violation("bad-input-kind", "input kind " + std::to_string(f.input_kind));
  }

  SubmitRequest m;
  m.request_id = f.request_id;
  m.input_kind = static_cast<SubmitInputKind>(f.input_kind);
  SubmitOptions& o = m.options;
  auto get = [&f](auto* option, const auto& field, uint32_t bit) {
    if (f.option_mask & bit) *option = field;
  };
  get(&o.max_tokens, f.max_tokens, kOptMaxTokens);
  get(&o.temperature, f.temperature, kOptTemperature);
  get(&o.top_k, f.top_k, kOptTopK);
  get(&o.top_p, f.top_p, kOptTopP);
  get(&o.min_p, f.min_p, kOptMinP);
  get(&o.repeat_penalty, f.repeat_penalty, kOptRepeatPenalty);
  get(&o.repeat_last_n, f.repeat_last_n, kOptRepeatLastN);
  get(&o.frequency_penalty, f.frequency_penalty, kOptFrequencyPenalty);
  get(&o.presence_penalty, f.presence_penalty, kOptPresencePenalty);
  get(&o.seed, f.seed, kOptSeed);
  if (f.option_mask & kOptIgnoreEos) o.ignore_eos = f.ignore_eos != 0;

  o.stop.resize(f.stop_count);
  for (std::string& s : o.stop) {
    LLMCORE_RETURN_IF_ERROR(
        ReadString(&r, "a stop string", kMaxStopStringBytes, "oversized-stop-string", &s));
  }
  if (m.input_kind == kInputText) {
    LLMCORE_RETURN_IF_ERROR(
        ReadString(&r, "the prompt", kMaxPromptBytes, "oversized-prompt", &m.prompt));
  } else {
    // Each message takes at least 8 bytes: a count the payload cannot hold
    // is refused before the vector is sized.
    if (uint64_t{f.message_count} * 8 > r.remaining()) return Truncated("the chat messages");
    m.messages.resize(f.message_count);
    for (ChatMessage& msg : m.messages) {
      LLMCORE_RETURN_IF_ERROR(
          ReadString(&r, "a message role", kMaxRoleBytes, "oversized-role", &msg.role));
      LLMCORE_RETURN_IF_ERROR(
          ReadString(&r, "a message content", kMaxPromptBytes, "oversized-prompt", &msg.content));
    }
  }
  LLMCORE_RETURN_IF_ERROR(CheckEnd(r, kFrameSubmit));
  LLMCORE_RETURN_IF_ERROR(CheckSubmit(m, Violation));
  return RequestMessage(std::move(m));
}

Result<RequestMessage> ParseCancel(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  CancelPayload p;
  if (!r.Read(&p)) return Truncated("the cancel payload");
  LLMCORE_RETURN_IF_ERROR(CheckEnd(r, kFrameCancel));
  CancelRequest m{p.request_id};
  LLMCORE_RETURN_IF_ERROR(CheckCancel(m, Violation));
  return RequestMessage(m);
}

Result<EventMessage> ParseToken(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  TokenFixed f;
  if (!r.Read(&f)) return Truncated("the token header");
  if (f.piece_bytes > kMaxPieceBytes) {
    return Violation("oversized-piece", "token piece has " + std::to_string(f.piece_bytes) +
                                            " bytes (at most " + std::to_string(kMaxPieceBytes) +
                                            ")");
  }
  std::string_view piece;
  if (!r.ReadBytes(f.piece_bytes, &piece)) return Truncated("the token piece");
  LLMCORE_RETURN_IF_ERROR(CheckEnd(r, kFrameToken));
  TokenEvent m{f.request_id, f.token_id, std::string(piece)};
  LLMCORE_RETURN_IF_ERROR(CheckToken(m, Violation));
  return EventMessage(std::move(m));
}

Result<EventMessage> ParseFinished(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  FinishedPayload p;
  if (!r.Read(&p)) return Truncated("the finished payload");
  LLMCORE_RETURN_IF_ERROR(CheckEnd(r, kFrameFinished));
  if (!IsKnownStopReason(p.stop_reason)) {
    return Violation("bad-stop-reason", "stop reason " + std::to_string(p.stop_reason));
  }
  FinishedEvent m;
  m.request_id = p.request_id;
  m.prompt_tokens = p.prompt_tokens;
  m.cached_tokens = p.cached_tokens;
  m.generated_tokens = p.generated_tokens;
  m.stop_reason = static_cast<StopReasonCode>(p.stop_reason);
  m.queue_ms = p.queue_ms;
  m.prefill_ms = p.prefill_ms;
  m.decode_ms = p.decode_ms;
  LLMCORE_RETURN_IF_ERROR(CheckFinished(m, Violation));
  return EventMessage(m);
}

Result<EventMessage> ParseError(std::span<const uint8_t> payload) {
  ByteReader r(payload);
  ErrorFixed f;
  if (!r.Read(&f)) return Truncated("the error header");
  if (!IsKnownErrorCode(f.code)) {
    return Violation("bad-error-code", "error code " + std::to_string(f.code));
  }
  if (f.message_bytes > kMaxErrorMessageBytes) {
    return Violation("oversized-error-message",
                     "error message has " + std::to_string(f.message_bytes) + " bytes");
  }
  std::string_view text;
  if (!r.ReadBytes(f.message_bytes, &text)) return Truncated("the error message");
  LLMCORE_RETURN_IF_ERROR(CheckEnd(r, kFrameError));
  ErrorEvent m{f.request_id, static_cast<RingErrorCode>(f.code), std::string(text)};
  LLMCORE_RETURN_IF_ERROR(CheckError(m, Violation));
  return EventMessage(std::move(m));
}

Status CheckFrameHeader(uint16_t type, uint16_t flags, size_t payload_bytes) {
  if (flags != 0) {
    return Violation("unknown-frame-flags",
                     "flags " + std::to_string(flags) + " on frame type " + std::to_string(type));
  }
  if (payload_bytes > kMaxFrameBytes - sizeof(FrameHeader)) {
    return Violation("oversized-frame", std::to_string(payload_bytes) + " payload bytes");
  }
  return Status::Ok();
}

bool IsRequestType(uint16_t type) {
  return type == kFrameSubmit || type == kFrameCancel;
}
bool IsEventType(uint16_t type) {
  return type == kFrameToken || type == kFrameFinished || type == kFrameError;
}

Status WrongDirection(uint16_t type, std::string_view ring) {
  if (type == kFramePadding) {
    return Violation("unexpected-frame-type", "a padding frame outside the ring");
  }
  if (IsRequestType(type) || IsEventType(type)) {
    return Violation("unexpected-frame-type",
                     "frame type " + std::to_string(type) + " in the " + std::string(ring));
  }
  return Violation("unknown-frame-type", "frame type " + std::to_string(type));
}

}  // namespace

Result<RequestMessage> ParseRequest(uint16_t type, uint16_t flags,
                                    std::span<const uint8_t> payload) {
  if (!IsRequestType(type)) return WrongDirection(type, "request ring");
  LLMCORE_RETURN_IF_ERROR(CheckFrameHeader(type, flags, payload.size()));
  if (type == kFrameSubmit) return ParseSubmit(payload);
  return ParseCancel(payload);
}

Result<EventMessage> ParseEvent(uint16_t type, uint16_t flags, std::span<const uint8_t> payload) {
  if (!IsEventType(type)) return WrongDirection(type, "event ring");
  LLMCORE_RETURN_IF_ERROR(CheckFrameHeader(type, flags, payload.size()));
  if (type == kFrameToken) return ParseToken(payload);
  if (type == kFrameFinished) return ParseFinished(payload);
  return ParseError(payload);
}

Result<RequestMessage> ParseRequest(const Frame& frame) {
  return ParseRequest(frame.type, frame.flags, frame.payload);
}

Result<EventMessage> ParseEvent(const Frame& frame) {
  return ParseEvent(frame.type, frame.flags, frame.payload);
}

}  // namespace llmcore::ipc
