#include "connection.h"

#include <poll.h>
#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "llmcore.h"
#include "llmcore/ipc/bus_connect.h"
#include "llmcore/ipc/dbus_names.h"

namespace llmcore::lib {
namespace {

// The longest a waiter sleeps before looking at the connection again.
constexpr int kWaitSliceMs = 50;

constexpr char kOwnerMatch[] =
    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
    "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.llmcore.Core1'";

uint64_t NowUsec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
}

// The state of one asynchronous call, filled in by its reply handler.
struct PendingCall {
  bool done = false;
  sd_bus_message* reply = nullptr;
  const std::function<void(sd_bus_message*)>* on_reply = nullptr;

  static int OnReply(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<PendingCall*>(userdata);
    self->done = true;
    self->reply = sd_bus_message_ref(m);
    if (!sd_bus_message_is_method_error(m, nullptr) && self->on_reply && *self->on_reply) {
      (*self->on_reply)(m);
      sd_bus_message_rewind(m, 1);
    }
    return 0;
  }
};

}  // namespace

int64_t MonotonicMs() {
  return int64_t(NowUsec() / 1000u);
}

Connection::Connection(std::string address, uint64_t call_timeout_usec)
    : address_(std::move(address)), call_timeout_usec_(call_timeout_usec) {}

Connection::~Connection() {
  owner_slot_ = sd_bus_slot_unref(owner_slot_);
  daemon_slot_ = sd_bus_slot_unref(daemon_slot_);
  if (bus_ != nullptr) bus_ = sd_bus_flush_close_unref(bus_);
}

void Connection::Drop() {
  owner_slot_ = sd_bus_slot_unref(owner_slot_);
  daemon_slot_ = sd_bus_slot_unref(daemon_slot_);
  daemon_.clear();
  if (bus_ != nullptr) bus_ = sd_bus_flush_close_unref(bus_);
  ++epoch_;
}

void Connection::WatchDaemon(const std::string& unique_name, bool synchronous) {
  daemon_slot_ = sd_bus_slot_unref(daemon_slot_);
  daemon_ = unique_name;
  const std::string match =
      "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
      "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" +
      unique_name + "'";
  if (!synchronous) {
    sd_bus_add_match_async(bus_, &daemon_slot_, match.c_str(), OnDaemonGone, nullptr, this);
    return;
  }
  if (sd_bus_add_match(bus_, &daemon_slot_, match.c_str(), OnDaemonGone, this) < 0) return;
  // It may have left between GetNameOwner and the match.
  int has_owner = 1;
  sd_bus_message* reply = nullptr;
  if (sd_bus_call_method(bus_, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                         "org.freedesktop.DBus", "NameHasOwner", nullptr, &reply, "s",
                         unique_name.c_str()) >= 0) {
    sd_bus_message_read(reply, "b", &has_owner);
  }
  sd_bus_message_unref(reply);
  if (!has_owner) daemon_.clear();
}

int Connection::OnDaemonGone(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<Connection*>(userdata);
  const char* name = nullptr;
  const char* old_owner = nullptr;
  const char* new_owner = nullptr;
  if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
  if (name != nullptr && self->daemon_ == name && (new_owner == nullptr || new_owner[0] == '\0')) {
    self->daemon_.clear();
    ++self->epoch_;
  }
  return 0;
}

