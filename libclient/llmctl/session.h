// A generation session as `llmctl run` drives it, through libllmcore's
// session API (llmcore.h): llmcore_connect, llmcore_session_open,
// llmcore_session_submit / llmcore_session_submit_chat, llmcore_stream_next,
// llmcore_stream_cancel and llmcore_stream_stats. The library picks the
// transport the pieces stream through (the daemon's Token signals, or its
// shared-memory rings), keeps out text that is not this session's, and
// ends a request with LLMCORE_ERROR_INTERRUPTED when the daemon's
// connection leaves the bus (a stopping daemon drains first).
//
// The session keeps the daemon's state between requests: a chat goes on by
// sending only the new messages. (libllmcore re-opens a session whose daemon
// restarted, without the history; run never gets there, since a request
// interrupted by a restart ends it.)
//
// Errors: libllmcore's codes through StatusFromLibrary (errors.h).
// Ownership: a Session owns its client connection and session handle.
// Threading: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bus.h"
#include "bus_value.h"
#include "interrupt.h"
#include "llmcore.h"
#include "llmcore/status.h"
#include "options.h"

namespace llmcore::llmctl {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};
// Text for llmcore_session_submit, or messages for llmcore_session_submit_chat.
using Prompt = std::variant<std::string, std::vector<ChatMessage>>;

struct Outcome {
  Json stats;  // the request's statistics (StatsJson)
  llmcore_stop_reason stop_reason = LLMCORE_STOP_UNKNOWN;
  bool cancel_sent = false;  // Ctrl-C was pressed and the request cancelled
  // For stop reasons "error" and "shutdown": libllmcore's failure
  // ("Failed: <the daemon's error>", or the interruption), else ok.
  Status failure;
};

// The daemon's name of a stop reason ("eos", "length", "stop", "context",
// "cancelled", "error", "shutdown"; "unknown" for any other).
// An int, not the enum: a newer library may report a reason this llmctl
// does not know, which is no value of the enum it was built with.
const char* StopReasonName(int reason);

// Statistics as the daemon's Finished signal carries them, in its order:
// prompt_tokens, cached_tokens, generated_tokens, queue_ms, prefill_ms,
// decode_ms, tokens_per_second, stop_reason, error (`error`: why, for stop
// reason "error"; "" otherwise).
Json StatsJson(const llmcore_stats& stats, std::string_view error);

struct ClientFree {
  void operator()(llmcore_client* client) const { llmcore_client_free(client); }
};
struct SessionClose {
  void operator()(llmcore_session* session) const { llmcore_session_close(session); }
};
struct StreamFree {
  void operator()(llmcore_stream* stream) const { llmcore_stream_free(stream); }
};
using ClientPtr = std::unique_ptr<llmcore_client, ClientFree>;
using SessionPtr = std::unique_ptr<llmcore_session, SessionClose>;
using StreamPtr = std::unique_ptr<llmcore_stream, StreamFree>;

class Session {
 public:
  // Connects to `bus` and opens a session of `model` ("": the default model)
  // with `context_length` positions (absent: the daemon's default). Errors:
  // the bus cannot be reached or nobody serves the daemon's name
  // (kUnavailable), the daemon's (ModelNotFound, LoadFailed, Busy, ...).
  static Result<std::unique_ptr<Session>> Open(const BusSpec& bus, const std::string& model,
                                               std::optional<uint32_t> context_length);

  // Runs one request to its end, passing each piece of text to on_piece as
  // it arrives. When `interrupts` counts a press, cancels the request once
  // (the outcome's stop reason is then "cancelled"). Errors: the submission's
  // (Busy, InvalidArgument, ...), the daemon leaving the bus (kUnavailable).
  // A request the daemon ended with stop reason "error" or "shutdown" is an
  // Outcome, with its statistics and `failure` set.
  Result<Outcome> Generate(const Prompt& prompt, const GenerateOptions& options,
                           const std::function<void(std::string_view)>& on_piece,
                           InterruptWatch* interrupts);

 private:
  Session(ClientPtr client, SessionPtr session)
      : client_(std::move(client)), session_(std::move(session)) {}

  ClientPtr client_;
  SessionPtr session_;  // after client_: closed before the client is freed
};

}  // namespace llmcore::llmctl
