// ModelManager: the models the daemon knows (the registry) and the ones it
// has loaded (each a LoadedModel served by a Scheduler).
//
// Loading runs on the background pool; everything else happens on the loop
// thread. Callers wanting a model call Acquire(): they are answered at once
// when it is loaded, or when its load finishes (every caller waiting on one
// load gets the same outcome). Before a load, the memory budget of the CPU
// device is checked: idle unpinned models are unloaded, least recently used
// first, to make room; if that is not enough the load is refused.
//
// Idle unloading: CheckIdle() (called from a timer) unloads unpinned models
// with no open sequence and no request for longer than the keep-alive.
//
// Thread safety: loop thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llmcore/driver_host/driver_context.h"
#include "llmcore/engine/loaded_model.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/registry/model_registry.h"
#include "llmcore/service/background_pool.h"
#include "llmcore/service/settings.h"
#include "llmcore/status.h"
#include "llmcore/store/model_store.h"

namespace llmcore::service {

enum class ModelState { kAvailable, kLoading, kLoaded };
const char* ModelStateName(ModelState state);

// One model being loaded or loaded. Shared with sessions, which keep a
// pointer to the slot they were created on.
struct ModelSlot {
  std::string name;
  registry::ModelEntry entry;
  ModelState state = ModelState::kLoading;
  bool pinned = false;
  std::shared_ptr<engine::LoadedModel> model;
  std::unique_ptr<engine::Scheduler> scheduler;
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  // CLOCK_MONOTONIC milliseconds of the scheduler's latest heartbeat.
  std::shared_ptr<std::atomic<int64_t>> heartbeat_ms = std::make_shared<std::atomic<int64_t>>(0);
  std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
  // Whether LoadProgress reached done == total; a load that shares a segment
  // already in memory reads nothing and reports no progress of its own.
  bool load_progress_complete = false;
  std::vector<std::function<void(Result<std::shared_ptr<ModelSlot>>)>> waiters;
};

class ModelManager {
 public:
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void OnModelLoaded(const std::string& name) = 0;
    virtual void OnModelUnloaded(const std::string& name, const std::string& reason) = 0;
    virtual void OnLoadProgress(const std::string& name, uint64_t done, uint64_t total) = 0;
  };

  ModelManager(std::shared_ptr<LoopDispatcher> dispatcher, BackgroundPool& pool,
               std::shared_ptr<driver_host::DriverContext> driver, ServiceSettings settings,
               Observer& observer);
  ~ModelManager();

  const ServiceSettings& settings() const { return settings_; }
  // New settings apply to loads from now on; loaded models keep theirs.
  void UpdateSettings(ServiceSettings settings) { settings_ = std::move(settings); }

  // Scans the model sources in the background; `done` on the loop thread.
  void Rescan(std::function<void()> done);

  std::vector<registry::ModelEntry> List() const;
  // "" names the default model. kInvalidArgument for a malformed name,
  // kNotFound when no configured directory has it.
  Result<registry::ModelEntry> Find(std::string_view name) const;
  // The resolved name ("" -> default).
  std::string Resolve(std::string_view name) const;
  ModelState StateOf(const std::string& name) const;
  std::shared_ptr<ModelSlot> Loaded(const std::string& name) const;
  std::vector<std::string> LoadedNames() const;
  bool AnyLoading() const;

  using AcquireDone = std::function<void(Result<std::shared_ptr<ModelSlot>>)>;
  // Loads the model if needed, then answers. `pin` marks it pinned.
  void Acquire(std::string_view name, bool pin, AcquireDone done);
  // Unloads (or cancels the load of) a model. kNotFound when not loaded.
  Status Unload(const std::string& name, const std::string& reason);
  void CheckIdle();
  // True when every scheduler's heartbeat is younger than `max_age`.
  bool AllWorkersHealthy(std::chrono::milliseconds max_age) const;
  // Stops every scheduler (their requests end with "shutdown"), loop thread.
  void StopAll();

 private:
  void StartLoad(const std::shared_ptr<ModelSlot>& slot);
  void FinishLoad(const std::shared_ptr<ModelSlot>& slot,
                  Result<std::shared_ptr<engine::LoadedModel>> loaded);
  Status MakeRoom(uint64_t bytes, const std::string& for_model);
  void RetireSlot(std::shared_ptr<ModelSlot> slot);

  std::shared_ptr<LoopDispatcher> dispatcher_;
  BackgroundPool& pool_;
  std::shared_ptr<driver_host::DriverContext> driver_;
  ServiceSettings settings_;
  Observer& observer_;
  store::ModelStore store_;
  std::shared_ptr<registry::ModelRegistry> registry_;
  std::map<std::string, std::shared_ptr<ModelSlot>, std::less<>> slots_;
};

}  // namespace llmcore::service
