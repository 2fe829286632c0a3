#include "llmcore/service/settings.h"

#include "llmcore/registry/model_source.h"

namespace llmcore::service {

ServiceSettings SettingsFromConfig(const config::DaemonConfig& config, uint64_t physical_memory) {
  ServiceSettings s;
  s.driver_directory = config.daemon.driver_directory;
  s.threads = config.daemon.threads;
  s.max_sessions_per_user = config.daemon.max_sessions_per_user;
  s.max_queued_per_user = config.daemon.max_queued_per_user;
  s.max_queued = config.daemon.max_queued;
  s.max_prompt_bytes = config.daemon.max_prompt_bytes;
  s.max_tokens = config.daemon.max_tokens;
  if (config.daemon.drain_timeout != config::kInfiniteTimeSpan) {
    s.drain_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(config.daemon.drain_timeout);
  } else {
    s.drain_timeout.reset();
  }
  s.model_sources = registry::ModelSources(config);
  s.default_model = config.models.default_model;
  s.preload = config.models.preload;
  s.pinned = config.models.pin;
  if (config.models.keep_alive == config::kInfiniteTimeSpan) {
    s.keep_alive.reset();
  } else {
    s.keep_alive = std::chrono::duration_cast<std::chrono::milliseconds>(config.models.keep_alive);
  }
  s.context_length = config.models.context_length;
  s.max_sequences = config.models.max_sequences;
  s.batch_size = config.models.batch_size;
  s.memory_budget_bytes = config::ResolveMemoryBudget(config, physical_memory);
  return s;
}

}  // namespace llmcore::service
