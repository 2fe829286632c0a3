// Conversion of a loaded hwloc topology into the plain Topology model.
//
// Everything in an hwloc topology may come from outside (an XML file, a
// synthetic description, a sysfs that a container rewrote), so nothing is
// assumed: missing levels are filled in (no Core objects: each PU is a core;
// no Package: one package), and what cannot be represented is an error
// (kCorrupt): a PU or node without an OS number, or with one at or above
// kMaxCpus, two PUs or nodes with the same number, a machine without PUs.
#pragma once

#include <hwloc.h>

#include "llmcore/hal/topology.h"
#include "llmcore/status.h"

namespace llmcore::hal::internal {

// Reads `topology` (loaded, not modified). Free and available memory are
// left empty and total_memory_bytes is the sum of the nodes; the real-machine
// probe fills in live counters.
Result<Topology> ConvertHwlocTopology(hwloc_topology_t topology);

}  // namespace llmcore::hal::internal
