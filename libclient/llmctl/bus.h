// The bus connection and calls to the daemon, with RAII owners for sd-bus
// objects.
//
// Ownership: BusPtr, MessagePtr and SlotPtr each hold one reference and drop
// it on destruction (a bus is flushed and closed). A slot must be destroyed
// before its bus; declare it after the bus.
//
// Errors: every failure is a Status. Connection failures and "nobody owns
// org.llmcore.Core1" are kUnavailable (exit 4); D-Bus error replies go
// through StatusFromBusError (errors.h).
//
// Threading: llmctl is single-threaded; none of this is meant to be shared.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "llmcore/ipc/dbus_names.h"
#include "llmcore/status.h"

namespace llmcore::llmctl {

struct BusUnref {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageUnref {
  void operator()(sd_bus_message* message) const { sd_bus_message_unref(message); }
};
struct SlotUnref {
  void operator()(sd_bus_slot* slot) const { sd_bus_slot_unref(slot); }
};
using BusPtr = std::unique_ptr<sd_bus, BusUnref>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;

// Which bus to use: --bus=system, --bus=session or --bus=ADDRESS (a D-Bus
// address such as "unix:path=/run/x/bus").
struct BusSpec {
  enum class Kind { kSystem, kSession, kAddress };
  Kind kind = Kind::kSystem;
  std::string address;  // for kAddress

  // "the system bus", "the session bus", "the bus at unix:path=...".
  std::string Describe() const;
};

// kInvalidArgument for text that is neither "system", "session" nor an
// address ("transport:key=value,...").
Result<BusSpec> ParseBusSpec(std::string_view text);

// The bus as libllmcore's llmcore_connect_params.address names it: "" for
// the system bus (the library then opens it the way sd_bus_open_system does,
// DBUS_SYSTEM_BUS_ADDRESS included), the address itself, or for the session
// bus what sd_bus_open_user would connect to: $DBUS_SESSION_BUS_ADDRESS, else
// unix:path=$XDG_RUNTIME_DIR/bus. kUnavailable (exit 4) when neither is set.
Result<std::string> ClientBusAddress(const BusSpec& spec);

// `text` escaped as the value of a D-Bus address ("/run/user/1 x" ->
// "/run/user/1%20x"): bytes other than [-0-9A-Za-z_/.\*] become %XX.
std::string EscapeBusAddressValue(std::string_view text);

// Connects as a bus client. Interactive authorization is allowed, so that a
// polkit agent may ask the person at the terminal.
Result<BusPtr> Connect(const BusSpec& spec);

// Timeouts of method calls. Loading and unloading may wait for polkit to ask a
// person for a password, and a load for gigabytes to be read.
inline constexpr uint64_t kCallTimeoutUsec = 60ull * 1000 * 1000;
inline constexpr uint64_t kLongCallTimeoutUsec = 10ull * 60 * 1000 * 1000;

// A Status for a negative errno value returned by sd-bus while doing `what`
// (never kUnavailable: that code means "daemon not reachable").
Status SdBusFailure(int r, std::string_view what);

// A Status for a negative errno value from sd-bus while doing `what` on the
// connection (adding a match, sending): kUnavailable when the connection is
// gone or was never made, else as SdBusFailure.
Status ConnectionFailure(int r, std::string_view what);

// Subscribes to a signal (sd_bus_match_signal: the match is in place on the
// bus when this returns). A null sender or path matches any.
Result<SlotPtr> MatchSignal(sd_bus* bus, const char* sender, const char* path,
                            const char* interface, const char* member,
                            sd_bus_message_handler_t handler, void* userdata);

// The error of an (asynchronous) reply as a Status; ok for a method return.
Status ReplyStatus(sd_bus_message* reply);

// A method call to the daemon (destination org.llmcore.Core1).
Result<MessagePtr> NewCall(sd_bus* bus, const char* path, const char* interface,
                           const char* member);
inline Result<MessagePtr> NewManagerCall(sd_bus* bus, const char* member) {
  return NewCall(bus, ipc::kObjectPath, ipc::kManagerInterface, member);
}

// Sends `call` and waits for its reply; an error reply becomes a Status.
Result<MessagePtr> Call(sd_bus* bus, sd_bus_message* call,
                        uint64_t timeout_usec = kCallTimeoutUsec);

// A property of the manager object, read through org.freedesktop.DBus.Properties.Get.
// The reply is positioned inside the variant, on the value of type `signature`.
Result<MessagePtr> GetManagerProperty(sd_bus* bus, const char* name, const char* signature);

// Runs sd-bus callbacks (matches, asynchronous replies) until done() is true.
// Fails when the connection breaks.
Status DispatchUntil(sd_bus* bus, const std::function<bool()>& done);

}  // namespace llmcore::llmctl
