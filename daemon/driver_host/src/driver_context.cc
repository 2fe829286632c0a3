#include "llmcore/driver_host/driver_context.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "llmcore/driver_host/driver_instance.h"

namespace llmcore::driver_host {
namespace {

void HostLog(void* host_data, int32_t level, const char* message) {
  const auto* log = static_cast<const DriverContext::LogFn*>(host_data);
  if (log == nullptr || !*log || message == nullptr) return;
  // The log sink is the host's code: nothing may escape into the driver.
  try {
    (*log)(static_cast<llmcore_log_level>(level),
           std::string_view(message, strnlen(message, 4096)));
  } catch (...) {
  }
}

}  // namespace

Result<std::shared_ptr<DriverContext>> DriverContext::Create(
    std::shared_ptr<const DriverLibrary> library, LogFn log) {
  std::shared_ptr<DriverContext> ctx(new DriverContext());
  ctx->library_ = std::move(library);
  ctx->host_ = std::make_unique<HostState>();
  ctx->host_->log = std::move(log);
  llmcore_driver_host& host = ctx->host_->host;
  host.struct_size = sizeof(llmcore_driver_host);
  host.abi_major = LLMCORE_DRIVER_ABI_MAJOR;
  host.abi_minor = LLMCORE_DRIVER_ABI_MINOR;
  host.host_data = &ctx->host_->log;
  host.log = HostLog;
  llmcore_error error{};
  llmcore_driver_ctx* handle = nullptr;
  const int32_t rc = ctx->library_->table().init(&host, &handle, &error);
  if (rc < 0) return DriverStatus(ctx->name(), "init", rc, error);
  if (handle == nullptr) {
    return Status(StatusCode::kInternal,
                  "driver " + ctx->name() + ": init: reported success without a context");
  }
  ctx->ctx_ = handle;
  return ctx;
}

DriverContext::~DriverContext() {
  if (ctx_ != nullptr) library_->table().fini(ctx_);
}

int DriverContext::Score() const {
  const auto score = library_->table().score;
  if (score == nullptr) return 50;
  return std::clamp(score(ctx_), 0, 100);
}

Result<int> DriverContext::DeviceCount() const {
  const int32_t n = library_->table().device_count(ctx_);
  if (n < 0) return DriverStatus(name(), "device_count", n, llmcore_error{});
  return n;
}

Result<llmcore_device_info> DriverContext::DeviceInfo(uint32_t index) const {
  llmcore_device_info info{};
  info.struct_size = sizeof(info);
  llmcore_error error{};
  const int32_t rc = library_->table().device_info(ctx_, index, &info, &error);
  if (rc < 0) return DriverStatus(name(), "device_info", rc, error);
  return info;
}

Result<std::unique_ptr<DriverInstance>> DriverContext::CreateInstance(
    const llmcore_model_desc& model, const llmcore_instance_params& params) {
  llmcore_error error{};
  llmcore_instance* handle = nullptr;
  const int32_t rc = library_->table().instance_create(ctx_, &model, &params, &handle, &error);
  if (rc < 0) return DriverStatus(name(), "instance_create", rc, error);
  if (handle == nullptr) {
    return Status(StatusCode::kInternal,
                  "driver " + name() + ": instance_create: reported success without an instance");
  }
  return std::make_unique<DriverInstance>(shared_from_this(), handle);
}

}  // namespace llmcore::driver_host
