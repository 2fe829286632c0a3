#include "hwloc_convert.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "llmcore/checked_math.h"

namespace llmcore::hal::internal {
namespace {

// Linux allows at most 1024 nodes; numbers at or above this are nonsense.
constexpr int kMaxNodeNumber = kMaxCpus;
// Strings from an XML file end up in logs; keep them short and printable.
constexpr size_t kMaxNameBytes = 256;

Status Corrupt(std::string what) {
  return Status(StatusCode::kCorrupt, "hwloc topology: " + std::move(what));
}

std::string PrintableName(const char* text) {
  std::string out;
  if (text == nullptr) return out;
  for (const char* p = text; *p != '\0' && out.size() < kMaxNameBytes; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  // Trailing blanks are common in CPU and GPU model strings.
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The OS numbers in a cpuset or nodeset (their bits are PU and node OS
// numbers), each below `limit`.
Result<CpuSet> BitmapToList(hwloc_const_bitmap_t set, int limit, std::string_view what) {
  CpuSet out;
  if (set == nullptr) return out;
  if (hwloc_bitmap_weight(set) < 0) return Corrupt(fmt::format("{} is an infinite set", what));
  for (int i = hwloc_bitmap_first(set); i != -1; i = hwloc_bitmap_next(set, i)) {
    if (i >= limit)
      return Corrupt(fmt::format("{} holds number {}, beyond {}", what, i, limit - 1));
    out.push_back(i);
  }
  return out;
}

int CountObjects(hwloc_topology_t topology, hwloc_obj_type_t type) {
  // Negative when the type's level is ambiguous; treat as absent.
  return std::max(0, hwloc_get_nbobjs_by_type(topology, type));
}

// Packages in hwloc's logical order; positions equal logical indexes.
void AddPackages(hwloc_topology_t topology, Topology* out) {
  const int count = CountObjects(topology, HWLOC_OBJ_PACKAGE);
  // A machine that reports no package (some VMs and ARM boards) is one.
  out->packages.resize(static_cast<size_t>(std::max(count, 1)));
}

int PackageOf(hwloc_topology_t topology, hwloc_obj_t obj, const Topology& t) {
  if (CountObjects(topology, HWLOC_OBJ_PACKAGE) == 0) return 0;
  hwloc_obj_t package = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, obj);
  if (package == nullptr || package->logical_index >= t.packages.size()) return -1;
  return static_cast<int>(package->logical_index);
}

// One Core per hwloc Core, plus one per PU that has no Core above it. Also
// returns, per core, the hwloc object it came from (for the cache walk).
Status AddCores(hwloc_topology_t topology, Topology* out, std::vector<hwloc_obj_t>* origins) {
  std::unordered_map<hwloc_obj_t, size_t> core_position;
  hwloc_obj_t core = nullptr;
  while ((core = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_CORE, core)) != nullptr) {
    core_position[core] = out->cores.size();
    Core entry;
    entry.package = PackageOf(topology, core, *out);
    out->cores.push_back(std::move(entry));
    origins->push_back(core);
  }

  std::vector<bool> seen(kMaxCpus, false);
  hwloc_obj_t pu = nullptr;
  while ((pu = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_PU, pu)) != nullptr) {
    if (pu->os_index == HWLOC_UNKNOWN_INDEX) return Corrupt("a PU has no OS number");
    if (pu->os_index >= static_cast<unsigned>(kMaxCpus)) {
      return Corrupt(fmt::format("PU number {} is beyond {}", pu->os_index, kMaxCpus - 1));
    }
    const int cpu = static_cast<int>(pu->os_index);
    if (seen[cpu]) return Corrupt(fmt::format("two PUs are numbered {}", cpu));
    seen[cpu] = true;

    hwloc_obj_t parent_core = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_CORE, pu);
    const auto it = core_position.find(parent_core);
    if (it != core_position.end()) {
      out->cores[it->second].cpus.push_back(cpu);
    } else {
      Core entry;
      entry.package = PackageOf(topology, pu, *out);
      entry.cpus = {cpu};
      out->cores.push_back(std::move(entry));
      origins->push_back(pu);
    }
  }

