// Shared by the driver tests: the CPU driver and models to run on it,
// loaded the way the daemon loads them (model store segment -> ModelDesc ->
// driver instance), and small helpers to feed tokens and read logits.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "llmcore/driver.h"
#include "llmcore/driver_host/driver_context.h"
#include "llmcore/driver_host/driver_instance.h"
#include "llmcore/driver_host/driver_library.h"
#include "llmcore/driver_host/model_desc.h"
#include "llmcore/store/segment.h"

namespace llmcore::testing {

// Path of the built CPU driver module and of the deliberately broken ones.
std::string CpuDriverPath();
std::string FakeDriverPath(const std::string& variant);  // "no_entry", ...

// A model loaded through the model store, with its driver description.
struct LoadedModel {
  std::string path;
  std::shared_ptr<const store::Segment> segment;
  std::unique_ptr<driver_host::ModelDesc> desc;
};

// Loads a GGUF file (throws std::runtime_error on failure).
std::shared_ptr<LoadedModel> LoadModel(const std::string& path);

// Writes a model with llmcore-mkmodel `args` (once per distinct args in this
// process, in a temporary directory) and loads it.
std::shared_ptr<LoadedModel> GeneratedModel(const std::string& args);

// Opens and initializes the driver module at `path`, its log going to the
// test's stderr at warning level and above (throws std::runtime_error on
// failure). Each call loads and initializes it anew.
std::shared_ptr<driver_host::DriverContext> OpenDriver(const std::string& path);

// The CPU driver, initialized once per process (OpenDriver(CpuDriverPath())).
std::shared_ptr<driver_host::DriverContext> CpuDriver();

// The dynamic symbols a module defines (`nm -D --defined-only`); throws
// std::runtime_error when nm fails.
std::set<std::string> ExportedSymbols(const std::string& module_path);

llmcore_instance_params Params(uint32_t n_ctx, uint32_t n_seq, uint32_t n_batch,
                               uint32_t n_threads = 1);

// Creates an instance on `driver` (throws std::runtime_error on failure).
std::unique_ptr<driver_host::DriverInstance> NewInstance(driver_host::DriverContext& driver,
                                                         const llmcore_model_desc& desc,
                                                         const llmcore_instance_params& params);

// Creates an instance on the CPU driver (throws on failure).
std::unique_ptr<driver_host::DriverInstance> NewInstance(const llmcore_model_desc& desc,
                                                         const llmcore_instance_params& params);

// Feeds `tokens` to `seq` starting at `pos0` in one forward call; returns the
// logits of every position (want_all) or of the last one only.
std::vector<std::vector<float>> Feed(driver_host::DriverInstance& instance, uint32_t n_vocab,
                                     int32_t seq, int32_t pos0, std::span<const int32_t> tokens,
                                     bool want_all);

// Index of the largest value (the lowest index among equals).
int32_t Argmax(std::span<const float> values);

// ||a - b|| / ||b|| (Euclidean).
double NormalizedError(std::span<const float> a, std::span<const float> b);

// Deterministic pseudo-random tokens in [0, n_vocab).
std::vector<int32_t> RandomTokens(size_t n, uint32_t n_vocab, uint64_t seed);

// A copy of a model description whose tensors and strings the test may
// change.
struct EditableDesc {
  explicit EditableDesc(const llmcore_model_desc& base);
  llmcore_tensor_desc* Find(const std::string& name);
  void Remove(const std::string& name);
  void Add(const llmcore_tensor_desc& tensor, std::string name);
  // Refreshes desc's pointers after edits.
  const llmcore_model_desc& get();

  llmcore_model_desc desc;
  std::string architecture;
  std::vector<std::string> names;
  std::vector<llmcore_tensor_desc> tensors;
};

}  // namespace llmcore::testing
