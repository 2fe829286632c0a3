// The manager object's methods other than generation: the model catalogue,
// loading, hardware, availability and the tokenizer.
#include <fmt/format.h>
#include <unistd.h>

#include <cstring>

#include "held_call.h"
#include "llmcore/ipc/dbus_names.h"
#include "llmcore/log.h"
#include "llmcore/service/bus_creds.h"
#include "llmcore/service/bus_errors.h"
#include "llmcore/service/bus_options.h"
#include "llmcore/service/core_service.h"
#include "llmcore/service/polkit.h"
#include "llmcore/utf8.h"
#include "session.h"

namespace llmcore::service {
namespace {

constexpr size_t kMaxEmbedTexts = 256;
constexpr size_t kMaxDetokenizeIds = 1 << 20;

CoreService* Self(void* userdata) {
  return static_cast<CoreService*>(userdata);
}

int ReadModelAndOptions(sd_bus_message* m, const char** model, OptionMap* options) {
  int r = sd_bus_message_read(m, "s", model);
  if (r < 0) return r;
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  *options = std::move(*map);
  return 1;
}

}  // namespace

int CoreService::ListModels(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  sd_bus_message* reply = nullptr;
  int r = sd_bus_message_new_method_return(m, &reply);
  if (r >= 0) r = sd_bus_message_open_container(reply, 'a', "(sssts)");
  for (const registry::ModelEntry& entry : self->models_->List()) {
    if (r < 0) break;
    r = sd_bus_message_append(reply, "(sssts)", entry.name.c_str(), entry.architecture.c_str(),
                              entry.quantization.c_str(), entry.size,
                              ModelStateName(self->models_->StateOf(entry.name)));
  }
  if (r >= 0) r = sd_bus_message_close_container(reply);
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  sd_bus_message_unref(reply);
  return r;
}

int CoreService::GetModelInfo(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  CoreService* self = Self(userdata);
  const char* name = nullptr;
  int r = sd_bus_message_read(m, "s", &name);
  if (r < 0) return r;
  auto entry = self->models_->Find(name);
  if (!entry.ok()) return SetError(error, BusErrorFor(entry.status()), entry.status().message());
  const ModelState state = self->models_->StateOf(entry->name);
  std::shared_ptr<ModelSlot> slot = self->models_->Loaded(entry->name);
  const bool pinned = slot ? slot->pinned : false;
  const engine::PlacementInfo placement = slot ? slot->model->placement() : engine::PlacementInfo{};
  const uint32_t context = slot ? slot->model->n_ctx() : entry->context_length;

  sd_bus_message* reply = nullptr;
  r = sd_bus_message_new_method_return(m, &reply);
  if (r >= 0) {
    r = sd_bus_message_append(
        reply, "a{sv}", 17, "name", "s", entry->name.c_str(), "path", "s", entry->path.c_str(),
        "architecture", "s", entry->architecture.c_str(), "quantization", "s",
        entry->quantization.c_str(), "parameters", "t", entry->parameters, "size", "t", entry->size,
        "context_length", "u", entry->context_length, "serving_context_length", "u", context,
        "embedding_length", "u", entry->embedding_length, "layers", "u", entry->layers,
        "vocab_size", "u", entry->vocab_size, "chat_template", "s", entry->chat_template.c_str(),
        "state", "s", ModelStateName(state), "pinned", "b", pinned, "driver", "s",
        placement.driver.c_str(), "driver_version", "s", placement.driver_version.c_str(), "device",
        "s", placement.device.c_str());
  }
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  sd_bus_message_unref(reply);
  return r;
}

int CoreService::LoadModel(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* name = nullptr;
  OptionMap map;
  int r = ReadModelAndOptions(m, &name, &map);
  if (r <= 0) return r;
  auto load = ParseLoadOptions(map);
  if (!load.ok()) return ReplyStatus(m, load.status());
  if (!load->driver.empty() && self->models_->drivers().Find(load->driver) == nullptr) {
    return ReplyError(m, BusError::kDriverNotFound,
                      fmt::format("no driver named '{}'", SanitizeUtf8(load->driver)));
  }
  auto entry = self->models_->Find(name);
  if (!entry.ok()) return ReplyStatus(m, entry.status());

  const std::string model = entry->name;
  const bool pin = load->pin;
  const PlacementChoice where{load->driver, load->device};
  self->AuthorizeManage(
      m, fmt::format("LoadModel '{}'", model),
      [model, pin, where](CoreService& service, const std::shared_ptr<HeldCall>& held) {
        service.models_->Acquire(
            model, pin, where, [held](Result<std::shared_ptr<ModelSlot>> slot) {
              if (slot.ok()) {
                sd_bus_reply_method_return(held->call, "");
              } else {
                const BusError error = slot.status().code() == StatusCode::kNotFound
                                           ? BusError::kModelNotFound
                                           : BusError::kLoadFailed;
                ReplyError(held->call, error, slot.status().message());
              }
            });
      });
  return 1;
}

int CoreService::UnloadModel(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* name = nullptr;
  int r = sd_bus_message_read(m, "s", &name);
  if (r < 0) return r;
  auto entry = self->models_->Find(name);
  if (!entry.ok()) return ReplyStatus(m, entry.status());

  const std::string model = entry->name;
  self->AuthorizeManage(m, fmt::format("UnloadModel '{}'", model),
                        [model](CoreService& service, const std::shared_ptr<HeldCall>& held) {
                          Status s = service.models_->Unload(model, "request");
                          if (!s.ok()) {
                            ReplyError(held->call, BusError::kModelNotLoaded, s.message());
                          } else {
                            sd_bus_reply_method_return(held->call, "");
                          }
                        });
  return 1;
}

int CoreService::GetHardware(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  const hal::Topology& t = self->deps_.topology;
  sd_bus_message* reply = nullptr;
  int r = sd_bus_message_new_method_return(m, &reply);
  auto entry = [&](const char* key, const char* type, auto... values) {
    if (r < 0) return;
    r = sd_bus_message_open_container(reply, 'e', "sv");
    if (r >= 0) r = sd_bus_message_append(reply, "s", key);
    if (r >= 0) r = sd_bus_message_append(reply, "v", type, values...);
    if (r >= 0) r = sd_bus_message_close_container(reply);
  };
  if (r >= 0) r = sd_bus_message_open_container(reply, 'a', "{sv}");
  entry("packages", "u", static_cast<uint32_t>(t.packages.size()));
  entry("cores", "u", static_cast<uint32_t>(t.cores.size()));
  entry("threads", "u", static_cast<uint32_t>(t.LogicalCpuCount()));
  entry("memory_total", "t", t.total_memory_bytes);
  entry("memory_available", "t", t.available_memory_bytes.value_or(0));
  entry("cpu_features", "s", self->deps_.cpu_features.ToString().c_str());
  // numa_nodes a(ut)
  if (r >= 0) r = sd_bus_message_open_container(reply, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(reply, "s", "numa_nodes");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'v', "a(ut)");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'a', "(ut)");
  for (const hal::NumaNode& node : t.numa_nodes) {
    if (r >= 0) {
      r = sd_bus_message_append(reply, "(ut)", static_cast<uint32_t>(node.id), node.total_bytes);
    }
  }
  for (int i = 0; i < 3 && r >= 0; ++i) r = sd_bus_message_close_container(reply);
  // gpus a(ssi)
  if (r >= 0) r = sd_bus_message_open_container(reply, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(reply, "s", "gpus");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'v', "a(ssi)");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'a', "(ssi)");
  for (const hal::Gpu& gpu : t.gpus) {
    if (r >= 0) {
      r = sd_bus_message_append(reply, "(ssi)", gpu.name.c_str(), gpu.pci_address.c_str(),
                                static_cast<int32_t>(gpu.numa_node));
    }
  }
  for (int i = 0; i < 3 && r >= 0; ++i) r = sd_bus_message_close_container(reply);
  // drivers a(sssiu) (name, version, path, score, models served) and
  // devices a(sussstt) (driver, index, name, description, kind, memory).
  const std::vector<driver_host::DriverSummary> drivers = self->models_->drivers().List();
  if (r >= 0) r = sd_bus_message_open_container(reply, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(reply, "s", "drivers");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'v', "a(sssiu)");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'a', "(sssiu)");
  for (const driver_host::DriverSummary& d : drivers) {
    if (r < 0) break;
    const auto served = static_cast<uint32_t>(self->models_->ModelsOn(d.name).size());
    r = sd_bus_message_append(reply, "(sssiu)", d.name.c_str(), d.version.c_str(), d.path.c_str(),
                              static_cast<int32_t>(d.score), served);
  }
  for (int i = 0; i < 3 && r >= 0; ++i) r = sd_bus_message_close_container(reply);
  if (r >= 0) r = sd_bus_message_open_container(reply, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(reply, "s", "devices");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'v', "a(sussstt)");
  if (r >= 0) r = sd_bus_message_open_container(reply, 'a', "(sussstt)");
  for (const driver_host::DriverSummary& d : drivers) {
    for (const driver_host::DeviceState& device : d.devices) {
      if (r < 0) break;
      r = sd_bus_message_append(reply, "(sussstt)", d.name.c_str(), device.index,
                                device.name.c_str(), device.description.c_str(),
                                device.kind == LLMCORE_DEVICE_GPU ? "gpu" : "cpu",
                                device.memory_total_bytes, device.memory_free_bytes);
    }
  }
  for (int i = 0; i < 3 && r >= 0; ++i) r = sd_bus_message_close_container(reply);
  if (r >= 0) r = sd_bus_message_close_container(reply);
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  sd_bus_message_unref(reply);
  return r;
}

