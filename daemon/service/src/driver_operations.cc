// ModelManager's driver operations: hot swap, driver reload, verification.
#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>

#include "llmcore/log.h"
#include "llmcore/service/model_manager.h"

namespace llmcore::service {
namespace {

// The name the reference driver (drivers/reference) reports.
constexpr const char* kReferenceDriver = "reference";

}  // namespace

std::vector<std::string> ModelManager::ModelsOn(const std::string& driver) const {
  std::vector<std::string> names;
  for (const auto& [name, slot] : slots_) {
    if (slot->state == ModelState::kLoaded && slot->model->driver_name() == driver) {
      names.push_back(name);
    }
  }
  return names;
}

void ModelManager::Swap(const std::string& name, SwapRequest request, SwapDone done) {
  auto it = slots_.find(name);
  if (it == slots_.end()) {
    done(Status(StatusCode::kNotFound, fmt::format("model '{}' is not loaded", name)));
    return;
  }
  const std::shared_ptr<ModelSlot> slot = it->second;
  if (slot->state != ModelState::kLoaded) {
    done(Status(StatusCode::kUnavailable,
                fmt::format("model '{}' is still loading; swap it once it is loaded", name)));
    return;
  }
  if (slot->swapping) {
    done(Status(StatusCode::kUnavailable,
                fmt::format("a driver swap of model '{}' is already running", name)));
    return;
  }
  driver_host::PlacementRequest where;
  where.driver = request.driver;
  where.device = request.device;
  where.weights_bytes = slot->model->resident_bytes();
  where.kv_bytes = slot->model->kv_bytes_per_sequence();
  auto placed = drivers_->Place(where);
  if (!placed.ok()) {
    done(placed.status().WithContext(name));
    return;
  }
  engine::InstancePlacement placement{placed->driver, placed->device_index,
                                      request.n_threads.value_or(settings_.threads)};
  SwapTo(slot, std::move(placement), {.force_reprocess = request.force_reprocess}, std::move(done));
}

void ModelManager::SwapTo(const std::shared_ptr<ModelSlot>& slot,
                          engine::InstancePlacement placement, engine::MigrationOptions options,
                          SwapDone done) {
  slot->swapping = true;
  const std::shared_ptr<engine::LoadedModel> model = slot->model;
  Logf(LogLevel::kInfo, "model '{}': swapping from driver {} ({}) to {} (device {})", slot->name,
       model->driver_name(), model->device_name(), placement.driver->name(),
       placement.device_index);
  std::weak_ptr<LoopDispatcher> weak_dispatcher = dispatcher_;
  pool_.Run([slot, model, placement, options, done = std::move(done),
             weak_dispatcher]() mutable -> LoopDispatcher::Task {
    // Building the instance may take long (a GPU driver uploads the
    // weights): here, off the loop and off the model's worker, which goes
    // on generating meanwhile.
    // Shared: the loop's task must be copyable.
    auto next = std::make_shared<Result<std::unique_ptr<engine::ModelInstance>>>(
        model->BuildInstance(placement));
    return [slot, next, options, done = std::move(done), weak_dispatcher]() mutable {
      auto fail = [&](Status status) {
        slot->swapping = false;
        Logf(LogLevel::kWarning, "model '{}': driver swap failed, the old instance serves on: {}",
             slot->name, status.message());
        done(std::move(status));
      };
      if (!next->ok()) return fail(next->status());
      if (slot->state != ModelState::kLoaded || !slot->scheduler) {
        return fail(Status(StatusCode::kUnavailable,
                           fmt::format("model '{}' was unloaded during the swap", slot->name)));
      }
      // The report comes on the model's worker thread; the answer goes out
      // from the loop thread.
      auto shared_done = std::make_shared<SwapDone>(std::move(done));
      auto answer = [slot, shared_done](Result<engine::MigrationReport> report) {
        slot->swapping = false;
        // The old instance (or the new one, when the move failed) was
        // destroyed on the model's worker: its weights copy and KV cache are
        // free inside the allocator. Hand the pages back to the system before
        // answering, so that the memory is back when the caller looks (a few
        // milliseconds, once per swap).
        malloc_trim(0);
        if (!report.ok()) {
          (*shared_done)(report.status().WithContext(slot->name));
          return;
        }
        (*shared_done)(SwapOutcome{std::move(report).value(), slot->model->placement()});
      };
      const Status queued = slot->scheduler->Migrate(
          std::move(*next).value(), options,
          [answer, weak_dispatcher](Result<engine::MigrationReport> report) {
            auto dispatcher = weak_dispatcher.lock();
            if (!dispatcher) return;
            dispatcher->Post(
                [answer, report = std::move(report)]() mutable { answer(std::move(report)); });
          });
      if (!queued.ok()) {
        slot->swapping = false;
        (*shared_done)(queued.WithContext(slot->name));
      }
    };
  });
}

void ModelManager::ReloadDriver(const std::string& driver, ReloadDone done) {
  const auto old = drivers_->Find(driver);
  if (old == nullptr) {
    done(Status(StatusCode::kNotFound, fmt::format("no driver named '{}'", driver)));
    return;
  }
  std::string previous_version = old->library().version();
  auto drivers = drivers_;
  pool_.Run([this, drivers, driver, previous_version,
             done = std::move(done)]() mutable -> LoopDispatcher::Task {
    auto fresh = drivers->Reload(driver);
    return [this, driver, previous_version, fresh = std::move(fresh),
            done = std::move(done)]() mutable {
      if (!fresh.ok()) {
        Logf(LogLevel::kWarning, "reloading driver {} failed, the loaded build serves on: {}",
             driver, fresh.status().message());
        done(fresh.status());
        return;
      }
      auto outcome = std::make_shared<ReloadOutcome>();
      outcome->driver = driver;
      outcome->path = (*fresh)->library().path();
      outcome->version = (*fresh)->library().version();
      outcome->previous_version = previous_version;
      Logf(LogLevel::kInfo, "driver {} reloaded from {}: {} -> {}", driver, outcome->path,
           previous_version, outcome->version);
      const std::vector<std::string> names = ModelsOn(driver);
      if (names.empty()) {
        done(std::move(*outcome));
        return;
      }
      // Every model moves at once (each has its own worker); the answer
      // waits for the last one.
      struct Pending {
        size_t left = 0;
        std::vector<std::string> failures;
        ReloadDone done;
      };
      auto pending = std::make_shared<Pending>();
      pending->left = names.size();
      pending->done = std::move(done);
      auto one_done = [pending, outcome](const std::string& name, Status status) {
        if (status.ok()) {
          outcome->models.push_back(name);
        } else {
          pending->failures.push_back(status.message());
        }
        if (--pending->left != 0) return;
        std::sort(outcome->models.begin(), outcome->models.end());
        if (pending->failures.empty()) {
          pending->done(std::move(*outcome));
        } else {
          pending->done(
              Status(StatusCode::kInternal,
                     fmt::format("driver {} reloaded, but not every model moved onto the new build "
                                 "(they stay on the old one): {}",
                                 outcome->driver, fmt::join(pending->failures, "; "))));
        }
      };
      for (const std::string& name : names) {
        const std::shared_ptr<ModelSlot> slot = slots_.at(name);
        if (slot->swapping) {
          one_done(name, Status(StatusCode::kUnavailable,
                                fmt::format("model '{}': another swap is running", name)));
          continue;
        }
        engine::InstancePlacement placement = slot->model->instance_placement();
        placement.driver = *fresh;
        SwapTo(slot, std::move(placement), {},
               [one_done, name](Result<SwapOutcome> swapped) { one_done(name, swapped.status()); });
      }
    };
  });
}

void ModelManager::Verify(const std::string& name, uint32_t tokens, VerifyDone done) {
  const std::shared_ptr<ModelSlot> slot = Loaded(name);
  if (slot == nullptr) {
    done(Status(StatusCode::kNotFound, fmt::format("model '{}' is not loaded", name)));
    return;
  }
  auto reference = drivers_->Find(kReferenceDriver);
  if (reference == nullptr) {
    done(Status(StatusCode::kNotFound,
                "no reference driver is installed (llmcore-reference.so in the driver directory)"));
    return;
  }
  const std::shared_ptr<engine::LoadedModel> model = slot->model;
  pool_.Run([model, reference, tokens, done = std::move(done)]() mutable -> LoopDispatcher::Task {
    // Two small instances of their own, one sequence of `tokens` positions:
    // serving goes on untouched and the memory needed stays small.
    const uint32_t n_ctx = std::min(tokens, model->n_ctx());
    engine::InstancePlacement checked_at = model->instance_placement();
    checked_at.n_ctx = n_ctx;
    checked_at.n_seq_max = 1;
    Result<VerifyOutcome> result = Status(StatusCode::kInternal, "not verified");
    auto checked = model->BuildInstance(checked_at);
    auto baseline = model->BuildInstance({reference, 0, 0, n_ctx, 1});
    if (!checked.ok()) {
      result = checked.status();
    } else if (!baseline.ok()) {
      result = baseline.status();
    } else {
      const auto list = engine::CrossCheckTokens(model->tokenizer(), n_ctx);
      auto report = engine::CrossCheck(*(*checked)->instance, *(*baseline)->instance, list,
                                       model->n_vocab(), model->n_batch_max());
      if (report.ok()) {
        result = VerifyOutcome{*report, (*checked)->placement, reference->name()};
      } else {
        result = report.status();
      }
    }
    return
        [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); };
  });
}

}  // namespace llmcore::service
