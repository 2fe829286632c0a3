// The bus connection of a client: connecting (and reconnecting after a
// failure), method calls that wait with the client's mutex released,
// dispatching, and following the daemon's bus name.
//
// Epochs: epoch() grows by one whenever the daemon's own connection leaves
// the bus (NameOwnerChanged of its unique name), another daemon takes
// org.llmcore.Core1 over, or our connection breaks. Whatever was started in
// an earlier epoch (a call, a stream, a session) belongs to a daemon that is
// gone: calls and streams end with LLMCORE_ERROR_INTERRUPTED, sessions are
// re-opened. A daemon that only released the well-known name is draining
// (systemctl stop): its running requests go on to their end.
//
// Threading: every member requires mutex() held, except the constructor
// and destructor. Call() and WaitOnce() release it while they wait.
// Callbacks registered on bus() run inside Process() with it held.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "llmcore/unique_fd.h"
#include "status.h"

namespace llmcore::lib {

// Owns one reference to a message.
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;

// CLOCK_MONOTONIC in milliseconds, for the deadlines of waits.
int64_t MonotonicMs();

// Something besides the bus that brings events for this client: a session's
// ring. Its wake fd is polled with the bus; Dispatch() runs inside
// Connection::Process() with the mutex held and must not block.
class WakeSource {
 public:
  virtual int wake_fd() const = 0;
  virtual void Dispatch() = 0;

 protected:
  ~WakeSource() = default;
};

class Connection {
 public:
  // `address` "" is the system bus.
  Connection(std::string address, uint64_t call_timeout_usec);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::mutex& mutex() { return mutex_; }

  // Connects when not connected: DAEMON_UNAVAILABLE when the bus cannot be
  // reached.
  Error Ensure();

  sd_bus* bus() const { return bus_; }
  uint64_t epoch() const { return epoch_; }

  // A method call to the daemon (Ensure()s first).
  Error NewCall(const char* path, const char* interface, const char* member, sd_bus_message** out);

  // Sends `call` and waits for its reply (*reply: a new reference). An error
  // reply becomes an Error; the daemon leaving meanwhile is INTERRUPTED.
  // `on_reply` runs on a successful reply while it is dispatched, before
  // any later message (e.g. the Submit reply's request id before the Token
  // signals that follow it).
  Error Call(std::unique_lock<std::mutex>& lock, sd_bus_message* call, sd_bus_message** reply,
             const std::function<void(sd_bus_message*)>& on_reply = {});

  // Dispatches everything already received, without blocking. A broken
  // connection is dropped (next epoch) and reported as INTERRUPTED.
  Error Process();

  // Waits until the connection has something to read, the bus's own
  // timeout, or `timeout_ms` (negative: no limit), whichever comes first,
  // and at most a short slice, so that messages another thread's call
  // queued are dispatched soon. The mutex is released while waiting.
  void WaitOnce(std::unique_lock<std::mutex>& lock, int timeout_ms);

  // Registers a source until RemoveWakeSource (before it is destroyed).
  void AddWakeSource(WakeSource* source);
  void RemoveWakeSource(WakeSource* source);

  // For an application's event loop: one epoll fd that is readable when the
  // bus or any ring has something (it stays the same across reconnections),
  // and POLLIN. -1 when it cannot be made.
  int fd();
  int events();

 private:
  void Drop();
  // Follows the daemon's unique name: a match for its NameOwnerChanged.
  void WatchDaemon(const std::string& unique_name, bool synchronous);
  static int OnDaemonGone(sd_bus_message* m, void* userdata, sd_bus_error* error);
  // Brings the epoll set up to date with the bus's fd and the events sd-bus
  // waits for.
  void SyncEpoll();
  static int OnOwnerChanged(sd_bus_message* m, void* userdata, sd_bus_error* error);

  std::mutex mutex_;
  std::string address_;
  uint64_t call_timeout_usec_;
  sd_bus* bus_ = nullptr;
  sd_bus_slot* owner_slot_ = nullptr;
  std::string daemon_;  // the unique name serving org.llmcore.Core1 ("": none known)
  sd_bus_slot* daemon_slot_ = nullptr;
  uint64_t epoch_ = 0;
  std::vector<WakeSource*> sources_;
  UniqueFd epoll_;
  int epoll_bus_fd_ = -1;
  uint32_t epoll_bus_events_ = 0;
};

}  // namespace llmcore::lib
