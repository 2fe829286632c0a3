// DriverContext: what one host's init gives the reference driver: the host's
// log function. The driver keeps no other state outside its instances.
//
// Ownership: created by init, destroyed by fini; the host struct it points
// to is the host's and stays valid until fini (driver.h).
// Thread safety: immutable; Log may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::reference_driver {

class DriverContext {
 public:
  // A NULL host is accepted (no logging). kInvalidArgument for a host
  // struct too small to hold the version fields; kUnsupported for another
  // ABI major.
  static Result<std::unique_ptr<DriverContext>> Create(const llmcore_driver_host* host);

  // Forwards to the host's log function when it has one.
  void Log(llmcore_log_level level, const std::string& message) const;

 private:
  DriverContext() = default;

  void* host_data_ = nullptr;
  void (*log_)(void* host_data, int32_t level, const char* message) = nullptr;
};

}  // namespace llmcore::reference_driver
