#include "session.h"

#include <fmt/format.h>

#include <utility>

#include "errors.h"
#include "llmcore/ipc/dbus_names.h"

namespace llmcore::llmctl {
namespace {

Status AppendPrompt(sd_bus_message* call, const Prompt& prompt) {
  int r = 0;
  if (const auto* text = std::get_if<std::string>(&prompt)) {
    r = sd_bus_message_append(call, "s", text->c_str());
  } else {
    r = sd_bus_message_open_container(call, SD_BUS_TYPE_ARRAY, "(ss)");
    for (const ChatMessage& m : std::get<std::vector<ChatMessage>>(prompt)) {
      if (r >= 0) r = sd_bus_message_append(call, "(ss)", m.role.c_str(), m.content.c_str());
    }
    if (r >= 0) r = sd_bus_message_close_container(call);
  }
  return r < 0 ? SdBusFailure(r, "building the prompt") : Status::Ok();
}

// Sends a call whose reply is of no interest (Cancel, Close): it goes out
// with the next dispatch or when the bus is flushed at exit.
Status SendWithoutReply(sd_bus* bus, const std::string& path, const char* member) {
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call,
                           NewCall(bus, path.c_str(), ipc::kSessionInterface, member));
  int r = sd_bus_message_set_expect_reply(call.get(), 0);
  if (r >= 0) r = sd_bus_send(bus, call.get(), nullptr);
  return r < 0 ? ConnectionFailure(r, fmt::format("sending {}", member)) : Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Session>> Session::Create(sd_bus* bus, const std::string& model,
                                                 const OptionList& options) {
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call, NewManagerCall(bus, "CreateSession"));
  const int r = sd_bus_message_append(call.get(), "s", model.c_str());
  if (r < 0) return SdBusFailure(r, "CreateSession");
  LLMCORE_RETURN_IF_ERROR(AppendOptions(call.get(), options));
  // The daemon may load the model first.
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr reply, Call(bus, call.get(), kLongCallTimeoutUsec));
  const char* path = nullptr;
  const int read = sd_bus_message_read(reply.get(), "o", &path);
  if (read < 0) return SdBusFailure(read, "reading the CreateSession reply");
  const char* sender = sd_bus_message_get_sender(reply.get());
  std::unique_ptr<Session> session(new Session(bus, path, sender ? sender : ""));
  LLMCORE_RETURN_IF_ERROR(session->Subscribe());  // on failure the destructor closes it
  return session;
}

Session::~Session() {
  Close();
}

Status Session::Subscribe() {
  const char* sender = daemon_.empty() ? nullptr : daemon_.c_str();
  LLMCORE_ASSIGN_OR_RETURN(
      token_slot_,
      MatchSignal(bus_, sender, path_.c_str(), ipc::kSessionInterface, "Token", OnToken, this));
  LLMCORE_ASSIGN_OR_RETURN(
      finished_slot_, MatchSignal(bus_, sender, path_.c_str(), ipc::kSessionInterface, "Finished",
                                  OnFinished, this));
  if (daemon_.empty()) return Status::Ok();
  // Only the daemon's own name: all of NameOwnerChanged would be noise.
  const std::string rule = fmt::format(
      "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
      "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{}'",
      daemon_);
  sd_bus_slot* raw = nullptr;
  const int r = sd_bus_add_match(bus_, &raw, rule.c_str(), OnOwnerChanged, this);
  owner_slot_.reset(raw);
  if (r < 0) return ConnectionFailure(r, "watching the daemon's bus name");
  return Status::Ok();
}

