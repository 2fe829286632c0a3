#include "llmcore/engine/loaded_model.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/source.h"
#include "llmcore/log.h"
#include "llmcore/unique_fd.h"

namespace llmcore::engine {
namespace {

// Default positions per sequence when the caller leaves n_ctx at 0: enough
// for a conversation, small enough that KV memory stays modest.
constexpr uint32_t kDefaultCtx = 4096;

Result<gguf::FileSource> OpenSource(const ModelLoadOptions& options) {
  if (options.fd < 0) return gguf::FileSource::Open(options.path);
  // A private duplicate: the caller keeps its fd, the source closes its own.
  UniqueFd dup(fcntl(options.fd, F_DUPFD_CLOEXEC, 0));
  if (!dup) return ErrnoStatus(errno, "duplicating the file descriptor of " + options.path);
  return gguf::FileSource::FromFd(std::move(dup), options.path);
}

uint32_t ChooseCtx(uint32_t requested, uint32_t trained, const std::string& name) {
  if (requested == 0) return trained == 0 ? kDefaultCtx : std::min(trained, kDefaultCtx);
  if (trained != 0 && requested > trained) {
    Logf(LogLevel::kInfo, "{}: n_ctx {} capped at the model's trained context of {}", name,
         requested, trained);
    return trained;
  }
  return requested;
}

std::optional<text::ChatTemplate> FindChatTemplate(const gguf::GgufFile& file,
                                                   const text::Tokenizer& tokenizer,
                                                   const std::string& name) {
  auto source = file.GetString("tokenizer.chat_template");
  if (!source.ok()) {
    Logf(LogLevel::kInfo, "{}: no chat template (tokenizer.chat_template absent)", name);
    return std::nullopt;
  }
  text::ChatSpecialTexts special;
  const text::SpecialTokenIds& ids = tokenizer.special_ids();
  if (ids.bos != text::kNoToken) special.bos = std::string(tokenizer.token_text(ids.bos));
  if (ids.eos != text::kNoToken) special.eos = std::string(tokenizer.token_text(ids.eos));
  auto chat = text::DetectChatTemplate(*source, special);
  if (!chat.ok()) {
    Logf(LogLevel::kInfo, "{}: no chat template: {}", name, chat.status().message());
    return std::nullopt;
  }
  Logf(LogLevel::kInfo, "{}: chat template {}", name, chat->name());
  return std::move(chat).value();
}

}  // namespace

// Members in construction order; the instance, declared after the segment
// and the description it reads, is destroyed before them.
struct LoadedModel::State {
  std::string name;
  gguf::GgufFile file;
  std::shared_ptr<const store::Segment> segment;
  std::unique_ptr<driver_host::ModelDesc> desc;
  std::unique_ptr<ModelInstance> serving;
  std::unique_ptr<text::Tokenizer> tokenizer;
  std::optional<text::ChatTemplate> chat_template;
  uint32_t n_ctx = 0;
  uint32_t n_seq_max = 0;
  uint32_t n_batch_max = 0;
  // Guards serving->placement (read from any thread, exchanged by the worker).
  mutable std::mutex placement_mu;
};

LoadedModel::LoadedModel() : state_(std::make_unique<State>()) {}
LoadedModel::~LoadedModel() = default;

Result<std::shared_ptr<LoadedModel>> LoadedModel::Load(
    store::ModelStore& store, std::shared_ptr<driver_host::DriverContext> driver,
    const ModelLoadOptions& options) {
  const std::string& name = options.name;
  auto named = [&name](const Status& status) { return status.WithContext(name); };
  if (driver == nullptr) return Status(StatusCode::kInvalidArgument, name + ": no driver");
  if (options.n_seq_max == 0 || options.n_seq_max >= UINT32_MAX) {
    return Status(StatusCode::kInvalidArgument, name + ": n_seq_max must be at least 1");
  }
  if (options.n_batch_max == 0) {
    return Status(StatusCode::kInvalidArgument, name + ": n_batch_max must be at least 1");
  }

  std::shared_ptr<LoadedModel> model(new LoadedModel());
  State& s = *model->state_;
  s.name = name;

  auto source = OpenSource(options);
  if (!source.ok()) return named(source.status());
  auto file = gguf::ReadGguf(*source);
  if (!file.ok()) return named(file.status().WithContext(options.path));
  s.file = std::move(file).value();

  // The tokenizer first: it is cheap, and a model whose vocabulary llmcore
  // cannot read is refused before gigabytes are read.
  auto tokenizer = text::CreateTokenizer(s.file);
  if (!tokenizer.ok()) return named(tokenizer.status());
  s.tokenizer = std::move(tokenizer).value();

  store::LoadOptions load;
  load.progress = options.progress;
  load.cancel = options.cancel;
  auto segment = store.Load(options.path, source->fd(), s.file, load);
  if (!segment.ok()) return named(segment.status());
  s.segment = std::move(segment).value();
  auto desc = driver_host::BuildModelDesc(*s.segment);
  if (!desc.ok()) return named(desc.status());
  s.desc = std::move(desc).value();
  const llmcore_model_desc& d = s.desc->desc();
  if (s.tokenizer->vocab_size() > d.n_vocab) {
    return Status(StatusCode::kCorrupt,
                  name + ": the vocabulary has " + std::to_string(s.tokenizer->vocab_size()) +
                      " tokens but token_embd.weight only " + std::to_string(d.n_vocab) + " rows");
  }

  s.n_ctx = ChooseCtx(options.n_ctx, d.n_ctx_train, name);
  s.n_seq_max = options.n_seq_max;
  s.n_batch_max = options.n_batch_max;
  InstancePlacement placement{std::move(driver), options.device_index, options.n_threads};
  auto instance = model->BuildInstance(placement);
  if (!instance.ok()) return instance.status();
  s.serving = std::move(instance).value();

  s.chat_template = FindChatTemplate(s.file, *s.tokenizer, name);
  Logf(LogLevel::kInfo,
       "{}: loaded on driver {} ({}): n_ctx {}, {} sequences, batches of {}, {} MiB", name,
       s.serving->placement.driver, s.serving->placement.device, s.n_ctx, s.n_seq_max,
       s.n_batch_max, s.segment->size() >> 20);
  return model;
}

const std::string& LoadedModel::name() const {
  return state_->name;
}
const gguf::GgufFile& LoadedModel::metadata() const {
  return state_->file;
}
const text::Tokenizer& LoadedModel::tokenizer() const {
  return *state_->tokenizer;
}
const std::optional<text::ChatTemplate>& LoadedModel::chat_template() const {
  return state_->chat_template;
}
std::string LoadedModel::driver_name() const {
  return placement().driver;
}
std::string LoadedModel::device_name() const {
  return placement().device;
}
PlacementInfo LoadedModel::placement() const {
  std::lock_guard lock(state_->placement_mu);
  return state_->serving->placement;
}
InstancePlacement LoadedModel::instance_placement() const {
  std::lock_guard lock(state_->placement_mu);
  const ModelInstance& serving = *state_->serving;
  return {serving.driver, serving.placement.device_index, serving.placement.n_threads};
}
uint32_t LoadedModel::n_ctx() const {
  return state_->n_ctx;
}
uint32_t LoadedModel::n_seq_max() const {
  return state_->n_seq_max;
}
uint32_t LoadedModel::n_batch_max() const {
  return state_->n_batch_max;
}
uint32_t LoadedModel::n_vocab() const {
  return state_->desc->desc().n_vocab;
}
uint32_t LoadedModel::n_embd() const {
  return state_->desc->desc().n_embd;
}
uint64_t LoadedModel::resident_bytes() const {
  return state_->segment->size();
}
uint64_t LoadedModel::kv_bytes_per_sequence() const {
  const llmcore_model_desc& d = state_->desc->desc();
  // Keys and values, every layer.
  return 2ull * d.n_layer * d.n_head_kv * d.head_dim * sizeof(float) * state_->n_ctx;
}
bool LoadedModel::supports_embeddings() const {
  std::lock_guard lock(state_->placement_mu);
  return state_->serving->instance->supports_embeddings();
}

Result<std::unique_ptr<ModelInstance>> LoadedModel::BuildInstance(
    const InstancePlacement& placement) const {
  const State& s = *state_;
  if (placement.driver == nullptr)
    return Status(StatusCode::kInvalidArgument, s.name + ": no driver");
  llmcore_instance_params params{};
  params.struct_size = sizeof(params);
  params.device_index = placement.device_index;
  params.n_ctx = placement.n_ctx != 0 ? std::min(placement.n_ctx, s.n_ctx) : s.n_ctx;
  // The last sequence: the scheduler's one-shot work.
  params.n_seq_max =
      placement.n_seq_max != 0 ? std::min(placement.n_seq_max, s.n_seq_max + 1) : s.n_seq_max + 1;
  params.n_batch_max = s.n_batch_max;
  params.n_threads = placement.n_threads;
  auto instance = placement.driver->CreateInstance(s.desc->desc(), params);
  if (!instance.ok()) return instance.status().WithContext(s.name);
  auto built = std::make_unique<ModelInstance>();
  built->driver = placement.driver;
  built->instance = std::move(instance).value();
  PlacementInfo& info = built->placement;
  info.driver = placement.driver->name();
  info.driver_version = placement.driver->library().version();
  info.device_index = placement.device_index;
  info.n_threads = placement.n_threads;
  auto device = placement.driver->DeviceInfo(placement.device_index);
  if (device.ok()) info.device.assign(device->name, strnlen(device->name, sizeof(device->name)));
  return built;
}

driver_host::DriverInstance& LoadedModel::instance() {
  return *state_->serving->instance;
}

std::unique_ptr<ModelInstance> LoadedModel::ExchangeInstance(std::unique_ptr<ModelInstance> next) {
  std::lock_guard lock(state_->placement_mu);
  std::swap(state_->serving, next);
  return next;
}

}  // namespace llmcore::engine
