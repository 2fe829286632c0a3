#include "driver_context.h"

#include <cstddef>

namespace llmcore::reference_driver {

Result<std::unique_ptr<DriverContext>> DriverContext::Create(const llmcore_driver_host* host) {
  std::unique_ptr<DriverContext> ctx(new DriverContext());
  if (host == nullptr) return ctx;
  if (host->struct_size < offsetof(llmcore_driver_host, host_data)) {
    return Status(StatusCode::kInvalidArgument,
                  "host struct_size " + std::to_string(host->struct_size) + " is too small");
  }
  if (host->abi_major != LLMCORE_DRIVER_ABI_MAJOR) {
    return Status(StatusCode::kUnsupported, "host ABI major " + std::to_string(host->abi_major) +
                                                " differs from the reference driver's " +
                                                std::to_string(LLMCORE_DRIVER_ABI_MAJOR));
  }
  // A field is used only when struct_size covers it (driver.h).
  if (host->struct_size >= offsetof(llmcore_driver_host, log) + sizeof(host->log)) {
    ctx->host_data_ = host->host_data;
    ctx->log_ = host->log;
  }
  return ctx;
}

void DriverContext::Log(llmcore_log_level level, const std::string& message) const {
  if (log_ != nullptr) log_(host_data_, level, message.c_str());
}

}  // namespace llmcore::reference_driver