Error Connection::Ensure() {
  if (bus_ != nullptr) {
    if (sd_bus_is_open(bus_) > 0) return Error::Ok();
    Drop();
  }
  sd_bus* bus = nullptr;
  int r = 0;
  if (address_.empty()) {
    r = sd_bus_open_system(&bus);
  } else {
    r = ipc::OpenBusAtAddress(address_.c_str(), &bus);
  }
  if (r >= 0) r = sd_bus_add_match(bus, &owner_slot_, kOwnerMatch, OnOwnerChanged, this);
  if (r < 0) {
    owner_slot_ = sd_bus_slot_unref(owner_slot_);
    sd_bus_flush_close_unref(bus);
    const std::string where = address_.empty() ? "the system bus" : "the bus at " + address_;
    return Error{LLMCORE_ERROR_DAEMON_UNAVAILABLE,
                 "cannot connect to " + where + ": " + std::strerror(-r)};
  }
  bus_ = bus;
  // Who serves the name now (nobody: the daemon is not running yet). The
  // owner match above already catches a change from here on.
  sd_bus_message* reply = nullptr;
  const char* owner = nullptr;
  if (sd_bus_call_method(bus_, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                         "org.freedesktop.DBus", "GetNameOwner", nullptr, &reply, "s",
                         ipc::kBusName) >= 0 &&
      sd_bus_message_read(reply, "s", &owner) >= 0 && owner != nullptr) {
    WatchDaemon(owner, true);
  }
  sd_bus_message_unref(reply);
  return Error::Ok();
}

int Connection::OnOwnerChanged(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<Connection*>(userdata);
  const char* name = nullptr;
  const char* old_owner = nullptr;
  const char* new_owner = nullptr;
  if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
  // A released name alone is a draining daemon: OnDaemonGone ends its epoch.
  if (new_owner == nullptr || new_owner[0] == '\0' || self->daemon_ == new_owner) return 0;
  // Another daemon serves the name: whatever the old one had is not its.
  if (!self->daemon_.empty() || (old_owner != nullptr && old_owner[0] != '\0')) ++self->epoch_;
  self->WatchDaemon(new_owner, false);
  return 0;
}

Error Connection::NewCall(const char* path, const char* interface, const char* member,
                          sd_bus_message** out) {
  Error error = Ensure();
  if (!error.ok()) return error;
  const int r = sd_bus_message_new_method_call(bus_, out, ipc::kBusName, path, interface, member);
  if (r < 0) {
    return Error{r == -ENOMEM ? LLMCORE_ERROR_NO_MEMORY : LLMCORE_ERROR_FAILED,
                 std::string("creating a ") + member + " call: " + std::strerror(-r)};
  }
  return Error::Ok();
}

Error Connection::Call(std::unique_lock<std::mutex>& lock, sd_bus_message* call,
                       sd_bus_message** reply,
                       const std::function<void(sd_bus_message*)>& on_reply) {
  *reply = nullptr;
  Error error = Ensure();
  if (!error.ok()) return error;
  const uint64_t start_epoch = epoch_;
  PendingCall pending;
  pending.on_reply = &on_reply;
  sd_bus_slot* slot = nullptr;
  int r = sd_bus_call_async(bus_, &slot, call, PendingCall::OnReply, &pending, call_timeout_usec_);
  if (r < 0) {
    // sd-bus checks strings (UTF-8, object paths) only when a message is sealed.
    if (r == -EINVAL) {
      return Error{LLMCORE_ERROR_INVALID_ARGUMENT,
                   "InvalidArgument: the request is not valid D-Bus data (a string that is not "
                   "UTF-8?)"};
    }
    Drop();
    return Error{LLMCORE_ERROR_INTERRUPTED, kInterruptedMessage};
  }
  while (!pending.done && epoch_ == start_epoch) {
    Process();
    if (pending.done || epoch_ != start_epoch) break;
    WaitOnce(lock, -1);
  }
  sd_bus_slot_unref(slot);
  if (!pending.done) return Error{LLMCORE_ERROR_INTERRUPTED, kInterruptedMessage};
  const sd_bus_error* bus_error = sd_bus_message_get_error(pending.reply);
  if (bus_error != nullptr && sd_bus_error_is_set(bus_error)) {
    error = ErrorFromBus(bus_error->name, bus_error->message ? bus_error->message : "");
    sd_bus_message_unref(pending.reply);
    return error;
  }
  *reply = pending.reply;
  return Error::Ok();
}

