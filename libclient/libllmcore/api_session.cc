// llmcore.h: sessions and streams (pull-style and with a callback).
#include <string>

#include "handles.h"
#include "options.h"

using llmcore::lib::Error;
using llmcore::lib::Fail;
using llmcore::lib::Guarded;
using llmcore::lib::MonotonicMs;

namespace {

// How long freeing a running stream waits for its cancelled request to end.
constexpr int kCancelDrainMs = 5000;

// Opens the session in the daemon when it never was or its daemon is gone.
Error EnsureOpen(llmcore_session* session, std::unique_lock<std::mutex>& lock) {
  auto& connection = session->client->connection;
  if (session->transport && session->epoch == connection.epoch()) return Error::Ok();
  session->transport.reset();
  session->current = nullptr;
  Error error = connection.Ensure();
  if (!error.ok()) return error;
  const uint64_t epoch = connection.epoch();
  std::unique_ptr<llmcore::lib::SessionTransport> transport;
  error = llmcore::lib::OpenSession(connection, lock, session->model, session->context_length,
                                    session, &transport);
  if (!error.ok()) return error;
  session->transport = std::move(transport);
  session->epoch = epoch;
  return Error::Ok();
}

int SubmitImpl(llmcore_session* session, const llmcore::lib::Prompt& prompt,
               const llmcore_generate_options* options, llmcore_stream** out) {
  llmcore_generate_options opts;
  Error error = llmcore::lib::PrepareGenerateOptions(options, &opts);
  if (error.ok() && prompt.text == nullptr) {
    error = llmcore::lib::ValidateMessages(prompt.messages, prompt.message_count);
  }
  auto& connection = session->client->connection;
  std::unique_lock lock(connection.mutex());
  if (!error.ok()) return Fail(&session->last_error, error);
  if (session->current != nullptr) {
    return Fail(&session->last_error,
                Error{LLMCORE_ERROR_BUSY, "Busy: a request of this session is still running"});
  }
  auto stream = std::make_unique<llmcore_stream>();
  stream->session = session;
  llmcore_stream* raw_stream = stream.get();
  const std::function<void(uint64_t)> on_id = [session, raw_stream](uint64_t id) {
    raw_stream->request = id;
    raw_stream->id_known = true;
    session->current = raw_stream;
  };
  connection.Process();
  for (int attempt = 0;; ++attempt) {
    error = EnsureOpen(session, lock);
    if (!error.ok()) return Fail(&session->last_error, error);
    stream->epoch = session->epoch;
    error = session->transport->Submit(lock, prompt, opts, on_id);
    // A session of a daemon that left before we noticed: open it again, once.
    if (error.code == LLMCORE_ERROR_NO_SUCH_SESSION && attempt == 0) {
      connection.Process();
      session->transport.reset();
      continue;
    }
    break;
  }
  if (!error.ok()) {
    if (session->current == raw_stream) session->current = nullptr;
    return Fail(&session->last_error, error);
  }
  session->last_error.clear();
  *out = stream.release();
  return LLMCORE_OK;
}

// Ends the stream with `error` (it no longer receives anything).
int EndStream(llmcore_stream* stream, const Error& error) {
  stream->finished = true;
  stream->outcome = error;
  if (stream->session->current == stream) stream->session->current = nullptr;
  return Fail(&stream->last_error, error);
}

int NextLocked(llmcore_stream* stream, std::unique_lock<std::mutex>& lock, int timeout_ms) {
  auto& connection = stream->session->client->connection;
  const int64_t deadline = timeout_ms > 0 ? MonotonicMs() + timeout_ms : 0;
  for (;;) {
    connection.Process();
    if (!stream->pieces.empty()) {
      stream->current = std::move(stream->pieces.front().first);
      stream->current_token = stream->pieces.front().second;
      stream->pieces.pop_front();
      stream->last_error.clear();
      return LLMCORE_OK;
    }
    if (stream->finished) {
      if (!stream->outcome.ok()) return Fail(&stream->last_error, stream->outcome);
      stream->last_error.clear();
      return LLMCORE_STREAM_FINISHED;
    }
    if (stream->epoch != connection.epoch()) {
      return EndStream(stream, Error{LLMCORE_ERROR_INTERRUPTED, llmcore::lib::kInterruptedMessage});
    }
    int wait_ms = -1;
    if (timeout_ms == 0) return LLMCORE_STREAM_AGAIN;
    if (timeout_ms > 0) {
      const int64_t left = deadline - MonotonicMs();
      if (left <= 0) return LLMCORE_STREAM_AGAIN;
      wait_ms = int(left);
    }
    connection.WaitOnce(lock, wait_ms);
  }
}

int CancelLocked(llmcore_session* session, std::unique_lock<std::mutex>& lock) {
  if (session->current == nullptr || !session->transport) return LLMCORE_OK;
  if (session->epoch != session->client->connection.epoch()) return LLMCORE_OK;
  const Error error = session->transport->Cancel(lock);
  if (!error.ok()) return Fail(&session->last_error, error);
  return LLMCORE_OK;
}

int GenerateWithCallback(llmcore_session* session, const llmcore::lib::Prompt& prompt,
                         const llmcore_generate_options* options, llmcore_piece_callback on_piece,
                         void* user_data, char** text, llmcore_stats* stats) {
  llmcore_stream* stream = nullptr;
  int status = SubmitImpl(session, prompt, options, &stream);
  if (status != LLMCORE_OK) return status;
  std::string all;
  bool cancel_sent = false;
  auto& connection = session->client->connection;
  {
    std::unique_lock lock(connection.mutex());
    for (;;) {
      status = NextLocked(stream, lock, -1);
      if (status != LLMCORE_OK) break;
      all += stream->current;
      if (on_piece == nullptr) continue;
      const std::string piece = stream->current;
      const uint32_t token = stream->current_token;
      lock.unlock();
      const int stop = on_piece(piece.c_str(), piece.size(), token, user_data);
      lock.lock();
      if (stop != 0 && !cancel_sent) {
        cancel_sent = true;
        CancelLocked(session, lock);
      }
    }
    if (status == LLMCORE_STREAM_FINISHED) {
      status = LLMCORE_OK;
      session->last_error.clear();
    } else {
      session->last_error = stream->last_error;
    }
    if (stream->has_stats) llmcore::lib::CopyStatsOut(stream->stats, stats);
  }
  llmcore_stream_free(stream);
  if (text != nullptr) {
    *text = llmcore::lib::DupString(all);
    if (*text == nullptr) return LLMCORE_ERROR_NO_MEMORY;
  }
  return status;
}

}  // namespace

