// The CPU driver's C entry points: the function table (the driver kit's
// glue, llmcore/driver_kit/entry_glue.h) and its exported entry function.
// Every function of the table is an exception barrier: C++ errors become
// negative errno codes with a message, std::bad_alloc becomes -ENOMEM, and
// nothing throws across the ABI.
#include <algorithm>
#include <cstring>
#include <string>
#include <thread>

#include "driver_context.h"
#include "instance.h"
#include "kv_blob.h"
#include "llmcore/driver.h"
#include "llmcore/driver_kit/entry_glue.h"

#ifndef LLMCORE_VERSION
#define LLMCORE_VERSION "unknown"
#endif

namespace llmcore::cpu {
namespace {

struct CpuDriver {
  using Context = DriverContext;
  using Instance = cpu::Instance;
  static constexpr const char* kName = "cpu";
  static constexpr const char* kVersion = LLMCORE_VERSION;
  static constexpr const char* kKvFormat = cpu::kKvFormat;
  // Always usable, never preferred over an accelerator.
  static constexpr int32_t kScore = 10;

  static void DescribeDevice(DriverContext& ctx, llmcore_device_info& info) {
    info.kind = LLMCORE_DEVICE_CPU;
    std::strncpy(info.name, "cpu", sizeof(info.name) - 1);
    info.numa_node = -1;
    auto topology = ctx.LiveTopology();
    std::string description;
    if (topology.ok()) {
      info.compute_units = static_cast<uint32_t>(topology->cores.size());
      info.memory_total_bytes = topology->total_memory_bytes;
      info.memory_free_bytes = topology->available_memory_bytes.value_or(0);
      if (topology->numa_nodes.size() == 1) info.numa_node = topology->numa_nodes[0].id;
      description = "CPU, " + std::to_string(topology->cores.size()) + " cores, " +
                    std::to_string(topology->LogicalCpuCount()) + " logical CPUs";
    } else {
      info.compute_units = std::max(1u, std::thread::hardware_concurrency());
      description = "CPU, " + std::to_string(info.compute_units) + " logical CPUs";
    }
    std::strncpy(info.description, description.c_str(), sizeof(info.description) - 1);
  }
};

}  // namespace
}  // namespace llmcore::cpu

// The one exported symbol (see exports.map). Same major: the table; the
// minor may differ either way (driver.h's rule). Another major: NULL.
extern "C" __attribute__((visibility("default"))) const llmcore_driver* llmcore_driver_entry(
    uint32_t host_abi_major, uint32_t /*host_abi_minor*/) {
  if (host_abi_major != LLMCORE_DRIVER_ABI_MAJOR) return nullptr;
  return &llmcore::driver_kit::kDriverTable<llmcore::cpu::CpuDriver>;
}