  // A Core object without PUs cannot run anything: leave it out.
  size_t kept = 0;
  for (size_t i = 0; i < out->cores.size(); ++i) {
    if (out->cores[i].cpus.empty()) continue;
    if (kept != i) {
      out->cores[kept] = std::move(out->cores[i]);
      (*origins)[kept] = (*origins)[i];
    }
    ++kept;
  }
  out->cores.resize(kept);
  origins->resize(kept);
  if (out->cores.empty()) return Corrupt("the machine has no processing units");

  // PU-only cores were appended after the Core objects; regroup by package
  // (hwloc's order within a package is kept).
  std::vector<size_t> order(out->cores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto key = [](int package) {
      return package < 0 ? std::numeric_limits<int>::max() : package;
    };
    return key(out->cores[a].package) < key(out->cores[b].package);
  });
  std::vector<Core> cores;
  std::vector<hwloc_obj_t> sorted_origins;
  for (size_t i : order) {
    cores.push_back(std::move(out->cores[i]));
    sorted_origins.push_back((*origins)[i]);
  }
  out->cores = std::move(cores);
  *origins = std::move(sorted_origins);

  for (size_t i = 0; i < out->cores.size(); ++i) {
    Core& c = out->cores[i];
    std::sort(c.cpus.begin(), c.cpus.end());
    if (c.package >= 0)
      out->packages[static_cast<size_t>(c.package)].cores.push_back(static_cast<int>(i));
  }
  return Status::Ok();
}

Status AddNumaNodes(hwloc_topology_t topology, Topology* out) {
  const CpuSet all_cpus = out->AllCpus();
  std::vector<bool> seen(kMaxNodeNumber, false);
  hwloc_obj_t obj = nullptr;
  while ((obj = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, obj)) != nullptr) {
    if (obj->os_index == HWLOC_UNKNOWN_INDEX) return Corrupt("a NUMA node has no OS number");
    if (obj->os_index >= static_cast<unsigned>(kMaxNodeNumber)) {
      return Corrupt(
          fmt::format("NUMA node number {} is beyond {}", obj->os_index, kMaxNodeNumber - 1));
    }
    const int id = static_cast<int>(obj->os_index);
    if (seen[id]) return Corrupt(fmt::format("two NUMA nodes are numbered {}", id));
    seen[id] = true;

    NumaNode node;
    node.id = id;
    node.total_bytes = obj->attr != nullptr ? obj->attr->numanode.local_memory : 0;
    auto cpus = BitmapToList(obj->cpuset, kMaxCpus, fmt::format("the cpuset of NUMA node {}", id));
    if (!cpus.ok()) return cpus.status();
    // Bits for PUs that do not exist (offline CPUs) are dropped.
    node.cpus = Intersect(*cpus, all_cpus);
    out->numa_nodes.push_back(std::move(node));
  }
  std::sort(out->numa_nodes.begin(), out->numa_nodes.end(),
            [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });

  for (NumaNode& node : out->numa_nodes) {
    for (size_t i = 0; i < out->cores.size(); ++i) {
      Core& core = out->cores[i];
      if (!std::includes(node.cpus.begin(), node.cpus.end(), core.cpus.begin(), core.cpus.end())) {
        continue;
      }
      node.cores.push_back(static_cast<int>(i));
      // Nodes are visited in ascending id: the first one to claim a core is
      // the lowest-numbered.
      if (core.numa_node < 0) core.numa_node = node.id;
    }
  }

  uint64_t total = 0;
  for (const NumaNode& node : out->numa_nodes) {
    const auto sum = CheckedAdd(total, node.total_bytes);
    if (!sum) return Corrupt("the NUMA nodes' memory sizes add up beyond 2^64 bytes");
    total = *sum;
  }
  out->total_memory_bytes = total;
  return Status::Ok();
}

CacheType CacheTypeOf(hwloc_obj_cache_type_t type) {
  switch (type) {
    case HWLOC_OBJ_CACHE_DATA: return CacheType::kData;
    case HWLOC_OBJ_CACHE_INSTRUCTION: return CacheType::kInstruction;
    case HWLOC_OBJ_CACHE_UNIFIED: break;
  }
  return CacheType::kUnified;
}

