#include "driver_test_util.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore::testing {

std::string CpuDriverPath() {
  return LLMCORE_TEST_CPU_DRIVER;
}

std::string FakeDriverPath(const std::string& variant) {
  return std::string(LLMCORE_TEST_FAKE_DRIVER_DIR) + "/fake-driver-" + variant + ".so";
}

std::shared_ptr<LoadedModel> LoadModel(const std::string& path) {
  static store::ModelStore store;
  auto segment = store.Load(path);
  if (!segment.ok()) throw std::runtime_error(segment.status().ToString());
  auto loaded = std::make_shared<LoadedModel>();
  loaded->path = path;
  loaded->segment = *segment;
  auto desc = driver_host::BuildModelDesc(*loaded->segment);
  if (!desc.ok()) throw std::runtime_error(desc.status().ToString());
  loaded->desc = std::move(desc).value();
  return loaded;
}

std::shared_ptr<LoadedModel> GeneratedModel(const std::string& args) {
  static std::mutex mu;
  static TempDir dir;
  static std::map<std::string, std::shared_ptr<LoadedModel>> models;
  std::lock_guard lock(mu);
  auto it = models.find(args);
  if (it != models.end()) return it->second;
  const std::string path = dir.File("model-" + std::to_string(models.size()) + ".gguf");
  const auto result = RunCommand(BinaryDir() + "/tools/llmcore-mkmodel " + args + " -o " + path);
  if (result.exit_code != 0) {
    throw std::runtime_error("llmcore-mkmodel " + args + " failed: " + result.err);
  }
  auto model = LoadModel(path);
  models.emplace(args, model);
  return model;
}

std::shared_ptr<driver_host::DriverContext> OpenDriver(const std::string& path) {
  auto lib = driver_host::DriverLibrary::Open(path);
  if (!lib.ok()) throw std::runtime_error(lib.status().ToString());
  auto context = driver_host::DriverContext::Create(*lib, [](llmcore_log_level level,
                                                             std::string_view message) {
    if (level <= LLMCORE_LOG_WARNING) {
      std::fprintf(stderr, "driver log: %.*s\n", static_cast<int>(message.size()), message.data());
    }
  });
  if (!context.ok()) throw std::runtime_error(context.status().ToString());
  return *context;
}

std::shared_ptr<driver_host::DriverContext> CpuDriver() {
  static std::shared_ptr<driver_host::DriverContext> ctx = OpenDriver(CpuDriverPath());
  return ctx;
}

std::set<std::string> ExportedSymbols(const std::string& module_path) {
  const auto result = RunCommand("nm -D --defined-only '" + module_path + "'");
  if (result.exit_code != 0) throw std::runtime_error("nm failed: " + result.err);
  std::set<std::string> symbols;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    // "<address> <type> <name>"
    std::istringstream fields(line);
    std::string address, type, name;
    if (fields >> address >> type >> name) symbols.insert(name);
  }
  return symbols;
}

llmcore_instance_params Params(uint32_t n_ctx, uint32_t n_seq, uint32_t n_batch,
                               uint32_t n_threads) {
  llmcore_instance_params p{};
  p.struct_size = sizeof(p);
  p.n_ctx = n_ctx;
  p.n_seq_max = n_seq;
  p.n_batch_max = n_batch;
  p.n_threads = n_threads;
  return p;
}

std::unique_ptr<driver_host::DriverInstance> NewInstance(driver_host::DriverContext& driver,
                                                         const llmcore_model_desc& desc,
                                                         const llmcore_instance_params& params) {
  auto instance = driver.CreateInstance(desc, params);
  if (!instance.ok()) throw std::runtime_error(instance.status().ToString());
  return std::move(instance).value();
}

std::unique_ptr<driver_host::DriverInstance> NewInstance(const llmcore_model_desc& desc,
                                                         const llmcore_instance_params& params) {
  return NewInstance(*CpuDriver(), desc, params);
}

std::vector<std::vector<float>> Feed(driver_host::DriverInstance& instance, uint32_t n_vocab,
                                     int32_t seq, int32_t pos0, std::span<const int32_t> tokens,
                                     bool want_all) {
  std::vector<llmcore_batch_entry> entries;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const bool want = want_all || i + 1 == tokens.size();
    entries.push_back({seq, pos0 + static_cast<int32_t>(i), tokens[i], want ? 1u : 0u});
  }
  const size_t rows = want_all ? tokens.size() : 1;
  std::vector<float> logits(rows * n_vocab);
  Status status = instance.Forward(entries, logits);
  if (!status.ok()) throw std::runtime_error(status.ToString());
  std::vector<std::vector<float>> out;
  for (size_t r = 0; r < rows; ++r) {
    out.emplace_back(logits.begin() + r * n_vocab, logits.begin() + (r + 1) * n_vocab);
  }
  return out;
}

int32_t Argmax(std::span<const float> values) {
  size_t best = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] > values[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

double NormalizedError(std::span<const float> a, std::span<const float> b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    norm += double{b[i]} * b[i];
  }
  return std::sqrt(diff) / std::sqrt(norm);
}

std::vector<int32_t> RandomTokens(size_t n, uint32_t n_vocab, uint64_t seed) {
  std::vector<int32_t> tokens;
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    tokens.push_back(static_cast<int32_t>(state % n_vocab));
  }
  return tokens;
}

EditableDesc::EditableDesc(const llmcore_model_desc& base) : desc(base) {
  architecture = base.architecture;
  for (uint32_t i = 0; i < base.n_tensors; ++i) {
    names.emplace_back(base.tensors[i].name);
    tensors.push_back(base.tensors[i]);
  }
}

llmcore_tensor_desc* EditableDesc::Find(const std::string& name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return &tensors[i];
  }
  throw std::runtime_error("no tensor " + name);
}

void EditableDesc::Remove(const std::string& name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      names.erase(names.begin() + static_cast<ptrdiff_t>(i));
      tensors.erase(tensors.begin() + static_cast<ptrdiff_t>(i));
      return;
    }
  }
  throw std::runtime_error("no tensor " + name);
}

void EditableDesc::Add(const llmcore_tensor_desc& tensor, std::string name) {
  tensors.push_back(tensor);
  names.push_back(std::move(name));
}

const llmcore_model_desc& EditableDesc::get() {
  for (size_t i = 0; i < names.size(); ++i) tensors[i].name = names[i].c_str();
  desc.architecture = architecture.c_str();
  desc.tensors = tensors.data();
  desc.n_tensors = static_cast<uint32_t>(tensors.size());
  return desc;
}

}  // namespace llmcore::testing
