#include "llmcore/service/bus_options.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <string_view>

#include "llmcore/utf8.h"

namespace llmcore::service {
namespace {

constexpr size_t kMaxOptions = 64;
constexpr size_t kMaxStopStrings = 16;
constexpr size_t kMaxStopBytes = 256;
constexpr size_t kMaxChatMessages = 4096;

Status BusReadError(int r, std::string_view what) {
  return Status(StatusCode::kInvalidArgument,
                fmt::format("malformed {}: {}", what, std::strerror(-r)));
}

Result<OptionValue> ReadVariant(sd_bus_message* m, const std::string& key) {
  char type = 0;
  const char* contents = nullptr;
  int r = sd_bus_message_peek_type(m, &type, &contents);
  if (r < 0) return BusReadError(r, "option value");
  const std::string_view signature = contents ? contents : "";
  r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, contents);
  if (r < 0) return BusReadError(r, "option value");
  OptionValue value;
  if (signature == "b") {
    int v = 0;
    r = sd_bus_message_read_basic(m, 'b', &v);
    value = v != 0;
  } else if (signature == "i") {
    int32_t v = 0;
    r = sd_bus_message_read_basic(m, 'i', &v);
    value = v;
  } else if (signature == "u") {
    uint32_t v = 0;
    r = sd_bus_message_read_basic(m, 'u', &v);
    value = v;
  } else if (signature == "x") {
    int64_t v = 0;
    r = sd_bus_message_read_basic(m, 'x', &v);
    value = v;
  } else if (signature == "t") {
    uint64_t v = 0;
    r = sd_bus_message_read_basic(m, 't', &v);
    value = v;
  } else if (signature == "d") {
    double v = 0;
    r = sd_bus_message_read_basic(m, 'd', &v);
    value = v;
  } else if (signature == "s") {
    const char* v = nullptr;
    r = sd_bus_message_read_basic(m, 's', &v);
    value = std::string(v ? v : "");
  } else if (signature == "as") {
    char** strv = nullptr;
    r = sd_bus_message_read_strv(m, &strv);
    std::vector<std::string> list;
    for (char** s = strv; s && *s; ++s) {
      list.emplace_back(*s);
      free(*s);
    }
    free(static_cast<void*>(strv));
    value = std::move(list);
  } else {
    sd_bus_message_skip(m, contents);
    sd_bus_message_exit_container(m);
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("option '{}' has type '{}', which no option uses", key, signature));
  }
  if (r < 0) return BusReadError(r, fmt::format("option '{}'", key));
  r = sd_bus_message_exit_container(m);
  if (r < 0) return BusReadError(r, "option value");
  return value;
}

const char* TypeName(const OptionValue& v) {
  static constexpr const char* kNames[] = {"b", "i", "u", "x", "t", "d", "s", "as"};
  return kNames[v.index()];
}

// Fetches an option of type T, if present; a wrong type is an error.
template <typename T>
Result<const T*> Get(const OptionMap& map, std::string_view key, const char* want) {
  auto it = map.find(key);
  if (it == map.end()) return static_cast<const T*>(nullptr);
  if (const T* v = std::get_if<T>(&it->second)) return v;
  return Status(
      StatusCode::kInvalidArgument,
      fmt::format("option '{}' must have type '{}', not '{}'", key, want, TypeName(it->second)));
}

Status CheckKnownKeys(const OptionMap& map, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : map) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) {
      return Status(StatusCode::kInvalidArgument, fmt::format("unknown option '{}'", key));
    }
  }
  return Status::Ok();
}

Status OutOfRange(std::string_view key, std::string_view range) {
  return Status(StatusCode::kInvalidArgument, fmt::format("option '{}' must be {}", key, range));
}

}  // namespace

