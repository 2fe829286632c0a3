// Session objects: creation, Submit/SubmitChat/Cancel/Close, their signals,
// and their end when the owner disconnects.
#include <fmt/format.h>
#include <sys/random.h>

#include <cstring>

#include "llmcore/ipc/dbus_names.h"
#include "llmcore/log.h"
#include "llmcore/service/bus_errors.h"
#include "llmcore/service/bus_options.h"
#include "llmcore/service/core_service.h"
#include "llmcore/utf8.h"
#include "session.h"
#include "session_sinks.h"

namespace llmcore::service {
namespace {

constexpr char kSessionPathPrefix[] = "/org/llmcore/Core1/session/";

CoreService* Self(void* userdata) {
  return static_cast<CoreService*>(userdata);
}

// 128 random bits as hex: not guessable, valid in an object path.
Result<std::string> RandomSessionId() {
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return ErrnoStatus(errno, "getrandom");
  }
  std::string id;
  for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

}  // namespace

// Every path below the session prefix "exists" for sd-bus, so that an
// unknown path and another connection's session answer the same
// NoSuchSession: nothing tells a caller which paths are in use. There is no
// node enumerator, so introspection lists no session either.
int CoreService::FindSessionObject(sd_bus*, const char*, const char*, void* userdata, void** found,
                                   sd_bus_error*) {
  *found = userdata;
  return 1;
}

int ReplyNoSuchSession(sd_bus_message* m) {
  const char* path = sd_bus_message_get_path(m);
  return ReplyError(m, BusError::kNoSuchSession,
                    fmt::format("no session {} belongs to this connection", path ? path : "?"));
}

void DeliverOneShot(CoreService* service, uint64_t id, std::string text,
                    const engine::GenerationStats& stats) {
  service->FinishOneShot(id, std::move(text), stats);
}

void DeliverToken(CoreService* service, const std::string& path, uint64_t request,
                  std::string piece, uint32_t token) {
  service->EmitToken(path, request, piece, token);
}

void DeliverFinished(CoreService* service, const std::string& path, uint64_t request,
                     const engine::GenerationStats& stats) {
  service->EmitFinished(path, request, stats);
}

size_t CoreService::SessionsOf(uid_t uid) const {
  size_t n = 0;
  for (const auto& [path, session] : sessions_) n += session->uid == uid ? 1 : 0;
  return n;
}

Result<std::string> CoreService::OpenSession(sd_bus_message* m, uid_t uid,
                                             const std::shared_ptr<ModelSlot>& slot,
                                             uint32_t n_ctx) {
  if (n_ctx > slot->model->n_ctx()) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("context_length {} is more than the {} positions model '{}' serves",
                              n_ctx, slot->model->n_ctx(), slot->name));
  }
  LLMCORE_ASSIGN_OR_RETURN(std::string id, RandomSessionId());
  auto seq = slot->scheduler->OpenSequence(uid);
  if (!seq.ok()) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("model '{}' serves no more sessions now: {}", slot->name,
                              seq.status().message()));
  }
  auto session = std::make_unique<Session>();
  session->service = this;
  session->path = kSessionPathPrefix + id;
  session->owner = sd_bus_message_get_sender(m) ? sd_bus_message_get_sender(m) : "";
  session->uid = uid;
  session->slot = slot;
  session->seq = *seq;
  int r =
      sd_bus_track_new(deps_.bus, &session->track, &CoreService::OnSessionOwnerGone, session.get());
  if (r >= 0) r = sd_bus_track_add_sender(session->track, m);
  if (r < 0) {
    slot->scheduler->CloseSequence(*seq);
    return ErrnoStatus(-r, "creating the session object");
  }
  const std::string path = session->path;
  Logf(LogLevel::kDebug, "session {} on '{}' for uid {} ({})", path, slot->name, uid,
       session->owner);
  sessions_.emplace(path, std::move(session));
  return path;
}

Session* CoreService::OwnedSession(sd_bus_message* m) {
  const char* path = sd_bus_message_get_path(m);
  const char* sender = sd_bus_message_get_sender(m);
  if (path == nullptr || sender == nullptr) return nullptr;
  auto it = sessions_.find(path);
  if (it == sessions_.end() || it->second->owner != sender) return nullptr;
  return it->second.get();
}

