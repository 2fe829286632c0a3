#include "options.h"

#include <fmt/format.h>

#include <cstring>
#include <type_traits>

namespace llmcore::llmctl {
namespace {

Status AppendFailure(int r, const std::string& key) {
  return Status(StatusCode::kInternal,
                fmt::format("building option '{}': {}", key, std::strerror(-r)));
}

// Appends the variant's contents (the message is inside the 'v' container).
int AppendValue(sd_bus_message* m, const OptionValue& value) {
  return std::visit(
      [m](const auto& v) -> int {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          const int b = v ? 1 : 0;
          return sd_bus_message_append_basic(m, SD_BUS_TYPE_BOOLEAN, &b);
        } else if constexpr (std::is_same_v<T, int32_t>) {
          return sd_bus_message_append_basic(m, SD_BUS_TYPE_INT32, &v);
        } else if constexpr (std::is_same_v<T, uint32_t>) {
          return sd_bus_message_append_basic(m, SD_BUS_TYPE_UINT32, &v);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          return sd_bus_message_append_basic(m, SD_BUS_TYPE_UINT64, &v);
        } else if constexpr (std::is_same_v<T, double>) {
          return sd_bus_message_append_basic(m, SD_BUS_TYPE_DOUBLE, &v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, v.c_str());
        } else {
          int r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "s");
          for (size_t i = 0; r >= 0 && i < v.size(); ++i) {
            r = sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, v[i].c_str());
          }
          return r < 0 ? r : sd_bus_message_close_container(m);
        }
      },
      value);
}

}  // namespace

const char* OptionSignature(const OptionValue& value) {
  static constexpr const char* kSignatures[] = {"b", "i", "u", "t", "d", "s", "as"};
  static_assert(std::variant_size_v<OptionValue> == std::size(kSignatures));
  return kSignatures[value.index()];
}

GenerateOptions::GenerateOptions(const GenerationFlags& flags) {
  llmcore_generate_default_options(&options_);
  if (flags.max_tokens) options_.max_tokens = *flags.max_tokens;
  if (flags.temperature) options_.temperature = *flags.temperature;
  if (flags.top_k) options_.top_k = *flags.top_k;
  if (flags.top_p) options_.top_p = *flags.top_p;
  if (flags.min_p) options_.min_p = *flags.min_p;
  if (flags.repeat_penalty) options_.repeat_penalty = *flags.repeat_penalty;
  if (flags.seed) {
    options_.has_seed = 1;
    options_.seed = *flags.seed;
  }
  for (const std::string& stop : flags.stop) stop_.push_back(stop.c_str());
  options_.stop = stop_.empty() ? nullptr : stop_.data();
  options_.stop_count = stop_.size();
  options_.ignore_eos = flags.ignore_eos ? 1 : 0;
}

OptionList LoadOptions(bool pin, const std::string& driver, const std::string& device) {
  OptionList out;
  if (pin) out.emplace_back("pin", true);
  if (!driver.empty()) out.emplace_back("driver", driver);
  if (!device.empty()) out.emplace_back("device", device);
  return out;
}

OptionList SwapOptions(std::optional<uint32_t> threads, bool reprocess) {
  OptionList out;
  if (threads) out.emplace_back("threads", *threads);
  if (reprocess) out.emplace_back("method", std::string("reprocess"));
  return out;
}

OptionList VerifyOptions(std::optional<uint32_t> tokens) {
  OptionList out;
  if (tokens) out.emplace_back("tokens", *tokens);
  return out;
}

Status AppendOptions(sd_bus_message* message, const OptionList& options) {
  int r = sd_bus_message_open_container(message, SD_BUS_TYPE_ARRAY, "{sv}");
  if (r < 0) return AppendFailure(r, "a{sv}");
  for (const auto& [key, value] : options) {
    r = sd_bus_message_open_container(message, SD_BUS_TYPE_DICT_ENTRY, "sv");
    if (r >= 0) r = sd_bus_message_append_basic(message, SD_BUS_TYPE_STRING, key.c_str());
    if (r >= 0) {
      r = sd_bus_message_open_container(message, SD_BUS_TYPE_VARIANT, OptionSignature(value));
    }
    if (r >= 0) r = AppendValue(message, value);
    if (r >= 0) r = sd_bus_message_close_container(message);  // v
    if (r >= 0) r = sd_bus_message_close_container(message);  // e
    if (r < 0) return AppendFailure(r, key);
  }
  r = sd_bus_message_close_container(message);
  if (r < 0) return AppendFailure(r, "a{sv}");
  return Status::Ok();
}

}  // namespace llmcore::llmctl
