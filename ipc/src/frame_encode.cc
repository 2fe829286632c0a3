// Encoding messages into frames (private memory).
#include <type_traits>
#include <variant>

#include "byte_cursor.h"
#include "llmcore/ipc/frame_codec.h"
#include "message_rules.h"
#include "ring_errors.h"

namespace llmcore::ipc {
namespace {

Frame EncodeSubmit(const SubmitRequest& m) {
  const SubmitOptions& o = m.options;
  SubmitFixed f{};
  f.request_id = m.request_id;
  f.input_kind = m.input_kind;
  auto set = [&f](auto& field, const auto& option, uint32_t bit) {
    if (option) {
      field = *option;
      f.option_mask |= bit;
    }
  };
  set(f.max_tokens, o.max_tokens, kOptMaxTokens);
  set(f.temperature, o.temperature, kOptTemperature);
  set(f.top_k, o.top_k, kOptTopK);
  set(f.top_p, o.top_p, kOptTopP);
  set(f.min_p, o.min_p, kOptMinP);
  set(f.repeat_penalty, o.repeat_penalty, kOptRepeatPenalty);
  set(f.repeat_last_n, o.repeat_last_n, kOptRepeatLastN);
  set(f.frequency_penalty, o.frequency_penalty, kOptFrequencyPenalty);
  set(f.presence_penalty, o.presence_penalty, kOptPresencePenalty);
  set(f.seed, o.seed, kOptSeed);
  if (o.ignore_eos) {
    f.ignore_eos = *o.ignore_eos ? 1 : 0;
    f.option_mask |= kOptIgnoreEos;
  }
  f.stop_count = static_cast<uint32_t>(o.stop.size());
  f.message_count = static_cast<uint32_t>(m.messages.size());

  Frame frame{kFrameSubmit, 0, {}};
  AppendValue(f, &frame.payload);
  for (const std::string& s : o.stop) AppendString(s, &frame.payload);
  if (m.input_kind == kInputText) {
    AppendString(m.prompt, &frame.payload);
  } else {
    for (const ChatMessage& msg : m.messages) {
      AppendString(msg.role, &frame.payload);
      AppendString(msg.content, &frame.payload);
    }
  }
  return frame;
}

Frame EncodeCancel(const CancelRequest& m) {
  Frame frame{kFrameCancel, 0, {}};
  AppendValue(CancelPayload{m.request_id}, &frame.payload);
  return frame;
}

Frame EncodeToken(const TokenEvent& m) {
  Frame frame{kFrameToken, 0, {}};
  AppendValue(TokenFixed{m.request_id, m.token_id, static_cast<uint32_t>(m.piece.size())},
              &frame.payload);
  AppendBytes(m.piece, &frame.payload);
  return frame;
}

Frame EncodeFinished(const FinishedEvent& m) {
  FinishedPayload p{};
  p.request_id = m.request_id;
  p.prompt_tokens = m.prompt_tokens;
  p.cached_tokens = m.cached_tokens;
  p.generated_tokens = m.generated_tokens;
  p.stop_reason = m.stop_reason;
  p.queue_ms = m.queue_ms;
  p.prefill_ms = m.prefill_ms;
  p.decode_ms = m.decode_ms;
  Frame frame{kFrameFinished, 0, {}};
  AppendValue(p, &frame.payload);
  return frame;
}

Frame EncodeError(const ErrorEvent& m) {
  Frame frame{kFrameError, 0, {}};
  AppendValue(ErrorFixed{m.request_id, m.code, static_cast<uint32_t>(m.message.size())},
              &frame.payload);
  AppendBytes(m.message, &frame.payload);
  return frame;
}

Result<Frame> Checked(Frame frame) {
  if (frame.payload.size() > kMaxFrameBytes - sizeof(FrameHeader)) {
    return Refused("oversized-frame", std::to_string(frame.payload.size()) + " payload bytes");
  }
  return frame;
}

}  // namespace

Result<Frame> EncodeRequest(const RequestMessage& message) {
  return std::visit(
      [](const auto& m) -> Result<Frame> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, SubmitRequest>) {
          LLMCORE_RETURN_IF_ERROR(CheckSubmit(m, Refused));
          return Checked(EncodeSubmit(m));
        } else {
          LLMCORE_RETURN_IF_ERROR(CheckCancel(m, Refused));
          return Checked(EncodeCancel(m));
        }
      },
      message);
}

Result<Frame> EncodeEvent(const EventMessage& message) {
  return std::visit(
      [](const auto& m) -> Result<Frame> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, TokenEvent>) {
          LLMCORE_RETURN_IF_ERROR(CheckToken(m, Refused));
          return Checked(EncodeToken(m));
        } else if constexpr (std::is_same_v<T, FinishedEvent>) {
          LLMCORE_RETURN_IF_ERROR(CheckFinished(m, Refused));
          return Checked(EncodeFinished(m));
        } else {
          LLMCORE_RETURN_IF_ERROR(CheckError(m, Refused));
          return Checked(EncodeError(m));
        }
      },
      message);
}

}  // namespace llmcore::ipc
