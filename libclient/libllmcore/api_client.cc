// llmcore.h: connecting, the event-loop hooks, availability and models.
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

#include "dict.h"
#include "handles.h"
#include "llmcore/ipc/dbus_names.h"
#include "options.h"

using llmcore::lib::Error;
using llmcore::lib::Fail;
using llmcore::lib::Guarded;
using llmcore::lib::MessagePtr;

struct llmcore_model_list {
  std::deque<std::string> strings;  // stable addresses for the entries
  std::vector<llmcore_model_entry> entries;
};

namespace {

constexpr uint64_t kDefaultCallTimeoutUsec = 60ull * 1000 * 1000;

Error Malformed(const char* member) {
  return Error{LLMCORE_ERROR_PROTOCOL, std::string("malformed ") + member + " reply"};
}

// Calls a Manager method whose arguments `append` writes; *reply on success.
template <typename Append>
Error CallManager(llmcore_client* client, std::unique_lock<std::mutex>& lock, const char* member,
                  Append&& append, MessagePtr* reply) {
  auto& connection = client->connection;
  connection.Process();
  sd_bus_message* raw = nullptr;
  Error error =
      connection.NewCall(llmcore::ipc::kObjectPath, llmcore::ipc::kManagerInterface, member, &raw);
  MessagePtr call(raw);
  if (!error.ok()) return error;
  const int r = append(call.get());
  if (r < 0) {
    return Error{LLMCORE_ERROR_FAILED, std::string("building ") + member + ": " + strerror(-r)};
  }
  raw = nullptr;
  error = connection.Call(lock, call.get(), &raw);
  reply->reset(raw);
  return error;
}

const char* OrEmpty(const char* text) {
  return text != nullptr ? text : "";
}

llmcore_availability AvailabilityOf(const char* text) {
  const std::string_view value(text);
  if (value == "ready") return LLMCORE_AVAILABILITY_READY;
  if (value == "loading") return LLMCORE_AVAILABILITY_MODEL_LOADING;
  if (value == "overloaded") return LLMCORE_AVAILABILITY_OVERLOADED;
  if (value == "shutting-down") return LLMCORE_AVAILABILITY_SHUTTING_DOWN;
  return LLMCORE_AVAILABILITY_NO_MODEL;
}

char* DupC(const std::string& text) {
  return llmcore::lib::DupString(text);
}

}  // namespace