Result<OptionMap> ReadOptionMap(sd_bus_message* m) {
  int r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
  if (r < 0) return BusReadError(r, "options (a{sv})");
  OptionMap map;
  Status failure;
  while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
    const char* key = nullptr;
    r = sd_bus_message_read_basic(m, 's', &key);
    if (r < 0) return BusReadError(r, "option key");
    const std::string name(key ? key : "");
    auto value = ReadVariant(m, name);
    if (!value.ok()) {
      if (failure.ok()) failure = value.status();
    } else if (map.size() >= kMaxOptions) {
      if (failure.ok()) failure = Status(StatusCode::kInvalidArgument, "too many options");
    } else if (!map.emplace(name, std::move(*value)).second && failure.ok()) {
      failure = Status(StatusCode::kInvalidArgument, fmt::format("option '{}' given twice", name));
    }
    r = sd_bus_message_exit_container(m);
    if (r < 0) return BusReadError(r, "options");
  }
  if (r < 0) return BusReadError(r, "options");
  r = sd_bus_message_exit_container(m);
  if (r < 0) return BusReadError(r, "options");
  if (!failure.ok()) return failure;
  return map;
}

Result<ParsedGeneration> ParseGenerationOptions(const OptionMap& map,
                                                const GenerationLimits& limits) {
  LLMCORE_RETURN_IF_ERROR(CheckKnownKeys(
      map,
      {"max_tokens", "temperature", "top_k", "top_p", "min_p", "repeat_penalty", "repeat_last_n",
       "frequency_penalty", "presence_penalty", "seed", "stop", "ignore_eos"}));
  ParsedGeneration out;
  engine::GenerationOptions& o = out.options;
  o.max_tokens = limits.default_max_tokens;
  text::SamplerParams& s = o.sampling;

  LLMCORE_ASSIGN_OR_RETURN(const uint32_t* max_tokens, Get<uint32_t>(map, "max_tokens", "u"));
  if (max_tokens) {
    if (*max_tokens < 1 || *max_tokens > limits.max_tokens) {
      return OutOfRange("max_tokens", fmt::format("between 1 and {}", limits.max_tokens));
    }
    o.max_tokens = *max_tokens;
  }
  LLMCORE_ASSIGN_OR_RETURN(const double* temperature, Get<double>(map, "temperature", "d"));
  if (temperature) {
    if (!std::isfinite(*temperature) || *temperature < 0 || *temperature > 100) {
      return OutOfRange("temperature", "0 (greedy) or a positive number up to 100");
    }
    s.temperature = static_cast<float>(*temperature);
  }
  LLMCORE_ASSIGN_OR_RETURN(const int32_t* top_k, Get<int32_t>(map, "top_k", "i"));
  if (top_k) {
    if (*top_k < 0) return OutOfRange("top_k", "0 (off) or positive");
    s.top_k = *top_k;
  }
  LLMCORE_ASSIGN_OR_RETURN(const double* top_p, Get<double>(map, "top_p", "d"));
  if (top_p) {
    if (!(*top_p > 0 && *top_p <= 1)) return OutOfRange("top_p", "in (0, 1]");
    s.top_p = static_cast<float>(*top_p);
  }
  LLMCORE_ASSIGN_OR_RETURN(const double* min_p, Get<double>(map, "min_p", "d"));
  if (min_p) {
    if (!(*min_p >= 0 && *min_p <= 1)) return OutOfRange("min_p", "in [0, 1]");
    s.min_p = static_cast<float>(*min_p);
  }
  LLMCORE_ASSIGN_OR_RETURN(const double* repeat, Get<double>(map, "repeat_penalty", "d"));
  if (repeat) {
    if (!std::isfinite(*repeat) || *repeat <= 0) return OutOfRange("repeat_penalty", "> 0");
    s.repeat_penalty = static_cast<float>(*repeat);
  }
  LLMCORE_ASSIGN_OR_RETURN(const int32_t* last_n, Get<int32_t>(map, "repeat_last_n", "i"));
  if (last_n) {
    if (*last_n < -1 || *last_n > text::kMaxRepeatLastN) {
      return OutOfRange("repeat_last_n", fmt::format("-1 or 0..{}", text::kMaxRepeatLastN));
    }
    s.repeat_last_n = *last_n;
  }
  LLMCORE_ASSIGN_OR_RETURN(const double* frequency, Get<double>(map, "frequency_penalty", "d"));
  if (frequency) {
    if (!(*frequency >= -2 && *frequency <= 2))
      return OutOfRange("frequency_penalty", "in [-2, 2]");
    s.frequency_penalty = static_cast<float>(*frequency);
  }
  LLMCORE_ASSIGN_OR_RETURN(const double* presence, Get<double>(map, "presence_penalty", "d"));
  if (presence) {
    if (!(*presence >= -2 && *presence <= 2)) return OutOfRange("presence_penalty", "in [-2, 2]");
    s.presence_penalty = static_cast<float>(*presence);
  }
  LLMCORE_ASSIGN_OR_RETURN(const uint64_t* seed, Get<uint64_t>(map, "seed", "t"));
  if (seed) {
    s.seed = *seed;
    out.seed_given = true;
  }
  LLMCORE_ASSIGN_OR_RETURN(const std::vector<std::string>* stop,
                           (Get<std::vector<std::string>>(map, "stop", "as")));
  if (stop) {
    if (stop->size() > kMaxStopStrings) {
      return OutOfRange("stop", fmt::format("at most {} strings", kMaxStopStrings));
    }
    for (const std::string& str : *stop) {
      if (str.empty() || str.size() > kMaxStopBytes) {
        return OutOfRange("stop",
                          fmt::format("non-empty strings of at most {} bytes", kMaxStopBytes));
      }
    }
    o.stop = *stop;
  }
  LLMCORE_ASSIGN_OR_RETURN(const bool* ignore_eos, Get<bool>(map, "ignore_eos", "b"));
  if (ignore_eos) o.ignore_eos = *ignore_eos;
  LLMCORE_RETURN_IF_ERROR(s.Validate());
  return out;
}

