#include "options.h"

#include <cmath>
#include <cstring>

namespace llmcore::lib {
namespace {

// Copies the prefix of a caller's struct that its struct_size covers.
template <typename T>
Error CopyBySize(const T* in, T* out, const char* what) {
  if (in == nullptr) return Error::Ok();
  if (in->struct_size < sizeof(size_t)) {
    return Error{LLMCORE_ERROR_INVALID_ARGUMENT,
                 std::string(what) + ": struct_size is not set (use its *_default_* function)"};
  }
  const size_t n = in->struct_size < sizeof(T) ? in->struct_size : sizeof(T);
  std::memcpy(static_cast<void*>(out), static_cast<const void*>(in), n);
  out->struct_size = sizeof(T);
  return Error::Ok();
}

bool IsSet(double value) {
  return !std::isnan(value);
}

int AppendEntry(sd_bus_message* m, const char* key, const char* type, auto value) {
  int r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", key);
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', type);
  if (r >= 0) r = sd_bus_message_append(m, type, value);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

int AppendStops(sd_bus_message* m, const llmcore_generate_options& o) {
  int r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", "stop");
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "as");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "s");
  for (size_t i = 0; r >= 0 && i < o.stop_count; ++i) r = sd_bus_message_append(m, "s", o.stop[i]);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

}  // namespace

Error CopyGenerateOptions(const llmcore_generate_options* in, llmcore_generate_options* out) {
  llmcore_generate_default_options(out);
  return CopyBySize(in, out, "llmcore_generate_options");
}

Error CopyConnectParams(const llmcore_connect_params* in, llmcore_connect_params* out) {
  llmcore_connect_default_params(out);
  return CopyBySize(in, out, "llmcore_connect_params");
}

Error CopySessionParams(const llmcore_session_params* in, llmcore_session_params* out) {
  llmcore_session_default_params(out);
  return CopyBySize(in, out, "llmcore_session_params");
}

const char* ValidateGenerateOptions(const llmcore_generate_options& o) {
  if (IsSet(o.temperature) && !(o.temperature >= 0 && std::isfinite(o.temperature))) {
    return "temperature must be 0 (greedy) or a positive number";
  }
  if (o.top_k != LLMCORE_OPTION_UNSET_INT && o.top_k < 0) return "top_k must be >= 0";
  if (IsSet(o.top_p) && !(o.top_p > 0 && o.top_p <= 1)) return "top_p must be in (0, 1]";
  if (IsSet(o.min_p) && !(o.min_p >= 0 && o.min_p <= 1)) return "min_p must be in [0, 1]";
  if (IsSet(o.repeat_penalty) && !(o.repeat_penalty > 0 && std::isfinite(o.repeat_penalty))) {
    return "repeat_penalty must be > 0";
  }
  if (o.repeat_last_n != LLMCORE_OPTION_UNSET_INT && o.repeat_last_n < -1) {
    return "repeat_last_n must be >= -1";
  }
  if (IsSet(o.frequency_penalty) && !(o.frequency_penalty >= -2 && o.frequency_penalty <= 2)) {
    return "frequency_penalty must be in [-2, 2]";
  }
  if (IsSet(o.presence_penalty) && !(o.presence_penalty >= -2 && o.presence_penalty <= 2)) {
    return "presence_penalty must be in [-2, 2]";
  }
  if (o.stop_count > 0 && o.stop == nullptr) return "stop is NULL but stop_count is not 0";
  for (size_t i = 0; i < o.stop_count; ++i) {
    if (o.stop[i] == nullptr) return "a stop string is NULL";
    if (o.stop[i][0] == '\0') return "a stop string is empty";
  }
  return nullptr;
}

Error PrepareGenerateOptions(const llmcore_generate_options* in, llmcore_generate_options* out) {
  Error error = CopyGenerateOptions(in, out);
  if (!error.ok()) return error;
  if (const char* why = ValidateGenerateOptions(*out)) {
    return Error{LLMCORE_ERROR_INVALID_ARGUMENT, std::string("InvalidArgument: ") + why};
  }
  return Error::Ok();
}

Error ValidateMessages(const llmcore_message* messages, size_t count) {
  if (count == 0) return Error{LLMCORE_ERROR_INVALID_ARGUMENT, "InvalidArgument: no messages"};
  if (messages == nullptr) {
    return Error{LLMCORE_ERROR_INVALID_ARGUMENT, "InvalidArgument: messages is NULL"};
  }
  for (size_t i = 0; i < count; ++i) {
    if (messages[i].role == nullptr || messages[i].content == nullptr) {
      return Error{LLMCORE_ERROR_INVALID_ARGUMENT,
                   "InvalidArgument: message " + std::to_string(i) + " has a NULL role or content"};
    }
  }
  return Error::Ok();
}

int AppendGenerateOptions(sd_bus_message* m, const llmcore_generate_options& o) {
  int r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0 && o.max_tokens != 0) r = AppendEntry(m, "max_tokens", "u", o.max_tokens);
  if (r >= 0 && IsSet(o.temperature)) r = AppendEntry(m, "temperature", "d", o.temperature);
  if (r >= 0 && o.top_k != LLMCORE_OPTION_UNSET_INT) r = AppendEntry(m, "top_k", "i", o.top_k);
  if (r >= 0 && IsSet(o.top_p)) r = AppendEntry(m, "top_p", "d", o.top_p);
  if (r >= 0 && IsSet(o.min_p)) r = AppendEntry(m, "min_p", "d", o.min_p);
  if (r >= 0 && IsSet(o.repeat_penalty)) {
    r = AppendEntry(m, "repeat_penalty", "d", o.repeat_penalty);
  }
  if (r >= 0 && o.repeat_last_n != LLMCORE_OPTION_UNSET_INT) {
    r = AppendEntry(m, "repeat_last_n", "i", o.repeat_last_n);
  }
  if (r >= 0 && IsSet(o.frequency_penalty)) {
    r = AppendEntry(m, "frequency_penalty", "d", o.frequency_penalty);
  }
  if (r >= 0 && IsSet(o.presence_penalty)) {
    r = AppendEntry(m, "presence_penalty", "d", o.presence_penalty);
  }
  if (r >= 0 && o.has_seed) r = AppendEntry(m, "seed", "t", o.seed);
  if (r >= 0 && o.stop_count > 0) r = AppendStops(m, o);
  if (r >= 0 && o.ignore_eos) r = AppendEntry(m, "ignore_eos", "b", 1);
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

int AppendMessages(sd_bus_message* m, const llmcore_message* messages, size_t count) {
  int r = sd_bus_message_open_container(m, 'a', "(ss)");
  for (size_t i = 0; r >= 0 && i < count; ++i) {
    r = sd_bus_message_append(m, "(ss)", messages[i].role, messages[i].content);
  }
  if (r >= 0) r = sd_bus_message_close_container(m);
  return r;
}

}  // namespace llmcore::lib
