#include "llmcore/hal/hwloc_probe.h"

#include <fmt/format.h>
#include <hwloc.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "hwloc_convert.h"
#include "meminfo.h"
#include "read_file.h"

namespace llmcore::hal {
namespace {

struct HwlocTopologyDestroy {
  void operator()(hwloc_topology_t topology) const { hwloc_topology_destroy(topology); }
};
using HwlocTopology = std::unique_ptr<hwloc_topology, HwlocTopologyDestroy>;

// hwloc discovery components left out. Those that initialise a vendor GPU
// runtime (all but the last); and "pci", the libpciaccess plugin, because
// the Linux component reads the same devices from sysfs, and the plugin
// leaks memory on every load (hwloc 2.9) for nothing but pci.ids names.
// A component that is not installed cannot be disabled (hwloc says EINVAL):
// nothing to do then.
constexpr const char* kDisabledComponents[] = {"cuda",      "nvml", "opencl", "rsmi",
                                               "levelzero", "gl",   "pci"};

Status HwlocError(std::string_view call, int err) {
  return ErrnoStatus(err, call);
}

Result<HwlocTopology> NewTopology() {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) return HwlocError("hwloc_topology_init", errno);
  HwlocTopology topology(raw);
  // Of the I/O objects only "important" PCI devices (GPUs among them) and
  // their OS devices are kept; the converter then keeps the GPUs.
  if (hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) != 0) {
    return HwlocError("hwloc_topology_set_io_types_filter", errno);
  }
  for (const char* name : kDisabledComponents) {
    (void)hwloc_topology_set_components(raw, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, name);
  }
  return topology;
}

// `load_failure` is the code for hwloc refusing the source: the OS for the
// real machine, the caller's description or file for the others.
Result<hal::Topology> LoadAndConvert(hwloc_topology_t topology, std::string_view source,
                                     StatusCode load_failure) {
  if (hwloc_topology_load(topology) != 0) {
    const int err = errno;
    return Status(load_failure, fmt::format("hwloc_topology_load({}): hwloc rejected the "
                                            "topology ({})",
                                            source, std::strerror(err)));
  }
  auto converted = internal::ConvertHwlocTopology(topology);
  if (!converted.ok()) return converted.status().WithContext(source);
  return converted;
}

}  // namespace

Result<std::unique_ptr<HwlocProbe>> HwlocProbe::ForThisMachine() {
  LLMCORE_ASSIGN_OR_RETURN(HwlocTopology topology, NewTopology());
  // The whole machine, not only what this process may use: placement
  // intersects with the allowed CPUs itself and can then say what was left
  // out, instead of a smaller machine appearing silently.
  if (hwloc_topology_set_flags(topology.get(), HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) != 0) {
    return HwlocError("hwloc_topology_set_flags", errno);
  }
  LLMCORE_ASSIGN_OR_RETURN(hal::Topology model,
                           LoadAndConvert(topology.get(), "this machine", StatusCode::kIoError));
  // The kernel's own total beats the sum of its per-node counters, which can
  // lag behind it (memory still being initialised or hot-added in VMs).
  const internal::MemoryCounters counters = internal::ReadMachineMemory();
  if (counters.total_bytes) model.total_memory_bytes = *counters.total_bytes;
  return std::unique_ptr<HwlocProbe>(
      new HwlocProbe(std::move(model), CpuFeatures::Detect(), /*live_counters=*/true));
}

Result<std::unique_ptr<HwlocProbe>> HwlocProbe::FromSynthetic(std::string_view description,
                                                              CpuFeatures features) {
  LLMCORE_ASSIGN_OR_RETURN(HwlocTopology topology, NewTopology());
  const std::string text(description);
  if (hwloc_topology_set_synthetic(topology.get(), text.c_str()) != 0) {
    return Status(
        StatusCode::kInvalidArgument,
        fmt::format("hwloc_topology_set_synthetic(\"{}\"): not a valid description", text));
  }
  LLMCORE_ASSIGN_OR_RETURN(hal::Topology model,
                           LoadAndConvert(topology.get(), fmt::format("synthetic \"{}\"", text),
                                          StatusCode::kInvalidArgument));
  return std::unique_ptr<HwlocProbe>(
      new HwlocProbe(std::move(model), features, /*live_counters=*/false));
}

Result<std::unique_ptr<HwlocProbe>> HwlocProbe::FromXmlFile(const std::string& path,
                                                            CpuFeatures features) {
  LLMCORE_ASSIGN_OR_RETURN(std::string xml, internal::ReadWholeFile(path, kMaxXmlBytes));
  return FromXmlText(xml, path, features);
}

Result<std::unique_ptr<HwlocProbe>> HwlocProbe::FromXmlText(std::string_view xml,
                                                            std::string_view source_name,
                                                            CpuFeatures features) {
  if (xml.size() > kMaxXmlBytes) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("{}: {} bytes of XML, more than the {} accepted", source_name,
                              xml.size(), kMaxXmlBytes));
  }
  LLMCORE_ASSIGN_OR_RETURN(HwlocTopology topology, NewTopology());
  // hwloc's own (non-libxml) parser reads the buffer as a C string, so the
  // length it is given counts a terminating NUL, as its XML export does.
  const std::string text(xml);
  if (hwloc_topology_set_xmlbuffer(topology.get(), text.c_str(),
                                   static_cast<int>(text.size() + 1)) != 0) {
    return Status(
        StatusCode::kCorrupt,
        fmt::format("hwloc_topology_set_xmlbuffer({}): not an hwloc XML topology", source_name));
  }
  LLMCORE_ASSIGN_OR_RETURN(hal::Topology model,
                           LoadAndConvert(topology.get(), source_name, StatusCode::kCorrupt));
  return std::unique_ptr<HwlocProbe>(
      new HwlocProbe(std::move(model), features, /*live_counters=*/false));
}

Result<hal::Topology> HwlocProbe::Topology() const {
  hal::Topology out = topology_;
  if (!live_counters_) return out;
  const internal::MemoryCounters counters = internal::ReadMachineMemory();
  out.available_memory_bytes = counters.available_bytes;
  for (NumaNode& node : out.numa_nodes) {
    node.free_bytes = internal::ReadNodeFreeBytes(node.id);
  }
  // A kernel without NUMA support has no node directory; its one node is
  // the machine.
  if (out.numa_nodes.size() == 1 && !out.numa_nodes[0].free_bytes) {
    out.numa_nodes[0].free_bytes = counters.free_bytes;
  }
  return out;
}

}  // namespace llmcore::hal
