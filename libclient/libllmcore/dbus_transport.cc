#include <cstring>
#include <utility>

#include "dict.h"
#include "llmcore/ipc/dbus_names.h"
#include "options.h"
#include "transport.h"

namespace llmcore::lib {
namespace {

Error BuildFailure(int r, const char* what) {
  return Error{LLMCORE_ERROR_FAILED, std::string("building ") + what + ": " + std::strerror(-r)};
}

class DbusSession final : public SessionTransport {
 public:
  DbusSession(Connection& connection, std::string path, std::string daemon, StreamSink* sink)
      : connection_(connection), path_(std::move(path)), daemon_(std::move(daemon)), sink_(sink) {}

  ~DbusSession() override {
    sd_bus_slot_unref(token_slot_);
    sd_bus_slot_unref(finished_slot_);
  }

  Error Subscribe() {
    sd_bus* bus = connection_.bus();
    const char* sender = daemon_.empty() ? nullptr : daemon_.c_str();
    int r = sd_bus_match_signal(bus, &token_slot_, sender, path_.c_str(), ipc::kSessionInterface,
                                "Token", OnToken, this);
    if (r >= 0) {
      r = sd_bus_match_signal(bus, &finished_slot_, sender, path_.c_str(), ipc::kSessionInterface,
                              "Finished", OnFinished, this);
    }
    if (r < 0) {
      return Error{LLMCORE_ERROR_INTERRUPTED,
                   std::string("subscribing to the session's signals: ") + std::strerror(-r)};
    }
    return Error::Ok();
  }

  Error Submit(std::unique_lock<std::mutex>& lock, const Prompt& prompt,
               const llmcore_generate_options& options,
               const std::function<void(uint64_t)>& on_id) override {
    const bool chat = prompt.text == nullptr;
    sd_bus_message* raw = nullptr;
    Error error = connection_.NewCall(path_.c_str(), ipc::kSessionInterface,
                                      chat ? "SubmitChat" : "Submit", &raw);
    MessagePtr call(raw);
    if (!error.ok()) return error;
    int r = chat ? AppendMessages(call.get(), prompt.messages, prompt.message_count)
                 : sd_bus_message_append(call.get(), "s", prompt.text);
    if (r >= 0) r = AppendGenerateOptions(call.get(), options);
    if (r < 0) return BuildFailure(r, "a request");
    const std::function<void(sd_bus_message*)> read_id = [&on_id](sd_bus_message* reply) {
      uint64_t id = 0;
      if (sd_bus_message_read(reply, "t", &id) >= 0) on_id(id);
    };
    raw = nullptr;
    error = connection_.Call(lock, call.get(), &raw, read_id);
    MessagePtr reply(raw);
    return error;
  }

  Error Cancel(std::unique_lock<std::mutex>& lock) override {
    sd_bus_message* raw = nullptr;
    Error error = connection_.NewCall(path_.c_str(), ipc::kSessionInterface, "Cancel", &raw);
    MessagePtr call(raw);
    if (!error.ok()) return error;
    raw = nullptr;
    error = connection_.Call(lock, call.get(), &raw);
    MessagePtr reply(raw);
    return error;
  }

  void Close() override { CloseDaemonSession(connection_, path_); }

 private:
  static int OnToken(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<DbusSession*>(userdata);
    uint64_t request = 0;
    const char* piece = nullptr;
    uint32_t token = 0;
    if (sd_bus_message_read(m, "tsu", &request, &piece, &token) < 0) return 0;
    self->sink_->OnPiece(request, piece, token);
    return 0;
  }

  static int OnFinished(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<DbusSession*>(userdata);
    uint64_t request = 0;
    if (sd_bus_message_read(m, "t", &request) < 0) return 0;
    Dict dict;
    if (ReadDict(m, &dict) < 0) {
      Stats broken;
      llmcore_stats_init(&broken.values);
      broken.values.stop_reason = LLMCORE_STOP_ERROR;
      broken.error = "the daemon sent malformed statistics";
      self->sink_->OnFinished(request, broken);
      return 0;
    }
    self->sink_->OnFinished(request, StatsFromDict(dict));
    return 0;
  }

  Connection& connection_;
  std::string path_;
  std::string daemon_;
  StreamSink* sink_;
  sd_bus_slot* token_slot_ = nullptr;
  sd_bus_slot* finished_slot_ = nullptr;
};

}  // namespace

void CloseDaemonSession(Connection& connection, const std::string& path) {
  sd_bus* bus = connection.bus();
  if (bus == nullptr) return;
  sd_bus_message* raw = nullptr;
  if (sd_bus_message_new_method_call(bus, &raw, ipc::kBusName, path.c_str(), ipc::kSessionInterface,
                                     "Close") < 0) {
    return;
  }
  MessagePtr call(raw);
  sd_bus_message_set_expect_reply(call.get(), 0);
  sd_bus_send(bus, call.get(), nullptr);
  sd_bus_flush(bus);
}

Error CreateDaemonSession(Connection& connection, std::unique_lock<std::mutex>& lock,
                          const std::string& model, uint32_t context_length, DaemonSession* out) {
  sd_bus_message* raw = nullptr;
  Error error = connection.NewCall(ipc::kObjectPath, ipc::kManagerInterface, "CreateSession", &raw);
  MessagePtr call(raw);
  if (!error.ok()) return error;
  int r = sd_bus_message_append(call.get(), "s", model.c_str());
  if (r >= 0) r = sd_bus_message_open_container(call.get(), 'a', "{sv}");
  if (r >= 0 && context_length != 0) {
    r = sd_bus_message_append(call.get(), "{sv}", "context_length", "u", context_length);
  }
  if (r >= 0) r = sd_bus_message_close_container(call.get());
  if (r < 0) return BuildFailure(r, "CreateSession");
  raw = nullptr;
  error = connection.Call(lock, call.get(), &raw);
  MessagePtr reply(raw);
  if (!error.ok()) return error;
  const char* path = nullptr;
  if (sd_bus_message_read(reply.get(), "o", &path) < 0) {
    return Error{LLMCORE_ERROR_PROTOCOL, "CreateSession answered no object path"};
  }
  const char* sender = sd_bus_message_get_sender(reply.get());
  out->path = path;
  out->daemon = sender ? sender : "";
  return Error::Ok();
}

Error OpenDbusSession(Connection& connection, const DaemonSession& created, StreamSink* sink,
                      std::unique_ptr<SessionTransport>* out) {
  auto session = std::make_unique<DbusSession>(connection, created.path, created.daemon, sink);
  Error error = session->Subscribe();
  if (!error.ok()) {
    session->Close();
    return error;
  }
  *out = std::move(session);
  return Error::Ok();
}

}  // namespace llmcore::lib
