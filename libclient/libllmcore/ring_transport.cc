// The ring transport of a session: requests written into the session's
// request ring, events read from its event ring (protocol: ipc/RING.md).
//
// Request ids are chosen here, so a Submit needs no round trip: the daemon's
// refusal of a request arrives as its ERROR and FINISHED events. An ERROR for
// request 0 ends the session (closed, model unloaded, protocol violation):
// the running request ends with that error and the next Submit opens a new
// session. A broken event ring (the daemon's fault, or memory corruption)
// ends the session the same way, with LLMCORE_ERROR_PROTOCOL.
#include <fcntl.h>

#include <cstring>
#include <utility>

#include "llmcore/ipc/dbus_names.h"
#include "llmcore/ipc/eventfd.h"
#include "llmcore/ipc/ring.h"
#include "transport.h"

namespace llmcore::lib {
namespace {

// How long a request waits for room in a request ring the daemon does not
// read (it always does, unless it hangs).
constexpr int64_t kRequestRoomTimeoutMs = 5000;

// A ring ERROR as the library's Error: the codes and "Name: message" texts
// of the D-Bus errors of the same name (status.h); a protocol violation has
// no D-Bus twin.
Error RingError(ipc::RingErrorCode code, const std::string& message) {
  const char* name = "Failed";
  switch (code) {
    case ipc::kRingErrorProtocolViolation:
      return Error{LLMCORE_ERROR_PROTOCOL, "ProtocolViolation: " + message};
    case ipc::kRingErrorInvalidArgument: name = "InvalidArgument"; break;
    case ipc::kRingErrorModelNotFound: name = "ModelNotFound"; break;
    case ipc::kRingErrorModelNotLoaded: name = "ModelNotLoaded"; break;
    case ipc::kRingErrorBusy: name = "Busy"; break;
    case ipc::kRingErrorAccessDenied: name = "AccessDenied"; break;
    case ipc::kRingErrorUnsupported: name = "Unsupported"; break;
    case ipc::kRingErrorShuttingDown: name = "ShuttingDown"; break;
    case ipc::kRingErrorFailed: name = "Failed"; break;
    case ipc::kRingErrorNoSuchSession: name = "NoSuchSession"; break;
    case ipc::kRingErrorLoadFailed: name = "LoadFailed"; break;
  }
  return ErrorFromBus(std::string(ipc::kErrorPrefix) + name, message);
}

ipc::SubmitOptions RingOptions(const llmcore_generate_options& o) {
  auto set = [](double value) { return value == value; };  // NaN: unset
  ipc::SubmitOptions out;
  if (o.max_tokens != 0) out.max_tokens = o.max_tokens;
  if (set(o.temperature)) out.temperature = o.temperature;
  if (o.top_k != LLMCORE_OPTION_UNSET_INT) out.top_k = o.top_k;
  if (set(o.top_p)) out.top_p = o.top_p;
  if (set(o.min_p)) out.min_p = o.min_p;
  if (set(o.repeat_penalty)) out.repeat_penalty = o.repeat_penalty;
  if (o.repeat_last_n != LLMCORE_OPTION_UNSET_INT) out.repeat_last_n = o.repeat_last_n;
  if (set(o.frequency_penalty)) out.frequency_penalty = o.frequency_penalty;
  if (set(o.presence_penalty)) out.presence_penalty = o.presence_penalty;
  if (o.has_seed) out.seed = o.seed;
  if (o.ignore_eos) out.ignore_eos = true;
  for (size_t i = 0; i < o.stop_count; ++i) out.stop.emplace_back(o.stop[i]);
  return out;
}

class RingSession final : public SessionTransport, public WakeSource {
 public:
  RingSession(Connection& connection, DaemonSession created, ipc::RingMemory memory,
              UniqueFd request_wake, UniqueFd event_wake, StreamSink* sink)
      : connection_(connection),
        created_(std::move(created)),
        memory_(std::move(memory)),
        request_wake_(std::move(request_wake)),
        event_wake_(std::move(event_wake)),
        sink_(sink),
        writer_(memory_.requests(), request_wake_.get()),
        reader_(memory_.events()) {}

  ~RingSession() override { connection_.RemoveWakeSource(this); }

  Error Start() {
    // Asleep from the start: the daemon's first event must wake us.
    auto sleeping = reader_.consumer().PrepareToSleep();
    if (!sleeping.ok()) return Error{LLMCORE_ERROR_PROTOCOL, sleeping.status().message()};
    connection_.AddWakeSource(this);
    return Error::Ok();
  }

  int wake_fd() const override { return event_wake_.get(); }

