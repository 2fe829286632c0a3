#include "schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "llmcore/config/model_name.h"
#include "llmcore/config/value_syntax.h"
#include "quote.h"

namespace llmcore::config::internal {
namespace {

// One key: how a non-empty value is applied, what an empty one does, and how
// the field is written back. Each kind of value below supplies the three
// functions for one DaemonConfig field, named by two member pointers
// (section, field), so the table at the bottom stays one line per key.
struct KeySpec {
  ConfigKey name;
  Status (*assign)(DaemonConfig& config, std::string_view value);  // value is not empty
  void (*reset)(DaemonConfig& config);
  void (*format)(const DaemonConfig& config, std::vector<std::string>* values);
  bool list;
};

template <auto kSection, auto kField>
auto& FieldOf(DaemonConfig& config) {
  return (config.*kSection).*kField;
}
template <auto kSection, auto kField>
const auto& FieldOf(const DaemonConfig& config) {
  return (config.*kSection).*kField;
}

template <auto kSection, auto kField>
void ResetToDefault(DaemonConfig& config) {
  FieldOf<kSection, kField>(config) = FieldOf<kSection, kField>(DaemonConfig{});
}
template <auto kSection, auto kField>
void ResetToEmpty(DaemonConfig& config) {
  FieldOf<kSection, kField>(config).clear();
}

template <auto kSection, auto kField, uint64_t kMin, uint64_t kMax>
struct Integer {
  using Field = std::remove_cvref_t<decltype(FieldOf<kSection, kField>(DaemonConfig{}))>;
  static_assert(kMax <= std::numeric_limits<Field>::max());
  static Status Assign(DaemonConfig& config, std::string_view value) {
    LLMCORE_ASSIGN_OR_RETURN(const uint64_t n, ParseInteger(value, kMin, kMax));
    FieldOf<kSection, kField>(config) = static_cast<Field>(n);
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    values->push_back(std::to_string(FieldOf<kSection, kField>(config)));
  }
};

template <auto kSection, auto kField, uint64_t kMin, uint64_t kMax>
struct Size {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    auto& field = FieldOf<kSection, kField>(config);
    LLMCORE_ASSIGN_OR_RETURN(field, ParseSize(value, kMin, kMax));
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    values->push_back(FormatSize(FieldOf<kSection, kField>(config)));
  }
};

template <auto kSection, auto kField>
struct TimeSpan {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    auto& field = FieldOf<kSection, kField>(config);
    LLMCORE_ASSIGN_OR_RETURN(field, ParseTimeSpan(value));
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    values->push_back(FormatTimeSpan(FieldOf<kSection, kField>(config)));
  }
};

template <auto kSection, auto kField>
struct Percent {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    auto& field = FieldOf<kSection, kField>(config);
    LLMCORE_ASSIGN_OR_RETURN(field, ParsePercent(value));
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    values->push_back(fmt::format("{}%", FieldOf<kSection, kField>(config)));
  }
};

template <auto kSection, auto kField>
struct Memory {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    auto& field = FieldOf<kSection, kField>(config);
    LLMCORE_ASSIGN_OR_RETURN(field, ParseMemoryLimit(value));
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    values->push_back(FormatMemoryLimit(FieldOf<kSection, kField>(config)));
  }
};

// An absolute path without trailing '/' (except "/" itself). A path that
// would then end in whitespace is refused: the file format trims values, so
// it could not be written back.
Result<std::string> ParsePath(std::string_view value) {
  if (value.front() != '/') {
    return Status(StatusCode::kInvalidArgument, Quote(value) + " is not an absolute path");
  }
  while (value.size() > 1 && value.back() == '/') value.remove_suffix(1);
  if (value.back() == ' ' || value.back() == '\t' || value.back() == '\r') {
    return Status(StatusCode::kInvalidArgument,
                  Quote(value) + " ends in whitespace, which values cannot keep");
  }
  return std::string(value);
}

void AppendNew(std::vector<std::string>& list, std::string item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
}

template <auto kSection, auto kField>
struct Path {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    auto& field = FieldOf<kSection, kField>(config);
    LLMCORE_ASSIGN_OR_RETURN(field, ParsePath(value));
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    values->push_back(FieldOf<kSection, kField>(config));
  }
};

template <auto kSection, auto kField>
struct PathList {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    LLMCORE_ASSIGN_OR_RETURN(std::string path, ParsePath(value));
    AppendNew(FieldOf<kSection, kField>(config), std::move(path));
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    const auto& list = FieldOf<kSection, kField>(config);
    values->insert(values->end(), list.begin(), list.end());
  }
};

template <auto kSection, auto kField>
struct Name {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    LLMCORE_RETURN_IF_ERROR(ValidateModelName(value));
    FieldOf<kSection, kField>(config) = std::string(value);
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    values->push_back(FieldOf<kSection, kField>(config));
  }
};

// Names separated by spaces or tabs; all are checked before any is added, so
// a bad one leaves the list as it was.
template <auto kSection, auto kField>
struct NameList {
  static Status Assign(DaemonConfig& config, std::string_view value) {
    std::vector<std::string> names;
    size_t pos = 0;
    while (pos < value.size()) {
      const size_t end = std::min(value.find_first_of(" \t", pos), value.size());
      if (end > pos) {
        const std::string_view name = value.substr(pos, end - pos);
        LLMCORE_RETURN_IF_ERROR(ValidateModelName(name));
        names.emplace_back(name);
      }
      pos = end + 1;
    }
    for (std::string& name : names) AppendNew(FieldOf<kSection, kField>(config), std::move(name));
    return Status::Ok();
  }
  static void Format(const DaemonConfig& config, std::vector<std::string>* values) {
    const auto& list = FieldOf<kSection, kField>(config);
    values->insert(values->end(), list.begin(), list.end());
  }
};

