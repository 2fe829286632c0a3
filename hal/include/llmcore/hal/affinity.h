// CPU affinity of the calling thread: where it may run, and pinning it.
//
// The two calls the thread placement needs from the OS. Placement itself
// (placement.h) is pure; it takes the allowed set as an argument so tests can
// present any.
//
// Thread safety: both calls act on the calling thread only and may be called
// from any thread.
#pragma once

#include "llmcore/hal/cpu_set.h"
#include "llmcore/status.h"

namespace llmcore::hal {

// The logical CPUs the calling thread may run on (sched_getaffinity). This is
// already the intersection of the affinity the process was started with
// (taskset, systemd's CPUAffinity=) and its cgroup cpuset (AllowedCPUs=, a
// container's cpuset): the kernel narrows a task's mask when its cpuset
// shrinks. Call it from a thread that has not been pinned, normally at start.
// Errors: the errno of sched_getaffinity, as a Status naming it.
Result<CpuSet> AllowedCpus();

// Restricts the calling thread to `cpus` (pthread_setaffinity_np).
// Errors: kInvalidArgument for an empty set or a number outside
// [0, kMaxCpus), and when none of the CPUs is online and allowed for this
// process (the kernel's EINVAL); other failures as the errno names them.
Status PinCurrentThread(const CpuSet& cpus);

}  // namespace llmcore::hal
