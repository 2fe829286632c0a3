#include "llmcore/service/model_manager.h"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>

#include "llmcore/log.h"
#include "llmcore/registry/open_model_file.h"

namespace llmcore::service {
namespace {

int64_t MonotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// What one sequence at full context may hold, an upper bound from what the
// registry knows (keys and values of every layer, 32-bit floats, at most
// n_embd wide): a device must have room for the weights and that much.
// Drivers grow the KV cache as sequences are used.
uint64_t KvBytesOfOneSequence(const registry::ModelEntry& entry, uint32_t configured_ctx) {
  uint32_t n_ctx = configured_ctx != 0 ? configured_ctx : 4096;
  if (entry.context_length != 0) n_ctx = std::min(n_ctx, entry.context_length);
  return 2ull * entry.layers * entry.embedding_length * sizeof(float) * n_ctx;
}

}  // namespace

const char* ModelStateName(ModelState state) {
  switch (state) {
    case ModelState::kAvailable: return "available";
    case ModelState::kLoading: return "loading";
    case ModelState::kLoaded: return "loaded";
  }
  return "available";
}

ModelManager::ModelManager(std::shared_ptr<LoopDispatcher> dispatcher, BackgroundPool& pool,
                           std::shared_ptr<driver_host::DriverManager> drivers,
                           ServiceSettings settings, Observer& observer)
    : dispatcher_(std::move(dispatcher)),
      pool_(pool),
      drivers_(std::move(drivers)),
      settings_(std::move(settings)),
      observer_(observer),
      registry_(std::make_shared<registry::ModelRegistry>()) {}

ModelManager::~ModelManager() {
  StopAll();
}

void ModelManager::Rescan(std::function<void()> done) {
  auto registry = registry_;
  auto sources = settings_.model_sources;
  pool_.Run([registry, sources, done = std::move(done)]() -> LoopDispatcher::Task {
    const auto report = registry->Scan(sources);
    Logf(LogLevel::kInfo, "model registry: {} models found, {} files skipped",
         registry->List().size(), report.skipped.size());
    return done;
  });
}

std::vector<registry::ModelEntry> ModelManager::List() const {
  return registry_->List();
}

std::string ModelManager::Resolve(std::string_view name) const {
  return name.empty() ? settings_.default_model : std::string(name);
}

Result<registry::ModelEntry> ModelManager::Find(std::string_view name) const {
  const std::string resolved = Resolve(name);
  if (resolved.empty()) {
    return Status(StatusCode::kNotFound, "no model named and no default model configured");
  }
  return registry_->Find(resolved);
}

ModelState ModelManager::StateOf(const std::string& name) const {
  auto it = slots_.find(name);
  return it == slots_.end() ? ModelState::kAvailable : it->second->state;
}

std::shared_ptr<ModelSlot> ModelManager::Loaded(const std::string& name) const {
  auto it = slots_.find(name);
  if (it == slots_.end() || it->second->state != ModelState::kLoaded) return nullptr;
  return it->second;
}

std::vector<std::string> ModelManager::LoadedNames() const {
  std::vector<std::string> names;
  for (const auto& [name, slot] : slots_) {
    if (slot->state == ModelState::kLoaded) names.push_back(name);
  }
  return names;
}

bool ModelManager::AnyLoading() const {
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const auto& kv) { return kv.second->state == ModelState::kLoading; });
}

void ModelManager::Acquire(std::string_view name, bool pin, AcquireDone done) {
  Acquire(name, pin, PlacementChoice{}, std::move(done));
}

void ModelManager::Acquire(std::string_view name, bool pin, PlacementChoice placement,
                           AcquireDone done) {
  auto entry = Find(name);
  if (!entry.ok()) {
    done(entry.status());
    return;
  }
  auto it = slots_.find(entry->name);
  if (it != slots_.end()) {
    const std::shared_ptr<ModelSlot>& slot = it->second;
    slot->pinned = slot->pinned || pin;
    slot->last_used = std::chrono::steady_clock::now();
    if (slot->state == ModelState::kLoaded) {
      done(slot);
    } else {
      slot->waiters.push_back(std::move(done));
    }
    return;
  }
  auto slot = std::make_shared<ModelSlot>();
  slot->name = entry->name;
  slot->entry = std::move(*entry);
  slot->pinned = pin || std::find(settings_.pinned.begin(), settings_.pinned.end(), slot->name) !=
                            settings_.pinned.end();
  slot->requested_driver = std::move(placement.driver);
  slot->requested_device = std::move(placement.device);
  if (Status room = MakeRoom(slot->entry.size, slot->name); !room.ok()) {
    done(room);
    return;
  }
  slot->waiters.push_back(std::move(done));
  slots_.emplace(slot->name, slot);
  StartLoad(slot);
}