int CoreService::GetStatus(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  const char* name = nullptr;
  int r = sd_bus_message_read(m, "s", &name);
  if (r < 0) return r;
  auto reply = [m](const char* availability, const std::string& reason) {
    return sd_bus_reply_method_return(m, "ss", availability, reason.c_str());
  };
  if (self->draining_) return reply("shutting-down", "the service is stopping");
  auto entry = self->models_->Find(name);
  if (!entry.ok()) {
    if (entry.status().code() == StatusCode::kInvalidArgument) {
      return ReplyStatus(m, entry.status());
    }
    return reply("no-model", entry.status().message());
  }
  switch (self->models_->StateOf(entry->name)) {
    case ModelState::kLoading:
      return reply("loading", fmt::format("model '{}' is loading", entry->name));
    case ModelState::kAvailable:
      return reply("ready", fmt::format("model '{}' loads on first use", entry->name));
    case ModelState::kLoaded: break;
  }
  std::shared_ptr<ModelSlot> slot = self->models_->Loaded(entry->name);
  const auto load = slot->scheduler->load();
  if (load.requests_active >= self->deps_.settings.max_queued) {
    return reply("overloaded", fmt::format("model '{}' has {} requests queued, the most it takes",
                                           entry->name, load.requests_active));
  }
  if (load.sequences_open >= slot->model->n_seq_max()) {
    return reply("overloaded", fmt::format("model '{}' serves its maximum of {} sessions",
                                           entry->name, slot->model->n_seq_max()));
  }
  return reply("ready", fmt::format("model '{}' is loaded", entry->name));
}

