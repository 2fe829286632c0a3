// The manager's driver methods: SwapDriver, ReloadDriver, VerifyModel.
// Each validates its arguments, asks polkit (org.llmcore.manage), then acts
// through the ModelManager and answers when the work is done.
#include <fmt/format.h>

#include <memory>

#include "held_call.h"
#include "llmcore/ipc/dbus_names.h"
#include "llmcore/log.h"
#include "llmcore/service/bus_errors.h"
#include "llmcore/service/bus_options.h"
#include "llmcore/service/core_service.h"
#include "llmcore/service/polkit.h"
#include "llmcore/utf8.h"

namespace llmcore::service {
namespace {

CoreService* Self(void* userdata) {
  return static_cast<CoreService*>(userdata);
}

// A driver operation's failure: the driver or device named does not exist,
// the model is busy (loading, or another swap), or the swap failed and the
// old instance serves on.
BusError SwapErrorFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound: return BusError::kDriverNotFound;
    case StatusCode::kUnavailable: return BusError::kBusy;
    case StatusCode::kInvalidArgument: return BusError::kInvalidArgument;
    default: return BusError::kSwapFailed;
  }
}

// Sends `fill`'s a{sv} as the reply.
template <typename Fill>
void ReplyReport(sd_bus_message* call, Fill fill) {
  sd_bus_message* reply = nullptr;
  int r = sd_bus_message_new_method_return(call, &reply);
  if (r >= 0) r = fill(reply);
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  if (r < 0) Logf(LogLevel::kWarning, "replying to a driver call failed: {}", strerror(-r));
  sd_bus_message_unref(reply);
}

}  // namespace

int CoreService::SwapDriver(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* model = nullptr;
  const char* driver = nullptr;
  const char* device = nullptr;
  int r = sd_bus_message_read(m, "sss", &model, &driver, &device);
  if (r < 0) return r;
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  auto options = ParseSwapOptions(*map);
  if (!options.ok()) return ReplyStatus(m, options.status());
  auto entry = self->models_->Find(model);
  if (!entry.ok()) return ReplyStatus(m, entry.status());
  if (self->models_->StateOf(entry->name) == ModelState::kAvailable) {
    return ReplyError(m, BusError::kModelNotLoaded,
                      fmt::format("model '{}' is not loaded", entry->name));
  }
  if (self->models_->drivers().Find(driver) == nullptr) {
    return ReplyError(m, BusError::kDriverNotFound,
                      fmt::format("no driver named '{}'", SanitizeUtf8(driver)));
  }

  SwapRequest request{driver, device, options->threads, options->force_reprocess};
  const std::string name = entry->name;
  self->AuthorizeManage(
      m, fmt::format("SwapDriver '{}'", name),
      [name, request](CoreService& service, const std::shared_ptr<HeldCall>& held) {
        if (service.models_->StateOf(name) == ModelState::kAvailable) {
          ReplyError(held->call, BusError::kModelNotLoaded,
                     fmt::format("model '{}' is not loaded", name));
          return;
        }
        service.models_->Swap(name, request, [held, name](Result<SwapOutcome> done) {
          if (!done.ok()) {
            ReplyError(held->call, SwapErrorFor(done.status()), done.status().message());
            return;
          }
          const engine::MigrationReport& report = done->report;
          const engine::PlacementInfo& now = done->now;
          ReplyReport(held->call, [&](sd_bus_message* reply) {
            return sd_bus_message_append(
                reply, "a{sv}", 11, "model", "s", name.c_str(), "driver", "s", now.driver.c_str(),
                "driver_version", "s", now.driver_version.c_str(), "device", "s",
                now.device.c_str(), "previous_driver", "s", report.previous.driver.c_str(),
                "previous_device", "s", report.previous.device.c_str(), "method", "s",
                engine::MigrationMethodName(report.method), "sequences", "u", report.sequences,
                "tokens_reprocessed", "t", report.tokens_reprocessed, "background_ms", "d",
                report.background_ms, "pause_ms", "d", report.pause_ms);
          });
        });
      });
  return 1;
}

