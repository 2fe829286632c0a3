#include "session.h"

#include <utility>

#include "errors.h"

namespace llmcore::llmctl {
namespace {

// How long llmcore_stream_next waits before run looks for a Ctrl-C again.
constexpr int kInterruptCheckMs = 50;

// Every call may wait that long: opening the session waits for the daemon
// to load the model first.
constexpr uint32_t kCallTimeoutMs = kLongCallTimeoutUsec / 1000;

std::string_view WithoutPrefix(std::string_view text, std::string_view prefix) {
  if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  return text;
}

// The handle's last error, copied before the next call on it replaces it.
std::string LastError(const char* text) {
  return text != nullptr ? std::string(text) : std::string();
}

}  // namespace

const char* StopReasonName(int reason) {
  switch (reason) {
    case LLMCORE_STOP_EOS: return "eos";
    case LLMCORE_STOP_LENGTH: return "length";
    case LLMCORE_STOP_STRING: return "stop";
    case LLMCORE_STOP_CONTEXT: return "context";
    case LLMCORE_STOP_CANCELLED: return "cancelled";
    case LLMCORE_STOP_ERROR: return "error";
    case LLMCORE_STOP_SHUTDOWN: return "shutdown";
    default: break;
  }
  return "unknown";
}

Json StatsJson(const llmcore_stats& stats, std::string_view error) {
  Json out = Json::object();
  out["prompt_tokens"] = stats.prompt_tokens;
  out["cached_tokens"] = stats.cached_tokens;
  out["generated_tokens"] = stats.generated_tokens;
  out["queue_ms"] = stats.queue_ms;
  out["prefill_ms"] = stats.prefill_ms;
  out["decode_ms"] = stats.decode_ms;
  out["tokens_per_second"] = stats.tokens_per_second;
  out["stop_reason"] = StopReasonName(stats.stop_reason);
  out["error"] = std::string(error);
  return out;
}

Result<std::unique_ptr<Session>> Session::Open(const BusSpec& bus, const std::string& model,
                                               std::optional<uint32_t> context_length) {
  LLMCORE_ASSIGN_OR_RETURN(const std::string address, ClientBusAddress(bus));
  llmcore_connect_params params;
  llmcore_connect_default_params(&params);
  params.address = address.c_str();  // "" is the system bus, never LLMCORE_BUS_ADDRESS
  params.call_timeout_ms = kCallTimeoutMs;
  llmcore_client* raw_client = nullptr;
  char* error_text = nullptr;
  int r = llmcore_connect(&params, &raw_client, &error_text);
  ClientPtr client(raw_client);
  if (r != LLMCORE_OK) {
    const std::string message = LastError(error_text);
    llmcore_string_free(error_text);
    return StatusFromLibrary(r, message);
  }

  llmcore_session_params session_params;
  llmcore_session_default_params(&session_params);
  session_params.model = model.c_str();
  session_params.context_length = context_length.value_or(0);
  llmcore_session* raw_session = nullptr;
  r = llmcore_session_open(client.get(), &session_params, &raw_session);
  SessionPtr session(raw_session);
  if (r != LLMCORE_OK)
    return StatusFromLibrary(r, LastError(llmcore_client_last_error(client.get())));
  return std::unique_ptr<Session>(new Session(std::move(client), std::move(session)));
}

Result<Outcome> Session::Generate(const Prompt& prompt, const GenerateOptions& options,
                                  const std::function<void(std::string_view)>& on_piece,
                                  InterruptWatch* interrupts) {
  if (interrupts) interrupts->Reset();
  llmcore_stream* raw = nullptr;
  int r = LLMCORE_OK;
  if (const auto* text = std::get_if<std::string>(&prompt)) {
    r = llmcore_session_submit(session_.get(), text->c_str(), options.get(), &raw);
  } else {
    const auto& chat = std::get<std::vector<ChatMessage>>(prompt);
    std::vector<llmcore_message> messages;
    messages.reserve(chat.size());
    for (const ChatMessage& m : chat) messages.push_back({m.role.c_str(), m.content.c_str()});
    r = llmcore_session_submit_chat(session_.get(), messages.data(), messages.size(), options.get(),
                                    &raw);
  }
  StreamPtr stream(raw);  // freed before the session is closed
  if (r != LLMCORE_OK) {
    return StatusFromLibrary(r, LastError(llmcore_session_last_error(session_.get())));
  }

  Outcome outcome;
  Status cancel = Status::Ok();
  // Without Ctrl-C to watch, nothing to do between pieces: wait as long as it takes.
  const int wait_ms = interrupts ? kInterruptCheckMs : -1;
  for (;;) {
    if (interrupts && interrupts->presses() > 0 && !outcome.cancel_sent) {
      outcome.cancel_sent = true;
      const int cancelled = llmcore_stream_cancel(stream.get());
      if (cancelled != LLMCORE_OK) {
        cancel = StatusFromLibrary(cancelled, LastError(llmcore_stream_last_error(stream.get())));
      }
    }
    const char* piece = nullptr;
    size_t length = 0;
    r = llmcore_stream_next(stream.get(), wait_ms, &piece, &length);
    if (r == LLMCORE_OK) {
      on_piece(std::string_view(piece, length));
    } else if (r != LLMCORE_STREAM_AGAIN) {
      break;  // finished, or failed
    }
  }

  const std::string message = r == LLMCORE_STREAM_FINISHED
                                  ? std::string()
                                  : LastError(llmcore_stream_last_error(stream.get()));
  llmcore_stats stats;
  llmcore_stats_init(&stats);
  const bool has_stats = llmcore_stream_stats(stream.get(), &stats) == LLMCORE_OK;
  if (r != LLMCORE_STREAM_FINISHED) {
    // No statistics: the request never finished (the daemon left the bus).
    if (!has_stats) return StatusFromLibrary(r, message);
    // The daemon ended it with stop reason "error" ("Failed: ...") or "shutdown".
    outcome.failure = StatusFromLibrary(r, message);
  }
  LLMCORE_RETURN_IF_ERROR(cancel);
  outcome.stop_reason = stats.stop_reason;
  const std::string_view error =
      stats.stop_reason == LLMCORE_STOP_ERROR ? WithoutPrefix(message, "Failed: ") : "";
  outcome.stats = StatsJson(stats, error);
  return outcome;
}

}  // namespace llmcore::llmctl