int CoreService::Tokenize(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* name = nullptr;
  const char* text_arg = nullptr;
  int r = sd_bus_message_read(m, "ss", &name, &text_arg);
  if (r < 0) return r;
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  auto options = ParseTokenizeOptions(*map);
  if (!options.ok()) return ReplyStatus(m, options.status());
  std::string text = text_arg;
  if (text.size() > self->deps_.settings.max_prompt_bytes) {
    return ReplyError(m, BusError::kInvalidArgument,
                      fmt::format("the text has {} bytes, more than the limit of {}", text.size(),
                                  self->deps_.settings.max_prompt_bytes));
  }
  BackgroundPool* pool = self->deps_.pool;
  auto held = std::make_shared<HeldCall>(m);
  self->WithModel(
      m, name,
      [held, pool, text = std::move(text), o = *options](const std::shared_ptr<ModelSlot>& slot) {
        pool->Run([held, slot, text, o]() -> LoopDispatcher::Task {
          text::EncodeOptions encode;
          encode.add_special = o.add_bos;
          encode.parse_special = o.parse_special;
          auto ids = slot->model->tokenizer().Encode(text, encode);
          return [held, ids = std::move(ids)] {
            if (!ids.ok()) {
              ReplyStatus(held->call, ids.status());
              return;
            }
            sd_bus_message* reply = nullptr;
            int rr = sd_bus_message_new_method_return(held->call, &reply);
            if (rr >= 0) {
              rr = sd_bus_message_append_array(reply, 'u', ids->data(),
                                               ids->size() * sizeof(text::TokenId));
            }
            if (rr >= 0) sd_bus_send(nullptr, reply, nullptr);
            sd_bus_message_unref(reply);
          };
        });
      });
  return 1;
}

