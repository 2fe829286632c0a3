// The streaming transport of a session: how requests reach the daemon and
// how their pieces come back. Two exist: the session's shared-memory ring
// (ipc/RING.md; what OpenSession picks) and plain D-Bus (the session's
// Submit/Cancel/Close methods and its unicast Token/Finished signals), used
// when the daemon offers no ring.
//
// Threading: every member is called with the client's mutex held (passed as
// `lock` where the call waits for the daemon and releases it meanwhile); the
// sink is called with it held too, from Connection::Process().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "connection.h"
#include "llmcore.h"
#include "stats.h"
#include "status.h"

namespace llmcore::lib {

// Receives the events of a session's requests.
class StreamSink {
 public:
  virtual void OnPiece(uint64_t request, std::string_view piece, uint32_t token) = 0;
  virtual void OnFinished(uint64_t request, const Stats& stats) = 0;

 protected:
  ~StreamSink() = default;
};

// What a request generates from: a prompt, or chat messages.
struct Prompt {
  const char* text = nullptr;
  const llmcore_message* messages = nullptr;
  size_t message_count = 0;
};

class SessionTransport {
 public:
  virtual ~SessionTransport() = default;

  // Starts a request; `on_id` receives its id before any of its events
  // reach the sink.
  virtual Error Submit(std::unique_lock<std::mutex>& lock, const Prompt& prompt,
                       const llmcore_generate_options& options,
                       const std::function<void(uint64_t)>& on_id) = 0;
  // Stops the running request between two tokens (Finished follows).
  virtual Error Cancel(std::unique_lock<std::mutex>& lock) = 0;
  // Ends the session in the daemon without waiting for an answer.
  virtual void Close() = 0;
};

// A session object in the daemon.
struct DaemonSession {
  std::string path;
  std::string daemon;  // the daemon's unique bus name
};

// CreateSession.
Error CreateDaemonSession(Connection& connection, std::unique_lock<std::mutex>& lock,
                          const std::string& model, uint32_t context_length, DaemonSession* out);
// Session.Close, sent without waiting for the answer.
void CloseDaemonSession(Connection& connection, const std::string& path);

// Streams through D-Bus signals, sent only by the daemon's unique name to
// this connection.
Error OpenDbusSession(Connection& connection, const DaemonSession& created, StreamSink* sink,
                      std::unique_ptr<SessionTransport>* out);

// Streams through the session's ring (Session.OpenRing). UNSUPPORTED when
// the daemon has no OpenRing; the session is left open then.
Error OpenRingSession(Connection& connection, std::unique_lock<std::mutex>& lock,
                      const DaemonSession& created, StreamSink* sink,
                      std::unique_ptr<SessionTransport>* out);

// Creates a session and its transport: a ring, or D-Bus signals when the
// daemon offers no ring.
Error OpenSession(Connection& connection, std::unique_lock<std::mutex>& lock,
                  const std::string& model, uint32_t context_length, StreamSink* sink,
                  std::unique_ptr<SessionTransport>* out);

}  // namespace llmcore::lib