void llmcore_session::OnPiece(uint64_t request, std::string_view piece, uint32_t token) {
  if (current == nullptr || !current->id_known || current->request != request) return;
  current->pieces.emplace_back(std::string(piece), token);
}

void llmcore_session::OnFinished(uint64_t request, const llmcore::lib::Stats& stats) {
  if (current == nullptr || !current->id_known || current->request != request) return;
  current->finished = true;
  current->has_stats = true;
  current->stats = stats;
  current->outcome = llmcore::lib::OutcomeOf(stats);
  current = nullptr;
}

extern "C" {

LLMCORE_API int llmcore_session_open(llmcore_client* client, const llmcore_session_params* params,
                                     llmcore_session** out) {
  if (client == nullptr || out == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  *out = nullptr;
  return Guarded([&]() -> int {
    llmcore_session_params p;
    const Error copied = llmcore::lib::CopySessionParams(params, &p);
    std::unique_lock lock(client->connection.mutex());
    if (!copied.ok()) return Fail(&client->last_error, copied);
    auto session = std::make_unique<llmcore_session>();
    session->client = client;
    session->model = p.model != nullptr ? p.model : "";
    session->context_length = p.context_length;
    client->connection.Process();
    const Error error = EnsureOpen(session.get(), lock);
    if (!error.ok()) return Fail(&client->last_error, error);
    client->last_error.clear();
    *out = session.release();
    return LLMCORE_OK;
  });
}

LLMCORE_API void llmcore_session_close(llmcore_session* session) {
  if (session == nullptr) return;
  {
    std::lock_guard guard(session->client->connection.mutex());
    if (session->current != nullptr) session->current->session = nullptr;
    if (session->transport && session->epoch == session->client->connection.epoch()) {
      session->transport->Close();
    }
    session->transport.reset();
  }
  delete session;
}

LLMCORE_API const char* llmcore_session_last_error(llmcore_session* session) {
  if (session == nullptr) return "session is NULL";
  std::lock_guard guard(session->client->connection.mutex());
  return session->last_error.c_str();
}

LLMCORE_API int llmcore_session_cancel(llmcore_session* session) {
  if (session == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  return Guarded([&] {
    std::unique_lock lock(session->client->connection.mutex());
    return CancelLocked(session, lock);
  });
}

LLMCORE_API int llmcore_session_submit(llmcore_session* session, const char* prompt,
                                       const llmcore_generate_options* options,
                                       llmcore_stream** out) {
  if (out != nullptr) *out = nullptr;
  if (session == nullptr || prompt == nullptr || out == nullptr) {
    return LLMCORE_ERROR_INVALID_ARGUMENT;
  }
  return Guarded([&] {
    return SubmitImpl(session, llmcore::lib::Prompt{prompt, nullptr, 0}, options, out);
  });
}

LLMCORE_API int llmcore_session_submit_chat(llmcore_session* session,
                                            const llmcore_message* messages, size_t message_count,
                                            const llmcore_generate_options* options,
                                            llmcore_stream** out) {
  if (out != nullptr) *out = nullptr;
  if (session == nullptr || out == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  return Guarded([&] {
    return SubmitImpl(session, llmcore::lib::Prompt{nullptr, messages, message_count}, options,
                      out);
  });
}

LLMCORE_API int llmcore_session_generate(llmcore_session* session, const char* prompt,
                                         const llmcore_generate_options* options,
                                         llmcore_piece_callback on_piece, void* user_data,
                                         char** text, llmcore_stats* stats) {
  if (text != nullptr) *text = nullptr;
  if (session == nullptr || prompt == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  return Guarded([&] {
    return GenerateWithCallback(session, llmcore::lib::Prompt{prompt, nullptr, 0}, options,
                                on_piece, user_data, text, stats);
  });
}

LLMCORE_API int llmcore_session_generate_chat(llmcore_session* session,
                                              const llmcore_message* messages, size_t message_count,
                                              const llmcore_generate_options* options,
                                              llmcore_piece_callback on_piece, void* user_data,
                                              char** text, llmcore_stats* stats) {
  if (text != nullptr) *text = nullptr;
  if (session == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  return Guarded([&] {
    return GenerateWithCallback(session, llmcore::lib::Prompt{nullptr, messages, message_count},
                                options, on_piece, user_data, text, stats);
  });
}

LLMCORE_API int llmcore_stream_next(llmcore_stream* stream, int timeout_ms, const char** piece,
                                    size_t* length) {
  if (piece != nullptr) *piece = nullptr;
  if (length != nullptr) *length = 0;
  if (stream == nullptr || piece == nullptr || stream->session == nullptr) {
    return LLMCORE_ERROR_INVALID_ARGUMENT;
  }
  return Guarded([&] {
    std::unique_lock lock(stream->session->client->connection.mutex());
    const int status = NextLocked(stream, lock, timeout_ms);
    if (status == LLMCORE_OK) {
      *piece = stream->current.c_str();
      if (length != nullptr) *length = stream->current.size();
    }
    return status;
  });
}

LLMCORE_API int llmcore_stream_stats(llmcore_stream* stream, llmcore_stats* stats) {
  if (stream == nullptr || stats == nullptr || stream->session == nullptr) {
    return LLMCORE_ERROR_INVALID_ARGUMENT;
  }
  std::lock_guard guard(stream->session->client->connection.mutex());
  if (!stream->has_stats) {
    return Fail(&stream->last_error,
                Error{LLMCORE_ERROR_INVALID_ARGUMENT, "the stream has not finished"});
  }
  llmcore::lib::CopyStatsOut(stream->stats, stats);
  return LLMCORE_OK;
}

LLMCORE_API int llmcore_stream_cancel(llmcore_stream* stream) {
  if (stream == nullptr || stream->session == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  return Guarded([&] {
    std::unique_lock lock(stream->session->client->connection.mutex());
    if (stream->finished || stream->session->current != stream) return int(LLMCORE_OK);
    const int status = CancelLocked(stream->session, lock);
    if (status != LLMCORE_OK) stream->last_error = stream->session->last_error;
    return status;
  });
}

LLMCORE_API const char* llmcore_stream_last_error(llmcore_stream* stream) {
  if (stream == nullptr) return "stream is NULL";
  if (stream->session == nullptr) return stream->last_error.c_str();
  std::lock_guard guard(stream->session->client->connection.mutex());
  return stream->last_error.c_str();
}

LLMCORE_API void llmcore_stream_free(llmcore_stream* stream) {
  if (stream == nullptr) return;
  llmcore_session* session = stream->session;
  if (session != nullptr) {
    std::unique_lock lock(session->client->connection.mutex());
    if (!stream->finished && session->current == stream) {
      // Cancel, and let the request end so that the session can take the next one.
      if (CancelLocked(session, lock) == LLMCORE_OK) {
        const int64_t deadline = MonotonicMs() + kCancelDrainMs;
        auto& connection = session->client->connection;
        while (!stream->finished && stream->epoch == connection.epoch() &&
               MonotonicMs() < deadline) {
          connection.Process();
          if (stream->finished) break;
          connection.WaitOnce(lock, int(deadline - MonotonicMs()));
        }
      }
      if (session->current == stream) session->current = nullptr;
    }
  }
  delete stream;
}

}  // extern "C"
