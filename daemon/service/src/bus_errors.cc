#include "llmcore/service/bus_errors.h"

#include <string>

namespace llmcore::service {

const char* BusErrorName(BusError error) {
  switch (error) {
    case BusError::kInvalidArgument: return "org.llmcore.Error.InvalidArgument";
    case BusError::kModelNotFound: return "org.llmcore.Error.ModelNotFound";
    case BusError::kModelNotLoaded: return "org.llmcore.Error.ModelNotLoaded";
    case BusError::kNoSuchSession: return "org.llmcore.Error.NoSuchSession";
    case BusError::kBusy: return "org.llmcore.Error.Busy";
    case BusError::kAccessDenied: return "org.llmcore.Error.AccessDenied";
    case BusError::kLoadFailed: return "org.llmcore.Error.LoadFailed";
    case BusError::kUnsupported: return "org.llmcore.Error.Unsupported";
    case BusError::kShuttingDown: return "org.llmcore.Error.ShuttingDown";
    case BusError::kDriverNotFound: return "org.llmcore.Error.DriverNotFound";
    case BusError::kSwapFailed: return "org.llmcore.Error.SwapFailed";
    case BusError::kFailed: return "org.llmcore.Error.Failed";
  }
  return "org.llmcore.Error.Failed";
}

BusError BusErrorFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return BusError::kInvalidArgument;
    case StatusCode::kNotFound: return BusError::kModelNotFound;
    case StatusCode::kResourceExhausted: return BusError::kBusy;
    case StatusCode::kPermissionDenied: return BusError::kAccessDenied;
    case StatusCode::kUnsupported: return BusError::kUnsupported;
    case StatusCode::kCorrupt: return BusError::kLoadFailed;
    default: return BusError::kFailed;
  }
}

int ReplyError(sd_bus_message* call, BusError error, std::string_view message) {
  const std::string text(message);
  return sd_bus_reply_method_errorf(call, BusErrorName(error), "%s", text.c_str());
}

int ReplyStatus(sd_bus_message* call, const Status& status) {
  return ReplyError(call, BusErrorFor(status), status.message());
}

int SetError(sd_bus_error* error, BusError name, std::string_view message) {
  const std::string text(message);
  return sd_bus_error_setf(error, BusErrorName(name), "%s", text.c_str());
}

}  // namespace llmcore::service
