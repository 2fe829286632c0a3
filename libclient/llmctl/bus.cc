#include "bus.h"

#include <fmt/format.h>
#include <poll.h>
#include <time.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "errors.h"
#include "llmcore/ipc/bus_connect.h"

namespace llmcore::llmctl {
namespace {

// Owns an sd_bus_error for the length of one call.
class ScopedBusError {
 public:
  ScopedBusError() = default;
  ~ScopedBusError() { sd_bus_error_free(&error_); }
  ScopedBusError(const ScopedBusError&) = delete;
  ScopedBusError& operator=(const ScopedBusError&) = delete;

  sd_bus_error* get() { return &error_; }
  bool is_set() const { return sd_bus_error_is_set(&error_) != 0; }
  const char* name() const { return error_.name; }
  const char* message() const { return error_.message ? error_.message : ""; }

 private:
  sd_bus_error error_{};  // SD_BUS_ERROR_NULL (a C compound literal)
};

// errno values with which sd-bus reports that the connection itself is gone
// or was never there.
bool IsConnectionErrno(int err) {
  switch (err) {
    case ENOENT:
    case ECONNREFUSED:
    case ECONNRESET:
    case ENOTCONN:
    case EPIPE:
    case ESHUTDOWN:
    case EHOSTDOWN: return true;
    default: return false;
  }
}

Status ConnectionLost(int r) {
  return Status(StatusCode::kUnavailable,
                fmt::format("no connection to the bus: {}", std::strerror(-r)));
}

// The failure of a call: a named error (replied by the daemon or the bus, or
// one sd-bus names itself, such as Disconnected or Timeout), else a local
// errno, which sd-bus names "System.Error.E*".
Status CallFailure(int r, const ScopedBusError& error, const char* member) {
  if (error.is_set() && !std::string_view(error.name()).starts_with("System.Error.")) {
    return StatusFromBusError(error.name(), error.message());
  }
  if (IsConnectionErrno(-r)) return ConnectionLost(r);
  return SdBusFailure(r, member);
}

uint64_t NowUsec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// poll()'s timeout for sd-bus's absolute CLOCK_MONOTONIC deadline.
int PollTimeoutMs(uint64_t deadline_usec) {
  if (deadline_usec == UINT64_MAX) return -1;
  const uint64_t now = NowUsec();
  if (deadline_usec <= now) return 0;
  const uint64_t ms = (deadline_usec - now + 999) / 1000;
  return ms > static_cast<uint64_t>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
}

}  // namespace

std::string BusSpec::Describe() const {
  switch (kind) {
    case Kind::kSystem: return "the system bus";
    case Kind::kSession: return "the session bus";
    case Kind::kAddress: return "the bus at " + address;
  }
  return "the bus";
}

Result<BusSpec> ParseBusSpec(std::string_view text) {
  if (text == "system") return BusSpec{BusSpec::Kind::kSystem, ""};
  if (text == "session") return BusSpec{BusSpec::Kind::kSession, ""};
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("--bus: '{}' is neither 'system', 'session' nor a D-Bus address "
                              "such as unix:path=/run/dbus/system_bus_socket",
                              text));
  }
  return BusSpec{BusSpec::Kind::kAddress, std::string(text)};
}

Result<std::string> ClientBusAddress(const BusSpec& spec) {
  switch (spec.kind) {
    case BusSpec::Kind::kSystem: return std::string();
    case BusSpec::Kind::kAddress: return spec.address;
    case BusSpec::Kind::kSession: break;
  }
  // sd-bus's own rule for the user bus (bus_set_address_user).
  // Never "": to libllmcore that would mean the system bus.
  if (const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS"); address && *address) {
    return std::string(address);
  }
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) {
    return "unix:path=" + EscapeBusAddressValue(runtime) + "/bus";
  }
  return Status(StatusCode::kUnavailable,
                "cannot connect to the session bus: neither DBUS_SESSION_BUS_ADDRESS nor "
                "XDG_RUNTIME_DIR is set");
}

