// `llmctl hw`: the daemon's view of the hardware (GetHardware's a{sv}).
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "bus_value.h"

namespace llmcore::llmctl {

// GetHardware's dictionary with its structs named, for --json:
//   numa_nodes [{"node", "memory"}], gpus [{"name", "pci_address", "numa_node"}],
//   drivers [{"name", "version", "path", "score", "instances"}],
//   devices [{"driver", "index", "name", "description", "kind", "memory_total",
//             "memory_free"}];
// every other key as the daemon sent it. Older daemons' shapes get the names
// of their fields: drivers (name, version), devices (driver, name, kind,
// memory_total, memory_free).
Json HardwareJson(const Json& raw);

// A summary for people, one fact per line, from HardwareJson():
//   cpu: <model>                              (when the daemon names it)
//   cores: 2 physical, 4 threads, 1 package
//   cpu features: avx2 fma f16c
//   memory: 5.1 GiB available of 7.7 GiB
//   numa node 0: 7.7 GiB
//   gpu: <name> at <pci address>, numa node 0   ("gpu: none" without any;
//                                                node -1: not known)
//   driver: cpu 0.1.0, score 100, 1 instance, from /usr/lib/.../cpu.so
//   device: cpu/cpu (<description>, cpu): 5.1 GiB free of 7.7 GiB
// Lines whose keys are missing are left out, and so are the missing parts of
// driver lines and a device's missing description.
std::string FormatHardware(const Json& hardware);

}  // namespace llmcore::llmctl