Result<ParsedTokenize> ParseTokenizeOptions(const OptionMap& map) {
  LLMCORE_RETURN_IF_ERROR(CheckKnownKeys(map, {"add_bos", "parse_special"}));
  ParsedTokenize out;
  LLMCORE_ASSIGN_OR_RETURN(const bool* add_bos, Get<bool>(map, "add_bos", "b"));
  if (add_bos) out.add_bos = *add_bos;
  LLMCORE_ASSIGN_OR_RETURN(const bool* special, Get<bool>(map, "parse_special", "b"));
  if (special) out.parse_special = *special;
  return out;
}

Result<ParsedSession> ParseSessionOptions(const OptionMap& map) {
  LLMCORE_RETURN_IF_ERROR(CheckKnownKeys(map, {"context_length"}));
  ParsedSession out;
  LLMCORE_ASSIGN_OR_RETURN(const uint32_t* ctx, Get<uint32_t>(map, "context_length", "u"));
  if (ctx) {
    if (*ctx < 1) return OutOfRange("context_length", "at least 1");
    out.context_length = *ctx;
  }
  return out;
}

Result<ParsedRing> ParseRingOptions(const OptionMap& map) {
  LLMCORE_RETURN_IF_ERROR(CheckKnownKeys(map, {"request_ring_bytes", "event_ring_bytes"}));
  ParsedRing out;
  LLMCORE_ASSIGN_OR_RETURN(const uint32_t* request, Get<uint32_t>(map, "request_ring_bytes", "u"));
  if (request != nullptr) out.request_ring_bytes = *request;
  LLMCORE_ASSIGN_OR_RETURN(const uint32_t* event, Get<uint32_t>(map, "event_ring_bytes", "u"));
  if (event != nullptr) out.event_ring_bytes = *event;
  return out;
}

