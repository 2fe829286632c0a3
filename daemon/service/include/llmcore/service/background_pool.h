// BackgroundPool: a few worker threads for the work the event loop must not
// do itself (tokenizing a long prompt, scanning model directories, reading a
// model's weights).
//
// Run(work, done): `work` runs on a pool thread; its result is handed to
// `done` on the loop thread through the LoopDispatcher. Jobs run in FIFO order
// as threads free up. Shutdown() finishes running jobs, drops queued ones and
// joins; jobs must therefore be bounded (a model load honours its cancel flag).
//
// Thread safety: Run() from any thread; Shutdown() from the loop thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "llmcore/service/loop_dispatcher.h"

namespace llmcore::service {

class BackgroundPool {
 public:
  BackgroundPool(std::shared_ptr<LoopDispatcher> dispatcher, unsigned threads);
  ~BackgroundPool();
  BackgroundPool(const BackgroundPool&) = delete;
  BackgroundPool& operator=(const BackgroundPool&) = delete;

  // `work` returns the closure to run on the loop thread (may be empty).
  void Run(std::function<LoopDispatcher::Task()> work);
  void Shutdown();

 private:
  void WorkerMain();

  std::shared_ptr<LoopDispatcher> dispatcher_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<LoopDispatcher::Task()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace llmcore::service
