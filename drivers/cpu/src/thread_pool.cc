#include "thread_pool.h"

#include <algorithm>
#include <future>
#include <system_error>

#include "llmcore/hal/affinity.h"

namespace llmcore::cpu {
namespace {

// How long a thread polls before it sleeps on the atomic (a few microseconds
// to tens of microseconds, depending on the CPU's pause latency): long
// enough to bridge the gap between two matmuls of one forward pass, short
// enough not to burn a core between requests.
constexpr int kSpinIterations = 2000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

Result<std::unique_ptr<ThreadPool>> ThreadPool::Create(const std::vector<hal::CpuSet>& cpus) {
  std::unique_ptr<ThreadPool> pool(new ThreadPool());
  if (cpus.empty()) return Status(StatusCode::kInvalidArgument, "thread pool with no workers");
  std::vector<std::promise<Status>> pinned(cpus.size());
  Status failure;
  pool->workers_.reserve(cpus.size());
  for (size_t i = 0; i < cpus.size(); ++i) {
    try {
      pool->workers_.emplace_back([p = pool.get(), &cpus, &pinned, i] {
        Status status;
        if (!cpus[i].empty()) status = hal::PinCurrentThread(cpus[i]);
        // `cpus` and `pinned` are only touched before this point, while
        // Create() is waiting for the answer.
        pinned[i].set_value(status);
        p->WorkerLoop(static_cast<int>(i));
      });
    } catch (const std::system_error& e) {
      failure = Status(StatusCode::kResourceExhausted,
                       std::string("cannot start a worker thread: ") + e.what());
      pinned.resize(i);
      break;
    }
  }
  for (size_t i = 0; i < pinned.size(); ++i) {
    Status status = pinned[i].get_future().get();
    if (!status.ok() && failure.ok()) {
      failure = status.WithContext("pinning worker " + std::to_string(i) + " to cpus " +
                                   hal::FormatCpuList(cpus[i]));
    }
  }
  if (!failure.ok()) return failure;  // the destructor stops the started workers
  return pool;
}

ThreadPool::~ThreadPool() {
  stop_ = true;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void ThreadPool::Run(int64_t n, int64_t grain, ChunkFn fn, void* ctx) {
  if (n <= 0) return;
  n_ = n;
  grain_ = std::max<int64_t>(1, grain);
  fn_ = fn;
  ctx_ = ctx;
  next_.store(0, std::memory_order_relaxed);
  pending_.store(size(), std::memory_order_relaxed);
  // Release: the fields above are visible to a worker that sees the new
  // generation.
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  int spins = 0;
  for (;;) {
    const int left = pending_.load(std::memory_order_acquire);
    if (left == 0) break;
    if (++spins < kSpinIterations) {
      CpuRelax();
    } else {
      pending_.wait(left, std::memory_order_acquire);
    }
  }
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t generation;
    int spins = 0;
    while ((generation = generation_.load(std::memory_order_acquire)) == seen) {
      if (++spins < kSpinIterations) {
        CpuRelax();
      } else {
        generation_.wait(seen, std::memory_order_acquire);
      }
    }
    seen = generation;
    if (stop_) return;
    for (;;) {
      const int64_t begin = next_.fetch_add(grain_, std::memory_order_relaxed);
      if (begin >= n_) break;
      fn_(ctx_, begin, std::min(n_, begin + grain_), index);
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

}  // namespace llmcore::cpu
