// Machines the HAL tests present, shared by several test files.
#pragma once

#include <string>

#include "llmcore/hal/hwloc_probe.h"
#include "llmcore/hal/topology.h"
#include "llmcore/status.h"

namespace llmcore::hal::testing {

// 2 packages x 2 NUMA nodes (8 GiB each) x 4 cores x 2 SMT threads: 16
// cores, 32 logical CPUs numbered so that core i has CPUs 2i and 2i+1, and
// node k holds cores 4k..4k+3. 48 KiB L1d and 1 MiB L2 per core, 16 MiB L3
// per node.
inline constexpr const char* kTwoSocketSmt =
    "package:2 numa:2(memory=8GiB) l3:1(size=16MiB) l2:4(size=1MiB) l1d:1(size=48KiB) core:1 pu:2";

// One package, eight 8-core L3 domains (like an EPYC), 2 SMT threads per core.
inline constexpr const char* kSixtyFourCores =
    "package:1 numa:1(memory=256GiB) l3:8(size=32MiB) l2:8(size=1MiB) core:1 pu:2";

// A file of data/ (see data/README.md).
inline std::string DataFile(const std::string& name) {
  return std::string(LLMCORE_HAL_TESTDATA) + "/" + name;
}

inline Result<Topology> SyntheticTopology(const char* description) {
  LLMCORE_ASSIGN_OR_RETURN(auto probe, HwlocProbe::FromSynthetic(description));
  return probe->Topology();
}

inline Result<Topology> XmlTopology(const std::string& name) {
  LLMCORE_ASSIGN_OR_RETURN(auto probe, HwlocProbe::FromXmlFile(DataFile(name)));
  return probe->Topology();
}

}  // namespace llmcore::hal::testing