template <template <auto, auto> class Kind, auto kSection, auto kField>
constexpr KeySpec Scalar(std::string_view section, std::string_view key) {
  using K = Kind<kSection, kField>;
  return {{section, key}, &K::Assign, &ResetToDefault<kSection, kField>, &K::Format, false};
}

template <template <auto, auto> class Kind, auto kSection, auto kField>
constexpr KeySpec List(std::string_view section, std::string_view key) {
  using K = Kind<kSection, kField>;
  return {{section, key}, &K::Assign, &ResetToEmpty<kSection, kField>, &K::Format, true};
}

template <template <auto, auto, uint64_t, uint64_t> class Kind, auto kSection, auto kField,
          uint64_t kMin, uint64_t kMax>
constexpr KeySpec Ranged(std::string_view section, std::string_view key) {
  using K = Kind<kSection, kField, kMin, kMax>;
  return {{section, key}, &K::Assign, &ResetToDefault<kSection, kField>, &K::Format, false};
}

constexpr auto kDaemon = &DaemonConfig::daemon;
constexpr auto kModels = &DaemonConfig::models;
constexpr auto kMemory = &DaemonConfig::memory;
using D = DaemonSection;
using M = ModelsSection;
using R = MemorySection;

constexpr std::array<std::string_view, 3> kSections = {"Daemon", "Models", "Memory"};

// Every key with its range. Defaults are the member initializers of
// daemon_config.h; etc/llmcored.conf documents both.
constexpr std::array<KeySpec, 20> kKeys = {
    Scalar<Path, kDaemon, &D::driver_directory>("Daemon", "DriverDirectory"),
    Ranged<Integer, kDaemon, &D::threads, 0, 4096>("Daemon", "Threads"),
    Ranged<Integer, kDaemon, &D::max_sessions_per_user, 1, 65536>("Daemon", "MaxSessionsPerUser"),
    Ranged<Integer, kDaemon, &D::max_queued_per_user, 0, 65536>("Daemon", "MaxQueuedPerUser"),
    Ranged<Integer, kDaemon, &D::max_queued, 0, 1 << 20>("Daemon", "MaxQueued"),
    Ranged<Size, kDaemon, &D::max_prompt_bytes, 1, 1 << 30>("Daemon", "MaxPromptBytes"),
    Ranged<Integer, kDaemon, &D::max_tokens, 1, 1 << 20>("Daemon", "MaxTokens"),
    Scalar<TimeSpan, kDaemon, &D::drain_timeout>("Daemon", "DrainTimeout"),

    List<PathList, kModels, &M::directories>("Models", "Directory"),
    List<PathList, kModels, &M::huggingface_caches>("Models", "HuggingFaceCache"),
    List<PathList, kModels, &M::ollama_stores>("Models", "OllamaModels"),
    Scalar<Name, kModels, &M::default_model>("Models", "Default"),
    List<NameList, kModels, &M::preload>("Models", "Preload"),
    List<NameList, kModels, &M::pin>("Models", "Pin"),
    Scalar<TimeSpan, kModels, &M::keep_alive>("Models", "KeepAlive"),
    Ranged<Integer, kModels, &M::context_length, 16, 1 << 20>("Models", "ContextLength"),
    Ranged<Integer, kModels, &M::max_sequences, 1, 4096>("Models", "MaxSequences"),
    Ranged<Integer, kModels, &M::batch_size, 1, 65536>("Models", "BatchSize"),

    Scalar<Memory, kMemory, &R::budget>("Memory", "Budget"),
    Scalar<Percent, kMemory, &R::gpu_budget_percent>("Memory", "GpuBudget"),
};

constexpr std::array<ConfigKey, kKeys.size()> kKeyNames = [] {
  std::array<ConfigKey, kKeys.size()> names;
  for (size_t i = 0; i < kKeys.size(); ++i) names[i] = kKeys[i].name;
  return names;
}();

}  // namespace

Status CheckSection(std::string_view section) {
  if (std::find(kSections.begin(), kSections.end(), section) != kSections.end()) {
    return Status::Ok();
  }
  return Status(StatusCode::kInvalidArgument,
                fmt::format("unknown section [{}] (known: [{}])", Quote(section, 80),
                            fmt::join(kSections, "], [")));
}

Status Assign(std::string_view section, std::string_view key, std::string_view value,
              DaemonConfig& config) {
  const KeySpec* spec = nullptr;
  std::vector<std::string_view> known;
  for (const KeySpec& candidate : kKeys) {
    if (candidate.name.section != section) continue;
    known.push_back(candidate.name.key);
    if (candidate.name.key == key) spec = &candidate;
  }
  if (spec == nullptr) {
    return Status(StatusCode::kInvalidArgument, fmt::format("unknown key (the keys of [{}] are {})",
                                                            section, fmt::join(known, ", ")));
  }
  if (value.empty()) {
    spec->reset(config);
    return Status::Ok();
  }
  return spec->assign(config, value);
}

std::span<const ConfigKey> Keys() {
  return kKeyNames;
}

std::string Format(const DaemonConfig& config) {
  std::string out;
  std::string_view section;
  std::vector<std::string> values;
  for (const KeySpec& spec : kKeys) {
    if (spec.name.section != section) {
      section = spec.name.section;
      out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", section);
    }
    values.clear();
    spec.format(config, &values);
    if (spec.list) out += fmt::format("{}=\n", spec.name.key);
    for (const std::string& value : values) out += fmt::format("{}={}\n", spec.name.key, value);
  }
  return out;
}

}  // namespace llmcore::config::internal