Error Connection::Process() {
  // Rings first: their events need no bus. A copy, since a dispatch may end
  // a ring's session.
  const std::vector<WakeSource*> sources = sources_;
  for (WakeSource* source : sources) {
    if (std::find(sources_.begin(), sources_.end(), source) != sources_.end()) source->Dispatch();
  }
  if (bus_ == nullptr) return Error::Ok();
  for (;;) {
    const int r = sd_bus_process(bus_, nullptr);
    if (r < 0 || sd_bus_is_open(bus_) <= 0) {
      Drop();
      SyncEpoll();
      return Error{LLMCORE_ERROR_INTERRUPTED, kInterruptedMessage};
    }
    if (r == 0) break;
  }
  SyncEpoll();
  return Error::Ok();
}

void Connection::AddWakeSource(WakeSource* source) {
  sources_.push_back(source);
  if (epoll_) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = source;
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, source->wake_fd(), &event);
  }
}

void Connection::RemoveWakeSource(WakeSource* source) {
  sources_.erase(std::remove(sources_.begin(), sources_.end(), source), sources_.end());
  if (epoll_) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, source->wake_fd(), nullptr);
}

void Connection::SyncEpoll() {
  if (!epoll_) return;
  const int bus_fd = bus_ != nullptr ? sd_bus_get_fd(bus_) : -1;
  uint32_t wanted = 0;
  if (bus_fd >= 0) {
    const int events = sd_bus_get_events(bus_);
    if (events & POLLIN) wanted |= EPOLLIN;
    if (events & POLLOUT) wanted |= EPOLLOUT;
  }
  if (bus_fd != epoll_bus_fd_) {
    // A closed fd leaves an epoll set by itself; a reused number must not
    // stay registered with old events.
    if (epoll_bus_fd_ >= 0) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, epoll_bus_fd_, nullptr);
    epoll_bus_fd_ = -1;
    epoll_bus_events_ = 0;
    if (bus_fd >= 0) {
      epoll_event event{};
      event.events = wanted;
      if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, bus_fd, &event) == 0) {
        epoll_bus_fd_ = bus_fd;
        epoll_bus_events_ = wanted;
      }
    }
    return;
  }
  if (bus_fd >= 0 && wanted != epoll_bus_events_) {
    epoll_event event{};
    event.events = wanted;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, bus_fd, &event) == 0) epoll_bus_events_ = wanted;
  }
}

void Connection::WaitOnce(std::unique_lock<std::mutex>& lock, int timeout_ms) {
  if (bus_ == nullptr) return;
  int wait_ms = kWaitSliceMs;
  if (timeout_ms >= 0 && timeout_ms < wait_ms) wait_ms = timeout_ms;
  uint64_t until = 0;
  if (sd_bus_get_timeout(bus_, &until) >= 0 && until != UINT64_MAX) {
    const uint64_t now = NowUsec();
    const uint64_t ms = until <= now ? 0 : (until - now + 999) / 1000;
    if (ms < uint64_t(wait_ms)) wait_ms = int(ms);
  }
  std::vector<pollfd> fds(1 + sources_.size());
  fds[0].fd = sd_bus_get_fd(bus_);
  fds[0].events = short(sd_bus_get_events(bus_));
  if (fds[0].fd < 0) return;
  for (size_t i = 0; i < sources_.size(); ++i) {
    fds[i + 1].fd = sources_[i]->wake_fd();
    fds[i + 1].events = POLLIN;
  }
  // The bus's fd stays valid while we poll (the bus is referenced); a ring's
  // eventfd that another thread closes meanwhile only ends the poll early.
  sd_bus* held = sd_bus_ref(bus_);
  lock.unlock();
  poll(fds.data(), fds.size(), wait_ms);
  lock.lock();
  sd_bus_unref(held);
}

int Connection::fd() {
  if (!epoll_) {
    UniqueFd created(epoll_create1(EPOLL_CLOEXEC));
    if (!created) return -1;
    epoll_ = std::move(created);
    for (WakeSource* source : sources_) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = source;
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, source->wake_fd(), &event);
    }
  }
  SyncEpoll();
  return epoll_.get();
}

int Connection::events() {
  SyncEpoll();
  return POLLIN;
}

}  // namespace llmcore::lib