void CoreService::CloseSession(std::string path, engine::StopReason running_ends_as,
                               std::string_view why, ipc::RingErrorCode ring_code) {
  auto it = sessions_.find(path);
  if (it == sessions_.end()) return;
  // The owner learns how a running request ended before the object vanishes;
  // the scheduler's own Finished event for it is dropped (the session is gone).
  if (const uint64_t request = it->second->running_request; request != 0) {
    engine::GenerationStats stats;
    stats.stop_reason = running_ends_as;
    if (running_ends_as == engine::StopReason::kError) {
      stats.error = Status(StatusCode::kInternal, std::string(why));
    }
    EmitFinished(path, request, stats);
  }
  // A ring client may never look at the bus: the ring says the session ended.
  if (it->second->ring) {
    it->second->ring->Send(
        ipc::ErrorEvent{0, ring_code, fmt::format("the session ended: {}", why)});
  }
  std::unique_ptr<Session> session = std::move(it->second);
  sessions_.erase(it);
  if (session->slot->scheduler) session->slot->scheduler->CloseSequence(session->seq);
  session->slot->last_used = std::chrono::steady_clock::now();
  Logf(LogLevel::kDebug, "session {} closed ({})", path, why);
}

int CoreService::OnSessionOwnerGone(sd_bus_track*, void* userdata) {
  auto* session = static_cast<Session*>(userdata);
  Logf(LogLevel::kInfo, "the owner of session {} disconnected; freeing it", session->path);
  const std::string path = session->path;
  session->service->CloseSession(path, engine::StopReason::kCancelled, "owner disconnected");
  return 0;
}

Result<uint64_t> CoreService::StartSessionRequest(Session& session, engine::Prompt prompt,
                                                  const OptionMap& map, SubmitRefusal* refusal) {
  auto refuse = [refusal](BusError error, std::string message) -> Result<uint64_t> {
    *refusal = SubmitRefusal{error, message};
    return Status(StatusCode::kUnavailable, std::move(message));
  };
  auto refuse_status = [&refuse](const Status& status) {
    return refuse(BusErrorFor(status), status.message());
  };
  auto options = ResolveGeneration(map, generation_limits());
  if (!options.ok()) return refuse_status(options.status());
  if (Status s = CheckPromptSize(prompt, deps_.settings.max_prompt_bytes); !s.ok()) {
    return refuse_status(s);
  }
  if (session.running_request != 0) {
    return refuse(BusError::kBusy, fmt::format("the session is still generating request {}",
                                               session.running_request));
  }
  if (!session.slot->scheduler) {
    return refuse(BusError::kNoSuchSession, "the session's model is no longer loaded");
  }
  const uint64_t request = next_request_++;
  auto sink = std::make_shared<SessionSink>(deps_.dispatcher, self_, session.path, request);
  auto submitted =
      session.slot->scheduler->Submit(session.seq, std::move(prompt), *options, std::move(sink));
  if (!submitted.ok()) return refuse_status(submitted.status());
  session.running_request = request;
  session.ring_overrun = false;
  session.slot->last_used = std::chrono::steady_clock::now();
  return request;
}

int CoreService::SubmitToSession(sd_bus_message* m, void* userdata, engine::Prompt prompt,
                                 const OptionMap& map) {
  Session* session = static_cast<Session*>(userdata);
  if (session->ring) {
    return ReplyError(m, BusError::kInvalidArgument,
                      "the session streams through its ring: submit requests there");
  }
  SubmitRefusal refusal;
  auto request = StartSessionRequest(*session, std::move(prompt), map, &refusal);
  if (!request.ok()) return ReplyError(m, refusal.error, refusal.message);
  return sd_bus_reply_method_return(m, "t", *request);
}

int CoreService::SessionSubmit(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  Session* session = self->OwnedSession(m);
  if (session == nullptr) return ReplyNoSuchSession(m);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* prompt = nullptr;
  const int r = sd_bus_message_read(m, "s", &prompt);
  if (r < 0) return r;
  const std::string text = prompt;
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  return self->SubmitToSession(m, session, engine::TextPrompt{text}, *map);
}

