// Memory counters of the running kernel: /proc/meminfo and the per-node
// /sys/devices/system/node/node<N>/meminfo.
//
// The files are outside input: a field may be missing, renamed or malformed
// in some kernel or container (lxcfs rewrites /proc/meminfo). Parsing never
// trusts them; a field that does not parse is reported as absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace llmcore::hal::internal {

// The value of `key` in meminfo-format text, in bytes. Lines look like
// "MemTotal:       24683620 kB" or, per node, "Node 0 MemFree:   3933972 kB";
// the "Node N " prefix is skipped. A value without a unit is taken as a
// count of bytes. Empty when the key is missing, the number does not parse
// or the byte count would overflow.
std::optional<uint64_t> FindMeminfoBytes(std::string_view text, std::string_view key);

// Live counters of the machine, read now; fields the kernel does not offer
// (or that do not parse) are empty.
struct MemoryCounters {
  std::optional<uint64_t> total_bytes;      // MemTotal
  std::optional<uint64_t> free_bytes;       // MemFree
  std::optional<uint64_t> available_bytes;  // MemAvailable
};
MemoryCounters ReadMachineMemory();

// MemFree of NUMA node `node`, from sysfs; empty when unreadable.
std::optional<uint64_t> ReadNodeFreeBytes(int node);

}  // namespace llmcore::hal::internal
