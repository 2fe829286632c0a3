// HwlocProbe: the topology as hwloc discovers it.
//
// Three sources: the real machine; an hwloc synthetic description
// ("package:2 numa:2 l3:1 core:4 pu:2"); an hwloc XML topology (what
// `lstopo file.xml` or hwloc-gather write, possibly edited by hand). The last
// two are how tests present fake machines, GPUs included, with the same code
// path as the real one.
//
// The probe loads and converts the topology once, when it is created, so a
// bad description or file fails there and later calls cannot. Only the
// counters that move (free memory, for the real machine) are read per call.
// hwloc is not used after creation; the probe holds plain data.
//
// PCI discovery keeps GPUs only: display controllers (class 0x03xx) and
// processing accelerators (0x12xx). hwloc's GPU-runtime components (CUDA,
// NVML, OpenCL, ROCm SMI, Level Zero, GL) are disabled: initialising a GPU
// runtime is the drivers' business, and doing it inside the HAL would cost
// seconds and device memory in every process that asks for the topology.
// PCI devices come from sysfs, so on the real machine a GPU has ids, address
// and locality but usually no name: its driver names it.
//
// Errors name the hwloc call that failed ("hwloc_topology_load: ...") or what
// in the topology could not be used (kCorrupt: a PU without an OS number, an
// impossible CPU number). Bad input never aborts. It can be expensive,
// though: hwloc sizes its bitmaps by the OS numbers in the input, so an XML
// file with a number near 2^32 costs hwloc seconds and hundreds of MiB
// before it is rejected. Synthetic and XML machines are for tests and for an
// administrator's own files, not for input from clients.
//
// Thread safety: immutable after creation; Topology() and Features() may run
// concurrently. Creating probes concurrently is safe too.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "llmcore/hal/hardware_probe.h"

namespace llmcore::hal {

class HwlocProbe final : public HardwareProbe {
 public:
  // The machine this process runs on, including the CPUs and nodes this
  // process may not use (placement narrows to the allowed ones and says so).
  // Features() is CpuFeatures::Detect().
  static Result<std::unique_ptr<HwlocProbe>> ForThisMachine();

  // A fake machine from an hwloc synthetic description (see hwloc's
  // documentation, "Synthetic topologies"). Features() returns `features`:
  // a description says nothing about the ISA.
  // Errors: kInvalidArgument when hwloc rejects the description.
  static Result<std::unique_ptr<HwlocProbe>> FromSynthetic(std::string_view description,
                                                           CpuFeatures features = {});

  // A machine described by an hwloc XML file (v2 format). Features() returns
  // `features`. Errors: the file cannot be read (errno-based, naming the
  // path), is larger than kMaxXmlBytes (kResourceExhausted), or hwloc
  // rejects it (kCorrupt).
  static Result<std::unique_ptr<HwlocProbe>> FromXmlFile(const std::string& path,
                                                         CpuFeatures features = {});

  // The same from XML text in memory; `source_name` only labels errors.
  static Result<std::unique_ptr<HwlocProbe>> FromXmlText(std::string_view xml,
                                                         std::string_view source_name = "xml",
                                                         CpuFeatures features = {});

  static constexpr size_t kMaxXmlBytes = 64u << 20;

  Result<hal::Topology> Topology() const override;
  CpuFeatures Features() const override { return features_; }

 private:
  HwlocProbe(hal::Topology topology, CpuFeatures features, bool live_counters)
      : topology_(std::move(topology)), features_(features), live_counters_(live_counters) {}

  const hal::Topology topology_;
  const CpuFeatures features_;
  // Whether free/available memory are read from /proc and /sys per call.
  const bool live_counters_;
};

}  // namespace llmcore::hal
