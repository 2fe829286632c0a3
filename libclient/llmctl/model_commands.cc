// list, info, load, unload, ps: the models the daemon knows and serves.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "bus_value.h"
#include "commands.h"
#include "errors.h"
#include "format.h"
#include "progress.h"

namespace llmcore::llmctl {
namespace {

Result<Json> GetModelInfo(sd_bus* bus, const std::string& model) {
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call, NewManagerCall(bus, "GetModelInfo"));
  const int r = sd_bus_message_append(call.get(), "s", model.c_str());
  if (r < 0) return SdBusFailure(r, "GetModelInfo");
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr reply, Call(bus, call.get()));
  return ReadValue(reply.get());
}

// What `load` waits for: the reply to LoadModel, and LoadProgress signals for
// its model meanwhile.
struct LoadWait {
  const std::string* model = nullptr;
  ProgressBar* bar = nullptr;
  bool replied = false;
  Status result;
};

int OnLoadProgress(sd_bus_message* signal, void* userdata, sd_bus_error*) {
  auto* wait = static_cast<LoadWait*>(userdata);
  const char* model = nullptr;
  uint64_t done = 0;
  uint64_t total = 0;
  // A malformed signal only costs a frame of the progress bar.
  if (sd_bus_message_read(signal, "stt", &model, &done, &total) < 0) return 0;
  if (*wait->model == model) wait->bar->Update(done, total);
  return 0;
}

int OnLoadReply(sd_bus_message* reply, void* userdata, sd_bus_error*) {
  auto* wait = static_cast<LoadWait*>(userdata);
  wait->result = ReplyStatus(reply);
  wait->replied = true;
  return 0;
}

Status LoadAndWait(sd_bus* bus, const CommandLine& line, ProgressBar& bar) {
  LoadWait wait{&line.model, &bar, false, Status::Ok()};
  // Subscribed before the call, so that no progress of this load is missed.
  LLMCORE_ASSIGN_OR_RETURN(SlotPtr progress,
                           MatchSignal(bus, ipc::kBusName, ipc::kObjectPath, ipc::kManagerInterface,
                                       "LoadProgress", OnLoadProgress, &wait));
  LLMCORE_ASSIGN_OR_RETURN(MessagePtr call, NewManagerCall(bus, "LoadModel"));
  const int r = sd_bus_message_append(call.get(), "s", line.model.c_str());
  if (r < 0) return SdBusFailure(r, "LoadModel");
  LLMCORE_RETURN_IF_ERROR(
      AppendOptions(call.get(), LoadOptions(line.pin, line.target.driver, line.target.device)));
  sd_bus_slot* raw = nullptr;
  const int sent =
      sd_bus_call_async(bus, &raw, call.get(), OnLoadReply, &wait, kLongCallTimeoutUsec);
  SlotPtr pending(raw);
  if (sent < 0) return ConnectionFailure(sent, "sending LoadModel");
  LLMCORE_RETURN_IF_ERROR(DispatchUntil(bus, [&wait] { return wait.replied; }));
  return wait.result;
}

}  // namespace

int ListModelsCommand(sd_bus* bus, const CommandLine& line) {
  auto call = NewManagerCall(bus, "ListModels");
  if (!call.ok()) return PrintFailure(call.status());
  auto reply = Call(bus, call->get());
  if (!reply.ok()) return PrintFailure(reply.status());
  auto rows = ReadValue(reply->get());
  if (!rows.ok()) return PrintFailure(rows.status());
  const Json models = ModelListJson(*rows);
  if (line.json) {
    PrintJson(models);
  } else {
    PrintText(FormatModelList(models));
  }
  return kExitOk;
}

int ModelInfoCommand(sd_bus* bus, const CommandLine& line) {
  auto info = GetModelInfo(bus, line.model);
  if (!info.ok()) return PrintFailure(info.status());
  if (line.json) {
    PrintJson(*info);
  } else {
    PrintText(FormatKeyValues(*info));
  }
  return kExitOk;
}

int LoadModelCommand(sd_bus* bus, const CommandLine& line) {
  ProgressBar bar(STDERR_FILENO, line.model);
  Status loaded = LoadAndWait(bus, line, bar);
  bar.Clear();
  if (!loaded.ok()) return PrintFailure(loaded);
  PrintText("loaded " + line.model + "\n");
  return kExitOk;
}

int UnloadModelCommand(sd_bus* bus, const CommandLine& line) {
  auto call = NewManagerCall(bus, "UnloadModel");
  if (!call.ok()) return PrintFailure(call.status());
  const int r = sd_bus_message_append(call->get(), "s", line.model.c_str());
  if (r < 0) return PrintFailure(SdBusFailure(r, "UnloadModel"));
  auto reply = Call(bus, call->get(), kLongCallTimeoutUsec);
  if (!reply.ok()) return PrintFailure(reply.status());
  PrintText("unloaded " + line.model + "\n");
  return kExitOk;
}

int LoadedModelsCommand(sd_bus* bus, const CommandLine& line) {
  auto property = GetManagerProperty(bus, "LoadedModels", "as");
  if (!property.ok()) return PrintFailure(property.status());
  auto names = ReadValue(property->get());
  if (!names.ok()) return PrintFailure(names.status());
  Json infos = Json::array();
  for (const Json& name : *names) {
    if (!name.is_string()) continue;
    auto info = GetModelInfo(bus, name.get<std::string>());
    // A model unloaded since LoadedModels was read is no longer of interest.
    if (!info.ok() && info.status().code() == StatusCode::kNotFound) continue;
    if (!info.ok()) return PrintFailure(info.status());
    if (const auto state = info->find("state");
        state != info->end() && state->is_string() && *state != "loaded") {
      continue;
    }
    infos.push_back(std::move(*info));
  }
  if (line.json) {
    PrintJson(infos);
  } else {
    PrintText(FormatLoadedModels(infos));
  }
  return kExitOk;
}

}  // namespace llmcore::llmctl
