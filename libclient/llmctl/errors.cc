#include "errors.h"

#include <array>
#include <cstdio>
#include <utility>

#include "llmcore.h"
#include "llmcore/ipc/dbus_names.h"

namespace llmcore::llmctl {
namespace {

constexpr std::string_view kDbusErrorPrefix = "org.freedesktop.DBus.Error.";

// Names under which the bus says that nobody serves org.llmcore.Core1 (or
// that there is no bus to ask).
constexpr std::array<std::string_view, 4> kUnreachableNames = {"ServiceUnknown", "NameHasNoOwner",
                                                               "NoServer", "Disconnected"};

constexpr std::array<std::pair<std::string_view, StatusCode>, 12> kLlmcoreCodes = {{
    {"InvalidArgument", StatusCode::kInvalidArgument},
    {"ModelNotFound", StatusCode::kNotFound},
    {"ModelNotLoaded", StatusCode::kNotFound},
    {"NoSuchSession", StatusCode::kNotFound},
    {"Busy", StatusCode::kResourceExhausted},
    {"AccessDenied", StatusCode::kPermissionDenied},
    {"LoadFailed", StatusCode::kCorrupt},
    {"Unsupported", StatusCode::kUnsupported},
    {"ShuttingDown", StatusCode::kCancelled},
    {"DriverNotFound", StatusCode::kNotFound},
    {"SwapFailed", StatusCode::kInternal},
    {"Failed", StatusCode::kInternal},
}};

StatusCode CodeForName(std::string_view name) {
  if (name.starts_with(ipc::kErrorPrefix)) {
    const std::string_view shortname = name.substr(std::string_view(ipc::kErrorPrefix).size());
    for (const auto& [known, code] : kLlmcoreCodes) {
      if (shortname == known) return code;
    }
    return StatusCode::kInternal;  // a newer daemon's error: still the daemon's
  }
  if (name.starts_with(kDbusErrorPrefix)) {
    const std::string_view shortname = name.substr(kDbusErrorPrefix.size());
    for (std::string_view unreachable : kUnreachableNames) {
      if (shortname == unreachable) return StatusCode::kUnavailable;
    }
    // D-Bus activation was tried and the service did not start.
    if (shortname.starts_with("Spawn.")) return StatusCode::kUnavailable;
    if (shortname == "AccessDenied" || shortname == "InteractiveAuthorizationRequired") {
      return StatusCode::kPermissionDenied;
    }
  }
  return StatusCode::kIoError;
}

}  // namespace

std::string_view ShortErrorName(std::string_view name) {
  for (std::string_view prefix : {std::string_view(ipc::kErrorPrefix), kDbusErrorPrefix}) {
    if (name.starts_with(prefix) && name.size() > prefix.size()) {
      return name.substr(prefix.size());
    }
  }
  return name;
}

Status StatusFromBusError(std::string_view name, std::string_view message) {
  std::string text(ShortErrorName(name));
  if (!message.empty()) {
    text += ": ";
    text += message;
  }
  return Status(CodeForName(name), std::move(text));
}

Status StatusFromLibrary(int code, std::string_view message) {
  StatusCode status_code = StatusCode::kInternal;
  switch (code) {
    case LLMCORE_ERROR_INVALID_ARGUMENT: status_code = StatusCode::kInvalidArgument; break;
    case LLMCORE_ERROR_MODEL_NOT_FOUND:
    case LLMCORE_ERROR_MODEL_NOT_LOADED:
    case LLMCORE_ERROR_NO_SUCH_SESSION: status_code = StatusCode::kNotFound; break;
    case LLMCORE_ERROR_BUSY:
    case LLMCORE_ERROR_NO_MEMORY: status_code = StatusCode::kResourceExhausted; break;
    case LLMCORE_ERROR_ACCESS_DENIED: status_code = StatusCode::kPermissionDenied; break;
    case LLMCORE_ERROR_LOAD_FAILED:
    case LLMCORE_ERROR_PROTOCOL: status_code = StatusCode::kCorrupt; break;
    case LLMCORE_ERROR_UNSUPPORTED: status_code = StatusCode::kUnsupported; break;
    case LLMCORE_ERROR_SHUTTING_DOWN: status_code = StatusCode::kCancelled; break;
    case LLMCORE_ERROR_INTERRUPTED:
      return Status(StatusCode::kUnavailable, "Disconnected: the daemon left the bus");
    case LLMCORE_ERROR_DAEMON_UNAVAILABLE: status_code = StatusCode::kUnavailable; break;
    case LLMCORE_ERROR_TIMEOUT: status_code = StatusCode::kIoError; break;
    default: break;  // FAILED, and codes of a newer library
  }
  return Status(status_code,
                message.empty() ? std::string(llmcore_error_message(code)) : std::string(message));
}

int ExitStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kPermissionDenied: return kExitAccessDenied;
    case StatusCode::kUnavailable: return kExitUnreachable;
    default: return kExitFailed;
  }
}

std::string FormatFailure(const Status& status) {
  return "llmctl: " + status.message();
}

int PrintFailure(const Status& status) {
  const std::string line = FormatFailure(status) + "\n";
  std::fputs(line.c_str(), stderr);
  return ExitStatusFor(status);
}

}  // namespace llmcore::llmctl
