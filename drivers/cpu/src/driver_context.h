// DriverContext: what one host's llmcore_driver_ctx holds.
//
// The host's logging callback and the machine's topology (read once, at
// init, through the HAL; absent when it cannot be read, in which case worker
// threads are not pinned unless the host lists CPUs). Nothing here is
// global: two contexts, in one process or from two hosts, are independent.
//
// Thread safety: immutable after Create(); Log() may be called from any
// thread (the host's callback is thread-safe by contract).
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "llmcore/driver.h"
#include "llmcore/hal/hardware_probe.h"
#include "llmcore/hal/topology.h"
#include "llmcore/status.h"

namespace llmcore::cpu {

class DriverContext {
 public:
  // `host` may be NULL (no logging). Errors: kUnsupported when the host's
  // abi_major differs from the driver's.
  static Result<std::unique_ptr<DriverContext>> Create(const llmcore_driver_host* host);

  void Log(llmcore_log_level level, std::string_view message) const;

  // The topology read at init; nullptr when the HAL could not read it.
  const hal::Topology* topology() const { return topology_ ? &*topology_ : nullptr; }

  // The topology with live memory counters, for device_info.
  Result<hal::Topology> LiveTopology() const;

 private:
  DriverContext() = default;

  void* host_data_ = nullptr;
  void (*log_)(void* host_data, int32_t level, const char* message) = nullptr;
  std::unique_ptr<hal::HardwareProbe> probe_;
  std::optional<hal::Topology> topology_;
};

}  // namespace llmcore::cpu