std::string EscapeBusAddressValue(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool plain = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       std::string_view("-_/.\\*").find(c) != std::string_view::npos;
    if (plain) {
      out += c;
    } else {
      out += fmt::format("%{:02x}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

Status SdBusFailure(int r, std::string_view what) {
  return Status(StatusCode::kIoError, fmt::format("{}: {}", what, std::strerror(-r)));
}

Status ConnectionFailure(int r, std::string_view what) {
  if (IsConnectionErrno(-r)) return ConnectionLost(r);
  return SdBusFailure(r, what);
}

Result<SlotPtr> MatchSignal(sd_bus* bus, const char* sender, const char* path,
                            const char* interface, const char* member,
                            sd_bus_message_handler_t handler, void* userdata) {
  sd_bus_slot* raw = nullptr;
  const int r = sd_bus_match_signal(bus, &raw, sender, path, interface, member, handler, userdata);
  SlotPtr slot(raw);
  if (r < 0) return ConnectionFailure(r, fmt::format("subscribing to {}", member));
  return slot;
}

Status ReplyStatus(sd_bus_message* reply) {
  const sd_bus_error* error = sd_bus_message_get_error(reply);
  if (error == nullptr || !sd_bus_error_is_set(error)) return Status::Ok();
  if (std::string_view(error->name).starts_with("System.Error.")) {
    const char* member = sd_bus_message_get_member(reply);
    return ConnectionFailure(-sd_bus_error_get_errno(error), member ? member : "call");
  }
  return StatusFromBusError(error->name, error->message ? error->message : "");
}

Result<BusPtr> Connect(const BusSpec& spec) {
  sd_bus* raw = nullptr;
  int r = 0;
  switch (spec.kind) {
    case BusSpec::Kind::kSystem: r = sd_bus_open_system(&raw); break;
    case BusSpec::Kind::kSession: r = sd_bus_open_user(&raw); break;
    case BusSpec::Kind::kAddress: r = ipc::OpenBusAtAddress(spec.address.c_str(), &raw); break;
  }
  BusPtr bus(raw);
  if (r < 0) {
    return Status(StatusCode::kUnavailable,
                  fmt::format("cannot connect to {}: {}", spec.Describe(), std::strerror(-r)));
  }
  r = sd_bus_set_allow_interactive_authorization(bus.get(), 1);
  if (r < 0) return SdBusFailure(r, "allowing interactive authorization");
  return bus;
}

Result<MessagePtr> NewCall(sd_bus* bus, const char* path, const char* interface,
                           const char* member) {
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_message_new_method_call(bus, &raw, ipc::kBusName, path, interface, member);
  MessagePtr call(raw);
  if (r < 0) return SdBusFailure(r, fmt::format("creating a {} call", member));
  return call;
}

Result<MessagePtr> Call(sd_bus* bus, sd_bus_message* call, uint64_t timeout_usec) {
  ScopedBusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_call(bus, call, timeout_usec, error.get(), &raw);
  MessagePtr reply(raw);
  if (r < 0) {
    const char* member = sd_bus_message_get_member(call);
    return CallFailure(r, error, member ? member : "call");
  }
  return reply;
}

Result<MessagePtr> GetManagerProperty(sd_bus* bus, const char* name, const char* signature) {
  ScopedBusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_get_property(bus, ipc::kBusName, ipc::kObjectPath, ipc::kManagerInterface,
                                    name, error.get(), &raw, signature);
  MessagePtr reply(raw);
  if (r < 0) return CallFailure(r, error, name);
  return reply;
}

Status DispatchUntil(sd_bus* bus, const std::function<bool()>& done) {
  while (!done()) {
    int r = sd_bus_process(bus, nullptr);
    if (r < 0) return ConnectionLost(r);
    if (r > 0) continue;  // more may be queued: process until idle, then wait

    const int events = sd_bus_get_events(bus);
    if (events < 0) return ConnectionLost(events);
    uint64_t deadline = UINT64_MAX;
    r = sd_bus_get_timeout(bus, &deadline);
    if (r < 0) return ConnectionLost(r);

    pollfd fd = {sd_bus_get_fd(bus), static_cast<short>(events), 0};
    if (::poll(&fd, 1, PollTimeoutMs(deadline)) < 0) {
      if (errno == EINTR) continue;
      return SdBusFailure(-errno, "waiting for the bus");
    }
  }
  return Status::Ok();
}

}  // namespace llmcore::llmctl