Result<ParsedLoad> ParseLoadOptions(const OptionMap& map) {
  LLMCORE_RETURN_IF_ERROR(CheckKnownKeys(map, {"pin", "driver", "device"}));
  ParsedLoad out;
  LLMCORE_ASSIGN_OR_RETURN(const bool* pin, Get<bool>(map, "pin", "b"));
  if (pin) out.pin = *pin;
  LLMCORE_ASSIGN_OR_RETURN(const std::string* driver, Get<std::string>(map, "driver", "s"));
  if (driver) out.driver = *driver;
  LLMCORE_ASSIGN_OR_RETURN(const std::string* device, Get<std::string>(map, "device", "s"));
  if (device) {
    if (out.driver.empty()) {
      return Status(StatusCode::kInvalidArgument, "option 'device' needs option 'driver'");
    }
    out.device = *device;
  }
  return out;
}

Result<ParsedSwap> ParseSwapOptions(const OptionMap& map) {
  LLMCORE_RETURN_IF_ERROR(CheckKnownKeys(map, {"threads", "method"}));
  ParsedSwap out;
  LLMCORE_ASSIGN_OR_RETURN(const uint32_t* threads, Get<uint32_t>(map, "threads", "u"));
  if (threads) {
    if (*threads > 1024) return OutOfRange("threads", "at most 1024");
    out.threads = *threads;
  }
  LLMCORE_ASSIGN_OR_RETURN(const std::string* method, Get<std::string>(map, "method", "s"));
  if (method) {
    if (*method != "auto" && *method != "reprocess") {
      return Status(
          StatusCode::kInvalidArgument,
          "option 'method' must be 'auto' or 'reprocess', not '" + SanitizeUtf8(*method) + "'");
    }
    out.force_reprocess = *method == "reprocess";
  }
  return out;
}

Result<ParsedVerify> ParseVerifyOptions(const OptionMap& map) {
  LLMCORE_RETURN_IF_ERROR(CheckKnownKeys(map, {"tokens"}));
  ParsedVerify out;
  LLMCORE_ASSIGN_OR_RETURN(const uint32_t* tokens, Get<uint32_t>(map, "tokens", "u"));
  if (tokens) {
    if (*tokens < 1 || *tokens > 4096) return OutOfRange("tokens", "within [1, 4096]");
    out.tokens = *tokens;
  }
  return out;
}

Status ExpectNoOptions(const OptionMap& map) {
  return CheckKnownKeys(map, {});
}

Result<std::vector<text::ChatMessage>> ReadChatMessages(sd_bus_message* m) {
  int r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "(ss)");
  if (r < 0) return BusReadError(r, "messages (a(ss))");
  std::vector<text::ChatMessage> messages;
  Status failure;
  const char* role = nullptr;
  const char* content = nullptr;
  while ((r = sd_bus_message_read(m, "(ss)", &role, &content)) > 0) {
    const std::string_view r_view = role ? role : "";
    if (messages.size() >= kMaxChatMessages) {
      if (failure.ok()) {
        failure = Status(StatusCode::kInvalidArgument,
                         fmt::format("more than {} chat messages", kMaxChatMessages));
      }
      continue;
    }
    messages.push_back({std::string(r_view), content ? content : ""});
  }
  if (r < 0) return BusReadError(r, "messages");
  r = sd_bus_message_exit_container(m);
  if (r < 0) return BusReadError(r, "messages");
  if (!failure.ok()) return failure;
  LLMCORE_RETURN_IF_ERROR(ValidateChatMessages(messages));
  return messages;
}

Status ValidateChatMessages(const std::vector<text::ChatMessage>& messages) {
  if (messages.empty()) {
    return Status(StatusCode::kInvalidArgument, "the chat has no messages");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    if (role != "system" && role != "user" && role != "assistant") {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("message {}: role '{}' is not system, user or assistant", i, role));
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReadStringArray(sd_bus_message* m, size_t max_items) {
  char** strv = nullptr;
  const int r = sd_bus_message_read_strv(m, &strv);
  if (r < 0) return BusReadError(r, "string array");
  std::vector<std::string> out;
  for (char** s = strv; s && *s; ++s) {
    out.emplace_back(*s);
    free(*s);
  }
  free(static_cast<void*>(strv));
  if (out.size() > max_items) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("{} strings given, at most {} allowed", out.size(), max_items));
  }
  return out;
}

}  // namespace llmcore::service
