#include "llmcore/hal/topology.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace llmcore::hal {
namespace {

// "48 KiB", "1.5 GiB": whole numbers where exact, else one decimal.
std::string FormatBytes(uint64_t bytes) {
  constexpr std::array<std::string_view, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  uint64_t scale = 1;
  while (unit + 1 < kUnits.size() && bytes >= scale * 1024) {
    scale *= 1024;
    ++unit;
  }
  if (bytes % scale == 0) return fmt::format("{} {}", bytes / scale, kUnits[unit]);
  return fmt::format("{:.1f} {}", static_cast<double>(bytes) / static_cast<double>(scale),
                     kUnits[unit]);
}

std::string_view Plural(size_t n, std::string_view one, std::string_view many) {
  return n == 1 ? one : many;
}

std::string CacheLabel(const Cache& cache) {
  switch (cache.type) {
    case CacheType::kData: return fmt::format("L{}d", cache.level);
    case CacheType::kInstruction: return fmt::format("L{}i", cache.level);
    case CacheType::kUnified: break;
  }
  return fmt::format("L{}", cache.level);
}

}  // namespace

CpuSet Topology::AllCpus() const {
  CpuSet out;
  for (const Core& core : cores) out.insert(out.end(), core.cpus.begin(), core.cpus.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t Topology::LogicalCpuCount() const {
  return AllCpus().size();
}

const NumaNode* Topology::FindNumaNode(int id) const {
  for (const NumaNode& node : numa_nodes) {
    if (node.id == id) return &node;
  }
  return nullptr;
}

std::string_view GpuVendorName(GpuVendor vendor) {
  switch (vendor) {
    case GpuVendor::kNvidia: return "nvidia";
    case GpuVendor::kAmd: return "amd";
    case GpuVendor::kIntel: return "intel";
    case GpuVendor::kOther: break;
  }
  return "other";
}

std::string_view CacheTypeName(CacheType type) {
  switch (type) {
    case CacheType::kData: return "data";
    case CacheType::kInstruction: return "instruction";
    case CacheType::kUnified: break;
  }
  return "unified";
}

GpuVendor GpuVendorFromPciId(uint16_t vendor_id) {
  switch (vendor_id) {
    case 0x10de: return GpuVendor::kNvidia;
    case 0x1002: return GpuVendor::kAmd;  // ATI's id, kept for all AMD GPUs
    case 0x8086: return GpuVendor::kIntel;
    default: break;
  }
  return GpuVendor::kOther;
}

std::string Summary(const Topology& t) {
  const size_t cpus = t.LogicalCpuCount();
  std::string out =
      fmt::format("{} {}, {} {}, {} logical {}, {} NUMA {}, {}", t.packages.size(),
                  Plural(t.packages.size(), "package", "packages"), t.cores.size(),
                  Plural(t.cores.size(), "core", "cores"), cpus, Plural(cpus, "CPU", "CPUs"),
                  t.numa_nodes.size(), Plural(t.numa_nodes.size(), "node", "nodes"),
                  FormatBytes(t.total_memory_bytes));
  if (t.available_memory_bytes) {
    out += fmt::format(" ({} available)", FormatBytes(*t.available_memory_bytes));
  }
  out += '\n';

  for (const NumaNode& node : t.numa_nodes) {
    out += fmt::format("node {}: {}", node.id, FormatBytes(node.total_bytes));
    if (node.free_bytes) out += fmt::format(" ({} free)", FormatBytes(*node.free_bytes));
    if (node.cpus.empty()) {
      out += ", no CPUs\n";
    } else {
      out += fmt::format(", cpus {}\n", FormatCpuList(node.cpus));
    }
  }

  if (!t.caches.empty()) {
    out += "caches:";
    for (size_t i = 0; i < t.caches.size(); ++i) {
      const Cache& c = t.caches[i];
      out += fmt::format("{} {} {} x{} ({} {} each)", i == 0 ? "" : ",", CacheLabel(c),
                         FormatBytes(c.size_bytes), c.count, c.cores_sharing,
                         Plural(static_cast<size_t>(c.cores_sharing), "core", "cores"));
    }
    out += '\n';
  }

  for (const Gpu& gpu : t.gpus) {
    out += fmt::format("gpu {} {} [{:04x}:{:04x}]", gpu.pci_address, GpuVendorName(gpu.vendor),
                       gpu.vendor_id, gpu.device_id);
    if (!gpu.name.empty()) out += fmt::format(" {}", gpu.name);
    if (gpu.numa_node >= 0) {
      out += fmt::format(", node {}\n", gpu.numa_node);
    } else {
      out += ", no single local node\n";
    }
  }
  return out;
}

}  // namespace llmcore::hal