int CoreService::SessionSubmitChat(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  Session* session = self->OwnedSession(m);
  if (session == nullptr) return ReplyNoSuchSession(m);
  if (self->RefuseWhenDraining(m)) return 1;
  auto messages = ReadChatMessages(m);
  auto map = ReadOptionMap(m);
  if (!messages.ok()) return ReplyStatus(m, messages.status());
  if (!map.ok()) return ReplyStatus(m, map.status());
  return self->SubmitToSession(m, session, engine::ChatPrompt{std::move(*messages)}, *map);
}

int CoreService::SessionCancel(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  Session* session = self->OwnedSession(m);
  if (session == nullptr) return ReplyNoSuchSession(m);
  if (session->running_request != 0 && session->slot->scheduler) {
    session->slot->scheduler->Cancel(session->seq);
  }
  return sd_bus_reply_method_return(m, "");
}

int CoreService::SessionClose(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  Session* session = self->OwnedSession(m);
  if (session == nullptr) return ReplyNoSuchSession(m);
  const std::string path = session->path;
  // Reply first: the reply needs nothing of the session.
  const int r = sd_bus_reply_method_return(m, "");
  self->CloseSession(path, engine::StopReason::kCancelled, "closed by its owner");
  return r;
}

int CoreService::SessionPropertyModel(sd_bus* bus, const char*, const char*, const char*,
                                      sd_bus_message* reply, void* userdata, sd_bus_error* error) {
  Session* session = Self(userdata)->OwnedSession(sd_bus_get_current_message(bus));
  if (session == nullptr) {
    return SetError(error, BusError::kNoSuchSession, "no such session belongs to this connection");
  }
  return sd_bus_message_append(reply, "s", session->slot->name.c_str());
}

void CoreService::EmitToken(const std::string& path, uint64_t request, std::string_view piece,
                            uint32_t token) {
  auto it = sessions_.find(path);
  if (it == sessions_.end() || it->second->running_request != request) return;
  if (it->second->ring) {
    SendRingToken(*it->second, piece, token);
    return;
  }
  // The detokenizer never splits a UTF-8 sequence, but a model may emit byte
  // tokens that are no UTF-8 at all; D-Bus strings must be valid.
  const std::string valid = SanitizeUtf8(piece);
  sd_bus_message* signal = nullptr;
  int r =
      sd_bus_message_new_signal(deps_.bus, &signal, path.c_str(), ipc::kSessionInterface, "Token");
  if (r >= 0) r = sd_bus_message_set_destination(signal, it->second->owner.c_str());
  if (r >= 0) r = sd_bus_message_append(signal, "tsu", request, valid.c_str(), token);
  if (r >= 0) r = sd_bus_send(deps_.bus, signal, nullptr);
  sd_bus_message_unref(signal);
  if (r < 0) Logf(LogLevel::kWarning, "cannot send Token on {}: {}", path, std::strerror(-r));
}

void CoreService::EmitFinished(const std::string& path, uint64_t request,
                               const engine::GenerationStats& stats) {
  auto it = sessions_.find(path);
  if (it == sessions_.end() || it->second->running_request != request) return;
  Session& session = *it->second;
  if (session.ring) SendRingFinished(session, stats);
  session.running_request = 0;
  session.slot->last_used = std::chrono::steady_clock::now();
  if (session.ring) return;
  sd_bus_message* signal = nullptr;
  int r = sd_bus_message_new_signal(deps_.bus, &signal, path.c_str(), ipc::kSessionInterface,
                                    "Finished");
  if (r >= 0) r = sd_bus_message_set_destination(signal, session.owner.c_str());
  if (r >= 0) r = sd_bus_message_append(signal, "t", request);
  if (r >= 0) r = AppendStats(signal, stats);
  if (r >= 0) r = sd_bus_send(deps_.bus, signal, nullptr);
  sd_bus_message_unref(signal);
  if (r < 0) Logf(LogLevel::kWarning, "cannot send Finished on {}: {}", path, std::strerror(-r));
}

}  // namespace llmcore::service
