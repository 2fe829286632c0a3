// Generation: the one-shot Generate/GenerateChat calls and CreateSession.
#include <fmt/format.h>
#include <sys/random.h>

#include <cstring>

#include "llmcore/ipc/dbus_names.h"
#include "llmcore/log.h"
#include "llmcore/service/bus_creds.h"
#include "llmcore/service/bus_errors.h"
#include "llmcore/service/bus_options.h"
#include "llmcore/service/core_service.h"
#include "llmcore/utf8.h"
#include "session.h"
#include "session_sinks.h"

namespace llmcore::service {
namespace {

CoreService* Self(void* userdata) {
  return static_cast<CoreService*>(userdata);
}

}  // namespace

uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
    seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return seed;
}

Result<engine::GenerationOptions> ResolveGeneration(const OptionMap& map,
                                                    const GenerationLimits& limits) {
  LLMCORE_ASSIGN_OR_RETURN(ParsedGeneration parsed, ParseGenerationOptions(map, limits));
  if (!parsed.seed_given) parsed.options.sampling.seed = RandomSeed();
  return parsed.options;
}

int CoreService::Generate(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* model = nullptr;
  const char* prompt = nullptr;
  const int r = sd_bus_message_read(m, "ss", &model, &prompt);
  if (r < 0) return r;
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  return self->StartOneShot(m, model, engine::TextPrompt{prompt}, *map);
}

int CoreService::GenerateChat(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* model = nullptr;
  const int r = sd_bus_message_read(m, "s", &model);
  if (r < 0) return r;
  const std::string model_name = model;
  auto messages = ReadChatMessages(m);
  auto map = ReadOptionMap(m);
  if (!messages.ok()) return ReplyStatus(m, messages.status());
  if (!map.ok()) return ReplyStatus(m, map.status());
  return self->StartOneShot(m, model_name, engine::ChatPrompt{std::move(*messages)}, *map);
}

namespace {

size_t PromptBytes(const engine::Prompt& prompt) {
  if (const auto* text = std::get_if<engine::TextPrompt>(&prompt)) return text->text.size();
  size_t bytes = 0;
  for (const auto& message : std::get<engine::ChatPrompt>(prompt).messages) {
    bytes += message.content.size();
  }
  return bytes;
}

}  // namespace

Status CheckPromptSize(const engine::Prompt& prompt, uint64_t limit) {
  const size_t bytes = PromptBytes(prompt);
  if (bytes > limit) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("the prompt has {} bytes, more than the limit of {}", bytes, limit));
  }
  return Status::Ok();
}

int CoreService::StartOneShot(sd_bus_message* m, const std::string& model, engine::Prompt prompt,
                              const OptionMap& map) {
  auto options = ResolveGeneration(map, generation_limits());
  if (!options.ok()) return ReplyStatus(m, options.status());
  if (Status s = CheckPromptSize(prompt, deps_.settings.max_prompt_bytes); !s.ok()) {
    return ReplyStatus(m, s);
  }
  auto caller = CallerCreds(m);
  if (!caller.ok()) return ReplyStatus(m, caller.status());
  const uid_t uid = caller->uid;
  std::weak_ptr<CoreService*> weak = self_;
  WithModel(m, model,
            [this, m, uid, weak, prompt = std::move(prompt),
             options = *options](const std::shared_ptr<ModelSlot>& slot) mutable {
              if (draining_) {
                ReplyError(m, BusError::kShuttingDown, "the service is stopping");
                return;
              }
              auto seq = slot->scheduler->OpenSequence(uid);
              if (!seq.ok()) {
                ReplyError(m, BusError::kBusy, seq.status().message());
                return;
              }
              auto call = std::make_unique<OneShotCall>();
              call->service = this;
              call->id = next_one_shot_++;
              call->call = sd_bus_message_ref(m);
              call->slot = slot;
              call->seq = *seq;
              int r = sd_bus_track_new(deps_.bus, &call->track, &CoreService::OnOneShotCallerGone,
                                       call.get());
              if (r >= 0) r = sd_bus_track_add_sender(call->track, m);
              if (r < 0) {
                slot->scheduler->CloseSequence(*seq);
                ReplyError(m, BusError::kFailed,
                           fmt::format("cannot track the caller: {}", std::strerror(-r)));
                return;
              }
              auto sink = std::make_shared<OneShotSink>(deps_.dispatcher, weak, call->id);
              auto submitted = slot->scheduler->Submit(*seq, std::move(prompt), options, sink);
              if (!submitted.ok()) {
                slot->scheduler->CloseSequence(*seq);
                ReplyStatus(m, submitted.status());
                return;
              }
              slot->last_used = std::chrono::steady_clock::now();
              one_shots_.emplace(call->id, std::move(call));
            });
  return 1;
}

void CoreService::FinishOneShot(uint64_t id, std::string text,
                                const engine::GenerationStats& stats) {
  auto it = one_shots_.find(id);
  if (it == one_shots_.end()) return;
  std::unique_ptr<OneShotCall> call = std::move(it->second);
  one_shots_.erase(it);
  if (call->slot->scheduler) call->slot->scheduler->CloseSequence(call->seq);
  call->slot->last_used = std::chrono::steady_clock::now();
  switch (stats.stop_reason) {
    case engine::StopReason::kError:
      ReplyError(call->call, BusErrorFor(stats.error), stats.error.message());
      return;
    case engine::StopReason::kShutdown:
      ReplyError(call->call, BusError::kShuttingDown,
                 fmt::format("model '{}' stopped serving", call->slot->name));
      return;
    default: break;
  }
  sd_bus_message* reply = nullptr;
  int r = sd_bus_message_new_method_return(call->call, &reply);
  if (r >= 0) r = sd_bus_message_append(reply, "s", text.c_str());
  if (r >= 0) r = AppendStats(reply, stats);
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  sd_bus_message_unref(reply);
}

int CoreService::OnOneShotCallerGone(sd_bus_track*, void* userdata) {
  auto* call = static_cast<OneShotCall*>(userdata);
  Logf(LogLevel::kInfo, "a Generate caller disconnected; cancelling its request");
  if (call->slot->scheduler) call->slot->scheduler->Cancel(call->seq);
  return 0;
}

int CoreService::CreateSession(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* model = nullptr;
  OptionMap map;
  int r = sd_bus_message_read(m, "s", &model);
  if (r < 0) return r;
  auto read = ReadOptionMap(m);
  if (!read.ok()) return ReplyStatus(m, read.status());
  auto options = ParseSessionOptions(*read);
  if (!options.ok()) return ReplyStatus(m, options.status());
  auto caller = CallerCreds(m);
  if (!caller.ok()) return ReplyStatus(m, caller.status());
  const uid_t uid = caller->uid;
  if (self->SessionsOf(uid) >= self->deps_.settings.max_sessions_per_user) {
    return ReplyError(m, BusError::kBusy,
                      fmt::format("user {} already has {} sessions, the most allowed", uid,
                                  self->deps_.settings.max_sessions_per_user));
  }
  const uint32_t wanted_ctx = options->context_length;
  self->WithModel(m, model, [self, m, uid, wanted_ctx](const std::shared_ptr<ModelSlot>& slot) {
    if (self->draining_) {
      ReplyError(m, BusError::kShuttingDown, "the service is stopping");
      return;
    }
    auto path = self->OpenSession(m, uid, slot, wanted_ctx);
    if (!path.ok()) {
      ReplyStatus(m, path.status());
      return;
    }
    sd_bus_reply_method_return(m, "o", path->c_str());
  });
  return 1;
}

}  // namespace llmcore::service
