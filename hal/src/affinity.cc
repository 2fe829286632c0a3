#include "llmcore/hal/affinity.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace llmcore::hal {
namespace {

// cpu_set_t of a run-time size: the fixed one stops at 1024 CPUs.
struct CpuSetFree {
  void operator()(cpu_set_t* set) const { CPU_FREE(set); }
};
using DynamicCpuSet = std::unique_ptr<cpu_set_t, CpuSetFree>;

}  // namespace

Result<CpuSet> AllowedCpus() {
  // The kernel fails with EINVAL while the buffer is smaller than its
  // nr_cpu_ids; grow until it fits.
  for (int capacity = 1024; capacity <= kMaxCpus; capacity *= 2) {
    DynamicCpuSet set(CPU_ALLOC(capacity));
    if (!set) return Status(StatusCode::kResourceExhausted, "CPU_ALLOC failed");
    const size_t bytes = CPU_ALLOC_SIZE(capacity);
    CPU_ZERO_S(bytes, set.get());
    if (sched_getaffinity(0, bytes, set.get()) == 0) {
      CpuSet out;
      for (int cpu = 0; cpu < capacity; ++cpu) {
        if (CPU_ISSET_S(cpu, bytes, set.get())) out.push_back(cpu);
      }
      return out;
    }
    if (errno != EINVAL) return ErrnoStatus(errno, "sched_getaffinity");
  }
  return Status(StatusCode::kUnsupported,
                fmt::format("sched_getaffinity: the kernel has more than {} CPUs", kMaxCpus));
}

Status PinCurrentThread(const CpuSet& cpus) {
  if (cpus.empty()) return Status(StatusCode::kInvalidArgument, "pin thread: empty CPU set");
  int highest = 0;
  for (int cpu : cpus) {
    if (cpu < 0 || cpu >= kMaxCpus) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("pin thread: {} is not a CPU number", cpu));
    }
    highest = std::max(highest, cpu);
  }
  DynamicCpuSet set(CPU_ALLOC(highest + 1));
  if (!set) return Status(StatusCode::kResourceExhausted, "CPU_ALLOC failed");
  const size_t bytes = CPU_ALLOC_SIZE(highest + 1);
  CPU_ZERO_S(bytes, set.get());
  for (int cpu : cpus) CPU_SET_S(cpu, bytes, set.get());

  // pthread_* return the error instead of setting errno.
  const int err = pthread_setaffinity_np(pthread_self(), bytes, set.get());
  if (err == 0) return Status::Ok();
  const std::string what = fmt::format("pthread_setaffinity_np(cpus {})", FormatCpuList(cpus));
  if (err == EINVAL) {
    return Status(StatusCode::kInvalidArgument,
                  what + ": none of these CPUs is online and allowed for this process");
  }
  return ErrnoStatus(err, what);
}

}  // namespace llmcore::hal