Result<Outcome> Session::Generate(const Prompt& prompt, const OptionList& options,
                                  const std::function<void(std::string_view)>& on_piece,
                                  InterruptWatch* interrupts) {
  if (!open_) return Status(StatusCode::kInternal, "the session is closed");
  failure_ = Status::Ok();
  running_ = false;
  finished_ = false;
  stats_ = Json::object();
  on_piece_ = &on_piece;
  if (interrupts) {
    interrupts->Reset();
    interrupts->Drain();
  }

  const bool chat = std::holds_alternative<std::vector<ChatMessage>>(prompt);
  const char* member = chat ? "SubmitChat" : "Submit";
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call,
                           NewCall(bus_, path_.c_str(), ipc::kSessionInterface, member));
  LLMCORE_RETURN_IF_ERROR(AppendPrompt(call.get(), prompt));
  LLMCORE_RETURN_IF_ERROR(AppendOptions(call.get(), options));
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr reply, Call(bus_, call.get()));
  const int r = sd_bus_message_read(reply.get(), "t", &request_);
  if (r < 0) return SdBusFailure(r, fmt::format("reading the {} reply", member));
  // Signals that arrived before the reply wait in sd-bus's queue and are
  // dispatched from here on, now that the request id is known.
  running_ = true;

  Outcome outcome;
  Status cancel = Status::Ok();
  Status dispatched = DispatchUntil(
      bus_, [this] { return finished_ || !failure_.ok(); }, interrupts ? interrupts->fd() : -1,
      [&] {
        interrupts->Drain();
        if (outcome.cancel_sent) return;
        outcome.cancel_sent = true;
        cancel = SendWithoutReply(bus_, path_, "Cancel");
      });
  running_ = false;
  on_piece_ = nullptr;
  LLMCORE_RETURN_IF_ERROR(dispatched);
  LLMCORE_RETURN_IF_ERROR(failure_);
  LLMCORE_RETURN_IF_ERROR(cancel);
  outcome.stats = std::move(stats_);
  if (const auto reason = outcome.stats.find("stop_reason");
      reason != outcome.stats.end() && reason->is_string()) {
    outcome.stop_reason = reason->get<std::string>();
  }
  return outcome;
}

void Session::Close() {
  if (!open_) return;
  open_ = false;
  token_slot_.reset();
  finished_slot_.reset();
  owner_slot_.reset();
  (void)SendWithoutReply(bus_, path_, "Close");
}

int Session::OnToken(sd_bus_message* signal, void* userdata, sd_bus_error*) {
  auto* self = static_cast<Session*>(userdata);
  uint64_t request = 0;
  const char* piece = nullptr;
  uint32_t token = 0;
  if (sd_bus_message_read(signal, "tsu", &request, &piece, &token) < 0) {
    self->failure_ = Status(StatusCode::kCorrupt, "the daemon sent a malformed Token signal");
    return 0;
  }
  if (self->running_ && request == self->request_ && self->on_piece_ && !self->finished_) {
    (*self->on_piece_)(piece);
  }
  return 0;
}

int Session::OnFinished(sd_bus_message* signal, void* userdata, sd_bus_error*) {
  auto* self = static_cast<Session*>(userdata);
  uint64_t request = 0;
  if (sd_bus_message_read(signal, "t", &request) < 0) {
    self->failure_ = Status(StatusCode::kCorrupt, "the daemon sent a malformed Finished signal");
    return 0;
  }
  if (!self->running_ || request != self->request_) return 0;
  auto stats = ReadValue(signal);
  if (!stats.ok() || !stats->is_object()) {
    self->failure_ = Status(StatusCode::kCorrupt, "the daemon sent malformed statistics");
    return 0;
  }
  self->stats_ = std::move(*stats);
  self->finished_ = true;
  return 0;
}

int Session::OnOwnerChanged(sd_bus_message* signal, void* userdata, sd_bus_error*) {
  auto* self = static_cast<Session*>(userdata);
  const char* name = nullptr;
  const char* old_owner = nullptr;
  const char* new_owner = nullptr;
  if (sd_bus_message_read(signal, "sss", &name, &old_owner, &new_owner) < 0) return 0;
  if (self->daemon_ == name && new_owner[0] == '\0') {
    self->failure_ = Status(StatusCode::kUnavailable, "Disconnected: the daemon left the bus");
    self->open_ = false;  // nothing left to close
  }
  return 0;
}

}  // namespace llmcore::llmctl
