// HardwareProbe: where the daemon and the drivers learn what the machine is.
//
// Everything above the HAL asks this interface, never hwloc or /sys directly,
// so a test can present any machine: HwlocProbe (hwloc_probe.h) describes the
// real one, or a synthetic or XML-described one; FakeProbe (fake_probe.h)
// returns whatever a test hands it, failures included.
//
// Thread safety: implementations are safe to call from several threads at
// once. Ownership: callers own probes through std::unique_ptr; nothing
// returned borrows from the probe.
#pragma once

#include "llmcore/hal/cpu_features.h"
#include "llmcore/hal/topology.h"
#include "llmcore/status.h"

namespace llmcore::hal {

class HardwareProbe {
 public:
  virtual ~HardwareProbe() = default;

  // The machine's topology, with live counters (free memory) read at the
  // time of the call where the probe has them. Errors say what could not be
  // read; the structure itself does not change between calls.
  virtual Result<hal::Topology> Topology() const = 0;

  // The ISA extensions usable by this process on the machine.
  virtual CpuFeatures Features() const = 0;
};

}  // namespace llmcore::hal
