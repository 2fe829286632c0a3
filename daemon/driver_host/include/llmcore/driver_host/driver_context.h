// DriverContext: one initialized driver (its llmcore_driver_ctx), in C++.
//
// Create() calls the driver's init with a host struct carrying this host's
// ABI version and a logging callback; the driver may keep pointers to that
// struct until fini, so it lives inside the context. A driver whose init
// fails is refused with a Status naming it and the driver's own message.
//
// Ownership: shared. The context keeps its DriverLibrary loaded; instances
// keep their context alive. fini runs when the last reference goes.
//
// Thread safety: Create, DeviceCount and DeviceInfo may be called from any
// thread as long as the driver allows it (drivers keep all state in their
// context and instances; the CPU driver's device queries are thread-safe).
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "llmcore/driver.h"
#include "llmcore/driver_host/driver_library.h"
#include "llmcore/status.h"

namespace llmcore::driver_host {

class DriverInstance;

class DriverContext : public std::enable_shared_from_this<DriverContext> {
 public:
  // Receives the driver's log lines; called from any driver thread.
  using LogFn = std::function<void(llmcore_log_level level, std::string_view message)>;

  // Errors: the driver's init failure as DriverStatus ("driver <name>:
  // init: ..."); kInternal when init reports success without a context.
  static Result<std::shared_ptr<DriverContext>> Create(std::shared_ptr<const DriverLibrary> library,
                                                       LogFn log = {});

  ~DriverContext();
  DriverContext(const DriverContext&) = delete;
  DriverContext& operator=(const DriverContext&) = delete;

  const DriverLibrary& library() const { return *library_; }
  const std::string& name() const { return library_->name(); }

  // The driver's score probe, 0..100 (50 when it has none).
  int Score() const;
  Result<int> DeviceCount() const;
  // `info.struct_size` is set to what the driver filled in.
  Result<llmcore_device_info> DeviceInfo(uint32_t index) const;

  // Builds an instance of `model` (whose tensor data must stay valid until
  // the instance is destroyed: keep the segment and the ModelDesc alive).
  // Errors: the driver's, as DriverStatus ("driver cpu: instance_create:
  // ...").
  Result<std::unique_ptr<DriverInstance>> CreateInstance(const llmcore_model_desc& model,
                                                         const llmcore_instance_params& params);

  llmcore_driver_ctx* handle() const { return ctx_; }

 private:
  struct HostState {
    llmcore_driver_host host{};
    LogFn log;
  };

  DriverContext() = default;

  std::shared_ptr<const DriverLibrary> library_;
  std::unique_ptr<HostState> host_;  // stable address for the driver
  llmcore_driver_ctx* ctx_ = nullptr;
};

}  // namespace llmcore::driver_host
