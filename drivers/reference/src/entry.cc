// The reference driver's C entry points: the function table (the driver
// kit's glue, llmcore/driver_kit/entry_glue.h) and its exported entry
// function. Every function of the table is an exception barrier: C++ errors
// become negative errno codes with a message, std::bad_alloc becomes
// -ENOMEM, and nothing throws across the ABI.
//
// It implements every function of the table, optional ones included.
#include <unistd.h>

#include <cstring>

#include "driver_context.h"
#include "instance.h"
#include "kv_blob.h"
#include "llmcore/driver.h"
#include "llmcore/driver_kit/entry_glue.h"

#ifndef LLMCORE_VERSION
#define LLMCORE_VERSION "unknown"
#endif

namespace llmcore::reference_driver {
namespace {

struct ReferenceDriver {
  using Context = DriverContext;
  using Instance = reference_driver::Instance;
  static constexpr const char* kName = "reference";
  static constexpr const char* kVersion = LLMCORE_VERSION;
  static constexpr const char* kKvFormat = reference_driver::kKvFormat;
  // Always usable, the last choice: below the CPU driver's 10.
  static constexpr int32_t kScore = 1;

  static void DescribeDevice(DriverContext& /*ctx*/, llmcore_device_info& info) {
    info.kind = LLMCORE_DEVICE_CPU;
    std::strncpy(info.name, "cpu", sizeof(info.name) - 1);
    std::strncpy(info.description, "CPU, naive f32 reference forward pass, one thread",
                 sizeof(info.description) - 1);
    const long page = sysconf(_SC_PAGESIZE);
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long available = sysconf(_SC_AVPHYS_PAGES);
    if (page > 0 && pages > 0) info.memory_total_bytes = uint64_t(page) * uint64_t(pages);
    if (page > 0 && available > 0) info.memory_free_bytes = uint64_t(page) * uint64_t(available);
    info.numa_node = -1;
    info.compute_units = 1;
  }
};

}  // namespace
}  // namespace llmcore::reference_driver

// The one exported symbol (see exports.map). Same major: the table; the
// minor may differ either way (driver.h's rule). Another major: NULL.
extern "C" __attribute__((visibility("default"))) const llmcore_driver* llmcore_driver_entry(
    uint32_t host_abi_major, uint32_t /*host_abi_minor*/) {
  if (host_abi_major != LLMCORE_DRIVER_ABI_MAJOR) return nullptr;
  return &llmcore::driver_kit::kDriverTable<llmcore::reference_driver::ReferenceDriver>;
}