  void Dispatch() override {
    if (dead_) return;
    if (!ipc::DrainEventFd(event_wake_.get()).ok()) return;
    reader_.consumer().FinishSleep();
    for (;;) {
      for (;;) {
        auto event = reader_.Read();
        if (!event.ok()) {
          Abandon("ProtocolViolation: the session's event ring is broken: " +
                  event.status().message());
          return;
        }
        if (!event->has_value()) break;
        Handle(**event);
        if (dead_) return;
      }
      auto sleeping = reader_.consumer().PrepareToSleep();
      if (!sleeping.ok()) {
        Abandon("ProtocolViolation: " + sleeping.status().message());
        return;
      }
      if (*sleeping) return;
    }
  }

  Error Submit(std::unique_lock<std::mutex>& lock, const Prompt& prompt,
               const llmcore_generate_options& options,
               const std::function<void(uint64_t)>& on_id) override {
    if (dead_) return Error{LLMCORE_ERROR_NO_SUCH_SESSION, dead_message_};
    ipc::SubmitRequest request;
    request.request_id = next_id_++;
    request.options = RingOptions(options);
    if (prompt.text != nullptr) {
      request.input_kind = ipc::kInputText;
      request.prompt = prompt.text;
    } else {
      request.input_kind = ipc::kInputChat;
      for (size_t i = 0; i < prompt.message_count; ++i) {
        request.messages.push_back({prompt.messages[i].role, prompt.messages[i].content});
      }
    }
    Error error = Write(lock, request);
    if (!error.ok()) return error;
    current_ = request.request_id;
    on_id(request.request_id);
    return Error::Ok();
  }

  Error Cancel(std::unique_lock<std::mutex>& lock) override {
    if (dead_ || current_ == 0) return Error::Ok();
    return Write(lock, ipc::CancelRequest{current_});
  }

  void Close() override { CloseDaemonSession(connection_, created_.path); }

 private:
  Error Write(std::unique_lock<std::mutex>& lock, const ipc::RequestMessage& message) {
    const int64_t deadline = MonotonicMs() + kRequestRoomTimeoutMs;
    const uint64_t epoch = connection_.epoch();
    for (;;) {
      auto written = writer_.Write(message);
      if (!written.ok()) {
        const bool ours = written.status().code() == StatusCode::kInvalidArgument;
        return Error{
            ours ? LLMCORE_ERROR_INVALID_ARGUMENT : LLMCORE_ERROR_PROTOCOL,
            (ours ? "InvalidArgument: " : "ProtocolViolation: ") + written.status().message()};
      }
      if (*written == ipc::WriteOutcome::kWritten) return Error::Ok();
      if (MonotonicMs() >= deadline) {
        return Error{LLMCORE_ERROR_BUSY, "Busy: the service does not read this session's requests"};
      }
      connection_.WaitOnce(lock, 5);
      connection_.Process();
      if (connection_.epoch() != epoch)
        return Error{LLMCORE_ERROR_INTERRUPTED, kInterruptedMessage};
      if (dead_) return Error{LLMCORE_ERROR_NO_SUCH_SESSION, dead_message_};
    }
  }

  void Handle(const ipc::EventMessage& event) {
    if (const auto* token = std::get_if<ipc::TokenEvent>(&event)) {
      sink_->OnPiece(token->request_id, token->piece, token->token_id);
      return;
    }
    if (const auto* error = std::get_if<ipc::ErrorEvent>(&event)) {
      Error named = RingError(error->code, error->message);
      if (error->request_id == 0) {
        End(named.code, std::move(named.message));
      } else {
        pending_error_ = {error->request_id, named.code, std::move(named.message)};
      }
      return;
    }
    const auto& finished = std::get<ipc::FinishedEvent>(event);
    Stats stats;
    llmcore_stats_init(&stats.values);
    stats.values.prompt_tokens = finished.prompt_tokens;
    stats.values.cached_tokens = finished.cached_tokens;
    stats.values.generated_tokens = finished.generated_tokens;
    stats.values.queue_ms = finished.queue_ms;
    stats.values.prefill_ms = finished.prefill_ms;
    stats.values.decode_ms = finished.decode_ms;
    stats.values.tokens_per_second =
        finished.decode_ms > 0 ? finished.generated_tokens / (finished.decode_ms / 1000.0) : 0.0;
    // The parser admits only the codes 1..7, which llmcore_stop_reason shares.
    stats.values.stop_reason = static_cast<llmcore_stop_reason>(finished.stop_reason);
    if (pending_error_.request == finished.request_id) {
      stats.error_code = pending_error_.status;
      stats.error = std::move(pending_error_.message);
      pending_error_ = {};
    }
    if (finished.request_id == current_) current_ = 0;
    sink_->OnFinished(finished.request_id, stats);
  }

