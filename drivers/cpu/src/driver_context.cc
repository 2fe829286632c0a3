#include "driver_context.h"

#include <cstddef>
#include <string>

#include "llmcore/hal/hwloc_probe.h"

namespace llmcore::cpu {

Result<std::unique_ptr<DriverContext>> DriverContext::Create(const llmcore_driver_host* host) {
  std::unique_ptr<DriverContext> ctx(new DriverContext());
  if (host != nullptr) {
    if (host->struct_size < offsetof(llmcore_driver_host, host_data)) {
      return Status(StatusCode::kInvalidArgument,
                    "host struct_size " + std::to_string(host->struct_size) + " is too small");
    }
    if (host->abi_major != LLMCORE_DRIVER_ABI_MAJOR) {
      return Status(StatusCode::kUnsupported, "host ABI major " + std::to_string(host->abi_major) +
                                                  " differs from the cpu driver's " +
                                                  std::to_string(LLMCORE_DRIVER_ABI_MAJOR));
    }
    // A field is used only when struct_size covers it (driver.h).
    if (host->struct_size >= offsetof(llmcore_driver_host, log) + sizeof(host->log)) {
      ctx->host_data_ = host->host_data;
      ctx->log_ = host->log;
    }
  }
  auto probe = hal::HwlocProbe::ForThisMachine();
  if (probe.ok()) {
    auto topology = (*probe)->Topology();
    if (topology.ok()) {
      ctx->topology_ = std::move(topology).value();
      ctx->probe_ = std::move(probe).value();
    } else {
      ctx->Log(LLMCORE_LOG_WARNING, "cpu: cannot read the topology (" +
                                        topology.status().message() +
                                        "); worker threads will not be pinned");
    }
  } else {
    ctx->Log(LLMCORE_LOG_WARNING, "cpu: cannot probe the machine (" + probe.status().message() +
                                      "); worker threads will not be pinned");
  }
  return ctx;
}

void DriverContext::Log(llmcore_log_level level, std::string_view message) const {
  if (log_ == nullptr) return;
  const std::string line(message);
  log_(host_data_, level, line.c_str());
}

Result<hal::Topology> DriverContext::LiveTopology() const {
  if (probe_ == nullptr) return Status(StatusCode::kUnavailable, "no topology");
  return probe_->Topology();
}

}  // namespace llmcore::cpu
