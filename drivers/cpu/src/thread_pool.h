// ThreadPool: the worker threads of one driver instance.
//
// Each worker is pinned to its CPU set when the pool is created (placement
// comes from hal::PlanThreads, see instance.cc), then waits for work. The
// calling thread hands out a range [0, n) in chunks; workers take chunks
// from a shared counter until it runs out, and the call returns when every
// chunk is done. Between two calls workers spin briefly before sleeping, so
// the back-to-back matmuls of a forward pass do not pay a wake-up each.
//
// Results never depend on which worker ran a chunk or how many there are:
// callers write disjoint outputs per index (see kernels.h).
//
// Ownership: one pool per instance; no global state. Threading: Run() is
// called by one thread at a time (the instance's caller); the function it is
// given runs concurrently on the workers and must not throw.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "llmcore/hal/cpu_set.h"
#include "llmcore/status.h"

namespace llmcore::cpu {

class ThreadPool {
 public:
  // A chunk of work: fn(ctx, begin, end, worker), worker in [0, size()).
  using ChunkFn = void (*)(void* ctx, int64_t begin, int64_t end, int worker);

  // Starts one worker per element of `cpus`, pinning it there (an empty set
  // leaves that worker unpinned). Fails, with no thread left running, when
  // a worker cannot be started or pinned (the message names the CPUs).
  static Result<std::unique_ptr<ThreadPool>> Create(const std::vector<hal::CpuSet>& cpus);

  ~ThreadPool();  // stops and joins the workers
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()); }

  // Runs fn over [0, n) in chunks of `grain` (>= 1) on the workers and
  // returns when all are done.
  void Run(int64_t n, int64_t grain, ChunkFn fn, void* ctx);

  // The same with a callable taking (begin, end, worker).
  template <typename F>
  void ParallelFor(int64_t n, int64_t grain, F&& f) {
    Run(
        n, grain,
        [](void* ctx, int64_t begin, int64_t end, int worker) {
          (*static_cast<std::remove_reference_t<F>*>(ctx))(begin, end, worker);
        },
        &f);
  }

 private:
  ThreadPool() = default;
  void WorkerLoop(int index);

  std::vector<std::thread> workers_;
  // Work published by Run(): the generation counter moves once per call.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};  // workers still busy with this generation
  std::atomic<int64_t> next_{0};
  int64_t n_ = 0;
  int64_t grain_ = 1;
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
  bool stop_ = false;
};

}  // namespace llmcore::cpu