  // The daemon's ring broke: the session is of no use any more, in the
  // daemon either.
  void Abandon(std::string message) {
    CloseDaemonSession(connection_, created_.path);
    End(LLMCORE_ERROR_PROTOCOL, std::move(message));
  }

  // The session is over; the running request (if any) ends with the error.
  void End(int status, std::string message) {
    dead_ = true;
    dead_message_ = message;
    if (current_ == 0) return;
    Stats stats;
    llmcore_stats_init(&stats.values);
    stats.values.stop_reason = LLMCORE_STOP_ERROR;
    stats.error_code = status;
    stats.error = std::move(message);
    const uint64_t request = current_;
    current_ = 0;
    sink_->OnFinished(request, stats);
  }

  struct PendingError {
    uint64_t request = 0;
    int status = 0;
    std::string message;
  };

  Connection& connection_;
  DaemonSession created_;
  ipc::RingMemory memory_;
  UniqueFd request_wake_;
  UniqueFd event_wake_;
  StreamSink* sink_;
  ipc::RequestWriter writer_;
  ipc::EventReader reader_;
  uint64_t next_id_ = 1;
  uint64_t current_ = 0;  // the running request, 0: none
  PendingError pending_error_;
  bool dead_ = false;
  std::string dead_message_;
};

// A received fd as one of our own (the message owns the one it carries).
UniqueFd OwnFd(int fd) {
  return UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 3));
}

}  // namespace

Error OpenRingSession(Connection& connection, std::unique_lock<std::mutex>& lock,
                      const DaemonSession& created, StreamSink* sink,
                      std::unique_ptr<SessionTransport>* out) {
  sd_bus_message* raw = nullptr;
  Error error = connection.NewCall(created.path.c_str(), ipc::kSessionInterface, "OpenRing", &raw);
  MessagePtr call(raw);
  if (!error.ok()) return error;
  int r = sd_bus_message_open_container(call.get(), 'a', "{sv}");
  if (r >= 0) r = sd_bus_message_close_container(call.get());
  if (r < 0) return Error{LLMCORE_ERROR_FAILED, "building OpenRing: " + std::string(strerror(-r))};
  raw = nullptr;
  error = connection.Call(lock, call.get(), &raw);
  MessagePtr reply(raw);
  if (!error.ok()) {
    if (error.message.rfind("UnknownMethod", 0) == 0) {
      return Error{LLMCORE_ERROR_UNSUPPORTED, "the service offers no session rings"};
    }
    return error;
  }
  int memfd = -1;
  int request_wake = -1;
  int event_wake = -1;
  if (sd_bus_message_read(reply.get(), "hhh", &memfd, &request_wake, &event_wake) < 0) {
    return Error{LLMCORE_ERROR_PROTOCOL, "OpenRing answered no ring"};
  }
  UniqueFd own_memfd = OwnFd(memfd);
  UniqueFd own_request_wake = OwnFd(request_wake);
  UniqueFd own_event_wake = OwnFd(event_wake);
  if (!own_memfd || !own_request_wake || !own_event_wake) {
    return Error{LLMCORE_ERROR_FAILED,
                 std::string("cannot keep the ring's descriptors: ") + strerror(errno)};
  }
  auto memory = ipc::RingMemory::Map(std::move(own_memfd));
  if (!memory.ok()) {
    return Error{LLMCORE_ERROR_PROTOCOL, "the service's ring: " + memory.status().message()};
  }
  auto session =
      std::make_unique<RingSession>(connection, created, std::move(*memory),
                                    std::move(own_request_wake), std::move(own_event_wake), sink);
  error = session->Start();
  if (!error.ok()) return error;
  *out = std::move(session);
  return Error::Ok();
}

Error OpenSession(Connection& connection, std::unique_lock<std::mutex>& lock,
                  const std::string& model, uint32_t context_length, StreamSink* sink,
                  std::unique_ptr<SessionTransport>* out) {
  DaemonSession created;
  Error error = CreateDaemonSession(connection, lock, model, context_length, &created);
  if (!error.ok()) return error;
  error = OpenRingSession(connection, lock, created, sink, out);
  if (error.code == LLMCORE_ERROR_UNSUPPORTED)
    return OpenDbusSession(connection, created, sink, out);
  if (!error.ok()) CloseDaemonSession(connection, created.path);
  return error;
}

}  // namespace llmcore::lib
