// Named D-Bus errors of org.llmcore.Core1 and how Status values map to them.
//
// Every failed call answers one of these names with a message naming the
// problem; clients match on the name, people read the message.
#pragma once

#include <systemd/sd-bus.h>

#include <string_view>

#include "llmcore/status.h"

namespace llmcore::service {

enum class BusError {
  kInvalidArgument,  // malformed or out-of-range argument
  kModelNotFound,    // no model of that name in the configured directories
  kModelNotLoaded,   //
  kNoSuchSession,    // unknown, closed or foreign session
  kBusy,             // a queue or limit is full: retry later
  kAccessDenied,     // polkit said no (or could not be asked)
  kLoadFailed,       // the model's file or driver refused it
  kUnsupported,      // well-formed but not possible with this model/driver
  kShuttingDown,     // the daemon is draining
  kDriverNotFound,   // no driver (or no device of the driver) of that name
  kSwapFailed,       // a driver swap or reload failed; the old instance serves on
  kFailed,           // anything else
};

// "org.llmcore.Error.InvalidArgument", ...
const char* BusErrorName(BusError error);

// The natural error for a Status code (kNotFound -> ModelNotFound,
// kResourceExhausted -> Busy, kPermissionDenied -> AccessDenied, ...).
BusError BusErrorFor(const Status& status);

// Replies to `call` with the error and the status's message; returns what
// sd-bus handlers return.
int ReplyError(sd_bus_message* call, BusError error, std::string_view message);
int ReplyStatus(sd_bus_message* call, const Status& status);

// For synchronous handlers that report through sd_bus_error.
int SetError(sd_bus_error* error, BusError name, std::string_view message);

}  // namespace llmcore::service
