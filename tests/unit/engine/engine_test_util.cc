#include "engine_test_util.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <thread>

#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/writer.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore::testing {
namespace {

TempDir& Dir() {
  static TempDir dir;
  return dir;
}

}  // namespace

std::string TempFile(const std::string& name) {
  return Dir().File(name);
}

std::string GeneratedModelPath(const std::string& args) {
  static std::mutex mu;
  static std::map<std::string, std::string> paths;
  std::lock_guard lock(mu);
  auto it = paths.find(args);
  if (it != paths.end()) return it->second;
  const std::string path = TempFile("generated-" + std::to_string(paths.size()) + ".gguf");
  const auto result = RunCommand(BinaryDir() + "/tools/llmcore-mkmodel " + args + " -o " + path);
  if (result.exit_code != 0) {
    throw std::runtime_error("llmcore-mkmodel " + args + " failed: " + result.err);
  }
  paths.emplace(args, path);
  return path;
}

void CopyGguf(const std::string& from, const std::string& to, const GgufEdits& edits) {
  auto file = gguf::ReadGgufFile(from);
  if (!file.ok()) throw std::runtime_error(file.status().ToString());
  const std::vector<std::byte> bytes = ReadFileBytes(from);
  gguf::GgufWriter writer(file->alignment());
  auto check = [](const Status& s) {
    if (!s.ok()) throw std::runtime_error(s.ToString());
  };
  for (const gguf::KeyValue& kv : file->metadata()) {
    if (kv.key == "general.alignment") continue;
    const gguf::Value* value = &kv.value;
    for (const auto& [key, replacement] : edits.set) {
      if (key == kv.key) value = &replacement;
    }
    check(writer.Add(kv.key, *value));
  }
  for (const auto& [key, value] : edits.set) {
    if (file->Find(key) == nullptr) check(writer.Add(key, value));
  }
  for (const gguf::TensorInfo& t : file->tensors()) {
    const auto begin = bytes.begin() + static_cast<ptrdiff_t>(file->data_offset() + t.offset);
    std::vector<std::byte> data(begin, begin + static_cast<ptrdiff_t>(t.n_bytes));
    if (edits.tensor) edits.tensor(t, data);
    std::vector<uint64_t> shape(t.ne.begin(), t.ne.begin() + t.n_dims);
    check(writer.AddTensor(t.name, t.type, shape, data));
  }
  check(writer.WriteFile(to));
}

std::shared_ptr<engine::LoadedModel> LoadModel(const std::string& path, const ModelShape& shape,
                                               const std::string& name) {
  static store::ModelStore store;
  engine::ModelLoadOptions options;
  options.name = name;
  options.path = path;
  options.n_ctx = shape.n_ctx;
  options.n_seq_max = shape.n_seq;
  options.n_batch_max = shape.n_batch;
  options.n_threads = 1;
  auto model = engine::LoadedModel::Load(store, CpuDriver(), options);
  if (!model.ok()) throw std::runtime_error(model.status().ToString());
  return *model;
}

std::shared_ptr<engine::LoadedModel> Stories(const ModelShape& shape) {
  return LoadModel(BundledModelPath(), shape, "stories260K");
}

std::unique_ptr<engine::Scheduler> StartScheduler(std::shared_ptr<engine::LoadedModel> model,
                                                  engine::SchedulerLimits limits,
                                                  std::function<void()> heartbeat) {
  auto scheduler = engine::Scheduler::Start(std::move(model), limits, std::move(heartbeat));
  if (!scheduler.ok()) throw std::runtime_error(scheduler.status().ToString());
  return std::move(scheduler).value();
}

void OccupyWorker(engine::Scheduler& scheduler) {
  // About 30 tokens: milliseconds of work, while a Submit takes microseconds.
  const std::string text =
      "The little dog ran to the big tree. The sun was warm. The bird sang a happy song.";
  const Status status = scheduler.Embed(0, {text}, [](auto) {});
  if (!status.ok()) throw std::runtime_error("Embed: " + status.ToString());
}

engine::GenerationOptions Greedy(uint32_t max_tokens) {
  engine::GenerationOptions options;
  options.sampling.temperature = 0;
  options.max_tokens = max_tokens;
  return options;
}

engine::GenerationOptions Endless() {
  auto options = Greedy(4096);
  options.ignore_eos = true;
  return options;
}

std::shared_ptr<RecordingSink> SlowSink() {
  auto sink = std::make_shared<RecordingSink>();
  sink->set_on_token([](size_t) { std::this_thread::sleep_for(std::chrono::milliseconds(2)); });
  return sink;
}

void RecordingSink::OnToken(std::string_view piece, text::TokenId token) {
  size_t n = 0;
  {
    std::lock_guard lock(mu_);
    if (stats_) out_of_order_ = true;
    pieces_.emplace_back(piece);
    tokens_.push_back(token);
    n = tokens_.size();
  }
  if (on_token_) on_token_(n);
}

void RecordingSink::OnFinished(const engine::GenerationStats& stats) {
  {
    std::lock_guard lock(mu_);
    ++finish_count_;
    stats_ = stats;
  }
  cv_.notify_all();
}

engine::GenerationStats RecordingSink::Wait(std::chrono::seconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [this] { return stats_.has_value(); })) {
    throw std::runtime_error("the request did not finish in time");
  }
  return *stats_;
}

bool RecordingSink::finished() const {
  std::lock_guard lock(mu_);
  return stats_.has_value();
}
int RecordingSink::finish_count() const {
  std::lock_guard lock(mu_);
  return finish_count_;
}
std::string RecordingSink::text() const {
  std::lock_guard lock(mu_);
  std::string all;
  for (const std::string& p : pieces_) all += p;
  return all;
}
std::vector<std::string> RecordingSink::pieces() const {
  std::lock_guard lock(mu_);
  return pieces_;
}
std::vector<text::TokenId> RecordingSink::tokens() const {
  std::lock_guard lock(mu_);
  return tokens_;
}
size_t RecordingSink::token_count() const {
  std::lock_guard lock(mu_);
  return tokens_.size();
}
bool RecordingSink::out_of_order() const {
  std::lock_guard lock(mu_);
  return out_of_order_;
}

Generation Generate(engine::Scheduler& scheduler, engine::SequenceId seq, engine::Prompt prompt,
                    const engine::GenerationOptions& options) {
  auto sink = std::make_shared<RecordingSink>();
  auto id = scheduler.Submit(seq, std::move(prompt), options, sink);
  if (!id.ok()) throw std::runtime_error("Submit: " + id.status().ToString());
  Generation g;
  g.stats = sink->Wait();
  g.tokens = sink->tokens();
  g.text = sink->text();
  EXPECT_EQ(sink->finish_count(), 1);
  EXPECT_FALSE(sink->out_of_order());
  return g;
}

}  // namespace llmcore::testing
