// Topology: what the machine is made of, as plain data.
//
// A snapshot taken by a HardwareProbe (hardware_probe.h): packages, physical
// cores with their SMT siblings, NUMA nodes with their memory, CPU caches and
// PCI GPUs with their NUMA locality. Placement (placement.h) and the daemon's
// driver choice read it; tests build one by hand or from a fake machine.
//
// Identifiers follow what the rest of the system uses, so a value can be
// handed to the OS as is:
//   - a CPU is a Linux logical CPU number (what sched_setaffinity, taskset and
//     /proc/cpuinfo's "processor" use);
//   - a NUMA node is a Linux node number (what mbind and numactl use);
//   - packages and cores have no OS-wide number (core ids repeat in every
//     package), so they are referred to by their position in
//     Topology::packages and Topology::cores.
//
// The structs are aggregates whose field names double as JSON keys, and every
// enum has a stable lower-case name (GpuVendorName, CacheTypeName): a JSON
// layer outside the HAL can serialise a Topology field by field without the
// HAL depending on a JSON library.
//
// Thread safety: values; copy freely between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/hal/cpu_set.h"

namespace llmcore::hal {

struct Package {
  // Positions in Topology::cores, ascending.
  std::vector<int> cores;
};

struct Core {
  // Position in Topology::packages; -1 when the machine does not say.
  int package = -1;
  // Linux node number of the node local to this core; -1 when unknown. When
  // several nodes cover the core, the lowest-numbered: normally its DRAM, as
  // HBM and CXL memory nodes are numbered after the DRAM ones.
  int numa_node = -1;
  // The core's logical CPUs, i.e. its SMT siblings; ascending, never empty.
  CpuSet cpus;
};

struct NumaNode {
  int id = 0;  // Linux node number
  uint64_t total_bytes = 0;
  // MemFree of the node (page cache not counted as free) when the probe
  // reads live counters; empty for fake machines.
  std::optional<uint64_t> free_bytes;
  // Logical CPUs and cores near this node's memory, as hwloc sees locality:
  // memory without CPUs of its own (HBM, CXL) counts as local to the CPUs of
  // the package or die it is attached to, so several nodes may list a core.
  CpuSet cpus;
  std::vector<int> cores;  // positions in Topology::cores, ascending
};

enum class CacheType { kUnified, kData, kInstruction };

// One kind of CPU cache: every cache of the machine with the same level,
// type, size, line size and sharing is counted in one entry, so a 64-core box
// has one "L2" line, not 64 (hybrid CPUs get one entry per distinct kind).
struct Cache {
  int level = 0;  // 1 for L1, ...
  CacheType type = CacheType::kUnified;
  uint64_t size_bytes = 0;
  uint32_t line_bytes = 0;  // 0 when unknown
  int cores_sharing = 0;    // physical cores served by one such cache
  int count = 0;            // how many such caches the machine has
};

enum class GpuVendor { kNvidia, kAmd, kIntel, kOther };

// A display controller (PCI class 0x03xx) or processing accelerator (0x12xx).
// Memory sizes and compute capability are the drivers' to report: the HAL
// does not load any GPU runtime.
struct Gpu {
  GpuVendor vendor = GpuVendor::kOther;
  uint16_t vendor_id = 0;
  uint16_t device_id = 0;
  uint16_t pci_class = 0;   // class and subclass, e.g. 0x0302
  std::string pci_address;  // "0000:65:00.0", as in /sys/bus/pci/devices
  // Model name when the source gives one (an hwloc XML file); usually empty
  // on the real machine, where the drivers name their devices.
  std::string name;
  // Linux node number of the node the device is attached to; -1 when it is
  // not local to a single node (or the machine does not say).
  int numa_node = -1;
  // Names the OS gives the device ("card1", "renderD128"), as hwloc found them.
  std::vector<std::string> os_devices;
};

struct Topology {
  std::vector<Package> packages;
  std::vector<Core> cores;           // grouped by package, in hwloc order
  std::vector<NumaNode> numa_nodes;  // ascending id
  std::vector<Cache> caches;         // ascending level, then type
  std::vector<Gpu> gpus;             // ascending PCI address
  // The machine's RAM: the kernel's MemTotal on the real machine, which can
  // exceed the sum of the nodes where per-node counters lag behind (seen in
  // VMs); the sum of the nodes for fake machines.
  uint64_t total_memory_bytes = 0;
  // MemAvailable (free plus reclaimable) when the probe reads live counters.
  std::optional<uint64_t> available_memory_bytes;

  // Every logical CPU of every core, ascending.
  CpuSet AllCpus() const;
  size_t LogicalCpuCount() const;
  // The node with Linux node number `id`, or nullptr.
  const NumaNode* FindNumaNode(int id) const;
};

// Stable lower-case names: "nvidia", "amd", "intel", "other".
std::string_view GpuVendorName(GpuVendor vendor);
// "unified", "data", "instruction".
std::string_view CacheTypeName(CacheType type);
// Maps a PCI vendor id to the vendors drivers exist for.
GpuVendor GpuVendorFromPciId(uint16_t vendor_id);

// A few lines for people (llmctl hw, the daemon's start-up log), e.g.
//   2 packages, 16 cores, 32 logical CPUs, 4 NUMA nodes, 64 GiB
//   node 0: 16 GiB (12.1 GiB free), cpus 0-7
//   caches: L1d 48 KiB x16 (1 core each), L3 32 MiB x4 (4 cores each)
//   gpu 0000:17:00.0 nvidia [10de:2330] NVIDIA H100, node 0
// Not meant to be parsed; the structs are the interface.
std::string Summary(const Topology& topology);

}  // namespace llmcore::hal
