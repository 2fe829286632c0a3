#include "llmcore/service/core_service.h"

#include <fmt/format.h>

#include <cstring>

#include "llmcore/ipc/dbus_names.h"
#include "llmcore/log.h"
#include "llmcore/service/bus_errors.h"
#include "session.h"

namespace llmcore::service {

const sd_bus_vtable CoreService::kManagerVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("ListModels", "", , "a(sssts)", SD_BUS_PARAM(models),
                             &CoreService::ListModels, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetModelInfo", "s", SD_BUS_PARAM(model), "a{sv}", SD_BUS_PARAM(info),
                             &CoreService::GetModelInfo, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("LoadModel", "sa{sv}", SD_BUS_PARAM(model) SD_BUS_PARAM(options), "", ,
                             &CoreService::LoadModel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("UnloadModel", "s", SD_BUS_PARAM(model), "", ,
                             &CoreService::UnloadModel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetHardware", "", , "a{sv}", SD_BUS_PARAM(hardware),
                             &CoreService::GetHardware, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetStatus", "s", SD_BUS_PARAM(model), "ss",
                             SD_BUS_PARAM(availability) SD_BUS_PARAM(reason),
                             &CoreService::GetStatus, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Generate", "ssa{sv}",
                             SD_BUS_PARAM(model) SD_BUS_PARAM(prompt) SD_BUS_PARAM(options),
                             "sa{sv}", SD_BUS_PARAM(text) SD_BUS_PARAM(stats),
                             &CoreService::Generate, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GenerateChat", "sa(ss)a{sv}",
                             SD_BUS_PARAM(model) SD_BUS_PARAM(messages) SD_BUS_PARAM(options),
                             "sa{sv}", SD_BUS_PARAM(text) SD_BUS_PARAM(stats),
                             &CoreService::GenerateChat, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
        "Embed", "sasa{sv}", SD_BUS_PARAM(model) SD_BUS_PARAM(texts) SD_BUS_PARAM(options), "aad",
        SD_BUS_PARAM(embeddings), &CoreService::Embed, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
        "Tokenize", "ssa{sv}", SD_BUS_PARAM(model) SD_BUS_PARAM(text) SD_BUS_PARAM(options), "au",
        SD_BUS_PARAM(tokens), &CoreService::Tokenize, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Detokenize", "sau", SD_BUS_PARAM(model) SD_BUS_PARAM(tokens), "s",
                             SD_BUS_PARAM(text), &CoreService::Detokenize,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("CreateSession", "sa{sv}", SD_BUS_PARAM(model) SD_BUS_PARAM(options),
                             "o", SD_BUS_PARAM(session), &CoreService::CreateSession,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
        "SwapDriver", "sssa{sv}",
        SD_BUS_PARAM(model) SD_BUS_PARAM(driver) SD_BUS_PARAM(device) SD_BUS_PARAM(options),
        "a{sv}", SD_BUS_PARAM(report), &CoreService::SwapDriver, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ReloadDriver", "s", SD_BUS_PARAM(driver), "a{sv}",
                             SD_BUS_PARAM(report), &CoreService::ReloadDriver,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("VerifyModel", "sa{sv}", SD_BUS_PARAM(model) SD_BUS_PARAM(options),
                             "a{sv}", SD_BUS_PARAM(report), &CoreService::VerifyModel,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_NAMES("ModelLoaded", "s", SD_BUS_PARAM(model), 0),
    SD_BUS_SIGNAL_WITH_NAMES("ModelUnloaded", "ss", SD_BUS_PARAM(model) SD_BUS_PARAM(reason), 0),
    SD_BUS_SIGNAL_WITH_NAMES("LoadProgress", "stt",
                             SD_BUS_PARAM(model) SD_BUS_PARAM(bytes_done) SD_BUS_PARAM(bytes_total),
                             0),
    SD_BUS_PROPERTY("Version", "s", &CoreService::PropertyVersion, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Drivers", "a(ss)", &CoreService::PropertyDrivers, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("LoadedModels", "as", &CoreService::PropertyLoadedModels, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_VTABLE_END,
};

const sd_bus_vtable CoreService::kSessionVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("Submit", "sa{sv}", SD_BUS_PARAM(prompt) SD_BUS_PARAM(options), "t",
                             SD_BUS_PARAM(request), &CoreService::SessionSubmit,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
        "SubmitChat", "a(ss)a{sv}", SD_BUS_PARAM(messages) SD_BUS_PARAM(options), "t",
        SD_BUS_PARAM(request), &CoreService::SessionSubmitChat, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Cancel", "", "", &CoreService::SessionCancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Close", "", "", &CoreService::SessionClose, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("OpenRing", "a{sv}", SD_BUS_PARAM(options), "hhh",
                             SD_BUS_PARAM(ring) SD_BUS_PARAM(request_wake) SD_BUS_PARAM(event_wake),
                             &CoreService::SessionOpenRing, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_NAMES("Token", "tsu",
                             SD_BUS_PARAM(request) SD_BUS_PARAM(piece) SD_BUS_PARAM(token), 0),
    SD_BUS_SIGNAL_WITH_NAMES("Finished", "ta{sv}", SD_BUS_PARAM(request) SD_BUS_PARAM(stats), 0),
    SD_BUS_PROPERTY("Model", "s", &CoreService::SessionPropertyModel, 0,
                    SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

CoreService::CoreService(Deps deps)
    : deps_(std::move(deps)), self_(std::make_shared<CoreService*>(this)) {
  models_ = std::make_unique<ModelManager>(deps_.dispatcher, *deps_.pool, deps_.drivers,
                                           deps_.settings, *this);
}

Result<std::unique_ptr<CoreService>> CoreService::Create(Deps deps) {
  std::unique_ptr<CoreService> service(new CoreService(std::move(deps)));
  const int r =
      sd_bus_add_object_vtable(service->deps_.bus, &service->manager_slot_, ipc::kObjectPath,
                               ipc::kManagerInterface, kManagerVtable, service.get());
  if (r < 0) return ErrnoStatus(-r, "registering the manager object");
  const int s = sd_bus_add_fallback_vtable(
      service->deps_.bus, &service->session_slot_, "/org/llmcore/Core1/session",
      ipc::kSessionInterface, kSessionVtable, &CoreService::FindSessionObject, service.get());
  if (s < 0) return ErrnoStatus(-s, "registering the session objects");
  return service;
}

CoreService::~CoreService() {
  Shutdown();
  *self_ = nullptr;
  sd_bus_slot_unref(manager_slot_);
  sd_bus_slot_unref(session_slot_);
}

void CoreService::ApplySettings(ServiceSettings settings) {
  deps_.settings = settings;
  models_->UpdateSettings(std::move(settings));
}

size_t CoreService::ActiveGenerations() const {
  size_t n = one_shots_.size();
  for (const auto& [path, session] : sessions_) n += session->running_request != 0 ? 1 : 0;
  return n;
}

void CoreService::Shutdown() {
  draining_ = true;
  // Stopping the schedulers ends every request with "shutdown"; the events
  // they post are dropped with the dispatcher, so answer here.
  models_->StopAll();
  for (auto& [id, call] : one_shots_) {
    ReplyError(call->call, BusError::kShuttingDown, "the service is stopping");
  }
  one_shots_.clear();
  while (!sessions_.empty()) {
    CloseSession(sessions_.begin()->first, engine::StopReason::kShutdown, "the daemon is stopping",
                 ipc::kRingErrorShuttingDown);
  }
}

void CoreService::OnModelLoaded(const std::string& name) {
  sd_bus_emit_signal(deps_.bus, ipc::kObjectPath, ipc::kManagerInterface, "ModelLoaded", "s",
                     name.c_str());
  EmitLoadedModelsChanged();
}

void CoreService::OnModelUnloaded(const std::string& name, const std::string& reason) {
  // Sessions on the model end; their owners see the object vanish.
  std::vector<std::string> doomed;
  for (const auto& [path, session] : sessions_) {
    if (session->slot->name == name) doomed.push_back(path);
  }
  for (const std::string& path : doomed) {
    CloseSession(path, engine::StopReason::kShutdown, "model unloaded");
  }
  sd_bus_emit_signal(deps_.bus, ipc::kObjectPath, ipc::kManagerInterface, "ModelUnloaded", "ss",
                     name.c_str(), reason.c_str());
  EmitLoadedModelsChanged();
}

void CoreService::OnLoadProgress(const std::string& name, uint64_t done, uint64_t total) {
  sd_bus_emit_signal(deps_.bus, ipc::kObjectPath, ipc::kManagerInterface, "LoadProgress", "stt",
                     name.c_str(), done, total);
  if (deps_.on_progress) deps_.on_progress(name, done, total);
}

void CoreService::EmitLoadedModelsChanged() {
  sd_bus_emit_properties_changed(deps_.bus, ipc::kObjectPath, ipc::kManagerInterface,
                                 "LoadedModels", nullptr);
  if (deps_.on_models_changed) deps_.on_models_changed();
}

bool CoreService::RefuseWhenDraining(sd_bus_message* m) {
  if (!draining_) return false;
  ReplyError(m, BusError::kShuttingDown, "the service is stopping");
  return true;
}

GenerationLimits CoreService::generation_limits() const {
  GenerationLimits limits;
  limits.max_tokens = deps_.settings.max_tokens;
  limits.default_max_tokens = std::min<uint32_t>(256, deps_.settings.max_tokens);
  return limits;
}

void CoreService::WithModel(sd_bus_message* m, const std::string& model,
                            std::function<void(const std::shared_ptr<ModelSlot>&)> then) {
  sd_bus_message_ref(m);
  std::weak_ptr<CoreService*> weak = self_;
  models_->Acquire(
      model, false, [m, weak, then = std::move(then)](Result<std::shared_ptr<ModelSlot>> slot) {
        auto self = weak.lock();
        if (self && *self) {
          if (slot.ok()) {
            then(*slot);
          } else {
            const BusError error = slot.status().code() == StatusCode::kNotFound ||
                                           slot.status().code() == StatusCode::kInvalidArgument
                                       ? BusErrorFor(slot.status())
                                       : BusError::kLoadFailed;
            ReplyError(m, error, slot.status().message());
          }
        }
        sd_bus_message_unref(m);
      });
}

int AppendStats(sd_bus_message* m, const engine::GenerationStats& stats) {
  const double seconds = stats.decode_ms / 1000.0;
  const double rate = seconds > 0 ? stats.generated_tokens / seconds : 0.0;
  int r = sd_bus_message_append(m, "a{sv}", 9, "prompt_tokens", "u", stats.prompt_tokens,
                                "cached_tokens", "u", stats.cached_tokens, "generated_tokens", "u",
                                stats.generated_tokens, "queue_ms", "d", stats.queue_ms,
                                "prefill_ms", "d", stats.prefill_ms, "decode_ms", "d",
                                stats.decode_ms, "tokens_per_second", "d", rate, "stop_reason", "s",
                                std::string(engine::StopReasonName(stats.stop_reason)).c_str(),
                                "error", "s", stats.error.message().c_str());
  return r;
}

}  // namespace llmcore::service
