// The objects behind llmcore.h's opaque handles.
//
// A client owns the connection and its mutex; sessions and streams point to
// their client (and session) and are guarded by the client's mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "connection.h"
#include "llmcore.h"
#include "stats.h"
#include "status.h"
#include "transport.h"

struct llmcore_client {
  llmcore_client(std::string address, uint64_t call_timeout_usec)
      : connection(std::move(address), call_timeout_usec) {}

  llmcore::lib::Connection connection;
  std::string last_error;
};

struct llmcore_stream {
  llmcore_session* session = nullptr;
  uint64_t epoch = 0;     // the connection's epoch at submission
  bool id_known = false;  // the Submit reply arrived
  uint64_t request = 0;
  std::deque<std::pair<std::string, uint32_t>> pieces;  // received, not yet returned
  std::string current;                                  // the piece last returned by next()
  uint32_t current_token = 0;
  bool finished = false;
  llmcore::lib::Error outcome;  // how it ended (OK, or the error to report)
  bool has_stats = false;
  llmcore::lib::Stats stats;
  std::string last_error;
};

struct llmcore_session final : llmcore::lib::StreamSink {
  void OnPiece(uint64_t request, std::string_view piece, uint32_t token) override;
  void OnFinished(uint64_t request, const llmcore::lib::Stats& stats) override;

  llmcore_client* client = nullptr;
  std::string model;
  uint32_t context_length = 0;
  std::unique_ptr<llmcore::lib::SessionTransport> transport;
  uint64_t epoch = 0;                 // the connection's epoch when it was opened
  llmcore_stream* current = nullptr;  // the running request's stream
  std::string last_error;
};

namespace llmcore::lib {

// Records `error` as the handle's last error and returns its code.
inline int Fail(std::string* last_error, const Error& error) {
  *last_error = error.message;
  return error.code;
}

// Copies `text` into a string the caller frees with llmcore_string_free
// (nullptr when out of memory).
char* DupString(const std::string& text);

// Runs `body` turning C++ exceptions (allocation failures) into a status.
template <typename F>
int Guarded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return LLMCORE_ERROR_NO_MEMORY;
  } catch (...) {
    return LLMCORE_ERROR_FAILED;
  }
}

}  // namespace llmcore::lib
