#include "status.h"

#include <array>
#include <utility>

#include "llmcore.h"
#include "llmcore/ipc/dbus_names.h"

namespace llmcore::lib {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 10> kDaemonErrors{{
    {"InvalidArgument", LLMCORE_ERROR_INVALID_ARGUMENT},
    {"ModelNotFound", LLMCORE_ERROR_MODEL_NOT_FOUND},
    {"ModelNotLoaded", LLMCORE_ERROR_MODEL_NOT_LOADED},
    {"NoSuchSession", LLMCORE_ERROR_NO_SUCH_SESSION},
    {"Busy", LLMCORE_ERROR_BUSY},
    {"AccessDenied", LLMCORE_ERROR_ACCESS_DENIED},
    {"LoadFailed", LLMCORE_ERROR_LOAD_FAILED},
    {"Unsupported", LLMCORE_ERROR_UNSUPPORTED},
    {"ShuttingDown", LLMCORE_ERROR_SHUTTING_DOWN},
    {"Failed", LLMCORE_ERROR_FAILED},
}};

constexpr std::string_view kBusErrorPrefix = "org.freedesktop.DBus.Error.";

int CodeFromBusErrorName(std::string_view name, std::string_view message) {
  if (name == "ServiceUnknown" || name == "NameHasNoOwner" || name.starts_with("Spawn.")) {
    return LLMCORE_ERROR_DAEMON_UNAVAILABLE;
  }
  if (name == "NoReply") {
    return message.find("disconnected") != std::string_view::npos ? LLMCORE_ERROR_INTERRUPTED
                                                                  : LLMCORE_ERROR_TIMEOUT;
  }
  if (name == "Disconnected") return LLMCORE_ERROR_INTERRUPTED;
  if (name == "Timeout" || name == "TimedOut") return LLMCORE_ERROR_TIMEOUT;
  if (name == "AccessDenied" || name == "InteractiveAuthorizationRequired") {
    return LLMCORE_ERROR_ACCESS_DENIED;
  }
  if (name == "InvalidArgs") return LLMCORE_ERROR_INVALID_ARGUMENT;
  if (name == "NoMemory") return LLMCORE_ERROR_NO_MEMORY;
  if (name == "UnknownObject") return LLMCORE_ERROR_NO_SUCH_SESSION;
  if (name == "UnknownMethod" || name == "UnknownInterface" || name == "InvalidSignature") {
    return LLMCORE_ERROR_PROTOCOL;
  }
  return LLMCORE_ERROR_FAILED;
}

}  // namespace

int CodeFromBusError(std::string_view name, std::string_view message) {
  if (name.starts_with(ipc::kErrorPrefix)) {
    name.remove_prefix(std::string_view(ipc::kErrorPrefix).size());
    for (const auto& [short_name, code] : kDaemonErrors) {
      if (short_name == name) return code;
    }
    return LLMCORE_ERROR_FAILED;
  }
  if (name.starts_with(kBusErrorPrefix)) {
    name.remove_prefix(kBusErrorPrefix.size());
    return CodeFromBusErrorName(name, message);
  }
  return LLMCORE_ERROR_FAILED;
}

Error ErrorFromBus(std::string_view name, std::string_view message) {
  const int code = CodeFromBusError(name, message);
  if (code == LLMCORE_ERROR_INTERRUPTED) return Error{code, kInterruptedMessage};
  std::string_view short_name = name;
  const size_t dot = short_name.rfind('.');
  if (dot != std::string_view::npos) short_name.remove_prefix(dot + 1);
  std::string text(short_name);
  if (!message.empty()) {
    text += ": ";
    text += message;
  }
  return Error{code, std::move(text)};
}

const char* CodeName(int code) {
  switch (code) {
    case LLMCORE_OK: return "success";
    case LLMCORE_STREAM_FINISHED: return "the stream finished";
    case LLMCORE_STREAM_AGAIN: return "nothing arrived within the timeout";
    case LLMCORE_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case LLMCORE_ERROR_MODEL_NOT_FOUND: return "model not found";
    case LLMCORE_ERROR_MODEL_NOT_LOADED: return "model not loaded";
    case LLMCORE_ERROR_NO_SUCH_SESSION: return "no such session";
    case LLMCORE_ERROR_BUSY: return "busy";
    case LLMCORE_ERROR_ACCESS_DENIED: return "access denied";
    case LLMCORE_ERROR_LOAD_FAILED: return "loading the model failed";
    case LLMCORE_ERROR_UNSUPPORTED: return "unsupported";
    case LLMCORE_ERROR_SHUTTING_DOWN: return "the service is shutting down";
    case LLMCORE_ERROR_FAILED: return "the request failed";
    case LLMCORE_ERROR_INTERRUPTED: return "interrupted: the service restarted";
    case LLMCORE_ERROR_DAEMON_UNAVAILABLE: return "the LLM service is not available";
    case LLMCORE_ERROR_TIMEOUT: return "timed out";
    case LLMCORE_ERROR_NO_MEMORY: return "out of memory";
    case LLMCORE_ERROR_PROTOCOL: return "unexpected answer from the service";
    default: return "unknown status";
  }
}

}  // namespace llmcore::lib
