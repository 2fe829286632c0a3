#include "llmcore/driver_kit/abi_error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace llmcore::driver_kit {

int ErrnoOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument: return EINVAL;
    case StatusCode::kCorrupt: return EPROTO;
    case StatusCode::kUnsupported: return ENOTSUP;
    case StatusCode::kOutOfRange: return ERANGE;
    case StatusCode::kResourceExhausted: return ENOSPC;
    case StatusCode::kPermissionDenied: return EPERM;
    case StatusCode::kNotFound: return ENOENT;
    default: return EIO;
  }
}

int32_t SetError(llmcore_error* error, int32_t code, std::string_view message) {
  if (error != nullptr) {
    error->code = code;
    const size_t n = std::min(message.size(), sizeof(error->message) - 1);
    std::memcpy(error->message, message.data(), n);
    error->message[n] = '\0';
  }
  return code;
}

int32_t ReportStatus(const Status& status, llmcore_error* error) {
  if (status.ok()) return 0;
  return SetError(error, -ErrnoOf(status.code()), status.message());
}

}  // namespace llmcore::driver_kit