Status ModelManager::MakeRoom(uint64_t bytes, const std::string& for_model) {
  const uint64_t budget = settings_.memory_budget_bytes;
  if (budget == 0) return Status::Ok();
  auto used = [this] {
    uint64_t sum = 0;
    for (const auto& [name, slot] : slots_) sum += slot->entry.size;
    return sum;
  };
  if (bytes > budget) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("model '{}' needs {} MiB, more than the memory budget of {} MiB",
                              for_model, bytes >> 20, budget >> 20));
  }
  while (used() + bytes > budget) {
    std::shared_ptr<ModelSlot> victim;
    for (const auto& [name, slot] : slots_) {
      if (slot->state != ModelState::kLoaded || slot->pinned) continue;
      const auto load = slot->scheduler->load();
      if (load.sequences_open != 0 || load.requests_active != 0) continue;
      if (!victim || slot->last_used < victim->last_used) victim = slot;
    }
    if (!victim) {
      return Status(StatusCode::kResourceExhausted,
                    fmt::format("not enough memory for model '{}': it needs {} MiB, {} of the "
                                "{} MiB budget are used by models in use or pinned",
                                for_model, bytes >> 20, used() >> 20, budget >> 20));
    }
    Logf(LogLevel::kInfo, "unloading idle model '{}' to make room for '{}'", victim->name,
         for_model);
    (void)Unload(victim->name, "memory");
  }
  return Status::Ok();
}

void ModelManager::StartLoad(const std::shared_ptr<ModelSlot>& slot) {
  Logf(LogLevel::kInfo, "loading model '{}' from {}", slot->name, slot->entry.path);
  engine::ModelLoadOptions options;
  options.name = slot->name;
  options.path = slot->entry.path;
  options.n_ctx = settings_.context_length;
  options.n_seq_max = settings_.max_sequences;
  options.n_batch_max = settings_.batch_size;
  options.n_threads = settings_.threads;
  options.cancel = slot->cancel.get();
  std::weak_ptr<LoopDispatcher> weak_dispatcher = dispatcher_;
  std::weak_ptr<ModelSlot> weak_slot = slot;
  Observer* observer = &observer_;
  // Progress is reported at most every 64 MiB and at the end, so a fast load
  // does not flood the bus.
  auto last_reported = std::make_shared<uint64_t>(0);
  options.progress = [weak_dispatcher, weak_slot, observer,
                      last_reported](const store::LoadProgress& progress) {
    if (progress.bytes_done != progress.bytes_total &&
        progress.bytes_done - *last_reported < (64ull << 20) && *last_reported != 0) {
      return;
    }
    *last_reported = progress.bytes_done == 0 ? 1 : progress.bytes_done;
    if (auto dispatcher = weak_dispatcher.lock()) {
      dispatcher->Post(
          [observer, weak_slot, done = progress.bytes_done, total = progress.bytes_total] {
            auto loading = weak_slot.lock();
            if (!loading) return;
            loading->load_progress_complete = done == total;
            observer->OnLoadProgress(loading->name, done, total);
          });
    }
  };
  registry::ModelEntry entry = slot->entry;
  store::ModelStore* store = &store_;
  driver_host::PlacementRequest where;
  where.driver = slot->requested_driver;
  where.device = slot->requested_device;
  where.weights_bytes = entry.size;
  where.kv_bytes = KvBytesOfOneSequence(entry, options.n_ctx);
  auto drivers = drivers_;
  pool_.Run([this, slot, entry, options, store, drivers, where]() mutable -> LoopDispatcher::Task {
    Result<std::shared_ptr<engine::LoadedModel>> loaded =
        Status(StatusCode::kInternal, "not loaded");
    auto placed = drivers->Place(where);
    auto fd = registry::OpenModelFile(entry);
    if (!placed.ok()) {
      // An unknown device is the caller's mistake, not a missing model.
      const Status& why = placed.status();
      loaded =
          Status(why.code() == StatusCode::kNotFound ? StatusCode::kInvalidArgument : why.code(),
                 entry.name + ": " + why.message());
    } else if (!fd.ok()) {
      loaded = fd.status();
    } else {
      options.fd = fd->get();
      options.device_index = placed->device_index;
      loaded = engine::LoadedModel::Load(*store, placed->driver, options);
    }
    return
        [this, slot, loaded = std::move(loaded)]() mutable { FinishLoad(slot, std::move(loaded)); };
  });
}

