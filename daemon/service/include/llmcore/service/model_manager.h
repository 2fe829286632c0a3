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
// Drivers: each load is placed by the DriverManager - on the driver and
// device the caller names, or on the best device that fits the model and its
// KV cache, falling back to the CPU. Swap() moves a loaded model onto
// another driver or device while its sessions keep generating (the new
// instance is built from the same segment on the background pool, then the
// model's scheduler migrates the sequences between two forward passes);
// ReloadDriver() loads a new build of a driver library and swaps every model
// it serves onto it; Verify() compares the serving driver's logits with the
// reference driver's on instances of its own, without disturbing serving.
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
#include <optional>
#include <string>
#include <vector>

#include "llmcore/driver_host/driver_context.h"
#include "llmcore/driver_host/driver_manager.h"
#include "llmcore/engine/cross_check.h"
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
  // Where the caller asked the model to run ("" : automatic placement).
  std::string requested_driver;
  std::string requested_device;
  bool swapping = false;  // a driver swap is being built or migrated
  std::vector<std::function<void(Result<std::shared_ptr<ModelSlot>>)>> waiters;
};

// Where to load a model ("" : automatic placement).
struct PlacementChoice {
  std::string driver;
  std::string device;  // a device name or its index in decimal; "" : the driver's best
};

struct SwapRequest {
  std::string driver;
  std::string device;                 // as PlacementChoice::device
  std::optional<uint32_t> n_threads;  // unset: the configured Threads=
  bool force_reprocess = false;
};

struct SwapOutcome {
  engine::MigrationReport report;
  engine::PlacementInfo now;
};

struct ReloadOutcome {
  std::string driver;
  std::string path;
  std::string version;
  std::string previous_version;
  std::vector<std::string> models;  // moved onto the new build
};

struct VerifyOutcome {
  engine::CrossCheckReport report;
  engine::PlacementInfo checked;
  std::string reference;
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
               std::shared_ptr<driver_host::DriverManager> drivers, ServiceSettings settings,
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
  // Loads the model if needed, then answers. `pin` marks it pinned. A model
  // already loaded or loading answers as it is, whatever `placement` says.
  void Acquire(std::string_view name, bool pin, AcquireDone done);
  void Acquire(std::string_view name, bool pin, PlacementChoice placement, AcquireDone done);

  driver_host::DriverManager& drivers() { return *drivers_; }
  // Loaded models served by the named driver.
  std::vector<std::string> ModelsOn(const std::string& driver) const;

  // Errors (through `done`, on the loop thread): kNotFound for a model not
  // loaded, an unknown driver or device; kUnavailable while the model is
  // loading or another swap of it runs; kResourceExhausted when the device
  // cannot fit it; the driver's error building the instance; the
  // migration's error. On any error the old instance keeps serving.
  using SwapDone = std::function<void(Result<SwapOutcome>)>;
  void Swap(const std::string& name, SwapRequest request, SwapDone done);
  // Errors: kNotFound for an unknown driver; the library's open/init error;
  // kInternal listing the models that could not move (they stay on the old
  // build, which stays loaded for them).
  using ReloadDone = std::function<void(Result<ReloadOutcome>)>;
  void ReloadDriver(const std::string& driver, ReloadDone done);
  // Errors: kNotFound for a model not loaded or no "reference" driver;
  // kUnavailable while it loads; the drivers' errors.
  using VerifyDone = std::function<void(Result<VerifyOutcome>)>;
  void Verify(const std::string& name, uint32_t tokens, VerifyDone done);
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
  // Builds an instance of `slot`'s model for `placement` on the pool and
  // has its scheduler migrate onto it; `done` on the loop thread.
  void SwapTo(const std::shared_ptr<ModelSlot>& slot, engine::InstancePlacement placement,
              engine::MigrationOptions options, SwapDone done);

  std::shared_ptr<LoopDispatcher> dispatcher_;
  BackgroundPool& pool_;
  std::shared_ptr<driver_host::DriverManager> drivers_;
  ServiceSettings settings_;
  Observer& observer_;
  store::ModelStore store_;
  std::shared_ptr<registry::ModelRegistry> registry_;
  std::map<std::string, std::shared_ptr<ModelSlot>, std::less<>> slots_;
};

}  // namespace llmcore::service
