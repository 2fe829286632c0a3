// A generation session of the daemon as `llmctl run` drives it:
// CreateSession, the session's Token and Finished signals, Submit or
// SubmitChat, Cancel and Close (org.llmcore.Core1.Session).
//
// Signals are matched on the session's path and on the daemon's unique bus
// name (the sender of CreateSession's reply), so that nobody else on the bus
// can inject text. Tokens of other requests (a cancelled one finishing late)
// are ignored by request id. If the daemon leaves the bus while a request
// runs, Generate() fails with kUnavailable instead of waiting forever.
//
// Ownership: the bus must outlive the Session. Threading: one thread.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bus.h"
#include "bus_value.h"
#include "interrupt.h"
#include "options.h"

namespace llmcore::llmctl {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};
// Text for Submit, or messages for SubmitChat.
using Prompt = std::variant<std::string, std::vector<ChatMessage>>;

struct Outcome {
  Json stats;                // the Finished signal's a{sv}
  std::string stop_reason;   // stats["stop_reason"], "" when absent
  bool cancel_sent = false;  // Ctrl-C was pressed and Cancel sent
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> Create(sd_bus* bus, const std::string& model,
                                                 const OptionList& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs one request to its Finished signal, passing each piece of text to
  // on_piece as it arrives. When `interrupts` fires, sends Cancel once.
  // Errors: the Submit call's (Busy, InvalidArgument, ...), a malformed
  // signal (kCorrupt), the daemon leaving the bus (kUnavailable).
  Result<Outcome> Generate(const Prompt& prompt, const OptionList& options,
                           const std::function<void(std::string_view)>& on_piece,
                           InterruptWatch* interrupts);

  // Closes the session (errors are of no interest any more); idempotent.
  void Close();

  const std::string& path() const { return path_; }

 private:
  Session(sd_bus* bus, std::string path, std::string daemon)
      : bus_(bus), path_(std::move(path)), daemon_(std::move(daemon)) {}
  Status Subscribe();
  Status SendCancel();

  static int OnToken(sd_bus_message* signal, void* userdata, sd_bus_error* error);
  static int OnFinished(sd_bus_message* signal, void* userdata, sd_bus_error* error);
  static int OnOwnerChanged(sd_bus_message* signal, void* userdata, sd_bus_error* error);

  sd_bus* bus_;
  std::string path_;
  std::string daemon_;  // unique name; "" on a connection without a bus
  bool open_ = true;

  // The running request.
  uint64_t request_ = 0;
  bool running_ = false;
  bool finished_ = false;
  Json stats_;
  const std::function<void(std::string_view)>* on_piece_ = nullptr;
  Status failure_;  // set by the signal handlers

  SlotPtr token_slot_;
  SlotPtr finished_slot_;
  SlotPtr owner_slot_;
};

}  // namespace llmcore::llmctl
