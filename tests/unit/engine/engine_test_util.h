// Shared by the engine tests: the CPU driver, models (the bundled tiny model,
// models from llmcore-mkmodel, edited copies), loading them as the daemon
// does, and a sink that records a request's events.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "driver_test_util.h"  // CpuDriver(): the CPU driver, once per process
#include "llmcore/driver_host/driver_context.h"
#include "llmcore/engine/loaded_model.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/gguf/gguf_file.h"

namespace llmcore::testing {

// Path of a model written by llmcore-mkmodel with `args` (once per distinct
// args in this process, in a temporary directory).
std::string GeneratedModelPath(const std::string& args);

// A file in this process's temporary directory (removed at exit).
std::string TempFile(const std::string& name);

// Changes to a GGUF file made by CopyGguf.
struct GgufEdits {
  std::vector<std::pair<std::string, gguf::Value>> set;  // replaced or added keys
  // May change a tensor's bytes (same size).
  std::function<void(const gguf::TensorInfo&, std::vector<std::byte>&)> tensor;
};
// Writes a copy of `from` with `edits` to `to` (throws on failure).
void CopyGguf(const std::string& from, const std::string& to, const GgufEdits& edits);

struct ModelShape {
  uint32_t n_ctx = 0;
  uint32_t n_seq = 8;
  uint32_t n_batch = 64;
};
// Loads `path` through a model store shared by the tests, on one CPU thread
// (throws on failure).
std::shared_ptr<engine::LoadedModel> LoadModel(const std::string& path, const ModelShape& shape,
                                               const std::string& name = "test-model");
std::shared_ptr<engine::LoadedModel> Stories(const ModelShape& shape = {});

std::unique_ptr<engine::Scheduler> StartScheduler(std::shared_ptr<engine::LoadedModel> model,
                                                  engine::SchedulerLimits limits = {},
                                                  std::function<void()> heartbeat = {});

// Keeps the worker busy for a moment (embeddings of a few texts), so that
// requests submitted right after all start in the same step.
void OccupyWorker(engine::Scheduler& scheduler);

// Greedy decoding of at most `max_tokens`.
engine::GenerationOptions Greedy(uint32_t max_tokens);

// Records one request's events; Wait() blocks until OnFinished.
class RecordingSink : public engine::RequestSink {
 public:
  void OnToken(std::string_view piece, text::TokenId token) override;
  void OnFinished(const engine::GenerationStats& stats) override;

  // The stats of OnFinished, waiting up to `timeout` (throws when it does not come).
  engine::GenerationStats Wait(std::chrono::seconds timeout = std::chrono::seconds(60));
  bool finished() const;
  int finish_count() const;
  std::string text() const;
  std::vector<std::string> pieces() const;
  std::vector<text::TokenId> tokens() const;
  size_t token_count() const;
  // Called (on the worker) after each OnToken with the number of tokens so far.
  void set_on_token(std::function<void(size_t)> f) { on_token_ = std::move(f); }
  // Set when OnToken came after OnFinished.
  bool out_of_order() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> pieces_;
  std::vector<text::TokenId> tokens_;
  std::optional<engine::GenerationStats> stats_;
  int finish_count_ = 0;
  bool out_of_order_ = false;
  std::function<void(size_t)> on_token_;
};

// A sink that slows the worker down (2 ms per token), so that a test can act
// while a long generation is surely still running.
std::shared_ptr<RecordingSink> SlowSink();
// Greedy decoding that ignores end-of-generation: runs until cancelled or
// 4096 tokens.
engine::GenerationOptions Endless();

// Submits and waits for the end (fails the test on a Submit error).
struct Generation {
  std::vector<text::TokenId> tokens;
  std::string text;
  engine::GenerationStats stats;
};
Generation Generate(engine::Scheduler& scheduler, engine::SequenceId seq, engine::Prompt prompt,
                    const engine::GenerationOptions& options);

}  // namespace llmcore::testing
