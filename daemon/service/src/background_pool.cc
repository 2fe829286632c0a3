#include "llmcore/service/background_pool.h"

#include <pthread.h>

namespace llmcore::service {

BackgroundPool::BackgroundPool(std::shared_ptr<LoopDispatcher> dispatcher, unsigned threads)
    : dispatcher_(std::move(dispatcher)) {
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { WorkerMain(); });
    pthread_setname_np(threads_.back().native_handle(), "llmcored-bg");
  }
}

BackgroundPool::~BackgroundPool() {
  Shutdown();
}

void BackgroundPool::Run(std::function<LoopDispatcher::Task()> work) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(work));
  }
  wake_.notify_one();
}

void BackgroundPool::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void BackgroundPool::WorkerMain() {
  for (;;) {
    std::function<LoopDispatcher::Task()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    LoopDispatcher::Task done = job();
    if (done) dispatcher_->Post(std::move(done));
  }
}

}  // namespace llmcore::service
