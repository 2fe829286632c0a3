// FakeProbe: a HardwareProbe that returns what a test gave it.
//
// For tests of code above the HAL (placement users, driver choice, the
// daemon's hardware report) that need a particular machine, or a probe that
// fails.
//
// Thread safety: immutable; callable from any thread.
#pragma once

#include <utility>

#include "llmcore/hal/hardware_probe.h"

namespace llmcore::hal {

class FakeProbe final : public HardwareProbe {
 public:
  FakeProbe(hal::Topology topology, CpuFeatures features)
      : topology_(std::move(topology)), features_(features) {}

  // A probe whose Topology() fails with `error`. An ok `error` is a mistake
  // in the test; Topology() then fails with kInternal saying so.
  FakeProbe(Status error, CpuFeatures features)
      : topology_(error.ok() ? Status(StatusCode::kInternal, "FakeProbe given an ok Status")
                             : std::move(error)),
        features_(features) {}

  Result<hal::Topology> Topology() const override { return topology_; }
  CpuFeatures Features() const override { return features_; }

 private:
  const Result<hal::Topology> topology_;
  const CpuFeatures features_;
};

}  // namespace llmcore::hal