void ModelManager::FinishLoad(const std::shared_ptr<ModelSlot>& slot,
                              Result<std::shared_ptr<engine::LoadedModel>> loaded) {
  auto waiters = std::move(slot->waiters);
  slot->waiters.clear();
  auto it = slots_.find(slot->name);
  const bool still_wanted = it != slots_.end() && it->second == slot && !slot->cancel->load();
  if (loaded.ok() && still_wanted) {
    engine::SchedulerLimits limits;
    limits.max_queued = settings_.max_queued;
    limits.max_queued_per_uid = settings_.max_queued_per_user;
    limits.max_prompt_bytes = settings_.max_prompt_bytes;
    limits.max_tokens = settings_.max_tokens;
    slot->heartbeat_ms->store(MonotonicMs());
    auto beat = slot->heartbeat_ms;
    auto scheduler =
        engine::Scheduler::Start(*loaded, limits, [beat] { beat->store(MonotonicMs()); });
    if (scheduler.ok()) {
      slot->model = std::move(*loaded);
      slot->scheduler = std::move(*scheduler);
      slot->state = ModelState::kLoaded;
      slot->last_used = std::chrono::steady_clock::now();
      Logf(LogLevel::kInfo, "model '{}' loaded on driver {} ({})", slot->name,
           slot->model->driver_name(), slot->model->device_name());
      if (!slot->load_progress_complete) {
        observer_.OnLoadProgress(slot->name, slot->entry.size, slot->entry.size);
      }
      observer_.OnModelLoaded(slot->name);
      for (auto& waiter : waiters) waiter(slot);
      return;
    }
    loaded = scheduler.status();
  }
  Status failure = loaded.ok() ? Status(StatusCode::kCancelled,
                                        fmt::format("the load of '{}' was cancelled", slot->name))
                               : loaded.status();
  if (still_wanted) {
    slots_.erase(it);
    Logf(LogLevel::kError, "loading model '{}' failed: {}", slot->name, failure.message());
  }
  for (auto& waiter : waiters) waiter(failure);
}

Status ModelManager::Unload(const std::string& name, const std::string& reason) {
  auto it = slots_.find(name);
  if (it == slots_.end()) {
    return Status(StatusCode::kNotFound, fmt::format("model '{}' is not loaded", name));
  }
  std::shared_ptr<ModelSlot> slot = it->second;
  slots_.erase(it);
  if (slot->state == ModelState::kLoading) {
    slot->cancel->store(true);  // FinishLoad answers the waiters
    Logf(LogLevel::kInfo, "load of model '{}' cancelled ({})", name, reason);
    return Status::Ok();
  }
  Logf(LogLevel::kInfo, "unloading model '{}' ({})", name, reason);
  RetireSlot(std::move(slot));
  observer_.OnModelUnloaded(name, reason);
  return Status::Ok();
}

void ModelManager::RetireSlot(std::shared_ptr<ModelSlot> slot) {
  // Stopping joins the worker, which may be inside a forward pass: do it off
  // the loop thread. The requests it ends report through the dispatcher.
  pool_.Run([slot]() -> LoopDispatcher::Task {
    if (slot->scheduler) slot->scheduler->Stop();
    return [slot] {
      slot->scheduler.reset();
      slot->model.reset();
    };
  });
}

void ModelManager::CheckIdle() {
  if (!settings_.keep_alive) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> idle;
  for (const auto& [name, slot] : slots_) {
    if (slot->state != ModelState::kLoaded || slot->pinned) continue;
    const auto load = slot->scheduler->load();
    if (load.sequences_open != 0 || load.requests_active != 0) {
      slot->last_used = now;
      continue;
    }
    if (now - slot->last_used >= *settings_.keep_alive) idle.push_back(name);
  }
  for (const std::string& name : idle) (void)Unload(name, "idle");
}

bool ModelManager::AllWorkersHealthy(std::chrono::milliseconds max_age) const {
  const int64_t now = MonotonicMs();
  for (const auto& [name, slot] : slots_) {
    if (slot->state != ModelState::kLoaded) continue;
    if (now - slot->heartbeat_ms->load() > max_age.count()) {
      Logf(LogLevel::kWarning, "the worker of model '{}' has not checked in for {} ms", name,
           now - slot->heartbeat_ms->load());
      return false;
    }
  }
  return true;
}

void ModelManager::StopAll() {
  for (auto& [name, slot] : slots_) {
    slot->cancel->store(true);
    if (slot->scheduler) slot->scheduler->Stop();
  }
}

}  // namespace llmcore::service