int CoreService::Detokenize(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* name = nullptr;
  int r = sd_bus_message_read(m, "s", &name);
  if (r < 0) return r;
  const void* data = nullptr;
  size_t bytes = 0;
  r = sd_bus_message_read_array(m, 'u', &data, &bytes);
  if (r < 0) return r;
  const size_t count = bytes / sizeof(uint32_t);
  if (count > kMaxDetokenizeIds) {
    return ReplyError(
        m, BusError::kInvalidArgument,
        fmt::format("{} token ids given, at most {} allowed", count, kMaxDetokenizeIds));
  }
  std::vector<text::TokenId> ids(count);
  if (count > 0) std::memcpy(ids.data(), data, count * sizeof(uint32_t));
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] < 0) {
      return ReplyError(
          m, BusError::kInvalidArgument,
          fmt::format("token {} at index {} is out of range", static_cast<uint32_t>(ids[i]), i));
    }
  }
  auto held = std::make_shared<HeldCall>(m);
  BackgroundPool* pool = self->deps_.pool;
  self->WithModel(
      m, name, [held, pool, ids = std::move(ids)](const std::shared_ptr<ModelSlot>& slot) {
        pool->Run([held, slot, ids]() -> LoopDispatcher::Task {
          auto text = slot->model->tokenizer().Decode(ids);
          return [held, text = std::move(text)] {
            if (!text.ok()) {
              ReplyError(held->call, BusError::kInvalidArgument, text.status().message());
              return;
            }
            // Tokens may stand for bytes that are not UTF-8 on their own; a
            // D-Bus string must be valid UTF-8.
            const std::string valid = SanitizeUtf8(*text);
            sd_bus_reply_method_return(held->call, "s", valid.c_str());
          };
        });
      });
  return 1;
}