int CoreService::ReloadDriver(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* driver = nullptr;
  int r = sd_bus_message_read(m, "s", &driver);
  if (r < 0) return r;
  if (self->models_->drivers().Find(driver) == nullptr) {
    return ReplyError(m, BusError::kDriverNotFound,
                      fmt::format("no driver named '{}'", SanitizeUtf8(driver)));
  }
  const std::string name = driver;
  std::weak_ptr<CoreService*> weak = self->self_;
  self->AuthorizeManage(
      m, fmt::format("ReloadDriver '{}'", name),
      [name, weak](CoreService& service, const std::shared_ptr<HeldCall>& held) {
        service.models_->ReloadDriver(name, [held, weak](Result<ReloadOutcome> done) {
          if (!done.ok()) {
            ReplyError(held->call, SwapErrorFor(done.status()), done.status().message());
            return;
          }
          ReplyReport(held->call, [&](sd_bus_message* reply) {
            int rc = sd_bus_message_open_container(reply, 'a', "{sv}");
            if (rc >= 0) {
              rc = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}", "driver", "s",
                                         done->driver.c_str(), "path", "s", done->path.c_str(),
                                         "version", "s", done->version.c_str(), "previous_version",
                                         "s", done->previous_version.c_str());
            }
            if (rc >= 0) rc = sd_bus_message_open_container(reply, 'e', "sv");
            if (rc >= 0) rc = sd_bus_message_append(reply, "s", "models");
            if (rc >= 0) rc = sd_bus_message_open_container(reply, 'v', "as");
            if (rc >= 0) rc = sd_bus_message_open_container(reply, 'a', "s");
            for (const std::string& model : done->models) {
              if (rc >= 0) rc = sd_bus_message_append(reply, "s", model.c_str());
            }
            for (int i = 0; i < 4 && rc >= 0; ++i) rc = sd_bus_message_close_container(reply);
            return rc;
          });
          // The drivers' list (and versions) changed.
          if (auto alive = weak.lock(); alive && *alive) {
            sd_bus_emit_properties_changed((*alive)->deps_.bus, ipc::kObjectPath,
                                           ipc::kManagerInterface, "Drivers", nullptr);
          }
        });
      });
  return 1;
}

int CoreService::VerifyModel(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* model = nullptr;
  int r = sd_bus_message_read(m, "s", &model);
  if (r < 0) return r;
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  auto options = ParseVerifyOptions(*map);
  if (!options.ok()) return ReplyStatus(m, options.status());
  auto entry = self->models_->Find(model);
  if (!entry.ok()) return ReplyStatus(m, entry.status());
  const std::string name = entry->name;
  const uint32_t tokens = options->tokens;
  self->AuthorizeManage(
      m, fmt::format("VerifyModel '{}'", name),
      [name, tokens](CoreService& service, const std::shared_ptr<HeldCall>& held) {
        if (service.models_->StateOf(name) != ModelState::kLoaded) {
          ReplyError(held->call, BusError::kModelNotLoaded,
                     fmt::format("model '{}' is not loaded", name));
          return;
        }
        service.models_->Verify(name, tokens, [held, name](Result<VerifyOutcome> done) {
          if (!done.ok()) {
            ReplyError(held->call,
                       done.status().code() == StatusCode::kNotFound ? BusError::kDriverNotFound
                                                                     : BusError::kFailed,
                       done.status().message());
            return;
          }
          const engine::CrossCheckReport& report = done->report;
          Logf(LogLevel::kInfo,
               "model '{}': driver {} ({}) against {}: {} positions, max |diff| {:.3g} "
               "(tolerance {:.3g}), top-1 agreement {:.3f}: {}",
               name, done->checked.driver, done->checked.device, done->reference, report.positions,
               report.max_abs_diff, report.tolerance, report.top1_agreement,
               report.passed ? "passed" : "FAILED");
          ReplyReport(held->call, [&](sd_bus_message* reply) {
            return sd_bus_message_append(
                reply, "a{sv}", 9, "model", "s", name.c_str(), "driver", "s",
                done->checked.driver.c_str(), "device", "s", done->checked.device.c_str(),
                "reference", "s", done->reference.c_str(), "positions", "u", report.positions,
                "max_abs_diff", "d", report.max_abs_diff, "tolerance", "d", report.tolerance,
                "top1_agreement", "d", report.top1_agreement, "passed", "b",
                static_cast<int>(report.passed));
          });
        });
      });
  return 1;
}

}  // namespace llmcore::service
