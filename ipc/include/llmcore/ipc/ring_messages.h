// The typed messages carried by the rings: what frame_codec.h encodes into
// frame payloads and parses back. Plain values; copy freely between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "llmcore/ipc/ring_layout.h"

namespace llmcore::ipc {

// Generation options; an absent one takes the daemon's default. The meaning
// and the valid ranges are those of the D-Bus options (org.llmcore.Core1.xml);
// the ring parser only checks that a value is representable (finite doubles),
// the daemon checks ranges as it does for D-Bus callers.
struct SubmitOptions {
  std::optional<uint32_t> max_tokens;
  std::optional<double> temperature;
  std::optional<int32_t> top_k;
  std::optional<double> top_p;
  std::optional<double> min_p;
  std::optional<double> repeat_penalty;
  std::optional<int32_t> repeat_last_n;
  std::optional<double> frequency_penalty;
  std::optional<double> presence_penalty;
  std::optional<uint64_t> seed;
  std::optional<bool> ignore_eos;
  std::vector<std::string> stop;

  bool operator==(const SubmitOptions&) const = default;
};

struct ChatMessage {
  std::string role;
  std::string content;
  bool operator==(const ChatMessage&) const = default;
};

// SUBMIT: a prompt (input_kind kInputText) or chat messages (kInputChat).
struct SubmitRequest {
  uint64_t request_id = 0;
  SubmitOptions options;
  SubmitInputKind input_kind = kInputText;
  std::string prompt;                 // kInputText
  std::vector<ChatMessage> messages;  // kInputChat
  bool operator==(const SubmitRequest&) const = default;
};

struct CancelRequest {
  uint64_t request_id = 0;
  bool operator==(const CancelRequest&) const = default;
};

struct TokenEvent {
  uint64_t request_id = 0;
  uint32_t token_id = 0;
  std::string piece;
  bool operator==(const TokenEvent&) const = default;
};

struct FinishedEvent {
  uint64_t request_id = 0;
  uint32_t prompt_tokens = 0;
  uint32_t cached_tokens = 0;
  uint32_t generated_tokens = 0;
  StopReasonCode stop_reason = kStopEos;
  double queue_ms = 0;
  double prefill_ms = 0;
  double decode_ms = 0;
  bool operator==(const FinishedEvent&) const = default;
};

struct ErrorEvent {
  uint64_t request_id = 0;  // 0: the whole session
  RingErrorCode code = kRingErrorFailed;
  std::string message;
  bool operator==(const ErrorEvent&) const = default;
};

using RequestMessage = std::variant<SubmitRequest, CancelRequest>;
using EventMessage = std::variant<TokenEvent, FinishedEvent, ErrorEvent>;

}  // namespace llmcore::ipc