int CoreService::Embed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  if (self->RefuseWhenDraining(m)) return 1;
  const char* name = nullptr;
  int r = sd_bus_message_read(m, "s", &name);
  if (r < 0) return r;
  auto texts = ReadStringArray(m, kMaxEmbedTexts);
  if (!texts.ok()) return ReplyStatus(m, texts.status());
  auto map = ReadOptionMap(m);
  if (!map.ok()) return ReplyStatus(m, map.status());
  if (Status s = ExpectNoOptions(*map); !s.ok()) return ReplyStatus(m, s);
  if (texts->empty()) return ReplyError(m, BusError::kInvalidArgument, "no texts to embed");
  for (const std::string& text : *texts) {
    if (text.size() > self->deps_.settings.max_prompt_bytes) {
      return ReplyError(m, BusError::kInvalidArgument,
                        fmt::format("a text has {} bytes, more than the limit of {}", text.size(),
                                    self->deps_.settings.max_prompt_bytes));
    }
  }
  auto caller = CallerCreds(m);
  if (!caller.ok()) return ReplyStatus(m, caller.status());
  auto held = std::make_shared<HeldCall>(m);
  auto dispatcher = self->deps_.dispatcher;
  const uid_t uid = caller->uid;
  self->WithModel(
      m, name,
      [held, dispatcher, uid, texts = std::move(*texts)](const std::shared_ptr<ModelSlot>& slot) {
        Status s = slot->scheduler->Embed(
            uid, texts, [held, dispatcher](Result<std::vector<std::vector<float>>> vectors) {
              dispatcher->Post([held, vectors = std::move(vectors)] {
                if (!vectors.ok()) {
                  ReplyStatus(held->call, vectors.status());
                  return;
                }
                sd_bus_message* reply = nullptr;
                int rr = sd_bus_message_new_method_return(held->call, &reply);
                if (rr >= 0) rr = sd_bus_message_open_container(reply, 'a', "ad");
                for (const std::vector<float>& v : *vectors) {
                  if (rr < 0) break;
                  const std::vector<double> d(v.begin(), v.end());
                  rr = sd_bus_message_append_array(reply, 'd', d.data(), d.size() * sizeof(double));
                }
                if (rr >= 0) rr = sd_bus_message_close_container(reply);
                if (rr >= 0) sd_bus_send(nullptr, reply, nullptr);
                sd_bus_message_unref(reply);
              });
            });
        if (!s.ok()) ReplyStatus(held->call, s);
      });
  return 1;
}

void CoreService::AuthorizeManage(sd_bus_message* m, std::string what, AuthorizedAction act) {
  auto held = std::make_shared<HeldCall>(m);
  std::weak_ptr<CoreService*> weak = self_;
  CheckPolkitAuthorization(
      deps_.bus, m, ipc::kManagePolkitAction,
      [weak, held, what = std::move(what), act = std::move(act)](Status allowed) {
        auto alive = weak.lock();
        if (!alive || !*alive) return;
        if (!allowed.ok()) {
          Logf(LogLevel::kNotice, "{} refused: {}", what, allowed.message());
          ReplyError(held->call, BusError::kAccessDenied, allowed.message());
          return;
        }
        act(**alive, held);
      });
}

int CoreService::PropertyVersion(sd_bus*, const char*, const char*, const char*,
                                 sd_bus_message* reply, void* userdata, sd_bus_error*) {
  return sd_bus_message_append(reply, "s", Self(userdata)->deps_.version.c_str());
}

int CoreService::PropertyDrivers(sd_bus*, const char*, const char*, const char*,
                                 sd_bus_message* reply, void* userdata, sd_bus_error*) {
  int r = sd_bus_message_open_container(reply, 'a', "(ss)");
  for (const driver_host::DriverSummary& d : Self(userdata)->models_->drivers().List()) {
    if (r >= 0) r = sd_bus_message_append(reply, "(ss)", d.name.c_str(), d.version.c_str());
  }
  if (r >= 0) r = sd_bus_message_close_container(reply);
  return r;
}

int CoreService::PropertyLoadedModels(sd_bus*, const char*, const char*, const char*,
                                      sd_bus_message* reply, void* userdata, sd_bus_error*) {
  CoreService* self = Self(userdata);
  int r = sd_bus_message_open_container(reply, 'a', "s");
  for (const std::string& name : self->models_->LoadedNames()) {
    if (r >= 0) r = sd_bus_message_append(reply, "s", name.c_str());
  }
  if (r >= 0) r = sd_bus_message_close_container(reply);
  return r;
}

}  // namespace llmcore::service