// Counts the cores under each CPU cache by walking up from every core once,
// then groups identical caches.
void AddCaches(const std::vector<hwloc_obj_t>& core_origins, hwloc_topology_t topology,
               Topology* out) {
  std::unordered_map<hwloc_obj_t, int> cores_under;
  for (hwloc_obj_t origin : core_origins) {
    for (hwloc_obj_t a = origin->parent; a != nullptr; a = a->parent) {
      if (hwloc_obj_type_is_cache(a->type)) ++cores_under[a];
    }
  }

  using Key = std::tuple<int, CacheType, uint64_t, uint32_t, int>;
  std::map<Key, int> groups;
  for (hwloc_obj_type_t type :
       {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE,
        HWLOC_OBJ_L5CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2ICACHE, HWLOC_OBJ_L3ICACHE}) {
    hwloc_obj_t obj = nullptr;
    while ((obj = hwloc_get_next_obj_by_type(topology, type, obj)) != nullptr) {
      if (obj->attr == nullptr) continue;
      const auto& attr = obj->attr->cache;
      const auto it = cores_under.find(obj);
      // A cache below the core level serves part of one core.
      const int sharing = it == cores_under.end() ? 1 : it->second;
      ++groups[Key(static_cast<int>(attr.depth), CacheTypeOf(attr.type), attr.size, attr.linesize,
                   sharing)];
    }
  }
  for (const auto& [key, count] : groups) {
    const auto& [level, type, size, line, sharing] = key;
    out->caches.push_back(Cache{.level = level,
                                .type = type,
                                .size_bytes = size,
                                .line_bytes = line,
                                .cores_sharing = sharing,
                                .count = count});
  }
}

bool IsGpuClass(unsigned class_id) {
  const unsigned base = class_id >> 8;
  return base == 0x03 || base == 0x12;  // display controller, processing accelerator
}

int NumaNodeOf(hwloc_topology_t topology, hwloc_obj_t io_obj, const Topology& t) {
  hwloc_obj_t ancestor = hwloc_get_non_io_ancestor_obj(topology, io_obj);
  if (ancestor == nullptr || ancestor->nodeset == nullptr) return -1;
  // Attached to an object spanning several nodes (often the machine itself):
  // no node is closer than another.
  if (hwloc_bitmap_weight(ancestor->nodeset) != 1) return -1;
  const int node = hwloc_bitmap_first(ancestor->nodeset);
  return t.FindNumaNode(node) != nullptr ? node : -1;
}

void AddGpus(hwloc_topology_t topology, Topology* out) {
  hwloc_obj_t pci = nullptr;
  while ((pci = hwloc_get_next_pcidev(topology, pci)) != nullptr) {
    if (pci->attr == nullptr) continue;
    const auto& attr = pci->attr->pcidev;
    if (!IsGpuClass(attr.class_id)) continue;

    Gpu gpu;
    gpu.vendor_id = attr.vendor_id;
    gpu.device_id = attr.device_id;
    gpu.pci_class = attr.class_id;
    gpu.vendor = GpuVendorFromPciId(attr.vendor_id);
    gpu.pci_address = fmt::format("{:04x}:{:02x}:{:02x}.{:x}", static_cast<unsigned>(attr.domain),
                                  attr.bus, attr.dev, attr.func);
    gpu.numa_node = NumaNodeOf(topology, pci, *out);
    for (hwloc_obj_t child = pci->io_first_child; child != nullptr; child = child->next_sibling) {
      if (child->type != HWLOC_OBJ_OS_DEVICE) continue;
      if (child->name != nullptr) gpu.os_devices.push_back(PrintableName(child->name));
      if (gpu.name.empty()) gpu.name = PrintableName(hwloc_obj_get_info_by_name(child, "GPUModel"));
    }
    if (gpu.name.empty()) gpu.name = PrintableName(hwloc_obj_get_info_by_name(pci, "PCIDevice"));
    out->gpus.push_back(std::move(gpu));
  }
  std::sort(out->gpus.begin(), out->gpus.end(),
            [](const Gpu& a, const Gpu& b) { return a.pci_address < b.pci_address; });
}

}  // namespace

Result<Topology> ConvertHwlocTopology(hwloc_topology_t topology) {
  Topology out;
  AddPackages(topology, &out);
  std::vector<hwloc_obj_t> core_origins;
  LLMCORE_RETURN_IF_ERROR(AddCores(topology, &out, &core_origins));
  LLMCORE_RETURN_IF_ERROR(AddNumaNodes(topology, &out));
  AddCaches(core_origins, topology, &out);
  AddGpus(topology, &out);
  return out;
}

}  // namespace llmcore::hal::internal
