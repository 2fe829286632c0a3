// ServiceSettings: what the D-Bus service needs from the configuration, in
// the units it uses. Built from the parsed configuration file (see
// daemon/config) by SettingsFromConfig; tests build it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llmcore/config/daemon_config.h"
#include "llmcore/registry/model_registry.h"
#include "llmcore/registry/model_source.h"

namespace llmcore::service {

struct ServiceSettings {
  std::string driver_directory;
  uint32_t threads = 0;
  uint32_t max_sessions_per_user = 16;
  uint32_t max_queued_per_user = 8;
  uint32_t max_queued = 64;
  uint64_t max_prompt_bytes = 256 * 1024;
  uint32_t max_tokens = 4096;
  // nullopt: a stop waits for every running generation.
  std::optional<std::chrono::milliseconds> drain_timeout = std::chrono::seconds(10);

  std::vector<registry::ModelSource> model_sources;
  std::string default_model = "stories260K";
  std::vector<std::string> preload;
  std::vector<std::string> pinned;
  // nullopt: never unload for idleness.
  std::optional<std::chrono::milliseconds> keep_alive = std::chrono::minutes(5);
  uint32_t context_length = 4096;
  uint32_t max_sequences = 16;
  uint32_t batch_size = 512;
  uint64_t memory_budget_bytes = 0;  // for the CPU device
};

// `physical_memory` resolves a percentage budget.
ServiceSettings SettingsFromConfig(const config::DaemonConfig& config, uint64_t physical_memory);

}  // namespace llmcore::service
