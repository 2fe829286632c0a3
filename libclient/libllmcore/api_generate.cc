// llmcore.h: one-shot generation (the Manager's Generate and GenerateChat).
#include <cstdlib>

#include "dict.h"
#include "handles.h"
#include "llmcore/ipc/dbus_names.h"
#include "options.h"

using llmcore::lib::Error;
using llmcore::lib::Fail;
using llmcore::lib::Guarded;
using llmcore::lib::MessagePtr;

namespace {

int GenerateImpl(llmcore_client* client, const char* model, const llmcore::lib::Prompt& prompt,
                 const llmcore_generate_options* options, char** text, llmcore_stats* stats) {
  llmcore_generate_options opts;
  Error error = llmcore::lib::PrepareGenerateOptions(options, &opts);
  if (error.ok() && prompt.text == nullptr) {
    error = llmcore::lib::ValidateMessages(prompt.messages, prompt.message_count);
  }
  std::unique_lock lock(client->connection.mutex());
  if (!error.ok()) return Fail(&client->last_error, error);
  auto& connection = client->connection;
  connection.Process();
  const bool chat = prompt.text == nullptr;
  sd_bus_message* raw = nullptr;
  error = connection.NewCall(llmcore::ipc::kObjectPath, llmcore::ipc::kManagerInterface,
                             chat ? "GenerateChat" : "Generate", &raw);
  MessagePtr call(raw);
  if (!error.ok()) return Fail(&client->last_error, error);
  int r = sd_bus_message_append(call.get(), "s", model != nullptr ? model : "");
  if (r >= 0) {
    r = chat ? llmcore::lib::AppendMessages(call.get(), prompt.messages, prompt.message_count)
             : sd_bus_message_append(call.get(), "s", prompt.text);
  }
  if (r >= 0) r = llmcore::lib::AppendGenerateOptions(call.get(), opts);
  if (r < 0) return Fail(&client->last_error, Error{LLMCORE_ERROR_FAILED, "building the request"});
  raw = nullptr;
  error = connection.Call(lock, call.get(), &raw);
  MessagePtr reply(raw);
  if (!error.ok()) return Fail(&client->last_error, error);
  const char* generated = nullptr;
  llmcore::lib::Dict dict;
  if (sd_bus_message_read(reply.get(), "s", &generated) < 0 ||
      llmcore::lib::ReadDict(reply.get(), &dict) < 0) {
    return Fail(&client->last_error, Error{LLMCORE_ERROR_PROTOCOL, "malformed Generate reply"});
  }
  const llmcore::lib::Stats parsed = llmcore::lib::StatsFromDict(dict);
  llmcore::lib::CopyStatsOut(parsed, stats);
  *text = llmcore::lib::DupString(generated);
  if (*text == nullptr) return LLMCORE_ERROR_NO_MEMORY;
  error = llmcore::lib::OutcomeOf(parsed);
  if (!error.ok()) {
    std::free(*text);  // on failure *text is NULL (the header's rule for this call)
    *text = nullptr;
    return Fail(&client->last_error, error);
  }
  client->last_error.clear();
  return LLMCORE_OK;
}

}  // namespace

extern "C" {

LLMCORE_API int llmcore_generate(llmcore_client* client, const char* model, const char* prompt,
                                 const llmcore_generate_options* options, char** text,
                                 llmcore_stats* stats) {
  if (text != nullptr) *text = nullptr;
  if (client == nullptr || prompt == nullptr || text == nullptr) {
    return LLMCORE_ERROR_INVALID_ARGUMENT;
  }
  return Guarded([&] {
    return GenerateImpl(client, model, llmcore::lib::Prompt{prompt, nullptr, 0}, options, text,
                        stats);
  });
}

LLMCORE_API int llmcore_generate_chat(llmcore_client* client, const char* model,
                                      const llmcore_message* messages, size_t message_count,
                                      const llmcore_generate_options* options, char** text,
                                      llmcore_stats* stats) {
  if (text != nullptr) *text = nullptr;
  if (client == nullptr || text == nullptr) return LLMCORE_ERROR_INVALID_ARGUMENT;
  return Guarded([&] {
    return GenerateImpl(client, model, llmcore::lib::Prompt{nullptr, messages, message_count},
                        options, text, stats);
  });
}

}  // extern "C"