extern "C" {

LLMCORE_API int llmcore_connect(const llmcore_connect_params* params, llmcore_client** out,
                                char** error_text) {
  if (error_text != nullptr) *error_text = nullptr;
  if (out == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  *out = nullptr;
  return Guarded([&]() -> int {
    llmcore_connect_params p;
    Error error = llmcore::lib::CopyConnectParams(params, &p);
    std::string address;
    if (p.address != nullptr) {
      address = p.address;
    } else if (const char* env = std::getenv("LLMCORE_BUS_ADDRESS"); env && *env) {
      address = env;
    }
    const uint64_t timeout =
        p.call_timeout_ms != 0 ? uint64_t(p.call_timeout_ms) * 1000 : kDefaultCallTimeoutUsec;
    auto client = std::make_unique<llmcore_client>(address, timeout);
    if (error.ok()) {
      std::lock_guard guard(client->connection.mutex());
      error = client->connection.Ensure();
    }
    if (!error.ok()) {
      if (error_text != nullptr) *error_text = DupC(error.message);
      return error.code;
    }
    *out = client.release();
    return LLMCORE_OK;
  });
}

LLMCORE_API void llmcore_client_free(llmcore_client* client) {
  delete client;
}

LLMCORE_API const char* llmcore_client_last_error(llmcore_client* client) {
  if (client == nullptr) return "client is NULL";
  std::lock_guard guard(client->connection.mutex());
  return client->last_error.c_str();
}

LLMCORE_API int llmcore_client_get_fd(llmcore_client* client) {
  if (client == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  std::lock_guard guard(client->connection.mutex());
  const Error error = client->connection.Ensure();
  if (!error.ok()) return Fail(&client->last_error, error);
  return client->connection.fd();
}

LLMCORE_API int llmcore_client_get_events(llmcore_client* client) {
  if (client == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  std::lock_guard guard(client->connection.mutex());
  return client->connection.events();
}

LLMCORE_API int llmcore_client_process(llmcore_client* client) {
  if (client == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  std::lock_guard guard(client->connection.mutex());
  const Error error = client->connection.Process();
  if (!error.ok()) return Fail(&client->last_error, error);
  client->last_error.clear();
  return LLMCORE_OK;
}

LLMCORE_API int llmcore_get_availability(llmcore_client* client, const char* model,
                                         llmcore_availability* availability, char** reason) {
  if (reason != nullptr) *reason = nullptr;
  if (client == nullptr || availability == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  return Guarded([&]() -> int {
    std::unique_lock lock(client->connection.mutex());
    MessagePtr reply;
    Error error = CallManager(
        client, lock, "GetStatus",
        [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", OrEmpty(model)); }, &reply);
    if (error.code == LLMCORE_ERROR_DAEMON_UNAVAILABLE) {
      *availability = LLMCORE_AVAILABILITY_DAEMON_ABSENT;
      if (reason != nullptr)
        *reason = DupC("the LLM service is not running (" + error.message + ")");
      client->last_error.clear();
      return LLMCORE_OK;
    }
    if (!error.ok()) return Fail(&client->last_error, error);
    const char* state = nullptr;
    const char* text = nullptr;
    if (sd_bus_message_read(reply.get(), "ss", &state, &text) < 0) {
      return Fail(&client->last_error, Malformed("GetStatus"));
    }
    *availability = AvailabilityOf(state);
    if (reason != nullptr) *reason = DupC(text);
    client->last_error.clear();
    return LLMCORE_OK;
  });
}

LLMCORE_API int llmcore_list_models(llmcore_client* client, llmcore_model_list** out) {
  if (client == nullptr || out == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  *out = nullptr;
  return Guarded([&]() -> int {
    std::unique_lock lock(client->connection.mutex());
    MessagePtr reply;
    Error error = CallManager(
        client, lock, "ListModels", [](sd_bus_message*) { return 0; }, &reply);
    if (!error.ok()) return Fail(&client->last_error, error);
    auto list = std::make_unique<llmcore_model_list>();
    std::vector<std::pair<size_t, uint64_t>> rows;  // index of the name, size
    int r = sd_bus_message_enter_container(reply.get(), 'a', "(sssts)");
    while (r >= 0) {
      const char *name, *arch, *quant, *state;
      uint64_t size = 0;
      r = sd_bus_message_read(reply.get(), "(sssts)", &name, &arch, &quant, &size, &state);
      if (r <= 0) break;
      rows.emplace_back(list->strings.size(), size);
      for (const char* s : {name, arch, quant, state}) list->strings.emplace_back(s);
    }
    if (r < 0) return Fail(&client->last_error, Malformed("ListModels"));
    for (const auto& [first, size] : rows) {
      list->entries.push_back(llmcore_model_entry{
          list->strings[first].c_str(), list->strings[first + 1].c_str(),
          list->strings[first + 2].c_str(), size, list->strings[first + 3].c_str()});
    }
    client->last_error.clear();
    *out = list.release();
    return LLMCORE_OK;
  });
}

LLMCORE_API size_t llmcore_model_list_count(const llmcore_model_list* list) {
  return list != nullptr ? list->entries.size() : 0;
}

LLMCORE_API const llmcore_model_entry* llmcore_model_list_get(const llmcore_model_list* list,
                                                              size_t index) {
  if (list == nullptr || index >= list->entries.size()) return nullptr;
  return &list->entries[index];
}

LLMCORE_API void llmcore_model_list_free(llmcore_model_list* list) {
  delete list;
}

LLMCORE_API int llmcore_get_model_info(llmcore_client* client, const char* model,
                                       llmcore_model_info** out) {
  if (client == nullptr || out == nullptr || model == nullptr) {
    return LLMCORE_ERROR_INVALID_ARGUMENT;
  }
  *out = nullptr;
  return Guarded([&]() -> int {
    std::unique_lock lock(client->connection.mutex());
    MessagePtr reply;
    Error error = CallManager(
        client, lock, "GetModelInfo",
        [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", model); }, &reply);
    if (!error.ok()) return Fail(&client->last_error, error);
    llmcore::lib::Dict dict;
    if (llmcore::lib::ReadDict(reply.get(), &dict) < 0) {
      return Fail(&client->last_error, Malformed("GetModelInfo"));
    }
    auto* info = static_cast<llmcore_model_info*>(std::calloc(1, sizeof(llmcore_model_info)));
    if (info == nullptr) return LLMCORE_ERROR_NO_MEMORY;
    info->struct_size = sizeof(*info);
    using llmcore::lib::DictString;
    using llmcore::lib::DictUnsigned;
    const std::pair<const char**, const char*> strings[] = {{&info->name, "name"},
                                                            {&info->path, "path"},
                                                            {&info->architecture, "architecture"},
                                                            {&info->quantization, "quantization"},
                                                            {&info->chat_template, "chat_template"},
                                                            {&info->state, "state"},
                                                            {&info->driver, "driver"},
                                                            {&info->device, "device"}};
    for (const auto& [field, key] : strings) *field = DupC(DictString(dict, key));
    info->parameters = DictUnsigned(dict, "parameters");
    info->size_bytes = DictUnsigned(dict, "size");
    info->context_length = uint32_t(DictUnsigned(dict, "context_length"));
    info->serving_context_length = uint32_t(DictUnsigned(dict, "serving_context_length"));
    info->embedding_length = uint32_t(DictUnsigned(dict, "embedding_length"));
    info->layers = uint32_t(DictUnsigned(dict, "layers"));
    info->vocab_size = uint32_t(DictUnsigned(dict, "vocab_size"));
    info->pinned = llmcore::lib::DictBool(dict, "pinned") ? 1 : 0;
    for (const auto& [field, key] : strings) {
      if (*field == nullptr) {
        llmcore_model_info_free(info);
        return LLMCORE_ERROR_NO_MEMORY;
      }
    }
    client->last_error.clear();
    *out = info;
    return LLMCORE_OK;
  });
}

LLMCORE_API void llmcore_model_info_free(llmcore_model_info* info) {
  if (info == nullptr) return;
  for (const char* s : {info->name, info->path, info->architecture, info->quantization,
                        info->chat_template, info->state, info->driver, info->device}) {
    std::free(const_cast<char*>(s));
  }
  std::free(info);
}

}  // extern "C"
