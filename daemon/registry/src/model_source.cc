#include "llmcore/registry/model_source.h"

#include <algorithm>

namespace llmcore::registry {

std::string_view ModelSourceKindName(ModelSource::Kind kind) {
  switch (kind) {
    case ModelSource::kDirectory: return "directory";
    case ModelSource::kHuggingFace: return "huggingface";
    case ModelSource::kOllama: return "ollama";
  }
  return "unknown";
}

std::vector<ModelSource> ModelSources(const config::DaemonConfig& config) {
  std::vector<ModelSource> sources;
  const auto add = [&sources](ModelSource::Kind kind, const std::vector<std::string>& roots) {
    for (const std::string& root : roots) {
      ModelSource source{kind, root};
      if (std::find(sources.begin(), sources.end(), source) == sources.end()) {
        sources.push_back(std::move(source));
      }
    }
  };
  add(ModelSource::kDirectory, config.models.directories);
  add(ModelSource::kHuggingFace, config.models.huggingface_caches);
  add(ModelSource::kOllama, config.models.ollama_stores);
  return sources;
}

}  // namespace llmcore::registry
