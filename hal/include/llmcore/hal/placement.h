// Thread placement: which logical CPUs each worker thread of a pool runs on.
//
// The CPU driver's matmuls are bound by memory bandwidth and by the FMA units
// of each physical core; two SMT siblings share those units, so by default a
// pool gets one thread per physical core, pinned to one logical CPU of it,
// and only a request for more threads than cores puts a second thread on a
// core. Cores of the preferred NUMA node (where the model's memory lives)
// come first, so a pool smaller than the machine stays near its data.
//
// Only CPUs the process may run on are used (AllowedCpus(): affinity mask and
// cgroup cpuset). When that leaves part of the machine out, the result says
// so in `note`; when a request cannot be met inside it, PlanThreads fails
// with a message naming the CPUs involved: a pool is never silently smaller,
// or placed elsewhere, than asked.
//
// No threads are created here; the CPU driver builds its pool on this and
// calls PinCurrentThread (affinity.h) from each worker.
//
// Thread safety: pure functions of their arguments (the two-argument
// PlanThreads also reads the calling thread's affinity).
#pragma once

#include <string>
#include <vector>

#include "llmcore/hal/affinity.h"
#include "llmcore/hal/cpu_set.h"
#include "llmcore/hal/topology.h"
#include "llmcore/status.h"

namespace llmcore::hal {

struct PlacementOptions {
  // Worker threads; 0 means one per physical core the process may use.
  int threads = 0;
  // When not empty, the workers run on exactly these logical CPUs, one
  // thread per CPU in the order given (the first `threads` of them when
  // `threads` is not 0), and preferred_numa_node is not consulted. For
  // administrators who know better (isolcpus, a benchmark).
  std::vector<int> cpus;
  // Linux node number whose cores are used first; -1 for none.
  int preferred_numa_node = -1;
};

struct Placement {
  // One entry per worker thread: the CPUs it is pinned to.
  std::vector<CpuSet> threads;
  // Empty, or a sentence saying what the allowed CPU set left out (for the
  // log): "using 4 of 8 physical cores: cpus 4-7 are outside ...".
  std::string note;
};

// Plans against the `allowed` CPUs (normally AllowedCpus()).
// Errors:
//   kInvalidArgument   threads < 0; an explicit CPU that the topology does not
//                      have, or listed twice; more threads than explicit CPUs;
//                      a preferred node the topology does not have.
//   kPermissionDenied  explicit CPUs outside `allowed`.
//   kResourceExhausted more threads than allowed logical CPUs (the pool would
//                      oversubscribe its CPUs; ask for fewer).
//   kUnavailable       no CPU of the topology is in `allowed`.
Result<Placement> PlanThreads(const Topology& topology, const PlacementOptions& options,
                              const CpuSet& allowed);

// The same against AllowedCpus() of the calling thread.
Result<Placement> PlanThreads(const Topology& topology, const PlacementOptions& options);

}  // namespace llmcore::hal
