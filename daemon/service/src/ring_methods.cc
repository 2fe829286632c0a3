// Session rings: Session.OpenRing, the requests a client writes into its ring
// and the events the daemon writes back (protocol: ipc/RING.md).
#include <fmt/format.h>

#include <utility>

#include "llmcore/log.h"
#include "llmcore/service/bus_errors.h"
#include "llmcore/service/bus_options.h"
#include "llmcore/service/core_service.h"
#include "llmcore/utf8.h"
#include "session.h"
#include "session_ring.h"

namespace llmcore::service {
namespace {

ipc::RingErrorCode RingCodeFor(BusError error) {
  switch (error) {
    case BusError::kInvalidArgument: return ipc::kRingErrorInvalidArgument;
    case BusError::kModelNotFound: return ipc::kRingErrorModelNotFound;
    case BusError::kModelNotLoaded: return ipc::kRingErrorModelNotLoaded;
    case BusError::kNoSuchSession: return ipc::kRingErrorNoSuchSession;
    case BusError::kBusy: return ipc::kRingErrorBusy;
    case BusError::kAccessDenied: return ipc::kRingErrorAccessDenied;
    case BusError::kLoadFailed: return ipc::kRingErrorLoadFailed;
    case BusError::kUnsupported: return ipc::kRingErrorUnsupported;
    case BusError::kShuttingDown: return ipc::kRingErrorShuttingDown;
    case BusError::kDriverNotFound:  // never answers a ring request
    case BusError::kSwapFailed:
    case BusError::kFailed: return ipc::kRingErrorFailed;
  }
  return ipc::kRingErrorFailed;
}

ipc::StopReasonCode RingStopReason(engine::StopReason reason) {
  switch (reason) {
    case engine::StopReason::kEndOfGeneration: return ipc::kStopEos;
    case engine::StopReason::kMaxTokens: return ipc::kStopLength;
    case engine::StopReason::kStopString: return ipc::kStopString;
    case engine::StopReason::kContextFull: return ipc::kStopContext;
    case engine::StopReason::kCancelled: return ipc::kStopCancelled;
    case engine::StopReason::kError: return ipc::kStopError;
    case engine::StopReason::kShutdown: return ipc::kStopShutdown;
  }
  return ipc::kStopError;
}

// An error message the ring accepts: valid UTF-8 within the frame's cap.
std::string RingErrorText(std::string_view message) {
  std::string text = SanitizeUtf8(message);
  if (text.size() > ipc::kMaxErrorMessageBytes) {
    text.resize(
        CompleteUtf8PrefixLength(std::string_view(text).substr(0, ipc::kMaxErrorMessageBytes)));
  }
  return text;
}

// The ring's options under the names (and so the range checks) of the D-Bus
// options.
OptionMap OptionMapFromRing(const ipc::SubmitOptions& options) {
  OptionMap map;
  auto put = [&map](const char* key, const auto& value) {
    if (value) map[key] = *value;
  };
  put("max_tokens", options.max_tokens);
  put("temperature", options.temperature);
  put("top_k", options.top_k);
  put("top_p", options.top_p);
  put("min_p", options.min_p);
  put("repeat_penalty", options.repeat_penalty);
  put("repeat_last_n", options.repeat_last_n);
  put("frequency_penalty", options.frequency_penalty);
  put("presence_penalty", options.presence_penalty);
  put("seed", options.seed);
  put("ignore_eos", options.ignore_eos);
  if (!options.stop.empty()) map["stop"] = options.stop;
  return map;
}

}  // namespace

int CoreService::SessionOpenRing(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = static_cast<CoreService*>(userdata);
  Session* session = self->OwnedSession(m);
  if (session == nullptr) return ReplyNoSuchSession(m);
  if (self->RefuseWhenDraining(m)) return 1;
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  auto parsed = ParseRingOptions(*map);
  if (!parsed.ok()) return ReplyStatus(m, parsed.status());
  if (session->ring) {
    return ReplyError(m, BusError::kInvalidArgument, "the session already has a ring");
  }
  if (session->running_request != 0) {
    return ReplyError(
        m, BusError::kBusy,
        fmt::format("request {} submitted over D-Bus is still running", session->running_request));
  }
  ipc::RingSizes sizes;
  if (parsed->request_ring_bytes != 0) sizes.request_capacity = parsed->request_ring_bytes;
  if (parsed->event_ring_bytes != 0) sizes.event_capacity = parsed->event_ring_bytes;
  const std::string path = session->path;
  SessionRing::Callbacks callbacks;
  callbacks.on_request = [self, path](ipc::RequestMessage request) {
    self->OnRingRequest(path, std::move(request));
  };
  callbacks.on_broken = [self, path](const Status& why) { self->OnRingBroken(path, why); };
  auto ring = SessionRing::Create(sd_bus_get_event(self->deps_.bus), sizes, std::move(callbacks));
  if (!ring.ok()) return ReplyStatus(m, ring.status());
  // sd-bus duplicates the fds into the message; the daemon keeps its own.
  const int r = sd_bus_reply_method_return(m, "hhh", (*ring)->memfd(), (*ring)->request_wake_fd(),
                                           (*ring)->event_wake_fd());
  if (r < 0) return r;
  session->ring = std::move(*ring);
  Logf(LogLevel::kDebug, "session {} streams through a ring ({} + {} bytes)", path,
       sizes.request_capacity, sizes.event_capacity);
  return r;
}

void CoreService::OnRingRequest(const std::string& path, ipc::RequestMessage request) {
  auto it = sessions_.find(path);
  if (it == sessions_.end()) return;
  Session& session = *it->second;
  if (auto* submit = std::get_if<ipc::SubmitRequest>(&request)) {
    OnRingSubmit(session, std::move(*submit));
    return;
  }
  const auto& cancel = std::get<ipc::CancelRequest>(request);
  // A cancel for a request that already ended is not an error: the two crossed.
  if (session.running_request != 0 && session.ring_request == cancel.request_id &&
      session.slot->scheduler) {
    session.slot->scheduler->Cancel(session.seq);
  }
}

void CoreService::OnRingSubmit(Session& session, ipc::SubmitRequest submit) {
  const uint64_t id = submit.request_id;
  if (draining_) {
    RefuseRingRequest(session, id, BusError::kShuttingDown, "the service is stopping");
    return;
  }
  engine::Prompt prompt;
  if (submit.input_kind == ipc::kInputText) {
    prompt = engine::TextPrompt{std::move(submit.prompt)};
  } else {
    std::vector<text::ChatMessage> messages;
    messages.reserve(submit.messages.size());
    for (auto& message : submit.messages) {
      messages.push_back({std::move(message.role), std::move(message.content)});
    }
    if (Status valid = ValidateChatMessages(messages); !valid.ok()) {
      RefuseRingRequest(session, id, BusError::kInvalidArgument, valid.message());
      return;
    }
    prompt = engine::ChatPrompt{std::move(messages)};
  }
  SubmitRefusal refusal;
  auto started =
      StartSessionRequest(session, std::move(prompt), OptionMapFromRing(submit.options), &refusal);
  if (!started.ok()) {
    RefuseRingRequest(session, id, refusal.error, refusal.message);
    return;
  }
  session.ring_request = id;
}

void CoreService::RefuseRingRequest(Session& session, uint64_t request, BusError error,
                                    const std::string& message) {
  session.ring->Send(ipc::ErrorEvent{request, RingCodeFor(error), RingErrorText(message)});
  ipc::FinishedEvent finished;
  finished.request_id = request;
  finished.stop_reason = ipc::kStopError;
  session.ring->Send(finished);
}

void CoreService::OnRingBroken(const std::string& path, const Status& why) {
  Logf(LogLevel::kWarning, "session {}: the client broke the ring protocol ({}); closing it", path,
       why.message());
  // Not from inside the ring's own callback: the session (and its ring) go
  // away on the next turn of the loop.
  deps_.dispatcher->Post(
      [alive = std::weak_ptr<CoreService*>(self_), path, message = why.message()] {
        auto service = alive.lock();
        if (!service || !*service) return;
        (*service)->CloseSession(path, engine::StopReason::kError, RingErrorText(message),
                                 ipc::kRingErrorProtocolViolation);
      });
}

void CoreService::SendRingToken(Session& session, std::string_view piece, uint32_t token) {
  if (session.ring_overrun) return;  // cancelled; the rest is not wanted
  // The detokenizer never splits a UTF-8 sequence, but byte tokens may be no
  // UTF-8 at all; the ring carries strict UTF-8.
  session.ring->Send(ipc::TokenEvent{session.ring_request, token, SanitizeUtf8(piece)});
  if (session.ring->backlog() <= kRingBacklogEvents) return;
  session.ring_overrun = true;
  Logf(LogLevel::kInfo, "session {}: the client does not read its ring; cancelling its request",
       session.path);
  if (session.slot->scheduler) session.slot->scheduler->Cancel(session.seq);
}

void CoreService::SendRingFinished(Session& session, const engine::GenerationStats& stats) {
  ipc::FinishedEvent finished;
  finished.request_id = session.ring_request;
  finished.prompt_tokens = stats.prompt_tokens;
  finished.cached_tokens = std::min(stats.cached_tokens, stats.prompt_tokens);
  finished.generated_tokens = stats.generated_tokens;
  finished.stop_reason = RingStopReason(stats.stop_reason);
  finished.queue_ms = stats.queue_ms;
  finished.prefill_ms = stats.prefill_ms;
  finished.decode_ms = stats.decode_ms;
  if (session.ring_overrun) {
    session.ring->Send(ipc::ErrorEvent{
        session.ring_request, ipc::kRingErrorBusy,
        fmt::format("the client did not read its events ({} were waiting); request cancelled",
                    session.ring->backlog())});
    finished.stop_reason = ipc::kStopError;
  } else if (stats.stop_reason == engine::StopReason::kError) {
    const std::string message =
        stats.error.ok() ? std::string("the request failed") : stats.error.message();
    session.ring->Send(ipc::ErrorEvent{session.ring_request, RingCodeFor(BusErrorFor(stats.error)),
                                       RingErrorText(message)});
  }
  session.ring->Send(finished);
  session.ring_request = 0;
}

}  // namespace llmcore::service
